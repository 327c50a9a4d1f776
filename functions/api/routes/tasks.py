"""Tasks: listing with Label Studio's Data Manager query, CRUD, and the annotations of a task."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.annotations.models import AnnotationIn
from skylabel.annotations.service import AnnotationService
from skylabel.errors import Invalid, NotFound
from skylabel.tasks.service import TaskService
from skylabel_api import deps
from skylabel_api.responses import created, no_content, ok

router = APIGatewayHttpRouter()


def _tasks() -> TaskService:
    return TaskService(deps.ctx())


@router.get("/api/tasks", tags=["tasks"], summary="List a project's tasks (Data Manager query, paged)")
def list_tasks():
    project = deps.q_int("project")
    if project is None:
        raise NotFound("Neither project nor view id specified")
    include = deps.q_list("include") or None
    result = _tasks().list(
        deps.actor(), project,
        page=deps.q_int("page", 1), page_size=deps.q_int("page_size", 100),
        fields=deps.q_str("fields") or "task_only", include=include, query=deps.q_str("query"),
        only_annotated=deps.q_bool("only_annotated"),
    )
    return ok(result)


@router.post("/api/tasks", tags=["tasks"], summary="Create one task")
def create_task():
    body = deps.json_body()
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object with project and data.", {"non_field_errors": ["Expected an object."]})
    project = body.get("project")
    if project is not None and not isinstance(project, int):
        raise Invalid("project must be an integer id.", {"project": ["A valid integer is required."]})
    return created(_tasks().create(deps.actor(), project, body.get("data"), body.get("meta")))


@router.get("/api/tasks/<task_id>", tags=["tasks"], summary="Get a task with its annotations and predictions")
def get_task(task_id: int):
    return ok(_tasks().get(deps.actor(), task_id))


@router.patch("/api/tasks/<task_id>", tags=["tasks"], summary="Update a task (data replaces the whole dict)")
def patch_task(task_id: int):
    body = deps.json_body()
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.", {"non_field_errors": ["Expected an object."]})
    return ok(_tasks().update(deps.actor(), task_id, body))


@router.put("/api/tasks/<task_id>", tags=["tasks"], summary="Update a task (as PATCH)")
def put_task(task_id: int):
    return patch_task(task_id)


@router.delete("/api/tasks/<task_id>", tags=["tasks"], summary="Delete a task and its labels")
def delete_task(task_id: int):
    _tasks().delete(deps.actor(), task_id)
    return no_content()


@router.get("/api/tasks/<task_id>/annotations", tags=["annotations"], summary="Annotations of a task")
def list_annotations(task_id: int):
    service = AnnotationService(deps.ctx())
    items = service.list_for_task(deps.actor(), task_id)
    if deps.q_str("ordering") == "-id":
        items = sorted(items, key=lambda a: -a["id"])
    return ok([service.view(a) for a in items])


@router.post("/api/tasks/<task_id>/annotations", tags=["annotations"], summary="Annotate a task")
def create_annotation(task_id: int, body: Annotated[AnnotationIn, Body()]):
    service = AnnotationService(deps.ctx())
    return created(service.view(service.create(deps.actor(), task_id, body)))
