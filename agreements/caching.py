"""Aggregates that cost a scan of the archive (facet counts, totals, the overview's figures),
kept in the configured cache until the records change.

Every save or delete of a tracker record, and every change to a many-to-many link, bumps a
data version that is part of each key, so a change shows at once wherever the cache is shared
(CACHE_URL=db://… or redis://…). With the default per-process cache, another process may show
the old figures for up to SECONDS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

SECONDS = 300
VERSION_KEY = "tracker:data-version"

T = TypeVar("T")


def data_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, None)
    return version


def records_changed(sender, **kwargs) -> None:
    """Signal receiver: a tracker record or link changed, so every cached aggregate is stale. A
    user's follows and the alerts sent to them (`affects_figures = False`) change no figure."""
    if sender._meta.app_label == "agreements" and getattr(sender, "affects_figures", True):
        bump_data_version()


def bump_data_version() -> None:
    """Make every cached aggregate stale; for writes that send no signals (bulk imports), once."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(VERSION_KEY, data_version() + 1, None)


def cached(name: str, compute: Callable[[], T], *key: object) -> T:
    """`compute()`, or its result from the cache while the records have not changed."""
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    cache_key = f"tracker:{name}:{data_version()}:{digest}"
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, SECONDS)
    return value


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(records_changed, dispatch_uid=f"records_changed_{id(signal)}")
