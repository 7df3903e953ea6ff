import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from agreements.fuzzydates import FuzzyDate, describe
from agreements.models import Memorandum, Visit
from tests import factories


@pytest.mark.parametrize(
    ("edtf", "earliest", "latest", "words"),
    [
        ("2025-10-06", "2025-10-06", "2025-10-06", "6 Oct 2025"),
        ("2025-10", "2025-10-01", "2025-10-31", "October 2025"),
        ("2025-22", "2025-06-01", "2025-08-31", "summer 2025"),
        ("2025-23", "2025-09-01", "2025-11-30", "autumn 2025"),
        ("2024-08-26/2024-08-29", "2024-08-26", "2024-08-29", "26–29 Aug 2024"),
        ("2025-08-30/2025-09-02", "2025-08-30", "2025-09-02", "30 Aug – 2 Sep 2025"),
        ("2025", "2025-01-01", "2025-12-31", "2025"),
        ("2025-05~", "2025-05-01", "2025-05-31", "about May 2025"),
        ("2025?", "2025-01-01", "2025-12-31", "2025 (uncertain)"),
    ],
)
def test_it_keeps_bounds_and_words_of_each_precision(edtf, earliest, latest, words):
    fuzzy = FuzzyDate.parse(edtf)
    assert fuzzy.earliest == datetime.date.fromisoformat(earliest)
    assert fuzzy.latest == datetime.date.fromisoformat(latest)
    assert describe(edtf) == words


def test_an_unknown_date_has_no_bounds_and_says_so():
    fuzzy = FuzzyDate.parse("")
    assert (fuzzy.earliest, fuzzy.latest) == (None, None)
    assert describe("") == "date not given"


def test_an_open_interval_invents_no_bound():
    assert FuzzyDate.parse("2025-10-06/..").latest is None
    assert FuzzyDate.parse("../2025").earliest is None


@pytest.mark.parametrize("bad", ["yesterday", "2025-13", "06.10.2025"])
def test_it_rejects_what_is_not_edtf(bad):
    with pytest.raises(ValidationError, match="not an EDTF date"):
        FuzzyDate.parse(bad)


def test_it_rejects_an_interval_that_ends_before_it_starts():
    with pytest.raises(ValidationError, match="ends before it starts"):
        FuzzyDate.parse("2024-08-29/2024-08-26")


def test_saving_keeps_bounds_in_sync(forum):
    forum.date = "2025-22"
    forum.save()
    forum.refresh_from_db()
    assert (forum.date_earliest, forum.date_latest) == (datetime.date(2025, 6, 1), datetime.date(2025, 8, 31))
    forum.date = ""
    forum.save()
    forum.refresh_from_db()
    assert (forum.date_earliest, forum.date_latest) == (None, None)


def test_records_order_by_their_earliest_day_with_unknown_dates_last(belarus, oman):
    for title, signed in [("autumn", "2025-23"), ("unknown", ""), ("day", "2025-10-06"), ("year", "2024")]:
        factories.MemorandumFactory(title=title, signed=signed, country_a=belarus, country_b=oman)
    assert [m.title for m in Memorandum.objects.chronological()] == ["year", "autumn", "day", "unknown"]
    assert [m.title for m in Memorandum.objects.all()] == ["day", "autumn", "year", "unknown"]


def test_visits_order_chronologically(belarus, oman):
    factories.VisitFactory(title="later", date="2025-10-06/2025-10-07", host_country=belarus, guest_country=oman)
    factories.VisitFactory(title="earlier", date="2024-08", host_country=oman, guest_country=belarus)
    assert [v.title for v in Visit.objects.chronological()] == ["earlier", "later"]


@pytest.mark.parametrize(
    ("edtf", "russian", "arabic"),
    [
        ("2025-10-06", "6 октября 2025", "6 أكتوبر 2025"),
        ("2025-10", "октябрь 2025", "أكتوبر 2025"),
        ("2025-22", "лето 2025", "صيف 2025"),
        ("2025-24", "зима 2025", "شتاء 2025"),
        ("2024-08-26/2024-08-29", "26–29 августа 2024", "26–29 أغسطس 2024"),
        ("2025-08-30/2025-09-02", "30 августа – 2 сентября 2025", "30 أغسطس – 2 سبتمبر 2025"),
        ("2025", "2025", "2025"),
        ("2025-05~", "май 2025 (примерно)", "نحو مايو 2025"),
        ("2025?", "2025 (неточно)", "2025 (غير مؤكد)"),
        ("2025-10-06/..", "6 октября 2025 и позже", "ابتداءً من 6 أكتوبر 2025"),
        ("../2025", "2025 и ранее", "حتى 2025"),
        ("", "дата не указана", "التاريخ غير محدد"),
    ],
)
def test_it_words_dates_in_russian_and_arabic(edtf, russian, arabic):
    with translation.override("ru"):
        assert describe(edtf) == russian
    with translation.override("ar"):
        assert describe(edtf) == arabic


def test_validation_messages_are_translated():
    with translation.override("ru"), pytest.raises(ValidationError, match="не дата в формате EDTF"):
        FuzzyDate.parse("вчера")
