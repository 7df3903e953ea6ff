"""Admin imports of real CSV and XLSX files: preview, confirm, all-or-nothing, round trip."""

from __future__ import annotations

import csv
import datetime
import json

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from agreements.models import Commitment, Memorandum, Visit
from agreements.resources import InstitutionResource, MemorandumResource, VisitResource
from tests import factories

FORMAT = {"csv": "0", "xlsx": "1", "json": "2", "tsv": "3"}

MEMORANDUM_HEADER = ["slug", "title", "kind", "status", "country_a", "country_b", "signed", "signed_at", "sectors"]
GOOD_ROWS = [
    ["mou-health", "MoU on healthcare", "mou", "signed", "BY", "OM", "2025-22", "Minsk", "healthcare"],
    ["mou-cancer", "MoU between the cancer centres", "mou", "signed", "BY", "OM", "2025-10-06", "Minsk", "oncology"],
]

# The memorandum columns of files written before the columns for signers and original titles.
ALL_MEMORANDUM_COLUMNS_2025 = [
    *["slug", "title", "kind", "legally_binding", "status", "country_a", "country_b", "parties", "signed"],
    *["signed_at", "visit", "valid_until", "sectors", "summary", "sources"],
]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def preview(client, model: str, path, file_format: str):
    with open(path, "rb") as handle:
        return client.post(
            reverse(f"admin:agreements_{model}_import"),
            {"resource": "0", "format": FORMAT[file_format], "import_file": handle},
        )


def confirm(client, model: str, response):
    form = response.context["confirm_form"]
    return client.post(reverse(f"admin:agreements_{model}_process_import"), form.initial)


@pytest.fixture
def sectors(oncology):
    return oncology


@pytest.mark.parametrize(("file_format", "writer"), [("csv", write_csv), ("xlsx", write_xlsx)])
def test_import_previews_then_writes_on_confirm(admin_client, tmp_path, belarus, oman, sectors, file_format, writer):
    path = writer(tmp_path / f"memoranda.{file_format}", MEMORANDUM_HEADER, GOOD_ROWS)

    response = preview(admin_client, "memorandum", path, file_format)
    assert response.status_code == 200
    assert response.context["result"].totals["new"] == 2
    assert "confirm_form" in response.context
    assert not Memorandum.objects.exists(), "the preview is a dry run"

    response = confirm(admin_client, "memorandum", response)
    assert response.status_code == 302
    health = Memorandum.objects.get(slug="mou-health")
    assert (health.signed_earliest.isoformat(), health.signed_latest.isoformat()) == ("2025-06-01", "2025-08-31")
    assert list(Memorandum.objects.get(slug="mou-cancer").sectors.values_list("slug", flat=True)) == ["oncology"]


def test_a_file_with_one_bad_row_names_row_and_column_and_writes_nothing(
    admin_client, tmp_path, belarus, oman, sectors
):
    rows = [*GOOD_ROWS, ["mou-bad", "Bad row", "mou", "signed", "BY", "XX", "6 October", "Minsk", "no-such-sector"]]
    path = write_csv(tmp_path / "memoranda.csv", MEMORANDUM_HEADER, rows)

    response = preview(admin_client, "memorandum", path, "csv")

    result = response.context["result"]
    assert "confirm_form" not in response.context
    [invalid] = result.invalid_rows
    assert invalid.number == 3
    errors = invalid.error_dict
    assert "not an ISO 3166-1 alpha-2 country code" in str(errors["country_b"])
    assert "“6 October” gives no year" in str(errors["signed"])
    assert "no-such-sector" in str(errors["sectors"])
    page = response.content.decode()
    assert "No sector has the slug, name or alternative name “no-such-sector”." in page
    assert not Memorandum.objects.exists()


def test_a_row_that_breaks_a_rule_of_the_model_is_reported(admin_client, tmp_path, belarus, sectors):
    rows = [["same", "Same country twice", "mou", "signed", "BY", "BY", "2025", "", ""]]
    path = write_csv(tmp_path / "memoranda.csv", MEMORANDUM_HEADER, rows)
    response = preview(admin_client, "memorandum", path, "csv")
    [invalid] = response.context["result"].invalid_rows
    assert "must differ" in str(invalid.error_dict["country_b"])
    assert not Memorandum.objects.exists()


def test_commitments_import_by_the_slugs_of_their_origin_and_fulfiller(admin_client, tmp_path, forum, memorandum):
    header = ["slug", "title", "origin_visit", "origin_memorandum", "status", "fulfilled_by_memorandum", "due"]
    rows = [
        ["prepare-mou", "Prepare the cancer-centre MoU", forum.slug, "", "fulfilled", memorandum.slug, "2025"],
        ["no-origin", "A promise from nowhere", "", "", "open", "", ""],
    ]
    path = write_csv(tmp_path / "commitments.csv", header, rows)
    response = preview(admin_client, "commitment", path, "csv")
    [invalid] = response.context["result"].invalid_rows
    assert invalid.number == 2
    assert "exactly one visit or one memorandum" in str(invalid.error_dict)
    assert not Commitment.objects.exists()

    path = write_csv(tmp_path / "commitments.csv", header, rows[:1])
    response = confirm(admin_client, "commitment", preview(admin_client, "commitment", path, "csv"))
    assert response.status_code == 302
    assert Commitment.objects.get(slug="prepare-mou").fulfilled_by == memorandum


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_export_then_reimport_round_trips(
    admin_client, tmp_path, memorandum, forum, oncology, ministry_by, file_format
):
    memorandum.sectors.add(oncology)
    memorandum.visit = forum
    memorandum.save()
    memorandum.parties.add(ministry_by)
    factories.CommitmentFactory(origin_memorandum=memorandum, origin_visit=None, title="Joint research", due="2026")
    before = MemorandumResource().export().dict

    response = admin_client.post(
        reverse("admin:agreements_memorandum_export"),
        {"format": FORMAT[file_format], "resource": "0", **{f"memorandumresource_{name}": "on" for name in before[0]}},
    )
    assert response.status_code == 200
    exported = tmp_path / f"export.{file_format}"
    exported.write_bytes(response.content)

    Memorandum.objects.update(title="changed", signed="", summary="changed")
    response = confirm(admin_client, "memorandum", preview(admin_client, "memorandum", exported, file_format))
    assert response.status_code == 302
    assert MemorandumResource().export().dict == before


def test_exports_neutralise_formulas(admin_client, belarus, oman):
    factories.MemorandumFactory(title='=HYPERLINK("http://x")', country_a=belarus, country_b=oman)
    response = admin_client.post(
        reverse("admin:agreements_memorandum_export"),
        {"format": FORMAT["csv"], "resource": "0", "memorandumresource_title": "on"},
    )
    assert "'=HYPERLINK" in response.content.decode()


def test_visits_and_their_many_to_many_columns_round_trip_through_the_resource(forum, oncology, ministry_om):
    forum.sectors.add(oncology)
    forum.institutions.add(ministry_om)
    dataset = VisitResource().export()
    Visit.objects.update(city="")
    forum.sectors.clear()
    result = VisitResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert not result.has_validation_errors()
    forum.refresh_from_db()
    assert forum.city == "Muscat"
    assert list(forum.sectors.all()) == [oncology]


def test_a_json_file_of_commitments_imports(admin_client, tmp_path, forum):
    rows = [{"slug": "c1", "title": "Visit Minsk in 2025", "origin_visit": forum.slug, "status": "open", "due": "2025"}]
    path = tmp_path / "commitments.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    response = confirm(admin_client, "commitment", preview(admin_client, "commitment", path, "json"))
    assert response.status_code == 302
    assert Commitment.objects.get(slug="c1").due_latest.isoformat() == "2025-12-31"


SAMPLES = settings.BASE_DIR / "docs" / "import-samples"
SAMPLE_ORDER = [
    ("sector", "sectors.csv"),
    ("source", "sources.csv"),
    ("institution", "institutions.csv"),
    ("person", "people.csv"),
    ("visit", "visits.csv"),
    ("memorandum", "memoranda.csv"),
    ("commitment", "commitments.csv"),
]


def test_the_sample_files_import_in_their_documented_order(admin_client, db):
    for model, file_name in SAMPLE_ORDER:
        response = preview(admin_client, model, SAMPLES / file_name, "csv")
        result = response.context["result"]
        assert not result.has_errors() and not result.has_validation_errors(), (file_name, result.invalid_rows)
        assert confirm(admin_client, model, response).status_code == 302
    memo = Memorandum.objects.get(slug="example-mou-medical-education")
    assert memo.visit.slug == "example-rector-visit-muscat"
    assert memo.legally_binding is False
    assert memo.fulfilled_commitments.get().slug == "example-sign-mou"
    assert memo.commitments.get().due_in_words == "autumn 2026"
    university = memo.parties.get(slug="example-medical-university-by")
    assert sorted(university.alternative_names.values_list("language", "name")) == [
        ("ru", "ПМУ"),
        ("ru", "Пример медицинского университета"),
    ]


def test_alternative_names_round_trip_and_a_bad_one_names_its_column(admin_client, tmp_path, ministry_by):
    header = ["slug", "name", "alternative_names", "country", "kind"]
    rows = [[ministry_by.slug, ministry_by.name, "ru:Министерство здравоохранения|ar:وزارة الصحة", "BY", "ministry"]]
    path = write_csv(tmp_path / "institutions.csv", header, rows)
    assert confirm(admin_client, "institution", preview(admin_client, "institution", path, "csv")).status_code == 302
    exported = InstitutionResource().export().dict[0]["alternative_names"]
    assert exported == "ru:Министерство здравоохранения|ar:وزارة الصحة"

    rows[0][2] = "Minzdrav"
    path = write_csv(tmp_path / "institutions.csv", header, rows)
    [invalid] = preview(admin_client, "institution", path, "csv").context["result"].invalid_rows
    assert "“Minzdrav” is not language:name" in str(invalid.error_dict["alternative_names"])
    assert ministry_by.alternative_names.count() == 2


def memorandum_row(**values) -> list[str]:
    """A row of the memorandum import: a signed MoU of 2024 with Oman, with `values` in its columns."""
    values = {"kind": "mou", "status": "signed", "country_b": "OM", "signed": "2024", **values}
    return [values.get(column, "") for column in MemorandumResource.Meta.fields]


def test_the_resource_itself_writes_nothing_when_one_row_is_bad(belarus, oman):
    import tablib

    good = ["fine-mou", "A fine MoU", "mou", "", "signed", "BY", "OM", "", "2024", "", "", "", "", "", ""]
    bad = ["bad-mou", "A bad MoU", "mou", "", "signed", "XX", "OM", "", "2024", "", "", "", "", "", ""]
    dataset = tablib.Dataset(good, bad, headers=ALL_MEMORANDUM_COLUMNS_2025)
    result = MemorandumResource().import_data(dataset, dry_run=False, use_transactions=True)
    assert result.has_validation_errors()
    assert not Memorandum.objects.exists()


def test_natural_keys_are_looked_up_once_per_import(belarus, oman, sectors):
    import tablib
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [
        [f"mou-{n}", f"MoU {n}", "mou", "", "signed", "BY", "OM", "", "2024", "", "", "", "oncology", "", ""]
        for n in range(30)
    ]
    dataset = tablib.Dataset(*rows, headers=ALL_MEMORANDUM_COLUMNS_2025)
    with CaptureQueriesContext(connection) as queries:
        result = MemorandumResource().import_data(dataset, dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    sql = [query["sql"] for query in queries.captured_queries]
    assert len([q for q in sql if q.startswith('SELECT "agreements_sector"') and "oncology" in q]) == 1
    assert len([q for q in sql if q.startswith('SELECT "agreements_country"') and "'BY'" in q]) == 1


def test_an_uploaded_file_waits_in_the_shared_database_cache_not_on_disk(db):
    from django.core.cache import caches
    from import_export.admin import ImportMixin

    from agreements.formats import SharedCacheStorage

    assert ImportMixin().get_tmp_storage_class() is SharedCacheStorage
    assert caches["imports"].__class__.__name__ == "DatabaseCache"
    stored = SharedCacheStorage()
    stored.save(b"slug,title\n")
    assert SharedCacheStorage(name=stored.name).read() == b"slug,title\n"  # as another worker would
    stored.remove()
    with pytest.raises(FileNotFoundError):
        SharedCacheStorage(name=stored.name).read()


def test_a_visit_file_keeps_the_delegation_apart_from_the_people_met(admin_client, tmp_path, forum, ministry_om):
    header = ["slug", "title", "kind", "host_country", "guest_country", "leader", "participants"]
    guest = factories.PersonFactory(slug="guest-minister", country=forum.guest_country)
    host = factories.PersonFactory(slug="host-minister", country=forum.host_country)
    row = [forum.slug, forum.title, "forum", "OM", "BY", "", guest.slug]
    # A file written before the people_met column existed still imports, and leaves it as it was.
    forum.people_met.set([host])
    path = write_csv(tmp_path / "visits.csv", header, [row])
    assert confirm(admin_client, "visit", preview(admin_client, "visit", path, "csv")).status_code == 302
    assert (list(forum.participants.all()), list(forum.people_met.all())) == ([guest], [host])

    path = write_csv(tmp_path / "visits.csv", [*header, "people_met"], [[*row, ""]])
    assert confirm(admin_client, "visit", preview(admin_client, "visit", path, "csv")).status_code == 302
    assert list(forum.people_met.all()) == []
    assert VisitResource().export().dict[0]["people_met"] == ""


def test_excel_date_cells_and_dates_in_words_import_as_edtf(admin_client, tmp_path, belarus, oman, sectors):
    typed = {
        "mou-day-cell": datetime.datetime(2019, 2, 18),
        "mou-time-cell": datetime.datetime(2019, 2, 18, 14, 30),
        "mou-summer": "лето 2025",
        "mou-year-unknown": "1 February, year unknown",
    }
    rows = [[slug, slug, "mou", "signed", "BY", "OM", signed, "", ""] for slug, signed in typed.items()]
    path = write_xlsx(tmp_path / "memoranda.xlsx", MEMORANDUM_HEADER, rows)

    response = preview(admin_client, "memorandum", path, "xlsx")
    assert not response.context["result"].invalid_rows
    assert confirm(admin_client, "memorandum", response).status_code == 302

    stored = dict(Memorandum.objects.values_list("slug", "signed"))
    assert stored == {
        "mou-day-cell": "2019-02-18",
        "mou-time-cell": "2019-02-18T14:30:00",
        "mou-summer": "2025-22",
        "mou-year-unknown": "XXXX-02-01",
    }


def test_an_ambiguous_date_is_refused_with_both_readings(admin_client, tmp_path, belarus, oman, sectors):
    rows = [["mou-ambiguous", "Ambiguous", "mou", "signed", "BY", "OM", "03/04/2019", "", ""]]
    path = write_csv(tmp_path / "memoranda.csv", MEMORANDUM_HEADER, rows)

    [invalid] = preview(admin_client, "memorandum", path, "csv").context["result"].invalid_rows

    assert "may be 4 Mar 2019 or 3 Apr 2019" in str(invalid.error_dict["signed"])
