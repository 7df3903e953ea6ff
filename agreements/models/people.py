"""Institutions and people, with their names in other languages and scripts."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..languages import language_choices
from .base import (
    SluggedModel,
    SlugManager,
    TrackerModel,
    TrackerQuerySet,
    TranslatedContent,
    keeps_history,
    search_keys_field,
)
from .reference import Country, Source


class AlternativeName(TrackerModel):
    """Another name of an institution or a person, in a language or script of its own. Saving or
    deleting one keys its owner (and the records naming the owner) again."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("official name")
        SHORT = "short", _("short name")
        ABBREVIATION = "abbreviation", _("abbreviation")
        TRANSLITERATION = "transliteration", _("transliteration")
        FORMER = "former", _("former name")

    name = models.CharField(_("name"), max_length=300)
    language = models.CharField(_("language"), max_length=8, choices=language_choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OFFICIAL)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    owner_field = ""  # the foreign key to the institution or person it names

    @property
    def owner(self) -> Institution | Person:
        return getattr(self, self.owner_field)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.owner.names_changed()

    def delete(self, *args, **kwargs):
        owner = self.owner
        deleted = super().delete(*args, **kwargs)
        owner.names_changed()
        return deleted


# Which alternative name stands for a record in a reader's language, best first; abbreviations
# and former names never do.
DISPLAY_NAME_KINDS = [AlternativeName.Kind.OFFICIAL, AlternativeName.Kind.SHORT, AlternativeName.Kind.TRANSLITERATION]


class NamedInLanguages:
    """A record with a `name` and `alternative_names` in other languages."""

    @property
    def display_name(self) -> str:
        """The name in the active language when an alternative name in it exists (official first),
        else the original name. Reads `alternative_names`: prefetch them on lists."""
        language = (get_language() or "en").split("-")[0]
        candidates = [
            alternative
            for alternative in self.alternative_names.all()
            if alternative.language == language and alternative.kind in DISPLAY_NAME_KINDS
        ]
        if not candidates or language == "en":
            return self.name
        return min(candidates, key=lambda alternative: DISPLAY_NAME_KINDS.index(alternative.kind)).name

    search_prefetches = ("alternative_names",)

    def names(self) -> list[str]:
        """The name and every alternative name (a query unless prefetched)."""
        if not self.pk:
            return [self.name]
        return [self.name, *(alternative.name for alternative in self.alternative_names.all())]

    def search_words(self) -> list[str]:
        return self.names()

    def records_naming_it(self) -> list[models.QuerySet]:
        """The records whose search keys hold this one's names."""
        return []

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        for records in self.records_naming_it():
            records.rebuild_search_text()

    def names_changed(self) -> None:
        """An alternative name was added, changed or removed: key this record and those naming it again."""
        if type(self).objects.filter(pk=self.pk).exists():  # not on its way out with its names
            self.refresh_search_text()
            for records in self.records_naming_it():
                records.rebuild_search_text()


class InstitutionQuerySet(TrackerQuerySet):
    def of_country(self, *codes: str) -> InstitutionQuerySet:
        """Institutions of any of the countries (ISO codes), a joint body under either of its two."""
        codes = [code.upper() for code in codes]
        return self.filter(Q(country__code__in=codes) | Q(second_country__code__in=codes))

    def best_matches(self, text: str) -> InstitutionQuerySet:
        """Institutions named by `text`, the names most like it first (trigram similarity on
        PostgreSQL, which forgives a typing slip in the ordering; alphabetical elsewhere)."""
        found = self.search(text)
        if connection.vendor == "postgresql":
            return found.annotate(likeness=TrigramSimilarity("name", text)).order_by("-likeness", "name")
        return found.order_by("name")

    def for_list(self, today=None) -> InstitutionQuerySet:
        """The institution list: country joined, names in other languages prefetched, and the
        memoranda it is party to, the visits it took part in and the commitments it is
        responsible for counted (subqueries, without joins)."""
        from .chain import Commitment, Memorandum, Visit
        from .reference import count_subquery

        return (
            self.select_related("country", "second_country")
            .prefetch_related("alternative_names")
            .annotate(
                memorandum_count=count_subquery(Memorandum.objects.filter(parties=OuterRef("pk"))),
                visit_count=count_subquery(Visit.objects.filter(institutions=OuterRef("pk"))),
                commitment_count=count_subquery(Commitment.objects.filter(responsible_institutions=OuterRef("pk"))),
            )
        )

    def for_detail(self) -> InstitutionQuerySet:
        """What the institution page shows, in a fixed number of queries."""
        from .chain import Commitment, Memorandum, Visit

        return self.select_related("country", "second_country", "parent").prefetch_related(
            "alternative_names",
            "children",
            "people__alternative_names",
            "sources",
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
            models.Prefetch(
                "commitments",
                queryset=Commitment.objects.select_related("origin_visit", "origin_memorandum").with_responsible(),
            ),
        )


@keeps_history("alternative_names")
class Institution(NamedInLanguages, SluggedModel):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("ministry")
        GOVERNMENT = "government", _("government or head of state")
        HOSPITAL = "hospital", _("hospital or clinic")
        RESEARCH_CENTRE = "research-centre", _("research centre")
        UNIVERSITY = "university", _("university")
        ENTERPRISE = "enterprise", _("enterprise")
        PARLIAMENT = "parliament", _("parliament")
        EMBASSY = "embassy", _("embassy")
        JOINT_BODY = "joint-body", _("joint body")
        AGENCY = "agency", _("agency")
        MEDIA = "media", _("news agency or media")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=300)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="institutions"
    )
    # A joint body of two countries (an intergovernmental commission) belongs to both.
    second_country = models.ForeignKey(
        Country,
        verbose_name=_("second country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="joint_institutions",
        help_text=_("For a joint body of two countries, such as an intergovernmental commission: the other one."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True, related_name="institutions")
    search_text = search_keys_field()

    objects = SlugManager.from_queryset(InstitutionQuerySet)()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(second_country=F("country")), name="institution_countries_differ"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def countries(self) -> list[Country]:
        """Its country, and the second one of a joint body."""
        return [self.country, self.second_country] if self.second_country_id else [self.country]

    def clean(self):
        if self.second_country_id and self.second_country_id == self.country_id:
            raise ValidationError({"second_country": _("The second country must differ from the first.")})

    def get_absolute_url(self) -> str:
        return reverse("agreements:institution-detail", args=[self.slug])

    def slug_source(self) -> str:
        return self.name

    def records_naming_it(self) -> list[models.QuerySet]:
        from .chain import Commitment, Memorandum, Visit

        return [
            Memorandum.objects.filter(signatories__institution=self),
            Visit.objects.filter(institutions=self),
            Commitment.objects.filter(responsible_institutions=self),
        ]


class AlternativeNameQuerySet(TrackerQuerySet):
    def delete(self):
        owners = [name.owner for name in self.select_related(self.model.owner_field)]
        deleted = super().delete()
        for owner in dict.fromkeys(owners):
            owner.names_changed()
        return deleted


class InstitutionNameManager(models.Manager.from_queryset(AlternativeNameQuerySet)):
    def get_by_natural_key(self, institution: str, name: str) -> InstitutionName:
        return self.get(institution__slug=institution, name=name)


@keeps_history()
class InstitutionName(AlternativeName):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="alternative_names")

    objects = InstitutionNameManager()
    owner_field = "institution"

    class Meta:
        verbose_name = _("alternative name")
        verbose_name_plural = _("alternative names")
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="institution_name_unique"),
        ]

    def natural_key(self) -> tuple[str, str]:
        return (self.institution.slug, self.name)

    natural_key.dependencies = ["agreements.institution"]


class PersonQuerySet(TrackerQuerySet):
    def for_detail(self) -> PersonQuerySet:
        """The person page's record with its institution, country, names and sources; its visits
        and signatures come from `visits_with_role()` and `signatures_made()`."""
        return self.select_related("institution", "country").prefetch_related(
            "alternative_names", "institution__alternative_names", "sources"
        )


@keeps_history("alternative_names")
class Person(TranslatedContent, NamedInLanguages, SluggedModel):
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title or role"), max_length=300, blank=True)
    title_ru = models.CharField(_("title or role in Russian"), max_length=300, blank=True)
    title_ar = models.CharField(_("title or role in Arabic"), max_length=300, blank=True)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    country = models.ForeignKey(Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="people")
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True, related_name="people")
    search_text = search_keys_field()

    objects = SlugManager.from_queryset(PersonQuerySet)()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]

    translated_fields = ("title",)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agreements:person-detail", args=[self.slug])

    def search_words(self) -> list[str]:
        return [*self.names(), *self.in_every_language("title")]

    def slug_source(self) -> str:
        return self.name

    def visits_with_role(self) -> models.QuerySet:
        """The visits the person led, was in the delegation of, or received or met the delegation
        at, newest first, each with its `role` ("leader", "delegation" or "host"): one query."""
        from .chain import Visit

        in_delegation = Visit.participants.through.objects.filter(visit=OuterRef("pk"), person=self)
        return (
            Visit.objects.filter(Q(leader=self) | Q(participants=self) | Q(people_met=self))
            .distinct()
            .select_related("host_country", "guest_country")
            .annotate(
                role=Case(
                    When(leader=self, then=Value("leader")),
                    When(Exists(in_delegation), then=Value("delegation")),
                    default=Value("host"),
                )
            )
            .order_by(F("date_earliest").desc(nulls_last=True), "title")
        )

    def signatures_made(self) -> models.QuerySet:
        """The memoranda the person signed, with the institution signed for, newest first: one query."""
        from .chain import Signatory

        return (
            Signatory.objects.filter(person=self)
            .select_related("memorandum__country_a", "memorandum__country_b", "institution")
            .prefetch_related("institution__alternative_names")
            .order_by(F("memorandum__signed_earliest").desc(nulls_last=True), "memorandum__title")
        )

    def records_naming_it(self) -> list[models.QuerySet]:
        from .chain import Memorandum, Visit

        return [
            Memorandum.objects.filter(signatories__person=self),
            Visit.objects.filter(participants=self),
            Visit.objects.filter(leader=self),
        ]


class PersonNameManager(models.Manager.from_queryset(AlternativeNameQuerySet)):
    def get_by_natural_key(self, person: str, name: str) -> PersonName:
        return self.get(person__slug=person, name=name)


@keeps_history()
class PersonName(AlternativeName):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alternative_names")

    objects = PersonNameManager()
    owner_field = "person"

    class Meta:
        verbose_name = _("alternative name")
        verbose_name_plural = _("alternative names")
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="person_name_unique"),
        ]

    def natural_key(self) -> tuple[str, str]:
        return (self.person.slug, self.name)

    natural_key.dependencies = ["agreements.person"]
