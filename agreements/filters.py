"""The filters of the memorandum, visit, commitment and institution lists, of their downloads and of the API.

The three record lists read the same query parameters: q, sector, country, pair, institution,
kind, status, from, to, overdue and sort (plus dormant, legally_binding and in_force_on on
memoranda); the institution list reads q, country, kind and sort. A filter
may be given several times (`?country=OM&country=CU`): its values combine with OR, different
filters with AND. Each option shows how many records it would give, counted with the other
filters applied (`facet_counts`).
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter

import django_filters
from django import forms
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import extend_schema_field

from . import search
from .caching import cached
from .models import Commitment, Country, Institution, Memorandum, Sector, Visit


def as_list(value) -> list:
    """A filter's values: a query string gives a list, a plain dict (a script, a test) may give one value."""
    if value in (None, ""):
        return []
    return [value] if isinstance(value, str) else list(value)


class ChoicesField(forms.MultipleChoiceField):
    """One or more of the choices."""

    def to_python(self, value):
        return super().to_python(as_list(value))


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    field_class = ChoicesField


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class NamedChoicesFilter(ChoicesFilter):
    """Choices that are codes or slugs of records (countries, sectors), not a fixed list."""


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": ["yes", "no", "unknown"]}})
class BindingFilter(ChoicesFilter):
    """Legally binding or not, or not known: three words, not the column's booleans."""


class CountryCodesField(ChoicesField):
    """ISO country codes in either case: ?country=om is ?country=OM."""

    def to_python(self, value):
        return [code.strip().upper() for code in super().to_python(value)]


class CountryFilter(NamedChoicesFilter):
    field_class = CountryCodesField


class PairField(forms.CharField):
    """Two ISO country codes joined by a hyphen, in either order: BY-OM or OM-BY."""

    def to_python(self, value):
        value = super().to_python(value).strip().upper()
        if not value:
            return None
        a, _sep, b = value.partition("-")
        if not (a in countries and b in countries and a != b):
            raise forms.ValidationError(
                _("“%(value)s” is not a pair of two different country codes like BY-OM."),
                code="invalid_pair",
                params={"value": value},
            )
        return (a, b)


@extend_schema_field({"type": "string", "pattern": "^[A-Za-z]{2}-[A-Za-z]{2}$"})
class PairFilter(django_filters.Filter):
    field_class = PairField


class TextInputs(forms.Widget):
    """One text box per value given, and an empty one to add another: `?institution=a&institution=b`."""

    template_name = "includes/widgets/text_inputs.html"

    def format_value(self, value):
        return [item for item in as_list(value) if item]

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class InstitutionsField(forms.Field):
    """Institutions named by slug, or by any word of any of their names: each value is the set of
    institutions it names, and a value that names none is an error that quotes it."""

    widget = TextInputs

    def to_python(self, value) -> list[tuple[str, list[int]]]:
        values = [item.strip() for item in as_list(value) if item and item.strip()]
        named = []
        for item in values:
            institutions = list(Institution.objects.filter(slug=item).values_list("pk", flat=True))
            institutions = institutions or list(Institution.objects.search(item).values_list("pk", flat=True)[:50])
            if not institutions:
                raise forms.ValidationError(
                    _("No institution is called “%(value)s”."), code="invalid_choice", params={"value": item}
                )
            named.append((item, institutions))
        return named


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class InstitutionsFilter(django_filters.Filter):
    field_class = InstitutionsField


class ISODateInput(forms.DateInput):
    """A text box for an ISO date: the browser's own date box shows the reader's local format
    (mm/dd/yyyy), which the messages could not name."""

    input_type = "text"

    def __init__(self):
        super().__init__(
            format="%Y-%m-%d",
            attrs={
                "placeholder": "YYYY-MM-DD",
                "inputmode": "numeric",
                "autocomplete": "off",
                "size": 10,
                "dir": "ltr",
            },
        )


def sector_choices() -> list[tuple[str, str]]:
    """Sectors as a tree in the reader's language: each parent followed by its children, indented."""
    sectors = sorted(Sector.objects.all(), key=lambda sector: sector.localized_name.casefold())
    children: dict[int | None, list[Sector]] = {}
    for sector in sectors:
        children.setdefault(sector.parent_id, []).append(sector)
    choices: list[tuple[str, str]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for sector in children.get(parent_id, []):
            choices.append((sector.slug, "\u2003" * depth + sector.localized_name))
            walk(sector.pk, depth + 1)

    walk(None, 0)
    return choices


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.code.code, c.name) for c in Country.objects.all()), key=lambda choice: choice[1])


SORT_CHOICES = [
    ("relevance", _("Best match (newest first without a search)")),
    ("-date", _("Newest first")),
    ("date", _("Oldest first")),
    ("title", _("Title A–Z")),
    ("-title", _("Title Z–A")),
]
DATE_MESSAGE = _("Enter a date as YYYY-MM-DD, for example 2025-10-06.")


class TrackerFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end of the range is before its start."))
        return cleaned


class FacetedFilterSet(django_filters.FilterSet):
    """A list's filters with the number of records beside each option: a subclass names its
    `choice_facets` and `boolean_facets` and counts them in `counted_rows()`."""

    choice_facets: tuple[str, ...] = ()
    boolean_facets: tuple[str, ...] = ()

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, today: datetime.date | None = None):
        if queryset is None:
            queryset = self._meta.model.objects.all()
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.today = today or datetime.date.today()

    def counted_rows(self) -> QuerySet:
        """(facet, option, number of records) for the total ("total", "") and every option of every facet."""
        raise NotImplementedError

    def queryset_without(self, excluded: str) -> QuerySet:
        """The queryset with every valid filter applied except `excluded`, unordered."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != excluded and name in self.filters and value not in (None, "", []):
                queryset = self.filters[name].filter(queryset, value)
        return queryset.order_by()

    def count_facets(self) -> dict:
        """The total, and the number beside every option of every facet: one query."""
        counts: dict = {name: Counter() for name in self.choice_facets}
        counts |= {name: 0 for name in ("total", *self.boolean_facets)}
        for facet, option, n in self.counted_rows():
            if facet in self.choice_facets:
                if option is not None:
                    counts[facet][option] += n
            else:
                counts[facet] = n
        return counts

    def filter_key(self) -> tuple:
        """The valid filters, in a fixed order: what the counts depend on (not sort or page)."""
        data = self.form.cleaned_data if self.is_valid() else {}
        return tuple(sorted((name, repr(value)) for name, value in data.items() if name != "sort" and value))

    def facet_counts(self) -> dict:
        """`count_facets()`, kept until the records change."""
        if not hasattr(self, "_facet_counts"):
            key = (type(self).__name__, self.today, self.filter_key())
            self._facet_counts = cached("facets", self.count_facets, *key, worded=False)
        return self._facet_counts

    def total(self) -> int:
        """The number of records the filters give, counted with the facets."""
        return self.facet_counts()["total"]

    def add_counts(self) -> None:
        """Write the number of matching records beside each option and checkbox. Options that would
        give nothing are left out, unless selected."""
        form = self.form
        all_counts = self.facet_counts()
        for name in self.choice_facets:
            counts = all_counts[name]
            field = form.fields[name]
            selected = {str(value).upper() for value in form.data.getlist(name)} if form.data else set()
            field.choices = [
                (value, f"{label} ({counts.get(value, 0)})")
                for value, label in field.choices
                if counts.get(value) or str(value).upper() in selected
            ]
        for name in self.boolean_facets:
            # The bound field has already copied the label while validating.
            form[name].label = form.fields[name].label = f"{self.filters[name].label} ({all_counts[name]})"

    @property
    def active(self) -> bool:
        """Whether any filter other than sorting is set."""
        return any(value for name, value in self.data.items() if name not in ("sort", "page"))


class TrackerFilterSet(FacetedFilterSet):
    """What the three lists share. A subclass names its date field, the two paths to its countries
    and its facets; each `filter_<name>` method is the rule of one filter, on the record's QuerySet."""

    date_field = ""
    country_paths: tuple[str, ...] = ()
    choice_facets = ("sector", "country", "kind", "status")
    boolean_facets: tuple[str, ...] = ("overdue",)

    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    sector = NamedChoicesFilter(
        label=_("Sector"),
        choices=sector_choices,
        method="filter_sector",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    country = CountryFilter(
        label=_("Country"),
        choices=country_choices,
        method="filter_country",
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={"invalid_choice": _("There is no country “%(value)s” in the tracker.")},
    )
    pair = PairFilter(label=_("Pair of countries"), method="filter_pair", help_text=_("For example BY-OM."))
    institution = InstitutionsFilter(
        label=_("Institution"),
        method="filter_institution",
        help_text=_("A name in any language, or the institution's short address name."),
    )
    kind = ChoicesFilter(label=_("Kind"), method="filter_kind")
    status = ChoicesFilter(label=_("Status"), method="filter_status")
    # `from` is a Python keyword, so these two are declared through the class namespace.
    locals()["from"] = django_filters.DateFilter(
        label=_("From"), method="filter_dates", error_messages={"invalid": DATE_MESSAGE}, widget=ISODateInput()
    )
    locals()["to"] = django_filters.DateFilter(
        label=_("To"), method="filter_dates", error_messages={"invalid": DATE_MESSAGE}, widget=ISODateInput()
    )
    overdue = django_filters.BooleanFilter(
        label=_("Only with overdue commitments"), method="filter_overdue", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_nothing", empty_label=None)

    class Meta:
        form = TrackerFilterForm
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, today: datetime.date | None = None):
        super().__init__(data, queryset, request=request, prefix=prefix, today=today)
        # Each option list is read when first needed (to validate a value given, or to show the
        # form), and once: validating, counting and showing all ask for it.
        for name, read in (("sector", sector_choices), ("country", country_choices)):
            self.filters[name].extra["choices"] = functools.cache(read)

    # ------------------------------------------------------------ the rule of each filter

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_sector(self, queryset, name, value):
        return queryset.in_sector(*value)

    def filter_country(self, queryset, name, value):
        return queryset.involving_any(value)

    def filter_pair(self, queryset, name, value):
        return queryset.between(*value)

    def filter_institution(self, queryset, name, value):
        return queryset.with_institution(*(pk for _item, pks in value for pk in pks))

    def filter_kind(self, queryset, name, value):
        return queryset.filter(kind__in=value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=value)

    def filter_dates(self, queryset, name, value):
        # Both ends are applied together, once, when the `from` filter runs (or `to` alone).
        data = self.form.cleaned_data
        if name == "to" and data.get("from"):
            return queryset
        return queryset.dated_between(data.get("from"), data.get("to"))

    def filter_overdue(self, queryset, name, value):
        return queryset.with_overdue_commitments(self.today) if value else queryset

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        sort = data.get("sort") or "relevance"
        if sort == "relevance" and (ranked := search.rank(data.get("q") or "")) is not None:
            return queryset.alias(rank=ranked).order_by(F("rank").desc(), *self.ordering("-date"))
        return queryset.order_by(*self.ordering(sort))

    def ordering(self, sort: str) -> list:
        """The order of a sort choice; "relevance" without a search (or off PostgreSQL) is newest first."""
        earliest = F(f"{self.date_field}_earliest")
        by_date = [earliest.asc(nulls_last=True), f"{self.date_field}_latest", "title", "pk"]
        if sort in ("-date", "relevance"):
            by_date = [earliest.desc(nulls_last=True), f"-{self.date_field}_latest", "title", "pk"]
        return {"title": ["title", "pk"], "-title": ["-title", "-pk"]}.get(sort, by_date)

    # ------------------------------------------------------------ counts beside each option

    def kind_option(self):
        """What the kind facet groups by."""
        return F("kind")

    def counted_rows(self) -> QuerySet:
        """(facet, option, number of records) for the total and every option of every facet, each
        count with all other filters applied: one UNION ALL of grouped counts."""

        def grouped(facet: str, option, queryset: QuerySet, counted=None) -> QuerySet:
            return queryset.values_list(Value(facet), option).annotate(n=counted or Count("pk"))

        branches = [grouped("total", Value(""), self.queryset_without(""))]
        # A record in two sectors of one branch of the tree counts once for their parent.
        branches.append(
            grouped("sector", F("sectors__lineage__slug"), self.queryset_without("sector"), Count("pk", distinct=True))
        )
        # The two sides of a record are two countries, so their sums count each record once.
        branches += [grouped("country", F(path), self.queryset_without("country")) for path in self.country_paths]
        branches += [
            grouped("kind", self.kind_option(), self.queryset_without("kind")),
            grouped("status", F("status"), self.queryset_without("status")),
        ]
        for name in self.boolean_facets:
            only = self.filters[name].filter(self.queryset_without(name), True)
            branches.append(grouped(name, Value(""), only))
        return branches[0].union(*branches[1:], all=True)


class InForceOnForm(forms.Form):
    """The dossier's "as of" selector: the day on which to list the memoranda in force."""

    in_force_on = forms.DateField(
        label=_("As of"), required=False, widget=ISODateInput(), error_messages={"invalid": DATE_MESSAGE}
    )

    def day(self, today: datetime.date) -> datetime.date:
        """The day asked for, or `today` when none or a bad one was given."""
        return (self.is_valid() and self.cleaned_data["in_force_on"]) or today


class MemorandumFilter(TrackerFilterSet):
    date_field = "signed"
    country_paths = ("country_a__code", "country_b__code")
    choice_facets = (*TrackerFilterSet.choice_facets, "legally_binding")
    boolean_facets = ("overdue", "dormant")

    kind = ChoicesFilter(label=_("Kind"), choices=Memorandum.Kind.choices, method="filter_kind")
    status = ChoicesFilter(label=_("Status"), choices=Memorandum.Status.choices, method="filter_status")
    legally_binding = BindingFilter(
        label=_("Legally binding"),
        choices=[("yes", _("legally binding")), ("no", _("not legally binding")), ("unknown", _("not known"))],
        method="filter_legally_binding",
        widget=forms.CheckboxSelectMultiple,
    )
    in_force_on = django_filters.DateFilter(
        label=_("In force on"),
        method="filter_in_force_on",
        error_messages={"invalid": DATE_MESSAGE},
        widget=ISODateInput(),
        help_text=_("Also lists those possibly in force that day, when a date is not known exactly."),
    )
    dormant = django_filters.BooleanFilter(
        label=_("Only dormant"),
        method="filter_dormant",
        widget=forms.CheckboxInput,
        help_text=_("No follow-up in the twelve months after signing."),
    )

    class Meta(TrackerFilterSet.Meta):
        model = Memorandum

    BINDING = {"yes": Q(legally_binding=True), "no": Q(legally_binding=False), "unknown": Q(legally_binding=None)}

    def filter_legally_binding(self, queryset, name, value):
        condition = Q()
        for choice in value:
            condition |= self.BINDING[choice]
        return queryset.filter(condition)

    def filter_in_force_on(self, queryset, name, value):
        return queryset.in_force_on(value, self.today)

    def filter_dormant(self, queryset, name, value):
        return queryset.dormant(self.today) if value else queryset

    def counted_rows(self) -> QuerySet:
        binding = Case(
            When(legally_binding=True, then=Value("yes")),
            When(legally_binding=False, then=Value("no")),
            default=Value("unknown"),
        )
        counted = self.queryset_without("legally_binding").values_list(Value("legally_binding"), binding)
        return super().counted_rows().union(counted.annotate(n=Count("pk")), all=True)


class VisitFilter(TrackerFilterSet):
    date_field = "date"
    country_paths = ("host_country__code", "guest_country__code")

    kind = ChoicesFilter(label=_("Kind"), choices=Visit.Kind.choices, method="filter_kind")
    status = ChoicesFilter(label=_("Status"), choices=Visit.Status.choices, method="filter_status")

    class Meta(TrackerFilterSet.Meta):
        model = Visit


class CommitmentFilter(TrackerFilterSet):
    """Commitments are dated by when they fall due; their kind is where they were made."""

    date_field = "due"
    country_paths = (
        "origin_visit__host_country__code",
        "origin_visit__guest_country__code",
        "origin_memorandum__country_a__code",
        "origin_memorandum__country_b__code",
    )

    kind = ChoicesFilter(
        label=_("Made at"),
        choices=[("visit", _("a visit")), ("memorandum", _("a memorandum"))],
        method="filter_kind",
    )
    status = ChoicesFilter(label=_("Status"), choices=Commitment.Status.choices, method="filter_status")
    overdue = django_filters.BooleanFilter(label=_("Only overdue"), method="filter_overdue", widget=forms.CheckboxInput)

    class Meta(TrackerFilterSet.Meta):
        model = Commitment

    def filter_kind(self, queryset, name, value):
        return queryset.made_at(*value)

    def kind_option(self):
        return Case(When(origin_visit__isnull=False, then=Value("visit")), default=Value("memorandum"))


class InstitutionFilter(FacetedFilterSet):
    """The institution list: searched by any of their names, by country and by kind."""

    choice_facets = ("country", "kind")

    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    country = CountryFilter(
        label=_("Country"),
        choices=country_choices,
        method="filter_country",
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={"invalid_choice": _("There is no country “%(value)s” in the tracker.")},
    )
    kind = ChoicesFilter(label=_("Kind"), choices=Institution.Kind.choices, method="filter_kind")
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=[("name", _("Name A–Z")), ("-name", _("Name Z–A"))],
        method="filter_nothing",
        empty_label=None,
    )

    class Meta:
        model = Institution
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, today: datetime.date | None = None):
        super().__init__(data, queryset, request=request, prefix=prefix, today=today)
        self.filters["country"].extra["choices"] = functools.cache(country_choices)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_country(self, queryset, name, value):
        return queryset.of_country(*value)

    def filter_kind(self, queryset, name, value):
        return queryset.filter(kind__in=value)

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        descending = self.form.cleaned_data.get("sort") == "-name"
        return super().filter_queryset(queryset).order_by(*(["-name", "-pk"] if descending else ["name", "pk"]))

    def counted_rows(self) -> QuerySet:
        def grouped(facet: str, option, queryset: QuerySet) -> QuerySet:
            return queryset.values_list(Value(facet), option).annotate(n=Count("pk"))

        total = grouped("total", Value(""), self.queryset_without(""))
        return total.union(
            grouped("country", F("country__code"), self.queryset_without("country")),
            # A joint body counts under its second country too.
            grouped(
                "country", F("second_country__code"), self.queryset_without("country").exclude(second_country=None)
            ),
            grouped("kind", F("kind"), self.queryset_without("kind")),
            all=True,
        )
