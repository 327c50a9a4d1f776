"""Request bodies for annotations and predictions. `result` items are stored opaque, verbatim."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AnnotationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    result: list[dict[str, Any]] = Field(default_factory=list)
    lead_time: float | None = None
    was_cancelled: bool = False
    ground_truth: bool = False
    completed_by: int | None = None
    draft_id: int | None = None
    parent_prediction: int | None = None
    parent_annotation: int | None = None
    last_action: str | None = None
    import_id: int | None = None


class AnnotationPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    result: list[dict[str, Any]] | None = None
    lead_time: float | None = None
    was_cancelled: bool | None = None
    ground_truth: bool | None = None
    last_action: str | None = None

    def changes(self) -> dict:
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None or k == "lead_time"}


class PredictionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task: int
    result: list[dict[str, Any]] | str | dict[str, Any]
    score: float | None = None
    model_version: str | None = None


class PredictionPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    result: list[dict[str, Any]] | None = None
    score: float | None = None
    model_version: str | None = None

    def changes(self) -> dict:
        return self.model_dump(exclude_unset=True)
