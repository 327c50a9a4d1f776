"""ItemStore contract: every case runs on SQLite and on DynamoDB (moto), which must agree.

What a service may rely on is written here once; an adapter that passes is interchangeable with the other.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skylabel.adapters.sqlite import SqliteItemStore
from skylabel.errors import Invalid
from skylabel.ports import Check, Condition, ConditionFailed, Delete, ItemStore, Put, Update

TABLE = "skylabel-contract-items"
_tables = itertools.count()
NOW = 1_700_000_000


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def dynamodb_client(aws_credentials: None) -> Iterator[Any]:
    """One moto DynamoDB per module (starting it and a client costs ~0.1 s); each test gets its own table."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[ItemStore]:
    if request.param == "sqlite":
        sqlite = SqliteItemStore(tmp_path / "items.db", clock=clock)
        yield sqlite
        sqlite.close()
        return
    from skylabel.adapters.dynamodb import DynamoItemStore, create_table

    client = request.getfixturevalue("dynamodb_client")
    table = f"{TABLE}-{next(_tables)}"
    create_table(client, table)
    yield DynamoItemStore(table, client=client, clock=clock, sleep=lambda _: None)
    client.delete_table(TableName=table)


def task(n: int, **extra: Any) -> dict[str, Any]:
    """Task n of project 1, listed in gsi1 under its status (sort key padded so text order is id order)."""
    return {"pk": "project#1", "sk": f"task#{n:05d}", "gsi1pk": "project#1#todo", "gsi1sk": f"{n:05d}", "n": n, **extra}


def numbers(items: list[dict[str, Any]]) -> list[int]:
    return [item["n"] for item in items]


# --- single items -----------------------------------------------------------------------------------------


def test_put_then_get_round_trips_every_value_type(store: ItemStore) -> None:
    # Given an item holding every kind of value the port allows
    item = {
        "pk": "p",
        "sk": "s",
        "text": "ünïcødé ✓ 标注 🚀",
        "empty": "",
        "int": 42,
        "big": 2**70,
        "negative": -7,
        "zero": 0,
        "float_one": 1.0,
        "float_tenth": 0.1,
        "float_tiny": 1e-300,
        "true": True,
        "false": False,
        "none": None,
        "list": [1, 1.0, "a", None, True, [], {}],
        "nested": {"result": [{"value": {"x": 10.5, "labels": ["Cat"]}, "score": 0.0}], "k": {"deep": {"er": 1}}},
        "ttl": NOW + 3600,
    }
    # When it is written and read back
    store.put(item)
    got = store.get("p", "s")
    # Then every value comes back equal and of the same type (1.0 stays a float, True stays a bool)
    assert got == item
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in item.items()}
    assert type(got["list"][1]) is float and type(got["list"][0]) is int
    assert type(got["nested"]["result"][0]["score"]) is float


def test_get_missing_is_none_and_get_many_leaves_missing_out(store: ItemStore) -> None:
    # Given two items
    store.put({"pk": "p", "sk": "a", "v": 1})
    store.put({"pk": "p", "sk": "b", "v": 2})
    # When one missing key and duplicated keys are read
    # Then the missing one is None, and get_many answers each existing item once
    assert store.get("p", "zzz") is None
    assert store.get("other", "a") is None
    got = store.get_many([("p", "a"), ("p", "missing"), ("p", "b"), ("p", "a")])
    assert sorted(item["v"] for item in got) == [1, 2]
    assert store.get_many([]) == []


def test_put_replaces_the_whole_item(store: ItemStore) -> None:
    # Given an item with two attributes
    store.put({"pk": "p", "sk": "s", "a": 1, "b": 2})
    # When it is put again with one
    store.put({"pk": "p", "sk": "s", "a": 3})
    # Then the old attributes are gone
    assert store.get("p", "s") == {"pk": "p", "sk": "s", "a": 3}


def test_conditional_put_not_exists_creates_only_once(store: ItemStore) -> None:
    # Given an item created with a create-only condition
    store.put({"pk": "user", "sk": "email#a@x.io", "id": 1}, Condition.not_exists())
    # When a second writer creates the same key
    with pytest.raises(ConditionFailed) as failure:
        store.put({"pk": "user", "sk": "email#a@x.io", "id": 2}, Condition.not_exists())
    # Then it fails and the first version is kept
    assert failure.value.index == 0
    assert store.get("user", "email#a@x.io")["id"] == 1


def test_update_sets_adds_removes_and_returns_the_new_version(store: ItemStore) -> None:
    # Given a task with counters
    store.put({"pk": "p", "sk": "t", "total": 1, "old": "x", "meta": {"a": 1}})
    # When it is updated with set, add and remove at once
    new = store.update("p", "t", set={"meta": {"b": 2.5}, "label": "cat"}, add={"total": 2, "fresh": 5}, remove=["old"])
    # Then the answer is the new version, and it is what is stored
    assert new == {"pk": "p", "sk": "t", "total": 3, "fresh": 5, "meta": {"b": 2.5}, "label": "cat"}
    assert store.get("p", "t") == new


def test_update_creates_a_missing_item(store: ItemStore) -> None:
    # Given no item
    # When it is updated
    new = store.update("p", "new", set={"a": "x"}, add={"count": 1})
    # Then it exists with the keys and the changes, as DynamoDB does
    assert new == {"pk": "p", "sk": "new", "a": "x", "count": 1}
    assert store.get("p", "new") == new


def test_optimistic_version_check_fails_and_leaves_the_item_unchanged(store: ItemStore) -> None:
    # Given an annotation at version 1, read by two annotators
    store.put({"pk": "task#1", "sk": "annotation#1", "version": 1, "result": ["a"]})
    # When the first saves with the version it read
    store.update(
        "task#1", "annotation#1", set={"result": ["b"]}, add={"version": 1}, condition=Condition.equals("version", 1)
    )
    # Then the second, which also read version 1, is refused and overwrites nothing
    with pytest.raises(ConditionFailed):
        store.update(
            "task#1", "annotation#1", set={"result": ["c"]}, add={"version": 1},
            condition=Condition.equals("version", 1),
        )
    assert store.get("task#1", "annotation#1") == {"pk": "task#1", "sk": "annotation#1", "version": 2, "result": ["b"]}


def test_conditions_on_a_missing_item(store: ItemStore) -> None:
    # Given no item
    # When it is updated or deleted on condition that it exists, or holds a value
    # Then both fail and nothing is created
    for condition in (Condition.exists(), Condition.equals("version", 1), Condition.less_than("n", 5)):
        with pytest.raises(ConditionFailed):
            store.update("p", "ghost", set={"a": 1}, condition=condition)
    with pytest.raises(ConditionFailed):
        store.delete("p", "ghost", Condition.exists())
    assert store.get("p", "ghost") is None
    # And deleting a missing item without a condition is no error
    store.delete("p", "ghost")


def test_equals_is_type_strict(store: ItemStore) -> None:
    # Given an item with an int, a bool, a float, a string, a None and a dict
    store.put({"pk": "p", "sk": "s", "i": 1, "b": True, "f": 1.0, "s": "1", "none": None, "d": {"a": [1, 2]}})
    holds = [("i", 1), ("b", True), ("f", 1.0), ("s", "1"), ("none", None), ("d", {"a": [1, 2]})]
    fails = [("i", True), ("i", 1.0), ("i", "1"), ("b", 1), ("f", 1), ("s", 1), ("none", 0), ("missing", None)]
    # When each is checked against the same value of the same type, and against look-alikes
    for name, value in holds:
        store.update("p", "s", set={"checked": name}, condition=Condition.equals(name, value))
    for name, value in fails:
        with pytest.raises(ConditionFailed):
            store.update("p", "s", set={"checked": "no"}, condition=Condition.equals(name, value))
    # Then only same-type equal values pass
    assert store.get("p", "s")["checked"] == "d"


def test_less_than_caps_a_counter_and_counts_missing_as_zero(store: ItemStore) -> None:
    # Given a slot counter that nobody has taken yet
    store.put({"pk": "task#1", "sk": "locks"})
    cap = Condition.less_than("taken", 2)
    # When three annotators take a slot while fewer than two are taken
    store.update("task#1", "locks", add={"taken": 1}, condition=cap)
    store.update("task#1", "locks", add={"taken": 1}, condition=cap)
    with pytest.raises(ConditionFailed):
        store.update("task#1", "locks", add={"taken": 1}, condition=cap)
    # Then the counter stops at the cap
    assert store.get("task#1", "locks")["taken"] == 2
    # And a non-positive bound is false for a missing attribute (0 < 0 is false)
    with pytest.raises(ConditionFailed):
        store.update("task#1", "locks", set={"x": 1}, condition=Condition.less_than("other", 0))


def test_all_of_needs_every_part(store: ItemStore) -> None:
    # Given an item
    store.put({"pk": "p", "sk": "s", "state": "open", "n": 3})
    both = Condition.all_of(Condition.equals("state", "open"), Condition.less_than("n", 5))
    one = Condition.all_of(Condition.equals("state", "open"), Condition.less_than("n", 3))
    # When it is deleted under a condition one part of which is false, then under a true one
    with pytest.raises(ConditionFailed):
        store.delete("p", "s", one)
    assert store.get("p", "s") is not None
    store.delete("p", "s", both)
    # Then only the true condition deleted it
    assert store.get("p", "s") is None


def test_update_rejects_what_dynamodb_cannot_do(store: ItemStore) -> None:
    # Given an item
    store.put({"pk": "p", "sk": "s", "f": 1.5})
    # When an update touches a key, adds a float, names one attribute twice, or changes nothing
    # Then it is refused before anything is written
    with pytest.raises(ValueError):
        store.update("p", "s", set={"sk": "other"})
    with pytest.raises(TypeError):
        store.update("p", "s", add={"n": 0.5})
    with pytest.raises(ValueError):
        store.update("p", "s", set={"a": 1}, remove=["a"])
    with pytest.raises(ValueError):
        store.update("p", "s")
    assert store.get("p", "s") == {"pk": "p", "sk": "s", "f": 1.5}


def test_index_keys_set_to_none_leave_the_index(store: ItemStore) -> None:
    # Given a task in the gsi1 listing
    store.put(task(1))
    assert numbers(store.query("project#1#todo", index="gsi1").items) == [1]
    # When its gsi1 keys are set to None
    new = store.update("project#1", "task#00001", set={"gsi1pk": None, "gsi1sk": None})
    # Then they are gone from the item and it leaves the index
    assert "gsi1pk" not in new and "gsi1sk" not in new
    assert store.query("project#1#todo", index="gsi1").items == []


# --- transactions -----------------------------------------------------------------------------------------


def test_transaction_is_all_or_nothing(store: ItemStore) -> None:
    # Given a task with an annotation counter, in a project at version 3
    store.put({"pk": "project#1", "sk": "task#1", "total_annotations": 0})
    store.put({"pk": "project#1", "sk": "project", "version": 3})
    ops = [
        Put({"pk": "task#1", "sk": "annotation#1", "result": []}, Condition.not_exists()),
        Update("project#1", "task#1", add={"total_annotations": 1}),
        Check("project#1", "project", Condition.equals("version", 2)),  # stale: the project moved on
    ]
    # When a transaction whose third operation's check is false runs
    with pytest.raises(ConditionFailed) as failure:
        store.transact(ops)
    # Then it names operation 2, and nothing from operations 0 and 1 was written
    assert failure.value.index == 2
    assert store.get("task#1", "annotation#1") is None
    assert store.get("project#1", "task#1")["total_annotations"] == 0


def test_transaction_writes_every_operation(store: ItemStore) -> None:
    # Given a task and an annotation to drop
    store.put({"pk": "project#1", "sk": "task#1", "total_annotations": 1, "version": 3})
    store.put({"pk": "task#1", "sk": "annotation#0", "result": []})
    # When a transaction of every operation kind runs with true conditions
    store.transact(
        [
            Put({"pk": "task#1", "sk": "annotation#1", "result": [{"x": 1.0}]}, Condition.not_exists()),
            Update("project#1", "task#1", set={"is_labeled": True}, add={"version": 1}, condition=Condition.exists()),
            Delete("task#1", "annotation#0", Condition.exists()),
            Check("project#9", "settings", Condition.not_exists()),
        ]
    )
    # Then every write landed
    assert store.get("task#1", "annotation#1")["result"] == [{"x": 1.0}]
    assert store.get("project#1", "task#1") == {
        "pk": "project#1", "sk": "task#1", "total_annotations": 1, "version": 4, "is_labeled": True
    }
    assert store.get("task#1", "annotation#0") is None
    assert store.get("project#9", "settings") is None


def test_transaction_failure_index_points_at_the_first_false_condition(store: ItemStore) -> None:
    # Given an existing annotation
    store.put({"pk": "task#1", "sk": "annotation#1"})
    # When operation 1 creates it again (and operation 2 is false too)
    with pytest.raises(ConditionFailed) as failure:
        store.transact(
            [
                Put({"pk": "task#1", "sk": "annotation#2"}),
                Put({"pk": "task#1", "sk": "annotation#1", "new": True}, Condition.not_exists()),
                Delete("task#1", "annotation#3", Condition.exists()),
            ]
        )
    # Then the first failing index is reported and nothing changed
    assert failure.value.index == 1
    assert store.get("task#1", "annotation#2") is None
    assert store.get("task#1", "annotation#1") == {"pk": "task#1", "sk": "annotation#1"}


def test_transaction_rejects_the_same_item_twice(store: ItemStore) -> None:
    # When a transaction touches one item twice Then it is refused, as DynamoDB does
    with pytest.raises(ValueError):
        store.transact([Put({"pk": "p", "sk": "s"}), Update("p", "s", set={"a": 1})])
    assert store.get("p", "s") is None


# --- queries ----------------------------------------------------------------------------------------------


@pytest.fixture
def tasks(store: ItemStore) -> ItemStore:
    """25 tasks of project 1, plus neighbours that must never show up in its listings."""
    store.batch_put(task(n) for n in range(25))
    store.put({"pk": "project#10", "sk": "task#00000", "gsi1pk": "project#10#todo", "gsi1sk": "00000", "n": -1})
    store.put({"pk": "project#1", "sk": "settings", "n": -2})  # same partition, not a task, not in gsi1
    store.put({"pk": "project#1", "sk": "tas", "gsi1pk": "project#1#todo", "n": -3})  # no gsi1sk: not indexed
    return store


def test_query_table_in_order_both_ways(tasks: ItemStore) -> None:
    # When the project partition is read forward and backward, limited to its tasks
    forward = tasks.query("project#1", sk_begins_with="task#")
    backward = tasks.query("project#1", sk_begins_with="task#", forward=False)
    # Then the tasks come in sort-key order, and reversed, with no cursor at the end
    assert numbers(forward.items) == list(range(25)) and forward.cursor is None
    assert numbers(backward.items) == list(reversed(range(25))) and backward.cursor is None
    # And the whole partition holds the other items too, sorted by sk
    assert [i["sk"] for i in tasks.query("project#1").items][:2] == ["settings", "tas"]


def test_query_gsi1_in_order_both_ways(tasks: ItemStore) -> None:
    # When the gsi1 partition is read forward and backward
    forward = tasks.query("project#1#todo", index="gsi1")
    backward = tasks.query("project#1#todo", index="gsi1", forward=False)
    # Then it holds exactly the items with both gsi1 keys, in gsi1sk order
    assert numbers(forward.items) == list(range(25))
    assert numbers(backward.items) == list(reversed(range(25)))
    assert forward.items[3] == task(3)


def test_query_gsi2_is_its_own_index(store: ItemStore) -> None:
    # Given items in gsi2 only
    store.batch_put(
        {"pk": f"user#{n}", "sk": "profile", "gsi2pk": "org#1", "gsi2sk": f"email#{n}", "n": n} for n in (3, 1, 2)
    )
    # When gsi2 and gsi1 are read under the same partition key
    # Then only gsi2 holds them, in gsi2sk order
    assert numbers(store.query("org#1", index="gsi2").items) == [1, 2, 3]
    assert store.query("org#1", index="gsi1").items == []
    assert store.count("org#1", index="gsi2") == 3
    with pytest.raises(ValueError):
        store.query("org#1", index="gsi3")


def test_query_sort_key_conditions(tasks: ItemStore) -> None:
    # When the sort key is bounded by a prefix or an inclusive range, on the table and on gsi1
    # Then only the matching items come back, in order
    assert numbers(tasks.query("project#1", sk_begins_with="task#0001").items) == list(range(10, 20))
    assert numbers(tasks.query("project#1", sk_between=("task#00003", "task#00006")).items) == [3, 4, 5, 6]
    assert numbers(tasks.query("project#1#todo", index="gsi1", sk_begins_with="0002").items) == [20, 21, 22, 23, 24]
    between = tasks.query("project#1#todo", index="gsi1", sk_between=("00007", "00009"), forward=False)
    assert numbers(between.items) == [9, 8, 7]
    assert tasks.query("project#1", sk_begins_with="zzz").items == []


@pytest.mark.parametrize("index", [None, "gsi1"])
@pytest.mark.parametrize("forward", [True, False])
def test_cursor_paging_has_no_duplicate_and_no_gap(tasks: ItemStore, index: str | None, forward: bool) -> None:
    # Given 25 tasks
    pk = "project#1#todo" if index else "project#1"
    prefix = None if index else "task#"
    # When they are read in pages of 10, each page continuing from the last one's cursor
    pages = []
    cursor = None
    while True:
        page = tasks.query(pk, index=index, sk_begins_with=prefix, forward=forward, limit=10, cursor=cursor)
        pages.append(numbers(page.items))
        cursor = page.cursor
        if cursor is None:
            break
        assert isinstance(cursor, str)
    # Then there are 3 pages (10, 10, 5) and together they are every task once, in order
    assert [len(p) for p in pages] == [10, 10, 5]
    expected = list(range(25)) if forward else list(reversed(range(25)))
    assert [n for page in pages for n in page] == expected


def test_last_full_page_has_no_cursor(tasks: ItemStore) -> None:
    # When 25 tasks are read in pages of 5 and 25
    # Then the page that ends the partition has no cursor, even when it is full
    assert tasks.query("project#1", sk_begins_with="task#", limit=25).cursor is None
    assert tasks.query("project#1#todo", index="gsi1", limit=25).cursor is None
    assert tasks.query("project#1", sk_begins_with="task#", limit=5).cursor is not None


def test_skip_drops_matching_items_first(tasks: ItemStore) -> None:
    # When pages are read with skip (an offset), on the table, on gsi1, backward and after a cursor
    page = tasks.query("project#1", sk_begins_with="task#", skip=5, limit=10)
    gsi = tasks.query("project#1#todo", index="gsi1", skip=20, limit=10)
    backward = tasks.query("project#1", sk_begins_with="task#", forward=False, skip=3, limit=2)
    after_cursor = tasks.query("project#1", sk_begins_with="task#", cursor=page.cursor, skip=2, limit=3)
    # Then the skipped items are the first matching ones, in the query's order
    assert numbers(page.items) == list(range(5, 15)) and page.cursor is not None
    assert numbers(gsi.items) == [20, 21, 22, 23, 24] and gsi.cursor is None
    assert numbers(backward.items) == [21, 20]
    assert numbers(after_cursor.items) == [17, 18, 19]
    # And skipping to or past the end gives an empty last page
    assert tasks.query("project#1", sk_begins_with="task#", skip=25, limit=10) .items == []
    past = tasks.query("project#1", sk_begins_with="task#", skip=100)
    assert past.items == [] and past.cursor is None
    assert numbers(tasks.query("project#1", sk_begins_with="task#", skip=24).items) == [24]


def test_count(tasks: ItemStore) -> None:
    # When the project's items are counted on the table, with a prefix and on gsi1
    # Then the counts match what a query returns
    assert tasks.count("project#1") == 27
    assert tasks.count("project#1", sk_begins_with="task#") == 25
    assert tasks.count("project#1", sk_begins_with="task#0002") == 5
    assert tasks.count("project#1#todo", index="gsi1") == 25
    assert tasks.count("nobody") == 0


def test_an_invalid_cursor_is_the_callers_mistake(tasks: ItemStore) -> None:
    # When a listing is asked to continue from a cursor it did not hand out
    # Then it says so (a 400), whatever the garbage is
    for cursor in ("not-a-cursor", "e30", "!!!"):
        with pytest.raises(Invalid):
            tasks.query("project#1", limit=5, cursor=cursor)


def test_a_limit_fills_the_page_across_dynamodb_1mb_pages(store: ItemStore) -> None:
    # Given 24 items of ~100 KB (DynamoDB returns at most 1 MB per request, so about 9 a request)
    blob = "x" * 100_000
    store.batch_put({"pk": "big", "sk": f"{n:03d}", "n": n, "blob": blob} for n in range(24))
    # When 20 are asked for, then the rest
    page = store.query("big", limit=20)
    rest = store.query("big", limit=20, cursor=page.cursor)
    # Then the first page holds 20 and the second the last 4
    assert numbers(page.items) == list(range(20))
    assert numbers(rest.items) == [20, 21, 22, 23] and rest.cursor is None
    assert store.count("big") == 24
    assert numbers(store.query("big", skip=21).items) == [21, 22, 23]


# --- bulk -------------------------------------------------------------------------------------------------


def test_batch_put_1000_items_then_read_them_all(store: ItemStore) -> None:
    # Given 1,000 items written in one batch (with one key repeated: the last write wins)
    store.batch_put(
        [*({"pk": "import", "sk": f"{n:04d}", "n": n, "data": {"text": f"t{n}", "w": n / 2}} for n in range(1000)),
         {"pk": "import", "sk": "0007", "n": 7, "data": {"text": "again", "w": 3.5}}]
    )
    # When the partition is read whole and counted
    items = store.query("import").items
    # Then every item is there once, in order, intact
    assert numbers(items) == list(range(1000))
    assert items[500]["data"] == {"text": "t500", "w": 250.0}
    assert items[7]["data"]["text"] == "again"
    assert store.count("import") == 1000


def test_batch_delete(store: ItemStore) -> None:
    # Given 60 items
    store.batch_put({"pk": "d", "sk": f"{n:02d}", "n": n} for n in range(60))
    # When the even ones (and a missing key) are deleted in one batch
    store.batch_delete([*(("d", f"{n:02d}") for n in range(0, 60, 2)), ("d", "missing")])
    # Then only the odd ones are left
    assert numbers(store.query("d").items) == list(range(1, 60, 2))


def test_increment_is_atomic_under_concurrency(store: ItemStore) -> None:
    # Given an id counter hit by 8 threads, 50 increments each. moto's UpdateItem is not atomic across
    # threads (raw boto3 ADDs lose updates under it), so on DynamoDB the 8 callers take turns: the
    # atomicity there is DynamoDB's own, and the case still checks the values handed out.
    first = store.increment("counters", "task_id", "next")
    concurrent = isinstance(store, SqliteItemStore)
    seen: list[int] = []
    lock = threading.Lock()

    def bump() -> None:
        mine = [store.increment("counters", "task_id", "next") for _ in range(50)]
        with lock:
            seen.extend(mine)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
        if not concurrent:
            thread.join()
    for thread in threads:
        thread.join()
    # Then no increment is lost and every caller got a distinct value
    assert first == 1
    assert store.get("counters", "task_id")["next"] == 401
    assert sorted(seen) == list(range(2, 402))
    # And a block of ids can be taken at once
    assert store.increment("counters", "task_id", "next", by=100) == 501


# --- expiry -----------------------------------------------------------------------------------------------


def test_expired_items_are_invisible(store: ItemStore, clock: FakeClock) -> None:
    # Given a session that expires in 60 s, one already expired, and one that never expires
    store.put({"pk": "s", "sk": "live", "gsi1pk": "g", "gsi1sk": "1", "ttl": NOW + 60})
    store.put({"pk": "s", "sk": "past", "gsi1pk": "g", "gsi1sk": "2", "ttl": NOW - 1})
    store.put({"pk": "s", "sk": "edge", "gsi1pk": "g", "gsi1sk": "3", "ttl": NOW})  # ttl == now: expired
    store.put({"pk": "s", "sk": "forever", "gsi1pk": "g", "gsi1sk": "4"})
    # Then the expired ones are missing to every read
    assert store.get("s", "past") is None and store.get("s", "edge") is None
    assert [i["sk"] for i in store.get_many([("s", "live"), ("s", "past"), ("s", "edge")])] == ["live"]
    assert [i["sk"] for i in store.query("s").items] == ["forever", "live"]
    assert [i["sk"] for i in store.query("g", index="gsi1").items] == ["live", "forever"]
    assert [i["sk"] for i in store.query("s", limit=1, skip=1).items] == ["live"]
    assert store.count("s") == 2 and store.count("g", index="gsi1") == 2
    # When the clock passes the first ttl
    clock.now = NOW + 60
    # Then it is gone too
    assert store.get("s", "live") is None
    assert [i["sk"] for i in store.query("s").items] == ["forever"]
    assert store.count("g", index="gsi1") == 1


def test_conditions_and_updates_treat_expired_items_as_missing(store: ItemStore) -> None:
    # Given an idempotency record that has expired (but is still stored, as DynamoDB keeps it for a while)
    store.put({"pk": "idem", "sk": "key-1", "job": 1, "ttl": NOW - 10})
    # When the same key is claimed again create-only, and another expired item is updated
    store.put({"pk": "idem", "sk": "key-1", "job": 2, "ttl": NOW + 3600}, Condition.not_exists())
    store.put({"pk": "rate", "sk": "window", "hits": 9, "ttl": NOW - 10})
    with pytest.raises(ConditionFailed):
        store.update("rate", "window", add={"hits": 1}, condition=Condition.exists())
    new = store.update("rate", "window", add={"hits": 1}, set={"ttl": NOW + 60})
    # Then the claim succeeds, and the update starts from nothing instead of the stale item
    assert store.get("idem", "key-1")["job"] == 2
    assert new == {"pk": "rate", "sk": "window", "hits": 1, "ttl": NOW + 60}
    # And a transaction sees the expired item as missing as well
    store.put({"pk": "rate", "sk": "other", "hits": 5, "ttl": NOW - 10})
    store.transact([Update("rate", "other", add={"hits": 1}), Check("idem", "key-1", Condition.exists())])
    assert store.get("rate", "other") == {"pk": "rate", "sk": "other", "hits": 1}


# --- one adapter only: what the other world cannot show -----------------------------------------------------


def test_sqlite_increment_is_atomic_across_processes(tmp_path: Path) -> None:
    # Given one SQLite file shared by this process and two others (as two `skylabel` workers would)
    path = tmp_path / "shared.db"
    local = SqliteItemStore(path)
    script = (
        "import sys; from skylabel.adapters.sqlite import SqliteItemStore; s = SqliteItemStore(sys.argv[1]);"
        "[s.increment('counters', 'c', 'n') for _ in range(200)]"
    )
    # When all three increment the same counter at once
    workers = [subprocess.Popen([sys.executable, "-c", script, str(path)]) for _ in range(2)]
    for _ in range(200):
        local.increment("counters", "c", "n")
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    # Then no increment is lost
    assert local.get("counters", "c")["n"] == 600
    local.close()


def test_dynamodb_batch_write_retries_unprocessed_items(dynamodb_client: Any) -> None:
    # Given a DynamoDB that processes only the first 10 requests of each BatchWriteItem
    from skylabel.adapters.dynamodb import DynamoItemStore, create_table

    class Throttled:
        def __init__(self, client: Any) -> None:
            self.client, self.exceptions, self.calls = client, client.exceptions, 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.client, name)

        def batch_write_item(self, RequestItems: dict[str, list]) -> dict[str, Any]:  # noqa: N803 - boto3's name
            self.calls += 1
            ((table, requests),) = RequestItems.items()
            self.client.batch_write_item(RequestItems={table: requests[:10]})
            return {"UnprocessedItems": {table: requests[10:]} if requests[10:] else {}}

    table = f"{TABLE}-{next(_tables)}"
    create_table(dynamodb_client, table)
    client = Throttled(dynamodb_client)
    sleeps: list[float] = []
    store = DynamoItemStore(table, client=client, sleep=sleeps.append, batch_workers=1)
    # When 100 items are written in one batch_put, then deleted in one batch_delete
    store.batch_put({"pk": "b", "sk": f"{n:03d}", "n": n} for n in range(100))
    # Then every item landed, after retries that backed off
    assert store.count("b") == 100
    assert client.calls == 4 * 3 and len(sleeps) == 4 * 2
    store.batch_delete(("b", f"{n:03d}") for n in range(100))
    assert store.count("b") == 0


def test_the_adapters_do_not_import_boto3_until_needed() -> None:
    # When the local world imports its store (and the AWS one, unused)
    code = (
        "import sys, skylabel.adapters.sqlite, skylabel.adapters.dynamodb;"
        "sys.exit('boto3' in sys.modules or 'botocore' in sys.modules)"
    )
    # Then boto3 is not loaded: the local runtime never pays its import time
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
