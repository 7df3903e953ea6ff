"""The text of an uploaded CSV, TSV or JSON file, in the encoding it was saved in.

Excel saves "CSV UTF-8" with a byte-order mark, "Unicode text" as tab-separated UTF-16 with
one, and plain "CSV" in the system's code page: Windows-1251 on a Russian-language system,
Windows-1252 on a Western-European one, Windows-1256 on an Arabic one; older systems write
KOI8-R or ISO-8859. A byte-order mark decides; else text that is valid UTF-8 is UTF-8 (text in
a single-byte code page practically never is); else charset-normalizer ranks the single-byte
encodings below by how plausible the text they give is, and the best that decodes every byte
wins. The editor may name the encoding instead. Nothing is ever decoded with replacement
characters: a file that no encoding reads whole is refused.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .readers import ImportFileError

ENCODINGS = {
    "utf-8": gettext_lazy("UTF-8"),
    "utf-16": gettext_lazy("UTF-16 (Excel’s “Unicode text”)"),
    "cp1251": gettext_lazy("Windows-1251 (Cyrillic)"),
    "cp1252": gettext_lazy("Windows-1252 (Western European)"),
    "cp1256": gettext_lazy("Windows-1256 (Arabic)"),
    "koi8_r": gettext_lazy("KOI8-R (Cyrillic)"),
    "iso8859_1": gettext_lazy("ISO-8859-1 (Western European)"),
    "iso8859_2": gettext_lazy("ISO-8859-2 (Central European)"),
    "iso8859_5": gettext_lazy("ISO-8859-5 (Cyrillic)"),
    "iso8859_6": gettext_lazy("ISO-8859-6 (Arabic)"),
    "iso8859_7": gettext_lazy("ISO-8859-7 (Greek)"),
    "iso8859_9": gettext_lazy("ISO-8859-9 (Turkish)"),
    "iso8859_15": gettext_lazy("ISO-8859-15 (Western European, with €)"),
}
SINGLE_BYTE = [name for name in ENCODINGS if name not in ("utf-8", "utf-16")]
# How each encoding is decoded: UTF-8 with or without the mark Excel writes.
CODECS = {"utf-8": "utf-8-sig"}

# The first bytes of files that are not text, and what to tell the editor who gave one as text.
SIGNATURES = [
    (
        b"PK\x03\x04",
        gettext_lazy(
            "This file is an Excel workbook (XLSX) or another ZIP archive, not text. Choose XLSX as "
            "its format, or save the sheet as “CSV UTF-8”."
        ),
    ),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        gettext_lazy(
            "This file is an Excel 97–2003 workbook (.xls) or a password-protected workbook, which cannot "
            "be imported. Save it in Excel as an Excel workbook (.xlsx) without a password."
        ),
    ),
    (b"%PDF-", gettext_lazy("This file is a PDF document, not a spreadsheet.")),
]


@dataclass
class Decoded:
    text: str
    encoding: str  # a key of ENCODINGS


def not_text(data: bytes) -> str | None:
    """Why `data` is not a text file, if its first bytes say so."""
    for signature, message in SIGNATURES:
        if data.startswith(signature):
            return str(message)
    return None


def decode(data: bytes | str, encoding: str = "") -> Decoded:
    """The text of an uploaded file, in `encoding` if given (a key of ENCODINGS), else in the
    encoding found from its bytes."""
    if isinstance(data, str):
        return Decoded(checked(data), "utf-8")
    if encoding:
        if encoding not in ENCODINGS:
            raise ImportFileError(_("“%(encoding)s” is not an encoding the tracker reads.") % {"encoding": encoding})
        return Decoded(checked(strictly(data, encoding)), encoding)
    if reason := not_text(data):
        raise ImportFileError(reason)
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(checked(strictly(data, "utf-8")), "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(checked(strictly(data, "utf-16")), "utf-16")
    if b"\x00" in data:
        raise ImportFileError(_("This is not a text file. Choose the format the file was saved in (e.g. XLSX)."))
    try:
        return Decoded(checked(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    for match in from_bytes(data, cp_isolation=SINGLE_BYTE):
        try:
            text = data.decode(match.encoding)
        except UnicodeDecodeError:  # a byte in a part of the file the detector did not sample
            continue
        if not C1_CONTROLS.search(text):
            return Decoded(checked(text), match.encoding)
    raise ImportFileError(
        _(
            "The file is not text in any encoding the tracker reads: some of its bytes stand for no "
            "character. Save it as “CSV UTF-8” and import it again."
        )
    )


def strictly(data: bytes, encoding: str) -> str:
    try:
        return data.decode(CODECS.get(encoding, encoding))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file cannot be read as %(encoding)s: line %(line)s has a byte that stands for no "
                "character in it. Choose another encoding, or leave the choice to the tracker."
            )
            % {"encoding": ENCODINGS[encoding], "line": line}
        ) from None


C1_CONTROLS = re.compile("[\x80-\x9f]")


def checked(text: str) -> str:
    """Text without the marks of a broken file or a wrong encoding: a NUL character (binary
    data), the replacement character “�” (left where an earlier program could not read a
    character), or a C1 control character (what a byte of another code page becomes in ISO-8859)."""
    for mark, message in [
        ("\x00", _("Line %(line)s holds a NUL character: this is not a text file, or not in this encoding.")),
        (
            "\ufffd",
            _(
                "Line %(line)s holds “�”, the mark of a character lost when the file was saved. Save the "
                "original again as “CSV UTF-8” and import that."
            ),
        ),
    ]:
        if (position := text.find(mark)) >= 0:
            raise ImportFileError(message % {"line": text.count("\n", 0, position) + 1})
    if control := C1_CONTROLS.search(text):
        raise ImportFileError(
            _("Line %(line)s holds a control character that no text has: the file is not in this encoding.")
            % {"line": text.count("\n", 0, control.start()) + 1}
        )
    return text


def label(encoding: str) -> str:
    return str(ENCODINGS.get(encoding, encoding))
