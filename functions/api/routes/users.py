"""Sign-up, whoami and tokens (legacy keys and the SDK's personal-access-token refresh flow)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel.errors import Forbidden, Invalid, not_found
from skylabel.users.service import UserService
from skylabel_api import deps
from skylabel_api.responses import created, ok

router = APIGatewayHttpRouter()


def _users() -> UserService:
    return UserService(deps.ctx())


def _object_body() -> dict:
    body = deps.json_body()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.", {"non_field_errors": ["Expected a JSON object."]})
    return body


@router.post("/user/signup", tags=["users"], summary="Create a user in a new organization")
def signup():
    if not deps.ctx().settings.allow_signup:
        raise Forbidden("Sign-up is disabled on this server.")
    body = _object_body()
    user, token = _users().signup(str(body.get("email") or ""), str(body.get("password") or ""),
                                  first_name=str(body.get("first_name") or ""),
                                  last_name=str(body.get("last_name") or ""))
    return created({**UserService.public_view(user), "token": token})


@router.get("/api/current-user/whoami", tags=["users"], summary="The calling user")
def whoami():
    return ok(_users().whoami(deps.actor()))


@router.get("/api/current-user/token", tags=["users"], summary="Legacy token (stored hashed: not readable)")
def legacy_token():
    raise Invalid("API keys are stored only as hashes and cannot be shown again; "
                  "POST /api/current-user/reset-token issues a new one.")


@router.post("/api/current-user/reset-token", tags=["users"], summary="Issue a new legacy API key")
def reset_token():
    return created({"token": _users().reset_legacy_token(deps.actor())})


@router.post("/api/token", tags=["tokens"], summary="Create a personal access token (JWT refresh token)")
def create_pat():
    return created({"token": _users().create_personal_token(deps.actor())})


@router.post("/api/token/refresh", tags=["tokens"], summary="Exchange a personal access token for an access token")
def refresh():
    body = _object_body()
    return ok({"access": _users().refresh(str(body.get("refresh") or ""))})


@router.post("/api/token/blacklist", tags=["tokens"], summary="Revoke a personal access token")
def blacklist():
    body = _object_body()
    _users().revoke_personal_token(str(body.get("refresh") or ""))
    return ok({})


@router.get("/api/users", tags=["users"], summary="Members of the caller's organization")
def list_users():
    return ok(_users().members(deps.actor()))


@router.get("/api/users/<user_id>", tags=["users"], summary="One member of the caller's organization")
def get_user(user_id: int):
    members = {m["id"]: m for m in _users().members(deps.actor())}
    if user_id not in members:
        raise not_found("User")
    return ok(members[user_id])
