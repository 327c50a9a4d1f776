"""The AWS ItemStore: one DynamoDB table through the low-level boto3 client.

Design choices:
- Values are typed so they come back exactly as they went in: str → S, bool → BOOL, int → N,
  None → NULL, and float, dict and list → B holding their JSON (DynamoDB would turn 1.0 into 1 and read
  numbers back as Decimal). Only ints are numbers to DynamoDB, so `add`, `increment` and `less_than`
  work on ints; floats and nested values are opaque but exact.
- Expired items (`ttl` <= now) are invisible: DynamoDB deletes them only lazily, so reads filter them
  and every condition treats them as missing. An update never merges into an expired item: its guard
  fails, the stale item is deleted, and the update runs again on a clean slate (as in SQLite).
- A page holds `limit` items whenever they exist, however DynamoDB splits its 1 MB pages or filters
  expired items; the cursor is the last returned key, and is None on the last page.
- boto3 is imported only when a client is first needed: the local runtime never pays for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from itertools import islice
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

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

AttributeValue = dict[str, Any]
RawItem = dict[str, AttributeValue]

_INDEX_KEYS = ("gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
_NOT_DATA = frozenset(("pk", "sk", "ttl", *_INDEX_KEYS))
_BATCH_WRITE = 25  # BatchWriteItem limit
_BATCH_GET = 100  # BatchGetItem limit
_MAX_TRANSACTION = 100  # TransactWriteItems limit
_MAX_ATTEMPTS = 12  # for unprocessed batch items and transaction conflicts
_STALE_RETRIES = 3  # an update that met an expired item deletes it and tries again this often


def create_table(client: Any, table_name: str) -> None:
    """Create the single table (on-demand, gsi1 and gsi2 projecting everything, TTL on `ttl`).

    The CDK stack declares the same table; tests and local AWS emulators use this.
    """
    key_names = ("pk", "sk", *_INDEX_KEYS)

    def key_schema(hash_key: str, range_key: str) -> list[dict[str, str]]:
        return [{"AttributeName": hash_key, "KeyType": "HASH"}, {"AttributeName": range_key, "KeyType": "RANGE"}]

    client.create_table(
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in key_names],
        KeySchema=key_schema("pk", "sk"),
        GlobalSecondaryIndexes=[
            {"IndexName": name, "KeySchema": key_schema(*keys), "Projection": {"ProjectionType": "ALL"}}
            for name, keys in INDEXES.items()
        ],
    )
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    client.update_time_to_live(
        TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )


class DynamoItemStore:
    """ItemStore on a DynamoDB table (see the module docstring)."""

    def __init__(
        self,
        table_name: str,
        client: Any = None,
        clock: Callable[[], float] = time.time,
        *,
        sleep: Callable[[float], None] = time.sleep,
        batch_workers: int = 8,
    ) -> None:
        self._table = table_name
        self._client = client
        self._client_lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._batch_workers = max(1, batch_workers)

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    import boto3  # here, not at module level: boto3 costs ~100s of ms to import

                    self._client = boto3.client("dynamodb")
        return self._client

    def _now(self) -> int:
        # ttl values are ints, so `ttl <= now` and `ttl <= floor(now)` agree; an int keeps N simple.
        return math.floor(self._clock())

    # --- single items -------------------------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> Item | None:
        raw = self._get_raw(pk, sk)
        if raw is None or _expired(raw, self._now()):
            return None
        return _decode_item(raw)

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        unique = list(dict.fromkeys((pk, sk) for pk, sk in keys))  # BatchGetItem rejects duplicate keys
        now = self._now()
        found: list[Item] = []
        for start in range(0, len(unique), _BATCH_GET):
            chunk = unique[start : start + _BATCH_GET]
            request = {self._table: {"Keys": [_key(pk, sk) for pk, sk in chunk], "ConsistentRead": True}}
            attempt = 0
            while request:
                response = self.client.batch_get_item(RequestItems=request)
                found.extend(
                    _decode_item(raw) for raw in response["Responses"].get(self._table, []) if not _expired(raw, now)
                )
                request = response.get("UnprocessedKeys") or {}
                attempt = self._back_off(attempt) if request else 0
        return found

    def put(self, item: Item, condition: Condition | None = None) -> None:
        raw = _encode_item(item)
        params: dict[str, Any] = {"TableName": self._table, "Item": raw}
        if condition is not None:
            expr = _Expressions(self._now())
            params.update(expr.params(condition=_condition(condition, expr)))
        try:
            self.client.put_item(**params)
        except self.client.exceptions.ConditionalCheckFailedException:
            raise ConditionFailed(f"condition failed on put {item['pk']}/{item['sk']}") from None

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
        return _decode_item(self._update(pk, sk, set or {}, add or {}, remove, condition, "ALL_NEW"))

    def increment(self, pk: str, sk: str, name: str, by: int = 1) -> int:
        return int(self._update(pk, sk, {}, {name: by}, (), None, "UPDATED_NEW")[name]["N"])

    def _update(
        self,
        pk: str,
        sk: str,
        set_: Mapping[str, Any],
        add: Mapping[str, Any],
        remove: Sequence[str],
        condition: Condition | None,
        return_values: str,
    ) -> RawItem:
        _check_key(pk, sk)
        for _ in range(_STALE_RETRIES):
            expr = _Expressions(self._now())
            update_expression = _update_expression(set_, add, remove, expr)
            condition_expression = _and(_condition(condition, expr), expr.not_stale())
            try:
                response = self.client.update_item(
                    TableName=self._table,
                    Key=_key(pk, sk),
                    ReturnValues=return_values,
                    **expr.params(update=update_expression, condition=condition_expression),
                )
                return response["Attributes"]
            except self.client.exceptions.ConditionalCheckFailedException:
                if not self._delete_if_stale(pk, sk):
                    raise ConditionFailed(f"condition failed on update {pk}/{sk}") from None
        raise ConditionFailed(f"condition failed on update {pk}/{sk}")

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        params: dict[str, Any] = {"TableName": self._table, "Key": _key(pk, sk)}
        if condition is not None:
            expr = _Expressions(self._now())
            params.update(expr.params(condition=_condition(condition, expr)))
        try:
            self.client.delete_item(**params)
        except self.client.exceptions.ConditionalCheckFailedException:
            raise ConditionFailed(f"condition failed on delete {pk}/{sk}") from None

    def transact(self, operations: Sequence[Operation]) -> None:
        ops = list(operations)
        if not ops:
            return
        _check_transaction(ops)
        attempt = 0
        while True:
            now = self._now()
            try:
                self.client.transact_write_items(TransactItems=[self._transact_item(op, now) for op in ops])
                return
            except self.client.exceptions.TransactionCanceledException as error:
                codes = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in codes:
                index = codes.index("ConditionalCheckFailed")
                failed = ops[index]
                # An Update's guard fails on an expired item: clear it and run the transaction again.
                if not (isinstance(failed, Update) and self._delete_if_stale(failed.pk, failed.sk)):
                    raise ConditionFailed(f"condition failed on operation {index}", index=index)
            elif "TransactionConflict" not in codes:
                raise StoreError(f"transaction cancelled: {codes}")
            attempt = self._back_off(attempt)

    def _transact_item(self, op: Operation, now: int) -> dict[str, Any]:
        expr = _Expressions(now)
        base = {"TableName": self._table}
        if isinstance(op, Put):
            condition = _condition(op.condition, expr)
            return {"Put": {**base, "Item": _encode_item(op.item), **expr.params(condition=condition)}}
        key = _key(op.pk, op.sk)
        if isinstance(op, Update):
            update_expression = _update_expression(op.set, op.add, op.remove, expr)
            condition = _and(_condition(op.condition, expr), expr.not_stale())
            return {"Update": {**base, "Key": key, **expr.params(update=update_expression, condition=condition)}}
        if isinstance(op, Delete):
            return {"Delete": {**base, "Key": key, **expr.params(condition=_condition(op.condition, expr))}}
        return {"ConditionCheck": {**base, "Key": key, **expr.params(condition=_condition(op.condition, expr))}}

    def _get_raw(self, pk: str, sk: str) -> RawItem | None:
        return self.client.get_item(TableName=self._table, Key=_key(pk, sk), ConsistentRead=True).get("Item")

    def _delete_if_stale(self, pk: str, sk: str) -> bool:
        """Delete the item if it is expired (and still the same expired version); True if it was stale."""
        raw = self._get_raw(pk, sk)
        if raw is None or not _expired(raw, self._now()):
            return False
        try:
            self.client.delete_item(
                TableName=self._table,
                Key=_key(pk, sk),
                ConditionExpression="#ttl = :ttl",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={":ttl": raw["ttl"]},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # someone rewrote it meanwhile; the retry will meet the new version
        return True

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
        params = self._query_params(pk, index, sk_begins_with, sk_between)
        params["ScanIndexForward"] = forward
        start = _decode_cursor(cursor, index) if cursor is not None else None
        if skip:
            start = self._skip(params, start, skip)
            if start is _END:
                return Page([], None)
        # Read one item past the limit: it tells whether a next page exists, so the last page has no cursor.
        wanted = None if limit is None else limit + 1
        raws: list[RawItem] = []
        while True:
            request = dict(params)
            if start is not None:
                request["ExclusiveStartKey"] = start
            if wanted is not None:
                request["Limit"] = wanted - len(raws)
            response = self.client.query(**request)
            raws.extend(response["Items"])
            start = response.get("LastEvaluatedKey")
            if start is None or (wanted is not None and len(raws) >= wanted):
                break
        next_cursor = None
        if limit is not None and len(raws) > limit:
            del raws[limit:]
            next_cursor = _encode_cursor(raws[-1], index)
        return Page([_decode_item(raw) for raw in raws], next_cursor)

    def count(self, pk: str, *, index: str | None = None, sk_begins_with: str | None = None) -> int:
        params = self._query_params(pk, index, sk_begins_with, None)
        params["Select"] = "COUNT"
        total = 0
        while True:
            response = self.client.query(**params)
            total += response["Count"]
            if "LastEvaluatedKey" not in response:
                return total
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _query_params(
        self, pk: str, index: str | None, begins_with: str | None, between: tuple[str, str] | None
    ) -> dict[str, Any]:
        if index is not None and index not in INDEXES:
            raise ValueError(f"unknown index {index!r}")
        partition_key, sort_key = INDEXES[index] if index else ("pk", "sk")
        expr = _Expressions(self._now())
        key_condition = f"{expr.name(partition_key)} = {expr.value({'S': pk})}"
        if begins_with and between:
            raise ValueError("use sk_begins_with or sk_between, not both")
        if begins_with:
            key_condition += f" AND begins_with({expr.name(sort_key)}, {expr.value({'S': begins_with})})"
        if between:
            low, high = between
            if low > high:
                raise ValueError("sk_between needs low <= high")
            low_value, high_value = expr.value({"S": low}), expr.value({"S": high})
            key_condition += f" AND {expr.name(sort_key)} BETWEEN {low_value} AND {high_value}"
        live = f"attribute_not_exists({expr.name('ttl')}) OR {expr.name('ttl')} > {expr.now()}"
        params = {"TableName": self._table, "KeyConditionExpression": key_condition, "FilterExpression": live}
        params.update(expr.params())
        if index:
            params["IndexName"] = index  # GSIs are eventually consistent only
        else:
            params["ConsistentRead"] = True
        return params

    def _skip(self, params: dict[str, Any], start: RawItem | None, skip: int) -> Any:
        """The key after the first `skip` live items, or _END. Counts only: no item leaves DynamoDB.

        With Limit=remaining, Count == remaining means every evaluated item matched, so the last
        evaluated key is the last skipped item.
        """
        remaining = skip
        while remaining:
            request = dict(params, Select="COUNT", Limit=remaining)
            if start is not None:
                request["ExclusiveStartKey"] = start
            response = self.client.query(**request)
            remaining -= response["Count"]
            start = response.get("LastEvaluatedKey")
            if start is None:
                return _END
        return start

    # --- bulk ---------------------------------------------------------------------------------------------

    def batch_put(self, items: Iterable[Item]) -> None:
        self._batch_write((raw, {"PutRequest": {"Item": raw}}) for raw in map(_encode_item, items))

    def batch_delete(self, keys: Iterable[tuple[str, str]]) -> None:
        self._batch_write((key, {"DeleteRequest": {"Key": key}}) for key in (_key(pk, sk) for pk, sk in keys))

    def _batch_write(self, requests: Iterable[tuple[RawItem, dict[str, Any]]]) -> None:
        """Write in windows of parallel 25-item batches; the last write of a key wins, as in SQLite."""
        iterator = iter(requests)
        window_size = _BATCH_WRITE * self._batch_workers * 4
        executor: ThreadPoolExecutor | None = None
        try:
            while window := list(islice(iterator, window_size)):
                # BatchWriteItem rejects a key twice in one call; windows run in order, so dedupe each.
                unique = list({(raw["pk"]["S"], raw["sk"]["S"]): request for raw, request in window}.values())
                chunks = [unique[i : i + _BATCH_WRITE] for i in range(0, len(unique), _BATCH_WRITE)]
                if len(chunks) == 1 or self._batch_workers == 1:
                    for chunk in chunks:
                        self._write_chunk(chunk)
                    continue
                if executor is None:
                    executor = ThreadPoolExecutor(self._batch_workers, thread_name_prefix="ddb-batch")
                for future in [executor.submit(self._write_chunk, chunk) for chunk in chunks]:
                    future.result()
        finally:
            if executor is not None:
                executor.shutdown()

    def _write_chunk(self, chunk: list[dict[str, Any]]) -> None:
        pending = chunk
        attempt = 0
        while pending:
            response = self.client.batch_write_item(RequestItems={self._table: pending})
            left = (response.get("UnprocessedItems") or {}).get(self._table, [])
            if left:
                # Only rounds that make no progress count towards giving up.
                attempt = self._back_off(0 if len(left) < len(pending) else attempt)
            pending = left

    def _back_off(self, attempt: int) -> int:
        """Sleep before retry number attempt+1 (exponential, full jitter); give up after _MAX_ATTEMPTS."""
        if attempt >= _MAX_ATTEMPTS:
            raise StoreError(f"DynamoDB kept refusing the request after {attempt} retries")
        self._sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))
        return attempt + 1


_END = object()  # _skip ran past the end of the partition


# --- values -----------------------------------------------------------------------------------------------


def _encode(value: Any) -> AttributeValue:
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, float | dict | list | tuple):
        return {"B": _dumps(value).encode()}
    raise TypeError(f"cannot store a {type(value).__name__}")


def _decode(value: AttributeValue) -> Any:
    ((kind, data),) = value.items()
    if kind == "S" or kind == "BOOL":
        return data
    if kind == "N":
        try:
            return int(data)
        except ValueError:  # written by something else than this adapter
            return float(data)
    if kind == "NULL":
        return None
    if kind == "B":
        return json.loads(data)
    if kind == "L":
        return [_decode(v) for v in data]
    if kind == "M":
        return {k: _decode(v) for k, v in data.items()}
    raise TypeError(f"unsupported DynamoDB type {kind}")


def _number(value: Any) -> AttributeValue:
    if type(value) is int:
        return {"N": str(value)}
    if type(value) is float and math.isfinite(value):
        return {"N": format(Decimal(repr(value)), "f")}
    raise TypeError(f"less_than needs a number, not {value!r}")


def _encode_item(item: Mapping[str, Any]) -> RawItem:
    _check_key(item.get("pk"), item.get("sk"))
    raw: RawItem = {}
    for name, value in item.items():
        if name in _NOT_DATA:
            if value is None and name not in ("pk", "sk"):
                continue  # an absent index key or ttl: the item is simply not indexed, or never expires
            _check_key_value(name, value)
        raw[name] = _encode(value)
    return raw


def _decode_item(raw: RawItem) -> Item:
    return {name: _decode(value) for name, value in raw.items()}


def _key(pk: str, sk: str) -> RawItem:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _expired(raw: RawItem, now: int) -> bool:
    ttl = raw.get("ttl")
    return ttl is not None and "N" in ttl and int(ttl["N"]) <= now


def _check_key(pk: Any, sk: Any) -> None:
    if type(pk) is not str or type(sk) is not str or not pk or not sk:
        raise ValueError(f"pk and sk must be non-empty strings, not {pk!r}, {sk!r}")


def _check_key_value(name: str, value: Any) -> None:
    if name == "ttl":
        if type(value) is not int:
            raise TypeError(f"ttl must be an int (epoch seconds), not {value!r}")
    elif type(value) is not str or not value:
        raise ValueError(f"{name} must be a non-empty string, not {value!r}")


def _check_transaction(ops: list[Operation]) -> None:
    if len(ops) > _MAX_TRANSACTION:
        raise ValueError(f"a transaction holds at most {_MAX_TRANSACTION} operations, not {len(ops)}")
    keys = set()
    for op in ops:
        if not isinstance(op, Put | Update | Delete | Check):
            raise TypeError(f"not a transaction operation: {op!r}")
        if isinstance(op, Check) and op.condition is None:
            raise ValueError("a Check needs a condition")
        key = (op.item.get("pk"), op.item.get("sk")) if isinstance(op, Put) else (op.pk, op.sk)
        _check_key(*key)
        if key in keys:
            raise ValueError(f"a transaction may touch {key[0]}/{key[1]} only once")
        keys.add(key)


# --- expressions ------------------------------------------------------------------------------------------


class _Expressions:
    """Placeholders for one request: every attribute name and value goes through one, so reserved words
    and odd characters never matter, and only placeholders that are used are sent (DynamoDB rejects others).
    """

    def __init__(self, now: int) -> None:
        self._now = now
        self._names: dict[str, str] = {}
        self._values: dict[str, AttributeValue] = {}
        self._now_placeholder: str | None = None

    def name(self, attribute: str) -> str:
        if attribute not in self._names:
            self._names[attribute] = f"#n{len(self._names)}"
        return self._names[attribute]

    def value(self, value: AttributeValue) -> str:
        placeholder = f":v{len(self._values)}"
        self._values[placeholder] = value
        return placeholder

    def now(self) -> str:
        if self._now_placeholder is None:
            self._now_placeholder = self.value({"N": str(self._now)})
        return self._now_placeholder

    def live(self) -> str:
        """The item exists and has not expired."""
        ttl = self.name("ttl")
        return f"(attribute_exists({self.name('pk')}) AND (attribute_not_exists({ttl}) OR {ttl} > {self.now()}))"

    def not_stale(self) -> str:
        """The guard of every update: the item is missing or live, never an expired leftover."""
        ttl = self.name("ttl")
        return f"(attribute_not_exists({self.name('pk')}) OR attribute_not_exists({ttl}) OR {ttl} > {self.now()})"

    def params(self, *, update: str | None = None, condition: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if update:
            out["UpdateExpression"] = update
        if condition:
            out["ConditionExpression"] = condition
        if self._names:
            out["ExpressionAttributeNames"] = {placeholder: name for name, placeholder in self._names.items()}
        if self._values:
            out["ExpressionAttributeValues"] = self._values
        return out


def _condition(condition: Condition | None, expr: _Expressions) -> str | None:
    if condition is None:
        return None
    kind = condition.kind
    if kind == "all_of":
        return _and(*(_condition(part, expr) for part in condition.parts))
    if kind == "not_exists":
        # An expired item is a missing one, so create-only writes may replace it.
        return f"(attribute_not_exists({expr.name('pk')}) OR {expr.name('ttl')} <= {expr.now()})"
    if kind == "exists":
        return expr.live()
    name = expr.name(condition.name or "")
    if kind == "equals":
        # The type test makes equality type-strict on every engine (moto alone equates True and 1).
        value = _encode(condition.value)
        ((kind, _),) = value.items()
        typed = f"attribute_type({name}, {expr.value({'S': kind})})"
        if kind == "NULL":
            return f"({expr.live()} AND {typed})"
        return f"({expr.live()} AND {typed} AND {name} = {expr.value(value)})"
    if kind == "less_than":
        # A missing attribute counts as 0 (a counter nobody has bumped yet).
        value = _number(condition.value)
        zero_passes = 0 < condition.value
        # Typed first: only an N compares (a float is stored as B), and the type check keeps it explicit.
        below = f"(attribute_type({name}, {expr.value({'S': 'N'})}) AND {name} < {expr.value(value)})"
        test = f"(attribute_not_exists({name}) OR {below})" if zero_passes else below
        return f"({expr.live()} AND {test})"
    raise ValueError(f"unknown condition kind {kind!r}")


def _and(*parts: str | None) -> str | None:
    present = [part for part in parts if part]
    if not present:
        return None
    return present[0] if len(present) == 1 else "(" + " AND ".join(present) + ")"


def _update_expression(
    set_: Mapping[str, Any], add: Mapping[str, Any], remove: Sequence[str], expr: _Expressions
) -> str:
    # None on an index key or ttl means "take it out": DynamoDB cannot index or expire a NULL.
    removes = [*remove, *(k for k, v in set_.items() if v is None and k in _NOT_DATA)]
    sets = {k: v for k, v in set_.items() if not (v is None and k in _NOT_DATA)}
    names = [*sets, *add, *removes]
    if not names:
        raise ValueError("an update must set, add or remove something")
    if len(names) != len(frozenset(names)):
        raise ValueError("an attribute may appear only once in an update")
    if "pk" in names or "sk" in names:
        raise ValueError("pk and sk cannot be updated")
    clauses = []
    if sets:
        for name, value in sets.items():
            if name in _NOT_DATA:
                _check_key_value(name, value)
        clauses.append("SET " + ", ".join(f"{expr.name(k)} = {expr.value(_encode(v))}" for k, v in sets.items()))
    if add:
        for name, by in add.items():
            if type(by) is not int:
                raise TypeError(f"add takes ints only, not {by!r} for {name!r}")
        clauses.append("ADD " + ", ".join(f"{expr.name(k)} {expr.value({'N': str(v)})}" for k, v in add.items()))
    if removes:
        clauses.append("REMOVE " + ", ".join(expr.name(k) for k in removes))
    return " ".join(clauses)


# --- cursors ----------------------------------------------------------------------------------------------


def _cursor_keys(index: str | None) -> tuple[str, ...]:
    return ("pk", "sk", *INDEXES[index]) if index else ("pk", "sk")


def _encode_cursor(raw: RawItem, index: str | None) -> str:
    keys = [raw[name]["S"] for name in _cursor_keys(index)]
    return base64.urlsafe_b64encode(_dumps(keys).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, index: str | None) -> RawItem:
    names = _cursor_keys(index)
    try:
        keys = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        keys = None
    if not isinstance(keys, list) or len(keys) != len(names) or not all(isinstance(k, str) and k for k in keys):
        raise Invalid("The page cursor is not valid for this listing; start again without it.")
    return {name: {"S": key} for name, key in zip(names, keys, strict=True)}
