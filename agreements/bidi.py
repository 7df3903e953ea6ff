"""Text of one direction set inside a sentence of the other: an English name in an Arabic line, a
date after an Arabic publisher. In HTML a template wraps such values in `<bdi>` (or gives the
element `dir="auto"`); in plain text (exports, e-mail subjects, `<title>`) they are wrapped in the
Unicode isolates, which keep each value's own order without moving the text around it."""

from __future__ import annotations

import unicodedata

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def isolate(text: object) -> str:
    """`text` between a first-strong isolate and its pop: it takes the direction of its first
    letter and leaves the order of the sentence around it alone."""
    text = str(text)
    if not text:
        return text
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"


def without_format_characters(text: str) -> str:
    """`text` without the invisible characters that only steer its display (direction marks and
    isolates, joiners, the byte-order mark): what a reader meant when they copied a value out of
    a right-to-left line or a spreadsheet cell."""
    return "".join(character for character in text if unicodedata.category(character) != "Cf")
