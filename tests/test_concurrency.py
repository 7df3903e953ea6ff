"""Two editors on one record: the later save is refused, with both values shown, never silently
overwriting the earlier one."""

from __future__ import annotations

import pytest
from django.test import Client

from agreements.models import Memorandum
from tests.test_history import change_url, form_data


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_superuser("alice", "alice@example.org", "unused")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_superuser("bob", "bob@example.org", "unused")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_form(client, obj) -> dict:
    response = client.get(change_url(obj))
    assert response.status_code == 200
    return form_data(response)


def errors_on_page(response) -> list[str]:
    form = response.context["adminform"].form
    return [str(error) for error in form.non_field_errors()]


def test_the_second_save_is_refused_and_shows_theirs_and_yours(alice, bob, memorandum):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, memorandum), open_form(as_bob, memorandum)

    bobs_form["title"] = "Cancer centres MoU (Bob's wording)"
    assert as_bob.post(change_url(memorandum), bobs_form).status_code == 302

    alices_form["summary"] = "Alice adds a summary."
    response = as_alice.post(change_url(memorandum), alices_form)

    assert response.status_code == 200
    errors = errors_on_page(response)
    assert errors[0].startswith("bob changed this record at ")
    assert errors[1:] == ["Title — theirs: “Cancer centres MoU (Bob's wording)”; yours: “Cancer centres MoU”"]
    assert response.context["adminform"].form.errors["title"] == [
        "Changed by someone else to “Cancer centres MoU (Bob's wording)”."
    ]
    memorandum.refresh_from_db()
    assert memorandum.title == "Cancer centres MoU (Bob's wording)"
    assert memorandum.summary == ""

    # Having seen the difference, Alice takes Bob's title and saves again.
    again = form_data(response)
    again["title"] = "Cancer centres MoU (Bob's wording)"
    assert as_alice.post(change_url(memorandum), again).status_code == 302
    memorandum.refresh_from_db()
    assert (memorandum.title, memorandum.summary) == ("Cancer centres MoU (Bob's wording)", "Alice adds a summary.")


def test_saving_the_refused_form_again_keeps_the_second_editors_values(alice, bob, memorandum):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, memorandum), open_form(as_bob, memorandum)
    bobs_form["signed_at"] = "Muscat"
    as_bob.post(change_url(memorandum), bobs_form)

    alices_form["signed_at"] = "Minsk"
    refused = as_alice.post(change_url(memorandum), alices_form)
    assert "Signed at (city) — theirs: “Muscat”; yours: “Minsk”" in errors_on_page(refused)

    assert as_alice.post(change_url(memorandum), form_data(refused)).status_code == 302
    memorandum.refresh_from_db()
    assert memorandum.signed_at == "Minsk"


def test_a_change_to_a_list_of_related_records_is_noticed(alice, bob, memorandum, oncology):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, memorandum), open_form(as_bob, memorandum)
    bobs_form["sectors"] = [str(oncology.pk)]
    assert as_bob.post(change_url(memorandum), bobs_form).status_code == 302

    response = as_alice.post(change_url(memorandum), alices_form)
    assert "Sectors — theirs: “Oncology”; yours: “—”" in errors_on_page(response)
    assert list(memorandum.sectors.all()) == [oncology]


def test_a_change_made_outside_the_admin_is_noticed_too(alice, memorandum):
    as_alice = client_for(alice)
    alices_form = open_form(as_alice, memorandum)
    Memorandum.objects.filter(pk=memorandum.pk).update(title="Renamed by a script")

    response = as_alice.post(change_url(memorandum), alices_form)
    errors = errors_on_page(response)
    assert errors[0].startswith("Someone changed this record after you opened it.")
    assert "Title — theirs: “Renamed by a script”; yours: “Cancer centres MoU”" in errors


def test_both_editors_making_the_same_change_is_no_conflict(alice, bob, memorandum):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, memorandum), open_form(as_bob, memorandum)
    bobs_form["signed_at"] = alices_form["signed_at"] = "Muscat"
    assert as_bob.post(change_url(memorandum), bobs_form).status_code == 302
    assert as_alice.post(change_url(memorandum), alices_form).status_code == 302


def test_an_uncontested_save_goes_through(alice, memorandum):
    as_alice = client_for(alice)
    form = open_form(as_alice, memorandum)
    form["title"] = "Retitled"
    assert as_alice.post(change_url(memorandum), form).status_code == 302
    memorandum.refresh_from_db()
    assert memorandum.title == "Retitled"


def test_a_forged_version_is_refused(alice, memorandum):
    as_alice = client_for(alice)
    form = open_form(as_alice, memorandum)
    form["loaded_state"] = "eyJwayI6MX0:forged:signature"
    form["title"] = "Sneaky"
    response = as_alice.post(change_url(memorandum), form)
    assert response.status_code == 200
    assert "damaged" in errors_on_page(response)[0]
    memorandum.refresh_from_db()
    assert memorandum.title == "Cancer centres MoU"


def test_other_record_types_are_protected_too(alice, bob, ministry_by):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, ministry_by), open_form(as_bob, ministry_by)
    bobs_form["website"] = "https://minzdrav.gov.by"
    assert as_bob.post(change_url(ministry_by), bobs_form).status_code == 302
    response = as_alice.post(change_url(ministry_by), alices_form)
    assert response.status_code == 200
    assert any(error.startswith("Website — theirs: “https://minzdrav.gov.by”") for error in errors_on_page(response))
