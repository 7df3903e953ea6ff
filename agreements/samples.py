"""The template workbook for imports: a sheet per record type, in the order they import, with
every column and a filled example written as a clerk writes it (names and labels, no slugs).
The same workbook is kept as docs/import-samples/workbook.xlsx (`manage.py import_template`)."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font

# Rows by sheet and column; a column not named here is left empty in the example.
EXAMPLE = {
    "sectors": [
        {"name": "Example: health", "description": "Top-level example sector"},
        {
            "name": "Example: medical education",
            "parent": "Example: health",
            "dac_code": "12181",
            "description": "Training of doctors and nurses",
        },
    ],
    "sources": [
        {
            "title": "Example: press release on a health MoU",
            "publisher": "Example News Agency",
            "language": "English",
            "published": "2026-03",
            "url": "https://example.org/news/health-mou",
            "summary": "A short summary written in our own words.",
        }
    ],
    "institutions": [
        {
            "name": "Example Medical University (Belarus)",
            "alternative_names": "ru:Пример медицинского университета",
            "country": "Belarus",
            "kind": "university",
            "website": "https://example.org/by-university",
            "sources": "Example: press release on a health MoU",
        },
        {
            "name": "Example College of Medicine (Oman)",
            "alternative_names": "ar:كلية الطب النموذجية",
            "country": "Oman",
            "kind": "university",
        },
        {
            "name": "Example Belarusian–Omani joint commission",
            "alternative_names": "Russian:Пример совместной белорусско-оманской комиссии",
            "country": "Belarus",
            "second_country": "Oman",
            "kind": "joint body",
        },
    ],
    "people": [
        {
            "name": "Example Rector",
            "title": "Rector",
            "institution": "Example Medical University (Belarus)",
            "country": "Belarus",
        },
        {"name": "Example Dean", "title": "Dean", "institution": "كلية الطب النموذجية", "country": "Oman"},
    ],
    "visits": [
        {
            "title": "Example: rector's working visit to Muscat",
            "kind": "working visit",
            "status": "held",
            "host_country": "Oman",
            "guest_country": "Belarus",
            "city": "Muscat | Sohar",
            "date": "2026-02-10/2026-02-12",
            "leader": "Example Rector",
            "people_met": "Example Dean",
            "institutions": "Example College of Medicine (Oman)",
            "sectors": "Example: medical education",
            "summary": "The rector met the college's dean.",
        }
    ],
    "memoranda": [
        {
            "title": "Example: MoU on medical education",
            "kind": "memorandum of understanding",
            "legally_binding": "no",
            "status": "signed",
            "country_a": "Belarus",
            "country_b": "Oman",
            "parties": "Example Medical University (Belarus)|Example College of Medicine (Oman)",
            "signatories": (
                "Example Medical University (Belarus): Example Rector|Example College of Medicine (Oman): Example Dean"
            ),
            "signed": "2026-02-11",
            "exchanged": "no",
            "signed_at": "Muscat",
            "visit": "Example: rector's working visit to Muscat",
            "valid_until": "2031",
            "sectors": "Example: medical education",
            "summary": "Exchange of students and teaching staff for five years.",
            "sources": "Example: press release on a health MoU",
        },
        {
            "title": "Example: work plan for 2026–2027",
            "kind": "work plan",
            "status": "signed",
            "country_a": "Belarus",
            "country_b": "Oman",
            "parties": "Example Medical University (Belarus)|Example College of Medicine (Oman)",
            "signed": "2026-09",
            "relations": "implements: Example: MoU on medical education",
            "sectors": "Example: medical education",
        },
    ],
    "commitments": [
        {
            "title": "Example: first exchange of ten students",
            "details": "Autumn semester",
            "origin_memorandum": "Example: MoU on medical education",
            "responsible_countries": "Oman",
            "responsible_institutions": "Example College of Medicine (Oman)",
            "due": "2026-23",
            "status": "open",
            "sectors": "Example: medical education",
        }
    ],
}


def template_sheets() -> list[tuple[str, list[str], list[list[str]]]]:
    """Each sheet's name, columns and example rows."""
    from .importing import english_sheet_names, sheet_resources

    sheets = []
    for name, resource_class in zip(english_sheet_names(), sheet_resources(), strict=True):
        columns = [field.column_name for field in resource_class().get_import_fields()]
        rows = [[row.get(column, "") for column in columns] for row in EXAMPLE[name]]
        sheets.append((name, columns, rows))
    return sheets


def template_workbook() -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, columns, rows in template_sheets():
        sheet = book.create_sheet(name)
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = max(12, *(len(str(c.value or "")) for c in column))
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
