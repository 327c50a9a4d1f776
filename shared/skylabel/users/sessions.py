"""Browser sessions: an httpOnly cookie for the SPA, so no token ever sits in localStorage.

The cookie carries a random 256-bit token; the store keeps only its SHA-256 (like legacy API keys), so a
leaked table cannot be replayed, and the item expires by `ttl`. Authentication is one key lookup.

CSRF: a cookie is sent by the browser on its own, so every unsafe request authenticated by the cookie must
also carry `X-CSRFToken`, which only our own pages can read (from the `skylabel_csrf` cookie). The CSRF
token is an HMAC of the session token under the server's secret, not a second random value: a sibling
origin that can plant cookies on ours could plant a matching random pair, but cannot compute this one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from skylabel import keys
from skylabel.context import Actor, Context
from skylabel.errors import Forbidden, Unauthorized
from skylabel.ports import Condition
from skylabel.timeutil import iso
from skylabel.users import crypto
from skylabel.users.service import UserService

SESSION_COOKIE = "skylabel_session"
CSRF_COOKIE = "skylabel_csrf"
CSRF_HEADER = "x-csrftoken"  # Django's (and so Label Studio's) header name, lower-cased as events carry it
SESSION_SECONDS = 14 * 24 * 3600
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FAILED = "CSRF token missing or incorrect."  # Label Studio's words
SESSION_ENDED = "Your session has ended; sign in again."


@dataclass(frozen=True)
class Session:
    token: str  # goes into the httpOnly cookie, nowhere else
    csrf: str  # goes into the readable cookie; the SPA echoes it in X-CSRFToken
    max_age: int


class SessionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def start(self, user: dict) -> Session:
        """A new session for a user who has just proved who they are (sign-in or sign-up)."""
        token = secrets.token_urlsafe(32)
        now = int(self.ctx.clock())
        pk, sk = keys.session(crypto.hash_token(token))
        self.store.put({"pk": pk, "sk": sk, "user_id": user["id"], "organization_id": user["active_organization"],
                        "created_at": iso(now), "ttl": now + SESSION_SECONDS}, Condition.not_exists())
        return Session(token=token, csrf=self.csrf_token(token), max_age=SESSION_SECONDS)

    def actor(self, token: str) -> Actor:
        """Who a session cookie belongs to; 401 once it was signed out or has expired."""
        found = self.store.get(*keys.session(crypto.hash_token(token))) if token else None
        # The store hides expired items by wall time; the Context clock is checked too, so it is the one authority.
        if found is None or found.get("ttl", 0) <= self.ctx.clock():
            raise Unauthorized(SESSION_ENDED)
        return Actor(user_id=found["user_id"], organization_id=found["organization_id"])

    def csrf_token(self, token: str) -> str:
        # The "csrf:" prefix keeps these MACs apart from the JWTs signed with the same secret.
        secret = UserService(self.ctx).signing_secret()
        return hmac.new(secret, f"csrf:{token}".encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, token: str, header: str | None) -> None:
        if not header or not hmac.compare_digest(header.strip().encode(), self.csrf_token(token).encode()):
            raise Forbidden(CSRF_FAILED)

    def end(self, token: str | None) -> None:
        """Sign out: the session item goes, so the cookie stops working even if a copy of it survives."""
        if token:
            self.store.delete(*keys.session(crypto.hash_token(token)))


def cookie_value(cookies: list[str] | None, name: str) -> str | None:
    """A cookie's value from an HTTP API v2 event's `cookies` list ("name=value" strings); the last one wins."""
    value = None
    for cookie in cookies or []:
        key, sep, rest = cookie.partition("=")
        if sep and key.strip() == name:
            value = rest.strip()
    return value
