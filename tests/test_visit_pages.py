from importlib import import_module

from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from agreements.models import Visit
from tests.factories import PersonFactory

LIST = reverse("agreements:visit-list")


def test_the_visit_list_shows_guest_host_and_date(client, chain):
    html = client.get(LIST).content.decode()
    assert "State visit of the Sultan of Oman to Belarus" in html
    assert "Oman → Belarus" in html
    assert "6–7 Oct 2025" in html


def test_the_visit_list_query_count_does_not_grow_with_rows(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # 3 choices (sectors, countries, institutions); 1 total and facet counts (one UNION ALL of the
    # count, 2 country sides, institutions, kind, status, overdue), 1 sector rows;
    # 1 the page's keys, 1 its visits (countries and leader joined, commitments counted), 1 prefetch sectors.
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert response.status_code == 200
    assert "32 visits" in response.content.decode()


def test_a_visit_page_shows_delegation_memoranda_and_commitments(client, chain):
    html = client.get(chain["state_visit"].get_absolute_url()).content.decode()
    assert "Haitham bin Tarik" in html
    assert "Sultan of Oman" in html
    assert "Hilal Al Sabti" in html
    assert "N. N. Alexandrov National Cancer Centre" in html
    assert "Memorandum on cooperation between the national cancer centres of Belarus and Oman" in html


def test_a_visit_page_keeps_the_delegation_apart_from_the_hosts(client, chain):
    html = client.get(chain["forum"].get_absolute_url()).content.decode()
    delegation, hosts = html.split('id="hosts-heading"')
    delegation = delegation.split('id="delegation-heading"')[1]
    assert "Aleksandr Khodjaev" in delegation  # Belarus's minister led the delegation to Muscat
    assert "Hilal Al Sabti" not in delegation
    assert "Hilal Al Sabti" in hosts.split("</section>")[0]  # Oman's minister received it


def test_the_seeded_forum_lists_omans_health_minister_among_the_hosts(db):
    call_command("seed", verbosity=0)
    forum = Visit.objects.get(slug="by-om-forum-muscat-2024")
    assert set(forum.participants.values_list("slug", flat=True)) == {"krasny", "bogdanov"}
    assert list(forum.people_met.values_list("slug", flat=True)) == ["al-sabti"]


def test_the_migration_moves_the_host_countrys_participants_to_the_people_met(chain):
    forum = chain["forum"]
    host, guest = PersonFactory(country=forum.host_country), PersonFactory(country=forum.guest_country)
    forum.people_met.clear()
    forum.participants.set([host, guest])

    import_module("agreements.migrations.0008_visit_people_met").hosts_to_people_met(apps, None)

    assert list(forum.participants.all()) == [guest]
    assert list(forum.people_met.all()) == [host]


def test_a_forum_page_shows_what_kept_its_commitments(client, chain):
    html = client.get(chain["forum"].get_absolute_url()).content.decode()
    assert 'id="commitment-prepare-health-mou"' in html
    assert "kept by" in html
    assert "Memorandum of understanding between the health ministries of Belarus and Oman" in html
    assert "Belarus and Oman hold business forum in Muscat" in html


def test_the_visit_page_query_count_does_not_grow_with_rows(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # 1 visit with countries and leader (and the leader's institution) joined; prefetches: 1 sectors,
    # 1 sources, 1 leader's names in other languages, 1 participants with institution + 1 their names,
    # 1 people met with institution + 1 their names, 1 institutions with country + 1 their names,
    # 1 memoranda signed there with countries, 1 their signatories with institution, 1 commitments made
    # there with fulfillers, 1 their responsible institutions + 1 their names + 1 responsible countries,
    # 1 commitments it kept with their origins + the same three for who answers for them.
    with django_assert_max_num_queries(23):
        response = client.get(crowded["state_visit"].get_absolute_url())
    assert response.status_code == 200
    with django_assert_max_num_queries(23):
        response = client.get(crowded["forum"].get_absolute_url())
    assert response.status_code == 200


def test_a_visit_in_several_cities_names_them_all_on_its_page_and_in_the_list(client, forum):
    from django.utils import translation

    forum.city = "Muscat|Salalah | Muscat"
    forum.save()
    assert forum.city == "Muscat | Salalah", "each city once, in the order given"

    for page in (forum.get_absolute_url(), LIST):
        assert "Muscat and Salalah" in client.get(page).content.decode()
    with translation.override("ru"):
        assert forum.cities_in_words == "Muscat и Salalah"
