"""Draft bodies, the Draft view and the key layout that makes one draft per slot."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from skylabel import keys
from skylabel.drafts.models import DraftIn, DraftPatch, draft_view


def test_one_slot_per_user_task_and_annotation_in_the_tasks_partition():
    assert keys.draft(7, 3, None) == (keys.task_partition(7), "DRAFT#000000000003#000000000000")
    assert keys.draft(7, 3, 12)[1] == "DRAFT#000000000003#000000000012"
    assert keys.draft(7, 3, None) != keys.draft(7, 4, None) != keys.draft(8, 3, None)
    assert keys.draft_pointer(5) == ("DRAFT#5", "PTR")


def test_result_is_a_required_list_of_objects():
    assert DraftIn(result=[{"a": 1}]).was_postponed is False
    for bad in ({}, {"result": "A"}, {"result": ["A"]}, {"result": {"a": 1}}):
        with pytest.raises(ValidationError):
            DraftIn(**bad)


def test_patch_changes_only_what_was_sent():
    assert DraftPatch(result=[]).changes() == {"result": []}
    assert DraftPatch(lead_time=None).changes() == {"lead_time": None}
    assert DraftPatch(was_postponed=None).changes() == {}
    assert DraftPatch().changes() == {}


def test_view_hides_storage_keys():
    item = {"pk": "TASK#1", "sk": "DRAFT#x", "id": 4, "task": 1, "project": 2, "annotation": None, "user": 3,
            "result": [], "lead_time": 1.5, "was_postponed": False, "import_id": None,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:01Z"}
    assert draft_view(item) == {k: v for k, v in item.items() if k not in ("pk", "sk", "project")}
