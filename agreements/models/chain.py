"""The chain of bilateral cooperation: visits produce commitments, which memoranda and
later visits fulfil, which in turn produce new commitments; sources report each link."""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter

from babel.lists import format_list
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from reversion.models import Version

from ..fuzzydates import FuzzyDate, FuzzyDateField, describe
from ..history import decoded
from ..languages import language_choices
from .base import (
    BilateralQuerySet,
    ChainQuerySet,
    SluggedModel,
    SlugManager,
    TrackerModel,
    TranslatedContent,
    keeps_history,
    one_year_before,
    reader_language,
    search_keys_field,
)
from .people import Institution, Person
from .reference import Country, Sector, Source, count_subquery


def commitment_counts(origin: str) -> dict:
    """Annotations counting the commitments made at the record (`origin`: "origin_visit" or
    "origin_memorandum"), those kept and those still open, each in a subquery of its own."""
    made = Commitment.objects.filter(**{origin: OuterRef("pk")})
    return {
        "commitments_made": count_subquery(made),
        "commitments_kept": count_subquery(made.filter(status=Commitment.Status.FULFILLED)),
        "commitments_open": count_subquery(made.unresolved()),
    }


class VisitQuerySet(BilateralQuerySet):
    country_sides = ("host_country", "guest_country")
    date_field = "date"
    institution_path = "institutions"

    def chronological(self) -> VisitQuerySet:
        return self.order_by(F("date_earliest").asc(nulls_last=True), "date_latest", "title")

    def with_overdue_commitments(self, today: datetime.date | None = None) -> VisitQuerySet:
        """Visits at which a commitment was made that is now overdue."""
        return self.filter(pk__in=Commitment.objects.overdue(today).values("origin_visit"))

    def upcoming(self, today: datetime.date | None = None) -> VisitQuerySet:
        """Planned visits not yet past (or with no date yet), soonest first."""
        today = today or datetime.date.today()
        return (
            self.filter(status=Visit.Status.PLANNED)
            .filter(Q(date_latest__gte=today) | Q(date_latest__isnull=True))
            .chronological()
        )

    def for_list(self, today: datetime.date | None = None) -> VisitQuerySet:
        """The visit list: countries and leader joined, sectors prefetched, commitments counted (in a
        subquery: a count over a join would group the whole list, its keys' query too)."""
        made = Commitment.objects.filter(origin_visit=OuterRef("pk"))
        overdue = Commitment.objects.overdue(today).filter(origin_visit=OuterRef("pk"))
        return (
            self.select_related("host_country", "guest_country", "leader")
            .prefetch_related("sectors")
            .annotate(commitment_count=count_subquery(made), has_overdue=Exists(overdue))
        )

    def for_export(self) -> VisitQuerySet:
        """What VisitResource reads, joined and prefetched."""
        return self.select_related("host_country", "guest_country", "leader").prefetch_related(
            "participants", "people_met", "institutions", "sectors", "sources"
        )

    def for_report(self, today: datetime.date | None = None) -> VisitQuerySet:
        """What a report of the list reads (`agreements.reports`): the list's joins, everyone's and
        every institution's names, the memoranda signed, the commitments it kept with their
        origins, and its commitments counted."""
        return (
            self.for_list(today)
            .prefetch_related(
                "leader__alternative_names",
                "participants__alternative_names",
                "people_met__alternative_names",
                "institutions__alternative_names",
                "sources",
                "memoranda",
                models.Prefetch(
                    "fulfilled_commitments",
                    queryset=Commitment.objects.select_related("origin_visit", "origin_memorandum"),
                ),
            )
            .annotate(**commitment_counts("origin_visit"))
        )

    def for_detail(self) -> VisitQuerySet:
        """Everything the visit page shows, in a fixed number of queries."""
        return self.select_related("host_country", "guest_country", "leader__institution").prefetch_related(
            "sectors",
            "sources",
            "leader__alternative_names",
            models.Prefetch(
                "participants",
                queryset=Person.objects.select_related("institution").prefetch_related("alternative_names"),
            ),
            models.Prefetch(
                "people_met",
                queryset=Person.objects.select_related("institution").prefetch_related("alternative_names"),
            ),
            models.Prefetch(
                "institutions",
                queryset=Institution.objects.select_related("country").prefetch_related("alternative_names"),
            ),
            models.Prefetch(
                "memoranda",
                queryset=Memorandum.objects.select_related("country_a", "country_b").prefetch_related(
                    "signatories__institution"
                ),
            ),
            models.Prefetch(
                "commitments",
                queryset=Commitment.objects.select_related("fulfilled_by_visit", "fulfilled_by_memorandum")
                .with_responsible()
                .order_by(F("due_latest").asc(nulls_last=True), "title"),
            ),
            models.Prefetch(
                "fulfilled_commitments",
                queryset=Commitment.objects.select_related("origin_visit", "origin_memorandum").with_responsible(),
            ),
        )


@keeps_history()
class Visit(TranslatedContent, SluggedModel):
    """Any bilateral meeting: a state visit, a ministerial visit, a forum, an ambassador's call."""

    class Kind(models.TextChoices):
        STATE = "state", _("state visit")
        OFFICIAL = "official", _("official visit")
        WORKING = "working", _("working visit")
        MINISTERIAL = "ministerial", _("ministerial visit")
        FORUM = "forum", _("forum")
        AMBASSADORIAL = "ambassadorial", _("meeting with an ambassador")
        PARLIAMENTARY = "parliamentary", _("parliamentary meeting")
        EXHIBITION = "exhibition", _("exhibition")
        OTHER = "other", _("other meeting")
        NOT_GIVEN = "not-given", _("kind not given")

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("visit status", "planned")
        HELD = "held", pgettext_lazy("visit status", "held")
        CANCELLED = "cancelled", pgettext_lazy("visit status", "cancelled")

    title = models.CharField(_("title"), max_length=300)
    title_ru = models.CharField(_("title in Russian"), max_length=300, blank=True)
    title_ar = models.CharField(_("title in Arabic"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NOT_GIVEN)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.HELD)
    host_country = models.ForeignKey(
        Country, verbose_name=_("host country"), on_delete=models.PROTECT, related_name="visits_hosted"
    )
    guest_country = models.ForeignKey(
        Country, verbose_name=_("guest country"), on_delete=models.PROTECT, related_name="visits_made"
    )
    # A visit may take place in several cities: their names in one column, in the order given and
    # separated by "|" (see `cities`), as text to show and search, never a key to join on.
    city = models.CharField(
        _("cities"), max_length=300, blank=True, help_text=_("One or more, separated by “|”: Minsk | Brest.")
    )
    date = FuzzyDateField(_("date"))
    leader = models.ForeignKey(
        Person,
        verbose_name=_("delegation leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits_led",
    )
    # The guest country's delegation (the leader and `participants`) is kept apart from the host
    # country's people who received or met it (`people_met`).
    participants = models.ManyToManyField(
        Person,
        verbose_name=_("members of the delegation"),
        blank=True,
        related_name="visits_attended",
        help_text=_("The guest country's delegation, besides its leader."),
    )
    people_met = models.ManyToManyField(
        Person,
        verbose_name=_("hosts and people met"),
        blank=True,
        related_name="visits_received",
        help_text=_("People of the host country who received the delegation or met it."),
    )
    institutions = models.ManyToManyField(
        Institution, verbose_name=_("institutions visited or taking part"), blank=True, related_name="visits"
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="visits")
    summary = models.TextField(_("summary"), blank=True)
    summary_ru = models.TextField(_("summary in Russian"), blank=True)
    summary_ar = models.TextField(_("summary in Arabic"), blank=True)
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True, related_name="visits")
    search_text = search_keys_field()

    objects = SlugManager.from_queryset(VisitQuerySet)()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = [F("date_earliest").desc(nulls_last=True), "title"]
        # The list's sorts and filters; PostgreSQL also gets "newest first" and trigram
        # search indexes (migration 0003), which SQLite cannot build.
        indexes = [
            models.Index(fields=["date_earliest", "date_latest", "title", "id"], name="visit_oldest_first"),
            models.Index(fields=["title", "id"], name="visit_by_title"),
            models.Index(fields=["kind"], name="visit_kind"),
            models.Index(fields=["status", "date_latest"], name="visit_status_date"),
            # A pair's visits after a day: a memorandum's dormancy (a later visit between its
            # countries) and the pair dossier.
            models.Index(fields=["host_country", "guest_country", "date_earliest"], name="visit_pair_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(host_country=F("guest_country")), name="visit_countries_differ"),
            models.CheckConstraint(
                condition=Q(date_earliest__isnull=True)
                | Q(date_latest__isnull=True)
                | Q(date_latest__gte=F("date_earliest")),
                name="visit_date_ordered",
            ),
        ]

    translated_fields = ("title", "summary")

    def __str__(self) -> str:
        return self.localized("title")

    def get_absolute_url(self) -> str:
        return reverse("agreements:visit-detail", args=[self.slug])

    def slug_source(self) -> str:
        return f"{self.title} {self.date}"

    @property
    def date_in_words(self) -> str:
        return describe(self.date)

    CITY_SEPARATOR = " | "

    @staticmethod
    def split_cities(text: str) -> list[str]:
        """The cities of a "|"-separated text, each once, in their order."""
        return list(dict.fromkeys(" ".join(city.split()) for city in text.split("|") if city.strip()))

    @property
    def cities(self) -> list[str]:
        return self.split_cities(self.city)

    @property
    def cities_in_words(self) -> str:
        """The cities as a list in the reader's language ("Minsk and Brest", "Минск и Брест")."""
        return format_list(self.cities, locale=reader_language()) if self.city else ""

    def prepare_for_write(self, taken_slugs=()) -> None:
        self.city = self.CITY_SEPARATOR.join(self.cities)
        super().prepare_for_write(taken_slugs)

    search_prefetches = (
        "institutions__alternative_names",
        "participants__alternative_names",
        "people_met__alternative_names",
        "leader__alternative_names",
    )

    def search_words(self) -> list[str]:
        """Its own texts and the names, in every language, of the institutions and people taking part
        and of the people met."""
        words = [
            *self.in_every_language("title", "summary"),
            self.city,
            *(self.leader.names() if self.leader_id else []),
        ]
        if self.pk:
            for named in [*self.institutions.all(), *self.participants.all(), *self.people_met.all()]:
                words += named.names()
        return words

    def clean(self):
        if self.host_country_id and self.host_country_id == self.guest_country_id:
            raise ValidationError({"guest_country": _("The guest country must differ from the host country.")})


class MemorandumQuerySet(BilateralQuerySet):
    country_sides = ("country_a", "country_b")
    date_field = "signed"
    institution_path = "parties"

    def chronological(self) -> MemorandumQuerySet:
        return self.order_by(F("signed_earliest").asc(nulls_last=True), "signed_latest", "title")

    def with_overdue_commitments(self, today: datetime.date | None = None) -> MemorandumQuerySet:
        """Memoranda that created a commitment which is now overdue."""
        return self.filter(pk__in=Commitment.objects.overdue(today).values("origin_memorandum"))

    @staticmethod
    def dormancy(today: datetime.date | None = None) -> Q:
        """The condition for a dormant memorandum, usable in filter() and annotate().

        Signed or in force for at least twelve months (counted from its latest possible
        signing day) with no follow-up since: none of its commitments kept, no later held
        visit between the two countries involving one of its parties, no memorandum that
        follows, implements, amends, renews or supersedes it.
        """
        today = today or datetime.date.today()
        kept = Commitment.objects.filter(origin_memorandum=OuterRef("pk"), status=Commitment.Status.FULFILLED)
        followers = MemorandumRelation.objects.filter(target=OuterRef("pk"))
        # Each subquery refers to the outer memorandum by its key alone, and names the visit's two
        # sides as equalities, so that PostgreSQL answers a count over the archive with hash
        # anti-joins instead of probing the visits once per memorandum (seconds at 100,000).
        visited = [
            Signatory.objects.filter(
                memorandum=OuterRef("pk"),
                institution__visits__status=Visit.Status.HELD,
                institution__visits__host_country=F(f"memorandum__{host}"),
                institution__visits__guest_country=F(f"memorandum__{guest}"),
                institution__visits__date_earliest__gt=F("memorandum__signed_latest"),
            )
            for host, guest in (("country_a", "country_b"), ("country_b", "country_a"))
        ]
        return (
            Q(
                status__in=[Memorandum.Status.SIGNED, Memorandum.Status.IN_FORCE],
                signed_latest__lte=one_year_before(today),
            )
            & ~Exists(kept)
            & ~Exists(followers)
            & ~Exists(visited[0])
            & ~Exists(visited[1])
        )

    def dormant(self, today: datetime.date | None = None) -> MemorandumQuerySet:
        """Memoranda with no follow-up twelve months after signing (see `dormancy`)."""
        return self.filter(self.dormancy(today))

    def with_dormancy(self, today: datetime.date | None = None) -> MemorandumQuerySet:
        """Annotate `dormant` (bool), read by `Memorandum.is_dormant` without a query."""
        return self.annotate(dormant=ExpressionWrapper(self.dormancy(today), output_field=models.BooleanField()))

    def with_force_on(self, day: datetime.date, today: datetime.date | None = None) -> MemorandumQuerySet:
        """Annotate `force`: whether each memorandum was in force on `day`, as "yes", "possibly" or
        "no" (read by `Memorandum.force_label` and `end_of_force`), with `force_day`, `superseded` and
        `superseded_from` (the EDTF start of the earliest memorandum superseding it, "" if none or not recorded).

        The rule, in one place: a memorandum is in force from its `valid_from` (its signing day when
        that is not recorded) until its `valid_until`, or until a memorandum superseding it takes
        effect. Its status makes this certain only when it is "in force", or "signed" with a
        recorded `valid_from`, or "expired"/"terminated" with a recorded `valid_until`; "signed"
        alone does not say when, or whether, it took effect, so at most "possibly". Under
        preparation is never in force; expired or terminated is not in force from today on. A
        fuzzy bound that may fall either side of `day` gives "possibly".
        """
        today = today or datetime.date.today()
        recorded_start = ~Q(valid_from="")
        superseders = MemorandumRelation.objects.filter(
            target=OuterRef("pk"), kind=MemorandumRelation.Kind.SUPERSEDES
        ).annotate(
            start=Case(When(~Q(source__valid_from=""), then=F("source__valid_from")), default=F("source__signed")),
            start_earliest=Case(
                When(~Q(source__valid_from=""), then=F("source__valid_from_earliest")),
                default=F("source__signed_earliest"),
            ),
            start_latest=Case(
                When(~Q(source__valid_from=""), then=F("source__valid_from_latest")),
                default=F("source__signed_latest"),
            ),
        )

        def earliest_superseder(bound: str):
            ordered = superseders.order_by(F("start_earliest").asc(nulls_last=True), "pk")
            return Subquery(ordered.values(bound)[:1])

        queryset = self.alias(
            start_earliest=Case(When(recorded_start, then=F("valid_from_earliest")), default=F("signed_earliest")),
            start_latest=Case(When(recorded_start, then=F("valid_from_latest")), default=F("signed_latest")),
            superseded_earliest=earliest_superseder("start_earliest"),
            superseded_latest=Subquery(
                superseders.order_by(F("start_latest").asc(nulls_last=True), "pk").values("start_latest")[:1]
            ),
        )
        status = Memorandum.Status
        ended = [status.EXPIRED, status.TERMINATED]
        not_in_force = (
            Q(status=status.UNDER_PREPARATION)
            | Q(start_earliest__gt=day)
            | Q(valid_until_latest__lt=day)
            | Q(superseded_latest__lte=day)
        )
        if day >= today:
            not_in_force |= Q(status__in=ended)
        certain_status = (
            Q(status=status.IN_FORCE)
            | (Q(status=status.SIGNED) & recorded_start)
            | (Q(status__in=ended) & ~Q(valid_until=""))
        )
        certainly = (
            certain_status
            & Q(start_latest__lte=day)
            & (Q(valid_until="") | Q(valid_until_earliest__gte=day))
            & (~Exists(superseders) | Q(superseded_earliest__gt=day))
        )
        return queryset.annotate(
            force=Case(
                When(not_in_force, then=Value("no")),
                When(certainly, then=Value("yes")),
                default=Value("possibly"),
            ),
            force_day=Value(day, output_field=models.DateField()),
            superseded=Exists(superseders),
            superseded_from=Coalesce(earliest_superseder("start"), Value("")),
        )

    def in_force_on(self, day: datetime.date, today: datetime.date | None = None) -> MemorandumQuerySet:
        """Memoranda in force, or possibly in force, on `day` (see `with_force_on`), annotated."""
        return self.with_force_on(day, today).filter(force__in=["yes", "possibly"])

    def for_list(self, today: datetime.date | None = None) -> MemorandumQuerySet:
        """The memorandum list: countries joined, sectors prefetched, dormancy, force and overdue
        commitments annotated."""
        today = today or datetime.date.today()
        overdue = Commitment.objects.overdue(today).filter(origin_memorandum=OuterRef("pk"))
        # Each memorandum's force on the day the list asks about (`in_force_on`), or else today.
        queryset = self if "force" in self.query.annotations else self.with_force_on(today, today)
        return (
            queryset.select_related("country_a", "country_b", "visit")
            .prefetch_related("sectors")
            .with_dormancy(today)
            .annotate(has_overdue=Exists(overdue))
        )

    def for_detail(self, today: datetime.date | None = None) -> MemorandumQuerySet:
        """The memorandum page's record, in a fixed number of queries; its commitments and related
        memoranda come from `commitments_made_and_kept()` and `relations_both_ways()`."""
        return (
            self.select_related("country_a", "country_b", "visit__host_country", "visit__guest_country")
            .prefetch_related(
                "sectors",
                "sources",
                models.Prefetch(
                    "signatories",
                    queryset=Signatory.objects.select_related("institution__country", "person")
                    .prefetch_related("institution__alternative_names", "person__alternative_names")
                    .order_by("institution__country", "institution__name"),
                ),
            )
            .with_dormancy(today)
            .with_force_on(today or datetime.date.today(), today)
        )

    def per_year_and_sector(self) -> list[tuple[int | None, str | None, int]]:
        """(year signed, top-level sector name in the active language, number of memoranda), for the
        overview chart.

        A memorandum in two top-level sectors counts once in each; one with no sector has None.
        """
        by_year = self.order_by().annotate(year=ExtractYear("signed_earliest"))
        in_sectors = (
            by_year.filter(sectors__lineage__parent__isnull=True)
            .values_list("year", Sector.localized_name_in("sectors__lineage__"))
            .annotate(n=Count("pk", distinct=True))
        )
        no_sector = Value(None, output_field=models.CharField())
        without = by_year.filter(sectors__isnull=True).values_list("year", no_sector).annotate(n=Count("pk"))
        return sorted(in_sectors.union(without, all=True), key=lambda row: (row[0] or 0, row[1] or ""))

    def count_by_year(self) -> dict[int, int]:
        """The number of memoranda signed each year (by the earliest possible day), undated ones left out."""
        by_year = self.order_by().filter(signed_earliest__isnull=False).annotate(year=ExtractYear("signed_earliest"))
        return dict(by_year.values_list("year").annotate(n=Count("pk")))

    def for_report(self, today: datetime.date | None = None) -> MemorandumQuerySet:
        """What a report of the list reads (`agreements.reports`): the list's joins and annotations,
        the signatories by name, the sources, the commitments it kept with their origins, and its
        commitments counted."""
        signatories = (
            Signatory.objects.select_related("institution", "person")
            .prefetch_related("institution__alternative_names", "person__alternative_names")
            .order_by("institution__country", "institution__name")
        )
        return (
            self.for_list(today)
            .prefetch_related(
                models.Prefetch("signatories", queryset=signatories),
                "sources",
                models.Prefetch(
                    "fulfilled_commitments",
                    queryset=Commitment.objects.select_related("origin_visit", "origin_memorandum"),
                ),
            )
            .annotate(**commitment_counts("origin_memorandum"))
        )

    def for_export(self) -> MemorandumQuerySet:
        """What MemorandumResource reads, joined and prefetched."""
        return self.select_related("country_a", "country_b", "visit").prefetch_related(
            "parties",
            models.Prefetch("signatories", queryset=Signatory.objects.select_related("institution", "person")),
            models.Prefetch("outgoing_relations", queryset=MemorandumRelation.objects.select_related("target")),
            "sectors",
            "sources",
        )


@keeps_history("signatories", "outgoing_relations")
class Memorandum(TranslatedContent, SluggedModel):
    """Any bilateral instrument: MoU, agreement, joint statement, programme, contract, protocol."""

    class Kind(models.TextChoices):
        MOU = "mou", _("memorandum of understanding")
        AGREEMENT = "agreement", _("agreement")
        JOINT_STATEMENT = "joint-statement", _("joint statement")
        PROGRAMME = "programme", _("programme")
        CONTRACT = "contract", _("contract")
        PROTOCOL = "protocol", _("protocol")
        ROADMAP = "roadmap", _("roadmap or action plan")
        DECLARATION_OF_INTENT = "declaration-of-intent", _("declaration of intent")
        LETTER_OF_INTENT = "letter-of-intent", _("letter of intent")
        WORK_PLAN = "work-plan", _("work plan")
        EXCHANGE_OF_LETTERS = "exchange-of-letters", _("exchange of letters")
        TECHNICAL_AGREEMENT = "technical-agreement", _("technical agreement")
        OTHER = "other", _("other instrument")

    class Status(models.TextChoices):
        UNDER_PREPARATION = "under-preparation", pgettext_lazy("memorandum status", "under preparation")
        SIGNED = "signed", pgettext_lazy("memorandum status", "signed")
        IN_FORCE = "in-force", pgettext_lazy("memorandum status", "in force")
        EXPIRED = "expired", pgettext_lazy("memorandum status", "expired")
        TERMINATED = "terminated", pgettext_lazy("memorandum status", "terminated")

    title = models.CharField(_("title"), max_length=300)
    title_ru = models.CharField(_("title in Russian"), max_length=300, blank=True)
    title_ar = models.CharField(_("title in Arabic"), max_length=300, blank=True)
    original_title = models.CharField(
        _("original title"), max_length=300, blank=True, help_text=_("The title in the language it was signed in.")
    )
    original_title_language = models.CharField(
        _("language of the original title"), max_length=8, choices=language_choices, blank=True
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    kind_label = models.CharField(
        _("what it calls itself"),
        max_length=120,
        blank=True,
        help_text=_("For an instrument of another kind: its own word for itself (“letter of agreement”)."),
    )
    exchanged = models.BooleanField(
        _("exchanged"), default=False, help_text=_("Exchanged at a ceremony rather than signed there.")
    )
    legally_binding = models.BooleanField(
        _("legally binding"), null=True, blank=True, help_text=_("Leave unknown when the sources do not say.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SIGNED)
    country_a = models.ForeignKey(
        Country, verbose_name=_("first country"), on_delete=models.PROTECT, related_name="memoranda_as_a"
    )
    country_b = models.ForeignKey(
        Country, verbose_name=_("second country"), on_delete=models.PROTECT, related_name="memoranda_as_b"
    )
    parties = models.ManyToManyField(
        Institution,
        through="Signatory",
        verbose_name=_("signatory institutions"),
        blank=True,
        related_name="memoranda",
    )
    signed = FuzzyDateField(_("signed on"))
    signed_at = models.CharField(_("signed at (city)"), max_length=120, blank=True)
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("signed during visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memoranda",
    )
    valid_from = FuzzyDateField(
        _("in force from"),
        help_text=_("When it took or takes effect, if the sources say; otherwise it counts from its signing."),
    )
    valid_until = FuzzyDateField(_("valid until"))
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="memoranda")
    summary = models.TextField(_("summary"), blank=True)
    summary_ru = models.TextField(_("summary in Russian"), blank=True)
    summary_ar = models.TextField(_("summary in Arabic"), blank=True)
    related = models.ManyToManyField(
        "self",
        through="MemorandumRelation",
        symmetrical=False,
        blank=True,
        related_name="related_from",
        verbose_name=_("related memoranda"),
    )
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True, related_name="memoranda")
    search_text = search_keys_field()

    objects = SlugManager.from_queryset(MemorandumQuerySet)()

    class Meta:
        verbose_name = _("memorandum")
        verbose_name_plural = _("memoranda")
        ordering = [F("signed_earliest").desc(nulls_last=True), "title"]
        # The list's sorts and filters (dormancy reads status and signed_latest); PostgreSQL also
        # gets "newest first" and trigram search indexes (migration 0003), which SQLite cannot build.
        indexes = [
            models.Index(fields=["signed_earliest", "signed_latest", "title", "id"], name="memorandum_oldest_first"),
            models.Index(fields=["title", "id"], name="memorandum_by_title"),
            models.Index(fields=["kind"], name="memorandum_kind"),
            models.Index(fields=["status", "signed_latest"], name="memorandum_status_signed"),
        ]
        # Site-wide permissions, declared here so that migrate creates them (see README, "Accounts and roles").
        permissions = [
            ("browse_records", _("Can browse the tracker's pages")),
            ("export_records", _("Can export lists as CSV, XLSX or JSON")),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(country_a=F("country_b")), name="memorandum_countries_differ"),
            models.CheckConstraint(
                condition=Q(signed_earliest__isnull=True)
                | Q(signed_latest__isnull=True)
                | Q(signed_latest__gte=F("signed_earliest")),
                name="memorandum_signed_ordered",
            ),
        ]

    translated_fields = ("title", "summary")

    def __str__(self) -> str:
        return self.localized("title")

    def get_absolute_url(self) -> str:
        return reverse("agreements:memorandum-detail", args=[self.slug])

    @property
    def kind_in_words(self) -> str:
        """The kind as the page shows it: an instrument of another kind by its own word for itself."""
        if self.kind == self.Kind.OTHER and self.kind_label:
            return self.kind_label
        return str(self.get_kind_display())

    def slug_source(self) -> str:
        return self.title

    @property
    def signed_in_words(self) -> str:
        return describe(self.signed)

    search_prefetches = ("signatories__institution__alternative_names", "signatories__person__alternative_names")

    def search_words(self) -> list[str]:
        """Its own texts and the names, in every language, of its parties and signers."""
        words = [*self.in_every_language("title", "summary"), self.signed_at]
        if self.pk:
            for signatory in self.signatories.all():
                words += signatory.institution.names() + (signatory.person.names() if signatory.person_id else [])
        return words

    @property
    def valid_until_in_words(self) -> str:
        return describe(self.valid_until) if self.valid_until else ""

    @property
    def valid_from_in_words(self) -> str:
        return describe(self.valid_from) if self.valid_from else ""

    def _force(self) -> None:
        """Read `force`, `force_day`, `superseded` and `superseded_from` for today, when the record
        was not loaded with `with_force_on()`: one query."""
        if "force" not in self.__dict__:
            today = datetime.date.today()
            row = Memorandum.objects.with_force_on(today, today).filter(pk=self.pk)
            fields = ("force", "force_day", "superseded", "superseded_from")
            self.__dict__.update(zip(fields, row.values_list(*fields).get(), strict=True))

    @property
    def force_label(self) -> str:
        """ "in force", "possibly in force" or "not in force", on the day of `with_force_on()` (named
        unless it is today)."""
        self._force()
        if self.force_day == datetime.date.today():
            labels = {"yes": _("in force"), "possibly": _("possibly in force"), "no": _("not in force")}
            return str(labels[self.force])
        labels = {
            "yes": _("in force on %(date)s"),
            "possibly": _("possibly in force on %(date)s"),
            "no": _("not in force on %(date)s"),
        }
        return str(labels[self.force]) % {"date": describe(self.force_day.isoformat())}

    def end_of_force(self, today: datetime.date | None = None) -> str:
        """How it stopped being in force, with the date (superseded, expired or terminated); "" while
        it has not. Reads the annotations of `with_force_on()`; without them this costs a query."""
        today = today or datetime.date.today()
        self._force()
        if self.superseded:
            if self.superseded_from:
                return _("Superseded from %(date)s.") % {"date": describe(self.superseded_from)}
            return str(_("Superseded; the date is not recorded."))
        past_end = self.valid_until_latest is not None and self.valid_until_latest < today
        if self.status == self.Status.TERMINATED:
            if self.valid_until:
                return _("Terminated; in force until %(date)s.") % {"date": self.valid_until_in_words}
            return str(_("Terminated; the date is not recorded."))
        if self.status == self.Status.EXPIRED or past_end:
            if self.valid_until:
                return _("Expired; in force until %(date)s.") % {"date": self.valid_until_in_words}
            return str(_("Expired; the date is not recorded."))
        return ""

    @property
    def is_dormant(self) -> bool:
        """No follow-up twelve months after signing (see `MemorandumQuerySet.dormancy`).

        Read from the `dormant` annotation of `with_dormancy()`; without it this costs a query.
        """
        if "dormant" not in self.__dict__:
            self.dormant = Memorandum.objects.dormant().filter(pk=self.pk).exists()
        return self.dormant

    def commitments_made_and_kept(self) -> tuple[list[Commitment], list[Commitment]]:
        """The commitments this memorandum made and those it kept, soonest due first, with their
        origins and fulfillers: one query."""
        both = (
            Commitment.objects.filter(Q(origin_memorandum=self) | Q(fulfilled_by_memorandum=self))
            .select_related("origin_visit", "origin_memorandum", "fulfilled_by_visit", "fulfilled_by_memorandum")
            .with_responsible()
            .order_by(F("due_latest").asc(nulls_last=True), "title")
        )
        made = [c for c in both if c.origin_memorandum_id == self.pk]
        kept = [c for c in both if c.fulfilled_by_memorandum_id == self.pk]
        return made, kept

    def relations_both_ways(self) -> list[tuple[str, Memorandum, MemorandumRelation]]:
        """The memoranda this one names, then those that name it, each with the relation read from
        this side ("amends", "amended by"): one query."""
        relations = MemorandumRelation.objects.filter(Q(source=self) | Q(target=self)).select_related(
            "source", "target"
        )
        named = [(r.get_kind_display(), r.target, r) for r in relations if r.source_id == self.pk]
        naming = [(r.inverse_label, r.source, r) for r in relations if r.target_id == self.pk]
        return named + naming

    def clean(self):
        if self.country_a_id and self.country_a_id == self.country_b_id:
            raise ValidationError({"country_b": _("The second country must differ from the first.")})
        start, end = FuzzyDate.parse(self.valid_from), FuzzyDate.parse(self.valid_until)
        if start.earliest and end.latest and end.latest < start.earliest:
            raise ValidationError({"valid_until": _("“Valid until” is before “in force from”.")})
        if self.visit_id and self.country_a_id and self.country_b_id:
            pair = {self.country_a_id, self.country_b_id}
            if {self.visit.host_country_id, self.visit.guest_country_id} != pair:
                raise ValidationError({"visit": _("The visit must be between the memorandum's two countries.")})


class SignatoryManager(models.Manager):
    def get_by_natural_key(self, memorandum: str, institution: str) -> Signatory:
        return self.get(memorandum__slug=memorandum, institution__slug=institution)


@keeps_history()
class Signatory(TrackerModel):
    """An institution that is party to a memorandum, and the person who signed for it. The
    memorandum's search keys hold their names, so saving or deleting one keys it again."""

    memorandum = models.ForeignKey(Memorandum, on_delete=models.CASCADE, related_name="signatories")
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="signatures"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )

    objects = SignatoryManager()

    class Meta:
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        constraints = [
            models.UniqueConstraint(fields=["memorandum", "institution"], name="signatory_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} — {self.person}" if self.person_id else str(self.institution)

    def natural_key(self) -> tuple[str, str]:
        return (self.memorandum.slug, self.institution.slug)

    natural_key.dependencies = ["agreements.memorandum", "agreements.institution"]

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.memorandum.refresh_search_text()

    def delete(self, *args, **kwargs):
        memorandum = self.memorandum
        deleted = super().delete(*args, **kwargs)
        if Memorandum.objects.filter(pk=memorandum.pk).exists():  # not deleted with it
            memorandum.refresh_search_text()
        return deleted


class MemorandumRelationManager(models.Manager):
    def get_by_natural_key(self, source: str, kind: str, target: str) -> MemorandumRelation:
        return self.get(source__slug=source, kind=kind, target__slug=target)


@keeps_history()
class MemorandumRelation(TrackerModel):
    """A typed link: `source` follows / implements / amends / renews / supersedes / extends `target`."""

    class Kind(models.TextChoices):
        FOLLOWS = "follows", _("follows")
        IMPLEMENTS = "implements", _("implements")
        AMENDS = "amends", _("amends")
        RENEWS = "renews", _("renews")
        SUPERSEDES = "supersedes", _("supersedes")
        EXTENDS = "extends", _("extends")

    INVERSE = {
        Kind.FOLLOWS: _("followed by"),
        Kind.IMPLEMENTS: _("implemented by"),
        Kind.AMENDS: _("amended by"),
        Kind.RENEWS: _("renewed by"),
        Kind.SUPERSEDES: _("superseded by"),
        Kind.EXTENDS: _("extended by"),
    }

    source = models.ForeignKey(
        Memorandum, verbose_name=_("memorandum"), on_delete=models.CASCADE, related_name="outgoing_relations"
    )
    kind = models.CharField(_("relation"), max_length=12, choices=Kind.choices)
    target = models.ForeignKey(
        Memorandum, verbose_name=_("related memorandum"), on_delete=models.PROTECT, related_name="incoming_relations"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = MemorandumRelationManager()

    class Meta:
        verbose_name = _("related memorandum")
        verbose_name_plural = _("related memoranda")
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "target"], name="memorandum_relation_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="memorandum_relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()} {self.target}"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.source.slug, self.kind, self.target.slug)

    natural_key.dependencies = ["agreements.memorandum"]

    @classmethod
    def label_seen_from(cls, kind: str, side: str) -> str:
        """A relation of `kind` as read from its "source" ("amends") or its "target" ("amended by")."""
        return cls.Kind(kind).label if side == "source" else cls.INVERSE[kind]

    @property
    def inverse_label(self) -> str:
        return self.label_seen_from(self.kind, "target")

    def clean(self):
        if self.source_id and self.source_id == self.target_id:
            raise ValidationError({"target": _("A memorandum cannot be related to itself.")})


def responsible_prefetches() -> list:
    """The responsible institutions with their names in other languages, and the responsible countries."""
    return [
        models.Prefetch("responsible_institutions", queryset=Institution.objects.prefetch_related("alternative_names")),
        "responsible_countries",
    ]


def prefetch_responsible(commitments: list[Commitment]) -> None:
    """`with_responsible()` for commitments already read, however they were gathered: three queries."""
    models.prefetch_related_objects(commitments, *responsible_prefetches())


@dataclasses.dataclass
class StatusChange:
    """A status a commitment was given, and when."""

    status: str
    label: str
    changed: datetime.datetime

    def get_status_display(self) -> str:
        return self.label


# Each rule of a commitment, worded once: for the database's constraint and for clean().
ONE_ORIGIN = _("A commitment comes from exactly one visit or one memorandum.")
FULFILLER_NAMED = _("A fulfilled commitment names the visit or memorandum that fulfilled it.")


# What `made_and_kept_per_year()` counts per year: commitments made, kept, kept that had a due date,
# and of those the ones kept within their due window (docs/glossary.md).
PER_YEAR = ("made", "kept", "kept-dated", "kept-in-window")


class CommitmentQuerySet(ChainQuerySet):
    date_field = "due"
    institution_path = "responsible_institutions"

    def unresolved(self) -> CommitmentQuerySet:
        return self.filter(status__in=[Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS])

    def overdue(self, today: datetime.date | None = None) -> CommitmentQuerySet:
        """Unresolved commitments whose latest due day has passed."""
        today = today or datetime.date.today()
        return self.unresolved().filter(due_latest__lt=today)

    def made_at_any(self, visits: VisitQuerySet, memoranda: MemorandumQuerySet) -> CommitmentQuerySet:
        """Commitments made at one of `visits` or in one of `memoranda`. (Looked up by origin in two
        parts: with one condition on either origin, PostgreSQL scanned every commitment.)"""
        made_at_visits = Commitment.objects.filter(origin_visit__in=visits.values("pk")).order_by().values("pk")
        made_in_memoranda = Commitment.objects.filter(origin_memorandum__in=memoranda.values("pk"))
        return self.filter(pk__in=made_at_visits.union(made_in_memoranda.order_by().values("pk"), all=True))

    def between(self, a, b) -> CommitmentQuerySet:
        """Commitments made at the visits and memoranda between the two countries."""
        return self.made_at_any(Visit.objects.between(a, b), Memorandum.objects.between(a, b))

    def involving(self, country) -> CommitmentQuerySet:
        """Commitments made at the visits and memoranda of the country."""
        return self.involving_any([country])

    def involving_any(self, countries) -> CommitmentQuerySet:
        """Commitments made at the visits and memoranda of any of the countries."""
        return self.made_at_any(Visit.objects.involving_any(countries), Memorandum.objects.involving_any(countries))

    def made_at(self, *kinds: str) -> CommitmentQuerySet:
        """Commitments made at a visit (`"visit"`) or in a memorandum (`"memorandum"`), or either."""
        condition = Q()
        for kind in kinds:
            condition |= Q(**{f"origin_{kind}__isnull": False})
        return self.filter(condition)

    def count_by_status(self) -> dict[str, int]:
        return dict(self.order_by().values_list("status").annotate(n=Count("pk")))

    @staticmethod
    def year_made() -> Coalesce:
        """The year a commitment was made: that of its visit or memorandum (its earliest possible
        year), in SQL; NULL when undated."""
        return Coalesce(ExtractYear("origin_visit__date_earliest"), ExtractYear("origin_memorandum__signed_earliest"))

    def made_and_kept_per_year(self) -> dict[str, Counter]:
        """For each measure of PER_YEAR, the number of commitments by year, undated ones left out, in
        one pass over the commitments grouped by the year made and the year kept. A commitment is
        made in the year of its visit or memorandum, and kept in the year of what kept it."""
        fulfilled = Q(status=Commitment.Status.FULFILLED)
        rows = (
            self.order_by()
            .values_list(self.year_made(), self.year_kept())
            .annotate(
                made=Count("pk"),
                kept=Count("pk", filter=fulfilled),
                kept_dated=Count("pk", filter=fulfilled & Q(due_latest__isnull=False)),
                kept_in_window=Count("pk", filter=self.kept_in_window()),
            )
        )
        counters = {measure: Counter() for measure in PER_YEAR}
        for made_in, kept_in, made, kept, kept_dated, kept_in_window in rows:
            if made_in:
                counters["made"][made_in] += made
            if kept_in:
                counters["kept"][kept_in] += kept
                counters["kept-dated"][kept_in] += kept_dated
                counters["kept-in-window"][kept_in] += kept_in_window
        return counters

    @staticmethod
    def promised_on() -> Coalesce:
        """The day a commitment was made: the earliest possible day of its visit or memorandum."""
        return Coalesce("origin_visit__date_earliest", "origin_memorandum__signed_earliest")

    @staticmethod
    def kept_on() -> Coalesce:
        """The day a commitment was kept: the earliest possible day of the visit or memorandum that kept it."""
        return Coalesce("fulfilled_by_visit__date_earliest", "fulfilled_by_memorandum__signed_earliest")

    @staticmethod
    def kept_in_window() -> Q:
        """Kept within its due window: what kept it fell, at its latest possible day, no later
        than the commitment's latest possible due day (kept early counts as within)."""
        kept_by = Coalesce("fulfilled_by_visit__date_latest", "fulfilled_by_memorandum__signed_latest")
        return Q(status=Commitment.Status.FULFILLED, due_latest__isnull=False, due_latest__gte=kept_by)

    @staticmethod
    def year_kept() -> Coalesce:
        """The year a commitment was kept: that of the visit or memorandum that kept it, in SQL."""
        return Coalesce(
            ExtractYear("fulfilled_by_visit__date_earliest"), ExtractYear("fulfilled_by_memorandum__signed_earliest")
        )

    def with_overdue_commitments(self, today: datetime.date | None = None) -> CommitmentQuerySet:
        """The same as `overdue()`, under the name every list's filter uses."""
        return self.overdue(today)

    def for_list(self, today: datetime.date | None = None) -> CommitmentQuerySet:
        """The commitment list: origin, its countries and what kept it, joined in one query; the
        responsible institutions and countries prefetched (two more)."""
        return self.select_related(
            "origin_visit__host_country",
            "origin_visit__guest_country",
            "origin_memorandum__country_a",
            "origin_memorandum__country_b",
            "fulfilled_by_visit",
            "fulfilled_by_memorandum",
        ).with_responsible()

    def with_responsible(self) -> CommitmentQuerySet:
        """Prefetch what `Commitment.responsible_parties` reads: three queries."""
        return self.prefetch_related(*responsible_prefetches())

    def for_detail(self) -> CommitmentQuerySet:
        """Everything the commitment page shows but its status history, in a fixed number of queries."""
        return self.for_list().prefetch_related("sectors", "sources")

    def for_report(self, today: datetime.date | None = None) -> CommitmentQuerySet:
        """What a report of the list reads (`agreements.reports`): the list's joins, and who is
        responsible, by name."""
        return self.for_list(today).prefetch_related(
            "responsible_countries", "responsible_institutions__alternative_names", "sectors", "sources"
        )

    def for_export(self) -> CommitmentQuerySet:
        """What CommitmentResource reads, joined and prefetched."""
        return self.select_related(
            "origin_visit", "origin_memorandum", "fulfilled_by_visit", "fulfilled_by_memorandum"
        ).prefetch_related("responsible_countries", "responsible_institutions", "sectors", "sources")


@keeps_history()
class Commitment(TranslatedContent, SluggedModel):
    """A follow-up step promised at a visit or in a memorandum, and what later kept it."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("commitment status", "open")
        IN_PROGRESS = "in-progress", pgettext_lazy("commitment status", "in progress")
        FULFILLED = "fulfilled", pgettext_lazy("commitment status", "fulfilled")
        LAPSED = "lapsed", pgettext_lazy("commitment status", "lapsed")
        CANCELLED = "cancelled", pgettext_lazy("commitment status", "cancelled")

    title = models.CharField(_("what was promised"), max_length=300)
    title_ru = models.CharField(_("what was promised, in Russian"), max_length=300, blank=True)
    title_ar = models.CharField(_("what was promised, in Arabic"), max_length=300, blank=True)
    details = models.TextField(_("details"), blank=True)
    details_ru = models.TextField(_("details in Russian"), blank=True)
    details_ar = models.TextField(_("details in Arabic"), blank=True)
    origin_visit = models.ForeignKey(
        Visit,
        verbose_name=_("made at visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    origin_memorandum = models.ForeignKey(
        Memorandum,
        verbose_name=_("made in memorandum"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    responsible_countries = models.ManyToManyField(
        Country, verbose_name=_("responsible countries"), blank=True, related_name="commitments"
    )
    responsible_institutions = models.ManyToManyField(
        Institution, verbose_name=_("responsible institutions"), blank=True, related_name="commitments"
    )
    due = FuzzyDateField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    fulfilled_by_visit = models.ForeignKey(
        Visit,
        verbose_name=_("fulfilled by visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fulfilled_commitments",
    )
    fulfilled_by_memorandum = models.ForeignKey(
        Memorandum,
        verbose_name=_("fulfilled by memorandum"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fulfilled_commitments",
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="commitments")
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True, related_name="commitments")
    search_text = search_keys_field()

    objects = SlugManager.from_queryset(CommitmentQuerySet)()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = [F("due_latest").asc(nulls_last=True), "title"]
        # The list's sorts and the overdue filter; PostgreSQL also gets "newest first" and trigram
        # search indexes (migration 0003), which SQLite cannot build.
        indexes = [
            models.Index(fields=["due_latest", "title"], name="commitment_due"),
            models.Index(fields=["due_earliest", "due_latest", "title", "id"], name="commitment_due_first"),
            models.Index(fields=["title", "id"], name="commitment_by_title"),
            models.Index(fields=["status", "due_latest"], name="commitment_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(origin_visit__isnull=False, origin_memorandum__isnull=True)
                | Q(origin_visit__isnull=True, origin_memorandum__isnull=False),
                name="commitment_exactly_one_origin",
                violation_error_message=ONE_ORIGIN,
            ),
            models.CheckConstraint(
                condition=~Q(status="fulfilled")
                | Q(fulfilled_by_visit__isnull=False)
                | Q(fulfilled_by_memorandum__isnull=False),
                name="commitment_fulfilled_names_fulfiller",
                violation_error_message=FULFILLER_NAMED,
            ),
            models.CheckConstraint(
                condition=Q(due_earliest__isnull=True)
                | Q(due_latest__isnull=True)
                | Q(due_latest__gte=F("due_earliest")),
                name="commitment_due_ordered",
            ),
        ]

    translated_fields = ("title", "details")

    def __str__(self) -> str:
        return self.localized("title")

    def get_absolute_url(self) -> str:
        return reverse("agreements:commitment-detail", args=[self.slug])

    def get_origin_url(self) -> str:
        """Where the commitment is listed on the page of the visit or memorandum that made it."""
        return f"{self.origin.get_absolute_url()}#commitment-{self.slug}"

    def slug_source(self) -> str:
        return self.title

    @property
    def origin(self) -> Visit | Memorandum:
        return self.origin_visit or self.origin_memorandum

    @property
    def fulfilled_by(self) -> Visit | Memorandum | None:
        return self.fulfilled_by_visit or self.fulfilled_by_memorandum

    def origin_countries(self) -> list[Country]:
        """The two countries of the visit or memorandum it was made at (joined by `for_list`)."""
        if self.origin_visit_id:
            return [self.origin_visit.host_country, self.origin_visit.guest_country]
        return [self.origin_memorandum.country_a, self.origin_memorandum.country_b]

    @property
    def due_in_words(self) -> str:
        return describe(self.due)

    @property
    def responsible_parties(self) -> list[Institution | Country]:
        """Who is to keep it: the responsible institutions, or the countries when no institution is
        named. Reads both relations: prefetch them on lists (`with_responsible()`)."""
        return list(self.responsible_institutions.all()) or list(self.responsible_countries.all())

    def status_history(self) -> list[StatusChange]:
        """Each status the commitment has had, oldest first, with the day it was saved so: read
        from its versions in the history (one query)."""
        versions = Version.objects.get_for_object(self).select_related("revision").order_by("revision__date_created")
        changes: list[StatusChange] = []
        for version in versions:
            status = decoded(version.serialized_data, Commitment).get("status")
            if status and (not changes or changes[-1].status != status):
                label = self.Status(status).label if status in self.Status.values else status
                changes.append(StatusChange(status=status, label=label, changed=version.revision.date_created))
        return changes

    search_prefetches = ("responsible_institutions__alternative_names",)

    def search_words(self) -> list[str]:
        """What was promised, its details, and the names of the institutions responsible for it."""
        words = self.in_every_language("title", "details")
        if self.pk:
            for institution in self.responsible_institutions.all():
                words += institution.names()
        return words

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or datetime.date.today()
        return (
            self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)
            and self.due_latest is not None
            and self.due_latest < today
        )

    def clean(self):
        # The origin as a record, not its key: in an inline under a new visit or memorandum the
        # origin is the parent being created, which has no key yet. None is reported for the whole
        # record (an inline's form has only one of the two fields), two on both fields.
        origins = [origin for origin in (self.origin_visit, self.origin_memorandum) if origin is not None]
        if not origins:
            raise ValidationError(ONE_ORIGIN, code="commitment_exactly_one_origin")
        if len(origins) > 1:
            raise ValidationError({"origin_visit": ONE_ORIGIN, "origin_memorandum": ONE_ORIGIN})
        if self.status == self.Status.FULFILLED and not (self.fulfilled_by_visit_id or self.fulfilled_by_memorandum_id):
            raise ValidationError({"status": FULFILLER_NAMED})

    def mark_fulfilled(self, *, by: Visit | Memorandum) -> None:
        if isinstance(by, Visit):
            self.fulfilled_by_visit, self.fulfilled_by_memorandum = by, None
        else:
            self.fulfilled_by_visit, self.fulfilled_by_memorandum = None, by
        self.status = self.Status.FULFILLED
        self.save(update_fields=["fulfilled_by_visit", "fulfilled_by_memorandum", "status"])
