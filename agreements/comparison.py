"""One country's partners side by side: what was signed, visited and promised with each, how
many promises were kept, and when.

Every figure is counted in one query (a UNION ALL of grouped counts, like the overview's) and
kept in the cache until the records change. The filters mean what they mean on the lists:
sector and date range on memoranda, visits and commitments (a commitment's date is when it is
due), kind on memoranda only; so every figure links to the list that shows what it counts.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db import models
from django.db.models import Count, ExpressionWrapper, Max, Q, Value
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .caching import cached
from .filters import (
    DATE_MESSAGE,
    ChoicesField,
    CountryCodesField,
    ISODateInput,
    TrackerFilterForm,
    country_choices,
    sector_choices,
)
from .models import Commitment, Memorandum, Sector, Visit
from .models.chain import PER_YEAR
from .overview import fulfilment_chart, share

DEFAULT_PARTNERS = 6  # compared when none are chosen: the most active


class CompareForm(TrackerFilterForm):
    """The partners to compare (`with`, any number) and the lists' filters: sector, kind, from, to."""

    sector = ChoicesField(label=gettext_lazy("Sector"), required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    kind = ChoicesField(
        label=gettext_lazy("Kind of memorandum"),
        required=False,
        choices=Memorandum.Kind.choices,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, data, *, code: str, countries: list, sectors: list):
        super().__init__(data)
        # `with` and `from` are Python keywords, so these fields are added here.
        self.fields["with"] = CountryCodesField(
            label=gettext_lazy("Partners"),
            required=False,
            choices=[choice for choice in countries if choice[0] != code],
            widget=forms.SelectMultiple(attrs={"size": 8}),
            error_messages={"invalid_choice": gettext_lazy("There is no partner “%(value)s” in the tracker.")},
            help_text=gettext_lazy("Choose several (Ctrl or ⌘ and click). Without a choice, the most active."),
        )
        self.fields["sector"].choices = sectors
        for name, label in (("from", gettext_lazy("From")), ("to", gettext_lazy("To"))):
            self.fields[name] = forms.DateField(
                label=label, required=False, widget=ISODateInput(), error_messages={"invalid": DATE_MESSAGE}
            )
        self.order_fields(["with", "sector", "kind", "from", "to"])

    def choices(self) -> dict:
        """The valid choices; an invalid field counts as not given, as on the lists."""
        self.is_valid()
        many = ("with", "sector", "kind")
        return {name: self.cleaned_data.get(name) or ([] if name in many else None) for name in self.fields}


def compare_options() -> dict:
    """The countries and sectors the form offers, in the reader's language, kept until the records change."""
    return cached("compare-options", lambda: {"countries": country_choices(), "sectors": sector_choices()})


@dataclass
class PartnerFigures:
    """What was done with one partner, within the filters."""

    code: str
    memoranda_by_kind: Counter = field(default_factory=Counter)
    memoranda_by_status: Counter = field(default_factory=Counter)
    dormant: int = 0
    sectors: Counter = field(default_factory=Counter)  # (slug, name) → memoranda
    visits_by_status: Counter = field(default_factory=Counter)
    commitments_by_status: Counter = field(default_factory=Counter)
    overdue: int = 0
    per_year: dict = field(default_factory=lambda: {measure: Counter() for measure in PER_YEAR})
    kept_dated: int = 0  # kept, with a due date
    kept_in_window: int = 0  # of those, kept within their due window
    days_to_keep: Counter = field(default_factory=Counter)  # days from promise to fulfilment → commitments
    last_contact: datetime.date | None = None  # the earliest possible day of the latest event

    @property
    def memoranda(self) -> int:
        return sum(self.memoranda_by_status.values())

    @property
    def active(self) -> int:
        """Memoranda signed or in force and not dormant."""
        signed = (
            self.memoranda_by_status[Memorandum.Status.SIGNED] + self.memoranda_by_status[Memorandum.Status.IN_FORCE]
        )
        return signed - self.dormant

    @property
    def visits(self) -> int:
        return sum(self.visits_by_status.values())

    @property
    def made(self) -> int:
        return sum(self.commitments_by_status.values())

    @property
    def kept(self) -> int:
        return self.commitments_by_status[Commitment.Status.FULFILLED]

    @property
    def open(self) -> int:
        return (
            self.commitments_by_status[Commitment.Status.OPEN]
            + self.commitments_by_status[Commitment.Status.IN_PROGRESS]
        )

    @property
    def lapsed(self) -> int:
        return self.commitments_by_status[Commitment.Status.LAPSED]

    @property
    def due(self) -> int:
        """Commitments whose time has come: kept, lapsed, or unresolved past their due date."""
        return self.kept + self.lapsed + self.overdue

    @property
    def fulfilment_rate(self) -> int | None:
        """Kept ÷ due, in percent; None when nothing is due yet."""
        return round(100 * self.kept / self.due) if self.due else None

    @property
    def in_window_rate(self) -> int | None:
        """Kept within the due window ÷ kept with a due date, in percent; None when none was kept."""
        return share(self.kept_in_window, self.kept_dated)

    @property
    def median_days_to_keep(self) -> float | None:
        """The median number of days from promise to fulfilment of the commitments kept (both dated)."""
        days = sorted(self.days_to_keep.elements())
        if not days:
            return None
        middle = len(days) // 2
        return days[middle] if len(days) % 2 else (days[middle - 1] + days[middle]) / 2

    @property
    def activity(self) -> int:
        return self.memoranda + self.visits + self.made


def filtered(code: str, partners: list[str], choices: dict):
    """The memoranda, visits and commitments between `code` and any of `partners` (every partner
    if none) within the filters."""
    memoranda, visits = Memorandum.objects.involving(code), Visit.objects.involving(code)
    if partners:
        memoranda, visits = memoranda.involving_any(partners), visits.involving_any(partners)
    commitments = Commitment.objects.made_at_any(visits, memoranda)
    if choices["sector"]:
        memoranda, visits = memoranda.in_sector(*choices["sector"]), visits.in_sector(*choices["sector"])
        commitments = commitments.in_sector(*choices["sector"])
    if choices["from"] or choices["to"]:
        memoranda = memoranda.dated_between(choices["from"], choices["to"])
        visits = visits.dated_between(choices["from"], choices["to"])
        commitments = commitments.dated_between(choices["from"], choices["to"])
    if choices["kind"]:
        memoranda = memoranda.filter(kind__in=choices["kind"])
    return memoranda.order_by(), visits.order_by(), commitments.order_by()


def counted_rows(code: str, partners: list[str], choices: dict, today: datetime.date):
    """(measure, side, other side, key, second key, flag, latest date, number): one UNION ALL of
    grouped counts of everything the comparison shows."""
    memoranda, visits, commitments = filtered(code, partners, choices)
    no_date = Value(None, output_field=models.DateField())
    no_flag = Value(False, output_field=models.BooleanField())
    no_key = Value("", output_field=models.CharField())

    def as_text(expression):
        return Cast(expression, output_field=models.CharField())

    origin_sides = (
        Coalesce("origin_visit__host_country__code", "origin_memorandum__country_a__code"),
        Coalesce("origin_visit__guest_country__code", "origin_memorandum__country_b__code"),
    )
    dormant = ExpressionWrapper(Memorandum.objects.dormancy(today), output_field=models.BooleanField())
    overdue = ExpressionWrapper(
        Q(status__in=[Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS], due_latest__lt=today),
        output_field=models.BooleanField(),
    )
    made_in, kept_in = Commitment.objects.year_made(), Commitment.objects.year_kept()
    in_window = ExpressionWrapper(Commitment.objects.kept_in_window(), output_field=models.BooleanField())
    kept = commitments.filter(status=Commitment.Status.FULFILLED)
    branches = [
        memoranda.values_list(
            Value("memorandum"), "country_a__code", "country_b__code", "kind", "status", dormant
        ).annotate(latest=Max("signed_earliest"), n=Count("pk")),
        memoranda.filter(sectors__lineage__parent__isnull=True)
        .values_list(
            Value("sector"),
            "country_a__code",
            "country_b__code",
            "sectors__lineage__slug",
            Sector.localized_name_in("sectors__lineage__"),
            no_flag,
        )
        .annotate(latest=no_date, n=Count("pk", distinct=True)),
        visits.values_list(
            Value("visit"), "host_country__code", "guest_country__code", "kind", "status", no_flag
        ).annotate(latest=Max("date_earliest"), n=Count("pk")),
        commitments.values_list(Value("commitment"), *origin_sides, "status", no_key, overdue).annotate(
            latest=no_date, n=Count("pk")
        ),
        commitments.values_list(Value("made"), *origin_sides, as_text(made_in), no_key, no_flag).annotate(
            latest=no_date, n=Count("pk")
        ),
        kept.values_list(Value("kept"), *origin_sides, as_text(kept_in), no_key, no_flag).annotate(
            latest=no_date, n=Count("pk")
        ),
        kept.filter(due_latest__isnull=False)
        .values_list(Value("dated"), *origin_sides, as_text(kept_in), no_key, in_window)
        .annotate(latest=no_date, n=Count("pk")),
        kept.values_list(
            Value("timing"),
            *origin_sides,
            as_text(Commitment.objects.kept_on()),
            as_text(Commitment.objects.promised_on()),
            no_flag,
        ).annotate(latest=no_date, n=Count("pk")),
    ]
    return branches[0].union(*branches[1:], all=True)


def partner_figures(code: str, partners: list[str], choices: dict, today: datetime.date) -> dict[str, PartnerFigures]:
    """The figures of each partner of `code` (of `partners`, or all), in one query."""
    figures: dict[str, PartnerFigures] = {}
    for measure, side, other_side, key, second_key, flag, latest, n in counted_rows(code, partners, choices, today):
        partner = other_side if side == code else side
        if partner is None:
            continue
        entry = figures.setdefault(partner, PartnerFigures(code=partner))
        if measure == "memorandum":
            entry.memoranda_by_kind[key] += n
            entry.memoranda_by_status[second_key] += n
            entry.dormant += n if flag else 0
        elif measure == "sector" and key:  # None: the memoranda with no sector
            entry.sectors[(key, second_key)] += n
        elif measure == "visit":
            entry.visits_by_status[second_key] += n
        elif measure == "commitment":
            entry.commitments_by_status[key] += n
            entry.overdue += n if flag else 0
        elif measure in ("made", "kept") and key:
            entry.per_year[measure][int(key)] += n
        elif measure == "dated":
            entry.kept_dated += n
            entry.kept_in_window += n if flag else 0
            if key:
                entry.per_year["kept-dated"][int(key)] += n
                entry.per_year["kept-in-window"][int(key)] += n if flag else 0
        elif measure == "timing" and key and second_key:
            days = datetime.date.fromisoformat(key[:10]) - datetime.date.fromisoformat(second_key[:10])
            entry.days_to_keep[days.days] += n
        held = measure == "memorandum" or (measure == "visit" and second_key == Visit.Status.HELD)
        if held and latest and (entry.last_contact is None or latest > entry.last_contact):
            entry.last_contact = latest if isinstance(latest, datetime.date) else datetime.date.fromisoformat(latest)
    return figures


def comparison(code: str, choices: dict, today: datetime.date) -> list[PartnerFigures]:
    """The chosen partners' figures in the order chosen (each, even with nothing recorded), or
    the most active partners' when none is chosen; kept until the records change."""
    partners = choices["with"]
    key = (code, tuple(sorted((name, repr(value)) for name, value in choices.items())), today)
    figures = cached("comparison", lambda: partner_figures(code, partners, choices, today), *key, worded=False)
    if partners:
        return [figures.get(partner) or PartnerFigures(code=partner) for partner in partners]
    return sorted(figures.values(), key=lambda entry: (-entry.activity, entry.code))[:DEFAULT_PARTNERS]


# ---------------------------------------------------------------- the table the page and the download show


def list_link(name: str, code: str, partner: str, choices: dict, **extra) -> str:
    """The address of the list of memoranda, visits or commitments that a figure counts."""
    query = {"pair": f"{code}-{partner}", "sector": choices["sector"]}
    for bound in ("from", "to"):
        if choices[bound]:
            query[bound] = choices[bound].isoformat()
    if name == "memorandum" and choices["kind"]:
        query["kind"] = choices["kind"]
    return f"{reverse(f'agreements:{name}-list')}?{urlencode(query | extra, doseq=True)}"


@dataclass
class Row:
    label: str
    cells: list  # (value, address or "") per partner
    group: str = ""  # the heading of the rows that follow, on the first row of a group


def comparison_rows(code: str, columns: list[PartnerFigures], choices: dict) -> list[Row]:
    """The comparison table: one column per partner, one row per figure."""

    def counted(label: str, value, name: str = "", group: str = "", **extra) -> Row:
        """A row of `value(partner's figures)`, each linked to the list of `name` with `extra` filters."""
        cells = [
            (value(entry), list_link(name, code, entry.code, choices, **extra) if name else "") for entry in columns
        ]
        return Row(label, cells, group)

    def present(counters) -> list:
        """The keys counted for any partner, in the order of their choices."""
        return [value for value, _label in counters[1] if any(counters[0](entry)[value] for entry in columns)]

    rows = [
        counted(_("All memoranda"), lambda e: e.memoranda, "memorandum", group=_("Memoranda")),
        counted(_("Active (signed or in force, followed up)"), lambda e: e.active),
        counted(_("Dormant"), lambda e: e.dormant, "memorandum", dormant="on"),
    ]
    for number, kind in enumerate(present((lambda e: e.memoranda_by_kind, Memorandum.Kind.choices))):
        group = _("Memoranda by kind") if number == 0 else ""
        label = str(Memorandum.Kind(kind).label).capitalize()
        rows.append(counted(label, lambda e, k=kind: e.memoranda_by_kind[k], "memorandum", group, kind=kind))
    for number, status in enumerate(present((lambda e: e.memoranda_by_status, Memorandum.Status.choices))):
        group = _("Memoranda by status") if number == 0 else ""
        label = str(Memorandum.Status(status).label).capitalize()
        rows.append(counted(label, lambda e, s=status: e.memoranda_by_status[s], "memorandum", group, status=status))
    rows.append(counted(_("All visits"), lambda e: e.visits, "visit", group=_("Visits")))
    for status in present((lambda e: e.visits_by_status, Visit.Status.choices)):
        label = str(Visit.Status(status).label).capitalize()
        rows.append(counted(label, lambda e, s=status: e.visits_by_status[s], "visit", status=status))
    status = Commitment.Status
    rows += [
        counted(_("Commitments made"), lambda e: e.made, "commitment", group=_("Commitments")),
        counted(_("Kept"), lambda e: e.kept, "commitment", status=status.FULFILLED),
        counted(_("Open"), lambda e: e.open, "commitment", status=[status.OPEN, status.IN_PROGRESS]),
        counted(_("Overdue"), lambda e: e.overdue, "commitment", overdue="on"),
        counted(_("Lapsed"), lambda e: e.lapsed, "commitment", status=status.LAPSED),
        counted(
            _("Fulfilment rate (kept ÷ due)"), lambda e: "–" if e.fulfilment_rate is None else f"{e.fulfilment_rate}%"
        ),
        counted(
            _("Kept within the due window (÷ kept with a due date)"),
            lambda e: "–" if e.in_window_rate is None else f"{e.in_window_rate}%",
        ),
        counted(
            _("Median time from promise to fulfilment, in days"),
            lambda e: "–" if e.median_days_to_keep is None else round(e.median_days_to_keep),
        ),
    ]
    sectors = sorted({sector for entry in columns for sector in entry.sectors}, key=lambda s: s[1].casefold())
    for number, (slug, name) in enumerate(sectors):
        group = _("Memoranda by sector") if number == 0 else ""
        rows.append(
            Row(
                name,
                [
                    (
                        entry.sectors[(slug, name)],
                        list_link("memorandum", code, entry.code, choices | {"sector": [slug]}),
                    )
                    for entry in columns
                ],
                group,
            )
        )
    rows.append(
        Row(
            _("Last contact (year of the latest visit held or memorandum)"),
            [(entry.last_contact.year if entry.last_contact else "–", "") for entry in columns],
            _("Activity"),
        )
    )
    return rows


def partners_fulfilment_chart(columns: list[PartnerFigures]) -> list[dict]:
    """`fulfilment_chart` of the partners together, with each partner's numbers."""
    together = {measure: Counter() for measure in PER_YEAR}
    for entry in columns:
        for measure, counter in entry.per_year.items():
            together[measure].update(counter)
    return fulfilment_chart(together, columns)


def small_multiples(columns: list[PartnerFigures], chart: list[dict]) -> list[dict]:
    """One small chart per partner of the commitments made and kept per year: the years of
    `chart` (the partners together), every bar scaled to the largest number of any partner, so
    that the charts compare at a glance."""
    numbers = [n for bar in chart for made, kept, _share in bar["by_partner"] for n in (made, kept)]
    largest = max(numbers, default=0) or 1
    return [
        {
            "code": entry.code,
            "made": entry.made,
            "kept": entry.kept,
            "bars": [
                {
                    "year": bar["year"],
                    "made": bar["by_partner"][index][0],
                    "kept": bar["by_partner"][index][1],
                    "made_width": f"{100 * bar['by_partner'][index][0] / largest:.2f}",
                    "kept_width": f"{100 * bar['by_partner'][index][1] / largest:.2f}",
                }
                for bar in chart
            ],
        }
        for index, entry in enumerate(columns)
    ]
