import datetime

import pytest
from django.db import connection
from django.http import QueryDict

from agreements.filters import CommitmentFilter, MemorandumFilter, VisitFilter
from agreements.models import Commitment, Memorandum, Visit
from tests import factories


def memoranda(**data):
    filterset = MemorandumFilter(data, queryset=Memorandum.objects.all())
    assert filterset.is_valid(), filterset.errors
    return {memo.slug for memo in filterset.qs}


def visits(**data):
    filterset = VisitFilter(data, queryset=Visit.objects.all())
    assert filterset.is_valid(), filterset.errors
    return {visit.slug for visit in filterset.qs}


def commitments(**data):
    filterset = CommitmentFilter(data, queryset=Commitment.objects.all())
    assert filterset.is_valid(), filterset.errors
    return {commitment.slug for commitment in filterset.qs}


BOTH = {"health-ministries-mou-2025", "cancer-centres-mou-2025"}


def test_a_parent_sector_includes_its_children(chain):
    assert memoranda(sector="healthcare") == BOTH
    assert memoranda(sector="oncology") == {"cancer-centres-mou-2025"}


def test_a_country_matches_either_side(chain):
    factories.MemorandumFactory(slug="om-uz", country_a=factories.CountryFactory(code="UZ"), country_b=chain["oman"])
    assert memoranda(country="OM") == BOTH | {"om-uz"}
    assert memoranda(country="uz") == {"om-uz"}


def test_a_pair_matches_in_either_order(chain):
    factories.MemorandumFactory(slug="om-uz", country_a=factories.CountryFactory(code="UZ"), country_b=chain["oman"])
    assert memoranda(pair="BY-OM") == BOTH
    assert memoranda(pair="om-by") == BOTH
    assert visits(pair="OM-BY") == {"forum-muscat-2024", "state-visit-belarus-2025"}


def test_an_institution_filters_by_party_visit_and_responsibility(chain):
    assert memoranda(institution="sqccrc") == {"cancer-centres-mou-2025"}
    assert visits(institution="moh-belarus") == {"forum-muscat-2024"}
    assert commitments(institution="sqccrc") == {"oncology-training"}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Summer 2025 is 2025-06-01..2025-08-31: a range touching it by one day finds it.
        ("2025-08-31", "2025-09-30", {"health-ministries-mou-2025"}),
        ("2025-09-01", "2025-10-05", set()),
        ("2025-10-06", "", {"cancer-centres-mou-2025"}),
        ("", "2025-06-01", {"health-ministries-mou-2025"}),
        ("2025-01-01", "2025-12-31", BOTH),
    ],
)
def test_fuzzy_dates_overlap_the_range_by_their_bounds(chain, start, end, expected):
    assert memoranda(**{"from": start, "to": end}) == expected


def test_commitments_are_dated_by_when_they_fall_due(chain):
    assert commitments(**{"from": "2026-01-01", "to": "2026-12-31"}) == {"oncology-training"}


def test_kind_and_status(chain):
    assert memoranda(kind="mou") == BOTH
    assert memoranda(status="in-force") == set()
    assert visits(kind="forum") == {"forum-muscat-2024"}
    assert commitments(kind="memorandum") == {"oncology-training", "telemedicine"}
    assert commitments(status="fulfilled") == {"prepare-health-mou", "link-cancer-centres"}


def test_overdue(chain):
    assert commitments(overdue="on") == {c.slug for c in Commitment.objects.overdue(datetime.date.today())}
    assert "joint-commission-session" in commitments(overdue="on")
    assert visits(overdue="on") == {"forum-muscat-2024"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CANCER", {"cancer-centres-mou-2025"}),
        ("pharmaceuticals", {"health-ministries-mou-2025"}),
        # Alternative names of the parties, in Russian and Arabic, in any usual case.
        ("министерство здравоохранения", {"health-ministries-mou-2025"}),
        ("МИНИСТЕРСТВО", {"health-ministries-mou-2025"}),
        ("рнпц", {"cancer-centres-mou-2025"}),
        ("وزارة الصحة", {"health-ministries-mou-2025"}),
        ("nothing like this", set()),
    ],
)
def test_free_text_search(chain, text, expected):
    assert memoranda(q=text) == expected


def test_free_text_search_on_visits_and_commitments(chain):
    assert visits(q="muscat") == {"forum-muscat-2024"}
    assert visits(q="minsk") == {"state-visit-belarus-2025"}
    assert visits(q="وزارة") == {"forum-muscat-2024"}
    assert commitments(q="oncologists") == {"oncology-training"}


def test_filters_combine(chain):
    assert memoranda(sector="healthcare", country="OM", q="ministries", status="signed") == {
        "health-ministries-mou-2025"
    }


def test_sorting(chain):
    filterset = MemorandumFilter({"sort": "date"}, queryset=Memorandum.objects.all())
    assert [m.slug for m in filterset.qs] == ["health-ministries-mou-2025", "cancer-centres-mou-2025"]
    filterset = MemorandumFilter({}, queryset=Memorandum.objects.all())
    assert [m.slug for m in filterset.qs] == ["cancer-centres-mou-2025", "health-ministries-mou-2025"]


def test_several_values_of_one_filter_combine_with_or_and_filters_with_and(belarus, oman):
    cuba = factories.CountryFactory(code="CU")
    trade, health = factories.SectorFactory(name="Trade"), factories.SectorFactory(name="Health")
    with_oman = factories.MemorandumFactory(slug="om", country_a=belarus, country_b=oman, kind="mou")
    with_cuba = factories.MemorandumFactory(slug="cu", country_a=belarus, country_b=cuba, kind="agreement")
    factories.MemorandumFactory(slug="om-cu", country_a=oman, country_b=cuba, kind="protocol")
    with_oman.sectors.add(trade)
    with_cuba.sectors.add(health)
    assert memoranda(country=["BY"], kind=["mou", "agreement"]) == {"om", "cu"}
    assert memoranda(sector=[trade.slug, health.slug], kind=["agreement"]) == {"cu"}
    filterset = MemorandumFilter(QueryDict("country=OM&country=CU"), queryset=Memorandum.objects.all())
    assert {memo.slug for memo in filterset.qs} == {"om", "cu", "om-cu"}
    # The counts beside each kind are counted with the countries applied.
    assert filterset.facet_counts()["kind"] == {"mou": 1, "agreement": 1, "protocol": 1}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's full-text rank")
def test_a_search_lists_the_best_match_first(belarus, oman):
    factories.MemorandumFactory(slug="once", title="Oncology", signed="2025-01-01")
    factories.MemorandumFactory(slug="thrice", title="Oncology oncology oncology", signed="2020-01-01")
    assert [memo.slug for memo in MemorandumFilter({"q": "oncology"}).qs] == ["thrice", "once"]
    assert [memo.slug for memo in MemorandumFilter({"q": "oncology", "sort": "-date"}).qs] == ["once", "thrice"]
