"""The single-table key layout, for both ItemStore adapters, in one place.

Designed from the access patterns (DESIGN.md "Data"):
- a task by id, strongly consistent, with its annotations, predictions and locks in ONE query:
  partition `TASK#<id>` holds the task (`sk=TASK`), `ANN#<id>`, `PRED#<id>`, `LOCK#<user>` and
  `DRAFT#<user>#<annotation or 0>` items;
- an annotation or prediction by id: a small pointer item `ANN#<id>`/`PRED#<id>` → task id, written in the
  same transaction, so reads stay strongly consistent (a GSI would be eventually consistent);
- a project's tasks in id order with cursor/offset paging: gsi1 `PROJECT#<id>#TASKS#<shard>`, sort key = padded
  id, where shard = id // TASK_SHARD_SIZE. Ids are allocated in contiguous blocks, so a big import spreads over
  many index partitions (no hot partition) while id order is still shard order; `PROJECT#<id>#SHARDS` lists
  the shards a project uses (see tasks/index.py);
- an organization's projects: gsi1 `ORG#<id>#PROJECTS`; a user by email, by token hash and by browser-session
  hash: unique items.
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


def session(token_hash: str) -> tuple[str, str]:
    """A browser session, by the SHA-256 of its cookie token (the token itself is never stored)."""
    return f"SESSION#{token_hash}", "SESSION"


def project(project_id: int) -> tuple[str, str]:
    return f"PROJECT#{project_id}", "PROJECT"


TASK_SHARD_SIZE = 10_000


def task_shard(task_id: int) -> int:
    return task_id // TASK_SHARD_SIZE


def project_summary(project_id: int) -> tuple[str, str]:
    """Label usage counts of a project's annotations (what a config change must keep)."""
    return f"PROJECT#{project_id}", "SUMMARY"


def project_tasks(project_id: int, shard: int) -> str:
    return f"PROJECT#{project_id}#TASKS#{shard:08d}"


def project_shard(project_id: int, shard: int) -> tuple[str, str]:
    return f"PROJECT#{project_id}#SHARDS", f"{shard:08d}"


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


def shard_labels(project_id: int, task_id: int) -> str:
    """gsi2 partition of a task shard's annotations and predictions: an export part reads them in one query."""
    return f"PROJECT#{project_id}#LABELS#{task_shard(task_id):08d}"


def task_lock(task_id: int, user_id: int) -> tuple[str, str]:
    return f"TASK#{task_id}", f"LOCK#{pad(user_id)}"


def draft(task_id: int, user_id: int, annotation_id: int | None) -> tuple[str, str]:
    """A user's draft of a task (annotation_id None) or of one annotation of it: one item per slot, in the task's
    partition, so a conditional put keeps one draft per slot and the task's delete sees it."""
    return f"TASK#{task_id}", f"DRAFT#{pad(user_id)}#{pad(annotation_id or 0)}"


def draft_pointer(draft_id: int) -> tuple[str, str]:
    return f"DRAFT#{draft_id}", "PTR"


def job(job_id: int) -> tuple[str, str]:
    return f"JOB#{job_id}", "JOB"


def project_jobs(project_id: int) -> str:
    return f"PROJECT#{project_id}#JOBS"


def job_chunk(job_id: int, index: int) -> tuple[str, str]:
    """One chunk of an import job: the id blocks it was given and whether it committed (exactly once)."""
    return f"JOB#{job_id}", f"CHUNK#{index:08d}"


def import_source(digest: str) -> tuple[str, str]:
    """Which job imports an object (by bucket/key digest), so a redelivered event finds the same job."""
    return f"IMPORTSRC#{digest}", "SRC"


def export(export_id: int) -> tuple[str, str]:
    return f"EXPORT#{export_id}", "EXPORT"


def export_part_done(export_id: int, fmt: str, index: int) -> tuple[str, str]:
    """A marker that one part of an export's format is written: their count is the job's progress."""
    return f"EXPORT#{export_id}", f"PARTDONE#{fmt}#{pad(index)}"


def project_exports(project_id: int) -> str:
    return f"PROJECT#{project_id}#EXPORTS"


def storage(kind: str, storage_id: int) -> tuple[str, str]:
    """A cloud storage connection; `kind` is "import" or "export" (own id sequences, as in Label Studio)."""
    return f"STORAGE#{kind}#{storage_id}", "STORAGE"


def project_storages(project_id: int, kind: str) -> str:
    """gsi1 partition: a project's storages of one kind, in id order (sort key = padded id)."""
    return f"PROJECT#{project_id}#STORAGES#{kind}"


def storage_links(storage_id: int) -> str:
    """The partition of an import storage's links: one item per object it turned into tasks."""
    return f"STORAGE#import#{storage_id}#LINKS"


def storage_link(storage_id: int, digest: str) -> tuple[str, str]:
    """Which tasks an object became (by key digest: S3 keys may exceed a sort key's size), so re-syncs skip it."""
    return storage_links(storage_id), f"KEY#{digest}"


# --- machine learning (skylabel.ml) -------------------------------------------------------------------------


def ml_backend(backend_id: int) -> tuple[str, str]:
    """An ML backend connection (Label Studio's MLBackend), listed per project through gsi1."""
    return f"MLBACKEND#{backend_id}", "MLBACKEND"


def project_ml_backends(project_id: int) -> str:
    return f"PROJECT#{project_id}#MLBACKENDS"


def ml_job(job_id: int) -> tuple[str, str]:
    """A prediction job; its parts (`PART#`) and batch errors (`ERR#`) share its partition."""
    return f"MLJOB#{job_id}", "JOB"


def ml_job_part(job_id: int, index: int) -> tuple[str, str]:
    return f"MLJOB#{job_id}", f"PART#{index:06d}"


def ml_job_error(job_id: int, part: int, batch: int) -> tuple[str, str]:
    return f"MLJOB#{job_id}", f"ERR#{part:06d}#{batch:06d}"


def project_ml_jobs(project_id: int) -> str:
    """gsi1 partition: a project's prediction jobs, newest last (kept apart from import jobs)."""
    return f"PROJECT#{project_id}#MLJOBS"


# gsi2 partitions of the ML records a stopped process must pick up again (`skylabel start` resumes them, as it
# resumes import jobs): each record is in its partition from creation until it ends, then leaves it.
ACTIVE_ML_JOBS = "MLJOBS#ACTIVE"
ACTIVE_ML_EVENTS = "MLEVENTS#ACTIVE"


def ml_event(event_id: int) -> tuple[str, str]:
    """A queued event for ML backends' /webhook; its deliveries (`TO#<backend>`) share its partition."""
    return f"MLEVENT#{event_id}", "EVENT"


def ml_event_delivery(event_id: int, backend_id: int) -> tuple[str, str]:
    """Claimed before the event is sent to one backend, so a resumed event is never sent to it twice."""
    return f"MLEVENT#{event_id}", f"TO#{pad(backend_id)}"


def project_uncertain(project_id: int) -> str:
    """gsi2 partition of a project's unlabeled tasks that have predictions, by score (uncertainty sampling)."""
    return f"PROJECT#{project_id}#UNCERTAIN"
