"""Events for ML backends' /webhook: START_TRAINING, and annotation created/updated/deleted.

Why a job: Label Studio sends these through its webhook system; the backend SDK runs `fit()` inside the
call, which may take minutes. Sending from the request would tie an annotator's submit (or the API's 29 s)
to a model's training, so the write commits first and a job (workflow "ml_event") delivers the event —
locally on the thread pool, in AWS as a Step Functions execution of functions/ml_invoke. The job reads the
annotation when it runs, so the backend sees what was committed.

Which events go out: START_TRAINING always (the "train" button); annotation events only when the project
asks for them with Label Studio's `start_training_on_annotation_update` ("start training after any
annotation is submitted or updated"), to every backend of the project. Payloads are Label Studio's webhook
shapes: `{"action", "project", "task", "annotation"}`, and `{"action": "ANNOTATIONS_DELETED", "project",
"annotations": [{"id"}]}` for a deletion (the plural is Label Studio's name). Deliveries are not retried: a
webhook delivered twice would train twice.

Why a record per event: the laptop runtime's thread pool dies with its process, and an event queued there
would be lost (a backend left "Training" for ever, an annotation its model never sees). So an event is
stored (`keys.ml_event`, in the gsi2 index of unfinished ML records) before its job starts, and
`skylabel start` starts the unfinished ones again. Each delivery is claimed (`keys.ml_event_delivery`)
before it is sent: a resumed event reaches the backends it had not reached and never one twice — one whose
delivery was cut short is only checked again (/health, /setup), which also ends a "Training" state.
"""

from __future__ import annotations

import logging

from skylabel import ids, keys
from skylabel.context import Context
from skylabel.ml.client import BackendError
from skylabel.ml.models import ERROR, TRAINING
from skylabel.ml.service import MLService, client_for
from skylabel.outbound import OutboundRefused
from skylabel.ports import Condition, ConditionFailed
from skylabel.projects.service import ProjectService
from skylabel.tasks.payload import hydrate
from skylabel.tasks.views import annotation_view, task_short
from skylabel.timeutil import iso

logger = logging.getLogger("skylabel.ml.events")

ANNOTATION_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED")
KEEP_SECONDS = 7 * 24 * 3600  # an ended event's record, for inspection
CLAIM_SECONDS = 30 * 24 * 3600  # a delivery's claim outlives any plausible resume of its event


def start_training(ctx: Context, backend: dict) -> None:
    _start(ctx, {"action": "START_TRAINING", "project": backend["project"], "backend": backend["id"]})


def annotation_event(ctx: Context, action: str, *, project_id: int, annotation_id: int, version: int = 0) -> None:
    """After an annotation write has committed: queue the event if the project's backends want it."""
    if action not in ANNOTATION_ACTIONS or ctx.jobs is None:
        return
    project = ctx.items.get(*keys.project(project_id))
    if not project or not project.get("start_training_on_annotation_update"):
        return
    if not MLService(ctx).for_project(project_id):
        return
    try:
        _start(ctx, {"action": action, "project": project_id, "annotation": annotation_id, "version": version})
    except Exception:  # the annotation is saved; a lost training event must not turn that into an error
        logger.exception("could not queue %s for annotation %s", action, annotation_id)


def _start(ctx: Context, payload: dict) -> int:
    """Store the event, then start its job (a stop in between leaves it for `resume_unfinished`)."""
    if ctx.jobs is None:
        raise RuntimeError("no job runner configured")
    event_id = ids.allocate_one(ctx.items, "ml_event")
    pk, sk = keys.ml_event(event_id)
    payload = {**payload, "event": event_id}
    ctx.items.put({"pk": pk, "sk": sk, "id": event_id, "kind": "ml_event", "payload": payload, "status": "queued",
                   "parts": None, "created_at": iso(ctx.clock()), "gsi2pk": keys.ACTIVE_ML_EVENTS,
                   "gsi2sk": keys.pad(event_id)}, Condition.not_exists())
    ctx.jobs.start("ml_event", _runner_id(event_id), payload)
    return event_id


def _runner_id(event_id: int) -> str:
    return f"mlevent-{event_id}"


class EventJobs:
    """The ml_event workflow's steps: one part per receiving backend.

    Payloads without an `event` (queued before events had records) are delivered the same way, unrecorded.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def plan(self, payload: dict) -> list[dict]:
        event_id = payload.get("event")
        record = self.store.get(*keys.ml_event(event_id)) if event_id is not None else None
        if event_id is not None and (record is None or record.get("status") in ("done", "failed")):
            return []
        if record is not None and record.get("parts") is not None:
            return record["parts"]  # resumed: the backends it was planned for
        if payload.get("backend") is not None:
            parts = [{"backend": payload["backend"]}]
        else:
            parts = [{"backend": b["id"]} for b in MLService(self.ctx).for_project(payload["project"])]
        if record is not None:
            self._set(event_id, status="in_progress", parts=parts)
        return parts

    def run_part(self, payload: dict, part: dict) -> dict:
        backend = self.store.get(*keys.ml_backend(part["backend"]))
        body = self._body(payload)
        if backend is None or body is None:
            return {"backend": part["backend"], "sent": False}
        service = MLService(self.ctx)
        training = payload["action"] == "START_TRAINING"
        if not self._claim(payload, backend["id"]):
            # An earlier run (a process that stopped mid-way) may have delivered it: check the backend instead.
            if training and backend.get("state") == TRAINING:
                service.refresh(backend)
            return {"backend": backend["id"], "sent": False, "interrupted": True}
        try:
            answer = client_for(self.ctx, backend).webhook(body)
        except (BackendError, OutboundRefused) as exc:
            if training:
                service.set_state(backend["id"], ERROR, exc.message)
            logger.info("%s to ML backend %s failed: %s", payload["action"], backend["id"], exc.message)
            return {"backend": backend["id"], "sent": False}
        if training:  # check it again: a fit usually moves the model version, which /setup now reports
            service.refresh(backend)
        return {"backend": backend["id"], "sent": True, "status": str(answer.get("status", ""))[:40]}

    def _body(self, payload: dict) -> dict | None:
        project = self.store.get(*keys.project(payload["project"]))
        if project is None:
            return None
        body: dict = {"action": payload["action"], "project": ProjectService(self.ctx).represent(project)}
        if payload["action"] == "ANNOTATIONS_DELETED":
            body["annotations"] = [{"id": payload["annotation"]}]
        elif payload["action"] in ANNOTATION_ACTIONS:
            found = self.store.get(*keys.annotation_pointer(payload["annotation"]))
            annotation = self.store.get(*keys.annotation(found["task"], payload["annotation"])) if found else None
            task = self.store.get(*keys.task(found["task"])) if found else None
            if annotation is None or task is None:
                return None  # deleted since: its deletion event follows
            hydrate(self.ctx, [task])
            body["annotation"] = annotation_view(annotation, now=self.ctx.clock())
            body["task"] = task_short(task)
        return body

    def finish(self, payload: dict, results: list[dict]) -> None:
        if payload.get("event") is not None:
            self._end(payload["event"], "done", sent=sum(1 for r in results if r.get("sent")))

    def error(self, payload: dict, message: str) -> None:
        if payload.get("action") == "START_TRAINING" and payload.get("backend") is not None:
            backend = self.store.get(*keys.ml_backend(payload["backend"]))
            if backend is not None and backend.get("state") == TRAINING:
                MLService(self.ctx).set_state(payload["backend"], ERROR, message)
        logger.warning("ML event %s failed: %s", payload.get("action"), message)
        if payload.get("event") is not None:
            self._end(payload["event"], "failed", error=message)

    def resume_unfinished(self) -> list[int]:
        """Start again every event a stopped process left undelivered (for the laptop runtime's `skylabel start`)."""
        if self.ctx.jobs is None:
            raise RuntimeError("no job runner configured")
        resumed = []
        for record in self.store.query(keys.ACTIVE_ML_EVENTS, index="gsi2").items:
            if record.get("status") in ("done", "failed"):
                continue
            self.ctx.jobs.start("ml_event", _runner_id(record["id"]), record["payload"])
            resumed.append(record["id"])
        return resumed

    # --- records ---------------------------------------------------------------------------------------------

    def _claim(self, payload: dict, backend_id: int) -> bool:
        """True once per event and backend: whoever claims the delivery sends it."""
        if payload.get("event") is None:
            return True
        pk, sk = keys.ml_event_delivery(payload["event"], backend_id)
        now = self.ctx.clock()
        try:
            self.store.put({"pk": pk, "sk": sk, "claimed_at": iso(now), "ttl": int(now) + CLAIM_SECONDS},
                           Condition.not_exists())
        except ConditionFailed:
            return False
        return True

    def _end(self, event_id: int, status: str, **fields) -> None:
        self._set(event_id, status=status, finished_at=iso(self.ctx.clock()), gsi2pk=None, gsi2sk=None,
                  ttl=int(self.ctx.clock()) + KEEP_SECONDS, **fields)

    def _set(self, event_id: int, **fields) -> None:
        try:
            self.store.update(*keys.ml_event(event_id), set=fields, condition=Condition.exists())
        except ConditionFailed:
            pass  # expired or never stored: nothing to record
