from __future__ import annotations

from django.contrib.auth import get_user_model

from .access import STAFF_ROLES
from .caching import data_changed


def links_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """A many-to-many link between tracker records was added or removed (`sender` is its table):
    the cached figures are stale, and a record whose search keys hold the linked names is keyed
    again (a visit and the institutions taking part in it)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    data_changed()
    records = model.objects.filter(pk__in=pk_set or []) if reverse else type(instance).objects.filter(pk=instance.pk)
    field = next(field for field in records.model._meta.many_to_many if field.remote_field.through is sender)
    if any(path.split("__")[0] == field.name for path in records.model.search_prefetches):
        records.rebuild_search_text()


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
