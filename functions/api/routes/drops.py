"""Where files dropped become a project's tasks (a local folder or an S3 prefix), for the import page."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.imports.location import drop_location
from skylabel_api import deps
from skylabel_api.responses import ok

router = APIGatewayHttpRouter()


@router.get("/api/projects/<project_id>/drop-location", tags=["import"],
            summary="Where files dropped become this project's tasks: a local folder or an S3 prefix")
def get_drop_location(project_id: int):
    return ok(drop_location(deps.ctx(), deps.actor(), project_id))
