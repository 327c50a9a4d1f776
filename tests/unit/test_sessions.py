"""SessionService and the cookie parsing the auth middleware relies on, on the local ItemStore with a fake clock."""

from __future__ import annotations

import pytest

from skylabel import keys
from skylabel.adapters.sqlite import SqliteItemStore
from skylabel.context import Actor, Context
from skylabel.errors import Forbidden, Invalid, Unauthorized
from skylabel.settings import Settings
from skylabel.users import crypto, service
from skylabel.users.service import UserService
from skylabel.users.sessions import CSRF_FAILED, SESSION_SECONDS, SessionService, cookie_value

NOW = 1_800_000_000.0


@pytest.fixture
def ctx(tmp_path) -> Context:
    return Context(items=SqliteItemStore(tmp_path / "t.db"), settings=Settings(secret="k" * 32), clock=lambda: NOW)


@pytest.fixture
def user(ctx) -> dict:
    return UserService(ctx).signup("ann@example.com", "password123")[0]


def test_start_keeps_only_a_hash_with_an_expiry(ctx, user):
    session = SessionService(ctx).start(user)
    item = ctx.items.get(*keys.session(crypto.hash_token(session.token)))
    assert item["user_id"] == user["id"] and item["organization_id"] == user["active_organization"]
    assert item["ttl"] == int(NOW) + SESSION_SECONDS == int(NOW) + session.max_age
    assert session.token not in repr(item)
    assert SessionService(ctx).start(user).token != session.token


def test_actor_until_expiry_or_sign_out(ctx, user):
    sessions = SessionService(ctx)
    session = sessions.start(user)
    assert sessions.actor(session.token) == Actor(user["id"], user["active_organization"])
    with pytest.raises(Unauthorized):
        sessions.actor("not-a-session")
    with pytest.raises(Unauthorized):
        sessions.actor("")
    later = SessionService(Context(items=ctx.items, settings=ctx.settings, clock=lambda: NOW + SESSION_SECONDS))
    with pytest.raises(Unauthorized):
        later.actor(session.token)
    sessions.end(session.token)
    with pytest.raises(Unauthorized):
        sessions.actor(session.token)
    sessions.end(None)  # nothing to end: no error


def test_csrf_token_is_an_hmac_of_the_session_under_the_secret(ctx, user):
    sessions = SessionService(ctx)
    one, two = sessions.start(user), sessions.start(user)
    assert one.csrf == sessions.csrf_token(one.token) != two.csrf
    assert len(one.csrf) == 64 and one.csrf != crypto.hash_token(one.token)
    other_secret = Context(items=ctx.items, settings=Settings(secret="z" * 32), clock=ctx.clock)
    assert SessionService(other_secret).csrf_token(one.token) != one.csrf
    sessions.check_csrf(one.token, one.csrf)
    for bad in (None, "", two.csrf, one.token, one.csrf[:-1]):
        with pytest.raises(Forbidden, match=CSRF_FAILED):
            sessions.check_csrf(one.token, bad)


@pytest.mark.parametrize(("cookies", "expected"), [
    (None, None),
    ([], None),
    (["other=1"], None),
    (["skylabel_session=abc"], "abc"),
    (["a=1", " skylabel_session = x=y ", "b=2"], "x=y"),
    (["skylabel_session=first", "skylabel_session=second"], "second"),
    (["skylabel_sessionx=no", "skylabel_session"], None),
])
def test_cookie_value(cookies, expected):
    assert cookie_value(cookies, "skylabel_session") == expected


def test_login_answers_the_same_for_unknown_email_and_wrong_password(ctx, user, monkeypatch):
    users = UserService(ctx)
    assert users.login("ann@example.com", "password123")["id"] == user["id"]
    checked: list[str] = []
    real = crypto.verify_password
    monkeypatch.setattr(service.crypto, "verify_password", lambda p, s: checked.append(s) or real(p, s))
    messages = []
    for email, password in (("ann@example.com", "wrong-password"), ("nobody@example.com", "password123"),
                            ("", "")):
        with pytest.raises(Invalid) as caught:
            users.login(email, password)
        messages.append(caught.value.message)
    assert set(messages) == {"The email or password is not correct."}
    # An unknown email still costs a scrypt check, so timing does not reveal which addresses exist
    assert len(checked) == 3 and all(s.startswith("scrypt$") for s in checked)
