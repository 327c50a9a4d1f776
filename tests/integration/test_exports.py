"""Exports through the handler on both worlds: synchronous download, snapshots as jobs, conversion."""

from __future__ import annotations

import csv
import io
import json

import pytest

from skylabel.workflows import workflows

RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]


@pytest.fixture
def jobs(world):
    from skylabel.adapters.threads import ThreadJobRunner

    world.jobs = ThreadJobRunner(workflows(world))
    yield world.jobs
    world.jobs.shutdown()


@pytest.fixture
def labelled(api, project):
    ids = api.call("POST", f"/api/projects/{project['id']}/import", body=[{"text": f"t{i}"} for i in range(5)],
                   query={"return_task_ids": "true"})[1]["task_ids"]
    for task_id in ids[:3]:
        api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": RESULT, "lead_time": 2.0})
    return project["id"], ids


def _raw(api, path, **query):
    from skylabel_api.handler import lambda_handler
    from tests.integration.conftest import TOKEN, http_api_event

    result = lambda_handler(http_api_event("GET", path, query=query, headers={"authorization": f"Token {TOKEN}"}),
                            None)
    import base64

    body = base64.b64decode(result["body"]) if result.get("isBase64Encoded") else (result.get("body") or "").encode()
    return result["statusCode"], result.get("headers", {}), body


def test_sync_json_export_and_filters(api, labelled):
    pid, ids = labelled
    status, headers, body = _raw(api, f"/api/projects/{pid}/export", exportType="JSON")
    assert status == 200 and 'filename="project-' in headers["Content-Disposition"]
    tasks = json.loads(body)
    assert [t["id"] for t in tasks] == ids[:3] and tasks[0]["annotations"][0]["result"] == RESULT
    everything = json.loads(_raw(api, f"/api/projects/{pid}/export", download_all_tasks="true")[2])
    assert [t["id"] for t in everything] == ids
    chosen = json.loads(_raw(api, f"/api/projects/{pid}/export", download_all_tasks="true", ids=[ids[1], ids[4]])[2])
    assert [t["id"] for t in chosen] == [ids[1], ids[4]]


def test_sync_csv_export(api, labelled):
    pid, ids = labelled
    status, _, body = _raw(api, f"/api/projects/{pid}/export", exportType="CSV")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == 3 and {r["sentiment"] for r in rows} == {"Positive"}


def test_bad_formats_are_400_with_the_valid_ones(api, labelled):
    pid, _ = labelled
    status, _, body = _raw(api, f"/api/projects/{pid}/export", exportType="NOPE")
    assert status == 400 and b"JSON_MIN" in body
    status, _, body = _raw(api, f"/api/projects/{pid}/export", exportType="COCO")
    assert status == 400 and b"does not apply" in body
    formats = api.call("GET", f"/api/projects/{pid}/export/formats")[1]
    by_name = {f["name"]: f for f in formats}
    assert "disabled" not in by_name["CSV"] and by_name["COCO"]["disabled"] is True


def test_empty_project_exports_a_valid_empty_file(api, project):
    status, _, body = _raw(api, f"/api/projects/{project['id']}/export", exportType="JSON")
    assert status == 200 and json.loads(body) == []


def test_snapshot_job_convert_and_download(api, labelled, jobs):
    pid, ids = labelled
    status, export = api.call("POST", f"/api/projects/{pid}/exports", body={"title": "snap"})
    assert status == 201 and export["status"] in ("created", "in_progress", "completed")
    assert jobs.wait(f"export-{export['id']}-json", timeout=60)
    done = api.call("GET", f"/api/projects/{pid}/exports/{export['id']}")[1]
    # A snapshot takes every task by default, as Label Studio's does
    assert done["status"] == "completed" and done["counters"] == {"task_number": 5} and done["md5"]
    assert api.call("GET", f"/api/projects/{pid}/exports/{export['id']}/download",
                    query={"exportType": "CSV"})[0] == 404
    status, converted = api.call("POST", f"/api/projects/{pid}/exports/{export['id']}/convert",
                                 body={"export_type": "JSON_MIN"})
    assert status == 200 and converted == {"export_type": "JSON_MIN", "converted_format": export["id"]}
    assert jobs.wait(f"export-{export['id']}-json_min", timeout=60)
    status, _, body = _raw(api, f"/api/projects/{pid}/exports/{export['id']}/download", exportType="JSON_MIN")
    assert status == 200 and len(json.loads(body)) == 5  # 3 annotations + 2 tasks without any
    status, _, body = _raw(api, f"/api/projects/{pid}/exports/{export['id']}/download")
    assert [t["id"] for t in json.loads(body)] == ids
    assert len(api.call("GET", f"/api/projects/{pid}/exports")[1]) == 1
    assert api.call("DELETE", f"/api/projects/{pid}/exports/{export['id']}")[0] == 204
    assert api.call("GET", f"/api/projects/{pid}/exports/{export['id']}")[0] == 404


def test_export_deleted_while_running_leaves_nothing(api, labelled, world):
    from skylabel.context import Actor
    from skylabel.exports.service import ExportOptions, ExportService

    pid, _ = labelled
    service = ExportService(world)
    export = service.create(Actor(1, 1), pid, options=ExportOptions(), start=False)
    parts = service.plan(export["id"], "JSON")
    results = [service.run_part(export["id"], "JSON", p) for p in parts]
    service.delete(Actor(1, 1), pid, export["id"])
    service.finish(export["id"], "JSON", results)  # the job's last step arrives after the delete
    assert world.blobs.list(f"exports/{pid}/{export['id']}/") == []


def test_a_running_export_shows_the_share_of_its_parts_done_counting_each_once(api, labelled, world):
    from skylabel.context import Actor
    from skylabel.exports.service import ExportOptions, ExportService

    pid, _ = labelled
    service = ExportService(world)
    export = service.create(Actor(1, 1), pid, options=ExportOptions(), start=False)

    def progress() -> float:
        found = api.call("GET", f"/api/projects/{pid}/exports/{export['id']}")[1]
        return next(f["progress"] for f in found["converted_formats"] if f["export_type"] == "JSON")

    parts = service.plan(export["id"], "JSON")
    assert progress() == 0.0
    # When every part is written (one of them twice, as a retried step would), the job is nearly done, not over
    results = [service.run_part(export["id"], "JSON", p) for p in parts]
    service.run_part(export["id"], "JSON", parts[0])
    assert progress() == 0.99
    # And once the file is assembled it is complete
    service.finish(export["id"], "JSON", results)
    assert progress() == 1.0


def test_two_exports_at_once(api, labelled, jobs):
    pid, _ = labelled
    first = api.call("POST", f"/api/projects/{pid}/exports", body={"title": "a"})[1]
    second = api.call("POST", f"/api/projects/{pid}/exports", body={"title": "b"})[1]
    assert jobs.wait(f"export-{first['id']}-json", timeout=60) and jobs.wait(f"export-{second['id']}-json", 60)
    a = _raw(api, f"/api/projects/{pid}/exports/{first['id']}/download")[2]
    b = _raw(api, f"/api/projects/{pid}/exports/{second['id']}/download")[2]
    assert json.loads(a) == json.loads(b)


def test_export_parts_read_labels_per_shard_not_per_task(api, labelled, monkeypatch):
    # Given an export whose tasks all have labels in the shard's label index
    import skylabel.exports.service as service_module

    def no_per_task_reads(*_args, **_kwargs):
        raise AssertionError("an export part read a task's partition one by one")

    monkeypatch.setattr(service_module, "load_bundle", no_per_task_reads)
    pid, ids = labelled
    # Then the whole export is built from one label query per shard
    tasks = json.loads(_raw(api, f"/api/projects/{pid}/export", download_all_tasks="true")[2])
    assert [len(t["annotations"]) for t in tasks] == [1, 1, 1, 0, 0]
