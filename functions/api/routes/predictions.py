"""Predictions (model pre-annotations)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.annotations.models import PredictionIn, PredictionPatch
from skylabel.annotations.service import AnnotationService
from skylabel_api import deps
from skylabel_api.responses import created, no_content, ok

router = APIGatewayHttpRouter()


def _service() -> AnnotationService:
    return AnnotationService(deps.ctx())


@router.get("/api/predictions", tags=["predictions"], summary="Predictions of a task or a project")
def list_predictions():
    service = _service()
    items = service.list_predictions(deps.actor(), task=deps.q_int("task"), project=deps.q_int("project"))
    return ok([service.prediction_view(p) for p in items])


@router.post("/api/predictions", tags=["predictions"], summary="Create a prediction")
def create_prediction(body: Annotated[PredictionIn, Body()]):
    service = _service()
    return created(service.prediction_view(service.create_prediction(deps.actor(), body)))


@router.get("/api/predictions/<prediction_id>", tags=["predictions"], summary="Get a prediction")
def get_prediction(prediction_id: int):
    service = _service()
    return ok(service.prediction_view(service.get_prediction(deps.actor(), prediction_id)))


@router.patch("/api/predictions/<prediction_id>", tags=["predictions"], summary="Update a prediction")
def patch_prediction(prediction_id: int, body: Annotated[PredictionPatch, Body()]):
    service = _service()
    return ok(service.prediction_view(service.update_prediction(deps.actor(), prediction_id, body)))


@router.delete("/api/predictions/<prediction_id>", tags=["predictions"], summary="Delete a prediction")
def delete_prediction(prediction_id: int):
    _service().delete_prediction(deps.actor(), prediction_id)
    return no_content()
