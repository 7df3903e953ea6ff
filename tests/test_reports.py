"""Reports for people: /memoranda/report.xlsx and the others, in the reader's language."""

import csv
import datetime
import io
import re

import openpyxl
import pytest

from agreements.bidi import without_format_characters
from tests import factories
from tests.test_exports import content

# What an import-format export would show a reader in place of a name: slugs and codes.
CODES = re.compile(r"\b(BY|OM|mou|moh-belarus|sqccrc|alexandrov-cancer-centre|state-visit-belarus-2025)\b")


def workbook(response):
    assert response.status_code == 200, response.content
    return openpyxl.load_workbook(io.BytesIO(response.content))


def cells(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def as_dicts(sheet) -> list[dict]:
    rows = cells(sheet)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_a_russian_report_of_oncology_with_oman_has_no_slug_or_code(client, chain):
    chain["oncology"].name_ru = "Онкология"
    chain["oncology"].save()
    response = client.get("/memoranda/report.xlsx", {"sector": "oncology", "country": "OM", "lang": "ru"})
    book = workbook(response)
    sheet = book.active
    assert sheet.title == "Меморандумы"
    [row] = as_dicts(sheet)
    assert row["Заголовок"] == "Memorandum on cooperation between the national cancer centres of Belarus and Oman"
    assert row["Вид"] == "меморандум о взаимопонимании"
    assert row["Первая страна"] == "Беларусь"
    assert row["Вторая страна"] == "Оман"
    assert without_format_characters(row["Подписавшие учреждения"]).split("; ") == [
        "РНПЦ онкологии и медицинской радиологии",
        "Sultan Qaboos Comprehensive Cancer Care and Research Centre",
    ]
    assert row["Подписан"] == "6 октября 2025"
    assert row["Подписан: самый ранний возможный день"] == datetime.datetime(2025, 10, 6)
    assert row["Отрасли"] == "Онкология"
    for line in cells(sheet) + cells(book.worksheets[0]):
        for value in line:
            assert not (isinstance(value, str) and CODES.search(value)), value
    assert response["Content-Language"] == "ru"


def test_dates_in_words_with_their_bounds_as_date_cells(client, chain):
    sheet = workbook(client.get("/memoranda/report.xlsx", {"sort": "date", "lang": "ru"})).active
    ministries = as_dicts(sheet)[0]
    assert ministries["Подписан"] == "лето 2025"
    earliest = sheet.cell(row=2, column=list(ministries).index("Подписан: самый ранний возможный день") + 1)
    assert earliest.is_date and earliest.value.date() == datetime.date(2025, 6, 1)
    assert ministries["Подписан: самый поздний возможный день"].date() == datetime.date(2025, 8, 31)


def test_the_workbook_is_laid_out_for_reading(client, chain):
    book = workbook(client.get("/memoranda/report.xlsx"))
    about, sheet = book.worksheets
    assert book.active == sheet and sheet.title == "Memoranda"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=sheet.max_column).column_letter}3"
    headings = [cell.value for cell in sheet[1]]
    assert sheet.column_dimensions["B"].width >= len("memorandum of understanding")  # the kind, fitted
    summary = sheet.cell(row=2, column=headings.index("Summary") + 1)
    assert summary.alignment.wrap_text
    assert not sheet.sheet_view.rightToLeft
    about_lines = dict(cells(about))
    assert about_lines["Report"] == "Memoranda"
    assert about_lines["Filters"] == "none: every record"
    assert about_lines["Made by"].strip("\u2068\u2069") == "analyst"
    assert about_lines["Records"] == "2"


def test_computed_columns_say_what_followed(client, chain):
    rows = {row["Title"]: row for row in as_dicts(workbook(client.get("/memoranda/report.xlsx")).active)}
    centres = rows["Memorandum on cooperation between the national cancer centres of Belarus and Oman"]
    assert centres["What led to it"] == "Link the national cancer centres (Belarus–Oman business forum)"
    assert (centres["Commitments made"], centres["Commitments kept"], centres["Commitments open"]) == (2, 0, 2)
    assert centres["Signed during visit"] == "State visit of the Sultan of Oman to Belarus"
    assert centres["Sources"] == "Belarus and Oman sign documents during state visit — 6 Oct 2025"
    ministries = rows["Memorandum of understanding between the health ministries of Belarus and Oman"]
    assert ministries["Dormant"] == "no"  # the cancer-centre memorandum implements it
    commitments = {
        row["What was promised"]: row for row in as_dicts(workbook(client.get("/commitments/report.xlsx")).active)
    }
    kept = commitments["Prepare a memorandum between the health ministries"]
    assert kept["Fulfilled by"] == "Memorandum of understanding between the health ministries of Belarus and Oman"
    assert kept["Made at"] == "Belarus–Oman business forum"
    assert kept["Countries"] == "Oman; Belarus"
    assert commitments["Hold the first session of the joint commission"]["Overdue"] == "yes"
    visits = {row["Title"]: row for row in as_dicts(workbook(client.get("/visits/report.xlsx")).active)}
    forum = visits["Belarus–Oman business forum"]
    assert (forum["Commitments made"], forum["Commitments kept"], forum["Commitments open"]) == (3, 2, 1)
    assert forum["Delegation leader"] == "Aleksandr Khodjaev (Minister of Health)"
    assert forum["Date"] == "26–29 Aug 2024"


def test_an_arabic_report_reads_right_to_left(client, chain):
    response = client.get("/visits/report.xlsx", {"lang": "ar", "kind": "forum"})
    book = workbook(response)
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    [forum] = as_dicts(book.active)
    assert forum["البلد المضيف"] == "عُمان"
    # Several names in one cell of a right-to-left sheet each keep their own direction.
    assert "\u2068وزارة الصحة\u2069" in forum["الجهات"]


def test_the_file_name_names_the_filter(client, chain):
    response = client.get("/memoranda/report.xlsx", {"sector": "oncology", "country": "OM"})
    today = datetime.date.today().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="memoranda-oncology-OM-{today}.xlsx"'
    response = client.get("/commitments/report.csv", {"overdue": "on"})
    assert f'filename="commitments-overdue-{today}.csv"' in response["Content-Disposition"]


def test_the_csv_report_describes_itself_then_lists_the_records(client, chain):
    chain["oncology"].name_ru = "Онкология"
    chain["oncology"].save()
    response = client.get("/memoranda/report.csv", {"country": "OM", "lang": "ru", "sector": "oncology"})
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    text = content(response).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    blank = lines.index([])
    description = dict(lines[:blank])
    assert without_format_characters(description["Фильтры"]) == "Отрасль: Онкология; Страна: Оман"
    header, *records = lines[blank + 1 :]
    assert header[:3] == ["Заголовок", "Вид", "Статус"]
    assert len(records) == 1 and records[0][3] == "Беларусь"
    assert "2025-10-06" in records[0]  # the earliest and latest days, sortable


def test_the_interface_language_is_the_default(client, chain):
    client.cookies["django_language"] = "ar"
    sheet = workbook(client.get("/memoranda/report.xlsx")).active
    assert sheet.sheet_view.rightToLeft
    assert sheet["A1"].value == "العنوان"


def test_formulas_stay_text(client, chain):
    factories.MemorandumFactory(title='=HYPERLINK("http://evil")', slug="evil", summary="+1")
    sheet = workbook(client.get("/memoranda/report.xlsx", {"q": "HYPERLINK"})).active
    assert (sheet["A2"].value, sheet["A2"].data_type) == ('=HYPERLINK("http://evil")', "s")
    text = content(client.get("/memoranda/report.csv", {"q": "HYPERLINK"})).decode("utf-8")
    assert "'=HYPERLINK" in text and ",'+1," in text


def test_bad_requests_are_refused_plainly(client, chain, settings):
    response = client.get("/memoranda/report.xlsx", {"lang": "xx"})
    assert response.status_code == 400 and "lang" in response.content.decode()
    response = client.get("/memoranda/report.csv", {"country": "XX"})
    assert response.status_code == 400 and "There is no country" in response.content.decode()
    assert client.get("/memoranda/report.json").status_code == 404
    settings.EXPORT_MAX_ROWS = 1
    response = client.get("/memoranda/report.xlsx")
    assert response.status_code == 400 and "stop at 1 rows" in response.content.decode()


def test_reports_need_the_export_permission(viewer_client, chain):
    assert viewer_client.get("/memoranda/report.xlsx").status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_report_query_count_does_not_grow_with_rows(client, crowded, django_assert_max_num_queries, fmt):
    # 4 for the signed-in user (session, user, their permissions, their groups' permissions);
    # 2 filter choices (sectors, countries); 1 count (CSV only); 1 page of memoranda with their
    # countries, visit, dormancy and commitment counts; 8 prefetches (sectors, signatories with their
    # institutions and people and each one's names, sources, the commitments kept with origins).
    with django_assert_max_num_queries(17):
        response = client.get(f"/memoranda/report.{fmt}")
    assert response.status_code == 200
    content(response)


def test_the_seeds_russian_report_of_oncology_with_oman_reads_without_codes(client, db):
    from django.core.management import call_command

    from agreements.models import Commitment, Institution, Memorandum, Person, Sector, Source, Visit

    call_command("seed", verbosity=0)
    book = workbook(client.get("/memoranda/report.xlsx", {"sector": "oncology", "country": "OM", "lang": "ru"}))
    rows = as_dicts(book.active)
    assert rows and {row["Вторая страна"] for row in rows} | {row["Первая страна"] for row in rows} >= {"Оман"}
    assert any(row["Подписан"] == "6 октября 2025" for row in rows)
    slugs = {
        slug
        for model in (Commitment, Institution, Memorandum, Person, Sector, Source, Visit)
        for slug in model.objects.values_list("slug", flat=True)
    }
    edtf = re.compile(r"\b\d{4}-(2[1-4]|\d\d-\d\d)\b|\b(BY|OM)\b")
    for line in cells(book.active) + cells(book.worksheets[0]):
        for value in line:
            if isinstance(value, str):
                assert not edtf.search(value), value
                assert not any(re.search(rf"(?<![\w-]){re.escape(slug)}(?![\w-])", value) for slug in slugs), value
