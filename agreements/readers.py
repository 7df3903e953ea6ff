"""Uploaded import files read into rows, within bounds, each problem named by its line or row.

Every reader returns an `ImportedDataset`: the rows of the file under its header, with the row
a spreadsheet shows for each (the header is row 1; blank rows are left out but still counted),
so that an error can be reported where the editor will look for it. A file that cannot be read
whole raises `ImportFileError`, whose message is one sentence an editor can act on.

Text tables (CSV, TSV) and JSON arrive here already decoded (`agreements.encodings`);
workbooks are read in `agreements.workbooks`.
"""

from __future__ import annotations

import csv
import io
import json
import re

import tablib
from django.conf import settings
from django.utils.translation import gettext as _

# A text cell that starts with one of these would be run as a formula by a spreadsheet.
FORMULA_TRIGGERS = "=+-@\t\r"
# A text cell exports with one more leading apostrophe when it matches this (formats.neutralise);
# an imported cell that starts with an apostrophe before it loses one (restore).
NEUTRALISED = re.compile(r"'*[=+\-@\t\r]")


class ImportFileError(ValueError):
    """A file that cannot be read; the message says why, in words an editor can act on."""


class ImportedDataset(tablib.Dataset):
    """The rows of an uploaded file, with the spreadsheet row of each (`row_numbers`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_numbers: list[int] = []

    def add_row(self, values, number: int) -> None:
        check_row_count(len(self) + 1)
        self.append(values)
        self.row_numbers.append(number)

    def spreadsheet_row(self, number: int) -> int:
        """The row a spreadsheet shows for the `number`th row of the dataset (counted from 1)."""
        if 0 < number <= len(self.row_numbers):
            return self.row_numbers[number - 1]
        return number + 1


def spreadsheet_row(dataset, number: int) -> int:
    """The spreadsheet row of a dataset's `number`th row, for any dataset (the header is row 1)."""
    if isinstance(dataset, ImportedDataset):
        return dataset.spreadsheet_row(number)
    return number + 1


def check_row_count(rows: int) -> None:
    if rows > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(limit)s rows. Split it into files of at most %(limit)s rows each.")
            % {"limit": f"{settings.IMPORT_MAX_ROWS:,}"}
        )


def restore(value):
    """A cell as it was before an export neutralised it (`formats.neutralise`): one leading
    apostrophe fewer before = + - @, a tab or a carriage return, as a spreadsheet itself reads
    '=1 as the text =1."""
    if isinstance(value, str) and value.startswith("'") and NEUTRALISED.match(value, 1):
        return value[1:]
    return value


def too_long(value) -> bool:
    return isinstance(value, str) and len(value) > settings.IMPORT_MAX_CELL_CHARS


def cell_too_long(value: str, where: str) -> ImportFileError:
    return ImportFileError(
        _("%(where)s holds %(length)s characters; a cell may hold at most %(limit)s.")
        % {"where": where, "length": f"{len(value):,}", "limit": f"{settings.IMPORT_MAX_CELL_CHARS:,}"}
    )


def is_blank(values) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


# ---------------------------------------------------------------- CSV and TSV

DELIMITERS = (",", ";", "\t")


def guess_delimiter(text: str) -> str:
    """The separator of the header line: a comma, a semicolon (Excel's CSV where the decimal
    mark is a comma) or a tab (Excel's "Unicode text"). Column names contain none of them."""
    header = text[: text.find("\n")] if "\n" in text else text
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])  # the first of equals: a comma
    return best if counts[best] else ","


def line_of(record_line: int, row: int) -> str:
    """How an error names a record: by the line it starts on, and by its spreadsheet row when
    a cell above holds a line break, so that the two differ."""
    if record_line == row:
        return _("Line %(line)s") % {"line": record_line}
    return _("Line %(line)s (spreadsheet row %(row)s)") % {"line": record_line, "row": row}


def read_text_table(text: str, delimiter: str | None = None) -> ImportedDataset:
    """The rows of CSV or TSV text under its first line, which names the columns."""
    delimiter = delimiter or guess_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    dataset = ImportedDataset()
    width = 0
    row = 0
    while True:
        record_line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise ImportFileError(csv_problem(line_of(record_line, row + 1), error)) from None
        row += 1
        if row == 1:
            dataset.headers = cells
            width = len(cells)
            if is_blank(cells):
                raise ImportFileError(_("Line 1 is empty; it must name the columns."))
            continue
        if is_blank(cells):
            continue
        if len(cells) > width and not is_blank(cells[width:]):
            raise ImportFileError(
                _("%(where)s has %(cells)s cells where the header has %(width)s.")
                % {"where": line_of(record_line, row), "cells": len(cells), "width": width}
            )
        if len(cells) < width:
            raise ImportFileError(
                _("%(where)s has %(cells)s cells where the header has %(width)s: a separator or a cell is missing.")
                % {"where": line_of(record_line, row), "cells": len(cells), "width": width}
            )
        for header, value in zip(dataset.headers, cells, strict=False):
            if too_long(value):
                raise cell_too_long(
                    value, _("%(where)s, column “%(column)s”,") % {"where": line_of(record_line, row), "column": header}
                )
        dataset.add_row([restore(value) for value in cells[:width]], row)
    if row == 0:
        raise ImportFileError(_("The file is empty."))
    if not dataset:
        raise ImportFileError(_("The file names its columns but has no rows under them."))
    return dataset


def csv_problem(where: str, error: csv.Error) -> str:
    reason = str(error)
    if "expected after" in reason:
        return _("%(where)s has a quoted cell followed by more text: a cell in quotes must end with the quote.") % {
            "where": where
        }
    if "unexpected end of data" in reason:
        return _("%(where)s opens a quoted cell that is never closed.") % {"where": where}
    if "field larger than field limit" in reason:
        return _("%(where)s has a cell longer than %(limit)s characters.") % {
            "where": where,
            "limit": f"{settings.IMPORT_MAX_CELL_CHARS:,}",
        }
    return _("%(where)s cannot be read as CSV.") % {"where": where}


# ---------------------------------------------------------------- JSON

SCALARS = (str, int, float, bool, type(None))


def read_json(text: str) -> ImportedDataset:
    """The rows of a JSON list of objects, one object a row, each with the keys of the first."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            _("The file is not valid JSON: the error is on line %(line)s, at character %(column)s.")
            % {"line": error.lineno, "column": error.colno}
        ) from None
    except RecursionError:
        raise ImportFileError(_("The file nests lists or objects too deeply to be read.")) from None
    except ValueError:  # a number of more digits than Python converts
        raise ImportFileError(_("The file holds a number too long to be read.")) from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ImportFileError(_("The file must hold a JSON list of objects, one object per row: [{…}, {…}]."))
    if not items:
        raise ImportFileError(_("The file holds an empty list: there are no rows to import."))
    dataset = ImportedDataset()
    dataset.headers = list(items[0])
    for number, item in enumerate(items, start=1):
        where = _("Item %(item)s") % {"item": number}
        if missing := [key for key in dataset.headers if key not in item]:
            raise ImportFileError(
                _("%(where)s lacks %(keys)s, which the first item has.") % {"where": where, "keys": quoted(missing)}
            )
        if extra := [key for key in item if key not in dataset.headers]:
            raise ImportFileError(
                _("%(where)s has %(keys)s, which the first item lacks.") % {"where": where, "keys": quoted(extra)}
            )
        values = []
        for key in dataset.headers:
            value = item[key]
            if not isinstance(value, SCALARS):
                raise ImportFileError(
                    _("%(where)s, “%(key)s”: a list or an object where one value belongs.")
                    % {"where": where, "key": key}
                )
            if too_long(value):
                raise cell_too_long(value, _("%(where)s, “%(key)s”,") % {"where": where, "key": key})
            values.append(value)
        dataset.add_row(values, number)
    return dataset


def quoted(names) -> str:
    return ", ".join(f"“{name}”" for name in names)
