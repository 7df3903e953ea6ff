"""The overview: the archive's figures, its short lists, and the charts drawn from them."""

from __future__ import annotations

import datetime
from collections import Counter

from django.db.models import Count, Value
from django.utils.translation import gettext as _

from .caching import cached
from .models import Commitment, Country, Memorandum, Visit

CHART_COLOURS = 8  # .chart-colour-0 … -7 in site.css


def overview_counts(today: datetime.date) -> dict:
    """Commitments by status, and the numbers of memoranda, visits, overdue commitments and dormant
    memoranda, in one query (a UNION ALL of the counts); commitments made and kept per year in another."""

    def counted(name: str, queryset, by=None):
        return queryset.order_by().values_list(Value(name), by or Value("")).annotate(n=Count("pk"))

    rows = counted("status", Commitment.objects.all(), "status").union(
        counted("memoranda", Memorandum.objects.all()),
        counted("visits", Visit.objects.all()),
        counted("overdue", Commitment.objects.overdue(today)),
        counted("dormant", Memorandum.objects.dormant(today)),
        all=True,
    )
    rows = list(rows)
    counts = {"status": {}, "memoranda": 0, "visits": 0, "overdue": 0, "dormant": 0}
    for name, key, n in rows:
        if name == "status":
            counts["status"][key] = n
        else:
            counts[name] = n
    counts["per_year"] = Commitment.objects.made_and_kept_per_year()
    return counts


def overview_figures(today: datetime.date) -> dict:
    """What the overview shows: its figures, kept until the records change (`archive_figures`),
    and the charts drawn from them."""
    figures = cached("overview", lambda: archive_figures(today), today)
    return figures | {
        "today": today,
        "sector_chart": sector_chart(figures["sector_rows"], figures["memoranda_per_year"]),
        "status_chart": status_chart(figures["status_counts"]),
        "fulfilment_chart": fulfilment_chart(figures["per_year"]),
    }


def archive_figures(today: datetime.date) -> dict:
    """The overview's counts and short lists: scans of the whole archive."""
    counts = overview_counts(today)
    status_counts = counts["status"]
    return {
        "status_counts": status_counts,
        "sector_rows": Memorandum.objects.per_year_and_sector(),
        "memoranda_per_year": Memorandum.objects.count_by_year(),
        "per_year": counts["per_year"],
        "memorandum_count": counts["memoranda"],
        "visit_count": counts["visits"],
        "commitment_count": sum(status_counts.values()),
        # Open or in progress, as the figure says: the status chart beside it has the two bars.
        "open_count": status_counts.get(Commitment.Status.OPEN, 0)
        + status_counts.get(Commitment.Status.IN_PROGRESS, 0),
        # Neither their sectors nor their overdue commitments are shown here.
        "latest": list(Memorandum.objects.select_related("country_a", "country_b").with_dormancy(today)[:6]),
        "overdue": list(Commitment.objects.overdue(today).for_list()[:8]),
        "overdue_count": counts["overdue"],
        "due_next": list(Commitment.objects.unresolved().filter(due_latest__gte=today).for_list()[:5]),
        "dormant": list(Memorandum.objects.dormant(today).select_related("country_a", "country_b")[:6]),
        "dormant_count": counts["dormant"],
        "upcoming": list(Visit.objects.upcoming(today).select_related("host_country", "guest_country")[:6]),
        "countries": list(Country.objects.active()[:12]),
    }


def sector_chart(rows: list[tuple[int | None, str | None, int]], per_year: dict[int, int]) -> dict:
    """Stacked bars, one per year, scaled to the busiest year; undated memoranda are left out.

    A memorandum in two top-level sectors is in both segments, so a bar's segments may add up to
    more than its memoranda: the number beside the bar is `per_year`, the memoranda signed that year.

    Bars are drawn as SVG rectangles (x and width in percent of the busiest year) because the
    content security policy allows no inline styles.
    """
    no_sector, other = _("No sector"), _("Other sectors")
    totals: dict[str, int] = {}
    for year, sector, n in rows:
        if year:
            totals[sector or no_sector] = totals.get(sector or no_sector, 0) + n
    # The busiest sectors get a colour each; the rest share one bar segment.
    shown = sorted(sorted(totals, key=lambda s: -totals[s])[: CHART_COLOURS - 1])
    sectors = shown + ([other] if len(totals) > len(shown) else [])
    colours = {sector: i for i, sector in enumerate(sectors)}
    years: dict[int, dict[str, int]] = {}
    for year, sector, n in rows:
        if year:
            name = sector or no_sector
            counts = years.setdefault(year, {})
            key = name if name in colours else other
            counts[key] = counts.get(key, 0) + n
    if years:
        for year in range(min(years), max(years) + 1):
            years.setdefault(year, {})
    busiest = max((sum(counts.values()) for counts in years.values()), default=0) or 1
    bars = []
    for year, counts in sorted(years.items()):
        segments, x = [], 0.0
        for sector in sectors:
            if counts.get(sector):
                width = 100 * counts[sector] / busiest
                segments.append(
                    {
                        "sector": sector,
                        "n": counts[sector],
                        "x": f"{x:.2f}",
                        "width": f"{width:.2f}",
                        "colour": colours[sector],
                    }
                )
                x += width
        bars.append(
            {
                "year": year,
                "total": per_year.get(year, 0),
                "segments": segments,
                "cells": [counts.get(s, 0) for s in sectors],
            }
        )
    return {"sectors": [(s, colours[s]) for s in sectors], "bars": bars}


def status_chart(counts: dict[str, int]) -> list[dict]:
    largest = max(counts.values(), default=0) or 1
    return [
        {
            "status": status,
            "label": label,
            "n": counts.get(status, 0),
            "width": f"{100 * counts.get(status, 0) / largest:.2f}",
        }
        for status, label in Commitment.Status.choices
    ]


def share(part: int, whole: int) -> int | None:
    """part ÷ whole in whole percent; None when there is no whole."""
    return round(100 * part / whole) if whole else None


def fulfilment_chart(counts: dict[str, Counter], columns=()) -> list[dict]:
    """Bars of the commitments made and kept per year (`counts`: `per_year()`'s counters), scaled
    to the largest number, with the share of those kept that year that were kept within their due
    window, and each year's numbers per partner of `columns` for the table. A commitment counts in
    the year it was made and in the year it was kept (the earliest possible year of its visit or
    memorandum, and of what kept it); undated ones are left out."""
    made, kept = counts["made"], counts["kept"]
    years = sorted(year for year in (*made, *kept) if year)
    if years:
        years = list(range(years[0], years[-1] + 1))
    largest = max([made[year] for year in years] + [kept[year] for year in years], default=0) or 1

    def in_window(figures: dict[str, Counter], year: int) -> int | None:
        return share(figures["kept-in-window"][year], figures["kept-dated"][year])

    return [
        {
            "year": year,
            "made": made[year],
            "kept": kept[year],
            "in_window": in_window(counts, year),
            "made_width": f"{100 * made[year] / largest:.2f}",
            "kept_width": f"{100 * kept[year] / largest:.2f}",
            "by_partner": [
                (entry.per_year["made"][year], entry.per_year["kept"][year], in_window(entry.per_year, year))
                for entry in columns
            ],
        }
        for year in years
    ]
