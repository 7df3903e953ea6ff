"""Spreadsheet formats whose exports cannot run formulas and whose imports are read safely.

A text cell that starts with = + - @ (or a tab or carriage return) would be taken
for a formula by Excel or LibreOffice; it is exported with a leading apostrophe,
the OWASP-recommended neutraliser.

Imports read the uploaded bytes themselves: CSV in UTF-8 (with or without the BOM Excel
writes), UTF-16 (Excel's "Unicode text") or Windows-1251 (Excel's CSV on a Russian-language
system); no file yields more than IMPORT_MAX_ROWS rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import uuid

import tablib
from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from import_export.formats import base_formats
from import_export.tmp_storages import CacheStorage

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_dataset(dataset) -> None:
    for index in range(len(dataset)):
        dataset[index] = tuple(neutralise(cell) for cell in dataset[index])


class Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, line: str) -> str:
        return line


def csv_lines(resource, queryset, chunk_size: int = 2000):
    """The CSV export of `queryset`, a line at a time: the same columns, cells and neutralised
    formulas as `SafeCSV().export_data(resource.export(queryset))`, in memory bounded by
    `chunk_size` records (prefetches run once per chunk)."""
    writer = csv.writer(Echo())
    yield writer.writerow(resource.get_export_headers())
    for record in queryset.iterator(chunk_size=chunk_size):
        yield writer.writerow([neutralise(cell) for cell in resource.export_resource(record)])


class SharedCacheStorage(CacheStorage):
    """Uploaded import files kept in the "imports" cache, which every app server shares."""

    def save(self, data):
        if not self.name:
            self.name = uuid.uuid4().hex
        caches["imports"].set(self.CACHE_PREFIX + self.name, data, self.CACHE_LIFETIME)

    def read(self):
        data = caches["imports"].get(self.CACHE_PREFIX + self.name)
        if data is None:  # expired, already imported, or a name that was never handed out
            raise FileNotFoundError(self.name)
        return data

    def remove(self):
        caches["imports"].delete(self.CACHE_PREFIX + self.name)


class ImportFileError(ValueError):
    """A file that cannot be read; the message says why, in words an editor can act on."""


def decode(data: bytes | str) -> str:
    """The text of an uploaded file: UTF-16 if it starts with its BOM, else UTF-8 (BOM or not),
    else Windows-1251. Cyrillic in Windows-1251 is practically never valid UTF-8, so trying
    UTF-8 first cannot mistake one for the other."""
    if isinstance(data, str):
        return data
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise ImportFileError(_("This is not a text file. Choose the format the file was saved in (e.g. XLSX)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is neither UTF-8 nor Windows-1251 text. Save it as “CSV UTF-8” and import it again.")
        ) from None


def check_row_count(rows: int) -> None:
    if rows > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(limit)s rows. Split it into files of at most %(limit)s rows each.")
            % {"limit": f"{settings.IMPORT_MAX_ROWS:,}"}
        )


class ReadsBytes:
    """A text format read from the raw bytes, so that the encoding is found from the content.

    The admin must not decode the file first: TrackerAdmin sets `from_encoding = None`.
    """

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        text = decode(in_stream)
        try:
            dataset = tablib.import_set(text, format=self.get_title(), **kwargs)
        except ImportFileError:
            raise
        except Exception as error:
            raise ImportFileError(
                _("The file could not be read as %(format)s (%(error)s).")
                % {"format": self.get_title().upper(), "error": error}
            ) from error
        check_row_count(len(dataset))
        return dataset


class SafeCSV(ReadsBytes, base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        neutralise_dataset(dataset)
        return super().export_data(dataset, **kwargs)


class SafeJSON(ReadsBytes, base_formats.JSON):
    pass


class SafeXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        """The first sheet, read a row at a time and refused once it passes the row limit
        (a compressed workbook of a few megabytes can unpack to millions of rows)."""
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        except Exception as error:
            raise ImportFileError(_("The file could not be read as XLSX (%(error)s).") % {"error": error}) from error
        try:
            rows = book.active.iter_rows(values_only=True)
            dataset = tablib.Dataset()
            headers = list(next(rows, ()))
            while headers and headers[-1] is None:
                headers.pop()
            dataset.headers = headers
            for number, values in enumerate(rows, start=2):
                if all(value is None for value in values):
                    continue
                if any(value is not None for value in values[len(headers) :]):
                    raise ImportFileError(
                        _("Spreadsheet row %(row)s has values beyond the last column heading.") % {"row": number}
                    )
                check_row_count(len(dataset) + 1)
                dataset.append((*values[: len(headers)], *[None] * (len(headers) - len(values))))
        finally:
            book.close()
        return dataset

    def export_data(self, dataset, **kwargs):
        neutralise_dataset(dataset)
        return super().export_data(dataset, **kwargs)


FORMATS = [SafeCSV, SafeXLSX, SafeJSON]
