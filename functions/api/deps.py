"""What a route needs besides its arguments: the process's Context, the caller, and the raw query.

The Context is built once per process (a Lambda container or the local server) — lazily, so importing
the handler stays cheap — and can be replaced by the local runtime and by tests with `configure`.
"""

from __future__ import annotations

import contextvars
import json
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from skylabel.context import Actor, Context
from skylabel.errors import Invalid, Unauthorized

_context: Context | None = None
_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("actor", default=None)


def configure(ctx: Context | None) -> None:
    global _context
    _context = ctx


def ctx() -> Context:
    global _context
    if _context is None:
        from skylabel.wiring import context_from_env

        _context = context_from_env()
    return _context


def set_actor(actor: Actor | None) -> None:
    _actor.set(actor)


def actor() -> Actor:
    current = _actor.get()
    if current is None:
        raise Unauthorized("Authentication credentials were not provided.")
    return current


def event():
    return BaseRouter.current_event


def query() -> dict[str, list[str]]:
    """Query parameters with repeated keys kept (HTTP API v2 joins them with commas in its own field)."""
    return parse_qs(event().raw_event.get("rawQueryString") or "", keep_blank_values=True)


def q_str(name: str, default: str | None = None) -> str | None:
    values = query().get(name)
    return values[-1] if values else default


def q_int(name: str, default: int | None = None) -> int | None:
    value = q_str(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise Invalid(f"Query parameter {name} must be an integer.", {name: ["A valid integer is required."]}) from None


def q_bool(name: str, default: bool = False) -> bool:
    value = q_str(name)
    if value is None or value == "":
        return default
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise Invalid(f"Query parameter {name} must be true or false.", {name: ["Must be a valid boolean."]})


def q_list(name: str) -> list[str]:
    """Repeated keys (`ids=1&ids=2`), `ids[]=`, or one comma-separated value."""
    raw = query()
    values = raw.get(name, []) + raw.get(f"{name}[]", [])
    return [part for v in values for part in v.split(",") if part]


def json_body() -> object:
    """The request body parsed as JSON, with Label Studio's message when it is not."""
    raw = event().decoded_body
    if raw in (None, ""):
        return None
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"JSON parse error - {exc}") from None


def base_url() -> str:
    headers = event().headers or {}
    host = headers.get("x-forwarded-host") or headers.get("host") or "localhost"
    proto = headers.get("x-forwarded-proto") or "https"
    return f"{proto}://{host}"
