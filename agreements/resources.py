"""Import and export of the tracker's records (django-import-export).

Related records are named by natural keys: a country by its ISO code, everything
else by its slug; lists are separated by "|". A file with a bad row writes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django_countries import countries
from import_export import fields, resources, widgets

from .formats import ImportFileError
from .models import Commitment, Country, Institution, Language, Memorandum, Person, Sector, Source, Visit

LIST_SEPARATOR = "|"


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key named by a natural key; an unknown key is an error that quotes it.

    Each key is looked up once per import: a resource (and so its widgets) lives for one file.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.found = {}

    def clean(self, value, row=None, **kwargs):
        value = force_str(value).strip() if value is not None else ""
        if not value:
            return None
        if value not in self.found:
            try:
                self.found[value] = self.get_queryset(value, row, **kwargs).get(**{self.field: value})
            except self.model.DoesNotExist:
                raise ValueError(
                    _("No %(model)s with %(field)s “%(value)s”.")
                    % {"model": self.model._meta.verbose_name, "field": self.field.split("__")[0], "value": value}
                ) from None
        return self.found[value]


class CountryWidget(widgets.ForeignKeyWidget):
    """A country named by its ISO 3166-1 alpha-2 code; a valid code not yet in the table is added."""

    def __init__(self):
        super().__init__(Country, field="code")
        self.found = {}

    def clean(self, value, row=None, **kwargs):
        code = force_str(value).strip().upper() if value is not None else ""
        if not code:
            return None
        if code not in countries:
            raise ValueError(_("“%(value)s” is not an ISO 3166-1 alpha-2 country code.") % {"value": value})
        if code not in self.found:
            self.found[code] = Country.objects.get_or_create(code=code)[0]
        return self.found[code]

    def render(self, value, obj=None, **kwargs):
        return value.code.code if value else ""


class CountriesWidget(widgets.ManyToManyWidget):
    def __init__(self):
        super().__init__(Country, separator=LIST_SEPARATOR, field="code")
        self.country = CountryWidget()

    def clean(self, value, row=None, **kwargs) -> list[Country]:
        codes = [self.country.clean(code) for code in force_str(value or "").split(self.separator) if code.strip()]
        return list(dict.fromkeys(codes))

    def render(self, value, obj=None, **kwargs):
        return self.separator.join(country.code.code for country in value.all()) if value is not None else ""


class NaturalKeysWidget(widgets.ManyToManyWidget):
    """A "|"-separated list of natural keys; every key must exist."""

    def __init__(self, model, field):
        super().__init__(model, separator=LIST_SEPARATOR, field=field)
        self.found = {}  # key → record, for this import

    def clean(self, value, row=None, **kwargs) -> list:
        keys = list(dict.fromkeys(key.strip() for key in force_str(value or "").split(self.separator) if key.strip()))
        if unknown := [key for key in keys if key not in self.found]:
            for record in self.model.objects.filter(**{f"{self.field}__in": unknown}):
                self.found[force_str(getattr(record, self.field))] = record
        missing = sorted(key for key in keys if key not in self.found)
        if missing:
            raise ValueError(
                _("No %(model)s with %(field)s %(values)s.")
                % {
                    "model": self.model._meta.verbose_name,
                    "field": self.field.split("__")[0],
                    "values": ", ".join(f"“{key}”" for key in missing),
                }
            )
        return [self.found[key] for key in keys]


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


class TrackerResource(resources.ModelResource):
    """Shared behaviour: records identified by slug, model validation on every row,
    and every column's problems reported under that column's name."""

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

    def before_import(self, dataset, **kwargs):
        """Refuse a file whose shape is wrong before reading any row: too many rows, a column
        this record type does not have, a required column missing or a column given twice."""
        self.rows_by_slug = {}
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

    def import_data(self, dataset, **kwargs):
        """All or nothing: a row that fails validation rolls back the whole file, not just itself."""
        kwargs["rollback_on_validation_errors"] = True
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
                        % {"row": number, "slug": slug, "first": first},
                        code="duplicate",
                    )
                ]
            self.rows_by_slug = rows_by_slug
        # Many-to-many and alternative-name columns are saved after the row; check them now
        # so that a bad value is reported with the row's other errors, not as a crash later.
        for field in self.get_import_fields():
            saved_later = isinstance(field.widget, widgets.ManyToManyWidget | AlternativeNamesWidget)
            if saved_later and field.column_name in row:
                try:
                    field.clean(row, **kwargs)
                except ValueError as error:
                    errors[field.attribute or field.column_name] = [ValidationError(force_str(error), code="invalid")]
        if errors:
            raise ValidationError(errors)

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


class SectorResource(TrackerResource):
    parent = slug_field("parent", Sector)

    class Meta(TrackerResource.Meta):
        model = Sector
        fields = ("slug", "name", "name_ru", "name_ar", "parent", "dac_code", "description")
        export_order = fields


class SourceResource(TrackerResource):
    class Meta(TrackerResource.Meta):
        model = Source
        fields = ("slug", "title", "publisher", "language", "published", "url", "reference", "summary")
        export_order = fields


class InstitutionResource(TrackerResource):
    country = country_field("country")
    parent = slug_field("parent", Institution)
    alternative_names = alternative_names_field()
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        model = Institution
        fields = ("slug", "name", "alternative_names", "country", "kind", "parent", "website", "description", "sources")
        export_order = fields


class PersonResource(TrackerResource):
    country = country_field("country")
    institution = slug_field("institution", Institution)
    alternative_names = alternative_names_field()
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        model = Person
        fields = ("slug", "name", "alternative_names", "title", "institution", "country", "sources")
        export_order = fields


class VisitResource(TrackerResource):
    host_country = country_field("host_country")
    guest_country = country_field("guest_country")
    leader = slug_field("leader", Person)
    participants = slugs_field("participants", Person)
    institutions = slugs_field("institutions", Institution)
    sectors = slugs_field("sectors", Sector)
    sources = slugs_field("sources", Source)

    class Meta(TrackerResource.Meta):
        model = Visit
        fields = (
            "slug",
            "title",
            "kind",
            "status",
            "host_country",
            "guest_country",
            "city",
            "date",
            "leader",
            "participants",
            "institutions",
            "sectors",
            "summary",
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
            "details",
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
