"""The text of an article from an upload: plain text, a web page, a Word document or a PDF."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ..encodings import decode
from ..readers import ImportFileError

READABLE = (".txt", ".html", ".htm", ".docx", ".pdf")


class DraftInputError(ValueError):
    """An article that cannot be drafted from; the message says why, in words an editor can act on."""


def max_bytes() -> int:
    """The largest article file read: the same limit as an import's (IMPORT_MAX_BYTES)."""
    return settings.IMPORT_MAX_BYTES


def read_bytes(name: str, data: bytes) -> tuple[str, str]:
    """(text, title) of a file's bytes, by the file's extension; the title is "" unless the file has one."""
    if len(data) > max_bytes():
        raise DraftInputError(
            _("The file is %(size)s; articles of at most %(limit)s can be read.")
            % {"size": filesizeformat(len(data)), "limit": filesizeformat(max_bytes())}
        )
    suffix = Path(name).suffix.lower()
    if suffix not in READABLE:
        raise DraftInputError(
            _("“%(name)s” is not a file an article can be read from: upload .txt, .html, .docx or .pdf.")
            % {"name": name}
        )
    try:
        if suffix == ".txt":
            text, title = decode(data).text, ""
        elif suffix in (".html", ".htm"):
            text, title = read_html(decode(data).text)
        elif suffix == ".docx":
            text, title = read_docx(data)
        else:
            text, title = read_pdf(data)
    except ImportFileError as error:
        raise DraftInputError(
            _("“%(name)s” is not text in UTF-8, UTF-16 or Windows-1251; save it as UTF-8 and upload it again.")
            % {"name": name}
        ) from error
    if not text.strip():
        if suffix == ".pdf":
            raise DraftInputError(
                _("“%(name)s” has no text to read: it may be a scan. Paste the article's text instead.")
                % {"name": name}
            )
        raise DraftInputError(_("“%(name)s” has no text.") % {"name": name})
    return text, title


def read_upload(upload) -> tuple[str, str]:
    """(text, title) of an uploaded file; refused before it is read when it is too large."""
    if upload.size > max_bytes():
        raise DraftInputError(
            _("The file is %(size)s; articles of at most %(limit)s can be read.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes())}
        )
    return read_bytes(upload.name, upload.read())


def read_html(html: str) -> tuple[str, str]:
    """The article's own text, without the page's menus and footers (trafilatura), and its title."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True) or ""
    metadata = trafilatura.extract_metadata(html)
    return text, (metadata.title if metadata and metadata.title else "")


def read_docx(data: bytes) -> tuple[str, str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as error:
        raise DraftInputError(_("The file is not a Word document that can be read.")) from error
    title = document.core_properties.title or ""
    return "\n".join(paragraph.text for paragraph in document.paragraphs), title


def read_pdf(data: bytes) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        title = (reader.metadata.title if reader.metadata else "") or ""
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise DraftInputError(_("The file is not a PDF that can be read.")) from error
    return text, title
