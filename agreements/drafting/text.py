"""An article as sentences with their offsets, and its language."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from razdel import sentenize

from .reading import DraftInputError

LANGUAGES = ("en", "ru", "ar")
# Lines of page furniture that come with a copied web page: bullets of a breadcrumb, contact blocks.
BULLET = re.compile(r"^[\s•·▪●◦*\-–—]+")
INTRODUCES_LIST = re.compile(r"[:：]\s*$")


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    start: int  # offset in the article
    paragraph: int
    # The line ending in a colon that this sentence is an item of ("agreed on:"), if any.
    list_intro: str = ""

    def __str__(self) -> str:
        return self.text


def sentences(text: str) -> list[Sentence]:
    """The article's sentences: each line is a paragraph (news pages put headlines, datelines and
    list items on lines of their own), split into sentences by razdel's rules, which know
    initials ("С.А. Красный", "N.N. Alexandrov") and abbreviations ("Dr.")."""
    found: list[Sentence] = []
    offset = 0
    paragraph = 0
    intro, bulleted = "", None
    for line in text.splitlines(keepends=True):
        if not line.strip():
            offset += len(line)
            continue
        paragraph += 1
        bullet = BULLET.match(line)
        body_start = bullet.end() if bullet else len(line) - len(line.lstrip())
        body = line[body_start:].rstrip()
        if intro:
            if bulleted is None:
                bulleted = bool(bullet)
            elif bulleted and not bullet:  # the first plain line after a bulleted list ends it
                intro = ""
        for part in sentenize(body):
            found.append(
                Sentence(
                    index=len(found),
                    text=part.text,
                    start=offset + body_start + part.start,
                    paragraph=paragraph,
                    list_intro=intro,
                )
            )
        if INTRODUCES_LIST.search(body):
            intro, bulleted = body, None
        elif intro and not bulleted and body.endswith("."):  # items run on with ";" and end with "."
            intro = ""
        offset += len(line)
    return found


@functools.cache
def _identifier():
    import py3langid

    return py3langid  # its model ships inside the package; the first call loads it (half a second)


def detect_language(text: str) -> str:
    """ "en", "ru" or "ar", by py3langid's classifier; an article in any other language is refused."""
    code, _score = _identifier().classify(text[:20_000])
    if code in LANGUAGES:
        return code
    from babel import Locale, UnknownLocaleError
    from django.utils.translation import get_language

    try:
        name = Locale.parse(code).get_display_name(get_language() or "en") or code
    except (ValueError, UnknownLocaleError):
        name = code
    raise DraftInputError(
        _(
            "The text seems to be in %(language)s. Drafts are made from articles in English, Russian or "
            "Arabic; if the article is in one of them, choose its language."
        )
        % {"language": name}
    )
