"""Fuzzy dates in EDTF (Library of Congress Extended Date/Time Format).

A fuzzy date is stored as its EDTF string ("2025-22" is summer 2025,
"2024-08-26/2024-08-29" a four-day visit, "2025" a year) with its earliest and
latest possible days kept beside it for filtering and ordering. An unknown date
is the empty string and has no bounds: nothing here ever invents a day.

Three parts, each the one place for what it does:
- parsing (`FuzzyDate.parse`): an EDTF string, its bounds, and the refusal of whatever cannot
  be shown in words or placed between two days of the calendar;
- reading (`FuzzyDate.read`): what people type or a spreadsheet holds ("18 Feb 2019",
  "лето 2025", an Excel date cell) turned into EDTF, for every form and import;
- wording (`describe`): the EDTF value in words of the active language.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

from babel import Locale
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from edtf import parse_edtf, struct_time_to_date
from edtf.parser import edtf_exceptions
from edtf.parser import parser_classes as edtf_classes

from .bidi import without_format_characters
from .search import LETTER_VARIANTS

SEASONS = {
    21: gettext_lazy("spring"),
    22: gettext_lazy("summer"),
    23: gettext_lazy("autumn"),
    24: gettext_lazy("winter"),
}
# EDTF level 2 divisions of a year, each a phrase around the year.
YEAR_DIVISIONS = {
    25: gettext_lazy("spring %(year)s (northern hemisphere)"),
    26: gettext_lazy("summer %(year)s (northern hemisphere)"),
    27: gettext_lazy("autumn %(year)s (northern hemisphere)"),
    28: gettext_lazy("winter %(year)s (northern hemisphere)"),
    29: gettext_lazy("spring %(year)s (southern hemisphere)"),
    30: gettext_lazy("summer %(year)s (southern hemisphere)"),
    31: gettext_lazy("autumn %(year)s (southern hemisphere)"),
    32: gettext_lazy("winter %(year)s (southern hemisphere)"),
    33: gettext_lazy("first quarter of %(year)s"),
    34: gettext_lazy("second quarter of %(year)s"),
    35: gettext_lazy("third quarter of %(year)s"),
    36: gettext_lazy("fourth quarter of %(year)s"),
    37: gettext_lazy("first four months of %(year)s"),
    38: gettext_lazy("second four months of %(year)s"),
    39: gettext_lazy("last four months of %(year)s"),
    40: gettext_lazy("first half of %(year)s"),
    41: gettext_lazy("second half of %(year)s"),
}
INTERVALS = edtf_classes.Interval  # Level1Interval, Level2Interval and the consecutives of a set too
UNSHOWABLE = (AttributeError, KeyError, TypeError, ValueError, OverflowError)


class UnplaceableDate(ValueError):
    """An EDTF value whose days are not days of the calendar between the years 1 and 9999."""


# Parsing


@functools.lru_cache(maxsize=10_000)
def parsed_edtf(value: str):
    """`parse_edtf(value)`, once per distinct string: the grammar takes milliseconds, and pages,
    imports and the archive itself repeat the same dates over and over. Treat the result as read-only."""
    return parse_edtf(value)


@dataclass(frozen=True)
class FuzzyDate:
    """A parsed EDTF value with its bounds; `FuzzyDate.parse("")` is the unknown date."""

    edtf: str
    earliest: datetime.date | None
    latest: datetime.date | None

    @classmethod
    def parse(cls, value: str) -> FuzzyDate:
        """The EDTF value, refused unless it has bounds in the calendar and words to show it."""
        value = (value or "").strip()
        if not value:
            return cls("", None, None)
        try:
            parsed = parsed_edtf(value)
        except (edtf_exceptions.EDTFParseException, *UNSHOWABLE) as error:
            # The grammar's actions fail with TypeError on some inputs ("../Y170000002").
            raise not_edtf(value) from error
        try:
            earliest, latest = parsed_bounds(value)
        except UnplaceableDate as error:
            raise ValidationError(
                _("“%(value)s” names a day that does not exist or a year outside 1–9999."),
                code="unplaceable_edtf",
                params={"value": value},
            ) from error
        try:
            words(parsed)
        except UNSHOWABLE as error:
            raise ValidationError(
                _("“%(value)s” is a kind of EDTF date that cannot be shown; write it more simply."),
                code="unshowable_edtf",
                params={"value": value},
            ) from error
        if earliest and latest and earliest > latest:
            raise ValidationError(
                _("The interval “%(value)s” ends before it starts."),
                code="reversed_interval",
                params={"value": value},
            )
        return cls(value, earliest, latest)

    @classmethod
    def read(cls, value) -> FuzzyDate:
        """What a person typed or a spreadsheet cell holds, as a fuzzy date: EDTF as it is, a date
        in words of English, Russian or Arabic, or an Excel date or date-time cell."""
        if isinstance(value, datetime.datetime):
            if value.time() == datetime.time(0, 0):
                return cls.parse(value.date().isoformat())
            return cls.parse(value.replace(tzinfo=None, microsecond=0).isoformat())
        if isinstance(value, datetime.date):
            return cls.parse(value.isoformat())
        if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
            return cls.parse(str(int(value)))  # a year typed into a number cell
        text = " ".join(without_format_characters(str(value or "")).split())
        try:
            return cls.parse(text)
        except ValidationError as error:
            if error.code != "invalid_edtf":
                raise
        return cls.parse(edtf_from_words(text))

    def __str__(self) -> str:
        return describe(self.edtf)


def not_edtf(value: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(value)s” is not an EDTF date. Use for example 2025-10-06, 2025-10, "
            "2025-22 (summer), 2024-08-26/2024-08-29 or 2025."
        ),
        code="invalid_edtf",
        params={"value": value},
    )


@functools.lru_cache(maxsize=10_000)
def parsed_bounds(value: str) -> tuple[datetime.date | None, datetime.date | None]:
    """The earliest and latest possible day of an EDTF value, once per distinct string: every
    save and every validation of a fuzzy date asks (an import, thousands of times)."""
    return _bounds(parsed_edtf(value))


def _bounds(node) -> tuple[datetime.date | None, datetime.date | None]:
    """An open or unknown end, or a year not given at all ("XXXX-02-01"), has no bound."""
    if isinstance(node, INTERVALS):
        return _section_bounds(node.lower)[0], _section_bounds(node.upper)[1]
    if isinstance(node, edtf_classes.OneOfASet | edtf_classes.MultipleDates):
        members = [_bounds(member) for member in node.objects]
        lowers, uppers = [low for low, _high in members], [high for _low, high in members]
        return (
            None if None in lowers else min(lowers),
            None if None in uppers else max(uppers),
        )
    if isinstance(node, edtf_classes.DateAndTime | edtf_classes.UncertainOrApproximate):
        return _bounds(node.date)
    if isinstance(node, edtf_classes.LongYear):
        raise UnplaceableDate(str(node))
    year = str(getattr(node, "year", None) or "")
    if year.startswith("-"):
        raise UnplaceableDate(str(node))
    if year.strip("X") == "" and not getattr(node, "season", None):
        return None, None
    try:
        earliest, latest = struct_time_to_date(node.lower_strict()), struct_time_to_date(node.upper_strict())
    except UNSHOWABLE as error:
        raise UnplaceableDate(str(node)) from error
    if getattr(node, "significant_digits", None) and year.isdigit():
        first, last = _significant_years(year, node.significant_digits)
        return datetime.date(max(first, 1), 1, 1), datetime.date(last, 12, 31)
    return earliest, latest


def _section_bounds(section) -> tuple[datetime.date | None, datetime.date | None]:
    if section is None or isinstance(section, edtf_classes.UnspecifiedIntervalSection):
        return None, None
    return _bounds(section)


def _significant_years(year: str, digits: int) -> tuple[int, int]:
    """The years "1950S2" may be (1900–1999): the digits after the significant ones are unknown."""
    unknown = max(len(year) - digits, 0)
    first = int(year) // 10**unknown * 10**unknown
    return first, first + 10**unknown - 1


def validate_edtf(value: str) -> None:
    FuzzyDate.parse(value)


# Reading dates in words


def fold(text: str) -> str:
    """The text lower-cased with Arabic letter variants unified, keeping every offset (one
    character for one), so that a match in the folded text is a match in the original."""
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text).translate(LETTER_VARIANTS)


@functools.cache
def month_names(language: str) -> dict[str, int]:
    """Every CLDR name of every month in the language (wide and abbreviated, format and
    stand-alone; in Arabic also the Levantine and Iraqi names), folded, to its number."""
    locales = [language] + (["ar_SY", "ar_LB", "ar_IQ", "ar_JO"] if language == "ar" else [])
    names: dict[str, int] = {}
    for code in locales:
        months = Locale.parse(code).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    name = fold(name).rstrip(".")
                    if len(name) >= 3:
                        names.setdefault(name, number)
    if language == "en":
        names["sept"] = 9
    return names


SEASON_NAMES = {  # EDTF season codes
    "en": {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24},
    "ru": {
        **dict.fromkeys(["весна", "весной", "весны", "весну", "весне"], 21),
        **dict.fromkeys(["лето", "летом", "лета", "лете"], 22),
        **dict.fromkeys(["осень", "осенью", "осени"], 23),
        **dict.fromkeys(["зима", "зимой", "зимы", "зиму", "зиме"], 24),
    },
    "ar": {"ربيع": 21, "صيف": 22, "خريف": 23, "شتاء": 24},
}
LANGUAGES = ("en", "ru", "ar")


def folded_pattern(pattern: str) -> re.Pattern:
    """A pattern written as its words are spelt (حتى, سنة), to match text as `fold` leaves it."""
    return re.compile(pattern.translate(LETTER_VARIANTS))


ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Words written around a date that add nothing to it: "of", "г.", "года", "عام" (year).
FILLERS = {"of", "the", "in", "on", "г", "гг", "год", "года", "году", "в", "во", "عام", "سنة", "في", "شهر"}
FOLDED_FILLERS = {fold(word) for word in FILLERS}
QUALIFIERS = [  # before the date, or after it in brackets, as `describe` writes them too
    (r"perhaps\s+about|возможно,?\s+примерно|ربما\s+نحو", "%"),
    (r"about|around|circa|ca\.?|c\.|approximately|около|примерно|приблизительно|حوالي|حوالى|نحو|تقريبا", "~"),
    (r"perhaps|probably|possibly|uncertain|возможно|вероятно|неточно|ربما|غير\s+مؤكد", "?"),
]
YEAR_UNKNOWN = folded_pattern(
    r"^(?P<date>.+?)[\s,،]+(?:year\s+unknown|unknown\s+year|год\s+неизвестен|год\s+не\s+известен|"
    r"(?:ال)?سنة\s+غير\s+معروفة|(?:ال)?عام\s+غير\s+معروف)$"
)
OPEN_START = folded_pattern(
    r"^(?:until|till|up\s+to|before|до|по|حتى|لغاية|قبل)\s+(?P<date>.+)$|^(?P<date_first>.+?)\s+и\s+(?:ранее|раньше)$"
)
OPEN_END = folded_pattern(
    r"^(?:from|since|after|с|со|начиная\s+с|من|منذ|ابتداء\s+من|بعد)\s+(?P<date>.+)$|^(?P<date_first>.+?)\s+и\s+(?:позже|позднее)$"
)
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0640]")  # short vowels, tanween, shadda, sukun, tatweel
RANGE = folded_pattern(r"\s*(?:–|—|-|\s(?:to|until|till|through|до|по|الى|حتى)\s)\s*")
RANGE_START = folded_pattern(r"^(?:from|between|с|со|между|من|بين)\s+")
NUMERIC = re.compile(r"^(?P<first>\d{1,2})(?P<separator>[./-])(?P<second>\d{1,2})(?P=separator)(?P<year>\d{4})$")
QUARTER = re.compile(r"^q(?P<quarter>[1-4])$")
ORDINAL = re.compile(r"^(?P<number>\d{1,2})(?:st|nd|rd|th|-?е|-?го)$")


@functools.cache
def _lexicon() -> tuple[dict[str, int], dict[str, int]]:
    """Month and season names of every language, folded: no name means two things across them."""
    months = {name: number for language in LANGUAGES for name, number in month_names(language).items()}
    seasons = {fold(name): code for language in LANGUAGES for name, code in SEASON_NAMES[language].items()}
    return months, seasons


def edtf_from_words(text: str) -> str:
    """The EDTF of a date written in words, or a `ValidationError` saying why it is not one."""
    folded = " ".join(ARABIC_MARKS.sub("", fold(text)).translate(ARABIC_DIGITS).split()).rstrip(".")
    qualifier = ""
    for words_pattern, symbol in QUALIFIERS:
        words_pattern = words_pattern.translate(LETTER_VARIANTS)
        before = re.match(rf"^(?:{words_pattern})\s+(?P<date>.+)$", folded)
        after = re.match(rf"^(?P<date>.+?)\s*\((?:{words_pattern})\)$", folded)
        if match := before or after:
            folded, qualifier = match["date"], symbol
            break
    edtf = _range_or_day(folded, text)
    if edtf is None:
        raise ValidationError(
            _(
                "“%(value)s” is not an EDTF date or a date in words this site reads. Write for example "
                "18 Feb 2019, February 2019, summer 2025, 2022–2025, about 2027, 2025-10-06 or 2025-22."
            ),
            code="invalid_edtf",
            params={"value": text},
        )
    if not qualifier:
        return edtf
    return "/".join(end + qualifier if end not in ("", "..") else end for end in edtf.split("/"))


def _range_or_day(folded: str, text: str) -> str | None:
    parts = _parts(folded, text)
    if parts is not None:
        return _edtf_of(parts)
    if match := OPEN_START.match(folded):
        upper = _parts(match["date"] or match["date_first"], text)
        return f"../{_edtf_of(upper)}" if upper else None
    unbracketed = RANGE_START.sub("", folded)
    for separator in RANGE.finditer(unbracketed):
        upper = _parts(unbracketed[separator.end() :], text)
        lower = _parts(unbracketed[: separator.start()], text, incomplete=True)
        if lower is None or upper is None:
            continue
        # The start of a range takes what it leaves out from its end: "26–29 Aug 2024", "30 Aug – 2 Sep 2025".
        lower.setdefault("year", upper["year"])
        if "day" in lower and "month" not in lower:
            if "month" not in upper:
                continue
            lower["month"] = upper["month"]
        return f"{_edtf_of(lower)}/{_edtf_of(upper)}"
    if match := OPEN_END.match(folded):
        lower = _parts(match["date"] or match["date_first"], text)
        return f"{_edtf_of(lower)}/.." if lower else None
    return None


def _parts(folded: str, text: str, incomplete: bool = False) -> dict | None:
    """The year, month, day or season a phrase names, or None if it is not a date. Only the
    start of a range ("26" in "26–29 Aug 2024") may be `incomplete`."""
    folded = folded.strip(" ,،")
    if match := YEAR_UNKNOWN.match(folded):
        parts = _parts(match["date"], text, incomplete=True)
        if parts is None or parts.get("year") or not parts.get("month"):
            return None
        return {**parts, "year": "XXXX"}
    if match := NUMERIC.match(folded):
        return _numeric(match, text)
    months, seasons = _lexicon()
    # Levantine months are two words ("تشرين الاول"): read them as one.
    for name in sorted((name for name in months if " " in name), key=len, reverse=True):
        folded = folded.replace(name, f"@{months[name]}")
    parts: dict = {}
    for token in re.split(r"[\s,،]+", folded):
        token = token.rstrip(".")
        bare = token[2:] if token.startswith("ال") else token
        if token in FOLDED_FILLERS or not token:
            continue
        if match := ORDINAL.match(token):
            token = match["number"]
        if re.fullmatch(r"\d{4}", token):
            name, value = "year", token
        elif re.fullmatch(r"\d{1,2}", token):
            name, value = "day", int(token)
        elif re.fullmatch(r"@\d{1,2}", token):
            name, value = "month", int(token[1:])
        elif token in months or bare in months:
            name, value = "month", months.get(token) or months[bare]
        elif token in seasons or bare in seasons:
            name, value = "season", seasons.get(token) or seasons[bare]
        elif match := QUARTER.match(token):
            name, value = "season", 32 + int(match["quarter"])
        else:
            return None
        if name in parts:
            return None
        parts[name] = value
    if not parts:
        return None
    if "season" in parts and ("month" in parts or "day" in parts):
        return None
    if "day" in parts and "month" not in parts and not incomplete:
        return None
    if parts.get("year") and parts.get("month") and parts.get("day"):
        try:
            datetime.date(int(parts["year"]), parts["month"], parts["day"])
        except ValueError:
            raise ValidationError(
                _("“%(value)s” names a day that does not exist."), code="no_such_day", params={"value": text}
            ) from None
    if "year" not in parts and not incomplete:
        if "month" in parts:
            raise ValidationError(
                _("“%(value)s” gives no year: add it, or write for example “1 February, year unknown”."),
                code="no_year",
                params={"value": text},
            )
        return None
    return parts


def _numeric(match: re.Match, text: str) -> dict | None:
    """18.02.2019 is a day first; 03/04/2019 may be 3 April or 4 March, and is refused."""
    first, second, year = int(match["first"]), int(match["second"]), int(match["year"])
    readings = [(first, second)] if match["separator"] == "." else [(first, second), (second, first)]
    days = []
    for day, month in readings:
        try:
            days.append(datetime.date(year, month, day))
        except ValueError:
            continue
    days = sorted(set(days))
    if len(days) > 1:
        raise ValidationError(
            _(
                "“%(value)s” may be %(one)s or %(other)s: write the month in words or the date as "
                "year-month-day (%(example)s)."
            ),
            code="ambiguous_date",
            params={
                "value": text,
                "one": describe(days[0].isoformat()),
                "other": describe(days[1].isoformat()),
                "example": days[0].isoformat(),
            },
        )
    if not days:
        return None
    return {"year": str(days[0].year), "month": days[0].month, "day": days[0].day}


def _edtf_of(parts: dict) -> str:
    year = parts["year"]
    if "season" in parts:
        return f"{year}-{parts['season']}"
    edtf = year
    if parts.get("month"):
        edtf += f"-{parts['month']:02d}"
        if parts.get("day"):
            edtf += f"-{parts['day']:02d}"
    return edtf


# Wording


def _as_date(year: str | None, month, day) -> datetime.date:
    """A day to format: a year not given is a leap year, so that 29 February can be worded."""
    known_year = int(year) if year and year.isdigit() else 2000
    return datetime.date(known_year, int(month or 1), int(day or 1))


# Each pattern is a Django date format that the catalogue translates: English writes "6 Oct 2025"
# ("j M Y"), Russian puts the month in the genitive after a day number ("j E Y": "6 октября 2025"),
# Arabic uses the full month name ("j F Y": "6 أكتوبر 2025").
def _day(date: datetime.date) -> str:
    return format_date(date, pgettext("fuzzy date: a day, as a Django date format", "j M Y"))


def _month(date: datetime.date) -> str:
    return _in_sentence(format_date(date, pgettext("fuzzy date: a month, as a Django date format", "F Y")))


def _range_start(date: datetime.date) -> str:
    """The first day of a range within one year: "30 Aug" in "30 Aug – 2 Sep 2025"."""
    return format_date(date, pgettext("fuzzy date: first day of a range in one year, as a Django date format", "j M"))


def _day_of_unknown_year(date: datetime.date) -> str:
    return format_date(date, pgettext("fuzzy date: a day of a year not known, as a Django date format", "j F"))


def _month_of_unknown_year(date: datetime.date) -> str:
    return _in_sentence(
        format_date(date, pgettext("fuzzy date: a month of a year not known, as a Django date format", "F"))
    )


def _in_sentence(text: str) -> str:
    """A month name as it is written inside a sentence: Django's are capitalised, and Russian
    writes them in lower case ("май 2025")."""
    if pgettext("fuzzy date: are month names written in lower case? answer yes or no", "no") == "yes":
        return text[:1].lower() + text[1:]
    return text


def _digits(text) -> str | None:
    """A part of a date as given, or None when it is absent or not wholly known ("XX", "1X")."""
    text = str(text) if text is not None else ""
    return text if text.isdigit() else None


def _years(year: str) -> str:
    """Words for a year with unknown digits: "the 1960s" (196X), "some year 1900–1999" (19XX)."""
    if year.strip("X") == "":
        return _("year unknown")
    if re.fullmatch(r"\d{3}X", year):
        return _("the %(decade)ss") % {"decade": year[:3] + "0"}
    return _("some year %(first)s–%(last)s") % {"first": year.replace("X", "0"), "last": year.replace("X", "9")}


def _calendar_date(node) -> str:
    """Words for a Date, with or without unknown digits: "6 Oct 2025", "1 February, year unknown"."""
    year = str(node.year)
    month, day = _digits(getattr(node, "month", None)), _digits(getattr(node, "day", None))
    if getattr(node, "significant_digits", None) and year.isdigit():
        first, last = _significant_years(year, node.significant_digits)
        if first != last:
            return _("about %(year)s (%(first)s–%(last)s)") % {"year": year, "first": first, "last": last}
    if year.isdigit():
        if month and day:
            return _day(_as_date(year, month, day))
        if month:
            return _month(_as_date(year, month, None))
        if day:
            return _("day %(day)s of a month not known, %(year)s") % {"day": int(day), "year": year}
        return year
    years = _years(year)
    if month and day:
        return _("%(date)s, %(year)s") % {"date": _day_of_unknown_year(_as_date(None, month, day)), "year": years}
    if month:
        return _("%(date)s, %(year)s") % {"date": _month_of_unknown_year(_as_date(None, month, None)), "year": years}
    if day:
        return _("day %(day)s of a month not known, %(year)s") % {"day": int(day), "year": years}
    return years


def _season(node) -> str:
    code = int(node.season)
    if code in SEASONS:
        return _("%(season)s %(year)s") % {"season": SEASONS[code], "year": node.year}
    return YEAR_DIVISIONS[code] % {"year": node.year}


def _qualify(text: str, node) -> str:
    if node.is_uncertain_and_approximate or (node.is_uncertain and node.is_approximate):
        return _("perhaps about %(date)s") % {"date": text}
    if node.is_approximate:
        return _("about %(date)s") % {"date": text}
    if node.is_uncertain:
        return _("%(date)s (uncertain)") % {"date": text}
    return text


def _partly_qualified(node) -> str:
    """A date uncertain or approximate in some of its parts only ("2004-?06-11")."""
    text = _season(node.season) if node.season else _calendar_date(node)
    if node.is_uncertain_and_approximate or (node.is_uncertain and node.is_approximate):
        return _("%(date)s (partly uncertain, partly approximate)") % {"date": text}
    if node.is_approximate:
        return _("%(date)s (partly approximate)") % {"date": text}
    if node.is_uncertain:
        return _("%(date)s (partly uncertain)") % {"date": text}
    return text


def _listed(items: list[str], conjunction: str) -> str:
    if len(items) == 1:
        return items[0]
    separator = pgettext("fuzzy date: between items of a list", ", ")
    last = {
        "or": _("%(items)s or %(last)s"),
        "and": _("%(items)s and %(last)s"),
    }[conjunction]
    return last % {"items": separator.join(items[:-1]), "last": items[-1]}


def _interval(node) -> str:
    lower, upper = node.lower, node.upper
    if isinstance(node, edtf_classes.EarlierConsecutives):
        return _("%(date)s or earlier") % {"date": words(upper)}
    if isinstance(node, edtf_classes.LaterConsecutives):
        return _("%(date)s or later") % {"date": words(lower)}
    if lower is None or isinstance(lower, edtf_classes.UnspecifiedIntervalSection):
        text = _("until %(date)s") % {"date": words(upper)}
        return _("%(date)s, start unknown") % {"date": text} if lower is not None and lower.is_unknown else text
    if upper is None or isinstance(upper, edtf_classes.UnspecifiedIntervalSection):
        text = _("from %(date)s") % {"date": words(lower)}
        return _("%(date)s, end unknown") % {"date": text} if upper is not None and upper.is_unknown else text
    first, last = _plain_day(lower), _plain_day(upper)
    if first and last and first.year == last.year:
        if first.month == last.month:
            return f"{first.day}–{_day(last)}"
        return f"{_range_start(first)} – {_day(last)}"
    return f"{words(lower)} – {words(upper)}"


def _plain_day(node) -> datetime.date | None:
    """The day a section names exactly, with no qualifier and no unknown digit, if it names one."""
    if isinstance(node, edtf_classes.UncertainOrApproximate) and not node.ua:
        node = node.date
    if type(node) is not edtf_classes.Date or node.significant_digits:
        return None
    year, month, day = _digits(node.year), _digits(node.month), _digits(node.day)
    return _as_date(year, month, day) if year and month and day else None


def words(node) -> str:
    """Words for a parsed EDTF value; raises for a kind of value it cannot word (which
    `FuzzyDate.parse` then refuses)."""
    if isinstance(node, INTERVALS):
        return _interval(node)
    if isinstance(node, edtf_classes.OneOfASet):
        return _listed([words(member) for member in node.objects], "or")
    if isinstance(node, edtf_classes.MultipleDates):
        return _listed([words(member) for member in node.objects], "and")
    if isinstance(node, edtf_classes.DateAndTime):
        return _("%(date)s, %(time)s") % {"date": words(node.date), "time": node.time}
    if isinstance(node, edtf_classes.UncertainOrApproximate):
        return _qualify(words(node.date), node) if node.ua else words(node.date)
    if isinstance(node, edtf_classes.PartialUncertainOrApproximate):
        return _partly_qualified(node)
    if isinstance(node, edtf_classes.Season):
        return _season(node)
    if isinstance(node, edtf_classes.Unspecified):
        return _qualify(_calendar_date(node), node) if node.ua else _calendar_date(node)
    if type(node) is edtf_classes.Date:
        return _calendar_date(node)
    raise TypeError(f"no words for {type(node).__name__}")


def describe(value: str) -> str:
    """The EDTF value in words of the active language: "summer 2025", "26–29 Aug 2024"."""
    if not value:
        return _("date not given")
    try:
        return words(parsed_edtf(value))
    except (edtf_exceptions.EDTFParseException, *UNSHOWABLE):
        return value  # stored before it would have been refused: shown as it is


# The field


class FuzzyDateFormField(forms.CharField):
    """The one way a fuzzy date is entered, in a form or an import column: EDTF, words, or an Excel
    date, cleaned to its EDTF string."""

    def to_python(self, value):
        # Not CharField's: an Excel cell's date is read as the date it shows, not as its str().
        if value in self.empty_values:
            return ""
        return FuzzyDate.read(value).edtf


FORM_HELP = gettext_lazy(
    "A date as you would write it (18 Feb 2019, February 2019, summer 2025, 2022–2025, about 2027, "
    "1 February, year unknown) or in EDTF (2019-02-18, 2025-22, 2024-08-26/2024-08-29, 2025~). "
    "Leave empty when unknown."
)


class FuzzyDateBound(models.DateField):
    """The earliest or latest possible day of a fuzzy date, kept for filtering and ordering.

    Added to the model by its FuzzyDateField and filled by it on save; never edited by hand.
    """

    def __init__(self, *args, **kwargs):
        kwargs.update(null=True, blank=True, editable=False)
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, **kwargs):
        # A migration's model state declares the bound itself after its FuzzyDateField has
        # already added one: the first one added is kept.
        if not any(field.name == name for field in cls._meta.local_fields):
            super().contribute_to_class(cls, name, **kwargs)


class FuzzyDateField(models.CharField):
    """An EDTF string, with the earliest and latest possible days of its value in two columns of
    their own (`<name>_earliest`, `<name>_latest`), which the field adds to its model and fills
    whenever the record is written."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault(
            "help_text",
            gettext_lazy(
                "EDTF: 2025-10-06 (a day), 2025-10 (a month), 2025-22 (summer 2025), "
                "2024-08-26/2024-08-29 (an interval), 2025 (a year), 2025-10? (uncertain), "
                "2025~ (about). Leave empty when unknown."
            ),
        )
        super().__init__(*args, **kwargs)
        self.validators.append(validate_edtf)

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        if not cls._meta.abstract:
            FuzzyDateBound().contribute_to_class(cls, f"{name}_earliest")
            FuzzyDateBound().contribute_to_class(cls, f"{name}_latest")

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": FuzzyDateFormField, "help_text": FORM_HELP, **kwargs})

    def fill_bounds(self, instance: models.Model) -> str:
        """Set the bounds of the instance's value (the value itself trimmed); the value."""
        fuzzy = FuzzyDate.parse(getattr(instance, self.attname))
        setattr(instance, self.attname, fuzzy.edtf)
        setattr(instance, f"{self.attname}_earliest", fuzzy.earliest)
        setattr(instance, f"{self.attname}_latest", fuzzy.latest)
        return fuzzy.edtf

    def pre_save(self, model_instance, add):
        # The bounds are saved after this field (they were added after it), so they are current.
        return self.fill_bounds(model_instance)


def fill_bounds(instance: models.Model) -> None:
    """Set the bounds of every fuzzy date of the instance, as saving it would."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, FuzzyDateField):
            field.fill_bounds(instance)
