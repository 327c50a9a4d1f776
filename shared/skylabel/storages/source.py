"""The port to a user's own bucket, and how a stored storage record becomes one.

Why a port of its own (not the BlobStore): the BlobStore is Skylabel's bucket, reached with the service's
own role; a cloud storage is the *user's* bucket, reached with the credentials, region and endpoint the user
typed. So the domain only sees `ObjectSource` (list/get/put/delete), and `Context.object_sources` builds one
from an `S3Location` — the S3 adapter by default, a moto-bound one in tests. boto3 stays in the adapter.

Two guards live here, before any client exists:
- a user-given `s3_endpoint` is vetted by the outbound client (no metadata, no private addresses on AWS), so a
  storage cannot be used to probe the service's network. The SDK then resolves the name again when it
  connects; a DNS answer that changes in between is not caught (the outbound client pins IPs, boto3 cannot);
- on the AWS runtime a storage must carry its own keys: with none, boto3 would fall back to the Lambda's role
  and any organization could read the service's own bucket (other organizations' files) by naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from skylabel.context import Context
from skylabel.errors import Invalid

# What S3 clients accept (botocore's check); S3's own rules are stricter and it answers for those.
_BUCKET_NAME = re.compile(r"[a-zA-Z0-9.\-_]{1,255}")


class StorageError(Invalid):
    """The bucket cannot be used as configured; the message says what to fix (a 400, never a 500)."""

    code = "storage_error"


class ObjectMissing(StorageError):
    """An object listed a moment ago is gone (deleted between list and get)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int = 0


@dataclass(frozen=True)
class S3Location:
    """Everything needed to reach one bucket; credentials are the user's, never the service's on AWS."""

    bucket: str
    region_name: str | None = None
    s3_endpoint: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_session_token: str | None = None
    aws_sse_kms_key_id: str | None = None
    # Only the laptop runtime may use the ambient AWS credentials (the user's own profile).
    allow_ambient_credentials: bool = False


class ObjectSource(Protocol):
    def list(self, prefix: str, recursive: bool) -> Iterator[StoredObject]:
        """Objects under `prefix` (folder placeholders left out); only the top level unless `recursive`."""

    def get(self, key: str) -> bytes:
        """The object's bytes; raises ObjectMissing."""

    def put(self, key: str, data: bytes) -> None: ...

    def delete(self, key: str) -> None: ...


def location_of(ctx: Context, storage: dict) -> S3Location:
    return S3Location(
        bucket=storage.get("bucket") or "",
        region_name=storage.get("region_name") or None,
        s3_endpoint=(storage.get("s3_endpoint") or "").strip() or None,
        aws_access_key_id=storage.get("aws_access_key_id") or None,
        aws_secret_access_key=storage.get("aws_secret_access_key") or None,
        aws_session_token=storage.get("aws_session_token") or None,
        aws_sse_kms_key_id=storage.get("aws_sse_kms_key_id") or None,
        allow_ambient_credentials=ctx.settings.runtime == "local",
    )


def open_source(ctx: Context, storage: dict) -> ObjectSource:
    """A client for the storage's bucket, after the checks that need no network call to the bucket."""
    location = location_of(ctx, storage)
    if not location.bucket:
        raise StorageError("Set the bucket name.", {"bucket": ["This field is required."]})
    if not _BUCKET_NAME.fullmatch(location.bucket) and not location.bucket.startswith("arn:"):
        raise StorageError(f'"{location.bucket}" is not a valid S3 bucket name: use letters, digits, dots, '
                           "hyphens and underscores.", {"bucket": ["Invalid bucket name."]})
    if bool(location.aws_access_key_id) != bool(location.aws_secret_access_key):
        message = "Access Key ID and Secret Access Key must be provided together."
        missing = "aws_secret_access_key" if location.aws_access_key_id else "aws_access_key_id"
        raise StorageError(message, {missing: [message]})
    if not location.aws_access_key_id and not location.allow_ambient_credentials:
        raise StorageError("Give aws_access_key_id and aws_secret_access_key for this bucket: a hosted Skylabel "
                           "never reaches a bucket with its own AWS role.")
    if location.s3_endpoint:
        from skylabel.outbound import OutboundClient, OutboundFailed, OutboundPolicy

        try:
            OutboundClient(OutboundPolicy(allow_private=ctx.settings.private_urls_allowed)).check(location.s3_endpoint)
        except OutboundFailed as exc:  # e.g. the name does not resolve: the caller's input, so a 400
            raise StorageError(f"Cannot reach the S3 endpoint: {exc.message}") from None
    return ctx.object_sources(location)
