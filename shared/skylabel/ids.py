"""Integer ids from atomic counters, as Label Studio and its SDK expect.

One counter item per entity kind; a bulk import takes a whole block with one atomic increment, so
100,000 tasks cost one write, not 100,000.
"""

from __future__ import annotations

from skylabel import keys
from skylabel.ports import ItemStore


def allocate(store: ItemStore, kind: str, count: int = 1) -> range:
    """Reserve `count` consecutive ids of `kind`; ids are never reused, even if the caller fails."""
    if count < 1:
        raise ValueError("count must be >= 1")
    last = store.increment(keys.COUNTERS, kind, "value", count)
    return range(last - count + 1, last + 1)


def allocate_one(store: ItemStore, kind: str) -> int:
    return allocate(store, kind, 1)[0]
