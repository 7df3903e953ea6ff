"""XLSX imports, read within bounds.

A workbook is a ZIP archive of XML parts, so a file of a few kilobytes can declare a sheet of
seventeen billion cells, unpack to gigabytes, or hold millions of shared strings, all of which
openpyxl would read before handing over the first row. So the limits are checked first, from
what costs nothing to read: the sizes the archive's directory declares for its parts (Python's
zipfile never unpacks a part beyond its declared size), the count of shared strings (declared,
then counted in one pass over the bytes, with no XML built) and the sheet's declared
`<dimension>`. Only then is the first sheet read, a row at a time (openpyxl's read-only mode),
under the limits on rows, columns, cell length and time. Each limit is a setting (README,
"Configuration").
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import time
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.xml.constants import SHARED_STRINGS

from .encodings import not_text
from .readers import ImportedDataset, ImportFileError, cell_too_long, is_blank, restore, too_long

logger = logging.getLogger(__name__)

# A workbook from Excel or LibreOffice has a few dozen parts; a ZIP of thousands is not one.
MAX_PARTS = 1000
# OOXML writes a character that XML cannot hold (and, in shared strings, a carriage return) as
# _xHHHH_, and a literal "_x" that would read as one as _x005F_x.
OOXML_ESCAPE = re.compile(r"_x(005[Ff]|00[01][0-9A-Fa-f])_")
SHARED_STRING_TAG = re.compile(rb"<(?:\w+:)?si[\s/>]")


def read_workbook(data: bytes) -> ImportedDataset:
    """The rows of the workbook's first sheet (its active one) under its first row."""
    with opened_workbook(data) as book:
        sheet = book.active
        if sheet is None or not hasattr(sheet, "iter_rows"):
            raise ImportFileError(_("The workbook's first sheet is a chart, not a table of rows."))
        check_dimensions(sheet)
        return read_rows(sheet)


def read_sheets(data: bytes) -> list[tuple[str, ImportedDataset]]:
    """Every sheet of the workbook that holds rows, by its name, in the workbook's order; each
    within the same bounds as a single sheet, and a problem named by its sheet."""
    sheets = []
    with opened_workbook(data) as book:
        for sheet in book.worksheets:
            try:
                check_dimensions(sheet)
                dataset = read_rows(sheet, allow_empty=True)
            except ImportFileError as error:
                raise ImportFileError(
                    _("Sheet “%(sheet)s”: %(problem)s") % {"sheet": sheet.title, "problem": error}
                ) from None
            if dataset is not None:
                sheets.append((sheet.title, dataset))
    if not sheets:
        raise ImportFileError(_("No sheet of the workbook has rows under a header row."))
    return sheets


@contextlib.contextmanager
def opened_workbook(data: bytes):
    """The workbook in openpyxl's read-only mode, once the limits that cost nothing to check hold."""
    archive = open_archive(data)
    check_unpacked_size(archive)
    check_no_document_types(archive)
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
    except Exception as error:
        raise unreadable(error) from None
    check_shared_strings(reader)
    try:
        reader.read()
    except Exception as error:
        raise unreadable(error) from None
    book = reader.wb
    try:
        yield book
    finally:
        book.close()


def open_archive(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as error:  # zipfile.BadZipFile, or a directory too damaged to say even that
        if data.startswith(b"PK"):
            raise unreadable(error) from None
        if reason := not_text(data):
            raise ImportFileError(reason) from None
        head = data[:4096]
        if b"\x00" not in head:
            raise ImportFileError(
                _("This file is text, not an XLSX workbook. Choose CSV, TSV or JSON as its format.")
            ) from None
        raise ImportFileError(
            _("This file is not an XLSX workbook. Save it in Excel as an Excel workbook (.xlsx).")
        ) from None
    return archive


def check_unpacked_size(archive: zipfile.ZipFile) -> None:
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise ImportFileError(
            _("The file holds %(parts)s parts; an Excel workbook has a few dozen. It cannot be imported.")
            % {"parts": f"{len(parts):,}"}
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > settings.IMPORT_XLSX_MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _(
                "The workbook unpacks to %(size)s MB; at most %(limit)s MB can be imported. Split it, "
                "or save the sheet as “CSV UTF-8”."
            )
            % {
                "size": f"{unpacked / 2**20:,.0f}",
                "limit": f"{settings.IMPORT_XLSX_MAX_UNPACKED_BYTES / 2**20:,.0f}",
            }
        )
    if any(part.flag_bits & 0x1 for part in parts):
        raise ImportFileError(_("The workbook is protected by a password. Save it again without one."))
    if "mimetype" in archive.namelist():
        with archive.open("mimetype") as mimetype:
            if b"opendocument" in mimetype.read(100):
                raise ImportFileError(
                    _(
                        "This is an OpenDocument spreadsheet (.ods). Save it as an Excel workbook (.xlsx) "
                        "or as “CSV UTF-8”."
                    )
                )


def check_no_document_types(archive: zipfile.ZipFile) -> None:
    """Refuse XML parts that declare a document type (where entities, and so "billion laughs"
    and external entities, are declared), whichever XML parser openpyxl is using."""
    for part in archive.infolist():
        if part.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(part) as source:
                    prolog = source.read(4096)
            except Exception as error:
                raise unreadable(error) from None
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                raise refused_declarations()


def refused_declarations() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook holds XML document type or entity declarations, which Excel never writes and "
            "which are refused for safety."
        )
    )


def check_shared_strings(reader: ExcelReader) -> None:
    """Refuse more shared strings than the limit, before openpyxl reads them all into memory:
    first by the count the table declares, then by counting its <si> elements in the bytes."""
    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return
    limit = settings.IMPORT_XLSX_MAX_SHARED_STRINGS
    name = part.PartName.lstrip("/")
    try:
        with reader.archive.open(name) as source:
            head = source.read(4096)
            declared = re.search(rb"""\buniqueCount\s*=\s*["'](\d+)["']""", head)
            if declared and int(declared[1]) > limit:
                raise too_many_strings()
            count, tail, chunk = 0, b"", head
            while chunk:
                # A tag cut at a chunk's end is found whole in the next window; one wholly in the
                # carried-over tail was counted already.
                window = tail + chunk
                count += len(SHARED_STRING_TAG.findall(window)) - len(SHARED_STRING_TAG.findall(tail))
                if count > limit:
                    raise too_many_strings()
                tail, chunk = window[-16:], source.read(2**20)
    except ImportFileError:
        raise
    except Exception as error:
        raise unreadable(error) from None


def too_many_strings() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook holds more than %(limit)s different texts (shared strings), the most an import "
            "may hold. Split it, or save the sheet as “CSV UTF-8”."
        )
        % {"limit": f"{settings.IMPORT_XLSX_MAX_SHARED_STRINGS:,}"}
    )


def max_rows() -> int:
    """The last spreadsheet row an import reads: the header and IMPORT_MAX_ROWS rows."""
    return settings.IMPORT_MAX_ROWS + 1


def check_dimensions(sheet) -> None:
    rows, columns = sheet.max_row, sheet.max_column
    if rows is None or columns is None:
        return  # undeclared; the rows are counted as they are read
    cells = f"A1:{get_column_letter(min(columns, 16384))}{rows}"
    if rows > max_rows():
        raise ImportFileError(
            _(
                "The sheet declares its cells as %(range)s, %(rows)s rows under the header; at most %(limit)s "
                "rows can be imported. If the rows after your data are empty, delete them and save again."
            )
            % {"range": cells, "rows": f"{rows - 1:,}", "limit": f"{settings.IMPORT_MAX_ROWS:,}"}
        )
    if columns > settings.IMPORT_XLSX_MAX_COLUMNS:
        raise ImportFileError(
            _(
                "The sheet declares its cells as %(range)s, %(columns)s columns; at most %(limit)s columns can "
                "be imported. If the columns after your data are empty, delete them and save again."
            )
            % {"range": cells, "columns": f"{columns:,}", "limit": f"{settings.IMPORT_XLSX_MAX_COLUMNS:,}"}
        )


def read_rows(sheet, allow_empty: bool = False) -> ImportedDataset | None:
    """The sheet's rows, as far as its cells go (not as far as it declares: a declared size may
    also be too small), at most IMPORT_XLSX_MAX_COLUMNS columns wide. With `allow_empty`, None
    for a sheet without a header or without rows under it."""
    sheet.reset_dimensions()
    rows = sheet.iter_rows(max_col=settings.IMPORT_XLSX_MAX_COLUMNS, values_only=True)
    deadline = time.monotonic() + settings.IMPORT_PARSE_MAX_SECONDS
    headers = list(next(rows, ()))
    while headers and headers[-1] is None:
        headers.pop()
    if not headers:
        if allow_empty:
            return None
        raise ImportFileError(_("The first row of the sheet is empty; it must name the columns."))
    dataset = ImportedDataset()
    dataset.headers = [cell_text(value) for value in headers]
    width = len(headers)
    for number, values in enumerate(rows, start=2):
        if time.monotonic() > deadline:
            raise ImportFileError(
                _(
                    "Reading the workbook took more than %(seconds)s seconds, the most an import may take. "
                    "Split it into smaller files."
                )
                % {"seconds": settings.IMPORT_PARSE_MAX_SECONDS}
            )
        if number > max_rows():
            raise beyond_last_row()
        if values.count(None) == len(values) or is_blank(values):
            continue
        if not is_blank(values[width:]):
            raise ImportFileError(
                _("Spreadsheet row %(row)s has values beyond the last column heading.") % {"row": number}
            )
        cells = []
        for header, value in zip(dataset.headers, values[:width], strict=False):
            if too_long(value):
                raise cell_too_long(
                    value, _("Spreadsheet row %(row)s, column “%(column)s”,") % {"row": number, "column": header}
                )
            cells.append(restore(cell_text(value)))
        dataset.add_row([*cells, *[None] * (width - len(cells))], number)
    if not dataset:
        if allow_empty:
            return None
        raise ImportFileError(_("The sheet names its columns but has no rows under them."))
    return dataset


def beyond_last_row() -> ImportFileError:
    return ImportFileError(
        _(
            "The sheet goes on past row %(row)s; at most %(rows)s rows can be imported. Split it, or delete "
            "the empty rows after your data and save again."
        )
        % {"row": f"{max_rows():,}", "rows": f"{settings.IMPORT_MAX_ROWS:,}"}
    )


def cell_text(value):
    """A cell's value, with the characters OOXML escapes as _xHHHH_ given back."""
    if isinstance(value, str) and "_x" in value:
        return OOXML_ESCAPE.sub(lambda match: chr(int(match[1], 16)), value)
    return value


def unreadable(error: Exception) -> ImportFileError:
    logger.info("An uploaded workbook could not be read: %r", error)
    if type(error).__module__.startswith("defusedxml"):
        return refused_declarations()
    return ImportFileError(
        _(
            "The file is not a readable XLSX workbook: it may be damaged or of another kind. Open it in "
            "Excel and save it again as an Excel workbook (.xlsx)."
        )
    )
