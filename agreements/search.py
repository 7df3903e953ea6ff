"""Search keys that let one query find a name in English, Russian or Arabic.

A record keeps `search_text`: for each of its names and texts, a *native key* (the text
case-folded, Arabic without diacritics and with its letter variants unified, Russian ё as е)
and a *Latin key* (the native key transliterated to ASCII and smoothed over the usual
spelling variants: x/ks, y/i, doubled letters). A query is keyed the same way and matches
when each of its words is found in either key. Both keys are plain text compared with
LIKE, so the search behaves the same on SQLite and PostgreSQL.

"Alexandrov", "Aleksandrov" and "Александрова" all meet: the Latin key of each starts
with "aleksandrov", and a query word of six letters or more also matches without its
final vowel, the commonest Russian inflection ("Александрова" finds "Alexandrov").
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q
from text_unidecode import unidecode

# Tashkeel (fathatan … sukun), maddah, hamza above and below as marks, superscript alef, tatweel.
ARABIC_MARKS = re.compile("[\u064b-\u0655\u0670\u0640]")
LETTER_VARIANTS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ی": "ي",  # Persian yeh
        "ک": "ك",  # Persian kaf
        "ё": "е",
    }
)
NOT_A_WORD = re.compile(r"[^\w]+")
LATIN_SPELLINGS = [
    (re.compile(r"['`ʻʼ’]"), ""),  # soft signs and ayn, which transliterate to apostrophes
    (re.compile(r"x"), "ks"),
    (re.compile(r"ye"), "e"),
    (re.compile(r"y"), "i"),
    (re.compile(r"(\w)\1+"), r"\1"),
]
VOWELS = "aeiou"


def normalise(text: str) -> str:
    """The native key of `text`: case-folded, without Arabic diacritics or letter variants,
    ё as е, punctuation as single spaces."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if not text.isascii():  # plain ASCII has no marks, variants or accents: skip the slow part
        text = ARABIC_MARKS.sub("", text).translate(LETTER_VARIANTS)
        text = unicodedata.normalize("NFKD", text)
        # Drop Latin accents (é, ō) but keep the Cyrillic й, which decomposes into и + breve.
        text = "".join(ch for ch in text if not (unicodedata.combining(ch) and ch != "\u0306"))
        text = unicodedata.normalize("NFC", text)
    return NOT_A_WORD.sub(" ", text).replace("_", " ").strip()


def latin(text: str) -> str:
    """The Latin key of `text`: its native key in ASCII letters, spelling variants smoothed."""
    return latin_key(normalise(text))


def latin_key(native: str) -> str:
    """`latin()` of a text already `normalise()`d."""
    key = native if native.isascii() else unidecode(native).lower()
    for pattern, replacement in LATIN_SPELLINGS:
        key = pattern.sub(replacement, key)
    return NOT_A_WORD.sub(" ", key).replace("_", " ").strip()


def search_text(*texts: str) -> str:
    """Both keys of every text, one per line: what a record stores in its `search_text`."""
    keys: list[str] = []
    for text in texts:
        native = normalise(text)
        if native:
            keys += [native, latin_key(native)]
    return "\n".join(dict.fromkeys(keys))


def query_words(query: str) -> list[tuple[str, str]]:
    """Each word of the query as (native key, Latin key)."""
    words = []
    for word in normalise(query).split():
        key = latin_key(word)
        if len(key) >= 6 and key[-1] in VOWELS:
            key = key[:-1]
        words.append((word, key))
    return words


def matches(query: str, field: str = "search_text") -> Q:
    """Records whose `field` holds every word of `query`, in either key.

    An empty query (or one of punctuation only) matches nothing.
    """
    words = query_words(query)
    if not words:
        return Q(pk__in=[])
    condition = Q()
    for native, key in words:
        found = Q(**{f"{field}__contains": native})
        if len(key) >= 3:  # shorter transliterations (an Arabic word without vowels) match anything
            found |= Q(**{f"{field}__contains": key})
        condition &= found
    return condition
