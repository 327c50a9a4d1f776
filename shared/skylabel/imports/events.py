"""S3 ObjectCreated notifications (delivered through SQS) → import jobs. The body of functions/import.

Delivery is at least once and unordered, and keys arrive URL-encoded (`a%2Fb`, `+` for spaces), so
each record is decoded, validated into a model, and imported through the idempotent job path: a
redelivered or duplicated event finds the job it started and resumes or skips it. A bad file or a
missing project is the job's failure (recorded, not retried); anything else fails the message so SQS
redelivers it (and, after its retries, parks it on the dead-letter queue).
"""

from __future__ import annotations

import json
import logging
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skylabel.context import Context
from skylabel.errors import DomainError

logger = logging.getLogger("skylabel.imports")


class S3Object(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    key: str
    size: int = 0
    etag: str | None = Field(default=None, alias="eTag")


class S3Bucket(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str


class S3Entity(BaseModel):
    model_config = ConfigDict(extra="ignore")
    bucket: S3Bucket
    object: S3Object


class S3Record(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    event_name: str = Field(default="", alias="eventName")
    s3: S3Entity


def s3_records(body: str) -> list[S3Record]:
    """The S3 records of one SQS message body (an s3:TestEvent has none)."""
    payload = json.loads(body)
    return [S3Record.model_validate(r) for r in payload.get("Records", []) if "s3" in r]


def handle_sqs_event(ctx: Context, event: dict) -> dict:
    """Import every object the messages name; answer SQS's partial-batch-failure shape."""
    from skylabel.imports.jobs import ImportJobs

    failures = []
    for message in event.get("Records", []):
        try:
            records = s3_records(message.get("body") or "{}")
        except (json.JSONDecodeError, ValidationError) as exc:
            logger.error("unreadable S3 notification %s: %s", message.get("messageId"), exc)
            continue  # a malformed message never becomes readable: do not retry it
        try:
            for record in records:
                if record.event_name and not record.event_name.startswith("ObjectCreated"):
                    continue
                if record.s3.object.size == 0 and record.s3.object.key.endswith("/"):
                    continue  # a "folder" marker
                try:
                    ImportJobs(ctx).import_object(bucket=record.s3.bucket.name, key=unquote_plus(record.s3.object.key),
                                                  etag=record.s3.object.etag)
                except DomainError as exc:
                    logger.warning("drop %s not imported: %s", record.s3.object.key, exc.message)
        except Exception:  # noqa: BLE001 - any other failure is transient: let SQS redeliver this message
            logger.exception("import of message %s failed; it will be retried", message.get("messageId"))
            failures.append({"itemIdentifier": message.get("messageId")})
    return {"batchItemFailures": failures}


def s3_event(bucket: str, key: str, etag: str, size: int) -> dict:
    """The SQS-wrapped ObjectCreated event for one object, as AWS delivers it (keys URL-encoded)."""
    from urllib.parse import quote_plus

    record = {"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
              "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe=""), "size": size,
                                                            "eTag": etag}}}
    return {"Records": [{"messageId": f"{bucket}/{key}/{etag}", "body": json.dumps({"Records": [record]}),
                         "eventSource": "aws:sqs"}]}
