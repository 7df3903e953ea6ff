"""Reference data: countries, sectors and the sources that report the records."""

from __future__ import annotations

import dataclasses

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ..fuzzydates import FuzzyDateField, describe
from ..languages import language_choices
from .base import (
    SluggedModel,
    SlugManager,
    TrackerModel,
    TrackerQuerySet,
    TranslatedContent,
    keeps_history,
    reader_language,
)


@dataclasses.dataclass
class Partner:
    """A partner country and how much the two have done together."""

    country: Country | None
    memoranda: int
    visits: int


class CountryManager(models.Manager):
    def get_by_natural_key(self, code: str) -> Country:
        return self.get(code=code)


def count_subquery(queryset: models.QuerySet, distinct: bool = False) -> Coalesce:
    """The number of rows of `queryset` (which refers to OuterRef), as an annotation; with
    `distinct`, each record once however many of its joined rows match."""
    template = "%(function)s(DISTINCT %(expressions)s)" if distinct else "%(function)s(%(expressions)s)"
    counted = queryset.order_by().annotate(n=models.Func(F("pk"), function="COUNT", template=template)).values("n")
    return Coalesce(models.Subquery(counted[:1], output_field=models.IntegerField()), 0)


class CountryQuerySet(TrackerQuerySet):
    def with_activity(self) -> CountryQuerySet:
        """Annotate `memorandum_count` and `visit_count` (as either party), without joins."""
        from .chain import Memorandum, Visit

        memoranda = Memorandum.objects.filter(Q(country_a=OuterRef("pk")) | Q(country_b=OuterRef("pk")))
        visits = Visit.objects.filter(Q(host_country=OuterRef("pk")) | Q(guest_country=OuterRef("pk")))
        return self.annotate(memorandum_count=count_subquery(memoranda), visit_count=count_subquery(visits))

    def active(self) -> CountryQuerySet:
        """Countries with at least one memorandum or visit, most active first."""
        return (
            self.with_activity()
            .filter(Q(memorandum_count__gt=0) | Q(visit_count__gt=0))
            .order_by(-(F("memorandum_count") + F("visit_count")), "code")
        )


@keeps_history()
class Country(TrackerModel):
    """A state party to cooperation; its name comes from the ISO 3166 list, localised."""

    code = CountryField(_("country"), unique=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = CountryManager.from_queryset(CountryQuerySet)()

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(self.code.name)

    def get_absolute_url(self) -> str:
        return reverse("agreements:country-detail", args=[self.code.code])

    def natural_key(self) -> tuple[str]:
        return (self.code.code,)

    @property
    def name(self) -> str:
        return str(self.code.name)

    @property
    def flag(self) -> str:
        return self.code.unicode_flag

    def partners(self) -> list[Partner]:
        """The countries this one has memoranda or visits with, most active first (three queries)."""
        from .chain import Memorandum, Visit

        code = self.code.code
        tally: dict[int, Partner] = {}

        def partner(pk: int) -> Partner:
            return tally.setdefault(pk, Partner(country=None, memoranda=0, visits=0))

        memo_pairs = (
            Memorandum.objects.involving(code).order_by().values_list("country_a", "country_b").annotate(n=Count("pk"))
        )
        for a, b, n in memo_pairs:
            partner(b if a == self.pk else a).memoranda += n
        visit_pairs = (
            Visit.objects.involving(code)
            .order_by()
            .values_list("host_country", "guest_country")
            .annotate(n=Count("pk"))
        )
        for host, guest, n in visit_pairs:
            partner(guest if host == self.pk else host).visits += n
        countries = Country.objects.in_bulk(tally)
        for pk, entry in tally.items():
            entry.country = countries[pk]
        return sorted(tally.values(), key=lambda p: (-(p.memoranda + p.visits), p.country.name))


class SectorQuerySet(TrackerQuerySet):
    def with_descendants(self, *slugs: str) -> SectorQuerySet:
        """The sectors named by `slugs` and every sector below them."""
        return self.filter(lineage__slug__in=slugs).distinct()

    def with_counts(self) -> SectorQuerySet:
        """Annotate `memorandum_count`, `visit_count` and `commitment_count`: the records in the
        sector or in one below it, each once (the same records as `?sector=` on the lists)."""
        from .chain import Commitment, Memorandum, Visit

        return self.annotate(
            **{
                f"{name}_count": count_subquery(model.objects.filter(sectors__lineage=OuterRef("pk")), distinct=True)
                for name, model in (("memorandum", Memorandum), ("visit", Visit), ("commitment", Commitment))
            }
        )

    def tree(self) -> list[Sector]:
        """Every sector, each followed by those below it, by name in the reader's language; each
        with its `depth` (0 at the top) and its counts (`with_counts()`): one query."""
        sectors = sorted(self.with_counts(), key=lambda sector: sector.localized_name.casefold())
        children: dict[int | None, list[Sector]] = {}
        for sector in sectors:
            children.setdefault(sector.parent_id, []).append(sector)
        ordered: list[Sector] = []

        def walk(parent_id: int | None, depth: int) -> None:
            for sector in children.get(parent_id, []):
                sector.depth = depth
                ordered.append(sector)
                walk(sector.pk, depth + 1)

        walk(None, 0)
        return ordered


@keeps_history(exclude=("lineage",))
class Sector(TranslatedContent, SluggedModel):
    """A field of cooperation, in a tree of at most MAX_DEPTH levels (healthcare › oncology)."""

    MAX_DEPTH = 3

    name = models.CharField(_("name"), max_length=120)
    name_ru = models.CharField(_("name in Russian"), max_length=120, blank=True)
    name_ar = models.CharField(_("name in Arabic"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent sector"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    dac_code = models.CharField(
        _("OECD DAC purpose code"),
        max_length=5,
        blank=True,
        help_text=_("The OECD DAC CRS purpose code, so records line up with aid statistics (e.g. 12191)."),
    )
    description = models.TextField(_("description"), blank=True)
    # The sector itself and every sector above it, kept on save: what "in a sector or below it"
    # joins to, so that a record in oncology counts for healthcare too, once.
    lineage = models.ManyToManyField(
        "self", symmetrical=False, related_name="subtree", editable=False, verbose_name=_("sector and those above it")
    )

    objects = SlugManager.from_queryset(SectorQuerySet)()

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="sector_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.localized_name

    def get_absolute_url(self) -> str:
        return reverse("agreements:sector-detail", args=[self.slug])

    def slug_source(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        for sector in [self, *self.below()]:
            sector.lineage.set(sector.self_and_above())

    def self_and_above(self) -> list[Sector]:
        """The sector, its parent, its parent's parent… (a query per level)."""
        chain, sector = [self], self.parent
        while sector is not None and sector not in chain:
            chain.append(sector)
            sector = sector.parent
        return chain

    def below(self) -> list[Sector]:
        """Every sector below this one, level by level (a query per level)."""
        found, level = [], [self]
        while level := list(Sector.objects.filter(parent__in=level).exclude(pk__in=[s.pk for s in found])):
            found += level
        return found

    def clean(self):
        if self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A sector cannot be its own parent.")})
        above = self.parent.self_and_above() if self.parent else []
        if self.pk and any(sector.pk == self.pk for sector in above):
            raise ValidationError({"parent": _("A sector cannot be placed below one of its own subsectors.")})
        levels_below, level = 0, [self] if self.pk else []
        while level := list(Sector.objects.filter(parent__in=level)):
            levels_below += 1
        if len(above) + 1 + levels_below > self.MAX_DEPTH:
            raise ValidationError(
                {"parent": _("Sectors go at most %(depth)s levels deep.") % {"depth": self.MAX_DEPTH}}
            )

    translated_fields = ("name",)

    @property
    def localized_name(self) -> str:
        """The name in the active language when the sector has one, else the English name."""
        return self.localized("name")

    @staticmethod
    def localized_name_in(path: str) -> Coalesce | F:
        """`localized_name` in SQL, for the sector at `path` ("sectors__parent__"); NULL where
        there is no sector there."""
        language = reader_language()
        if not any(field.name == f"name_{language}" for field in Sector._meta.fields):
            return F(f"{path}name")
        return Coalesce(NullIf(f"{path}name_{language}", Value("")), f"{path}name")


class SourceQuerySet(TrackerQuerySet):
    def with_counts(self) -> SourceQuerySet:
        """Annotate `record_count`: the memoranda, visits, commitments, institutions and people it
        supports, without joins."""
        from .chain import Commitment, Memorandum, Visit
        from .people import Institution, Person

        counts = [
            count_subquery(model.objects.filter(sources=OuterRef("pk")))
            for model in (Memorandum, Visit, Commitment, Institution, Person)
        ]
        return self.annotate(record_count=sum(counts[1:], counts[0]))

    def for_detail(self) -> SourceQuerySet:
        """Every record the source supports, in a fixed number of queries."""
        from .chain import Commitment, Memorandum, Visit
        from .people import Institution, Person

        return self.prefetch_related(
            models.Prefetch(
                "memoranda",
                queryset=Memorandum.objects.select_related("country_a", "country_b").order_by(
                    F("signed_earliest").desc(nulls_last=True), "title"
                ),
            ),
            models.Prefetch(
                "visits",
                queryset=Visit.objects.select_related("host_country", "guest_country").order_by(
                    F("date_earliest").desc(nulls_last=True), "title"
                ),
            ),
            models.Prefetch("commitments", queryset=Commitment.objects.for_list()),
            models.Prefetch(
                "institutions",
                queryset=Institution.objects.select_related("country").prefetch_related("alternative_names"),
            ),
            models.Prefetch(
                "people", queryset=Person.objects.select_related("country").prefetch_related("alternative_names")
            ),
        )


@keeps_history()
class Source(TranslatedContent, SluggedModel):
    """A news article, statement or document that reports a record."""

    title = models.CharField(_("title"), max_length=300)
    title_ru = models.CharField(_("title in Russian"), max_length=300, blank=True)
    title_ar = models.CharField(_("title in Arabic"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=language_choices)
    published = FuzzyDateField(_("published"))
    url = models.URLField(_("URL"), max_length=500, blank=True)
    reference = models.CharField(
        _("reference"), max_length=200, blank=True, help_text=_("File name, archive number or other reference.")
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("In our own words; never copied text."))
    summary_ru = models.TextField(_("summary in Russian"), blank=True)
    summary_ar = models.TextField(_("summary in Arabic"), blank=True)

    objects = SlugManager.from_queryset(SourceQuerySet)()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = [F("published_earliest").desc(nulls_last=True), "title"]

    translated_fields = ("title", "summary")

    def __str__(self) -> str:
        return self.localized("title")

    @property
    def original_language(self) -> str:
        """A source's title is given as published, in its own language."""
        return self.language or "en"

    def get_absolute_url(self) -> str:
        return reverse("agreements:source-detail", args=[self.slug])

    def slug_source(self) -> str:
        return self.title

    @property
    def published_in_words(self) -> str:
        return describe(self.published)

    @property
    def citation(self) -> str:
        """How a reader is told of the source: its title, publisher and date, never a file name."""
        parts = [part for part in (self.publisher, describe(self.published) if self.published else "") if part]
        return f"{self} — {', '.join(parts)}" if parts else str(self)
