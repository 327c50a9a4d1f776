"""Project input models (pydantic) and the stored-item ↔ API conversion."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SAMPLING = Literal["Sequential sampling", "Uniform sampling", "Uncertainty sampling"]

# Writable settings and their Label Studio defaults; the API answers every one of them.
DEFAULTS: dict = {
    "title": "",
    "description": "",
    "label_config": "<View></View>",
    "expert_instruction": "",
    "show_instruction": False,
    "show_skip_button": True,
    "enable_empty_annotation": True,
    "show_annotation_history": False,
    "organization": None,
    "color": "#FFFFFF",
    "maximum_annotations": 1,
    "is_published": False,
    "model_version": "",
    "is_draft": False,
    "min_annotations_to_start_training": 0,
    "show_collab_predictions": True,
    "sampling": "Sequential sampling",
    "show_ground_truth_first": False,
    "show_overlap_first": False,
    "overlap_cohort_percentage": 100,
    "evaluate_predictions_automatically": False,
    "pinned_at": None,
    "reveal_preannotations_interactively": False,
    "skip_queue": "REQUEUE_FOR_OTHERS",
    # ML backends (skylabel.ml): Label Studio's "start training after any annotation is submitted or updated",
    # and Skylabel's auto-accept: predictions scoring at least this become annotations (None: off).
    "start_training_on_annotation_update": False,
    "auto_accept_threshold": None,
}

COUNTERS = (
    "task_number",
    "num_tasks_with_annotations",
    "total_annotations_number",
    "total_predictions_number",
    "finished_task_number",
    "skipped_annotations_number",
    "ground_truth_number",
)


class ProjectIn(BaseModel):
    """Create/update body. Unknown fields are ignored, as Label Studio's serializer does."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = None
    description: str | None = None
    label_config: str | None = None
    expert_instruction: str | None = None
    show_instruction: bool | None = None
    show_skip_button: bool | None = None
    enable_empty_annotation: bool | None = None
    show_annotation_history: bool | None = None
    color: str | None = Field(default=None, max_length=16)
    maximum_annotations: int | None = Field(default=None, ge=1)
    is_published: bool | None = None
    model_version: str | None = None
    is_draft: bool | None = None
    min_annotations_to_start_training: int | None = Field(default=None, ge=0)
    show_collab_predictions: bool | None = None
    sampling: SAMPLING | None = None
    show_ground_truth_first: bool | None = None
    show_overlap_first: bool | None = None
    overlap_cohort_percentage: int | None = Field(default=None, ge=0, le=100)
    evaluate_predictions_automatically: bool | None = None
    pinned_at: str | None = None
    reveal_preannotations_interactively: bool | None = None
    skip_queue: Literal["REQUEUE_FOR_ME", "REQUEUE_FOR_OTHERS", "IGNORE_SKIPPED"] | None = None
    start_training_on_annotation_update: bool | None = None
    auto_accept_threshold: float | None = Field(default=None, ge=0, le=1)

    @field_validator("title")
    @classmethod
    def _title_length(cls, value: str | None) -> str | None:
        if value is not None and value != "" and not 3 <= len(value) <= 50:
            raise ValueError("Ensure this field has between 3 and 50 characters.")
        return value

    def changes(self) -> dict:
        return self.model_dump(exclude_unset=True)
