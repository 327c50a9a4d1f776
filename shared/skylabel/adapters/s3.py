"""BlobStore on one S3 bucket.

Why this shape: the adapter exposes only the calls the app needs and maps S3's "no such key" (a
`NoSuchKey` error on GET, a bare 404 on HEAD) to the domain's `BlobNotFound`. The client is injectable
(tests pass a moto-backed one) and boto3 is imported only when no client is given, so the local
runtime, which never builds this class, never pays boto3's import time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from skylabel.adapters.localfs import CHUNK_SIZE, content_disposition
from skylabel.ports import BlobNotFound

_NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound"}


MULTIPART_PART_BYTES = 8 * 1024 * 1024


class S3BlobStore:
    def __init__(self, bucket: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3")
        self._bucket = bucket
        self._client = client

    def _is_not_found(self, error: Exception) -> bool:
        response = getattr(error, "response", None) or {}
        return str(response.get("Error", {}).get("Code")) in _NOT_FOUND_CODES

    def _get_object(self, key: str) -> dict:
        try:
            return self._client.get_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.ClientError as e:
            if self._is_not_found(e):
                raise BlobNotFound(key) from None
            raise

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        self._client.put_object(Bucket=self._bucket, Key=key, Body=data, **extra)

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str | None = None) -> int:
        """Multipart upload in MULTIPART_PART_BYTES parts (S3 needs >= 5 MiB but the last); small objects: one PUT."""
        extra = {"ContentType": content_type} if content_type else {}
        buffer, size, upload_id, parts = bytearray(), 0, None, []
        try:
            for chunk in chunks:
                buffer += chunk
                size += len(chunk)
                if len(buffer) >= MULTIPART_PART_BYTES:
                    if upload_id is None:
                        upload_id = self._client.create_multipart_upload(Bucket=self._bucket, Key=key,
                                                                         **extra)["UploadId"]
                    parts.append(self._upload_part(key, upload_id, len(parts) + 1, bytes(buffer)))
                    buffer.clear()
            if upload_id is None:
                self._client.put_object(Bucket=self._bucket, Key=key, Body=bytes(buffer), **extra)
                return size
            if buffer:
                parts.append(self._upload_part(key, upload_id, len(parts) + 1, bytes(buffer)))
            self._client.complete_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id,
                                                   MultipartUpload={"Parts": parts})
            return size
        except BaseException:
            if upload_id is not None:
                self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
            raise

    def _upload_part(self, key: str, upload_id: str, number: int, body: bytes) -> dict:
        etag = self._client.upload_part(Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                        Body=body)["ETag"]
        return {"ETag": etag, "PartNumber": number}

    def get(self, key: str) -> bytes:
        body = self._get_object(key)["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def open(self, key: str) -> Iterator[bytes]:
        # The GET happens now, so a missing key raises here rather than on the caller's first next().
        return _chunks(self._get_object(key)["Body"])

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.ClientError as e:
            if self._is_not_found(e):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=key)

    def list(self, prefix: str) -> list[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        keys = []
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(keys)

    def presign_get(self, key: str, expires_in: int = 3600, filename: str | None = None) -> str:
        params = {"Bucket": self._bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = content_disposition(filename)
        return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def presign_put(self, key: str, expires_in: int = 3600, content_type: str | None = None) -> str:
        params = {"Bucket": self._bucket, "Key": key}
        if content_type:
            params["ContentType"] = content_type
        return self._client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_in)


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK_SIZE)
    finally:
        body.close()
