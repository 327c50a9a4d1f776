"""Drive the API Lambda handler with API Gateway HTTP API (v2) events, on both worlds.

`world` is "local" (SQLite + a folder) or "aws" (DynamoDB + S3 under moto's mock_aws): the same requests
must give the same answers on both.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from skylabel.context import Context
from skylabel.settings import Settings
from skylabel.users.service import UserService

TOKEN = "0123456789abcdef0123456789abcdef01234567"
CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/>'
    '<Choice value="Neutral"/></Choices></View>'
)


def http_api_event(method: str, path: str, *, body: object = None, query: dict | None = None,
                   headers: dict | None = None, raw_body: bytes | None = None) -> dict:
    """An event exactly as API Gateway HTTP API (payload format 2.0) delivers it to Lambda."""
    payload = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else b"")
    query_string = urlencode(query or {}, doseq=True)
    all_headers = {"accept": "*/*", "content-length": str(len(payload)), "host": "abc123.execute-api.us-east-1"
                   ".amazonaws.com", "user-agent": "pytest", "x-forwarded-for": "203.0.113.7",
                   "x-forwarded-port": "443", "x-forwarded-proto": "https", "content-type": "application/json",
                   **(headers or {})}
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query_string,
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
                     "userAgent": "pytest"},
            "requestId": "JKJaXmPLvHcESHA=", "routeKey": "$default", "stage": "$default",
            "time": "27/Nov/2026:21:00:00 +0000", "timeEpoch": 1795813200000,
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = {k: ",".join(map(str, v)) if isinstance(v, list) else str(v)
                                          for k, v in query.items()}
    if payload:
        try:
            event["body"] = payload.decode()
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(payload).decode(), True
    return event


@dataclass
class Api:
    """A tiny client: builds the event, calls the handler, decodes the answer."""

    token: str = TOKEN

    def call(self, method: str, path: str, *, token: str | None | bool = True, **kwargs) -> tuple[int, object]:
        from skylabel_api.handler import lambda_handler

        headers = kwargs.pop("headers", {}) or {}
        use = self.token if token is True else token
        if use:
            headers["authorization"] = f"Token {use}"
        result = lambda_handler(http_api_event(method, path, headers=headers, **kwargs), None)
        text = result.get("body") or ""
        try:
            return result["statusCode"], json.loads(text) if text else None
        except json.JSONDecodeError:
            return result["statusCode"], text


@pytest.fixture(params=["local", "aws"])
def world(request, tmp_path, monkeypatch) -> Iterator[Context]:
    from skylabel_api import deps

    if request.param == "local":
        from skylabel.wiring import local_context

        ctx = local_context(tmp_path, base_url="http://127.0.0.1:8080", settings=Settings(secret="s" * 32))
        deps.configure(ctx)
        yield ctx
    else:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(name, value)
        import boto3
        from moto import mock_aws

        from skylabel.adapters.dynamodb import DynamoItemStore, create_table
        from skylabel.adapters.s3 import S3BlobStore

        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1")
            create_table(client, "skylabel-test")
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="skylabel-test-files")
            ctx = Context(items=DynamoItemStore("skylabel-test", client=client),
                          blobs=S3BlobStore("skylabel-test-files", client=s3),
                          settings=Settings(runtime="aws", secret="s" * 32))
            deps.configure(ctx)
            yield ctx
    deps.configure(None)


USER_BUCKET = "user-data"


@pytest.fixture
def s3(world, monkeypatch):
    """A user's own bucket (cloud storages read and write it), in moto."""
    import boto3
    from moto import mock_aws

    def make():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=USER_BUCKET)
        return client

    if world.settings.runtime == "aws":  # mock_aws is already active for Skylabel's own table and bucket
        yield make()
        return
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield make()


@pytest.fixture
def api(world) -> Api:
    UserService(world).ensure_user("owner@example.com", "password123", TOKEN)
    return Api()


@pytest.fixture
def project(api) -> dict:
    status, body = api.call("POST", "/api/projects/", body={"title": "Sentiment", "label_config": CONFIG})
    assert status == 201, body
    return body
