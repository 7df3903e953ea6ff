"""The seed fixtures: they load, reload without duplicates, and keep the chain and its provenance intact."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from agreements.models import (
    Commitment,
    Institution,
    InstitutionName,
    Memorandum,
    MemorandumRelation,
    Person,
    PersonName,
    Source,
    Visit,
)

FIXTURES = sorted((Path(settings.BASE_DIR) / "fixtures").glob("*.json"))


@pytest.fixture
def seeded(db):
    call_command("seed", verbosity=0)


def row_counts() -> dict[str, int]:
    """Rows of every agreements table, many-to-many link tables included."""
    models = apps.get_app_config("agreements").get_models(include_auto_created=True)
    return {model._meta.label: model._default_manager.count() for model in models}


def test_the_seed_loads(seeded):
    assert Source.objects.count() == 5
    assert Visit.objects.exists()
    assert Memorandum.objects.exists()
    assert Commitment.objects.exists()


def test_loading_the_seed_twice_changes_no_row_count(seeded):
    before = row_counts()
    call_command("seed", verbosity=0)
    assert row_counts() == before


def test_fixtures_use_natural_keys_and_leave_date_bounds_to_the_signal():
    for path in FIXTURES:
        for record in json.loads(path.read_text(encoding="utf-8")):
            assert "pk" not in record, path.name
            assert not [name for name in record["fields"] if name.endswith(("_earliest", "_latest"))], path.name


def test_date_bounds_are_computed_for_raw_fixture_loads(seeded):
    forum = Visit.objects.get(slug="by-om-forum-muscat-2024")
    assert (forum.date_earliest, forum.date_latest) == (datetime.date(2024, 8, 26), datetime.date(2024, 8, 29))
    summer_mou = Memorandum.objects.get(slug="mou-moh-by-om-2025")
    assert (summer_mou.signed_earliest, summer_mou.signed_latest) == (
        datetime.date(2025, 6, 1),
        datetime.date(2025, 8, 31),
    )


def test_the_muscat_forum_leads_through_commitments_to_the_cancer_centres_memorandum(seeded):
    forum = Visit.objects.get(slug="by-om-forum-muscat-2024")
    assert forum.date == "2024-08-26/2024-08-29"
    assert (forum.host_country.code.code, forum.guest_country.code.code, forum.city) == ("OM", "BY", "Muscat")

    kept = forum.commitments.filter(status=Commitment.Status.FULFILLED, fulfilled_by_memorandum__signed="2025-10-06")
    assert kept.count() == 1
    cancer_mou = kept.get().fulfilled_by_memorandum
    assert set(cancer_mou.parties.values_list("slug", flat=True)) == {"alexandrov-cancer-centre", "sqcccrc"}
    assert cancer_mou.visit.slug == "om-by-state-visit-2025"
    assert cancer_mou.visit.kind == Visit.Kind.STATE
    assert cancer_mou.visit.date == "2025-10-06/2025-10-07"


def test_the_forum_commitments_are_kept_by_the_summer_visit_and_its_memorandum(seeded):
    forum = Visit.objects.get(slug="by-om-forum-muscat-2024")
    visit_promise = forum.commitments.get(slug="by-om-forum-minister-visit-2025")
    assert visit_promise.status == Commitment.Status.FULFILLED
    assert visit_promise.fulfilled_by_visit.slug == "om-by-health-minister-visit-2025"

    mou_promise = forum.commitments.get(slug="by-om-forum-health-ministries-mou")
    assert mou_promise.fulfilled_by_memorandum.slug == "mou-moh-by-om-2025"
    assert mou_promise.fulfilled_by_memorandum.visit == visit_promise.fulfilled_by_visit

    follows = MemorandumRelation.objects.get(source__slug="mou-alexandrov-sqcccrc-2025")
    assert (follows.kind, follows.target.slug) == (MemorandumRelation.Kind.FOLLOWS, "mou-moh-by-om-2025")


def test_the_cancer_centres_memorandum_opens_new_commitments(seeded):
    cancer_mou = Memorandum.objects.get(slug="mou-alexandrov-sqcccrc-2025")
    assert set(cancer_mou.commitments.values_list("status", flat=True)) == {Commitment.Status.OPEN}
    assert cancer_mou.commitments.filter(slug="mou-alexandrov-exchange-experience").exists()
    assert cancer_mou.commitments.filter(slug="mou-alexandrov-expand-to-other-fields").exists()


def test_every_fulfilled_commitment_names_what_kept_it(seeded):
    fulfilled = Commitment.objects.filter(status=Commitment.Status.FULFILLED)
    assert fulfilled.exists()
    for commitment in fulfilled:
        assert commitment.fulfilled_by is not None, commitment.slug


def test_every_record_cites_a_source(seeded):
    for model in [Visit, Memorandum, Commitment, Institution, Person]:
        assert model.objects.exists()
        uncited = model.objects.filter(sources__isnull=True).values_list("slug", flat=True)
        assert list(uncited) == [], model.__name__


def test_every_source_points_at_its_article_file(seeded):
    references = set(Source.objects.values_list("reference", flat=True))
    assert references == {
        "000_e89625f3e10935f5.txt",
        "001_5a64a4d3f26ddb38.txt",
        "002_4b981f0be981b52b.txt",
        "003_f281cacca4534b92.txt",
        "004_ae9f4961a003824f.txt",
    }


# The EDTF value chosen for each key record, never finer than its article allows.
EXPECTED_DATES = [
    (Visit, "by-om-forum-muscat-2024", "date", "2024-08-26/2024-08-29"),
    (Visit, "om-by-health-minister-visit-2025", "date", "2025-22"),
    (Visit, "om-by-health-minister-visits-minsk", "date", ""),
    (Visit, "om-by-state-visit-2025", "date", "2025-10-06/2025-10-07"),
    (Visit, "by-om-high-level-visits-2024-2025", "date", "2024/2025"),
    (Visit, "by-om-minsk-salalah-flight-2025", "date", "2025-02"),
    (Visit, "by-cu-kochanova-ambassador-2025-06-11", "date", "2025-06-11"),
    (Visit, "by-cu-prime-minister-visits-2023-2024", "date", "2023/2024"),
    (Visit, "by-cu-pharma-exhibition-2025-04", "date", "2025-04"),
    (Visit, "cu-by-president-official-visit", "date", ""),
    (Visit, "cu-by-eaeu-summit-minsk", "date", ""),
    (Visit, "ir-uz-ambassador-health-minister", "date", ""),
    (Memorandum, "mou-moh-by-om-2025", "signed", "2025-22"),
    (Memorandum, "mou-alexandrov-sqcccrc-2025", "signed", "2025-10-06"),
    (Memorandum, "joint-statement-by-om-2025", "signed", "2025-10-06/2025-10-07"),
    (Memorandum, "by-om-joint-commission-instrument-2025", "signed", "2025-05"),
    (Memorandum, "agreement-by-om-visa-exemption", "signed", ""),
    (Memorandum, "by-cu-pharma-supply-contracts-2025", "signed", "2025-04/2025-06-11"),
    (Memorandum, "by-cu-science-technology-programme-2030", "valid_until", "2030"),
    (Source, "omr-by-om-forum-muscat-2024", "published", ""),
    (Source, "ir-uz-health-ambassador-meeting", "published", ""),
]


def test_no_date_is_more_precise_than_its_article(seeded):
    stored = [
        (model, slug, field, getattr(model.objects.get(slug=slug), field)) for model, slug, field, _ in EXPECTED_DATES
    ]
    assert stored == EXPECTED_DATES


def test_announced_visits_are_planned_without_a_date(seeded):
    for slug in ["cu-by-president-official-visit", "cu-by-eaeu-summit-minsk"]:
        visit = Visit.objects.get(slug=slug)
        assert (visit.status, visit.date, visit.date_earliest) == (Visit.Status.PLANNED, "", None)


def test_the_cancer_centre_can_be_found_by_its_russian_name(seeded):
    names = InstitutionName.objects.filter(name__icontains="Александров")
    assert names.exists()
    assert {name.institution.slug for name in names} == {"alexandrov-cancer-centre"}
    assert names.filter(language="ru", kind="official").exists()
    assert InstitutionName.objects.filter(institution__slug="alexandrov-cancer-centre", name="РНПЦ ОМР").exists()


def test_names_in_russian_and_arabic_are_recorded(seeded):
    assert InstitutionName.objects.filter(language="ar", institution__slug="sqcccrc").exists()
    assert PersonName.objects.filter(person__slug="al-sabti", language="ru", name="Хилял бин Али Аль Сабти").exists()
    assert PersonName.objects.filter(
        person__slug="haitham-bin-tarik", language="ar", name="السلطان هيثم بن طارق"
    ).exists()
    assert PersonName.objects.filter(language="ru").count() >= 5
    assert PersonName.objects.filter(language="ar").count() >= 3
