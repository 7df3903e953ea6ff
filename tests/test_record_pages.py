"""The pages of the records that are not lists of visits, memoranda or commitments: institutions,
people, sectors, sources, and each commitment."""

import reversion
from django.urls import reverse

from agreements.models import Commitment, Person, Source
from tests import factories

INSTITUTIONS = reverse("agreements:institution-list")


def test_the_institution_list_counts_what_each_institution_did(client, chain):
    html = client.get(INSTITUTIONS).content.decode()
    assert "4 institutions" in html
    row = html.split('href="/institutions/sqccrc/"')[1].split("</tr>")[0]
    # Party to the cancer centres' memorandum, at the forum and the state visit, responsible for the training.
    assert [cell.split("<")[0] for cell in row.split('class="num wide-only">')[1:]] == ["1", "2", "1"]
    assert "1 memorandum · 2 visits · 1 commitment" in row  # the same, under the name on a phone


def test_the_institution_list_is_searched_and_filtered_by_country_and_kind(client, chain):
    response = client.get(INSTITUTIONS, {"country": "om", "kind": "hospital"})
    assert [i.slug for i in response.context["page"].object_list] == ["sqccrc"]
    html = response.content.decode()
    assert "Oman (1)" in html and "Belarus (1)" in html  # each country counted with the kind applied
    assert "ministry (1)" in html  # each kind counted with the country applied
    found = client.get(INSTITUTIONS, {"q": "Министерство"}).context["page"].object_list
    assert [i.slug for i in found] == ["moh-belarus"]


def test_a_bad_filter_on_the_institution_list_is_named_not_a_failure(client, chain):
    response = client.get(INSTITUTIONS, {"country": "XX"})
    assert response.status_code == 400
    assert "There is no country “XX” in the tracker." in response.content.decode()


def test_the_institution_list_query_count_does_not_grow_with_rows(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # 1 country choices; 1 the data version, 1 total and facet counts (one UNION ALL of the count,
    # countries, kinds);
    # 1 the page's keys, 1 those institutions with country joined and memoranda, visits and
    # commitments counted, 1 their names in other languages.
    with django_assert_max_num_queries(10):
        response = client.get(INSTITUTIONS, {"country": "BY"})
    assert response.status_code == 200
    assert "32 institutions" in response.content.decode()


def test_a_person_page_tells_each_visit_by_the_part_played(client, chain, django_assert_max_num_queries):
    minister = Person.objects.get(name="Hilal Al Sabti")
    # 4 for the signed-in user, then: 1 the person with institution and country, 1 their names in
    # other languages, 1 their institution's, 1 sources; 1 visits with the part played, 1 memoranda
    # signed + 1 the names of the institutions signed for.
    with django_assert_max_num_queries(11):
        html = client.get(minister.get_absolute_url()).content.decode()
    forum = html.split("Belarus–Oman business forum")[1].split("</li>")[0]
    assert "host or person met" in forum  # Oman's minister received the delegation in Muscat
    state_visit = html.split("State visit of the Sultan of Oman to Belarus")[1].split("</li>")[0]
    assert "in the delegation" in state_visit
    assert "Memorandum of understanding between the health ministries of Belarus and Oman" in html
    assert "for <bdi>Ministry of Health of Oman</bdi>" in html


def test_visit_and_memorandum_pages_link_to_the_people_named(client, chain):
    html = client.get(chain["forum"].get_absolute_url()).content.decode()
    assert 'href="/people/aleksandr-khodjaev/"' in html  # the delegation's leader
    assert 'href="/people/hilal-al-sabti/"' in html  # the host met


def test_the_sector_list_is_a_tree_counting_records_below_each_sector(client, chain, django_assert_max_num_queries):
    # 4 for the signed-in user, 1 the data version, then 1 every sector with its records counted
    # (kept in the cache until the records change).
    with django_assert_max_num_queries(6):
        response = client.get(reverse("agreements:sector-list"))
    sectors = response.context["sectors"]
    assert [(s.slug, s.depth) for s in sectors] == [("healthcare", 0), ("oncology", 1), ("trade", 0)]
    health = sectors[0]
    # Both memoranda (one in oncology, below it), each once, and the two visits.
    assert (health.memorandum_count, health.visit_count) == (2, 2)
    factories.MemorandumFactory(country_a=chain["belarus"], country_b=chain["oman"]).sectors.set([chain["oncology"]])
    with django_assert_max_num_queries(6):
        health = client.get(reverse("agreements:sector-list")).context["sectors"][0]
    assert health.memorandum_count == 3
    with django_assert_max_num_queries(5):
        client.get(reverse("agreements:sector-list"))


def test_a_sector_page_shows_its_children_and_the_records_in_it(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user, then: 1 the sector with its parents joined and its records counted,
    # 1 the sectors below it with theirs, 1 latest memoranda, 1 latest visits, 1 commitments by status;
    # 1 whether the user follows the sector.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("agreements:sector-detail", args=["healthcare"]))
    html = response.content.decode()
    assert 'href="/sectors/oncology/"' in html
    assert '<input type="hidden" name="target" value="healthcare">' in html  # follow the sector
    assert "Memorandum on cooperation between the national cancer centres of Belarus and Oman" in html
    sector = response.context["sector"]
    listed = client.get(reverse("agreements:memorandum-list"), {"sector": "healthcare"})
    assert sector.memorandum_count == listed.context["page"].paginator.count


def test_a_subsector_page_leads_back_up_the_tree(client, chain):
    html = client.get(reverse("agreements:sector-detail", args=["oncology"])).content.decode()
    breadcrumbs = html.split('class="breadcrumbs"')[1].split("</nav>")[0]
    assert 'href="/sectors/"' in breadcrumbs and 'href="/sectors/healthcare/"' in breadcrumbs


def test_the_source_list_counts_the_records_each_supports(client, chain, django_assert_max_num_queries):
    # 4 for the signed-in user, then: 1 the sources counted, 1 a page of them with their records counted.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("agreements:source-list"))
    counts = {source.title: source.record_count for source in response.context["page"].object_list}
    assert counts["Belarus and Oman hold business forum in Muscat"] == 1


def test_a_source_page_lists_every_record_it_supports(client, crowded, django_assert_max_num_queries):
    source = Source.objects.get(title="Belarus and Oman hold business forum in Muscat")
    commitment = Commitment.objects.get(slug="prepare-health-mou")
    commitment.sources.add(source)
    institution = factories.InstitutionFactory(name="Oman News Agency", country=crowded["oman"])
    institution.sources.add(source)
    # 4 for the signed-in user, then: 1 the source; its 1 memoranda, 1 visits, 1 commitments + 3 who
    # answers for them (institutions, their names, countries), 1 institutions + 1 their names, 1 people
    # + 1 their names.
    with django_assert_max_num_queries(15):
        html = client.get(source.get_absolute_url()).content.decode()
    assert "Belarus–Oman business forum" in html
    assert 'href="/commitments/prepare-health-mou/"' in html
    assert "Oman News Agency" in html
    assert 'href="/sources/' in client.get(crowded["forum"].get_absolute_url()).content.decode()


def test_a_commitment_page_shows_origin_owner_due_date_and_what_kept_it(client, chain, django_assert_max_num_queries):
    commitment = Commitment.objects.get(slug="oncology-training")
    # 4 for the signed-in user, then: 1 the commitment with origin, its countries and keeper joined;
    # 1 responsible institutions + 1 their names + 1 responsible countries, 1 sectors, 1 sources;
    # 1 the commitment model's content type (once a process), 1 its versions in the history.
    with django_assert_max_num_queries(12):
        html = client.get(commitment.get_absolute_url()).content.decode()
    assert "Memorandum on cooperation between the national cancer centres of Belarus and Oman" in html
    assert 'href="/institutions/sqccrc/"' in html and 'href="/institutions/alexandrov-cancer-centre/"' in html
    assert "June 2026" in html
    kept = client.get(Commitment.objects.get(slug="link-cancer-centres").get_absolute_url()).content.decode()
    assert 'href="/memoranda/cancer-centres-mou-2025/"' in kept.split("Kept by")[1]


def test_a_commitment_page_shows_its_status_history(client, chain):
    commitment = Commitment.objects.get(slug="telemedicine")
    for status in ("open", "in-progress", "in-progress", "lapsed"):
        with reversion.create_revision():
            commitment.status = status
            commitment.save()
    history = client.get(commitment.get_absolute_url()).context["status_history"]
    assert [change.status for change in history] == ["open", "in-progress", "lapsed"]


def test_lists_name_who_answers_for_each_commitment(client, chain):
    html = client.get(reverse("agreements:commitment-list")).content.decode()
    row = html.split('href="/commitments/oncology-training/"')[1].split("</tr>")[0]
    assert "Responsible:" in row and "Sultan Qaboos Comprehensive Cancer Care and Research Centre" in row
    visit = client.get(chain["forum"].get_absolute_url()).content.decode()
    assert "No responsible party recorded" in visit.split('id="commitment-joint-commission-session"')[1]
    memorandum = client.get(chain["centres_mou"].get_absolute_url()).content.decode()
    assert "Responsible:" in memorandum.split('id="commitment-oncology-training"')[1].split("</li>")[0]
    dossier = client.get("/countries/BY/OM/").content.decode()
    assert "Responsible:" in dossier.split('id="commitment-oncology-training"')[1].split("</li>")[0]


def test_the_main_navigation_leads_to_institutions_and_sectors_and_the_footer_to_sources(client, chain):
    html = client.get("/").content.decode()
    nav = html.split('class="site-nav"')[1].split("</nav>")[0]
    assert 'href="/institutions/"' in nav and 'href="/sectors/"' in nav
    assert 'href="/sources/"' in html.split('class="site-footer"')[1]
