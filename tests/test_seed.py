"""The seed fixtures: they load through the models' save path, reload without writing anything or
undoing an edit, start every record's history, and keep the chain and its provenance intact."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Revision, Version

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
from agreements.models.base import TranslatedContent, translation_names
from tests.test_history import edit

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


def seed(*fixtures: Path) -> str:
    """Run `manage.py seed` (on the given fixture files, else fixtures/) and return what it printed."""
    out = io.StringIO()
    call_command("seed", *map(str, fixtures), stdout=out)
    return out.getvalue()


def test_seed_twice_writes_nothing(seeded):
    before = row_counts()
    with CaptureQueriesContext(connection) as queries:
        report = seed()
    writes = [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert row_counts() == before
    assert "0 added, 0 updated, 184 already up to date; 0 history versions saved" in report
    assert "Left alone" not in report


def test_seed_after_an_edit_leaves_the_edit_in_place(seeded, admin_client):
    memorandum = Memorandum.objects.get(slug="mou-moh-by-om-2025")
    response = edit(admin_client, memorandum, title="Health MoU (title corrected by an editor)")
    assert response.status_code == 302

    report = seed()

    memorandum.refresh_from_db()
    assert memorandum.title == "Health MoU (title corrected by an editor)"
    assert "memorandum “mou-moh-by-om-2025”: changed since it was loaded" in report
    assert "0 added, 0 updated, 183 already up to date" in report


def test_a_record_deleted_since_it_was_loaded_stays_deleted(seeded, admin_client):
    commitment = Commitment.objects.get(slug="mou-alexandrov-exchange-experience")
    admin_client.post(reverse("admin:agreements_commitment_delete", args=[commitment.pk]), {"post": "yes"})
    assert not Commitment.objects.filter(slug=commitment.slug).exists()

    report = seed()

    assert not Commitment.objects.filter(slug=commitment.slug).exists()
    assert "commitment “mou-alexandrov-exchange-experience”: deleted since it was loaded" in report


def changed_fixture(tmp_path: Path, slug: str, **fields) -> list[Path]:
    """Copies of the fixtures in which the record `slug` has other `fields`."""
    paths = []
    for path in FIXTURES:
        records = json.loads(path.read_text(encoding="utf-8"))
        for record in records:
            if record["fields"].get("slug") == slug:
                record["fields"].update(fields)
        paths.append(tmp_path / path.name)
        paths[-1].write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return paths


def test_a_corrected_fixture_updates_a_record_nobody_changed(seeded, tmp_path):
    fixtures = changed_fixture(tmp_path, "mou-moh-by-om-2025", signed="2025-07", title="Health MoU, July 2025")

    report = seed(*fixtures)

    memorandum = Memorandum.objects.get(slug="mou-moh-by-om-2025")
    assert (memorandum.title, memorandum.signed_earliest) == ("Health MoU, July 2025", datetime.date(2025, 7, 1))
    assert "0 added, 1 updated" in report
    latest, first = Version.objects.get_for_object(memorandum)
    assert latest.field_dict["title"] == "Health MoU, July 2025"
    assert latest.revision.get_comment() == first.revision.get_comment() == "Loaded from the seed data"


def test_every_seeded_record_starts_with_a_history_version(seeded):
    for model in apps.get_app_config("agreements").get_models():
        for record in model._default_manager.all():
            [version] = Version.objects.get_for_object(record)
            assert version.revision.get_comment() == "Loaded from the seed data", record


def test_a_seeded_record_and_its_parts_share_a_revision_of_their_own(seeded):
    """Reverting one seeded record to its first version then touches no other record."""
    institution = Institution.objects.get(slug="alexandrov-cancer-centre")
    [version] = Version.objects.get_for_object(institution)
    in_revision = {(v.content_type.model, v.object_repr) for v in version.revision.version_set.all()}
    names = {("institutionname", str(name)) for name in institution.alternative_names.all()}
    assert in_revision == {("institution", str(institution)), *names}
    assert len(names) >= 2


def test_a_database_seeded_before_history_was_kept_gets_its_first_versions(db):
    call_command("loaddata", *map(str, FIXTURES), verbosity=0)  # the old raw load, with no history
    assert not Version.objects.exists()

    report = seed()

    assert "0 added, 0 updated, 184 already up to date; 184 history versions saved" in report
    assert Revision.objects.count() == Version.objects.values("revision").distinct().count()
    assert "0 history versions saved" in seed()


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


def test_every_seed_text_has_its_russian_and_arabic_version(seeded):
    """Each translated text a seed record gives (titles, summaries, details, a person's title,
    a sector's name) has both its translations: none is left to show "original in English"."""
    missing = []
    for model in apps.get_app_config("agreements").get_models():
        if not issubclass(model, TranslatedContent):
            continue
        for record in model.objects.all():
            for field in model.translated_fields:
                if getattr(record, field):
                    missing += [
                        f"{model._meta.model_name} “{record.slug}”: {name}"
                        for name in translation_names(field)
                        if not getattr(record, name).strip()
                    ]
    assert missing == []
    assert Person.objects.get(slug="khodzhayev").title_ar == "وزير الصحة في بيلاروس"
