"""Fuzzy dates in EDTF (Library of Congress Extended Date/Time Format).

A fuzzy date is stored as its EDTF string ("2025-22" is summer 2025,
"2024-08-26/2024-08-29" a four-day visit, "2025" a year) with its earliest and
latest possible days kept beside it for filtering and ordering. An unknown date
is the empty string and has no bounds: nothing here ever invents a day.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from edtf import parse_edtf, struct_time_to_date
from edtf.parser import edtf_exceptions, parser_classes

SEASONS = {
    21: gettext_lazy("spring"),
    22: gettext_lazy("summer"),
    23: gettext_lazy("autumn"),
    24: gettext_lazy("winter"),
}


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
        value = (value or "").strip()
        if not value:
            return cls("", None, None)
        try:
            earliest, latest = parsed_bounds(value)
        except (edtf_exceptions.EDTFParseException, ValueError) as error:
            raise ValidationError(
                _(
                    "“%(value)s” is not an EDTF date. Use for example 2025-10-06, 2025-10, "
                    "2025-22 (summer), 2024-08-26/2024-08-29 or 2025."
                ),
                code="invalid_edtf",
                params={"value": value},
            ) from error
        if earliest and latest and earliest > latest:
            raise ValidationError(
                _("The interval “%(value)s” ends before it starts."),
                code="reversed_interval",
                params={"value": value},
            )
        return cls(value, earliest, latest)

    def __str__(self) -> str:
        return describe(self.edtf)


@functools.lru_cache(maxsize=10_000)
def parsed_bounds(value: str) -> tuple[datetime.date | None, datetime.date | None]:
    """The earliest and latest possible day of an EDTF value, once per distinct string: every
    save and every validation of a fuzzy date asks (an import, thousands of times)."""
    parsed = parsed_edtf(value)
    return _bound(parsed, "lower"), _bound(parsed, "upper")


def _bound(parsed, side: str) -> datetime.date | None:
    if isinstance(parsed, parser_classes.Interval | parser_classes.Level1Interval):
        section = getattr(parsed, side)
        if isinstance(section, parser_classes.UnspecifiedIntervalSection):
            return None
    strict = parsed.lower_strict() if side == "lower" else parsed.upper_strict()
    try:
        return struct_time_to_date(strict)
    except (TypeError, ValueError, OverflowError, AttributeError):
        return None


def validate_edtf(value: str) -> None:
    FuzzyDate.parse(value)


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


def _as_date(date_obj) -> datetime.date:
    return datetime.date(int(date_obj.year), int(getattr(date_obj, "month", None) or 1), int(date_obj.day or 1))


# Each pattern is a Django date format that the catalogue translates: English writes "6 Oct 2025"
# ("j M Y"), Russian puts the month in the genitive after a day number ("j E Y": "6 октября 2025"),
# Arabic uses the full month name ("j F Y": "6 أكتوبر 2025").
def _day(date_obj) -> str:
    return format_date(_as_date(date_obj), pgettext("fuzzy date: a day, as a Django date format", "j M Y"))


def _month(date_obj) -> str:
    text = format_date(_as_date(date_obj), pgettext("fuzzy date: a month, as a Django date format", "F Y"))
    # Django's month names are capitalised; Russian writes them in lower case within a sentence.
    if pgettext("fuzzy date: are month names written in lower case? answer yes or no", "no") == "yes":
        text = text[:1].lower() + text[1:]
    return text


def _range_start(date_obj) -> str:
    """The first day of a range within one year: "30 Aug" in "30 Aug – 2 Sep 2025"."""
    return format_date(
        _as_date(date_obj), pgettext("fuzzy date: first day of a range in one year, as a Django date format", "j M")
    )


def _plain(date_obj) -> str:
    """Words for a plain EDTF Date or Season, without qualifiers."""
    if isinstance(date_obj, parser_classes.Season):
        return _("%(season)s %(year)s") % {"season": SEASONS.get(int(date_obj.season), ""), "year": date_obj.year}
    if isinstance(date_obj, parser_classes.UncertainOrApproximate):
        return _qualified(date_obj)
    if getattr(date_obj, "day", None):
        return _day(date_obj)
    if getattr(date_obj, "month", None):
        return _month(date_obj)
    return str(date_obj.year)


def _qualified(parsed) -> str:
    inner = getattr(parsed, "date", None)
    text = _plain(inner) if inner is not None else str(parsed).rstrip("?~%")
    if parsed.is_uncertain_and_approximate:
        return _("perhaps about %(date)s") % {"date": text}
    if parsed.is_approximate:
        return _("about %(date)s") % {"date": text}
    if parsed.is_uncertain:
        return _("%(date)s (uncertain)") % {"date": text}
    return text


def _interval(lower, upper) -> str:
    if isinstance(lower, parser_classes.UnspecifiedIntervalSection):
        return _("until %(date)s") % {"date": _plain(upper)}
    if isinstance(upper, parser_classes.UnspecifiedIntervalSection):
        return _("from %(date)s") % {"date": _plain(lower)}
    both_days = all(getattr(d, "day", None) for d in (lower, upper)) and not any(
        isinstance(d, parser_classes.UncertainOrApproximate | parser_classes.Season) for d in (lower, upper)
    )
    if both_days and lower.year == upper.year:
        if lower.month == upper.month:
            return f"{int(lower.day)}–{_day(upper)}"
        return f"{_range_start(lower)} – {_day(upper)}"
    return f"{_plain(lower)} – {_plain(upper)}"


def describe(value: str) -> str:
    """The EDTF value in words of the active language: "summer 2025", "26–29 Aug 2024"."""
    if not value:
        return _("date not given")
    try:
        parsed = parsed_edtf(value)
    except (edtf_exceptions.EDTFParseException, ValueError):
        return value
    if isinstance(parsed, parser_classes.Interval | parser_classes.Level1Interval):
        return _interval(parsed.lower, parsed.upper)
    return _plain(parsed)
