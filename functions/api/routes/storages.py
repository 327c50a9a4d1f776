"""Cloud storages (Label Studio's `api/storages/…`): S3 source storages and S3 target (export) storages.

Both kinds have the same routes under their own prefix, written out one by one so each has its own typed
body and OpenAPI entry; the work is in `skylabel.storages.service`. The legacy listings (`/api/storages`,
`/api/storages/export`) list every type of a project, which here is S3 only.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.storages.models import S3ExportStorageIn, S3ExportValidateIn, S3ImportStorageIn, S3ImportValidateIn
from skylabel.storages.service import STORAGE_TYPES, Kind, StorageService, storage_view
from skylabel_api import deps
from skylabel_api.responses import created, no_content, ok

router = APIGatewayHttpRouter()
TAGS = ["storages"]


def _service(kind: Kind) -> StorageService:
    return StorageService(deps.ctx(), kind)


def _listed(kind: Kind) -> Response:
    return ok([storage_view(item) for item in _service(kind).list(deps.actor(), deps.q_int("project"))])


def _validated() -> Response:
    return Response(status_code=200, content_type="application/json", body="")


# --- types and legacy listings --------------------------------------------------------------------------------

@router.get("/api/storages/types", tags=TAGS, summary="Source storage types")
def import_types():
    return ok(STORAGE_TYPES)


@router.get("/api/storages/export/types", tags=TAGS, summary="Target storage types")
def export_types():
    return ok(STORAGE_TYPES)


@router.get("/api/storages", tags=TAGS, summary="All source storages of a project (?project=)")
def list_all_import():
    return _listed("import")


@router.get("/api/storages/export", tags=TAGS, summary="All target storages of a project (?project=)")
def list_all_export():
    return _listed("export")


# --- S3 source storages ---------------------------------------------------------------------------------------

@router.get("/api/storages/s3", tags=TAGS, summary="S3 source storages of a project (?project=)")
def list_s3_import():
    return _listed("import")


@router.post("/api/storages/s3", tags=TAGS, summary="Connect an S3 bucket as a source storage")
def create_s3_import(body: Annotated[S3ImportStorageIn, Body()]):
    return created(storage_view(_service("import").create(deps.actor(), body)))


@router.post("/api/storages/s3/validate", tags=TAGS, summary="Check an S3 source storage's settings (dry run)")
def validate_s3_import(body: Annotated[S3ImportValidateIn, Body()]):
    _service("import").validate(deps.actor(), body, body.id)
    return _validated()


@router.get("/api/storages/s3/<storage_id>", tags=TAGS, summary="Get an S3 source storage")
def get_s3_import(storage_id: int):
    return ok(storage_view(_service("import").get_item(deps.actor(), storage_id)))


@router.patch("/api/storages/s3/<storage_id>", tags=TAGS, summary="Update an S3 source storage")
def patch_s3_import(storage_id: int, body: Annotated[S3ImportStorageIn, Body()]):
    return ok(storage_view(_service("import").update(deps.actor(), storage_id, body)))


@router.delete("/api/storages/s3/<storage_id>", tags=TAGS, summary="Delete an S3 source storage (tasks stay)")
def delete_s3_import(storage_id: int):
    _service("import").delete(deps.actor(), storage_id)
    return no_content()


@router.post("/api/storages/s3/<storage_id>/sync", tags=TAGS,
             summary="Import new objects of the bucket as tasks (already imported ones are skipped)")
def sync_s3_import(storage_id: int):
    return ok(storage_view(_service("import").sync(deps.actor(), storage_id)))


# --- S3 target storages ---------------------------------------------------------------------------------------

@router.get("/api/storages/export/s3", tags=TAGS, summary="S3 target storages of a project (?project=)")
def list_s3_export():
    return _listed("export")


@router.post("/api/storages/export/s3", tags=TAGS, summary="Connect an S3 bucket as a target storage")
def create_s3_export(body: Annotated[S3ExportStorageIn, Body()]):
    return created(storage_view(_service("export").create(deps.actor(), body)))


@router.post("/api/storages/export/s3/validate", tags=TAGS, summary="Check an S3 target storage's settings (dry run)")
def validate_s3_export(body: Annotated[S3ExportValidateIn, Body()]):
    _service("export").validate(deps.actor(), body, body.id)
    return _validated()


@router.get("/api/storages/export/s3/<storage_id>", tags=TAGS, summary="Get an S3 target storage")
def get_s3_export(storage_id: int):
    return ok(storage_view(_service("export").get_item(deps.actor(), storage_id)))


@router.patch("/api/storages/export/s3/<storage_id>", tags=TAGS, summary="Update an S3 target storage")
def patch_s3_export(storage_id: int, body: Annotated[S3ExportStorageIn, Body()]):
    return ok(storage_view(_service("export").update(deps.actor(), storage_id, body)))


@router.delete("/api/storages/export/s3/<storage_id>", tags=TAGS,
               summary="Delete an S3 target storage (objects stay)")
def delete_s3_export(storage_id: int):
    _service("export").delete(deps.actor(), storage_id)
    return no_content()


@router.post("/api/storages/export/s3/<storage_id>/sync", tags=TAGS,
             summary="Write every annotation of the project to the bucket")
def sync_s3_export(storage_id: int):
    return ok(storage_view(_service("export").sync(deps.actor(), storage_id)))
