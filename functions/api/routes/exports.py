"""Exports: the synchronous download Label Studio's SDKs use, and the snapshot API (jobs with progress)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from skylabel.exports.service import CONTENT_TYPES, ExportService, SnapshotIn, SyncExports, sync_options
from skylabel_api import deps
from skylabel_api.responses import created, no_content, ok

router = APIGatewayHttpRouter()
# Bigger files answer 302 to the stored file: Lambda answers are capped at 6 MB, and locally the file then
# streams from disk instead of passing through the handler whole. Both SDK clients follow the redirect.
INLINE_BYTES = 5 * 1024 * 1024


def _service() -> ExportService:
    return ExportService(deps.ctx())


def _ids() -> list[int]:
    return [int(i) for i in deps.q_list("ids") if i.isdigit()]


def _download(service: ExportService, entry: dict) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{entry["filename"]}"'}
    if entry["size"] > INLINE_BYTES:  # a redirect to the stored file: S3 in AWS, the local server's signed URL here
        url = deps.ctx().blobs.presign_get(entry["key"], expires_in=3600, filename=entry["filename"])
        return Response(status_code=302, content_type="text/plain", body="", headers={"Location": url})
    ext = entry.get("ext", "json")
    return Response(status_code=200, content_type=CONTENT_TYPES.get(ext, "application/octet-stream"),
                    body=service.read(entry), headers=headers)


@router.get("/api/projects/<project_id>/export/formats", tags=["export"],
            summary="Export formats, disabled where the labeling config does not fit")
def export_formats(project_id: int):
    return ok(_service().formats(deps.actor(), project_id))


@router.get("/api/projects/<project_id>/export", tags=["export"],
            summary="Download an export now (small projects) or via a redirect to the finished job's file")
def export(project_id: int):
    fmt = deps.q_str("exportType") or deps.q_str("export_type") or "JSON"
    options = sync_options(all_tasks=deps.q_bool("download_all_tasks"), ids=_ids())
    wait = 25.0 if deps.ctx().settings.runtime == "aws" else 600.0
    found = SyncExports(deps.ctx()).file(deps.actor(), project_id, fmt, options, wait_seconds=wait)
    if found is None:
        body = {"detail": "The export is still being prepared; retry this request in a few seconds."}
        return ok(body, status=503, headers={"Retry-After": "5"})
    return _download(_service(), found[1])


@router.get("/api/projects/<project_id>/exports", tags=["export"], summary="Export snapshots of a project")
def list_exports(project_id: int):
    service = _service()
    return ok([service.view(e) for e in service.list(deps.actor(), project_id)])


@router.post("/api/projects/<project_id>/exports", tags=["export"], summary="Create an export snapshot (a job)")
def create_export(project_id: int, body: Annotated[SnapshotIn, Body()]):
    service = _service()
    export = service.create(deps.actor(), project_id, title=body.title, options=body.options())
    return created(service.view(export))


@router.get("/api/projects/<project_id>/exports/<export_id>", tags=["export"], summary="An export and its progress")
def get_export(project_id: int, export_id: int):
    service = _service()
    return ok(service.view(service.get(deps.actor(), project_id, export_id)))


@router.delete("/api/projects/<project_id>/exports/<export_id>", tags=["export"], summary="Delete an export")
def delete_export(project_id: int, export_id: int):
    _service().delete(deps.actor(), project_id, export_id)
    return no_content()


class ConvertIn(BaseModel):
    export_type: str = "JSON"
    download_resources: bool = False


@router.post("/api/projects/<project_id>/exports/<export_id>/convert", tags=["export"],
             summary="Convert an export to another format (a job)")
def convert_export(project_id: int, export_id: int, body: Annotated[ConvertIn, Body()]):
    return ok(_service().convert(deps.actor(), project_id, export_id, body.export_type))


@router.get("/api/projects/<project_id>/exports/<export_id>/download", tags=["export"],
            summary="Download an export's file (exportType; JSON by default)")
def download_export(project_id: int, export_id: int):
    service = _service()
    export = service.get(deps.actor(), project_id, export_id)
    return _download(service, service.file_entry(export, deps.q_str("exportType") or "JSON"))
