from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
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
from .overview import overview_figures
from .resources import CommitmentResource, MemorandumResource, VisitResource
from .timeline import PairTimeline

PAGE_SIZE = 25
DOSSIER_OPEN_COMMITMENTS = 10  # the rest are on the commitment list
EXPORT_FORMATS = {"csv": SafeCSV, "xlsx": SafeXLSX, "json": base_formats.JSON}


class CountedPaginator(Paginator):
    """A paginator told the total, which the filter counts with its facets, rather than counting
    the list a second time."""

    def __init__(self, object_list, per_page: int, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


class KeyedPaginator(CountedPaginator):
    """A list's paginator that reads the keys of a page from the filtered, ordered list alone, then
    those rows only, with what `for_list()` joins and annotates. In one query PostgreSQL works out
    the annotations (dormancy, overdue commitments) for every row it ranks or skips: a search, or
    a deep page, then costs seconds at archive scale (docs/benchmarks.md)."""

    def page(self, number):
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        keys = list(self.object_list.values_list("pk", flat=True)[start : start + self.per_page])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=keys)}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


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


def list_page(request, filterset_class, template: str, export_name: str):
    """The flow every list shares: filter, paginate, render. A bad filter value is reported
    beside its field, never a failure; the list then ignores it."""
    today = datetime.date.today()
    filterset = filterset_class(request.GET, today=today)
    paginator = KeyedPaginator(filterset.qs.for_list(today), PAGE_SIZE, filterset.total())
    page, page_message = requested_page(request, paginator)
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
    return list_page(request, MemorandumFilter, "agreements/memorandum_list.html", "agreements:memorandum-export")


@browse_required
def visit_list(request):
    return list_page(request, VisitFilter, "agreements/visit_list.html", "agreements:visit-export")


@browse_required
def commitment_list(request):
    return list_page(request, CommitmentFilter, "agreements/commitment_list.html", "agreements:commitment-export")


def export(request, fmt: str, filterset_class, resource_class, basename: str):
    """Exactly the filtered list (all pages, same order) as CSV, XLSX or JSON."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Exports come as CSV, XLSX or JSON."))
    filterset = filterset_class(request.GET)
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


SUGGESTIONS = 10


@browse_required
@require_safe
def institution_suggest(request):
    """Institutions whose names hold the words typed, for the institution filter's suggestions."""
    text = request.GET.get("q", "")[:200]
    institutions = Institution.objects.best_matches(text).select_related("country")[:SUGGESTIONS]
    results = [{"slug": i.slug, "label": f"{i.name} ({i.country})"} for i in institutions]
    return JsonResponse({"results": results})


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
    """The two countries of a dossier (one query); not found unless both exist and differ."""
    codes = [code.upper(), partner.upper()]
    found = {country.code.code: country for country in Country.objects.filter(code__in=codes)}
    if codes[0] == codes[1] or len(found) < 2:
        raise Http404(_("A pair needs two different countries in the tracker."))
    return found[codes[0]], found[codes[1]]


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
    summary = cached_pair_summary(timeline, open_shown=DOSSIER_OPEN_COMMITMENTS)
    events = summary["visit_count"] + summary["memorandum_count"]
    page, page_message = requested_page(request, CountedPaginator(timeline, PAGE_SIZE, events))
    context = summary | {
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
    return render(request, "agreements/overview.html", overview_figures(datetime.date.today()))


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
