"""Imports write their rows in batches, without a query per row, and still do everything saving
the records one by one did: history, search keys, date bounds, links, the cached counts."""

from __future__ import annotations

import pytest
import reversion
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from agreements import caching
from agreements.models import Memorandum, Signatory
from agreements.resources import MemorandumResource
from tests import factories
from tests.test_import import confirm, preview, write_csv

HEADER = ["slug", "title", "kind", "status", "country_a", "country_b", "parties", "signed", "valid_until", "sectors"]


def memorandum_row(n: int, **values) -> list[str]:
    row = {
        "slug": f"imported-{n}",
        "title": f"Imported memorandum {n}",
        "kind": "mou",
        "status": "signed",
        "country_a": "BY",
        "country_b": "OM",
        "parties": "moh-belarus|moh-oman",
        "signed": "2025-22",
        "valid_until": "2030",
        "sectors": "oncology",
    }
    row.update(values)
    return [row[column] for column in HEADER]


def import_file(path) -> tablib.Dataset:
    """The file as the bench and the admin read it, then imported for real (not a dry run)."""
    dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    return MemorandumResource().import_data(dataset, dry_run=False, use_transactions=True)


@pytest.fixture
def cast(ministry_by, ministry_om, oncology):
    return ministry_by, ministry_om, oncology


def test_a_confirmed_import_keeps_a_version_of_each_record_and_its_signatories(
    admin_client, admin_user, tmp_path, cast
):
    path = write_csv(tmp_path / "memoranda.csv", HEADER, [memorandum_row(n) for n in range(3)])
    assert confirm(admin_client, "memorandum", preview(admin_client, "memorandum", path, "csv")).status_code == 302

    for memorandum in Memorandum.objects.all():
        [version] = Version.objects.get_for_object(memorandum)
        assert version.revision.user == admin_user
        assert version.revision.get_comment() == "Imported from “memoranda.csv”."
        assert version.field_dict["sectors"] == [cast[2].pk]
        signatories = Version.objects.get_for_model(Signatory).filter(revision=version.revision)
        assert {int(v.object_id) for v in signatories} >= set(memorandum.signatories.values_list("pk", flat=True))
    assert Version.objects.get_for_model(Signatory).count() == 6


def test_the_versions_written_in_bulk_are_those_django_reversion_writes(admin_client, tmp_path, cast):
    path = write_csv(tmp_path / "memoranda.csv", HEADER, [memorandum_row(1, parties="moh-oman")])
    assert confirm(admin_client, "memorandum", preview(admin_client, "memorandum", path, "csv")).status_code == 302
    memorandum = Memorandum.objects.get()
    with reversion.create_revision():
        reversion.add_to_revision(memorandum)

    imported, saved = Version.objects.get_for_object(memorandum).order_by("pk")
    assert imported.revision != saved.revision
    assert imported.serialized_data == saved.serialized_data
    assert imported.object_repr == saved.object_repr
    [imported_part] = Version.objects.get_for_model(Signatory).filter(revision=imported.revision)
    [saved_part] = Version.objects.get_for_model(Signatory).filter(revision=saved.revision)
    assert (imported_part.serialized_data, imported_part.object_repr) == (
        saved_part.serialized_data,
        saved_part.object_repr,
    )


def test_an_imported_memorandum_is_found_by_a_party_s_alternative_name(tmp_path, cast):
    factories.InstitutionNameFactory(institution=cast[0], name="Минздрав Беларуси", language="ru")
    path = write_csv(tmp_path / "memoranda.csv", HEADER, [memorandum_row(1, title="Twinning of cancer registries")])
    result = import_file(path)
    assert not result.has_errors() and not result.has_validation_errors()

    assert list(Memorandum.objects.search("минздрав").values_list("slug", flat=True)) == ["imported-1"]
    assert list(Memorandum.objects.search("twinning registries").values_list("slug", flat=True)) == ["imported-1"]


def test_search_keys_and_date_bounds_are_what_a_save_would_store(tmp_path, cast):
    rows = [
        memorandum_row(1, signed="2025-22", valid_until="2030"),
        memorandum_row(2, signed="2024-08-26/2024-08-29", valid_until=""),
    ]
    import_file(write_csv(tmp_path / "memoranda.csv", HEADER, rows))

    summer = Memorandum.objects.get(slug="imported-1")
    assert (summer.signed_earliest.isoformat(), summer.signed_latest.isoformat()) == ("2025-06-01", "2025-08-31")
    assert (summer.valid_until_earliest.isoformat(), summer.valid_until_latest.isoformat()) == (
        "2030-01-01",
        "2030-12-31",
    )
    for memorandum in Memorandum.objects.all():
        imported = [getattr(memorandum, name) for name in SAVED_BY_SIGNALS]
        memorandum.save()
        memorandum.refresh_from_db()
        assert [getattr(memorandum, name) for name in SAVED_BY_SIGNALS] == imported
        assert imported[0]  # search keys


SAVED_BY_SIGNALS = [
    "search_text",
    "signed_earliest",
    "signed_latest",
    "valid_until_earliest",
    "valid_until_latest",
]


def test_a_bad_row_in_a_later_batch_writes_nothing(tmp_path, cast):
    rows = [memorandum_row(n) for n in range(1, 1501)]
    rows[1399] = memorandum_row(1400, country_b="XX")  # the file's row 1400, in the second batch of 1000
    path = write_csv(tmp_path / "memoranda.csv", HEADER, rows)

    result = import_file(path)

    [invalid] = result.invalid_rows
    assert invalid.number == 1400
    assert "“XX” is not an ISO 3166-1 alpha-2 country code" in str(invalid.error_dict["country_b"])
    assert not Memorandum.objects.exists()
    assert not Signatory.objects.exists()
    assert not Memorandum.sectors.through.objects.exists()


def test_the_preview_of_a_large_file_names_the_bad_row_and_writes_nothing(admin_client, tmp_path, cast):
    rows = [memorandum_row(n) for n in range(1, 1201)]
    rows[1149] = memorandum_row(1150, parties="moh-belarus|moh-atlantis")
    path = write_csv(tmp_path / "memoranda.csv", HEADER, rows)

    response = preview(admin_client, "memorandum", path, "csv")

    [invalid] = response.context["result"].invalid_rows
    assert invalid.number == 1150
    assert "“moh-atlantis”" in str(invalid.error_dict["parties"])
    assert "confirm_form" not in response.context
    assert not Memorandum.objects.exists()


def test_updating_rows_replaces_their_links_and_keeps_the_signatories_that_stay(
    admin_client, tmp_path, cast, health, memorandum
):
    ministry_by, ministry_om, oncology = cast
    third = factories.InstitutionFactory(slug="cancer-centre", country=ministry_om.country)
    signer = factories.PersonFactory(country=ministry_om.country)
    memorandum.sectors.add(oncology)
    staying = Signatory.objects.create(memorandum=memorandum, institution=ministry_om, person=signer)
    Signatory.objects.create(memorandum=memorandum, institution=ministry_by)
    untouched = factories.MemorandumFactory(slug="untouched", title="Not in the file")
    untouched.sectors.add(oncology)

    rows = [
        memorandum_row(
            0, slug=memorandum.slug, title="Renamed", parties="moh-oman|cancer-centre", sectors="healthcare"
        ),
        memorandum_row(1),
    ]
    path = write_csv(tmp_path / "memoranda.csv", HEADER, rows)
    response = preview(admin_client, "memorandum", path, "csv")
    assert response.context["result"].totals["update"] == 1
    assert response.context["result"].totals["new"] == 1
    assert confirm(admin_client, "memorandum", response).status_code == 302

    memorandum.refresh_from_db()
    assert memorandum.title == "Renamed"
    assert memorandum.search_text.startswith("renamed")
    assert list(memorandum.sectors.all()) == [health]
    assert set(memorandum.parties.values_list("slug", flat=True)) == {"moh-oman", "cancer-centre"}
    assert Signatory.objects.get(memorandum=memorandum, institution=ministry_om) == staying
    assert Signatory.objects.get(pk=staying.pk).person == signer
    assert list(untouched.sectors.all()) == [oncology]
    [version] = Version.objects.get_for_object(memorandum)
    assert version.field_dict["title"] == "Renamed"
    assert version.field_dict["sectors"] == [health.pk]
    assert third.memoranda.get() == memorandum


def test_the_preview_shows_the_links_a_row_will_have(admin_client, tmp_path, cast, memorandum):
    memorandum.sectors.add(cast[2])
    rows = [memorandum_row(0, slug=memorandum.slug, sectors="healthcare|oncology"), memorandum_row(1)]
    response = preview(admin_client, "memorandum", write_csv(tmp_path / "m.csv", HEADER, rows), "csv")

    result = response.context["result"]
    sectors, parties = result.diff_headers.index("sectors"), result.diff_headers.index("parties")
    updated, new = result.valid_rows()
    assert updated.diff[sectors] == '<ins style="background:#e6ffe6;">healthcare|</ins><span>oncology</span>'
    assert new.diff[sectors] == '<ins style="background:#e6ffe6;">oncology</ins>'
    assert new.diff[parties] == '<ins style="background:#e6ffe6;">moh-belarus|moh-oman</ins>'


def test_an_import_makes_the_cached_figures_stale(tmp_path, cast):
    before = caching.data_version()
    import_file(write_csv(tmp_path / "memoranda.csv", HEADER, [memorandum_row(n) for n in range(20)]))
    assert Memorandum.objects.count() == 20
    assert caching.data_version() > before


def test_the_queries_do_not_grow_with_the_rows(tmp_path, cast):
    def queries_for(rows: int, start: int) -> list[str]:
        path = write_csv(tmp_path / f"memoranda-{rows}.csv", HEADER, [memorandum_row(start + n) for n in range(rows)])
        with CaptureQueriesContext(connection) as queries:
            result = import_file(path)
        assert not result.has_errors() and not result.has_validation_errors()
        return [query["sql"] for query in queries.captured_queries]

    few, many = queries_for(10, 0), queries_for(500, 100)

    # Reads, once per file: the keys of each column (country_a, country_b, parties, sectors), the
    # records the file updates, and on PostgreSQL the sequence reset; once per batch, for the search
    # keys that hold the parties' names: the signatories, their institutions and the institutions'
    # other names. Raising the data version is not a read.
    def reads(queries: list[str]) -> list[str]:
        return [sql for sql in queries if sql.startswith("SELECT") and "agreements_data_version" not in sql]

    assert len(reads(many)) == len(reads(few)) <= 9
    # Writes: the rows and the signatory and sector links, in statements of as many rows as the
    # database takes (SQLite fewer than PostgreSQL), and the sequence reset.
    assert len(many) < 50


def test_rows_without_a_slug_get_one_of_their_own(tmp_path, cast):
    factories.MemorandumFactory(slug="twinning", title="Twinning")
    rows = [memorandum_row(1, slug="", title="Twinning"), memorandum_row(2, slug="", title="Twinning")]
    import_file(write_csv(tmp_path / "memoranda.csv", HEADER, rows))
    assert set(Memorandum.objects.values_list("slug", flat=True)) == {"twinning", "twinning-2", "twinning-3"}


def test_a_sector_named_as_its_own_parent_is_reported(admin_client, tmp_path, oncology):
    path = write_csv(tmp_path / "sectors.csv", ["slug", "name", "parent"], [["oncology", "Oncology", "oncology"]])
    [invalid] = preview(admin_client, "sector", path, "csv").context["result"].invalid_rows
    assert "A sector cannot be its own parent." in str(invalid.error_dict)
