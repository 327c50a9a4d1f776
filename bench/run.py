"""`make bench`: run the same scenarios against Skylabel and Label Studio 1.23.2, side by side, on this machine.

The targets run one after the other (never at the same time, they would compete for the same cores), each on a
fresh data dir in a temp folder, with the exact requests of ls_baseline.md. Per target:

  first start → import N tasks as one body → list page 1 and a deep page → 2×A annotation writes (sequential,
  then 8 clients) → 3 restarts on the now-populated data dir → idle RSS 10 s after the last restart → import N
  tasks as a CSV file upload → import N/10 tasks with one prediction each → (Skylabel only, as Label Studio has no
  drop folder) drop-folder JSONL files of N/10, N and, if the N file projects to ≤ 60 s, 10×N lines → exports of 10k and
  100k annotated tasks (1k and 10k with --quick): JSON, JSON_MIN, CSV from a text project and COCO from an image
  project (both built by importing tasks with one annotation each, untimed), each through the synchronous
  `GET /api/projects/{id}/export?exportType=…` after an untimed restart, timed until the whole file is read, with
  the server's peak RSS; plus the snapshot flow (POST …/exports → poll until completed → download) for JSON.
  Label Studio exports the larger size only where the smaller size projects to ≤ 400 s.

Every import runs in a project of its own and records the server's peak RSS during it (sampled every 50 ms, plus
the leader's VmHWM reset at the start); every import after the first follows an untimed restart, so each starts
from the same idle process. `--quick` divides every size by 10.

A failure stops that target only (its later phases depend on the earlier ones); the error is reported with the
server's status and body, the server is stopped, and the other target still runs. Results go to
bench/results/<timestamp>.json (gitignored) with server logs beside it, and a markdown table is printed.

    .venv/bin/python bench/run.py [--target skylabel|ls|both] [--quick] [--reuse-ls-data DIR] [--keep-data]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

import scenarios
from api import Api, BenchError
from procfs import PhaseMeter, hwm_mib, own_cpu_seconds, system_busy_seconds, tree_cpu_seconds, tree_rss_mib
from report import _short, build_rows, cpu_table, markdown_table, notes
from servers import CREDENTIALS_FILE, REPO, TARGETS, Credentials, Server, Target, ensure_ls_venv

RESULTS = REPO / "bench" / "results"
START_TIMEOUT_S = {"skylabel": 60, "ls": 300}  # LS needs ~46 s quiet, up to 75 s contended, on an empty dir
SCALES = {
    "full": {"n": 100_000, "annotations": 1000, "deep_page": 900, "predictions": 10_000, "exports": [10_000, 100_000]},
    "quick": {"n": 10_000, "annotations": 100, "deep_page": 90, "predictions": 1_000, "exports": [1_000, 10_000]},
}
# Label Studio exports the larger size only where the smaller one projects (linearly) to at most this; 400 s is
# "under 40 s at 10k" for the full run. Otherwise the report compares with the smaller size scaled, as an estimate.
LS_EXPORT_BUDGET_S = 400
DROP_FACTORS = (0.1, 1, 10)  # drop-folder sizes as multiples of N: the memory-flatness series
DROP_BUDGET_S = 60  # the 10×N drop runs only if 10× the N drop's time fits in this
LIST_REPEATS = 20
RESTARTS = 3
IDLE_WAIT_S = 10
WRITERS = 8


def timed_start(server: Server, timeout: float) -> dict:
    """Start the server; seconds from spawn to the first 200 on /api/version, and the CPU spent getting there."""
    system0, own0 = system_busy_seconds(), own_cpu_seconds()
    seconds = server.start(timeout)
    server_cpu = tree_cpu_seconds(server.pid)  # a new process: all of its CPU so far went into starting
    other = system_busy_seconds() - system0 - server_cpu - (own_cpu_seconds() - own0)
    return {
        "seconds": round(seconds, 3),
        "cpu": {
            "wall_s": round(seconds, 3),
            "server_cpu_s": round(server_cpu, 2),
            "other_cpu_s": round(max(other, 0), 2),
        },
    }


class TargetRun:
    """All phases for one server; each phase stores its figures under its own key in `self.result`."""

    def __init__(self, target: Target, params: dict, data_dir: Path, reused: bool, log_path: Path):
        self.target = target
        self.params = params
        self.data_dir = data_dir
        self.reused = reused
        self.result: dict = {
            "target": target.name,
            "title": target.title,
            "data_dir": str(data_dir),
            "reused_data_dir": reused,
            "log": str(log_path),
            "error": None,
            "failed_phase": None,
        }
        self.empty_dir = not any(p.name != CREDENTIALS_FILE for p in data_dir.iterdir())
        self.creds = Credentials.for_data_dir(data_dir)
        self.server = Server(target, data_dir, self.creds, log_path)
        self.timeout = START_TIMEOUT_S[target.name]
        self.api: Api | None = None
        self.project_id = 0
        self.project_ids: list[int] = []
        self.task_ids: list[int] = []
        self.ready_at = 0.0

    def say(self, message: str) -> None:
        print(f"[{self.target.name} {time.strftime('%H:%M:%S')}] {message}", flush=True)

    def new_api(self) -> Api:
        return Api(self.server.base_url, self.creds.token)

    def run(self) -> None:
        phases = [
            self.first_start,
            self.setup,
            self.import_tasks,
            self.list_pages,
            self.annotate_sequential,
            self.annotate_concurrent,
            self.restarts,
            self.idle_rss,
            self.import_csv,
            self.import_predictions,
            self.drop_imports,
            self.exports,
            self.cleanup,
        ]
        phase = "init"
        try:
            for step in phases:
                phase = step.__name__
                step()
        except Exception as exc:  # any failure ends this target; report it and move on
            self.result["failed_phase"] = phase
            self.result["error"] = exc.as_dict() if isinstance(exc, BenchError) else {"message": repr(exc)}
            self.result["error"]["traceback"] = traceback.format_exc(limit=3)
            self.say(f"FAILED in {phase}: {exc}")
            if isinstance(exc, BenchError) and exc.status is not None:
                self.say(f"  status {exc.status}, body: {exc.body}")
        except BaseException:  # Ctrl-C or SIGTERM: keep the partial figures, stop the server, then leave
            self.result["failed_phase"] = phase
            self.result["error"] = {"message": "interrupted"}
            raise
        finally:
            if self.api:
                self.api.close()
            self.server.stop()

    def first_start(self) -> None:
        what = "empty" if self.empty_dir else "existing"
        self.say(f"starting on {what} data dir {self.data_dir}")
        self.result["first_start"] = timed_start(self.server, self.timeout) | {"empty_data_dir": self.empty_dir}
        self.say(f"ready after {self.result['first_start']['seconds']:.2f} s on port {self.server.port}")

    def setup(self) -> None:
        self.api = self.new_api()
        self.result["version"] = self.api.get_json("/api/version")
        scenarios.check_auth(self.api)
        self.project_id = self.new_project("")
        self.result["project_id"] = self.project_id

    def new_project(self, what: str, image: bool = False) -> int:
        title = f"bench {time.strftime('%Y-%m-%d %H:%M:%S')}{' ' + what if what else ''}"
        create = scenarios.create_image_project if image else scenarios.create_project
        project_id = create(self.api, title)
        self.project_ids.append(project_id)
        return project_id

    def fresh_server(self) -> float:
        """Untimed restart before an import, so each import starts from the same idle process."""
        self.api.close()
        self.server.stop()
        seconds = self.server.start(self.timeout)
        self.api = self.new_api()
        return round(seconds, 3)

    def _import(self, key: str, what: str, project_id: int, body: bytes, n: int, content_type: str) -> None:
        self.say(f"importing {n:,} tasks {what}")
        with PhaseMeter(self.server.pid, interval=0.05, peak=True) as meter:
            figures = scenarios.import_tasks(self.api, project_id, body, n, content_type)
        self.result[key] = figures | {"project_id": project_id, "cpu": meter.result}
        self.say(
            f"  {figures['tasks_per_s']:,.0f} tasks/s, listable after {figures['listable_s']:.2f} s, peak RSS "
            f"{meter.result['peak_mib']:,.0f} MiB (from {meter.result['rss_before_mib']:,.0f})"
        )

    def import_tasks(self) -> None:
        n = self.params["n"]
        self._import("import", "as one body", self.project_id, scenarios.import_body(n), n, "application/json")

    def import_csv(self) -> None:
        n = self.params["n"]
        restart_s = self.fresh_server()
        project_id = self.new_project("csv")
        body, content_type = scenarios.multipart_file("tasks.csv", scenarios.csv_body(n), "text/csv")
        self._import("import_csv", "as a CSV file upload", project_id, body, n, content_type)
        self.result["import_csv"]["restart_before_s"] = restart_s

    def import_predictions(self) -> None:
        n = self.params["predictions"]
        restart_s = self.fresh_server()
        project_id = self.new_project("predictions")
        body = scenarios.predictions_body(n)
        self._import("import_predictions", "with one prediction each", project_id, body, n, "application/json")
        self.result["import_predictions"]["restart_before_s"] = restart_s

    def drop_imports(self) -> None:
        """Skylabel only: drop-folder JSONL files of growing size, each after a restart, for time and memory."""
        if self.target.name != "skylabel":
            return
        sizes = [round(self.params["n"] * f) for f in DROP_FACTORS]
        section: dict = {"sizes": sizes, "budget_s": DROP_BUDGET_S, "runs": [], "skipped": None}
        self.result["drop"] = section
        for n in sizes:
            if n > self.params["n"] and section["runs"]:
                projected = section["runs"][-1]["listable_s"] * n / section["runs"][-1]["n"]
                if projected > DROP_BUDGET_S:
                    section["skipped"] = {"n": n, "projected_s": round(projected, 1)}
                    self.say(f"skipping the {n:,}-line drop: projected {projected:.0f} s > {DROP_BUDGET_S} s")
                    continue
            restart_s = self.fresh_server()
            project_id = self.new_project(f"drop {n}")
            self.say(f"dropping a {n:,}-line JSONL file into drop/{project_id}/")
            staged = scenarios.stage_jsonl(self.data_dir, project_id, n)
            with PhaseMeter(self.server.pid, interval=0.05, peak=True) as meter:
                figures = scenarios.drop_import(self.api, project_id, self.data_dir / "drop", staged["path"], n)
            figures |= {"file_mb": staged["file_mb"], "write_s": staged["write_s"]}
            section["runs"].append(
                figures | {"project_id": project_id, "restart_before_s": restart_s, "cpu": meter.result}
            )
            self.say(
                f"  {figures['tasks_per_s']:,.0f} tasks/s, listable {figures['listable_s']:.2f} s after the file "
                f"landed (handoff {figures['handoff_s']} s, job {figures['job_duration_s']} s), peak RSS "
                f"{meter.result['peak_mib']:,.0f} MiB (from {meter.result['rss_before_mib']:,.0f})"
            )

    def exports(self) -> None:
        """JSON, JSON_MIN, CSV (text project) and COCO (image project) at two sizes, plus the snapshot flow.

        Both projects are built at the small size, exported, then grown to the large size by importing the rest
        (untimed) and exported again. Every export follows an untimed restart, so each starts from the same idle
        process and its peak RSS is comparable across sizes. Label Studio's large exports run only where the
        small one projects to ≤ LS_EXPORT_BUDGET_S; its snapshot only at the small size.
        """
        small, large = self.params["exports"]
        section: dict = {
            "sizes": [small, large],
            "budget_s": LS_EXPORT_BUDGET_S,
            "builds": [],
            "runs": [],
            "skipped": [],
        }
        self.result["exports"] = section
        projects = {"text": self.new_project("export text"), "image": self.new_project("export image", image=True)}
        section["projects"] = projects
        for kind in projects:
            self._build(section, kind, projects[kind], 0, small)
        for fmt in scenarios.TEXT_FORMATS:
            self._export(section, projects["text"], fmt, small)
        for fmt in scenarios.IMAGE_FORMATS:
            self._export(section, projects["image"], fmt, small)
        self._export(section, projects["text"], "JSON", small, snapshot=True)
        for kind, formats in (("text", scenarios.TEXT_FORMATS), ("image", scenarios.IMAGE_FORMATS)):
            wanted = [fmt for fmt in formats if self._large_wanted(section, fmt, "sync")]
            if kind == "text" and self._large_wanted(section, "JSON", "snapshot"):
                wanted.append("snapshot")
            if not wanted:
                continue
            self._build(section, kind, projects[kind], small, large)
            for fmt in wanted:
                if fmt == "snapshot":
                    self._export(section, projects[kind], "JSON", large, snapshot=True)
                else:
                    self._export(section, projects[kind], fmt, large)

    def _build(self, section: dict, kind: str, project_id: int, first: int, last: int) -> None:
        """Untimed for the table: import tasks first..last-1 with one annotation each (figures kept anyway)."""
        body = (scenarios.annotated_text_body if kind == "text" else scenarios.annotated_image_body)(first, last)
        n = last - first
        self.say(f"building the {kind} export project: importing {n:,} annotated tasks ({len(body) / 1e6:.0f} MB)")
        figures = scenarios.import_tasks(self.api, project_id, body, n, total=last)
        section["builds"].append(figures | {"kind": kind, "project_id": project_id, "total": last})
        self.say(f"  {figures['tasks_per_s']:,.0f} tasks/s ({figures['listable_s']:.1f} s)")

    def _large_wanted(self, section: dict, fmt: str, flow: str) -> bool:
        small, large = section["sizes"]
        if self.target.name == "skylabel":
            return True
        if flow == "snapshot":
            reason = "the snapshot flow is timed at the large size for Skylabel only"
            section["skipped"].append({"format": fmt, "flow": flow, "n": large, "reason": reason})
            return False
        run = next((r for r in section["runs"] if (r["format"], r["flow"], r["n"]) == (fmt, flow, small)), None)
        if run is None:
            return False
        projected = run["seconds"] * large / small
        if projected <= LS_EXPORT_BUDGET_S:
            return True
        reason = (
            f"{_short(small)} took {run['seconds']:.1f} s, projecting {projected:.0f} s at {_short(large)} "
            f"(> {LS_EXPORT_BUDGET_S} s budget)"
        )
        section["skipped"].append(
            {"format": fmt, "flow": flow, "n": large, "reason": reason, "projected_s": round(projected, 1)}
        )
        self.say(f"not exporting {fmt} at {large:,}: {reason}")
        return False

    def _export(self, section: dict, project_id: int, fmt: str, n: int, snapshot: bool = False) -> None:
        restart_s = self.fresh_server()
        flow = "snapshot" if snapshot else "sync"
        self.say(f"exporting {n:,} annotated tasks as {fmt} ({flow})")
        stages = {}
        with PhaseMeter(self.server.pid, interval=0.05, peak=True) as meter:
            if snapshot:  # the job and the download also metered apart: which one holds the memory
                with PhaseMeter(self.server.pid, interval=0.05) as job_meter:
                    stage = scenarios.snapshot_create(self.api, project_id)
                with PhaseMeter(self.server.pid, interval=0.05) as download_meter:
                    figures = scenarios.snapshot_download(self.api, project_id, stage, n)
                stages = {"stages": {"job": job_meter.result, "download": download_meter.result}}
            else:
                figures = scenarios.sync_export(self.api, project_id, fmt, n)
        section["runs"].append(
            figures | {"project_id": project_id, "restart_before_s": restart_s, "cpu": meter.result} | stages
        )
        self.say(
            f"  {figures['seconds']:.2f} s, {figures['bytes'] / 1e6:.1f} MB, peak RSS {meter.result['peak_mib']:,.0f} "
            f"MiB (from {meter.result['rss_before_mib']:,.0f}), server CPU {meter.result['server_cpu_s']:.1f} s"
        )
        for name, stage_meter in (stages.get("stages") or {}).items():
            peak = stage_meter["peak_rss_mib"]
            self.say(f"    {name}: {stage_meter['wall_s']:.2f} s, sampled peak RSS {peak:,.0f} MiB")

    def list_pages(self) -> None:
        for key, page in (("list_page_1", 1), ("list_page_deep", self.params["deep_page"])):
            with PhaseMeter(self.server.pid) as meter:
                figures = scenarios.list_latency(self.api, self.project_id, page, LIST_REPEATS)
            self.result[key] = figures | {"cpu": meter.result}
            self.say(f"list page {page}: median {figures['median_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms")
        count = 2 * self.params["annotations"]
        self.task_ids = scenarios.collect_task_ids(self.api, self.project_id, count)

    def _annotate(self, key: str, ids: list[int], workers: int) -> None:
        with PhaseMeter(self.server.pid) as meter:
            figures = scenarios.annotate(self.new_api, ids, workers)
        cpu_per_write = meter.result["server_cpu_s"] / max(figures["ok"], 1) * 1000
        self.result[key] = figures | {"cpu": meter.result, "server_cpu_ms_per_write": round(cpu_per_write, 2)}
        self.say(
            f"{len(ids)} annotations, {workers} client(s): {figures['req_per_s']:.1f} req/s, "
            f"median {figures['median_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, {figures['errors']} errors"
        )

    def annotate_sequential(self) -> None:
        self._annotate("annotate_sequential", self.task_ids[: self.params["annotations"]], 1)

    def annotate_concurrent(self) -> None:
        self._annotate("annotate_concurrent", self.task_ids[self.params["annotations"] :], WRITERS)

    def restarts(self) -> None:
        self.api.close()
        samples = []
        for i in range(RESTARTS):
            self.server.stop()
            samples.append(timed_start(self.server, self.timeout))
            self.say(f"restart {i + 1}/{RESTARTS}: ready after {samples[-1]['seconds']:.2f} s")
        self.result["restart"] = {
            "n": RESTARTS,
            "samples_s": [s["seconds"] for s in samples],
            "median_s": statistics.median(s["seconds"] for s in samples),
            "server_cpu_to_ready_s": [s["cpu"]["server_cpu_s"] for s in samples],
        }
        self.ready_at = time.perf_counter()
        self.api = self.new_api()

    def idle_rss(self) -> None:
        time.sleep(max(0.0, IDLE_WAIT_S - (time.perf_counter() - self.ready_at)))
        pid = self.server.pid
        self.result["idle_rss"] = {
            "after_s": IDLE_WAIT_S,
            "rss_mib": round(tree_rss_mib(pid), 1),
            "leader_hwm_mib": round(hwm_mib(pid), 1),
        }
        self.say(f"idle RSS {self.result['idle_rss']['rss_mib']:.0f} MiB")

    def cleanup(self) -> None:
        """A reused data dir would grow by N tasks per run, skewing the next one; drop the bench projects."""
        if self.reused:
            self.say("deleting the bench projects from the reused data dir (untimed)")
            for project_id in self.project_ids:
                self.api.request("DELETE", f"/api/projects/{project_id}", expect=(204,))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=("skylabel", "ls", "both"), default="both")
    parser.add_argument(
        "--quick", action="store_true", help="10x smaller sizes (10k tasks, 100+100 annotations, 1k predictions)"
    )
    parser.add_argument(
        "--reuse-ls-data",
        metavar="DIR",
        help="Label Studio data dir to use (created if missing; "
        "kept afterwards). Skips LS's ~46 s first start on later runs.",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data dirs")
    return parser.parse_args(argv)


def _exit_on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop the servers


def run_one(name: str, args: argparse.Namespace, params: dict, stamp: str, results: dict) -> None:
    """Run one target into results[name]; the dict is filled as phases finish, so an interruption keeps them."""
    target = TARGETS[name]
    if name == "ls":
        ensure_ls_venv()
    reuse = Path(args.reuse_ls_data).resolve() if name == "ls" and args.reuse_ls_data else None
    if reuse:
        reuse.mkdir(parents=True, exist_ok=True)
    data_dir = reuse or Path(tempfile.mkdtemp(prefix=f"skylabel-bench-{name}-"))
    try:
        run = TargetRun(target, params, data_dir, bool(reuse), RESULTS / f"{stamp}-{name}.log")
        results[name] = run.result
        run.run()
    except BenchError as exc:  # raised before the server started, e.g. an unusable --reuse-ls-data dir
        print(f"[{name}] FAILED: {exc}", flush=True)
        results[name] = {"target": name, "title": target.title, "error": exc.as_dict(), "failed_phase": "init"}
    finally:
        if not reuse and not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)


def write(path: Path, doc: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2))
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}.json"
    params = {**SCALES["quick" if args.quick else "full"], "quick": args.quick}
    names = ["skylabel", "ls"] if args.target == "both" else [args.target]
    doc = {
        "meta": {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "argv": sys.argv[1:],
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_at_start": os.getloadavg(),
        },
        "params": params
        | {
            "list_repeats": LIST_REPEATS,
            "restarts": RESTARTS,
            "idle_wait_s": IDLE_WAIT_S,
            "writers": WRITERS,
            "drop_factors": DROP_FACTORS,
            "drop_budget_s": DROP_BUDGET_S,
            "ls_export_budget_s": LS_EXPORT_BUDGET_S,
        },
        "results": {},
    }
    try:
        for name in names:
            run_one(name, args, params, stamp, doc["results"])
            write(out, doc)
    finally:
        doc["meta"]["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        doc["meta"]["loadavg_at_end"] = os.getloadavg()
        doc["rows"] = build_rows(doc["results"], params)
        doc["notes"] = notes(doc["results"])
        write(out, doc)
        scale = "quick" if args.quick else "full"
        print(f"\n## Skylabel vs Label Studio 1.23.2 ({scale} run, N={params['n']:,})\n")
        print(markdown_table(doc["rows"]))
        print("\n" + "\n".join(doc["notes"]))
        print("\nServer CPU per phase (the machine is shared; 'other' is everything else running meanwhile):\n")
        print(cpu_table(doc["results"]))
        for res in doc["results"].values():
            if res.get("error"):
                print(f"\n{res['title']} failed in {res['failed_phase']}: {res['error']['message']}")
        print(f"\nresults: {out.relative_to(REPO)}")
    return 1 if any(res.get("error") for res in doc["results"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
