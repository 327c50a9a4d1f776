"""The API Lambda: one Powertools resolver, one Router per resource, Label Studio's paths and error shape.

The same `app` serves API Gateway HTTP API (v2) events in AWS and the local runtime, which turns each
HTTP request into the same event (infrastructure/local). Trailing slashes are stripped before routing
because Label Studio's clients send both forms (ls_api.md §1).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from skylabel import __version__
from skylabel.errors import DomainError
from skylabel.users.service import UserService
from skylabel.users.sessions import CSRF_HEADER, SESSION_COOKIE, UNSAFE_METHODS, SessionService, cookie_value
from skylabel_api import deps, errors
from skylabel_api.routes import (
    annotations,
    auth,
    dm,
    drafts,
    drops,
    exports,
    ml,
    predictions,
    projects,
    storages,
    system,
    tasks,
    templates,
    users,
)

# Reachable without credentials; everything else needs a token or a session cookie.
PUBLIC_PATHS = {"/api/version", "/health", "/api/token/refresh", "/user/signup", "/api/docs", "/version",
                "/api/projects/validate", "/api/auth/signup", "/api/auth/login", "/api/auth/logout"}

app = APIGatewayHttpResolver(enable_validation=True)
for module in (system, users, auth, projects, tasks, annotations, drafts, predictions, dm, templates, exports, storages,
               drops):
    app.include_router(module.router)
app.include_router(ml.router)
app.enable_swagger(path="/api/docs", title="Skylabel API", version=__version__,
                   description="Label Studio-compatible REST API of Skylabel.")


def authenticate(app_, next_middleware):
    """Resolve the caller once per request; every route is then scoped to the caller's organization."""
    path = app_.current_event.path
    if path in PUBLIC_PATHS:
        deps.set_actor(None)
        return next_middleware(app_)
    deps.set_actor(_caller(app_.current_event))
    try:
        return next_middleware(app_)
    finally:
        deps.set_actor(None)


def _caller(event):
    """Authorization / X-Api-Key as the SDKs send them; else the browser's session cookie, whose writes must
    echo the CSRF token (a cookie rides along on requests other sites trigger; a header cannot)."""
    headers = event.headers or {}
    authorization, api_key = headers.get("authorization"), headers.get("x-api-key")
    session = cookie_value(event.cookies, SESSION_COOKIE)
    if authorization or api_key or not session:
        return UserService(deps.ctx()).authenticate(authorization, api_key)
    sessions = SessionService(deps.ctx())
    actor = sessions.actor(session)
    if event.http_method.upper() in UNSAFE_METHODS:
        sessions.check_csrf(session, headers.get(CSRF_HEADER))
    return actor


app.use(middlewares=[authenticate])


@app.exception_handler(DomainError)
def _domain(exc: DomainError):
    return errors.from_domain(exc)


@app.exception_handler(RequestValidationError)
def _request_validation(exc: RequestValidationError):
    return errors.from_request_validation(exc)


@app.exception_handler(ValidationError)
def _pydantic(exc: ValidationError):
    return errors.from_pydantic(exc)


@app.not_found
def _not_found(_exc: NotFoundError):
    return errors.error_response(404, "Not found.")


@app.exception_handler(Exception)
def _unexpected(exc: Exception):
    return errors.from_unexpected(exc)


def normalize(event: dict) -> dict:
    """Strip one trailing slash from the path (not from "/") so `/api/projects/` routes like `/api/projects`."""
    raw = event.get("rawPath") or "/"
    if len(raw) > 1 and raw.endswith("/"):
        event = {**event, "rawPath": raw.rstrip("/") or "/"}
        http = event.get("requestContext", {}).get("http")
        if http and "path" in http:
            event["requestContext"] = {**event["requestContext"], "http": {**http, "path": event["rawPath"]}}
    return event


def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(normalize(event), context)
