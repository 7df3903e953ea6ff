"""Calendar subscriptions (iCalendar, written with the icalendar library): held and planned visits
and the deadlines of open commitments, for the whole tracker (/calendar.ics, narrowed by the list
parameters sector, country, pair, institution, q, from and to) and for each follow.

A calendar never invents a day. A day or a range of days is an all-day event on exactly those days.
A month or a season ("summer 2025") is an all-day event spanning exactly its bounds, with the date
in words in its title. A year, anything longer than a season, an open interval or an unknown date
is left out. Each event keeps its UID from one download to the next, so a subscribed calendar
updates it in place.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .access import feed_access
from .alerts import site_host
from .caching import cached
from .feeds import reader_language
from .filters import CommitmentFilter, VisitFilter
from .fuzzydates import describe
from .models import Commitment, Follow, Visit
from .news import last_saved

# A day ("2025-10-06") or a range of days ("2025-10-06/2025-10-07"), with no qualifier.
EXACT_DAYS = re.compile(r"\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?")
LONGEST_VAGUE_SPAN = 92  # days: a season at most; a year is left out
CALENDAR_EVENTS = 500  # of each kind, the latest first
DAYS_BACK = 365  # without `from` or `to`: the past year and everything ahead
CALENDAR_PARAMETERS = ("sector", "country", "pair", "institution", "q", "from", "to")


def all_day_span(edtf: str, earliest: datetime.date | None, latest: datetime.date | None):
    """(first day, the day after the last, the date in words for the title or None) of the all-day
    event a fuzzy date becomes, or None when it is left out (see the module's docstring)."""
    if not (edtf and earliest and latest):
        return None
    if EXACT_DAYS.fullmatch(edtf):
        return earliest, latest + datetime.timedelta(days=1), None
    if (latest - earliest).days + 1 > LONGEST_VAGUE_SPAN:
        return None
    return earliest, latest + datetime.timedelta(days=1), describe(edtf)


def in_window(queryset, params: QueryDict, date_field: str):
    """Without `from` or `to`, only what may fall in the past year or later."""
    if params.get("from") or params.get("to"):
        return queryset
    since = timezone.localdate() - datetime.timedelta(days=DAYS_BACK)
    return queryset.filter(**{f"{date_field}_latest__gte": since})


def calendar_events(visits, commitments, params: QueryDict) -> list[Event]:
    """The events of `visits` (held and planned) and of `commitments` (open or in progress, by their
    due date); three queries."""
    host, now, site = site_host(), timezone.now(), settings.SITE_URL
    events = []
    visits = in_window(visits.filter(status__in=[Visit.Status.HELD, Visit.Status.PLANNED]), params, "date")
    visits = visits.annotate(changed_at=last_saved(Visit)).order_by("-date_earliest", "-pk")
    for visit in visits.select_related("host_country", "guest_country")[:CALENDAR_EVENTS]:
        span = all_day_span(visit.date, visit.date_earliest, visit.date_latest)
        if span is None:
            continue
        first, after_last, words = span
        title = f"{visit.title} ({words})" if words else visit.title
        event = event_of(f"visit-{visit.pk}@{host}", title, first, after_last, now, visit.changed_at)
        event.add("status", "CONFIRMED" if visit.status == Visit.Status.HELD else "TENTATIVE")
        event.add("categories", [str(visit.get_kind_display())])
        if visit.city:
            event.add("location", visit.cities_in_words)
        url = f"{site}{visit.get_absolute_url()}"
        event.add("url", url)
        event.add("description", "\n\n".join(filter(None, [visit.summary, url])))
        events.append(event)
    commitments = in_window(commitments.unresolved(), params, "due")
    commitments = commitments.annotate(changed_at=last_saved(Commitment)).order_by("-due_earliest", "-pk")
    for commitment in commitments.select_related("origin_visit", "origin_memorandum")[:CALENDAR_EVENTS]:
        span = all_day_span(commitment.due, commitment.due_earliest, commitment.due_latest)
        if span is None:
            continue
        first, after_last, words = span
        title = _("Due: %(title)s") % {"title": commitment.title}
        title = f"{title} ({words})" if words else title
        event = event_of(f"commitment-{commitment.pk}@{host}", title, first, after_last, now, commitment.changed_at)
        event.add("categories", [str(Commitment._meta.verbose_name)])
        url = f"{site}{commitment.get_absolute_url()}"
        event.add("url", url)
        made_at = _("Made at %(origin)s.") % {"origin": commitment.origin}
        event.add("description", "\n\n".join(filter(None, [commitment.details, made_at, url])))
        events.append(event)
    return events


def event_of(uid: str, title: str, first, after_last, now, changed_at) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    if changed_at:
        event.add("last-modified", changed_at)
    event.add("summary", title)
    event.add("dtstart", first)
    event.add("dtend", after_last)
    event.add("transp", "TRANSPARENT")  # all-day records: they take no time out of anyone's day
    return event


def calendar_response(name: str, events, *key) -> HttpResponse:
    """The calendar `name` of `events()`, kept in the cache until the records change (calendar
    programs ask again every few hours, and writing thousands of events takes a while)."""
    content = cached("calendar", lambda: calendar_file(name, events()), name, timezone.localdate(), *key)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return response


def calendar_file(name: str, events: list[Event]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Cooperation tracker//Visits and deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", datetime.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def bad_parameters(*filtersets) -> HttpResponse | None:
    errors = {name: messages for filterset in filtersets for name, messages in filterset.errors.items()}
    if not errors:
        return None
    lines = [f"{name}: {' '.join(messages)}" for name, messages in errors.items()]
    return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


@feed_access
def tracker_calendar(request):
    """/calendar.ics: every held and planned visit and open deadline, narrowed by the list parameters."""
    with translation.override(reader_language(request)):
        params = QueryDict(mutable=True)
        for key in CALENDAR_PARAMETERS:
            if request.GET.get(key):
                params[key] = request.GET[key]
        visits = VisitFilter(params, queryset=Visit.objects.all())
        commitments = CommitmentFilter(params, queryset=Commitment.objects.all())
        if refused := bad_parameters(visits, commitments):
            return refused
        narrowed = urlencode([(key, value) for key, value in params.items() if key not in ("from", "to")])
        name = f"{_('Cooperation tracker')}: {narrowed}" if narrowed else _("Cooperation tracker")
        return calendar_response(
            name,
            lambda: calendar_events(visits.qs, commitments.qs, params),
            params.urlencode(),
            translation.get_language(),
        )


@feed_access
def follow_calendar(request, pk: int):
    """The calendar of one of the user's follows."""
    if request.user.is_anonymous:
        raise Http404
    follow = get_object_or_404(Follow.objects.of(request.user), pk=pk)
    with translation.override(reader_language(request)):
        visits = follow.records(Visit) if follow.covers(Visit) else Visit.objects.none()
        commitments = follow.records(Commitment) if follow.covers(Commitment) else Commitment.objects.none()
        name = f"{follow.title} · {_('Cooperation tracker')}"
        return calendar_response(
            name,
            lambda: calendar_events(visits, commitments, follow.params()),
            follow.kind,
            follow.commitment_id,
            follow.params().urlencode(),
            translation.get_language(),
        )
