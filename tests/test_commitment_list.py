from django.urls import reverse

LIST = reverse("agreements:commitment-list")


def test_commitments_link_to_their_page_origin_and_keeper(client, chain):
    html = client.get(LIST).content.decode()
    assert 'href="/commitments/prepare-health-mou/"' in html
    assert 'href="/visits/forum-muscat-2024/"' in html
    assert "Kept by" in html
    assert 'data-status="overdue"' in html


def test_the_commitment_list_query_count_does_not_grow_with_rows(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # 3 choices (sectors, countries, institutions); 1 total and facet counts (one UNION ALL of the
    # count, 4 country paths: visit host and guest, memorandum sides; institutions, made at, status,
    # overdue), 1 sector rows; 1 the page's keys, 1 its commitments with origin, countries and keeper joined,
    # 1 their responsible institutions + 1 those institutions' names + 1 responsible countries.
    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"status": "fulfilled", "sort": "-title"})
    assert response.status_code == 200


def test_made_at_counts_visits_and_memoranda(client, chain):
    html = client.get(LIST).content.decode()
    assert "a visit (3)" in html
    assert "a memorandum (2)" in html
