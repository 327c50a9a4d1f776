"""The one error shape, Label Studio's: every failure answers JSON with `detail` and `status_code`.

Domain errors carry their own status; request validation (pydantic) becomes 400 with
`validation_errors` by field; anything unexpected is logged with its traceback and answered as a bare 500
with a correlation id — never internals.
"""

from __future__ import annotations

import json
import logging
import uuid

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from skylabel import LABEL_STUDIO_COMPAT_VERSION
from skylabel.errors import DomainError

logger = logging.getLogger("skylabel.api")


def error_response(status: int, detail: str, validation_errors: dict | None = None,
                   headers: dict | None = None) -> Response:
    body = {"id": str(uuid.uuid4()), "status_code": status, "version": LABEL_STUDIO_COMPAT_VERSION,
            "detail": detail, "exc_info": None}
    if validation_errors is not None:
        body["validation_errors"] = validation_errors
    return Response(status_code=status, content_type="application/json", body=json.dumps(body), headers=headers)


def from_domain(exc: DomainError) -> Response:
    """Field-level problems answer as Label Studio's validation errors; others carry the message as detail."""
    headers = {"WWW-Authenticate": "Token"} if exc.status == 401 else None
    if exc.status == 400 and exc.details:
        return error_response(400, "Validation error", exc.details)
    return error_response(exc.status, exc.message, None, headers)


def _field_errors(errors: list) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        name = ".".join(loc) or "non_field_errors"
        message = str(err.get("msg") or err.get("type", "invalid")).removeprefix("Value error, ")
        if err.get("type") in ("model_type", "model_attributes_type", "dict_type") and "input" in err:
            message = f"Invalid data. Expected a dictionary, but got {type(err['input']).__name__}."
        fields.setdefault(name, []).append(message)
    return fields


def from_request_validation(exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        reason = next(e.get("ctx", {}).get("error", "") for e in errors if e.get("type") == "json_invalid")
        return error_response(400, f"JSON parse error - {reason}")
    if any(e.get("loc", ("",))[0] == "path" for e in errors):
        return error_response(404, "Not found: an id in the path is not an integer.")
    fields = _field_errors(errors)
    return error_response(400, "Validation error", fields)


def from_pydantic(exc: ValidationError) -> Response:
    return error_response(400, "Validation error", _field_errors(exc.errors(include_url=False)))


def from_unexpected(exc: Exception) -> Response:
    logger.exception("unhandled error", exc_info=exc)
    return error_response(500, "Internal server error. The error was logged; retrying may help.")
