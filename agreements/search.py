"""Search keys that let one query find a name in English, Russian or Arabic.

A record keeps `search_text`: for each of its names and texts, a *native key* (the text
case-folded, Arabic without diacritics and with its letter variants unified, Russian ё as е)
and a *Latin key* (the native key transliterated to ASCII and smoothed over the usual
spelling variants: x/ks, y/i, doubled letters). A query is keyed the same way and matches
when each of its words is found in either key: on PostgreSQL by a full-text match over the
keys, on SQLite by LIKE (see `matches`).

"Alexandrov", "Aleksandrov" and "Александрова" all meet: the Latin key of each starts
with "aleksandrov", and a query word of six letters or more also matches without its
final vowel, the commonest Russian inflection ("Александрова" finds "Alexandrov").
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorExact
from django.db import connection
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
    return "\n".join(dict.fromkeys(key for text in texts if text for key in text_keys(text)))


@functools.lru_cache(maxsize=50_000)
def text_keys(text: str) -> tuple[str, ...]:
    """The native and Latin keys of one text, worked out once per distinct text: names and titles
    repeat across records (every memorandum of an institution keys its names)."""
    native = normalise(text)
    return (native, latin_key(native)) if native else ()


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
    """Records whose `field` holds every word of `query`, in either key; an empty query (or one of
    punctuation only) matches nothing.

    On PostgreSQL a full-text match, served by the GIN index on the keys' tsvector (migration
    0005): each word matches a key that starts with it. Elsewhere each word must appear anywhere
    in the keys (LIKE), which finds the same records and a few more.
    """
    words = query_words(query)
    if not words:
        return Q(pk__in=[])
    if connection.vendor == "postgresql":
        return Q(SearchVectorExact(keys_vector(field), SearchQuery(tsquery(words), search_type="raw", config="simple")))
    condition = Q()
    for native, key in words:
        found = Q(**{f"{field}__contains": native})
        if len(key) >= 3:  # shorter transliterations (an Arabic word without vowels) match anything
            found |= Q(**{f"{field}__contains": key})
        condition &= found
    return condition


def rank(query: str, field: str = "search_text") -> SearchRank | None:
    """How well a record's keys match `query` (PostgreSQL's ts_rank), to order results by; None
    elsewhere, where results keep their other order."""
    words = query_words(query)
    if not words or connection.vendor != "postgresql":
        return None
    return SearchRank(keys_vector(field), SearchQuery(tsquery(words), search_type="raw", config="simple"))


def keys_vector(field: str = "search_text") -> SearchVector:
    """The keys as a tsvector, exactly as the GIN index of migration 0005 is built: the "simple"
    configuration, since the keys are already folded and no language's stemming applies to all."""
    return SearchVector(field, config="simple")


def tsquery(words: list[tuple[str, str]]) -> str:
    """Each word as a prefix of its native or its Latin key, all words required. The words are
    `normalise()`d, so they hold letters, digits and spaces only and need no further quoting."""
    terms = []
    for native, key in words:
        options = [native] + ([key] if len(key) >= 3 and key != native else [])
        terms.append("(" + " | ".join(f"'{option}':*" for option in options) + ")")
    return " & ".join(terms)
