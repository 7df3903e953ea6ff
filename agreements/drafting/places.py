"""Countries and cities named in an article, in English, Russian or Arabic.

Country names come from CLDR through Babel and from django-countries' own translations (which
has "روسيا البيضاء" beside CLDR's "بيلاروس"); cities from CLDR's exemplar cities of time zones
(Minsk, Маскат, مسقط, each with its country) and from the cities of the visits already recorded.
A name matches its inflected and derived forms: "Омана", "оманский", "Omani", "البيلاروسية".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location
from django.utils import translation
from django_countries import countries

from ..search import ARABIC_MARKS
from .dates import fold

# Names the press uses that CLDR does not give: CLDR has one name per country and language.
OTHER_NAMES = {
    "BY": {"en": ["Belorussia", "Byelorussia"], "ru": ["Белоруссия", "Белорусь"], "ar": ["بيلاروسيا"]},
    "RU": {"en": ["Russian Federation"], "ru": ["Российская Федерация", "РФ"], "ar": []},
    "US": {"en": ["USA", "United States of America"], "ru": ["США"], "ar": ["الولايات المتحدة", "أمريكا"]},
    "SA": {"en": ["Saudi"], "ru": ["Саудовская Аравия"], "ar": ["السعودية"]},
    "AE": {"en": ["UAE", "Emirates"], "ru": ["ОАЭ", "Эмираты"], "ar": ["الإمارات"]},
    "GB": {"en": ["Britain", "UK"], "ru": ["Великобритания"], "ar": []},
}
# Words with their Arabic marks (\w alone would split "عُمان" at its damma).
WORD = re.compile(r"[\w\u064b-\u065f\u0670]+", re.UNICODE)


def words_of(folded: str) -> list[tuple[str, int, int]]:
    """(word without Arabic marks, start, end) for each word of a folded text."""
    return [(ARABIC_MARKS.sub("", m.group()), m.start(), m.end()) for m in WORD.finditer(folded)]


ARABIC_CLITICS = ("و", "ف", "ب", "ل", "ك")
# Endings a name takes: "Omani", "Belarusian"; "Омана", "оманского"; "البيلاروسية", "العمانيين".
MAX_ENDING = {"en": 4, "ru": 6, "ar": 4}


@dataclass(frozen=True)
class PlaceMention:
    code: str  # ISO 3166 code of the country (of the city's country for a city)
    start: int
    end: int
    phrase: str
    city: str = ""  # the city's English name, for a city


def stem(word: str, language: str) -> str:
    """A name without the ending its derived forms replace: "Cuba" → "cub" (Cuban), "Беларусь" →
    "беларус" (Беларуси), "Узбекистан" → "узбек" (узбекский), "Uzbekistan" → "uzbek"."""
    word = fold(word)
    if language in ("en", "ru") and len(word) > 7 and word.endswith(("istan", "истан")):
        return word[:-5]
    if language == "ru":
        return word[:-1] if len(word) > 4 and word[-1] in "аяьыиейо" else word
    if language == "en":
        return word[:-1] if len(word) > 4 and word[-1] in "aey" else word
    return word[:-1] if len(word) > 4 and word[-1] in "اهي" else word


def arabic_bases(word: str) -> list[str]:
    """The word and the word without its leading clitics and article: "والعمانية" → "عمانيه"."""
    bases = [word]
    for clitic in ARABIC_CLITICS:
        if word.startswith(clitic) and len(word) > 3:
            bases.append(word[1:])
    for base in list(bases):
        for article in ("ال", "لل"):
            if base.startswith(article) and len(base) > 4:
                bases.append(base[len(article) :])
    return bases


@functools.cache
def country_names(language: str) -> list[tuple[tuple[str, ...], str]]:
    """(the name's folded words, ISO code) for every country, longest names first."""
    locale = Locale.parse(language)
    names: set[tuple[tuple[str, ...], str]] = set()
    with translation.override(language):
        localised = {code: str(name) for code, name in countries}
    for code in localised:
        spellings = {localised[code], locale.territories.get(code, "")}
        spellings.update(OTHER_NAMES.get(code, {}).get(language, []))
        for spelling in spellings:
            words = tuple(word for word, _start, _end in words_of(fold(spelling)))
            if words:
                names.add((words, code))
    return sorted(names, key=lambda item: (-len(item[0]), item))


@functools.cache
def cldr_cities(language: str) -> dict[tuple[str, ...], tuple[str, str]]:
    """The exemplar city of every CLDR time zone, in the language: folded words → (English name, ISO code)."""
    cities: dict[tuple[str, ...], tuple[str, str]] = {}
    for zone, territory in get_global("zone_territories").items():
        if territory in ("001", "ZZ") or "/" not in zone:
            continue
        try:
            name = get_timezone_location(zone, locale=language, return_city=True)
            english = get_timezone_location(zone, locale="en", return_city=True)
        except (LookupError, ValueError, AttributeError):
            continue
        words = tuple(word for word, _start, _end in words_of(fold(name)))
        if words:
            cities.setdefault(words, (english, territory))
    return cities


def _matches(word: str, name_word: str, language: str, last: bool) -> bool:
    """Whether a word of the text is this word of a name, allowing the last word an ending."""
    candidates = arabic_bases(word) if language == "ar" else [word]
    if language == "ar" and name_word.startswith("ال") and len(name_word) > 4:
        name_word = name_word[2:]  # "السعودية" is "سعودي" in "السعودي", "والسعودية"
    for candidate in candidates:
        if candidate == name_word:
            return True
        if last:
            base = stem(name_word, language)
            if len(base) >= 3 and candidate.startswith(base) and len(candidate) - len(base) <= MAX_ENDING[language]:
                # A short stem ("cub", "куб") only takes a short ending, so "кубок" is not Cuba.
                if len(base) >= 4 or len(candidate) - len(base) <= 3:
                    return True
    return False


def _stands_alone(text: str, words, i: int, n: int) -> bool:
    """A capitalised name not followed by another capitalised word (which would make it a person's)."""
    first = text[words[i][1] : words[i][2]]
    if not first[:1].isupper():
        return False
    if i + n < len(words):
        between = text[words[i + n - 1][2] : words[i + n][1]]
        following = text[words[i + n][1] : words[i + n][2]]
        if between.strip() == "" and following[:1].isupper():
            return False
    return True


def find_places(text: str, language: str, known_cities: dict[str, str] | None = None) -> list[PlaceMention]:
    """Countries and cities named in `text`, each once per place it is named, longest name first.

    `known_cities` maps the Latin key of a city already recorded to its country's code.
    """
    from ..search import latin

    folded = fold(text)
    words = words_of(folded)
    used = [False] * len(words)
    found: list[PlaceMention] = []
    cities = cldr_cities(language)
    by_first: dict[str, list] = {}
    for name, code in country_names(language):
        by_first.setdefault(name[0][:3], []).append((name, code, ""))
    for name, (english, code) in cities.items():
        by_first.setdefault(name[0][:3], []).append((name, code, english))
    for i, (word, _start, _end) in enumerate(words):
        if used[i]:
            continue
        keys = {base[:3] for base in (arabic_bases(word) if language == "ar" else [word])}
        candidates = [c for key in keys for c in by_first.get(key, [])]
        candidates.sort(key=lambda c: -len(c[0]))
        for name, code, city in candidates:
            n = len(name)
            if i + n > len(words) or any(used[i : i + n]):
                continue
            # Russian and Arabic inflect every word of a name ("Российской Федерации"); English only adds
            # an ending to the last ("the Belarusian").
            if all(
                _matches(words[i + k][0], name[k], language, last=(k == n - 1 or language != "en")) for k in range(n)
            ):
                if city and words[i + n - 1][0] != name[-1] and not arabic_bases(words[i + n - 1][0])[-1] == name[-1]:
                    continue  # a city is matched whole: "Минска" is rare, "Minsky" is not Minsk
                if city and language == "en" and not _stands_alone(text, words, i, n):
                    continue  # "Santiago Pérez Benítez" is a man, not a city
                start, end = words[i][1], words[i + n - 1][2]
                found.append(PlaceMention(code, start, end, text[start:end], city))
                for k in range(n):
                    used[i + k] = True
                break
    if known_cities:
        for i, (word, start, end) in enumerate(words):
            if not used[i] and len(word) >= 4:
                code = known_cities.get(latin(text[start:end]))
                if code:
                    found.append(PlaceMention(code, start, end, text[start:end], text[start:end]))
    found.sort(key=lambda place: place.start)
    return found
