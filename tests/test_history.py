"""History in the admin: every change is a version naming its editor, can be reverted,
and a deleted record can be recovered with its parts."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse
from reversion.models import Version

from agreements.models import Memorandum, Signatory
from tests import factories
from tests.test_import import GOOD_ROWS, MEMORANDUM_HEADER, confirm, preview, write_csv


def form_data(response) -> dict:
    """What a browser would post back from an admin change form as it was rendered."""
    forms_on_page = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        forms_on_page += inline.formset.forms
    for form in forms_on_page:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, forms.NullBooleanSelect):
                data[key] = {True: "true", False: "false"}.get(value, "unknown")
            elif isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            elif value is not None:
                data[key] = str(value)
    return data


def change_url(obj) -> str:
    return reverse(f"admin:agreements_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def signed_memorandum(memorandum, ministry_by, ministry_om):
    Signatory.objects.create(memorandum=memorandum, institution=ministry_by)
    Signatory.objects.create(memorandum=memorandum, institution=ministry_om)
    return memorandum


def edit(client, obj, **changes):
    data = form_data(client.get(change_url(obj)))
    data.update(changes)
    return client.post(change_url(obj), data)


def test_a_change_in_the_admin_is_a_version_naming_the_editor(admin_client, admin_user, signed_memorandum):
    response = edit(admin_client, signed_memorandum, title="Cancer centres MoU (amended)")
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    [version] = Version.objects.get_for_object(signed_memorandum)
    assert version.revision.user == admin_user
    assert "Title" in version.revision.get_comment()
    assert version.field_dict["title"] == "Cancer centres MoU (amended)"
    # The memorandum's signatories are saved with it.
    assert Version.objects.get_for_model(Signatory).filter(revision=version.revision).count() == 2

    history = admin_client.get(reverse("admin:agreements_memorandum_history", args=[signed_memorandum.pk]))
    page = history.content.decode()
    assert admin_user.username in page
    assert reverse("admin:agreements_memorandum_revision", args=[signed_memorandum.pk, version.pk]) in page


def test_reverting_restores_the_old_values(admin_client, signed_memorandum, oncology):
    edit(admin_client, signed_memorandum, summary="First text.")
    first = Version.objects.get_for_object(signed_memorandum).get()
    edit(admin_client, signed_memorandum, title="Renamed", summary="Second text.", sectors=[str(oncology.pk)])
    signed_memorandum.refresh_from_db()
    assert (signed_memorandum.title, list(signed_memorandum.sectors.all())) == ("Renamed", [oncology])

    revision_url = reverse("admin:agreements_memorandum_revision", args=[signed_memorandum.pk, first.pk])
    form_page = admin_client.get(revision_url)
    assert form_page.status_code == 200
    response = admin_client.post(revision_url, form_data(form_page))
    assert response.status_code == 302

    signed_memorandum.refresh_from_db()
    assert signed_memorandum.title == "Cancer centres MoU"
    assert signed_memorandum.summary == "First text."
    assert list(signed_memorandum.sectors.all()) == []
    assert signed_memorandum.signatories.count() == 2


def test_a_deleted_memorandum_is_recovered_with_its_signatories(admin_client, admin_user, signed_memorandum):
    pk, parties = signed_memorandum.pk, set(signed_memorandum.parties.values_list("slug", flat=True))
    response = admin_client.post(
        reverse("admin:agreements_memorandum_delete", args=[pk]),
        {"post": "yes"},
    )
    assert response.status_code == 302
    assert not Memorandum.objects.filter(pk=pk).exists()
    assert not Signatory.objects.exists()

    recover_list = admin_client.get(reverse("admin:agreements_memorandum_recoverlist"))
    assert "Cancer centres MoU" in recover_list.content.decode()
    [deleted] = Version.objects.get_deleted(Memorandum)
    assert deleted.revision.user == admin_user

    recover_url = reverse("admin:agreements_memorandum_recover", args=[deleted.pk])
    form_page = admin_client.get(recover_url)
    assert form_page.status_code == 200
    response = admin_client.post(recover_url, form_data(form_page))
    assert response.status_code == 302

    memorandum = Memorandum.objects.get(pk=pk)
    assert memorandum.title == "Cancer centres MoU"
    assert set(memorandum.parties.values_list("slug", flat=True)) == parties


def test_a_memorandum_deleted_from_the_list_can_be_recovered(admin_client, signed_memorandum):
    response = admin_client.post(
        reverse("admin:agreements_memorandum_changelist"),
        {"action": "delete_selected", "_selected_action": [signed_memorandum.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Memorandum.objects.exists()
    assert Version.objects.get_deleted(Memorandum).count() == 1


def test_a_confirmed_import_is_a_revision_naming_the_editor_and_the_file(
    admin_client, admin_user, tmp_path, belarus, oman, oncology
):
    path = write_csv(tmp_path / "memoranda.csv", MEMORANDUM_HEADER, GOOD_ROWS)
    assert confirm(admin_client, "memorandum", preview(admin_client, "memorandum", path, "csv")).status_code == 302

    for memorandum in Memorandum.objects.all():
        [version] = Version.objects.get_for_object(memorandum)
        assert version.revision.user == admin_user
        assert version.revision.get_comment() == "Imported from “memoranda.csv”."
    # The sectors column (many-to-many, saved after the row) is in the version too.
    version = Version.objects.get_for_object(Memorandum.objects.get(slug="mou-cancer")).get()
    assert version.field_dict["sectors"] == [oncology.pk]


def test_the_list_shows_import_export_and_recover(admin_client, db):
    page = admin_client.get(reverse("admin:agreements_memorandum_changelist")).content.decode()
    assert reverse("admin:agreements_memorandum_import") in page
    assert reverse("admin:agreements_memorandum_export") in page
    assert reverse("admin:agreements_memorandum_recoverlist") in page


def test_changes_outside_a_revision_create_no_versions(db, belarus, oman):
    factories.MemorandumFactory(country_a=belarus, country_b=oman)
    assert not Version.objects.exists()
