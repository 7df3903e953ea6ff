"""Imports of awkward and hostile files: encodings, size and row limits, wrong headers,
duplicate rows and bad values. Every problem is named; a file with one writes nothing."""

from __future__ import annotations

import codecs
import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from agreements.models import Memorandum
from agreements.resources import MemorandumResource
from tests.test_import import FORMAT, confirm, preview

HEADER = ["slug", "title", "kind", "status", "country_a", "country_b", "signed", "signed_at"]
CYRILLIC_ROW = ["mou-zdrav", "Меморандум о сотрудничестве в области здравоохранения", "mou", "signed", "BY", "OM"]
CYRILLIC_ROW += ["2025-10-06", "Минск"]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path, header, rows, encoding: str = "utf-8"):
    path.write_bytes(csv_text(header, rows).encode(encoding))
    return path


@pytest.fixture
def countries(belarus, oman):
    return belarus, oman


def errors_of(response) -> str:
    """Every message the import page shows: form errors, file-level errors and row errors."""
    messages = []
    form = response.context.get("form")
    if form is not None:
        messages += [str(error) for errors in form.errors.values() for error in errors]
    result = response.context.get("result")
    if result is not None:
        messages += [str(error.error) for error in result.base_errors]
        messages += [str(invalid.error_dict) for invalid in result.invalid_rows]
    return "\n".join(messages)


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "utf-16"])
def test_cyrillic_csv_imports_intact_in_each_encoding(admin_client, tmp_path, countries, encoding):
    path = write_csv(tmp_path / f"memoranda-{encoding}.csv", HEADER, [CYRILLIC_ROW], encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(codecs.BOM_UTF8)

    response = preview(admin_client, "memorandum", path, "csv")
    assert "confirm_form" in response.context, errors_of(response)
    assert confirm(admin_client, "memorandum", response).status_code == 302

    memo = Memorandum.objects.get(slug="mou-zdrav")
    assert memo.title == "Меморандум о сотрудничестве в области здравоохранения"
    assert memo.signed_at == "Минск"


def test_a_file_in_no_known_encoding_is_refused_with_advice(admin_client, tmp_path, countries):
    # Bytes that read as text in no encoding: every one decodes in KOI8-R, but into nonsense.
    path = tmp_path / "memoranda.csv"
    noise = bytes((57 * n) % 128 + 128 for n in range(300))
    path.write_bytes(csv_text(HEADER, [["x", "Caf", "mou", "signed", "BY", "OM", "", ""]]).encode() + noise)
    response = preview(admin_client, "memorandum", path, "csv")
    assert "not text in any encoding the tracker reads" in errors_of(response)
    assert not Memorandum.objects.exists()


def test_a_spreadsheet_uploaded_as_csv_is_refused_with_advice(admin_client, tmp_path, countries):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    path = tmp_path / "memoranda.xlsx"
    book.save(path)
    response = preview(admin_client, "memorandum", path, "csv")
    assert "This file is an Excel workbook (XLSX)" in errors_of(response)


# ---------------------------------------------------------------- limits


def test_a_file_over_the_size_limit_is_refused(admin_client, tmp_path, countries, settings):
    settings.IMPORT_MAX_BYTES = 1024
    rows = [
        [f"mou-{n}", "A memorandum with a rather long title " * 3, "mou", "signed", "BY", "OM", "", ""]
        for n in range(20)
    ]
    path = write_csv(tmp_path / "memoranda.csv", HEADER, rows)
    assert path.stat().st_size > 1024

    response = preview(admin_client, "memorandum", path, "csv")
    assert response.status_code == 200
    assert "files of at most 1.0\xa0KB can be imported" in errors_of(response)
    assert "confirm_form" not in response.context


@pytest.mark.parametrize(
    ("file_format", "message"),
    [("csv", "more than 3 rows"), ("xlsx", "4 rows under the header; at most 3 rows can be imported")],
)
def test_a_file_over_the_row_limit_is_refused(admin_client, tmp_path, countries, settings, file_format, message):
    settings.IMPORT_MAX_ROWS = 3
    rows = [[f"mou-{n}", f"MoU {n}", "mou", "signed", "BY", "OM", "", ""] for n in range(4)]
    if file_format == "csv":
        path = write_csv(tmp_path / "memoranda.csv", HEADER, rows)
    else:
        book = openpyxl.Workbook()
        for row in [HEADER, *rows]:
            book.active.append(row)
        path = tmp_path / "memoranda.xlsx"
        book.save(path)

    response = preview(admin_client, "memorandum", path, file_format)
    assert message in errors_of(response)
    assert "confirm_form" not in response.context
    assert not Memorandum.objects.exists()


def test_the_row_limit_holds_for_imports_outside_the_admin(countries, settings):
    settings.IMPORT_MAX_ROWS = 1
    rows = [[f"mou-{n}", f"MoU {n}", "mou", "signed", "BY", "OM", "", ""] for n in range(2)]
    from tablib import Dataset

    result = MemorandumResource().import_data(Dataset(*rows, headers=HEADER), dry_run=False)
    assert result.has_errors()
    assert "at most 1 can be imported" in str(result.base_errors[0].error)
    assert not Memorandum.objects.exists()


# ---------------------------------------------------------------- headers


def test_an_unknown_column_is_named(admin_client, tmp_path, countries):
    path = write_csv(tmp_path / "memoranda.csv", [*HEADER, "colour"], [[*CYRILLIC_ROW, "blue"]])
    response = preview(admin_client, "memorandum", path, "csv")
    errors = errors_of(response)
    assert "Unknown columns: “colour”" in errors
    assert "colour" in response.content.decode()
    assert "confirm_form" not in response.context
    assert not Memorandum.objects.exists()


def test_a_missing_required_column_is_named(admin_client, tmp_path, countries):
    header = [column for column in HEADER if column != "title"]
    row = [value for column, value in zip(HEADER, CYRILLIC_ROW, strict=True) if column != "title"]
    path = write_csv(tmp_path / "memoranda.csv", header, [row])
    response = preview(admin_client, "memorandum", path, "csv")
    assert "Required columns missing: “title”" in errors_of(response)
    assert "confirm_form" not in response.context


def test_a_column_given_twice_is_named(admin_client, tmp_path, countries):
    path = write_csv(tmp_path / "memoranda.csv", [*HEADER, "title"], [[*CYRILLIC_ROW, "Another title"]])
    response = preview(admin_client, "memorandum", path, "csv")
    assert "Columns given more than once: “title”" in errors_of(response)


def test_spaces_around_column_names_are_forgiven(admin_client, tmp_path, countries):
    path = write_csv(tmp_path / "memoranda.csv", [f" {column} " for column in HEADER], [CYRILLIC_ROW])
    response = preview(admin_client, "memorandum", path, "csv")
    assert "confirm_form" in response.context, errors_of(response)


# ---------------------------------------------------------------- rows


def test_the_same_slug_twice_is_reported_on_the_later_row(admin_client, tmp_path, countries):
    rows = [
        ["mou-a", "First", "mou", "signed", "BY", "OM", "", ""],
        ["mou-b", "Second", "mou", "signed", "BY", "OM", "", ""],
        ["mou-a", "First again, changed", "mou", "signed", "BY", "OM", "", ""],
    ]
    path = write_csv(tmp_path / "memoranda.csv", HEADER, rows)
    response = preview(admin_client, "memorandum", path, "csv")
    [invalid] = response.context["result"].invalid_rows
    assert invalid.number == 3
    assert "Row 4 has the same slug “mou-a” as row 2." in str(invalid.error_dict["slug"])  # the header is row 1
    assert "confirm_form" not in response.context
    assert not Memorandum.objects.exists()


def test_each_bad_value_is_named_by_row_and_column_and_nothing_is_written(
    admin_client, tmp_path, countries, ministry_by
):
    header = [*HEADER, "parties"]
    rows = [
        ["ok", "A good row", "mou", "signed", "BY", "OM", "2025", "Minsk", ministry_by.slug],
        ["bad-country", "Unknown country", "mou", "signed", "BY", "QQ", "2025", "", ""],
        ["bad-party", "Unknown institution", "mou", "signed", "BY", "OM", "2025", "", "ministry-of-nowhere"],
        ["bad-date", "Unparseable date", "mou", "signed", "BY", "OM", "the sixth of Octember", "", ""],
    ]
    path = write_csv(tmp_path / "memoranda.csv", header, rows)
    response = preview(admin_client, "memorandum", path, "csv")

    invalid = {row.number: row.error_dict for row in response.context["result"].invalid_rows}
    assert set(invalid) == {2, 3, 4}
    assert "“QQ” is not an ISO 3166-1 alpha-2 country code" in str(invalid[2]["country_b"])
    assert "“ministry-of-nowhere”" in str(invalid[3]["parties"])
    assert "not an EDTF date" in str(invalid[4]["signed"])
    assert "confirm_form" not in response.context
    assert not Memorandum.objects.exists()


def test_a_confirmation_naming_a_missing_or_foreign_file_asks_for_the_file_again(admin_client, countries):
    response = admin_client.post(
        reverse("admin:agreements_memorandum_process_import"),
        {
            "import_file_name": "../../etc/passwd",
            "original_file_name": "passwd.csv",
            "format": FORMAT["csv"],
            "resource": "0",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:agreements_memorandum_import")
    messages = [str(message) for message in admin_client.get(response["Location"]).context["messages"]]
    assert any("upload it again" in message for message in messages)
    assert not Memorandum.objects.exists()
