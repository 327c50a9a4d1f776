"""Imports through the handler on both worlds: files, jobs, S3-drop events — exactly once."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

import pytest

from skylabel import keys
from skylabel.imports.events import handle_sqs_event, s3_event
from skylabel.imports.jobs import ImportJobs
from skylabel.workflows import workflows

CSV = b'text,source\r\n"Hello, world",web\r\nSecond line,api\r\n'


def multipart(files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    body = b""
    for name, content in files:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    return f"multipart/form-data; boundary={boundary}", body + f"--{boundary}--\r\n".encode()


def upload(api, project_id: int, files, **query):
    content_type, body = multipart(files)
    return api.call("POST", f"/api/projects/{project_id}/import", raw_body=body,
                    headers={"content-type": content_type}, query=query)


def total(api, project_id):
    return api.call("GET", "/api/tasks", query={"project": project_id})[1]["total"]


def jsonl(count: int) -> bytes:
    return b"".join(json.dumps({"text": f"t{i}"}).encode() + b"\n" for i in range(count))


@contextmanager
def dies_at_chunk_commit(world, nth: int, message: str):
    """The store raises on the nth chunk commit (after that chunk's tasks are written): a crash mid-job."""
    real_transact, calls = world.items.transact, {"n": 0}

    def dying(operations):
        if any(getattr(op, "sk", "").startswith("CHUNK#") for op in operations):
            calls["n"] += 1
            if calls["n"] == nth:
                raise RuntimeError(message)
        return real_transact(operations)

    world.items.transact = dying  # type: ignore[method-assign]
    try:
        yield
    finally:
        world.items.transact = real_transact  # type: ignore[method-assign]


@pytest.fixture
def jobs(world):
    """The thread-pool runner in both worlds (Step Functions runs the same workflow: tests/contract)."""
    from skylabel.adapters.threads import ThreadJobRunner

    world.jobs = ThreadJobRunner(workflows(world))
    yield world.jobs
    world.jobs.shutdown()


def test_csv_upload_imports_inside_the_request(api, project):
    # Given a CSV file uploaded as multipart, as the legacy client sends it
    status, answer = upload(api, project["id"], [("reviews.csv", CSV)], return_task_ids="1")
    # Then its rows are tasks with the header's keys, answered with Label Studio's fields
    assert status == 201 and answer["task_count"] == 2 and len(answer["task_ids"]) == 2
    assert answer["found_formats"] == {".csv": 1} and answer["data_columns"] == ["source", "text"]
    tasks = api.call("GET", "/api/tasks", query={"project": project["id"]})[1]["tasks"]
    assert [t["data"] for t in tasks] == [{"text": "Hello, world", "source": "web"},
                                          {"text": "Second line", "source": "api"}]
    assert api.call("GET", f"/api/projects/{project['id']}/file-uploads")[1][0]["file"] == "reviews.csv"


def test_a_bad_row_rejects_the_whole_file(api, project):
    bad = b"text\r\nfine\r\n" + b'"unclosed\r\n'
    status, body = upload(api, project["id"], [("bad.csv", b"other\r\nvalue\r\n")])
    assert status == 400 and '"text"' in str(body["validation_errors"]) and "row" in str(body)
    assert upload(api, project["id"], [("empty.json", b"")])[0] == 400
    assert upload(api, project["id"], [("x.exe", b"MZ")])[0] == 400
    upload(api, project["id"], [("broken.csv", bad)])
    assert total(api, project["id"]) == 0


def test_big_file_becomes_a_job_with_progress(api, project, world, jobs):
    world.settings = world.settings.model_copy(update={"inline_import_bytes": 0})
    lines = jsonl(4500)
    status, answer = upload(api, project["id"], [("big.jsonl", lines)])
    assert status == 201 and "import" in answer
    assert jobs.wait(str(answer["import"]), timeout=60)
    job = api.call("GET", f"/api/projects/{project['id']}/imports/{answer['import']}")[1]
    assert (job["status"], job["task_count"], job["total"], job["progress"]) == ("completed", 4500, 4500, 1.0)
    assert len(job["task_ids"]) == 4500 and total(api, project["id"]) == 4500
    assert api.call("GET", f"/api/projects/{project['id']}")[1]["task_number"] == 4500


def test_a_failed_job_says_why_and_writes_nothing(api, project, world, jobs):
    world.settings = world.settings.model_copy(update={"inline_import_bytes": 0})
    lines = b'{"text": "ok"}\n' * 10 + b'{"nope": 1}\n'
    answer = upload(api, project["id"], [("half.jsonl", lines)])[1]
    assert jobs.wait(str(answer["import"]), timeout=30)
    job = api.call("GET", f"/api/projects/{project['id']}/imports/{answer['import']}")[1]
    assert job["status"] == "failed" and "line 11" in job["error"] and '"text"' in job["error"]
    assert total(api, project["id"]) == 0


def test_redelivered_drop_event_imports_once(api, project, world):
    key = f"drop/{project['id']}/batch.jsonl"
    world.blobs.put(key, b'{"text": "a"}\n{"text": "b"}\n')
    event = s3_event("bucket", key, "etag-1", 28)
    # When the same notification arrives twice (SQS is at-least-once)
    assert handle_sqs_event(world, event) == {"batchItemFailures": []}
    assert handle_sqs_event(world, event) == {"batchItemFailures": []}
    # Then the file's tasks exist once, and one job says so
    assert total(api, project["id"]) == 2
    assert len(api.call("GET", f"/api/projects/{project['id']}/imports")[1]) == 1


def test_crash_halfway_resumes_without_duplicates(api, project, world, monkeypatch):
    import skylabel.imports.jobs as jobs_module

    monkeypatch.setattr(jobs_module, "CHUNK", 100)
    key = f"drop/{project['id']}/resume.jsonl"
    world.blobs.put(key, jsonl(450))
    event = s3_event("bucket", key, "etag-r", 1)
    # Given a store that dies after the third chunk's tasks are written, before that chunk commits
    with dies_at_chunk_commit(world, 3, "Lambda timed out"):
        first = handle_sqs_event(world, event)
    # Then the message is failed back to SQS, and the redelivery finishes the job exactly
    assert len(first["batchItemFailures"]) == 1
    assert handle_sqs_event(world, event) == {"batchItemFailures": []}
    assert total(api, project["id"]) == 450
    assert api.call("GET", f"/api/projects/{project['id']}")[1]["task_number"] == 450
    listed = api.call("GET", "/api/tasks", query={"project": project["id"], "page_size": 1000})[1]["tasks"]
    assert sorted(t["data"]["text"] for t in listed) == sorted(f"t{i}" for i in range(450))


def test_drop_into_a_missing_project_or_outside_the_prefix(world):
    world.blobs.put("drop/999/x.json", b'[{"text": "a"}]')
    assert handle_sqs_event(world, s3_event("bucket", "drop/999/x.json", "e", 1)) == {"batchItemFailures": []}
    assert world.items.query(keys.project_jobs(999), index="gsi1").items == []


def test_keys_with_spaces_unicode_and_encoded_slashes(api, project, world):
    key = f"drop/{project['id']}/my file ünï%2F.json"
    world.blobs.put(key, b'[{"text": "a"}]')
    assert handle_sqs_event(world, s3_event("bucket", key, "e", 1)) == {"batchItemFailures": []}
    assert total(api, project["id"]) == 1


def test_presigned_upload_is_registered_as_a_job(api, project, world):
    status, upload_answer = api.call("POST", f"/api/projects/{project['id']}/uploads",
                                     body={"filename": "../../etc/passwd.jsonl"})
    assert status == 201 and upload_answer["key"].startswith(f"drop/{project['id']}/")
    assert ".." not in upload_answer["key"] and upload_answer["key"].endswith("/passwd.jsonl")
    # When the object lands (here: written directly) and its notification arrives
    world.blobs.put(upload_answer["key"], b'{"text": "a"}\n')
    handle_sqs_event(world, s3_event(world.settings.bucket_name or "local", upload_answer["key"], "e", 14))
    job = api.call("GET", f"/api/projects/{project['id']}/imports/{upload_answer['import']}")[1]
    assert job["status"] == "completed" and job["task_count"] == 1


def test_url_import_refuses_metadata_addresses(api, project):
    status, body = api.call("POST", f"/api/projects/{project['id']}/import",
                            raw_body=b"url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F",
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert status == 400 and "169.254.169.254" in str(body)
    assert total(api, project["id"]) == 0


def test_import_job_api_is_scoped_to_the_organization(api, project, world):
    from skylabel.users.service import UserService

    _, stranger = UserService(world).signup("other@example.com", "password123")
    key = f"drop/{project['id']}/a.json"
    world.blobs.put(key, b'[{"text": "a"}]')
    job = ImportJobs(world).import_object(bucket="b", key=key, etag="e")
    assert api.call("GET", f"/api/projects/{project['id']}/imports/{job['id']}", token=stranger)[0] == 404


def test_a_task_over_400_kb_is_stored_not_refused(api, project, world):
    big = "x" * (450 * 1024)
    status, answer = api.call("POST", f"/api/projects/{project['id']}/import",
                              body=[{"text": big}, {"text": "small"}], query={"return_task_ids": "true"})
    assert status == 201
    first = answer["task_ids"][0]
    # Then the item stays small (its data lives in the BlobStore) and every read gives the data back
    assert world.items.get(*keys.task(first))["data"] == {}
    assert api.call("GET", f"/api/tasks/{first}")[1]["data"]["text"] == big
    listed = api.call("GET", "/api/tasks", query={"project": project["id"]})[1]["tasks"]
    assert [len(t["data"]["text"]) for t in listed] == [len(big), 5]
    exported = api.call("GET", f"/api/projects/{project['id']}/export", query={"download_all_tasks": "true"})[1]
    assert exported[0]["data"]["text"] == big
    status, patched = api.call("PATCH", f"/api/tasks/{first}", body={"data": {"text": "now small"}})
    assert status == 200 and api.call("GET", f"/api/tasks/{first}")[1]["data"] == {"text": "now small"}
    assert "data_ref" not in world.items.get(*keys.task(first))


def test_csv_with_preannotated_fields_makes_predictions(api, project):
    csv = b"text,sentiment\r\ngreat,Positive\r\nbad,Negative\r\n"
    status, answer = upload(api, project["id"], [("pre.csv", csv)], preannotated_from_fields="sentiment")
    assert status == 201 and answer["prediction_count"] == 2
    tasks = api.call("GET", "/api/tasks", query={"project": project["id"], "fields": "all"})[1]["tasks"]
    assert tasks[0]["predictions"][0]["result"][0]["value"] == {"choices": ["Positive"]}
    assert tasks[0]["predictions"][0]["model_version"] == "preannotated"


def test_a_stopped_process_resumes_its_unfinished_jobs(api, project, world, jobs, monkeypatch):
    import skylabel.imports.jobs as jobs_module

    monkeypatch.setattr(jobs_module, "CHUNK", 50)
    key = f"drop/{project['id']}/left.jsonl"
    world.blobs.put(key, jsonl(120))
    job = ImportJobs(world).create(project=world.items.get(*keys.project(project["id"])), user_id=1, key=key,
                                   filename="left.jsonl")
    # Given a job that died after committing its first chunk (the process stopped mid-way)
    with dies_at_chunk_commit(world, 2, "process stopped"), pytest.raises(RuntimeError):
        ImportJobs(world).run(job["id"])
    assert total(api, project["id"]) == 50
    # When the next process starts and resumes what was left
    assert ImportJobs(world).resume_unfinished() == [job["id"]]
    assert jobs.wait(str(job["id"]), timeout=30)
    # Then the job completes with every task exactly once, and nothing is left to resume
    assert total(api, project["id"]) == 120
    assert ImportJobs(world).resume_unfinished() == []


def test_a_retried_import_with_an_idempotency_key_imports_once(api, project):
    body = [{"text": "a"}, {"text": "b"}]
    headers = {"idempotency-key": "batch-2026-11-27"}
    first = api.call("POST", f"/api/projects/{project['id']}/import", body=body, headers=dict(headers),
                     query={"return_task_ids": "true"})[1]
    # When the client retries the very same request (a timeout on its side, say)
    again = api.call("POST", f"/api/projects/{project['id']}/import", body=body, headers=dict(headers),
                     query={"return_task_ids": "true"})[1]
    # Then it gets the first answer back and the tasks exist once
    assert again["task_ids"] == first["task_ids"] and again["task_count"] == 2
    assert total(api, project["id"]) == 2
    # A bad import does not burn its key: the corrected retry runs
    bad_key = {"idempotency-key": "fix-me"}
    assert api.call("POST", f"/api/projects/{project['id']}/import", body=[{"nope": 1}], headers=dict(bad_key))[0] \
        == 400
    assert api.call("POST", f"/api/projects/{project['id']}/import", body=[{"text": "c"}],
                    headers=dict(bad_key))[0] == 201
    assert total(api, project["id"]) == 3


def test_files_imported_inside_the_request_keep_their_task_counts_in_the_history(api, project):
    # When two files of different sizes are imported in one request
    upload(api, project["id"], [("two.jsonl", b'{"text": "a"}\n{"text": "b"}\n'), ("three.txt", b"x\ny\nz\n")])
    # Then the import history says how many tasks each became
    jobs = api.call("GET", f"/api/projects/{project['id']}/imports")[1]
    counts = {job["file"]: (job["status"], job["task_count"]) for job in jobs}
    assert counts == {"two.jsonl": ("completed", 2), "three.txt": ("completed", 3)}


def test_a_dropped_media_file_becomes_one_task_pointing_at_it(api, world):
    # Given an image project, and a picture too big for a request landing in its drop area
    config = '<View><Image name="image" value="$image"/><Choices name="c" toName="image"><Choice value="A"/>' \
             '</Choices></View>'
    pid = api.call("POST", "/api/projects", body={"title": "Pictures", "label_config": config})[1]["id"]
    key = f"drop/{pid}/street.png"
    world.blobs.put(key, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    # When its notification arrives
    assert handle_sqs_event(world, s3_event("bucket", key, "etag-png", 72)) == {"batchItemFailures": []}
    # Then the job completed with one task whose image is a signed link to the stored file
    [job] = api.call("GET", f"/api/projects/{pid}/imports")[1]
    assert (job["status"], job["task_count"]) == ("completed", 1)
    [task] = api.call("GET", "/api/tasks", query={"project": pid})[1]["tasks"]
    assert "street.png" in task["data"]["image"] and task["data"]["image"].startswith("http")
