from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, F, Value
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from import_export.formats import base_formats

from .access import browse_required, export_required
from .caching import cached
from .filters import CommitmentFilter, MemorandumFilter, VisitFilter
from .formats import SafeCSV, SafeXLSX, csv_lines
from .models import Commitment, Country, Institution, Memorandum, Visit
from .resources import CommitmentResource, MemorandumResource, VisitResource
from .timeline import PairTimeline

PAGE_SIZE = 25
DOSSIER_OPEN_COMMITMENTS = 10  # the rest are on the commitment list
EXPORT_FORMATS = {"csv": SafeCSV, "xlsx": SafeXLSX, "json": base_formats.JSON}
CHART_COLOURS = 8  # .chart-colour-0 … -7 in site.css


class ArchivePaginator(Paginator):
    """Pages of a filtered list of any length. The total is given (the filter caches it). The
    page's keys are read first, from the filtered and ordered list alone; then only those rows
    are read again by key, in `shape` (joined and annotated for the page). As one query,
    PostgreSQL sometimes joined or searched the whole archive before keeping the page's rows."""

    def __init__(self, object_list, per_page: int, count: int, shape):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count
        self.shape = shape

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        page_keys = self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page]
        # A search or a deep page costs most in finding its keys; they change only with the records.
        keys = cached("page-keys", lambda: list(page_keys), page_keys.query.sql_with_params())
        rows = {row.pk: row for row in self.shape(self.object_list.model.objects.filter(pk__in=keys).order_by())}
        return self._get_page([rows[key] for key in keys], number, self)


def requested_page(request, paginator: Paginator) -> tuple:
    """The page asked for by the `page` parameter, and a message if it does not exist (then the
    first or the last page instead)."""
    number = request.GET.get("page", "1")
    message = ""
    if not number.isdigit() or int(number) < 1:
        message = _("“%(page)s” is not a page number; showing the first page.") % {"page": number}
        number = 1
    elif int(number) > paginator.num_pages:
        message = _("There is no page %(page)s; showing the last page.") % {"page": number}
        number = paginator.num_pages
    return paginator.page(number), message


def paginate(request, queryset, count: int, shape) -> tuple:
    """The requested page of `queryset` in `shape`, and a message if the page asked for does not exist."""
    return requested_page(request, ArchivePaginator(queryset, PAGE_SIZE, count, shape))


def list_page(request, filterset, page_shape, template: str, export_name: str):
    """The filter-then-paginate flow every list shares; a bad filter value is reported, not fatal."""
    page, page_message = paginate(request, filterset.qs, filterset.total(), page_shape)
    filterset.add_counts()
    context = {
        "filter": filterset,
        "page": page,
        "page_message": page_message,
        "export_name": export_name,
        "export_formats": list(EXPORT_FORMATS),
    }
    status = 400 if filterset.errors or page_message else 200
    return render(request, template, context, status=status)


@browse_required
def memorandum_list(request):
    today = datetime.date.today()
    filterset = MemorandumFilter(request.GET, queryset=Memorandum.objects.all(), today=today)
    return list_page(
        request,
        filterset,
        lambda qs: qs.for_list(today),
        "agreements/memorandum_list.html",
        "agreements:memorandum-export",
    )


@browse_required
def visit_list(request):
    today = datetime.date.today()
    filterset = VisitFilter(request.GET, queryset=Visit.objects.all(), today=today)
    return list_page(
        request, filterset, lambda qs: qs.for_list(today), "agreements/visit_list.html", "agreements:visit-export"
    )


@browse_required
def commitment_list(request):
    filterset = CommitmentFilter(request.GET, queryset=Commitment.objects.all())
    return list_page(
        request,
        filterset,
        lambda qs: qs.for_list(),
        "agreements/commitment_list.html",
        "agreements:commitment-export",
    )


def export(request, fmt: str, filterset_class, resource_class, basename: str):
    """Exactly the filtered list (all pages, same order) as CSV, XLSX or JSON."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Exports come as CSV, XLSX or JSON."))
    filterset = filterset_class(request.GET, queryset=filterset_class._meta.model.objects.all())
    if not filterset.is_valid():
        lines = [f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    queryset = filterset.qs.for_export()
    file_format = EXPORT_FORMATS[fmt]()
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_lines(resource_class(), queryset), content_type=f"{file_format.get_content_type()}; charset=utf-8"
        )
    else:
        # A workbook or a JSON document is built whole in memory; CSV is streamed, so only it has no limit.
        dataset = resource_class().export(queryset=queryset[: settings.EXPORT_MAX_ROWS + 1])
        if len(dataset) > settings.EXPORT_MAX_ROWS:
            message = _("XLSX and JSON exports stop at %(limit)s rows. Narrow the filters or export CSV.")
            params = {"limit": f"{settings.EXPORT_MAX_ROWS:,}"}
            return HttpResponse(message % params, status=400, content_type="text/plain; charset=utf-8")
        response = HttpResponse(file_format.export_data(dataset), content_type=file_format.get_content_type())
    response["Content-Disposition"] = f'attachment; filename="{basename}-{datetime.date.today()}.{fmt}"'
    return response


@export_required
def memorandum_export(request, fmt: str):
    return export(request, fmt, MemorandumFilter, MemorandumResource, "memoranda")


@export_required
def visit_export(request, fmt: str):
    return export(request, fmt, VisitFilter, VisitResource, "visits")


@export_required
def commitment_export(request, fmt: str):
    return export(request, fmt, CommitmentFilter, CommitmentResource, "commitments")


@browse_required
def memorandum_detail(request, slug: str):
    memorandum = get_object_or_404(Memorandum.objects.for_detail(), slug=slug)
    made, kept = memorandum.commitments_made_and_kept()
    context = {
        "memorandum": memorandum,
        "commitments_made": made,
        "commitments_kept": kept,
        "related": memorandum.relations_both_ways(),
    }
    return render(request, "agreements/memorandum_detail.html", context)


@browse_required
def visit_detail(request, slug: str):
    visit = get_object_or_404(Visit.objects.for_detail(), slug=slug)
    return render(request, "agreements/visit_detail.html", {"visit": visit})


@browse_required
def institution_detail(request, slug: str):
    institution = get_object_or_404(Institution.objects.for_detail(), slug=slug)
    return render(request, "agreements/institution_detail.html", {"institution": institution})


@browse_required
def country_detail(request, code: str):
    country = get_object_or_404(Country, code=code.upper())
    code = country.code.code
    context = {
        "country": country,
        "partners": country.partners(),
        "memoranda": Memorandum.objects.involving(code).for_list()[:10],
        "memorandum_count": Memorandum.objects.involving(code).count(),
        "visits": Visit.objects.involving(code).for_list()[:10],
        "visit_count": Visit.objects.involving(code).count(),
        "institutions": country.institutions.all(),
        "commitment_counts": Commitment.objects.involving(code).count_by_status(),
        "overdue_count": Commitment.objects.involving(code).overdue().count(),
    }
    return render(request, "agreements/country_detail.html", context)


def pair_of(code: str, partner: str) -> tuple[Country, Country]:
    country = get_object_or_404(Country, code=code.upper())
    other = get_object_or_404(Country, code=partner.upper())
    if country == other:
        raise Http404(_("A pair needs two different countries."))
    return country, other


def pair_summary(timeline: PairTimeline, open_shown: int | None) -> dict:
    """The pair's figures over its whole history, counted in the database, and its first
    `open_shown` unresolved commitments, soonest due first (all of them if None)."""
    today = datetime.date.today()
    commitments = timeline.commitments()
    unresolved = (
        commitments.unresolved()
        .select_related("origin_visit", "origin_memorandum")
        .order_by(F("due_latest").asc(nulls_last=True), "title", "pk")
    )
    return {
        "pair": f"{timeline.country.code.code}-{timeline.partner.code.code}",
        "visit_count": timeline.visit_count,
        "memorandum_count": timeline.memorandum_count,
        "unresolved": list(unresolved[:open_shown]),
        "unresolved_count": unresolved.count(),
        "overdue_count": commitments.overdue(today).count(),
        "today": today,
    }


def cached_pair_summary(timeline: PairTimeline, open_shown: int | None) -> dict:
    """pair_summary(), kept until the records change: its counts read all the pair's commitments."""
    key = (timeline.country.pk, timeline.partner.pk, open_shown, datetime.date.today())
    return cached("pair-summary", lambda: pair_summary(timeline, open_shown), *key)


@browse_required
def pair_detail(request, code: str, partner: str):
    country, other = pair_of(code, partner)
    timeline = PairTimeline(country, other)
    page, page_message = requested_page(request, Paginator(timeline, PAGE_SIZE))
    context = cached_pair_summary(timeline, open_shown=DOSSIER_OPEN_COMMITMENTS) | {
        "country": country,
        "partner": other,
        "page": page,
        "page_message": page_message,
        "timeline": page.object_list,
    }
    return render(request, "agreements/pair_detail.html", context, status=400 if page_message else 200)


@browse_required
def pair_brief(request, code: str, partner: str):
    """The whole history, oldest first, for printing."""
    country, other = pair_of(code, partner)
    timeline = PairTimeline(country, other, newest_first=False)
    context = cached_pair_summary(timeline, open_shown=None) | {
        "country": country,
        "partner": other,
        "timeline": timeline[:],
    }
    return render(request, "agreements/pair_brief.html", context)


@browse_required
def overview(request):
    today = datetime.date.today()
    context = cached("overview", lambda: overview_figures(today), today)
    context |= {
        "today": today,
        "sector_chart": sector_chart(context["sector_rows"]),
        "status_chart": status_chart(context["status_counts"]),
    }
    return render(request, "agreements/overview.html", context)


def overview_counts(today: datetime.date) -> dict:
    """Commitments by status and the numbers of memoranda, visits, overdue commitments and dormant
    memoranda, in one query (a UNION ALL of the five counts)."""

    def counted(name: str, queryset, by=None):
        return queryset.order_by().values_list(Value(name), by or Value("")).annotate(n=Count("pk"))

    rows = counted("status", Commitment.objects.all(), "status").union(
        counted("memoranda", Memorandum.objects.all()),
        counted("visits", Visit.objects.all()),
        counted("overdue", Commitment.objects.overdue(today)),
        counted("dormant", Memorandum.objects.dormant(today)),
        all=True,
    )
    counts = {"status": {}, "memoranda": 0, "visits": 0, "overdue": 0, "dormant": 0}
    for name, key, n in rows:
        if name == "status":
            counts["status"][key] = n
        else:
            counts[name] = n
    return counts


def overview_figures(today: datetime.date) -> dict:
    """What the overview counts and lists: scans of the whole archive, so cached until a change."""
    counts = overview_counts(today)
    status_counts = counts["status"]
    return {
        "status_counts": status_counts,
        "sector_rows": Memorandum.objects.per_year_and_sector(),
        "memorandum_count": counts["memoranda"],
        "visit_count": counts["visits"],
        "commitment_count": sum(status_counts.values()),
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


def sector_chart(rows: list[tuple[int | None, str | None, int]]) -> dict:
    """Stacked bars, one per year, scaled to the busiest year; undated memoranda are left out.

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
                "total": sum(counts.values()),
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


# ---------------------------------------------------------------- health check (docs/operations.md)

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_safe
def health(request):
    """For a load balancer or monitor: 200 while the application can query its database, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: the database cannot be reached.")
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
