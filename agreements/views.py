from __future__ import annotations

import datetime
import logging

import tablib
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from import_export.formats import base_formats

from .access import browse_required, export_required
from .caching import cached
from .comparison import (
    CompareForm,
    compare_options,
    comparison,
    comparison_rows,
    partners_fulfilment_chart,
    small_multiples,
)
from .filters import CommitmentFilter, InForceOnForm, InstitutionFilter, MemorandumFilter, VisitFilter
from .formats import SafeCSV, SafeXLSX, csv_lines
from .fuzzydates import describe
from .models import Commitment, Country, Institution, Memorandum, Person, Sector, Source, Visit
from .models.base import rows_by_keys
from .overview import fulfilment_chart, overview_figures
from .reports import MapReport, Report
from .resources import CommitmentResource, MemorandumResource, VisitResource
from .timeline import PairTimeline
from .worldmap import FILTERS as MAP_FILTERS
from .worldmap import ShowForm, world_map

PAGE_SIZE = 25
DOSSIER_OPEN_COMMITMENTS = 10  # the rest are on the commitment list
DOSSIER_IN_FORCE = 25  # the rest are on the memorandum list
EXPORT_FORMATS = {"csv": SafeCSV, "xlsx": SafeXLSX, "json": base_formats.JSON}
REPORT_FORMATS = ["xlsx", "csv"]


class CountedPaginator(Paginator):
    """A paginator told the total, which the filter counts with its facets, rather than counting
    the list a second time."""

    def __init__(self, object_list, per_page: int, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


class KeyedPaginator(CountedPaginator):
    """A list's paginator that reads a page's keys first, then those rows (`rows_by_keys`)."""

    def page(self, number):
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        return self._get_page(rows_by_keys(self.object_list, start, start + self.per_page), number, self)


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


def list_page(request, filterset_class, template: str, export_name: str = "", report_name: str = ""):
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
        "report_name": report_name,
        "report_formats": REPORT_FORMATS,
    }
    status = 400 if filterset.errors or page_message else 200
    return render(request, template, context, status=status)


@browse_required
def memorandum_list(request):
    return list_page(
        request,
        MemorandumFilter,
        "agreements/memorandum_list.html",
        "agreements:memorandum-export",
        "agreements:memorandum-report",
    )


@browse_required
def visit_list(request):
    return list_page(
        request, VisitFilter, "agreements/visit_list.html", "agreements:visit-export", "agreements:visit-report"
    )


@browse_required
def commitment_list(request):
    return list_page(
        request,
        CommitmentFilter,
        "agreements/commitment_list.html",
        "agreements:commitment-export",
        "agreements:commitment-report",
    )


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


def plain_text(message: str, status: int = 400) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def worded_in(language: str, lines):
    """The lines of a streamed report, each made in `language`: the response is read after the
    view has returned, outside the request's own language."""
    lines = iter(lines)
    while True:
        with translation.override(language):
            line = next(lines, None)
        if line is None:
            return
        yield line


def report(request, fmt: str, filterset_class, make=None):
    """Exactly the filtered list as a report for people (`agreements.reports`), in the reader's
    language or the one `lang` names; `make(filterset)` makes another kind of report of it."""
    if fmt not in REPORT_FORMATS:
        raise Http404(_("Reports come as XLSX or CSV."))
    languages = dict(settings.LANGUAGES)
    language = request.GET.get("lang") or translation.get_language()
    if language not in languages:
        message = _("lang: there is no “%(language)s” interface; use one of %(languages)s.")
        return plain_text(message % {"language": language, "languages": ", ".join(languages)})
    with translation.override(language):
        filterset = filterset_class(request.GET)
        if not filterset.is_valid():
            return plain_text("\n".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()))
        made = make(filterset) if make else Report(filterset, request.user)
        if fmt == "csv":
            content_type = "text/csv; charset=utf-8"
            response = StreamingHttpResponse(worded_in(language, made.csv_lines()), content_type=content_type)
        else:
            workbook = made.workbook(limit=settings.EXPORT_MAX_ROWS)
            if workbook is None:
                message = _("XLSX reports stop at %(limit)s rows. Narrow the filters or download the CSV report.")
                return plain_text(message % {"limit": f"{settings.EXPORT_MAX_ROWS:,}"})
            response = HttpResponse(workbook, content_type=SafeXLSX().get_content_type())
        response["Content-Disposition"] = f'attachment; filename="{made.file_name(fmt)}"'
        response["Content-Language"] = language
    return response


@export_required
def memorandum_report(request, fmt: str):
    return report(request, fmt, MemorandumFilter)


@export_required
def visit_report(request, fmt: str):
    return report(request, fmt, VisitFilter)


@export_required
def commitment_report(request, fmt: str):
    return report(request, fmt, CommitmentFilter)


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
def institution_list(request):
    return list_page(request, InstitutionFilter, "agreements/institution_list.html")


@browse_required
def institution_detail(request, slug: str):
    institution = get_object_or_404(Institution.objects.for_detail(), slug=slug)
    return render(request, "agreements/institution_detail.html", {"institution": institution})


@browse_required
def commitment_detail(request, slug: str):
    commitment = get_object_or_404(Commitment.objects.for_detail(), slug=slug)
    context = {"commitment": commitment, "status_history": commitment.status_history()}
    return render(request, "agreements/commitment_detail.html", context)


@browse_required
def person_detail(request, slug: str):
    person = get_object_or_404(Person.objects.for_detail(), slug=slug)
    context = {"person": person, "visits": person.visits_with_role(), "signatures": person.signatures_made()}
    return render(request, "agreements/person_detail.html", context)


@browse_required
def sector_list(request):
    # Counting each sector's records scans the archive's links: kept until the records change.
    sectors = cached("sector-tree", lambda: Sector.objects.tree())
    return render(request, "agreements/sector_list.html", {"sectors": sectors})


SECTOR_RECORDS_SHOWN = 10  # of each kind; the rest are on the lists filtered by the sector


@browse_required
def sector_detail(request, slug: str):
    sector = get_object_or_404(Sector.objects.select_related("parent__parent").with_counts(), slug=slug)
    counts = Commitment.objects.in_sector(slug).count_by_status()
    context = {
        "sector": sector,
        "above": sector.self_and_above()[:0:-1],  # read through the joined parents, top first
        "children": sector.children.with_counts(),
        "memoranda": Memorandum.objects.in_sector(slug)
        .newest_first()
        .select_related("country_a", "country_b")[:SECTOR_RECORDS_SHOWN],
        "visits": Visit.objects.in_sector(slug)
        .newest_first()
        .select_related("host_country", "guest_country")[:SECTOR_RECORDS_SHOWN],
        "commitment_counts": [(status, label, counts.get(status, 0)) for status, label in Commitment.Status.choices],
    }
    return render(request, "agreements/sector_detail.html", context)


@browse_required
def source_list(request):
    paginator = Paginator(Source.objects.with_counts(), PAGE_SIZE)
    page, page_message = requested_page(request, paginator)
    context = {"page": page, "page_message": page_message}
    return render(request, "agreements/source_list.html", context, status=400 if page_message else 200)


@browse_required
def source_detail(request, slug: str):
    source = get_object_or_404(Source.objects.for_detail(), slug=slug)
    return render(request, "agreements/source_detail.html", {"source": source})


def requested_map(request, data, *, crop: bool = False) -> dict:
    """The world map asked for: the measure (`show`), the filters of its list (`data`) and the map."""
    show = ShowForm(request.GET)
    measure = show.measure()
    filterset = measure.filterset(data, today=datetime.date.today())
    query = {name: data.getlist(name) for name in data}
    return {
        "show_form": show,
        "filter": filterset,
        "filter_fields": [filterset.form[name] for name in MAP_FILTERS],
        "map": world_map(measure, filterset, query, crop=crop),
    }


@browse_required
def world_map_page(request):
    context = requested_map(request, request.GET) | {"report_formats": REPORT_FORMATS}
    status = 400 if context["show_form"].errors or context["filter"].errors else 200
    return render(request, "agreements/world_map.html", context, status=status)


@export_required
def world_map_report(request, fmt: str):
    """The numbers behind the map as a report: a row per country."""
    show = ShowForm(request.GET)
    if show.errors:
        return plain_text("\n".join(f"{name}: {' '.join(errors)}" for name, errors in show.errors.items()))
    measure = show.measure()
    query = {name: request.GET.getlist(name) for name in request.GET}

    def make(filterset):
        return MapReport(filterset, request.user, measure, world_map(measure, filterset, query)["rows"])

    return report(request, fmt, measure.filterset, make)


@browse_required
def country_detail(request, code: str):
    country = get_object_or_404(Country, code=code.upper())
    code = country.code.code
    partners_map = requested_map(request, QueryDict(f"country={code}"), crop=True)
    context = cached("country-summary", lambda: country_summary(country), code) | {
        "map": partners_map["map"],
        "show_form": partners_map["show_form"],
        "country": country,
        "memoranda": Memorandum.objects.involving(code).for_list().newest_first()[:10],
        "visits": Visit.objects.involving(code).for_list().newest_first()[:10],
        "institutions": Institution.objects.of_country(code),
    }
    status = 400 if partners_map["show_form"].errors else 200
    return render(request, "agreements/country_detail.html", context, status=status)


def country_summary(country: Country) -> dict:
    """The country's figures over its whole history, counted in the database: its partners, its
    memoranda and visits, its commitments by status, overdue, and made and kept per year."""
    code = country.code.code
    commitments = Commitment.objects.involving(code)
    return {
        "partners": country.partners(),
        "memorandum_count": Memorandum.objects.involving(code).count(),
        "visit_count": Visit.objects.involving(code).count(),
        "commitment_counts": commitments.count_by_status(),
        "overdue_count": commitments.overdue().count(),
        "fulfilment_chart": fulfilment_chart(commitments.made_and_kept_per_year()),
    }


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
        .with_responsible()
        .order_by(F("due_latest").asc(nulls_last=True), "title", "pk")
    )
    return {
        "pair": f"{timeline.country.code.code}-{timeline.partner.code.code}",
        "visit_count": timeline.visit_count,
        "memorandum_count": timeline.memorandum_count,
        "unresolved": list(unresolved[:open_shown]),
        "unresolved_count": unresolved.count(),
        "overdue_count": commitments.overdue(today).count(),
        "fulfilment_chart": fulfilment_chart(commitments.made_and_kept_per_year()),
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
    as_of = InForceOnForm(request.GET)
    today = datetime.date.today()
    in_force_day = as_of.day(today)
    in_force = Memorandum.objects.between(country, other).in_force_on(in_force_day, today)
    in_force_shown = list(in_force.chronological()[: DOSSIER_IN_FORCE + 1])  # counted only if there are more
    context = summary | {
        "country": country,
        "partner": other,
        "page": page,
        "page_message": page_message,
        "timeline": page.object_list,
        "as_of": as_of,
        "in_force_day": in_force_day,
        "in_force_day_in_words": describe(in_force_day.isoformat()),
        "in_force": in_force_shown[:DOSSIER_IN_FORCE],
        "in_force_count": len(in_force_shown) if len(in_force_shown) <= DOSSIER_IN_FORCE else in_force.count(),
    }
    status = 400 if page_message or as_of.errors else 200
    return render(request, "agreements/pair_detail.html", context, status=status)


@browse_required
def pair_brief(request, code: str, partner: str):
    """The whole history, oldest first, for printing: the figures, open commitments and the events
    at a glance on the first page, then each event in full, then the sources."""
    country, other = pair_of(code, partner)
    timeline = PairTimeline(country, other, newest_first=False)
    context = cached_pair_summary(timeline, open_shown=None) | {
        "country": country,
        "partner": other,
        "timeline": timeline[:],
        "sources": timeline.sources(),
    }
    return render(request, "agreements/pair_brief.html", context)


def compared(request, code: str) -> dict:
    """The comparison asked for: the country, its form with the partners and filters, and their figures."""
    options = compare_options()
    names = dict(options["countries"])
    code = code.upper()
    if code not in names:
        raise Http404(_("There is no such country in the tracker."))
    form = CompareForm(request.GET, code=code, countries=options["countries"], sectors=options["sectors"])
    choices = form.choices()
    columns = comparison(code, choices, datetime.date.today())
    return {
        "code": code,
        "country_name": names[code],
        "form": form,
        "columns": columns,
        "partners": [(entry.code, names.get(entry.code, entry.code)) for entry in columns],
        "rows": comparison_rows(code, columns, choices),
    }


@browse_required
def country_compare(request, code: str):
    context = compared(request, code)
    chart = partners_fulfilment_chart(context["columns"])
    names = dict(context["partners"])
    multiples = [entry | {"name": names[entry["code"]]} for entry in small_multiples(context["columns"], chart)]
    context |= {
        "chart": chart,
        "multiples": multiples,
        "query": request.GET.urlencode(),
        "export_formats": COMPARISON_FORMATS,
    }
    status = 400 if context["form"].errors else 200
    return render(request, "agreements/country_compare.html", context, status=status)


COMPARISON_FORMATS = ["csv", "xlsx"]


@export_required
def country_compare_export(request, code: str, fmt: str):
    """The comparison table as CSV or XLSX: one row per figure, one column per partner."""
    if fmt not in COMPARISON_FORMATS:
        raise Http404(_("The comparison comes as CSV or XLSX."))
    context = compared(request, code)
    if context["form"].errors:
        lines = [f"{name}: {' '.join(errors)}" for name, errors in context["form"].errors.items()]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    dataset = tablib.Dataset(headers=[_("Group"), _("Figure"), *(name for _code, name in context["partners"])])
    dataset.title = _("Comparison")
    group = ""
    for row in context["rows"]:
        group = row.group or group
        dataset.append([group, row.label, *(value for value, _link in row.cells)])
    file_format = EXPORT_FORMATS[fmt]()
    response = HttpResponse(file_format.export_data(dataset), content_type=file_format.get_content_type())
    basename = f"comparison-{context['code']}-{datetime.date.today()}"
    response["Content-Disposition"] = f'attachment; filename="{basename}.{fmt}"'
    return response


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
