"""The benchmark scenarios, written once and run unchanged against each server.

The workload copies ls_baseline.md so the Label Studio figures measured here can be checked against the
published baseline: the Text + Choices label config, ~200-char `grpNNN uidNNNNNNN word…` texts, one JSON import
body serialised before the clock starts, and import timed until the task list reports every task ("listable"),
because an asynchronous import that answers early must not look faster than it is. Latencies are client wall
times including reading the whole body; p95 is the nearest-rank percentile.

The other import paths use the same tasks: a CSV file (`text` column) uploaded as multipart `file`, tasks with one
prediction each in the JSON body, and (Skylabel only) a JSON Lines file moved into the drop folder
`<data dir>/drop/<project id>/`, timed from the moment the file is complete until the tasks are listable.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import queue
import statistics
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from api import Api, BenchError

LABEL_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text">'
    '<Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>'
    "</Choices></View>"
)
ANNOTATION = {
    "result": [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}],
    "lead_time": 1.0,
}
WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec "
    "romeo sierra tango uniform victor whiskey xray yankee zulu amber basil cedar dune ember fjord grove harbor "
    "island jasper kelp lagoon meadow nectar orchard pebble quartz river saffron timber umber valley willow"
).split()
TEXT_LENGTH = 200


def task_text(i: int) -> str:
    """Deterministic ~200-char text; grpNNN matches 1 % of tasks, uidNNNNNNN exactly one."""
    words, k = [f"grp{i % 100:03d}", f"uid{i:07d}"], 0
    while sum(len(w) + 1 for w in words) < TEXT_LENGTH:
        words.append(WORDS[(i * 31 + k * 17 + k * k) % len(WORDS)])
        k += 1
    return " ".join(words)[:TEXT_LENGTH].rstrip()


def summarize(samples_s: list[float]) -> dict:
    """Median, nearest-rank p95, min and max of latencies given in seconds, reported in ms."""
    ordered = sorted(samples_s)
    ms = [s * 1000 for s in ordered]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[math.ceil(0.95 * len(ms)) - 1], 2),
        "min_ms": round(ms[0], 2),
        "max_ms": round(ms[-1], 2),
    }


def check_auth(api: Api) -> None:
    """Fail early, with the server's answer, if the legacy token is not accepted."""
    api.request("GET", "/api/projects?page=1&page_size=1")


def create_project(api: Api, title: str) -> int:
    project = api.post_json("/api/projects", {"title": title, "label_config": LABEL_CONFIG}, expect=(201,))
    return int(project["id"])


def task_total(api: Api, project_id: int) -> int:
    return int(api.get_json(f"/api/tasks?project={project_id}&page=1&page_size=1")["total"])


def import_body(n: int) -> bytes:
    """The import body, serialised before the clock starts (as in the baseline)."""
    return json.dumps([{"text": task_text(i)} for i in range(n)]).encode()


PREDICTION_RESULT = ANNOTATION["result"]


def predictions_body(n: int) -> bytes:
    """n tasks with one prediction each, shaped as in ls_baseline.md "Import with predictions"."""
    tasks = [
        {
            "data": {"text": task_text(i)},
            "predictions": [{"model_version": "bench-v1", "score": 0.7, "result": PREDICTION_RESULT}],
        }
        for i in range(n)
    ]
    return json.dumps(tasks).encode()


def csv_body(n: int) -> bytes:
    """The same n texts as a CSV file with a `text` header (Label Studio and Skylabel map columns to data keys)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["text"])
    writer.writerows([task_text(i)] for i in range(n))
    return out.getvalue().encode()


def multipart_file(filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    """One multipart/form-data body with the file in field `file`, encoded before the clock starts."""
    boundary = "skylabel-bench-" + os.urandom(8).hex()
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def wait_job(api: Api, project_id: int, job_id: int, started: float, timeout: float) -> dict:
    """Poll an import job until it is completed; a failed job stops the run with its error."""
    while True:
        job = api.get_json(f"/api/projects/{project_id}/imports/{job_id}")
        if job.get("status") == "completed":
            return job
        if job.get("status") == "failed":
            raise BenchError(f"import job {job_id} failed: {job.get('error')}", body=json.dumps(job)[:2000])
        if time.perf_counter() - started > timeout:
            raise BenchError(f"import job {job_id} not completed after {timeout:.0f} s: {job.get('status')}")
        time.sleep(0.05)


def wait_listable(
    api: Api, project_id: int, n: int, started: float, timeout: float, interval: float = 0.05, check=None
) -> int:
    """Poll the task list until it reports total == n; returns the number of polls. `check` runs every ~1 s."""
    total, polls = task_total(api, project_id), 1
    while total < n:
        if time.perf_counter() - started > timeout:
            raise BenchError(f"import not listable after {timeout:.0f} s: total {total} of {n}")
        time.sleep(interval)
        total, polls = task_total(api, project_id), polls + 1
        if check and polls % max(1, round(1 / interval)) == 0:
            check()
    if total != n:
        raise BenchError(f"after importing {n} tasks the list reports total {total}")
    return polls


def import_tasks(
    api: Api,
    project_id: int,
    body: bytes,
    n: int,
    content_type: str = "application/json",
    poll_timeout: float = 1800,
    total: int | None = None,
) -> dict:
    """POST the n tasks in `body` as one request; time until GET /api/tasks reports total == n.

    A JSON body or a multipart file upload. A server that answers with an import job id instead of the tasks
    (Skylabel, for a file over its inline limit) is followed through `GET /api/projects/{id}/imports/{job}`.
    `total` is what the list must report afterwards when the project already held tasks (default n).
    """
    started = time.perf_counter()
    response = api.request(
        "POST",
        f"/api/projects/{project_id}/import",
        expect=(200, 201, 202),
        data=body,
        headers={"Content-Type": content_type},
    )
    answered = time.perf_counter() - started
    reply = response.json()
    job = None
    if reply.get("import") and not reply.get("task_count"):
        job = wait_job(api, project_id, int(reply["import"]), started, poll_timeout)
    polls = wait_listable(api, project_id, total or n, started, poll_timeout)
    listable = time.perf_counter() - started
    return {
        "n": n,
        "body_mb": round(len(body) / 1e6, 2),
        "status": response.status_code,
        "post_s": round(answered, 3),
        "listable_s": round(listable, 3),
        "tasks_per_s": round(n / listable, 1),
        "polls": polls,
        "reply": {k: reply.get(k) for k in ("task_count", "prediction_count", "duration", "import") if k in reply},
        "job": {k: job.get(k) for k in ("id", "status", "duration", "task_count")} if job else None,
    }


def write_jsonl(path: Path, n: int, batch: int = 10_000) -> int:
    """Write n tasks as JSON Lines, a batch at a time (a 1M-line file is ~213 MB); returns its size in bytes."""
    with path.open("w", encoding="utf-8") as fh:
        for first in range(0, n, batch):
            fh.write("".join(json.dumps({"text": task_text(i)}) + "\n" for i in range(first, min(n, first + batch))))
    return path.stat().st_size


def _epoch(stamp: str | None) -> float | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() if stamp else None


def stage_jsonl(staging: Path, project_id: int, n: int) -> dict:
    """Write the drop file beside the data dir, untimed; `drop_import` then moves it into the watched folder."""
    path = staging / f"bench-drop-{project_id}.jsonl.part"
    started = time.perf_counter()
    size = write_jsonl(path, n)
    return {"path": path, "file_mb": round(size / 1e6, 2), "write_s": round(time.perf_counter() - started, 3)}


def drop_import(api: Api, project_id: int, drop_root: Path, staged: Path, n: int, timeout: float = 900) -> dict:
    """Skylabel's drop folder: move a complete JSONL file of n tasks into drop/<project id>/, time until listable.

    The file was written beside the data dir first (`stage_jsonl`, untimed) and is renamed into the watched folder,
    so "fully written" is one instant: the clock starts at the rename. The server polls the folder every second and
    takes a file once its size and mtime held still between two polls, so 1–2 s of the figure is that polling, not
    importing; `handoff_s` (rename → the job started, from the job's own timestamps) measures it.
    """
    folder = drop_root / str(project_id)
    folder.mkdir(parents=True, exist_ok=True)

    def check_failed() -> None:
        jobs = api.get_json(f"/api/projects/{project_id}/imports")
        for job in jobs:
            if job.get("status") == "failed":
                raise BenchError(f"drop import job {job['id']} failed: {job.get('error')}", body=json.dumps(job))
        if not jobs and time.perf_counter() - started > 15:
            raise BenchError(f"no import job for drop/{project_id}/tasks.jsonl 15 s after it landed (see the log)")

    written_at = time.time()
    started = time.perf_counter()
    os.replace(staged, folder / "tasks.jsonl")  # same filesystem: atomic
    polls = wait_listable(api, project_id, n, started, timeout, interval=0.1, check=check_failed)
    listable = time.perf_counter() - started
    jobs = api.get_json(f"/api/projects/{project_id}/imports")
    job = jobs[0] if jobs else {}
    job_started = _epoch(job.get("started_at"))
    return {
        "n": n,
        "listable_s": round(listable, 3),
        "tasks_per_s": round(n / listable, 1),
        "handoff_s": round(job_started - written_at, 3) if job_started else None,
        "job_duration_s": job.get("duration"),
        "job_tasks_per_s": round(n / job["duration"], 1) if job.get("duration") else None,
        "polls": polls,
        "job": {k: job.get(k) for k in ("id", "status", "origin", "task_count", "created_at", "started_at")},
    }


def list_latency(api: Api, project_id: int, page: int, repeats: int, page_size: int = 100) -> dict:
    """GET one task-list page `repeats` times; every answer must be a full page."""
    path = f"/api/tasks?project={project_id}&page={page}&page_size={page_size}"
    samples, size = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        response = api.request("GET", path)
        samples.append(time.perf_counter() - started)
        size = len(response.content)
        tasks = response.json()["tasks"]
        if len(tasks) != page_size:
            raise BenchError(f"GET {path} returned {len(tasks)} tasks, expected {page_size}")
    return {"page": page, "page_size": page_size, "bytes": size, **summarize(samples)}


def collect_task_ids(api: Api, project_id: int, count: int, page_size: int = 100) -> list[int]:
    """Untimed: the first `count` task ids of the (freshly imported, so unannotated) project."""
    ids: list[int] = []
    for page in range(1, math.ceil(count / page_size) + 1):
        data = api.get_json(f"/api/tasks?project={project_id}&page={page}&page_size={page_size}")
        ids.extend(int(task["id"]) for task in data["tasks"] if not task.get("annotations"))
    if len(ids) < count:
        raise BenchError(f"found only {len(ids)} unannotated tasks, need {count}")
    return ids[:count]


def annotate(new_api: Callable[[], Api], task_ids: list[int], workers: int) -> dict:
    """Create one annotation per task id with `workers` threads, each on its own keep-alive session."""
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for task_id in task_ids:
        todo.put(task_id)
    latencies: list[float] = []
    errors: list[dict] = []
    lock = threading.Lock()

    def worker() -> None:
        api = new_api()
        try:
            while True:
                try:
                    task_id = todo.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                try:
                    api.request("POST", f"/api/tasks/{task_id}/annotations", expect=(201,), json=ANNOTATION)
                    outcome = None
                except BenchError as exc:
                    outcome = {"task": task_id, **exc.as_dict()}
                except Exception as exc:  # a dropped connection must not kill the worker silently
                    outcome = {"task": task_id, "message": repr(exc), "status": None, "body": None}
                elapsed = time.perf_counter() - started
                with lock:
                    if outcome:
                        errors.append(outcome)
                    else:
                        latencies.append(elapsed)
        finally:
            api.close()

    threads = [threading.Thread(target=worker, name=f"annotator-{i}") for i in range(workers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if not latencies:
        first = errors[0]
        raise BenchError(
            f"all {len(errors)} annotation writes failed; first: {first['message']}",
            status=first["status"],
            body=first["body"],
        )
    return {
        "workers": workers,
        "ok": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:3],
        "wall_s": round(wall, 3),
        "req_per_s": round(len(latencies) / wall, 2),
        **summarize(latencies),
    }


# --- exports ------------------------------------------------------------------------------------------------------
# Two projects per server, built by importing tasks with one annotation each (untimed, as in ls_baseline.md 3b):
# the text project above (JSON, JSON_MIN, CSV) and an image project with rectangles (COCO).

IMAGE_CONFIG = (
    '<View><Image name="image" value="$image"/>'
    '<RectangleLabels name="label" toName="image">'
    '<Label value="Car"/><Label value="Person"/><Label value="Tree"/>'
    "</RectangleLabels></View>"
)
IMAGE_LABELS = ("Car", "Person", "Tree")
TEXT_FORMATS = ("JSON", "JSON_MIN", "CSV")
IMAGE_FORMATS = ("COCO",)


def create_image_project(api: Api, title: str) -> int:
    project = api.post_json("/api/projects", {"title": title, "label_config": IMAGE_CONFIG}, expect=(201,))
    return int(project["id"])


def rectangle(i: int) -> dict:
    """One deterministic rectangle in percent of a 1024×768 image, with the original size COCO needs."""
    return {
        "from_name": "label",
        "to_name": "image",
        "type": "rectanglelabels",
        "original_width": 1024,
        "original_height": 768,
        "image_rotation": 0,
        "value": {
            "x": 5 + i % 50,
            "y": 10 + i % 40,
            "width": 20 + i % 20,
            "height": 15 + i % 30,
            "rotation": 0,
            "rectanglelabels": [IMAGE_LABELS[i % len(IMAGE_LABELS)]],
        },
    }


def annotated_text_body(first: int, last: int) -> bytes:
    """Tasks first..last-1 with one Choices annotation each (ls_baseline.md "With annotations")."""
    tasks = [{"data": {"text": task_text(i)}, "annotations": [ANNOTATION]} for i in range(first, last)]
    return json.dumps(tasks).encode()


def annotated_image_body(first: int, last: int) -> bytes:
    """Image tasks first..last-1 (`https://example.com/img/<i>.jpg`) with one rectangle annotation each."""
    tasks = [
        {
            "data": {"image": f"https://example.com/img/{i}.jpg"},
            "annotations": [{"result": [rectangle(i)], "lead_time": 1.0}],
        }
        for i in range(first, last)
    ]
    return json.dumps(tasks).encode()


def check_export(fmt: str, content: bytes, n: int) -> dict:
    """Untimed: the downloaded file holds n tasks (a fast wrong answer must not count); returns what it found."""
    if fmt in ("JSON", "JSON_MIN"):
        found = len(json.loads(content))
    elif fmt == "CSV":
        found = sum(1 for _ in csv.reader(io.StringIO(content.decode("utf-8")))) - 1
    elif fmt == "COCO":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            name = next((f for f in archive.namelist() if f.endswith(".json")), None)
            if name is None:
                raise BenchError(f"COCO export has no JSON file: {archive.namelist()[:10]}")
            coco = json.loads(archive.read(name))
        found = len(coco["images"])
        if len(coco["annotations"]) != n:
            raise BenchError(f"COCO export has {len(coco['annotations'])} annotations, expected {n}")
    else:
        raise ValueError(fmt)
    if found != n:
        raise BenchError(f"{fmt} export holds {found} tasks, expected {n}", body=content[:500].decode(errors="replace"))
    return {"tasks_in_file": found}


def sync_export(api: Api, project_id: int, fmt: str, n: int, timeout: float = 1800) -> dict:
    """`GET /api/projects/{id}/export?exportType=FMT`, timed until the whole file is read (redirects followed)."""
    started = time.perf_counter()
    response = api.request("GET", f"/api/projects/{project_id}/export?exportType={fmt}", timeout=timeout)
    content = response.content
    seconds = time.perf_counter() - started
    return {
        "format": fmt,
        "flow": "sync",
        "n": n,
        "seconds": round(seconds, 3),
        "bytes": len(content),
        "status": response.status_code,
        "redirects": [r.status_code for r in response.history],
        "content_type": response.headers.get("Content-Type"),
        **check_export(fmt, content, n),
    }


def snapshot_create(api: Api, project_id: int, timeout: float = 1800) -> dict:
    """The snapshot flow, first half: POST …/exports {"title": "bench"} → poll GET …/exports/{id} until completed."""
    started = time.perf_counter()
    export = api.post_json(f"/api/projects/{project_id}/exports/", {"title": "bench"}, expect=(200, 201))
    posted = time.perf_counter() - started
    export_id, polls = int(export["id"]), 0
    while export.get("status") != "completed":
        if export.get("status") == "failed":
            raise BenchError(f"export {export_id} failed", body=json.dumps(export)[:2000])
        if time.perf_counter() - started > timeout:
            raise BenchError(f"export {export_id} not completed after {timeout:.0f} s: {export.get('status')}")
        time.sleep(0.05)
        export = api.get_json(f"/api/projects/{project_id}/exports/{export_id}")
        polls += 1
    return {
        "export_id": export_id,
        "started": started,
        "post_s": round(posted, 3),
        "polls": polls,
        "completed_s": round(time.perf_counter() - started, 3),
    }


def snapshot_download(api: Api, project_id: int, stage: dict, n: int, timeout: float = 1800) -> dict:
    """Second half: GET …/exports/{id}/download (JSON), timed until read; seconds count from the POST."""
    downloading = time.perf_counter()
    response = api.request("GET", f"/api/projects/{project_id}/exports/{stage['export_id']}/download", timeout=timeout)
    content = response.content
    done = time.perf_counter()
    return {
        "format": "JSON",
        "flow": "snapshot",
        "n": n,
        "seconds": round(done - stage["started"], 3),
        "post_s": stage["post_s"],
        "completed_s": stage["completed_s"],
        "download_s": round(done - downloading, 3),
        "polls": stage["polls"],
        "bytes": len(content),
        "status": response.status_code,
        "redirects": [r.status_code for r in response.history],
        **check_export("JSON", content, n),
    }
