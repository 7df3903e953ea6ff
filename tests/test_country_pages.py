import re

from django.urls import reverse


def test_a_country_page_lists_partners_and_activity(client, chain):
    html = client.get(reverse("agreements:country-detail", args=["by"])).content.decode()
    assert "Partners" in html
    assert 'href="/countries/BY/OM/"' in html
    assert "Ministry of Health of the Republic of Belarus" in html


def test_an_unknown_country_is_not_found(client, chain):
    assert client.get("/countries/XX/").status_code == 404
    assert client.get("/countries/BY/XX/").status_code == 404
    assert client.get("/countries/BY/BY/").status_code == 404


def test_the_dossier_is_one_chronological_timeline(client, chain):
    html = client.get(reverse("agreements:pair-detail", args=["OM", "BY"])).content.decode()
    order = [
        "Belarus–Oman business forum",
        "Memorandum of understanding between the health ministries",
        "State visit of the Sultan of Oman to Belarus",
        "Memorandum on cooperation between the national cancer centres",
    ]
    titles = re.findall(r'class="timeline__title"><a href="[^"]+">([^<]+)</a>', html)
    assert [next(t for t in order if title.startswith(t)) for title in titles] == order
    assert "Open commitments" in html
    assert 'href="/countries/OM/BY/brief/"' in html


def test_the_brief_is_printable(client, chain):
    html = client.get(reverse("agreements:pair-brief", args=["BY", "OM"])).content.decode()
    assert 'class="brief"' in html
    assert "Brief as of" in html
    assert "Chronology" in html


def test_country_pages_query_counts_do_not_grow_with_rows(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # Country: 1 country, 2 partner tallies (memoranda, visits) + 1 partner countries, 1 latest memoranda
    # + 1 their sectors, 1 memoranda count, 1 latest visits + 1 their sectors, 1 visits count,
    # 1 commitments by status, 1 overdue count, 1 institutions.
    with django_assert_max_num_queries(17):
        assert client.get("/countries/BY/").status_code == 200
    # Dossier: 2 countries; visits + 1 sectors + 1 leaders' names in other languages + 1 commitments
    # + 1 memoranda signed there + 1 commitments kept; memoranda + 1 sectors + 1 commitments
    # + 1 commitments kept + 1 signatories + 1 institutions + 1 their names in other languages.
    with django_assert_max_num_queries(19):
        assert client.get("/countries/BY/OM/").status_code == 200
    with django_assert_max_num_queries(19):
        assert client.get("/countries/BY/OM/brief/").status_code == 200


def test_an_institution_page_lists_its_memoranda_visits_and_commitments(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # 1 institution with country and parent; prefetches: 1 alternative names, 1 units, 1 people
    # + 1 their names in other languages,
    # 1 sources, 1 memoranda, 1 visits, 1 commitments it is responsible for.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("agreements:institution-detail", args=["sqccrc"]))
    html = response.content.decode()
    assert "Memorandum on cooperation between the national cancer centres of Belarus and Oman" in html
    assert "State visit of the Sultan of Oman to Belarus" in html
    assert "Run a joint training programme for oncologists" in html
