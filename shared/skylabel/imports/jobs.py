"""Import jobs: a stored file becomes tasks, resumably and exactly once, with progress.

Why chunks with records: an S3 event may be delivered twice, a Lambda may die halfway, and a retry must
neither duplicate nor lose a task. The file is read twice — first to validate every task (so a bad row
rejects the whole file before anything is written), then to write it in chunks. Each chunk's id blocks
are recorded before its items are written, so a retry rewrites the very same items (puts are
idempotent), and a chunk commits — project counters, shard counts, label usage, job progress — in one
transaction conditional on the chunk not being committed yet. Whatever crashes where, every task lands
once and every counter moves once.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator

from skylabel import ids, keys
from skylabel.context import Actor, Context
from skylabel.errors import DomainError, Invalid, NotFound
from skylabel.imports.readers import is_media, media_task, read_tasks
from skylabel.imports.service import MEDIA_URL_SECONDS, IdBlocks, build, normalize, predict_after_import, write
from skylabel.labeling_config import parse_label_config
from skylabel.ports import Condition, ConditionFailed, Put, Update
from skylabel.timeutil import iso

logger = logging.getLogger("skylabel.imports")
CHUNK = 2000
MAX_REPORTED_ERRORS = 100
STATUSES = ("created", "queued", "in_progress", "completed", "failed")
ACTIVE_JOBS = "JOBS#ACTIVE"


def source_digest(bucket: str, key: str) -> str:
    return hashlib.sha256(f"{bucket}\n{key}".encode()).hexdigest()


class ImportJobs:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def _now(self) -> str:
        return iso(self.ctx.clock())

    # --- creating ---------------------------------------------------------------------------------------------

    def create(self, *, project: dict, user_id: int, key: str, filename: str, bucket: str = "",
               etag: str | None = None, commit_valid: bool = False, origin: str = "upload",
               preannotated: list[str] | None = None, finished: bool = False, task_count: int = 0) -> dict:
        """A job for the stored object `key`; the same bucket/key/etag always maps to the same job."""
        digest = source_digest(bucket, key)
        existing = self.store.get(*keys.import_source(digest))
        if existing and (etag is None or existing.get("etag") in (None, etag)):
            if etag and existing.get("etag") is None:
                self.store.update(*keys.import_source(digest), set={"etag": etag})
            job = self.store.get(*keys.job(existing["job_id"]))
            if job is not None:
                return job
        job_id = ids.allocate_one(self.store, "job")
        now = self._now()
        pk, sk = keys.job(job_id)
        item = {
            "pk": pk, "sk": sk, "gsi1pk": keys.project_jobs(project["id"]), "gsi1sk": keys.pad(job_id),
            "id": job_id, "kind": "import", "project": project["id"], "organization": project["organization"],
            "created_by": user_id, "status": "created", "origin": origin,
            "source": {"bucket": bucket, "key": key, "filename": filename, "etag": etag},
            "commit_valid": commit_valid, "preannotated": preannotated or [],
            "total": None, "done": 0, "task_count": 0, "annotation_count": 0,
            "prediction_count": 0, "errors": [], "created_at": now, "updated_at": now, "started_at": None,
            "finished_at": None, "duration": None, "task_ranges": [],
        }
        if finished:  # a record of work already done inside a request: nothing to resume, ever
            item.update(status="completed", started_at=now, finished_at=now, duration=0, task_count=task_count,
                        total=task_count, done=task_count)
        else:  # in the index of unfinished jobs until it ends, so a restarted process can resume it
            item.update(gsi2pk=ACTIVE_JOBS, gsi2sk=keys.pad(job_id))
        source = {"pk": keys.import_source(digest)[0], "sk": "SRC", "job_id": job_id, "etag": etag}
        condition = (Condition.not_exists() if existing is None
                     else Condition.equals("job_id", existing["job_id"]))
        try:
            self.store.transact([Put(item, Condition.not_exists()), Put(source, condition)])
        except ConditionFailed:
            # Another delivery of the same object won the race: use its job.
            winner = self.store.get(*keys.import_source(digest))
            found = self.store.get(*keys.job(winner["job_id"])) if winner else None
            if found is None:
                raise
            return found
        return item

    def record_inline(self, *, project: dict, user_id: int, key: str, filename: str, task_count: int) -> int:
        """History for a file imported inside its request (its tasks are already written)."""
        return self.create(project=project, user_id=user_id, key=key, filename=filename, origin="upload",
                           finished=True, task_count=task_count)["id"]

    def import_object(self, *, bucket: str, key: str, etag: str | None) -> dict:
        """An object landed in the drop area (`drop/<project-id>/...`): find or create its job and run it."""
        parts = key.split("/")
        if len(parts) < 3 or parts[0] != "drop" or not parts[1].isdigit():
            raise Invalid(f"{key}: drop files must be under drop/<project-id>/.")
        project = self.store.get(*keys.project(int(parts[1])))
        if project is None:
            raise NotFound(f"{key}: project {parts[1]} does not exist; nothing was imported.")
        job = self.create(project=project, user_id=project["created_by"], key=key, bucket=bucket, etag=etag,
                          filename=parts[-1], origin="drop")
        return self.run(job["id"])

    # --- reading ----------------------------------------------------------------------------------------------

    def get(self, actor: Actor, project_id: int, job_id: int) -> dict:
        job = self.store.get(*keys.job(job_id))
        if job is None or job.get("project") != project_id or job.get("organization") != actor.organization_id:
            raise NotFound("No FileUpload matches the given query." if job is None else "No job matches the query.")
        return job

    def list(self, actor: Actor, project_id: int) -> list[dict]:
        jobs = self.store.query(keys.project_jobs(project_id), index="gsi1", forward=False).items
        return [j for j in jobs if j.get("organization") == actor.organization_id]

    # --- running ----------------------------------------------------------------------------------------------

    def run(self, job_id: int) -> dict:
        """Run (or resume) a job to its end. Safe to call again at any point: finished work is not redone."""
        job = self.store.get(*keys.job(job_id))
        if job is None:
            raise NotFound(f"Import job {job_id} does not exist.")
        if job["status"] in ("completed", "failed"):
            return job
        project = self.store.get(*keys.project(job["project"]))
        if project is None:
            return self._fail(job, "The project was deleted before the import ran.")
        started = time.perf_counter()
        self.store.update(*keys.job(job_id), set={"status": "in_progress", "started_at": job.get("started_at")
                                                  or self._now(), "updated_at": self._now()})
        try:
            skipped = self._validate(job, project)
            self._write(job, project, skipped)
        except DomainError as exc:
            return self._fail(job, exc.message)
        return self._complete(job_id, started)

    def _entries(self, job: dict, project: dict) -> Iterator[tuple[str, tuple | None, str | None]]:
        """(position, normalized task or None, error) for every task of the file, in file order."""
        config = parse_label_config(project.get("label_config"))
        data_key = config.data_keys[0] if config.data_keys else None
        source = job["source"]
        if is_media(source["filename"]):  # a big image/audio/video uploaded or dropped: one task pointing at it
            url = self.ctx.blobs.presign_get(source["key"], expires_in=MEDIA_URL_SECONDS)
            rows = iter([(source["filename"], media_task(url, data_key or "image"))])
        else:
            rows = read_tasks(self.ctx.blobs.open(source["key"]), source["filename"], data_key=data_key)
        for position, raw in rows:
            try:
                yield position, normalize(position, raw, config, job.get("preannotated") or []), None
            except Invalid as exc:
                yield position, None, exc.message

    def _validate(self, job: dict, project: dict) -> set[str]:
        """First pass: count and check every task. Positions to skip when committing the valid ones."""
        total, errors, skipped = 0, [], set()
        for position, _entry, error in self._entries(job, project):
            if error:
                if not job.get("commit_valid"):
                    raise Invalid(error)
                skipped.add(position)
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append(error)
            else:
                total += 1
        if total == 0 and not errors:
            raise Invalid(f"{job['source']['filename']}: the file has no tasks.")
        self.store.update(*keys.job(job["id"]), set={"total": total, "errors": errors, "updated_at": self._now()})
        return skipped

    def _write(self, job: dict, project: dict, skipped: set[str]) -> None:
        batch: list[tuple] = []
        index = 0
        for position, entry, _ in self._entries(job, project):
            if entry is None or position in skipped:
                continue
            batch.append(entry)
            if len(batch) == CHUNK:
                self._commit_chunk(job, project, index, batch)
                batch, index = [], index + 1
        if batch:
            self._commit_chunk(job, project, index, batch)

    def _commit_chunk(self, job: dict, project: dict, index: int, entries: list[tuple]) -> None:
        chunk_key = keys.job_chunk(job["id"], index)
        record = self.store.get(*chunk_key)
        if record is not None and record.get("committed"):
            return
        if record is None:
            blocks = IdBlocks.allocate(self.store, project["id"], entries)
            record = {"pk": chunk_key[0], "sk": chunk_key[1], "blocks": vars(blocks), "count": len(entries),
                      "committed": False, "created_at": self._now()}
            try:
                self.store.put(record, Condition.not_exists())
            except ConditionFailed:
                record = self.store.get(*chunk_key)  # a concurrent run recorded it first: use its ids
                if record.get("committed"):
                    return
        blocks = IdBlocks(**record["blocks"])
        built = build(project, job["created_by"], entries, blocks, record["created_at"])
        progress = Update(*keys.job(job["id"]), add={"done": len(entries), "task_count": len(entries),
                                                    "annotation_count": built.annotation_count,
                                                    "prediction_count": built.prediction_count},
                          set={"updated_at": self._now()})
        commit = Update(*chunk_key, set={"committed": True}, condition=Condition.equals("committed", False))
        try:
            write(self.ctx, built, extra=[commit, progress])
        except ConditionFailed as exc:
            if exc.index == 0:
                return  # committed by a concurrent run between our read and our write
            raise

    def _complete(self, job_id: int, started: float) -> dict:
        chunks = self.store.query(f"JOB#{job_id}", sk_begins_with="CHUNK#").items
        ranges = [[c["blocks"]["task"], c["count"]] for c in chunks if c.get("committed")]
        now = self._now()
        job = self.store.update(*keys.job(job_id), set={
            "gsi2pk": None, "gsi2sk": None, "status": "completed", "finished_at": now, "updated_at": now,
            "task_ranges": ranges,
            "duration": round(time.perf_counter() - started, 3)})
        predict_after_import(self.ctx, job["project"], ranges, job["created_by"])
        return job

    def _fail(self, job: dict, message: str) -> dict:
        logger.info("import job %s failed: %s", job["id"], message)
        now = self._now()
        errors = [*job.get("errors", []), message][-MAX_REPORTED_ERRORS:]
        return self.store.update(*keys.job(job["id"]), set={"status": "failed", "error": message,
                                                           "errors": errors, "finished_at": now, "updated_at": now,
                                                           "gsi2pk": None, "gsi2sk": None})

    def resume_unfinished(self) -> list[int]:
        """Start again every job a stopped process left unfinished (the chunk records make that exactly once).

        A job still waiting for its presigned upload is left alone until the file is there.
        """
        resumed = []
        for job in self.store.query(ACTIVE_JOBS, index="gsi2").items:
            waiting = job["status"] == "created" and not self.ctx.blobs.exists(job["source"]["key"])
            if job["status"] in ("completed", "failed") or waiting:
                continue
            self.ctx.jobs.start("import", str(job["id"]), {"job_id": job["id"]})
            resumed.append(job["id"])
        return resumed

    def mark_failed(self, job_id: int, message: str) -> None:
        job = self.store.get(*keys.job(job_id))
        if job is not None and job["status"] not in ("completed", "failed"):
            self._fail(job, message)


def job_view(job: dict, *, with_task_ids: bool = True) -> dict:
    """The job as the API shows it (the legacy client polls `status` and reads `task_ids`)."""
    task_ids = [first + i for first, count in job.get("task_ranges", []) for i in range(count)]
    view = {k: job.get(k) for k in ("id", "project", "status", "origin", "total", "done", "task_count",
                                    "annotation_count", "prediction_count", "errors", "created_at", "updated_at",
                                    "started_at", "finished_at", "duration")}
    view["file"] = job.get("source", {}).get("filename")
    view["error"] = job.get("error")
    view["progress"] = round(job["done"] / job["total"], 4) if job.get("total") else (
        1.0 if job.get("status") == "completed" else 0.0)
    if with_task_ids:
        view["task_ids"] = task_ids
    return view
