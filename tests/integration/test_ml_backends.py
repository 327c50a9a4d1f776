"""ML backends end to end through the API handler, against a real HTTP backend on 127.0.0.1 (tests/mlbackend.py),
on both worlds (SQLite + threads, DynamoDB/S3 under moto + threads).

Each misbehaviour of a backend must end in one clear state — on the connection (`CO`/`DI`/`ER` with the
backend's message) or on the job (`completed`, `completed_with_errors`, `failed` with the reason) — and leave
nothing half-written: no prediction, no counter moved, for a batch the protocol rejects.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from skylabel.context import Context
from skylabel.users.service import UserService
from tests.integration.conftest import CONFIG, TOKEN, Api
from tests.mlbackend import MLBackend

NER_CONFIG = ('<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>'
              '<Text name="text" value="$text"/></View>')
TEXTS = ["I love this product, great value", "Terrible support, never again", "good enough",
         "meh", "not for me"]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    from skylabel.ml import client

    monkeypatch.setattr(client, "RETRY_BACKOFF_S", 0.01)


@pytest.fixture
def ml_world(world) -> Iterator[Context]:
    """The world with its jobs on a thread pool in both runtimes (the aws world has no runner of its own) and
    loopback backends allowed (the operator's setting: the test backend listens on 127.0.0.1)."""
    from skylabel.adapters.threads import ThreadJobRunner
    from skylabel.workflows import workflows

    world.settings = world.settings.model_copy(update={"allow_private_urls": True})
    if world.jobs is None:
        world.jobs = ThreadJobRunner(workflows(world))
    yield world
    world.jobs.shutdown()


@pytest.fixture
def api(ml_world) -> Api:
    UserService(ml_world).ensure_user("owner@example.com", "password123", TOKEN)
    return Api()


@pytest.fixture
def backend() -> Iterator[MLBackend]:
    server = MLBackend().start()
    yield server
    server.stop()


def make_project(api: Api, *, config: str = CONFIG, texts: list[str] = TEXTS, **settings) -> dict:
    status, project = api.call("POST", "/api/projects/", body={"title": "ML project", "label_config": config,
                                                               **settings})
    assert status == 201, project
    status, answer = api.call("POST", f"/api/projects/{project['id']}/import",
                              body=[{"text": t, **({} if isinstance(t, str) else {})} for t in texts])
    assert status == 201, answer
    return project


def connect(api: Api, project: dict, backend: MLBackend, **fields) -> dict:
    status, body = api.call("POST", "/api/ml", body={"url": backend.url, "project": project["id"], **fields})
    assert status == 201, body
    return body


def predict_all(api: Api, project: dict) -> dict:
    status, body = api.call("POST", "/api/dm/actions", query={"id": "retrieve_tasks_predictions",
                                                               "project": project["id"]},
                            body={"selectedItems": {"all": True, "excluded": []}})
    assert status == 200, body
    return body


def tasks_of(api: Api, project: dict) -> list[dict]:
    status, body = api.call("GET", "/api/tasks", query={"project": project["id"], "fields": "all"})
    assert status == 200, body
    return body["tasks"]


def project_counters(api: Api, project: dict) -> dict:
    return api.call("GET", f"/api/projects/{project['id']}")[1]


def wait_job(api: Api, backend_id: int, job_id: int, seconds: float = 20) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        status, job = api.call("GET", f"/api/ml/{backend_id}/jobs/{job_id}")
        assert status == 200, job
        if job["status"] in ("completed", "completed_with_errors", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


# --- connections -------------------------------------------------------------------------------------------


def test_connect_checks_health_and_setup_and_answers_label_studios_shape(api, backend):
    """Given a project, when a backend is added, then /health and /setup are called (project "<id>.<ts>", the
    config, extra_params as a JSON string) and the connection is Connected with the backend's model version."""
    project = make_project(api)
    body = connect(api, project, backend, title="rules", extra_params={"threshold": 0.5}, timeout=5)
    assert body["state"] == "CO" and body["readable_state"] == "Connected"
    assert body["model_version"] == "rule-v1" and body["error_message"] is None
    assert body["project"] == project["id"] and body["title"] == "rules" and body["timeout"] == 5
    assert body["extra_params"] == {"threshold": 0.5}  # answered back as given; sent to /setup as a JSON string
    assert body["auth_method"] == "NONE" and body["basic_auth_pass_is_set"] is False
    assert len(backend.calls("/health")) == 1
    setup = backend.calls("/setup")[0].body
    assert setup["project"].startswith(f"{project['id']}.") and setup["project"].split(".")[1].isdigit()
    assert setup["schema"] == project["label_config"]
    assert setup["extra_params"] == '{"threshold": 0.5}'
    assert api.call("GET", "/api/ml", query={"project": project["id"]})[1][0]["id"] == body["id"]
    assert api.call("GET", "/api/ml")[0] == 404  # no project: Label Studio's 404

    status, patched = api.call("PATCH", f"/api/ml/{body['id']}", body={"title": "renamed", "is_interactive": True})
    assert status == 200 and patched["title"] == "renamed" and patched["is_interactive"] is True
    assert api.call("DELETE", f"/api/ml/{body['id']}")[0] == 204
    assert api.call("GET", f"/api/ml/{body['id']}")[0] == 404


def test_a_dead_backend_is_refused_and_nothing_is_saved(api, backend):
    project = make_project(api)
    url = backend.url
    backend.stop()
    status, body = api.call("POST", "/api/ml", body={"url": url, "project": project["id"]})
    assert status == 400, body
    assert "health check failed" in body["validation_errors"]["non_field_errors"][0]
    assert "connection refused" in body["validation_errors"]["non_field_errors"][0]
    assert api.call("GET", "/api/ml", query={"project": project["id"]})[1] == []


def test_basic_auth_is_sent_on_every_call_and_a_wrong_password_is_explained(api):
    server = MLBackend(user="mluser", password="mlpass").start()
    try:
        project = make_project(api)
        status, body = api.call("POST", "/api/ml", body={"url": server.url, "project": project["id"],
                                                         "auth_method": "BASIC_AUTH", "basic_auth_user": "mluser",
                                                         "basic_auth_pass": "wrong"})
        message = body["validation_errors"]["non_field_errors"][0]
        assert status == 400 and "authentication parameters" in message and "401 Unauthorized" in message, body
        body = connect(api, project, server, auth_method="BASIC_AUTH", basic_auth_user="mluser",
                       basic_auth_pass="mlpass")
        assert body["basic_auth_pass_is_set"] is True and "basic_auth_pass" not in body
        assert predict_all(api, project)["job"]["status"] == "completed"
        authorized = [r for r in server.requests if r.headers.get("authorization") == "Basic bWx1c2VyOm1scGFzcw=="]
        assert {r.path for r in authorized} >= {"/health", "/setup", "/predict"}
    finally:
        server.stop()


def test_reading_a_connection_checks_it_again_and_records_why_it_failed(api, backend):
    project = make_project(api)
    body = connect(api, project, backend)
    backend.stop()
    status, again = api.call("GET", f"/api/ml/{body['id']}")
    assert status == 200
    assert again["state"] == "DI" and again["readable_state"] == "Disconnected"
    assert "could not be reached" in again["error_message"]


def test_each_runtime_applies_its_own_address_policy_to_backends(api, backend, ml_world):
    """Without the operator's setting, the laptop runtime connects a user's own backend on localhost and AWS
    refuses loopback (before any request leaves); both refuse link-local/metadata addresses."""
    ml_world.settings = ml_world.settings.model_copy(update={"allow_private_urls": None})
    project = make_project(api)
    status, body = api.call("POST", "/api/ml", body={"url": backend.url, "project": project["id"]})
    if ml_world.settings.runtime == "aws":
        assert status == 400 and "loopback" in body["validation_errors"]["url"][0], body
        assert backend.requests == []
    else:
        assert status == 201 and body["state"] == "CO", body
        assert [r.path for r in backend.requests] == ["/health", "/setup"]
    status, body = api.call("POST", "/api/ml", body={"url": "http://169.254.169.254/latest/", "project": project["id"]})
    assert status == 400 and "metadata" in body["validation_errors"]["url"][0], body


# --- prediction jobs ---------------------------------------------------------------------------------------


def test_batch_predict_stores_one_prediction_per_task_with_counters_and_never_twice(api, backend):
    project = make_project(api)
    connect(api, project, backend)
    answer = predict_all(api, project)
    assert answer["processed_items"] == 5 and answer["detail"] == "Retrieved 5 predictions"
    job = answer["job"]
    assert job["status"] == "completed" and job["predicted"] == 5 and job["progress"] == 1.0
    assert job["model_version"] == "rule-v1"
    sent = backend.calls("/predict")
    assert len(sent) == 1 and len(sent[0].body["tasks"]) == 5
    first = sent[0].body
    assert first["project"].startswith(f"{project['id']}.") and first["label_config"] == project["label_config"]
    assert first["params"] == {"login": None, "password": None, "context": None}
    assert {"id", "data", "annotations", "predictions", "is_labeled"} <= set(first["tasks"][0])
    tasks = tasks_of(api, project)
    assert all(t["total_predictions"] == 1 and len(t["predictions"]) == 1 for t in tasks)
    by_text = {t["data"]["text"]: t["predictions"][0] for t in tasks}
    assert by_text[TEXTS[0]]["score"] == 0.9 and by_text[TEXTS[1]]["score"] == 0.6
    assert by_text[TEXTS[0]]["model_version"] == "rule-v1"
    assert by_text[TEXTS[0]]["result"][0]["value"] == {"choices": ["Positive"]}
    assert project_counters(api, project)["total_predictions_number"] == 5

    again = predict_all(api, project)["job"]  # the same model version: nothing is sent, nothing doubles
    assert again["status"] == "completed" and again["skipped"] == 5 and again["predicted"] == 0
    assert len(backend.calls("/predict")) == 1
    assert project_counters(api, project)["total_predictions_number"] == 5


def test_the_browser_app_can_have_the_started_job_back_at_once_and_follow_it(api, backend):
    project = make_project(api, texts=TEXTS[:3])
    backend_id = connect(api, project, backend)["id"]
    # When the action is asked not to wait
    status, answer = api.call("POST", "/api/dm/actions", query={"id": "retrieve_tasks_predictions",
                                                                 "project": project["id"], "wait": "false"},
                              body={"selectedItems": {"all": True, "excluded": []}})
    # Then it answers with the job it started, which ends with every task predicted
    assert status == 200 and answer["processed_items"] == 3 and answer["job"]["id"]
    assert wait_job(api, backend_id, answer["job"]["id"])["predicted"] == 3
    assert project_counters(api, project)["total_predictions_number"] == 3


def test_a_backend_without_batch_support_gets_the_tasks_one_by_one(api, backend):
    backend.mode = "one_by_one"
    project = make_project(api, texts=TEXTS[:3])
    connect(api, project, backend)
    job = predict_all(api, project)["job"]
    assert job["status"] == "completed" and job["predicted"] == 3
    assert [len(c.body["tasks"]) for c in backend.calls("/predict")] == [3, 1, 1, 1]
    assert all(t["total_predictions"] == 1 for t in tasks_of(api, project))


def test_empty_results_mean_no_prediction(api, backend):
    backend.mode = "empty"
    project = make_project(api, texts=TEXTS[:3])
    connect(api, project, backend)
    job = predict_all(api, project)["job"]
    assert job["status"] == "completed" and job["empty"] == 3 and job["predicted"] == 0
    assert project_counters(api, project)["total_predictions_number"] == 0


@pytest.mark.parametrize("mode, reason", [
    ("wrong_count", "answered 4 results for 3 tasks"),
    ("error500", "HTTP 500: ValueError: model exploded"),
    ("html", "an HTML page instead of JSON"),
    ("no_result", "no \"result\" list"),
])
def test_a_misbehaving_backend_fails_the_job_with_its_reason_and_writes_nothing(api, backend, mode, reason):
    project = make_project(api, texts=TEXTS[:3])
    connect(api, project, backend)
    backend.mode = mode
    answer = predict_all(api, project)
    job = answer["job"]
    assert job["status"] == "failed" and job["failed"] == 3 and job["predicted"] == 0, job
    assert reason in job["error"] and reason in job["errors"][0]["message"], job
    assert sorted(job["errors"][0]["tasks"]) == sorted(t["id"] for t in tasks_of(api, project))
    assert reason in answer["detail"]
    assert project_counters(api, project)["total_predictions_number"] == 0
    assert all(t["total_predictions"] == 0 for t in tasks_of(api, project))
    if mode == "error500":
        assert len(backend.calls("/predict")) == 3  # retried twice with backoff


def test_a_backend_slower_than_its_timeout_fails_the_job_as_timed_out(api, backend):
    project = make_project(api, texts=TEXTS[:2])
    connect(api, project, backend, timeout=0.5)
    backend.mode, backend.delay = "slow", 2.0
    job = predict_all(api, project)["job"]
    assert job["status"] == "failed" and "timed out" in job["error"], job
    assert project_counters(api, project)["total_predictions_number"] == 0


def test_one_failing_batch_leaves_the_others_stored(api, backend):
    project = make_project(api, texts=TEXTS)
    status, body = api.call("POST", "/api/ml", body={"url": backend.url, "project": project["id"]})
    backend_id = body["id"]
    original = backend.predict_one

    def flaky(task, config, context):
        if task["data"]["text"] == TEXTS[2]:
            raise RuntimeError("boom")
        return original(task, config, context)

    backend.predict_one = flaky  # the batch holding TEXTS[2] breaks the handler (its connection drops)
    status, job = api.call("POST", f"/api/ml/{backend_id}/predict", query={"batch_size": 2})
    assert status == 200, job
    job = wait_job(api, backend_id, job["id"])
    assert job["status"] == "completed_with_errors", job
    assert job["predicted"] == 3 and job["failed"] == 2 and job["done"] == 5
    assert len(job["errors"]) == 1
    assert project_counters(api, project)["total_predictions_number"] == 3
    assert [j["id"] for j in api.call("GET", f"/api/ml/{backend_id}/jobs")[1]] == [job["id"]]


def test_predictions_follow_an_import_when_the_project_asks_for_them(api, backend):
    project = make_project(api, texts=TEXTS[:1], evaluate_predictions_automatically=True)
    body = connect(api, project, backend)
    status, _ = api.call("POST", f"/api/projects/{project['id']}/import", body=[{"text": t} for t in TEXTS[1:4]])
    assert status == 201
    jobs = api.call("GET", f"/api/ml/{body['id']}/jobs")[1]
    assert len(jobs) == 1 and jobs[0]["origin"] == "import"
    job = wait_job(api, body["id"], jobs[0]["id"])
    assert job["status"] == "completed" and job["predicted"] == 3
    predicted = [t for t in tasks_of(api, project) if t["total_predictions"]]
    assert sorted(t["data"]["text"] for t in predicted) == sorted(TEXTS[1:4])


# --- interactive, training, events -------------------------------------------------------------------------


def test_interactive_pre_annotation_forwards_the_context_and_stores_nothing(api, backend):
    project = make_project(api, config=NER_CONFIG, texts=["Apple hired Tim. Apple is big."])
    task = tasks_of(api, project)[0]
    body = connect(api, project, backend)
    context = {"annotation_id": None, "draft_id": 0, "user_id": 1, "result": [
        {"id": "1aa-14p0B6", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
         "value": {"start": 0, "end": 5, "text": "Apple", "labels": ["ORG"]}}]}
    status, answer = api.call("POST", f"/api/ml/{body['id']}/interactive-annotating",
                              body={"task": task["id"], "context": context})
    assert status == 200 and answer == {"errors": ["Model is not set to be used for interactive preannotations"]}
    api.call("PATCH", f"/api/ml/{body['id']}", body={"is_interactive": True})
    status, answer = api.call("POST", f"/api/ml/{body['id']}/interactive-annotating",
                              body={"task": task["id"], "context": context})
    assert status == 200, answer
    spans = [(r["value"]["start"], r["value"]["end"]) for r in answer["data"]["result"]]
    assert spans == [(0, 5), (17, 22)]
    sent = backend.calls("/predict")[-1].body
    assert sent["params"]["context"] == context and sent["tasks"][0]["id"] == task["id"]
    assert "drafts" in sent["tasks"][0]
    assert project_counters(api, project)["total_predictions_number"] == 0


def test_training_sends_start_training_and_the_next_job_uses_the_new_model_version(api, backend):
    project = make_project(api, texts=TEXTS[:2])
    body = connect(api, project, backend)
    assert predict_all(api, project)["job"]["model_version"] == "rule-v1"
    status, trained = api.call("POST", f"/api/ml/{body['id']}/train")
    assert status == 200 and trained["state"] == "CO", trained
    event = backend.calls("/webhook")[0].body
    assert event["action"] == "START_TRAINING" and event["project"]["id"] == project["id"]
    assert event["project"]["label_config"] == project["label_config"]
    job = predict_all(api, project)["job"]
    assert job["model_version"] == "rule-v1.1" and job["predicted"] == 2
    assert all(t["total_predictions"] == 2 for t in tasks_of(api, project))
    assert "rule-v1.1" in api.call("GET", f"/api/ml/{body['id']}/versions")[1]["versions"]


def test_training_against_a_broken_webhook_leaves_the_connection_in_error(api, backend):
    project = make_project(api, texts=TEXTS[:1])
    body = connect(api, project, backend)
    backend.stop()
    status, trained = api.call("POST", f"/api/ml/{body['id']}/train")
    assert status == 200 and trained["state"] == "ER" and "could not be reached" in trained["error_message"]


def _wait_for(predicate, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_annotation_events_reach_the_webhook_after_the_write_when_the_project_asks(api, backend):
    project = make_project(api, texts=TEXTS[:2], start_training_on_annotation_update=True)
    connect(api, project, backend)
    task = tasks_of(api, project)[0]
    result = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]
    status, annotation = api.call("POST", f"/api/tasks/{task['id']}/annotations", body={"result": result})
    assert status == 201, annotation
    _wait_for(lambda: len(backend.calls("/webhook")) == 1)
    event = backend.calls("/webhook")[0].body
    assert event["action"] == "ANNOTATION_CREATED" and event["annotation"]["id"] == annotation["id"]
    assert event["task"]["id"] == task["id"] and event["project"]["id"] == project["id"]
    api.call("PATCH", f"/api/annotations/{annotation['id']}", body={"result": result})
    _wait_for(lambda: len(backend.calls("/webhook")) == 2)
    assert backend.calls("/webhook")[1].body["action"] == "ANNOTATION_UPDATED"
    api.call("DELETE", f"/api/annotations/{annotation['id']}")
    _wait_for(lambda: len(backend.calls("/webhook")) == 3)
    deleted = backend.calls("/webhook")[2].body
    assert deleted["action"] == "ANNOTATIONS_DELETED" and deleted["annotations"] == [{"id": annotation["id"]}]


def test_no_annotation_events_unless_the_project_asks(api, backend, ml_world):
    project = make_project(api, texts=TEXTS[:1])
    connect(api, project, backend)
    task = tasks_of(api, project)[0]
    status, _ = api.call("POST", f"/api/tasks/{task['id']}/annotations", body={"result": []})
    assert status == 201
    time.sleep(0.3)
    assert backend.calls("/webhook") == []


# --- active learning and auto-labeling ---------------------------------------------------------------------


def test_uncertainty_sampling_hands_out_the_lowest_score_first(api, backend):
    scored = [{"text": f"t{i}", "score": s} for i, s in enumerate([0.7, 0.2, 0.95, 0.5])]
    status, project = api.call("POST", "/api/projects/", body={"title": "Active", "label_config": CONFIG,
                                                               "sampling": "Uncertainty sampling"})
    assert status == 201
    api.call("POST", f"/api/projects/{project['id']}/import", body=scored + [{"text": "unpredicted"}])
    connect(api, project, backend)
    # only the four scored tasks get predictions; the fifth stays without
    ids = [t["id"] for t in tasks_of(api, project) if "score" in t["data"]]
    status, answer = api.call("POST", "/api/dm/actions", query={"id": "retrieve_tasks_predictions",
                                                                "project": project["id"]},
                              body={"selectedItems": {"all": False, "included": ids}})
    assert answer["job"]["predicted"] == 4, answer
    order = []
    result = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Negative"]}}]
    for _ in range(5):
        status, task = api.call("GET", f"/api/projects/{project['id']}/next")
        assert status == 200, task
        order.append(task["data"].get("score"))
        api.call("POST", f"/api/tasks/{task['id']}/annotations", body={"result": result})
    assert order == [0.2, 0.5, 0.7, 0.95, None]


def test_auto_accept_turns_confident_predictions_into_marked_annotations_and_can_be_reverted(api, backend):
    project = make_project(api, texts=TEXTS[:3], auto_accept_threshold=0.8)
    connect(api, project, backend)
    job = predict_all(api, project)["job"]
    assert job["predicted"] == 3 and job["auto_accepted"] == 2, job  # "love … great" and "good" score 0.9
    tasks = {t["data"]["text"]: t for t in tasks_of(api, project)}
    accepted = tasks[TEXTS[0]]["annotations"][0]
    assert tasks[TEXTS[0]]["is_labeled"] and accepted["last_action"] == "prediction"
    assert accepted["parent_prediction"] == tasks[TEXTS[0]]["predictions"][0]["id"]
    assert accepted["result"] == tasks[TEXTS[0]]["predictions"][0]["result"]
    assert tasks[TEXTS[1]]["annotations"] == [] and not tasks[TEXTS[1]]["is_labeled"]
    counters = project_counters(api, project)
    assert counters["total_annotations_number"] == 2 and counters["finished_task_number"] == 2

    status, answer = api.call("POST", "/api/dm/actions", query={"id": "revert_auto_accepted",
                                                                "project": project["id"]},
                              body={"selectedItems": {"all": True, "excluded": []}})
    assert status == 200 and answer["processed_items"] == 2, answer
    assert all(not t["annotations"] and t["total_predictions"] == 1 for t in tasks_of(api, project))
    counters = project_counters(api, project)
    assert counters["total_annotations_number"] == 0 and counters["finished_task_number"] == 0
