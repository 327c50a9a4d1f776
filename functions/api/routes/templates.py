"""The labeling-template gallery the project setup page offers."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.labeling_config.gallery import get_template, list_templates
from skylabel_api.responses import ok

router = APIGatewayHttpRouter()


@router.get("/api/templates", tags=["projects"], summary="Ready labeling configs with sample task data")
def templates():
    items = list_templates()
    groups = list(dict.fromkeys(t["group"] for t in items))
    return ok({"templates": items, "groups": groups})


@router.get("/api/templates/<slug>", tags=["projects"], summary="One labeling template")
def template(slug: str):
    return ok(get_template(slug))
