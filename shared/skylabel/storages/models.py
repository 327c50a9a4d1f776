"""Request bodies of Label Studio's S3 storages (ls_api.md §9), one model per kind.

Every field is optional in the model: the same body serves create (where `project` and `bucket` are then
required by the service), PATCH (only what was sent changes: `changes()`), and validate. Clients send
explicit nulls (the legacy client posts `"prefix": null`), which are kept as null, as Label Studio does.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SECRET_FIELDS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


class S3StorageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    project: int | None = None
    title: str | None = None
    description: str | None = None
    bucket: str | None = None
    prefix: str | None = None
    regex_filter: str | None = None
    use_blob_urls: bool | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_session_token: str | None = None
    aws_sse_kms_key_id: str | None = None
    region_name: str | None = None
    s3_endpoint: str | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"id"})


class S3ImportStorageIn(S3StorageIn):
    presign: bool | None = None
    presign_ttl: int | None = Field(default=None, ge=1, le=10080, description="Presigned URL lifetime, minutes")
    recursive_scan: bool | None = None


class S3ExportStorageIn(S3StorageIn):
    can_delete_objects: bool | None = None


class S3ImportValidateIn(S3ImportStorageIn):
    """A dry run; with `id`, fields left out (the secrets, typically) come from that saved storage."""

    id: int | None = None


class S3ExportValidateIn(S3ExportStorageIn):
    id: int | None = None


# Values a new storage starts with (Label Studio's model defaults).
IMPORT_DEFAULTS: dict[str, Any] = {"title": None, "description": None, "prefix": None, "regex_filter": None,
                                   "use_blob_urls": False, "presign": True, "presign_ttl": 1,
                                   "recursive_scan": False, "aws_access_key_id": None,
                                   "aws_secret_access_key": None, "aws_session_token": None,
                                   "aws_sse_kms_key_id": None, "region_name": None, "s3_endpoint": None}
EXPORT_DEFAULTS: dict[str, Any] = {**{k: v for k, v in IMPORT_DEFAULTS.items()
                                      if k not in ("presign", "presign_ttl", "recursive_scan")},
                                   "can_delete_objects": None}
