"""ML backends (`/api/ml`, Label Studio's paths and shapes) and their prediction jobs."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.ml.jobs import PredictJobs
from skylabel.ml.models import InteractiveIn, MLBackendIn, MLBackendPatch, backend_view
from skylabel.ml.service import MLService
from skylabel_api import deps
from skylabel_api.responses import created, no_content, ok

router = APIGatewayHttpRouter()


def _service() -> MLService:
    return MLService(deps.ctx())


@router.get("/api/ml", tags=["ml"], summary="ML backends of a project")
def list_backends():
    return ok([backend_view(b) for b in _service().list(deps.actor(), deps.q_int("project"))])


@router.post("/api/ml", tags=["ml"], summary="Connect an ML backend (checked with /health and /setup first)")
def create_backend(body: Annotated[MLBackendIn, Body()]):
    return created(backend_view(_service().create(deps.actor(), body, hostname=deps.base_url())))


@router.get("/api/ml/<backend_id>", tags=["ml"], summary="An ML backend, its state checked again now")
def get_backend(backend_id: int):
    return ok(backend_view(_service().get(deps.actor(), backend_id)))


@router.patch("/api/ml/<backend_id>", tags=["ml"], summary="Update an ML backend")
def update_backend(backend_id: int, body: Annotated[MLBackendPatch, Body()]):
    return ok(backend_view(_service().update(deps.actor(), backend_id, body, hostname=deps.base_url())))


@router.delete("/api/ml/<backend_id>", tags=["ml"], summary="Disconnect an ML backend")
def delete_backend(backend_id: int):
    _service().delete(deps.actor(), backend_id)
    return no_content()


@router.post("/api/ml/<backend_id>/predict", tags=["ml"],
             summary="Predict every task that has no prediction of the backend's current model version (a job)")
def predict_all(backend_id: int):
    jobs = PredictJobs(deps.ctx())
    job = jobs.start_all(deps.actor(), backend_id, batch_size=deps.q_int("batch_size"))
    return ok(jobs.view(job))


@router.get("/api/ml/<backend_id>/jobs", tags=["ml"], summary="The backend's prediction jobs, newest first")
def list_jobs(backend_id: int):
    jobs = PredictJobs(deps.ctx())
    return ok([jobs.view(j) for j in jobs.list(deps.actor(), backend_id)])


@router.get("/api/ml/<backend_id>/jobs/<job_id>", tags=["ml"], summary="A prediction job: status, progress, errors")
def get_job(backend_id: int, job_id: int):
    jobs = PredictJobs(deps.ctx())
    return ok(jobs.view(jobs.get(deps.actor(), job_id, backend_id)))


@router.post("/api/ml/<backend_id>/interactive-annotating", tags=["ml"],
             summary="Interactive pre-annotation: the editor's context to /predict; the result is not stored")
def interactive(backend_id: int, body: Annotated[InteractiveIn, Body()]):
    return ok(_service().interactive(deps.actor(), backend_id, body))


@router.post("/api/ml/<backend_id>/train", tags=["ml"], summary="Send START_TRAINING to the backend's /webhook")
def train(backend_id: int):
    return ok(backend_view(_service().train(deps.actor(), backend_id)))


@router.get("/api/ml/<backend_id>/versions", tags=["ml"], summary="Model versions of the backend")
def versions(backend_id: int):
    return ok(_service().versions(deps.actor(), backend_id))
