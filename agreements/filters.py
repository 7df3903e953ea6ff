"""The filters of the memorandum, visit and commitment lists and of their exports.

Every list reads the same query parameters: sector, country, pair, institution, kind,
status, from, to, overdue, q and sort (plus dormant on memoranda). Each option of a
select shows how many records it would give, counted with the other filters applied.
"""

from __future__ import annotations

import datetime
import html
from collections import Counter

import django_filters
from django import forms
from django.db.models import Case, Count, F, QuerySet, Value, When
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .caching import cached
from .models import Commitment, Country, Institution, Memorandum, Sector, Visit


class UpperChoiceField(django_filters.fields.ChoiceField):
    """Country codes are accepted in either case: ?country=om is ?country=OM."""

    def to_python(self, value):
        return super().to_python(value).upper()


class CountryFilter(django_filters.ChoiceFilter):
    field_class = UpperChoiceField


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


class PairFilter(django_filters.Filter):
    field_class = PairField


class QuickSelect(forms.Select):
    """A select written out in Python. Django renders every option through a template of its own,
    which for the 2,000 institutions of an archive took most of a list page's time; the markup is
    the same."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = self.format_value(value)[:1]  # like Select: only the first matching option
        options = []
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):  # option groups: left to Django
                return super().render(name, value, attrs, renderer)
            option_value = "" if option_value is None else str(option_value)
            shown = label.__html__() if hasattr(label, "__html__") else html.escape(str(label), quote=True)
            if option_value in selected:
                selected = []
                options.append(f'<option value="{html.escape(option_value)}" selected>{shown}</option>')
            else:
                options.append(f'<option value="{html.escape(option_value)}">{shown}</option>')
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        markup = f'<select name="{html.escape(name)}"{attributes}>{"".join(options)}</select>'
        return mark_safe(markup)  # nosec B308 B703 # every value and label is escaped above


class Options(BaseChoiceIterator):
    """Options already in (value, label) form, shared rather than copied. Django checks the form of
    every option on each pass over a plain list, and copies the list with each form: for the
    2,000 institutions of an archive that cost more than writing the page."""

    def __init__(self, choices):
        self.choices = list(choices)

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    def __deepcopy__(self, memo) -> Options:
        return self  # never changed in place: add_counts() sets new Options


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
            if depth < 2:
                walk(sector.pk, depth + 1)

    walk(None, 0)
    return choices


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.code.code, c.name) for c in Country.objects.all()), key=lambda choice: choice[1])


def institution_choices() -> list[tuple[str, str]]:
    return list(Institution.objects.values_list("slug", "name"))


SORT_CHOICES = [
    ("-date", _("Newest first")),
    ("date", _("Oldest first")),
    ("title", _("Title A–Z")),
    ("-title", _("Title Z–A")),
]


class TrackerFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end of the range is before its start."))
        return cleaned


class TrackerFilterSet(django_filters.FilterSet):
    """What the three lists share. A subclass names its date field and the paths of its facets."""

    date_field = ""
    country_paths: tuple[str, ...] = ()
    institution_path = ""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    sector = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Sector"),
        choices=sector_choices,
        method="filter_sector",
        empty_label=_("All sectors"),
    )
    country = CountryFilter(
        widget=QuickSelect,
        label=_("Country"),
        choices=country_choices,
        method="filter_country",
        empty_label=_("All countries"),
        error_messages={"invalid_choice": _("There is no country “%(value)s” in the tracker.")},
    )
    pair = PairFilter(label=_("Pair of countries"), method="filter_pair", help_text=_("For example BY-OM."))
    institution = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Institution"),
        choices=institution_choices,
        method="filter_institution",
        empty_label=_("All institutions"),
        error_messages={"invalid_choice": _("There is no institution “%(value)s” in the tracker.")},
    )
    kind = django_filters.ChoiceFilter(
        widget=QuickSelect, label=_("Kind"), method="filter_kind", empty_label=_("All kinds")
    )
    status = django_filters.ChoiceFilter(
        widget=QuickSelect, label=_("Status"), method="filter_status", empty_label=_("Any status")
    )
    # `from` is a Python keyword, so these two are declared through the class namespace.
    locals()["from"] = django_filters.DateFilter(
        label=_("From"),
        method="filter_dates",
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD, for example 2025-10-06.")},
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    locals()["to"] = django_filters.DateFilter(
        label=_("To"),
        method="filter_dates",
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD, for example 2025-10-06.")},
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Only with overdue commitments"), method="filter_overdue", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        widget=QuickSelect, label=_("Sort"), choices=SORT_CHOICES, method="filter_nothing", empty_label=None
    )

    class Meta:
        form = TrackerFilterForm
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, today: datetime.date | None = None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.today = today or datetime.date.today()
        # Read each list of options once, from the cache while the records have not changed:
        # validating and counting would otherwise both query it.
        language = get_language()
        for name in ("sector", "country", "institution"):
            choices = self.filters[name].extra["choices"]
            if callable(choices):
                choices = cached("choices", lambda read=choices: list(read()), name, language)
            self.filters[name].extra["choices"] = Options(choices)

    # ------------------------------------------------------------ filtering

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_sector(self, queryset, name, value):
        return queryset.in_sector(value)

    def filter_country(self, queryset, name, value):
        return queryset.involving(value)

    def filter_pair(self, queryset, name, value):
        return queryset.between(*value)

    def filter_institution(self, queryset, name, value):
        return queryset.with_institution(value)

    def filter_kind(self, queryset, name, value):
        return queryset.filter(kind=value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value)

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
        return queryset.order_by(*self.ordering(self.form.cleaned_data.get("sort") or "-date"))

    def ordering(self, sort: str) -> list:
        earliest = F(f"{self.date_field}_earliest")
        by_date = [earliest.asc(nulls_last=True), f"{self.date_field}_latest", "title", "pk"]
        if sort == "-date":
            by_date = [earliest.desc(nulls_last=True), f"-{self.date_field}_latest", "title", "pk"]
        return {"title": ["title", "pk"], "-title": ["-title", "-pk"]}.get(sort, by_date)

    # ------------------------------------------------------------ counts beside each option

    def queryset_without(self, excluded: str) -> QuerySet:
        """The queryset with every valid filter applied except `excluded`, unordered."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != excluded and name in self.filters:
                queryset = self.filters[name].filter(queryset, value)
        return queryset.order_by()

    def count_sector(self, queryset) -> Counter:
        """Records per sector, a parent counting every record of its children once."""
        records: dict[str, set[int]] = {}
        rows = queryset.values_list("pk", "sectors__slug", "sectors__parent__slug", "sectors__parent__parent__slug")
        for pk, *slugs in rows:
            for slug in filter(None, slugs):
                records.setdefault(slug, set()).add(pk)
        return Counter({slug: len(pks) for slug, pks in records.items()})

    def kind_option(self):
        """What the kind facet groups by."""
        return "kind"

    def counted_rows(self) -> QuerySet:
        """(facet, option, number of records) for the total, the country, institution, kind and
        status facets and each checkbox, every count with all other filters applied: one UNION ALL,
        so that a first visit to a list runs one query for them instead of one each."""

        def grouped(facet: str, option, queryset: QuerySet, counted=None) -> QuerySet:
            return queryset.values_list(Value(facet), option).annotate(n=counted or Count("pk"))

        # The country paths name different sides of a record, so their sums count each record once.
        branches = [grouped("total", Value(""), self.queryset_without(""))]
        branches += [grouped("country", path, self.queryset_without("country")) for path in self.country_paths]
        branches += [
            grouped(
                "institution",
                self.institution_path,
                self.queryset_without("institution"),
                Count("pk", distinct=True),
            ),
            grouped("kind", self.kind_option(), self.queryset_without("kind")),
            grouped("status", "status", self.queryset_without("status")),
        ]
        for name in self.boolean_facets():
            only = self.filters[name].filter(self.queryset_without(name), True)
            branches.append(grouped(name, Value(""), only))
        return branches[0].union(*branches[1:], all=True)

    def filter_key(self) -> tuple:
        """The valid filters, in a fixed order: what the counts depend on (not sort or page)."""
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return tuple(sorted((name, repr(value)) for name, value in data.items() if name != "sort" and value))

    def count_facets(self) -> dict:
        """The total and the number beside every option of every facet, in two queries."""
        counts: dict = {name: Counter() for name in ("country", "institution", "kind", "status")}
        counts |= {name: 0 for name in ("total", *self.boolean_facets())}
        for facet, option, n in self.counted_rows():
            if isinstance(counts[facet], Counter):
                if option:
                    counts[facet][option] += n
            else:
                counts[facet] = n
        counts["sector"] = self.count_sector(self.queryset_without("sector"))
        return {name: dict(value) if isinstance(value, Counter) else value for name, value in counts.items()}

    def facet_counts(self) -> dict:
        """`count_facets()`, cached until the records change."""
        if not hasattr(self, "_facet_counts"):
            self.form.is_valid()
            key = (type(self).__name__, self.today, self.filter_key())
            self._facet_counts = cached("facets", self.count_facets, *key)
        return self._facet_counts

    def total(self) -> int:
        """The number of records the filters give, counted with the facets."""
        return self.facet_counts()["total"]

    def add_counts(self) -> None:
        """Write the number of matching records beside each option and checkbox.

        Options that would give nothing are left out, unless selected.
        """
        form = self.form
        all_counts = self.facet_counts()
        for name in ("sector", "country", "institution", "kind", "status"):
            counts = all_counts[name]
            field = form.fields[name]
            selected = form.data.get(name, "")
            # The field puts its empty option ("All …") first itself.
            field.choices = Options(
                (value, f"{label} ({counts.get(value, 0)})")
                for value, label in field.choices
                if value and (counts.get(value) or str(value).upper() == selected.upper())
            )
        for name in self.boolean_facets():
            number = all_counts[name]
            # The bound field has already copied the label while validating.
            form[name].label = form.fields[name].label = f"{self.filters[name].label} ({number})"

    def boolean_facets(self) -> list[str]:
        return ["overdue"]

    @property
    def active(self) -> bool:
        """Whether any filter other than sorting is set."""
        return any(value for name, value in self.data.items() if name not in ("sort", "page"))


class MemorandumFilter(TrackerFilterSet):
    date_field = "signed"
    country_paths = ("country_a__code", "country_b__code")
    institution_path = "parties__slug"

    kind = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Kind"),
        choices=Memorandum.Kind.choices,
        method="filter_kind",
        empty_label=_("All kinds"),
    )
    status = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Status"),
        choices=Memorandum.Status.choices,
        method="filter_status",
        empty_label=_("Any status"),
    )
    dormant = django_filters.BooleanFilter(
        label=_("Only dormant"),
        method="filter_dormant",
        widget=forms.CheckboxInput,
        help_text=_("No follow-up in the twelve months after signing."),
    )

    class Meta(TrackerFilterSet.Meta):
        model = Memorandum

    def filter_dormant(self, queryset, name, value):
        return queryset.dormant(self.today) if value else queryset

    def boolean_facets(self) -> list[str]:
        return ["overdue", "dormant"]


class VisitFilter(TrackerFilterSet):
    date_field = "date"
    country_paths = ("host_country__code", "guest_country__code")
    institution_path = "institutions__slug"

    kind = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Kind"),
        choices=Visit.Kind.choices,
        method="filter_kind",
        empty_label=_("All kinds"),
    )
    status = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Status"),
        choices=Visit.Status.choices,
        method="filter_status",
        empty_label=_("Any status"),
    )

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
    institution_path = "responsible_institutions__slug"

    kind = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Made at"),
        choices=[("visit", _("a visit")), ("memorandum", _("a memorandum"))],
        method="filter_kind",
        empty_label=_("A visit or a memorandum"),
    )
    status = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Status"),
        choices=Commitment.Status.choices,
        method="filter_status",
        empty_label=_("Any status"),
    )
    overdue = django_filters.BooleanFilter(label=_("Only overdue"), method="filter_overdue", widget=forms.CheckboxInput)

    class Meta(TrackerFilterSet.Meta):
        model = Commitment

    def filter_kind(self, queryset, name, value):
        return queryset.made_at(value)

    def kind_option(self):
        return Case(When(origin_visit__isnull=False, then=Value("visit")), default=Value("memorandum"))
