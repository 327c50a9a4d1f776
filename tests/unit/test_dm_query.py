"""The Data Manager query engine (skylabel.dm_query) against Label Studio 1.23.2's semantics.

The fixture mirrors seven tasks built in a real Label Studio 1.23.2 (SQLite). Rows marked "LS" in the tables
were checked against that instance with the same query; the others pin behaviour where LS has no usable answer
(a 500, a data-dependent quirk) and this engine chose on purpose - the module docstring lists those choices.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest

from skylabel.dm_query import parse_query
from skylabel.errors import Invalid

RESULT_A = '[{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["A"]}}]'
RESULT_B = '[{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["B"]}}]'


def task(task_id: int, data: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    row = {
        "id": task_id,
        "inner_id": task_id + 1,
        "data": data,
        "meta": {},
        "created_at": f"2026-11-27T21:10:38.44{task_id}000Z",
        "updated_at": "2026-11-27T21:10:38.500000Z",
        "completed_at": None,
        "total_annotations": 0,
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "annotators": [],
        "annotations_results": "",
        "predictions_results": "",
        "predictions_score": None,
        "predictions_model_versions": [],
        "ground_truth": False,
        "file_upload": None,
        "storage_filename": None,
        "avg_lead_time": None,
        "draft_exists": False,
        "is_labeled": False,
        "reviewed": None,
        "agreement": None,
    }
    row.update(overrides)
    return row


ROWS = [
    task(
        1,
        {
            "text": "Hello grp042 World",
            "num": 5,
            "snum": "10",
            "flag": True,
            "dt": "2024-01-02T00:00:00.000000Z",
            "lst": ["a", "b"],
            "nested": {"a": {"b": 1}},
        },
        completed_at="2026-11-27T21:10:38.463262Z",
        total_annotations=1,
        total_predictions=1,
        annotators=[1],
        annotations_results=RESULT_A,
        predictions_results=RESULT_A,
        predictions_model_versions=["v1"],
        predictions_score=0.9,
        avg_lead_time=3.0,
        is_labeled=True,
        ground_truth=True,
        reviewed=True,
        agreement=100.0,
        file_upload="batch1.csv",
        storage_filename="s3://bucket/1.json",
    ),
    task(
        2,
        {"text": "hello", "num": 2.5, "snum": "9", "flag": False, "dt": "2023-01-02T00:00:00.000000Z"},
        completed_at="2026-11-27T21:10:38.492574Z",
        total_annotations=1,
        cancelled_annotations=1,
        annotators=[2, 1],
        annotations_results="[]," + RESULT_B,  # one empty result, one cancelled annotation with a result
        avg_lead_time=1.0,
        is_labeled=True,
        reviewed=False,
        agreement=50.0,
        draft_exists=True,
        file_upload="BATCH1.csv",
    ),
    task(
        3,
        {"text": "", "num": None, "snum": "abc"},
        total_predictions=1,
        predictions_results="[]",
        predictions_model_versions=["V2-beta"],
        predictions_score=0.2,
        file_upload="other.json",
    ),
    task(4, {"text": "ZZZ", "num": "7", "snum": ""}),
    task(5, {"other": 1}),
    task(6, {"text": 42, "num": 100}),
    task(7, {"text": "GRP042 upper", "num": -1, "a.b": "dotted"}),
]
ALL = [1, 2, 3, 4, 5, 6, 7]


def one_filter(column: str, operator: str, type_: str, value: Any, conjunction: str = "and") -> dict[str, Any]:
    item = {"filter": f"filter:tasks:{column}", "operator": operator, "type": type_, "value": value}
    return {"filters": {"conjunction": conjunction, "items": [item]}}


def ids(query: Any, rows: list[dict[str, Any]] | None = None) -> list[int]:
    return [row["id"] for row in parse_query(query).apply(ROWS if rows is None else rows)]


# --- every operator and type ---------------------------------------------------------------------------------

LS_CHECKED = [
    # data.<field>, String-like types: JSON-typed comparison, case-insensitive contains
    ("data.text", "contains", "String", "grp042", [1, 7]),
    ("data.text", "not_contains", "String", "grp042", [2, 3, 4, 6]),  # missing key (5) never matches
    ("data.text", "contains", "String", "4", [1, 6, 7]),  # the number 42 is matched as "42"
    ("data.text", "contains", "String", "", [1, 2, 3, 4, 6, 7]),
    ("data.text", "contains", "Image", "HELLO", [1, 2]),
    ("data.text", "equal", "String", "hello", [2]),
    ("data.text", "equal", "Unknown", "hello", [2]),
    ("data.text", "not_equal", "String", "hello", [1, 3, 4, 6, 7]),
    ("data.text", "equal", "String", "42", []),  # "42" is not the number 42
    ("data.text", "equal", "String", 42, [6]),
    ("data.text", "equal", "Number", 42, [6]),
    ("data.text", "empty", "String", True, [3, 5]),
    ("data.text", "empty", "Unknown", True, [3, 5]),
    ("data.text", "empty", "String", False, [1, 2, 4, 6, 7]),
    ("data.text", "in", "String", {"min": "A", "max": "Z"}, [1, 7]),
    ("data.text", "in_list", "String", ["hello", "ZZZ"], [2, 4]),
    ("data.text", "not_in_list", "String", ["hello", "ZZZ"], [1, 3, 6, 7]),
    ("data.text", "regex", "String", "^[Hh]ello", [1, 2]),
    ("data.text", "regex", "String", "4", [1, 6, 7]),
    ("data.snum", "greater", "String", "8", [2, 3]),  # text order: "9" and "abc" > "8" > "10"
    ("data.snum", "less", "String", "8", [1, 4]),
    ("data.num", "in_list", "String", [5, "7"], [1, 4]),
    ("data.lst", "contains", "String", "a", [1]),
    ("data.lst", "contains", "String", '["a","b"]', [1]),  # a list is its compact JSON
    ("data.nested", "contains", "String", '"b"', [1]),
    ("data.a.b", "equal", "String", "dotted", [7]),  # the literal key "a.b" first
    # data.<field>, Number: numeric cast of both sides, numeric strings included
    ("data.num", "equal", "Number", 5, [1]),
    ("data.num", "equal", "Number", "7", [4]),
    ("data.num", "greater", "Number", 3, [1, 4, 6]),
    ("data.num", "greater_or_equal", "Number", 5, [1, 4, 6]),
    ("data.num", "in", "Number", {"min": 2, "max": 7}, [1, 2, 4]),
    ("data.num", "in_list", "Number", [5, 7], [1, 4]),
    ("data.snum", "greater", "Number", 8, [1, 2]),
    # data.<field>, Boolean
    ("data.flag", "equal", "Boolean", True, [1]),
    ("data.flag", "equal", "Boolean", "false", [2]),
    ("data.flag", "not_equal", "Boolean", True, [2]),
    ("data.flag", "empty", "Boolean", True, [3, 4, 5, 6, 7]),
    # Datetime columns
    ("completed_at", "empty", "Datetime", False, [1, 2]),  # legacy get_labeled_tasks
    ("completed_at", "empty", "Datetime", True, [3, 4, 5, 6, 7]),  # legacy get_unlabeled_tasks
    ("completed_at", "empty", "Datetime", "false", [1, 2]),
    ("completed_at", "not_equal", "Datetime", "2020-01-01T00:00:00.000000Z", [1, 2]),
    ("completed_at", "greater", "Datetime", "2020-01-01T00:00:00.000Z", [1, 2]),
    ("created_at", "in", "Datetime", {"min": "2020-01-01T00:00:00.000Z", "max": "2030-01-01T00:00:00.000Z"}, ALL),
    # Number columns (empty means 0 for the three counters)
    ("total_annotations", "greater", "Number", 0, [1, 2]),
    ("total_annotations", "greater", "Number", "0", [1, 2]),
    ("total_annotations", "empty", "Number", True, [3, 4, 5, 6, 7]),
    ("total_annotations", "empty", "Number", False, [1, 2]),
    ("cancelled_annotations", "equal", "Number", 1, [2]),
    ("total_predictions", "in", "Number", {"min": 1, "max": 1}, [1, 3]),
    ("avg_lead_time", "greater", "Number", 2, [1]),
    ("avg_lead_time", "not_equal", "Number", 3, [2]),  # null never matches, not even not_equal
    ("avg_lead_time", "empty", "Number", True, [3, 4, 5, 6, 7]),
    ("id", "equal", "Number", "3", [3]),
    ("id", "equal", "String", "3", [3]),  # a fixed column compares by its own kind
    ("id", "in_list", "Number", [1, "3"], [1, 3]),
    ("id", "not_in_list", "Number", [1, 3], [2, 4, 5, 6, 7]),
    ("inner_id", "less", "Number", 3, [1]),
    # annotators: user ids
    ("annotators", "contains", "List", 2, [2]),
    ("annotators", "contains", "List", "2", [2]),
    ("annotators", "not_contains", "List", 2, [1, 3, 4, 5, 6, 7]),
    ("annotators", "empty", "List", True, [3, 4, 5, 6, 7]),
    ("annotators", "empty", "List", False, [1, 2]),
    # annotation / prediction results: text of each result's JSON
    ("annotations_results", "contains", "String", "choices", [1, 2]),
    ("annotations_results", "contains", "String", "CHOICES", [1, 2]),
    ("annotations_results", "not_contains", "String", "choices", [3, 4, 5, 6, 7]),
    ("annotations_results", "contains", "String", '"choices": ["A"]', [1]),
    ("annotations_results", "contains", "String", '"choices":["A"]', []),
    ("annotations_results", "empty", "String", True, [2, 3, 4, 5, 6, 7]),
    ("annotations_results", "empty", "String", False, [1]),
    ("annotations_results", "equal", "String", "[]", [2]),
    ("annotations_results", "not_equal", "String", "[]", [1, 3, 4, 5, 6, 7]),
    ("annotations_results", "regex", "String", "cho", [1, 2]),
    ("predictions_results", "contains", "String", "choices", [1]),
    ("predictions_results", "empty", "String", True, [2, 3, 4, 5, 6, 7]),
    # prediction model versions: case-insensitive substring of any version
    ("predictions_model_versions", "contains", "List", ["v"], [1, 3]),
    ("predictions_model_versions", "contains", "List", ["V2"], [3]),
    ("predictions_model_versions", "not_contains", "List", ["v1"], [2, 3, 4, 5, 6, 7]),
    ("predictions_model_versions", "empty", "List", True, [2, 4, 5, 6, 7]),
    ("predictions_model_versions", "empty", "List", False, [1, 3]),
    ("predictions_model_versions", "equal", "List", "v1", [1]),
    ("predictions_model_versions", "in_list", "List", ["v1"], [1]),
    ("draft_exists", "equal", "Boolean", False, [1, 3, 4, 5, 6, 7]),
]

CHOSEN = [
    # JSON null and non-numeric strings are null (LS on SQLite casts them to the text "null" / to 0)
    ("data.num", "empty", "Number", True, [3, 5]),
    ("data.num", "not_equal", "Number", 5, [2, 4, 6, 7]),
    ("data.num", "less", "Number", 3, [2, 7]),
    ("data.num", "less_or_equal", "Number", 5, [1, 2, 7]),
    ("data.num", "not_in", "Number", {"min": 2, "max": 7}, [6, 7]),
    ("data.snum", "equal", "Number", 0, []),
    ("data.num", "greater", "String", 3, [1, 4, 6]),  # JSON-typed: text sorts after every number
    ("data.num", "not_in_list", "String", [5, "7"], [2, 6, 7]),
    # data.<field> lookups LS cannot do
    ("data.nested.a.b", "equal", "Number", 1, [1]),  # nested path when no literal key
    ("data.lst", "empty", "String", True, [2, 3, 4, 5, 6, 7]),  # LS: depends on the first task's type
    ("data.dt", "greater", "Datetime", "2023-06-01T00:00:00.000Z", [1]),  # LS: 500 (datetime not serialisable)
    ("data.dt", "less_or_equal", "Datetime", "2023-01-02", [2]),
    # Datetime: plain ISO forms accepted (LS only takes %Y-%m-%dT%H:%M:%S.%fZ)
    ("completed_at", "greater", "Datetime", "2020-01-01T00:00:00Z", [1, 2]),
    ("completed_at", "less", "Datetime", "2026-11-27T21:10:38.463262Z", []),
    ("completed_at", "less_or_equal", "Datetime", "2026-11-27T21:10:38.463262Z", [1]),
    ("completed_at", "equal", "Datetime", "2026-11-27T22:10:38.492574+01:00", [2]),  # compared in UTC
    ("created_at", "greater_or_equal", "Datetime", "2026-11-27 21:10:38.445", [5, 6, 7]),
    (
        "created_at",
        "not_in",
        "Datetime",
        {"min": "2026-11-27T21:10:38.442Z", "max": "2026-11-27T21:10:38.446Z"},
        [1, 7],
    ),
    ("completed_at", "in_list", "Datetime", ["2026-11-27T21:10:38.463262Z"], [1]),
    # annotators: equal / in_list are membership (LS on SQLite compares the joined string and finds nothing)
    ("annotators", "equal", "List", 1, [1, 2]),
    ("annotators", "not_equal", "List", 1, [3, 4, 5, 6, 7]),
    ("annotators", "in_list", "List", [2, 9], [2]),
    ("annotators", "not_in_list", "List", [1], [3, 4, 5, 6, 7]),
    # one model version given as a string is one version (LS iterates its characters)
    ("predictions_model_versions", "contains", "List", "v1", [1]),
    ("predictions_model_versions", "not_equal", "List", "v1", [2, 3, 4, 5, 6, 7]),
    # predictions_results empty reads predictions (LS reads annotations here: a bug)
    ("predictions_results", "empty", "String", False, [1]),
    # contains on a number matches its digits (LS looks for "1.0")
    ("id", "contains", "Number", 1, [1]),
    ("id", "regex", "Number", "^[67]$", [6, 7]),
    # columns the LS test instance could not evaluate (enterprise-only or not in the community schema)
    ("ground_truth", "equal", "Boolean", True, [1]),
    ("ground_truth", "equal", "Boolean", "false", [2, 3, 4, 5, 6, 7]),
    ("ground_truth", "not_equal", "Boolean", 1, [2, 3, 4, 5, 6, 7]),
    ("reviewed", "equal", "Boolean", False, [2]),
    ("reviewed", "empty", "Boolean", True, [3, 4, 5, 6, 7]),
    ("is_labeled", "equal", "Boolean", "yes", [1, 2]),
    ("draft_exists", "equal", "Boolean", True, [2]),
    ("predictions_score", "greater", "Number", 0.5, [1]),
    ("predictions_score", "less", "Number", 0.5, [3]),
    ("predictions_score", "not_equal", "Number", 0.9, [3]),
    ("predictions_score", "empty", "Number", True, [2, 4, 5, 6, 7]),
    ("predictions_score", "in", "Number", {"min": 0, "max": 1}, [1, 3]),
    ("agreement", "in_list", "Number", [50], [2]),
    ("agreement", "greater_or_equal", "Number", "50", [1, 2]),
    ("file_upload", "contains", "String", "batch", [1, 2]),
    ("file_upload", "not_contains", "String", "batch", [3]),  # null file_upload never matches
    ("file_upload", "equal", "String", "batch1.csv", [1]),  # equal is case-sensitive
    ("file_upload", "empty", "String", True, [4, 5, 6, 7]),
    ("file_upload", "regex", "String", r"\.csv$", [1, 2]),
    ("file_upload", "less", "String", "a", [2]),
    ("storage_filename", "contains", "String", "s3://", [1]),
    ("storage_filename", "empty", "String", False, [1]),
]


@pytest.mark.parametrize(("column", "operator", "type_", "value", "expected"), LS_CHECKED)
def test_each_operator_and_type_matches_label_studio(column, operator, type_, value, expected):
    """Given the seven fixture tasks, when one filter is applied, then the ids LS 1.23.2 returned come back."""
    assert ids(one_filter(column, operator, type_, value)) == expected


@pytest.mark.parametrize(("column", "operator", "type_", "value", "expected"), CHOSEN)
def test_operators_where_the_engine_chose_a_semantics(column, operator, type_, value, expected):
    """Given the fixture, when a filter LS answers oddly (or with a 500) is applied, then the chosen ids come back."""
    assert ids(one_filter(column, operator, type_, value)) == expected


# --- conjunctions and child filters --------------------------------------------------------------------------


def item(column: str, operator: str, type_: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"filter": f"filter:tasks:{column}", "operator": operator, "type": type_, "value": value, **extra}


def test_or_conjunction_keeps_a_task_matching_any_filter():
    # Given two filters on different columns
    query = {
        "filters": {
            "conjunction": "or",
            "items": [
                item("data.text", "contains", "String", "grp"),
                item("total_annotations", "greater", "Number", 0),
            ],
        }
    }
    # When applied, then a task matching either is kept
    assert ids(query) == [1, 2, 7]


def test_and_conjunction_keeps_a_task_matching_every_filter():
    query = {
        "filters": {
            "conjunction": "and",
            "items": [item("id", "greater", "Number", 1), item("id", "less", "Number", 4)],
        }
    }
    assert ids(query) == [2, 3]


def test_three_filters_with_and():
    query = {
        "filters": {
            "conjunction": "and",
            "items": [
                item("id", "greater", "Number", 0),
                item("data.text", "contains", "String", "grp042"),
                item("data.num", "less", "Number", 0),
            ],
        }
    }
    assert ids(query) == [7]


def test_child_filter_is_anded_with_its_parent_even_under_or():
    # Given an OR of (id == 1 AND id < 0) and (id == 4)  [LS: [4]]
    query = {
        "filters": {
            "conjunction": "or",
            "items": [
                item("id", "equal", "Number", 1, child_filter=item("id", "less", "Number", 0)),
                item("id", "equal", "Number", 4),
            ],
        }
    }
    assert ids(query) == [4]


def test_filter_with_null_value_is_skipped_but_its_child_still_applies():
    # Given a half-filled filter (value null) as the DM frontend saves it, with a filled child filter
    query = {
        "filters": {
            "conjunction": "and",
            "items": [item("data.text", "contains", "String", None, child_filter=item("id", "less", "Number", 3))],
        }
    }
    # When applied, then only the child narrows the tasks
    assert ids(query) == [1, 2]
    assert ids(one_filter("data.text", "contains", "String", None)) == ALL
    assert parse_query(one_filter("data.text", "contains", "String", None)).is_trivial


def test_empty_filter_list_keeps_everything():
    assert ids({"filters": {"conjunction": "and", "items": []}}) == ALL


# --- ordering ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ([], ALL),
        (["tasks:id"], ALL),
        (["-tasks:id"], [7, 6, 5, 4, 3, 2, 1]),
        (["tasks:-id"], [7, 6, 5, 4, 3, 2, 1]),  # LS also accepts the minus after the prefix
        (["-id"], [7, 6, 5, 4, 3, 2, 1]),  # and no prefix at all
        (["tasks:completed_at"], ALL),  # LS; nulls last, ties by id
        (["-tasks:completed_at"], [2, 1, 3, 4, 5, 6, 7]),  # LS; nulls last in descending order too
        (["-tasks:total_annotations", "-tasks:id"], ALL),  # LS: only the first entry counts
        (["tasks:total_annotations"], [3, 4, 5, 6, 7, 1, 2]),
        (["tasks:data.text"], [6, 3, 7, 1, 4, 2, 5]),  # LS: numbers, then text by code point, missing last
        (["-tasks:data.text"], [2, 4, 1, 7, 3, 6, 5]),  # LS
        (["tasks:data.num"], [7, 2, 1, 6, 4, 3, 5]),  # LS: the string "7" after every number
        (["-tasks:data.num"], [4, 6, 1, 2, 7, 3, 5]),  # JSON null sorts with the missing values
        (["tasks:data.bogus"], ALL),  # LS
        (["tasks:annotators"], [3, 4, 5, 6, 7, 1, 2]),  # LS: no annotators sorts first
        (["tasks:avg_lead_time"], [2, 1, 3, 4, 5, 6, 7]),
        (["-tasks:avg_lead_time"], [1, 2, 3, 4, 5, 6, 7]),
        (["tasks:predictions_score"], [3, 1, 2, 4, 5, 6, 7]),
        (["-tasks:predictions_score"], [1, 3, 2, 4, 5, 6, 7]),
        (["-tasks:created_at"], [7, 6, 5, 4, 3, 2, 1]),
        (["tasks:file_upload"], [2, 1, 3, 4, 5, 6, 7]),  # "BATCH1" < "batch1" < "other", nulls last
        (["-tasks:ground_truth"], [1, 2, 3, 4, 5, 6, 7]),
        (["tasks:predictions_model_versions"], [3, 1, 2, 4, 5, 6, 7]),  # "V2-beta" < "v1", none last
        ("-tasks:id", [7, 6, 5, 4, 3, 2, 1]),  # a bare string is taken as a one-entry list
    ],
)
def test_ordering(ordering, expected):
    """Given the fixture, when ordered by a column, then nulls come last in both directions and ties keep id order."""
    assert ids({"ordering": ordering}) == expected


def test_number_display_type_orders_a_data_field_numerically():
    # Given data.snum holding "10", "9", "abc", "" and a missing key
    plain = {"ordering": ["tasks:data.snum"]}
    numeric = {**plain, "columnsDisplayType": {"tasks:data.snum": "Number"}}
    # When ordered as text, then "10" < "9" < "abc"; when as Number, then 9 < 10 and non-numbers go last
    assert ids(plain) == [4, 1, 2, 3, 5, 6, 7]
    assert ids(numeric) == [2, 1, 3, 4, 5, 6, 7]


def test_descending_ties_keep_id_ascending_and_unsorted_input_is_fine():
    rows = [task(i, {"g": i % 2}) for i in (5, 2, 4, 1, 3)]
    assert ids({"ordering": ["-tasks:data.g"]}, rows) == [1, 3, 5, 2, 4]
    assert ids({}, rows) == [1, 2, 3, 4, 5]


def test_datetimes_in_other_iso_forms_sort_as_instants():
    rows = [
        task(1, {}, completed_at="2026-01-01T10:00:00+02:00"),  # 08:00 UTC
        task(2, {}, completed_at="2026-01-01T09:00:00.000000Z"),
        task(3, {}, completed_at="2026-01-01T08:30:00Z"),
        task(4, {}, completed_at="not a date"),
    ]
    assert ids({"ordering": ["tasks:completed_at"]}, rows) == [1, 3, 2, 4]
    assert ids({"ordering": ["-tasks:completed_at"]}, rows) == [2, 3, 1, 4]


# --- selectedItems -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        ({"all": True, "excluded": [2, 3]}, [1, 4, 5, 6, 7]),  # LS
        ({"all": True, "excluded": []}, ALL),
        ({"all": False, "included": [2, 3]}, [2, 3]),  # LS
        ({"all": False, "included": ["3", 99]}, [3]),
        ({"all": False, "included": []}, ALL),  # LS: an empty "included" selects everything
        ({"all": True, "included": [2, 3]}, ALL),  # LS: "included" only counts with all=false
        ('{"all": false, "included": [1]}', [1]),  # LS parses a JSON-encoded selectedItems
        (None, ALL),
    ],
)
def test_selected_items(selected, expected):
    assert ids({"selectedItems": selected}) == expected


def test_selection_applies_after_filters_and_before_ordering():
    query = {
        "filters": {"conjunction": "and", "items": [item("id", "greater", "Number", 1)]},
        "selectedItems": {"all": True, "excluded": [3]},
        "ordering": ["-tasks:id"],
    }
    assert ids(query) == [7, 6, 5, 4, 2]  # LS


# --- the exact shapes clients send ---------------------------------------------------------------------------


def test_baseline_query_string_data_text_contains_grp042():
    # Given the query string the benchmark sends (ls_baseline.md 4c), as JSON text
    raw = json.dumps(
        {
            "filters": {
                "conjunction": "and",
                "items": [
                    {"filter": "filter:tasks:data.text", "operator": "contains", "type": "String", "value": "grp042"}
                ],
            }
        }
    )
    # When parsed and applied, then both case variants match, and only data is needed
    query = parse_query(raw)
    assert [row["id"] for row in query.apply(ROWS)] == [1, 7]
    assert query.needed_columns == {"id", "data"}
    assert not query.is_trivial
    # and a still percent-encoded query string (LS unquotes it once more) gives the same answer
    assert ids(quote(raw)) == [1, 7]


def test_legacy_sdk_shapes():
    # Given what the legacy Client sends: filters null, ordering [], all selected
    legacy = {"filters": None, "ordering": [], "selectedItems": {"all": True, "excluded": []}}
    assert ids(json.dumps(legacy)) == ALL
    assert parse_query(json.dumps(legacy)).is_trivial
    # get_labeled_tasks / get_unlabeled_tasks
    for value, expected in ((False, [1, 2]), (True, [3, 4, 5, 6, 7])):
        filters = {
            "conjunction": "and",
            "items": [{"filter": "filter:tasks:completed_at", "operator": "empty", "value": value, "type": "Datetime"}],
        }
        assert ids(json.dumps({**legacy, "filters": filters})) == expected
    # get_tasks(selected_ids=[...])
    assert ids({**legacy, "selectedItems": {"all": False, "included": [4, 2]}}) == [2, 4]


def test_label_studio_api_examples():
    # Given LS's documented example_request_1 / _2 shapes (values adapted to the fixture)
    example_1 = {
        "filters": {"conjunction": "or", "items": [item("id", "greater", "Number", 3)]},
        "selectedItems": {"all": True, "excluded": [5]},
        "ordering": ["tasks:total_annotations"],
    }
    example_2 = {
        "filters": {
            "conjunction": "or",
            "items": [
                item(
                    "completed_at",
                    "in",
                    "Datetime",
                    {"min": "2021-01-01T00:00:00.000Z", "max": "2027-01-01T00:00:00.000Z"},
                )
            ],
        },
        "selectedItems": {"all": False, "included": [1, 2, 3]},
        "ordering": ["-tasks:completed_at"],
    }
    assert ids(example_1) == [4, 6, 7]
    assert ids(example_2) == [2, 1]


@pytest.mark.parametrize("raw", [None, "", "  ", "null", "{}", {}, '{"filters": null}', {"ordering": ["tasks:id"]}])
def test_no_query_is_trivial(raw):
    query = parse_query(raw)
    assert query.is_trivial
    assert query.needed_columns == {"id"}
    assert [row["id"] for row in query.apply(ROWS)] == ALL


def test_unknown_top_level_keys_of_view_data_are_ignored():
    view_data = {"title": "Tab", "type": "list", "hiddenColumns": {"explore": []}, "target": "tasks"}
    assert parse_query(view_data).is_trivial


# --- what the caller asks before scanning --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "trivial"),
    [
        ({"ordering": ["-tasks:id"]}, False),
        ({"ordering": ["tasks:data.text"]}, False),
        ({"selectedItems": {"all": True, "excluded": [1]}}, False),
        ({"selectedItems": {"all": False, "included": [1]}}, False),
        ({"selectedItems": {"all": False, "included": []}}, True),
        (one_filter("id", "greater", "Number", 0), False),
    ],
)
def test_is_trivial(query, trivial):
    assert parse_query(query).is_trivial is trivial


def test_needed_columns_lists_the_row_keys_filters_children_and_ordering_read():
    query = parse_query(
        {
            "filters": {
                "conjunction": "and",
                "items": [
                    item("completed_at", "empty", "Datetime", False),
                    item(
                        "data.text", "contains", "String", "x", child_filter=item("annotators", "contains", "List", 1)
                    ),
                ],
            },
            "ordering": ["-tasks:annotations_results"],
        }
    )
    assert query.needed_columns == {"id", "completed_at", "data", "annotators", "annotations_results"}


def test_matches_and_filter_agree():
    query = parse_query(one_filter("data.text", "contains", "String", "grp042"))
    assert [row["id"] for row in ROWS if query.matches(row)] == [1, 7]
    assert [row["id"] for row in query.filter(ROWS)] == [1, 7]
    assert parse_query(None).matches(ROWS[0])


def test_dynamodb_decimals_behave_like_numbers():
    # Given rows as DynamoDB returns them: numbers are Decimal
    rows = [
        task(1, {"n": Decimal("5"), "t": "a"}, total_annotations=Decimal("2"), predictions_score=Decimal("0.5")),
        task(2, {"n": Decimal("2.5"), "t": Decimal("10")}, total_annotations=Decimal("0")),
    ]
    assert ids(one_filter("data.n", "equal", "Number", 5), rows) == [1]
    assert ids(one_filter("data.n", "in_list", "String", [2.5]), rows) == [2]
    assert ids(one_filter("data.t", "contains", "String", "10"), rows) == [2]
    assert ids(one_filter("total_annotations", "empty", "Number", True), rows) == [2]
    assert ids(one_filter("predictions_score", "greater", "Number", 0.4), rows) == [1]
    assert ids({"ordering": ["tasks:data.n"]}, rows) == [2, 1]
    assert ids({"ordering": ["-tasks:data.t"]}, rows) == [1, 2]  # text after numbers


def test_results_as_one_json_list_per_task_also_work():
    rows = [task(1, {}, annotations_results="[" + RESULT_A + ",[]]"), task(2, {}, annotations_results=RESULT_B)]
    target = json.dumps(json.loads(RESULT_A))
    assert ids(one_filter("annotations_results", "equal", "String", target), rows) == [1]
    assert ids(one_filter("annotations_results", "empty", "String", True), rows) == [1]


# --- invalid queries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "query is not valid JSON"),
        ("[1, 2]", "query must be a JSON object"),
        ({"filters": "data.text contains x"}, "filters must be an object"),
        ({"filters": {"conjunction": "xor", "items": []}}, 'filters.conjunction must be "and" or "or", got "xor"'),
        ({"filters": {"items": []}}, "filters.conjunction must be"),
        ({"filters": {"conjunction": "and"}}, "filters.items must be a list"),
        ({"filters": {"conjunction": "and", "items": ["id > 1"]}}, "filters.items[0] must be an object"),
        (
            {"filters": {"conjunction": "and", "items": [{"filter": "filter:tasks:id", "type": "Number", "value": 1}]}},
            "filters.items[0].operator is required",
        ),
        (
            {
                "filters": {
                    "conjunction": "and",
                    "items": [{"filter": "filter:tasks:id", "operator": "equal", "type": "X"}],
                }
            },
            "filters.items[0].value is required",
        ),
        (one_filter("id", "starts_with", "Number", 3), 'unknown operator "starts_with"; use one of equal'),
        (
            {"filters": {"conjunction": "and", "items": [item("id", "equal", "Number", 1) | {"filter": "tasks:id"}]}},
            'Filter "tasks:id" should start with "filter:tasks:"',
        ),
        (
            {
                "filters": {
                    "conjunction": "and",
                    "items": [item("id", "gt", "Number", 1) | {"filter": "filter:annotations:id"}],
                }
            },
            'should start with "filter:tasks:"',
        ),
        (one_filter("bogus", "equal", "Number", 3), 'unknown column "bogus"; use one of'),
        (one_filter("data.", "equal", "String", "x"), '"data." needs a field name'),
        (one_filter("id", "equal", "Number", "x"), 'filters.items[0]: equal on "id" needs a number, got "x"'),
        (one_filter("data.num", "greater", "Number", True), "needs a number, got true"),
        (one_filter("data.num", "equal", "Number", [1]), "needs a number"),
        (one_filter("completed_at", "greater", "Datetime", "yesterday"), 'needs a datetime like "2024-01-31T00'),
        (one_filter("created_at", "less", "String", 5), "needs a datetime"),
        (one_filter("ground_truth", "equal", "Boolean", "maybe"), "needs a boolean (true/false)"),
        (one_filter("data.flag", "equal", "Boolean", 2), "needs a boolean"),
        (one_filter("id", "in", "Number", 3), 'needs {"min": ..., "max": ...}, got 3'),
        (one_filter("id", "in", "Number", {"min": 1}), 'needs {"min": ..., "max": ...}'),
        (one_filter("id", "in", "Number", {"min": 1, "max": "z"}), "needs a number"),
        (one_filter("id", "in_list", "Number", 3), "needs a list of values, got 3"),
        (one_filter("id", "in_list", "Number", [1, "z"]), "needs a number"),
        (one_filter("completed_at", "empty", "Datetime", "maybe"), "operator empty needs true or false"),
        (one_filter("data.text", "regex", "String", "^[hel"), "invalid regular expression '^[hel'"),
        (one_filter("data.text", "contains", "String", ["a"]), "operator contains needs a string"),
        (one_filter("file_upload", "equal", "String", {"a": 1}), "needs a single value"),
        (one_filter("annotators", "less", "List", 1), "operator less is not supported on annotators"),
        (one_filter("annotators", "contains", "List", "bob"), "annotators filters take a user id"),
        (one_filter("annotators", "in_list", "List", 1), "in_list on annotators needs a list of user ids"),
        (one_filter("predictions_model_versions", "contains", "List", 3), "needs a string or a list of strings"),
        (one_filter("predictions_model_versions", "greater", "List", "v"), "operator greater is not supported"),
        (one_filter("annotations_results", "equal", "String", "notjson"), "needs a JSON result"),
        ({"selectedItems": [1, 2]}, 'selectedItems must be {"all": true, "excluded": [task ids]}'),
        ({"selectedItems": {"included": [1]}}, "selectedItems must be"),
        ({"selectedItems": "{bad"}, "selectedItems must be"),
        ({"selectedItems": {"all": True, "excluded": ["x"]}}, "selectedItems.excluded must be a list of task ids"),
        ({"selectedItems": {"all": False, "included": 3}}, "selectedItems.included must be a list of task ids"),
        ({"ordering": ["tasks:bogus"]}, 'ordering[0]: unknown column "bogus"'),
        ({"ordering": {"by": "id"}}, "ordering must be a list"),
        ({"ordering": [3]}, "ordering entries must be column names"),
        ({"ordering": ["-"]}, "ordering entries must be column names"),
    ],
)
def test_invalid_queries_say_what_to_fix(raw, message):
    """Given a malformed query, when parsed, then Invalid (400) names the part to fix."""
    with pytest.raises(Invalid) as caught:
        parse_query(raw)
    assert message in caught.value.message
    assert caught.value.status == 400
    assert caught.value.details == {"query": [caught.value.message]}


def test_invalid_child_filter_is_reported_with_its_path():
    query = {"filters": {"conjunction": "and", "items": [item("id", "gt", "Number", 1) | {"operator": "equal"}]}}
    query["filters"]["items"][0]["child_filter"] = item("id", "equal", "Number", "x")
    with pytest.raises(Invalid, match=r"filters\.items\[0\]\.child_filter: equal on \"id\" needs a number"):
        parse_query(query)


# --- speed ---------------------------------------------------------------------------------------------------


def test_contains_over_100k_rows_matches_exactly():
    # Given 100,000 rows shaped like the baseline project (1,000 match grp042); speed is measured in bench/, not here
    rows = [
        {"id": i, "data": {"text": f"task {i} grp{i % 100:03d} uid{i:07d} lorem ipsum dolor"}} for i in range(100_000)
    ]
    query = parse_query(one_filter("data.text", "contains", "String", "grp042"))
    matched = query.filter(rows)
    assert len(matched) == 1_000 and all("grp042" in r["data"]["text"] for r in matched)
