"""Label Studio's drafts API through the Lambda handler, on both worlds (SQLite and DynamoDB under moto)."""

from __future__ import annotations

import dataclasses

import pytest

from skylabel import keys
from skylabel.context import Actor
from skylabel.drafts.models import DraftIn
from skylabel.drafts.service import DraftService
from tests.integration.conftest import Api, http_api_event

RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]
OTHER = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Negative"]}}]


@pytest.fixture
def task_id(api, project) -> int:
    status, body = api.call("POST", f"/api/projects/{project['id']}/import", body=[{"text": "a"}, {"text": "b"}],
                            query={"return_task_ids": "true"})
    assert status == 201, body
    return body["task_ids"][0]


def _partition_drafts(world, task_id: int) -> list[dict]:
    return [i for i in world.items.query(keys.task_partition(task_id)).items if i["sk"].startswith("DRAFT#")]


def test_saving_twice_into_one_slot_updates_the_draft(api, world, task_id):
    # Given a new draft of a task
    status, draft = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT, "lead_time": 2.5})
    assert status == 201, draft
    me = api.call("GET", "/api/current-user/whoami")[1]
    assert draft == {"id": draft["id"], "task": task_id, "annotation": None, "user": me["id"], "result": RESULT,
                     "lead_time": 2.5, "was_postponed": False, "import_id": None,
                     "created_at": draft["created_at"], "updated_at": draft["updated_at"]}
    # When the editor saves again into the same slot
    status, again = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": OTHER, "lead_time": 4.0})
    # Then the same draft is updated, not a second one created
    assert status == 200 and again["id"] == draft["id"] and again["result"] == OTHER and again["lead_time"] == 4.0
    assert again["created_at"] == draft["created_at"]
    status, listed = api.call("GET", f"/api/tasks/{task_id}/drafts")
    assert status == 200 and [d["id"] for d in listed] == [draft["id"]]
    assert len(_partition_drafts(world, task_id)) == 1
    # And it is what the task and the label stream carry
    assert [d["id"] for d in api.call("GET", f"/api/tasks/{task_id}")[1]["drafts"]] == [draft["id"]]


def test_next_task_includes_the_callers_draft(api, project, task_id):
    status, draft = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT})
    assert status == 201
    status, nxt = api.call("GET", f"/api/projects/{project['id']}/next")
    assert status == 200 and nxt["id"] == task_id
    assert [d["id"] for d in nxt["drafts"]] == [draft["id"]] and nxt["drafts"][0]["result"] == RESULT


def test_get_patch_delete_by_id(api, task_id):
    draft = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT})[1]
    assert api.call("GET", f"/api/drafts/{draft['id']}") == (200, draft)
    status, patched = api.call("PATCH", f"/api/drafts/{draft['id']}", body={"result": OTHER, "was_postponed": True})
    assert status == 200 and patched["result"] == OTHER and patched["was_postponed"] is True
    assert patched["lead_time"] is None  # not sent, so unchanged
    assert api.call("DELETE", f"/api/drafts/{draft['id']}") == (204, None)
    status, body = api.call("GET", f"/api/drafts/{draft['id']}")
    assert status == 404 and body["detail"] == "No AnnotationDraft matches the given query."
    assert api.call("GET", f"/api/tasks/{task_id}")[1]["drafts"] == []


def test_result_must_be_a_list_of_objects(api, task_id):
    for bad in ({"result": "Positive"}, {"result": ["Positive"]}, {}):
        status, body = api.call("POST", f"/api/tasks/{task_id}/drafts", body=bad)
        assert status == 400 and any(k.startswith("result") for k in body["validation_errors"]), (bad, body)
    draft = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT})[1]
    status, body = api.call("PATCH", f"/api/drafts/{draft['id']}", body={"result": {"a": 1}})
    assert status == 400 and body["validation_errors"]["result"] == ["Input should be a valid list"]
    status, body = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT, "annotation": 999999})
    assert status == 400 and "annotation" in body["validation_errors"]
    assert api.call("POST", "/api/tasks/999999/drafts", body={"result": RESULT})[0] == 404


def test_submitting_an_annotation_ends_its_drafts(api, world, task_id):
    # Given a draft of a new annotation for the task
    draft = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT})[1]
    # When the annotation is submitted naming the draft
    status, annotation = api.call("POST", f"/api/tasks/{task_id}/annotations",
                                  body={"result": RESULT, "draft_id": draft["id"]})
    # Then the draft is gone, and the annotation remembers when the draft was started
    assert status == 201 and annotation["draft_created_at"] == draft["created_at"]
    assert api.call("GET", f"/api/drafts/{draft['id']}")[0] == 404
    assert _partition_drafts(world, task_id) == []
    assert world.items.get(*keys.draft_pointer(draft["id"])) is None
    # And submitting without draft_id also ends the caller's draft of a new annotation
    second = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": OTHER})[1]
    assert api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": OTHER})[0] == 201
    assert api.call("GET", f"/api/drafts/{second['id']}")[0] == 404


def test_drafts_of_an_existing_annotation(api, task_id):
    annotation = api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": RESULT})[1]
    task_draft = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT})[1]
    # When the caller starts editing the annotation
    status, draft = api.call("POST", f"/api/annotations/{annotation['id']}/drafts", body={"result": OTHER})
    assert status == 201 and draft["annotation"] == annotation["id"] and draft["task"] == task_id
    # Then it is its own slot: saving again updates it, and the task-level draft is separate
    status, again = api.call("POST", f"/api/tasks/{task_id}/drafts",
                             body={"result": RESULT, "annotation": annotation["id"]})
    assert status == 200 and again["id"] == draft["id"]
    listed = api.call("GET", f"/api/annotations/{annotation['id']}/drafts")[1]
    assert [d["id"] for d in listed] == [draft["id"]]
    assert {d["id"] for d in api.call("GET", f"/api/tasks/{task_id}/drafts")[1]} == {draft["id"], task_draft["id"]}
    # When the annotation is updated, its draft ends and the task-level one stays
    assert api.call("PATCH", f"/api/annotations/{annotation['id']}", body={"result": OTHER})[0] == 200
    assert api.call("GET", f"/api/drafts/{draft['id']}")[0] == 404
    assert api.call("GET", f"/api/drafts/{task_draft['id']}")[0] == 200
    # And deleting an annotation takes its drafts along
    again = api.call("POST", f"/api/annotations/{annotation['id']}/drafts", body={"result": RESULT})[1]
    assert api.call("DELETE", f"/api/annotations/{annotation['id']}")[0] == 204
    assert api.call("GET", f"/api/drafts/{again['id']}")[0] == 404
    assert api.call("POST", f"/api/annotations/{annotation['id']}/drafts", body={"result": RESULT})[0] == 404


def test_deleting_the_task_or_project_removes_its_drafts(api, world, project, task_id):
    draft = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT})[1]
    assert api.call("DELETE", f"/api/tasks/{task_id}")[0] == 204
    assert _partition_drafts(world, task_id) == [] and world.items.get(*keys.draft_pointer(draft["id"])) is None
    assert api.call("GET", f"/api/drafts/{draft['id']}")[0] == 404
    # A project's delete goes through the same task deletion
    other_task = api.call("GET", "/api/tasks", query={"project": project["id"]})[1]["tasks"][0]["id"]
    second = api.call("POST", f"/api/tasks/{other_task}/drafts", body={"result": RESULT})[1]
    assert api.call("DELETE", f"/api/projects/{project['id']}")[0] == 204
    assert _partition_drafts(world, other_task) == [] and world.items.get(*keys.draft_pointer(second["id"])) is None


def test_drafts_are_private(api, world, task_id):
    draft = api.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT})[1]
    # A user of another organization sees nothing of it
    status, stranger = api.call("POST", "/user/signup", token=None,
                                body={"email": "stranger@example.com", "password": "password123"})
    assert status == 201
    other = Api(token=stranger["token"])
    assert other.call("GET", f"/api/drafts/{draft['id']}")[0] == 404
    assert other.call("PATCH", f"/api/drafts/{draft['id']}", body={"result": OTHER})[0] == 404
    assert other.call("DELETE", f"/api/drafts/{draft['id']}")[0] == 404
    assert other.call("GET", f"/api/tasks/{task_id}/drafts")[0] == 404
    assert other.call("POST", f"/api/tasks/{task_id}/drafts", body={"result": OTHER})[0] == 404
    # Another member of the same organization neither sees nor touches it (service level: no invites yet)
    owner = api.call("GET", "/api/current-user/whoami")[1]
    colleague = Actor(user_id=owner["id"] + 1000, organization_id=owner["active_organization"])
    service = DraftService(world)
    assert service.list_for_task(colleague, task_id) == []
    with pytest.raises(Exception, match="AnnotationDraft"):
        service.get(colleague, draft["id"])
    # and their own draft of the same task is a separate slot
    theirs, created = service.save(colleague, task_id, DraftIn(result=OTHER))
    assert created and theirs["id"] != draft["id"]
    assert [d["id"] for d in api.call("GET", f"/api/tasks/{task_id}")[1]["drafts"]] == [draft["id"]]


class RacingStore:
    """Lets a competing save land between this save's read of the empty slot and its create-only put."""

    def __init__(self, inner, competitor) -> None:
        self.inner, self.competitor, self.raced = inner, competitor, False

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def get(self, pk: str, sk: str):
        if sk.startswith("DRAFT#") and not self.raced:
            self.raced = True
            self.competitor()
            return None  # what this save saw before the competitor wrote
        return self.inner.get(pk, sk)


def test_concurrent_first_saves_make_one_draft(api, world, task_id):
    owner = api.call("GET", "/api/current-user/whoami")[1]
    actor = Actor(user_id=owner["id"], organization_id=owner["active_organization"])
    winner: list[dict] = []

    def competitor() -> None:
        winner.append(DraftService(world).save(actor, task_id, DraftIn(result=RESULT))[0])

    racing = dataclasses.replace(world, items=RacingStore(world.items, competitor))
    draft, created = DraftService(racing).save(actor, task_id, DraftIn(result=OTHER))
    # The loser of the create-only put updates the winner's draft instead of adding a second
    assert created is False and draft["id"] == winner[0]["id"] and draft["result"] == OTHER
    assert len(_partition_drafts(world, task_id)) == 1


def test_drafts_through_a_browser_session_need_csrf(api, task_id):
    from skylabel_api.handler import lambda_handler

    login = lambda_handler(http_api_event("POST", "/api/auth/login", body={"email": "owner@example.com",
                                                                           "password": "password123"}), None)
    cookies = [c.split(";")[0] for c in login["cookies"]]
    csrf = next(c.split("=", 1)[1] for c in cookies if c.startswith("skylabel_csrf="))

    def post(headers: dict) -> int:
        event = http_api_event("POST", f"/api/tasks/{task_id}/drafts", body={"result": RESULT}, headers=headers)
        event["cookies"] = cookies
        return lambda_handler(event, None)["statusCode"]

    assert post({}) == 403
    assert post({"x-csrftoken": csrf}) == 201
