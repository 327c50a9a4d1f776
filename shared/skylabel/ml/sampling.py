"""The uncertainty-sampling index: a project's unlabeled tasks that have predictions, lowest score first.

Why an index on the task item: `/next` with "Uncertainty sampling" must find the least certain unlabeled
task without reading the project. The task item itself carries gsi2 keys (`PROJECT#<id>#UNCERTAIN`,
sort key = the score, made sortable as text, then the task id) while it is unlabeled and has a prediction,
and loses them when it becomes labeled. The keys are computed with the task counters (`tasks.state.
task_counters`), so they move in the same transaction as the annotation or prediction that changes them,
on every write path (API, import, prediction job), and can never drift.

The score is that of the task's newest prediction: it is the current model's opinion (older model
versions' predictions stay, but no longer speak for the model). Predictions without a score sort after
every scored one, as NULLs do in Label Studio's ordering. This module imports only `keys`: it sits below
the task state code that calls it.
"""

from __future__ import annotations

import math
import struct

from skylabel import keys

NO_SCORE = "~"  # sorts after every hex digit


def sortable_score(score: object) -> str:
    """A float as 16 hex digits whose text order is the numeric order (IEEE-754 bits, sign-adjusted)."""
    if not isinstance(score, int | float) or isinstance(score, bool) or not math.isfinite(score):
        return NO_SCORE
    (bits,) = struct.unpack(">Q", struct.pack(">d", float(score)))
    bits = bits ^ 0xFFFFFFFFFFFFFFFF if bits >> 63 else bits | (1 << 63)
    return f"{bits:016x}"


def latest_score(predictions: list[dict]) -> object:
    newest = max(predictions, key=lambda p: p.get("id", 0))
    return newest.get("score")


def uncertainty_keys(task: dict, is_labeled: bool, predictions: list[dict]) -> dict:
    """The task's gsi2 keys: in the project's uncertainty index while unlabeled with a prediction, else out."""
    if is_labeled or not predictions or "project" not in task or "id" not in task:
        return {"gsi2pk": None, "gsi2sk": None}
    return {"gsi2pk": keys.project_uncertain(task["project"]),
            "gsi2sk": f"{sortable_score(latest_score(predictions))}#{keys.pad(task['id'])}"}
