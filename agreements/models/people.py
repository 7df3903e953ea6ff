"""Institutions and people, with their names in other languages and scripts."""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .. import search
from .base import Language, SluggedModel, SlugManager, TrackerQuerySet, keeps_history, search_q
from .reference import Country, Source


class AlternativeName(models.Model):
    class Kind(models.TextChoices):
        OFFICIAL = "official", _("official name")
        SHORT = "short", _("short name")
        ABBREVIATION = "abbreviation", _("abbreviation")
        TRANSLITERATION = "transliteration", _("transliteration")
        FORMER = "former", _("former name")

    name = models.CharField(_("name"), max_length=300)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OFFICIAL)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


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

    def search_words(self) -> list[str]:
        """What `search_text` keys: the name and every alternative name (a query unless prefetched)."""
        words = [self.name, getattr(self, "title", "")]
        if self.pk:
            words += [alternative.name for alternative in self.alternative_names.all()]
        return words

    def refresh_search_text(self) -> None:
        """Store the keys again, after an alternative name changed (one update, no signals)."""
        self.search_text = search.search_text(*self.search_words())
        type(self).objects.filter(pk=self.pk).update(search_text=self.search_text)


class InstitutionQuerySet(TrackerQuerySet):
    def named(self, text: str) -> InstitutionQuerySet:
        """Institutions whose name or any alternative name (any language) contains `text`, or
        whose search keys hold every word of it (any script or spelling, see `search.matches`)."""
        return self.filter(search_q(text, "name", "alternative_names__name") | search.matches(text)).distinct()

    def for_detail(self) -> InstitutionQuerySet:
        """What the institution page shows, in a fixed number of queries."""
        from .chain import Commitment, Memorandum, Visit

        return self.select_related("country", "parent").prefetch_related(
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
                queryset=Commitment.objects.select_related("origin_visit", "origin_memorandum"),
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
    search_text = models.TextField(
        _("search keys"), blank=True, default="", editable=False, help_text=_("Filled on save from the names.")
    )

    objects = SlugManager.from_queryset(InstitutionQuerySet)()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agreements:institution-detail", args=[self.slug])

    def slug_source(self) -> str:
        return self.name


class InstitutionNameManager(models.Manager):
    def get_by_natural_key(self, institution: str, name: str) -> InstitutionName:
        return self.get(institution__slug=institution, name=name)


@keeps_history()
class InstitutionName(AlternativeName):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="alternative_names")

    objects = InstitutionNameManager()

    class Meta:
        verbose_name = _("alternative name")
        verbose_name_plural = _("alternative names")
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="institution_name_unique"),
        ]

    def natural_key(self) -> tuple[str, str]:
        return (self.institution.slug, self.name)

    natural_key.dependencies = ["agreements.institution"]


@keeps_history("alternative_names")
class Person(NamedInLanguages, SluggedModel):
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title or role"), max_length=300, blank=True)
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
    search_text = models.TextField(
        _("search keys"), blank=True, default="", editable=False, help_text=_("Filled on save from the names.")
    )

    objects = SlugManager.from_queryset(TrackerQuerySet)()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def slug_source(self) -> str:
        return self.name


class PersonNameManager(models.Manager):
    def get_by_natural_key(self, person: str, name: str) -> PersonName:
        return self.get(person__slug=person, name=name)


@keeps_history()
class PersonName(AlternativeName):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alternative_names")

    objects = PersonNameManager()

    class Meta:
        verbose_name = _("alternative name")
        verbose_name_plural = _("alternative names")
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="person_name_unique"),
        ]

    def natural_key(self) -> tuple[str, str]:
        return (self.person.slug, self.name)

    natural_key.dependencies = ["agreements.person"]
