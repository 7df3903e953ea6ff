"""What every tracker record shares: deletes that never unlink history, slugs, languages."""

from __future__ import annotations

import datetime
from collections.abc import Container

import reversion
from django.db import connection, models
from django.db.models import ProtectedError, Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .. import search


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    RUSSIAN = "ru", _("Russian")
    ARABIC = "ar", _("Arabic")
    BELARUSIAN = "be", _("Belarusian")
    SPANISH = "es", _("Spanish")
    PERSIAN = "fa", _("Persian")
    UZBEK = "uz", _("Uzbek")
    LATIN = "la-Latn", _("Latin transliteration")


# ---------------------------------------------------------------- deletes never unlink history


def records_linking_to(instance: models.Model) -> list[models.Model]:
    """Records that link to `instance` through a plain many-to-many field.

    Django would silently drop those links on delete; the tracker refuses instead,
    as it does for foreign keys (all PROTECT).
    """
    linked: list[models.Model] = []
    for relation in instance._meta.related_objects:
        if relation.many_to_many and relation.through._meta.auto_created:
            linked.extend(getattr(instance, relation.get_accessor_name()).all()[:20])
    return linked


def refuse_delete_if_linked(instance: models.Model) -> None:
    linked = records_linking_to(instance)
    if linked:
        names = ", ".join(f"{obj._meta.verbose_name} “{obj}”" for obj in linked[:5])
        raise ProtectedError(
            _("Cannot delete %(record)s “%(name)s”: it is referred to by %(names)s.")
            % {"record": instance._meta.verbose_name, "name": instance, "names": names},
            set(linked),
        )


def keeps_history(*parts: str):
    """Class decorator: the model keeps versions in the history (django-reversion), each with the
    record's own `parts` (a memorandum's signatories), which are saved and reverted with it."""

    def register(model: type[models.Model]) -> type[models.Model]:
        model.history_parts = parts
        return reversion.register(follow=parts)(model)

    return register


class TrackerQuerySet(models.QuerySet):
    def delete(self):
        for instance in self:
            refuse_delete_if_linked(instance)
        return super().delete()

    def rebuild_search_text(self, batch_size: int = 2000) -> int:
        """Key the records' words into `search_text` again; the number of records keyed.

        Saving keeps the keys current; this is for rows written without save() (bulk_create,
        update()) and for after a change to the keying rules in `agreements.search`.
        """
        if not hasattr(self.model, "search_words"):
            return 0
        records = self.order_by()
        if hasattr(self.model, "alternative_names"):
            records = records.prefetch_related("alternative_names")
        batch, count = [], 0
        for record in records.iterator(chunk_size=batch_size):
            record.search_text = search.search_text(*record.search_words())
            batch.append(record)
            if len(batch) == batch_size:
                count += self.model.objects.bulk_update(batch, ["search_text"])
                batch = []
        return count + (self.model.objects.bulk_update(batch, ["search_text"]) if batch else 0)


class TrackerModel(models.Model):
    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        refuse_delete_if_linked(self)
        return super().delete(*args, **kwargs)


def text_variants(text: str) -> list[str]:
    """Spellings of `text` to match against, so that a search finds "Минздрав" from "минздрав".

    SQLite's LIKE folds case for ASCII letters only; matching the lower-, upper-, title- and
    capitalised forms covers the usual spellings of Cyrillic words (Arabic has no case).
    A word typed in mixed case ("мИНЗДРАВ") still only matches the same mixed case on SQLite;
    PostgreSQL folds every letter.
    """
    text = text.strip()
    if connection.vendor == "postgresql":  # one UPPER() LIKE, served by a trigram index
        return [text] if text else []
    variants = [text, text.lower(), text.upper(), text.capitalize(), text.title(), text.casefold()]
    return list(dict.fromkeys(v for v in variants if v))


def search_q(text: str, *paths: str) -> Q:
    """Any of `paths` contains any spelling of `text`."""
    condition = Q()
    for variant in text_variants(text):
        for path in paths:
            condition |= Q(**{f"{path}__icontains": variant})
    return condition


def side_is(side: str, country) -> Q:
    """The record's `side` ("country_a", "host_country") is `country`: an ISO code or a Country."""
    if isinstance(country, str):
        return Q(**{f"{side}__code": country.upper()})
    return Q(**{side: country})


class BilateralQuerySet(TrackerQuerySet):
    """Records between two countries. A subclass names the record's two sides in `country_sides`."""

    country_sides: tuple[str, str]

    def between(self, a, b) -> BilateralQuerySet:
        """Records between the countries `a` and `b` (ISO codes or Country records), in either order."""
        first, second = self.country_sides
        return self.filter((side_is(first, a) & side_is(second, b)) | (side_is(first, b) & side_is(second, a)))

    def involving(self, country) -> BilateralQuerySet:
        """Records with `country` (an ISO code or a Country) on either side."""
        first, second = self.country_sides
        return self.filter(side_is(first, country) | side_is(second, country))


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
    """A record addressed by its slug in URLs, imports and fixtures."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.slug_source())
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def slug_source(self) -> str:
        return str(self)


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)
