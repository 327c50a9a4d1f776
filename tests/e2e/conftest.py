"""End-to-end fixtures: one real `skylabel start` process per test session, driven over HTTP.

By default the session starts Skylabel as a subprocess (own process group, free port on 127.0.0.1, a temporary
data dir, stdout/stderr to a log file) with a known user and legacy token, waits for `GET /api/version`, and stops
it by pid at the end (SIGINT, then SIGKILL after 10 s).

To check the expectations against another server (e.g. a real Label Studio 1.23.2) set:

    SKYLABEL_E2E_URL=http://127.0.0.1:8080  SKYLABEL_E2E_TOKEN=<legacy token>
    SKYLABEL_E2E_PAT=<refresh JWT>    (optional: LS allows one active PAT per user, so a second run can't mint one)
    SKYLABEL_E2E_EMAIL=<user email>   (optional: enables the whoami e-mail check)

In that mode nothing is started, and only tests that need `POST /user/signup` (Skylabel's JSON signup) skip.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 10.0
LOG_TAIL_CHARS = 6000
E2E_EMAIL = "e2e-admin@example.com"
E2E_PASSWORD = "E2e-Passw0rd-42"


@dataclass(frozen=True)
class Target:
    """The server under test."""

    base_url: str  # no trailing slash, served at the domain root
    token: str  # legacy 40-hex token of the main user
    email: str | None  # main user's e-mail when known
    managed: bool  # True: this session started Skylabel; False: SKYLABEL_E2E_URL override
    log_path: Path | None = None
    data_dir: Path | None = None  # the server's --data-dir when this session started it

    def log_tail(self) -> str:
        return _tail(self.log_path)


def _tail(path: Path | None) -> str:
    if path is None or not path.exists():
        return "<no server log>"
    return path.read_text(errors="replace")[-LOG_TAIL_CHARS:]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _skylabel_executable() -> str:
    beside_python = Path(sys.executable).parent / "skylabel"
    if beside_python.exists():
        return str(beside_python)
    repo_venv = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "skylabel"
    if repo_venv.exists():
        return str(repo_venv)
    found = shutil.which("skylabel")
    if found is None:
        pytest.fail("the `skylabel` executable was not found (run `make install`)")
    return found


def _wait_ready(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            pytest.fail(f"`skylabel start` exited with code {code} before it was ready.\n--- server log ---\n"
                        f"{_tail(log_path)}")
        try:
            resp = requests.get(f"{url}/api/version", timeout=2)
            if resp.status_code == 200:
                return
            last_error = f"GET /api/version -> {resp.status_code}"
        except requests.RequestException as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    pytest.fail(f"`skylabel start` was not ready within {READY_TIMEOUT_S:.0f} s ({last_error}).\n"
                f"--- server log ---\n{_tail(log_path)}")


def _stop(proc: subprocess.Popen) -> None:
    """SIGINT to the server's pid; SIGKILL to its own process group if it is still alive after the grace period."""
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGINT)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the group was created for this process (start_new_session)
        except ProcessLookupError:
            pass
        proc.wait(timeout=STOP_GRACE_S)


@pytest.fixture(scope="session")
def e2e_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    override_url = os.environ.get("SKYLABEL_E2E_URL")
    if override_url:
        token = os.environ.get("SKYLABEL_E2E_TOKEN")
        if not token:
            pytest.fail("SKYLABEL_E2E_URL is set but SKYLABEL_E2E_TOKEN is not")
        yield Target(base_url=override_url.rstrip("/"), token=token, email=os.environ.get("SKYLABEL_E2E_EMAIL"),
                     managed=False)
        return

    data_dir = tmp_path_factory.mktemp("skylabel-data")
    log_path = tmp_path_factory.mktemp("skylabel-log") / "server.log"
    port = _free_port()
    token = secrets.token_hex(20)
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SKYLABEL_USERNAME=E2E_EMAIL, SKYLABEL_PASSWORD=E2E_PASSWORD, SKYLABEL_USER_TOKEN=token)
    cmd = [_skylabel_executable(), "start", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        _wait_ready(proc, base_url, log_path)
        yield Target(base_url=base_url, token=token, email=E2E_EMAIL, managed=True, log_path=log_path,
                     data_dir=data_dir)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def api(e2e_target: Target) -> Iterator[requests.Session]:
    """A requests session authenticated with the main user's legacy token."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {e2e_target.token}"
    yield session
    session.close()


@pytest.fixture(scope="session")
def pat(e2e_target: Target) -> str:
    """A personal access token (refresh JWT) of the main user, minted with `POST /api/token/`."""
    if not e2e_target.managed and os.environ.get("SKYLABEL_E2E_PAT"):
        return os.environ["SKYLABEL_E2E_PAT"]
    resp = requests.post(f"{e2e_target.base_url}/api/token/", headers={"Authorization": f"Token {e2e_target.token}"},
                         timeout=30)
    if resp.status_code == 409 and not e2e_target.managed:
        pytest.skip("the target already has an active PAT; pass it as SKYLABEL_E2E_PAT")
    assert resp.status_code == 201, f"POST /api/token/ -> {resp.status_code}: {resp.text[:500]}"
    body = resp.json()
    assert isinstance(body.get("token"), str) and body["token"].count(".") == 2, body
    return body["token"]


@dataclass(frozen=True)
class OtherUser:
    id: int
    email: str
    token: str


@pytest.fixture(scope="session")
def other_org_user(e2e_target: Target) -> OtherUser:
    """A second user in a NEW organization, created with Skylabel's `POST /user/signup`."""
    if not e2e_target.managed:
        pytest.skip("POST /user/signup (JSON) is Skylabel-only; skipped in SKYLABEL_E2E_URL mode")
    email = f"other-{secrets.token_hex(4)}@example.com"
    resp = requests.post(f"{e2e_target.base_url}/user/signup", json={"email": email, "password": "Other-Passw0rd-1"},
                         timeout=30)
    assert resp.status_code == 201, f"POST /user/signup -> {resp.status_code}: {resp.text[:500]}"
    body = resp.json()
    assert isinstance(body.get("id"), int), body
    assert body.get("email") == email, body
    assert isinstance(body.get("token"), str) and body["token"], body
    return OtherUser(id=body["id"], email=email, token=body["token"])
