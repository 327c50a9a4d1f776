"""The browser session (cookie + CSRF) through the Lambda handler, on both worlds.

A `Browser` keeps cookies the way a browser would: it stores what Set-Cookie says (dropping Max-Age=0
ones), sends them back in the event's `cookies` list, and never sends an Authorization header.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from skylabel.users.service import UserService
from tests.integration.conftest import CONFIG, TOKEN, http_api_event

PASSWORD = "correct horse battery"


@dataclass
class Browser:
    jar: dict[str, str] = field(default_factory=dict)
    last_set_cookies: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, *, body: object = None, csrf: str | bool | None = True,
             headers: dict | None = None) -> tuple[int, object]:
        from skylabel_api.handler import lambda_handler

        headers = dict(headers or {})
        if csrf is True and "skylabel_csrf" in self.jar:
            headers["x-csrftoken"] = self.jar["skylabel_csrf"]
        elif isinstance(csrf, str):
            headers["x-csrftoken"] = csrf
        event = http_api_event(method, path, body=body, headers=headers)
        if self.jar:
            event["cookies"] = [f"{k}={v}" for k, v in self.jar.items()]
        result = lambda_handler(event, None)
        self.last_set_cookies = result.get("cookies") or []
        for cookie in self.last_set_cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in cookie:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        text = result.get("body") or ""
        return result["statusCode"], json.loads(text) if text else None


def _signup(browser: Browser, email: str = "ann@example.com") -> tuple[int, object]:
    return browser.call("POST", "/api/auth/signup", body={"email": email, "password": PASSWORD,
                                                           "first_name": "Ann", "last_name": "Lee"})


def test_signup_sets_both_cookies_and_answers_the_user(world):
    # Given a visitor signing up in the browser
    browser = Browser()
    status, user = _signup(browser)
    # Then the answer is whoami's, and the session is an httpOnly Lax cookie, the CSRF token a readable Strict one
    assert status == 201, user
    assert (user["email"], user["first_name"], user["initials"]) == ("ann@example.com", "Ann", "al")
    assert "active_organization_meta" in user and "token" not in user and "password" not in user
    session = next(c for c in browser.last_set_cookies if c.startswith("skylabel_session="))
    csrf = next(c for c in browser.last_set_cookies if c.startswith("skylabel_csrf="))
    assert {"HttpOnly", "SameSite=Lax", "Path=/", "Secure"} <= set(session.split("; "))
    assert {"SameSite=Strict", "Path=/", "Secure"} <= set(csrf.split("; ")) and "HttpOnly" not in csrf
    assert len(browser.jar["skylabel_session"]) >= 43  # 32 random bytes, url-safe base64
    # And the cookie alone authenticates reads
    status, me = browser.call("GET", "/api/current-user/whoami", csrf=False)
    assert (status, me) == (200, user)


def test_session_is_stored_only_as_a_hash_with_an_expiry(world):
    browser = Browser()
    _signup(browser)
    token = browser.jar["skylabel_session"]
    from skylabel import keys
    from skylabel.users import crypto

    item = world.items.get(*keys.session(crypto.hash_token(token)))
    assert item is not None and token not in json.dumps(item)
    assert item["ttl"] - world.clock() == pytest.approx(14 * 24 * 3600, abs=60)


def test_login_then_writes_need_the_csrf_header(api, world):
    # Given the owner signed in through the browser
    browser = Browser()
    status, user = browser.call("POST", "/api/auth/login", body={"email": "owner@example.com",
                                                                  "password": "password123"})
    assert status == 200 and user["email"] == "owner@example.com"
    project = {"title": "From the browser", "label_config": CONFIG}
    # When a write comes without the header, or with a wrong one
    missing = browser.call("POST", "/api/projects", body=project, csrf=False)
    wrong = browser.call("POST", "/api/projects", body=project, csrf="0" * 64)
    # Then both are refused with Label Studio's words, and nothing was created
    assert (missing[0], wrong[0]) == (403, 403)
    assert missing[1]["detail"] == wrong[1]["detail"] == "CSRF token missing or incorrect."
    assert api.call("GET", "/api/projects")[1]["count"] == 0
    # And with the header the write goes through
    status, created = browser.call("POST", "/api/projects", body=project)
    assert status == 201 and created["title"] == "From the browser"


def test_csrf_token_is_bound_to_the_session(world):
    # Given two browser sessions
    first, second = Browser(), Browser()
    _signup(first, "one@example.com")
    _signup(second, "two@example.com")
    # When the first session's cookie is sent with the second one's CSRF token (a planted pair)
    status, body = first.call("POST", "/api/projects", body={"title": "Nope"}, csrf=second.jar["skylabel_csrf"])
    # Then it is refused
    assert status == 403 and body["detail"] == "CSRF token missing or incorrect."


def test_logout_ends_the_session(world):
    browser = Browser()
    _signup(browser)
    old = dict(browser.jar)
    status, _ = browser.call("POST", "/api/auth/logout")
    assert status == 200
    # Both cookies are cleared
    assert browser.jar == {}
    assert all("Max-Age=0" in c for c in browser.last_set_cookies) and len(browser.last_set_cookies) == 2
    # And a copy of the old cookie no longer works
    replay = Browser(jar=old)
    status, body = replay.call("GET", "/api/current-user/whoami")
    assert status == 401 and "sign in again" in body["detail"]
    # Logging out again (no session, or a dead one) still answers 200 and clears the cookies
    assert replay.call("POST", "/api/auth/logout")[0] == 200 and replay.jar == {}
    assert Browser().call("POST", "/api/auth/logout")[0] == 200


def test_login_failure_says_what_to_fix_without_telling_which_part(api):
    wrong_password = Browser().call("POST", "/api/auth/login", body={"email": "owner@example.com",
                                                                     "password": "nope-nope"})
    unknown_email = Browser().call("POST", "/api/auth/login", body={"email": "nobody@example.com",
                                                                    "password": "password123"})
    assert (wrong_password[0], unknown_email[0]) == (400, 400)
    assert wrong_password[1]["detail"] == unknown_email[1]["detail"] == "The email or password is not correct."


def test_signup_validation_and_refusals(world):
    status, body = Browser().call("POST", "/api/auth/signup", body={"email": "not-an-email", "password": PASSWORD})
    assert status == 400 and body["validation_errors"]["email"] == ["Enter a valid email address."]
    status, body = Browser().call("POST", "/api/auth/signup", body={"email": "a@example.com", "password": "short"})
    assert status == 400 and "password" in body["validation_errors"]
    _signup(Browser(), "dup@example.com")
    assert _signup(Browser(), "dup@example.com")[0] == 409
    # Credentials only as JSON: a cross-site HTML form cannot send that (login CSRF)
    status, body = Browser().call("POST", "/api/auth/login", body={"email": "dup@example.com", "password": PASSWORD},
                                  headers={"content-type": "text/plain"})
    assert status == 400 and "application/json" in body["detail"]
    # When sign-up is disabled, the browser endpoint is refused like /user/signup
    world.settings = world.settings.model_copy(update={"allow_signup": False})
    status, body = _signup(Browser(), "late@example.com")
    assert status == 403 and body["detail"] == "Sign-up is disabled on this server."


def test_headers_still_win_over_the_cookie(api):
    # Given a browser session of another user
    browser = Browser()
    _signup(browser, "other@example.com")
    # When a request carries both the cookie and the owner's token, the token decides (and needs no CSRF)
    status, me = browser.call("GET", "/api/current-user/whoami", headers={"authorization": f"Token {TOKEN}"})
    assert status == 200 and me["email"] == "owner@example.com"
    status, _ = browser.call("POST", "/api/projects", body={"title": "Token write"}, csrf=False,
                             headers={"authorization": f"Token {TOKEN}"})
    assert status == 201
    # And a bad header is a 401 even with a good cookie
    assert browser.call("GET", "/api/projects", headers={"authorization": "Token wrong"})[0] == 401


def test_another_organizations_data_is_invisible_through_a_session(api, project):
    # Given a stranger signed up in the browser (their own organization)
    browser = Browser()
    _signup(browser, "stranger@example.com")
    # Then the owner's project is not theirs to see or change
    assert browser.call("GET", "/api/projects")[1]["count"] == 0
    status, body = browser.call("GET", f"/api/projects/{project['id']}")
    assert status == 404 and body["detail"] == "No Project matches the given query."
    assert browser.call("PATCH", f"/api/projects/{project['id']}", body={"title": "Mine now"})[0] == 404
    assert browser.call("DELETE", f"/api/projects/{project['id']}")[0] == 404


def test_session_expires(world):
    browser = Browser()
    _signup(browser)
    original, now = world.clock, world.clock()
    world.clock = lambda: now + 14 * 24 * 3600 + 1
    try:
        status, _ = browser.call("GET", "/api/current-user/whoami")
    finally:
        world.clock = original
    assert status == 401


def test_the_secure_flag_over_plain_http_follows_the_runtime(world):
    """`skylabel start` serves plain HTTP on a laptop, where a Secure cookie would never come back: no Secure
    there. In AWS, API Gateway only speaks HTTPS: cookies are always Secure, whatever a header claims."""
    UserService(world).ensure_user("owner@example.com", "password123", TOKEN)
    browser = Browser()
    status, _ = browser.call("POST", "/api/auth/login", body={"email": "owner@example.com", "password": "password123"},
                             headers={"x-forwarded-proto": "http"})
    assert status == 200 and len(browser.last_set_cookies) == 2, browser.last_set_cookies
    secure = world.settings.runtime == "aws"
    assert all(("Secure" in c.split("; ")) is secure for c in browser.last_set_cookies), browser.last_set_cookies
