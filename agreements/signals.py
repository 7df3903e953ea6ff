from __future__ import annotations

from .fuzzydates import sync_bounds
from .search import search_text


def sync_fuzzy_date_bounds(sender, instance, **kwargs) -> None:
    if sender._meta.app_label == "agreements":
        sync_bounds(instance)


def refresh_search_text(sender, instance, **kwargs) -> None:
    """Key the record's own words into `search_text`, fixtures (raw saves) included."""
    if sender._meta.app_label == "agreements" and hasattr(instance, "search_words"):
        instance.search_text = search_text(*instance.search_words())


def refresh_owner_search_text(sender, instance, **kwargs) -> None:
    """An alternative name was saved or deleted: key its institution's or person's names again.

    The owner may be on its way out (a cascade deletes its names first); then there is nothing to do.
    """
    owner_field = "institution" if sender.__name__ == "InstitutionName" else "person"
    model = sender._meta.get_field(owner_field).related_model
    owner = model.objects.filter(pk=getattr(instance, f"{owner_field}_id")).first()
    if owner is not None:
        owner.refresh_search_text()
