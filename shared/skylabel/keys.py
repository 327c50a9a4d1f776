"""The single-table key layout, for both ItemStore adapters, in one place.

Designed from the access patterns (DESIGN.md "Data"):
- a task by id, strongly consistent, with its annotations, predictions and locks in ONE query:
  partition `TASK#<id>` holds the task (`sk=TASK`), `ANN#<id>`, `PRED#<id>`, `LOCK#<user>` items;
- an annotation or prediction by id: a small pointer item `ANN#<id>`/`PRED#<id>` → task id, written in the
  same transaction, so reads stay strongly consistent (a GSI would be eventually consistent);
- a project's tasks in id order with cursor/offset paging: gsi1 `PROJECT#<id>#TASKS`, sort key = padded id;
- an organization's projects: gsi1 `ORG#<id>#PROJECTS`; a user by email and by token hash: unique items.
Ids are zero-padded so string order equals numeric order.
"""

from __future__ import annotations


def pad(n: int) -> str:
    return f"{n:012d}"


COUNTERS = "COUNTER"
SETTINGS = "SETTINGS"


def org(org_id: int) -> tuple[str, str]:
    return f"ORG#{org_id}", "ORG"


def org_projects(org_id: int) -> str:
    return f"ORG#{org_id}#PROJECTS"


def org_users(org_id: int) -> str:
    return f"ORG#{org_id}#USERS"


def user(user_id: int) -> tuple[str, str]:
    return f"USER#{user_id}", "USER"


def email(address: str) -> tuple[str, str]:
    return f"EMAIL#{address.strip().lower()}", "EMAIL"


def token(token_hash: str) -> tuple[str, str]:
    return f"TOKEN#{token_hash}", "TOKEN"


def project(project_id: int) -> tuple[str, str]:
    return f"PROJECT#{project_id}", "PROJECT"


def project_tasks(project_id: int) -> str:
    return f"PROJECT#{project_id}#TASKS"


def project_predictions(project_id: int) -> str:
    return f"PROJECT#{project_id}#PREDS"


def task(task_id: int) -> tuple[str, str]:
    return f"TASK#{task_id}", "TASK"


def task_partition(task_id: int) -> str:
    return f"TASK#{task_id}"


def annotation(task_id: int, annotation_id: int) -> tuple[str, str]:
    return f"TASK#{task_id}", f"ANN#{pad(annotation_id)}"


def annotation_pointer(annotation_id: int) -> tuple[str, str]:
    return f"ANN#{annotation_id}", "PTR"


def prediction(task_id: int, prediction_id: int) -> tuple[str, str]:
    return f"TASK#{task_id}", f"PRED#{pad(prediction_id)}"


def prediction_pointer(prediction_id: int) -> tuple[str, str]:
    return f"PRED#{prediction_id}", "PTR"


def task_lock(task_id: int, user_id: int) -> tuple[str, str]:
    return f"TASK#{task_id}", f"LOCK#{pad(user_id)}"
