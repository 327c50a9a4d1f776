"""ML backend connections: request bodies, states, and the stored item ↔ Label Studio's MLBackend object.

Field names, defaults and state codes are Label Studio's (`ml/models.py`, `ml/serializers.py`; SDK 2.1.2
`types/ml_backend.py`), so the SDK's `client.ml.*` works unchanged. The basic-auth password is write-only:
stored with the connection (DynamoDB encrypts items at rest) and answered only as `basic_auth_pass_is_set`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CONNECTED, DISCONNECTED, ERROR, TRAINING, PREDICTING = "CO", "DI", "ER", "TR", "PR"
READABLE_STATE = {CONNECTED: "Connected", DISCONNECTED: "Disconnected", ERROR: "Error", TRAINING: "Training",
                  PREDICTING: "Predicting"}
DEFAULT_TIMEOUT = 100.0  # seconds: Label Studio's MLBackend.timeout default (and ML_TIMEOUT_PREDICT)
MAX_TIMEOUT = 600.0
MAX_VERSIONS = 50  # model versions remembered per connection

AuthMethod = Literal["NONE", "BASIC_AUTH"]


class MLBackendIn(BaseModel):
    """POST /api/ml. Unknown fields are ignored, as Label Studio's serializer does."""

    model_config = ConfigDict(extra="ignore")

    url: str = Field(min_length=1, max_length=2048)
    project: int
    title: str | None = Field(default=None, max_length=500)
    description: str | None = None
    is_interactive: bool = False
    auth_method: AuthMethod = "NONE"
    basic_auth_user: str | None = None
    basic_auth_pass: str | None = None
    extra_params: Any = None
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, le=MAX_TIMEOUT)
    auto_update: bool = True
    model_version: str | None = None

    @field_validator("url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class MLBackendPatch(BaseModel):
    """PATCH /api/ml/{id}: only the fields sent change."""

    model_config = ConfigDict(extra="ignore")

    url: str | None = Field(default=None, min_length=1, max_length=2048)
    title: str | None = Field(default=None, max_length=500)
    description: str | None = None
    is_interactive: bool | None = None
    auth_method: AuthMethod | None = None
    basic_auth_user: str | None = None
    basic_auth_pass: str | None = None
    extra_params: Any = None
    timeout: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT)
    auto_update: bool | None = None
    model_version: str | None = None

    def changes(self) -> dict:
        out = self.model_dump(exclude_unset=True)
        if isinstance(out.get("url"), str):
            out["url"] = out["url"].strip()
        # `project` is not movable (Label Studio ignores it too); nulls mean "leave as is" except where clearing
        # makes sense (extra_params, basic auth).
        return {k: v for k, v in out.items()
                if v is not None or k in ("extra_params", "basic_auth_user", "basic_auth_pass", "description")}


class InteractiveIn(BaseModel):
    """POST /api/ml/{id}/interactive-annotating: the task and the editor's context, forwarded verbatim."""

    model_config = ConfigDict(extra="ignore")

    task: int
    context: Any = None


def extra_params_text(value: Any) -> str | None:
    """`extra_params` as the backend SDK needs it in /setup: a JSON string (a dict makes it answer 500).

    Stored as the caller gave it (Label Studio's JSONField answers it back that way); text the user typed is
    sent as typed, anything else JSON-encoded, and empty means null.
    """
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def backend_view(item: dict) -> dict:
    """Label Studio's MLBackend object."""
    state = item.get("state", DISCONNECTED)
    return {
        "id": item["id"],
        "state": state,
        "readable_state": READABLE_STATE.get(state, state),
        "is_interactive": item.get("is_interactive", False),
        "url": item["url"],
        "error_message": item.get("error_message"),
        "title": item.get("title") or "",
        "auth_method": item.get("auth_method", "NONE"),
        "basic_auth_user": item.get("basic_auth_user"),
        "basic_auth_pass_is_set": bool(item.get("basic_auth_pass")),
        "description": item.get("description") or "",
        "extra_params": item.get("extra_params"),
        "model_version": item.get("model_version") or "",
        "timeout": item.get("timeout", DEFAULT_TIMEOUT),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "auto_update": item.get("auto_update", True),
        "project": item["project"],
    }
