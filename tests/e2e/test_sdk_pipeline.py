"""A labeling pipeline driven through the real `label-studio-sdk==2.1.2`, written once and run with three clients:

- `LabelStudio(api_key=<legacy token>)`  (new SDK, `Authorization: Token`)
- `LabelStudio(api_key=<PAT>)`           (new SDK, refresh JWT -> `POST api/token/refresh/` -> `Bearer <access>`)
- `label_studio_sdk._legacy.Client`      (legacy client, paths without trailing slash, requests)

Expectations follow /work/shared/reference/ls_api.md (LS 1.23.2 behaviour).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import requests
from label_studio_sdk import LabelStudio
from label_studio_sdk._legacy import Client as LegacyClient
from label_studio_sdk.core.api_error import ApiError

pytestmark = [
    pytest.mark.e2e,
    # SDK 2.1.2 itself calls pydantic's deprecated parse_obj in the token refresh
    pytest.mark.filterwarnings("ignore:The `parse_obj` method is deprecated"),
]

LABEL_CONFIG = (
    '<View>\n'
    '  <Text name="text" value="$text"/>\n'
    '  <Choices name="sentiment" toName="text" choice="single">\n'
    '    <Choice value="Positive"/>\n'
    '    <Choice value="Negative"/>\n'
    '    <Choice value="Neutral"/>\n'
    '  </Choices>\n'
    '</View>'
)
LABELS = ["Positive", "Negative", "Neutral"]
N_TASKS = 50
INLINE_ANNOTATED = (0, 1)  # task indexes imported with an inline annotation
MODEL_VERSION = "e2e-v1"
PAGER_GUARD = 40  # more task-list requests than this in one listing means the pager never stopped


def choice(label: str, region_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"from_name": "sentiment", "to_name": "text", "type": "choices",
                            "value": {"choices": [label]}}
    if region_id is not None:
        item["id"] = region_id
    return item


def task_text(i: int) -> str:
    return f"grp{i % 10:02d} uid{i:05d} the quick brown fox jumps over the lazy dog"


def pred_result(i: int) -> list[dict[str, Any]]:
    return [choice(LABELS[i % 3], f"p{i}")]


def pred_score(i: int) -> float:
    return round(0.5 + i / 100, 2)


def inline_ann_result(i: int) -> list[dict[str, Any]]:
    return [choice(LABELS[(i + 1) % 3], f"a{i}")]


def build_tasks() -> list[dict[str, Any]]:
    tasks = []
    for i in range(N_TASKS):
        task: dict[str, Any] = {
            "data": {"text": task_text(i), "group": f"grp{i % 10:02d}"},
            "predictions": [{"model_version": MODEL_VERSION, "score": pred_score(i), "result": pred_result(i)}],
        }
        if i in INLINE_ANNOTATED:
            task["annotations"] = [{"result": inline_ann_result(i), "lead_time": 2.5}]
        tasks.append(task)
    return tasks


def as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return obj.model_dump()


def flt(column: str, operator: str, type_: str, value: Any) -> dict[str, Any]:
    return {"filter": f"filter:tasks:{column}", "operator": operator, "type": type_, "value": value}


# --------------------------------------------------------------------------------------------------------------------
# Drivers: the same operations over the new SDK and over the legacy client. They return plain dicts/lists and the
# HTTP status of "not found" probes, so the pipeline below is written once.
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    auth: str  # the Authorization scheme sent ("Token", "Bearer", "")


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)

    def add(self, method: str, url: str, status: int, authorization: str | None) -> None:
        parts = urlsplit(url)
        scheme = (authorization or "").split(" ", 1)[0]
        self.calls.append(Call(method.upper(), parts.path, parse_qs(parts.query), status, scheme))
        listing = [c for c in self.calls if c.method == "GET" and c.path.rstrip("/") == "/api/tasks"]
        if len(listing) > PAGER_GUARD:
            raise RuntimeError(f"{len(listing)} task-list requests: the pager never stopped (last status {status})")

    def task_pages(self, since: int) -> list[tuple[int, int]]:
        """(page, status) of each task-list request recorded after index `since`."""
        return [(int(c.query.get("page", ["1"])[0]), c.status) for c in self.calls[since:]
                if c.method == "GET" and c.path.rstrip("/") == "/api/tasks"]


class SdkDriver:
    name = "sdk"

    def __init__(self, target: Any, api_key: str) -> None:
        self.recorder = Recorder()

        def on_response(resp: httpx.Response) -> None:
            self.recorder.add(resp.request.method, str(resp.request.url), resp.status_code,
                              resp.request.headers.get("authorization"))

        self.http = httpx.Client(timeout=60, follow_redirects=True, event_hooks={"response": [on_response]})
        self.client = LabelStudio(base_url=target.base_url, api_key=api_key, httpx_client=self.http, max_retries=0)
        self.page_size = 20

    def close(self) -> None:
        self.http.close()

    @staticmethod
    def status_of(fn: Callable[[], Any]) -> int:
        try:
            fn()
        except ApiError as exc:
            return exc.status_code
        return 200

    def version(self) -> dict[str, Any]:
        return self.client.versions.get().model_dump()

    def whoami(self) -> dict[str, Any]:
        return self.client.users.whoami().model_dump()

    def create_project(self, title: str) -> dict[str, Any]:
        return as_dict(self.client.projects.create(title=title, label_config=LABEL_CONFIG))

    def get_project(self, pid: int) -> dict[str, Any]:
        return as_dict(self.client.projects.get(id=pid))

    def project_ids(self) -> list[int]:
        return [p.id for p in self.client.projects.list(page_size=100)]

    def project_status(self, pid: int) -> int:
        return self.status_of(lambda: self.client.projects.get(id=pid))

    def delete_project(self, pid: int) -> None:
        self.client.projects.delete(id=pid)

    def import_tasks(self, pid: int, tasks: list[dict[str, Any]]) -> tuple[list[int], dict[str, Any] | None]:
        resp = as_dict(self.client.projects.import_tasks(id=pid, request=tasks, return_task_ids=True))
        return resp.get("task_ids"), resp

    def list_tasks(self, pid: int) -> tuple[list[dict[str, Any]], list[tuple[int, int]], int | None]:
        since = len(self.recorder.calls)
        pager = self.client.tasks.list(project=pid, page_size=self.page_size)
        total = pager.response.total if pager.response is not None else None
        tasks = [as_dict(t) for t in pager]
        return tasks, self.recorder.task_pages(since), total

    def query_tasks(self, pid: int, filters: dict[str, Any]) -> list[dict[str, Any]]:
        query = json.dumps({"filters": filters})
        return [as_dict(t) for t in self.client.tasks.list(project=pid, query=query, page_size=self.page_size)]

    def labeled_ids(self, pid: int) -> list[int]:
        filters = {"conjunction": "and", "items": [flt("completed_at", "empty", "Datetime", False)]}
        return [t["id"] for t in self.query_tasks(pid, filters)]

    def unlabeled_ids(self, pid: int) -> list[int]:
        filters = {"conjunction": "and", "items": [flt("completed_at", "empty", "Datetime", True)]}
        return [t["id"] for t in self.query_tasks(pid, filters)]

    def get_task(self, tid: int) -> dict[str, Any]:
        return as_dict(self.client.tasks.get(id=str(tid)))

    def task_status(self, tid: int) -> int:
        return self.status_of(lambda: self.client.tasks.get(id=str(tid)))

    def update_task(self, tid: int, data: dict[str, Any]) -> dict[str, Any]:
        return as_dict(self.client.tasks.update(id=str(tid), data=data))

    def delete_task(self, tid: int) -> None:
        self.client.tasks.delete(id=str(tid))

    def next_task(self, pid: int) -> tuple[int, Any]:
        # The SDK has no method for it; go through the SDK's own HTTP wrapper so the same auth (Token/Bearer) is used.
        resp = self.client._client_wrapper.httpx_client.request(f"api/projects/{pid}/next", method="GET")
        return resp.status_code, resp.json()

    def create_annotation(self, tid: int, result: list[dict[str, Any]], lead_time: float) -> dict[str, Any]:
        return as_dict(self.client.annotations.create(id=tid, result=result, lead_time=lead_time))

    def list_annotations(self, tid: int) -> list[dict[str, Any]]:
        return [as_dict(a) for a in self.client.annotations.list(id=tid)]

    def get_annotation(self, aid: int) -> dict[str, Any]:
        return as_dict(self.client.annotations.get(id=aid))

    def update_annotation(self, aid: int, result: list[dict[str, Any]], lead_time: float) -> dict[str, Any]:
        return as_dict(self.client.annotations.update(id=aid, result=result, lead_time=lead_time))

    def create_prediction(self, tid: int, result: list[dict[str, Any]], score: float, model_version: str
                          ) -> dict[str, Any]:
        return as_dict(self.client.predictions.create(task=tid, result=result, score=score,
                                                      model_version=model_version))

    def list_predictions(self, *, task: int | None = None, project: int | None = None) -> list[dict[str, Any]]:
        return [as_dict(p) for p in self.client.predictions.list(task=task, project=project)]

    def export_json(self, pid: int, all_tasks: bool) -> list[dict[str, Any]]:
        if all_tasks:  # SDK helper: GET api/version/, then (Community) download_all_tasks=true
            return self.client.projects.exports.as_json(pid)
        raw = b"".join(self.client.projects.exports.download_sync(pid, export_type="JSON"))
        return json.loads(raw)


class LegacyDriver:
    name = "legacy_client"

    def __init__(self, target: Any) -> None:
        self.recorder = Recorder()
        self.session = requests.Session()

        def on_response(resp: requests.Response, *args: Any, **kwargs: Any) -> None:
            self.recorder.add(resp.request.method, resp.request.url, resp.status_code,
                              resp.request.headers.get("Authorization"))

        self.session.hooks["response"].append(on_response)
        self.client = LegacyClient(url=target.base_url, api_key=target.token, session=self.session)
        self._projects: dict[int, Any] = {}

    def close(self) -> None:
        self.session.close()

    @staticmethod
    def status_of(fn: Callable[[], Any]) -> int:
        try:
            fn()
        except requests.HTTPError as exc:
            return exc.response.status_code
        return 200

    def _project(self, pid: int) -> Any:
        if pid not in self._projects:
            self._projects[pid] = self.client.get_project(pid)
        return self._projects[pid]

    def version(self) -> dict[str, Any]:
        return dict(self.client.versions)

    def whoami(self) -> dict[str, Any]:
        return self.client.make_request("GET", "/api/current-user/whoami").json()

    def create_project(self, title: str) -> dict[str, Any]:
        project = self.client.start_project(title=title, label_config=LABEL_CONFIG)  # raises unless 201
        self._projects[project.id] = project
        return dict(project.params)

    def get_project(self, pid: int) -> dict[str, Any]:
        return self._project(pid).get_params()

    def project_ids(self) -> list[int]:
        return [p.id for p in self.client.list_projects()]

    def project_status(self, pid: int) -> int:
        return self.status_of(lambda: self.client.make_request("GET", f"/api/projects/{pid}"))

    def delete_project(self, pid: int) -> None:
        resp = self.client.delete_project(pid)
        assert resp.status_code == 204, f"DELETE /api/projects/{pid}/ -> {resp.status_code}"

    def import_tasks(self, pid: int, tasks: list[dict[str, Any]]) -> tuple[list[int], dict[str, Any] | None]:
        return self._project(pid).import_tasks(tasks), None

    def list_tasks(self, pid: int) -> tuple[list[dict[str, Any]], list[tuple[int, int]], int | None]:
        since = len(self.recorder.calls)
        tasks = self._project(pid).get_tasks()  # loops until a 404 page
        return tasks, self.recorder.task_pages(since), None

    def query_tasks(self, pid: int, filters: dict[str, Any]) -> list[dict[str, Any]]:
        return self._project(pid).get_tasks(filters=filters)

    def labeled_ids(self, pid: int) -> list[int]:
        return [t["id"] for t in self._project(pid).get_labeled_tasks()]

    def unlabeled_ids(self, pid: int) -> list[int]:
        return [t["id"] for t in self._project(pid).get_unlabeled_tasks()]

    def get_task(self, tid: int) -> dict[str, Any]:
        return self.client.make_request("GET", f"/api/tasks/{tid}").json()

    def task_status(self, tid: int) -> int:
        return self.status_of(lambda: self.client.make_request("GET", f"/api/tasks/{tid}"))

    def update_task(self, tid: int, data: dict[str, Any]) -> dict[str, Any]:
        return self.client.make_request("PATCH", f"/api/tasks/{tid}", json={"data": data}).json()

    def delete_task(self, tid: int) -> None:
        resp = self.client.make_request("DELETE", f"/api/tasks/{tid}")
        assert resp.status_code == 204, f"DELETE /api/tasks/{tid} -> {resp.status_code}"

    def next_task(self, pid: int) -> tuple[int, Any]:
        resp = self.client.make_request("GET", f"/api/projects/{pid}/next", raise_exceptions=False)
        return resp.status_code, resp.json()

    def create_annotation(self, tid: int, result: list[dict[str, Any]], lead_time: float) -> dict[str, Any]:
        project = next(iter(self._projects.values()))  # create_annotation only uses the task id in its path
        return project.create_annotation(tid, result=result, lead_time=lead_time)

    def list_annotations(self, tid: int) -> list[dict[str, Any]]:
        return next(iter(self._projects.values())).list_annotations(tid)

    def get_annotation(self, aid: int) -> dict[str, Any]:
        return next(iter(self._projects.values())).get_annotation(aid)

    def update_annotation(self, aid: int, result: list[dict[str, Any]], lead_time: float) -> dict[str, Any]:
        return next(iter(self._projects.values())).update_annotation(aid, result=result, lead_time=lead_time)

    def create_prediction(self, tid: int, result: Any, score: float, model_version: str) -> dict[str, Any]:
        return next(iter(self._projects.values())).create_prediction(tid, result=result, score=score,
                                                                     model_version=model_version)

    def list_predictions(self, *, task: int | None = None, project: int | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"task": task, "project": project}.items() if v is not None}
        return self.client.make_request("GET", "/api/predictions", params=params).json()

    def export_json(self, pid: int, all_tasks: bool) -> list[dict[str, Any]]:
        return self._project(pid).export_tasks(export_type="JSON", download_all_tasks=all_tasks)


Driver = SdkDriver | LegacyDriver
DRIVERS = ["sdk_token", "sdk_pat", "legacy_client"]


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest, e2e_target: Any) -> Iterator[Driver]:
    if request.param == "sdk_token":
        drv: Driver = SdkDriver(e2e_target, e2e_target.token)
    elif request.param == "sdk_pat":
        drv = SdkDriver(e2e_target, request.getfixturevalue("pat"))
    else:
        drv = LegacyDriver(e2e_target)
    drv.name = request.param
    yield drv
    drv.close()


@dataclass
class Populated:
    pid: int
    tid: dict[int, int]  # task index -> task id

    @property
    def all_ids(self) -> set[int]:
        return set(self.tid.values())


def _uid_index(task: dict[str, Any]) -> int:
    text = task["data"]["text"]
    return int(text.split()[1][3:])


def _import_50(drv: Driver, title: str) -> Populated:
    project = drv.create_project(title)
    pid = project["id"]
    ids, _ = drv.import_tasks(pid, build_tasks())
    listed, _, _ = drv.list_tasks(pid)
    tid = {_uid_index(t): t["id"] for t in listed}
    assert sorted(tid) == list(range(N_TASKS)), "listing did not return the 50 imported tasks"
    assert set(ids) == set(tid.values())
    return Populated(pid=pid, tid=tid)


@pytest.fixture
def populated(driver: Driver) -> Iterator[Populated]:
    state = _import_50(driver, f"e2e populated {secrets.token_hex(3)}")
    yield state
    try:
        driver.delete_project(state.pid)
    except Exception:  # noqa: BLE001 - cleanup only; the test result is what matters
        pass


def _check_prediction_items(preds: list[Any], i: int) -> None:
    assert len(preds) == 1, f"task #{i}: expected its 1 imported prediction, got {preds!r}"
    pred = preds[0]
    if isinstance(pred, int):  # LS 1.23 sync export lists prediction ids; inline objects are the allowed superset
        return
    assert pred["result"] == pred_result(i)
    assert pred["score"] == pytest.approx(pred_score(i))
    assert pred["model_version"] == MODEL_VERSION


def _check_listed_task(task: dict[str, Any], i: int, pid: int) -> None:
    assert task["data"] == {"text": task_text(i), "group": f"grp{i % 10:02d}"}
    assert task["project"] == pid
    _check_prediction_items(task["predictions"], i)
    anns = task["annotations"]
    if i in INLINE_ANNOTATED:
        assert [a["result"] for a in anns] == [inline_ann_result(i)]
        assert anns[0]["lead_time"] == pytest.approx(2.5)
    else:
        assert anns == []


# --------------------------------------------------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------------------------------------------------


def test_pipeline(driver: Driver) -> None:  # noqa: C901 - one linear story, step by step
    # 1. create the project
    title = f"e2e pipeline {secrets.token_hex(3)}"
    project = driver.create_project(title)
    pid = project["id"]
    assert isinstance(pid, int)
    assert project["title"] == title
    assert project["label_config"] == LABEL_CONFIG
    assert pid in driver.project_ids()
    got = driver.get_project(pid)
    assert got["id"] == pid and got["title"] == title

    # 2. import 50 tasks with inline predictions, 2 of them with an inline annotation
    ids, counts = driver.import_tasks(pid, build_tasks())
    assert isinstance(ids, list) and len(ids) == N_TASKS and len(set(ids)) == N_TASKS
    assert all(isinstance(x, int) for x in ids)
    if counts is not None:  # the new SDK returns the whole import response
        assert counts["task_count"] == N_TASKS
        assert counts["annotation_count"] == len(INLINE_ANNOTATED)
        assert counts["prediction_count"] == N_TASKS

    # 3. list every page; the pager must stop on the 404 after the last page
    listed, pages, total = driver.list_tasks(pid)
    assert len(listed) == N_TASKS
    assert {t["id"] for t in listed} == set(ids)
    if total is not None:
        assert total == N_TASKS
    page_size = getattr(driver, "page_size", 100)
    full_pages = -(-N_TASKS // page_size)
    assert [p for p, _ in pages] == list(range(1, full_pages + 2)), pages
    assert [s for _, s in pages] == [200] * full_pages + [404], pages
    tid = {_uid_index(t): t["id"] for t in listed}
    assert sorted(tid) == list(range(N_TASKS))
    for t in listed:
        _check_listed_task(t, _uid_index(t), pid)

    # 4. get one task (full form)
    t0 = driver.get_task(tid[0])
    assert t0["id"] == tid[0] and t0["project"] == pid
    assert t0["data"] == {"text": task_text(0), "group": "grp00"}
    _check_prediction_items(t0["predictions"], 0)
    assert [a["result"] for a in t0["annotations"]] == [inline_ann_result(0)]
    assert t0["total_annotations"] == 1 and t0["total_predictions"] == 1
    assert t0["is_labeled"] is True
    t5 = driver.get_task(tid[5])
    assert t5["annotations"] == [] and t5["is_labeled"] is False and t5["total_annotations"] == 0

    # 5. annotate 10 tasks
    me = driver.whoami()
    created: dict[int, dict[str, Any]] = {}
    for i in range(10, 20):
        result = [choice(LABELS[i % 3], f"r{i}")]
        ann = driver.create_annotation(tid[i], result, 1.5)
        assert isinstance(ann["id"], int)
        assert ann["task"] == tid[i]
        assert ann["result"] == result  # stored and returned verbatim
        assert ann["lead_time"] == pytest.approx(1.5)
        assert ann["was_cancelled"] is False
        assert ann["completed_by"] == me["id"]
        created[i] = ann
    assert len({a["id"] for a in created.values()}) == 10

    # 6. list the annotations of a task
    anns = driver.list_annotations(tid[12])
    assert [a["id"] for a in anns] == [created[12]["id"]]
    assert anns[0]["result"] == [choice(LABELS[12 % 3], "r12")]
    assert [a["result"] for a in driver.list_annotations(tid[1])] == [inline_ann_result(1)]
    assert driver.list_annotations(tid[30]) == []

    # 7. export JSON and compare with what was written
    annotated = {0, 1, *range(10, 20)}
    expected_result = {i: inline_ann_result(i) for i in INLINE_ANNOTATED}
    expected_result.update({i: [choice(LABELS[i % 3], f"r{i}")] for i in range(10, 20)})
    for all_tasks in (False, True):
        exported = driver.export_json(pid, all_tasks=all_tasks)
        assert isinstance(exported, list)
        by_index = {_uid_index(item): item for item in exported}
        assert len(by_index) == len(exported)
        assert set(by_index) == (set(range(N_TASKS)) if all_tasks else annotated)
        for i, item in by_index.items():
            assert item["id"] == tid[i]
            assert item["data"] == {"text": task_text(i), "group": f"grp{i % 10:02d}"}
            _check_prediction_items(item["predictions"], i)
            if i in annotated:
                assert [a["result"] for a in item["annotations"]] == [expected_result[i]]
                assert item["annotations"][0]["completed_by"] == me["id"]
            else:
                assert item["annotations"] == []

    # 8. update a task's data: `data` is replaced as a whole
    new_data = {"text": "updated text for uid00020"}
    updated = driver.update_task(tid[20], new_data)
    assert updated["id"] == tid[20] and updated["data"] == new_data
    assert driver.get_task(tid[20])["data"] == new_data

    # 9. delete a task
    assert driver.task_status(tid[21]) == 200
    driver.delete_task(tid[21])
    assert driver.task_status(tid[21]) == 404
    remaining, _, _ = driver.list_tasks(pid)
    assert len(remaining) == N_TASKS - 1 and tid[21] not in {t["id"] for t in remaining}

    # 10. delete the project: it and its tasks are gone
    driver.delete_project(pid)
    assert driver.project_status(pid) == 404
    assert driver.task_status(tid[0]) == 404
    assert pid not in driver.project_ids()

    if driver.name == "sdk_pat":  # the PAT variant really used the refresh flow and Bearer
        calls = driver.recorder.calls
        refresh = [c for c in calls if c.path == "/api/token/refresh/"]
        assert refresh and all(c.status == 200 for c in refresh), refresh
        api_calls = [c for c in calls if c.path != "/api/token/refresh/"]
        assert api_calls and all(c.auth == "Bearer" for c in api_calls)


# --------------------------------------------------------------------------------------------------------------------
# Focused checks on a populated project (50 tasks, predictions on all, inline annotations on #0 and #1)
# --------------------------------------------------------------------------------------------------------------------


def test_dm_query_filter(driver: Driver, populated: Populated) -> None:
    tid = populated.tid
    for i in (3, 13, 14):
        driver.create_annotation(tid[i], [choice("Positive")], 1.0)

    has_annotations = flt("total_annotations", "greater", "Number", 0)
    text_grp03 = flt("data.text", "contains", "String", "grp03")

    got = driver.query_tasks(populated.pid, {"conjunction": "and", "items": [has_annotations]})
    assert {t["id"] for t in got} == {tid[i] for i in (0, 1, 3, 13, 14)}
    got = driver.query_tasks(populated.pid, {"conjunction": "and", "items": [text_grp03]})
    assert {t["id"] for t in got} == {tid[i] for i in (3, 13, 23, 33, 43)}
    assert all("grp03" in t["data"]["text"] for t in got)
    got = driver.query_tasks(populated.pid, {"conjunction": "and", "items": [has_annotations, text_grp03]})
    assert {t["id"] for t in got} == {tid[3], tid[13]}
    got = driver.query_tasks(populated.pid, {"conjunction": "or", "items": [has_annotations, text_grp03]})
    assert {t["id"] for t in got} == {tid[i] for i in (0, 1, 3, 13, 14, 23, 33, 43)}
    got = driver.query_tasks(populated.pid, {"conjunction": "and", "items": [flt("data.text", "contains", "String",
                                                                                 "no-such-text")]})
    assert got == []


def test_labeled_and_unlabeled_tasks(driver: Driver, populated: Populated) -> None:
    tid = populated.tid
    driver.create_annotation(tid[7], [choice("Negative")], 1.0)
    labeled = driver.labeled_ids(populated.pid)
    unlabeled = driver.unlabeled_ids(populated.pid)
    assert sorted(labeled) == sorted({tid[0], tid[1], tid[7]})
    assert sorted(unlabeled) == sorted(populated.all_ids - {tid[0], tid[1], tid[7]})
    assert len(labeled) + len(unlabeled) == N_TASKS


def test_next_task_for_labeling(driver: Driver, populated: Populated) -> None:
    status, task = driver.next_task(populated.pid)
    assert status == 200, task
    assert task["id"] in populated.all_ids - {populated.tid[0], populated.tid[1]}  # not an already labeled one
    assert task["data"]["text"] == task_text(_uid_index(task))
    assert task["project"] == populated.pid


def test_patch_annotation(driver: Driver, populated: Populated) -> None:
    tid = populated.tid[5]
    ann = driver.create_annotation(tid, [choice("Positive", "x1")], 1.0)
    new_result = [choice("Negative", "x1")]
    updated = driver.update_annotation(ann["id"], new_result, 4.0)
    assert updated["id"] == ann["id"] and updated["task"] == tid
    assert updated["result"] == new_result  # the result is replaced
    assert updated["lead_time"] == pytest.approx(4.0)
    assert driver.get_annotation(ann["id"])["result"] == new_result
    assert [(a["id"], a["result"]) for a in driver.list_annotations(tid)] == [(ann["id"], new_result)]
    assert [a["result"] for a in driver.get_task(tid)["annotations"]] == [new_result]


def test_predictions_create_and_list(driver: Driver, populated: Populated) -> None:
    tid = populated.tid[6]
    result = [choice("Neutral", "m2")]
    pred = driver.create_prediction(tid, result, 0.9, "e2e-v2")
    assert isinstance(pred["id"], int)
    assert pred["task"] == tid
    assert pred["result"] == result
    assert pred["score"] == pytest.approx(0.9)
    assert pred["model_version"] == "e2e-v2"

    for_task = driver.list_predictions(task=tid)
    assert sorted(p["model_version"] for p in for_task) == [MODEL_VERSION, "e2e-v2"]
    assert pred["id"] in {p["id"] for p in for_task}
    assert all(p["task"] == tid for p in for_task)
    for_project = driver.list_predictions(project=populated.pid)
    assert len(for_project) == N_TASKS + 1
    assert {p["task"] for p in for_project} == populated.all_ids
    task = driver.get_task(tid)
    assert task["total_predictions"] == 2 and len(task["predictions"]) == 2


def test_legacy_prediction_bare_value_is_expanded(e2e_target: Any) -> None:
    """The legacy client sends `"result": "Neutral"`; the server expands it via the label config."""
    drv = LegacyDriver(e2e_target)
    try:
        state = _import_50(drv, f"e2e bare pred {secrets.token_hex(3)}")
        pred = drv.create_prediction(state.tid[4], "Neutral", 0.3, "bare")
        assert isinstance(pred["id"], int)
        assert len(pred["result"]) == 1
        item = pred["result"][0]
        assert (item["from_name"], item["to_name"], item["type"]) == ("sentiment", "text", "choices")
        assert item["value"] == {"choices": ["Neutral"]}
        drv.delete_project(state.pid)
    finally:
        drv.close()


def test_whoami_and_version(driver: Driver, e2e_target: Any) -> None:
    me = driver.whoami()
    assert isinstance(me["id"], int)
    assert isinstance(me["username"], str)  # required by the SDK model
    assert isinstance(me["active_organization"], int)
    if e2e_target.email is not None:
        assert me["email"] == e2e_target.email
    version = driver.version()
    assert isinstance(version["release"], str) and version["release"]
    assert version.get("edition") != "Enterprise"
    assert "label-studio-enterprise-backend" not in version
    if isinstance(driver, LegacyDriver):
        assert driver.client.is_enterprise is False
        assert driver.client.check_connection() == {"status": "UP"}
