"""The AWS drop path end to end under moto: S3 put → bucket notification → SQS → the real import Lambda
handler (loaded by path, as Lambda loads it) → tasks in DynamoDB. Redelivery imports nothing twice.

Here the notification is written by hand; tests/infrastructure/test_template_moto.py runs the same world and
scenario with the notification configuration and environment of the synthesized CDK template."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from skylabel.adapters.dynamodb import DynamoItemStore, create_table
from skylabel.context import Actor, Context
from skylabel.projects.models import ProjectIn
from skylabel.projects.service import ProjectService
from skylabel.settings import Settings
from skylabel.users.service import UserService

HANDLER = Path(__file__).resolve().parents[2] / "functions" / "import" / "handler.py"
CONFIG = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A"/></Choices></View>'


def load_handler():
    spec = importlib.util.spec_from_file_location("skylabel_import_handler", HANDLER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENVIRONMENT = {"SKYLABEL_RUNTIME": "aws", "SKYLABEL_TABLE": "skylabel", "SKYLABEL_BUCKET": "skylabel-files"}


def hand_written_notification(queue_arn: str) -> dict:
    return {"QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"],
                                     "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "drop/"}]}}}]}


@contextmanager
def drop_world(monkeypatch, notification: Callable[[str], dict],
               environment: Mapping[str, str] = ENVIRONMENT) -> Iterator[dict]:
    """moto with the table, the bucket and the drop queue; the bucket notifies the queue per
    `notification(queue ARN)`; the import handler reads `environment`."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", **environment}.items():
        monkeypatch.setenv(name, value)
    from skylabel import settings

    settings.settings_from_env.cache_clear()
    table, bucket = environment["SKYLABEL_TABLE"], environment["SKYLABEL_BUCKET"]
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, table)
        s3, sqs = boto3.client("s3"), boto3.client("sqs")
        s3.create_bucket(Bucket=bucket)
        queue_url = sqs.create_queue(QueueName="imports")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=notification(queue_arn))
        yield {"s3": s3, "sqs": sqs, "queue": queue_url, "dynamodb": dynamodb, "table": table, "bucket": bucket}
    settings.settings_from_env.cache_clear()


@pytest.fixture
def aws(monkeypatch):
    with drop_world(monkeypatch, hand_written_notification) as world:
        yield world


def _messages(aws) -> list[dict]:
    out = []
    while True:
        got = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        out += got


def _sqs_event(messages: list[dict]) -> dict:
    """The event Lambda's SQS integration builds from received messages."""
    return {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                         "eventSource": "aws:sqs"} for m in messages]}


def test_drop_to_dynamodb_exactly_once(aws):
    run_drop(aws)


def run_drop(aws: dict) -> None:
    ctx = Context(items=DynamoItemStore(aws["table"], client=aws["dynamodb"]), settings=Settings(runtime="aws"))
    UserService(ctx).ensure_user("owner@example.com", "password123", "token-123456")
    project = ProjectService(ctx).create(Actor(1, 1), ProjectIn(title="Drops", label_config=CONFIG))
    body = "".join(json.dumps({"text": f"row {i}"}) + "\n" for i in range(30))
    # When a file lands under the project's drop prefix (a key with a space: S3 URL-encodes it)
    aws["s3"].put_object(Bucket=aws["bucket"], Key=f"drop/{project['id']}/my batch.jsonl", Body=body.encode())
    messages = _messages(aws)  # S3 also sends an s3:TestEvent when notifications are configured: it is ignored
    assert sum("ObjectCreated" in m["Body"] for m in messages) == 1
    handler = load_handler()
    answer = handler.lambda_handler(_sqs_event(messages), None)
    # Then its tasks are in DynamoDB, and delivering the same message again adds nothing
    assert answer == {"batchItemFailures": []}
    assert handler.lambda_handler(_sqs_event(messages), None) == {"batchItemFailures": []}
    stored = ProjectService(ctx).get_item(Actor(1, 1), project["id"])
    assert stored["task_number"] == 30
    from skylabel.tasks.service import TaskService

    listing = TaskService(ctx).list(Actor(1, 1), project["id"], page=1, page_size=100)
    assert sorted(t["data"]["text"] for t in listing["tasks"]) == sorted(f"row {i}" for i in range(30))
