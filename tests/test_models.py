import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from agreements.models import Commitment, Memorandum, MemorandumRelation, Sector, Visit
from tests import factories


def test_country_names_come_from_the_iso_list(belarus, oman):
    assert belarus.name == "Belarus"
    assert oman.name == "Oman"


def test_the_database_refuses_a_visit_between_a_country_and_itself(belarus):
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(title="x", kind="official", host_country=belarus, guest_country=belarus)


def test_the_database_refuses_a_memorandum_between_a_country_and_itself(belarus):
    with pytest.raises(IntegrityError), transaction.atomic():
        Memorandum.objects.create(title="x", kind="mou", country_a=belarus, country_b=belarus)


def test_validation_names_the_field_of_a_same_country_memorandum(belarus):
    memo = Memorandum(title="x", kind="mou", country_a=belarus, country_b=belarus)
    with pytest.raises(ValidationError) as error:
        memo.full_clean()
    assert "country_b" in error.value.message_dict


def test_a_reversed_interval_is_a_validation_error_on_its_field(forum):
    forum.date = "2024-08-29/2024-08-26"
    with pytest.raises(ValidationError) as error:
        forum.full_clean()
    assert "ends before it starts" in error.value.message_dict["date"][0]


def test_a_commitment_has_exactly_one_origin(forum, memorandum):
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(title="both", origin_visit=forum, origin_memorandum=memorandum)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(title="none")


def test_a_commitment_without_origin_fails_validation(db):
    with pytest.raises(ValidationError, match="exactly one visit or one memorandum"):
        Commitment(title="none").full_clean()


def test_a_commitment_with_two_origins_fails_validation_on_the_origin_fields(forum, memorandum):
    with pytest.raises(ValidationError) as error:
        Commitment(title="both", origin_visit=forum, origin_memorandum=memorandum).full_clean()
    assert {"origin_visit", "origin_memorandum"} <= set(error.value.message_dict)


def test_a_fulfilled_commitment_names_what_fulfilled_it(forum, memorandum):
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(title="kept?", origin_visit=forum, status="fulfilled")
    commitment = Commitment.objects.create(title="prepare the MoU", origin_visit=forum)
    commitment.mark_fulfilled(by=memorandum)
    commitment.refresh_from_db()
    assert commitment.status == "fulfilled"
    assert commitment.fulfilled_by == memorandum
    assert list(memorandum.fulfilled_commitments.all()) == [commitment]


def test_it_refuses_to_delete_a_visit_with_commitments(forum):
    factories.CommitmentFactory(origin_visit=forum)
    with pytest.raises(ProtectedError):
        forum.delete()
    assert Visit.objects.filter(pk=forum.pk).exists()


def test_it_refuses_to_delete_a_country_in_use(forum, belarus):
    with pytest.raises(ProtectedError):
        belarus.delete()


def test_it_refuses_to_delete_a_sector_in_use_instead_of_unlinking_it(forum, oncology):
    forum.sectors.add(oncology)
    with pytest.raises(ProtectedError, match="Oncology"):
        oncology.delete()
    with pytest.raises(ProtectedError):
        Sector.objects.filter(pk=oncology.pk).delete()
    assert list(forum.sectors.all()) == [oncology]


def test_it_refuses_to_delete_a_cited_source(forum):
    source = factories.SourceFactory()
    forum.sources.add(source)
    with pytest.raises(ProtectedError):
        source.delete()


def test_an_unused_sector_can_be_deleted(health):
    health.delete()
    assert not Sector.objects.exists()


def test_it_refuses_to_delete_a_memorandum_that_another_builds_on(memorandum, belarus, oman):
    later = factories.MemorandumFactory(country_a=belarus, country_b=oman, signed="2026")
    MemorandumRelation.objects.create(source=later, kind="follows", target=memorandum)
    with pytest.raises(ProtectedError):
        memorandum.delete()


def test_sector_with_descendants_includes_children(health, oncology):
    factories.SectorFactory(name="Transport", slug="transport")
    assert set(Sector.objects.with_descendants("healthcare")) == {health, oncology}


def test_memoranda_filter_by_pair_either_way_and_by_parent_sector(memorandum, oncology, belarus):
    memorandum.sectors.add(oncology)
    cuba = factories.CountryFactory(code="CU")
    factories.MemorandumFactory(country_a=cuba, country_b=belarus)
    assert list(Memorandum.objects.between("OM", "BY")) == [memorandum]
    assert list(Memorandum.objects.in_sector("healthcare")) == [memorandum]
    assert Memorandum.objects.involving("BY").count() == 2


def test_slugs_are_made_unique(belarus, oman):
    first = factories.MemorandumFactory(title="Health MoU", country_a=belarus, country_b=oman)
    second = factories.MemorandumFactory(title="Health MoU", country_a=belarus, country_b=oman)
    assert (first.slug, second.slug) == ("health-mou", "health-mou-2")


def test_an_overdue_commitment_is_unresolved_and_past_its_latest_due_day(forum):
    import datetime

    late = factories.CommitmentFactory(origin_visit=forum, due="2025-22")
    factories.CommitmentFactory(origin_visit=forum, due="2027")
    factories.CommitmentFactory(origin_visit=forum, due="")
    today = datetime.date(2025, 9, 1)
    assert list(Commitment.objects.overdue(today)) == [late]
    assert late.is_overdue(today)
