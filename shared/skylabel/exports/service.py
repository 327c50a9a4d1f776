"""Exports as jobs: plan → parts (one per task-index shard, in parallel) → assemble → finish.

Why this shape: an export must work at any size with flat memory. Each part reads only its shard's tasks
and writes its bytes to the BlobStore; `finish` streams the parts through the format's `assemble` into
the final object (an S3 multipart upload in AWS), zipping when a format has several files. Every step is
idempotent — part keys are derived from the export, format and part index, so a retried step overwrites
its own output — and checks that the export still exists, so deleting a running export just stops it.
The same steps run in the thread pool locally, under Step Functions in AWS, and inline for the
synchronous `GET /export` of a small project.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from skylabel import ids, keys
from skylabel.context import Actor, Context
from skylabel.errors import Invalid, NotFound
from skylabel.exports.json_export import export_task
from skylabel.formats import FORMATS, get_format
from skylabel.labeling_config import parse_label_config
from skylabel.ports import BlobNotFound, Condition, ConditionFailed
from skylabel.projects.service import ProjectService
from skylabel.tasks.index import TaskIndex
from skylabel.tasks.payload import hydrate
from skylabel.tasks.views import Bundle, load_bundle
from skylabel.timeutil import iso
from skylabel.users.service import UserService

logger = logging.getLogger("skylabel.exports")

# Every format Label Studio 1.23 lists, in its order; the ones a config cannot use come back disabled.
CATALOGUE = [
    ("JSON", "JSON", "List of items in raw JSON format stored in one JSON file. Use to export both the data and the "
                     "annotations for a dataset. It's Label Studio Common Format"),
    ("JSON_MIN", "JSON-MIN", 'List of items where only "from_name", "to_name" values from the raw JSON format are '
                             "exported. Use to export only the annotations for a dataset."),
    ("CSV", "CSV", "Results are stored as comma-separated values with the column names specified by the values of "
                   'the "from_name" and "to_name" fields.'),
    ("TSV", "TSV", 'Results are stored in tab-separated tabular file with column names specified by "from_name" '
                   '"to_name" values'),
    ("CONLL2003", "CONLL2003", "Popular format used for the CoNLL-2003 named entity recognition challenge."),
    ("COCO", "COCO", "Popular machine learning format used by the COCO dataset for object detection and image "
                     "segmentation tasks with polygons and rectangles."),
    ("VOC", "Pascal VOC XML", "Popular XML format used for object detection and polygon image segmentation tasks."),
    ("BRUSH_TO_NUMPY", "Brush labels to NumPy", "Export your brush labels as NumPy 2d arrays. Each label outputs as "
                                                "one image."),
    ("BRUSH_TO_PNG", "Brush labels to PNG", "Export your brush labels as PNG images. Each label outputs as one image."),
    ("ASR_MANIFEST", "ASR Manifest", "Export audio transcription labels for automatic speech recognition as the JSON "
                                     "manifest format expected by NVIDIA NeMo models."),
    ("YOLO", "YOLO", "Popular TXT format is created for each image file. Each txt file contains annotations for the "
                     "corresponding image file, that is object class, object coordinates, height & width."),
    ("YOLO_OBB", "YOLOv8 OBB", "Popular TXT format is created for each image file. Each txt "
                 "file contains annotations for the corresponding image file. The YOLO OBB format designates bounding "
                 "boxes by their four corner points with coordinates normalized between 0 and 1."),
]
INLINE_EXPORT_TASKS = 20_000  # the synchronous endpoint answers the file itself up to this many tasks
PART_MARKER_SECONDS = 2 * 24 * 3600  # how long the per-part progress markers of a job are kept
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv", "tsv": "text/tab-separated-values",
                 "conll": "text/plain", "zip": "application/zip"}


class ExportOptions(BaseModel):
    """Which tasks and what of them: Label Studio's snapshot options, normalized."""

    model_config = ConfigDict(extra="ignore")
    all_tasks: bool = False
    ids: list[int] | None = None
    annotators: list[int] | None = None  # keep only annotations by these users
    with_predictions: bool = True
    predictions_only_id: bool = False
    ground_truth_only: bool = False

    def digest(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class SnapshotIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str = ""
    task_filter_options: dict = Field(default_factory=dict)
    annotation_filter_options: dict = Field(default_factory=dict)
    serialization_options: dict = Field(default_factory=dict)

    def options(self) -> ExportOptions:
        tasks, annotations, serialization = (self.task_filter_options or {}, self.annotation_filter_options or {},
                                             self.serialization_options or {})
        predictions = serialization.get("predictions") or {}
        by = serialization.get("annotations__completed_by") or {}
        return ExportOptions(
            all_tasks=not (tasks.get("only_with_annotations") or tasks.get("annotated") == "only"),
            ids=tasks.get("ids") or None,
            annotators=by.get("ids") or annotations.get("annotators") or None,
            with_predictions=predictions.get("include", True) is not False,
            predictions_only_id=bool(predictions.get("only_id")),
            ground_truth_only=bool(annotations.get("ground_truth")),
        )


def part_key(export: dict, fmt: str, index: int) -> str:
    return f"exports/{export['project']}/{export['id']}/{fmt}/parts/{index:06d}"


def file_key(export: dict, fmt: str, filename: str) -> str:
    return f"exports/{export['project']}/{export['id']}/{fmt}/{filename}"


class ExportService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def _now(self) -> str:
        return iso(self.ctx.clock())

    # --- formats ----------------------------------------------------------------------------------------------

    def formats(self, actor: Actor, project_id: int) -> list[dict]:
        project = ProjectService(self.ctx).get_item(actor, project_id)
        enabled = set(parse_label_config(project.get("label_config")).export_formats) & set(FORMATS)
        return [{"name": name, "title": title, "description": description,
                 "link": f"https://labelstud.io/guide/export.html#{title.replace(' ', '-')}",
                 **({} if name in enabled else {"disabled": True})} for name, title, description in CATALOGUE]

    def check_format(self, project: dict, name: str) -> str:
        name = (name or "JSON").upper()
        config = parse_label_config(project.get("label_config"))
        usable = [f for f in config.export_formats if f in FORMATS]
        if name not in {n for n, _, _ in CATALOGUE} and name not in FORMATS:
            raise _format_error(f"Unknown export format {name}; choose one of: {', '.join(sorted(FORMATS))}.")
        if name not in config.export_formats:
            raise _format_error(f"Export format {name} does not apply to this project's labeling config (it needs "
                                f"{_why(name)}); available here: {', '.join(usable)}.")
        if name not in FORMATS:
            raise _format_error(f"Export format {name} is not available in Skylabel yet; available here: "
                                f"{', '.join(usable)}.")
        return name

    # --- records ----------------------------------------------------------------------------------------------

    def create(self, actor: Actor, project_id: int, *, title: str = "", options: ExportOptions,
               fmt: str = "JSON", start: bool = True) -> dict:
        project = ProjectService(self.ctx).get_item(actor, project_id)
        fmt = self.check_format(project, fmt)
        export_id = ids.allocate_one(self.store, "export")
        now = self._now()
        pk, sk = keys.export(export_id)
        item = {"pk": pk, "sk": sk, "gsi1pk": keys.project_exports(project_id), "gsi1sk": keys.pad(export_id),
                "id": export_id, "project": project_id, "organization": actor.organization_id,
                "created_by": actor.user_id, "title": title or f"Export {now[:16]}", "created_at": now,
                "finished_at": None, "status": "created", "md5": None, "counters": {"task_number": 0},
                "options": options.model_dump(), "digest": options.digest(), "files": {}}
        self.store.put(item, Condition.not_exists())
        self._convert(item, fmt, start=start)
        return self.store.get(pk, sk)

    def _convert(self, export: dict, fmt: str, *, start: bool) -> None:
        entry = {"status": "queued", "filename": None, "size": None, "md5": None, "error": None,
                 "created_at": self._now(), "progress": 0.0}
        self.store.update(*keys.export(export["id"]), set={f"files_{fmt}": entry})
        if start:
            if self.ctx.jobs is None:
                raise RuntimeError("no job runner configured")
            self.ctx.jobs.start("export", f"export-{export['id']}-{fmt.lower()}",
                                {"export_id": export["id"], "format": fmt})

    def convert(self, actor: Actor, project_id: int, export_id: int, fmt: str) -> dict:
        export = self.get(actor, project_id, export_id)
        project = ProjectService(self.ctx).get_item(actor, project_id)
        fmt = self.check_format(project, fmt)
        if export.get(f"files_{fmt}", {}).get("status") not in ("queued", "in_progress", "completed"):
            self._convert(export, fmt, start=True)
        return {"export_type": fmt, "converted_format": export_id}

    def get(self, actor: Actor, project_id: int, export_id: int) -> dict:
        item = self.store.get(*keys.export(export_id))
        if item is None or item.get("project") != project_id or item.get("organization") != actor.organization_id:
            raise NotFound("No Export matches the given query.")
        return item

    def list(self, actor: Actor, project_id: int) -> list[dict]:
        ProjectService(self.ctx).get_item(actor, project_id)
        return self.store.query(keys.project_exports(project_id), index="gsi1", forward=False).items

    def delete(self, actor: Actor, project_id: int, export_id: int) -> None:
        export = self.get(actor, project_id, export_id)
        self.store.delete(*keys.export(export_id))
        for key in self.ctx.blobs.list(f"exports/{project_id}/{export['id']}/"):
            self.ctx.blobs.delete(key)

    def view(self, export: dict) -> dict:
        """Label Studio's Export object, plus per-format progress."""
        converted = []
        for name, entry in sorted(files_of(export).items()):
            converted.append({"id": export["id"], "status": entry["status"], "export_type": name,
                              "traceback": entry.get("error"), "progress": self._progress(export["id"], name, entry),
                              "size": entry.get("size"), "filename": entry.get("filename")})
        # The snapshot's status is its first format's (JSON for Label Studio's snapshot API).
        first = files_of(export).get("JSON") or next(iter(files_of(export).values()), {})
        return {"id": export["id"], "title": export["title"],
                "created_by": UserService(self.ctx).brief(export.get("created_by")),
                "created_at": export["created_at"], "finished_at": export.get("finished_at"),
                "status": _ls_status(first.get("status")),
                "md5": first.get("md5") or export.get("md5"), "counters": export.get("counters", {}),
                "converted_formats": converted, "task_filter_options": None, "annotation_filter_options": None,
                "serialization_options": None}

    # --- the steps -----------------------------------------------------------------------------------------

    def _load(self, export_id: int) -> tuple[dict, dict] | None:
        export = self.store.get(*keys.export(export_id))
        if export is None:
            return None
        project = self.store.get(*keys.project(export["project"]))
        return (export, project) if project else None

    def plan(self, export_id: int, fmt: str) -> list[dict]:
        loaded = self._load(export_id)
        if loaded is None:
            return []
        export, _ = loaded
        wanted = export["options"].get("ids")
        shards = TaskIndex(self.store).shards(export["project"])
        if wanted:
            shards = sorted({keys.task_shard(i) for i in wanted} & set(shards))
        self._set_file(export_id, fmt, status="in_progress", started_at=self._now(), parts=len(shards))
        return [{"index": i, "shard": shard} for i, shard in enumerate(shards)]

    def run_part(self, export_id: int, fmt: str, part: dict) -> dict:
        loaded = self._load(export_id)
        if loaded is None:
            return {"index": part["index"], "count": 0, "summary": {}, "gone": True}
        export, project = loaded
        options = ExportOptions(**export["options"])
        partition = keys.project_tasks(export["project"], part["shard"])
        items = self.store.query(partition, index="gsi1").items
        tasks = [export_task(bundle) for bundle in self._bundles(items, options)]
        tasks = [shape(task, options) for task in tasks]
        formatter = get_format(fmt)
        state = formatter.begin(parse_label_config(project.get("label_config")), _project_view(project))
        result = formatter.part(state, tasks)
        self.ctx.blobs.put(part_key(export, fmt, part["index"]), result.body)
        self._mark_part_done(export_id, fmt, part["index"])
        return {"index": part["index"], "count": len(tasks), "summary": result.summary}

    def _mark_part_done(self, export_id: int, fmt: str, index: int) -> None:
        """One marker per part, written once (a retried part does not count twice); they expire on their own."""
        pk, sk = keys.export_part_done(export_id, fmt, index)
        try:
            self.store.put({"pk": pk, "sk": sk, "ttl": int(self.ctx.clock()) + PART_MARKER_SECONDS},
                           Condition.not_exists())
        except ConditionFailed:
            pass  # this part was counted by an earlier run of it

    def _progress(self, export_id: int, fmt: str, entry: dict) -> float:
        """1.0 once the file is written; while parts run, the share of parts done (assembling is the last 1 %)."""
        if entry.get("status") != "in_progress" or not entry.get("parts"):
            return entry.get("progress", 0.0)
        done = self.store.count(f"EXPORT#{export_id}", sk_begins_with=f"PARTDONE#{fmt}#")
        return round(min(done / entry["parts"], 0.99), 4)

    def _bundles(self, items: list[dict], options: ExportOptions) -> Iterator[Bundle]:
        """The shard's tasks with their labels: one query for all the shard's annotations and predictions
        (gsi2 `PROJECT#<id>#LABELS#<shard>`), not one per task. A task whose counters say it has labels the
        index did not return is read whole, so nothing is ever exported without its labels."""
        wanted = set(options.ids) if options.ids else None
        labels: dict[int, tuple[list[dict], list[dict]]] = {}
        if items:
            for label in self.store.query(keys.shard_labels(items[0]["project"], items[0]["id"]), index="gsi2").items:
                annotations, predictions = labels.setdefault(label["task"], ([], []))
                (predictions if label["sk"].startswith("PRED#") else annotations).append(label)
        for task in items:
            if wanted is not None and task["id"] not in wanted:
                continue
            n_annotations = task.get("total_annotations", 0) + task.get("cancelled_annotations", 0)
            if not options.all_tasks and not n_annotations:
                continue
            annotations, predictions = labels.get(task["id"], ([], []))
            if len(annotations) != n_annotations or len(predictions) != task.get("total_predictions", 0):
                bundle = load_bundle(self.store, task["id"])
                if bundle is None:
                    continue
            else:
                bundle = Bundle(task=task, annotations=annotations, predictions=predictions)
            hydrate(self.ctx, [bundle.task])
            yield bundle

    def finish(self, export_id: int, fmt: str, results: list[dict]) -> None:
        loaded = self._load(export_id)
        if loaded is None:
            return
        export, project = loaded
        results = sorted(results, key=lambda r: r["index"])
        formatter = get_format(fmt)
        state = formatter.begin(parse_label_config(project.get("label_config")), _project_view(project))
        files = list(formatter.assemble(state, [r["summary"] for r in results],
                                        lambda i: self.ctx.blobs.open(part_key(export, fmt, i))))
        digest = hashlib.md5(usedforsecurity=False)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H-%M")
        if len(files) == 1 and not files[0][0].endswith("/"):
            path, chunks = files[0]
            ext = path.rsplit(".", 1)[-1]
            body = _hashing(chunks, digest)
        else:
            ext = "zip"
            body = _hashing(_zip(files), digest)
        temp_key = file_key(export, fmt, "pending")
        size = self.ctx.blobs.put_stream(temp_key, body, CONTENT_TYPES.get(ext))
        filename = f"project-{export['project']}-at-{stamp}-{digest.hexdigest()[:8]}.{ext}"
        final = file_key(export, fmt, filename)
        self.ctx.blobs.put_stream(final, self.ctx.blobs.open(temp_key), CONTENT_TYPES.get(ext))
        self.ctx.blobs.delete(temp_key)
        for r in results:
            self.ctx.blobs.delete(part_key(export, fmt, r["index"]))
        now = self._now()
        try:
            self.store.update(*keys.export(export_id), set={
                f"files_{fmt}": {"status": "completed", "filename": filename, "key": final, "size": size,
                                 "md5": digest.hexdigest(), "error": None, "progress": 1.0, "finished_at": now,
                                 "ext": ext},
                "finished_at": now, "counters": {"task_number": sum(r["count"] for r in results)},
                **({"md5": digest.hexdigest()} if fmt == "JSON" else {})}, condition=Condition.exists())
        except ConditionFailed:
            self.ctx.blobs.delete(final)  # deleted while running: leave nothing behind

    def fail(self, export_id: int, fmt: str, message: str) -> None:
        logger.warning("export %s (%s) failed: %s", export_id, fmt, message)
        self._set_file(export_id, fmt, status="failed", error=message)

    def _set_file(self, export_id: int, fmt: str, **changes) -> None:
        export = self.store.get(*keys.export(export_id))
        if export is None:
            return
        entry = {**export.get(f"files_{fmt}", {}), **changes}
        try:
            self.store.update(*keys.export(export_id), set={f"files_{fmt}": entry}, condition=Condition.exists())
        except ConditionFailed:
            pass

    def run_inline(self, export_id: int, fmt: str) -> None:
        """Run every step here and now (the synchronous endpoint for small projects)."""
        try:
            results = [self.run_part(export_id, fmt, part) for part in self.plan(export_id, fmt)]
            self.finish(export_id, fmt, results)
        except Exception as exc:
            self.fail(export_id, fmt, f"{type(exc).__name__}: {exc}")
            raise

    # --- downloads --------------------------------------------------------------------------------------------

    def file_entry(self, export: dict, fmt: str) -> dict:
        entry = files_of(export).get(fmt.upper())
        if not entry or entry.get("status") != "completed":
            raise NotFound(f"The {fmt.upper()} file of export {export['id']} is not ready; "
                           f"POST …/exports/{export['id']}/convert to make it, then poll the export.")
        return entry

    def read(self, entry: dict) -> bytes:
        try:
            return self.ctx.blobs.get(entry["key"])
        except BlobNotFound:
            raise NotFound("The export file is gone; create the export again.") from None


def files_of(export: dict) -> dict[str, dict]:
    return {k[len("files_"):]: v for k, v in export.items() if k.startswith("files_") and isinstance(v, dict)}


def _ls_status(status: str | None) -> str:
    return {"queued": "in_progress", None: "created"}.get(status, status or "created")


def shape(task: dict, options: ExportOptions) -> dict:
    """Apply the annotation and prediction options to one export task."""
    if options.annotators:
        allowed = set(options.annotators)
        task["annotations"] = [a for a in task["annotations"] if a.get("completed_by") in allowed]
    if options.ground_truth_only:
        task["annotations"] = [a for a in task["annotations"] if a.get("ground_truth")]
    if not options.with_predictions:
        task["predictions"] = []
    elif options.predictions_only_id:
        task["predictions"] = [p["id"] for p in task["predictions"]]
    return task


def _project_view(project: dict) -> dict:
    return {"id": project["id"], "title": project.get("title", ""), "label_config": project.get("label_config")}


def _hashing(chunks: Iterable[bytes], digest) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def _zip(files: list[tuple[str, Iterable[bytes]]]) -> Iterator[bytes]:
    """Zip through a spooled temporary file: memory stays bounded whatever the archive's size."""
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path, chunks in files:
                if path.endswith("/"):
                    archive.writestr(zipfile.ZipInfo(path), b"")
                    continue
                with archive.open(path, "w", force_zip64=True) as member:
                    for chunk in chunks:
                        member.write(chunk)
        spool.seek(0)
        while chunk := spool.read(1024 * 1024):
            yield chunk


def _format_error(message: str) -> Invalid:
    return Invalid(message, {"export_type": [message]})


def _why(fmt: str) -> str:
    return {"CONLL2003": "a Text object with a Labels control",
            "COCO": "an Image with RectangleLabels, PolygonLabels or KeyPointLabels",
            "YOLO": "an Image with RectangleLabels, PolygonLabels or KeyPointLabels",
            "YOLO_OBB": "an Image with RectangleLabels or PolygonLabels",
            "VOC": "an Image with RectangleLabels",
            "BRUSH_TO_PNG": "an Image with BrushLabels", "BRUSH_TO_NUMPY": "an Image with BrushLabels",
            "ASR_MANIFEST": "an Audio object with a TextArea"}.get(fmt, "a matching object and control tag")


def sync_options(*, all_tasks: bool, ids: list[int] | None) -> ExportOptions:
    return ExportOptions(all_tasks=all_tasks, ids=ids or None)



class SyncExports:
    """`GET /api/projects/{id}/export`: the file now for a small project; for a big one, the export job's file.

    A big project's export runs as a job; the request waits for it (bounded) and the caller redirects to
    the finished file. A retry with the same options finds the same running job instead of starting another.
    """

    REUSE_SECONDS = 600

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.exports = ExportService(ctx)

    def file(self, actor: Actor, project_id: int, fmt: str, options: ExportOptions, *,
             wait_seconds: float) -> tuple[dict, dict] | None:
        """(export, file entry) once ready; None when still running after `wait_seconds` (ask again)."""
        project = ProjectService(self.ctx).get_item(actor, project_id)
        fmt = self.exports.check_format(project, fmt)
        if project.get("task_number", 0) <= INLINE_EXPORT_TASKS:
            export = self.exports.create(actor, project_id, title="sync export", options=options, fmt=fmt,
                                         start=False)
            self.exports.run_inline(export["id"], fmt)
            export = self.exports.get(actor, project_id, export["id"])
            return export, self.exports.file_entry(export, fmt)
        export = self._recent(actor, project_id, fmt, options) or self.exports.create(
            actor, project_id, title="sync export", options=options, fmt=fmt)
        deadline = self.ctx.clock() + wait_seconds
        while True:
            export = self.exports.get(actor, project_id, export["id"])
            entry = files_of(export).get(fmt, {})
            if entry.get("status") == "completed":
                return export, entry
            if entry.get("status") == "failed":
                raise Invalid(f"The export failed: {entry.get('error')}")
            if self.ctx.clock() >= deadline:
                return None
            time.sleep(0.2)

    def _recent(self, actor: Actor, project_id: int, fmt: str, options: ExportOptions) -> dict | None:
        digest = options.digest()
        for export in self.exports.list(actor, project_id):
            entry = files_of(export).get(fmt, {})
            fresh = _age_seconds(export["created_at"], self.ctx.clock()) < self.REUSE_SECONDS
            if export.get("digest") == digest and fresh and entry.get("status") in ("queued", "in_progress"):
                return export
        return None


def _age_seconds(created_at: str, now: float) -> float:
    then = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    return now - then
