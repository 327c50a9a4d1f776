"""Turn the per-target results into the comparison table, with the published baseline and the project's targets.

Every row states one number per server and a ratio expressed as "how many times better Skylabel is" (throughput:
Skylabel / LS; latency, start-up and memory: LS / Skylabel), so the target column reads the same way everywhere.
The ratio uses Label Studio as measured in the same run when there is one, because both then shared the same
machine load; otherwise it falls back to the ls_baseline.md figure and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# ls_baseline.md, "Results" (quiet figures where there are two). Keyed by scenario; "quick" rows are the baseline at
# the quick run's scale where the baseline has one.
BASELINE = {
    "import": {"full": (3650.0, "3,650 tasks/s (27.4 s, 100k)"), "quick": (2900.0, "2,900 tasks/s (3.44 s, 10k)")},
    "list_page_1": (216.0, "216 ms median (quiet, 100k)"),
    "list_page_deep": (215.0, "215 ms median (page 900 of 100k)"),
    "annotate_sequential": (7.2, "7.2 req/s (med 132 / p95 212 ms)"),
    "annotate_concurrent": (7.7, "7.7 req/s (med 960 / p95 1,740 ms)"),
    "restart": (4.9, "4.9 s (4.4–5.4)"),
    "idle_rss": (334.0, "333–335 MiB"),
    "first_start": (46.0, "46 s (empty dir)"),
}
CPU_PHASES = ("first_start", "import", "list_page_1", "list_page_deep", "annotate_sequential", "annotate_concurrent")


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    value: Callable[[dict], float]  # the number the ratio is computed from
    show: Callable[[dict], str]
    higher_is_better: bool
    target: Callable[[float, float | None], tuple[str, bool]] | None  # (skylabel value, ratio) -> (text, met)


def _ratio_at_least(factor: float) -> Callable[[float, float | None], tuple[str, bool]]:
    return lambda _value, ratio: (f"≥{factor:g}x", ratio is not None and ratio >= factor)


def _latency(section: dict) -> str:
    return f"{section['median_ms']:,.1f} ms (p95 {section['p95_ms']:,.1f})"


def _writes(section: dict) -> str:
    errors = f", {section['errors']} errors" if section["errors"] else ""
    return (
        f"{section['req_per_s']:,.1f} req/s (med {section['median_ms']:,.1f} / p95 {section['p95_ms']:,.1f} ms{errors})"
    )


ROWS = (
    Row(
        "import",
        "Import {n:,} tasks, one body (until listable)",
        lambda s: s["tasks_per_s"],
        lambda s: f"{s['tasks_per_s']:,.0f} tasks/s ({s['listable_s']:.2f} s)",
        True,
        _ratio_at_least(20),
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


def _baseline(key: str, quick: bool) -> tuple[float, str]:
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
        sky_section, ls_section = sky.get(row.key), ls.get(row.key)
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
                "ls": row.show(ls_section) if ls_section else "–",
                "baseline": base_text,
                "ratio": ratio,
                "ratio_against": against,
                "target": target_text,
                "met": met,
            }
        )
    return rows


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
    for phase in CPU_PHASES:
        cells = []
        for name in names:
            cpu = (results[name].get(phase) or {}).get("cpu")
            cells.append(f"{cpu['server_cpu_s']:.2f} / {cpu['wall_s']:.2f} / {cpu['other_cpu_s']:.2f}" if cpu else "–")
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
