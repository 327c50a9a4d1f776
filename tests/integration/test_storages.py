"""S3 cloud storages through the handler, on both worlds, with the user's bucket in moto S3.

The user's bucket is S3 whatever world Skylabel runs in, so the local world (SQLite + a folder) gets a moto
S3 too; in the aws world it shares the moto that already holds Skylabel's own table and bucket.
"""

from __future__ import annotations

import json

from skylabel.users.service import UserService
from tests.integration.conftest import USER_BUCKET

BUCKET = USER_BUCKET
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CREDENTIALS = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": SECRET,
               "aws_session_token": "FwoGZXIvYXdzEXAMPLESESSION", "region_name": "us-east-1"}
IMAGE_CONFIG = '<View><Image name="image" value="$image"/><Choices name="c" toName="image">' \
               '<Choice value="Cat"/><Choice value="Dog"/></Choices></View>'


def put_json(s3, key: str, value: object) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(value).encode())


def import_storage(api, project_id: int, **fields) -> tuple[int, dict]:
    return api.call("POST", "/api/storages/s3", body={"project": project_id, "bucket": BUCKET, **CREDENTIALS,
                                                      **fields})


def tasks_of(api, project_id: int) -> list[dict]:
    return api.call("GET", "/api/tasks", query={"project": project_id, "page_size": 1000, "fields": "all"})[1]["tasks"]


def test_json_objects_become_tasks_once(api, project, s3):
    # Given JSON objects under a prefix: one task, a list of two, and one in a sub-folder
    put_json(s3, "tasks/1.json", {"text": "one"})
    put_json(s3, "tasks/2.json", [{"data": {"text": "two"}}, {"text": "three"}])
    put_json(s3, "tasks/deeper/4.json", {"text": "four"})
    put_json(s3, "elsewhere/5.json", {"text": "five"})
    # When a source storage is connected, validated and synced
    status, storage = import_storage(api, project["id"], prefix="tasks/", title="Source")
    assert status == 201, storage
    assert (storage["type"], storage["status"], storage["synchronizable"], storage["meta"]) == (
        "s3", "initialized", True, {})
    assert storage["last_sync"] is None and storage["presign"] is True and storage["use_blob_urls"] is False
    assert api.call("POST", "/api/storages/s3/validate", body={"project": project["id"], "bucket": BUCKET,
                                                                **CREDENTIALS})[0] == 200
    status, synced = api.call("POST", f"/api/storages/s3/{storage['id']}/sync")
    # Then the top level of the prefix is imported, each task knowing its object
    assert status == 200 and synced["status"] == "completed", synced
    assert synced["last_sync_count"] == 3 and synced["meta"]["tasks_existed"] == 0
    assert {"attempts", "time_queued", "time_in_progress", "time_completed", "duration"} <= synced["meta"].keys()
    tasks = tasks_of(api, project["id"])
    assert sorted((t["data"]["text"], t["storage_filename"]) for t in tasks) == [
        ("one", "tasks/1.json"), ("three", "tasks/2.json"), ("two", "tasks/2.json")]
    # And a second sync imports nothing new, and says how many already were
    again = api.call("POST", f"/api/storages/s3/{storage['id']}/sync")[1]
    assert (again["last_sync_count"], again["meta"]["tasks_existed"], again["meta"]["attempts"]) == (0, 3, 2)
    put_json(s3, "tasks/6.json", {"text": "six"})
    assert api.call("POST", f"/api/storages/s3/{storage['id']}/sync")[1]["last_sync_count"] == 1
    assert api.call("GET", f"/api/projects/{project['id']}")[1]["task_number"] == 4


def test_blob_urls_regex_filter_and_recursive_scan(api, s3):
    project = api.call("POST", "/api/projects", body={"title": "Pets", "label_config": IMAGE_CONFIG})[1]
    for key in ("img/a.jpg", "img/b.png", "img/readme.txt", "img/more/c.jpg"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"\x89PNG")
    # Given a storage of media files, filtered by a regex, scanning sub-folders
    status, storage = import_storage(api, project["id"], prefix="img", use_blob_urls=True, recursive_scan=True,
                                     regex_filter=r".*\.(jpg|png)$", presign=True, presign_ttl=15)
    assert status == 201, storage
    synced = api.call("POST", f"/api/storages/s3/{storage['id']}/sync")[1]
    # Then each matching object is one task whose data key holds its s3:// URI
    assert synced["last_sync_count"] == 3 and synced["presign_ttl"] == 15
    assert sorted(t["data"]["image"] for t in tasks_of(api, project["id"])) == [
        f"s3://{BUCKET}/img/a.jpg", f"s3://{BUCKET}/img/b.png", f"s3://{BUCKET}/img/more/c.jpg"]


def test_a_bad_object_is_reported_and_the_rest_import(api, project, s3):
    put_json(s3, "in/good.json", {"text": "fine"})
    s3.put_object(Bucket=BUCKET, Key="in/broken.json", Body=b'{"text": ')
    put_json(s3, "in/wrong.json", {"other": 1})
    storage = import_storage(api, project["id"], prefix="in")[1]
    synced = api.call("POST", f"/api/storages/s3/{storage['id']}/sync")[1]
    assert synced["status"] == "completed_with_errors" and synced["last_sync_count"] == 1
    assert "in/broken.json" in synced["traceback"] and '"text"' in synced["traceback"]
    assert [t["data"] for t in tasks_of(api, project["id"])] == [{"text": "fine"}]


def test_a_sync_cut_short_resumes_without_duplicates(api, project, s3, world):
    for i in range(5):
        put_json(s3, f"batch/{i}.json", [{"text": f"t{i}-a"}, {"text": f"t{i}-b"}])
    storage = import_storage(api, project["id"], prefix="batch")[1]
    # Given a store that dies after the tasks are written, before the objects' links commit
    real_transact = world.items.transact

    def dying_transact(operations):
        if any(getattr(op, "set", {}).get("committed") for op in operations):
            raise RuntimeError("Lambda timed out")
        return real_transact(operations)

    world.items.transact = dying_transact  # type: ignore[method-assign]
    assert api.call("POST", f"/api/storages/s3/{storage['id']}/sync")[0] == 500
    world.items.transact = real_transact  # type: ignore[method-assign]
    assert api.call("GET", f"/api/storages/s3/{storage['id']}")[1]["status"] == "failed"
    # When it is synced again, every task lands exactly once
    synced = api.call("POST", f"/api/storages/s3/{storage['id']}/sync")[1]
    assert synced["status"] == "completed" and synced["last_sync_count"] == 10
    texts = sorted(t["data"]["text"] for t in tasks_of(api, project["id"]))
    assert texts == sorted(f"t{i}-{x}" for i in range(5) for x in "ab")
    assert api.call("GET", f"/api/projects/{project['id']}")[1]["task_number"] == 10


def test_export_storage_receives_every_annotation(api, project, s3):
    task_id = api.call("POST", f"/api/projects/{project['id']}/import", query={"return_task_ids": "true"},
                       body=[{"text": "hello"}])[1]["task_ids"][0]
    # Given a target storage (created with its first sync: nothing to write yet)
    status, storage = api.call("POST", "/api/storages/export/s3", body={
        "project": project["id"], "bucket": BUCKET, "prefix": "out/", "can_delete_objects": True, **CREDENTIALS})
    assert status == 201 and storage["status"] == "completed" and storage["can_delete_objects"] is True, storage
    # When an annotation is created, then updated
    result = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]
    annotation = api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": result})[1]
    key = f"out/{annotation['id']}"
    written = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    # Then it is in the bucket, with its task and annotator nested
    assert written["id"] == annotation["id"] and written["result"] == result
    assert written["task"]["id"] == task_id and written["task"]["data"] == {"text": "hello"}
    assert written["completed_by"]["email"] == "owner@example.com" and "id" in written["completed_by"]
    result[0]["value"] = {"choices": ["Negative"]}
    assert api.call("PATCH", f"/api/annotations/{annotation['id']}", body={"result": result})[0] == 200
    written = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert written["result"][0]["value"] == {"choices": ["Negative"]}
    # And a sync writes every annotation again
    s3.delete_object(Bucket=BUCKET, Key=key)
    synced = api.call("POST", f"/api/storages/export/s3/{storage['id']}/sync")[1]
    assert synced["status"] == "completed" and synced["last_sync_count"] == 1
    assert synced["meta"]["total_annotations"] == 1
    assert s3.get_object(Bucket=BUCKET, Key=key)["ContentLength"] > 0
    listed = api.call("GET", "/api/storages/export", query={"project": project["id"]})[1]
    assert [s["id"] for s in listed] == [storage["id"]]
    # And deleting the annotation removes its object, since the storage may delete objects
    assert api.call("DELETE", f"/api/annotations/{annotation['id']}")[0] == 204
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="out/").get("KeyCount", 0) == 0


def test_a_failed_push_never_fails_the_annotation(api, project, s3):
    task_id = api.call("POST", f"/api/projects/{project['id']}/import", query={"return_task_ids": "true"},
                       body=[{"text": "x"}])[1]["task_ids"][0]
    storage = api.call("POST", "/api/storages/export/s3", body={"project": project["id"], "bucket": BUCKET,
                                                                 **CREDENTIALS})[1]
    s3.delete_bucket(Bucket=BUCKET)
    status, _ = api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": []})
    assert status == 201
    after = api.call("GET", f"/api/storages/export/s3/{storage['id']}")[1]
    assert after["status"] == "failed" and BUCKET in after["traceback"]


def test_secrets_are_never_answered(api, project, s3):
    status, created = import_storage(api, project["id"])
    storage_id = created["id"]
    answers = [created, api.call("GET", f"/api/storages/s3/{storage_id}")[1],
               api.call("GET", "/api/storages/s3", query={"project": project["id"]})[1],
               api.call("GET", "/api/storages", query={"project": project["id"]})[1],
               api.call("PATCH", f"/api/storages/s3/{storage_id}", body={"title": "Renamed",
                                                                         "aws_secret_access_key": ""})[1],
               api.call("POST", f"/api/storages/s3/{storage_id}/sync")[1]]
    for answer in answers:
        text = json.dumps(answer)
        assert SECRET not in text and CREDENTIALS["aws_session_token"] not in text
        assert "aws_secret_access_key" not in text and "aws_session_token" not in text
    assert answers[4]["title"] == "Renamed" and answers[5]["status"] == "completed"  # the secret was kept
    # A validate of the saved storage reuses its secrets
    assert api.call("POST", "/api/storages/s3/validate", body={"id": storage_id, "prefix": "x/"})[0] == 200
    assert api.call("GET", "/api/storages/types")[1] == [{"name": "s3", "title": "AWS S3"}]
    assert api.call("GET", "/api/storages/export/types")[1] == [{"name": "s3", "title": "AWS S3"}]


def test_another_organization_sees_nothing(api, project, s3, world):
    storage_id = import_storage(api, project["id"])[1]["id"]
    _, stranger = UserService(world).signup("other@example.com", "password123")
    for method, path in (("GET", f"/api/storages/s3/{storage_id}"), ("PATCH", f"/api/storages/s3/{storage_id}"),
                         ("DELETE", f"/api/storages/s3/{storage_id}"),
                         ("POST", f"/api/storages/s3/{storage_id}/sync")):
        assert api.call(method, path, token=stranger, body={})[0] == 404, path
    assert api.call("GET", "/api/storages/s3", token=stranger, query={"project": project["id"]})[0] == 404
    assert import_storage(api.__class__(token=stranger), project["id"])[0] == 404
    assert api.call("DELETE", f"/api/storages/s3/{storage_id}")[0] == 204
    assert api.call("GET", f"/api/storages/s3/{storage_id}")[0] == 404


def test_bad_settings_answer_400_with_the_reason(api, project, s3, world):
    status, body = import_storage(api, project["id"], bucket="no-such-bucket")
    assert status == 400 and "no-such-bucket" in body["detail"] and "Cannot find bucket" in body["detail"]
    status, body = import_storage(api, project["id"], aws_secret_access_key=None)
    assert status == 400 and "together" in str(body)
    status, body = import_storage(api, project["id"], regex_filter="(unclosed")
    assert status == 400 and "regex_filter" in str(body)
    status, body = import_storage(api, project["id"], s3_endpoint="http://169.254.169.254/")
    assert status == 400 and "169.254.169.254" in body["detail"]
    # A closed port: refused by the outbound policy on AWS, by the connection itself on the laptop
    status, body = import_storage(api, project["id"], s3_endpoint="http://127.0.0.1:9")
    assert status == 400 and "127.0.0.1" in body["detail"]
    assert api.call("POST", "/api/storages/s3", body={"bucket": BUCKET})[0] == 400
    assert api.call("GET", "/api/storages/s3")[0] == 400
    if world.settings.runtime == "aws":  # a hosted Skylabel never lends its own role to a storage
        status, body = api.call("POST", "/api/storages/s3", body={"project": project["id"], "bucket": BUCKET})
        assert status == 400 and "aws_access_key_id" in body["detail"]
    # A bucket that disappears: the sync says so, and the storage remembers it
    storage_id = import_storage(api, project["id"])[1]["id"]
    s3.delete_bucket(Bucket=BUCKET)
    status, body = api.call("POST", f"/api/storages/s3/{storage_id}/sync")
    assert status == 400 and "Cannot find bucket" in body["detail"]
    after = api.call("GET", f"/api/storages/s3/{storage_id}")[1]
    assert after["status"] == "failed" and "Cannot find bucket" in after["traceback"]
