"""Label Studio's drafts API: the caller's unsubmitted work on a task or on one annotation of it.

POSTing into a slot that already holds the caller's draft updates it (200) instead of adding a second one
(201 when new): the editor saves drafts every few seconds and must never pile them up.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.drafts.models import DraftIn, DraftPatch, draft_view
from skylabel.drafts.service import DraftService
from skylabel_api import deps
from skylabel_api.responses import no_content, ok

router = APIGatewayHttpRouter()


def _service() -> DraftService:
    return DraftService(deps.ctx())


def _saved(task_id: int, body: DraftIn):
    draft, created = _service().save(deps.actor(), task_id, body)
    return ok(draft_view(draft), 201 if created else 200)


@router.get("/api/tasks/<task_id>/drafts", tags=["drafts"], summary="The caller's drafts of a task")
def list_task_drafts(task_id: int):
    return ok([draft_view(d) for d in _service().list_for_task(deps.actor(), task_id)])


@router.post("/api/tasks/<task_id>/drafts", tags=["drafts"],
             summary="Save the caller's draft of a task (of the annotation named in `annotation`, if any)")
def save_task_draft(task_id: int, body: Annotated[DraftIn, Body()]):
    return _saved(task_id, body)


@router.get("/api/annotations/<annotation_id>/drafts", tags=["drafts"], summary="The caller's drafts of an annotation")
def list_annotation_drafts(annotation_id: int):
    service = _service()
    task_id = service.annotation_task(deps.actor(), annotation_id)
    return ok([draft_view(d) for d in service.list_for_task(deps.actor(), task_id, annotation_id)])


@router.post("/api/annotations/<annotation_id>/drafts", tags=["drafts"],
             summary="Save the caller's draft of an existing annotation")
def save_annotation_draft(annotation_id: int, body: Annotated[DraftIn, Body()]):
    task_id = _service().annotation_task(deps.actor(), annotation_id)
    return _saved(task_id, body.model_copy(update={"annotation": annotation_id}))


@router.get("/api/drafts/<draft_id>", tags=["drafts"], summary="One of the caller's drafts")
def get_draft(draft_id: int):
    return ok(draft_view(_service().get(deps.actor(), draft_id)))


@router.patch("/api/drafts/<draft_id>", tags=["drafts"], summary="Update one of the caller's drafts")
def patch_draft(draft_id: int, body: Annotated[DraftPatch, Body()]):
    return ok(draft_view(_service().update(deps.actor(), draft_id, body)))


@router.delete("/api/drafts/<draft_id>", tags=["drafts"], summary="Delete one of the caller's drafts")
def delete_draft(draft_id: int):
    _service().delete(deps.actor(), draft_id)
    return no_content()


@router.put("/api/drafts/<draft_id>", tags=["drafts"], summary="Update one of the caller's drafts (as PATCH)")
def put_draft(draft_id: int, body: Annotated[DraftPatch, Body()]):
    return patch_draft(draft_id, body)
