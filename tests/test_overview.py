import datetime
import re

from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from agreements.models import Commitment
from agreements.overview import sector_chart
from tests import factories


def test_the_overview_shows_counts_latest_overdue_and_charts(client, chain):
    html = client.get(reverse("agreements:overview")).content.decode()
    assert "Cooperation at a glance" in html
    assert "Memorandum on cooperation between the national cancer centres of Belarus and Oman" in html
    assert "Hold the first session of the joint commission" in html  # overdue since June 2025
    assert "Agreements per year, by sector" in html
    assert "<summary>Show the numbers</summary>" in html
    assert 'class="chart-status-fulfilled"' in html
    assert "Belarus" in html and "Oman" in html


def test_planned_visits_are_upcoming(client, chain):
    next_year = datetime.date.today().year + 1
    factories.VisitFactory(title="Joint commission, second session", status="planned", date=str(next_year))
    html = client.get(reverse("agreements:overview")).content.decode()
    assert "Joint commission, second session" in html


def test_the_overview_query_count_does_not_grow_with_rows(client, crowded, django_assert_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions),
    # 1 the data version, then the figures: 1 commitments by status with the numbers of memoranda,
    # visits, overdue commitments and dormant memoranda (one UNION ALL), 1 commitments made and kept
    # per year, 1 per-year-and-sector chart, 1 latest memoranda, 1 overdue list, 1 due next, 1 upcoming visits,
    # 1 dormant list, 1 countries with activity, 1 memoranda per year; for each of the two lists of
    # commitments, who answers for them: 1 responsible institutions + 1 their names in other languages
    # (none in the overdue list here) + 1 responsible countries.
    with django_assert_num_queries(20):
        response = client.get(reverse("agreements:overview"))
    assert response.status_code == 200
    # Again: the figures come from the cache.
    with django_assert_num_queries(5):
        assert client.get(reverse("agreements:overview")).status_code == 200


def test_the_sector_chart_fills_empty_years_and_scales_to_the_busiest():
    rows = [(2023, "Healthcare", 2), (2025, "Healthcare", 1), (2025, None, 1), (None, "Trade", 5)]
    with translation.override("en"):  # the chart names "No sector" in the active language
        chart = sector_chart(rows, {2023: 2, 2025: 2})
    assert [bar["year"] for bar in chart["bars"]] == [2023, 2024, 2025]
    assert [bar["total"] for bar in chart["bars"]] == [2, 0, 2]
    assert [name for name, colour in chart["sectors"]] == ["Healthcare", "No sector"]
    assert chart["bars"][2]["segments"][1]["x"] == "50.00"


def test_a_bar_counts_each_memorandum_once_though_it_is_in_two_sectors(client, chain):
    factories.MemorandumFactory(
        title="Health and trade roadmap", country_a=chain["belarus"], country_b=chain["oman"], signed="2025-03"
    ).sectors.set([chain["healthcare"], factories.SectorFactory(name="Trade", slug="trade-2")])
    chart = client.get(reverse("agreements:overview")).context["sector_chart"]
    bar = next(bar for bar in chart["bars"] if bar["year"] == 2025)
    assert bar["total"] == 3  # the two memoranda of the chain and the roadmap
    assert sum(segment["n"] for segment in bar["segments"]) == 4  # the roadmap is in both segments


def test_the_open_figure_is_what_the_status_chart_and_its_link_show(client, chain):
    response = client.get(reverse("agreements:overview"))
    bars = {row["status"]: row["n"] for row in response.context["status_chart"]}
    assert response.context["open_count"] == bars["open"] + bars["in-progress"] == 3
    html = response.content.decode()
    assert 'href="/commitments/?status=open&amp;status=in-progress"><span class="stat__n">3</span>' in html
    listed = client.get(reverse("agreements:commitment-list"), {"status": ["open", "in-progress"]})
    assert listed.context["page"].paginator.count == 3


def test_the_fulfilment_chart_counts_dated_commitments_made_and_kept(client, chain):
    html = client.get(reverse("agreements:overview")).content.decode()
    assert "Commitments made and kept per year" in html
    table = html[html.index("kept them), per year</caption>") :]
    rows = re.findall(
        r'<tr><th scope="row">(\d{4})</th><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">[^<]',
        table,
    )
    dated = Q(origin_visit__date_earliest__isnull=False) | Q(origin_memorandum__signed_earliest__isnull=False)
    assert sum(int(made) for _year, made, _kept in rows) == Commitment.objects.filter(dated).count() > 0
    kept = Commitment.objects.filter(status="fulfilled").filter(
        Q(fulfilled_by_visit__date_earliest__isnull=False) | Q(fulfilled_by_memorandum__signed_earliest__isnull=False)
    )
    assert sum(int(n) for _year, _made, n in rows) == kept.count() > 0
