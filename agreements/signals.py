from __future__ import annotations

from django.contrib.auth import get_user_model

from .access import STAFF_ROLES
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


def sync_staff_status(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Joining Editor or Administrator makes a user staff, who may then enter the admin; leaving
    both ends it, unless the user is a superuser. Runs whichever side the membership changed from."""
    User = get_user_model()
    if action == "pre_clear" and reverse:
        instance._members_before_clear = list(instance.user_set.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        pks = [instance.pk]
    elif action == "post_clear":
        pks = instance._members_before_clear
    else:
        pks = pk_set
    staff = set(User.objects.filter(pk__in=pks, groups__name__in=STAFF_ROLES).values_list("pk", flat=True))
    User.objects.filter(pk__in=staff).update(is_staff=True)
    User.objects.filter(pk__in=pks, is_superuser=False).exclude(pk__in=staff).update(is_staff=False)
    if not reverse and not instance.is_superuser:
        instance.is_staff = instance.pk in staff
