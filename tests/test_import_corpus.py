"""The bad-file corpus: every hostile or broken upload tried against the import, each refused
with a message that names the problem (its line, row or limit) and with nothing written, and
the dangerous workbooks refused before their data is read, in bounded memory.

The files are generated here, once per run (`corpus`); docs/security.md lists each case and
its result.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.utils import translation

from agreements.models import Memorandum
from agreements.resources import MemorandumResource
from tests.test_import import FORMAT, confirm

HEADER = ["slug", "title", "kind", "status", "country_a", "country_b", "signed", "signed_at"]
ROW = ["mou-health", "MoU on healthcare", "mou", "signed", "BY", "OM", "2025-10-06", "Minsk"]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS, CONTENT_TYPES, WORKBOOK_RELATIONS = (
    "xl/sharedStrings.xml",
    "[Content_Types].xml",
    "xl/_rels/workbook.xml.rels",
)


@pytest.fixture
def countries(belarus, oman):
    return belarus, oman


def csv_bytes(rows, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def problems_of(response) -> str:
    """Everything the import page says is wrong: form errors, whole-file problems, row problems."""
    found = []
    form = response.context.get("form")
    if form is not None:
        found += [str(error) for errors in form.errors.values() for error in errors]
    report = response.context.get("report")
    if report is not None:
        found += report.file_problems
        found += [f"{p.row}|{p.column}|{p.value}|{p.reason}" for p in report.problems]
    return "\n".join(found)


def upload(client, tmp_path, name: str, data: bytes, file_format: str, **fields):
    path = tmp_path / name
    path.write_bytes(data)
    with open(path, "rb") as handle:
        return client.post(
            "/admin/agreements/memorandum/import/",
            {"resource": "0", "format": FORMAT[file_format], "import_file": handle, **fields},
        )


def assert_refused(response, message: str) -> None:
    """Message shown, nothing written, nothing to confirm, and no traceback or server path."""
    assert response.status_code == 200
    found = problems_of(response)
    assert message in found, found[:2000]
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert "Traceback" not in page and str(settings.BASE_DIR) not in page
    assert Memorandum.objects.count() == 0


# ---------------------------------------------------------------- workbooks


def inline(value: str) -> str:
    return f'<is><t xml:space="preserve">{value}</t></is>'


def sheet_xml(rows, *, dimension: str | None = None, extra: str = "") -> bytes:
    """A worksheet of inline strings; `extra` is appended inside sheetData (more rows)."""
    cells = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{openpyxl.utils.get_column_letter(c)}{r}" t="inlineStr">{inline(v)}</c>'
            for c, v in enumerate(row, 1)
        )
        + "</row>"
        for r, row in enumerate(rows, 1)
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN}">{declared}<sheetData>{cells}{extra}</sheetData></worksheet>'.encode()


def base_workbook(rows=(HEADER, ROW)) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rebuild(base: bytes, parts: dict) -> bytes:
    """`base` with some parts replaced or added; a part given as a callable writes itself in
    chunks (for parts of hundreds of megabytes). A shared-strings table is registered as Excel
    registers it, so that openpyxl reads it."""
    if SHARED_STRINGS in parts:
        with zipfile.ZipFile(io.BytesIO(base)) as source:
            types, relations = source.read(CONTENT_TYPES).decode(), source.read(WORKBOOK_RELATIONS).decode()
        parts = {
            CONTENT_TYPES: types.replace(
                "</Types>",
                f'<Override PartName="/{SHARED_STRINGS}" ContentType="application/vnd.openxmlformats-officedocument.'
                'spreadsheetml.sharedStrings+xml"/></Types>',
            ),
            WORKBOOK_RELATIONS: relations.replace(
                "</Relationships>",
                '<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/sharedStrings"/></Relationships>',
            ),
            **parts,
        }
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info.filename, source.read(info.filename))
        for name, content in parts.items():
            if callable(content):
                with target.open(name, "w", force_zip64=True) as handle:
                    content(handle)
            else:
                target.writestr(name, content)
    return out.getvalue()


def repeated(head: bytes, unit: bytes, times: int, tail: bytes):
    def write(handle):
        handle.write(head)
        block = unit * max(1, (1 << 20) // len(unit))
        per_block = len(block) // len(unit)
        for _ in range(times // per_block):
            handle.write(block)
        handle.write(unit * (times % per_block))
        handle.write(tail)

    return write


def shared_strings(count: int, declared: int | None = None) -> bytes:
    declared = count if declared is None else declared
    items = "<si><t>slug</t></si><si><t>mou-health</t></si>" + "<si/>" * (count - 2)
    return f'<sst xmlns="{MAIN}" count="{declared}" uniqueCount="{declared}">{items}</sst>'.encode()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """The bad workbooks, written once per run."""
    folder = tmp_path_factory.mktemp("bad-workbooks")
    base = base_workbook()
    sheet, strings = "xl/worksheets/sheet1.xml", SHARED_STRINGS
    sst_head = f'<sst xmlns="{MAIN}" count="{{n}}" uniqueCount="{{n}}">'
    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(2, 10))
    files = {
        # 4.7 KB declaring all 17 billion cells of a sheet: openpyxl padded every row to 16,384 cells.
        "whole-sheet-declared.xlsx": rebuild(base, {sheet: sheet_xml([HEADER, ROW], dimension="A1:XFD1048576")}),
        # 5 million shared strings in 200 KB: openpyxl read them all before the first row.
        "five-million-shared-strings.xlsx": rebuild(
            base,
            {strings: repeated(sst_head.format(n=5_000_000).encode(), b"<si><t>x</t></si>", 5_000_000, b"</sst>")},
        ),
        # One string of 300 MB in 300 KB.
        "one-300-mb-string.xlsx": rebuild(
            base,
            {
                strings: repeated(
                    sst_head.format(n=1).encode() + b"<si><t>", b"A" * 1024, 300 * 1024, b"</t></si></sst>"
                )
            },
        ),
        # A part that unpacks to 512 MB, one that openpyxl reads whole into memory.
        "zip-bomb.xlsx": rebuild(
            base,
            {
                "docProps/core.xml": repeated(
                    b'<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
                    b'package/2006/metadata/core-properties">',
                    b" " * 1024,
                    512 * 1024,
                    b"</cp:coreProperties>",
                )
            },
        ),
        # Few bytes, but declaring five million texts; and 600,000 texts declared as one.
        "shared-strings-declared.xlsx": rebuild(base, {strings: shared_strings(3, declared=5_000_000)}),
        "shared-strings-counted.xlsx": rebuild(base, {strings: shared_strings(600_000, declared=1)}),
        # No <dimension>, and a cell in the last row and column a sheet can have.
        "far-cell-undeclared.xlsx": rebuild(
            base,
            {
                sheet: sheet_xml(
                    [HEADER, ROW], extra=f'<row r="1048576"><c r="XFD1048576" t="inlineStr">{inline("x")}</c></row>'
                )
            },
        ),
        "too-wide-declared.xlsx": rebuild(base, {sheet: sheet_xml([HEADER, ROW], dimension="A1:CW2")}),
        "long-cell.xlsx": rebuild(base, {sheet: sheet_xml([HEADER, [ROW[0], "T" * 40_000, *ROW[2:]]])}),
        "values-beyond-headings.xlsx": base_workbook([HEADER, [*ROW, "", "stray"]]),
        "empty-sheet.xlsx": base_workbook([]),
        "header-only.xlsx": base_workbook([HEADER]),
        "billion-laughs.xlsx": rebuild(
            base,
            {
                "xl/workbook.xml": (
                    f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol1 "lol">{laughs}]>'
                    f'<workbook xmlns="{MAIN}"><sheets>&lol9;</sheets></workbook>'
                ).encode()
            },
        ),
        "damaged.xlsx": base[: len(base) // 2],
        "spreadsheet-97.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096),
        "opendocument.xlsx": rebuild(base, {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
        "text.xlsx": csv_bytes([HEADER, ROW]),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


BAD_WORKBOOKS = [
    ("whole-sheet-declared.xlsx", "The sheet declares its cells as A1:XFD1048576, 1,048,575 rows under the header"),
    ("five-million-shared-strings.xlsx", "The workbook unpacks to 81 MB; at most 50 MB can be imported."),
    ("one-300-mb-string.xlsx", "The workbook unpacks to 300 MB; at most 50 MB can be imported."),
    ("zip-bomb.xlsx", "The workbook unpacks to 512 MB; at most 50 MB can be imported."),
    ("shared-strings-declared.xlsx", "holds more than 500,000 different texts (shared strings)"),
    ("shared-strings-counted.xlsx", "holds more than 500,000 different texts (shared strings)"),
    ("far-cell-undeclared.xlsx", "The sheet goes on past row 20,001; at most 20,000 rows can be imported."),
    ("too-wide-declared.xlsx", "The sheet declares its cells as A1:CW2, 101 columns; at most 100 columns"),
    ("long-cell.xlsx", "Spreadsheet row 2, column “title”, holds 40,000 characters; a cell may hold at most 32,767."),
    ("values-beyond-headings.xlsx", "Spreadsheet row 2 has values beyond the last column heading."),
    ("empty-sheet.xlsx", "The first row of the sheet is empty; it must name the columns."),
    ("header-only.xlsx", "The sheet names its columns but has no rows under them."),
    ("billion-laughs.xlsx", "XML document type or entity declarations, which Excel never writes"),
    ("damaged.xlsx", "The file is not a readable XLSX workbook"),
    ("spreadsheet-97.xlsx", "This file is an Excel 97–2003 workbook (.xls) or a password-protected workbook"),
    ("opendocument.xlsx", "This is an OpenDocument spreadsheet (.ods)."),
    ("text.xlsx", "This file is text, not an XLSX workbook. Choose CSV, TSV or JSON as its format."),
]


@pytest.mark.parametrize(("name", "message"), BAD_WORKBOOKS, ids=[name for name, _ in BAD_WORKBOOKS])
def test_a_bad_workbook_is_refused_with_a_message_and_writes_nothing(admin_client, countries, corpus, name, message):
    with open(corpus[name], "rb") as handle:
        response = admin_client.post(
            "/admin/agreements/memorandum/import/", {"resource": "0", "format": FORMAT["xlsx"], "import_file": handle}
        )
    assert_refused(response, message)


def test_reading_a_workbook_stops_at_the_time_limit(admin_client, countries, tmp_path, settings):
    settings.IMPORT_PARSE_MAX_SECONDS = -1  # already over when the first row is read
    response = upload(admin_client, tmp_path, "memoranda.xlsx", base_workbook(), "xlsx")
    assert_refused(response, "Reading the workbook took more than -1 seconds")


def test_the_dangerous_workbooks_are_refused_in_bounded_memory(corpus):
    """Read in a fresh process, so that its peak memory is theirs alone: before, the 300 MB
    string took 1.8 GB and the five million shared strings 890 MB."""
    names = [
        "whole-sheet-declared.xlsx",
        "five-million-shared-strings.xlsx",
        "one-300-mb-string.xlsx",
        "zip-bomb.xlsx",
        "shared-strings-counted.xlsx",
        "far-cell-undeclared.xlsx",
    ]
    script = """
import resource, sys
import django
django.setup()
from agreements.formats import SafeXLSX, ImportFileError
files = [open(name, "rb").read() for name in sys.argv[1:]]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for data in files:
    try:
        SafeXLSX().create_dataset(data)
    except ImportFileError as error:
        print("refused:", error)
    else:
        print("read")
print("grew-kb:", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
    done = subprocess.run(
        [sys.executable, "-c", script, *(str(corpus[name]) for name in names)],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "cooperation.settings", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["refused"] * len(names), done.stdout
    grew_mb = int(lines[-1].split()[-1]) / 1024
    assert grew_mb < 40, done.stdout


# ---------------------------------------------------------------- text files

SHORT = ["slug", "title", "kind", "status"]
GOOD = [["mou-1", "First", "mou", "signed"], ["mou-2", "Second", "mou", "signed"]]
XLSX_BYTES = base_workbook()

BAD_TEXT = [
    # (case, file bytes, format, extra form fields, message)
    (
        "ragged-long",
        csv_bytes([SHORT, *GOOD, *GOOD, ["mou-5", "Fifth", "mou", "signed"], ["mou-6", "Sixth", "mou", "signed", "x"]]),
        "csv",
        {},
        "Line 7 has 5 cells where the header has 4.",
    ),
    (
        "ragged-short",
        csv_bytes([SHORT, GOOD[0], ["mou-2", "Second", "mou"]]),
        "csv",
        {},
        "Line 3 has 3 cells where the header has 4: a separator or a cell is missing.",
    ),
    (
        "ragged-after-a-line-break-in-a-cell",
        csv_bytes([SHORT, ["mou-1", "Two\nlines", "mou", "signed"], ["mou-2", "Second", "mou", "signed", "x"]]),
        "csv",
        {},
        "Line 4 (spreadsheet row 3) has 5 cells where the header has 4.",
    ),
    (
        "ragged-tsv",
        csv_bytes([SHORT, [*GOOD[0], "x"]], delimiter="\t"),
        "tsv",
        {},
        "Line 2 has 5 cells where the header has 4.",
    ),
    (
        "quote-never-closed",
        b'slug,title,kind,status\r\nmou-1,"never closed,mou,signed\r\nmou-2,Second,mou,signed\r\n',
        "csv",
        {},
        "Line 2 opens a quoted cell that is never closed.",
    ),
    (
        "text-after-a-quote",
        b'slug,title,kind,status\r\nmou-1,"quoted"tail,mou,signed\r\n',
        "csv",
        {},
        "Line 2 has a quoted cell followed by more text",
    ),
    (
        "cell-beyond-the-csv-limit",
        csv_bytes([SHORT, ["mou-1", "T" * 200_000, "mou", "signed"]]),
        "csv",
        {},
        "Line 2 has a cell longer than 32,767 characters.",
    ),
    (
        "long-cell",
        csv_bytes([SHORT, ["mou-1", "T" * 40_000, "mou", "signed"]]),
        "csv",
        {},
        "Line 2, column “title”, holds 40,000 characters; a cell may hold at most 32,767.",
    ),
    (
        "replacement-characters",
        csv_bytes([SHORT, GOOD[0], ["mou-2", "Soci\ufffdt\ufffd G\ufffdn\ufffdrale", "mou", "signed"]]),
        "csv",
        {},
        "Line 3 holds “�”, the mark of a character lost when the file was saved.",
    ),
    ("nul-bytes", csv_bytes([SHORT, GOOD[0]]) + b"\x00\x01", "csv", {}, "This is not a text file."),
    (
        "no-encoding-reads-it",
        csv_bytes([SHORT, GOOD[0]]) + bytes((57 * n) % 128 + 128 for n in range(300)),
        "csv",
        {},
        "The file is not text in any encoding the tracker reads",
    ),
    (
        "wrong-encoding-chosen",
        csv_bytes([SHORT, ["mou-1", "Caf\u00e9", "mou", "signed"]], "cp1252") + b"\x81\r\n",
        "csv",
        {"encoding": "cp1252"},
        "The file cannot be read as Windows-1252 (Western European): line 3 has a byte",
    ),
    ("spreadsheet-as-csv", XLSX_BYTES, "csv", {}, "This file is an Excel workbook (XLSX) or another ZIP archive"),
    ("spreadsheet-as-json", XLSX_BYTES, "json", {}, "This file is an Excel workbook (XLSX) or another ZIP archive"),
    ("spreadsheet-97-as-csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "csv", {}, "Excel 97–2003 workbook"),
    ("pdf-as-csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "csv", {}, "This file is a PDF document"),
    ("header-only", csv_bytes([SHORT]), "csv", {}, "The file names its columns but has no rows under them."),
    ("blank-header", b"\r\nmou-1,First\r\n", "csv", {}, "Line 1 is empty; it must name the columns."),
    ("empty-file", b"", "csv", {}, "The submitted file is empty."),
    (
        "json-syntax",
        b'[{"slug": "mou-1",\n  "title" "First"}]',
        "json",
        {},
        "The file is not valid JSON: the error is on line 2, at character 11.",
    ),
    ("json-not-a-list", b'{"slug": "mou-1"}', "json", {}, "The file must hold a JSON list of objects"),
    (
        "json-missing-key",
        json.dumps([dict(zip(SHORT, GOOD[0], strict=True)), {"slug": "mou-2"}]).encode(),
        "json",
        {},
        "Item 2 lacks “title”, “kind”, “status”, which the first item has.",
    ),
    (
        "json-nested-value",
        json.dumps([{"slug": "mou-1", "title": ["a", "list"]}]).encode(),
        "json",
        {},
        "Item 1, “title”: a list or an object where one value belongs.",
    ),
    ("json-too-deep", b"[" * 100_000 + b"]" * 100_000, "json", {}, "nests lists or objects too deeply"),
    ("json-huge-number", b'[{"slug": ' + b"9" * 5000 + b"}]", "json", {}, "holds a number too long to be read"),
    ("json-empty-list", b"[]", "json", {}, "The file holds an empty list"),
]


@pytest.mark.parametrize(
    ("data", "file_format", "fields", "message"),
    [case[1:] for case in BAD_TEXT],
    ids=[case[0] for case in BAD_TEXT],
)
def test_a_bad_text_file_is_refused_with_a_message_naming_its_line_and_writes_nothing(
    admin_client, countries, tmp_path, data, file_format, fields, message
):
    response = upload(admin_client, tmp_path, f"memoranda.{file_format}", data, file_format, **fields)
    assert_refused(response, message)


# ---------------------------------------------------------------- encodings

SAMPLES = [
    ("utf-8", "UTF-8", "„Société Générale“ et Müller & Söhne: accord de coopération", "Zürich"),
    ("utf-8-sig", "UTF-8", "Меморандум о сотрудничестве в области здравоохранения", "Минск"),
    ("cp1251", "Windows-1251 (Cyrillic)", "Меморандум о сотрудничестве в области здравоохранения", "Минск"),
    ("koi8_r", "KOI8-R (Cyrillic)", "Меморандум о сотрудничестве в области здравоохранения", "Минск"),
    ("iso8859_5", "ISO-8859-5 (Cyrillic)", "Меморандум о сотрудничестве в области здравоохранения", "Минск"),
    (
        "cp1252",
        "Windows-1252 (Western European)",
        "„Société Générale“ et Müller & Söhne: accord de coopération",
        "Zürich",
    ),
    ("cp1256", "Windows-1256 (Arabic)", "مذكرة تفاهم في مجال الصحة بين وزارتي الصحة", "مسقط"),
    ("iso8859_6", "ISO-8859-6 (Arabic)", "مذكرة تفاهم في مجال الصحة بين وزارتي الصحة", "مسقط"),
    ("iso8859_2", "ISO-8859-2 (Central European)", "Umowa o współpracy między Łodzią a Gdańskiem", "Kraków"),
]


@pytest.mark.parametrize(("encoding", "label", "title", "city"), SAMPLES, ids=[sample[0] for sample in SAMPLES])
def test_text_in_each_encoding_imports_intact_and_the_preview_names_the_encoding(
    admin_client, countries, tmp_path, encoding, label, title, city
):
    rows = [HEADER, [*ROW[:1], title, *ROW[2:7], city], ["mou-2", f"{title} (2)", *ROW[2:7], city]]
    response = upload(admin_client, tmp_path, "memoranda.csv", csv_bytes(rows, encoding), "csv")
    assert "confirm_form" in response.context, problems_of(response)
    assert response.context["read_encoding"] == label
    assert f"The file was read as {label}, found from its content." in response.content.decode()
    assert confirm(admin_client, "memorandum", response).status_code == 302
    assert Memorandum.objects.get(slug="mou-health").title == title
    assert Memorandum.objects.get(slug="mou-2").signed_at == city


def test_excels_unicode_text_imports_as_csv_or_as_tsv(admin_client, countries, tmp_path):
    """Excel's "Unicode text": UTF-16 with its byte-order mark, tab-separated, quoted where a
    cell holds a tab, a quote or a line break."""
    title = 'Меморандум "о здравоохранении"\nمذكرة تفاهم\tSociété'
    data = codecs.BOM_UTF16_LE + csv_bytes([HEADER, [ROW[0], title, *ROW[2:]]], "utf-16-le", delimiter="\t")
    for file_format in ("csv", "tsv"):
        response = upload(admin_client, tmp_path, "memoranda.txt", data, file_format)
        assert "confirm_form" in response.context, problems_of(response)
        assert response.context["read_encoding"] == "UTF-16 (Excel’s “Unicode text”)"
    assert confirm(admin_client, "memorandum", response).status_code == 302
    assert Memorandum.objects.get().title == title


def test_semicolon_separated_csv_imports(admin_client, countries, tmp_path):
    """Excel's CSV where the decimal mark is a comma (Russian, French, German systems)."""
    data = csv_bytes([HEADER, [ROW[0], "Меморандум, с запятой", *ROW[2:]]], "cp1251", delimiter=";")
    response = upload(admin_client, tmp_path, "memoranda.csv", data, "csv")
    assert confirm(admin_client, "memorandum", response).status_code == 302
    assert Memorandum.objects.get().title == "Меморандум, с запятой"


def test_the_encoding_chosen_over_the_one_found_is_read_again_and_carried_to_the_confirmation(
    admin_client, countries, tmp_path
):
    title = "„Société Générale“ et Müller & Söhne: accord de coopération"
    response = upload(
        admin_client, tmp_path, "memoranda.csv", csv_bytes([HEADER, [ROW[0], title, *ROW[2:]]], "cp1252"), "csv"
    )
    assert response.context["read_encoding"] == "Windows-1252 (Western European)"
    again = response.context["read_again_form"].initial
    assert again["encoding"] == "cp1252"

    # The editor reads the same upload as Windows-1251, without uploading it again.
    response = admin_client.post("/admin/agreements/memorandum/import/", {**again, "encoding": "cp1251"})
    assert response.context["read_encoding"] == "Windows-1251 (Cyrillic)"
    assert "The file was read as Windows-1251 (Cyrillic), as chosen." in response.content.decode()
    assert response.context["confirm_form"].initial["encoding"] == "cp1251"
    assert confirm(admin_client, "memorandum", response).status_code == 302
    assert Memorandum.objects.get().title == title.encode("cp1252").decode("cp1251")  # as the editor chose


def test_an_upload_read_again_after_it_expired_asks_for_the_file(admin_client, countries):
    response = admin_client.post(
        "/admin/agreements/memorandum/import/",
        {"resource": "0", "format": FORMAT["csv"], "stored_file": "0" * 32, "encoding": "cp1251"},
    )
    assert "The uploaded file is no longer available; upload it again." in problems_of(response)


# ---------------------------------------------------------------- export, then import back

TRICKY_TITLES = [
    "=1+1",
    '=HYPERLINK("http://example.org","x")',
    "+375 17 222-22-22",
    "-5 per cent",
    "@SUM(A1:A3)",
    "\tstarts with a tab",
    "\r\nstarts with a line break",
    "\nstarts with a newline",
    "'=already neutralised by hand",
    "''=two apostrophes",
    "'plain apostrophe",
    "line one\nline two\r\nline three",
    "ends with a tab\t",
    "vertical\x0btab from Word",
    "literal _x000B_ and _x005F_ text",
    "— a dash, not a minus",
]


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json", "tsv"])
def test_export_then_import_gives_back_exactly_the_values_exported(admin_client, countries, tmp_path, file_format):
    from tests import factories

    belarus, oman = countries
    for number, title in enumerate(TRICKY_TITLES):
        factories.MemorandumFactory(
            slug=f"tricky-{number}", title=title, summary=f"{title}\n{title}", country_a=belarus, country_b=oman
        )
    before = list(Memorandum.objects.order_by("slug").values_list("slug", "title", "summary"))
    columns = {f"memorandumresource_{name}": "on" for name in MemorandumResource.Meta.fields}
    response = admin_client.post(
        "/admin/agreements/memorandum/export/", {"format": FORMAT[file_format], "resource": "0", **columns}
    )
    assert response.status_code == 200
    if file_format in ("csv", "tsv"):
        assert "'=1+1" in response.content.decode()  # a spreadsheet opening it runs nothing
    Memorandum.objects.update(title="changed", summary="changed")

    response = upload(admin_client, tmp_path, f"export.{file_format}", response.content, file_format)
    assert "confirm_form" in response.context, problems_of(response)
    assert confirm(admin_client, "memorandum", response).status_code == 302
    assert list(Memorandum.objects.order_by("slug").values_list("slug", "title", "summary")) == before


def test_an_xlsx_export_holds_text_cells_that_never_run(admin_client, countries):
    from tests import factories

    factories.MemorandumFactory(title="=1+1", country_a=countries[0], country_b=countries[1])
    response = admin_client.post(
        "/admin/agreements/memorandum/export/",
        {"format": FORMAT["xlsx"], "resource": "0", "memorandumresource_title": "on"},
    )
    cell = openpyxl.load_workbook(io.BytesIO(response.content)).active["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", True)


def test_a_neutralising_apostrophe_from_an_earlier_export_is_dropped_on_import(admin_client, countries, tmp_path):
    """Files exported before cells were typed as text carry the apostrophe in XLSX as well."""
    rows = [HEADER, [ROW[0], "'=1+1", *ROW[2:]], ["mou-2", "'plain", *ROW[2:]]]
    for file_format, data in [("xlsx", base_workbook(rows)), ("csv", csv_bytes(rows))]:
        response = upload(admin_client, tmp_path, f"old.{file_format}", data, file_format)
        assert confirm(admin_client, "memorandum", response).status_code == 302
        assert dict(Memorandum.objects.values_list("slug", "title")) == {"mou-health": "=1+1", "mou-2": "'plain"}
        Memorandum.objects.all().delete()


# ---------------------------------------------------------------- the confirmation


def test_a_confirmation_that_writes_nothing_says_why_and_keeps_the_file(admin_client, countries, oncology, tmp_path):
    rows = [[*HEADER, "sectors"], [*ROW, "oncology"]]
    response = upload(admin_client, tmp_path, "memoranda.csv", csv_bytes(rows), "csv")
    assert "confirm_form" in response.context, problems_of(response)
    oncology.delete()  # by someone else, between the preview and the confirmation

    response = confirm(admin_client, "memorandum", response)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported." in page and "Import finished" not in page
    assert [(p.row, p.column, p.value) for p in response.context["report"].problems] == [(2, "sectors", "oncology")]
    assert "No sector has the slug, name or alternative name “oncology”." in page
    assert not [message for message in response.context["messages"] if message.level_tag == "success"]
    assert Memorandum.objects.count() == 0

    # The file was kept: once the sector is back, the same upload is previewed again and imported.
    from tests import factories

    factories.SectorFactory(slug="oncology", name="Oncology")
    response = admin_client.post("/admin/agreements/memorandum/import/", response.context["read_again_form"].initial)
    assert "confirm_form" in response.context, problems_of(response)
    assert confirm(admin_client, "memorandum", response).status_code == 302
    assert Memorandum.objects.get().sectors.get().slug == "oncology"


@pytest.mark.parametrize(
    "tampered",
    [{"format": "99"}, {"format": "csv"}, {"encoding": "rot13"}, {"resource": "7"}, {"import_file_name": ""}],
    ids=["format-out-of-range", "format-not-a-number", "encoding", "resource", "file-name"],
)
def test_a_tampered_confirmation_is_refused_with_a_message(admin_client, countries, tmp_path, tampered):
    response = upload(admin_client, tmp_path, "memoranda.csv", csv_bytes([HEADER, ROW]), "csv")
    response = admin_client.post(
        "/admin/agreements/memorandum/process_import/", {**response.context["confirm_form"].initial, **tampered}
    )
    assert response.status_code == 302
    messages = [str(message) for message in admin_client.get(response["Location"]).context["messages"]]
    assert any("does not offer. Upload the file again." in message for message in messages), messages
    assert Memorandum.objects.count() == 0


def test_a_file_unreadable_at_the_confirmation_is_reported_and_kept(admin_client, countries, tmp_path):
    """The preview read the file in UTF-8; a confirmation forged to read it as something that
    cannot decode it says so, as one sentence, and keeps the file."""
    data = csv_bytes([HEADER, [ROW[0], "Café Жуковский", *ROW[2:]]])
    response = upload(admin_client, tmp_path, "memoranda.csv", data, "csv")
    response = admin_client.post(
        "/admin/agreements/memorandum/process_import/",
        {**response.context["confirm_form"].initial, "encoding": "iso8859_6"},
    )
    assert response.status_code == 200
    assert "Nothing was imported." in response.content.decode()
    assert "cannot be read as ISO-8859-6 (Arabic)" in problems_of(response)
    assert response.context["read_again_form"] is not None
    assert Memorandum.objects.count() == 0


def test_the_success_message_counts_what_was_written(admin_client, countries, tmp_path):
    response = confirm(
        admin_client, "memorandum", upload(admin_client, tmp_path, "m.csv", csv_bytes([HEADER, ROW]), "csv")
    )
    messages = [str(message) for message in admin_client.get(response["Location"]).context["messages"]]
    assert messages == ["Imported memoranda: 1 new, 0 changed, 0 unchanged."]


# ---------------------------------------------------------------- what the page says


def test_problems_are_listed_in_a_table_by_spreadsheet_row_column_value_and_reason(admin_client, countries, tmp_path):
    rows = [HEADER, ROW, ["", "", "", "", "", "", "", ""], ["mou-bad", "Bad", "treaty", "signed", "BY", "QQ", "", ""]]
    response = upload(admin_client, tmp_path, "memoranda.csv", csv_bytes(rows), "csv")
    problems = {(p.row, p.column): (p.value, p.reason) for p in response.context["report"].problems}
    # The blank line 3 is skipped but still counted, as a spreadsheet counts it.
    assert problems[(4, "country_b")] == (
        "QQ",
        "“QQ” is not an ISO 3166-1 alpha-2 country code or the name of a country in English, Russian or Arabic.",
    )
    value, reason = problems[(4, "kind")]
    assert value == "treaty"
    assert reason.startswith("“treaty” is not one of the choices: mou (memorandum of understanding), ")
    page = response.content.decode()
    table = re.search(r'<table class="import-problems">.*?</table>', page, re.S)[0]
    assert "<caption>Problems, by row and column</caption>" in table
    assert '<th scope="col">Row</th>' in table and '<th scope="col">Problem</th>' in table
    assert re.search(
        r'<th scope="row">4</th>\s*<td><code lang="en" dir="ltr">country_b</code></td>\s*'
        r'<td class="import-value"><bdi>QQ</bdi></td>',
        table,
    )
    assert "validation-error-container" not in page  # nothing shown only on hover
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "two forms on the page, each field labelled once"
    assert '<th scope="row">2</th>' in page  # the preview numbers its rows the same way
    assert Memorandum.objects.count() == 0


def test_a_row_problem_in_a_workbook_is_numbered_as_in_the_sheet(admin_client, countries, tmp_path):
    rows = [HEADER, ROW, [None] * 8, [None] * 8, ["mou-bad", "Bad", "mou", "signed", "BY", "QQ", "", ""]]
    response = upload(admin_client, tmp_path, "memoranda.xlsx", base_workbook(rows), "xlsx")
    assert [(p.row, p.column) for p in response.context["report"].problems] == [(5, "country_b")]


def test_a_whole_file_problem_is_one_sentence_without_a_traceback(admin_client, countries, tmp_path):
    response = upload(admin_client, tmp_path, "memoranda.csv", csv_bytes([[*HEADER, "colour"], [*ROW, "blue"]]), "csv")
    [problem] = response.context["report"].file_problems
    assert problem.startswith("Unknown columns: “colour”. The columns of memoranda are: slug, title,")
    page = response.content.decode()
    assert "Traceback" not in page and 'class="traceback"' not in page and str(settings.BASE_DIR) not in page


def test_an_unexpected_failure_is_told_in_a_sentence_and_logged(caplog):
    from django.db import IntegrityError

    from agreements.importing import sentence

    error = IntegrityError('insert or update on table "agreements_memorandum_sectors" violates foreign key constraint')
    with translation.override("en"):  # not whatever language an earlier test's request left active
        assert sentence(error).startswith("The database refused the rows")
        assert sentence(KeyError("/srv/tracker/agreements/resources.py")).startswith("The import stopped")
    assert "agreements_memorandum_sectors" in caplog.text


def test_the_arabic_import_page_is_in_arabic_throughout(admin_client, countries, tmp_path):
    from tests.test_i18n import untranslated_interface_text

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    rows = [HEADER, ["mou-bad", "Bad", "treaty", "signed", "BY", "QQ", "", ""]]
    for response in [
        admin_client.get("/admin/agreements/memorandum/import/"),
        upload(admin_client, tmp_path, "memoranda.csv", csv_bytes(rows), "csv"),
        upload(admin_client, tmp_path, "memoranda.csv", csv_bytes([HEADER, ROW]), "csv"),
    ]:
        page = response.content.decode()
        assert '<html lang="ar" dir="rtl">' in page
        interface = re.sub(r'<td class="import-value">.*?</td>', "", page, flags=re.S)  # the file's own values
        assert untranslated_interface_text(interface, "ar") == []
        assert "استيراد" in page and "إستيراد" not in page
        for english in ["Some rows failed to validate", "Please correct", ">Row<", ">ROW<", "Line number"]:
            assert english not in page
    changelist = admin_client.get("/admin/agreements/memorandum/").content.decode()
    assert "إستيراد" not in changelist
