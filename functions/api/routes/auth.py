"""Browser sign-up, sign-in and sign-out: the SPA's session cookie (users/sessions.py says why it is built so).

Both answers carry the user (as `GET /api/current-user/whoami`) and set two cookies: `skylabel_session`
(httpOnly, SameSite=Lax: JavaScript never sees it) and `skylabel_csrf` (readable, SameSite=Strict: the SPA
echoes it in `X-CSRFToken`). `Secure` is added whenever the request came over https.

Sign-in and sign-up take JSON only: an HTML form on another site can POST urlencoded or text/plain bodies
across origins but cannot send `application/json` without a CORS preflight, which we never grant — so a
foreign page cannot sign a visitor in to the attacker's account (login CSRF).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from skylabel.context import Actor
from skylabel.errors import Forbidden, Invalid
from skylabel.users.service import UserService
from skylabel.users.sessions import CSRF_COOKIE, SESSION_COOKIE, Session, SessionService, cookie_value
from skylabel_api import deps
from skylabel_api.responses import ok

router = APIGatewayHttpRouter()


def _json_object() -> dict:
    content_type = (deps.event().headers or {}).get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise Invalid("Send the form as JSON (Content-Type: application/json).")
    body = deps.json_body()
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.", {"non_field_errors": ["Expected a JSON object."]})
    return body


def _secure() -> bool:
    """Secure cookies over https only: a laptop's http://127.0.0.1 would otherwise never get them back."""
    proto = (deps.event().headers or {}).get("x-forwarded-proto", "")
    return deps.ctx().settings.runtime == "aws" or proto.split(",")[0].strip().lower() == "https"


def _cookies(session: Session | None) -> list[Cookie]:
    """The session's two cookies, or (None) the same two emptied and expired, which makes browsers drop them."""
    secure = _secure()
    token, csrf, max_age = (session.token, session.csrf, session.max_age) if session else ("", "", 0)
    return [
        Cookie(SESSION_COOKIE, token, path="/", secure=secure, http_only=True, max_age=max_age,
               same_site=SameSite.LAX_MODE),
        Cookie(CSRF_COOKIE, csrf, path="/", secure=secure, http_only=False, max_age=max_age,
               same_site=SameSite.STRICT_MODE),
    ]


def _signed_in(user: dict, status: int) -> Response:
    ctx = deps.ctx()
    session = SessionService(ctx).start(user)
    body = UserService(ctx).whoami(Actor(user_id=user["id"], organization_id=user["active_organization"]))
    response = ok(body, status)
    response.cookies.extend(_cookies(session))
    return response


@router.post("/api/auth/signup", tags=["auth"], summary="Create an account and sign in (sets the session cookie)")
def signup():
    if not deps.ctx().settings.allow_signup:
        raise Forbidden("Sign-up is disabled on this server.")
    body = _json_object()
    # The legacy API key signup() makes is never shown; the user can issue one later (reset-token) for scripts.
    user, _ = UserService(deps.ctx()).signup(str(body.get("email") or ""), str(body.get("password") or ""),
                                             first_name=str(body.get("first_name") or ""),
                                             last_name=str(body.get("last_name") or ""))
    return _signed_in(user, 201)


@router.post("/api/auth/login", tags=["auth"], summary="Sign in with email and password (sets the session cookie)")
def login():
    body = _json_object()
    user = UserService(deps.ctx()).login(str(body.get("email") or "").strip(), str(body.get("password") or ""))
    return _signed_in(user, 200)


@router.post("/api/auth/logout", tags=["auth"], summary="Sign out (ends the session, clears the cookies)")
def logout():
    # No CSRF check: the worst a forged sign-out does is sign the user out, and SameSite=Lax already keeps the
    # cookie off cross-site POSTs. Refusing here could leave a browser with a stale cookie it cannot shed.
    SessionService(deps.ctx()).end(cookie_value(deps.event().cookies, SESSION_COOKIE))
    response = ok({})
    response.cookies.extend(_cookies(None))
    return response
