"""The ports: what the domain needs from storage and job execution, and nothing more.

Every port has a local adapter (the default: SQLite, a folder, a thread pool) and an AWS adapter
(DynamoDB, S3, Step Functions). Services receive ports through `skylabel.context.Context` and never
know which world they run in. One contract suite (`tests/contract`) runs every case on both adapters.

Item model (ItemStore)
----------------------
An item is a flat dict. The keys `pk` and `sk` (strings) are its primary key; `gsi1pk`/`gsi1sk` and
`gsi2pk`/`gsi2sk` (strings, optional) place it in a secondary index; `ttl` (int epoch seconds,
optional) makes it expire. Every other attribute may be a str, int, bool, None, float, list or dict.
Expired items (`ttl` <= now) are invisible to every read, because DynamoDB deletes them only lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Item = dict[str, Any]

KEY_ATTRIBUTES = ("pk", "sk")
INDEXES = {"gsi1": ("gsi1pk", "gsi1sk"), "gsi2": ("gsi2pk", "gsi2sk")}


# --- conditions -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A condition on the current version of one item, checked atomically with the write.

    kind:
      - "not_exists": the item must not exist (create-only).
      - "exists": the item must exist.
      - "equals": the item must exist and attribute `name` must equal `value`.
      - "less_than": the item must exist and attribute `name` (a number) must be < `value`
        (a missing attribute counts as 0).
    `all_of` combines several conditions with AND.
    """

    kind: Literal["not_exists", "exists", "equals", "less_than", "all_of"]
    name: str | None = None
    value: Any = None
    parts: tuple[Condition, ...] = ()

    @staticmethod
    def not_exists() -> Condition:
        return Condition("not_exists")

    @staticmethod
    def exists() -> Condition:
        return Condition("exists")

    @staticmethod
    def equals(name: str, value: Any) -> Condition:
        return Condition("equals", name=name, value=value)

    @staticmethod
    def less_than(name: str, value: int | float) -> Condition:
        return Condition("less_than", name=name, value=value)

    @staticmethod
    def all_of(*parts: Condition) -> Condition:
        return Condition("all_of", parts=tuple(parts))


# --- transaction operations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Put:
    item: Item
    condition: Condition | None = None


@dataclass(frozen=True)
class Update:
    """Set attributes, add to integer attributes (missing counts as 0), remove attributes."""

    pk: str
    sk: str
    set: Mapping[str, Any] = field(default_factory=dict)
    add: Mapping[str, int] = field(default_factory=dict)
    remove: Sequence[str] = ()
    condition: Condition | None = None


@dataclass(frozen=True)
class Delete:
    pk: str
    sk: str
    condition: Condition | None = None


@dataclass(frozen=True)
class Check:
    """Only a condition: the transaction fails unless it holds; nothing is written."""

    pk: str
    sk: str
    condition: Condition


Operation = Put | Update | Delete | Check


@dataclass(frozen=True)
class Page:
    items: list[Item]
    cursor: str | None  # opaque; None when there are no more items


# --- errors raised by adapters ----------------------------------------------------------------------------


class StoreError(Exception):
    """Base for storage failures the domain can act on."""


class ConditionFailed(StoreError):
    """A conditional write (or one operation of a transaction) found its condition false.

    `index` is the position of the failing operation in a transaction (0 for a single write).
    Nothing was written.
    """

    def __init__(self, message: str = "condition failed", index: int = 0) -> None:
        super().__init__(message)
        self.index = index


class BlobNotFound(StoreError):
    """The BlobStore has no object under that key."""


# --- ports ------------------------------------------------------------------------------------------------


class ItemStore(Protocol):
    def get(self, pk: str, sk: str) -> Item | None:
        """Strongly consistent read of one item; None when missing or expired."""

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        """Read several items (any order, missing ones left out)."""

    def put(self, item: Item, condition: Condition | None = None) -> None:
        """Create or replace; raises ConditionFailed when `condition` is false."""

    def update(
        self,
        pk: str,
        sk: str,
        *,
        set: Mapping[str, Any] | None = None,
        add: Mapping[str, int] | None = None,
        remove: Sequence[str] = (),
        condition: Condition | None = None,
    ) -> Item:
        """Change an item in place (creating it if missing, as DynamoDB does) and return the new version."""

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        """Delete (no error if missing, unless `condition` says otherwise)."""

    def transact(self, operations: Sequence[Operation]) -> None:
        """All or nothing; at most 100 operations, each on a different item.

        Raises ConditionFailed(index=i) when operation i's condition is false; nothing is written.
        """

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
        """Items of one partition (of the table or of `index` "gsi1"/"gsi2") in sort-key order.

        `skip` drops that many matching items first (native OFFSET in SQLite, keys-only paging in
        DynamoDB); `cursor` continues a previous page. `limit=None` reads the whole partition.
        """

    def count(self, pk: str, *, index: str | None = None, sk_begins_with: str | None = None) -> int:
        """How many (unexpired) items a partition holds."""

    def batch_put(self, items: Iterable[Item]) -> None:
        """Unconditional bulk write (not atomic as a whole; every item lands, retried until done)."""

    def batch_delete(self, keys: Iterable[tuple[str, str]]) -> None:
        """Unconditional bulk delete."""

    def increment(self, pk: str, sk: str, name: str, by: int = 1) -> int:
        """Atomically add `by` to a numeric attribute (missing = 0) and return the new value."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str | None = None) -> None: ...

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str | None = None) -> int:
        """Write an object from chunks without holding it whole (S3: multipart upload); returns its size."""

    def get(self, key: str) -> bytes:
        """Raises BlobNotFound."""

    def open(self, key: str) -> Iterator[bytes]:
        """Stream an object in chunks; raises BlobNotFound."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str) -> list[str]:
        """Keys under a prefix, sorted."""

    def presign_get(self, key: str, expires_in: int = 3600, filename: str | None = None) -> str:
        """A URL a client can GET without other credentials, valid for `expires_in` seconds."""

    def presign_put(self, key: str, expires_in: int = 3600, content_type: str | None = None) -> str:
        """A URL a client can PUT the object to, valid for `expires_in` seconds."""


@dataclass(frozen=True)
class Workflow:
    """A job's steps, the same functions in both worlds: plan → map(run_part) → finish.

    - plan(payload) returns a list of small, JSON-serializable part descriptors (no task data:
      Step Functions state is capped at 256 KB);
    - run_part(payload, part) does one part's work and returns a small JSON result;
    - finish(payload, results) records the outcome; on_error(payload, message) marks the job failed.
    Every step must be idempotent: both runners may retry it.
    """

    name: str
    plan: Callable[[dict], list[dict]]
    run_part: Callable[[dict, dict], dict]
    finish: Callable[[dict, list[dict]], None]
    on_error: Callable[[dict, str], None]
    max_concurrency: int = 4


class JobRunner(Protocol):
    def start(self, workflow: str, job_id: str, payload: dict) -> None:
        """Start the named workflow for a job. Starting the same job id twice starts it once."""
