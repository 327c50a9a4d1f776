"""Data Manager actions the SDKs call (`POST /api/dm/actions?id=<action>&project=<id>`)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.errors import Invalid, NotFound
from skylabel.ml.actions import ML_ACTIONS, retrieve_tasks_predictions
from skylabel.tasks.service import TaskService
from skylabel_api import deps
from skylabel_api.responses import ok

router = APIGatewayHttpRouter()


@router.post("/api/dm/actions", tags=["data manager"], summary="Run a bulk action on selected tasks")
def run_action():
    action, project = deps.q_str("id"), deps.q_int("project")
    if project is None:
        raise NotFound("Neither project nor view id specified")
    body = deps.json_body() or {}
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object with selectedItems.", {"selectedItems": ["Expected an object."]})
    selection = {"filters": body.get("filters"), "ordering": body.get("ordering") or [],
                 "selectedItems": body.get("selectedItems") or {"all": True, "excluded": []}}
    service = TaskService(deps.ctx())
    actor = deps.actor()
    ids = service.ids_matching(actor, project, selection)
    if action == "delete_tasks":
        return ok({"processed_items": service.delete_many(actor, project, ids), "reload": True})
    if action == "retrieve_tasks_predictions":  # `wait=false`: answer with the started job instead of waiting
        return ok(retrieve_tasks_predictions(deps.ctx(), actor, project, ids, wait=deps.q_bool("wait", True)))
    if action in ML_ACTIONS:  # ML backends (skylabel.ml): predictions as a job; auto-accepted annotations undone
        return ok(ML_ACTIONS[action](deps.ctx(), actor, project, ids))
    raise Invalid(f"Unknown action {action!r}; supported: delete_tasks.", {"id": ["Unknown action."]})
