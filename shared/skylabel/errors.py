"""Domain errors. Each kind carries its HTTP status, so the API maps them in one table-free place.

Services raise these; they never raise HTTP exceptions. The message says what the caller should fix.
`details` becomes Label Studio's `validation_errors` ({field: [messages]}) in the answer.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Invalid(DomainError):
    status = 400
    code = "invalid"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class MethodNotAllowed(DomainError):
    status = 405
    code = "method_not_allowed"


class Conflict(DomainError):
    """The write lost a race (optimistic concurrency) and nothing was saved; re-read and retry."""

    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


def not_found(entity: str) -> NotFound:
    """Label Studio's wording, which SDK users match on."""
    return NotFound(f"No {entity} matches the given query.")
