import pytest
from django.urls import reverse

from tests import factories

URL = reverse("agreements:memorandum-list")


def test_it_lists_memoranda_with_dates_in_words(client, chain):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Memorandum on cooperation between the national cancer centres of Belarus and Oman" in html
    assert "6 Oct 2025" in html
    assert "summer 2025" in html
    assert "2 memoranda" in html


def test_the_list_query_count_does_not_grow_with_rows(client, crowded, django_assert_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # 2 choices (sectors, countries); 1 the data version, 1 total and facet counts (one UNION ALL of
    # the count, sectors, 2 country sides, kind, status, legally binding, overdue, dormant); 1 the
    # page's keys, 1 those memoranda (countries, visit, dormancy and overdue joined or annotated),
    # 1 their sectors.
    with django_assert_num_queries(11):
        response = client.get(URL)
    assert response.status_code == 200
    assert "32 memoranda" in response.content.decode()


def test_a_repeated_list_page_takes_its_counts_from_the_cache(client, crowded, django_assert_num_queries):
    client.get(URL, {"sector": "healthcare"})
    # The same without the facet counts.
    with django_assert_num_queries(10):
        response = client.get(URL, {"sector": "healthcare"})
    assert response.status_code == 200


def test_a_cached_page_shows_a_new_memorandum_at_once(client, crowded):
    client.get(URL, {"sort": "title"})
    factories.MemorandumFactory(title="AAA first by title")
    assert "AAA first by title" in client.get(URL, {"sort": "title"}).content.decode()


def test_filtered_list_query_count_is_fixed_too(client, crowded, django_assert_num_queries):
    # The same eleven queries, each with the filters in its WHERE clauses.
    with django_assert_num_queries(11):
        response = client.get(
            URL,
            {"sector": "healthcare", "country": "OM", "q": "memorandum", "from": "2015-01-01", "to": "2026-01-01"},
        )
    assert response.status_code == 200


def test_pages_keep_the_filters(client, crowded):
    response = client.get(URL, {"sector": "healthcare", "sort": "title"})
    html = response.content.decode()
    assert "Page 1 of 2" in html
    assert "?sector=healthcare&amp;sort=title&amp;page=2" in html
    second = client.get(URL, {"sector": "healthcare", "sort": "title", "page": "2"})
    assert second.status_code == 200
    assert "Page 2 of 2" in second.content.decode()


def test_export_links_carry_the_filters_but_not_the_page(client, chain):
    html = client.get(URL, {"country": "OM", "page": "1"}).content.decode()
    assert 'href="/memoranda/export.csv?country=OM"' in html
    assert 'href="/memoranda/export.xlsx?country=OM"' in html


def test_each_option_shows_its_count(client, chain):
    html = client.get(URL).content.decode()
    assert "Healthcare (2)" in html
    assert "Oncology (1)" in html
    assert "Oman (2)" in html
    assert "Only dormant (" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"country": "XX"}, "There is no country “XX” in the tracker."),
        ({"from": "2025-13-45"}, "Enter a date as YYYY-MM-DD"),
        ({"page": "abc"}, "“abc” is not a page number; showing the first page."),
        ({"page": "99"}, "There is no page 99; showing the last page."),
        ({"pair": "BY-BY"}, "is not a pair of two different country codes"),
        ({"sector": "nope"}, "Select a valid choice"),
        ({"from": "2025-10-07", "to": "2025-10-01"}, "The end of the range is before its start."),
    ],
)
def test_a_bad_filter_value_is_explained_not_a_server_error(client, chain, query, message):
    response = client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_current_section_is_marked_in_the_navigation(client, chain):
    html = client.get(URL).content.decode()
    assert f'<a href="{URL}" aria-current="page">' in html


def test_a_page_holds_the_rows_of_its_place_in_the_order(client, crowded):
    from agreements.models import Memorandum

    page = [memorandum.slug for memorandum in client.get(URL, {"sort": "title", "page": "2"}).context["page"]]
    in_order = list(Memorandum.objects.order_by("title", "pk").values_list("slug", flat=True))
    assert page == in_order[25:]
    assert len(page) == 7  # 32 memoranda, 25 on the first page


def test_cached_counts_follow_a_change_at_once(client, crowded):
    from agreements.models import Sector
    from tests import factories

    def oncology_label(response) -> str:
        return dict(response.context["filter"].form.fields["sector"].choices)["oncology"]

    before = client.get(URL)
    assert "32 memoranda" in before.content.decode()
    factories.MemorandumFactory(title="One more", slug="one-more").sectors.add(Sector.objects.get(slug="oncology"))
    after = client.get(URL)
    assert "33 memoranda" in after.content.decode()
    count = int(oncology_label(before).rsplit("(", 1)[1].rstrip(")"))
    assert oncology_label(after).endswith(f"({count + 1})")
