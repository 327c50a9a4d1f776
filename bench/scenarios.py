"""The benchmark scenarios, written once and run unchanged against each server.

The workload copies ls_baseline.md so the Label Studio figures measured here can be checked against the
published baseline: the Text + Choices label config, ~200-char `grpNNN uidNNNNNNN word…` texts, one JSON import
body serialised before the clock starts, and import timed until the task list reports every task ("listable"),
because an asynchronous import that answers early must not look faster than it is. Latencies are client wall
times including reading the whole body; p95 is the nearest-rank percentile.
"""

from __future__ import annotations

import json
import math
import queue
import statistics
import threading
import time
from collections.abc import Callable

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


def import_tasks(api: Api, project_id: int, body: bytes, n: int, poll_timeout: float = 1800) -> dict:
    """POST the n tasks in `body` as one request; time until GET /api/tasks reports total == n."""
    started = time.perf_counter()
    response = api.request(
        "POST",
        f"/api/projects/{project_id}/import",
        expect=(200, 201, 202),
        data=body,
        headers={"Content-Type": "application/json"},
    )
    answered = time.perf_counter() - started
    total, polls = task_total(api, project_id), 1
    while total < n:
        if time.perf_counter() - started > poll_timeout:
            raise BenchError(f"import not listable after {poll_timeout:.0f} s: total {total} of {n}")
        time.sleep(0.05)
        total, polls = task_total(api, project_id), polls + 1
    listable = time.perf_counter() - started
    if total != n:
        raise BenchError(f"after importing {n} tasks the list reports total {total}")
    reply = response.json()
    return {
        "n": n,
        "body_mb": round(len(body) / 1e6, 2),
        "status": response.status_code,
        "post_s": round(answered, 3),
        "listable_s": round(listable, 3),
        "tasks_per_s": round(n / listable, 1),
        "polls": polls,
        "reply": {k: reply.get(k) for k in ("task_count", "duration", "import") if k in reply},
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
