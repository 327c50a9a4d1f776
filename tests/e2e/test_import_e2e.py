"""Imports against a running `skylabel start`: legacy client file upload, drop folder, presigned upload, URL."""

from __future__ import annotations

import json
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e
CONFIG = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A"/></Choices></View>'


@pytest.fixture
def project(api, url) -> int:
    created = api.post(f"{url}/api/projects", json={"title": "Imports", "label_config": CONFIG}, timeout=10).json()
    yield created["id"]
    api.delete(f"{url}/api/projects/{created['id']}", timeout=30)


@pytest.fixture
def url(e2e_target) -> str:
    return e2e_target.base_url


def _wait_total(api, url: str, project: int, expected: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    seen = -1
    while time.monotonic() < deadline:
        seen = api.get(f"{url}/api/tasks", params={"project": project, "page_size": 1}, timeout=10).json()["total"]
        if seen >= expected:
            return seen
        time.sleep(0.3)
    return seen


def test_legacy_client_imports_a_csv_file(e2e_target, project, tmp_path: Path):
    from label_studio_sdk._legacy import Client

    csv_file = tmp_path / "tasks.csv"
    csv_file.write_text('text,source\n"one, with comma",web\ntwo,api\n')
    ls = Client(url=e2e_target.base_url, api_key=e2e_target.token)
    task_ids = ls.get_project(project).import_tasks(str(csv_file))
    assert len(task_ids) == 2
    tasks = ls.get_project(project).get_tasks()
    assert sorted(t["data"]["text"] for t in tasks) == ["one, with comma", "two"]


def test_drop_folder_turns_a_file_into_tasks(e2e_target, api, url, project):
    if e2e_target.data_dir is None:
        pytest.skip("the drop folder is only reachable when this session started the server")
    folder = e2e_target.data_dir / "drop" / str(project)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "batch.jsonl").write_text("".join(json.dumps({"text": f"d{i}"}) + "\n" for i in range(3)))
    assert _wait_total(api, url, project, 3) == 3
    jobs = api.get(f"{url}/api/projects/{project}/imports", timeout=10).json()
    assert jobs[0]["status"] == "completed" and jobs[0]["origin"] == "drop"


def test_presigned_upload_imports_as_a_job(api, url, project):
    answer = api.post(f"{url}/api/projects/{project}/uploads", json={"filename": "big.jsonl"}, timeout=10).json()
    body = "".join(json.dumps({"text": f"u{i}"}) + "\n" for i in range(5)).encode()
    put = requests.put(answer["upload_url"], data=body, timeout=10)  # no Authorization: the URL is the credential
    assert put.status_code == 200
    assert _wait_total(api, url, project, 5) == 5
    job = api.get(f"{url}/api/projects/{project}/imports/{answer['import']}", timeout=10).json()
    assert job["status"] == "completed" and job["task_count"] == 5
    tampered = answer["upload_url"].replace("sig=", "sig=0")
    assert requests.put(tampered, data=b"x", timeout=10).status_code == 403


def test_url_import_from_the_users_own_machine(api, url, project, tmp_path: Path):
    (tmp_path / "remote.json").write_text(json.dumps([{"text": "from url"}]))

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        source = f"http://127.0.0.1:{server.server_address[1]}/remote.json"
        answer = api.post(f"{url}/api/projects/{project}/import", data={"url": source}, timeout=30)
        assert answer.status_code == 201 and answer.json()["task_count"] == 1
        metadata = api.post(f"{url}/api/projects/{project}/import", data={"url": "http://169.254.169.254/x"},
                            timeout=30)
        assert metadata.status_code == 400
    finally:
        server.shutdown()
        server.server_close()
