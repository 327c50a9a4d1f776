"""`skylabel convert` and the export job write the same bytes for the same tasks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import _skylabel_executable

pytestmark = pytest.mark.e2e
CONFIG = ('<View><Text name="text" value="$text"/><Labels name="ner" toName="text"><Label value="PER"/>'
          '<Label value="ORG"/></Labels></View>')


@pytest.mark.parametrize("fmt,output", [("CSV", "result.csv"), ("JSON_MIN", "result.json"),
                                        ("CONLL2003", "result.conll")])
def test_convert_matches_the_export_job(api, e2e_target, tmp_path: Path, fmt: str, output: str):
    url = e2e_target.base_url
    project = api.post(f"{url}/api/projects", json={"title": "Convert", "label_config": CONFIG}, timeout=10).json()
    try:
        texts = ["Tim Cook leads Apple in Cupertino.", "Satya Nadella runs Microsoft.", "Nobody here."]
        ids = api.post(f"{url}/api/projects/{project['id']}/import", params={"return_task_ids": "true"},
                       json=[{"text": t} for t in texts], timeout=10).json()["task_ids"]
        spans = [[(0, 8, "PER"), (15, 20, "ORG")], [(0, 12, "PER"), (18, 27, "ORG")]]
        for task_id, task_spans in zip(ids, spans, strict=False):
            result = [{"from_name": "ner", "to_name": "text", "type": "labels",
                       "value": {"start": s, "end": e, "text": texts[ids.index(task_id)][s:e], "labels": [label]}}
                      for s, e, label in task_spans]
            assert api.post(f"{url}/api/tasks/{task_id}/annotations", json={"result": result},
                            timeout=10).status_code == 201
        exported = api.get(f"{url}/api/projects/{project['id']}/export",
                           params={"exportType": fmt, "download_all_tasks": "true"}, timeout=30)
        snapshot = api.get(f"{url}/api/projects/{project['id']}/export",
                           params={"exportType": "JSON", "download_all_tasks": "true"}, timeout=30)
        assert exported.status_code == 200 and snapshot.status_code == 200
        (tmp_path / "export.json").write_bytes(snapshot.content)
        (tmp_path / "config.xml").write_text(CONFIG)
        done = subprocess.run([_skylabel_executable(), "convert", "-i", str(tmp_path / "export.json"), "-c",
                               str(tmp_path / "config.xml"), "-f", fmt, "-o", str(tmp_path / "out")],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "out" / output).read_bytes() == exported.content
    finally:
        api.delete(f"{url}/api/projects/{project['id']}", timeout=30)
