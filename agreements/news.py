"""What is new: the records of a follow saved in the history within a period, and its commitments
that fell due or came within thirty days of falling due.

"New or changed" is read from the history (django-reversion): every change made in the admin and
every confirmed import is saved as a revision with the time it was made (`date_created`). A record
is *new* when its first version was saved within the period, and *changed* when it has an earlier
one. Records written outside the history (the seed, the demo data) are in it once
`manage.py createinitialrevisions` has run, which `make run` does.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from itertools import groupby

from django.db import models
from django.db.models import BigIntegerField, CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from reversion.models import Version

from .fuzzydates import describe
from .models import Commitment, Follow, Memorandum, Visit

RECORD_MODELS = (Memorandum, Visit, Commitment)
DATE_FIELDS = {Memorandum: "signed", Visit: "date", Commitment: "due"}
DUE_SOON_DAYS = 30
RECENT_CHANGES = 1000  # versions of each kind a feed looks among for the records last changed


@dataclasses.dataclass
class Change:
    """A record as it is now, when it was last saved within the period, and its fields as saved
    before the period (None when it is new)."""

    record: models.Model
    when: datetime.datetime
    before: dict | None

    @property
    def is_new(self) -> bool:
        return self.before is None

    @property
    def label(self) -> str:
        """What happened, in a word or two: "new", "made", "kept", "held", "changed"."""
        record = self.record
        if isinstance(record, Visit) and self.status_changed_or_new:
            return record.get_status_display()
        if self.is_new:
            if isinstance(record, Commitment):
                return pgettext_lazy("a new commitment", "made")
            return pgettext_lazy("a new record", "new")
        if self.status_changed_or_new:
            if isinstance(record, Commitment) and record.status == Commitment.Status.FULFILLED:
                return _("kept")
            return record.get_status_display()
        return _("changed")

    @property
    def status_changed_or_new(self) -> bool:
        return self.before is None or self.before.get("status") != getattr(self.record, "status", None)

    @property
    def date_in_words(self) -> str:
        return describe(record_date(self.record))


def record_date(record: models.Model) -> str:
    """The EDTF date a record is known by: signed, held or due."""
    return getattr(record, DATE_FIELDS[type(record)])


@dataclasses.dataclass
class News:
    """What changed for a follow within a period, each kind of record newest change first, at most
    `limit` of each; the totals say how many there were."""

    memoranda: list[Change]
    visits: list[Change]
    commitments: list[Change]
    fell_due: list[Commitment]
    due_soon: list[Commitment]
    totals: dict[str, int]

    @property
    def count(self) -> int:
        return sum(self.totals.values())

    @property
    def shown(self) -> int:
        return sum(len(items) for _key, _heading, items in self.sections)

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def sections(self) -> list[tuple[str, str, list]]:
        """(key, heading, items) for each kind that has something, in the order a digest shows them."""
        sections = [
            ("memoranda", _("Memoranda"), self.memoranda),
            ("visits", _("Visits"), self.visits),
            ("commitments", _("Commitments"), self.commitments),
            ("fell_due", _("Fell due"), self.fell_due),
            ("due_soon", _("Due within 30 days"), self.due_soon),
        ]
        return [(key, heading, items) for key, heading, items in sections if items]


def versions_of(model: type[models.Model]) -> models.QuerySet:
    return Version.objects.get_for_model(model)


def last_saved(model: type[models.Model], until: datetime.datetime | None = None) -> Subquery:
    """When the outer record was last saved in the history (up to `until`), for annotate()."""
    versions = versions_of(model).filter(object_id=Cast(OuterRef("pk"), CharField()))
    if until is not None:
        versions = versions.filter(revision__date_created__lte=until)
    return Subquery(versions.order_by("-revision__date_created").values("revision__date_created")[:1])


def changed_between(
    queryset: models.QuerySet, since: datetime.datetime, until: datetime.datetime, limit: int
) -> tuple[list[Change], int]:
    """The records of `queryset` saved in the history after `since` and up to `until`: at most
    `limit` of them, last saved first, and how many there are. Three queries at most."""
    model = queryset.model
    saved = versions_of(model).filter(revision__date_created__gt=since, revision__date_created__lte=until)
    keys = saved.annotate(key=Cast("object_id", BigIntegerField())).values("key")
    changed = queryset.filter(pk__in=keys).order_by()
    total = changed.count()
    if not total:
        return [], 0
    records = list(changed.annotate(changed_at=last_saved(model, until)).order_by("-changed_at", "-pk")[:limit])
    before = states_before(model, [record.pk for record in records], since)
    return [Change(record, record.changed_at, before.get(record.pk)) for record in records], total


def states_before(model: type[models.Model], keys: list[int], moment: datetime.datetime) -> dict[int, dict]:
    """Each record's fields as last saved in the history at or before `moment`, by key (one query)."""
    if not keys:
        return {}
    versions = (
        versions_of(model)
        .filter(object_id__in=[str(key) for key in keys], revision__date_created__lte=moment)
        .order_by("object_id", "-revision__date_created", "-pk")
        .values_list("object_id", "serialized_data")
    )
    states = {}
    for object_id, rows in groupby(versions, key=lambda row: row[0]):
        serialized = next(rows)[1]
        try:
            states[int(object_id)] = json.loads(serialized)[0]["fields"]
        except (ValueError, LookupError, TypeError):
            states[int(object_id)] = {}
    return states


def news_for(follow: Follow, since: datetime.datetime, until: datetime.datetime, limit: int = 20) -> News:
    """What changed for `follow` after `since` and up to `until`, at most `limit` records of each kind."""
    found: dict[str, list] = {}
    totals: dict[str, int] = {}
    for model, key in ((Memorandum, "memoranda"), (Visit, "visits"), (Commitment, "commitments")):
        records = follow.records(model)
        found[key], totals[key] = changed_between(records, since, until, limit) if records is not None else ([], 0)
    commitments = follow.records(Commitment)
    for key, start, end in (
        ("fell_due", since.date(), until.date()),
        (
            "due_soon",
            since.date() + datetime.timedelta(DUE_SOON_DAYS),
            until.date() + datetime.timedelta(DUE_SOON_DAYS),
        ),
    ):
        # The latest due day passed, or came within thirty days, during the period: it is reported once.
        due = (
            commitments.unresolved().filter(due_latest__gte=start, due_latest__lt=end).order_by("due_latest", "pk")
            if commitments is not None and start < end
            else Commitment.objects.none()
        )
        shown = list(due.select_related("origin_visit", "origin_memorandum")[: limit + 1])
        found[key], totals[key] = shown[:limit], due.count() if len(shown) > limit else len(shown)
    return News(
        memoranda=found["memoranda"],
        visits=found["visits"],
        commitments=found["commitments"],
        fell_due=found["fell_due"],
        due_soon=found["due_soon"],
        totals=totals,
    )


def latest_changes(follow: Follow, limit: int) -> list[tuple[models.Model, datetime.datetime | None]]:
    """The followed records last changed, with when (None if never saved in the history), at most
    `limit` of all kinds together: what a feed shows. Changes are looked for among the latest
    RECENT_CHANGES versions of each kind, so that a feed of the whole archive costs no more than
    one of a pair; the newest records by their own date make up the rest.

    Four queries per kind, each on at most RECENT_CHANGES + `limit` keys: as one query, PostgreSQL
    guessed it would read the whole archive and spent longer compiling the plan than running it."""
    found = []
    for model in RECORD_MODELS:
        records = follow.records(model)
        if records is None:
            continue
        recently_saved = versions_of(model).order_by("-pk").values_list("object_id", flat=True)[:RECENT_CHANGES]
        keys = {int(key) for key in recently_saved if key.isdigit()}
        newest_first = [models.F(f"{DATE_FIELDS[model]}_earliest").desc(nulls_last=True), "-pk"]
        candidates = set(records.filter(pk__in=keys).order_by().values_list("pk", flat=True))
        candidates |= set(records.order_by(*newest_first).values_list("pk", flat=True)[:limit])
        ordered = (
            model.objects.filter(pk__in=candidates)
            .annotate(changed_at=last_saved(model))
            .order_by(models.F("changed_at").desc(nulls_last=True), *newest_first)
            .select_related(*RELATED[model])
        )
        found += [(record, record.changed_at) for record in ordered[:limit]]
    epoch, first_day = datetime.datetime.min.replace(tzinfo=datetime.UTC), datetime.date.min

    def newest(pair):
        record, changed_at = pair
        return changed_at or epoch, getattr(record, f"{DATE_FIELDS[type(record)]}_earliest") or first_day

    return sorted(found, key=newest, reverse=True)[:limit]


RELATED = {
    Memorandum: ("country_a", "country_b"),
    Visit: ("host_country", "guest_country"),
    Commitment: ("origin_visit", "origin_memorandum"),
}
