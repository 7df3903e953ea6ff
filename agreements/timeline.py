"""A pair's timeline: the visits and memoranda between two countries, one list of events."""

from __future__ import annotations

import dataclasses
import datetime
import functools

from django.db import models
from django.db.models import F, Q, Value

from .models import (
    Commitment,
    CommitmentQuerySet,
    Country,
    Memorandum,
    MemorandumQuerySet,
    Signatory,
    Source,
    Visit,
    VisitQuerySet,
)
from .models.chain import prefetch_responsible


@dataclasses.dataclass
class TimelineEvent:
    """A visit or memorandum placed on a pair's timeline."""

    kind: str
    earliest: datetime.date | None
    latest: datetime.date | None
    record: Visit | Memorandum

    @property
    def year(self) -> int | None:
        return self.earliest.year if self.earliest else None


class PairTimeline:
    """The visits and memoranda between two countries, newest first (or oldest first), to be read a
    slice at a time (a Paginator's object list): a slice costs one query for its keys and a fixed
    number for its records, however long the pair's history."""

    def __init__(self, country: Country, partner: Country, *, newest_first: bool = True):
        self.country, self.partner, self.newest_first = country, partner, newest_first
        self.visits = Visit.objects.between(country, partner)
        self.memoranda = Memorandum.objects.between(country, partner)

    @functools.cached_property
    def visit_count(self) -> int:
        return self.visits.count()

    @functools.cached_property
    def memorandum_count(self) -> int:
        return self.memoranda.count()

    def count(self) -> int:
        return self.visit_count + self.memorandum_count

    def keys(self) -> models.QuerySet:
        """(kind, pk, earliest, latest) of every event, newest (or oldest) first, undated last; on
        the same first day a visit comes before the memoranda (signed during it, as a rule)."""

        def keyed(queryset: models.QuerySet, kind: str, earliest: str, latest: str) -> models.QuerySet:
            return (
                queryset.order_by()
                .annotate(event_kind=Value(kind), earliest=F(earliest), latest=F(latest))
                .values_list("event_kind", "pk", "earliest", "latest")
            )

        visits = keyed(self.visits, "visit", "date_earliest", "date_latest")
        memoranda = keyed(self.memoranda, "memorandum", "signed_earliest", "signed_latest")
        # "visit" sorts after "memorandum", so descending puts the visit first.
        if self.newest_first:
            order = [F("earliest").desc(nulls_last=True), "-event_kind", F("latest").desc(nulls_last=True), "-pk"]
        else:
            order = [F("earliest").asc(nulls_last=True), "-event_kind", F("latest").asc(nulls_last=True), "pk"]
        return visits.union(memoranda, all=True).order_by(*order)

    def __getitem__(self, page: slice) -> list[TimelineEvent]:
        keys = [(kind, pk) for kind, pk, _earliest, _latest in self.keys()[page]]
        visit_keys = [pk for kind, pk in keys if kind == "visit"]
        memorandum_keys = [pk for kind, pk in keys if kind == "memorandum"]
        visits, memoranda = Visit.objects.filter(pk__in=visit_keys), Memorandum.objects.filter(pk__in=memorandum_keys)
        events = {(event.kind, event.record.pk): event for event in self.events(visits, memoranda)}
        return [events[key] for key in keys if key in events]  # one deleted since its key was read is left out

    @staticmethod
    def events(visits: VisitQuerySet, memoranda: MemorandumQuerySet) -> list[TimelineEvent]:
        """The visits and memoranda as timeline events, in no particular order, each with lists of
        the commitments made there (`commitments_made`) and those it kept (`commitments_kept`); a
        visit with the memoranda signed there (`memoranda_signed`), a memorandum with its
        `signatories_shown`. (Lists rather than prefetched managers: building a manager for each
        record cost more than the queries.)"""
        made = Commitment.objects.select_related("fulfilled_by_visit", "fulfilled_by_memorandum").order_by(
            F("due_latest").asc(nulls_last=True), "title"
        )
        kept = Commitment.objects.select_related("origin_visit", "origin_memorandum")
        visits = visits.select_related("host_country", "guest_country", "leader").prefetch_related(
            "leader__alternative_names",
            models.Prefetch("commitments", queryset=made, to_attr="commitments_made"),
            models.Prefetch("fulfilled_commitments", queryset=kept, to_attr="commitments_kept"),
            models.Prefetch("memoranda", to_attr="memoranda_signed"),
        )
        memoranda = (
            memoranda.select_related("country_a", "country_b", "visit")
            .prefetch_related(
                models.Prefetch("commitments", queryset=made, to_attr="commitments_made"),
                models.Prefetch("fulfilled_commitments", queryset=kept, to_attr="commitments_kept"),
                models.Prefetch(
                    "signatories",
                    queryset=Signatory.objects.select_related("institution").prefetch_related(
                        "institution__alternative_names"
                    ),
                    to_attr="signatories_shown",
                ),
            )
            .with_dormancy()
        )
        events = [TimelineEvent("visit", visit.date_earliest, visit.date_latest, visit) for visit in visits]
        events += [TimelineEvent("memorandum", memo.signed_earliest, memo.signed_latest, memo) for memo in memoranda]
        # Who answers for each commitment made, read once for the whole page rather than per kind of event.
        prefetch_responsible([commitment for event in events for commitment in event.record.commitments_made])
        return events

    def sources(self) -> models.QuerySet:
        """The sources reporting the pair's visits and memoranda and the commitments made at them,
        oldest first."""
        commitments = self.commitments()
        reported = (
            Q(pk__in=Visit.sources.through.objects.filter(visit__in=self.visits).values("source"))
            | Q(pk__in=Memorandum.sources.through.objects.filter(memorandum__in=self.memoranda).values("source"))
            | Q(pk__in=Commitment.sources.through.objects.filter(commitment__in=commitments).values("source"))
        )
        return Source.objects.filter(reported).order_by(F("published_earliest").asc(nulls_last=True), "title")

    def commitments(self) -> CommitmentQuerySet:
        """The commitments made at the pair's visits and memoranda."""
        return Commitment.objects.made_at_any(self.visits, self.memoranda)
