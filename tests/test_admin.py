"""Every admin page of every tracker model renders for a superuser."""

import pytest
from django.apps import apps
from django.urls import reverse

from agreements.models import Commitment, InstitutionName, Memorandum, Signatory
from tests import factories

TRACKER_MODELS = [
    model
    for model in apps.get_app_config("agreements").get_models()
    if model.__name__ in {"Country", "Sector", "Source", "Institution", "Person", "Visit", "Memorandum", "Commitment"}
]


@pytest.fixture
def full_chain(memorandum, forum, ministry_by, ministry_om, oncology):
    person = factories.PersonFactory(name="Aleksandr Khodzhayev", country=ministry_by.country, institution=ministry_by)
    InstitutionName.objects.create(institution=ministry_by, name="Министерство здравоохранения", language="ru")
    Signatory.objects.create(memorandum=memorandum, institution=ministry_by, person=person)
    memorandum.sectors.add(oncology)
    memorandum.sources.add(factories.SourceFactory())
    factories.CommitmentFactory(origin_visit=forum).sectors.add(oncology)
    return memorandum


@pytest.mark.parametrize("model", TRACKER_MODELS, ids=lambda m: m.__name__)
def test_list_add_and_change_pages_render(admin_client, full_chain, model):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert admin_client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"{prefix}_add")).status_code == 200
    obj = model.objects.first()
    assert admin_client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200
    assert admin_client.get(reverse(f"{prefix}_import")).status_code == 200
    assert admin_client.get(reverse(f"{prefix}_export")).status_code == 200


def test_list_filters_by_country_year_and_sector(admin_client, full_chain, oncology):
    url = reverse("admin:agreements_memorandum_changelist")
    response = admin_client.get(url, {"country": "OM", "year": "2025", "sectors__id__exact": oncology.pk})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [full_chain]
    response = admin_client.get(url, {"year": "1999"})
    assert list(response.context["cl"].result_list) == []


def test_search_finds_a_memorandum_by_a_partys_alternative_name(admin_client, full_chain):
    url = reverse("admin:agreements_memorandum_changelist")
    response = admin_client.get(url, {"q": "Министерство"})
    assert list(response.context["cl"].result_list) == [full_chain]


def test_country_autocomplete_matches_the_name(admin_client, belarus, oman):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "oma", "app_label": "agreements", "model_name": "memorandum", "field_name": "country_a"},
    )
    assert [item["text"] for item in response.json()["results"]] == ["Oman"]


def test_an_admin_enters_a_memorandum_with_its_signatory_and_commitment(
    admin_client, belarus, oman, forum, ministry_by
):
    response = admin_client.post(
        reverse("admin:agreements_memorandum_add"),
        {
            "title": "MoU on healthcare",
            "slug": "",
            "kind": "mou",
            "status": "signed",
            "legally_binding": "unknown",
            "country_a": belarus.pk,
            "country_b": oman.pk,
            "signed": "2025-22",
            "signed_at": "Minsk",
            "visit": forum.pk,
            "valid_until": "",
            "summary": "Framework for cooperation in healthcare.",
            "signatories-TOTAL_FORMS": "1",
            "signatories-INITIAL_FORMS": "0",
            "signatories-0-institution": ministry_by.pk,
            "outgoing_relations-TOTAL_FORMS": "0",
            "outgoing_relations-INITIAL_FORMS": "0",
            "commitments-TOTAL_FORMS": "1",
            "commitments-INITIAL_FORMS": "0",
            "commitments-0-title": "Train Omani doctors in Belarus",
            "commitments-0-status": "open",
            "commitments-0-due": "2026",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    memo = Memorandum.objects.get(title="MoU on healthcare")
    assert (memo.slug, memo.signed_earliest.isoformat(), memo.signed_latest.isoformat()) == (
        "mou-on-healthcare",
        "2025-06-01",
        "2025-08-31",
    )
    assert list(memo.parties.all()) == [ministry_by]
    assert Commitment.objects.get(origin_memorandum=memo).due == "2026"


def memorandum_form(belarus, oman, title: str, signed: str) -> dict:
    return {
        "title": title,
        "kind": "mou",
        "status": "signed",
        "legally_binding": "unknown",
        "country_a": belarus.pk,
        "country_b": oman.pk,
        "signed": signed,
        "signatories-TOTAL_FORMS": "0",
        "signatories-INITIAL_FORMS": "0",
        "outgoing_relations-TOTAL_FORMS": "0",
        "outgoing_relations-INITIAL_FORMS": "0",
        "commitments-TOTAL_FORMS": "0",
        "commitments-INITIAL_FORMS": "0",
    }


def test_a_bad_fuzzy_date_is_reported_on_its_field(admin_client, belarus, oman):
    response = admin_client.post(
        reverse("admin:agreements_memorandum_add"), memorandum_form(belarus, oman, "Bad date", "6 October")
    )
    assert response.status_code == 200
    assert "“6 October” gives no year" in str(response.context["adminform"].form.errors["signed"])
    assert not Memorandum.objects.filter(title="Bad date").exists()


def test_a_date_typed_in_words_is_stored_as_edtf(admin_client, belarus, oman):
    response = admin_client.post(
        reverse("admin:agreements_memorandum_add"), memorandum_form(belarus, oman, "In words", "летом 2025 года")
    )
    assert response.status_code == 302
    memo = Memorandum.objects.get(title="In words")
    assert (memo.signed, memo.signed_earliest.isoformat()) == ("2025-22", "2025-06-01")


def test_an_ambiguous_date_is_refused_on_its_field_with_both_readings(admin_client, belarus, oman):
    response = admin_client.post(
        reverse("admin:agreements_memorandum_add"), memorandum_form(belarus, oman, "Ambiguous", "03/04/2019")
    )
    assert "may be 4 Mar 2019 or 3 Apr 2019" in str(response.context["adminform"].form.errors["signed"])


def test_deleting_a_sector_in_use_is_refused_with_the_records_named(admin_client, forum, oncology):
    forum.sectors.add(oncology)
    response = admin_client.post(reverse("admin:agreements_sector_delete", args=[oncology.pk]), {"post": "yes"})
    assert response.status_code == 200
    assert "Cannot delete sector" in response.content.decode()
    assert f'Visit: <a href="{reverse("admin:agreements_visit_change", args=[forum.pk])}">Belarus-Oman forum</a>' in (
        response.content.decode()
    )
    assert forum.sectors.filter(pk=oncology.pk).exists()
