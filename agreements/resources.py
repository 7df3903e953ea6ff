"""Import and export of the tracker's records (django-import-export).

Related records are named by natural keys: a country by its ISO code, everything
else by its slug; lists are separated by "|". A file with a bad row writes nothing.

Imports do not query the database row by row: the natural keys of a whole column are looked
up at once, the rows are validated in memory, new rows are written in batches and an updated
one only where it changes (see `TrackerResource`).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable

import reversion
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
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
from .models import (
    Commitment,
    Country,
    Institution,
    Language,
    Memorandum,
    Person,
    Sector,
    Source,
    Visit,
    update_statistics,
)
from .readers import spreadsheet_row

LIST_SEPARATOR = "|"
# An import that writes this many rows has the planner's statistics of its table brought up to date.
STATISTICS_AFTER_ROWS = 1000


class KeyedRecords:
    """Records named by the natural key `self.field`, each looked up once per import: a resource
    (and so its widgets) lives for one file."""

    model: type[models.Model]
    field: str
    found: dict

    def keys(self, value) -> list[str]:
        raise NotImplementedError

    def look_up(self, keys: Iterable[str]) -> None:
        if unknown := sorted({key for key in keys if key not in self.found}):
            for record in self.model.objects.filter(**{f"{self.field}__in": unknown}):
                self.found[force_str(getattr(record, self.field))] = record

    def preload(self, column: Iterable) -> None:
        """Look up every key of a column at once, before its rows are read."""
        self.look_up(key for value in column for key in self.keys(value))


class NaturalKeyWidget(KeyedRecords, widgets.ForeignKeyWidget):
    """A foreign key named by a natural key; an unknown key is an error that quotes it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.found = {}

    def keys(self, value) -> list[str]:
        key = force_str(value).strip() if value is not None else ""
        return [key] if key else []

    def clean(self, value, row=None, **kwargs):
        keys = self.keys(value)
        if not keys:
            return None
        key = keys[0]
        self.look_up(keys)  # not preloaded: perhaps added by an earlier row (imports one row at a time)
        if key not in self.found:
            raise ValueError(
                _("No %(model)s with %(field)s “%(value)s”.")
                % {"model": self.model._meta.verbose_name, "field": self.field.split("__")[0], "value": key}
            )
        return self.found[key]


class CountryWidget(widgets.ForeignKeyWidget):
    """A country named by its ISO 3166-1 alpha-2 code; a valid code not yet in the table is added."""

    def __init__(self):
        super().__init__(Country, field="code")
        self.found = {}

    def preload(self, column: Iterable) -> None:
        codes = {force_str(value).strip().upper() for value in column if value is not None}
        if codes := sorted(code for code in codes if code in countries and code not in self.found):
            self.found.update((country.code.code, country) for country in Country.objects.filter(code__in=codes))

    def clean(self, value, row=None, **kwargs):
        code = force_str(value).strip().upper() if value is not None else ""
        if not code:
            return None
        if code not in self.found:
            if code not in countries:
                raise ValueError(_("“%(value)s” is not an ISO 3166-1 alpha-2 country code.") % {"value": value})
            self.found[code] = Country.objects.get_or_create(code=code)[0]
        return self.found[code]

    def render(self, value, obj=None, **kwargs):
        return value.code.code if value else ""


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
    """A "|"-separated list of natural keys; every key must exist."""

    def __init__(self, model, field):
        super().__init__(model, separator=LIST_SEPARATOR, field=field)
        self.found = {}

    def keys(self, value) -> list[str]:
        return list(dict.fromkeys(key.strip() for key in force_str(value or "").split(self.separator) if key.strip()))

    def clean(self, value, row=None, **kwargs) -> list:
        keys = self.keys(value)
        self.look_up(keys)
        if missing := sorted(key for key in keys if key not in self.found):
            raise ValueError(
                _("No %(model)s with %(field)s %(values)s.")
                % {
                    "model": self.model._meta.verbose_name,
                    "field": self.field.split("__")[0],
                    "values": ", ".join(f"“{key}”" for key in missing),
                }
            )
        return [self.found[key] for key in keys]

    def key_of(self, record) -> str:
        return force_str(getattr(record, self.field))


class AlternativeNamesWidget(widgets.Widget):
    """Names in other languages as "ru:Имя|ar:اسم"; the language is a code of Language."""

    def clean(self, value, row=None, **kwargs) -> list[tuple[str, str]]:
        names = []
        for item in force_str(value or "").split(LIST_SEPARATOR):
            if not item.strip():
                continue
            language, separator, name = item.partition(":")
            if not separator or language.strip() not in Language.values or not name.strip():
                raise ValueError(
                    _("“%(item)s” is not language:name with a language among %(languages)s.")
                    % {"item": item.strip(), "languages": ", ".join(Language.values)}
                )
            names.append((language.strip(), name.strip()))
        return names

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None:
            return ""
        return LIST_SEPARATOR.join(f"{name.language}:{name.name}" for name in value.all())


def alternative_names_field() -> fields.Field:
    # No attribute: the names are saved after the record, in save_alternative_names().
    return fields.Field(column_name="alternative_names", widget=AlternativeNamesWidget())


def quoted(names: list[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


def country_field(attribute: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=attribute, widget=CountryWidget())


def slug_field(attribute: str, model) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=attribute, widget=NaturalKeyWidget(model, "slug"))


def slugs_field(attribute: str, model) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=attribute, widget=NaturalKeysWidget(model, "slug"))


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

    def required_columns(self) -> list[str]:
        """The identifying column and every column whose model field must have a value."""
        required = list(self.get_import_id_fields())
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
        return self.get_queryset().select_related(*related).prefetch_related(*(f.attribute for f in self.link_fields()))

    def before_import(self, dataset, **kwargs):
        """Refuse a file whose shape is wrong before reading any row: too many rows, a column
        this record type does not have, a required column missing or a column given twice.
        Then look up the natural keys of every column at once."""
        self.rows_by_slug = {}
        self.written = []
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
        self.slugs_in_file = {force_str(slug or "").strip() for slug in dataset["slug"]} - {""}
        for field in self.get_import_fields():
            if hasattr(field.widget, "preload") and field.column_name in headers:
                field.widget.preload(dataset[field.column_name])
        # A preview notes the records the file names as they are, for the confirmation to compare.
        stale_imports.remember(self, dataset, **kwargs)

    def import_data(self, dataset, **kwargs):
        """All or nothing: a row that fails validation rolls back the whole file, not just itself."""
        kwargs["rollback_on_validation_errors"] = True
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
            saved_later = isinstance(field.widget, widgets.ManyToManyWidget | AlternativeNamesWidget)
            if saved_later and field.column_name in row:
                try:
                    cleaned = field.clean(row, **kwargs)
                except ValueError as error:
                    errors[field.attribute or field.column_name] = [ValidationError(force_str(error), code="invalid")]
                    continue
                if isinstance(field.widget, widgets.ManyToManyWidget):
                    instance.imported_links[field.attribute] = cleaned
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
            if isinstance(field.widget, widgets.ManyToManyWidget):
                links = getattr(instance, "imported_links", {}).get(field.attribute)
                if links is None:
                    links = getattr(instance, field.attribute).all() if instance.pk else []
                values.append(field.widget.separator.join(sorted(field.widget.key_of(record) for record in links)))
            else:
                values.append(field.export(instance))
        return values

    def after_init_instance(self, instance, new, row, **kwargs):
        """Note the row's "before": for the preview, and for an existing record what it holds, so
        that only what changes is written (`update_changed`). A diff is only ever shown in the
        preview, so it is made in dry runs only (`Meta.skip_diff` turns off import-export's own,
        which deep-copies every record)."""
        self.previewed = (instance, ImportDiff(self, instance, new)) if kwargs.get("dry_run") else None
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
            if self.write_links(records, created=created) and model.search_prefetches:
                model.store_search_keys(records)
            self.written += records
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            records.clear()

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
        super().after_import(dataset, result, **kwargs)
        written = getattr(self, "written", [])
        if not written or kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        if reversion.is_active() and reversion.is_registered(self._meta.model):
            revision = Revision.objects.create(
                date_created=reversion.get_date_created(), user=reversion.get_user(), comment=reversion.get_comment()
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
    parent = slug_field("parent", Sector)

    class Meta(TrackerResource.Meta):
        # A row may name as parent a sector an earlier row of the same file adds.
        use_bulk = False
        model = Sector
        fields = ("slug", "name", "name_ru", "name_ar", "parent", "dac_code", "description")
        export_order = fields


class SourceResource(TrackerResource):
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
    country = country_field("country")
    parent = slug_field("parent", Institution)
    alternative_names = alternative_names_field()
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        # A row may name as parent an institution an earlier row adds; names are saved after their row.
        use_bulk = False
        model = Institution
        fields = ("slug", "name", "alternative_names", "country", "kind", "parent", "website", "description", "sources")
        export_order = fields


class PersonResource(TrackerResource):
    country = country_field("country")
    institution = slug_field("institution", Institution)
    alternative_names = alternative_names_field()
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        # Alternative names are saved after their row (after_save_instance).
        use_bulk = False
        model = Person
        fields = ("slug", "name", "alternative_names", "title", "institution", "country", "sources")
        export_order = fields


class VisitResource(TrackerResource):
    host_country = country_field("host_country")
    guest_country = country_field("guest_country")
    leader = slug_field("leader", Person)
    participants = slugs_field("participants", Person)  # the delegation; the column's name is kept
    people_met = slugs_field("people_met", Person)
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
    country_a = country_field("country_a")
    country_b = country_field("country_b")
    visit = slug_field("visit", Visit)
    parties = slugs_field("parties", Institution)
    sectors = slugs_field("sectors", Sector)
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        model = Memorandum
        fields = (
            "slug",
            "title",
            "title_ru",
            "title_ar",
            "kind",
            "legally_binding",
            "status",
            "country_a",
            "country_b",
            "parties",
            "signed",
            "signed_at",
            "visit",
            "valid_until",
            "sectors",
            "summary",
            "summary_ru",
            "summary_ar",
            "sources",
        )
        export_order = fields


class CommitmentResource(TrackerResource):
    origin_visit = slug_field("origin_visit", Visit)
    origin_memorandum = slug_field("origin_memorandum", Memorandum)
    fulfilled_by_visit = slug_field("fulfilled_by_visit", Visit)
    fulfilled_by_memorandum = slug_field("fulfilled_by_memorandum", Memorandum)
    responsible_countries = fields.Field(
        attribute="responsible_countries", column_name="responsible_countries", widget=CountriesWidget()
    )
    responsible_institutions = slugs_field("responsible_institutions", Institution)
    sectors = slugs_field("sectors", Sector)
    sources = slugs_field("sources", Source)

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
