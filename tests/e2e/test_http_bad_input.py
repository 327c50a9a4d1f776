"""Bad input over raw HTTP (requests): status codes and error bodies as ls_api.md (§2-§4) describes them.

Every error body must be JSON with `detail` and `status_code` (Label Studio's shape:
`{"id","status_code","version","detail","exc_info":null}`, 400s add `"detail":"Validation error"` and
`validation_errors`) and must never carry a traceback.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e

LABEL_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/>'
    '<Choice value="Neutral"/></Choices></View>'
)
MISSING_ID = 987654321
RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages", ".py\", line ")


def assert_error(resp: requests.Response, status: int, detail: str | None = None) -> dict[str, Any]:
    """The response is a JSON error of this status, with `detail` and `status_code`, and no traceback."""
    assert resp.status_code == status, f"{resp.request.method} {resp.url}: {resp.status_code} {resp.text[:500]}"
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers.get("Content-Type")
    body = resp.json()
    shown = resp.text[:1000]
    assert isinstance(body, dict), shown
    assert body.get("status_code") == status, shown
    assert isinstance(body.get("detail"), str) and body["detail"], shown
    if detail is not None:
        assert body["detail"] == detail, shown
    assert body.get("exc_info") is None, shown
    for marker in TRACEBACK_MARKERS:
        assert marker not in resp.text, f"traceback leaked: {resp.text[:1000]}"
    return body


def messages(body: dict[str, Any]) -> list[str]:
    """Every string in `detail` and `validation_errors`, flattened."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(body.get("detail"))
    walk(body.get("validation_errors"))
    return out


def assert_validation_error(resp: requests.Response, field: str | None = None) -> dict[str, Any]:
    body = assert_error(resp, 400, "Validation error")
    errors = body.get("validation_errors")
    assert isinstance(errors, dict) and errors, json.dumps(body)
    if field is not None:
        assert errors.get(field), f"no validation error for {field!r}: {json.dumps(body)}"
        assert all(isinstance(m, str) and m for m in errors[field]), json.dumps(body)
    return body


def task_total(api: requests.Session, url: str, pid: int) -> int:
    resp = api.get(f"{url}/api/tasks", params={"project": pid, "page": 1, "page_size": 1})
    assert resp.status_code == 200, resp.text
    return resp.json()["total"]


def project_count(api: requests.Session, url: str) -> int:
    resp = api.get(f"{url}/api/projects", params={"page_size": 1})
    assert resp.status_code == 200, resp.text
    return resp.json()["count"]


class Proj:
    def __init__(self, pid: int, task_ids: list[int], annotation_id: int, marker: str) -> None:
        self.pid = pid
        self.task_ids = task_ids
        self.annotation_id = annotation_id
        self.marker = marker


def make_project(api: requests.Session, url: str, n_tasks: int = 3) -> Proj:
    marker = f"secret-{secrets.token_hex(6)}"
    resp = api.post(f"{url}/api/projects", json={"title": f"e2e {marker}"[:50], "label_config": LABEL_CONFIG})
    assert resp.status_code == 201, resp.text
    pid = resp.json()["id"]
    tasks = [{"data": {"text": f"{marker} task {i}"}} for i in range(n_tasks)]
    resp = api.post(f"{url}/api/projects/{pid}/import", params={"return_task_ids": "true"}, json=tasks)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["task_count"] == n_tasks and len(body["task_ids"]) == n_tasks, body
    task_ids = body["task_ids"]
    resp = api.post(f"{url}/api/tasks/{task_ids[0]}/annotations", json={"result": RESULT, "lead_time": 1.0})
    assert resp.status_code == 201, resp.text
    return Proj(pid, task_ids, resp.json()["id"], marker)


@pytest.fixture(scope="module")
def url(e2e_target: Any) -> str:
    return e2e_target.base_url


@pytest.fixture(scope="module")
def proj(api: requests.Session, url: str) -> Iterator[Proj]:
    state = make_project(api, url)
    yield state
    api.delete(f"{url}/api/projects/{state.pid}")


# --------------------------------------------------------------------------------------------------------------------
# Malformed and wrongly typed bodies
# --------------------------------------------------------------------------------------------------------------------

MALFORMED = '{"title": "x", '


@pytest.mark.parametrize("method,path", [
    ("POST", "/api/projects"),
    ("PATCH", "/api/projects/{pid}"),
    ("POST", "/api/projects/{pid}/import"),
    ("POST", "/api/tasks/{tid}/annotations"),
    ("PATCH", "/api/tasks/{tid}"),
    ("POST", "/api/predictions"),
])
def test_malformed_json_is_400_with_detail(api: requests.Session, url: str, proj: Proj, method: str,
                                           path: str) -> None:
    projects_before = project_count(api, url)
    tasks_before = task_total(api, url, proj.pid)
    resp = api.request(method, url + path.format(pid=proj.pid, tid=proj.task_ids[1]), data=MALFORMED,
                       headers={"Content-Type": "application/json"})
    body = assert_error(resp, 400)
    assert body["detail"].startswith("JSON parse error"), body
    assert project_count(api, url) == projects_before
    assert task_total(api, url, proj.pid) == tasks_before
    task = api.get(f"{url}/api/tasks/{proj.task_ids[1]}").json()
    assert task["total_annotations"] == 0 and task["total_predictions"] == 0


@pytest.mark.parametrize("payload", [[1, 2], "hello", 42])
def test_project_body_of_wrong_type_is_400(api: requests.Session, url: str, payload: Any) -> None:
    # LS: {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}; the wording is not pinned.
    before = project_count(api, url)
    assert_validation_error(api.post(f"{url}/api/projects", json=payload), "non_field_errors")
    assert project_count(api, url) == before


@pytest.mark.parametrize("payload", [[RESULT], "Positive", 7])
def test_annotation_body_of_wrong_type_is_400(api: requests.Session, url: str, proj: Proj, payload: Any) -> None:
    resp = api.post(f"{url}/api/tasks/{proj.task_ids[2]}/annotations", json=payload)
    assert_validation_error(resp)
    assert api.get(f"{url}/api/tasks/{proj.task_ids[2]}").json()["total_annotations"] == 0


@pytest.mark.parametrize("data", ["just a string", ["text"], 5])
def test_task_data_of_wrong_type_is_400_and_task_unchanged(api: requests.Session, url: str, data: Any) -> None:
    # LS 1.23.2 answers 500 here and stores the value, after which the task (and the project's task list) can't be
    # read any more (500), so this uses a throwaway project. Expected: 400 and the task unchanged.
    own = make_project(api, url, n_tasks=1)
    try:
        tid = own.task_ids[0]
        before = api.get(f"{url}/api/tasks/{tid}").json()["data"]
        assert_validation_error(api.patch(f"{url}/api/tasks/{tid}", json={"data": data}), "data")
        after = api.get(f"{url}/api/tasks/{tid}")
        assert after.status_code == 200 and after.json()["data"] == before
    finally:
        api.delete(f"{url}/api/projects/{own.pid}")


@pytest.mark.parametrize("result", [{"choices": ["Positive"]}, "Positive", 3, None])
def test_annotation_result_not_a_list_is_400(api: requests.Session, url: str, proj: Proj, result: Any) -> None:
    # LS 1.23.2 gives 400 for a dict but 500 for a string: both must be 400.
    tid = proj.task_ids[2]
    body = assert_validation_error(api.post(f"{url}/api/tasks/{tid}/annotations", json={"result": result}), "result")
    assert body["validation_errors"]["result"]
    assert api.get(f"{url}/api/tasks/{tid}").json()["total_annotations"] == 0
    assert api.get(f"{url}/api/tasks/{tid}/annotations").json() == []


def test_patch_annotation_result_not_a_list_is_400(api: requests.Session, url: str, proj: Proj) -> None:
    aid = proj.annotation_id
    before = api.get(f"{url}/api/annotations/{aid}").json()["result"]
    assert_validation_error(api.patch(f"{url}/api/annotations/{aid}", json={"result": "Negative"}), "result")
    assert api.get(f"{url}/api/annotations/{aid}").json()["result"] == before


# --------------------------------------------------------------------------------------------------------------------
# Field validation
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [2, 51])
def test_title_length_out_of_range_is_400(api: requests.Session, url: str, length: int) -> None:
    before = project_count(api, url)
    resp = api.post(f"{url}/api/projects", json={"title": "t" * length, "label_config": LABEL_CONFIG})
    assert_validation_error(resp, "title")
    assert project_count(api, url) == before


@pytest.mark.parametrize("length", [3, 50])
def test_title_length_bounds_are_accepted(api: requests.Session, url: str, length: int) -> None:
    resp = api.post(f"{url}/api/projects", json={"title": "t" * length, "label_config": LABEL_CONFIG})
    assert resp.status_code == 201, resp.text
    assert resp.json()["title"] == "t" * length
    assert api.delete(f"{url}/api/projects/{resp.json()['id']}").status_code == 204


def test_patch_project_title_too_short_is_400(api: requests.Session, url: str, proj: Proj) -> None:
    before = api.get(f"{url}/api/projects/{proj.pid}").json()["title"]
    assert_validation_error(api.patch(f"{url}/api/projects/{proj.pid}", json={"title": "ab"}), "title")
    assert api.get(f"{url}/api/projects/{proj.pid}").json()["title"] == before


@pytest.mark.parametrize("tasks", [
    [{"data": {"text": "fine"}}, {"data": {"other": "no text here"}}],
    [{"text": "fine flat"}, {"other": "flat, no text"}],
    [{"data": {"other": "first one bad"}}],
])
def test_task_lacking_config_variable_is_400_and_nothing_written(api: requests.Session, url: str, proj: Proj,
                                                                 tasks: list[dict[str, Any]]) -> None:
    before = task_total(api, url, proj.pid)
    body = assert_validation_error(api.post(f"{url}/api/projects/{proj.pid}/import", json=tasks))
    assert any('"text"' in m for m in messages(body)), f"the message should name the missing `text` key: {body!r}"
    assert task_total(api, url, proj.pid) == before


def test_import_of_zero_tasks_is_400(api: requests.Session, url: str, proj: Proj) -> None:
    before = task_total(api, url, proj.pid)
    body = assert_validation_error(api.post(f"{url}/api/projects/{proj.pid}/import", json=[]))
    assert any("No tasks added" in m for m in messages(body)), json.dumps(body)
    assert task_total(api, url, proj.pid) == before


# --------------------------------------------------------------------------------------------------------------------
# Unknown ids, pagination
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method,path,entity", [
    ("GET", "/api/projects/{x}", "Project"),
    ("GET", "/api/projects/{x}/", "Project"),
    ("PATCH", "/api/projects/{x}", "Project"),
    ("DELETE", "/api/projects/{x}/", "Project"),
    ("GET", "/api/tasks?project={x}", "Project"),
    ("GET", "/api/tasks/{x}", "Task"),
    ("GET", "/api/tasks/{x}/", "Task"),
    ("PATCH", "/api/tasks/{x}", "Task"),
    ("DELETE", "/api/tasks/{x}", "Task"),
    ("GET", "/api/tasks/{x}/annotations", "Task"),
    ("POST", "/api/tasks/{x}/annotations/", "Task"),
    ("GET", "/api/annotations/{x}", "Annotation"),
    ("PATCH", "/api/annotations/{x}/", "Annotation"),
    ("DELETE", "/api/annotations/{x}", "Annotation"),
    ("GET", "/api/predictions/{x}", "Prediction"),
])
def test_unknown_id_is_404_with_ls_wording(api: requests.Session, url: str, method: str, path: str,
                                           entity: str) -> None:
    body = {"result": RESULT} if method in ("POST", "PATCH") else None
    resp = api.request(method, url + path.format(x=MISSING_ID), json=body)
    assert_error(resp, 404, f"No {entity} matches the given query.")


def test_task_list_without_project_is_404(api: requests.Session, url: str) -> None:
    resp = api.get(f"{url}/api/tasks")
    assert resp.status_code == 404
    assert resp.json()["detail"] == "Neither project nor view id specified"


def test_page_past_the_end_is_404_invalid_page(api: requests.Session, url: str, proj: Proj) -> None:
    n = task_total(api, url, proj.pid)
    assert n >= len(proj.task_ids)
    last = api.get(f"{url}/api/tasks", params={"project": proj.pid, "page": 1, "page_size": 100})
    assert last.status_code == 200 and len(last.json()["tasks"]) == n
    assert_error(api.get(f"{url}/api/tasks", params={"project": proj.pid, "page": 2, "page_size": 100}), 404,
                 "Invalid page.")
    assert_error(api.get(f"{url}/api/tasks", params={"project": proj.pid, "page": n + 1, "page_size": 1}), 404,
                 "Invalid page.")
    count = project_count(api, url)
    assert_error(api.get(f"{url}/api/projects", params={"page": count + 1, "page_size": 1}), 404, "Invalid page.")
    assert_error(api.get(f"{url}/api/projects", params={"page": 100000}), 404, "Invalid page.")


def test_first_page_of_an_empty_project_is_200(api: requests.Session, url: str) -> None:
    resp = api.post(f"{url}/api/projects", json={"title": "e2e empty", "label_config": LABEL_CONFIG})
    assert resp.status_code == 201
    pid = resp.json()["id"]
    try:
        page = api.get(f"{url}/api/tasks", params={"project": pid, "page": 1})
        assert page.status_code == 200
        assert page.json() == {"tasks": [], "total": 0, "total_annotations": 0, "total_predictions": 0}
        assert_error(api.get(f"{url}/api/tasks", params={"project": pid, "page": 2}), 404, "Invalid page.")
    finally:
        api.delete(f"{url}/api/projects/{pid}")


# --------------------------------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------------------------------


def test_wrong_or_missing_token_is_401(url: str, e2e_target: Any) -> None:
    wrong = "f" * 40 if e2e_target.token != "f" * 40 else "e" * 40
    resp = requests.get(f"{url}/api/projects", headers={"Authorization": f"Token {wrong}"})
    assert_error(resp, 401, "Invalid token.")
    assert resp.headers.get("WWW-Authenticate", "").startswith("Token")
    resp = requests.get(f"{url}/api/projects")
    assert_error(resp, 401, "Authentication credentials were not provided.")
    assert resp.headers.get("WWW-Authenticate", "").startswith("Token")
    assert_error(requests.get(f"{url}/api/projects", headers={"Authorization": f"Bearer {e2e_target.token}"}), 401)
    assert_error(requests.post(f"{url}/api/projects", headers={"Authorization": f"Token {wrong}"},
                               json={"title": "nope", "label_config": LABEL_CONFIG}), 401)
    assert requests.get(f"{url}/api/version").status_code == 200  # no auth needed


def test_token_keyword_case_and_x_api_key(url: str, e2e_target: Any) -> None:
    assert requests.get(f"{url}/api/projects", headers={"Authorization": f"token {e2e_target.token}"}).status_code \
        == 200
    assert requests.get(f"{url}/api/projects", headers={"X-API-Key": e2e_target.token}).status_code == 200


def _jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_pat_refresh_flow_and_its_failures(url: str, pat: str) -> None:
    claims = _jwt_claims(pat)
    assert claims["token_type"] == "refresh" and isinstance(claims["exp"], int)
    resp = requests.post(f"{url}/api/token/refresh/", json={"refresh": pat})
    assert resp.status_code == 200, resp.text
    access = resp.json()["access"]
    access_claims = _jwt_claims(access)
    assert access_claims["token_type"] == "access"
    assert access_claims["exp"] - access_claims["iat"] == 300
    assert requests.get(f"{url}/api/projects", headers={"Authorization": f"Bearer {access}"}).status_code == 200
    assert_error(requests.get(f"{url}/api/projects", headers={"Authorization": f"Bearer {pat}"}), 401)
    assert_error(requests.get(f"{url}/api/projects", headers={"Authorization": f"Token {access}"}), 401)
    bad = pat[:-4] + ("AAAA" if not pat.endswith("AAAA") else "BBBB")
    assert_error(requests.post(f"{url}/api/token/refresh/", json={"refresh": bad}), 401)
    assert requests.post(f"{url}/api/token/refresh/", json={}).status_code == 400


# --------------------------------------------------------------------------------------------------------------------
# Another organization
# --------------------------------------------------------------------------------------------------------------------


def _assert_no_leak(resp: requests.Response, proj: Proj) -> None:
    assert proj.marker not in resp.text, f"data of another organization leaked: {resp.text[:500]}"


def test_other_organization_sees_404_and_no_data(api: requests.Session, url: str, other_org_user: Any) -> None:
    mine = make_project(api, url)
    other = requests.Session()
    other.headers["Authorization"] = f"Token {other_org_user.token}"
    try:
        me = api.get(f"{url}/api/current-user/whoami").json()
        them = other.get(f"{url}/api/current-user/whoami")
        assert them.status_code == 200 and them.json()["email"] == other_org_user.email
        assert them.json()["active_organization"] != me["active_organization"]

        listing = other.get(f"{url}/api/projects", params={"page_size": 100})
        assert listing.status_code == 200
        assert mine.pid not in [p["id"] for p in listing.json()["results"]]
        _assert_no_leak(listing, mine)

        tid, aid = mine.task_ids[0], mine.annotation_id
        probes = [
            ("GET", f"/api/projects/{mine.pid}", None, "Project"),
            ("PATCH", f"/api/projects/{mine.pid}", {"title": "hijacked"}, "Project"),
            ("GET", f"/api/tasks?project={mine.pid}", None, "Project"),
            ("GET", f"/api/projects/{mine.pid}/export?exportType=JSON", None, "Project"),
            ("POST", f"/api/projects/{mine.pid}/import", [{"text": "intruder"}], "Project"),
            ("GET", f"/api/tasks/{tid}", None, "Task"),
            ("PATCH", f"/api/tasks/{tid}", {"data": {"text": "hijacked"}}, "Task"),
            ("GET", f"/api/tasks/{tid}/annotations", None, "Task"),
            ("POST", f"/api/tasks/{tid}/annotations", {"result": RESULT}, "Task"),
            ("GET", f"/api/annotations/{aid}", None, "Annotation"),
            ("PATCH", f"/api/annotations/{aid}", {"result": []}, "Annotation"),
            ("DELETE", f"/api/annotations/{aid}", None, "Annotation"),
            ("DELETE", f"/api/tasks/{tid}", None, "Task"),
            ("DELETE", f"/api/projects/{mine.pid}", None, "Project"),
        ]
        for method, path, body, entity in probes:
            resp = other.request(method, url + path, json=body)
            assert_error(resp, 404, f"No {entity} matches the given query.")
            _assert_no_leak(resp, mine)

        preds = other.get(f"{url}/api/predictions", params={"project": mine.pid})
        assert preds.status_code == 404 or preds.json() == [], preds.text
        _assert_no_leak(preds, mine)

        # nothing changed on the owner's side
        project = api.get(f"{url}/api/projects/{mine.pid}")
        assert project.status_code == 200 and project.json()["title"].endswith(mine.marker)
        assert task_total(api, url, mine.pid) == len(mine.task_ids)
        task = api.get(f"{url}/api/tasks/{tid}").json()
        assert task["data"] == {"text": f"{mine.marker} task 0"}
        assert [a["result"] for a in task["annotations"]] == [RESULT]

        # and the other way round: the other user's project is invisible to the first one
        theirs = other.post(f"{url}/api/projects", json={"title": "other org project", "label_config": LABEL_CONFIG})
        assert theirs.status_code == 201, theirs.text
        assert_error(api.get(f"{url}/api/projects/{theirs.json()['id']}"), 404, "No Project matches the given query.")
        assert theirs.json()["id"] not in [p["id"] for p in api.get(f"{url}/api/projects",
                                                                    params={"page_size": 100}).json()["results"]]
    finally:
        api.delete(f"{url}/api/projects/{mine.pid}")
        other.close()
