"""The predict job as AWS runs it, under moto: the Step Functions definition (plan → Map → finish) executed by
moto's interpreter, each step calling the real functions/ml_invoke handler (loaded by path) against DynamoDB
and S3, and a real ML backend on 127.0.0.1. Here the definition is `jobsteps.workflow_definition`, the
reference; tests/infrastructure/test_predict_state_machine.py runs the same world and job with the definition and
environment of the synthesized CDK template (`predict_world` and `run_predict_job` are shared for that).

The handler's environment allows private addresses (`SKYLABEL_ALLOW_PRIVATE_URLS`, the operator's setting):
without it the AWS runtime refuses the loopback backend, which test_ml_backends.py checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from skylabel import keys
from skylabel.adapters.dynamodb import DynamoItemStore
from skylabel.adapters.s3 import S3BlobStore
from skylabel.adapters.stepfunctions import StepFunctionsJobRunner
from skylabel.context import Actor, Context
from skylabel.imports.service import ImportService
from skylabel.jobsteps import workflow_definition
from skylabel.ml.jobs import PredictJobs
from skylabel.ml.models import MLBackendIn
from skylabel.ml.service import MLService
from skylabel.projects.models import ProjectIn
from skylabel.projects.service import ProjectService
from skylabel.settings import ENV_ALLOW_PRIVATE_URLS, Settings
from skylabel.users.service import UserService
from tests.integration.sfn_moto import ENVIRONMENT, state_machine_world, wait_execution
from tests.mlbackend import MLBackend

HANDLER = Path(__file__).resolve().parents[2] / "functions" / "ml_invoke" / "handler.py"
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
          '<Choice value="Positive"/><Choice value="Negative"/></Choices></View>')


@contextmanager
def predict_world(monkeypatch, definition: Callable[[str], dict],
                  environment: Callable[[str], Mapping[str, str]] | None = None) -> Iterator[dict]:
    """moto with the ML step function (the real handler) and one predict state machine (see sfn_moto), plus the
    operator's allowance for private addresses and a real ML backend on 127.0.0.1."""
    def allowing_private(machine: str) -> dict[str, str]:
        return {**(dict(environment(machine)) if environment else ENVIRONMENT), ENV_ALLOW_PRIVATE_URLS: "true"}

    with state_machine_world(monkeypatch, handler=HANDLER, name="ml", definition=definition,
                             environment=allowing_private) as world:
        backend = MLBackend().start()
        try:
            yield {**world, "backend": backend}
        finally:
            backend.stop()


def run_predict_job(aws: dict) -> None:
    """Given a project of 12 tasks and a connected backend, when a predict job starts with batches of 5, then the
    execution succeeds, every task has one prediction of the backend's version, and the job says so."""
    ctx = Context(items=DynamoItemStore(aws["table"]), blobs=S3BlobStore(aws["bucket"]),
                  jobs=StepFunctionsJobRunner({"predict": aws["machine"]}, client=aws["sfn"]),
                  settings=Settings(runtime="aws", secret=aws["secret"], allow_private_urls=True))
    UserService(ctx).ensure_user("owner@example.com", "password123", "token-123456")
    actor = Actor(1, 1)
    project = ProjectService(ctx).create(actor, ProjectIn(title="Predict", label_config=CONFIG))
    ImportService(ctx).import_json(actor, project["id"], [{"text": f"good {i}"} for i in range(12)])
    backend = MLService(ctx).create(actor, MLBackendIn(url=aws["backend"].url, project=project["id"]), hostname="")
    job = PredictJobs(ctx).start_all(actor, backend["id"], batch_size=5)
    execution = aws["machine"].replace(":stateMachine:", ":execution:") + f":predict-{job['id']}"
    assert wait_execution(aws["sfn"], execution) == "SUCCEEDED"
    done = ctx.items.get(*keys.ml_job(job["id"]))
    assert (done["status"], done["predicted"], done["done"], done["total"]) == ("completed", 12, 12, 12)
    assert [len(c.body["tasks"]) for c in aws["backend"].calls("/predict")] == [5, 5, 2]
    assert ctx.items.get(*keys.project(project["id"]))["total_predictions_number"] == 12

    # a backend that breaks: the job fails with its reason, through the same state machine
    aws["backend"].mode = "html"
    ImportService(ctx).import_json(actor, project["id"], [{"text": "one more"}])
    job = PredictJobs(ctx).start_all(actor, backend["id"])
    execution = aws["machine"].replace(":stateMachine:", ":execution:") + f":predict-{job['id']}"
    assert wait_execution(aws["sfn"], execution) == "SUCCEEDED"  # per-batch failures are the job's outcome, not a crash
    failed = ctx.items.get(*keys.ml_job(job["id"]))
    assert failed["status"] == "failed" and "HTML page" in failed["error"]


@pytest.fixture
def aws(monkeypatch):
    with predict_world(monkeypatch, lambda function: workflow_definition(function, 4)) as world:
        yield world


def test_predict_job_runs_under_step_functions(aws):
    run_predict_job(aws)
