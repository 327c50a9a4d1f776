"""Projects, and what hangs off one: import, next task, its task collection, the synchronous export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from skylabel.errors import Invalid
from skylabel.imports.jobs import ImportJobs, job_view
from skylabel.imports.service import FileImports, ImportService
from skylabel.labeling_config import parse_label_config
from skylabel.projects.models import ProjectIn
from skylabel.projects.service import ProjectService
from skylabel.tasks.next_task import NextTaskService
from skylabel.tasks.service import TaskService
from skylabel.tasks.views import task_full
from skylabel_api import deps, multipart
from skylabel_api.responses import created, no_content, ok

router = APIGatewayHttpRouter()


def _projects() -> ProjectService:
    return ProjectService(deps.ctx())


def _page_url(page: int | None) -> str | None:
    if page is None:
        return None
    return f"{deps.base_url()}/api/projects?page={page}&page_size={deps.q_int('page_size', 30)}"


@router.get("/api/projects", tags=["projects"], summary="List projects (paged)")
def list_projects():
    page, page_size = deps.q_int("page", 1), deps.q_int("page_size", 30)
    ids = [int(i) for i in deps.q_list("ids") if i.isdigit()]
    service = _projects()
    total, items = service.list(deps.actor(), page=page, page_size=page_size, title=deps.q_str("title"),
                                id_filter=ids or None)
    size = max(1, min(page_size, 100))
    return ok({
        "count": total,
        "next": _page_url(page + 1 if page * size < total else None),
        "previous": _page_url(page - 1 if page > 1 else None),
        "results": [service.represent(item) for item in items],
    })


@router.post("/api/projects", tags=["projects"], summary="Create a project")
def create_project(body: Annotated[ProjectIn, Body()]):
    service = _projects()
    return created(service.represent(service.create(deps.actor(), body)))


class ConfigIn(BaseModel):
    label_config: str = ""


def _verdict(check: Callable[[], dict | None]):
    """Label Studio's answers (204/200, or 400 for a refused config), unless `?report=true`: then a refusal is a
    200 `{"valid": false, "detail", "validation_errors"}` and a pass `{"valid": true, ...}`. The browser app checks
    the config as someone types; a 400 per half-typed tag would log a failed request in the console each time."""
    if not deps.q_bool("report"):
        answer = check()
        return no_content() if answer is None else ok(answer)
    try:
        answer = check()
    except Invalid as exc:
        return ok({"valid": False, "detail": exc.message, "validation_errors": exc.details or {}})
    return ok({"valid": True, **(answer or {})})


@router.post("/api/projects/validate", tags=["projects"], summary="Validate a labeling config (dry run)")
def validate_config(body: Annotated[ConfigIn, Body()]):
    def check() -> None:
        if not body.label_config.strip():
            raise Invalid("Label config is not set or is empty", {"label_config": ["This field is required."]})
        parse_label_config(body.label_config)

    return _verdict(check)


@router.post("/api/projects/<project_id>/validate", tags=["projects"],
             summary="Validate a new labeling config against the project's annotations")
def validate_project_config(project_id: int, body: Annotated[ConfigIn, Body()]):
    service = _projects()
    current = service.get_item(deps.actor(), project_id)

    def check() -> dict:
        new = service.check_config(deps.actor(), project_id, body.label_config)
        old = parse_label_config(current.get("label_config"))
        return {"config_essential_data_has_changed": (new.controls, new.objects) != (old.controls, old.objects)}

    return _verdict(check)


@router.get("/api/projects/<project_id>", tags=["projects"], summary="Get a project")
def get_project(project_id: int):
    service = _projects()
    return ok(service.represent(service.get_item(deps.actor(), project_id)))


@router.patch("/api/projects/<project_id>", tags=["projects"], summary="Update a project")
def patch_project(project_id: int, body: Annotated[ProjectIn, Body()]):
    service = _projects()
    return ok(service.represent(service.update(deps.actor(), project_id, body)))


@router.put("/api/projects/<project_id>", tags=["projects"], summary="Update a project (as PATCH)")
def put_project(project_id: int, body: Annotated[ProjectIn, Body()]):
    return patch_project(project_id, body)


@router.delete("/api/projects/<project_id>", tags=["projects"], summary="Delete a project and its tasks")
def delete_project(project_id: int):
    _projects().delete(deps.actor(), project_id)
    return no_content()


@router.post("/api/projects/<project_id>/import", tags=["import"],
             summary="Import tasks: a JSON body, multipart files (JSON, JSONL, CSV, TSV, TXT, media) or url=")
def import_tasks(project_id: int):
    content_type = (deps.event().headers or {}).get("content-type", "")
    options = {"return_task_ids": deps.q_bool("return_task_ids"), "commit_valid": deps.q_bool("commit_valid"),
               "preannotated_from_fields": deps.q_list("preannotated_from_fields") or None}
    if content_type.startswith("multipart/"):
        files = multipart.files(content_type, multipart.raw_body(deps.event()))
        return created(FileImports(deps.ctx()).import_files(deps.actor(), project_id, files, **options))
    if content_type.startswith("application/x-www-form-urlencoded"):
        url = multipart.form(multipart.raw_body(deps.event())).get("url", "")
        return created(FileImports(deps.ctx()).import_url(deps.actor(), project_id, url, **options))
    answer = ImportService(deps.ctx()).import_json(
        deps.actor(), project_id, deps.json_body(), return_task_ids=options["return_task_ids"],
        preannotated_from_fields=options["preannotated_from_fields"],
        idempotency_key=(deps.event().headers or {}).get("idempotency-key"))
    return created(answer)


class UploadIn(BaseModel):
    filename: str


@router.post("/api/projects/<project_id>/uploads", tags=["import"],
             summary="A presigned URL for a big file; once uploaded it imports as a job")
def create_upload(project_id: int, body: Annotated[UploadIn, Body()]):
    return created(FileImports(deps.ctx()).create_upload(deps.actor(), project_id, body.filename))


@router.get("/api/projects/<project_id>/imports", tags=["import"], summary="Import jobs of a project")
def list_imports(project_id: int):
    _projects().get_item(deps.actor(), project_id)
    return ok([job_view(j, with_task_ids=False) for j in ImportJobs(deps.ctx()).list(deps.actor(), project_id)])


@router.get("/api/projects/<project_id>/imports/<job_id>", tags=["import"],
            summary="One import job: status, progress, counts, errors, timings, task ids")
def get_import(project_id: int, job_id: int):
    return ok(job_view(ImportJobs(deps.ctx()).get(deps.actor(), project_id, job_id)))


@router.get("/api/projects/<project_id>/file-uploads", tags=["import"], summary="Files imported into a project")
def file_uploads(project_id: int):
    _projects().get_item(deps.actor(), project_id)
    jobs = ImportJobs(deps.ctx()).list(deps.actor(), project_id)
    return ok([{"id": j["id"], "file": j["source"]["filename"], "status": j["status"], "project": project_id,
                "created_at": j["created_at"]} for j in jobs])


@router.post("/api/projects/<project_id>/import/predictions", tags=["import"], summary="Import predictions")
def import_predictions(project_id: int):
    return created(ImportService(deps.ctx()).import_predictions(deps.actor(), project_id, deps.json_body()))


@router.get("/api/projects/<project_id>/next", tags=["tasks"], summary="The next task for the caller to label")
def next_task(project_id: int):
    """Label Studio answers 404 when nothing is left; `?allow_empty=true` (the browser app) gets a 204 instead,
    which browsers do not log as a failed request."""
    ctx = deps.ctx()
    service = NextTaskService(ctx)
    if deps.q_bool("allow_empty"):
        found = service.find_next(deps.actor(), project_id)
        if found is None:
            return no_content()
        task, reason = found
    else:
        task, reason = service.next_task(deps.actor(), project_id)
    bundle = TaskService(ctx).bundle(deps.actor(), task["id"])
    return ok({**task_full(bundle, now=ctx.clock(), drafts_of=deps.actor().user_id), "queue": reason})


@router.get("/api/projects/<project_id>/tasks", tags=["tasks"], summary="All tasks of a project (not paged)")
def project_tasks(project_id: int):
    result = TaskService(deps.ctx()).list(deps.actor(), project_id, page=1, page_size=10**9, fields="task_only")
    return ok(result["tasks"])


@router.delete("/api/projects/<project_id>/tasks", tags=["tasks"], summary="Delete all tasks of a project")
def delete_project_tasks(project_id: int):
    TaskService(deps.ctx()).delete_all(deps.actor(), project_id)
    return no_content()
