"""ML work across the life of a process and of a project, on both worlds (`world`/`api` of conftest.py), against
the real test backend on 127.0.0.1 (tests/mlbackend.py):

- a process that stops (the laptop runtime's thread pool dies with it) leaves prediction jobs and backend
  events unfinished; the next `skylabel start` resumes them exactly once, with the counts of an
  uninterrupted run and nothing sent or stored twice;
- editing or deleting a prediction keeps the uncertainty index right, so `/next` follows the new scores;
- deleting a project takes its ML connections and jobs with it;
- a cloud-storage sync starts predictions when the project asks for them, as a file import does.

A "process" here is the job runner of the world: `Processes.stopped()` installs one that records what it was
asked to start and runs nothing (the process died before or while running it), `Processes.restart()` a fresh
thread pool, as `skylabel start` makes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from skylabel import keys
from skylabel.adapters.threads import ThreadJobRunner
from skylabel.context import Context
from skylabel.ml.client import MLClient
from skylabel.ml.events import EventJobs
from skylabel.ml.jobs import PredictJobs
from skylabel.ports import Update
from skylabel.workflows import workflows
from skylabel_local.cli import resume_unfinished_jobs
from tests.integration.conftest import Api
from tests.integration.test_storages import import_storage, put_json
from tests.mlbackend import MLBackend

FINAL = ("completed", "completed_with_errors", "failed")
POSITIVE = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]


class RecordingRunner:
    """The job runner of a process that stops before it runs anything: it only records what it was given."""

    def __init__(self) -> None:
        self.started: list[tuple[str, str, dict]] = []

    def start(self, workflow: str, job_id: str, payload: dict) -> None:
        self.started.append((workflow, job_id, payload))


class Processes:
    def __init__(self, world: Context) -> None:
        self.world = world
        self.pools: list[ThreadJobRunner] = []

    def stopped(self) -> RecordingRunner:
        runner = RecordingRunner()
        self.world.jobs = runner
        return runner

    def restart(self) -> ThreadJobRunner:
        pool = ThreadJobRunner(workflows(self.world))
        self.pools.append(pool)
        self.world.jobs = pool
        return pool


@pytest.fixture
def processes(world) -> Iterator[Processes]:
    """Jobs on a thread pool in both worlds (the aws world has no runner of its own), and loopback backends
    allowed in both (the operator's setting: the test backend listens on 127.0.0.1)."""
    world.settings = world.settings.model_copy(update={"allow_private_urls": True})
    found = Processes(world)
    found.restart()
    yield found
    for pool in found.pools:
        pool.shutdown()


@pytest.fixture
def backend() -> Iterator[MLBackend]:
    server = MLBackend().start()
    yield server
    server.stop()


def import_texts(api: Api, project_id: int, texts: list[str]) -> list[int]:
    status, answer = api.call("POST", f"/api/projects/{project_id}/import", body=[{"text": t} for t in texts],
                              query={"return_task_ids": "true"})
    assert status == 201, answer
    return answer["task_ids"]


def connect(api: Api, project_id: int, backend: MLBackend) -> dict:
    status, body = api.call("POST", "/api/ml", body={"url": backend.url, "project": project_id})
    assert status == 201, body
    return body


def tasks_of(api: Api, project_id: int) -> list[dict]:
    status, body = api.call("GET", "/api/tasks", query={"project": project_id, "fields": "all", "page_size": 1000})
    assert status == 200, body
    return body["tasks"]


def wait_job(api: Api, backend_id: int, job_id: int, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        status, job = api.call("GET", f"/api/ml/{backend_id}/jobs/{job_id}")
        assert status == 200, job
        if job["status"] in FINAL or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


@contextmanager
def dies_when_counting_batch(world: Context, nth: int):
    """The store raises on the nth batch count (a batch's predictions are stored, its count not yet): the
    worst place for a prediction job's process to stop."""
    real, calls = world.items.transact, {"n": 0}

    def dying(operations):
        if any(isinstance(op, Update) and "batches_done" in op.set for op in operations):
            calls["n"] += 1
            if calls["n"] == nth:
                raise RuntimeError("process stopped")
        return real(operations)

    world.items.transact = dying  # type: ignore[method-assign]
    try:
        yield
    finally:
        world.items.transact = real  # type: ignore[method-assign]


# --- resuming after a restart ------------------------------------------------------------------------------


def test_a_prediction_job_stopped_mid_way_resumes_at_restart_with_the_right_counts(api, project, world,
                                                                                    processes, backend):
    texts = [f"good {i}" if i % 2 else f"bad {i}" for i in range(10)]
    import_texts(api, project["id"], texts)
    connection = connect(api, project["id"], backend)
    # Given a process that queued a job over 10 tasks in batches of 3, ran it as far as storing the third batch's
    # predictions, and stopped before counting that batch
    processes.stopped()
    status, job = api.call("POST", f"/api/ml/{connection['id']}/predict", query={"batch_size": 3})
    assert status == 200 and job["status"] == "queued", job
    steps = PredictJobs(world)
    [part] = steps.plan(job["id"])
    with dies_when_counting_batch(world, 3), pytest.raises(RuntimeError, match="process stopped"):
        steps.run_part(job["id"], part)
    halfway = api.call("GET", f"/api/ml/{connection['id']}/jobs/{job['id']}")[1]
    assert (halfway["status"], halfway["done"], halfway["predicted"]) == ("in_progress", 6, 6)
    assert api.call("GET", f"/api/projects/{project['id']}")[1]["total_predictions_number"] == 9

    # When the next process starts
    pool = processes.restart()
    assert resume_unfinished_jobs(world) == {"prediction jobs": [job["id"]]}
    assert pool.wait(f"predict-{job['id']}", timeout=30)

    # Then the job ends as an uninterrupted one would: every task predicted once, counted once, sent once
    done = wait_job(api, connection["id"], job["id"])
    assert (done["status"], done["total"], done["done"], done["predicted"], done["skipped"], done["failed"]) == (
        "completed", 10, 10, 10, 0, 0), done
    assert done["model_version"] == "rule-v1" and done["progress"] == 1.0
    assert [len(call.body["tasks"]) for call in backend.calls("/predict")] == [3, 3, 3, 1]
    tasks = tasks_of(api, project["id"])
    assert all(t["total_predictions"] == 1 and len(t["predictions"]) == 1 for t in tasks)
    assert api.call("GET", f"/api/projects/{project['id']}")[1]["total_predictions_number"] == 10
    # And nothing is left to resume
    assert world.items.query(keys.ACTIVE_ML_JOBS, index="gsi2").items == []
    assert resume_unfinished_jobs(world) == {}


def test_jobs_and_events_queued_by_a_stopped_process_run_once_at_restart(api, project, world, processes, backend):
    api.call("PATCH", f"/api/projects/{project['id']}", body={"start_training_on_annotation_update": True})
    first, *_ = import_texts(api, project["id"], ["good one", "bad two", "good three"])
    connection = connect(api, project["id"], backend)
    # Given a process that queued a prediction job and an annotation's event for the backend, then stopped
    stopped = processes.stopped()
    job = api.call("POST", f"/api/ml/{connection['id']}/predict")[1]
    status, annotation = api.call("POST", f"/api/tasks/{first}/annotations", body={"result": POSITIVE})
    assert status == 201, annotation
    assert [workflow for workflow, _, _ in stopped.started] == ["predict", "ml_event"]
    event = stopped.started[1][2]["event"]

    # When the next process starts, both run: the job predicts every task, the backend gets the event once
    pool = processes.restart()
    assert resume_unfinished_jobs(world) == {"prediction jobs": [job["id"]], "ML backend events": [event]}
    assert pool.wait(f"predict-{job['id']}", timeout=30) and pool.wait(f"mlevent-{event}", timeout=30)
    assert wait_job(api, connection["id"], job["id"])["predicted"] == 3
    [delivered] = backend.calls("/webhook")
    assert delivered.body["action"] == "ANNOTATION_CREATED" and delivered.body["annotation"]["id"] == annotation["id"]
    assert world.items.get(*keys.ml_event(event))["status"] == "done"
    # And a second restart finds nothing to do
    assert resume_unfinished_jobs(world) == {}
    assert len(backend.calls("/webhook")) == 1


def test_a_training_event_cut_short_is_not_sent_again_and_the_connection_leaves_training(
        api, project, world, processes, backend, monkeypatch):
    import skylabel.ml.service as service_module

    monkeypatch.setattr(service_module, "TRAIN_WAIT_SECONDS", 0.05)
    import_texts(api, project["id"], ["good one"])
    connection = connect(api, project["id"], backend)
    # Given "train" pressed in a process that sent START_TRAINING and stopped before recording the answer
    stopped = processes.stopped()
    status, training = api.call("POST", f"/api/ml/{connection['id']}/train")
    assert status == 200 and training["state"] == "TR", training
    [(_, _, payload)] = stopped.started
    [part] = EventJobs(world).plan(payload)
    real_webhook = MLClient.webhook

    def sent_then_stopped(self, body):
        real_webhook(self, body)
        raise RuntimeError("process stopped")

    monkeypatch.setattr(MLClient, "webhook", sent_then_stopped)
    with pytest.raises(RuntimeError, match="process stopped"):
        EventJobs(world).run_part(payload, part)
    monkeypatch.setattr(MLClient, "webhook", real_webhook)
    assert len(backend.calls("/webhook")) == 1

    # When the next process resumes the event
    pool = processes.restart()
    assert resume_unfinished_jobs(world) == {"ML backend events": [payload["event"]]}
    assert pool.wait(f"mlevent-{payload['event']}", timeout=30)
    # Then the backend is not trained twice; it is checked instead, which ends "Training" with its new version
    assert len(backend.calls("/webhook")) == 1
    again = api.call("GET", f"/api/ml/{connection['id']}")[1]
    assert again["state"] == "CO" and again["model_version"] == "rule-v1.1", again
    assert resume_unfinished_jobs(world) == {}


# --- predictions edited or deleted: the uncertainty index follows ----------------------------------------


def test_next_follows_prediction_scores_as_they_are_edited_and_deleted(api, project):
    api.call("PATCH", f"/api/projects/{project['id']}", body={"sampling": "Uncertainty sampling"})
    a, b, c = import_texts(api, project["id"], ["a", "b", "c"])
    predictions = {}
    for task_id, score in ((a, 0.3), (b, 0.6), (c, 0.9)):
        status, created = api.call("POST", "/api/predictions", body={"task": task_id, "result": POSITIVE,
                                                                     "score": score, "model_version": "m1"})
        assert status == 201, created
        predictions[task_id] = created["id"]

    def next_task() -> int:
        status, task = api.call("GET", f"/api/projects/{project['id']}/next")
        assert status == 200, task
        return task["id"]

    assert next_task() == a
    # When a's score rises above the others, b is the least certain
    status, patched = api.call("PATCH", f"/api/predictions/{predictions[a]}", body={"score": 0.95})
    assert status == 200 and patched["score"] == 0.95, patched
    assert next_task() == b
    # When c's score drops below b's, c is
    api.call("PATCH", f"/api/predictions/{predictions[c]}", body={"score": 0.1})
    assert next_task() == c
    # A change that leaves the score alone keeps the order
    api.call("PATCH", f"/api/predictions/{predictions[c]}", body={"result": POSITIVE})
    assert next_task() == c
    # When c's prediction is deleted, c leaves the index (and keeps its counters right)
    assert api.call("DELETE", f"/api/predictions/{predictions[c]}")[0] == 204
    assert next_task() == b
    assert api.call("GET", f"/api/tasks/{c}")[1]["total_predictions"] == 0
    assert api.call("GET", f"/api/projects/{project['id']}")[1]["total_predictions_number"] == 2
    # And once b is labeled, a (the only unlabeled task left with a prediction) comes next
    api.call("POST", f"/api/tasks/{b}/annotations", body={"result": POSITIVE})
    assert next_task() == a


# --- deleting a project ------------------------------------------------------------------------------------


def test_deleting_a_project_deletes_its_ml_connections_and_jobs(api, project, world, processes, backend):
    task_ids = import_texts(api, project["id"], ["good one", "bad two"])
    connection = connect(api, project["id"], backend)
    status, finished = api.call("POST", "/api/dm/actions", query={"id": "retrieve_tasks_predictions",
                                                                  "project": project["id"]},
                                body={"selectedItems": {"all": True, "excluded": []}})
    assert status == 200 and finished["job"]["status"] == "completed", finished
    # Given also a job still queued over a selection (its list of ids is a stored file)
    processes.stopped()
    queued = PredictJobs(world).start(project=world.items.get(*keys.project(project["id"])),
                                      backend=world.items.get(*keys.ml_backend(connection["id"])), user_id=1,
                                      task_ids=task_ids[:1])
    selection = f"ml/jobs/{queued['id']}/selection.json"
    assert world.blobs.exists(selection)

    assert api.call("DELETE", f"/api/projects/{project['id']}")[0] == 204
    # Then neither the connection nor any job can be reached, listed or resumed
    assert api.call("GET", f"/api/ml/{connection['id']}")[0] == 404
    assert api.call("GET", "/api/ml", query={"project": project["id"]})[0] == 404
    assert api.call("GET", f"/api/ml/{connection['id']}/jobs")[0] == 404
    for job_id in (finished["job"]["id"], queued["id"]):
        assert api.call("GET", f"/api/ml/{connection['id']}/jobs/{job_id}")[0] == 404
        assert world.items.query(keys.ml_job(job_id)[0]).items == []  # the job, its parts and batch errors
    assert world.items.query(keys.project_ml_jobs(project["id"]), index="gsi1").items == []
    assert world.items.query(keys.project_ml_backends(project["id"]), index="gsi1").items == []
    assert not world.blobs.exists(selection)
    assert PredictJobs(world).resume_unfinished() == []
    # And a job step that was already under way finds nothing to do
    assert PredictJobs(world).plan(queued["id"]) == []


# --- cloud-storage syncs -----------------------------------------------------------------------------------


def test_a_storage_sync_predicts_its_new_tasks_when_the_project_asks(api, project, processes, backend, s3):
    api.call("PATCH", f"/api/projects/{project['id']}", body={"evaluate_predictions_automatically": True})
    connection = connect(api, project["id"], backend)
    put_json(s3, "tasks/1.json", {"text": "good one"})
    put_json(s3, "tasks/2.json", [{"text": "bad two"}, {"text": "good three"}])
    status, storage = import_storage(api, project["id"], prefix="tasks/")
    assert status == 201, storage
    # When the storage syncs
    status, synced = api.call("POST", f"/api/storages/s3/{storage['id']}/sync")
    assert status == 200 and synced["last_sync_count"] == 3, synced
    # Then a prediction job, started as after a file import, predicts the three new tasks
    [job] = api.call("GET", f"/api/ml/{connection['id']}/jobs")[1]
    assert job["origin"] == "import"
    job = wait_job(api, connection["id"], job["id"])
    assert (job["status"], job["total"], job["predicted"]) == ("completed", 3, 3), job
    assert all(t["total_predictions"] == 1 for t in tasks_of(api, project["id"]))
    # A sync that creates nothing starts nothing; a new object is predicted alone
    api.call("POST", f"/api/storages/s3/{storage['id']}/sync")
    assert len(api.call("GET", f"/api/ml/{connection['id']}/jobs")[1]) == 1
    put_json(s3, "tasks/3.json", {"text": "bad four"})
    api.call("POST", f"/api/storages/s3/{storage['id']}/sync")
    jobs = api.call("GET", f"/api/ml/{connection['id']}/jobs")[1]
    assert len(jobs) == 2 and wait_job(api, connection["id"], jobs[0]["id"])["total"] == 1
    # And a project that does not ask gets no predictions from a sync
    api.call("PATCH", f"/api/projects/{project['id']}", body={"evaluate_predictions_automatically": False})
    put_json(s3, "tasks/4.json", {"text": "good five"})
    assert api.call("POST", f"/api/storages/s3/{storage['id']}/sync")[1]["last_sync_count"] == 1
    assert len(api.call("GET", f"/api/ml/{connection['id']}/jobs")[1]) == 2
