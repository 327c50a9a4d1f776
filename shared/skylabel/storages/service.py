"""Label Studio's S3 cloud storages: connections a project keeps to a user's bucket, and their syncs.

A storage record lives in the ItemStore (`keys.storage`), listed per project through gsi1. Credentials are
stored with it (DynamoDB encrypts items at rest) and never leave it: every answer is the record minus
`aws_access_key_id`, `aws_secret_access_key` and `aws_session_token` (Label Studio hides the first two).
Every call is scoped to the caller's organization: another organization's storage is a plain 404.

Create, update and validate reach the bucket once (one list call) so a wrong bucket, refused keys or an
unreachable endpoint is a 400 that says so, before anything is saved. A sync runs inside the request and
is resumable (see importing.py): calling it again continues where a cut-short sync stopped. Its outcome
stays on the record as Label Studio reports it: `status`, `last_sync`, `last_sync_count`, `traceback` and
`meta` (attempts, time_queued, time_in_progress, time_completed, duration, and tasks_existed or
total_annotations).
"""

from __future__ import annotations

import logging
import time
from typing import Literal

from skylabel import ids, keys
from skylabel.context import Actor, Context
from skylabel.errors import DomainError, Invalid, NotFound
from skylabel.imports.service import predict_after_import
from skylabel.ports import Condition, ConditionFailed
from skylabel.projects.service import ProjectService
from skylabel.storages.exporting import export_all
from skylabel.storages.importing import ImportSync, compile_filter, import_prefix
from skylabel.storages.models import EXPORT_DEFAULTS, IMPORT_DEFAULTS, SECRET_FIELDS, S3StorageIn
from skylabel.storages.source import open_source
from skylabel.timeutil import iso

Kind = Literal["import", "export"]
logger = logging.getLogger("skylabel.storages")

ENTITY = {"import": "S3ImportStorage", "export": "S3ExportStorage"}
DEFAULTS = {"import": IMPORT_DEFAULTS, "export": EXPORT_DEFAULTS}
# Fields that change which bucket is reached, or how: changing one re-checks the connection.
CONNECTION_FIELDS = {"bucket", "prefix", "region_name", "s3_endpoint", *SECRET_FIELDS}
STORAGE_TYPES = [{"name": "s3", "title": "AWS S3"}]


def storage_view(item: dict) -> dict:
    """The S3ImportStorage / S3ExportStorage object, secrets left out."""
    out = {
        "id": item["id"],
        "type": "s3",
        "synchronizable": True,
        "last_sync": item.get("last_sync"),
        "last_sync_count": item.get("last_sync_count"),
        "last_sync_job": item.get("last_sync_job"),
        "status": item.get("status", "initialized"),
        "traceback": item.get("traceback"),
        "meta": item.get("meta") or {},
        "created_at": item.get("created_at"),
        "bucket": item.get("bucket"),
    }
    for name, default in DEFAULTS[item["kind"]].items():
        if name not in SECRET_FIELDS:
            out[name] = item.get(name, default)
    out["project"] = item["project"]
    return out


def _keep_secrets(changes: dict) -> dict:
    """An edit form cannot show the saved secrets, so an empty one means "unchanged", not "remove"."""
    return {k: v for k, v in changes.items() if k not in SECRET_FIELDS or v}


class StorageService:
    def __init__(self, ctx: Context, kind: Kind) -> None:
        self.ctx = ctx
        self.store = ctx.items
        self.kind = kind
        self.projects = ProjectService(ctx)

    def _now(self) -> str:
        return iso(self.ctx.clock())

    # --- reading ----------------------------------------------------------------------------------------

    def get_item(self, actor: Actor, storage_id: int) -> dict:
        item = self.store.get(*keys.storage(self.kind, storage_id))
        if item is None or item.get("organization") != actor.organization_id or \
                self.store.get(*keys.project(item["project"])) is None:
            raise NotFound(f"No {ENTITY[self.kind]} matches the given query.")
        return item

    def list(self, actor: Actor, project_id: int | None) -> list[dict]:
        if project_id is None:
            raise Invalid("Pass the project: ?project=<id>.", {"project": ["This query parameter is required."]})
        self.projects.get_item(actor, project_id)
        return self.store.query(keys.project_storages(project_id, self.kind), index="gsi1").items

    # --- writing ----------------------------------------------------------------------------------------

    def create(self, actor: Actor, body: S3StorageIn) -> dict:
        fields = body.changes()
        project_id = fields.pop("project", None)
        if project_id is None:
            raise Invalid("project: This field is required.", {"project": ["This field is required."]})
        project = self.projects.get_item(actor, project_id)
        candidate = {**DEFAULTS[self.kind], **fields, "kind": self.kind, "project": project_id}
        self._check(candidate)
        storage_id = ids.allocate_one(self.store, f"{self.kind}_storage")
        pk, sk = keys.storage(self.kind, storage_id)
        now = self._now()
        item = {
            **candidate, "pk": pk, "sk": sk, "gsi1pk": keys.project_storages(project_id, self.kind),
            "gsi1sk": keys.pad(storage_id), "id": storage_id, "organization": project["organization"],
            "created_by": actor.user_id, "created_at": now, "updated_at": now, "status": "initialized",
            "last_sync": None, "last_sync_count": None, "last_sync_job": None, "traceback": None, "meta": {},
        }
        self.store.put(item, Condition.not_exists())
        if self.kind == "export":
            # Label Studio queues a sync when a target storage is created; a failure shows on the record.
            return self._sync(actor, item, project, raise_failure=False)
        return item

    def update(self, actor: Actor, storage_id: int, body: S3StorageIn) -> dict:
        current = self.get_item(actor, storage_id)
        changes = _keep_secrets(body.changes())
        project_id = changes.pop("project", None)
        if project_id is not None and project_id != current["project"]:
            self.projects.get_item(actor, project_id)
            changes.update(project=project_id, gsi1pk=keys.project_storages(project_id, self.kind))
        merged = {**current, **changes}
        self._check(merged, connect=bool(CONNECTION_FIELDS & changes.keys()))
        changes["updated_at"] = self._now()
        try:
            return self.store.update(*keys.storage(self.kind, storage_id), set=changes,
                                     condition=Condition.equals("organization", actor.organization_id))
        except ConditionFailed:
            raise NotFound(f"No {ENTITY[self.kind]} matches the given query.") from None

    def delete(self, actor: Actor, storage_id: int) -> None:
        """Forget the connection; tasks it imported and objects it wrote stay (as in Label Studio)."""
        self.get_item(actor, storage_id)
        self.store.delete(*keys.storage(self.kind, storage_id))
        if self.kind == "import":
            links = self.store.query(keys.storage_links(storage_id)).items
            self.store.batch_delete([(link["pk"], link["sk"]) for link in links])

    def validate(self, actor: Actor, body: S3StorageIn, storage_id: int | None = None) -> None:
        """A dry run of create/update; with `storage_id`, unsent fields (the secrets) come from that storage."""
        fields = body.changes()
        if storage_id is not None:
            fields = _keep_secrets(fields)
            base = self.get_item(actor, storage_id)
        else:
            if fields.get("project") is None:
                raise Invalid("project: This field is required.", {"project": ["This field is required."]})
            base = {**DEFAULTS[self.kind], "kind": self.kind}
        if fields.get("project") is not None:
            self.projects.get_item(actor, fields["project"])
        self._check({**base, **fields})

    def _check(self, storage: dict, *, connect: bool = True) -> None:
        """Input checks, then one list call on the bucket (bucket, keys, endpoint, permission to list)."""
        compile_filter(storage.get("regex_filter"))
        if not connect:
            return
        source = open_source(self.ctx, storage)
        for _ in source.list(import_prefix(storage), False):
            break

    # --- sync -------------------------------------------------------------------------------------------

    def sync(self, actor: Actor, storage_id: int) -> dict:
        item = self.get_item(actor, storage_id)
        project = self.projects.get_item(actor, item["project"])
        return self._sync(actor, item, project, raise_failure=True)

    def _sync(self, actor: Actor, item: dict, project: dict, *, raise_failure: bool) -> dict:
        started, now = time.perf_counter(), self._now()
        meta = {**(item.get("meta") or {})}
        meta.update(attempts=meta.get("attempts", 0) + 1, time_queued=now, time_in_progress=now)
        self.store.update(item["pk"], item["sk"], set={"status": "in_progress", "meta": meta, "traceback": None})
        importer: ImportSync | None = None
        try:
            source = open_source(self.ctx, item)
            if self.kind == "import":
                importer = ImportSync(self.ctx, item, project, actor.user_id, source)
                result = importer.run()
                count, meta["tasks_existed"], errors = result.created, result.existed, result.errors
            else:
                count, errors = export_all(self.ctx, item, source), []
                meta["total_annotations"] = count
        except DomainError as exc:
            failed = self._finish(item, meta, started, status="failed", count=0, traceback=exc.message)
            if raise_failure:
                raise
            return failed
        except Exception:
            logger.exception("%s storage %s: sync stopped", self.kind, item["id"])
            self._finish(item, meta, started, status="failed", count=0,
                         traceback="The sync stopped on an unexpected error (see the service logs); sync again to "
                                   "continue where it stopped.")
            raise
        finally:
            # What this sync created is predicted when the project asks for it, as after a file import (also
            # when the sync stopped part-way: those tasks are saved). Never raises.
            if importer is not None and importer.result.ranges:
                predict_after_import(self.ctx, project, importer.result.ranges, actor.user_id)
        status = "completed_with_errors" if errors else "completed"
        return self._finish(item, meta, started, status=status, count=count,
                            traceback="\n".join(errors) if errors else None)

    def _finish(self, item: dict, meta: dict, started: float, *, status: str, count: int,
                traceback: str | None) -> dict:
        now = self._now()
        meta.update(time_completed=now, duration=round(time.perf_counter() - started, 3))
        logger.info("%s storage %s sync %s: %s", self.kind, item["id"], status, count)
        return self.store.update(item["pk"], item["sk"], set={
            "status": status, "meta": meta, "traceback": traceback, "last_sync": now, "last_sync_count": count,
            "updated_at": now})
