"""History in the admin: every change is a version naming its editor, can be reverted,
and a deleted record can be recovered with its parts."""

from __future__ import annotations

import pytest
from django import forms
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision, Version

from agreements import history
from agreements.models import Memorandum, Person, Signatory
from tests import factories
from tests.test_import import GOOD_ROWS, MEMORANDUM_HEADER, SAMPLE_ORDER, SAMPLES, confirm, preview, write_csv


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
    if "state_before_revert" in response.context:  # a hidden input of the revert and recover pages
        data["state_before_revert"] = response.context["state_before_revert"]
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


# ---------------------------------------------------------------- reverting one record, reverting a whole revision


def revision_url(obj, version) -> str:
    return reverse(f"admin:agreements_{obj._meta.model_name}_revision", args=[obj.pk, version.pk])


def revert(client, obj, version):
    form_page = client.get(revision_url(obj, version))
    assert form_page.status_code == 200
    return client.post(revision_url(obj, version), form_data(form_page))


def import_memoranda(client, tmp_path, rows, name="memoranda.csv"):
    path = write_csv(tmp_path / name, MEMORANDUM_HEADER, rows)
    assert confirm(client, "memorandum", preview(client, "memorandum", path, "csv")).status_code == 302
    return Version.objects.get_for_model(Memorandum).latest("pk").revision


def test_reverting_a_record_from_an_import_leaves_the_other_records_of_the_import_alone(
    admin_client, tmp_path, belarus, oman, oncology
):
    import_memoranda(admin_client, tmp_path, GOOD_ROWS)
    health_mou, cancer_mou = Memorandum.objects.get(slug="mou-health"), Memorandum.objects.get(slug="mou-cancer")
    edit(admin_client, health_mou, title="MoU on healthcare (amended)")
    edit(admin_client, cancer_mou, title="Cancer centres MoU (amended)")

    imported = Version.objects.get_for_object(cancer_mou).earliest("pk")
    assert revert(admin_client, cancer_mou, imported).status_code == 302

    cancer_mou.refresh_from_db()
    health_mou.refresh_from_db()
    assert cancer_mou.title == "MoU between the cancer centres"
    assert health_mou.title == "MoU on healthcare (amended)"


def test_reverting_puts_back_the_record_s_own_parts_and_removes_those_added_since(
    admin_client, signed_memorandum, ministry_by, ministry_om, belarus
):
    edit(admin_client, signed_memorandum, summary="Both ministries sign.")
    first = Version.objects.get_for_object(signed_memorandum).get()
    cancer_centre = factories.InstitutionFactory(name="Cancer centre", slug="cancer-centre", country=belarus)
    Signatory.objects.filter(institution=ministry_om).delete()
    Signatory.objects.create(memorandum=signed_memorandum, institution=cancer_centre)

    assert revert(admin_client, signed_memorandum, first).status_code == 302
    assert set(signed_memorandum.parties.values_list("slug", flat=True)) == {"moh-belarus", "moh-oman"}


def test_the_revert_page_of_a_record_saved_with_thousands_of_others_is_bounded(
    admin_client, belarus, oman, ministry_by, ministry_om, django_assert_max_num_queries
):
    memoranda = Memorandum.objects.bulk_create(
        Memorandum(title=f"MoU {n}", slug=f"mou-{n}", kind="mou", country_a=belarus, country_b=oman)
        for n in range(2000)
    )
    Signatory.objects.bulk_create(
        Signatory(memorandum=memorandum, institution=institution)
        for memorandum in memoranda
        for institution in (ministry_by, ministry_om)
    )
    revision = Revision.objects.create(date_created=timezone.now(), comment="Imported from “big.csv”.")
    assert history.save_versions(memoranda, revision) == 2000 + 4000
    Memorandum.objects.update(title="Renamed by a script")
    chosen = memoranda[1234]
    version = Version.objects.get_for_object(chosen).get()

    # Content types are cached per process; a transactional test before this one empties that cache.
    ContentType.objects.get_for_models(*apps.get_models())
    with django_assert_max_num_queries(60):  # the change form and its inlines; nothing per record of the revision
        form_page = admin_client.get(revision_url(chosen, version))
    assert form_page.status_code == 200
    assert "1999 other records were saved in the same revision" in form_page.content.decode()
    with django_assert_max_num_queries(80):
        assert admin_client.post(revision_url(chosen, version), form_data(form_page)).status_code == 302

    assert Memorandum.objects.get(pk=chosen.pk).title == "MoU 1234"
    assert Memorandum.objects.exclude(pk=chosen.pk).filter(title="Renamed by a script").count() == 1999


def test_the_history_page_is_paged(admin_client, memorandum, django_assert_max_num_queries):
    revisions = Revision.objects.bulk_create(
        Revision(date_created=timezone.now(), comment=f"Change {n}.") for n in range(120)
    )
    for revision in revisions:
        history.save_versions([memorandum], revision)
    url = reverse("admin:agreements_memorandum_history", args=[memorandum.pk])

    with django_assert_max_num_queries(12):
        first = admin_client.get(url)
    assert len(first.context["action_list"]) == 50
    assert "120 versions" in first.content.decode()
    last = admin_client.get(url, {"p": 3})
    assert len(last.context["action_list"]) == 20


def test_a_version_of_another_model_is_neither_recovered_nor_reverted(admin_client, memorandum, belarus):
    person = factories.PersonFactory(name="Aleksandr Khodjaev", country=belarus)
    revision = Revision.objects.create(date_created=timezone.now())
    history.save_versions([person], revision)
    history.save_versions([memorandum], revision)
    person_version = Version.objects.get_for_object(person).get()
    person_pk = person.pk
    person.delete()

    assert admin_client.get(reverse("admin:agreements_memorandum_recover", args=[person_version.pk])).status_code == 404
    assert (
        admin_client.post(reverse("admin:agreements_memorandum_recover", args=[person_version.pk])).status_code == 404
    )
    revert_as_memorandum = reverse("admin:agreements_memorandum_revision", args=[person_pk, person_version.pk])
    assert admin_client.get(revert_as_memorandum).status_code == 404
    assert not Person.objects.exists()


@pytest.fixture
def revised_by_import(admin_client, tmp_path, belarus, oman, oncology):
    """A memorandum edited in the admin, then updated by an import that also adds another."""
    factories.MemorandumFactory(
        title="MoU on health", slug="mou-health", country_a=belarus, country_b=oman, signed="2025"
    )
    edit(admin_client, Memorandum.objects.get(slug="mou-health"), summary="Before the import.")
    return import_memoranda(admin_client, tmp_path, GOOD_ROWS)


def revert_all_url(revision) -> str:
    return reverse("admin:agreements_memorandum_revision_revert", args=[revision.pk])


def test_reverting_a_whole_import_puts_back_what_it_updated_and_deletes_what_it_added(admin_client, revised_by_import):
    page = admin_client.get(revert_all_url(revised_by_import))
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 record will be put back as it was and 1 deleted." in text.replace("\n", " ").replace("  ", " ")
    assert "Deleted: this revision added it." in text

    assert admin_client.post(revert_all_url(revised_by_import)).status_code == 302
    health = Memorandum.objects.get(slug="mou-health")
    assert (health.title, health.summary, str(health.signed)) == ("MoU on health", "Before the import.", "2025")
    assert not Memorandum.objects.filter(slug="mou-cancer").exists()
    # The deleted record can be recovered, as after any delete.
    assert Version.objects.get_deleted(Memorandum).count() == 1


def test_reverting_a_whole_import_is_refused_while_a_record_of_it_was_edited_since(
    admin_client, admin_user, revised_by_import
):
    edit(admin_client, Memorandum.objects.get(slug="mou-cancer"), title="Cancer centres MoU (amended)")
    Memorandum.objects.filter(slug="mou-health").update(signed_at="Changed by a script")

    page = admin_client.get(revert_all_url(revised_by_import))
    text = " ".join(page.content.decode().split())
    assert "It cannot be reverted: 2 records, listed first below, were edited since" in text
    assert f"Refused: edited since, by {admin_user.username} on" in text
    assert "Refused: changed or deleted since, outside the history." in text
    assert 'type="submit" value="Revert the whole revision"' not in text

    assert admin_client.post(revert_all_url(revised_by_import)).status_code == 200
    assert Memorandum.objects.get(slug="mou-cancer").title == "Cancer centres MoU (amended)"
    assert Memorandum.objects.get(slug="mou-health").title == "MoU on healthcare"


def test_a_record_with_no_earlier_state_stops_the_revert(admin_client, tmp_path, belarus, oman, oncology):
    factories.MemorandumFactory(title="Seeded", slug="mou-health", country_a=belarus, country_b=oman)
    revision = import_memoranda(admin_client, tmp_path, GOOD_ROWS)
    text = " ".join(admin_client.get(revert_all_url(revision)).content.decode().split())
    assert "Refused: it existed before this revision, but no earlier state of it was kept." in text
    admin_client.post(revert_all_url(revision))
    assert Memorandum.objects.count() == 2


def test_only_an_administrator_may_revert_an_import_that_added_records(editor_client, admin_client, revised_by_import):
    page = editor_client.get(revert_all_url(revised_by_import))
    assert "which only an administrator may do" in page.content.decode()
    editor_client.post(revert_all_url(revised_by_import))
    assert Memorandum.objects.filter(slug="mou-cancer").exists()


def test_the_page_reverting_thousands_of_records_is_paged_and_bounded(
    admin_client, belarus, oman, django_assert_max_num_queries
):
    memoranda = Memorandum.objects.bulk_create(
        Memorandum(title=f"MoU {n}", slug=f"mou-{n}", kind="mou", country_a=belarus, country_b=oman)
        for n in range(3000)
    )
    revision = Revision.objects.create(date_created=timezone.now(), comment="Imported from “big.csv”.")
    history.save_versions(memoranda, revision)

    with django_assert_max_num_queries(120):  # a handful of queries per 500 records
        page = admin_client.get(revert_all_url(revision))
    assert len(page.context["steps"]) == 100
    assert "3000 records" in " ".join(page.content.decode().split())


def test_a_record_s_state_read_now_is_the_state_its_version_stores(admin_client, signed_memorandum, oncology, belarus):
    """The revert checks compare the records as stored now (read in bulk) with their versions
    (written by django-reversion or in bulk): both must read the same record the same way."""
    earlier = factories.MemorandumFactory(title="Earlier MoU", slug="earlier-mou", country_a=belarus)
    factories.MemorandumRelationFactory(source=signed_memorandum, target=earlier, note="Builds on it.")
    institution = Signatory.objects.filter(memorandum=signed_memorandum).first().institution
    factories.InstitutionNameFactory(institution=institution, name="Минздрав", language="ru")
    edit(admin_client, signed_memorandum, sectors=[str(oncology.pk)], legally_binding="true", valid_until="2030")
    edit(admin_client, institution, website="https://minzdrav.gov.by")

    for record in (signed_memorandum, institution):
        model = type(record)
        [by_reversion] = Version.objects.get_for_object(record)
        revision = Revision.objects.create(date_created=timezone.now())
        history.save_versions([model.objects.get(pk=record.pk)], revision)
        in_bulk = Version.objects.get_for_object(record).get(revision=revision)
        now = history.current_states(model, [record.pk])
        assert now == history.stored_states(model, [by_reversion]) == history.stored_states(model, [in_bulk])
        assert now[str(record.pk)]["parts"]


def test_the_list_of_deleted_records_is_paged(admin_client, belarus, oman, django_assert_max_num_queries):
    memoranda = Memorandum.objects.bulk_create(
        Memorandum(title=f"MoU {n}", slug=f"mou-{n}", kind="mou", country_a=belarus, country_b=oman) for n in range(120)
    )
    revision = Revision.objects.create(date_created=timezone.now(), comment="Deleted.")
    history.save_versions(memoranda, revision)
    Memorandum.objects.all().delete()

    with django_assert_max_num_queries(12):
        page = admin_client.get(reverse("admin:agreements_memorandum_recoverlist"))
    assert len(page.context["deleted"]) == 50
    assert "120 deleted records" in " ".join(page.content.decode().split())


def test_a_revert_is_refused_if_the_record_changed_after_the_revert_page_was_opened(admin_client, signed_memorandum):
    edit(admin_client, signed_memorandum, summary="First text.")
    first = Version.objects.get_for_object(signed_memorandum).get()
    form_page = admin_client.get(revision_url(signed_memorandum, first))
    Memorandum.objects.filter(pk=signed_memorandum.pk).update(summary="Written meanwhile.")

    response = admin_client.post(revision_url(signed_memorandum, first), form_data(form_page))
    assert response.status_code == 302
    assert response["Location"] == revision_url(signed_memorandum, first)
    [message] = get_messages(response.wsgi_request)
    assert (
        str(message)
        == "“Cancer centres MoU” was changed after you opened this page. Look at it again before reverting it."
    )
    signed_memorandum.refresh_from_db()
    assert signed_memorandum.summary == "Written meanwhile."


def test_every_record_an_import_creates_starts_with_a_version(admin_client, db):
    for model, file_name in SAMPLE_ORDER:
        assert confirm(admin_client, model, preview(admin_client, model, SAMPLES / file_name, "csv")).status_code == 302

    comments = {f"Imported from “{file_name}”." for _, file_name in SAMPLE_ORDER}
    for model in apps.get_app_config("agreements").get_models():
        for record in model._default_manager.all():
            first = Version.objects.get_for_object(record).last()
            assert first is not None, f"{model.__name__} {record} has no history"
            assert first.revision.get_comment() in comments
