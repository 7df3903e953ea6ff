import datetime

from django.urls import reverse

from agreements.models import Memorandum
from tests import factories


def url(memo):
    return reverse("agreements:memorandum-detail", args=[memo.slug])


def test_it_shows_the_chain_before_and_after(client, chain):
    html = client.get(url(chain["centres_mou"])).content.decode()
    # Parties, sectors, the signing visit and the date in words.
    assert "Sultan Qaboos Comprehensive Cancer Care and Research Centre" in html
    assert "Oncology" in html
    assert "State visit of the Sultan of Oman to Belarus" in html
    assert "<bdi>6 Oct 2025</bdi>, <bdi>Minsk</bdi>" in html
    # The commitment that led to it and the forum where it was made.
    assert "Link the national cancer centres" in html
    assert "Belarus–Oman business forum" in html
    assert "26–29 Aug 2024" in html
    # The commitments it created, with their status.
    assert "Run a joint training programme for oncologists" in html
    assert 'data-status="in-progress"' in html
    # Its relation to the ministries' memorandum, and the source.
    assert "Implements" in html
    assert "Belarus and Oman sign documents during state visit" in html


def test_commitments_kept_and_made_each_show_in_their_own_section(client, chain):
    html = client.get(url(chain["centres_mou"])).content.decode()
    kept, made = html.split('id="after-heading"')
    assert "Link the national cancer centres" in kept
    assert "Link the national cancer centres" not in made
    assert "Run a joint training programme for oncologists" in made
    assert "Run a joint training programme for oncologists" not in kept


def test_related_memoranda_show_the_inverse_label_from_the_other_side(client, chain):
    html = client.get(url(chain["ministries_mou"])).content.decode()
    assert "Implemented by" in html
    assert "Memorandum on cooperation between the national cancer centres" in html


def test_signatories_are_named(client, chain):
    html = client.get(url(chain["ministries_mou"])).content.decode()
    assert (
        'signed by <a href="/people/aleksandr-khodjaev/"><bdi>Aleksandr Khodjaev</bdi></a>, Minister of Health' in html
    )


def test_the_detail_query_count_does_not_grow_with_rows(client, crowded, django_assert_max_num_queries):
    # 4 for the signed-in user (1 session, 1 user, 1 their permissions, 1 their groups' permissions), then:
    # 1 memorandum with countries and signing visit joined and dormancy annotated; prefetches:
    # 1 sectors, 1 sources, 1 signatories with institution, country and person + 2 their names in other
    # languages; 1 commitments it made or kept (origin and fulfiller joined) + 1 their responsible
    # institutions + 1 those institutions' names + 1 responsible countries, 1 relations either way.
    with django_assert_max_num_queries(15):
        response = client.get(url(crowded["centres_mou"]))
    assert response.status_code == 200
    assert response.content.decode().count('class="commitment"') >= 2


def test_an_unknown_memorandum_is_not_found(client, db):
    assert client.get("/memoranda/nothing-here/").status_code == 404


def test_a_memorandum_without_follow_up_for_a_year_is_dormant(client, belarus, oman):
    today = datetime.date.today()
    old = factories.MemorandumFactory(slug="old", signed=str(today.year - 2), country_a=belarus, country_b=oman)
    recent = factories.MemorandumFactory(slug="recent", signed=today.isoformat(), country_a=belarus, country_b=oman)
    assert set(Memorandum.objects.dormant()) == {old}
    assert Memorandum.objects.get(pk=old.pk).is_dormant
    assert not Memorandum.objects.get(pk=recent.pk).is_dormant
    assert "Dormant: nothing has followed" in client.get(url(old)).content.decode()
    assert "Dormant: nothing has followed" not in client.get(url(recent)).content.decode()


def test_any_follow_up_wakes_a_memorandum(belarus, oman):
    year = datetime.date.today().year
    kept = factories.MemorandumFactory(slug="kept", signed=str(year - 2), country_a=belarus, country_b=oman)
    factories.CommitmentFactory(origin_visit=None, origin_memorandum=kept).mark_fulfilled(
        by=factories.VisitFactory(host_country=oman, guest_country=belarus)
    )
    followed = factories.MemorandumFactory(slug="followed", signed=str(year - 2), country_a=belarus, country_b=oman)
    factories.MemorandumRelationFactory(source=factories.MemorandumFactory(), target=followed)
    visited = factories.MemorandumFactory(slug="visited", signed=str(year - 2), country_a=belarus, country_b=oman)
    ministry = factories.InstitutionFactory(country=oman)
    factories.SignatoryFactory(memorandum=visited, institution=ministry)
    factories.VisitFactory(host_country=oman, guest_country=belarus, date=str(year - 1)).institutions.add(ministry)
    terminated = factories.MemorandumFactory(
        slug="terminated", signed=str(year - 2), status="terminated", country_a=belarus, country_b=oman
    )
    dormant = Memorandum.objects.dormant()
    for memo in (kept, followed, visited, terminated):
        assert memo not in dormant
