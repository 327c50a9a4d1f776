"""Prediction jobs: plan → parts (slices of the task index, in parallel) → finish, on the JobRunner port.

Locally the thread pool runs these steps; in AWS the predict state machine runs them in functions/ml_invoke.

- plan: checks the backend (health, setup: the job predicts with the model version /setup names, and a
  failing backend fails the job at once with the backend's message on the connection), then cuts the scope —
  a selection, or every task — into parts of at most PART_TASKS consecutive ids of one index shard. Each
  part's record (its id range, or its selected ids) is written here, so the Step Functions state carries
  only part numbers.
- part: on its first run, keeps the tasks without a prediction of that model version (Label Studio never
  re-sends those) and records them on the part; then sends them in batches to /predict and applies Label
  Studio's rules to the answer: one result per task is stored; a single result for many tasks means the
  backend cannot batch, so the batch is re-sent one task at a time; no result means no prediction; any
  other count, or a result without a `result` list, rejects the whole batch (nothing of it is written) with
  the reason recorded. Timeouts, connection errors, 429 and 5xx are retried with backoff (client.py).
- commit: a batch's predictions are written with their task counters, the task's uncertainty-index keys,
  the project counters — and, when the project auto-accepts, the annotation made from a confident
  prediction — in transactions conditional on each task's version. Before writing, the task is re-read:
  if it already has a prediction of that model version, nothing is written. So a retried step, a
  resumed part or two concurrent runs can never store a duplicate.
- progress: each batch's outcome (done, predicted, empty, failed, auto-accepted) is added to the job in one
  transaction with the part's `batches_done` moving from k to k+1, so counts move exactly once; a batch's
  error is kept as its own item (ERR#) in the job's partition.
- a part that runs out of its time budget (AWS: under the Lambda's 15 minutes) raises PartUnfinished; the
  state machine retries it, and it resumes at its first uncounted batch.
- finish: `completed`, `completed_with_errors` (some batches failed) or `failed` (nothing could be predicted).
- resume: from its creation until it ends, a job is in the gsi2 index of unfinished ML jobs. A process that
  stopped mid-job (the laptop runtime's thread pool dies with it; Step Functions does not) starts those jobs
  again at `skylabel start`: a planned job keeps its plan and model version, its parts skip their counted
  batches, and a batch whose predictions were stored but not counted is counted without sending its tasks
  again — so a resumed job ends with the counts of an uninterrupted one.
- a project's deletion takes its connections and its jobs' records with it (`delete_project_ml`).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from skylabel import ids, keys
from skylabel.annotations.service import annotation_item, pointer, prediction_item
from skylabel.context import Actor, Context
from skylabel.errors import Invalid, NotFound, not_found
from skylabel.jobsteps import PartUnfinished
from skylabel.ml.client import BackendError
from skylabel.ml.models import CONNECTED
from skylabel.ml.service import MLService, client_for, project_key, task_payload
from skylabel.outbound import OutboundRefused
from skylabel.ports import Condition, ConditionFailed, Put, StoreError, Update
from skylabel.projects.service import ProjectService
from skylabel.tasks.payload import hydrate
from skylabel.tasks.state import project_deltas, summary_update, task_counters, usage_delta
from skylabel.tasks.views import Bundle, load_bundle
from skylabel.timeutil import iso

logger = logging.getLogger("skylabel.ml.jobs")

PART_TASKS = 1000  # task ids per part: at most one shard (keys.TASK_SHARD_SIZE) is ever split into these
DEFAULT_BATCH = 64
MAX_BATCH = 1000
COMMIT_TASKS = 19  # per transaction: 5 items a task at most (prediction, annotation, 2 pointers, task) + 2
MAX_COMMIT_ATTEMPTS = 8
SHOWN_ERRORS = 20
SYNC_WAIT_SECONDS = 20.0  # how long the Data Manager action waits for a small job (API Gateway allows 29 s)
FINAL = ("completed", "completed_with_errors", "failed")


class ProjectGone(Exception):
    """The project was deleted while the job ran."""


def to_ranges(task_ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as [first, count] runs: an import's block of 100,000 ids is one pair."""
    out: list[list[int]] = []
    for task_id in sorted(set(task_ids)):
        if out and out[-1][0] + out[-1][1] == task_id:
            out[-1][1] += 1
        else:
            out.append([task_id, 1])
    return out


@dataclass
class _Answer:
    """What a batch's /predict calls gave: (task id, result) pairs to store, counts, the first error, and whether
    the time budget cut a one-by-one batch short."""

    entries: list[tuple[int, dict]] = field(default_factory=list)
    empty: int = 0
    failed: int = 0
    error: tuple[list[int], str] | None = None
    unfinished: bool = False


def _score(value: object) -> float | None:
    """Label Studio's safe_float."""
    try:
        score = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return score if math.isfinite(score) else None


def _check_element(element: object, position: int) -> str | None:
    if not isinstance(element, dict):
        return f"result {position} is a {type(element).__name__}, not an object"
    if not isinstance(element.get("result"), list) or not all(isinstance(r, dict) for r in element["result"]):
        return f"result {position} has no \"result\" list of regions"
    return None


class PredictJobs:
    def __init__(self, ctx: Context, *, part_budget_seconds: float | None = None) -> None:
        self.ctx = ctx
        self.store = ctx.items
        # AWS runs a part in a Lambda of at most 15 minutes; locally a part may take as long as it needs.
        self.budget = part_budget_seconds if part_budget_seconds is not None else (
            12 * 60.0 if ctx.settings.runtime == "aws" else None)

    def _now(self) -> str:
        return iso(self.ctx.clock())

    # --- starting --------------------------------------------------------------------------------------------

    def start(self, *, project: dict, backend: dict, user_id: int, task_ids: Iterable[int] | None = None,
              ranges: list[list[int]] | None = None, batch_size: int | None = None, origin: str = "api") -> dict:
        """A job over `task_ids`/`ranges` (a selection) or, with neither, every task of the project."""
        if self.ctx.jobs is None:
            raise RuntimeError("no job runner configured")
        batch = min(max(int(batch_size or DEFAULT_BATCH), 1), MAX_BATCH)
        selection = ranges if ranges is not None else (to_ranges(task_ids) if task_ids is not None else None)
        job_id = ids.allocate_one(self.store, "ml_job")
        now = self._now()
        pk, sk = keys.ml_job(job_id)
        item = {"pk": pk, "sk": sk, "gsi1pk": keys.project_ml_jobs(project["id"]), "gsi1sk": keys.pad(job_id),
                "id": job_id, "kind": "predict", "project": project["id"], "organization": project["organization"],
                "ml_backend": backend["id"], "created_by": user_id, "origin": origin, "status": "queued",
                "batch_size": batch, "model_version": None, "total": None, "parts": None, "done": 0,
                "predicted": 0, "empty": 0, "skipped": 0, "failed": 0, "auto_accepted": 0, "error": None,
                "created_at": now, "updated_at": now, "started_at": None, "finished_at": None, "duration": None,
                "gsi2pk": keys.ACTIVE_ML_JOBS, "gsi2sk": keys.pad(job_id)}  # unfinished until `_end`
        if selection is not None:
            self.ctx.blobs.put(self._selection_key(job_id), _dump(selection), "application/json")
            item["selection"] = sum(count for _, count in selection)
        self.store.put(item, Condition.not_exists())
        self.ctx.jobs.start("predict", f"predict-{job_id}", {"job_id": job_id})
        return item

    def start_for_selection(self, actor: Actor, project_id: int, task_ids: list[int], *,
                            backend_id: int | None = None, batch_size: int | None = None,
                            origin: str = "api") -> dict:
        """The Data Manager action and `POST /api/ml/{id}/predict`: the project's (or the given) backend."""
        project = ProjectService(self.ctx).get_item(actor, project_id)
        backend = self._backend(actor, project_id, backend_id)
        return self.start(project=project, backend=backend, user_id=actor.user_id, task_ids=task_ids,
                          batch_size=batch_size, origin=origin)

    def start_all(self, actor: Actor, backend_id: int, *, batch_size: int | None = None) -> dict:
        backend = MLService(self.ctx).get_item(actor, backend_id)
        project = ProjectService(self.ctx).get_item(actor, backend["project"])
        return self.start(project=project, backend=backend, user_id=actor.user_id, batch_size=batch_size)

    def _backend(self, actor: Actor, project_id: int, backend_id: int | None) -> dict:
        if backend_id is not None:
            backend = MLService(self.ctx).get_item(actor, backend_id)
            if backend["project"] != project_id:
                raise not_found("MLBackend")
            return backend
        backends = MLService(self.ctx).list(actor, project_id)
        if not backends:
            raise Invalid("This project has no ML backend: connect one (POST /api/ml) to retrieve predictions.",
                          {"ml_backend": ["No ML backend is connected to this project."]})
        connected = [b for b in backends if b.get("state") == CONNECTED]
        return (connected or backends)[0]

    def wait(self, job_id: int, seconds: float = SYNC_WAIT_SECONDS) -> dict:
        """The job once it has ended, or as it is after `seconds`."""
        deadline = time.monotonic() + seconds
        pause = 0.02  # quick for a small job, then backing off: a long wait costs a few dozen reads, not hundreds
        while True:
            job = self.store.get(*keys.ml_job(job_id)) or {}
            if job.get("status") in FINAL or time.monotonic() >= deadline:
                return job
            time.sleep(pause)
            pause = min(pause * 1.5, 0.5)

    # --- reading ---------------------------------------------------------------------------------------------

    def get(self, actor: Actor, job_id: int, backend_id: int | None = None) -> dict:
        job = self.store.get(*keys.ml_job(job_id))
        if job is None or job.get("organization") != actor.organization_id or (
                backend_id is not None and job.get("ml_backend") != backend_id):
            raise NotFound("No prediction job matches the given query.")
        return job

    def list(self, actor: Actor, backend_id: int) -> list[dict]:
        backend = MLService(self.ctx).get_item(actor, backend_id)
        jobs = self.store.query(keys.project_ml_jobs(backend["project"]), index="gsi1", forward=False,
                                limit=100).items
        return [j for j in jobs if j.get("ml_backend") == backend_id]

    def view(self, job: dict) -> dict:
        errors = self.store.query(job["pk"], sk_begins_with="ERR#", limit=SHOWN_ERRORS).items
        out = {k: job.get(k) for k in (
            "id", "project", "ml_backend", "status", "origin", "model_version", "batch_size", "total", "done",
            "predicted", "empty", "skipped", "failed", "auto_accepted", "error", "created_at", "updated_at",
            "started_at", "finished_at", "duration")}
        total = job.get("total")
        out["progress"] = 1.0 if job.get("status") in FINAL else (
            round(min(job.get("done", 0) / total, 1.0), 4) if total else 0.0)
        out["errors"] = [{"tasks": e.get("tasks", []), "message": e["message"]} for e in errors]
        return out

    # --- plan ------------------------------------------------------------------------------------------------

    def plan(self, job_id: int) -> list[dict]:
        job = self.store.get(*keys.ml_job(job_id))
        if job is None or job["status"] in FINAL:
            return []
        if job.get("parts") is not None:
            # Planned before (a resumed or retried job): its part records hold its progress, and its tasks are
            # predicted with the model version it started with, so the plan is kept as it is.
            return [{"index": index} for index in range(job["parts"])]
        backend = self.store.get(*keys.ml_backend(job["ml_backend"]))
        if backend is None:
            self.fail(job_id, "The ML backend was deleted before the job ran.")
            return []
        backend = MLService(self.ctx).refresh(backend)
        if backend.get("state") != CONNECTED:
            self.fail(job_id, f"The ML backend {backend.get('title') or backend['url']} is not usable: "
                              f"{backend.get('error_message')}")
            return []
        project = self.store.get(*keys.project(job["project"]))
        if project is None:
            self.fail(job_id, "The project was deleted before the job ran.")
            return []
        records, total = self._parts(job, project["id"])
        self.store.batch_put(records)
        try:
            self.store.update(*keys.ml_job(job_id), condition=Condition.exists(), set={
                "status": "in_progress", "model_version": backend.get("model_version") or "undefined",
                "total": total, "parts": len(records), "started_at": job.get("started_at") or self._now(),
                "updated_at": self._now()})
        except ConditionFailed:
            return []  # deleted with its project meanwhile
        return [{"index": r["index"]} for r in records]

    def _parts(self, job: dict, project_id: int) -> tuple[list[dict], int]:
        """Part records: (shard, id range) slices of at most PART_TASKS tasks, with the selected ids if any."""
        records: list[dict] = []

        def add(shard: int, lo: int, hi: int, selected: list[int] | None, size: int) -> None:
            pk, sk = keys.ml_job_part(job["id"], len(records))
            records.append({"pk": pk, "sk": sk, "index": len(records), "shard": shard, "lo": lo, "hi": hi,
                            "selected": selected, "size": size, "scanned": False, "batches_done": 0})

        if "selection" in job:
            chosen = [first + i for first, count in _load(self.ctx.blobs.get(self._selection_key(job["id"])))
                      for i in range(count)]
            groups: dict[tuple[int, int], list[int]] = {}
            for task_id in chosen:
                groups.setdefault((keys.task_shard(task_id), task_id // PART_TASKS), []).append(task_id)
            for (shard, _slice), members in sorted(groups.items()):
                add(shard, members[0], members[-1] + 1, members, len(members))
            return records, len(chosen)
        total = 0
        pk, _ = keys.project_shard(project_id, 0)
        for marker in self.store.query(pk).items:
            shard, size = marker["shard"], max(marker.get("count", 0), 0)
            if size <= 0:
                continue
            total += size
            partition = keys.project_tasks(project_id, shard)
            bounds = [shard * keys.TASK_SHARD_SIZE]
            for offset in range(PART_TASKS, size, PART_TASKS):
                first = self.store.query(partition, index="gsi1", skip=offset, limit=1).items
                if first:
                    bounds.append(first[0]["id"])
            bounds.append((shard + 1) * keys.TASK_SHARD_SIZE)
            for lo, hi in zip(bounds, bounds[1:], strict=False):
                add(shard, lo, hi, None, min(PART_TASKS, size))
        return records, total

    @staticmethod
    def _selection_key(job_id: int) -> str:
        return f"ml/jobs/{job_id}/selection.json"

    # --- parts -----------------------------------------------------------------------------------------------

    def run_part(self, job_id: int, part: dict) -> dict:
        started = time.monotonic()
        job = self.store.get(*keys.ml_job(job_id))
        record = self.store.get(*keys.ml_job_part(job_id, part["index"]))
        if job is None or record is None or job["status"] in FINAL:
            return {"index": part["index"], "gone": True}
        backend = self.store.get(*keys.ml_backend(job["ml_backend"]))
        project = self.store.get(*keys.project(job["project"]))
        if backend is None or project is None:
            raise Invalid("The ML backend or the project was deleted while the job ran.")
        if not record.get("scanned"):
            record = self._scan(job, record)
        todo: list[int] = record.get("ids") or []
        size = job["batch_size"]
        try:
            first = record.get("batches_done", 0)
            for k in range(first, math.ceil(len(todo) / size)):
                if k > first and self._over_budget(started):  # every run completes at least one batch
                    raise PartUnfinished(f"part {part['index']} of job {job_id} stopped at batch {k}; it resumes "
                                         "when run again")
                self._batch(job, backend, project, record["index"], k, todo[k * size:(k + 1) * size], started)
        except ProjectGone:
            return {"index": part["index"], "gone": True}
        return {"index": part["index"]}

    def _scan(self, job: dict, record: dict) -> dict:
        """The part's tasks lacking a prediction of the job's model version, recorded once (with the skipped)."""
        version = job["model_version"]
        lo, hi = record["lo"], record["hi"]
        if record.get("selected") is not None:
            wanted = set(record["selected"])
            tasks = [t for t in self.store.get_many([keys.task(i) for i in record["selected"]])
                     if t.get("project") == job["project"]]
            present = {t["id"] for t in tasks}
        else:
            wanted = None
            tasks = self.store.query(keys.project_tasks(job["project"], record["shard"]), index="gsi1",
                                     sk_between=(keys.pad(lo), keys.pad(hi - 1))).items
            present = {t["id"] for t in tasks}
        have = set()
        if tasks:
            labels = self.store.query(keys.shard_labels(job["project"], lo), index="gsi2",
                                      sk_between=(keys.pad(lo), keys.pad(hi - 1) + "~")).items
            have = {p["task"] for p in labels if p["sk"].startswith("PRED#") and p.get("model_version") == version}
        todo = sorted(t for t in present if t not in have and (wanted is None or t in wanted))
        skipped = (len(wanted) if wanted is not None else len(present)) - len(todo)
        part_key = keys.ml_job_part(job["id"], record["index"])
        try:
            self.store.transact([
                Update(*part_key, set={"ids": todo, "scanned": True}, condition=Condition.equals("scanned", False)),
                Update(*keys.ml_job(job["id"]), add={"done": skipped, "skipped": skipped},
                       set={"updated_at": self._now()})])
        except ConditionFailed:
            pass  # another run of this part scanned it first: use its list
        return self.store.get(*part_key) or record

    def _over_budget(self, started: float) -> bool:
        return self.budget is not None and time.monotonic() - started > self.budget

    def _batch(self, job: dict, backend: dict, project: dict, part: int, k: int, task_ids: list[int],
               started: float) -> None:
        version = job["model_version"]
        outcome = {"done": len(task_ids), "predicted": 0, "empty": 0, "failed": 0, "auto_accepted": 0}
        bundles: list[Bundle] = []
        for task_id in task_ids:
            bundle = load_bundle(self.store, task_id)
            if bundle is None:
                continue  # deleted meanwhile: done, nothing to predict
            if any(p.get("model_version") == version for p in bundle.predictions):
                outcome["predicted"] += 1  # stored by an earlier run of this batch
                continue
            bundles.append(bundle)
        answer = _Answer()
        if bundles:
            hydrate(self.ctx, [b.task for b in bundles])
            answer = self._predict(backend, project, bundles, started)
            outcome["empty"] += answer.empty
            outcome["failed"] += answer.failed
            if answer.entries:
                try:
                    predicted, accepted = self._commit(job, project, answer.entries)
                except StoreError as exc:
                    outcome["failed"] += len(answer.entries)
                    answer.error = ([t for t, _ in answer.entries], f"The predictions could not be stored: {exc}")
                else:
                    outcome["predicted"] += predicted
                    outcome["auto_accepted"] += accepted
        if answer.unfinished:  # what was predicted is stored; the batch is counted when a later run completes it
            raise PartUnfinished(f"job {job['id']}, part {part}: time budget reached in batch {k}; it resumes when "
                                 "run again")
        self._count(job["id"], part, k, outcome, answer.error)

    def _predict(self, backend: dict, project: dict, bundles: list[Bundle], started: float) -> _Answer:
        client = client_for(self.ctx, backend)
        context = {"project": project_key(project), "label_config": project.get("label_config") or "",
                   "login": project.get("task_data_login"), "password": project.get("task_data_password")}
        ids_ = [b.task["id"] for b in bundles]
        try:
            results = client.predict([task_payload(b) for b in bundles], **context)
        except (BackendError, OutboundRefused) as exc:
            return _Answer(failed=len(bundles), error=(ids_, exc.message))
        if not results:
            return _Answer(empty=len(bundles))
        if len(results) == len(bundles):
            problems = [p for p in (_check_element(e, i) for i, e in enumerate(results)) if p]
            if problems:
                return _Answer(failed=len(bundles), error=(ids_, f"The ML backend's /predict answer is not valid: "
                                                                 f"{problems[0]}; nothing of this batch was stored."))
            return _Answer(entries=list(zip(ids_, results, strict=True)))
        if len(results) == 1:
            return self._one_by_one(client, context, bundles, started)
        return _Answer(failed=len(bundles), error=(
            ids_, f"The ML backend answered {len(results)} results for {len(bundles)} tasks (it must answer one per "
                  "task, in order); nothing of this batch was stored."))

    def _one_by_one(self, client, context: dict, bundles: list[Bundle], started: float) -> _Answer:
        """Label Studio's fallback for a backend that answers one result for a batch: one task per request."""
        answer = _Answer()
        for position, bundle in enumerate(bundles):
            if position and self._over_budget(started):
                answer.unfinished = True
                return answer
            task_id = bundle.task["id"]
            try:
                results = client.predict([task_payload(bundle)], **context)
            except (BackendError, OutboundRefused) as exc:
                answer.failed += 1
                answer.error = answer.error or ([task_id], exc.message)
                continue
            if not results:
                answer.empty += 1
                continue
            problem = _check_element(results[0], 0) if len(results) == 1 else f"{len(results)} results for 1 task"
            if problem:
                answer.failed += 1
                answer.error = answer.error or ([task_id], f"The ML backend's /predict answer is not valid: {problem}.")
                continue
            answer.entries.append((task_id, results[0]))
        return answer

    def _count(self, job_id: int, part: int, k: int, outcome: dict, error: tuple[list[int], str] | None) -> None:
        """The batch's outcome, added to the job exactly once (the part's batch counter moves k → k+1)."""
        operations = [
            Update(*keys.ml_job_part(job_id, part), set={"batches_done": k + 1},
                   condition=Condition.equals("batches_done", k)),
            Update(*keys.ml_job(job_id), add={n: v for n, v in outcome.items() if v} or {"done": 0},
                   set={"updated_at": self._now()}),
        ]
        if error is not None:
            tasks, message = error
            pk, sk = keys.ml_job_error(job_id, part, k)
            operations.append(Put({"pk": pk, "sk": sk, "tasks": tasks[:20], "message": message[:1000]}))
            logger.info("prediction job %s, part %s, batch %s: %s", job_id, part, k, message)
        try:
            self.store.transact(operations)
        except ConditionFailed as exc:
            if exc.index != 0:
                raise

    # --- storing ---------------------------------------------------------------------------------------------

    def _commit(self, job: dict, project: dict, entries: list[tuple[int, dict]]) -> tuple[int, int]:
        """Store the predictions (and auto-accepted annotations): (tasks that now have their prediction, accepted).

        A task whose prediction another run of the batch stored first counts as predicted; a deleted one not.
        """
        predicted = accepted = 0
        threshold = project.get("auto_accept_threshold")
        for start in range(0, len(entries), COMMIT_TASKS):
            group = entries[start:start + COMMIT_TASKS]
            p, a = self._commit_group(job, project["id"], group, threshold)
            predicted += p
            accepted += a
        return predicted, accepted

    def _commit_group(self, job: dict, project_id: int, group: list[tuple[int, dict]],
                      threshold: float | None) -> tuple[int, int]:
        prediction_ids = ids.allocate(self.store, "prediction", len(group))
        annotation_ids: range | None = None
        for _attempt in range(MAX_COMMIT_ATTEMPTS):
            now = self._now()
            operations: list = []
            totals: dict[str, int] = {}
            new_annotations: list[dict] = []
            task_ops: list[int] = []  # positions of the task updates (a failed one means "re-read and retry")
            predicted = accepted = 0
            for position, ((task_id, element), prediction_id) in enumerate(zip(group, prediction_ids, strict=True)):
                bundle = load_bundle(self.store, task_id)
                version = str(element.get("model_version") or job["model_version"] or "undefined")
                if bundle is None:
                    continue
                predicted += 1
                if any(p.get("model_version") == version for p in bundle.predictions):
                    continue
                task = bundle.task
                body = {"result": element["result"], "score": _score(element.get("score")), "model_version": version}
                prediction = prediction_item(prediction_id=prediction_id, task=task, body=body, now=now)
                for extra in ("cluster", "neighbors", "mislabeling"):
                    if element.get(extra) is not None:
                        prediction[extra] = element[extra]
                operations += [Put(prediction, Condition.not_exists()),
                               Put(pointer(keys.prediction_pointer(prediction_id), task_id), Condition.not_exists())]
                annotations = bundle.annotations
                score = body["score"]
                if threshold is not None and score is not None and score >= threshold and not bundle.annotations:
                    if annotation_ids is None:
                        annotation_ids = ids.allocate(self.store, "annotation", len(group))
                    annotation = annotation_item(
                        annotation_id=annotation_ids[position], task=task, now=now, user_id=job["created_by"],
                        body={"result": element["result"], "last_action": "prediction", "bulk_created": True,
                              "parent_prediction": prediction_id})
                    annotation["auto_accepted"] = True
                    operations += [Put(annotation, Condition.not_exists()),
                                   Put(pointer(keys.annotation_pointer(annotation["id"]), task_id),
                                       Condition.not_exists())]
                    annotations = [annotation]
                    new_annotations.append(annotation)
                    accepted += 1
                before = task_counters(task, bundle.annotations, bundle.predictions)
                after = task_counters(task, annotations, [*bundle.predictions, prediction])
                version_now = task.get("version", 0)
                task_ops.append(len(operations))
                operations.append(Update(
                    *keys.task(task_id), condition=Condition.equals("version", version_now),
                    set={**{k: v for k, v in after.items() if k != "ground_truth_count"}, "updated_at": now,
                         "version": version_now + 1}))
                for name, value in project_deltas(before, after).items():
                    totals[name] = totals.get(name, 0) + value
            if not operations:
                return predicted, 0
            project_at = len(operations)
            operations.append(Update(*keys.project(project_id), add=totals or {"total_predictions_number": 0},
                                     condition=Condition.exists()))
            operations += summary_update(project_id, usage_delta([], new_annotations))
            try:
                self.store.transact(operations)
                return predicted, accepted
            except ConditionFailed as failed:
                if failed.index == project_at:
                    raise ProjectGone() from None
                if failed.index not in task_ops:
                    raise
                # A task changed under us (an annotator, or another run of this batch): re-read and redo.
        raise StoreError("the tasks kept changing while their predictions were stored")

    # --- finish ----------------------------------------------------------------------------------------------

    def finish(self, job_id: int, _results: list[dict]) -> None:
        job = self.store.get(*keys.ml_job(job_id))
        if job is None or job["status"] in FINAL:
            return
        errors = self.store.query(job["pk"], sk_begins_with="ERR#", limit=1).items
        produced = job.get("predicted", 0) + job.get("empty", 0)  # what this job got from the backend
        if not job.get("failed"):
            status, error = "completed", None
        elif produced:
            status, error = "completed_with_errors", errors[0]["message"] if errors else None
        else:
            status, error = "failed", errors[0]["message"] if errors else "Every batch failed."
        self._end(job, status, error)
        if "selection" in job:
            self.ctx.blobs.delete(self._selection_key(job_id))

    def fail(self, job_id: int, message: str) -> None:
        job = self.store.get(*keys.ml_job(job_id))
        if job is not None and job["status"] not in FINAL:
            logger.info("prediction job %s failed: %s", job_id, message)
            self._end(job, "failed", message)

    def _end(self, job: dict, status: str, error: str | None) -> None:
        now = self._now()
        started = job.get("started_at") or job.get("created_at")
        duration = None
        if started:
            duration = round(self.ctx.clock() - datetime.fromisoformat(started).timestamp(), 3)
        try:
            self.store.update(*keys.ml_job(job["id"]), condition=Condition.exists(), set={
                "status": status, "error": error, "finished_at": now, "updated_at": now, "duration": duration,
                "gsi2pk": None, "gsi2sk": None})  # out of the unfinished jobs: nothing to resume
        except ConditionFailed:
            pass  # deleted with its project meanwhile

    # --- resuming and forgetting -----------------------------------------------------------------------------

    def resume_unfinished(self) -> list[int]:
        """Start again every job a stopped process left unfinished (for the laptop runtime's `skylabel start`).

        Safe to call while jobs run in this process: the runner starts a job id once.
        """
        if self.ctx.jobs is None:
            raise RuntimeError("no job runner configured")
        resumed = []
        for job in self.store.query(keys.ACTIVE_ML_JOBS, index="gsi2").items:
            if job.get("status") in FINAL:
                continue
            self.ctx.jobs.start("predict", f"predict-{job['id']}", {"job_id": job["id"]})
            resumed.append(job["id"])
        return resumed


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _load(data: bytes) -> list:
    return json.loads(data)


def delete_project_ml(ctx: Context, project_id: int) -> None:
    """A deleted project's ML connections and prediction jobs (their parts, batch errors and selections).

    A job still running finds its records gone and stops writing: its counts and its end are conditional on
    them (ProjectGone, `_end`), and its predictions went with the project's tasks.
    """
    store = ctx.items
    for backend in MLService(ctx).for_project(project_id):
        store.delete(*keys.ml_backend(backend["id"]))
    cursor = None
    while True:  # in pages: a busy project may have run many jobs
        page = store.query(keys.project_ml_jobs(project_id), index="gsi1", limit=100, cursor=cursor)
        for job in page.items:
            # The job item last: until then it still lists (and so is found again) if this is cut short.
            store.batch_delete([(item["pk"], item["sk"]) for item in store.query(job["pk"]).items
                                if item["sk"] != job["sk"]])
            if "selection" in job:
                ctx.blobs.delete(PredictJobs._selection_key(job["id"]))
            store.delete(job["pk"], job["sk"])
        cursor = page.cursor
        if cursor is None:
            return


def predict_after_import(ctx: Context, project: dict | int, ranges: list[list[int]], user_id: int) -> dict | None:
    """After an import commits: predict its tasks when the project asks for it (`evaluate_predictions_
    automatically`, Label Studio's "retrieve predictions automatically") and has an ML backend.

    Never fails the import: the tasks are saved, and a prediction job that cannot start is only logged.
    """
    try:
        item = ctx.items.get(*keys.project(project)) if isinstance(project, int) else project
        if not item or not item.get("evaluate_predictions_automatically") or ctx.jobs is None or not ranges:
            return None
        backends = MLService(ctx).for_project(item["id"])
        if not backends:
            return None
        backend = next((b for b in backends if b.get("state") == CONNECTED), backends[0])
        return PredictJobs(ctx).start(project=item, backend=backend, user_id=user_id, ranges=ranges, origin="import")
    except Exception:
        logger.exception("could not start predictions after an import into project %s", project)
        return None
