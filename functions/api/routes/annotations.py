"""One annotation by id."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.annotations.models import AnnotationPatch
from skylabel.annotations.service import AnnotationService
from skylabel_api import deps
from skylabel_api.responses import no_content, ok

router = APIGatewayHttpRouter()


def _service() -> AnnotationService:
    return AnnotationService(deps.ctx())


@router.get("/api/annotations/<annotation_id>", tags=["annotations"], summary="Get an annotation")
def get_annotation(annotation_id: int):
    service = _service()
    return ok(service.view(service.get(deps.actor(), annotation_id)))


@router.patch("/api/annotations/<annotation_id>", tags=["annotations"],
              summary="Update an annotation (409 if it changed concurrently; nothing saved)")
def patch_annotation(annotation_id: int, body: Annotated[AnnotationPatch, Body()]):
    service = _service()
    return ok(service.view(service.update(deps.actor(), annotation_id, body)))


@router.put("/api/annotations/<annotation_id>", tags=["annotations"], summary="Update an annotation (as PATCH)")
def put_annotation(annotation_id: int, body: Annotated[AnnotationPatch, Body()]):
    return patch_annotation(annotation_id, body)


@router.delete("/api/annotations/<annotation_id>", tags=["annotations"], summary="Delete an annotation")
def delete_annotation(annotation_id: int):
    _service().delete(deps.actor(), annotation_id)
    return no_content()
