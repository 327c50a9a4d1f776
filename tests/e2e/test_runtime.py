"""`skylabel start` and `skylabel user create` as a user runs them: persistence, clean stop, first user."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import _free_port, _skylabel_executable, _tail, _wait_ready

pytestmark = pytest.mark.e2e
TOKEN = "fedcba9876543210fedcba9876543210fedcba98"


def _start(data_dir: Path, log: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([_skylabel_executable(), "start", "--host", "127.0.0.1", "--port", str(port),
                             "--data-dir", str(data_dir)], stdout=log.open("a"), stderr=subprocess.STDOUT,
                            env={**os.environ, **env}, start_new_session=True)
    _wait_ready(proc, url, log)
    return proc, url


def _interrupt(proc: subprocess.Popen) -> int:
    """Ctrl-C, as a person would press it; the server must exit by itself."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise


def test_data_survives_a_restart_and_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    env = {"SKYLABEL_USERNAME": "runtime@example.com", "SKYLABEL_PASSWORD": "password123",
           "SKYLABEL_USER_TOKEN": TOKEN}
    log = tmp_path / "server.log"
    headers = {"Authorization": f"Token {TOKEN}"}
    proc, url = _start(tmp_path / "data", log, env)
    try:
        project = requests.post(f"{url}/api/projects", json={"title": "Kept"}, headers=headers, timeout=10).json()
        imported = requests.post(f"{url}/api/projects/{project['id']}/import", json=[{"text": "a"}], headers=headers,
                                 timeout=10)
        assert imported.status_code == 201
    finally:
        code = _interrupt(proc)
    assert code == 0, _tail(log)
    assert "data dir:" in log.read_text() and "stopped" in log.read_text()
    # When the server starts again on the same data dir (the env user is already there)
    proc, url = _start(tmp_path / "data", log, env)
    try:
        again = requests.get(f"{url}/api/projects/{project['id']}", headers=headers, timeout=10)
        assert again.status_code == 200 and again.json()["task_number"] == 1
    finally:
        assert _interrupt(proc) == 0, _tail(log)


def test_user_create_makes_the_first_user(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    made = subprocess.run([_skylabel_executable(), "user", "create", "--email", "first@example.com", "--password",
                           "password123", "--data-dir", str(data_dir)], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().rsplit(" ", 1)[-1]
    duplicate = subprocess.run([_skylabel_executable(), "user", "create", "--email", "first@example.com",
                                "--password", "password123", "--data-dir", str(data_dir)], capture_output=True,
                               text=True, timeout=60)
    assert duplicate.returncode != 0 and "already exists" in duplicate.stderr
    proc, url = _start(data_dir, tmp_path / "server.log", {})
    try:
        me = requests.get(f"{url}/api/current-user/whoami", headers={"Authorization": f"Token {token}"}, timeout=10)
        assert me.status_code == 200 and me.json()["email"] == "first@example.com"
    finally:
        assert _interrupt(proc) == 0
