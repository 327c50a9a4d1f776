"""Draft request bodies and the API's Draft object. `result` is stored opaque, verbatim, like an annotation's."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    result: list[dict[str, Any]]
    lead_time: float | None = None
    was_postponed: bool = False
    annotation: int | None = None  # the annotation this draft edits; None for a draft of a new annotation


class DraftPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    result: list[dict[str, Any]] | None = None
    lead_time: float | None = None
    was_postponed: bool | None = None

    def changes(self) -> dict:
        """Only what the caller sent; an explicit null is kept for lead_time (clearing it is meaningful)."""
        sent = self.model_dump(exclude_unset=True)
        return {k: v for k, v in sent.items() if v is not None or k == "lead_time"}


def draft_view(item: dict) -> dict:
    return {
        "id": item["id"],
        "task": item["task"],
        "annotation": item.get("annotation"),
        "user": item["user"],
        "result": item.get("result", []),
        "lead_time": item.get("lead_time"),
        "was_postponed": item.get("was_postponed", False),
        "import_id": item.get("import_id"),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
    }
