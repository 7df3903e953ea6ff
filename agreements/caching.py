"""Figures that cost a scan of the archive, kept in the cache until the records change.

One policy for every cached value: it is stored under a key version (Django's `version=`)
that is the *data version*, a number kept in the database and raised by every write to the
tracker's records (`data_changed`, called where records are written: `TrackerModel.save()`
and `delete()`, the querysets' `update()` and `delete()`, links added or removed, bulk
imports). Every process and server reads the number from the database, so a value is never
read once the records it describes have changed, whichever cache holds it (each process's
own memory by default, or Redis). A value worded in a language is keyed by the language too.
A miss, or a value evicted, is simply computed again.

The number (migration 0005): on PostgreSQL a sequence, raised with nextval(), which never
waits for another transaction; because its new value is seen at once, before the writing
transaction commits, it is raised again after the commit, so a value computed meanwhile from
the old rows is never read. On SQLite a one-row table, raised inside the writing transaction
(SQLite runs one writer at a time anyway), so the new number appears with the new rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, transaction
from django.utils.translation import get_language

# A value of a data version that has passed is never read again; this only frees the memory.
SECONDS = 3600

READ_VERSION = {
    "postgresql": "SELECT last_value FROM agreements_data_version",
    "sqlite": "SELECT number FROM agreements_data_version",
}
RAISE_VERSION = {
    "postgresql": "SELECT nextval('agreements_data_version')",
    "sqlite": "UPDATE agreements_data_version SET number = number + 1",
}

T = TypeVar("T")


def data_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(READ_VERSION[connection.vendor])
        return cursor.fetchone()[0]


def raise_version() -> None:
    with connection.cursor() as cursor:
        cursor.execute(RAISE_VERSION[connection.vendor])


def data_changed() -> None:
    """The tracker's records changed (or are changing in the current transaction): no value
    cached before is read again."""
    raise_version()
    if connection.vendor == "postgresql":
        transaction.on_commit(raise_version)


def cached(name: str, compute: Callable[[], T], *key: object, worded: bool = True) -> T:
    """`compute()`, or its value from the cache while the records have not changed. `key` says
    what else the value depends on; a `worded` value depends on the reader's language too."""
    if worded:
        key = (*key, get_language())
    cache_key = f"tracker:{name}:{hashlib.sha256(repr(key).encode()).hexdigest()[:32]}"
    version = data_version()
    value = cache.get(cache_key, version=version)
    if value is None:
        value = compute()
        cache.set(cache_key, value, SECONDS, version=version)
    return value
