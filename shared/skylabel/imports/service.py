"""Turn normalized tasks into stored items: the one write path of every import.

Everything is validated before anything is written, so a bad item costs nothing: the answer names the
item and the missing field and no task of that import exists. Ids come in blocks (one counter write per
kind), items go in with bulk writes, and the project's counters, shard counts and label usage move in
one transaction at the end of each batch — this is what makes a 100,000-task body cheap, and what lets
a resumable job (imports/jobs.py) commit each chunk exactly once.
"""

from __future__ import annotations

import hashlib
import itertools
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from skylabel import ids, keys
from skylabel.annotations.service import annotation_item, expand_bare_result, pointer, prediction_item
from skylabel.batching import chunked
from skylabel.context import Actor, Context
from skylabel.errors import Conflict, Invalid
from skylabel.labeling_config import LabelConfig, parse_label_config
from skylabel.ports import Condition, ConditionFailed, Update
from skylabel.projects.service import ProjectService
from skylabel.tasks.index import marker_updates, shard_counts
from skylabel.tasks.payload import offload_large
from skylabel.tasks.service import new_task_item, task_template
from skylabel.tasks.state import project_deltas, summary_update, task_counters, usage_delta
from skylabel.timeutil import iso

# How long the signed URL in a media file's task stays valid (the longest an S3 presigned URL can live).
MEDIA_URL_SECONDS = 7 * 24 * 3600
_ZERO = {"total_annotations": 0, "cancelled_annotations": 0, "total_predictions": 0, "is_labeled": False,
         "ground_truth_count": 0}


def _fail(position: int | str, message: str) -> Invalid:
    where = f"item {position}" if isinstance(position, int) else position
    text = f"Error at {where}: {message}"
    return Invalid(text, {"non_field_errors": [text]})


def normalize(index: int | str, raw: object, config: LabelConfig,
              preannotated: list[str]) -> tuple[dict, dict, list, list]:
    if not isinstance(raw, dict):
        raise _fail(index, "a task must be a JSON object")
    if isinstance(raw.get("data"), dict):
        data, meta = raw["data"], raw.get("meta") or {}
        annotations, predictions = raw.get("annotations") or [], raw.get("predictions") or []
    else:
        data, meta, annotations, predictions = raw, {}, [], []
    if not isinstance(meta, dict):
        raise _fail(index, '"meta" must be a JSON object')
    for key in config.data_keys:
        if key not in data:
            raise _fail(index, f'"{key}" key is expected in task data [{", ".join(sorted(map(str, data)))}]')
    for kind, entries in (("annotations", annotations), ("predictions", predictions)):
        if not isinstance(entries, list):
            raise _fail(index, f'"{kind}" must be a list')
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("result", []), list):
                raise _fail(index, f'each of "{kind}" must be an object whose "result" is a list')
    for name in preannotated:
        if name in data:
            predictions = [*predictions, {"result": expand_field(name, data[name], config), "score": 1.0,
                                          "model_version": "preannotated"}]
    return data, meta, annotations, predictions


def _normalize_all(raw_tasks: list, config: LabelConfig, preannotated: list[str]) -> list[tuple]:
    """Normalize every task; flat tasks (the bulk case) take a short path with the same checks."""
    required = config.data_keys
    out = []
    for index, raw in enumerate(raw_tasks):
        if type(raw) is dict and not preannotated:
            inner = raw.get("data")
            if inner is None and all(key in raw for key in required):
                out.append((raw, None, (), ()))  # a flat task: the whole object is its data
                continue
            if type(inner) is dict and len(raw) == 1 and all(key in inner for key in required):
                out.append((inner, None, (), ()))  # {"data": {...}} alone, as CSV/TSV/TXT rows come
                continue
        out.append(normalize(index, raw, config, preannotated))
    return out


def expand_field(name: str, value: object, config: LabelConfig) -> list[dict]:
    control = config.controls.get(name)
    if control is None:
        return expand_bare_result(value, config.xml)
    kind = control["type"].lower()
    to_name = control["to_name"][0] if control["to_name"] else ""
    key = "text" if kind == "textarea" else kind
    values = value if isinstance(value, list) else [value]
    return [{"from_name": name, "to_name": to_name, "type": kind, "value": {key: values}}]


@dataclass
class Built:
    """The items of one batch of tasks and the counter moves that must commit with them."""

    tasks: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    operations: list[Update] = field(default_factory=list)
    annotation_count: int = 0
    prediction_count: int = 0


@dataclass(frozen=True)
class IdBlocks:
    """First ids of a batch's blocks (tasks, inner ids, annotations, predictions); recorded by jobs."""

    task: int
    inner: int
    annotation: int
    prediction: int

    @classmethod
    def allocate(cls, store, project_id: int, entries: list[tuple]) -> IdBlocks:
        count = len(entries)
        n_ann = sum(len(e[2]) for e in entries)
        n_pred = sum(len(e[3]) for e in entries)
        return cls(
            task=ids.allocate(store, "task", count)[0],
            inner=store.increment(*keys.project(project_id), "next_inner_id", count) - count + 1,
            annotation=ids.allocate(store, "annotation", n_ann)[0] if n_ann else 0,
            prediction=ids.allocate(store, "prediction", n_pred)[0] if n_pred else 0,
        )


def build(project: dict, user_id: int, entries: list[tuple], blocks: IdBlocks, now: str) -> Built:
    """Items for normalized `entries` with ids from `blocks`; the same blocks always give the same items."""
    out = Built()
    template = task_template(project, now)
    deltas: dict[str, int] = {"task_number": len(entries)}
    label_items: list[dict] = []
    ann_ids, pred_ids = count_from(blocks.annotation), count_from(blocks.prediction)
    for offset, (data, meta, raw_anns, raw_preds) in enumerate(entries):
        task_id = blocks.task + offset
        task = new_task_item(task_id=task_id, template=template, data=data, meta=meta,
                             inner_id=blocks.inner + offset)
        if raw_anns or raw_preds:
            anns = [annotation_item(annotation_id=next(ann_ids), task=task, body=a, user_id=user_id, now=now)
                    for a in raw_anns]
            preds = [prediction_item(prediction_id=next(pred_ids), task=task, body=p, now=now) for p in raw_preds]
            counters = task_counters(task, anns, preds)
            task.update({k: v for k, v in counters.items() if k != "ground_truth_count"})
            for key, value in project_deltas(_ZERO, counters).items():
                deltas[key] = deltas.get(key, 0) + value
            out.labels += anns + [pointer(keys.annotation_pointer(a["id"]), task_id) for a in anns]
            out.labels += preds + [pointer(keys.prediction_pointer(p["id"]), task_id) for p in preds]
            label_items += anns
            out.annotation_count += len(anns)
            out.prediction_count += len(preds)
        out.tasks.append(task)
    project_id = project["id"]
    task_ids = range(blocks.task, blocks.task + len(entries))
    out.operations = [Update(*keys.project(project_id), add=deltas, condition=Condition.exists()),
                      *summary_update(project_id, usage_delta([], label_items)),
                      *marker_updates(project_id, shard_counts(task_ids))]
    return out


def count_from(first: int) -> Iterator[int]:
    return itertools.count(first)


def write(ctx: Context, built: Built, extra: list = ()) -> None:
    """Labels, then tasks (a task is never visible before its labels), then the counters in one transaction."""
    store = ctx.items
    offload_large(ctx, built.tasks)
    if built.labels:
        store.batch_put(built.labels)
    store.batch_put(built.tasks)
    for chunk in chunked([*extra, *built.operations], 100):
        store.transact(chunk)


def import_answer(*, tasks: int, annotations: int, predictions: int, started: float,
                  task_ids: list[int] | None = None, file_upload_ids: list | None = None,
                  found_formats: dict | list | None = None, data_columns: list | None = None) -> dict:
    """Label Studio's import response fields."""
    answer = {
        "task_count": tasks,
        "annotation_count": annotations,
        "predictions_count": predictions,
        "prediction_count": predictions,
        "duration": round(time.perf_counter() - started, 6),
        "file_upload_ids": file_upload_ids or [],
        "could_be_tasks_list": False,
        "found_formats": found_formats or [],
        "data_columns": data_columns or [],
    }
    if task_ids is not None:
        answer["task_ids"] = task_ids
    return answer


def predict_after_import(ctx: Context, project: dict | int, ranges: list[list[int]], user_id: int) -> None:
    """Start the project's automatic predictions for imported tasks (skylabel.ml; imported late: ml imports us)."""
    from skylabel.ml.jobs import predict_after_import as start

    start(ctx, project, ranges, user_id)


class ImportService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def import_json(self, actor: Actor, project_id: int, payload: object, *, return_task_ids: bool = False,
                    preannotated_from_fields: list[str] | None = None, idempotency_key: str | None = None) -> dict:
        """A JSON body: all of it validated, then written as one batch, answered with Label Studio's fields.

        With an `Idempotency-Key`, a retried request (the SDK retries POSTs on timeouts and 5xx) gets the first
        answer back instead of importing the tasks again; the key is remembered for a day.
        """
        started = time.perf_counter()
        project = ProjectService(self.ctx).get_item(actor, project_id)
        claim = self._claim(project_id, idempotency_key) if idempotency_key else None
        if claim is not None and claim.get("status") == "done":
            return _replay(claim, return_task_ids)
        try:
            entries, blocks, built = self._import_entries(actor, project, payload, preannotated_from_fields)
        except BaseException:
            if claim is not None:
                self.store.delete(claim["pk"], claim["sk"])  # a corrected retry with the same key may run
            raise
        task_ids = list(range(blocks.task, blocks.task + len(entries))) if return_task_ids else None
        answer = import_answer(tasks=len(entries), annotations=built.annotation_count,
                               predictions=built.prediction_count, started=started, task_ids=task_ids)
        predict_after_import(self.ctx, project, [[blocks.task, len(entries)]], actor.user_id)
        if claim is not None:
            stored = {k: v for k, v in answer.items() if k != "task_ids"}
            self.store.update(claim["pk"], claim["sk"], set={
                "status": "done", "answer": stored, "first_task": blocks.task, "count": len(entries),
                "ttl": int(self.ctx.clock()) + IDEMPOTENCY_SECONDS})
        return answer

    def _import_entries(self, actor: Actor, project: dict, payload: object,
                        preannotated_from_fields: list[str] | None) -> tuple[list[tuple], IdBlocks, Built]:
        raw_tasks = payload if isinstance(payload, list) else [payload] if isinstance(payload, dict) else None
        if raw_tasks is None:
            raise Invalid("Send a JSON list of tasks or one task object.",
                          {"non_field_errors": ["Expected a list of tasks or a task object."]})
        if not raw_tasks:
            raise Invalid("load_tasks: No tasks added", {"non_field_errors": ["load_tasks: No tasks added"]})
        config = parse_label_config(project.get("label_config"))
        entries = _normalize_all(raw_tasks, config, preannotated_from_fields or [])
        blocks = IdBlocks.allocate(self.store, project["id"], entries)
        built = build(project, actor.user_id, entries, blocks, iso(self.ctx.clock()))
        write(self.ctx, built)
        return entries, blocks, built

    def _claim(self, project_id: int, key: str) -> dict | None:
        """Take the key for this request; the existing record when another request already took it."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        # A running claim is a short lease: if its process dies, the key frees itself for the retry.
        item = {"pk": f"IDEMPOTENCY#{project_id}#{digest}", "sk": "IMPORT", "status": "in_progress",
                "ttl": int(self.ctx.clock()) + CLAIM_LEASE_SECONDS}
        try:
            self.store.put(item, Condition.not_exists())
            return item
        except ConditionFailed:
            existing = self.store.get(item["pk"], item["sk"])
            if existing is None:  # expired or released between the two calls: take it now
                return self._claim(project_id, key)
            if existing.get("status") != "done":
                raise Conflict("An import with this Idempotency-Key is still running; retry in a moment.") from None
            return existing

    def import_predictions(self, actor: Actor, project_id: int, payload: object) -> dict:
        """`POST /api/projects/{id}/import/predictions`: many predictions, one transaction per task."""
        from skylabel.annotations.models import PredictionIn
        from skylabel.annotations.service import AnnotationService

        ProjectService(self.ctx).get_item(actor, project_id)
        if not isinstance(payload, list) or not payload:
            raise Invalid("Send a non-empty JSON list of predictions.", {"non_field_errors": ["Expected a list."]})
        try:
            bodies = [PredictionIn.model_validate(p) for p in payload]
        except ValueError as exc:
            raise Invalid(f"Invalid prediction: {exc}") from None
        service = AnnotationService(self.ctx)
        for body in bodies:
            task = self.store.get(*keys.task(body.task))
            if task is None or task.get("project") != project_id:
                raise Invalid(f"Task {body.task} is not in project {project_id}.")
        for body in bodies:
            service.create_prediction(actor, body)
        return {"created": len(bodies)}


IDEMPOTENCY_SECONDS = 24 * 3600  # how long a finished import's answer is replayed
CLAIM_LEASE_SECONDS = 600


def _replay(claim: dict, return_task_ids: bool) -> dict:
    answer = dict(claim["answer"])
    if return_task_ids:
        answer["task_ids"] = list(range(claim["first_task"], claim["first_task"] + claim["count"]))
    return answer


def safe_filename(name: str) -> str:
    """A file name that cannot become a path: no folders, no traversal, printable, bounded."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    cleaned = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in base)[:128].strip()
    return cleaned or "upload"


def drop_bucket(ctx: Context) -> str:
    """The bucket name drop events carry: the real bucket in AWS, "local" for the data dir's drop folder."""
    return ctx.settings.bucket_name or "local"


class FileImports:
    """Files and URLs: small ones import inside the request, big ones become jobs (imports/jobs.py)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def import_files(self, actor: Actor, project_id: int, files: list[tuple[str, bytes]], *,
                     return_task_ids: bool = False, commit_valid: bool = False,
                     preannotated_from_fields: list[str] | None = None) -> dict:
        from skylabel.imports.jobs import ImportJobs
        from skylabel.imports.readers import is_media, read_tasks

        started = time.perf_counter()
        project = ProjectService(self.ctx).get_item(actor, project_id)
        if not files:
            raise Invalid("No file was uploaded; send it in a multipart field named 'file'.",
                          {"file": ["No file was submitted."]})
        config = parse_label_config(project.get("label_config"))
        data_key = config.data_keys[0] if config.data_keys else None
        jobs = ImportJobs(self.ctx)
        stored = []
        for filename, content in files:
            name = safe_filename(filename)
            key = f"uploads/{project_id}/{uuid.uuid4().hex}/{name}"
            self.ctx.blobs.put(key, content)
            stored.append((name, key, content))
        if sum(len(c) for _, _, c in stored) > self.ctx.settings.inline_import_bytes:
            started_jobs = []
            for name, key, _ in stored:
                job = jobs.create(project=project, user_id=actor.user_id, key=key, filename=name,
                                  commit_valid=commit_valid, preannotated=preannotated_from_fields or [])
                self.ctx.jobs.start("import", str(job["id"]), {"job_id": job["id"]})
                started_jobs.append(job["id"])
            answer = import_answer(tasks=0, annotations=0, predictions=0, started=started,
                                   file_upload_ids=started_jobs)
            answer["import"] = started_jobs[0]
            return answer
        entries: list[tuple] = []
        per_file: dict[str, int] = {}  # tasks each file became, for its history record
        formats: dict[str, int] = {}
        columns: set[str] = set()
        for name, key, content in stored:
            ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
            formats[ext] = formats.get(ext, 0) + 1
            if is_media(name):
                url = self.ctx.blobs.presign_get(key, expires_in=MEDIA_URL_SECONDS)
                entries.append(normalize(name, {data_key or "image": url}, config, []))
                per_file[key] = 1
                continue
            rows = list(read_tasks([content], name, data_key=data_key))
            try:
                file_entries = _normalize_all([raw for _, raw in rows], config, preannotated_from_fields or [])
            except Invalid:
                # Name the file and the reader's position (row/line), not just the item number.
                file_entries = [normalize(f"{name}, {position}", raw, config, preannotated_from_fields or [])
                                for position, raw in rows]
            for entry in file_entries:
                columns.update(entry[0])
            entries += file_entries
            per_file[key] = len(file_entries)
        if not entries:
            raise Invalid("load_tasks: No tasks added", {"non_field_errors": ["load_tasks: No tasks added"]})
        blocks = IdBlocks.allocate(self.store, project_id, entries)
        built = build(project, actor.user_id, entries, blocks, iso(self.ctx.clock()))
        write(self.ctx, built)
        upload_ids = [jobs.record_inline(project=project, user_id=actor.user_id, key=key, filename=name,
                                         task_count=per_file.get(key, 0))
                      for name, key, _ in stored]
        predict_after_import(self.ctx, project, [[blocks.task, len(entries)]], actor.user_id)
        return import_answer(
            tasks=len(entries), annotations=built.annotation_count, predictions=built.prediction_count,
            started=started, task_ids=list(range(blocks.task, blocks.task + len(entries))) if return_task_ids
            else None, file_upload_ids=upload_ids, found_formats=formats, data_columns=sorted(columns))

    def import_url(self, actor: Actor, project_id: int, url: str, **options) -> dict:
        """Label Studio's "Upload from URL": fetched server-side through the guarded outbound client."""
        from skylabel.outbound import OutboundClient, OutboundPolicy

        if not url or not url.strip():
            raise Invalid('"url" is not found in request data', {"url": ["This field is required."]})
        ProjectService(self.ctx).get_item(actor, project_id)
        policy = OutboundPolicy(allow_private=self.ctx.settings.private_urls_allowed,
                                max_bytes=self.ctx.settings.max_import_bytes)
        response = OutboundClient(policy).get(url.strip())
        if response.status >= 400:
            raise Invalid(f"Fetching {url} answered HTTP {response.status}; check the URL.", {"url": ["Not found."]})
        name = safe_filename(url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]) or "download.json"
        return self.import_files(actor, project_id, [(name, response.body)], **options)

    def create_upload(self, actor: Actor, project_id: int, filename: str) -> dict:
        """A presigned PUT for a file too big for a request: landing in the drop area starts its import job."""
        from skylabel.imports.jobs import ImportJobs, job_view

        project = ProjectService(self.ctx).get_item(actor, project_id)
        name = safe_filename(filename)
        key = f"drop/{project_id}/{uuid.uuid4().hex}/{name}"
        job = ImportJobs(self.ctx).create(project=project, user_id=actor.user_id, key=key, filename=name,
                                          bucket=drop_bucket(self.ctx), origin="upload")
        url = self.ctx.blobs.presign_put(key, expires_in=3600)
        return {"upload_url": url, "method": "PUT", "key": key, "expires_in": 3600,
                "import": job["id"], "job": job_view(job, with_task_ids=False)}
