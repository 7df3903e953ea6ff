"""Calendar subscriptions: visits and deadlines as all-day events, never on an invented day."""

from __future__ import annotations

import datetime

import icalendar
import pytest
import recurring_ical_events
import reversion
from django.test import Client
from django.urls import reverse

from agreements.calendars import all_day_span
from agreements.models import FeedToken, Follow, Visit
from tests import factories

D = datetime.date


@pytest.mark.parametrize(
    "edtf, expected",
    [
        ("2025-10-06", (D(2025, 10, 6), D(2025, 10, 7), None)),
        ("2025-10-06/2025-10-07", (D(2025, 10, 6), D(2025, 10, 8), None)),
        ("2025-10", (D(2025, 10, 1), D(2025, 11, 1), "October 2025")),
        ("2025-22", (D(2025, 6, 1), D(2025, 9, 1), "summer 2025")),
        ("2025-10-06?", (D(2025, 10, 6), D(2025, 10, 7), "6 Oct 2025 (uncertain)")),
        ("2025-05~", (D(2025, 5, 1), D(2025, 6, 1), "about May 2025")),
        ("2025", None),
        ("2024/2025", None),
        ("2025-10-06/..", None),
        ("", None),
    ],
)
def test_a_date_becomes_an_all_day_event_spanning_exactly_its_bounds_or_none(db, edtf, expected):
    from agreements.fuzzydates import FuzzyDate

    fuzzy = FuzzyDate.parse(edtf)
    assert all_day_span(fuzzy.edtf, fuzzy.earliest, fuzzy.latest) == expected


@pytest.fixture
def key(viewer_user) -> str:
    return FeedToken.objects.for_user(viewer_user).key


def calendar_of(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.content
    return icalendar.Calendar.from_ical(response.content)


def test_the_calendar_has_held_and_planned_visits_and_open_deadlines(chain, key):
    factories.VisitFactory(title="Cancelled talks", status="cancelled", date="2025-11-03")
    factories.VisitFactory(title="Planned visit", status="planned", date="2025-12")
    calendar = calendar_of(Client().get("/calendar.ics", {"token": key, "from": "2024-01-01"}))
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    assert "State visit of the Sultan of Oman to Belarus" in events
    assert "Belarus–Oman business forum" in events
    assert events["Planned visit (December 2025)"]["status"] == "TENTATIVE"
    assert "Cancelled talks" not in events
    assert events["Due: Run a joint training programme for oncologists (June 2026)"]["url"].endswith(
        "/commitments/oncology-training/"
    )
    assert not any(title.startswith("Due: Start telemedicine") for title in events)  # due "2027": a year
    assert calendar["x-wr-calname"] == "Cooperation tracker"  # the dates narrow it, and are not its name


def test_an_updated_visit_keeps_its_uid_so_calendars_update_it_in_place(chain, key):
    def state_visit_event():
        calendar = calendar_of(Client().get("/calendar.ics", {"token": key, "pair": "BY-OM", "from": "2025-01-01"}))
        return next(event for event in calendar.walk("VEVENT") if "Sultan" in str(event["summary"]))

    before = state_visit_event()
    visit = Visit.objects.get(slug="state-visit-belarus-2025")
    with reversion.create_revision():
        visit.title, visit.date = "State visit of the Sultan of Oman", "2025-10-06/2025-10-08"
        visit.save()
    after = state_visit_event()
    assert str(after["uid"]) == str(before["uid"]) == f"visit-{visit.pk}@127.0.0.1"
    assert (str(after["summary"]), after.decoded("dtend")) == ("State visit of the Sultan of Oman", D(2025, 10, 9))
    assert "last-modified" in after


def test_a_calendar_imports_into_a_calendar_library_without_an_invented_day(chain, key):
    calendar = calendar_of(Client().get("/calendar.ics", {"token": key, "from": "2024-01-01"}))
    on_forum_days = recurring_ical_events.of(calendar).between(D(2024, 8, 26), D(2024, 8, 30))
    assert "Belarus–Oman business forum" in {str(event["summary"]) for event in on_forum_days}
    for event in recurring_ical_events.of(calendar).between(D(2024, 1, 1), D(2031, 1, 1)):
        assert isinstance(event.decoded("dtstart"), datetime.date)
        assert not isinstance(event.decoded("dtstart"), datetime.datetime)  # all-day, never a time


def test_without_from_or_to_the_calendar_starts_a_year_ago(chain, key):
    factories.VisitFactory(title="Long ago", date="2001-05-04")
    today = datetime.date.today()
    factories.VisitFactory(title="Last month", status="held", date=(today - datetime.timedelta(days=30)).isoformat())
    titles = {str(e["summary"]) for e in calendar_of(Client().get("/calendar.ics", {"token": key})).walk("VEVENT")}
    assert "Last month" in titles and "Long ago" not in titles


def test_a_follows_calendar_has_only_what_it_follows(chain, key, viewer_user):
    follow = Follow.of_subject("search", list_name="visits", query="kind=state&from=2025-01-01")
    follow.user = viewer_user
    follow.save()
    address = reverse("agreements:follow-calendar", args=[follow.pk])
    events = calendar_of(Client().get(address, {"token": key})).walk("VEVENT")
    assert [str(event["summary"]) for event in events] == ["State visit of the Sultan of Oman to Belarus"]


def test_a_bad_calendar_parameter_is_reported_by_its_name(chain, key):
    response = Client().get("/calendar.ics", {"token": key, "from": "yesterday"})
    assert response.status_code == 400
    assert "from: Enter a date as YYYY-MM-DD" in response.content.decode()


def test_the_calendar_reads_a_fixed_number_of_queries_then_comes_from_the_cache(
    crowded, key, django_assert_num_queries
):
    # 1 the key with its user, 2 their permissions; 1 the data version; 1 the visits, 1 the commitments
    # (the filters' options are read only for a filter given).
    with django_assert_num_queries(6):
        first = Client().get("/calendar.ics", {"token": key, "from": "2010-01-01"})
    # The same calendar again, while the records have not changed: the key, permissions, data version.
    with django_assert_num_queries(4):
        again = Client().get("/calendar.ics", {"token": key, "from": "2010-01-01"})
    assert again.content == first.content
    factories.VisitFactory(title="Entered since", date="2025-03-03")
    assert b"Entered since" in Client().get("/calendar.ics", {"token": key, "from": "2010-01-01"}).content
