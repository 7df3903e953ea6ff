"""The languages a source, a title or a name may be written in: every ISO 639-1 language, named
by the Unicode CLDR (through babel, which the tracker already reads month and season names from)
in the reader's language, and the tracker's own Latin transliteration. Not a hand list: a clerk
recording a source in Swahili or a name in Kazakh finds the language there."""

from __future__ import annotations

import functools

from babel import Locale
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LATIN_TRANSLITERATION = "la-Latn"
# The languages the interface names languages in; another reader's language falls back to English.
NAMED_IN = ("en", "ru", "ar")


@functools.cache
def iso_codes() -> tuple[str, ...]:
    """The ISO 639-1 codes CLDR names (two letters), in alphabetical order."""
    return tuple(sorted(code for code in Locale("en").languages if len(code) == 2 and code.isalpha()))


@functools.cache
def names_in(language: str) -> dict[str, str]:
    """Each language's name in `language` ("ru": {"be": "белорусский", …})."""
    names = Locale(language).languages
    return {code: names.get(code) or Locale("en").languages[code] for code in iso_codes()}


def reader() -> str:
    language = (get_language() or "en").split("-")[0]
    return language if language in NAMED_IN else "en"


def language_name(code: str, language: str | None = None) -> str:
    """The name of the language `code` in `language` (by default the reader's): "" if unknown."""
    if code == LATIN_TRANSLITERATION:
        return str(_("Latin transliteration"))
    return names_in(language or reader()).get(code, "")


def codes() -> list[str]:
    return [*iso_codes(), LATIN_TRANSLITERATION]


def language_choices() -> list[tuple[str, str]]:
    """Every language as (code, name in the reader's language), by name: for model fields
    (`choices=language_choices`, called again for each form and check)."""
    return sorted(((code, language_name(code)) for code in codes()), key=lambda choice: choice[1].casefold())


class Languages:
    """`Language.values` and `Language.choices`, as the tracker's other choices read."""

    @property
    def values(self) -> list[str]:
        return codes()

    @property
    def choices(self) -> list[tuple[str, str]]:
        return language_choices()

    def label(self, code: str):
        """The language's name, lazily in the reader's language."""
        return lazy(language_name, str)(code)


Language = Languages()


def folded(text: str) -> str:
    return " ".join(text.split()).casefold()


@functools.cache
def codes_by_name() -> dict[str, str]:
    """Each language's code, by its code and by its name in English, Russian and Arabic, folded."""
    from django.utils import translation

    found = {folded(code): code for code in codes()}
    for language in NAMED_IN:
        with translation.override(language):
            for code in codes():
                found.setdefault(folded(language_name(code, language)), code)
    return found


def language_code(text: str) -> str | None:
    """The code of the language `text` names by code or by name ("Belarusian", "белорусский")."""
    return codes_by_name().get(folded(text))
