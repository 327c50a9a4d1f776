"""A job's Step Functions state machine as AWS runs it, under moto: the shared set-up of the export and predict
workflow tests (and their CDK-template twins in tests/infrastructure).

moto's interpreter executes the definition; each Task state "invokes" the step Lambda, which here runs the real
handler module (loaded by path: `functions/import` is not importable) in this process, against moto's DynamoDB
and S3, with the environment the function would have.
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
from moto import mock_aws
from moto.awslambda.models import LambdaFunction

from skylabel.adapters.dynamodb import create_table

ENVIRONMENT = {"SKYLABEL_RUNTIME": "aws", "SKYLABEL_TABLE": "skylabel", "SKYLABEL_BUCKET": "skylabel-files",
               "SKYLABEL_SECRET": "s" * 32}


def load_handler(path: Path, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def state_machine_world(monkeypatch, *, handler: Path, name: str, definition: Callable[[str], dict],
                        environment: Callable[[str], Mapping[str, str]] | None = None) -> Iterator[dict]:
    """moto with the table, the bucket, the step function `skylabel-<name>-step` (running `handler`) and one state
    machine `skylabel-<name>` whose definition is `definition(function ARN)`; the handler's environment is
    `environment(machine ARN)` (default: ENVIRONMENT, with no machine)."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    from skylabel import settings

    module = load_handler(handler, f"skylabel_{name}_step_handler")

    def invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        try:
            return json.dumps(module.lambda_handler(event, None)), False, ""
        except Exception as exc:  # noqa: BLE001 - reported as the Lambda runtime reports it
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}), True, ""

    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", invoke_in_process)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        role = boto3.client("iam").create_role(RoleName="step", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        function = boto3.client("lambda").create_function(
            FunctionName=f"skylabel-{name}-step", Runtime="python3.12", Role=role, Handler="handler.lambda_handler",
            Code={"ZipFile": b"moto never runs it"})["FunctionArn"]
        sfn = boto3.client("stepfunctions")
        machine = sfn.create_state_machine(name=f"skylabel-{name}", roleArn=role,
                                           definition=json.dumps(definition(function)))["stateMachineArn"]
        env = dict(environment(machine)) if environment else dict(ENVIRONMENT)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings.settings_from_env.cache_clear()
        create_table(boto3.client("dynamodb"), env["SKYLABEL_TABLE"])
        boto3.client("s3").create_bucket(Bucket=env["SKYLABEL_BUCKET"])
        yield {"sfn": sfn, "machine": machine, "table": env["SKYLABEL_TABLE"], "bucket": env["SKYLABEL_BUCKET"],
               "secret": env["SKYLABEL_SECRET"]}
    settings.settings_from_env.cache_clear()


def wait_execution(sfn, execution: str, seconds: float = 60) -> str:
    """The execution's status once it has stopped running (or RUNNING after `seconds`)."""
    deadline = time.monotonic() + seconds
    status = "RUNNING"
    while status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = sfn.describe_execution(executionArn=execution)["status"]
    return status
