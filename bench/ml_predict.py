"""ML-backend predictions for N tasks (default 10,000), Skylabel and Label Studio 1.23.2 side by side.

The same local ML backend (tests/mlbackend.py: the fixed-rule model of reference/ml_backend.md, on 127.0.0.1)
serves both servers, one after the other on fresh data dirs. Per target: import N tasks (untimed), connect the
backend (`POST /api/ml`), then time `POST /api/dm/actions?id=retrieve_tasks_predictions` over every task until
the project reports N predictions (Label Studio predicts inside the request; Skylabel runs a job and the request
waits for it a bounded time, so the clock runs until the count is reached either way). Reported: seconds,
tasks/s, how many /predict calls the backend saw and the largest batch.

    .venv/bin/python bench/ml_predict.py [--target skylabel|ls|both] [--n 10000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import scenarios
from api import Api
from servers import REPO, TARGETS, Credentials, Server, Target, ensure_ls_venv

sys.path.insert(0, str(REPO))
from tests.mlbackend import MLBackend  # noqa: E402 - the repo root is on the path only from here

RESULTS = REPO / "bench" / "results"
START_TIMEOUT_S = {"skylabel": 60, "ls": 300}


class LocalBackendTarget(Target):
    """Label Studio 1.23 refuses ML backends (and the webhook it registers for each) on loopback addresses unless
    its operator allows them (`ML_BLOCK_LOCAL_IP=false`, `USE_DEFAULT_BANNED_SUBNETS=false`); Skylabel's laptop
    runtime allows them by default."""

    def env(self, creds: Credentials) -> dict[str, str]:
        env = super().env(creds)
        if self.name == "ls":
            env.update(ML_BLOCK_LOCAL_IP="false", USE_DEFAULT_BANNED_SUBNETS="false")
        return env


def run_target(name: str, n: int, backend: MLBackend) -> dict:
    target = LocalBackendTarget(TARGETS[name].name, TARGETS[name].title)
    if name == "ls":
        ensure_ls_venv()
    data_dir = Path(tempfile.mkdtemp(prefix=f"skylabel-bench-ml-{name}-"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    server = Server(target, data_dir, Credentials.for_data_dir(data_dir), RESULTS / f"ml-predict-{name}.log")
    try:
        server.start(START_TIMEOUT_S[name])
        api = Api(server.base_url, server.creds.token)
        project_id = scenarios.create_project(api, f"ml bench {time.strftime('%H:%M:%S')}")
        scenarios.import_tasks(api, project_id, scenarios.import_body(n), n, "application/json")
        api.post_json("/api/ml", {"url": backend.url, "project": project_id, "title": "rules"})
        before = len(backend.calls("/predict"))
        started = time.perf_counter()
        api.request("POST", f"/api/dm/actions?id=retrieve_tasks_predictions&project={project_id}",
                    json={"selectedItems": {"all": True, "excluded": []}}, timeout=3600)
        answered = time.perf_counter() - started
        while True:
            total = api.get_json(f"/api/projects/{project_id}").get("total_predictions_number") or 0
            if total >= n or time.perf_counter() - started > 3600:
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        calls = backend.calls("/predict")[before:]
        api.close()
        return {"target": name, "n": n, "predictions": total, "seconds": round(seconds, 2),
                "answered_s": round(answered, 2), "tasks_per_s": round(total / seconds, 1),
                "predict_calls": len(calls), "largest_batch": max((len(c.body["tasks"]) for c in calls), default=0)}
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=("skylabel", "ls", "both"), default="both")
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args(argv)
    names = ["skylabel", "ls"] if args.target == "both" else [args.target]
    backend = MLBackend().start()
    results = []
    try:
        for name in names:
            backend.requests.clear()
            print(f"[{name}] predicting {args.n:,} tasks ...", flush=True)
            try:
                results.append(run_target(name, args.n, backend))
            except Exception as exc:  # one target failing must not hide the other's figures
                results.append({"target": name, "error": repr(exc)})
            print(f"[{name}] {json.dumps(results[-1])}", flush=True)
    finally:
        backend.stop()
    print(f"\n## Predictions from a local ML backend, N={args.n:,}\n")
    print("| server | seconds | tasks/s | /predict calls | largest batch |\n|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            print(f"| {TARGETS[r['target']].title} | failed: {r['error'][:80]} | | | |")
        else:
            print(f"| {TARGETS[r['target']].title} | {r['seconds']} | {r['tasks_per_s']:,} | {r['predict_calls']} | "
                  f"{r['largest_batch']:,} |")
    ok = {r["target"]: r for r in results if "error" not in r}
    if {"skylabel", "ls"} <= set(ok):
        print(f"\nSkylabel / Label Studio throughput: {ok['skylabel']['tasks_per_s'] / ok['ls']['tasks_per_s']:.2f}×")
    (RESULTS / f"ml-predict-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))
    return 0 if len(ok) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
