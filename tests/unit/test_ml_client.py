"""The ML-backend protocol client's pure parts: URL joining, extra_params encoding, failure messages, views."""

from __future__ import annotations

import json

from skylabel.ml.client import Connection, describe_failure, endpoint
from skylabel.ml.models import backend_view, extra_params_text
from skylabel.ml.service import project_key
from skylabel.outbound import Response


def test_urls_join_as_label_studio_joins_them():
    assert endpoint("http://host:9090", "predict") == "http://host:9090/predict"
    assert endpoint("http://host:9090/", "setup") == "http://host:9090/setup"
    assert endpoint("https://host/ml/", "health") == "https://host/ml/health"
    assert endpoint("https://host/ml", "health") == "https://host/ml/health"


def test_extra_params_reach_setup_as_a_json_string():
    assert extra_params_text({"threshold": 0.5}) == '{"threshold": 0.5}'
    assert extra_params_text('{"a": 1}') == '{"a": 1}'
    assert extra_params_text(None) is None and extra_params_text("") is None and extra_params_text({}) is None


def test_the_project_string_is_id_dot_created_epoch():
    assert project_key({"id": 7, "created_at": "2024-04-08T14:20:36.000000Z"}) == "7.1712586036"


def test_basic_auth_only_with_both_user_and_password():
    item = {"url": "http://h", "timeout": 5, "auth_method": "BASIC_AUTH", "basic_auth_user": "u",
            "basic_auth_pass": "p"}
    assert Connection.of(item).auth == ("u", "p")
    assert Connection.of({**item, "basic_auth_pass": None}).auth is None
    assert Connection.of({**item, "auth_method": "NONE"}).auth is None


def _response(status: int, body: bytes, content_type: str) -> Response:
    return Response(status, {"content-type": content_type}, body, "http://h/predict")


def test_failures_say_what_the_backend_did():
    sdk_error = json.dumps({"detail": "ValueError: Value must be a string", "status": 500}).encode()
    assert describe_failure("setup", _response(500, sdk_error, "application/json")) == (
        "The ML backend's /setup answered HTTP 500: ValueError: Value must be a string")
    page = b"<!doctype html><title>502 Bad Gateway</title><h1>Bad Gateway</h1>"
    assert "HTTP 502: 502 Bad Gateway Bad Gateway" in describe_failure("predict", _response(502, page, "text/html"))
    assert "401 Unauthorized" in describe_failure("health", _response(401, b"Unauthorized", "text/html"))
    assert "no /versions endpoint" in describe_failure("versions", _response(404, b"<html>", "text/html"))


def test_the_view_never_shows_the_password():
    view = backend_view({"id": 1, "url": "http://h", "project": 2, "state": "ER", "error_message": "boom",
                         "basic_auth_pass": "secret", "auth_method": "BASIC_AUTH", "basic_auth_user": "u"})
    assert view["readable_state"] == "Error" and view["basic_auth_pass_is_set"] is True
    assert "secret" not in json.dumps(view)
