"""ObjectSource on a user's S3 bucket (cloud storages), with the user's credentials, region and endpoint.

Why a separate adapter from `s3.py`: that one is Skylabel's own bucket behind the service's role; this one
is built per storage from what the user typed, and every failure of the user's setup (no such bucket, keys
refused, endpoint down, a malformed bucket name) becomes a `StorageError` whose message says what to fix —
Label Studio answers these with a 500. boto3 is imported only when a client is built (the local runtime
never pays for it unless a storage is used); retries are few and timeouts short, because the caller is a
request waiting for its answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from skylabel.storages.source import ObjectMissing, S3Location, StorageError, StoredObject

_NO_BUCKET = {"NoSuchBucket"}
_DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
           "AllAccessDisabled", "403", "Forbidden"}
_NO_KEY = {"NoSuchKey", "404", "NotFound"}


class S3ObjectSource:
    def __init__(self, bucket: str, client: Any, *, sse_kms_key_id: str | None = None,
                 endpoint: str | None = None) -> None:
        self._bucket = bucket
        self._client = client
        self._kms = sse_kms_key_id
        self._where = f"s3://{bucket}" + (f" at {endpoint}" if endpoint else "")

    @classmethod
    def connect(cls, location: S3Location) -> S3ObjectSource:
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"})
        credentials = {}
        if location.aws_access_key_id:
            credentials = {"aws_access_key_id": location.aws_access_key_id,
                           "aws_secret_access_key": location.aws_secret_access_key,
                           "aws_session_token": location.aws_session_token}
        with _translated(f"s3://{location.bucket}"):
            client = boto3.client("s3", region_name=location.region_name, endpoint_url=location.s3_endpoint,
                                  config=config, **credentials)
        return cls(location.bucket, client, sse_kms_key_id=location.aws_sse_kms_key_id,
                   endpoint=location.s3_endpoint)

    def list(self, prefix: str, recursive: bool) -> Iterator[StoredObject]:
        params: dict[str, Any] = {"Bucket": self._bucket}
        if prefix:
            params["Prefix"] = prefix
        if not recursive:
            params["Delimiter"] = "/"
        with _translated(self._where):
            for page in self._client.get_paginator("list_objects_v2").paginate(**params):
                for obj in page.get("Contents", []):
                    if not obj["Key"].endswith("/"):
                        yield StoredObject(obj["Key"], int(obj.get("Size", 0)))

    def get(self, key: str) -> bytes:
        with _translated(self._where, key=key):
            body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"]
            try:
                return body.read()
            finally:
                body.close()

    def put(self, key: str, data: bytes) -> None:
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self._kms} if self._kms else {}
        with _translated(self._where, key=key):
            self._client.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType="application/json", **extra)

    def delete(self, key: str) -> None:
        with _translated(self._where, key=key):
            self._client.delete_object(Bucket=self._bucket, Key=key)


@contextlib.contextmanager
def _translated(where: str, key: str | None = None) -> Iterator[None]:
    """botocore's failures → StorageError with a message naming the bucket and the likely fix."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        ParamValidationError,
    )

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _NO_BUCKET:
            raise StorageError(f"Cannot find bucket {where}: check the bucket name and region.") from None
        if key is not None and code in _NO_KEY:
            raise ObjectMissing(f"{where}/{key} no longer exists.") from None
        if code in _DENIED or status == 403:
            raise StorageError(f"Cannot access {where} with the given AWS credentials ({code or status}): check "
                               "the keys and that they may list, read and write this bucket.") from None
        raise StorageError(f"S3 refused the request for {where}: {code} {error.get('Message', '')}".strip()) from None
    except NoCredentialsError:
        raise StorageError(f"No AWS credentials for {where}: give aws_access_key_id and aws_secret_access_key."
                           ) from None
    except EndpointConnectionError as exc:
        raise StorageError(f"Cannot reach the S3 endpoint for {where}: {exc}") from None
    except ParamValidationError as exc:
        raise StorageError(f"Invalid S3 parameters for {where}: {exc}") from None
    except BotoCoreError as exc:
        raise StorageError(f"S3 call for {where} failed: {exc}") from None
    except ValueError as exc:  # e.g. a malformed endpoint URL, raised by boto3 while building the client
        raise StorageError(f"Invalid S3 settings for {where}: {exc}") from None
