"""Joint bodies of two countries: an institution with a second country belongs to both."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements.models import Institution, Memorandum, Person
from tests import factories
from tests.test_import import confirm, write_csv
from tests.test_import_keys import preview, problems


@pytest.fixture
def commissions(belarus, oman):
    russia = factories.CountryFactory(code="RU")
    with_oman = factories.InstitutionFactory(
        name="Intergovernmental commission", slug="igc-by-om", country=belarus, second_country=oman
    )
    with_russia = factories.InstitutionFactory(
        name="Intergovernmental commission", slug="igc-by-ru", country=belarus, second_country=russia
    )
    return with_oman, with_russia


def test_a_joint_body_is_listed_under_both_its_countries(client, commissions):
    with_oman, with_russia = commissions
    html = client.get(reverse("agreements:country-detail", args=["OM"])).content.decode()
    assert with_oman.get_absolute_url() in html
    assert with_russia.get_absolute_url() not in html

    response = client.get(reverse("agreements:institution-list"), {"country": "OM"})
    assert [institution.slug for institution in response.context["page"].object_list] == ["igc-by-om"]
    counts = response.context["filter"].facet_counts()["country"]
    assert (counts["BY"], counts["OM"], counts["RU"]) == (2, 1, 1)

    html = client.get(with_oman.get_absolute_url()).content.decode()
    assert "Belarus" in html
    assert "Oman" in html


def test_the_second_country_must_differ_from_the_first(belarus):
    institution = Institution(name="Commission", kind="joint-body", country=belarus, second_country=belarus)
    with pytest.raises(ValidationError) as refused:
        institution.full_clean()
    assert refused.value.message_dict["second_country"] == ["The second country must differ from the first."]


def test_names_are_looked_up_under_either_country_of_a_joint_body(admin_client, tmp_path, commissions):
    header = ["name", "institution", "country"]
    rows = [["Secretary of the commission", "Intergovernmental commission", "Oman"]]
    response = preview(admin_client, "person", write_csv(tmp_path / "p.csv", header, rows))
    assert problems(response) == {}
    assert confirm(admin_client, "person", response).status_code == 302
    assert Person.objects.get().institution.slug == "igc-by-om"

    header = ["title", "kind", "country_a", "country_b", "parties", "signed"]
    rows = [["Protocol of the session", "protocol", "RU", "OM", "moh-oman|Intergovernmental commission", "2025"]]
    factories.InstitutionFactory(
        name="Ministry of Health of Oman", slug="moh-oman", country=commissions[0].second_country
    )
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", header, rows))
    assert problems(response) == {}
    assert confirm(admin_client, "memorandum", response).status_code == 302
    assert {party.slug for party in Memorandum.objects.get().parties.all()} == {"moh-oman", "igc-by-om"}


def test_the_second_country_imports_and_exports_in_its_column(admin_client, tmp_path, belarus, oman):
    header = ["name", "country", "second_country", "kind"]
    rows = [["Joint commission on trade", "Belarus", "Оман", "joint body"], ["Embassy", "BY", "BY", "embassy"]]
    response = preview(admin_client, "institution", write_csv(tmp_path / "i.csv", header, rows))
    assert problems(response)[(3, "second_country")][1] == "The second country must differ from the first."

    response = preview(admin_client, "institution", write_csv(tmp_path / "i.csv", header, rows[:1]))
    assert confirm(admin_client, "institution", response).status_code == 302
    assert Institution.objects.get().countries == [belarus, oman]
    from agreements.resources import InstitutionResource

    assert InstitutionResource().export().dict[0]["second_country"] == "OM"
