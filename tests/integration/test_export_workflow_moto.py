"""The export job as AWS runs it, under moto: the Step Functions definition (plan → Map → finish) executed
by moto's interpreter, each step calling the real export Lambda handler (loaded by path), reading DynamoDB
and writing S3. Here the definition is `jobsteps.workflow_definition`, the reference;
tests/infrastructure/test_template_moto.py runs the same world and job with the definition and environment
taken from the synthesized CDK template (`export_world` and `run_export_job` are shared for that)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from skylabel.adapters.dynamodb import DynamoItemStore
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
from tests.integration.sfn_moto import state_machine_world, wait_execution

HANDLER = Path(__file__).resolve().parents[2] / "functions" / "export" / "handler.py"
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
          '<Choice value="Positive"/><Choice value="Negative"/></Choices></View>')
RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]


def export_world(monkeypatch, definition: Callable[[str], dict],
                 environment: Callable[[str], Mapping[str, str]] | None = None):
    """moto with the export step function (the real handler) and one state machine (see sfn_moto)."""
    return state_machine_world(monkeypatch, handler=HANDLER, name="export", definition=definition,
                               environment=environment)


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
    assert wait_execution(aws["sfn"], execution) == "SUCCEEDED"
    entry = files_of(ExportService(ctx).get(actor, project["id"], export["id"]))["CSV"]
    assert entry["status"] == "completed"
    lines = ctx.blobs.get(entry["key"]).decode().splitlines()
    assert len(lines) == 13 and "sentiment" in lines[0]


def test_export_runs_under_step_functions(aws):
    run_export_job(aws)
