"""The prediction job's steps driven by hand (as a retrying Step Functions would drive them): a part cut short by
its time budget resumes where it stopped, a step run twice stores nothing twice and counts nothing twice, and
the plan cuts a selection into parts along the task index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skylabel import keys
from skylabel.context import Actor, Context
from skylabel.imports.service import ImportService
from skylabel.jobsteps import PartUnfinished
from skylabel.ml.jobs import PredictJobs, to_ranges
from skylabel.ml.models import MLBackendIn
from skylabel.ml.service import MLService
from skylabel.projects.models import ProjectIn
from skylabel.projects.service import ProjectService
from skylabel.settings import Settings
from skylabel.users.service import UserService
from tests.integration.conftest import CONFIG
from tests.mlbackend import MLBackend

ACTOR = Actor(1, 1)


class RecordingRunner:
    """A JobRunner that only records: the test runs the steps itself."""

    def __init__(self) -> None:
        self.started: list[tuple[str, str, dict]] = []

    def start(self, workflow: str, job_id: str, payload: dict) -> None:
        self.started.append((workflow, job_id, payload))


@pytest.fixture
def ctx(tmp_path) -> Context:
    from skylabel.adapters.localfs import LocalBlobStore
    from skylabel.adapters.sqlite import SqliteItemStore

    context = Context(items=SqliteItemStore(tmp_path / "db.sqlite"),
                      blobs=LocalBlobStore(tmp_path / "files", base_url="http://x", secret=b"s" * 32),
                      settings=Settings(secret="s" * 32), jobs=RecordingRunner())
    UserService(context).ensure_user("owner@example.com", "password123", "0123456789abcdef0123456789abcdef01234567")
    return context


@pytest.fixture
def backend() -> Iterator[MLBackend]:
    server = MLBackend().start()
    yield server
    server.stop()


def setup_job(ctx: Context, backend: MLBackend, n: int, *, batch: int, threshold: float | None = None) -> dict:
    project = ProjectService(ctx).create(ACTOR, ProjectIn(title="Jobs", label_config=CONFIG))
    if threshold is not None:
        ProjectService(ctx).update(ACTOR, project["id"], ProjectIn(auto_accept_threshold=threshold))
    ImportService(ctx).import_json(ACTOR, project["id"], [{"text": f"good {i}"} for i in range(n)])
    connection = MLService(ctx).create(ACTOR, MLBackendIn(url=backend.url, project=project["id"]), hostname="")
    return PredictJobs(ctx).start_all(ACTOR, connection["id"], batch_size=batch)


def run_to_end(jobs: PredictJobs, job_id: int, part: dict) -> int:
    """Run a part until it stops raising PartUnfinished; how many runs it took."""
    for runs in range(1, 1000):
        try:
            jobs.run_part(job_id, part)
            return runs
        except PartUnfinished:
            continue
    raise AssertionError("the part never finished")


def totals(ctx: Context, project_id: int) -> dict:
    return ctx.items.get(*keys.project(project_id))


def test_a_part_cut_short_by_its_budget_resumes_and_counts_each_batch_once(ctx, backend):
    job = setup_job(ctx, backend, 10, batch=3)
    jobs = PredictJobs(ctx, part_budget_seconds=0)  # every run stops after its first batch
    [part] = jobs.plan(job["id"])
    assert run_to_end(jobs, job["id"], part) == 4  # batches of 3, 3, 3, 1
    jobs.finish(job["id"], [])
    done = ctx.items.get(*keys.ml_job(job["id"]))
    assert (done["status"], done["done"], done["predicted"], done["total"]) == ("completed", 10, 10, 10)
    assert [len(c.body["tasks"]) for c in backend.calls("/predict")] == [3, 3, 3, 1]
    assert totals(ctx, job["project"])["total_predictions_number"] == 10


def test_a_one_by_one_batch_cut_short_keeps_what_it_predicted(ctx, backend):
    backend.mode = "one_by_one"
    job = setup_job(ctx, backend, 4, batch=4)
    jobs = PredictJobs(ctx, part_budget_seconds=0)
    [part] = jobs.plan(job["id"])
    assert run_to_end(jobs, job["id"], part) == 4  # one task per run, each stored before the part stops
    done = ctx.items.get(*keys.ml_job(job["id"]))
    assert (done["done"], done["predicted"], done["failed"]) == (4, 4, 0)
    assert totals(ctx, job["project"])["total_predictions_number"] == 4


def test_a_step_run_twice_stores_and_counts_nothing_twice(ctx, backend):
    job = setup_job(ctx, backend, 5, batch=2, threshold=0.5)
    jobs = PredictJobs(ctx)
    parts = jobs.plan(job["id"])
    assert jobs.plan(job["id"]) == parts  # a retried plan rewrites the same part records
    for part in parts + parts:  # every part twice: the second run finds its batches counted
        jobs.run_part(job["id"], part)
    done = ctx.items.get(*keys.ml_job(job["id"]))
    assert (done["done"], done["predicted"], done["auto_accepted"]) == (5, 5, 5)
    project = totals(ctx, job["project"])
    assert project["total_predictions_number"] == 5 and project["total_annotations_number"] == 5
    # a whole second job over the same model version sends nothing and stores nothing
    second = PredictJobs(ctx).start_all(ACTOR, job["ml_backend"])
    for part in jobs.plan(second["id"]):
        jobs.run_part(second["id"], part)
    again = ctx.items.get(*keys.ml_job(second["id"]))
    assert (again["skipped"], again["predicted"]) == (5, 0)
    assert totals(ctx, job["project"])["total_predictions_number"] == 5
    assert len(backend.calls("/predict")) == 3


def test_a_failed_plan_names_the_backend_and_its_reason(ctx, backend):
    job = setup_job(ctx, backend, 2, batch=2)
    backend.stop()
    assert PredictJobs(ctx).plan(job["id"]) == []
    failed = ctx.items.get(*keys.ml_job(job["id"]))
    assert failed["status"] == "failed" and "is not usable" in failed["error"]
    connection = ctx.items.get(*keys.ml_backend(job["ml_backend"]))
    assert connection["state"] == "DI" and connection["error_message"]


def test_the_plan_cuts_the_scope_along_the_task_index_shards(ctx, backend):
    """Given tasks whose ids straddle two index shards, then a job over every task has one part per shard, a job
    over a selection one part per shard it touches holding just the selected ids, and each predicts its own."""
    ctx.items.increment(keys.COUNTERS, "task", "value", keys.TASK_SHARD_SIZE - 5)  # next ids: 9996 … 10005
    job = setup_job(ctx, backend, 10, batch=4)
    jobs = PredictJobs(ctx)
    parts = jobs.plan(job["id"])
    records = [ctx.items.get(*keys.ml_job_part(job["id"], p["index"])) for p in parts]
    assert [(r["shard"], r["lo"], r["hi"]) for r in records] == [(0, 0, 10_000), (1, 10_000, 20_000)]
    for part in parts:
        jobs.run_part(job["id"], part)
    assert ctx.items.get(*keys.ml_job(job["id"]))["predicted"] == 10

    selected = PredictJobs(ctx).start_for_selection(ACTOR, job["project"], [9_997, 10_004],
                                                     backend_id=job["ml_backend"])
    parts = jobs.plan(selected["id"])
    records = [ctx.items.get(*keys.ml_job_part(selected["id"], p["index"])) for p in parts]
    assert [r["selected"] for r in records] == [[9_997], [10_004]]
    assert ctx.items.get(*keys.ml_job(selected["id"]))["total"] == 2
    assert to_ranges([5, 1, 2, 3, 9, 10]) == [[1, 3], [5, 1], [9, 2]]
