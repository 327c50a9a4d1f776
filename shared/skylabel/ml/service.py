"""ML backend connections (`/api/ml`): add, list, update, delete, state, interactive pre-annotation, training.

Why it is built this way:
- Label Studio checks a backend before it saves it: `health`, then `setup` with the project's label config.
  A backend that fails either is refused with a 400 that says which step failed and the backend's own
  message, and nothing is saved (its serializer does the same). Later checks — reading one connection
  (`GET /api/ml/{id}`, the "test connection" of the UI) and the start of every prediction job — store the
  outcome instead: `CO` Connected with the backend's `model_version`, `DI` Disconnected when /health fails,
  `ER` Error when /setup fails, each with `error_message`.
- Interactive pre-annotation forwards the editor's context to /predict and hands the backend's first
  result back without storing anything, answered in Label Studio's shape (`{"data": …}` or
  `{"errors": […]}`, both 200), because the editor's ML integration reads exactly that.
- Training sends START_TRAINING to the backend's /webhook from a job (events.py): the backend's fit() may
  take longer than an API request may last. The request waits a bounded time for it, so a quick fit
  answers as Label Studio does (after training), and a long one leaves the connection in `TR` Training
  until the job records the outcome.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from skylabel import ids, keys
from skylabel.context import Actor, Context
from skylabel.errors import Invalid, NotFound, not_found
from skylabel.ml.client import BackendError, Connection, MLClient
from skylabel.ml.models import (
    CONNECTED,
    DISCONNECTED,
    ERROR,
    MAX_VERSIONS,
    TRAINING,
    InteractiveIn,
    MLBackendIn,
    MLBackendPatch,
    extra_params_text,
)
from skylabel.outbound import OutboundRefused
from skylabel.ports import Condition, ConditionFailed
from skylabel.projects.service import ProjectService
from skylabel.tasks.payload import hydrate
from skylabel.tasks.views import annotation_view, load_bundle, prediction_view, task_short
from skylabel.timeutil import iso

logger = logging.getLogger("skylabel.ml")
TRAIN_WAIT_SECONDS = 20.0  # under API Gateway's 29 s
# Fields whose change means a different backend (or a different way in): re-checked before saving.
CONNECTION_FIELDS = {"url", "auth_method", "basic_auth_user", "basic_auth_pass", "extra_params", "timeout"}


def project_key(project: dict) -> str:
    """Label Studio's `project` string for the protocol: "<id>.<created_at as epoch seconds>"."""
    created = project.get("created_at") or ""
    try:
        stamp = int(datetime.fromisoformat(created).timestamp())
    except ValueError:
        stamp = 0
    return f"{project['id']}.{stamp}"


def client_for(ctx: Context, item: dict) -> MLClient:
    return MLClient(Connection.of(item), allow_private=ctx.settings.private_urls_allowed)


def serialize_task(ctx: Context, task_id: int, *, interactive: bool = False) -> dict | None:
    """A task as Label Studio sends it to /predict (TaskSimpleSerializer; drafts too when interactive)."""
    bundle = load_bundle(ctx.items, task_id)
    if bundle is None:
        return None
    hydrate(ctx, [bundle.task])
    return task_payload(bundle, interactive=interactive)


def task_payload(bundle, *, interactive: bool = False) -> dict:
    out = task_short(bundle.task)
    out["comment_authors"] = []
    out["annotations"] = [annotation_view(a) for a in bundle.annotations]
    out["predictions"] = [prediction_view(p) for p in bundle.predictions]
    if interactive:
        out["drafts"] = [{"id": d["id"], "result": d.get("result", []), "user": d.get("user"),
                          "created_at": d.get("created_at"), "updated_at": d.get("updated_at")}
                         for d in bundle.drafts]
    return out


class MLService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items
        self.projects = ProjectService(ctx)

    def _now(self) -> str:
        return iso(self.ctx.clock())

    # --- connections ---------------------------------------------------------------------------------------

    def create(self, actor: Actor, body: MLBackendIn, *, hostname: str) -> dict:
        project = self.projects.get_item(actor, body.project)
        fields = body.model_dump()
        if fields.get("auth_method") != "BASIC_AUTH":
            fields.update(basic_auth_user=None, basic_auth_pass=None)
        candidate = {**fields, "hostname": hostname}
        version = self._validate(candidate, project)
        backend_id = ids.allocate_one(self.store, "ml_backend")
        now = self._now()
        pk, sk = keys.ml_backend(backend_id)
        item = {
            "pk": pk, "sk": sk, "gsi1pk": keys.project_ml_backends(project["id"]), "gsi1sk": keys.pad(backend_id),
            **candidate, "id": backend_id, "project": project["id"], "organization": actor.organization_id,
            "created_by": actor.user_id, "title": fields.get("title") or f"Model {backend_id}",
            "state": CONNECTED, "error_message": None, "created_at": now, "updated_at": now,
            "model_version": fields.get("model_version") if not body.auto_update and fields.get("model_version")
            else version, "versions": [version],
        }
        self.store.put(item, Condition.not_exists())
        return item

    def get_item(self, actor: Actor, backend_id: int) -> dict:
        item = self.store.get(*keys.ml_backend(backend_id))
        if item is None or item.get("organization") != actor.organization_id:
            raise not_found("MLBackend")
        return item

    def get(self, actor: Actor, backend_id: int, *, refresh: bool = True) -> dict:
        """One connection; `refresh` checks the backend again and stores the outcome (Label Studio does)."""
        item = self.get_item(actor, backend_id)
        return self.refresh(item) if refresh else item

    def list(self, actor: Actor, project_id: int | None) -> list[dict]:
        if project_id is None:
            raise NotFound("Neither project nor view id specified")
        self.projects.get_item(actor, project_id)
        return self.store.query(keys.project_ml_backends(project_id), index="gsi1").items

    def for_project(self, project_id: int) -> list[dict]:
        """Every connection of a project (no caller: for jobs and events)."""
        return self.store.query(keys.project_ml_backends(project_id), index="gsi1").items

    def update(self, actor: Actor, backend_id: int, patch: MLBackendPatch, *, hostname: str) -> dict:
        current = self.get_item(actor, backend_id)
        changes = patch.changes()
        if changes.get("auth_method") == "NONE":
            changes.update(basic_auth_user=None, basic_auth_pass=None)
        candidate = {**current, **changes, "hostname": hostname}
        if CONNECTION_FIELDS & set(changes):
            project = self.store.get(*keys.project(current["project"]))
            if project is None:
                raise not_found("Project")
            version = self._validate(candidate, project)
            changes.update(state=CONNECTED, error_message=None, **self._version_changes(candidate, version))
        if "model_version" in changes and not candidate.get("auto_update", True):
            changes["model_version"] = changes["model_version"] or current.get("model_version")
        changes.update(hostname=hostname, updated_at=self._now())
        try:
            return self.store.update(*keys.ml_backend(backend_id), set=changes, condition=Condition.exists())
        except ConditionFailed:
            raise not_found("MLBackend") from None

    def delete(self, actor: Actor, backend_id: int) -> None:
        self.get_item(actor, backend_id)
        self.store.delete(*keys.ml_backend(backend_id))

    # --- checking a backend -------------------------------------------------------------------------------

    def _validate(self, candidate: dict, project: dict) -> str:
        """Health, then setup, before saving: Label Studio's messages (400, non_field_errors) with the backend's
        reason; a URL the outbound policy refuses is a 400 on `url` that says why."""
        url = candidate["url"]
        client = client_for(self.ctx, candidate)
        try:
            client.check()
        except OutboundRefused as exc:
            raise Invalid(exc.message, {"url": [exc.message]}) from None
        try:
            client.health()
        except BackendError as exc:
            if "401 Unauthorized" in exc.message:
                message = ("Able to connect to ML Server, but authentication parameters were either not provided or "
                           f"are incorrect. {exc.message}")
            else:
                message = (f"Can't connect to ML backend {url}, health check failed. Make sure it is up and your "
                           f"firewall is properly configured. Additional info: {exc.message}")
            raise Invalid(message, {"non_field_errors": [message]}) from None
        try:
            return client.setup(project=project_key(project), schema=project.get("label_config") or "",
                                hostname=candidate.get("hostname") or "",
                                extra_params=extra_params_text(candidate.get("extra_params")))
        except BackendError as exc:
            message = (f"Successfully connected to {url} but it doesn't look like a valid ML backend. "
                       f"Reason: {exc.message}")
            raise Invalid(message, {"non_field_errors": [message]}) from None

    def refresh(self, item: dict) -> dict:
        """Health and setup now; the outcome (state, error message, model version) is stored and returned."""
        project = self.store.get(*keys.project(item["project"]))
        if project is None:
            raise not_found("Project")
        client = client_for(self.ctx, item)
        changes: dict = {"updated_at": self._now()}
        try:
            client.health()
        except (BackendError, OutboundRefused) as exc:
            changes.update(state=DISCONNECTED, error_message=exc.message)
        else:
            try:
                version = client.setup(project=project_key(project), schema=project.get("label_config") or "",
                                       hostname=item.get("hostname") or "",
                                       extra_params=extra_params_text(item.get("extra_params")))
            except (BackendError, OutboundRefused) as exc:
                changes.update(state=ERROR, error_message=exc.message)
            else:
                changes.update(state=CONNECTED, error_message=None, **self._version_changes(item, version))
        try:
            return self.store.update(*keys.ml_backend(item["id"]), set=changes, condition=Condition.exists())
        except ConditionFailed:
            raise not_found("MLBackend") from None

    @staticmethod
    def _version_changes(item: dict, version: str) -> dict:
        versions = [v for v in item.get("versions", []) if v != version][-(MAX_VERSIONS - 1):] + [version]
        changes: dict = {"versions": versions}
        if item.get("auto_update", True) or not item.get("model_version"):
            changes["model_version"] = version
        return changes

    def set_state(self, backend_id: int, state: str, error_message: str | None = None) -> None:
        try:
            self.store.update(*keys.ml_backend(backend_id), condition=Condition.exists(),
                              set={"state": state, "error_message": error_message, "updated_at": self._now()})
        except ConditionFailed:
            pass  # deleted meanwhile: nothing to record

    # --- interactive pre-annotation -----------------------------------------------------------------------

    def interactive(self, actor: Actor, backend_id: int, body: InteractiveIn) -> dict:
        """Label Studio's answer: `{"data": <first result>}`, or `{"errors": [message]}` (200 either way)."""
        item = self.get_item(actor, backend_id)
        task = self.store.get(*keys.task(body.task))
        if task is None or task.get("project") != item["project"]:
            raise not_found("Task")
        if not item.get("is_interactive"):
            return {"errors": ["Model is not set to be used for interactive preannotations"]}
        project = self.store.get(*keys.project(item["project"])) or {}
        payload = serialize_task(self.ctx, body.task, interactive=True)
        try:
            results = client_for(self.ctx, item).predict(
                [payload], project=project_key(project), label_config=project.get("label_config") or "",
                context=body.context, login=project.get("task_data_login"),
                password=project.get("task_data_password"), retry=False)
        except (BackendError, OutboundRefused) as exc:
            logger.info("interactive pre-annotation by backend %s failed: %s", backend_id, exc.message)
            return {"errors": [exc.message]}
        if not results:
            return {"errors": ["Incorrect response from ML service: ML backend has to return list with more than "
                               "1 result."]}
        return {"data": results[0]}

    # --- training and versions ----------------------------------------------------------------------------

    def train(self, actor: Actor, backend_id: int) -> dict:
        """START_TRAINING to the backend's /webhook, from a job; waits a bounded time for the outcome."""
        from skylabel.ml.events import start_training

        item = self.get_item(actor, backend_id)
        self.set_state(backend_id, TRAINING)
        start_training(self.ctx, item)
        deadline = time.monotonic() + TRAIN_WAIT_SECONDS
        while time.monotonic() < deadline:
            current = self.store.get(*keys.ml_backend(backend_id))
            if current is None or current.get("state") != TRAINING:
                break
            time.sleep(0.1)
        return self.get_item(actor, backend_id)

    def versions(self, actor: Actor, backend_id: int) -> dict:
        """The backend's /versions when it has one; else the versions this connection has seen (newest last)."""
        item = self.get_item(actor, backend_id)
        known = list(item.get("versions", []))
        try:
            status, body = client_for(self.ctx, item).versions()
        except (BackendError, OutboundRefused) as exc:
            return {"versions": known, "message": exc.message}
        if status == 200 and body is not None and isinstance(body.get("versions"), list):
            return {"versions": body["versions"], "message": "Success"}
        return {"versions": known, "message": "The ML backend has no /versions endpoint; these are the versions "
                                              "Skylabel has seen from its /setup."}
