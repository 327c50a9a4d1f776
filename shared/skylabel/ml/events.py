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
"""

from __future__ import annotations

import logging

from skylabel import keys
from skylabel.context import Context
from skylabel.ml.client import BackendError
from skylabel.ml.models import ERROR, TRAINING
from skylabel.ml.service import MLService, client_for
from skylabel.outbound import OutboundRefused
from skylabel.projects.service import ProjectService
from skylabel.tasks.payload import hydrate
from skylabel.tasks.views import annotation_view, task_short

logger = logging.getLogger("skylabel.ml.events")

ANNOTATION_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED")


def start_training(ctx: Context, backend: dict) -> None:
    _start(ctx, f"mltrain-{backend['id']}-{int(ctx.clock() * 1000)}",
           {"action": "START_TRAINING", "project": backend["project"], "backend": backend["id"]})


def annotation_event(ctx: Context, action: str, *, project_id: int, annotation_id: int, version: int = 0) -> None:
    """After an annotation write has committed: queue the event if the project's backends want it."""
    if action not in ANNOTATION_ACTIONS or ctx.jobs is None:
        return
    project = ctx.items.get(*keys.project(project_id))
    if not project or not project.get("start_training_on_annotation_update"):
        return
    if not MLService(ctx).for_project(project_id):
        return
    suffix = "deleted" if action == "ANNOTATIONS_DELETED" else f"v{version}"
    try:
        _start(ctx, f"mlevent-{annotation_id}-{suffix}-{int(ctx.clock() * 1000)}",
               {"action": action, "project": project_id, "annotation": annotation_id})
    except Exception:  # the annotation is saved; a lost training event must not turn that into an error
        logger.exception("could not queue %s for annotation %s", action, annotation_id)


def _start(ctx: Context, job_id: str, payload: dict) -> None:
    if ctx.jobs is None:
        raise RuntimeError("no job runner configured")
    ctx.jobs.start("ml_event", job_id, payload)


class EventJobs:
    """The ml_event workflow's steps: one part per receiving backend."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def plan(self, payload: dict) -> list[dict]:
        if payload.get("backend") is not None:
            return [{"backend": payload["backend"]}]
        return [{"backend": b["id"]} for b in MLService(self.ctx).for_project(payload["project"])]

    def run_part(self, payload: dict, part: dict) -> dict:
        backend = self.store.get(*keys.ml_backend(part["backend"]))
        body = self._body(payload)
        if backend is None or body is None:
            return {"backend": part["backend"], "sent": False}
        service = MLService(self.ctx)
        training = payload["action"] == "START_TRAINING"
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

    def error(self, payload: dict, message: str) -> None:
        if payload.get("action") == "START_TRAINING" and payload.get("backend") is not None:
            backend = self.store.get(*keys.ml_backend(payload["backend"]))
            if backend is not None and backend.get("state") == TRAINING:
                MLService(self.ctx).set_state(payload["backend"], ERROR, message)
        logger.warning("ML event %s failed: %s", payload.get("action"), message)
