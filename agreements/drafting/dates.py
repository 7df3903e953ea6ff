"""Dates in an article's sentences, as EDTF as precise as the text and never more.

"в 2025 году" is `2025`; "the summer of 2025" `2025-22`; "С 26 по 29 августа 2024 года"
`2024-08-26/2024-08-29`; "this autumn", in an article of 6 October 2025, `2025-23`, noted as
inferred from the article's date; "the next day" is resolved against the date before it; "soon"
gives no date at all, and the word is kept in the note. A day and month without a year take the
article's year (its publication date, else the latest year the article mentions), and say so.

Month and season names in each language are those `agreements.fuzzydates` reads (month names
from CLDR: the genitive "августа", the Levantine "تشرين الأول" as well as "أكتوبر"). The
patterns around them are ours: date-search libraries take "we" for Wednesday and know no
seasons or ranges.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..fuzzydates import SEASON_NAMES as SEASONS
from ..fuzzydates import fold, month_names
from ..search import LETTER_VARIANTS

THIS_YEAR = {
    "en": r"this|the\s+current",
    "ru": r"этого|текущего|нынешнего|этой|этим|этом",
    "ar": r"هذا|هذه|الحالي|الجاري",
}
NEXT_YEAR = {"en": r"next|the\s+coming", "ru": r"следующего|будущего|следующей", "ar": r"القادم|المقبل"}
LAST_YEAR = {"en": r"last|the\s+past", "ru": r"прошлого|прошлой|минувшего", "ar": r"الماضي|المنصرم"}
RANGE_WORD = {"en": r"–|—|-|to|until|through|and", "ru": r"–|—|-|по|до|и", "ar": r"–|—|-|إلى|الى|حتى|و"}
FROM_WORD = {"en": r"from|between", "ru": r"с|со|между", "ar": r"من|بين"}
YEAR_WORD = {"en": r"", "ru": r"(?:\s*(?:года|году|год|гг?\.))?", "ar": r""}
BEFORE_YEAR = {
    "en": r"in|by|since|until|till|to|before|of|from",
    "ru": r"в|во|к|до|с|со|по",
    "ar": r"عام|سنة|في|حتى|منذ|بحلول",
}
TWO_YEARS = {
    "en": r"(?:in\s+)?({y})\s+and\s+({y})",
    "ru": r"в\s+({y})\s+и\s+({y})\s*(?:годах|гг\.)",
    "ar": r"(?:عامي|سنتي|في\s+عامي)\s+({y})\s+و\s*({y})",
}
UNTIL = {"en": r"until|till|through|to", "ru": r"до|по", "ar": r"حتى|لغاية|إلى"}
NEXT_DAY = {
    "en": r"(?:on\s+)?the\s+(?:next|following)\s+day|the\s+day\s+after",
    "ru": r"на\s+следующий\s+день|на\s+другой\s+день|назавтра",
    "ar": r"(?:في\s+)?اليوم\s+التالي",
}
THIS_YEAR_END = {
    "en": r"by\s+the\s+end\s+of\s+(?:the|this)\s+year|later\s+this\s+year",
    "ru": r"до\s+конца\s+(?:этого\s+|текущего\s+)?года|в\s+этом\s+году",
    "ar": r"قبل\s+نهاية\s+(?:هذا\s+)?العام|(?:خلال\s+)?هذا\s+العام",
}
YESTERDAY = {"en": r"yesterday", "ru": r"вчера", "ar": r"أمس|امس|البارحة"}
TOMORROW = {"en": r"tomorrow", "ru": r"завтра", "ar": r"غدا|غدًا"}
VAGUE = {
    "en": r"soon|shortly|in\s+the\s+near\s+future|recently|in\s+due\s+course",
    "ru": r"скоро|вскоре|в\s+ближайшее\s+время|в\s+скором\s+времени|недавно",
    "ar": r"قريبا|قريبًا|في\s+القريب\s+العاجل|في\s+المستقبل\s+القريب|مؤخرا|مؤخرًا",
}
# Arabic words take clitics: "وفي" (and in), "بعد"; a boundary before a word allows them.
ARABIC_PREFIX = r"(?:[وفبل])?"
YEAR = r"(?:19|20)\d\d"
DAY = r"[0-3]?\d"


@dataclass(frozen=True)
class DateMention:
    """A date found in a sentence: its EDTF value ("" when the text gives none), where it is, and
    a note when it was inferred or is vague."""

    edtf: str
    start: int
    end: int
    phrase: str
    note: str = ""
    kind: str = "date"  # "date", "until" (an end: "until 2030"), "vague" ("soon")

    @property
    def is_day(self) -> bool:
        return bool(re.fullmatch(r"\d{4}-\d\d-\d\d", self.edtf))


@dataclass
class DateContext:
    """What a relative or yearless date is resolved against."""

    article_date: datetime.date | None = None
    article_year: int | None = None
    year_is_inferred: bool = False  # True when the year comes from the years the article mentions
    previous: DateMention | None = None


def _alternation(words) -> str:
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True))


@functools.cache
def patterns(language: str) -> list[tuple[str, re.Pattern]]:
    """(name, compiled pattern) in the order they are tried; an earlier match wins its span."""
    month = f"(?P<month>{_alternation(month_names(language))})\\.?"
    season = f"(?P<season>{_alternation(SEASONS[language])})"
    lead = ARABIC_PREFIX if language == "ar" else ""
    year_word = YEAR_WORD[language]
    start = r"(?<![\w])"
    end = r"(?![\w])"
    p = {
        # 26–29 August 2024, с 26 по 29 августа 2024 года, من 6 إلى 7 أكتوبر
        "day range": rf"{start}(?:(?:{FROM_WORD[language]})\s+)?(?P<day1>{DAY})\s*(?:{RANGE_WORD[language]})\s*"
        rf"(?P<day2>{DAY})\s+{lead}{month}(?:\s*,?\s*(?P<year>{YEAR}){year_word})?{end}",
        # 30 August – 2 September 2025
        "cross-month range": rf"{start}(?P<day1>{DAY})\s+(?P<month1>{_alternation(month_names(language))})\s*"
        rf"(?:{RANGE_WORD[language]})\s*(?P<day2>{DAY})\s+{month}(?:\s*,?\s*(?P<year>{YEAR}){year_word})?{end}",
        # 6 October 2025, 6 октября, 7 أكتوبر
        "day": rf"{start}(?P<day>{DAY})\s+{lead}{month}(?:\s*,?\s*(?P<year>{YEAR}){year_word})?{end}",
        # October 6, 2025
        "month day": rf"{start}{month}\s+(?P<day>{DAY})(?:st|nd|rd|th)?(?:\s*,\s*(?P<year>{YEAR}))?{end}"
        if language == "en"
        else r"(?!x)x",
        # the summer of 2025, летом 2025 года, صيف 2025
        "season": rf"{start}{lead}(?:ال)?{season}\s+(?:of\s+|من\s+)?(?:(?:عام|سنة)\s+)?"
        rf"(?P<year>{YEAR}){year_word}{end}",
        # this autumn, the autumn of this year, осенью этого года, هذا الخريف
        "this season": rf"{start}(?:(?P<rel1>{THIS_YEAR[language]}|{NEXT_YEAR[language]}|{LAST_YEAR[language]})\s+"
        rf"(?:ال)?{season}|(?:the\s+)?{lead}(?:ال)?(?P<season2>{_alternation(SEASONS[language])})\s+"
        rf"(?:of\s+|من\s+)?(?:(?:this|next|last|the\s+current|the\s+coming)\s+year|(?:этого|текущего|следующего|"
        rf"прошлого|будущего)\s+года|(?:هذا\s+)?العام\s+(?:الحالي|الجاري|القادم|المقبل|الماضي)|هذا\s+العام))"
        rf"{end}",
        # in April 2025, в мае 2025 года, في مايو 2025
        "month": rf"{start}{lead}{month}\s+(?:of\s+)?(?P<year>{YEAR}){year_word}{end}",
        "two years": start + TWO_YEARS[language].format(y=YEAR) + end,
        "year range": rf"{start}(?P<year1>{YEAR})\s*[–—-]\s*(?P<year2>{YEAR}){year_word}{end}",
        "until year": rf"{start}{lead}(?:{UNTIL[language]})\s+(?:(?:عام|سنة)\s+)?(?P<year>{YEAR}){year_word}{end}",
        "year": rf"{start}{lead}(?:{BEFORE_YEAR[language]})\s+(?:the\s+year\s+)?(?P<year>{YEAR}){year_word}{end}"
        if language != "ru"
        else rf"{start}(?:(?:{BEFORE_YEAR[language]})\s+)?(?P<year>{YEAR})\s*(?:году|года|год|г\.){end}",
        "this year": rf"{start}{lead}(?:{THIS_YEAR_END[language]}){end}",
        "next day": rf"{start}(?:{NEXT_DAY[language]}){end}",
        "yesterday": rf"{start}{lead}(?:{YESTERDAY[language]}){end}",
        "tomorrow": rf"{start}{lead}(?:{TOMORROW[language]}){end}",
        "vague": rf"{start}{lead}(?P<vague>{VAGUE[language]}){end}",
    }
    # The lexicons are written as the words are spelt (إلى, أمس); the text is matched folded.
    return [(name, re.compile(pattern.translate(LETTER_VARIANTS), re.IGNORECASE)) for name, pattern in p.items()]


def find_dates(text: str, language: str, context: DateContext) -> list[DateMention]:
    """The dates of one sentence, in the order they appear. `context.previous` is updated to the
    last explicit date, for a "the next day" in a later sentence."""
    folded = fold(text)
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for name, pattern in patterns(language):
        for match in pattern.finditer(folded):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            mention = _read(name, match, text, language, context)
            if mention is not None:
                taken.append((match.start(), match.end()))
                found.append(mention)
    found.sort(key=lambda mention: mention.start)
    for mention in found:
        if mention.edtf and mention.kind == "date":
            context.previous = mention
    return found


def _year(match: re.Match, context: DateContext) -> tuple[int | None, str]:
    """The match's year, else the article's, with a note saying where it came from."""
    year = match.groupdict().get("year")
    if year:
        return int(year), ""
    if context.article_year is None:
        return None, _("The text gives no year, and the article's date is not known.")
    if context.year_is_inferred:
        return context.article_year, _("The text gives no year: %(year)s is the latest year the article mentions.") % {
            "year": context.article_year
        }
    return context.article_year, _("The text gives no year: %(year)s is the year of the article's date.") % {
        "year": context.article_year
    }


def _day(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _season_year(relative: str, language: str, context: DateContext) -> tuple[int | None, str]:
    if context.article_date is None and context.article_year is None:
        return None, _("“This year” cannot be resolved: the article's date is not known.")
    base = context.article_date.year if context.article_date else context.article_year
    offset = 0
    if re.fullmatch(NEXT_YEAR[language], relative, re.IGNORECASE) or re.search(
        r"next|coming|следующ|будущ|القادم|المقبل", relative
    ):
        offset = 1
    elif re.search(r"last|past|прошл|минувш|الماضي|المنصرم", relative):
        offset = -1
    if context.article_date:
        note = _("Inferred from the article's date (%(date)s).") % {"date": context.article_date.isoformat()}
    else:
        note = _("Inferred from the latest year the article mentions (%(year)s).") % {"year": base}
    return base + offset, note


def _read(name: str, match: re.Match, text: str, language: str, context: DateContext) -> DateMention | None:
    groups = match.groupdict()
    phrase = text[match.start() : match.end()]

    def mention(edtf: str, note: str = "", kind: str = "date") -> DateMention:
        return DateMention(edtf=edtf, start=match.start(), end=match.end(), phrase=phrase, note=note, kind=kind)

    months = month_names(language)
    if name in ("day range", "cross-month range"):
        year, note = _year(match, context)
        month2 = months[re.sub(r"\s+", " ", groups["month"])]
        month1 = months[re.sub(r"\s+", " ", groups["month1"])] if groups.get("month1") else month2
        if year is None:
            return mention("", note)
        first, last = _day(year, month1, int(groups["day1"])), _day(year, month2, int(groups["day2"]))
        if not first or not last or last < first:
            return None
        return mention(f"{first.isoformat()}/{last.isoformat()}", note)
    if name in ("day", "month day"):
        year, note = _year(match, context)
        if year is None:
            return mention("", note)
        day = _day(year, months[re.sub(r"\s+", " ", groups["month"])], int(groups["day"]))
        return mention(day.isoformat(), note) if day else None
    if name == "season":
        return mention(f"{groups['year']}-{SEASONS[language][groups['season'].lower()]}")
    if name == "this season":
        season = groups.get("season") or groups.get("season2")
        relative = groups.get("rel1") or phrase
        year, note = _season_year(relative, language, context)
        if year is None:
            return mention("", note)
        return mention(f"{year}-{SEASONS[language][season.lower()]}", note)
    if name == "month":
        month = months[re.sub(r"\s+", " ", groups["month"])]
        return mention(f"{groups['year']}-{month:02d}")
    if name in ("two years", "year range"):
        years = [int(y) for y in match.groups() if y and re.fullmatch(YEAR, y)]
        if len(years) != 2 or years[1] <= years[0]:
            return None
        return mention(f"{years[0]}/{years[1]}")
    if name == "until year":
        return mention(groups["year"], kind="until")
    if name == "year":
        return mention(groups["year"])
    if name == "this year":
        year, note = _season_year("this", language, context)
        return mention(str(year) if year else "", note, kind="until")
    if name == "next day":
        previous = context.previous
        if previous is None or not previous.edtf:
            return mention("", _("“The next day” follows no date in the text."))
        if previous.is_day:
            day = datetime.date.fromisoformat(previous.edtf) + datetime.timedelta(days=1)
            return mention(day.isoformat(), _("The day after %(date)s.") % {"date": previous.edtf})
        return mention(
            previous.edtf,
            _("The day after a day within %(date)s: no more precise than that.") % {"date": previous.edtf},
        )
    if name in ("yesterday", "tomorrow"):
        if context.article_date is None:
            return mention("", _("“%(word)s” cannot be resolved: the article's date is not known.") % {"word": phrase})
        step = -1 if name == "yesterday" else 1
        day = context.article_date + datetime.timedelta(days=step)
        return mention(
            day.isoformat(), _("Counted from the article's date (%(date)s).") % {"date": context.article_date}
        )
    if name == "vague":
        return mention("", _("“%(word)s” in the text: no date.") % {"word": phrase.strip()}, kind="vague")
    return None


def article_year(text: str, published: datetime.date | None) -> tuple[int | None, bool]:
    """The year a yearless date in the article falls in: the publication's, else the latest year
    the article mentions (up to the present), marked as inferred."""
    if published:
        return published.year, False
    this_year = datetime.date.today().year
    years = [int(y) for y in re.findall(rf"(?<!\d)({YEAR})(?!\d)", text) if int(y) <= this_year]
    return (max(years), True) if years else (None, False)


DATELINE = re.compile(r"^\s*[A-ZА-ЯЁ][A-ZА-ЯЁ\- ]{2,30},\s*(?P<date>[^()\n]{3,40}?)\s*\(", re.UNICODE)


def dateline_date(text: str, language: str, year: int | None) -> datetime.date | None:
    """The day of a wire report's dateline ("MINSK, 6 October (BelTA)"), in the given year."""
    match = DATELINE.match(text)
    if not match or year is None:
        return None
    found = find_dates(match.group("date"), language, DateContext(article_year=year))
    return datetime.date.fromisoformat(found[0].edtf) if found and found[0].is_day else None
