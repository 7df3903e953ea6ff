"""Bulk actions on the admin lists: each asks for its value, then changes the selected records in
one history revision naming the editor and the action."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from reversion.models import Revision, Version

from agreements.models import Commitment, Memorandum, Visit
from tests import factories


def changelist(model) -> str:
    return reverse(f"admin:agreements_{model._meta.model_name}_changelist")


def run(client, records, action: str, value=None):
    """Choose `action` for `records` on the list; with a `value`, answer its question too."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(record.pk) for record in records]}
    if value is not None:
        data.update(apply="yes", value=str(value))
    return client.post(changelist(type(records[0])), data)


@pytest.fixture
def memoranda(chain):
    return [chain["ministries_mou"], chain["centres_mou"]]


def test_an_editor_sets_the_status_of_the_selected_memoranda_in_one_revision(editor_client, editor_user, memoranda):
    question = run(editor_client, memoranda, "set_status")
    assert question.status_code == 200
    page = question.content.decode()
    assert "Set the status" in page and memoranda[0].title in page
    assert 'name="value"' in page

    response = run(editor_client, memoranda, "set_status", Memorandum.Status.IN_FORCE)

    assert response.status_code == 302
    assert set(Memorandum.objects.values_list("status", flat=True)) == {Memorandum.Status.IN_FORCE}
    [revision] = Revision.objects.all()
    assert revision.user == editor_user
    assert revision.get_comment() == "Bulk action: status set to “in force” on 2 records."
    for memorandum in memoranda:
        assert Version.objects.get_for_object(memorandum).get().revision == revision


def test_adding_a_sector_leaves_the_records_that_have_it_alone(editor_client, chain):
    visits = [chain["forum"], chain["state_visit"]]
    education = factories.SectorFactory(name="Education", slug="education")
    chain["forum"].sectors.add(education)

    response = run(editor_client, visits, "add_sector", education.pk)

    assert response.status_code == 302
    assert all(education in visit.sectors.all() for visit in visits)
    assert not Version.objects.get_for_object(chain["forum"]).exists()
    [version] = Version.objects.get_for_object(chain["state_visit"])
    assert education.pk in version.field_dict["sectors"]
    assert version.revision.get_comment() == "Bulk action: “Education” added to 1 record."


def test_a_sector_is_removed_and_a_source_added_to_commitments(editor_client, chain):
    commitments = list(Commitment.objects.filter(origin_visit=chain["forum"]))
    health = chain["healthcare"]
    for commitment in commitments:
        commitment.sectors.add(health)
    source = factories.SourceFactory(title="Ministry press release")

    assert run(editor_client, commitments, "remove_sector", health.pk).status_code == 302
    assert run(editor_client, commitments, "add_source", source.pk).status_code == 302

    for commitment in commitments:
        assert list(commitment.sectors.all()) == []
        assert list(commitment.sources.all()) == [source]
    assert Revision.objects.count() == 2


def test_fulfilled_is_not_offered_for_many_commitments_at_once(editor_client, chain):
    commitments = list(Commitment.objects.filter(status=Commitment.Status.OPEN))
    page = run(editor_client, commitments, "set_status").content.decode()
    assert 'value="in-progress"' in page and 'value="fulfilled"' not in page

    response = run(editor_client, commitments, "set_status", Commitment.Status.FULFILLED)

    assert response.status_code == 200  # asked again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert not Commitment.objects.filter(pk__in=[c.pk for c in commitments], status="fulfilled").exists()


def test_one_record_that_breaks_a_rule_changes_none(editor_client, chain, memoranda):
    elsewhere = factories.VisitFactory(host_country=factories.CountryFactory(code="CU"), guest_country=chain["belarus"])
    Memorandum.objects.filter(pk=memoranda[1].pk).update(visit=elsewhere)  # written without the form's checks

    response = run(editor_client, memoranda, "set_status", Memorandum.Status.EXPIRED)

    assert response.status_code == 200  # the question again, above it why nothing was changed
    assert not Memorandum.objects.filter(status=Memorandum.Status.EXPIRED).exists()
    assert not Revision.objects.exists()
    page = response.content.decode()
    assert "Nothing was changed" in page and memoranda[1].title in page
    assert "The visit must be between the memorandum" in page


@pytest.mark.parametrize("model", [Memorandum, Visit, Commitment])
def test_the_list_offers_the_bulk_actions_to_editors(editor_client, chain, model):
    page = editor_client.get(changelist(model)).content.decode()
    for action in ("set_status", "add_sector", "remove_sector", "add_source"):
        assert f'value="{action}"' in page
