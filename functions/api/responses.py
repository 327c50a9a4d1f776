"""JSON answers, serialized once with the standard library (the resolver's own path adds nothing we need)."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response


def ok(body: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(status_code=status, content_type="application/json",
                    body=json.dumps(body, ensure_ascii=False, separators=(", ", ": ")), headers=headers)


def created(body: object) -> Response:
    return ok(body, 201)


def no_content() -> Response:
    return Response(status_code=204, content_type="application/json", body="")
