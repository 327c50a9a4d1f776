"""The synthesized template, run: the export state machine and the drop notification as CDK wrote them,
executed under moto with the real handlers (the same worlds and scenarios as tests/integration's moto tests,
which use hand-written definitions).

The template's `Ref`/`Fn::GetAtt`/`Fn::Join` are resolved to the names and ARNs moto handed out, and the
handlers' environment is the template's own `Environment.Variables`, so a wrong variable name or a miswired
reference fails here rather than in a deployed account.
"""

from __future__ import annotations

import json

from tests.infrastructure.cfn import resolve
from tests.integration.test_export_workflow_moto import export_world, run_export_job
from tests.integration.test_s3_drop_moto import drop_world, run_drop

SECRET = "s" * 32
NAMES = {"table": "skylabel-table", "files": "skylabel-files-bucket"}


def _environment(synthesized, path_part: str, refs: dict[str, str]) -> dict[str, str]:
    """The function's variables from the template, as CloudFormation would hand them to it."""
    _, function = synthesized.one("AWS::Lambda::Function", path_part)
    env = resolve(function["Properties"]["Environment"]["Variables"], refs)
    # CloudFormation resolves the secret's dynamic reference at deploy time; here it is a fixed test value.
    return {k: SECRET if v.startswith("{{resolve:secretsmanager:") else v for k, v in env.items()}


def _refs(synthesized, **extra: str) -> dict[str, str]:
    table_id, _ = synthesized.one("AWS::DynamoDB::GlobalTable")
    files_id, _ = synthesized.one("AWS::S3::Bucket", "/Storage/Files/")
    secret_id, _ = synthesized.one("AWS::SecretsManager::Secret")
    # Imports start the project's automatic predictions: their functions know the predict machine (not run here).
    predict_id, _ = synthesized.one("AWS::StepFunctions::StateMachine", "/Workflows/Predict/")
    return {table_id: NAMES["table"], files_id: NAMES["files"], secret_id: "arn:aws:secretsmanager:secret",
            predict_id: "arn:aws:states:us-east-1:123456789012:stateMachine:skylabel-predict", **extra}


def test_synthesized_export_state_machine_runs_the_export(synthesized, monkeypatch):
    machine_id, machine = synthesized.one("AWS::StepFunctions::StateMachine", "/Workflows/Export/")
    step_id, _ = synthesized.one("AWS::Lambda::Function", "/Workflows/StepFunction/")

    def definition(function_arn: str) -> dict:
        return json.loads(resolve(machine["Properties"]["DefinitionString"], {f"{step_id}.Arn": function_arn}))

    def environment(machine_arn: str) -> dict[str, str]:
        return _environment(synthesized, "/Workflows/StepFunction/", _refs(synthesized, **{machine_id: machine_arn}))

    with export_world(monkeypatch, definition, environment) as world:
        assert (world["table"], world["bucket"]) == (NAMES["table"], NAMES["files"])
        run_export_job(world)


def test_synthesized_drop_notification_feeds_the_import_handler(synthesized, monkeypatch):
    _, notifications = synthesized.one("Custom::S3BucketNotifications")
    queue_id, _ = synthesized.one("AWS::SQS::Queue", "/Storage/DropQueue/")

    def notification(queue_arn: str) -> dict:
        return resolve(notifications["Properties"]["NotificationConfiguration"], {f"{queue_id}.Arn": queue_arn})

    environment = _environment(synthesized, "/Imports/Function/", _refs(synthesized))
    with drop_world(monkeypatch, notification, environment) as world:
        assert world["bucket"] == NAMES["files"]
        run_drop(world)
