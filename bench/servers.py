"""Start, probe and stop the two servers under test: Skylabel and Label Studio 1.23.2.

Each server is spawned in its own session (so its pid is also its process-group id) and bound to 127.0.0.1 on a
free port. Stopping signals exactly that process group: SIGTERM, then SIGKILL after a grace period, and nothing
else on the machine. Every started server is also registered for an atexit stop, so an exception or Ctrl-C in the
harness never leaves one running.

Label Studio is started exactly as in ls_baseline.md (dev server, SQLite, legacy token from env), plus
LATEST_VERSION_CHECK=false so start-up does not depend on reaching pypi.org.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
from api import BenchError
from procfs import group_members

REPO = Path(__file__).resolve().parent.parent
LS_VENV = REPO / ".venv-ls"
LS_VERSION = "1.23.2"
CREDENTIALS_FILE = "bench-credentials.json"


@dataclass(frozen=True)
class Credentials:
    """The user both servers create at start-up; kept in the data dir so a reused dir keeps working."""

    username: str
    password: str
    token: str

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Credentials:
        path = data_dir / CREDENTIALS_FILE
        if path.exists():
            return cls(**json.loads(path.read_text()))
        if any(p.name != CREDENTIALS_FILE for p in data_dir.iterdir()):
            raise BenchError(
                f"{data_dir} already holds data but no {CREDENTIALS_FILE}; the user token is only set when the "
                "user is created, so pass an empty dir or one a previous bench run created"
            )
        creds = cls("bench@skylabel.local", secrets.token_urlsafe(16), secrets.token_hex(20))
        path.write_text(json.dumps(asdict(creds)))
        return creds


@dataclass(frozen=True)
class Target:
    name: str
    title: str

    def command(self, port: int, data_dir: Path) -> list[str]:
        if self.name == "skylabel":
            return [
                str(REPO / ".venv/bin/skylabel"),
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ]
        return [
            str(LS_VENV / "bin/label-studio"),
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "-p",
            str(port),
            "--data-dir",
            str(data_dir),
            "--enable-legacy-api-token",
            "--log-level",
            "WARNING",
        ]

    def env(self, creds: Credentials) -> dict[str, str]:
        env = dict(os.environ)
        if self.name == "skylabel":
            env.update(
                SKYLABEL_USERNAME=creds.username, SKYLABEL_PASSWORD=creds.password, SKYLABEL_USER_TOKEN=creds.token
            )
        else:
            env.update(
                LABEL_STUDIO_USERNAME=creds.username,
                LABEL_STUDIO_PASSWORD=creds.password,
                LABEL_STUDIO_USER_TOKEN=creds.token,
                LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
                DJANGO_DB="sqlite",
                LATEST_VERSION_CHECK="false",
            )
        return env


TARGETS = {"skylabel": Target("skylabel", "Skylabel"), "ls": Target("ls", "Label Studio")}


def ensure_ls_venv() -> None:
    """Create .venv-ls with Label Studio 1.23.2 if it is missing (it has conflicting pins, hence its own venv)."""
    if (LS_VENV / "bin/label-studio").exists():
        return
    print(f"creating {LS_VENV} with label-studio=={LS_VERSION} (takes a few minutes)", flush=True)
    subprocess.run(["python3", "-m", "venv", str(LS_VENV)], check=True)
    subprocess.run([str(LS_VENV / "bin/pip"), "install", "-q", f"label-studio=={LS_VERSION}"], check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_LIVE: set[Server] = set()


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):
        server.stop()


class Server:
    """One server process on a data dir; can be stopped and started again on the same dir."""

    def __init__(self, target: Target, data_dir: Path, creds: Credentials, log_path: Path):
        self.target = target
        self.data_dir = data_dir
        self.creds = creds
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def pid(self) -> int:
        assert self.proc is not None, "server not started"
        return self.proc.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float) -> float:
        """Spawn the server and return seconds from spawn to the first 200 on GET /api/version."""
        self.port = free_port()
        with open(self.log_path, "a") as log:
            log.write(f"\n==== {time.strftime('%H:%M:%S')} start on port {self.port}\n")
            log.flush()
            started = time.perf_counter()
            self.proc = subprocess.Popen(
                self.target.command(self.port, self.data_dir),
                env=self.target.env(self.creds),
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _LIVE.add(self)
        elapsed = self._wait_ready(started, timeout)
        return elapsed

    def _wait_ready(self, started: float, timeout: float) -> float:
        url = self.base_url + "/api/version"
        last = "no answer"
        with requests.Session() as probe:
            while time.perf_counter() - started < timeout:
                if self.proc.poll() is not None:
                    raise BenchError(
                        f"{self.target.title} exited with code {self.proc.returncode} before it was "
                        f"ready; log tail:\n{self.log_tail()}"
                    )
                try:
                    response = probe.get(url, timeout=5)
                    if response.status_code == 200:
                        return time.perf_counter() - started
                    last = f"{response.status_code} {response.text[:300]}"
                except requests.RequestException as exc:
                    last = type(exc).__name__
                time.sleep(0.01)
        raise BenchError(
            f"{self.target.title} not ready after {timeout:.0f} s (last answer: {last}); log tail:\n{self.log_tail()}"
        )

    def stop(self, grace: float = 30) -> None:
        """SIGTERM the server's process group, SIGKILL it after `grace` seconds; never touches other processes."""
        proc, self.proc = self.proc, None
        _LIVE.discard(self)
        if proc is None:
            return
        pgid = proc.pid  # start_new_session=True made the server its own group leader
        if proc.poll() is None:
            _signal_group(pgid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                _signal_group(pgid, signal.SIGKILL)
                proc.wait()
        if group_members(pgid):  # a child that ignored SIGTERM outlived the leader
            _signal_group(pgid, signal.SIGKILL)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
