"""The Label Studio REST API through the Lambda handler, on both worlds (SQLite and DynamoDB/S3 under moto)."""

from __future__ import annotations

import threading

from skylabel.users.service import UserService
from tests.integration.conftest import CONFIG

RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]


def _import(api, project_id, tasks, **query):
    return api.call("POST", f"/api/projects/{project_id}/import", body=tasks, query=query)


def test_version_and_health_need_no_token(api):
    # When the SDKs probe the server without credentials
    status, version = api.call("GET", "/api/version/", token=None)
    health_status, health = api.call("GET", "/health", token=None)
    # Then both answer, and the edition steers the SDK to the Community export path
    assert (status, version["release"], version["edition"]) == (200, "1.23.2", "Community")
    assert (health_status, health) == (200, {"status": "UP"})


def test_whoami_and_bad_tokens(api):
    assert api.call("GET", "/api/current-user/whoami")[1]["email"] == "owner@example.com"
    status, body = api.call("GET", "/api/projects", token="wrong")
    assert status == 401 and body["detail"] == "Invalid token."
    status, body = api.call("GET", "/api/projects", token=None)
    assert status == 401 and body["detail"] == "Authentication credentials were not provided."


def test_personal_access_token_flow(api):
    # Given a personal access token created with the legacy key
    status, pat = api.call("POST", "/api/token/")
    assert status == 201
    # When it is refreshed into an access token (no auth on the refresh call)
    status, access = api.call("POST", "/api/token/refresh/", body={"refresh": pat["token"]}, token=None)
    assert status == 200
    # Then the Bearer access token authenticates, and the refresh token itself does not
    from skylabel_api.handler import lambda_handler
    from tests.integration.conftest import http_api_event

    ok = lambda_handler(http_api_event("GET", "/api/current-user/whoami",
                                       headers={"authorization": f"Bearer {access['access']}"}), None)
    bad = lambda_handler(http_api_event("GET", "/api/current-user/whoami",
                                        headers={"authorization": f"Bearer {pat['token']}"}), None)
    assert (ok["statusCode"], bad["statusCode"]) == (200, 401)
    assert api.call("POST", "/api/token/refresh", body={"refresh": "garbage"}, token=None)[0] == 401


def test_project_crud_and_title_validation(api, project):
    assert project["title"] == "Sentiment" and project["task_number"] == 0
    assert project["parsed_label_config"]["sentiment"]["labels"] == ["Positive", "Negative", "Neutral"]
    for bad in ("ab", "x" * 51):
        status, body = api.call("POST", "/api/projects", body={"title": bad})
        assert status == 400 and "title" in body["validation_errors"]
    status, body = api.call("PATCH", f"/api/projects/{project['id']}/", body={"description": "d"})
    assert status == 200 and body["description"] == "d"
    status, page = api.call("GET", "/api/projects", query={"page": 1})
    assert status == 200 and page["count"] == 1 and page["results"][0]["id"] == project["id"]
    assert api.call("GET", "/api/projects", query={"page": 2})[1]["detail"] == "Invalid page."
    assert api.call("DELETE", f"/api/projects/{project['id']}")[0] == 204
    status, body = api.call("GET", f"/api/projects/{project['id']}")
    assert status == 404 and body["detail"] == "No Project matches the given query."


def test_malformed_and_wrongly_typed_bodies(api, project):
    status, body = api.call("POST", "/api/projects", raw_body=b"{not json")
    assert status == 400 and body["detail"].startswith("JSON parse error")
    status, body = api.call("POST", "/api/projects", body=["a", "list"])
    assert status == 400
    status, body = api.call("POST", f"/api/projects/{project['id']}/import", raw_body=b"[{")
    assert status == 400 and body["detail"].startswith("JSON parse error")
    assert "Traceback" not in str(body)


def test_import_validates_everything_before_writing(api, project):
    pid = project["id"]
    # Given an import whose third task lacks the config's $text
    status, body = _import(api, pid, [{"text": "a"}, {"text": "b"}, {"other": "c"}])
    # Then it is refused naming the item and the field, and no task of it exists
    assert status == 400 and body["detail"] == "Validation error"
    assert '"text"' in str(body["validation_errors"]) and "item 2" in str(body["validation_errors"])
    assert api.call("GET", "/api/tasks", query={"project": pid})[1]["total"] == 0
    assert "No tasks added" in str(_import(api, pid, [])[1]["validation_errors"])
    assert _import(api, pid, [{"data": {"text": "x"}, "annotations": [{"result": "nope"}]}])[0] == 400


def test_import_with_inline_predictions_and_annotations(api, project):
    pid = project["id"]
    tasks = [{"data": {"text": f"t{i}"}, "predictions": [{"result": RESULT, "score": 0.5, "model_version": "m1"}]}
             for i in range(5)]
    tasks.append({"data": {"text": "done"}, "annotations": [{"result": RESULT, "lead_time": 2.5}]})
    tasks.append({"text": "flat"})
    status, answer = _import(api, pid, tasks, return_task_ids="true")
    assert status == 201
    assert (answer["task_count"], answer["annotation_count"], answer["prediction_count"]) == (7, 1, 5)
    assert len(answer["task_ids"]) == 7
    status, listing = api.call("GET", "/api/tasks", query={"project": pid, "fields": "all"})
    assert (listing["total"], listing["total_annotations"], listing["total_predictions"]) == (7, 1, 5)
    labelled = next(t for t in listing["tasks"] if t["data"]["text"] == "done")
    assert labelled["is_labeled"] and labelled["annotations"][0]["lead_time"] == 2.5
    assert listing["tasks"][0]["predictions"][0]["score"] == 0.5
    project_now = api.call("GET", f"/api/projects/{pid}")[1]
    assert (project_now["task_number"], project_now["total_predictions_number"]) == (7, 5)
    assert project_now["num_tasks_with_annotations"] == 1


def test_task_pages_and_include(api, project):
    pid = project["id"]
    _import(api, pid, [{"text": f"t{i}"} for i in range(25)])
    seen = []
    page = 1
    while True:
        status, body = api.call("GET", "/api/tasks/", query={"project": pid, "page": page, "page_size": 10})
        if status == 404:
            assert body["detail"] == "Invalid page."
            break
        seen += [t["id"] for t in body["tasks"]]
        page += 1
    assert len(seen) == 25 and seen == sorted(seen) and page == 4
    status, body = api.call("GET", "/api/tasks", query={"project": pid, "include": "id", "page_size": 2})
    assert body["tasks"] == [{"id": seen[0]}, {"id": seen[1]}]
    status, body = api.call("GET", "/api/tasks")
    assert status == 404 and body["detail"] == "Neither project nor view id specified"


def test_annotation_counters_move_with_the_annotation(api, project):
    pid = project["id"]
    task_id = _import(api, pid, [{"text": "a"}], return_task_ids="true")[1]["task_ids"][0]
    status, ann = api.call("POST", f"/api/tasks/{task_id}/annotations/", body={"result": RESULT, "lead_time": 1.0})
    assert status == 201 and ann["completed_by"] == 1 and ann["result"] == RESULT
    task = api.call("GET", f"/api/tasks/{task_id}")[1]
    assert (task["total_annotations"], task["is_labeled"], task["annotators"]) == (1, True, [1])
    assert task["completed_at"] is not None
    status, patched = api.call("PATCH", f"/api/annotations/{ann['id']}/", body={"was_cancelled": True})
    assert status == 200 and patched["was_cancelled"] is True
    task = api.call("GET", f"/api/tasks/{task_id}")[1]
    assert (task["total_annotations"], task["cancelled_annotations"], task["is_labeled"]) == (0, 1, False)
    assert api.call("DELETE", f"/api/annotations/{ann['id']}")[0] == 204
    assert api.call("GET", f"/api/annotations/{ann['id']}")[0] == 404
    proj = api.call("GET", f"/api/projects/{pid}")[1]
    assert (proj["total_annotations_number"], proj["skipped_annotations_number"]) == (0, 0)
    status, body = api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": "not a list"})
    assert status == 400 and "result" in body["validation_errors"]
    assert api.call("POST", "/api/tasks/999999/annotations", body={"result": []})[0] == 404


def test_concurrent_annotations_keep_counters_exact(api, project, world):
    # Given one task and 4 writers annotating it at once (the local world runs them truly in parallel)
    pid = project["id"]
    task_id = _import(api, pid, [{"text": "a"}], return_task_ids="true")[1]["task_ids"][0]
    from skylabel.annotations.models import AnnotationIn
    from skylabel.annotations.service import AnnotationService
    from skylabel.context import Actor

    actor = Actor(user_id=1, organization_id=1)
    errors = []

    def write():
        try:
            for _ in range(5):
                AnnotationService(world).create(actor, task_id, AnnotationIn(result=RESULT))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4 if world.settings.runtime == "local" else 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then every annotation is counted exactly once
    expected = 5 * len(threads)
    assert errors == []
    task = api.call("GET", f"/api/tasks/{task_id}")[1]
    assert task["total_annotations"] == len(task["annotations"]) == expected
    assert api.call("GET", f"/api/projects/{pid}")[1]["total_annotations_number"] == expected


def test_stale_annotation_edit_is_a_409_and_saves_nothing(api, project, world):
    pid = project["id"]
    task_id = _import(api, pid, [{"text": "a"}], return_task_ids="true")[1]["task_ids"][0]
    ann = api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": RESULT})[1]
    from skylabel import keys
    from skylabel.annotations.models import AnnotationPatch
    from skylabel.annotations.service import AnnotationService
    from skylabel.context import Actor
    from skylabel.errors import Conflict

    service = AnnotationService(world)
    # Given an edit prepared on version 1 while another edit lands first
    original_get = world.items.get
    calls = {"n": 0}

    def get_then_interfere(pk, sk):
        item = original_get(pk, sk)
        if sk.startswith("ANN#") and calls["n"] == 0:
            calls["n"] += 1
            api.call("PATCH", f"/api/annotations/{ann['id']}", body={"lead_time": 9.0})
        return item

    world.items.get = get_then_interfere  # type: ignore[method-assign]
    try:
        service.update(Actor(1, 1), ann["id"], AnnotationPatch(result=[]))
        raise AssertionError("a stale edit must not be saved")
    except Conflict:
        pass
    finally:
        world.items.get = original_get  # type: ignore[method-assign]
    # Then the other edit is intact and the stale one was not applied
    stored = world.items.get(*keys.annotation(task_id, ann["id"]))
    assert stored["lead_time"] == 9.0 and stored["result"] == RESULT


def test_tasks_update_delete_and_missing_field(api, project):
    pid = project["id"]
    status, task = api.call("POST", "/api/tasks", body={"project": pid, "data": {"text": "one"}})
    assert status == 201 and task["data"] == {"text": "one"}
    status, body = api.call("POST", "/api/tasks", body={"project": pid, "data": {"nope": 1}})
    assert status == 400 and "text" in str(body["validation_errors"])
    status, updated = api.call("PATCH", f"/api/tasks/{task['id']}/", body={"data": {"text": "two"}})
    assert status == 200 and updated["data"] == {"text": "two"}
    assert api.call("DELETE", f"/api/tasks/{task['id']}")[0] == 204
    assert api.call("GET", f"/api/tasks/{task['id']}")[0] == 404
    assert api.call("GET", f"/api/projects/{pid}")[1]["task_number"] == 0


def test_predictions_api(api, project):
    pid = project["id"]
    task_id = _import(api, pid, [{"text": "a"}], return_task_ids="true")[1]["task_ids"][0]
    status, pred = api.call("POST", "/api/predictions", body={"task": task_id, "result": RESULT, "score": 0.9})
    assert status == 201 and pred["score"] == 0.9
    status, bare = api.call("POST", "/api/predictions", body={"task": task_id, "result": "Negative"})
    assert status == 201 and bare["result"][0]["value"] == {"choices": ["Negative"]}
    assert len(api.call("GET", "/api/predictions", query={"task": task_id})[1]) == 2
    assert len(api.call("GET", "/api/predictions", query={"project": pid})[1]) == 2
    assert api.call("DELETE", f"/api/predictions/{pred['id']}")[0] == 204
    assert api.call("GET", f"/api/tasks/{task_id}")[1]["total_predictions"] == 1
    status, created = api.call("POST", f"/api/projects/{pid}/import/predictions",
                               body=[{"task": task_id, "result": RESULT, "score": 0.1}])
    assert (status, created) == (201, {"created": 1})


def test_next_task_reserves_and_respects_overlap(api, project, world):
    pid = project["id"]
    ids = _import(api, pid, [{"text": "a"}, {"text": "b"}], return_task_ids="true")[1]["task_ids"]
    # Given a second annotator in the same organization
    from skylabel import keys
    from skylabel.users import crypto

    world.items.put({"pk": keys.token(crypto.hash_token("second-token"))[0], "sk": "TOKEN", "user_id": 99,
                     "organization_id": 1, "kind": "legacy"})
    first = api.call("GET", f"/api/projects/{pid}/next")[1]
    again = api.call("GET", f"/api/projects/{pid}/next")[1]
    other = api.call("GET", f"/api/projects/{pid}/next", token="second-token")[1]
    # Then each annotator keeps their own task and the second gets the other one
    assert first["id"] == again["id"] == ids[0] and other["id"] == ids[1]
    api.call("POST", f"/api/tasks/{ids[0]}/annotations", body={"result": RESULT})
    api.call("POST", f"/api/tasks/{ids[1]}/annotations", body={"result": RESULT, "was_cancelled": True})
    # Then the task skipped by the first annotator is still reserved to the second, who gets it back,
    # and the first has nothing left: their skipped task is held by someone else
    assert api.call("GET", f"/api/projects/{pid}/next", token="second-token")[1]["id"] == ids[1]
    assert api.call("GET", f"/api/projects/{pid}/next")[0] == 404
    # And the browser app's variant says the same with a 204 (browsers log a 404 as a failed request)
    assert api.call("GET", f"/api/projects/{pid}/next", query={"allow_empty": "true"})[0] == 204
    assert api.call("GET", f"/api/projects/{pid}/next", query={"allow_empty": "true"},
                    token="second-token")[1]["id"] == ids[1]


def test_json_export_matches_what_was_written(api, project):
    pid = project["id"]
    ids = _import(api, pid, [{"text": "a"}, {"text": "b"}], return_task_ids="true")[1]["task_ids"]
    api.call("POST", f"/api/tasks/{ids[0]}/annotations", body={"result": RESULT, "lead_time": 3.0})
    status, exported = api.call("GET", f"/api/projects/{pid}/export", query={"exportType": "JSON"})
    assert status == 200 and [t["id"] for t in exported] == [ids[0]]
    assert exported[0]["annotations"][0]["result"] == RESULT and exported[0]["data"] == {"text": "a"}
    status, everything = api.call("GET", f"/api/projects/{pid}/export",
                                  query={"export_type": "JSON", "download_all_tasks": "true"})
    assert [t["id"] for t in everything] == ids


def test_other_organizations_see_nothing(api, project, world):
    # Given a user who signed up into their own organization
    _, stranger = UserService(world).signup("stranger@example.com", "password123")
    pid = project["id"]
    task_id = _import(api, pid, [{"text": "secret"}], return_task_ids="true")[1]["task_ids"][0]
    ann = api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": RESULT})[1]
    # Then every path to the first organization's data is a 404 without the data
    for path in (f"/api/projects/{pid}", f"/api/tasks/{task_id}", f"/api/annotations/{ann['id']}"):
        status, body = api.call("GET", path, token=stranger)
        assert status == 404 and "secret" not in str(body)
    assert api.call("GET", "/api/tasks", query={"project": pid}, token=stranger)[0] == 404
    assert api.call("GET", "/api/projects", token=stranger)[1]["count"] == 0
    assert api.call("DELETE", f"/api/projects/{pid}", token=stranger)[0] == 404
    assert api.call("GET", f"/api/projects/{pid}")[0] == 200


def test_unknown_route_and_non_integer_id(api):
    assert api.call("GET", "/api/nothing-here")[0] == 404
    assert api.call("GET", "/api/projects/abc")[0] == 404


def test_listing_pages_and_streams_across_task_shards(api, project, world):
    # Given task ids that straddle two index shards (the id counter is moved to just below a shard boundary)
    from skylabel import keys

    pid = project["id"]
    world.items.put({"pk": keys.COUNTERS, "sk": "task", "value": keys.TASK_SHARD_SIZE - 15})
    ids = _import(api, pid, [{"text": f"t{i}"} for i in range(30)], return_task_ids="true")[1]["task_ids"]
    assert {keys.task_shard(i) for i in ids} == {0, 1}
    # When the tasks are read page by page
    pages = [api.call("GET", "/api/tasks", query={"project": pid, "page": n, "page_size": 7})[1]["tasks"]
             for n in range(1, 6)]
    # Then every task comes once, in id order, across the boundary
    assert [t["id"] for page in pages for t in page] == ids
    assert api.call("GET", "/api/tasks", query={"project": pid, "page": 6, "page_size": 7})[0] == 404
    assert [t["id"] for t in api.call("GET", f"/api/projects/{pid}/tasks")[1]] == ids
    status, exported = api.call("GET", f"/api/projects/{pid}/export", query={"download_all_tasks": "true"})
    assert [t["id"] for t in exported] == ids


def test_data_manager_query_on_both_worlds(api, project):
    import json

    pid = project["id"]
    ids = _import(api, pid, [{"text": f"grp{i % 3} item {i}"} for i in range(9)], return_task_ids="true")[1]
    ids = ids["task_ids"]
    api.call("POST", f"/api/tasks/{ids[0]}/annotations", body={"result": RESULT})
    api.call("POST", f"/api/tasks/{ids[3]}/annotations", body={"result": RESULT})

    def listing(query):
        return api.call("GET", "/api/tasks", query={"project": pid, "query": json.dumps(query)})[1]

    contains = {"filters": {"conjunction": "and", "items": [
        {"filter": "filter:tasks:data.text", "operator": "contains", "type": "String", "value": "grp0"}]}}
    body = listing(contains)
    assert [t["id"] for t in body["tasks"]] == [ids[0], ids[3], ids[6]]
    assert (body["total"], body["total_annotations"]) == (3, 2)
    annotated = {"filters": {"conjunction": "and", "items": [
        {"filter": "filter:tasks:total_annotations", "operator": "greater", "type": "Number", "value": 0}]},
        "ordering": ["-tasks:id"]}
    assert [t["id"] for t in listing(annotated)["tasks"]] == [ids[3], ids[0]]
    unlabeled = {"filters": {"conjunction": "and", "items": [
        {"filter": "filter:tasks:completed_at", "operator": "empty", "type": "Datetime", "value": True}]}}
    assert listing(unlabeled)["total"] == 7
    selected = {"selectedItems": {"all": False, "included": [ids[1], ids[2]]}}
    assert [t["id"] for t in listing(selected)["tasks"]] == [ids[1], ids[2]]
    status, body = api.call("GET", "/api/tasks", query={"project": pid, "query": '{"filters": 3}'})
    assert status == 400


def test_config_change_keeps_what_annotations_use(api, project):
    pid = project["id"]
    task_id = _import(api, pid, [{"text": "a"}], return_task_ids="true")[1]["task_ids"][0]
    api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": RESULT})
    without_label = config_with_choices("Negative", "Neutral")
    # When the config would drop the label an annotation uses
    status, body = api.call("PATCH", f"/api/projects/{pid}", body={"label_config": without_label})
    # Then it is refused, naming the label and how often it is used, and nothing changes
    assert status == 400 and "Positive (1 annotation)" in str(body["validation_errors"])
    assert api.call("GET", f"/api/projects/{pid}")[1]["label_config"] == CONFIG
    status, body = api.call("POST", f"/api/projects/{pid}/validate", body={"label_config": without_label})
    assert status == 400
    # Adding labels is always fine, and the dry-run validator agrees
    more = config_with_choices("Positive", "Negative", "Neutral", "Mixed")
    assert api.call("POST", f"/api/projects/{pid}/validate", body={"label_config": more})[0] == 200
    assert api.call("PATCH", f"/api/projects/{pid}", body={"label_config": more})[0] == 200
    # Once the annotation is gone, the label may go too
    annotation_id = api.call("GET", f"/api/tasks/{task_id}/annotations")[1][0]["id"]
    api.call("DELETE", f"/api/annotations/{annotation_id}")
    assert api.call("PATCH", f"/api/projects/{pid}", body={"label_config": without_label})[0] == 200


def test_config_dry_run_endpoint(api):
    assert api.call("POST", "/api/projects/validate", body={"label_config": CONFIG}, token=None)[0] == 204
    status, body = api.call("POST", "/api/projects/validate/", body={"label_config": "<View><Nope/></View>"})
    assert status == 400 and "Unknown tag <Nope>" in str(body["validation_errors"]["label_config"])


def config_with_choices(*labels: str) -> str:
    choices = "".join(f'<Choice value="{label}"/>' for label in labels)
    return f'<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">{choices}</Choices></View>'
