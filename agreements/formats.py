"""Spreadsheet formats whose exports cannot run formulas, whose imports are read safely, and
whose export, once imported back, gives exactly the values exported.

A text cell that starts with = + - @ (or a tab or carriage return) would be taken for a formula
by Excel or LibreOffice. A CSV or TSV export puts an apostrophe before it (the OWASP-recommended
neutraliser), and before any cell that already starts with apostrophes followed by such a
character; importing strips one apostrophe from a cell that starts with one before such a
character, so the round trip is exact. An XLSX export writes every text as a text cell, which a
spreadsheet never runs, marked as typed with an apostrophe (quotePrefix) so that editing it
keeps it text; it needs no apostrophe in the value, except before a value that already starts
with apostrophes and such a character, as files exported before did. JSON is data, not a
spreadsheet, and is left as it is both ways.

Imports read the uploaded bytes themselves (`agreements.encodings`, `agreements.readers`,
`agreements.workbooks`); what reading found out (the encoding, the spreadsheet row of each row)
is kept in the request's `Reading` for the import page to show.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import io
import re
import uuid
from dataclasses import dataclass

from django.core.cache import caches
from import_export.formats import base_formats
from import_export.tmp_storages import CacheStorage
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from . import encodings, readers, workbooks
from .readers import NEUTRALISED, ImportedDataset, ImportFileError, check_row_count  # noqa: F401 (their home)

# A value an XLSX export must prefix: one that already starts with apostrophes before a trigger.
XLSX_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")
OOXML_LITERAL = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def neutralise(value):
    if isinstance(value, str) and NEUTRALISED.match(value):
        return "'" + value
    return value


def neutralise_dataset(dataset) -> None:
    for index in range(len(dataset)):
        dataset[index] = tuple(neutralise(cell) for cell in dataset[index])


# ---------------------------------------------------------------- what reading an upload found out


@dataclass
class Reading:
    """The reading of one upload: the encoding asked for ("" to find it), where the upload waits,
    and what reading it found."""

    encoding: str = ""
    used_encoding: str = ""
    dataset: ImportedDataset | None = None
    stored_file: str = ""
    file_name: str = ""


_reading: contextvars.ContextVar[Reading | None] = contextvars.ContextVar("reading", default=None)


@contextlib.contextmanager
def reading_as(encoding: str = ""):
    """Read the uploads of this block in `encoding` (a key of encodings.ENCODINGS, or "" to find
    it), and keep what reading them found out in the Reading this yields."""
    token = _reading.set(Reading(encoding=encoding))
    try:
        yield _reading.get()
    finally:
        _reading.reset(token)


def current_reading() -> Reading:
    return _reading.get() or Reading()


# ---------------------------------------------------------------- formats


class Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, line: str) -> str:
        return line


def csv_lines(resource, queryset, chunk_size: int = 200):
    """The CSV export of `queryset`, a line at a time: the same columns, cells and neutralised
    formulas as `SafeCSV().export_data(resource.export(queryset))`, in memory bounded by
    `chunk_size` records (prefetches run once per chunk)."""
    writer = csv.writer(Echo())
    yield writer.writerow(resource.get_export_headers())
    for record in queryset.iterator(chunk_size=chunk_size):
        yield writer.writerow([neutralise(cell) for cell in resource.export_resource(record)])


class ReadsText:
    """A text format read from the raw bytes, so that the encoding is found from the content.

    The admin must not decode the file first: TrackerAdmin sets `from_encoding = None`.
    """

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        reading = current_reading()
        decoded = encodings.decode(in_stream, reading.encoding)
        dataset = self.read(decoded.text)
        reading.used_encoding, reading.dataset = decoded.encoding, dataset
        return dataset

    def read(self, text: str) -> ImportedDataset:
        raise NotImplementedError


class SafeCSV(ReadsText, base_formats.CSV):
    """Comma-, semicolon- or tab-separated text, whichever separates the header line."""

    delimiter: str | None = None

    def read(self, text: str) -> ImportedDataset:
        return readers.read_text_table(text, self.delimiter)

    def export_data(self, dataset, **kwargs):
        neutralise_dataset(dataset)
        return super().export_data(dataset, **kwargs)


class SafeTSV(SafeCSV):
    TABLIB_MODULE = "tablib.formats._tsv"
    CONTENT_TYPE = "text/tab-separated-values"
    delimiter = "\t"


class SafeJSON(ReadsText, base_formats.JSON):
    def read(self, text: str) -> ImportedDataset:
        return readers.read_json(text)


class SafeXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        dataset = workbooks.read_workbook(in_stream)
        current_reading().dataset = dataset
        return dataset

    def export_data(self, dataset, **kwargs):
        """A workbook of one sheet, its header bold and frozen, every text a text cell."""
        import openpyxl
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(title=(dataset.title or "Sheet")[:31])
        sheet.freeze_panes = "A2"
        widths = [len(str(header)) for header in dataset.headers or []]
        for row in dataset:
            for index, value in enumerate(row[: len(widths)]):
                widths[index] = max(widths[index], min(len(str(value or "")), 60))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width + 2

        def cell(value, **style):
            if not isinstance(value, str):
                return value
            if XLSX_NEUTRALISED.match(value):
                value = "'" + value
            value = ILLEGAL_CHARACTERS_RE.sub(
                lambda match: f"_x{ord(match[0]):04X}_", OOXML_LITERAL.sub(r"_x005F_\1", value)
            )
            if not style and not value.startswith(tuple(readers.FORMULA_TRIGGERS)):
                return value
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"  # never a formula, even if it starts with =
            text.quotePrefix = value.startswith(tuple(readers.FORMULA_TRIGGERS))
            for name, setting in style.items():
                setattr(text, name, setting)
            return text

        # A write-only sheet declares no size, and openpyxl would read a sheet without one twice
        # on import (to find its size, then its rows); the size is known, so declare it.
        last = f"{get_column_letter(max(len(widths), 1))}{len(dataset) + 1}"
        sheet.calculate_dimension = lambda: f"A1:{last}"

        if dataset.headers:
            sheet.append([cell(str(header), font=Font(bold=True)) for header in dataset.headers])
        for row in dataset:
            sheet.append([cell(value) for value in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


FORMATS = [SafeCSV, SafeXLSX, SafeJSON, SafeTSV]


# ---------------------------------------------------------------- where an upload waits


class SharedCacheStorage(CacheStorage):
    """Uploaded import files kept in the "imports" cache, which every app server shares."""

    NAME = re.compile(r"[0-9a-f]{32}")

    def save(self, data):
        if not self.name:
            self.name = uuid.uuid4().hex
        caches["imports"].set(self.CACHE_PREFIX + self.name, data, self.CACHE_LIFETIME)

    def read(self):
        data = caches["imports"].get(self.CACHE_PREFIX + self.name) if self.NAME.fullmatch(self.name or "") else None
        if data is None:  # expired, already imported, or a name that was never handed out
            raise FileNotFoundError(self.name)
        return data

    def remove(self):
        caches["imports"].delete(self.CACHE_PREFIX + self.name)
