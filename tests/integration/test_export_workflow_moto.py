"""The export job as AWS runs it, under moto: the Step Functions definition (plan → Map → finish) executed
by moto's interpreter, each step calling the real export Lambda handler (loaded by path), reading DynamoDB
and writing S3. Here the definition is `jobsteps.workflow_definition`, the reference;
tests/infrastructure/test_template_moto.py runs the same world and job with the definition and environment
taken from the synthesized CDK template (`export_world` and `run_export_job` are shared for that)."""

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

from skylabel.adapters.dynamodb import DynamoItemStore, create_table
from skylabel.adapters.s3 import S3BlobStore
from skylabel.adapters.stepfunctions import StepFunctionsJobRunner
from skylabel.context import Actor, Context
from skylabel.exports.service import ExportOptions, ExportService, files_of
from skylabel.imports.service import ImportService
from skylabel.jobsteps import workflow_definition
from skylabel.projects.models import ProjectIn
from skylabel.projects.service import ProjectService
from skylabel.settings import Settings
from skylabel.users.service import UserService

HANDLER = Path(__file__).resolve().parents[2] / "functions" / "export" / "handler.py"
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
          '<Choice value="Positive"/><Choice value="Negative"/></Choices></View>')
RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]


def _load_handler():
    spec = importlib.util.spec_from_file_location("skylabel_export_handler", HANDLER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENVIRONMENT = {"SKYLABEL_RUNTIME": "aws", "SKYLABEL_TABLE": "skylabel", "SKYLABEL_BUCKET": "skylabel-files",
               "SKYLABEL_SECRET": "s" * 32}


@contextmanager
def export_world(monkeypatch, definition: Callable[[str], dict],
                 environment: Callable[[str], Mapping[str, str]] | None = None) -> Iterator[dict]:
    """moto with the table, the bucket, the step function (running the real handler) and one state machine whose
    definition is `definition(step function ARN)`; the handler's environment is `environment(machine ARN)`
    (default: the fixed names above, with no machine)."""
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
            FunctionName="skylabel-export-step", Runtime="python3.12", Role=role, Handler="handler.lambda_handler",
            Code={"ZipFile": b"moto never runs it"})["FunctionArn"]
        sfn = boto3.client("stepfunctions")
        machine = sfn.create_state_machine(name="skylabel-export", roleArn=role,
                                           definition=json.dumps(definition(function)))["stateMachineArn"]
        env = dict(environment(machine)) if environment else ENVIRONMENT
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings.settings_from_env.cache_clear()
        create_table(boto3.client("dynamodb"), env["SKYLABEL_TABLE"])
        boto3.client("s3").create_bucket(Bucket=env["SKYLABEL_BUCKET"])
        yield {"sfn": sfn, "machine": machine, "table": env["SKYLABEL_TABLE"], "bucket": env["SKYLABEL_BUCKET"],
               "secret": env["SKYLABEL_SECRET"]}
    settings.settings_from_env.cache_clear()


@pytest.fixture
def aws(monkeypatch):
    with export_world(monkeypatch, lambda function: workflow_definition(function, 4)) as world:
        yield world


def run_export_job(aws: dict) -> None:
    """Given a project with 12 annotated tasks, when a CSV export starts, then the execution succeeds and the
    file holds a header and 12 rows."""
    ctx = Context(items=DynamoItemStore(aws["table"]), blobs=S3BlobStore(aws["bucket"]),
                  jobs=StepFunctionsJobRunner({"export": aws["machine"]}, client=aws["sfn"]),
                  settings=Settings(runtime="aws", secret=aws["secret"]))
    UserService(ctx).ensure_user("owner@example.com", "password123", "token-123456")
    actor = Actor(1, 1)
    project = ProjectService(ctx).create(actor, ProjectIn(title="Export", label_config=CONFIG))
    tasks = [{"data": {"text": f"t{i}"}, "annotations": [{"result": RESULT}]} for i in range(12)]
    ImportService(ctx).import_json(actor, project["id"], tasks)
    export = ExportService(ctx).create(actor, project["id"], options=ExportOptions(), fmt="CSV")
    execution = aws["machine"].replace(":stateMachine:", ":execution:") + f":export-{export['id']}-csv"
    deadline = time.monotonic() + 60
    status = "RUNNING"
    while status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = aws["sfn"].describe_execution(executionArn=execution)["status"]
    assert status == "SUCCEEDED"
    entry = files_of(ExportService(ctx).get(actor, project["id"], export["id"]))["CSV"]
    assert entry["status"] == "completed"
    lines = ctx.blobs.get(entry["key"]).decode().splitlines()
    assert len(lines) == 13 and "sentiment" in lines[0]


def test_export_runs_under_step_functions(aws):
    run_export_job(aws)
