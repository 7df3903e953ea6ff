import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from agreements.fuzzydates import FORM_HELP, FuzzyDate, describe, parsed_edtf, words
from agreements.models import Memorandum, Visit
from tests import factories
from tests.strategies import EDTF


@pytest.fixture(autouse=True)
def english():
    """Not whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


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


@settings(max_examples=300, deadline=None)
@given(value=EDTF)
def test_every_edtf_value_is_either_refused_with_a_message_or_has_bounds_and_words(value):
    try:
        fuzzy = FuzzyDate.parse(value)
    except ValidationError as refusal:
        assert value in refusal.messages[0]
        return
    assert fuzzy.earliest is None or fuzzy.latest is None or fuzzy.earliest <= fuzzy.latest
    for language in ("en", "ru", "ar"):
        with translation.override(language):
            assert words(parsed_edtf(value)) == describe(value)


@pytest.mark.parametrize(
    ("edtf", "earliest", "latest", "words_en"),
    [
        ("XXXX-02-01", None, None, "1 February, year unknown"),
        ("2025-XX", "2025-01-01", "2025-12-31", "2025"),
        ("196X", "1960-01-01", "1969-12-31", "the 1960s"),
        ("19XX", "1900-01-01", "1999-12-31", "some year 1900–1999"),
        ("156X-12-25", "1560-12-25", "1569-12-25", "25 December, the 1560s"),
        ("2004-XX-15", "2004-01-15", "2004-12-15", "day 15 of a month not known, 2004"),
        ("[2009,2010]", "2009-01-01", "2010-12-31", "2009 or 2010"),
        ("{2009,2010}", "2009-01-01", "2010-12-31", "2009 and 2010"),
        ("[1667,1668,1670..1672]", "1667-01-01", "1672-12-31", "1667, 1668 or 1670 – 1672"),
        ("[..2009]", None, "2009-12-31", "2009 or earlier"),
        ("[2009-12..]", "2009-12-01", None, "December 2009 or later"),
        ("2025-21", "2025-03-01", "2025-05-31", "spring 2025"),
        ("2025-33", "2025-01-01", "2025-03-31", "first quarter of 2025"),
        ("2025-40", "2025-01-01", "2025-06-30", "first half of 2025"),
        ("2025-29", "2025-09-01", "2025-11-30", "spring 2025 (southern hemisphere)"),
        ("2020/..", "2020-01-01", None, "from 2020"),
        ("2020/", "2020-01-01", None, "from 2020, end unknown"),
        ("../2020", None, "2020-12-31", "until 2020"),
        ("/2020", None, "2020-12-31", "until 2020, start unknown"),
        ("2020%", "2020-01-01", "2020-12-31", "perhaps about 2020"),
        ("2004-?06-11", "2004-06-11", "2004-06-11", "11 Jun 2004 (partly uncertain)"),
        ("1950S2", "1900-01-01", "1999-12-31", "about 1950 (1900–1999)"),
        ("1985-04-12T23:20:30", "1985-04-12", "1985-04-12", "12 Apr 1985, 23:20:30"),
    ],
)
def test_it_words_and_bounds_every_kind_of_edtf_value(edtf, earliest, latest, words_en):
    fuzzy = FuzzyDate.parse(edtf)
    assert fuzzy.earliest == (datetime.date.fromisoformat(earliest) if earliest else None)
    assert fuzzy.latest == (datetime.date.fromisoformat(latest) if latest else None)
    assert describe(edtf) == words_en


@pytest.mark.parametrize("edtf", ["Y170000002", "-0001", "0000", "2021-02-29", "../Y170000002"])
def test_it_refuses_what_it_cannot_place_in_the_calendar(edtf):
    with pytest.raises(ValidationError, match=re.escape(f"“{edtf}”")):
        FuzzyDate.parse(edtf)


@pytest.mark.parametrize(
    ("edtf", "russian", "arabic"),
    [
        ("XXXX-02-01", "1 февраля, год неизвестен", "1 فبراير، السنة غير معروفة"),
        ("2025-33", "первый квартал 2025", "الربع الأول من 2025"),
        ("[2009,2010]", "2009 или 2010", "2009 أو 2010"),
        ("{2009,2010}", "2009 и 2010", "2009 و2010"),
        ("196X", "1960-е годы", "عقد 1960"),
    ],
)
def test_it_words_the_new_kinds_in_russian_and_arabic(edtf, russian, arabic):
    with translation.override("ru"):
        assert describe(edtf) == russian
    with translation.override("ar"):
        assert describe(edtf) == arabic


@pytest.mark.parametrize(
    ("typed", "edtf"),
    [
        ("18 Feb 2019", "2019-02-18"),
        ("February 18th, 2019", "2019-02-18"),
        ("18 февраля 2019 г.", "2019-02-18"),
        ("١٨ فبراير ٢٠١٩", "2019-02-18"),
        ("18.02.2019", "2019-02-18"),
        ("18/02/2019", "2019-02-18"),
        ("February 2019", "2019-02"),
        ("14 تشرين الأول 2019", "2019-10-14"),
        ("summer 2025", "2025-22"),
        ("лето 2025", "2025-22"),
        ("летом 2025 года", "2025-22"),
        ("صيف 2025", "2025-22"),
        ("في صيف عام 2025", "2025-22"),
        ("Q1 2025", "2025-33"),
        ("2022–2025", "2022/2025"),
        ("2022-2025", "2022/2025"),
        ("с 2022 по 2025", "2022/2025"),
        ("26–29 Aug 2024", "2024-08-26/2024-08-29"),
        ("30 Aug – 2 Sep 2025", "2025-08-30/2025-09-02"),
        ("from 2020", "2020/.."),
        ("until 2020", "../2020"),
        ("about 2027", "2027~"),
        ("около 2027", "2027~"),
        ("حوالي 2027", "2027~"),
        ("perhaps 2027", "2027?"),
        ("1 February, year unknown", "XXXX-02-01"),
        ("1 февраля, год неизвестен", "XXXX-02-01"),
        ("1 فبراير، السنة غير معروفة", "XXXX-02-01"),
        ("2025-10-06", "2025-10-06"),
        (datetime.datetime(2019, 2, 18), "2019-02-18"),
        (datetime.datetime(2019, 2, 18, 14, 30), "2019-02-18T14:30:00"),
        (datetime.date(2019, 2, 18), "2019-02-18"),
        (2019, "2019"),
        (2019.0, "2019"),
    ],
)
def test_it_reads_dates_as_people_and_spreadsheets_write_them(typed, edtf):
    assert FuzzyDate.read(typed).edtf == edtf


def test_an_example_copied_from_the_arabic_help_with_its_direction_marks_is_read():
    with translation.override("ar"):
        help_text = str(FORM_HELP)
    # Each EDTF example is isolated left to right (U+2066 … U+2069); a reader's copy keeps the marks.
    copied = re.findall("\u200f?\u2066[^\u2069]+\u2069", help_text)
    assert len(copied) == 4
    assert [FuzzyDate.read(example).edtf for example in copied] == [
        "2019-02-18",
        "2025-22",
        "2024-08-26/2024-08-29",
        "2025~",
    ]


@pytest.mark.parametrize(
    "edtf",
    ["2025-10-06", "2025-10", "2025-22", "2025", "2025~", "2025?", "XXXX-02-01", "2022/2025", "2020/..", "../2020"],
)
@pytest.mark.parametrize("language", ["en", "ru", "ar"])
def test_what_it_shows_it_reads_back(edtf, language):
    with translation.override(language):
        assert FuzzyDate.read(describe(edtf)).edtf == edtf


def test_an_ambiguous_date_is_refused_with_both_readings():
    with pytest.raises(ValidationError) as refusal:
        FuzzyDate.read("03/04/2019")
    assert "“03/04/2019” may be 4 Mar 2019 or 3 Apr 2019" in refusal.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("6 October", "“6 October” gives no year"),
        ("the sixth of Octember", "“the sixth of Octember” is not an EDTF date or a date in words"),
        ("31 Feb 2019", "does not exist"),
    ],
)
def test_it_refuses_what_it_cannot_read_with_a_message(typed, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        FuzzyDate.read(typed)


def test_a_form_field_of_a_fuzzy_date_reads_words_and_stores_edtf():
    field = Memorandum._meta.get_field("signed").formfield()
    assert field.clean("summer 2025") == "2025-22"
    assert field.clean("") == ""
    with pytest.raises(ValidationError, match="may be"):
        field.clean("03/04/2019")


DATE_WORDS = st.sampled_from(
    ["18", "2019", "Feb", "февраля", "فبراير", "summer", "лето", "صيف", "Q1", "–", "-", "/", ".", ",", "about", "около"]
    + ["حوالي", "from", "until", "с", "по", "year unknown", "год неизвестен", "(uncertain)", "и позже", "03/04/2019"]
)


@settings(max_examples=300, deadline=None)
@given(typed=st.one_of(st.text(max_size=60), st.lists(DATE_WORDS, max_size=6).map(" ".join)))
def test_whatever_is_typed_is_read_as_a_date_that_can_be_shown_or_refused_with_a_message(typed):
    try:
        fuzzy = FuzzyDate.read(typed)
    except ValidationError as refusal:
        assert refusal.messages[0]
        return
    assert fuzzy == FuzzyDate.parse(fuzzy.edtf)
