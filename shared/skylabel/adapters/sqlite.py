"""The local ItemStore: one SQLite file that mirrors the DynamoDB single table.

Design choice: the table has the DynamoDB layout, column for column (pk, sk, the two GSI key pairs, ttl,
and `data`, the JSON of every other attribute), and each GSI is a partial index that holds only the
items that set its partition key, as a sparse GSI does. A key design that works on DynamoDB therefore
works here unchanged, and the contract suite (tests/contract/test_item_store.py) holds both to the same
behaviour.

Concurrency: WAL lets readers run beside one writer. Every read-modify-write (a condition, an `add`, a
transaction) runs inside `BEGIN IMMEDIATE`, which takes the database's write lock before reading, so it
is atomic across threads and processes with no retry loop; `busy_timeout` queues the waiting writers.
Each thread gets its own connection (a sqlite3 connection must not be used by two threads at once).

Speed: bulk writes go through `executemany` in chunked transactions, listing uses native LIMIT/OFFSET,
`count` is a COUNT(*), and each GSI index carries pk, sk and ttl so paging, skipping and counting on an
index never touch the table rows.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from skylabel.errors import Invalid
from skylabel.ports import (
    INDEXES,
    Check,
    Condition,
    ConditionFailed,
    Delete,
    Item,
    Operation,
    Page,
    Put,
    StoreError,
    Update,
)

# One encoder built once: json.dumps(...) with options builds a new encoder on every call. repr-based
# float output makes floats round-trip exactly (1.0 stays 1.0).
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_loads = json.loads

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT,
    gsi1sk TEXT,
    gsi2pk TEXT,
    gsi2sk TEXT,
    ttl INTEGER,
    data TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
-- pk, sk after the index key give a total, stable order for ties; ttl makes the index covering for
-- the expiry filter, so OFFSET and COUNT on an index never visit table rows.
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk, ttl) WHERE gsi1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_gsi2 ON items (gsi2pk, gsi2sk, pk, sk, ttl) WHERE gsi2pk IS NOT NULL;
"""

_COLUMNS = "pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ttl, data"
_SELECT = f"SELECT {_COLUMNS} FROM items"
_ALIASED = ", ".join(f"i.{column}" for column in _COLUMNS.split(", "))
_GET = f"{_SELECT} WHERE pk = ? AND sk = ?"
_PUT = f"INSERT OR REPLACE INTO items ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_DELETE = "DELETE FROM items WHERE pk = ? AND sk = ?"
_LIVE = "(ttl IS NULL OR ttl > ?)"

_INDEX_KEYS = ("gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
_NOT_DATA = frozenset(("pk", "sk", "ttl", *_INDEX_KEYS))
_BATCH_ROWS = 5000  # rows per write transaction in batch_put: long enough to amortize, short enough to interleave
_MAX_TRANSACTION = 100  # DynamoDB's TransactWriteItems limit, enforced here too so local code stays portable


class SqliteItemStore:
    """ItemStore on a SQLite file (see the module docstring)."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        if str(path) == ":memory:" or str(path).startswith("file:"):
            # Each thread has its own connection, and each connection would see its own empty database.
            raise ValueError("SqliteItemStore needs a file path")
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._local = threading.local()
        self._handles: weakref.WeakSet[_Handle] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._closed = False
        self._orphans: list[_Handle] = []
        store = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (current := store()) is not None and current._after_fork())
        self._conn().executescript(_SCHEMA)

    # --- connections --------------------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        handle = getattr(self._local, "handle", None)
        if handle is not None:
            return handle.conn
        if self._closed:
            raise StoreError("the item store is closed")
        # isolation_level=None: we issue BEGIN/COMMIT ourselves; check_same_thread=False only so close()
        # can close every thread's connection (each is still used by one thread).
        conn = sqlite3.connect(
            self._path, timeout=30.0, isolation_level=None, check_same_thread=False, cached_statements=256
        )
        # Bigger pages keep more of a task's JSON in the row itself (a WITHOUT ROWID row spills to overflow
        # pages past ~1/4 page). Only a new, empty file takes it, so it must come before WAL.
        conn.execute("PRAGMA page_size=8192")
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL: no fsync per commit; a process crash loses nothing, a power cut only the last commits.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        # 8 MiB private cache per connection (one per server thread) and no mmap: file pages stay in the OS page
        # cache, shared and outside the process's memory, so the server's footprint stays flat as the data grows
        # (measured: 10k → 1M-task imports; mmap made RSS grow with the file and bought little speed).
        conn.execute("PRAGMA cache_size=-8192")
        conn.execute("PRAGMA mmap_size=0")
        conn.execute("PRAGMA temp_store=MEMORY")
        handle = _Handle(conn)
        self._local.handle = handle  # dropped (and the connection closed) when the thread ends
        with self._lock:
            self._handles.add(handle)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that holds the database's write lock from its first read."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _after_fork(self) -> None:
        """A forked child must not use (or close) its parent's connections: SQLite's locks would break."""
        self._orphans.extend(self._handles)  # kept, never closed or reused
        self._local = threading.local()
        self._handles = weakref.WeakSet()
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close every thread's connection; the store cannot be used afterwards."""
        with self._lock:
            self._closed = True
            handles = list(self._handles)
            self._handles = weakref.WeakSet()
        for handle in handles:
            handle.conn.close()
        self._local = threading.local()

    # --- single items -------------------------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> Item | None:
        row = self._conn().execute(_GET, (pk, sk)).fetchone()
        if row is None or (row[6] is not None and row[6] <= self._clock()):
            return None
        return _to_item(row)

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        unique = list(dict.fromkeys((pk, sk) for pk, sk in keys))
        conn = self._conn()
        now = self._clock()
        items: list[Item] = []
        for start in range(0, len(unique), 400):
            chunk = unique[start : start + 400]
            values = ",".join(["(?, ?)"] * len(chunk))
            params = [part for key in chunk for part in key]
            # CROSS JOIN keeps the keys as the outer loop: one primary-key seek per key, never a scan.
            sql = (
                f"SELECT {_ALIASED} FROM (VALUES {values}) AS k CROSS JOIN items AS i"
                f" ON i.pk = k.column1 AND i.sk = k.column2 WHERE (i.ttl IS NULL OR i.ttl > ?)"
            )
            items.extend(_to_item(row) for row in conn.execute(sql, (*params, now)))
        return items

    def put(self, item: Item, condition: Condition | None = None) -> None:
        row = _to_row(item)
        if condition is None:
            self._conn().execute(_PUT, row)  # one statement: atomic on its own, no explicit transaction needed
            return
        with self._write() as conn:
            if not _holds(condition, self._read_live(conn, row[0], row[1])):
                raise ConditionFailed(f"condition failed on put {row[0]}/{row[1]}")
            conn.execute(_PUT, row)

    def update(
        self,
        pk: str,
        sk: str,
        *,
        set: Mapping[str, Any] | None = None,  # the port's name shadows the builtin
        add: Mapping[str, int | float] | None = None,
        remove: Sequence[str] = (),
        condition: Condition | None = None,
    ) -> Item:
        _check_key(pk, sk)
        changes = _Changes(set or {}, add or {}, remove)
        with self._write() as conn:
            current = self._read_live(conn, pk, sk)
            if condition is not None and not _holds(condition, current):
                raise ConditionFailed(f"condition failed on update {pk}/{sk}")
            new = changes.apply(pk, sk, current)
            conn.execute(_PUT, _to_row(new))
        return new

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        if condition is None:
            self._conn().execute(_DELETE, (pk, sk))
            return
        with self._write() as conn:
            if not _holds(condition, self._read_live(conn, pk, sk)):
                raise ConditionFailed(f"condition failed on delete {pk}/{sk}")
            conn.execute(_DELETE, (pk, sk))

    def increment(self, pk: str, sk: str, name: str, by: int = 1) -> int:
        return self.update(pk, sk, add={name: by})[name]

    def transact(self, operations: Sequence[Operation]) -> None:
        ops = list(operations)
        if not ops:
            return
        _check_transaction(ops)
        changes = [_Changes(op.set, op.add, op.remove) if isinstance(op, Update) else None for op in ops]
        with self._write() as conn:
            # Keys are distinct, so checking op i before writing op j < i sees the same state DynamoDB
            # checks: the one from before the transaction.
            for index, (op, change) in enumerate(zip(ops, changes, strict=True)):
                pk, sk = _op_key(op)
                current = self._read_live(conn, pk, sk) if op.condition is not None or change else None
                if op.condition is not None and not _holds(op.condition, current):
                    raise ConditionFailed(f"condition failed on operation {index} ({pk}/{sk})", index=index)
                if isinstance(op, Put):
                    conn.execute(_PUT, _to_row(op.item))
                elif isinstance(op, Delete):
                    conn.execute(_DELETE, (pk, sk))
                elif change is not None:
                    conn.execute(_PUT, _to_row(change.apply(pk, sk, current)))

    def _read_live(self, conn: sqlite3.Connection, pk: str, sk: str) -> Item | None:
        """The current version of an item as conditions see it: an expired item is a missing one."""
        row = conn.execute(_GET, (pk, sk)).fetchone()
        if row is None or (row[6] is not None and row[6] <= self._clock()):
            return None
        return _to_item(row)

    # --- partitions ---------------------------------------------------------------------------------------

    def query(
        self,
        pk: str,
        *,
        index: str | None = None,
        sk_begins_with: str | None = None,
        sk_between: tuple[str, str] | None = None,
        forward: bool = True,
        limit: int | None = None,
        cursor: str | None = None,
        skip: int = 0,
    ) -> Page:
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        if skip < 0:
            raise ValueError("skip must not be negative")
        where, params, sort_key = _partition_filter(pk, index, sk_begins_with, sk_between)
        where.append(_LIVE)
        params.append(self._clock())
        direction = "ASC" if forward else "DESC"
        if cursor is not None:
            after = _decode_cursor(cursor, 3 if index else 2)
            if index:
                where.append(f"({sort_key}, pk, sk) {'>' if forward else '<'} (?, ?, ?)")
                params.extend(after)
            else:
                where.append(f"sk {'>' if forward else '<'} ?")
                params.append(after[1])
        order = f"{sort_key} {direction}, pk {direction}, sk {direction}" if index else f"sk {direction}"
        if index and skip:
            # Skip on the covering index alone, then fetch the page's rows: a WITHOUT ROWID table cannot
            # defer the row lookup, so a plain OFFSET on an index would read every skipped row (10x slower).
            keys = f"SELECT pk, sk FROM items WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?"
            outer = f"i.{sort_key} {direction}, i.pk {direction}, i.sk {direction}"
            sql = f"SELECT {_ALIASED} FROM ({keys}) AS k CROSS JOIN items AS i USING (pk, sk) ORDER BY {outer}"
        else:
            sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?"
        # One extra row tells whether another page exists, so the last page carries no cursor.
        params.extend((-1 if limit is None else limit + 1, skip))
        rows = self._conn().execute(sql, params).fetchall()
        next_cursor = None
        if limit is not None and len(rows) > limit:
            del rows[limit:]
            last = rows[-1]
            sort_column = 3 if index == "gsi1" else 5
            next_cursor = _encode_cursor([last[sort_column], last[0], last[1]] if index else [last[0], last[1]])
        return Page([_to_item(row) for row in rows], next_cursor)

    def count(self, pk: str, *, index: str | None = None, sk_begins_with: str | None = None) -> int:
        where, params, _ = _partition_filter(pk, index, sk_begins_with, None)
        sql = f"SELECT COUNT(*) FROM items WHERE {' AND '.join(where)} AND {_LIVE}"
        return self._conn().execute(sql, (*params, self._clock())).fetchone()[0]

    # --- bulk ---------------------------------------------------------------------------------------------

    def batch_put(self, items: Iterable[Item]) -> None:
        iterator = iter(items)
        while rows := [_to_row(item) for item in islice(iterator, _BATCH_ROWS)]:
            # Rows are encoded before the lock is taken, so other writers wait only for the inserts.
            with self._write() as conn:
                conn.executemany(_PUT, rows)

    def batch_delete(self, keys: Iterable[tuple[str, str]]) -> None:
        iterator = iter(keys)
        while chunk := list(islice(iterator, _BATCH_ROWS)):
            with self._write() as conn:
                conn.executemany(_DELETE, chunk)


class _Handle:
    """Holds one thread's connection; weak-referenceable (a sqlite3.Connection is not)."""

    __slots__ = ("conn", "__weakref__")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


# --- items <-> rows ---------------------------------------------------------------------------------------


def _to_row(item: Mapping[str, Any]) -> tuple:
    data = dict(item)
    pk = data.pop("pk", None)
    sk = data.pop("sk", None)
    g1p = data.pop("gsi1pk", None)
    g1s = data.pop("gsi1sk", None)
    g2p = data.pop("gsi2pk", None)
    g2s = data.pop("gsi2sk", None)
    ttl = data.pop("ttl", None)
    _check_key(pk, sk)
    for value in (g1p, g1s, g2p, g2s):
        if value is not None and (type(value) is not str or not value):
            raise ValueError(f"index keys must be non-empty strings, not {value!r}")
    if ttl is not None and type(ttl) is not int:
        raise TypeError(f"ttl must be an int (epoch seconds), not {ttl!r}")
    return (pk, sk, g1p, g1s, g2p, g2s, ttl, _dumps(data))


def _to_item(row: tuple) -> Item:
    pk, sk, g1p, g1s, g2p, g2s, ttl, data = row
    item = _loads(data)
    item["pk"] = pk
    item["sk"] = sk
    if g1p is not None:
        item["gsi1pk"] = g1p
    if g1s is not None:
        item["gsi1sk"] = g1s
    if g2p is not None:
        item["gsi2pk"] = g2p
    if g2s is not None:
        item["gsi2sk"] = g2s
    if ttl is not None:
        item["ttl"] = ttl
    return item


def _check_key(pk: Any, sk: Any) -> None:
    if type(pk) is not str or type(sk) is not str or not pk or not sk:
        raise ValueError(f"pk and sk must be non-empty strings, not {pk!r}, {sk!r}")


def _op_key(op: Operation) -> tuple[str, str]:
    if isinstance(op, Put):
        return op.item.get("pk"), op.item.get("sk")  # type: ignore[return-value]
    return op.pk, op.sk


def _check_transaction(ops: list[Operation]) -> None:
    if len(ops) > _MAX_TRANSACTION:
        raise ValueError(f"a transaction holds at most {_MAX_TRANSACTION} operations, not {len(ops)}")
    keys = set()
    for op in ops:
        if not isinstance(op, Put | Update | Delete | Check):
            raise TypeError(f"not a transaction operation: {op!r}")
        if isinstance(op, Check) and op.condition is None:
            raise ValueError("a Check needs a condition")
        key = _op_key(op)
        _check_key(*key)
        if key in keys:
            raise ValueError(f"a transaction may touch {key[0]}/{key[1]} only once")
        keys.add(key)


# --- updates ----------------------------------------------------------------------------------------------


class _Changes:
    """A validated update (the rules are DynamoDB's, so code that runs here runs there)."""

    __slots__ = ("set", "add", "remove")

    def __init__(self, set_: Mapping[str, Any], add: Mapping[str, Any], remove: Sequence[str]) -> None:
        # None on an index key or ttl means "take it out": DynamoDB cannot index or expire a NULL.
        self.set = {k: v for k, v in set_.items() if not (v is None and k in _NOT_DATA)}
        self.add = dict(add)
        self.remove = [*remove, *(k for k, v in set_.items() if v is None and k in _NOT_DATA)]
        names = [*self.set, *self.add, *self.remove]
        if not names:
            raise ValueError("an update must set, add or remove something")
        if len(names) != len(frozenset(names)):
            raise ValueError("an attribute may appear only once in an update")
        if "pk" in names or "sk" in names:
            raise ValueError("pk and sk cannot be updated")
        for name, by in self.add.items():
            if type(by) is not int:
                # Floats are stored as JSON (exact round trip), which DynamoDB's ADD cannot add to.
                raise TypeError(f"add takes ints only, not {by!r} for {name!r}")

    def apply(self, pk: str, sk: str, current: Item | None) -> Item:
        new = dict(current) if current is not None else {"pk": pk, "sk": sk}
        new.update(self.set)
        for name, by in self.add.items():
            value = new.get(name, 0)
            if type(value) is not int:
                raise TypeError(f"cannot add to {name!r}: it holds {value!r}, not an int")
            new[name] = value + by
        for name in self.remove:
            new.pop(name, None)
        return new


# --- conditions -------------------------------------------------------------------------------------------


def _holds(condition: Condition, current: Item | None) -> bool:
    kind = condition.kind
    if kind == "less_than":
        _check_number(condition.value)
    if kind == "not_exists":
        return current is None
    if kind == "all_of":
        return all(_holds(part, current) for part in condition.parts)
    if current is None:
        return False
    if kind == "exists":
        return True
    if kind == "equals":
        return condition.name in current and _comparable(current[condition.name]) == _comparable(condition.value)
    if kind == "less_than":
        value = current.get(condition.name, 0)
        # Only ints are numbers to DynamoDB here (floats are stored as JSON), so anything else is false.
        return type(value) is int and value < condition.value
    raise ValueError(f"unknown condition kind {kind!r}")


def _comparable(value: Any) -> tuple:
    """Type-strict equality, as DynamoDB compares typed values: "1" != 1, True != 1, 1 != 1.0."""
    if isinstance(value, float | dict | list | tuple):
        return ("json", _dumps(value))
    return (type(value), value)


def _check_number(value: Any) -> None:
    if type(value) not in (int, float):
        raise TypeError(f"less_than needs a number, not {value!r}")


# --- queries ----------------------------------------------------------------------------------------------


def _partition_filter(
    pk: str, index: str | None, begins_with: str | None, between: tuple[str, str] | None
) -> tuple[list[str], list[Any], str]:
    if index is None:
        partition_key, sort_key = "pk", "sk"
    elif index in INDEXES:
        partition_key, sort_key = INDEXES[index]
    else:
        raise ValueError(f"unknown index {index!r}")
    where = [f"{partition_key} = ?"]
    params: list[Any] = [pk]
    if index:
        where.append(f"{sort_key} IS NOT NULL")  # DynamoDB indexes an item only when both keys are set
    if begins_with and between:
        raise ValueError("use sk_begins_with or sk_between, not both")
    if begins_with:
        where.append(f"{sort_key} >= ?")
        params.append(begins_with)
        end = _prefix_end(begins_with)
        if end is not None:
            where.append(f"{sort_key} < ?")
            params.append(end)
    if between:
        low, high = between
        if low > high:
            raise ValueError("sk_between needs low <= high")
        where.append(f"{sort_key} BETWEEN ? AND ?")
        params.extend((low, high))
    return where, params, sort_key


def _prefix_end(prefix: str) -> str | None:
    """The smallest string above every string that starts with `prefix` (a range keeps the index usable).

    SQLite's BINARY collation compares UTF-8 bytes, which order like code points.
    """
    chars = list(prefix)
    while chars:
        code = ord(chars[-1]) + 1
        if code <= 0x10FFFF:
            chars[-1] = chr(0xE000 if 0xD800 <= code <= 0xDFFF else code)
            return "".join(chars)
        chars.pop()
    return None


def _encode_cursor(keys: list[str]) -> str:
    return base64.urlsafe_b64encode(_dumps(keys).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, size: int) -> list[str]:
    try:
        keys = _loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        keys = None
    if not isinstance(keys, list) or len(keys) != size or not all(isinstance(k, str) for k in keys):
        raise Invalid("The page cursor is not valid for this listing; start again without it.")
    return keys
