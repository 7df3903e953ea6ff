"""An import is confirmed as it was previewed, or not at all.

The preview notes the state of every record its file names (by slug): each record and its own
parts as the history stores them (`history.current_states`), as a short digest. The confirmation
locks those records, digests them again and writes nothing if any differs: a record edited,
added or deleted after the preview would otherwise be overwritten by a file its editor checked
against something else. The digests wait beside the uploaded file, in the same shared cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import caches
from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reversion.models import Version

from . import history
from .formats import SharedCacheStorage

# The keyword argument with which the admin gives a preview the dictionary to note the records in.
PREVIEW_KEY = "previewed_as"
SHOWN = 10


def cache_key(file_name: str) -> str:
    return f"{SharedCacheStorage.CACHE_PREFIX}{file_name}:states"


def states_by_slug(model: type[Model], slugs: list[str], lock: bool = False) -> dict[str, str]:
    """The digest of each existing record among `slugs`; locked until the transaction ends if `lock`."""
    found = {}
    for batch in history.batches(slugs):
        records = model._default_manager.filter(slug__in=batch)
        if lock:
            records = records.select_for_update()
        found.update(dict(records.values_list("pk", "slug")))
    states = history.current_states(model, list(found))
    return {slug: history.fingerprint(states.get(str(pk))) for pk, slug in found.items()}


def remember(resource, dataset, **kwargs) -> None:
    """Called as an import starts reading `dataset` (`before_import`): in a preview, note the
    state of every record the file names, before any row is written, into the dictionary the
    admin passed as PREVIEW_KEY. (The preview's transaction is rolled back: `keep()` stores
    the notes after it.)"""
    notes = kwargs.get(PREVIEW_KEY)
    if notes is None:
        return
    rows = {}
    for number, slug in enumerate(dataset["slug"] if "slug" in (dataset.headers or []) else [], 1):
        slug = force_str(slug if slug is not None else "").strip()
        if slug:
            rows.setdefault(slug, number)
    states = states_by_slug(resource._meta.model, list(rows))
    notes.update((slug, (number, states.get(slug))) for slug, number in rows.items())


def keep(file_name: str, notes: dict) -> None:
    """Store a preview's notes beside its uploaded file, for as long as the file waits."""
    caches["imports"].set(cache_key(file_name), notes, SharedCacheStorage.CACHE_LIFETIME)


@dataclass
class StaleRow:
    number: int
    slug: str
    change: str  # "changed", "added" or "deleted" since the preview
    record: Model | None


def rows_changed_since_preview(model: type[Model], file_name: str) -> list[StaleRow]:
    """The rows of the previewed file `file_name` whose record changed since the preview, the
    records locked. Call inside the confirmation's transaction, before anything is written. A
    file that was previewed without notes (a record type imported by id, not by slug) has none;
    notes expire after the file itself."""
    seen = caches["imports"].get(cache_key(file_name)) if file_name else None
    if not seen:
        return []
    now = states_by_slug(model, list(seen), lock=True)
    stale = []
    for slug, (number, then) in seen.items():
        if now.get(slug) != then:
            change = "added" if then is None else "deleted" if slug not in now else "changed"
            stale.append(StaleRow(number, slug, change, None))
    stale.sort(key=lambda row: row.number)
    shown = {row.slug: row for row in stale[:SHOWN]}
    for record in model._default_manager.filter(slug__in=list(shown)):
        shown[record.slug].record = record
    return stale


def changed_by(record: Model) -> str:
    latest = Version.objects.get_for_object(record).select_related("revision__user").first()
    if latest is None:
        return _("someone, outside the administration")
    return _("%(user)s at %(when)s") % {
        "user": latest.revision.user or _("someone"),
        "when": date_format(localtime(latest.revision.date_created), "DATETIME_FORMAT"),
    }


def refusal(stale: list[StaleRow]) -> str:
    """The message for a confirmation refused because of `stale` rows, naming each (the first ten)."""
    lines = []
    for row in stale[:SHOWN]:
        if row.change == "changed":
            line = _("row %(row)s (“%(slug)s”): changed by %(who)s, after the preview") % {
                "row": row.number,
                "slug": row.slug,
                "who": changed_by(row.record),
            }
        elif row.change == "added":
            line = _("row %(row)s (“%(slug)s”): a record with this slug was added after the preview") % {
                "row": row.number,
                "slug": row.slug,
            }
        else:
            line = _("row %(row)s (“%(slug)s”): its record was deleted after the preview") % {
                "row": row.number,
                "slug": row.slug,
            }
        lines.append(line)
    more = len(stale) - SHOWN
    if more > 0:
        lines.append(ngettext("and %(count)s more row", "and %(count)s more rows", more) % {"count": more})
    return _(
        "Nothing was imported: the file would overwrite records that changed after its preview — %(rows)s. "
        "Upload the file again to preview it against the records as they are now."
    ) % {"rows": "; ".join(lines)}
