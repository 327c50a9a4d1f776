"""CPU and memory readings for a server process tree, taken from /proc.

The benchmark host is shared with other jobs, so wall-clock times alone can mislead. Like the Label Studio
baseline (ls_baseline.md, "Caution about noise"), every phase also records the CPU seconds the server's process
tree used, the CPU the harness itself used, and what everything else on the machine used in the same window.
Server CPU is close to the uncontended wall time for a single-threaded server, so it is the fairer figure when
the machine was busy. Peak RSS is sampled every 100 ms (50 ms for imports) because VmHWM only covers the tree's
leader; import phases also reset the leader's VmHWM at the start (`clear_refs`), so its VmHWM at the end is the
leader's exact peak during the phase, spikes between two samples included. Both servers are one process today.
"""

from __future__ import annotations

import os
import resource
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:  # the process exited between listing and reading
        return None


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (index 0 is field 3, `state`)."""
    raw = _read(f"/proc/{pid}/stat")
    if raw is None:
        return None
    # The command name may contain spaces and parentheses, so split after the last ')'.
    return raw[raw.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """The root pid and all its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def group_members(pgid: int) -> list[int]:
    """Live pids whose process group is `pgid` (used to make sure a stopped server left nothing behind)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields and int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return members


def tree_cpu_seconds(root: int) -> float:
    """utime + stime (+ reaped children's) of every process in the tree, in seconds."""
    ticks = 0
    for pid in process_tree(root):
        fields = _stat_fields(pid)
        if fields:
            ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / CLK_TCK


def _status_kib(pid: int, key: str) -> int:
    raw = _read(f"/proc/{pid}/status") or ""
    for line in raw.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def tree_rss_mib(root: int) -> float:
    """Sum of VmRSS over the process tree, in MiB."""
    return sum(_status_kib(pid, "VmRSS") for pid in process_tree(root)) / 1024


def tree_memory_mib(root: int) -> tuple[float, float]:
    """(VmRSS, RssAnon) summed over the process tree, in MiB, from one read of each /proc/<pid>/status.

    RssAnon is the private heap; VmRSS also counts file pages mapped in, e.g. an SQLite database read through
    mmap, which the kernel can drop again under pressure.
    """
    rss = anon = 0
    for pid in process_tree(root):
        for line in (_read(f"/proc/{pid}/status") or "").splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
            elif line.startswith("RssAnon:"):
                anon += int(line.split()[1])
    return rss / 1024, anon / 1024


def hwm_mib(pid: int) -> float:
    """VmHWM (peak RSS) of one process, in MiB."""
    return _status_kib(pid, "VmHWM") / 1024


def reset_hwm(pid: int) -> bool:
    """Reset VmHWM of a process we own to its current RSS (writing 5 to clear_refs, Linux 4.0+)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def system_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (first line of /proc/stat)."""
    values = [int(v) for v in (_read("/proc/stat") or "cpu 0").splitlines()[0].split()[1:]]
    idle = sum(values[3:5])  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK  # guest time is already counted in user


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class PhaseMeter:
    """Measures one phase: `with PhaseMeter(pid) as meter: ...`, then `meter.result`.

    other_cpu_s is everything on the machine except the server tree and this harness, i.e. contention.
    With `peak=True` (imports) the leader's VmHWM is reset first, and `peak_mib` is the larger of the sampled tree
    peak and the leader's VmHWM at the end; `rss_before_mib` is the tree's RSS when the phase began. `peak_anon_mib`
    is the sampled peak of RssAnon alone (the heap, without mapped file pages).
    """

    def __init__(self, pid: int, interval: float = 0.1, peak: bool = False):
        self.pid = pid
        self.interval = interval
        self.peak = peak
        self.result: dict = {}
        self._stop = threading.Event()
        self._peak = 0.0
        self._peak_anon = 0.0
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            rss, anon = tree_memory_mib(self.pid)
            self._peak, self._peak_anon = max(self._peak, rss), max(self._peak_anon, anon)
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> PhaseMeter:
        self._hwm_reset = reset_hwm(self.pid) if self.peak else False
        self._rss0, self._anon0 = tree_memory_mib(self.pid)
        self._load = os.getloadavg()[0]
        self._server0 = tree_cpu_seconds(self.pid)
        self._system0 = system_busy_seconds()
        self._own0 = own_cpu_seconds()
        self._t0 = time.perf_counter()
        self._sampler.start()
        return self

    def __exit__(self, *exc) -> None:
        wall = time.perf_counter() - self._t0
        self._stop.set()
        self._sampler.join()
        server = tree_cpu_seconds(self.pid) - self._server0
        own = own_cpu_seconds() - self._own0
        system = system_busy_seconds() - self._system0
        self.result = {
            "wall_s": round(wall, 3),
            "server_cpu_s": round(server, 2),
            "client_cpu_s": round(own, 2),
            "other_cpu_s": round(max(0.0, system - server - own), 2),
            "peak_rss_mib": round(self._peak, 1),
            "peak_anon_mib": round(self._peak_anon, 1),
            "rss_before_mib": round(self._rss0, 1),
            "anon_before_mib": round(self._anon0, 1),
            "loadavg_1m_at_start": round(self._load, 2),
        }
        if self.peak:
            hwm = hwm_mib(self.pid) if self._hwm_reset else 0.0
            self.result["leader_hwm_mib"] = round(hwm, 1) if self._hwm_reset else None
            self.result["peak_mib"] = round(max(self._peak, hwm), 1)
