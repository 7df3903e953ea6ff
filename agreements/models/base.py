"""What every tracker record shares: deletes that never unlink history, slugs, languages."""

from __future__ import annotations

import datetime
from collections.abc import Container

import reversion
from django.db import connection, models
from django.db.models import F, ProtectedError, Q, prefetch_related_objects
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .. import search
from ..caching import data_changed
from ..fuzzydates import fill_bounds

# The languages a record's content is translated into, beside its original (in English): each
# translated field `title` has a `title_ru` and a `title_ar` column.
TRANSLATION_LANGUAGES = ("ru", "ar")


def reader_language() -> str:
    return (get_language() or "en").split("-")[0]


class TranslatedContent:
    """A record whose texts (`translated_fields`) have Russian and Arabic versions beside the
    original: `localized(field)` is the text in the reader's language, else the original."""

    translated_fields: tuple[str, ...] = ()
    original_language = "en"  # the language the originals are written in

    def localized(self, field: str) -> str:
        language = reader_language()
        if language in TRANSLATION_LANGUAGES:
            return getattr(self, f"{field}_{language}") or getattr(self, field)
        return getattr(self, field)

    def shows_original(self, field: str) -> bool:
        """The reader's language has no translation of `field`, so the original is shown."""
        language = reader_language()
        if language == self.original_language or language not in TRANSLATION_LANGUAGES:
            return False
        return bool(getattr(self, field)) and not getattr(self, f"{field}_{language}")

    def in_every_language(self, *fields: str) -> list[str]:
        """The texts of `fields` in the original and every translation, for the search keys."""
        return [getattr(self, name) for field in fields for name in (field, *translation_names(field))]


def translation_names(field: str) -> list[str]:
    """The columns of a translated field's translations: title → title_ru, title_ar."""
    return [f"{field}_{language}" for language in TRANSLATION_LANGUAGES]


# ---------------------------------------------------------------- deletes never unlink history


def records_linking_to(instance: models.Model) -> list[models.Model]:
    """Records that link to `instance` through a plain many-to-many field.

    Django would silently drop those links on delete; the tracker refuses instead,
    as it does for foreign keys (all PROTECT).
    """
    linked: list[models.Model] = []
    for relation in instance._meta.related_objects:
        if is_plain_link(relation):
            linked.extend(getattr(instance, relation.get_accessor_name()).all()[:20])
    return linked


def is_plain_link(relation) -> bool:
    """A many-to-many link to the record that someone made (not one the records keep themselves,
    such as a sector's lineage)."""
    return relation.many_to_many and relation.through._meta.auto_created and relation.field.editable


def refuse_delete_if_linked(instance: models.Model) -> None:
    linked = records_linking_to(instance)
    if linked:
        names = ", ".join(f"{obj._meta.verbose_name} “{obj}”" for obj in linked[:5])
        raise ProtectedError(
            _("Cannot delete %(record)s “%(name)s”: it is referred to by %(names)s.")
            % {"record": instance._meta.verbose_name, "name": instance, "names": names},
            set(linked),
        )


def update_statistics(*tables: type[models.Model]) -> None:
    """Have the database count these tables (and their many-to-many tables) again for its query
    planner, after a bulk write changed their size: with the counts of an empty table, PostgreSQL
    answered the overview of a freshly filled archive with nested loops for minutes."""
    names = {model._meta.db_table for model in tables}
    names |= {field.remote_field.through._meta.db_table for model in tables for field in model._meta.many_to_many}
    with connection.cursor() as cursor:
        for name in sorted(names):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")


def keeps_history(*parts: str, exclude: tuple[str, ...] = ()):
    """Class decorator: the model keeps versions in the history (django-reversion), each with the
    record's own `parts` (a memorandum's signatories), which are saved and reverted with it;
    `exclude` names fields the record works out itself, which a version leaves out."""

    def register(model: type[models.Model]) -> type[models.Model]:
        model.history_parts, model.history_exclude = parts, exclude
        return reversion.register(follow=parts, exclude=exclude)(model)

    return register


class TrackerQuerySet(models.QuerySet):
    def delete(self):
        """Delete the records, unless one of them is linked to through a plain many-to-many field
        (see `refuse_delete_if_linked`): a query per such field, whatever the number of records."""
        for relation in self.model._meta.related_objects:
            if is_plain_link(relation):
                if linked := self.filter(**{f"{relation.name}__isnull": False}).first():
                    refuse_delete_if_linked(linked)
        deleted = super().delete()
        data_changed()
        return deleted

    def update(self, **kwargs) -> int:
        updated = super().update(**kwargs)
        data_changed()
        return updated

    def search(self, text: str) -> TrackerQuerySet:
        """Records whose search keys hold every word of `text`, in any language or script (see
        `agreements.search`); an empty text finds nothing."""
        return self.filter(search.matches(text))

    def rebuild_search_text(self, batch_size: int = 2000) -> int:
        """Key the records' words into `search_text` again; the number of records keyed.

        Saving keeps the keys current; this is for records whose keys hold names kept elsewhere
        (a memorandum's parties) after those changed, for records written with their links in
        bulk, and for after a change to the keying rules in `agreements.search`.
        """
        records = self.model.objects.filter(pk__in=self.values("pk")).order_by("pk")
        count, last = 0, None
        while batch := list((records.filter(pk__gt=last) if last is not None else records)[:batch_size]):
            count += self.model.store_search_keys(batch)
            last = batch[-1].pk
        return count


def rows_by_keys(queryset: models.QuerySet, start: int, stop: int) -> list[models.Model]:
    """The records from `start` to `stop` of `queryset`, in its order, in two queries: their keys
    from the filtered, ordered list alone, then those rows with what the queryset joins and
    annotates. In one query PostgreSQL works out the joins and annotations (dormancy, overdue
    commitments) for every row it ranks or skips: a search, a filter through the sectors or a deep
    page then costs seconds at archive scale (docs/benchmarks.md)."""
    keys = list(queryset.values_list("pk", flat=True)[start:stop])
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)}
    return [rows[key] for key in keys if key in rows]


def search_keys_field() -> models.TextField:
    """The column a searchable record keeps its search keys in (see `agreements.search`)."""
    return models.TextField(
        _("search keys"), blank=True, default="", editable=False, help_text=_("Filled on save from the names.")
    )


class TrackerModel(models.Model):
    """A tracker record. Whatever a record computes from its own values (its slug, the bounds of its
    fuzzy dates, its search keys) is set by `prepare_for_write()`, which `save()` calls and every
    bulk write (imports, the demo data generator) calls too, so a record is stored the same way
    whichever path wrote it. Every write makes the cached figures stale (`data_changed`)."""

    # Related records read by `search_words()`, to prefetch when keying many records.
    search_prefetches: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.prepare_for_write()
        super().save(*args, **kwargs)
        data_changed()

    def delete(self, *args, **kwargs):
        refuse_delete_if_linked(self)
        deleted = super().delete(*args, **kwargs)
        data_changed()
        return deleted

    def prepare_for_write(self, taken_slugs: Container[str] = ()) -> None:
        """Fill the computed columns before the record is written. `taken_slugs`: slugs of
        records about to be written with it, which a new slug must avoid."""
        fill_bounds(self)
        if hasattr(self, "search_text"):
            self.search_text = search.search_text(*self.search_words())

    def search_words(self) -> list[str]:
        """The texts `search_text` keys; a searchable model lists its own."""
        return []

    @classmethod
    def store_search_keys(cls, records: list[TrackerModel]) -> int:
        """Key the words of `records` (of this model) and store the keys, in a few queries."""
        if not records:
            return 0
        prefetch_related_objects(records, *cls.search_prefetches)
        for record in records:
            record.search_text = search.search_text(*record.search_words())
        stored = cls.objects.bulk_update(records, ["search_text"], batch_size=500)
        data_changed()
        return stored

    def refresh_search_text(self) -> None:
        """Store the search keys again, after a record they name changed (one update, no signals)."""
        type(self).objects.filter(pk=self.pk).rebuild_search_text()


def side_is(side: str, country) -> Q:
    """The record's `side` ("country_a", "host_country") is `country`: an ISO code or a Country."""
    if isinstance(country, str):
        return Q(**{f"{side}__code": country.upper()})
    return Q(**{side: country})


class ChainQuerySet(TrackerQuerySet):
    """Visits, memoranda or commitments: the rules every list filters them by. A subclass names
    its fuzzy date (`date_field`) and the link to the institutions it concerns (`institution_path`)."""

    date_field: str
    institution_path: str

    def in_sector(self, *slugs: str) -> ChainQuerySet:
        """Records in any of the sectors or any sector below them."""
        in_sectors = self.model.objects.filter(sectors__lineage__slug__in=slugs)
        return self.filter(pk__in=in_sectors.values("pk"))

    def with_institution(self, *institutions) -> ChainQuerySet:
        """Records concerning any of the institutions (records or keys)."""
        concerning = self.model.objects.filter(**{f"{self.institution_path}__in": institutions})
        return self.filter(pk__in=concerning.values("pk"))

    def dated_between(self, start: datetime.date | None, end: datetime.date | None) -> ChainQuerySet:
        """Records whose fuzzy date may fall within the range (see `overlapping_q`)."""
        return self.filter(overlapping_q(self.date_field, start, end))


class BilateralQuerySet(ChainQuerySet):
    """Records between two countries. A subclass names the record's two sides in `country_sides`."""

    country_sides: tuple[str, str]

    def newest_first(self) -> BilateralQuerySet:
        """Latest dated first, undated last. (Said explicitly: Django leaves the model's default
        order out of a query that counts, such as `for_list()`.)"""
        field = self.date_field
        return self.order_by(F(f"{field}_earliest").desc(nulls_last=True), f"-{field}_latest", "title", "pk")

    def between(self, a, b) -> BilateralQuerySet:
        """Records between the countries `a` and `b` (ISO codes or Country records), in either order."""
        first, second = self.country_sides
        return self.filter((side_is(first, a) & side_is(second, b)) | (side_is(first, b) & side_is(second, a)))

    def involving(self, country) -> BilateralQuerySet:
        """Records with `country` (an ISO code or a Country) on either side."""
        return self.involving_any([country])

    def involving_any(self, countries) -> BilateralQuerySet:
        """Records with any of `countries` (ISO codes or Country records) on either side."""
        condition = Q()
        for side in self.country_sides:
            for country in countries:
                condition |= side_is(side, country)
        return self.filter(condition)


def overlapping_q(field: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    """The fuzzy date `field` may fall within [start, end]: its earliest day is not after `end`
    and its latest day is not before `start`. An unknown date never matches a bounded range."""
    condition = Q()
    if end:
        condition &= Q(**{f"{field}_earliest__lte": end})
    if start:
        condition &= Q(**{f"{field}_latest__gte": start})
    return condition


def one_year_before(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def unique_slug(instance: models.Model, text: str, max_length: int = 80, taken: Container[str] = ()) -> str:
    """A slug of `text` not yet taken by another row of the instance's model, nor in `taken`
    (slugs of rows about to be written)."""
    base = slugify(text)[:max_length].strip("-") or instance._meta.model_name
    slug, n = base, 2
    others = type(instance)._default_manager.exclude(pk=instance.pk)
    while slug in taken or others.filter(slug=slug).exists():
        slug = f"{base[: max_length - len(str(n)) - 1]}-{n}"
        n += 1
    return slug


class SluggedModel(TrackerModel):
    """A record addressed by its slug in URLs, imports and fixtures; one is made from
    `slug_source()` when none is given."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True, blank=True)

    class Meta:
        abstract = True

    def prepare_for_write(self, taken_slugs: Container[str] = ()) -> None:
        if not self.slug:
            self.slug = unique_slug(self, self.slug_source(), taken=taken_slugs)
        super().prepare_for_write(taken_slugs)

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def slug_source(self) -> str:
        return str(self)


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)
