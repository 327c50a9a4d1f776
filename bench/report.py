"""Turn the per-target results into the comparison table, with the published baseline and the project's targets.

Every row states one number per server and a ratio expressed as "how many times better Skylabel is" (throughput:
Skylabel / LS; latency, start-up and memory: LS / Skylabel), so the target column reads the same way everywhere.
The ratio uses Label Studio as measured in the same run when there is one, because both then shared the same
machine load; otherwise it falls back to the ls_baseline.md figure and says so.

Import rows also show each server's peak RSS during the import. The drop-folder rows are Skylabel's alone (Label
Studio has no drop folder): the plain drop import is compared with Label Studio's JSON-body import, and the
memory-flatness row compares Skylabel with itself (peak RSS at the largest file over the smallest).
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


def _ratio_at_least(factor: float) -> Callable[[float, float | None], tuple[str, bool]]:
    return lambda _value, ratio: (f"≥{factor:g}x", ratio is not None and ratio >= factor)


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
        base_value, base_text = _baseline(row.key, params["quick"])
        sky_section = row.sky_section(sky, params) if row.sky_section else sky.get(row.key)
        ls_section = row.ls_section(ls, params) if row.ls_section else ls.get(row.key)
        sky_value = row.value(sky_section) if sky_section else None
        ls_value = row.value(ls_section) if ls_section else None
        ratio, against = None, None
        if sky_value is not None:
            against = "measured" if ls_value is not None else "baseline"
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
    lines.append(
        "Peak RSS: VmRSS of the server's process tree sampled every 50 ms, and the leader's VmHWM reset at the "
        "start of each import (the larger is shown). Every import after the first runs right after an untimed "
        "restart, in its own project."
    )
    return lines


def markdown_table(rows: list[dict]) -> str:
    lines = [
        "| scenario | Skylabel | Label Studio (measured now) | LS baseline (ls_baseline.md) | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = "–"
        if row["ratio"] is not None:
            ratio = f"{row['ratio']:,.1f}x" + (" (vs baseline)" if row["ratio_against"] == "baseline" else "")
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
