"""The predict job as AWS runs it, under moto: the Step Functions definition (plan → Map → finish) executed by
moto's interpreter, each step calling the real functions/ml_invoke handler (loaded by path) against DynamoDB
and S3, and a real ML backend on 127.0.0.1. Here the definition is `jobsteps.workflow_definition`, the
reference; tests/infrastructure/test_predict_state_machine.py runs the same world and job with the definition and
environment of the synthesized CDK template (`predict_world` and `run_predict_job` are shared for that).

The handler's environment allows private addresses (`SKYLABEL_ALLOW_PRIVATE_URLS`, the operator's setting):
without it the AWS runtime refuses the loopback backend, which test_ml_backends.py checks.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.awslambda.models import LambdaFunction

from skylabel import keys
from skylabel.adapters.dynamodb import DynamoItemStore, create_table
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
from tests.mlbackend import MLBackend

HANDLER = Path(__file__).resolve().parents[2] / "functions" / "ml_invoke" / "handler.py"
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
          '<Choice value="Positive"/><Choice value="Negative"/></Choices></View>')
ENVIRONMENT = {"SKYLABEL_RUNTIME": "aws", "SKYLABEL_TABLE": "skylabel", "SKYLABEL_BUCKET": "skylabel-files",
               "SKYLABEL_SECRET": "s" * 32}


def _load_handler():
    spec = importlib.util.spec_from_file_location("skylabel_ml_invoke_handler", HANDLER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def predict_world(monkeypatch, definition: Callable[[str], dict],
                  environment: Callable[[str], Mapping[str, str]] | None = None) -> Iterator[dict]:
    """moto with the table, the bucket, the ML step function (running the real handler) and one predict state
    machine whose definition is `definition(function ARN)`; the handler's environment is `environment(machine
    ARN)` (default: the fixed names above), plus the operator's allowance for private addresses."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    from skylabel import settings

    handler = _load_handler()

    def invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        try:
            return json.dumps(handler.lambda_handler(event, None)), False, ""
        except Exception as exc:  # noqa: BLE001 - reported as the Lambda runtime reports it
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}), True, ""

    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", invoke_in_process)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        role = boto3.client("iam").create_role(RoleName="step", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        function = boto3.client("lambda").create_function(
            FunctionName="skylabel-ml-step", Runtime="python3.12", Role=role, Handler="handler.lambda_handler",
            Code={"ZipFile": b"moto never runs it"})["FunctionArn"]
        sfn = boto3.client("stepfunctions")
        machine = sfn.create_state_machine(name="skylabel-predict", roleArn=role,
                                           definition=json.dumps(definition(function)))["stateMachineArn"]
        env = {**(dict(environment(machine)) if environment else ENVIRONMENT), ENV_ALLOW_PRIVATE_URLS: "true"}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings.settings_from_env.cache_clear()
        create_table(boto3.client("dynamodb"), env["SKYLABEL_TABLE"])
        boto3.client("s3").create_bucket(Bucket=env["SKYLABEL_BUCKET"])
        backend = MLBackend().start()
        try:
            yield {"sfn": sfn, "machine": machine, "table": env["SKYLABEL_TABLE"], "bucket": env["SKYLABEL_BUCKET"],
                   "secret": env["SKYLABEL_SECRET"], "backend": backend}
        finally:
            backend.stop()
    settings.settings_from_env.cache_clear()


def _wait(aws: dict, execution: str) -> str:
    deadline = time.monotonic() + 60
    status = "RUNNING"
    while status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = aws["sfn"].describe_execution(executionArn=execution)["status"]
    return status


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
    assert _wait(aws, execution) == "SUCCEEDED"
    done = ctx.items.get(*keys.ml_job(job["id"]))
    assert (done["status"], done["predicted"], done["done"], done["total"]) == ("completed", 12, 12, 12)
    assert [len(c.body["tasks"]) for c in aws["backend"].calls("/predict")] == [5, 5, 2]
    assert ctx.items.get(*keys.project(project["id"]))["total_predictions_number"] == 12

    # a backend that breaks: the job fails with its reason, through the same state machine
    aws["backend"].mode = "html"
    ImportService(ctx).import_json(actor, project["id"], [{"text": "one more"}])
    job = PredictJobs(ctx).start_all(actor, backend["id"])
    execution = aws["machine"].replace(":stateMachine:", ":execution:") + f":predict-{job['id']}"
    assert _wait(aws, execution) == "SUCCEEDED"  # per-batch failures are the job's outcome, not a crash
    failed = ctx.items.get(*keys.ml_job(job["id"]))
    assert failed["status"] == "failed" and "HTML page" in failed["error"]


@pytest.fixture
def aws(monkeypatch):
    with predict_world(monkeypatch, lambda function: workflow_definition(function, 4)) as world:
        yield world


def test_predict_job_runs_under_step_functions(aws):
    run_predict_job(aws)
