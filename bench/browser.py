"""`make bench` (browser part): time to editor ready and page weight, Skylabel vs Label Studio 1.23.2.

Each target runs alone on a fresh data dir: one text-classification project with one task, then
frontend/bench/editor-ready.mjs opens the page that labels that task in Debian's Chromium, signed in through the
server's own sign-in, cold cache each time (one warm-up, then N runs), and records when the editor's Submit button
appears, from navigation start. Skylabel's page is `/projects/{id}/label?task={id}`; Label Studio's is the Data
Manager with the task open (`/projects/{id}/data?task={id}`), which is where its users label one task.

    .venv/bin/python bench/browser.py [--target skylabel|ls|both] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from api import Api
from servers import REPO, TARGETS, Credentials, Server, ensure_ls_venv

RESULTS = REPO / "bench" / "results"
CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" showInline="true">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
</View>"""
TEXT = "The delivery was two days late, but the support team refunded the shipping without being asked."
START_TIMEOUT_S = {"skylabel": 60, "ls": 300}


def labeling_path(target: str, project_id: int, task_id: int) -> str:
    if target == "skylabel":
        return f"/projects/{project_id}/label?task={task_id}"
    return f"/projects/{project_id}/data?task={task_id}"


def measure(target: str, runs: int, work: Path) -> dict:
    data_dir = work / target
    data_dir.mkdir()
    creds = Credentials.for_data_dir(data_dir)
    server = Server(TARGETS[target], data_dir, creds, work / f"{target}.log")
    server.start(START_TIMEOUT_S[target])
    try:
        api = Api(server.base_url, creds.token)
        project = api.post_json("/api/projects", {"title": "Editor ready", "label_config": CONFIG})
        api.post_json(f"/api/projects/{project['id']}/import", [{"text": TEXT}])
        task_id = api.get_json("/api/tasks", params={"project": project["id"]})["tasks"][0]["id"]
        options = {"target": target, "baseURL": server.base_url, "email": creds.username, "password": creds.password,
                   "path": labeling_path(target, project["id"], task_id), "runs": runs}
        done = subprocess.run(["node", "bench/editor-ready.mjs", json.dumps(options)], cwd=REPO / "frontend",
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"{target}: editor-ready.mjs failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        server.stop()
    ready = [r["readyMs"] for r in result["runs"]]
    first = result["runs"][0]
    return {"ready_ms_median": statistics.median(ready), "ready_ms_min": min(ready), "ready_ms_max": max(ready),
            "js_gzip_kb": first["js"]["gzip"] / 1024, "css_gzip_kb": first["css"]["gzip"] / 1024,
            "js_raw_kb": first["js"]["raw"] / 1024, "css_raw_kb": first["css"]["raw"] / 1024, "runs": result["runs"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["skylabel", "ls", "both"], default="both")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    targets = ["skylabel", "ls"] if args.target == "both" else [args.target]
    if "ls" in targets:
        ensure_ls_venv()
    results = {}
    with tempfile.TemporaryDirectory(prefix="skylabel-bench-browser-") as tmp:
        for target in targets:
            results[target] = measure(target, args.runs, Path(tmp))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"browser-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print("| target | editor ready, median (min–max) | JS gzip | CSS gzip |\n|---|---|---|---|")
    for target, r in results.items():
        spread = f"{r['ready_ms_min']:.0f}–{r['ready_ms_max']:.0f}"
        print(f"| {TARGETS[target].title} | {r['ready_ms_median']:.0f} ms ({spread}) "
              f"| {r['js_gzip_kb']:.0f} KiB | {r['css_gzip_kb']:.0f} KiB |")
    if len(results) == 2:
        ratio = results["ls"]["ready_ms_median"] / results["skylabel"]["ready_ms_median"]
        print(f"\nready-time ratio LS/Skylabel: {ratio:.2f}×")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
