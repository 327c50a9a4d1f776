"""Sign-up, authentication and tokens.

Authentication answers every request, so it is one key lookup: the legacy token's SHA-256 names an item
that carries the user id and organization id. Access tokens (the SDK's Bearer JWTs) are stateless and
short-lived; the long-lived personal access tokens they are refreshed from are recorded by `jti`, so a
revoked one stops working.
"""

from __future__ import annotations

import re
import secrets
import uuid

from skylabel import ids, keys
from skylabel.context import Actor, Context
from skylabel.errors import Conflict, Invalid, NotFound, Unauthorized
from skylabel.ports import Condition, ConditionFailed, Put
from skylabel.timeutil import iso
from skylabel.users import crypto

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
PAT_LIFETIME_SECONDS = 200 * 365 * 24 * 3600  # Label Studio's personal access tokens last ~200 years
INVALID_TOKEN = "Invalid token."
NO_CREDENTIALS = "Authentication credentials were not provided."
WRONG_CREDENTIALS = "The email or password is not correct."
_DECOY: list[str] = []


def _timing_decoy() -> str:
    if not _DECOY:
        _DECOY.append(crypto.hash_password(secrets.token_hex(16)))
    return _DECOY[0]


def _pat_key(jti: str) -> tuple[str, str]:
    return f"PAT#{jti}", "PAT"


class UserService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    # --- sign-up ------------------------------------------------------------------------------------------

    def signup(self, email: str, password: str, *, token: str | None = None, **profile: str) -> tuple[dict, str]:
        """A new user in a new organization (one per sign-up for now), with a legacy API token.

        Email uniqueness and the token are guarded by conditional puts in one transaction, so two
        concurrent sign-ups of one address create one user.
        """
        email = (email or "").strip()
        if not _EMAIL.match(email):
            raise Invalid("Enter a valid email address.", {"email": ["Enter a valid email address."]})
        if not password or len(password) < 8:
            raise Invalid("Password must be at least 8 characters.", {"password": ["At least 8 characters."]})
        token = token or crypto.new_legacy_token()
        if len(token) < 6:
            raise Invalid("A user token must be longer than 5 characters.")
        user_id = ids.allocate_one(self.store, "user")
        org_id = ids.allocate_one(self.store, "organization")
        now = iso(self.ctx.clock())
        user = {
            "id": user_id,
            "email": email,
            "username": profile.get("username") or email,
            "first_name": profile.get("first_name", ""),
            "last_name": profile.get("last_name", ""),
            "active_organization": org_id,
            "date_joined": now,
        }
        upk, usk = keys.user(user_id)
        opk, osk = keys.org(org_id)
        epk, esk = keys.email(email)
        tpk, tsk = keys.token(crypto.hash_token(token))
        try:
            self.store.transact(
                [
                    Put({"pk": epk, "sk": esk, "user_id": user_id}, Condition.not_exists()),
                    Put(
                        {"pk": upk, "sk": usk, "gsi1pk": keys.org_users(org_id), "gsi1sk": keys.pad(user_id),
                         **user, "password": crypto.hash_password(password)},
                        Condition.not_exists(),
                    ),
                    Put({"pk": opk, "sk": osk, "id": org_id, "title": "Skylabel", "created_by": user_id,
                         "created_at": now}, Condition.not_exists()),
                    Put({"pk": tpk, "sk": tsk, "user_id": user_id, "organization_id": org_id,
                         "kind": "legacy"}, Condition.not_exists()),
                ]
            )
        except ConditionFailed as exc:
            if exc.index == 0:
                raise Conflict("A user with this email already exists.", {"email": ["Already registered."]}) from exc
            raise Conflict("That token is already in use; choose another.") from exc
        return user, token

    def ensure_user(self, email: str, password: str, token: str) -> dict:
        """Make sure `email` exists and `token` authenticates as it (the local runtime's env bootstrap)."""
        existing = self.store.get(*keys.email(email))
        if existing is None:
            user, _ = self.signup(email, password, token=token)
            return user
        user = self._user(existing["user_id"])
        tpk, tsk = keys.token(crypto.hash_token(token))
        found = self.store.get(tpk, tsk)
        if found is None:
            self.store.put({"pk": tpk, "sk": tsk, "user_id": user["id"],
                            "organization_id": user["active_organization"], "kind": "legacy"})
        elif found["user_id"] != user["id"]:
            raise Conflict("SKYLABEL_USER_TOKEN already belongs to another user.")
        return user

    def login(self, email: str, password: str) -> dict:
        """The user whose email and password these are; one answer for a wrong password and an unknown email.

        An unknown email is still checked against a throwaway scrypt hash, so the answer takes as long
        either way and its timing does not tell which addresses are registered.
        """
        found = self.store.get(*keys.email(email or ""))
        user = self.store.get(*keys.user(found["user_id"])) if found else None
        stored = user.get("password", "") if user else _timing_decoy()
        if not crypto.verify_password(password or "", stored) or user is None:
            raise Invalid(WRONG_CREDENTIALS)
        return self.public_view(user)

    # --- authentication -----------------------------------------------------------------------------------

    def authenticate(self, authorization: str | None, api_key: str | None = None) -> Actor:
        """The caller behind `Authorization: Token <key>` / `Bearer <access JWT>` or `X-API-Key`."""
        if authorization:
            scheme, _, credential = authorization.strip().partition(" ")
            scheme, credential = scheme.lower(), credential.strip()
            if scheme == "token" and credential:
                return self._legacy(credential)
            if scheme == "bearer" and credential:
                return self._access(credential)
            raise Unauthorized(INVALID_TOKEN)
        if api_key:
            if api_key.count(".") == 2:
                return self._access(api_key)
            return self._legacy(api_key)
        raise Unauthorized(NO_CREDENTIALS)

    def _legacy(self, token: str) -> Actor:
        found = self.store.get(*keys.token(crypto.hash_token(token)))
        if found is None:
            raise Unauthorized(INVALID_TOKEN)
        return Actor(user_id=found["user_id"], organization_id=found["organization_id"])

    def _access(self, token: str) -> Actor:
        claims = crypto.decode_jwt(token, self.signing_secret(), token_type="access", now=self.ctx.clock())
        if claims is None:
            raise Unauthorized(INVALID_TOKEN)
        return Actor(user_id=int(claims["user_id"]), organization_id=int(claims["organization_id"]))

    # --- personal access tokens (JWT refresh tokens) --------------------------------------------------------

    def create_personal_token(self, actor: Actor) -> str:
        now = int(self.ctx.clock())
        jti = uuid.uuid4().hex
        self.store.put({"pk": _pat_key(jti)[0], "sk": _pat_key(jti)[1], "user_id": actor.user_id,
                        "organization_id": actor.organization_id, "created_at": iso(now)}, Condition.not_exists())
        claims = {"token_type": "refresh", "exp": now + PAT_LIFETIME_SECONDS, "iat": now, "jti": jti,
                  "user_id": str(actor.user_id)}
        return crypto.encode_jwt(claims, self.signing_secret())

    def refresh(self, refresh_token: str) -> str:
        """Exchange a personal access token for a short-lived access token."""
        if not refresh_token:
            raise Invalid("This field is required.", {"refresh": ["This field is required."]})
        now = int(self.ctx.clock())
        claims = crypto.decode_jwt(refresh_token, self.signing_secret(), token_type="refresh", now=now)
        record = self.store.get(*_pat_key(claims["jti"])) if claims and "jti" in claims else None
        if record is None:
            raise Unauthorized("Token is invalid")
        access = {"token_type": "access", "exp": now + self.ctx.settings.access_token_seconds, "iat": now,
                  "jti": uuid.uuid4().hex, "user_id": str(record["user_id"]),
                  "organization_id": str(record["organization_id"])}
        return crypto.encode_jwt(access, self.signing_secret())

    def revoke_personal_token(self, refresh_token: str) -> None:
        claims = crypto.decode_jwt(refresh_token or "", self.signing_secret(), token_type="refresh",
                                   now=self.ctx.clock())
        if claims is None or "jti" not in claims:
            raise Unauthorized("Token is invalid")
        self.store.delete(*_pat_key(claims["jti"]))

    def reset_legacy_token(self, actor: Actor) -> str:
        """A new legacy key; old keys of this user keep working until revoked (they are stored only hashed)."""
        token = crypto.new_legacy_token()
        tpk, tsk = keys.token(crypto.hash_token(token))
        self.store.put({"pk": tpk, "sk": tsk, "user_id": actor.user_id, "organization_id": actor.organization_id,
                        "kind": "legacy"}, Condition.not_exists())
        return token

    def signing_secret(self) -> bytes:
        """The signing key: from settings, else generated once and kept in the store (shared by all processes)."""
        if self.ctx.settings.secret:
            return self.ctx.settings.secret.encode()
        cached = self.ctx.memo.get("signing_secret")
        if cached:
            return cached
        item = self.store.get(keys.SETTINGS, "secret")
        if item is None:
            try:
                self.store.put({"pk": keys.SETTINGS, "sk": "secret", "value": secrets.token_hex(32)},
                               Condition.not_exists())
            except ConditionFailed:
                pass
            item = self.store.get(keys.SETTINGS, "secret")
        secret = item["value"].encode()
        self.ctx.memo["signing_secret"] = secret
        return secret

    # --- reading users --------------------------------------------------------------------------------------

    def _user(self, user_id: int) -> dict:
        user = self.store.get(*keys.user(user_id))
        if user is None:
            raise NotFound("No User matches the given query.")
        return user

    def get(self, user_id: int) -> dict:
        return self.public_view(self._user(user_id))

    def whoami(self, actor: Actor) -> dict:
        user = self.get(actor.user_id)
        org = self.store.get(*keys.org(actor.organization_id)) or {}
        return {
            **user,
            "active_organization_meta": {"title": org.get("title", ""), "email": user["email"]},
            "allow_newsletters": False,
            "custom_hotkeys": {},
            "permissions": [],
        }

    def members(self, actor: Actor) -> list[dict]:
        page = self.store.query(keys.org_users(actor.organization_id), index="gsi1")
        return [self.public_view(item) for item in page.items]

    @staticmethod
    def public_view(user: dict) -> dict:
        first, last = user.get("first_name", ""), user.get("last_name", "")
        initials = ((first[:1] + last[:1]) or user["email"][:2]).lower()
        return {
            "id": user["id"],
            "first_name": first,
            "last_name": last,
            "username": user.get("username") or user["email"],
            "email": user["email"],
            "last_activity": user.get("date_joined"),
            "avatar": None,
            "initials": initials,
            "phone": "",
            "active_organization": user["active_organization"],
            "date_joined": user.get("date_joined"),
        }

    def brief(self, user_id: int | None) -> dict | None:
        """The `created_by` shape Label Studio nests in projects and exports."""
        if user_id is None:
            return None
        user = self.store.get(*keys.user(user_id))
        if user is None:
            return None
        return {"id": user_id, "first_name": user.get("first_name", ""), "last_name": user.get("last_name", ""),
                "email": user["email"], "avatar": None}
