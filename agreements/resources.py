"""Import and export of the tracker's records (django-import-export).

Related records are named by natural keys: a country by its ISO code, everything
else by its slug; lists are separated by "|". A file with a bad row writes nothing.

Imports do not query the database row by row: the natural keys of a whole column are looked
up at once, the rows are validated in memory, new rows are written in batches and an updated
one only where it changes (see `TrackerResource`).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable

import reversion
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django_countries import countries
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader
from import_export.resources import Diff
from reversion.models import Revision

from . import history, stale_imports
from .caching import data_changed
from .formats import ImportFileError
from .fuzzydates import FuzzyDateField, FuzzyDateFormField
from .languages import language_choices, language_code
from .models import (
    Commitment,
    Country,
    Institution,
    Memorandum,
    MemorandumRelation,
    Person,
    Sector,
    Signatory,
    Source,
    Visit,
    update_statistics,
)
from .readers import spreadsheet_row

LIST_SEPARATOR = "|"
# An import that writes this many rows has the planner's statistics of its table brought up to date.
STATISTICS_AFTER_ROWS = 1000


def folded(value) -> str:
    """A human key as it is compared: case and spacing aside."""
    return " ".join(force_str(value).split()).casefold() if value is not None else ""


# A value written as a slug names a record that exists; only a name may create one.
SLUG_LIKE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+\Z")
# The columns that name a record, besides its slug, per model (see KeyedRecords).
NAME_FIELDS = {
    "sector": ("name", "name_ru", "name_ar"),
    "source": ("title",),
    "institution": ("name",),
    "person": ("name",),
    "visit": ("title",),
    "memorandum": ("title", "title_ru", "title_ar", "original_title"),
    "commitment": ("title",),
}
COUNTRY_SIDES = ("country", "second_country", "country_a", "country_b", "host_country", "guest_country")


def identity_value(value):
    if isinstance(value, models.Model):
        return value.pk
    return value if isinstance(value, int) else folded(value)


def countries_of(record) -> set[int]:
    return {getattr(record, f"{side}_id") for side in COUNTRY_SIDES if getattr(record, f"{side}_id", None)}


def described(record) -> str:
    country = getattr(record, "country", None)
    return f"“{record}” ({record.slug}, {country})" if country else f"“{record}” ({record.slug})"


class KeyedRecords:
    """Records named by a human key: the slug, the name (in each language the model keeps it) or
    any alternative name, case and spacing aside. The keys of a column are looked up at once and
    each key once per import: a resource (and so its widgets) lives for one file.

    Where a name fits several records, those of the row's countries are preferred (`scope`); if
    several still fit, the row is refused with the candidates listed. An unknown name may create
    a record (`new_in` says in which of the row's countries) when the import allows it."""

    model: type[models.Model]
    resource = None  # the resource importing the file; set by TrackerResource.__init__
    column = ""

    def init_keys(self, new_in=None) -> None:
        self.by_slug: dict[str, models.Model] = {}
        self.by_name: dict[str, dict[int, models.Model]] = defaultdict(dict)
        self.new_in = new_in

    def keys(self, value) -> list[str]:
        raise NotImplementedError

    def remember(self, record) -> None:
        self.by_slug[record.slug] = record
        for name in NAME_FIELDS[self.model._meta.model_name]:
            if value := getattr(record, name):
                self.by_name[folded(value)][record.pk] = record

    def knows(self, key: str) -> bool:
        return key in self.by_slug or key in self.by_name

    def look_up(self, keys: Iterable[str]) -> None:
        """Find the records the keys name: one query, and one more for the alternative names of
        keys that are neither a slug nor a name."""
        unknown = {key.strip(): folded(key) for key in keys if folded(key) and not self.knows(folded(key))}
        if not unknown:
            return
        raw, lowered = sorted(unknown), sorted(set(unknown.values()))
        condition = Q(slug__in=sorted({*raw, *lowered}))
        annotations = {}
        for name in NAME_FIELDS[self.model._meta.model_name]:
            annotations[f"folded_{name}"] = Lower(name)
            # Exact text as well: SQLite lowers only ASCII letters.
            condition |= Q(**{f"{name}__in": raw}) | Q(**{f"folded_{name}__in": lowered})
        for record in self.model._default_manager.annotate(**annotations).filter(condition):
            self.remember(record)
        missing = [key for key in raw if not self.knows(unknown[key])]
        if missing and hasattr(self.model, "alternative_names"):
            relation = self.model.alternative_names.rel
            names = relation.related_model._default_manager.annotate(folded_name=Lower("name")).filter(
                Q(name__in=missing) | Q(folded_name__in=[unknown[key] for key in missing])
            )
            for alternative in names.select_related(relation.field.name):
                owner = getattr(alternative, relation.field.name)
                self.by_name[folded(alternative.name)][owner.pk] = owner

    def preload(self, column: Iterable) -> None:
        """Look up every key of a column at once, before its rows are read."""
        self.look_up(key for value in column for key in self.keys(value))

    def resolve(self, key: str, row, position: int = 0, count: int = 1):
        """The record `key` names, for `row`; a ValueError that says why there is none."""
        self.look_up([key])  # not preloaded: perhaps added by an earlier row
        name = folded(key)
        if name in self.by_slug:
            return self.by_slug[name]
        candidates = list(self.by_name.get(name, {}).values())
        if len(candidates) > 1 and self.resource is not None:
            # The country a new record would belong to first ("NDMA|NDMA" for the parties of
            # India and Maldives names each one's own), then any country of the row.
            if self.new_in is not None and (country := self.new_in(self.resource, row, position, count)):
                candidates = [record for record in candidates if country.pk in countries_of(record)] or candidates
            scope = self.resource.row_countries(row)
            candidates = [record for record in candidates if countries_of(record) & scope] or candidates
        if len(candidates) == 1:
            return candidates[0]
        records = self.model._meta.verbose_name_plural
        if candidates:
            raise ValueError(
                _("“%(value)s” may be any of %(count)s %(records)s: %(candidates)s. Write the slug of the one meant.")
                % {
                    "value": key,
                    "count": len(candidates),
                    "records": records,
                    "candidates": "; ".join(described(record) for record in candidates),
                }
            )
        if self.resource is not None:
            if failed := self.resource.failed_row(self.model, name):
                raise ValueError(
                    _("Refers to row %(row)s of %(records)s, which has an error.")
                    % {"row": failed[1], "records": failed[0]}
                )
            if created := self.create(key, row, position, count):
                return created
        raise ValueError(
            _("No %(model)s has the slug, name or alternative name “%(value)s”.")
            % {"model": self.model._meta.verbose_name, "value": key}
        )

    def create(self, key: str, row, position: int, count: int):
        """A new record named `key`, where the import allows it and the row says its country."""
        if self.new_in is None or not self.resource.create_missing or SLUG_LIKE.match(key):
            return None
        country = self.new_in(self.resource, row, position, count)
        if country is None:
            return None
        record = self.model(name=key.strip(), country=country)
        if isinstance(record, Institution):
            record.kind = Institution.Kind.OTHER
        record.save()
        self.remember(record)
        self.resource.note_created(record, self.column)
        return record


def in_column(column: str):
    """A new record belongs to the row's country in `column`."""

    def country(resource, row, position, count):
        return resource.country_in(row, column)

    return country


def by_position(*columns: str):
    """In a list of as many names as `columns`, the n-th new record belongs to the country of the
    n-th column (a memorandum's parties: the first of country_a, the second of country_b)."""

    def country(resource, row, position, count):
        return resource.country_in(row, columns[position]) if count == len(columns) else None

    return country


class NaturalKeyWidget(KeyedRecords, widgets.ForeignKeyWidget):
    """A foreign key named by a human key (see KeyedRecords); an unknown key is an error that quotes it."""

    def __init__(self, model, field="slug", new_in=None, **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.init_keys(new_in)

    def keys(self, value) -> list[str]:
        key = force_str(value).strip() if value is not None else ""
        return [key] if key else []

    def clean(self, value, row=None, **kwargs):
        keys = self.keys(value)
        return self.resolve(keys[0], row) if keys else None


class CountryWidget(widgets.ForeignKeyWidget):
    """A country named by its ISO 3166-1 code (alpha-2 or alpha-3) or by its name in English,
    Russian or Arabic; a country not yet in the table is added."""

    def __init__(self):
        super().__init__(Country, field="code")
        self.found = {}

    def preload(self, column: Iterable) -> None:
        codes = {country_code(value) for value in column if value is not None} - {None}
        if codes := sorted(code for code in codes if code not in self.found):
            self.found.update((country.code.code, country) for country in Country.objects.filter(code__in=codes))

    def clean(self, value, row=None, **kwargs):
        if not force_str(value if value is not None else "").strip():
            return None
        code = country_code(value)
        if code is None:
            raise ValueError(
                _(
                    "“%(value)s” is not an ISO 3166-1 alpha-2 country code or the name of a country in "
                    "English, Russian or Arabic."
                )
                % {"value": force_str(value).strip()}
            )
        if code not in self.found:
            self.found[code] = Country.objects.get_or_create(code=code)[0]
        return self.found[code]

    def render(self, value, obj=None, **kwargs):
        return value.code.code if value else ""


@functools.cache
def country_names() -> dict[str, str]:
    """Each country's name in the tracker's languages, folded, with its ISO code."""
    names = {}
    for language in ("en", "ru", "ar"):
        with translation.override(language):
            for code, name in countries:
                names.setdefault(folded(name), code)
    return names


def country_code(value) -> str | None:
    text = force_str(value).strip()
    if text.upper() in countries:
        return text.upper()
    if len(text) == 3 and text.isalpha() and (code := countries.alpha2(text.upper())):
        return code
    return country_names().get(folded(text))


class CountriesWidget(widgets.ManyToManyWidget):
    def __init__(self):
        super().__init__(Country, separator=LIST_SEPARATOR, field="code")
        self.country = CountryWidget()

    def preload(self, column: Iterable) -> None:
        self.country.preload(code for value in column for code in force_str(value or "").split(self.separator))

    def clean(self, value, row=None, **kwargs) -> list[Country]:
        codes = [self.country.clean(code) for code in force_str(value or "").split(self.separator) if code.strip()]
        return list(dict.fromkeys(codes))

    def key_of(self, country: Country) -> str:
        return country.code.code

    def render(self, value, obj=None, **kwargs):
        return self.separator.join(country.code.code for country in value.all()) if value is not None else ""


class NaturalKeysWidget(KeyedRecords, widgets.ManyToManyWidget):
    """A "|"-separated list of human keys (see KeyedRecords); every key must name a record."""

    def __init__(self, model, field="slug", new_in=None):
        super().__init__(model, separator=LIST_SEPARATOR, field=field)
        self.init_keys(new_in)

    def keys(self, value) -> list[str]:
        # Not deduplicated: the same name twice may name two records (see `resolve`).
        return [key.strip() for key in force_str(value or "").split(self.separator) if key.strip()]

    def clean(self, value, row=None, **kwargs) -> list:
        keys = self.keys(value)
        self.look_up(keys)
        found, problems = [], []
        for position, key in enumerate(keys):
            try:
                found.append(self.resolve(key, row, position, len(keys)))
            except ValueError as error:
                problems.append(str(error))
        if problems:
            raise ValueError(" ".join(problems))
        return list(dict.fromkeys(found))

    def key_of(self, record) -> str:
        return force_str(getattr(record, self.field))


class ChoiceWidget(widgets.CharWidget):
    """One of a field's choices, by its code or by its label in English, Russian or Arabic."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = list(choices)

    @functools.cached_property
    def codes(self) -> dict[str, str]:
        codes = {folded(code): code for code, _label in self.choices}
        for language in ("en", "ru", "ar"):
            with translation.override(language):
                for code, label in self.choices:
                    codes.setdefault(folded(label), code)
        return codes

    def clean(self, value, row=None, **kwargs):
        text = force_str(value if value is not None else "").strip()
        if not text:
            return ""
        if (code := self.codes.get(folded(text))) is None:
            raise ValueError(
                _("“%(value)s” is not one of the choices: %(choices)s.")
                % {"value": text, "choices": ", ".join(f"{code} ({label})" for code, label in self.choices)}
            )
        return code


YES = {"yes", "true", "1", "y", "да", "نعم"}
NO = {"no", "false", "0", "n", "нет", "لا"}


class YesNoWidget(widgets.BooleanWidget):
    """Yes or no in English, Russian or Arabic, or as true/false/1/0; empty for unknown."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = folded(value)
        if text.endswith(".0"):  # a number cell of a workbook
            text = text[:-2]
        if not text:
            return None
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(
            _("“%(value)s” is not yes or no: write yes, no, true, false, 1, 0, да, нет, نعم or لا, or leave it empty.")
            % {"value": force_str(value).strip()}
        )


class LanguageWidget(widgets.CharWidget):
    """A language by its ISO 639-1 code or its name in English, Russian or Arabic (`be`,
    `Belarusian`, `белорусский`, `البيلاروسية`), written as its code."""

    def clean(self, value, row=None, **kwargs):
        text = force_str(value if value is not None else "").strip()
        if not text:
            return ""
        if (code := language_code(text)) is None:
            raise ValueError(
                _(
                    "“%(value)s” is not an ISO 639-1 language code (such as ru, ar, be) or the name of a "
                    "language in English, Russian or Arabic."
                )
                % {"value": text}
            )
        return code


class AlternativeNamesWidget(widgets.Widget):
    """Names in other languages as "ru:Имя|ar:اسم"; the language by its ISO 639-1 code or its
    name (see LanguageWidget), `la-Latn` for a Latin transliteration."""

    def clean(self, value, row=None, **kwargs) -> list[tuple[str, str]]:
        names = []
        for item in force_str(value or "").split(LIST_SEPARATOR):
            if not item.strip():
                continue
            language, separator, name = item.partition(":")
            code = language_code(language)
            if not separator or code is None or not name.strip():
                raise ValueError(
                    _(
                        "“%(item)s” is not language:name with a language by its ISO 639-1 code (such as ru, "
                        "ar, be), by its name in English, Russian or Arabic, or la-Latn for a Latin "
                        "transliteration."
                    )
                    % {"item": item.strip()}
                )
            names.append((code, name.strip()))
        return names

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None:
            return ""
        return LIST_SEPARATOR.join(f"{name.language}:{name.name}" for name in value.all())


class SignerCountry:
    """A new signer's country: that of the institution they sign for (set as each is read)."""

    country = None

    def __call__(self, resource, row, position, count):
        return self.country


class SignatoriesWidget(widgets.Widget):
    """Who signed for each party, as "institution: person", "|"-separated, each by slug or name
    (see KeyedRecords); a person may be left out ("institution"). An institution not yet a
    party becomes one. A new person belongs to the institution's country; the n-th of two
    institutions is looked for in the n-th country, as the parties are."""

    def __init__(self):
        self.institution = NaturalKeyWidget(Institution, new_in=by_position("country_a", "country_b"))
        self.signer_country = SignerCountry()
        self.person = NaturalKeyWidget(Person, new_in=self.signer_country)

    def wire(self, resource, column: str) -> None:
        for widget in (self.institution, self.person):
            widget.resource, widget.column = resource, column

    def split(self, value) -> list[tuple[str, str]]:
        items = [item.strip() for item in force_str(value or "").split(LIST_SEPARATOR) if item.strip()]
        return [tuple(part.strip() for part in item.partition(":")[::2]) for item in items]

    def preload(self, column: Iterable) -> None:
        pairs = [pair for value in column for pair in self.split(value)]
        self.institution.look_up(institution for institution, _person in pairs)
        self.person.look_up(person for _institution, person in pairs if person)

    def clean(self, value, row=None, **kwargs) -> list[tuple[Institution, Person | None]]:
        pairs, problems = [], []
        items = self.split(value)
        for position, (institution_key, person_key) in enumerate(items):
            try:
                institution = self.institution.resolve(institution_key, row, position, len(items))
                self.signer_country.country = institution.country
                person = self.person.resolve(person_key, row) if person_key else None
            except ValueError as error:
                problems.append(str(error))
                continue
            pairs.append((institution, person))
        if problems:
            raise ValueError(" ".join(problems))
        return pairs

    def render(self, value, obj=None, **kwargs) -> str:
        return LIST_SEPARATOR.join(
            f"{institution.slug}: {person.slug}" if person else institution.slug for institution, person in value or []
        )


class RelationsWidget(widgets.Widget):
    """The memoranda a memorandum names, as "kind: memorandum", "|"-separated: the kind by its code
    or its label in English, Russian or Arabic (`renews`, `продлевает`), the other memorandum by
    its slug or title (see KeyedRecords), or as a valid earlier row of the same file names it.
    The column is the memorandum's whole list: a relation it leaves out is removed."""

    def __init__(self):
        self.kind = ChoiceWidget(MemorandumRelation.Kind.choices)
        self.memorandum = NaturalKeyWidget(Memorandum)
        self.resource = None
        # The memoranda of the file's valid rows so far, by each of their keys, folded.
        self.in_file: dict[str, list[Memorandum]] = defaultdict(list)

    def wire(self, resource, column: str) -> None:
        self.resource = self.memorandum.resource = resource
        self.memorandum.column = column

    def split(self, value) -> list[tuple[str, str]]:
        items = [item.strip() for item in force_str(value or "").split(LIST_SEPARATOR) if item.strip()]
        pairs = []
        for item in items:
            kind, separator, target = (part.strip() for part in item.partition(":"))
            if not separator or not kind or not target:
                raise ValueError(
                    _("“%(item)s” is not written as relation: memorandum, with a relation among %(kinds)s.")
                    % {"item": item, "kinds": ", ".join(MemorandumRelation.Kind.values)}
                )
            pairs.append((kind, target))
        return pairs

    def preload(self, column: Iterable) -> None:
        targets = []
        for value in column:
            try:
                targets += [target for _kind, target in self.split(value)]
            except ValueError:
                continue  # reported with its row
        self.memorandum.look_up(targets)

    def remember(self, memorandum: Memorandum) -> None:
        """A valid row's memorandum, which a later row may name before it is written."""
        for key in (memorandum.slug, *(getattr(memorandum, name) for name in NAME_FIELDS["memorandum"])):
            if (name := folded(key)) and memorandum not in self.in_file[name]:
                self.in_file[name].append(memorandum)

    def target(self, key: str, row) -> Memorandum:
        """The memorandum `key` names: one the tracker has or one an earlier row of the file gives."""
        if row is not None and folded(key) in {folded(row.get("slug")), folded(row.get("title"))}:
            raise ValueError(_("A memorandum cannot be related to itself."))
        in_file = list(self.in_file.get(folded(key), []))
        try:
            found = [self.memorandum.resolve(key, row)]
        except ValueError:
            if not in_file:
                raise
            found = []
        candidates = []
        for memorandum in found + in_file:
            if not any(memorandum is other or (memorandum.pk and memorandum.pk == other.pk) for other in candidates):
                candidates.append(memorandum)
        if len(candidates) > 1 and self.resource is not None:
            scope = self.resource.row_countries(row)
            candidates = [record for record in candidates if countries_of(record) & scope] or candidates
        if len(candidates) == 1:
            return candidates[0]
        in_file_note = _("a row of this file")
        raise ValueError(
            _("“%(value)s” may be any of %(count)s %(records)s: %(candidates)s. Write the slug of the one meant.")
            % {
                "value": key,
                "count": len(candidates),
                "records": Memorandum._meta.verbose_name_plural,
                "candidates": "; ".join(f"“{record}” ({record.slug or in_file_note})" for record in candidates),
            }
        )

    def clean(self, value, row=None, **kwargs) -> list[tuple[str, Memorandum]]:
        relations, problems = [], []
        for kind, key in self.split(value):
            try:
                relations.append((self.kind.clean(kind), self.target(key, row)))
            except ValueError as error:
                problems.append(str(error))
        if problems:
            raise ValueError(" ".join(problems))
        # Each once (a memorandum of the file has no key yet, so not by hash).
        return [
            pair for n, pair in enumerate(relations) if not any(pair[0] == k and pair[1] is t for k, t in relations[:n])
        ]

    @staticmethod
    def key_of(memorandum: Memorandum) -> str:
        return memorandum.slug or memorandum.title

    def render(self, value, obj=None, **kwargs) -> str:
        """`value`: (kind, memorandum) pairs; written by code and slug, in a fixed order."""
        return LIST_SEPARATOR.join(sorted(f"{kind}: {self.key_of(target)}" for kind, target in value or []))


def alternative_names_field() -> fields.Field:
    # No attribute: the names are saved after the record, in save_alternative_names().
    return fields.Field(column_name="alternative_names", widget=AlternativeNamesWidget())


def quoted(names: list[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


def country_field(attribute: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=attribute, widget=CountryWidget())


def slug_field(attribute: str, model, new_in=None) -> fields.Field:
    """A column naming one record by its slug or name (see KeyedRecords)."""
    return fields.Field(attribute=attribute, column_name=attribute, widget=NaturalKeyWidget(model, new_in=new_in))


def slugs_field(attribute: str, model, new_in=None) -> fields.Field:
    """A column naming "|"-separated records by their slugs or names (see KeyedRecords)."""
    return fields.Field(attribute=attribute, column_name=attribute, widget=NaturalKeysWidget(model, new_in=new_in))


def column_values(record: models.Model) -> dict[str, object]:
    return {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields}


def update_changed(records: list[models.Model]) -> None:
    """Write the columns of each record that differ from what it held when loaded
    (`stored_values`): one UPDATE a changed record, none for one the file left as it was.
    bulk_update() would write every column of every record in one statement of a CASE per
    column and record, ten times slower to build and to run."""
    for record in records:
        if changed := {
            name: value for name, value in column_values(record).items() if value != record.stored_values[name]
        }:
            type(record)._base_manager.filter(pk=record.pk).update(**changed)


class ImportDiff(Diff):
    """The preview's before and after of a row, read from the record itself (import-export's
    own reads a deep copy of it) and the many-to-many columns from the file, as they are written
    after the row; their keys in order, so that only a real change shows."""

    def __init__(self, resource, instance, new):
        self.left = resource.preview_values(instance)
        self.right = []
        self.new = new

    def compare_with(self, resource, instance):
        self.right = resource.preview_values(instance)


class FileRecordsLoader(CachedInstanceLoader):
    """The records a file updates, found by their slugs in one query, with what the preview
    shows of them."""

    def get_queryset(self):
        return self.resource.records_to_update()


class CitiesWidget(widgets.CharWidget):
    """A visit's cities, "|"-separated ("Minsk | Brest"), written as the visit keeps them."""

    def clean(self, value, row=None, **kwargs):
        return Visit.CITY_SEPARATOR.join(Visit.split_cities(force_str(value if value is not None else "")))


class FuzzyDateWidget(widgets.CharWidget):
    """A fuzzy date column, read as its form field reads it: EDTF, a date in words of English,
    Russian or Arabic, or an Excel date cell."""

    def clean(self, value, row=None, **kwargs):
        try:
            return FuzzyDateFormField(required=False).clean(value)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error


class TrackerResource(resources.ModelResource):
    """Shared behaviour: records identified by slug, model validation on every row,
    and every column's problems reported under that column's name.

    An import costs a few queries per file and per batch of rows, not some thirty a row: before
    the rows are read, the records the file updates are loaded in one query and every column
    of natural keys in one query; each row is validated in memory (the database checks the
    same rules again as the rows are written); the rows are then written in batches of
    `Meta.batch_size`, new ones with one statement, updated ones with one UPDATE each of what
    changed, with what saving them one by one would do on the way (see `write_batch`). Rows
    are still reported one by one, and a bad row anywhere writes nothing.
    """

    # An empty spreadsheet cell is an empty text, not NULL.
    WIDGETS_MAP = {**resources.ModelResource.WIDGETS_MAP, "TextField": widgets.CharWidget}
    # The columns that say which existing record a row without a slug describes: its name first.
    identity: tuple[str, ...] = ("name",)

    def __init__(
        self,
        *,
        create_missing: bool = False,
        workbook=None,
        all_or_nothing: bool = True,
        preview: bool = False,
        on_row=None,
        **kwargs,
    ):
        """`create_missing`: an unknown institution or person a row names with its country is
        created. `workbook`: the workbook import (`importing.WorkbookImport`) this sheet is part
        of, which holds the rows that failed in the sheets before it and the one revision of
        all. `all_or_nothing`: a bad row rolls back the file (a workbook rolls back all its
        sheets itself). `preview`: show each row's before and after even when writing.
        `on_row`: called after each row is read (a background import counts its progress so)."""
        super().__init__(**kwargs)
        self.create_missing = create_missing
        self.workbook = workbook
        # The rows that failed so far (see `failed_row`), of this file or of the whole workbook.
        self.failed_rows = workbook.failed_rows if workbook is not None else {}
        self.all_or_nothing = all_or_nothing
        self.preview = preview
        self.on_row = on_row
        self.created: list[tuple[int | None, str, str]] = []
        self.warnings: list[tuple[int, str, str, str]] = []  # row, column, value, what to check
        self.current_row: int | None = None
        for field in self.fields.values():
            if isinstance(field.widget, KeyedRecords):
                field.widget.resource, field.widget.column = self, field.column_name
            elif isinstance(field.widget, SignatoriesWidget | RelationsWidget):
                field.widget.wire(self, field.column_name)

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        if isinstance(django_field.choices, CallableChoiceIterator) and django_field.choices.func is language_choices:
            field.widget = LanguageWidget()
        elif django_field.choices:
            field.widget = ChoiceWidget(django_field.choices)
        elif isinstance(django_field, models.BooleanField):
            field.widget = YesNoWidget()
        return field

    # ------------------------------------------------------------ what the keys of a row need

    def country_fields(self) -> list[fields.Field]:
        return [
            field for field in self.get_import_fields() if isinstance(field.widget, CountryWidget | CountriesWidget)
        ]

    def country_in(self, row, column: str) -> Country | None:
        """The row's country in `column` (of a list, its only one), if it names a valid one."""
        if column not in row or column not in self.fields:
            return None
        try:
            value = self.fields[column].clean(row)
        except ValueError:
            return None
        if isinstance(value, list):
            return value[0] if len(value) == 1 else None
        return value

    def row_countries(self, row) -> set[int]:
        """The countries the row names, to choose among records of the same name."""
        found = set()
        for field in self.country_fields():
            if field.column_name in row:
                try:
                    value = field.clean(row)
                except ValueError:
                    continue
                found.update(country.pk for country in (value if isinstance(value, list) else [value]) if country)
        return found

    def note_created(self, record, column: str) -> None:
        self.created.append((spreadsheet_row(self.imported_dataset, self.current_row or 0), column, described(record)))

    def failed_row(self, model, key: str) -> tuple[str, int] | None:
        """The row (its records' name and number) that failed and whose record `key` would name."""
        return self.failed_rows.get((model._meta.model_name, key))

    def note_failure(self, row, number: int) -> None:
        model = self._meta.model
        keys = [row.get("slug"), row.get(self.identity[0])]
        if "alternative_names" in row:
            keys += [item.partition(":")[2] for item in force_str(row["alternative_names"] or "").split(LIST_SEPARATOR)]
        place = (force_str(model._meta.verbose_name_plural), spreadsheet_row(self.imported_dataset, number))
        for key in keys:
            if folded(key):
                self.failed_rows.setdefault((model._meta.model_name, folded(key)), place)

    def import_row(self, row, instance_loader, **kwargs):
        self.current_row = kwargs.get("row_number")
        row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.import_type in (row_result.IMPORT_TYPE_INVALID, row_result.IMPORT_TYPE_ERROR):
            self.note_failure(row, kwargs.get("row_number") or 0)
        if self.on_row is not None:
            self.on_row()
        return row_result

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A row that changes nothing of the record it names is reported as unchanged and not written."""
        if import_validation_errors or instance._state.adding or not hasattr(instance, "stored_values"):
            return False
        if column_values(instance) != instance.stored_values:
            return False
        for attribute, linked in instance.imported_links.items():
            if {record.pk for record in getattr(instance, attribute).all()} != {record.pk for record in linked}:
                return False
        if hasattr(instance, "imported_signatories"):
            signed = {signatory.institution_id: signatory.person_id for signatory in instance.signatories.all()}
            for institution, person in instance.imported_signatories:
                if signed.get(institution.pk, "absent") != (person.pk if person else None):
                    return False
        if hasattr(instance, "imported_relations"):
            wanted = {(kind, target.pk) for kind, target in instance.imported_relations}
            if wanted != {(relation.kind, relation.target_id) for relation in instance.outgoing_relations.all()}:
                return False
        if "alternative_names" in self.fields and "alternative_names" in row:
            wanted = set(self.fields["alternative_names"].clean(row))
            if wanted != {(name.language, name.name) for name in instance.alternative_names.all()}:
                return False
        return True

    def match_existing_rows(self, dataset) -> None:
        """Give a row without a slug the slug of the record it describes, where exactly one record
        has the same `identity` (a memorandum: its title, countries and date of signing) and no
        other row of the file names it: a file written without slugs imports again unchanged."""
        name = self.identity[0]
        if name not in dataset.headers:
            return
        slug_index = dataset.headers.index("slug")
        rows = [
            (index, dict(zip(dataset.headers, values, strict=False)))
            for index, values in enumerate(dataset)
            if not folded(values[slug_index]) and folded(values[dataset.headers.index(name)])
        ]
        if not rows:
            return
        raw = {force_str(row[name]).strip() for _index, row in rows}
        existing = self._meta.model._default_manager.annotate(folded_key=Lower(name)).filter(
            Q(**{f"{name}__in": raw}) | Q(folded_key__in={folded(key) for key in raw})
        )
        candidates = defaultdict(list)
        for record in existing:
            candidates[self.identity_of_record(record)].append(record)
        claimed = set(self.slugs_in_file)
        for index, row in rows:
            try:
                key = self.identity_of_row(row)
            except ValueError:
                continue
            found = [record for record in candidates.get(key, []) if record.slug not in claimed]
            if len(found) == 1:
                dataset._data[index][slug_index] = found[0].slug
                claimed.add(found[0].slug)
        self.slugs_in_file = claimed

    def identity_of_record(self, record) -> tuple:
        values = []
        for column in self.identity:
            field = record._meta.get_field(self.fields[column].attribute)
            values.append(getattr(record, field.attname) if field.many_to_one else getattr(record, column))
        return tuple(identity_value(value) for value in values)

    def identity_of_row(self, row) -> tuple:
        return tuple(
            identity_value(self.fields[column].clean(row) if column in row else None) for column in self.identity
        )

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if isinstance(f, FuzzyDateField):
            return FuzzyDateWidget
        return super().widget_from_django_field(f, default)

    def required_columns(self) -> list[str]:
        """The identifying column and every column whose model field must have a value."""
        required = []  # not the slug: a row without one gets one
        for field in self.get_import_fields():
            try:
                model_field = self._meta.model._meta.get_field(field.attribute or "")
            except FieldDoesNotExist:
                continue
            if model_field.concrete and not model_field.blank and not model_field.has_default():
                required.append(field.column_name)
        return list(dict.fromkeys(required))

    @functools.cached_property
    def import_fields(self) -> list[fields.Field]:
        return super().get_import_fields()

    def get_import_fields(self) -> list[fields.Field]:
        return self.import_fields  # asked for several times a row, and the same for the whole file

    def link_fields(self) -> list[fields.Field]:
        """The many-to-many columns, written after their row."""
        return [field for field in self.get_import_fields() if isinstance(field.widget, widgets.ManyToManyWidget)]

    def records_to_update(self) -> models.QuerySet:
        """The records an import may update, with their related records and links joined or
        prefetched for the preview's "before"."""
        related = [
            field.attribute for field in self.get_import_fields() if isinstance(field.widget, widgets.ForeignKeyWidget)
        ]
        prefetched = [field.attribute for field in self.link_fields()]
        if "alternative_names" in self.fields:
            prefetched.append("alternative_names")
        if "signatories" in self.fields:
            prefetched.append(
                models.Prefetch("signatories", queryset=Signatory.objects.select_related("institution", "person"))
            )
        if "relations" in self.fields:
            prefetched.append(
                models.Prefetch("outgoing_relations", queryset=MemorandumRelation.objects.select_related("target"))
            )
        return self.get_queryset().select_related(*related).prefetch_related(*prefetched)

    def before_import(self, dataset, **kwargs):
        """Refuse a file whose shape is wrong before reading any row: too many rows, a column
        this record type does not have, a required column missing or a column given twice.
        Then look up the natural keys of every column at once."""
        self.rows_by_slug = {}
        self.written = []
        self.relations_to_write = []
        dataset.headers = [force_str(header).strip() if header is not None else "" for header in dataset.headers or []]
        headers = [header for header in dataset.headers if header]
        known = [field.column_name for field in self.get_import_fields()]
        problems = []
        if len(dataset) > settings.IMPORT_MAX_ROWS:
            problems.append(
                _("The file has %(rows)s rows; at most %(limit)s can be imported at once.")
                % {"rows": f"{len(dataset):,}", "limit": f"{settings.IMPORT_MAX_ROWS:,}"}
            )
        if unknown := [header for header in headers if header not in known]:
            problems.append(
                _("Unknown columns: %(columns)s. The columns of %(records)s are: %(known)s.")
                % {
                    "columns": quoted(unknown),
                    "records": self._meta.model._meta.verbose_name_plural,
                    "known": ", ".join(known),
                }
            )
        if missing := [column for column in self.required_columns() if column not in headers]:
            problems.append(_("Required columns missing: %(columns)s.") % {"columns": quoted(missing)})
        if repeated := sorted({header for header in headers if headers.count(header) > 1}):
            problems.append(_("Columns given more than once: %(columns)s.") % {"columns": quoted(repeated)})
        if problems:
            # Read no row: their errors would only bury the one that matters.
            headers = dataset.headers
            dataset.wipe()
            dataset.headers = headers
            raise ImportFileError(" ".join(problems))
        if "slug" not in dataset.headers:
            dataset.append_col([""] * len(dataset), header="slug")
        self.slugs_in_file = {force_str(slug or "").strip() for slug in dataset["slug"]} - {""}
        for field in self.get_import_fields():
            if hasattr(field.widget, "preload") and field.column_name in headers:
                field.widget.preload(dataset[field.column_name])
        self.match_existing_rows(dataset)
        # A preview notes the records the file names as they are, for the confirmation to compare.
        stale_imports.remember(self, dataset, **kwargs)

    def import_data(self, dataset, **kwargs):
        """All or nothing: a row that fails validation rolls back the whole file, not just itself."""
        kwargs["rollback_on_validation_errors"] = self.all_or_nothing
        self.imported_dataset = dataset  # to name rows as the spreadsheet numbers them
        return super().import_data(dataset, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors.update(error.error_dict)
        # The same slug twice in one file would silently let the later row overwrite the earlier.
        slug = force_str(row.get("slug") or "").strip()
        number = kwargs.get("row_number")
        if slug and number is not None:
            rows_by_slug = getattr(self, "rows_by_slug", {})
            first = rows_by_slug.setdefault(slug, number)
            if first != number:
                errors["slug"] = [
                    ValidationError(
                        _("Row %(row)s has the same slug “%(slug)s” as row %(first)s.")
                        % {
                            "row": spreadsheet_row(self.imported_dataset, number),
                            "slug": slug,
                            "first": spreadsheet_row(self.imported_dataset, first),
                        },
                        code="duplicate",
                    )
                ]
            self.rows_by_slug = rows_by_slug
        # Many-to-many and alternative-name columns are saved after the row; check them now
        # so that a bad value is reported with the row's other errors, not as a crash later.
        instance.imported_links = {}
        for field in self.get_import_fields():
            saved_later = isinstance(
                field.widget, widgets.ManyToManyWidget | AlternativeNamesWidget | SignatoriesWidget | RelationsWidget
            )
            if saved_later and field.column_name in row:
                try:
                    cleaned = field.clean(row, **kwargs)
                except ValueError as error:
                    errors[field.attribute or field.column_name] = [ValidationError(force_str(error), code="invalid")]
                    continue
                if isinstance(field.widget, widgets.ManyToManyWidget):
                    instance.imported_links[field.attribute] = cleaned
                elif isinstance(field.widget, SignatoriesWidget):
                    instance.imported_signatories = cleaned
                elif isinstance(field.widget, RelationsWidget):
                    if any(
                        target is instance or (instance.pk and target.pk == instance.pk) for _kind, target in cleaned
                    ):
                        errors[field.column_name] = [
                            ValidationError(_("A memorandum cannot be related to itself."), code="invalid")
                        ]
                        continue
                    instance.imported_relations = cleaned
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's validation (`full_clean()`: each field, then the model's `clean()`, which
        states every rule the database's constraints keep) without its queries. A related record
        a column named was just looked up, so it exists; a slug is unique, since a slug already
        taken loads that record for update and a slug given twice in the file is reported
        (`import_instance`). The database enforces all of them again as the rows are written."""
        errors = dict(import_validation_errors or {})
        looked_up = [
            field.name
            for field in instance._meta.concrete_fields
            if field.many_to_one
            and field.is_cached(instance)
            and (related := field.get_cached_value(instance)) is not None
            and not related._state.adding
        ]
        try:
            instance.full_clean(exclude=[*errors, *looked_up], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        exclude = {name for name in errors if name != NON_FIELD_ERRORS}
        try:
            instance.validate_unique(exclude=exclude | set(self.get_import_id_fields()))
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def preview_values(self, instance: models.Model) -> list[str]:
        """The row as the preview shows it, a value per column."""
        values = []
        for field in self.get_import_fields():
            if isinstance(field.widget, SignatoriesWidget):
                values.append(field.widget.render(self.signatories_of(instance)))
            elif isinstance(field.widget, RelationsWidget):
                values.append(field.widget.render(self.relations_of(instance)))
            elif isinstance(field.widget, widgets.ManyToManyWidget):
                links = getattr(instance, "imported_links", {}).get(field.attribute)
                if links is None:
                    links = getattr(instance, field.attribute).all() if instance.pk else []
                values.append(field.widget.separator.join(sorted(field.widget.key_of(record) for record in links)))
            else:
                values.append(field.export(instance))
        return values

    @staticmethod
    def relations_of(instance) -> list[tuple[str, Memorandum]]:
        if hasattr(instance, "imported_relations"):
            return instance.imported_relations
        if not instance.pk:
            return []
        return [(relation.kind, relation.target) for relation in instance.outgoing_relations.all()]

    @staticmethod
    def signatories_of(instance) -> list[tuple[Institution, Person | None]]:
        if hasattr(instance, "imported_signatories"):
            return instance.imported_signatories
        if not instance.pk:
            return []
        return [(s.institution, s.person) for s in instance.signatories.all() if s.person_id is not None]

    def after_init_instance(self, instance, new, row, **kwargs):
        """Note the row's "before": for the preview, and for an existing record what it holds, so
        that only what changes is written (`update_changed`). A diff is only ever shown in the
        preview, so it is made in dry runs only (`Meta.skip_diff` turns off import-export's own,
        which deep-copies every record)."""
        previewing = kwargs.get("dry_run") or self.preview
        self.previewed = (instance, ImportDiff(self, instance, new)) if previewing else None
        if not new:
            instance.stored_values = column_values(instance)

    def after_import_row(self, row, row_result, **kwargs):
        if self.previewed is not None:
            instance, diff = self.previewed
            diff.compare_with(self, instance)
            row_result.diff = diff.as_html()

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.write_batch(self.create_instances, using_transactions, dry_run, raise_errors, result, created=True)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.write_batch(self.update_instances, using_transactions, dry_run, raise_errors, result, created=False)

    def write_batch(self, records: list, using_transactions, dry_run, raise_errors, result, *, created: bool) -> None:
        """Write validated rows as saving them one by one would, in a few queries: each record's
        computed columns (`prepare_for_write`: slug, date bounds, search keys), the rows
        themselves, then their many-to-many links, then (links being written) the search keys of
        records whose keys hold linked names. The history versions and the data version are
        written once for the whole file, in `after_import`. A database error fails the import,
        as a bad row does."""
        if not records or (dry_run and not using_transactions):
            records.clear()
            return
        model = self._meta.model
        try:
            for record in records:
                record.prepare_for_write(taken_slugs=self.slugs_in_file)
                self.slugs_in_file.add(record.slug)
            if created:
                model.objects.bulk_create(records)
            else:
                update_changed(records)
            self.relations_to_write += [record for record in records if hasattr(record, "imported_relations")]
            linked = self.write_links(records, created=created)
            if self.write_signatories(records):
                linked = True
            if linked and model.search_prefetches:
                model.store_search_keys(records)
            self.written += records
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            records.clear()

    def write_signatories(self, records: list) -> bool:
        """Set who signed for each party the `signatories` column names (after `write_links`,
        which wrote the parties): a query to read the signatories, one to add the parties the
        column adds, one to change the signers. Whether any were written."""
        wanted = {
            record.pk: record.imported_signatories for record in records if hasattr(record, "imported_signatories")
        }
        if not wanted:
            return False
        existing = {
            (signatory.memorandum_id, signatory.institution_id): signatory
            for signatory in Signatory.objects.filter(memorandum_id__in=wanted)
        }
        added, changed = [], []
        for memorandum, pairs in wanted.items():
            for institution, person in pairs:
                signatory = existing.get((memorandum, institution.pk))
                if signatory is None:
                    added.append(Signatory(memorandum_id=memorandum, institution=institution, person=person))
                elif signatory.person_id != (person.pk if person else None):
                    signatory.person = person
                    changed.append(signatory)
        Signatory.objects.bulk_create(added)
        Signatory.objects.bulk_update(changed, ["person"])
        return True

    def write_relations(self, records: list) -> None:
        """Make each memorandum's relations to others those the `relations` column lists, once
        every row is written (a row may name a memorandum of an earlier row, which may be written
        in a later batch than itself): a query to read them, one to delete those it leaves out,
        one to add the new ones; a relation that stays keeps its note."""
        wanted = {
            record.pk: {(kind, target.pk) for kind, target in record.imported_relations}
            for record in records
            if hasattr(record, "imported_relations")
        }
        if not wanted:
            return
        present = {
            (relation.source_id, relation.kind, relation.target_id): relation.pk
            for relation in MemorandumRelation.objects.filter(source_id__in=wanted)
        }
        if dropped := [pk for (source, *link), pk in present.items() if tuple(link) not in wanted[source]]:
            MemorandumRelation.objects.filter(pk__in=dropped).delete()
        MemorandumRelation.objects.bulk_create(
            MemorandumRelation(source_id=source, kind=kind, target_id=target)
            for source, links in wanted.items()
            for kind, target in sorted(links)
            if (source, kind, target) not in present
        )

    def write_links(self, records: list, *, created: bool) -> bool:
        """Set each many-to-many column of `records` to the file's list, as `set()` would: links
        the list drops are deleted, links it adds are created (a signatory that stays keeps its
        signer); one query per column to read the links, one to delete, one to add. Whether any
        links were written."""
        keyed = False
        for field in self.link_fields():
            wanted = {
                record.pk: [linked.pk for linked in record.imported_links[field.attribute]]
                for record in records
                if field.attribute in record.imported_links
            }
            if not wanted:
                continue
            keyed = True
            relation = self._meta.model._meta.get_field(field.attribute)
            through = relation.remote_field.through
            own = through._meta.get_field(relation.m2m_field_name()).attname
            other = through._meta.get_field(relation.m2m_reverse_field_name()).attname
            present: dict[int, dict[int, int]] = defaultdict(dict)  # record → linked record → link
            if not created:
                links = through._default_manager.filter(**{f"{own}__in": wanted}).values_list("pk", own, other)
                for link, record, linked in links:
                    present[record][linked] = link
            if dropped := [
                link
                for record, links in present.items()
                for linked, link in links.items()
                if linked not in wanted[record]
            ]:
                through._default_manager.filter(pk__in=dropped).delete()
            through._default_manager.bulk_create(
                through(**{own: record, other: linked})
                for record, linked_records in wanted.items()
                for linked in linked_records
                if linked not in present[record]
            )
        for record in records:
            record.__dict__.pop("_prefetched_objects_cache", None)  # the preview's "before"
        return keyed

    def after_import(self, dataset, result, **kwargs):
        if getattr(self, "relations_to_write", None):
            self.write_relations(self.relations_to_write)
            for record in self.relations_to_write:
                record.__dict__.pop("_prefetched_objects_cache", None)
        super().after_import(dataset, result, **kwargs)
        result.created_on_the_fly = self.created
        result.warnings = self.warnings
        written = getattr(self, "written", [])
        if not written or kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        if reversion.is_active() and reversion.is_registered(self._meta.model):
            if self.workbook is not None:
                revision = self.workbook.revision()
            else:
                revision = Revision.objects.create(
                    date_created=reversion.get_date_created(),
                    user=reversion.get_user(),
                    comment=reversion.get_comment(),
                )
            history.save_versions(written, revision)
        if len(written) >= STATISTICS_AFTER_ROWS:
            update_statistics(self._meta.model)
        data_changed()

    def after_save_instance(self, instance, row, **kwargs):
        if "alternative_names" in self.fields and "alternative_names" in row:
            names = self.fields["alternative_names"].clean(row)
            instance.alternative_names.exclude(name__in=[name for _, name in names]).delete()
            for language, name in names:
                instance.alternative_names.update_or_create(name=name, defaults={"language": language})

    def dehydrate_alternative_names(self, instance) -> str:
        return AlternativeNamesWidget().render(instance.alternative_names)

    class Meta:
        import_id_fields = ("slug",)
        clean_model_instances = True
        skip_unchanged = False
        use_transactions = True
        instance_loader_class = FileRecordsLoader
        skip_diff = True  # see after_init_instance
        use_bulk = True
        batch_size = 1000


class SectorResource(TrackerResource):
    identity = ("name",)
    parent = slug_field("parent", Sector)

    class Meta(TrackerResource.Meta):
        # A row may name as parent a sector an earlier row of the same file adds.
        use_bulk = False
        model = Sector
        fields = ("slug", "name", "name_ru", "name_ar", "parent", "dac_code", "description")
        export_order = fields


class SourceResource(TrackerResource):
    identity = ("title",)

    class Meta(TrackerResource.Meta):
        model = Source
        fields = (
            "slug",
            "title",
            "title_ru",
            "title_ar",
            "publisher",
            "language",
            "published",
            "url",
            "reference",
            "summary",
            "summary_ru",
            "summary_ar",
        )
        export_order = fields


class InstitutionResource(TrackerResource):
    identity = ("name", "country")
    country = country_field("country")
    second_country = country_field("second_country")
    parent = slug_field("parent", Institution, new_in=in_column("country"))
    alternative_names = alternative_names_field()
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        # A row may name as parent an institution an earlier row adds; names are saved after their row.
        use_bulk = False
        model = Institution
        fields = (
            *("slug", "name", "alternative_names", "country", "second_country", "kind", "parent"),
            *("website", "description", "sources"),
        )
        export_order = fields


class PersonResource(TrackerResource):
    identity = ("name", "country")
    country = country_field("country")
    institution = slug_field("institution", Institution, new_in=in_column("country"))
    alternative_names = alternative_names_field()
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        # Alternative names are saved after their row (after_save_instance).
        use_bulk = False
        model = Person
        fields = (
            "slug",
            "name",
            "alternative_names",
            "title",
            "title_ru",
            "title_ar",
            "institution",
            "country",
            "sources",
        )
        export_order = fields


class VisitResource(TrackerResource):
    identity = ("title", "host_country", "guest_country", "date")
    host_country = country_field("host_country")
    guest_country = country_field("guest_country")
    city = fields.Field(attribute="city", column_name="city", widget=CitiesWidget())
    # The leader and the delegation come from the guest country; the people met, from the host.
    leader = slug_field("leader", Person, new_in=in_column("guest_country"))
    participants = slugs_field("participants", Person, new_in=in_column("guest_country"))
    people_met = slugs_field("people_met", Person, new_in=in_column("host_country"))
    institutions = slugs_field("institutions", Institution)
    sectors = slugs_field("sectors", Sector)
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        model = Visit
        fields = (
            "slug",
            "title",
            "title_ru",
            "title_ar",
            "kind",
            "status",
            "host_country",
            "guest_country",
            "city",
            "date",
            "leader",
            "participants",
            "people_met",
            "institutions",
            "sectors",
            "summary",
            "summary_ru",
            "summary_ar",
            "sources",
        )
        export_order = fields


class MemorandumResource(TrackerResource):
    identity = ("title", "country_a", "country_b", "signed")
    country_a = country_field("country_a")
    country_b = country_field("country_b")
    visit = slug_field("visit", Visit)
    parties = slugs_field("parties", Institution, new_in=by_position("country_a", "country_b"))
    # No attribute: the signers are written after the row, in write_signatories().
    signatories = fields.Field(column_name="signatories", widget=SignatoriesWidget())
    # No attribute: the relations are written after the row, in write_relations().
    relations = fields.Field(column_name="relations", widget=RelationsWidget())
    sectors = slugs_field("sectors", Sector)
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        model = Memorandum
        fields = (
            "slug",
            "title",
            "title_ru",
            "title_ar",
            "original_title",
            "original_title_language",
            "kind",
            "kind_label",
            "legally_binding",
            "status",
            "country_a",
            "country_b",
            "parties",
            "signatories",
            "signed",
            "signed_at",
            "exchanged",
            "visit",
            "valid_from",
            "valid_until",
            "relations",
            "sectors",
            "summary",
            "summary_ru",
            "summary_ar",
            "sources",
        )
        export_order = fields

    def import_instance(self, instance, row, **kwargs):
        self.last_memorandum = instance
        super().import_instance(instance, row, **kwargs)

    def after_import_row(self, row, row_result, **kwargs):
        """A valid row's memorandum may be named by the relations of the rows after it."""
        super().after_import_row(row, row_result, **kwargs)
        if (memorandum := getattr(self, "last_memorandum", None)) is not None:
            self.fields["relations"].widget.remember(memorandum)

    def dehydrate_relations(self, memorandum) -> str:
        relations = [(relation.kind, relation.target) for relation in memorandum.outgoing_relations.all()]
        return RelationsWidget().render(relations)

    def dehydrate_signatories(self, memorandum) -> str:
        signed = [(signatory.institution, signatory.person) for signatory in memorandum.signatories.all()]
        return SignatoriesWidget().render([(i, p) for i, p in signed if p is not None])


def fulfilment_warnings(commitment: Commitment) -> list[tuple[str, str, str]]:
    """What looks wrong, though allowed, in how a commitment was kept: by a visit still planned,
    or by a record dated before the commitment was made. (column, value, warning) each."""
    warnings = []
    visit, memorandum = commitment.fulfilled_by_visit, commitment.fulfilled_by_memorandum
    if visit is not None and visit.status == Visit.Status.PLANNED:
        warnings.append(
            (
                "fulfilled_by_visit",
                visit.title,
                _("This visit is still planned, yet it is given as keeping the commitment."),
            )
        )
    made = commitment.origin_visit.date_earliest if commitment.origin_visit else None
    if commitment.origin_memorandum is not None:
        made = commitment.origin_memorandum.signed_earliest
    for column, record, kept in [
        ("fulfilled_by_visit", visit, visit.date_latest if visit else None),
        ("fulfilled_by_memorandum", memorandum, memorandum.signed_latest if memorandum else None),
    ]:
        if made and kept and kept < made:
            warnings.append(
                (
                    column,
                    str(record),
                    _("This record is dated before the commitment was made, yet it is given as keeping it."),
                )
            )
    return warnings


class CommitmentResource(TrackerResource):
    identity = ("title", "origin_visit", "origin_memorandum")
    origin_visit = slug_field("origin_visit", Visit)
    origin_memorandum = slug_field("origin_memorandum", Memorandum)
    fulfilled_by_visit = slug_field("fulfilled_by_visit", Visit)
    fulfilled_by_memorandum = slug_field("fulfilled_by_memorandum", Memorandum)
    responsible_countries = fields.Field(
        attribute="responsible_countries", column_name="responsible_countries", widget=CountriesWidget()
    )
    responsible_institutions = slugs_field(
        "responsible_institutions", Institution, new_in=in_column("responsible_countries")
    )
    sectors = slugs_field("sectors", Sector)
    sources = slugs_field("sources", Source)

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if (commitment := row_result.instance or getattr(self, "last_commitment", None)) is not None:
            number = spreadsheet_row(self.imported_dataset, kwargs.get("row_number") or 0)
            self.warnings += [(number, *warning) for warning in fulfilment_warnings(commitment)]

    def import_instance(self, instance, row, **kwargs):
        self.last_commitment = instance
        super().import_instance(instance, row, **kwargs)

    class Meta(TrackerResource.Meta):
        model = Commitment
        fields = (
            "slug",
            "title",
            "title_ru",
            "title_ar",
            "details",
            "details_ru",
            "details_ar",
            "origin_visit",
            "origin_memorandum",
            "responsible_countries",
            "responsible_institutions",
            "due",
            "status",
            "fulfilled_by_visit",
            "fulfilled_by_memorandum",
            "sectors",
            "sources",
        )
        export_order = fields
