"""Turn the per-target results into the comparison table, with the published baseline and the project's targets.

Every row states one number per server and a ratio expressed as "how many times better Skylabel is" (throughput:
Skylabel / LS; latency, start-up and memory: LS / Skylabel), so the target column reads the same way everywhere.
The ratio uses Label Studio as measured in the same run when there is one, because both then shared the same
machine load; otherwise it falls back to the ls_baseline.md figure and says so.

Import rows also show each server's peak RSS during the import. The drop-folder rows are Skylabel's alone (Label
Studio has no drop folder): the plain drop import is compared with Label Studio's JSON-body import, and the
memory-flatness row compares Skylabel with itself (peak RSS at the largest file over the smallest).

Export rows: seconds until the whole file is downloaded, per format and size, with each server's peak RSS. Where
Label Studio's large export was not run (its small one projected over the budget), its column shows the small
export scaled linearly, and the ratio is marked as against that estimate. The export-memory rows compare
Skylabel with itself (peak RSS at the large size over the small).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# ls_baseline.md, "Results" (quiet figures where there are two). Keyed by scenario; "quick" rows are the baseline at
# the quick run's scale where the baseline has one.
BASELINE = {
    "import": {"full": (3650.0, "3,650 tasks/s (27.4 s, 100k)"), "quick": (2900.0, "2,900 tasks/s (3.44 s, 10k)")},
    "import_rss": {
        "full": (748.0, "748 MiB sampled, 766 VmHWM (2nd 100k import; 685 / 712 in the 1st)"),
        "quick": (None, "+36 MiB over idle (10k, fresh server)"),
    },
    "import_csv": {
        "full": (3650.0, "no CSV figure; JSON body 3,650 tasks/s (100k)"),
        "quick": (2900.0, "no CSV figure; JSON body 2,900 tasks/s (10k)"),
    },
    "import_predictions": {
        "full": (462.0, "462 tasks/s (21.6 s, 10k)"),
        "quick": (459.0, "459 tasks/s (1k probe)"),
    },
    "drop": {
        "full": (3650.0, "no drop folder; JSON body 3,650 tasks/s (100k)"),
        "quick": (2900.0, "no drop folder; JSON body 2,900 tasks/s (10k)"),
    },
    "drop_flatness": (None, "– (no drop folder)"),
    "list_page_1": (216.0, "216 ms median (quiet, 100k)"),
    "list_page_deep": (215.0, "215 ms median (page 900 of 100k)"),
    "annotate_sequential": (7.2, "7.2 req/s (med 132 / p95 212 ms)"),
    "annotate_concurrent": (7.7, "7.7 req/s (med 960 / p95 1,740 ms)"),
    "restart": (4.9, "4.9 s (4.4–5.4)"),
    "idle_rss": (334.0, "333–335 MiB"),
    "first_start": (46.0, "46 s (empty dir)"),
}
# ls_baseline.md 6a–6g: legacy exports of 10k annotated tasks, and the snapshot flow (6d POST + 6e download).
EXPORT_BASELINE = {
    ("JSON", "sync"): (30.9, "30.9 s (6a, 11.7 MB)"),
    ("JSON_MIN", "sync"): (31.4, "31.4 s (6b, 4.2 MB)"),
    ("CSV", "sync"): (32.9, "32.9 s (6c, 2.9 MB)"),
    ("JSON", "snapshot"): (21.7, "21.7 s (6d 21.5 s + 6e 0.20 s)"),
}
EXPORT_BASELINE_N = 10_000
EXPORT_FORMATS = ("JSON", "JSON_MIN", "CSV", "COCO")
EXPORT_RSS_MAX = 1.5  # peak RSS at the large export size at most this many times the small size's
CPU_PHASES = (
    "first_start",
    "import",
    "list_page_1",
    "list_page_deep",
    "annotate_sequential",
    "annotate_concurrent",
    "import_csv",
    "import_predictions",
)
FLAT_MAX = 1.25  # "memory flat": peak RSS at the largest drop file at most this many times the smallest's


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    value: Callable[[dict], float]  # the number the ratio is computed from
    show: Callable[[dict], str]
    higher_is_better: bool
    target: Callable[[float, float | None], tuple[str, bool]] | None  # (skylabel value, ratio) -> (text, met)
    # Where a target's figures for this row are: (the target's results, params) -> section; default results[key].
    sky_section: Callable[[dict, dict], dict | None] | None = None
    ls_section: Callable[[dict, dict], dict | None] | None = None
    ls_show: Callable[[dict], str] | None = None  # how the LS cell shows its section; default `show`
    baseline: Callable[[dict], tuple[float | None, str]] | None = None  # (params) -> baseline; default BASELINE
    compare: bool = True  # False: the row has no Skylabel / LS ratio (a Skylabel-only target)


def _ratio_at_least(factor: float) -> Callable[[float, float | None], tuple[str, bool]]:
    return lambda _value, ratio: (f"≥{factor:g}x", None if ratio is None else ratio >= factor)


def _latency(section: dict) -> str:
    return f"{section['median_ms']:,.1f} ms (p95 {section['p95_ms']:,.1f})"


def _peak(section: dict) -> float:
    """Peak RSS of an import phase (older result files only have the sampled figure)."""
    cpu = section["cpu"]
    return cpu.get("peak_mib") or cpu["peak_rss_mib"]


def _rate(section: dict) -> str:
    return f"{section['tasks_per_s']:,.0f} tasks/s ({section['listable_s']:.2f} s), peak {_peak(section):,.0f} MiB"


def _rss(section: dict) -> str:
    before = section["cpu"].get("rss_before_mib")
    return f"{_peak(section):,.0f} MiB" + (f" (from {before:,.0f})" if before is not None else "")


def _drop_run(result: dict, params: dict) -> dict | None:
    runs = (result.get("drop") or {}).get("runs") or []
    return next((run for run in runs if run["n"] == params["n"]), None)


def _drop_rate(section: dict) -> str:
    job = f"; job alone {section['job_tasks_per_s']:,.0f} tasks/s" if section.get("job_tasks_per_s") else ""
    handoff = f", {section['handoff_s']:.2f} s of it folder polling" if section.get("handoff_s") is not None else ""
    return (
        f"{section['tasks_per_s']:,.0f} tasks/s ({section['listable_s']:.2f} s{handoff}{job}), "
        f"peak {_peak(section):,.0f} MiB"
    )


def _flatness(result: dict, _params: dict) -> dict | None:
    """Peak RSS per drop size and the ratio largest / smallest (needs at least two sizes)."""
    runs = (result.get("drop") or {}).get("runs") or []
    if len(runs) < 2:
        return None
    peaks = {run["n"]: _peak(run) for run in runs}
    anon = {run["n"]: run["cpu"].get("peak_anon_mib") for run in runs}
    smallest, largest = min(peaks), max(peaks)
    anon_ratio = anon[largest] / anon[smallest] if anon[largest] and anon[smallest] else None
    return {
        "peaks": peaks,
        "ratio": peaks[largest] / peaks[smallest],
        "anon_peaks": anon,
        "anon_ratio": anon_ratio,
        "smallest": smallest,
        "largest": largest,
    }


def _short(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k" if n >= 1000 else str(n)


def _flat_show(section: dict) -> str:
    peaks = " / ".join(f"{_short(n)}: {peak:,.0f}" for n, peak in sorted(section["peaks"].items()))
    text = f"{peaks} MiB → {section['ratio']:.2f}x ({_short(section['largest'])} / {_short(section['smallest'])})"
    if section["anon_ratio"] is not None:
        anon = " / ".join(f"{peak:,.0f}" for _, peak in sorted(section["anon_peaks"].items()))
        text += f"; heap alone (RssAnon) {anon} MiB → {section['anon_ratio']:.2f}x"
    return text


def _writes(section: dict) -> str:
    errors = f", {section['errors']} errors" if section["errors"] else ""
    return (
        f"{section['req_per_s']:,.1f} req/s (med {section['median_ms']:,.1f} / p95 {section['p95_ms']:,.1f} ms{errors})"
    )


ROWS = (
    Row(
        "import",
        "Import {n:,} tasks, one JSON body (until listable)",
        lambda s: s["tasks_per_s"],
        _rate,
        True,
        _ratio_at_least(20),
    ),
    Row(
        "import_rss",
        "Peak RSS during that JSON import",
        _peak,
        _rss,
        False,
        None,
        sky_section=lambda r, _p: r.get("import"),
        ls_section=lambda r, _p: r.get("import"),
    ),
    Row(
        "import_csv",
        "Import {n:,} tasks, CSV file upload (until listable)",
        lambda s: s["tasks_per_s"],
        _rate,
        True,
        _ratio_at_least(20),
    ),
    Row(
        "import_predictions",
        "Import {predictions:,} tasks with one prediction each, JSON body",
        lambda s: s["tasks_per_s"],
        _rate,
        True,
        _ratio_at_least(20),
    ),
    Row(
        "drop",
        "Import {n:,} tasks, drop-folder JSONL (Skylabel only; LS column: its JSON body) ¹",
        lambda s: s["tasks_per_s"],
        _drop_rate,
        True,
        _ratio_at_least(20),
        sky_section=_drop_run,
        ls_section=lambda r, _p: r.get("import"),
        ls_show=lambda s: "JSON body: " + _rate(s),
    ),
    Row(
        "drop_flatness",
        "Peak RSS, drop-folder JSONL as the file grows (Skylabel only) ²",
        lambda s: s["ratio"],
        _flat_show,
        False,
        lambda value, _ratio: (f"flat (≤{FLAT_MAX:g}x)", value <= FLAT_MAX),
        sky_section=_flatness,
        ls_section=lambda _r, _p: None,
    ),
    Row(
        "list_page_1", "Task list page 1, page_size 100", lambda s: s["median_ms"], _latency, False, _ratio_at_least(20)
    ),
    Row(
        "list_page_deep",
        "Task list page {deep_page}, page_size 100",
        lambda s: s["median_ms"],
        _latency,
        False,
        _ratio_at_least(20),
    ),
    Row(
        "annotate_sequential",
        "Annotation create, sequential ({annotations:,})",
        lambda s: s["req_per_s"],
        _writes,
        True,
        _ratio_at_least(50),
    ),
    Row(
        "annotate_concurrent",
        "Annotation create, 8 clients ({annotations:,})",
        lambda s: s["req_per_s"],
        _writes,
        True,
        _ratio_at_least(50),
    ),
    Row(
        "restart",
        "Start on existing data dir (median of 3)",
        lambda s: s["median_s"],
        lambda s: f"{s['median_s']:.2f} s",
        False,
        lambda value, _ratio: ("< 1 s", value < 1.0),
    ),
    Row(
        "idle_rss",
        "Idle RSS, 10 s after ready",
        lambda s: s["rss_mib"],
        lambda s: f"{s['rss_mib']:,.0f} MiB",
        False,
        lambda _value, ratio: ("< 1/3 of LS (≥3x)", ratio is not None and ratio >= 3),
    ),
    Row(
        "first_start",
        "First start (empty data dir unless reused)",
        lambda s: s["seconds"],
        lambda s: f"{s['seconds']:.2f} s",
        False,
        None,
    ),
)


def _export_run(result: dict, fmt: str, flow: str, n: int) -> dict | None:
    runs = (result.get("exports") or {}).get("runs") or []
    return next((r for r in runs if (r["format"], r["flow"], r["n"]) == (fmt, flow, n)), None)


def _export_skip(result: dict, fmt: str, flow: str, n: int) -> dict | None:
    skipped = (result.get("exports") or {}).get("skipped") or []
    return next((s for s in skipped if (s["format"], s["flow"], s["n"]) == (fmt, flow, n)), None)


def _ls_export(fmt: str, flow: str, index: int) -> Callable[[dict, dict], dict | None]:
    """Label Studio's run at that size; at the large size, if it was not run, the small run scaled linearly."""

    def section(result: dict, params: dict) -> dict | None:
        small, large = params["exports"]
        n = params["exports"][index]
        run = _export_run(result, fmt, flow, n)
        if run or index == 0:
            return run
        base = _export_run(result, fmt, flow, small)
        if base is None:
            return None
        skip = _export_skip(result, fmt, flow, n) or {}
        return {
            "estimate": True,
            "seconds": base["seconds"] * large / small,
            "from": base,
            "factor": large / small,
            "reason": skip.get("reason", "not measured"),
        }

    return section


def _export_show(section: dict) -> str:
    if section.get("estimate"):
        base = section["from"]
        return (
            f"not measured: {section['reason']}. Estimate {_short(base['n'])} × {section['factor']:g} = "
            f"≈{section['seconds']:,.0f} s"
        )
    text = f"{section['seconds']:,.2f} s"
    if section["flow"] == "snapshot":
        stages = section.get("stages") or {}
        job, download = (
            f", peak {stages[k]['peak_rss_mib']:,.0f} MiB" if k in stages else "" for k in ("job", "download")
        )
        text += (
            f" (POST {section['post_s']:.2f} s, completed at {section['completed_s']:.2f} s{job}; download "
            f"{section['download_s']:.2f} s{download})"
        )
    return text + f", {section['bytes'] / 1e6:,.2f} MB, peak {_peak(section):,.0f} MiB"


def _export_baseline(fmt: str, flow: str, index: int) -> Callable[[dict], tuple[float | None, str]]:
    def baseline(params: dict) -> tuple[float | None, str]:
        n = params["exports"][index]
        value, text = EXPORT_BASELINE.get((fmt, flow), (None, "–"))
        if value is None:
            return None, "– (no COCO figure)" if fmt == "COCO" else "–"
        if n == EXPORT_BASELINE_N:
            return value, text
        factor = n / EXPORT_BASELINE_N
        return value * factor, f"≈{value * factor:,.1f} s (estimate: {text.split(' (')[1][:-1]} × {factor:g})"

    return baseline


def _export_rss(fmt: str, flow: str = "sync") -> Callable[[dict, dict], dict | None]:
    """Peak RSS of the export at both sizes and their ratio (large / small); None until both ran."""

    def section(result: dict, params: dict) -> dict | None:
        small, large = (_export_run(result, fmt, flow, n) for n in params["exports"])
        if not small:
            return None
        peaks = {run["n"]: _peak(run) for run in (small, large) if run}
        anon = {run["n"]: run["cpu"].get("peak_anon_mib") for run in (small, large) if run}
        ratio = _peak(large) / _peak(small) if large else None
        anon_ratio = anon[large["n"]] / anon[small["n"]] if large and anon[large["n"]] and anon[small["n"]] else None
        return {
            "peaks": peaks,
            "anon_peaks": anon,
            "ratio": ratio,
            "anon_ratio": anon_ratio,
            "smallest": small["n"],
            "largest": large["n"] if large else None,
        }

    return section


def _export_rss_show(section: dict) -> str:
    peaks = " / ".join(f"{_short(n)}: {peak:,.0f}" for n, peak in sorted(section["peaks"].items()))
    if section["ratio"] is None:
        return f"{peaks} MiB (large size not measured)"
    text = f"{peaks} MiB → {section['ratio']:.2f}x"
    if section["anon_ratio"] is not None:
        anon = " / ".join(f"{peak:,.0f}" for _, peak in sorted(section["anon_peaks"].items()))
        text += f"; heap (RssAnon) {anon} MiB → {section['anon_ratio']:.2f}x"
    return text


def _export_rows() -> tuple[Row, ...]:
    rows: list[Row] = []
    for fmt in EXPORT_FORMATS:
        project = "image project, Image + RectangleLabels" if fmt == "COCO" else "text project"
        for index in (0, 1):
            rows.append(
                Row(
                    f"export_{fmt}_{index}",
                    f"Export {{exports[{index}]:,}} annotated tasks, {fmt} ({project}; GET /export, until downloaded)",
                    lambda s: s["seconds"],
                    _export_show,
                    False,
                    _ratio_at_least(30),
                    sky_section=lambda r, p, fmt=fmt, index=index: _export_run(r, fmt, "sync", p["exports"][index]),
                    ls_section=_ls_export(fmt, "sync", index),
                    baseline=_export_baseline(fmt, "sync", index),
                )
            )
    for index in (0, 1):
        rows.append(
            Row(
                f"export_snapshot_{index}",
                f"Snapshot export {{exports[{index}]:,}} annotated tasks, JSON (POST /exports → completed → download)",
                lambda s: s["seconds"],
                _export_show,
                False,
                _ratio_at_least(30),
                sky_section=lambda r, p, index=index: _export_run(r, "JSON", "snapshot", p["exports"][index]),
                ls_section=_ls_export("JSON", "snapshot", index),
                baseline=_export_baseline("JSON", "snapshot", index),
            )
        )
    for fmt in EXPORT_FORMATS:
        rows.append(
            Row(
                f"export_rss_{fmt}",
                f"Peak RSS, {fmt} export, {{exports[1]:,}} vs {{exports[0]:,}} tasks (target on Skylabel's own ratio)",
                lambda s: s["ratio"],
                _export_rss_show,
                False,
                lambda value, _ratio: (f"≤{EXPORT_RSS_MAX:g}x", value is not None and value <= EXPORT_RSS_MAX),
                sky_section=_export_rss(fmt),
                ls_section=_export_rss(fmt),
                baseline=lambda _p: (None, "459–498 MiB while exporting 10k (7c)"),
                compare=False,
            )
        )
    return tuple(rows)


ROWS = ROWS + _export_rows()


def _baseline(key: str, quick: bool) -> tuple[float | None, str]:
    entry = BASELINE[key]
    return entry["quick" if quick else "full"] if isinstance(entry, dict) else entry


def _ratio(row: Row, sky: float, ls: float) -> float | None:
    if not sky or not ls:
        return None
    return sky / ls if row.higher_is_better else ls / sky


def build_rows(results: dict, params: dict) -> list[dict]:
    """One dict per scenario: the displayed cells plus the raw numbers, for the JSON file and the table."""
    sky = results.get("skylabel") or {}
    ls = results.get("ls") or {}
    rows = []
    for row in ROWS:
        base_value, base_text = row.baseline(params) if row.baseline else _baseline(row.key, params["quick"])
        sky_section = row.sky_section(sky, params) if row.sky_section else sky.get(row.key)
        ls_section = row.ls_section(ls, params) if row.ls_section else ls.get(row.key)
        sky_value = row.value(sky_section) if sky_section else None
        ls_value = row.value(ls_section) if ls_section else None
        ratio, against = None, None
        if sky_value is not None and row.compare:
            against = "measured" if ls_value is not None else "baseline"
            if ls_section and ls_section.get("estimate"):
                against = "estimate"
            ratio = _ratio(row, sky_value, ls_value if ls_value is not None else base_value)
        target_text, met = ("", None)
        if row.target:
            target_text, met = row.target(sky_value, ratio) if sky_value is not None else (row.target(0, None)[0], None)
        rows.append(
            {
                "key": row.key,
                "scenario": row.label.format(**params),
                "skylabel": row.show(sky_section) if sky_section else "–",
                "ls": (row.ls_show or row.show)(ls_section) if ls_section else "–",
                "baseline": base_text,
                "skylabel_value": sky_value,
                "ls_value": ls_value,
                "ratio": ratio,
                "ratio_against": against,
                "target": target_text,
                "met": met,
            }
        )
    return rows


def notes(results: dict) -> list[str]:
    """The footnotes of the table: how the drop-folder rows were measured, and what this run did with them."""
    drop = (results.get("skylabel") or {}).get("drop") or {}
    runs = drop.get("runs") or []
    handoffs = [run["handoff_s"] for run in runs if run.get("handoff_s") is not None]
    measured = f" (measured here: {min(handoffs):.2f}–{max(handoffs):.2f} s)" if handoffs else ""
    lines = [
        "¹ Label Studio has no drop folder, so its JSON-body import is the comparison. Skylabel's figure runs from "
        "the moment the complete file is renamed into `<data dir>/drop/<project id>/` until the task list reports "
        "every task. It includes ~1–2 s of polling latency: the server scans the folder every second and takes a "
        f"file only once its size and mtime held still across two scans{measured}. "
        "'job alone' is the import job's own duration (validate pass + write pass).",
        f"² Peak RSS (VmRSS) of the whole server during each drop import, each on a freshly restarted server in its "
        f"own project; target: the largest file's peak at most {FLAT_MAX:g}x the smallest's. VmRSS includes the "
        "database file pages SQLite reads through mmap; RssAnon is the private heap alone (SQLite's page cache "
        "included).",
    ]
    skipped = drop.get("skipped")
    if skipped:
        lines.append(
            f"  The {skipped['n']:,}-line drop was skipped: projected {skipped['projected_s']:.0f} s from the "
            f"previous size, over the {drop.get('budget_s')} s budget."
        )
    lines.extend(_export_notes(results))
    lines.append(
        "Peak RSS: VmRSS of the server's process tree sampled every 50 ms, and the leader's VmHWM reset at the "
        "start of each import (the larger is shown). Every import after the first runs right after an untimed "
        "restart, in its own project."
    )
    return lines


def _export_notes(results: dict) -> list[str]:
    sky = (results.get("skylabel") or {}).get("exports")
    ls = (results.get("ls") or {}).get("exports")
    if not sky and not ls:
        return []
    budget = (sky or ls).get("budget_s")
    lines = [
        "Exports: each server holds a text project (Text + Choices) and an image project (Image + RectangleLabels, "
        'tasks `{"image": "https://example.com/img/<i>.jpg"}`, one rectangle each with original_width/height), '
        "built by importing tasks with one annotation each (untimed), first at the small size, then grown to the "
        "large one. Each export runs right after an untimed restart and is timed from the request until the whole "
        "file is read (client wall); the file is then checked to hold every task (untimed). Sync = "
        "`GET /api/projects/{id}/export?exportType=…` (Skylabel answers the file itself up to 20,000 tasks; above, "
        'it runs the export job and answers the finished file). Snapshot = `POST …/exports {"title": "bench"}`'
        " → poll `GET …/exports/{id}` until completed → `GET …/download`.",
        f"  Label Studio exports the large size only where its small export projects linearly to ≤ {budget} s "
        "(under 40 s at 10k); otherwise its cell shows the small export scaled linearly, an estimate, and the ratio "
        "says so.",
    ]
    for name, section in (("Skylabel", sky), ("Label Studio", ls)):
        for build in (section or {}).get("builds") or []:
            lines.append(
                f"  {name} build ({build['kind']} project, {build['n']:,} annotated tasks to {build['total']:,}): "
                f"{build['listable_s']:.2f} s, {build['tasks_per_s']:,.0f} tasks/s (untimed for the table)."
            )
        for skip in (section or {}).get("skipped") or []:
            lines.append(f"  {name} {skip['format']} {skip['flow']} at {skip['n']:,} not measured: {skip['reason']}.")
    return lines


def markdown_table(rows: list[dict]) -> str:
    lines = [
        "| scenario | Skylabel | Label Studio (measured now) | LS baseline (ls_baseline.md) | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = "–"
        if row["ratio"] is not None:
            against = {"baseline": " (vs baseline)", "estimate": " (vs LS estimate)"}.get(row["ratio_against"], "")
            ratio = f"{row['ratio']:,.1f}x{against}"
        target = row["target"] or "–"
        if row["met"] is not None:
            target += " met" if row["met"] else " NOT met"
        lines.append(
            f"| {row['scenario']} | {row['skylabel']} | {row['ls']} | {row['baseline']} | {ratio} | {target} |"
        )
    return "\n".join(lines)


def cpu_table(results: dict) -> str:
    """Server CPU seconds per phase, and what the rest of the machine used meanwhile (contention)."""
    names = [name for name in ("skylabel", "ls") if results.get(name)]
    if not names:
        return ""
    header = " | ".join(f"{results[n]['title']} server CPU s / wall s / other CPU s" for n in names)
    lines = [f"| phase | {header} |", "|---|" + "---|" * len(names)]
    phases: list[tuple[str, Callable[[dict], dict | None]]] = [
        (phase, lambda r, phase=phase: (r.get(phase) or {}).get("cpu")) for phase in CPU_PHASES
    ]
    sizes = sorted({run["n"] for n in names for run in (results[n].get("drop") or {}).get("runs") or []})
    for size in sizes:
        phases.append((f"drop {size:,}", lambda r, size=size: _drop_cpu(r, size)))
    exports = [(results[n].get("exports") or {}).get("runs") or [] for n in names]
    runs = [(r["format"], r["flow"], r["n"]) for runs_of in exports for r in runs_of]
    for fmt, flow, size in sorted(set(runs), key=lambda k: (k[2], k[1] == "snapshot", EXPORT_FORMATS.index(k[0]))):
        label = f"export {fmt} {_short(size)}" + (" (snapshot)" if flow == "snapshot" else "")
        phases.append((label, lambda r, k=(fmt, flow, size): (_export_run(r, *k) or {}).get("cpu")))
    for label, get in phases:
        cells = []
        for name in names:
            cpu = get(results[name])
            cells.append(f"{cpu['server_cpu_s']:.2f} / {cpu['wall_s']:.2f} / {cpu['other_cpu_s']:.2f}" if cpu else "–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _drop_cpu(result: dict, size: int) -> dict | None:
    runs = (result.get("drop") or {}).get("runs") or []
    return next((run["cpu"] for run in runs if run["n"] == size), None)
