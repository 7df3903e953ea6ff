"""The demo data generator: realistic proportions, valid records, the same rows for the same seed."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from reversion.models import Version

from agreements.fuzzydates import FuzzyDate
from agreements.models import (
    Commitment,
    InstitutionName,
    Memorandum,
    MemorandumRelation,
    PersonName,
    Sector,
    Signatory,
    Visit,
)

pytestmark = pytest.mark.django_db


def generate(memoranda: int = 50, seed: int = 7, clear: bool = False) -> None:
    call_command("generate_demo_data", memoranda=memoranda, seed=seed, clear=clear, verbosity=0, stdout=None)


def snapshot() -> list[tuple]:
    """What the seed decides, without the primary keys the database hands out."""
    memoranda = Memorandum.objects.order_by("slug").values_list(
        "slug", "title", "kind", "status", "signed", "valid_until", "country_a__code", "country_b__code", "visit__slug"
    )
    commitments = Commitment.objects.order_by("slug").values_list(
        "slug", "status", "due", "origin_visit__slug", "origin_memorandum__slug", "fulfilled_by_memorandum__slug"
    )
    sectors = Memorandum.sectors.through.objects.order_by("memorandum__slug", "sector__slug").values_list(
        "memorandum__slug", "sector__slug"
    )
    return [*memoranda, *commitments, *sectors]


def test_it_generates_memoranda_in_realistic_proportion():
    generate(50)

    assert Memorandum.objects.count() == 50
    assert 15 <= Visit.objects.count() <= 35
    assert 100 <= Commitment.objects.count() <= 200
    assert Signatory.objects.count() >= 100
    assert Memorandum.sectors.through.objects.count() >= 50
    assert Sector.objects.filter(parent__isnull=False).exists()
    assert Memorandum.objects.filter(visit__isnull=False).exists()
    assert Commitment.objects.filter(status=Commitment.Status.FULFILLED).exists()


def test_every_slug_is_marked_as_demo():
    generate(20)

    for model in (Memorandum, Visit, Commitment):
        assert not model.objects.exclude(slug__startswith="demo-").exists()


def test_names_come_in_russian_and_arabic():
    generate(20)

    languages = set(InstitutionName.objects.values_list("language", flat=True))
    assert {"ru", "ar"} <= languages
    assert InstitutionName.objects.filter(language="ru", name__regex=r"[А-Яа-я]").exists()
    assert InstitutionName.objects.filter(language="ar", name__regex=r"[\u0600-\u06FF]").exists()
    assert PersonName.objects.exists()


def test_dates_come_in_every_precision_with_their_bounds():
    generate(200)

    signed = list(Memorandum.objects.values_list("signed", "signed_earliest", "signed_latest"))
    values = [value for value, _, _ in signed]
    assert "" in values
    assert any(len(value) == 10 for value in values)  # a day
    assert any(len(value) == 7 and value[5:7] in {"21", "22", "23", "24"} for value in values)  # a season
    assert any("/" in value for value in values)  # an interval
    assert any(value.endswith("?") for value in values)
    assert any(value.endswith("~") for value in values)
    for value, earliest, latest in signed:
        fuzzy = FuzzyDate.parse(value)
        assert (earliest, latest) == (fuzzy.earliest, fuzzy.latest)


def test_records_keep_the_database_rules():
    generate(100)

    assert not Memorandum.objects.filter(country_a=F("country_b")).exists()
    assert not Commitment.objects.filter(origin_visit__isnull=True, origin_memorandum__isnull=True).exists()
    assert not Commitment.objects.filter(origin_visit__isnull=False, origin_memorandum__isnull=False).exists()
    fulfilled = Commitment.objects.filter(status=Commitment.Status.FULFILLED)
    assert not fulfilled.filter(fulfilled_by_visit__isnull=True, fulfilled_by_memorandum__isnull=True).exists()
    for memorandum in Memorandum.objects.filter(visit__isnull=False).select_related("visit"):
        pair = {memorandum.country_a_id, memorandum.country_b_id}
        assert {memorandum.visit.host_country_id, memorandum.visit.guest_country_id} == pair
    assert not MemorandumRelation.objects.filter(source=F("target")).exists()
    assert not Signatory.objects.values("memorandum", "institution").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_fulfilment_comes_later_than_the_promise():
    generate(100)

    fulfilled = Commitment.objects.filter(fulfilled_by_memorandum__isnull=False, origin_memorandum__isnull=False)
    for commitment in fulfilled.select_related("origin_memorandum", "fulfilled_by_memorandum"):
        assert commitment.fulfilled_by_memorandum.signed_earliest >= commitment.origin_memorandum.signed_latest
    assert not fulfilled.filter(origin_memorandum=F("fulfilled_by_memorandum")).exists()


def test_the_same_seed_gives_the_same_records():
    generate(30, seed=5)
    first = snapshot()
    generate(30, seed=5, clear=True)

    assert snapshot() == first


def test_another_seed_gives_other_records():
    generate(30, seed=5)
    first = snapshot()
    generate(30, seed=6, clear=True)

    assert snapshot() != first


def test_it_refuses_to_add_to_earlier_demo_rows_without_clear():
    generate(10)

    with pytest.raises(CommandError):
        generate(10)


def test_clear_leaves_real_records_alone(memorandum):
    generate(20)
    generate(0, clear=True)

    assert list(Memorandum.objects.all()) == [memorandum]
    assert not Visit.objects.filter(slug__startswith="demo-").exists()


def test_generated_records_are_keyed_for_search_like_saved_ones():
    from agreements import search
    from agreements.models import Institution, Person

    generate(30)

    for model in (Memorandum, Visit, Commitment, Institution, Person):
        records = model.objects.filter(slug__startswith="demo-")
        if hasattr(model, "alternative_names"):
            records = records.prefetch_related("alternative_names")
        for record in records[:20]:
            # The same keys; alternative names may come back from the database in another order.
            expected = search.search_text(*record.search_words())
            assert set(record.search_text.splitlines()) == set(expected.splitlines()), record.slug
    ministry = InstitutionName.objects.filter(language="ru").select_related("institution").first()
    assert Institution.objects.search(ministry.name).filter(pk=ministry.institution_id).exists()


def test_every_generated_record_starts_with_a_version_of_its_own():
    generate(30)

    for model in apps.get_app_config("agreements").get_models():
        for record in model._default_manager.all():
            [version] = Version.objects.get_for_object(record)
            assert version.revision.get_comment() == "Generated as demo data"
    memorandum = Memorandum.objects.filter(signatories__isnull=False).first()
    revision = Version.objects.get_for_object(memorandum).get().revision
    assert {v.object_repr for v in revision.version_set.all()} == {
        str(memorandum),
        *(str(signatory) for signatory in memorandum.signatories.all()),
        *(str(relation) for relation in memorandum.outgoing_relations.all()),
    }

    generate(0, clear=True)
    assert not Version.objects.exists()
