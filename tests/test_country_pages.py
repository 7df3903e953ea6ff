import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories


def test_a_country_page_lists_partners_and_activity(client, chain):
    html = client.get(reverse("agreements:country-detail", args=["by"])).content.decode()
    assert "Partners" in html
    assert 'href="/countries/BY/OM/"' in html
    assert "Ministry of Health of the Republic of Belarus" in html
    assert "Commitments made and kept per year" in html
    assert 'href="/countries/BY/compare/"' in html


def test_a_country_pages_figures_follow_a_new_memorandum(client, chain):
    def memoranda_shown() -> str:
        html = client.get("/countries/BY/").content.decode()
        return re.search(r'<span class="stat__n">(\d+)</span> memoranda', html).group(1)

    assert memoranda_shown() == "2"
    factories.MemorandumFactory(title="Memorandum on nursing", country_a=chain["belarus"], country_b=chain["oman"])
    assert memoranda_shown() == "3"


def test_an_unknown_map_measure_on_a_country_page_is_named(client, chain):
    response = client.get("/countries/BY/?show=zz")
    assert response.status_code == 400
    assert (
        '<p class="field__error" role="alert">Select a valid choice. zz is not one of the available choices.</p>'
        in (response.content.decode())
    )


def test_an_unknown_country_is_not_found(client, chain):
    assert client.get("/countries/XX/").status_code == 404
    assert client.get("/countries/BY/XX/").status_code == 404
    assert client.get("/countries/BY/BY/").status_code == 404


def timeline_titles(html: str) -> list[str]:
    return re.findall(r'class="timeline__title"><a href="[^"]+">([^<]+)</a>', html)


def in_order(titles: list[str], order: list[str]) -> list[str]:
    return [next(t for t in order if title.startswith(t)) for title in titles]


def test_the_dossier_is_one_timeline_newest_first(client, chain):
    html = client.get(reverse("agreements:pair-detail", args=["OM", "BY"])).content.decode()
    order = [
        # The memorandum signed on the first day of the visit comes after the visit.
        "State visit of the Sultan of Oman to Belarus",
        "Memorandum on cooperation between the national cancer centres",
        "Memorandum of understanding between the health ministries",
        "Belarus–Oman business forum",
    ]
    assert in_order(timeline_titles(html), order) == order
    assert "4 events" in html
    assert "Open commitments" in html
    assert 'href="/countries/OM/BY/brief/"' in html
    assert "Commitments made and kept per year" in html
    assert 'class="pagination"' not in html


def test_the_brief_is_printable(client, chain):
    html = client.get(reverse("agreements:pair-brief", args=["BY", "OM"])).content.decode()
    assert 'class="brief"' in html
    assert "Brief as of" in html
    assert "Chronology" in html
    order = [
        "Belarus–Oman business forum",
        "Memorandum of understanding between the health ministries",
        "State visit of the Sultan of Oman to Belarus",
        "Memorandum on cooperation between the national cancer centres",
    ]
    assert in_order(timeline_titles(html), order) == order


def test_the_dossier_pages_its_timeline_and_counts_the_whole_history(client, chain):
    factories.crowd(chain, 30)  # 60 more events: 64 in all, the oldest from 2015
    html = client.get("/countries/BY/OM/").content.decode()
    assert len(timeline_titles(html)) == 25
    assert "64 events" in html
    assert "Page 1 of 3" in html
    assert 'href="?page=2" rel="next"' in html
    years = re.compile(r'class="timeline__year" aria-hidden="true">(\d+)<')
    assert "Belarus–Oman business forum" in timeline_titles(html)
    assert "2015" not in years.findall(html)
    stats = re.findall(r'class="stat__n">(\d+)<', html)
    assert stats[:2] == ["32", "32"]  # visits and memoranda over the whole history
    seen = set(timeline_titles(html))
    for number, shown in [(2, 25), (3, 14)]:
        older = client.get(f"/countries/BY/OM/?page={number}").content.decode()
        assert len(timeline_titles(older)) == shown
        assert not set(timeline_titles(older)) & seen
        seen |= set(timeline_titles(older))
        assert max(years.findall(older)) <= min(years.findall(html))
        assert re.findall(r'class="stat__n">(\d+)<', older) == stats
        assert 'rel="prev"' in older
    assert years.findall(older)[-1] == "2015"


def test_a_missing_or_garbage_dossier_page_shows_the_nearest_page(client, chain):
    for asked, message in [("9", "There is no page 9"), ("x", "is not a page number"), ("-1", "is not a page number")]:
        response = client.get(f"/countries/BY/OM/?page={asked}")
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert len(timeline_titles(html)) == 4


def test_the_dossier_lists_a_few_open_commitments_and_counts_them_all(client, chain):
    for _ in range(12):
        factories.CommitmentFactory(origin_visit=chain["forum"])
    html = client.get("/countries/BY/OM/").content.decode()
    open_count = int(re.findall(r'class="stat__n">(\d+)<', html)[2])
    assert open_count > 12
    card = html[html.index('id="open-heading"') : html.index("</section>")]
    assert card.count('class="commitment"') == 10
    assert "All commitments between the two countries" in html


def test_the_dossier_costs_the_same_queries_however_long_the_history(client, chain):
    factories.crowd(chain, 30)
    with CaptureQueriesContext(connection) as shorter:
        assert client.get("/countries/BY/OM/").status_code == 200
    factories.crowd(chain, 30)
    with CaptureQueriesContext(connection) as longer:
        html = client.get("/countries/BY/OM/").content.decode()
    assert "124 events" in html
    assert len(longer) == len(shorter)


def test_country_pages_query_counts_do_not_grow_with_rows(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # Country: 1 country; 1 the data version, and the figures (cached until a change): 2 partner
    # tallies (memoranda, visits) + 1 partner countries, 1 memoranda count, 1 visits count,
    # 1 commitments by status, 1 overdue count, 1 commitments made and kept per year; 1 latest
    # memoranda + 1 their sectors, 1 latest visits + 1 their sectors, 1 institutions; 1 whether the
    # user follows the country; the partners' map: 1 the country filter's choices, 1 the data
    # version, 1 the counts (cached until a change).
    with django_assert_max_num_queries(23):
        assert client.get("/countries/BY/").status_code == 200
    with django_assert_max_num_queries(23 - 8):
        assert client.get("/countries/BY/").status_code == 200
    # Dossier: 1 the two countries; 1 the data version, and the figures (cached until a change): 1 visits
    # counted, 1 memoranda counted, 1 open commitments shown + 3 who answers for them (responsible
    # institutions, their names, responsible countries), 1 counted, 1 overdue counted, 1 made and kept
    # per year; the page:
    # 1 its events' keys; visits + 1 leaders' names in other languages + 1 commitments made + 1
    # commitments kept + 1 memoranda signed there; memoranda + 1 commitments made + 1 commitments kept
    # + 1 signatories with their institutions + 1 their names in other languages; 3 who answers for
    # every commitment made on the page; 1 the memoranda in force today (counted apart only when there
    # are more than are shown); 1 whether the user follows the pair.
    with django_assert_max_num_queries(32):
        assert client.get("/countries/BY/OM/").status_code == 200
    # Brief: the same without the memoranda in force, read oldest first, with all the open
    # commitments, and 1 the sources.
    with django_assert_max_num_queries(31):
        assert client.get("/countries/BY/OM/brief/").status_code == 200


def test_an_institution_page_lists_its_memoranda_visits_and_commitments(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # 1 institution with country and parent; prefetches: 1 alternative names, 1 units, 1 people
    # + 1 their names in other languages,
    # 1 sources, 1 memoranda, 1 visits, 1 commitments it is responsible for + 1 all their responsible
    # institutions + 1 those institutions' names + 1 responsible countries; 1 whether the user follows it.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("agreements:institution-detail", args=["sqccrc"]))
    html = response.content.decode()
    assert "Memorandum on cooperation between the national cancer centres of Belarus and Oman" in html
    assert "State visit of the Sultan of Oman to Belarus" in html
    assert "Run a joint training programme for oncologists" in html


def test_the_country_page_lists_its_latest_visits_newest_first(client, chain):
    factories.VisitFactory(
        title="Undated talks", host_country=chain["oman"], guest_country=chain["belarus"], date="", slug="undated"
    )
    factories.VisitFactory(
        title="Talks of 2019", host_country=chain["oman"], guest_country=chain["belarus"], date="2019-05"
    )
    visits = list(client.get("/countries/OM/").context["visits"])
    assert [visit.title for visit in visits] == [
        "State visit of the Sultan of Oman to Belarus",
        "Belarus–Oman business forum",
        "Talks of 2019",
        "Undated talks",
    ]


def test_the_brief_lists_its_sources_and_prints_its_footer_in_a_css_string(client, chain):
    source = factories.SourceFactory(title='Report "quoted"; } body { display: none')
    chain["forum"].sources.add(source)
    response = client.get(reverse("agreements:pair-brief", args=["BY", "OM"]))
    html = response.content.decode()
    sources = html.split('id="sources-heading"')[1]
    assert "Report &quot;quoted&quot;; } body { display: none" in sources
    style = html.split("<style nonce=")[1].split("</style>")[0]
    footer = style.split("content:")[1].split("counter(page)")[0]
    # Every mark that could end the string or the rule is escaped in it.
    assert '"Belarus \\002013  Oman \\0000b7  printed' in footer
    assert "}" not in footer and ";" not in footer
