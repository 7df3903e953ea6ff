"""Changes to many records at once from an admin list: set the status, add or remove a sector, add
a source. Each asks for its value on a page of its own (Django's pattern for actions that need
input), then changes every selected record that does not have it yet through the record's save()
or its links, all in the one history revision the list's request opens (VersionAdmin), which names
the editor and, in its comment, the action. One record that cannot take the value (a rule of
the record's `clean()` or the database's) changes none."""

from __future__ import annotations

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Commitment, Sector, Source

SHOWN = 20  # records named on the page that asks for the value


class BulkChange:
    """One kind of change: the form that asks for its value, which records it leaves as they are,
    and how it changes one record."""

    def __init__(self, name: str, description: str, question: str):
        self.name, self.description, self.question = name, description, question

    def form_class(self, model_admin) -> type[forms.Form]:
        raise NotImplementedError

    def already_done(self, queryset: models.QuerySet, value) -> models.QuerySet:
        raise NotImplementedError

    def check(self, record: models.Model, value) -> None:
        """Raise ValidationError if `record` cannot take `value`; writes nothing."""

    def change(self, record: models.Model, value) -> None:
        raise NotImplementedError

    def comment(self, value, count: int, model) -> str:
        raise NotImplementedError


class SetStatus(BulkChange):
    def form_class(self, model_admin):
        choices = model_admin.model._meta.get_field("status").choices
        if model_admin.model is Commitment:
            # Fulfilled needs what fulfilled each commitment: that is set one commitment at a time.
            choices = [choice for choice in choices if choice[0] != Commitment.Status.FULFILLED]
        return type("StatusForm", (forms.Form,), {"value": forms.ChoiceField(label=_("New status"), choices=choices)})

    def already_done(self, queryset, value):
        return queryset.filter(status=value)

    def check(self, record, value):
        record.status = value
        record.full_clean(validate_unique=False)

    def change(self, record, value):
        record.status = value
        record.save()

    def comment(self, value, count, model):
        label = dict(model._meta.get_field("status").flatchoices)[value]
        return ngettext(
            "Bulk action: status set to “%(value)s” on %(count)s record.",
            "Bulk action: status set to “%(value)s” on %(count)s records.",
            count,
        ) % {"value": label, "count": count}


class ChangeLink(BulkChange):
    """Add a sector or a source to the records (`add=True`), or take it away."""

    def __init__(self, name, description, question, field: str, add: bool):
        super().__init__(name, description, question)
        self.field, self.add = field, add

    def form_class(self, model_admin):
        from .admin import CheckedAutocompleteSelect

        relation = model_admin.model._meta.get_field(self.field)
        if relation.related_model is Sector:
            # A few dozen sectors, listed in full: the page works without JavaScript.
            choice = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.order_by("name"))
        else:
            # Sources run to thousands: looked up as one types, like the change form's.
            choice = forms.ModelChoiceField(
                label=_("Source"),
                queryset=Source.objects.all(),
                widget=CheckedAutocompleteSelect(relation, model_admin.admin_site),
            )
        return type("LinkForm", (forms.Form,), {"value": choice})

    def already_done(self, queryset, value):
        having = queryset.filter(**{self.field: value})
        return having if self.add else queryset.exclude(pk__in=having.values("pk"))

    def change(self, record, value):
        links = getattr(record, self.field)
        links.add(value) if self.add else links.remove(value)

    def comment(self, value, count, model):
        if self.add:
            message = ngettext(
                "Bulk action: “%(value)s” added to %(count)s record.",
                "Bulk action: “%(value)s” added to %(count)s records.",
                count,
            )
        else:
            message = ngettext(
                "Bulk action: “%(value)s” removed from %(count)s record.",
                "Bulk action: “%(value)s” removed from %(count)s records.",
                count,
            )
        return message % {"value": value, "count": count}


CHANGES = [
    SetStatus("set_status", _("Set the status of the selected %(verbose_name_plural)s"), _("Set the status")),
    ChangeLink(
        "add_sector",
        _("Add a sector to the selected %(verbose_name_plural)s"),
        _("Add a sector"),
        "sectors",
        add=True,
    ),
    ChangeLink(
        "remove_sector",
        _("Remove a sector from the selected %(verbose_name_plural)s"),
        _("Remove a sector"),
        "sectors",
        add=False,
    ),
    ChangeLink(
        "add_source",
        _("Add a source to the selected %(verbose_name_plural)s"),
        _("Add a source"),
        "sources",
        add=True,
    ),
]


def bulk_action(bulk: BulkChange):
    @admin.action(permissions=["change"], description=bulk.description)
    def action(model_admin, request, queryset):
        form_class = bulk.form_class(model_admin)
        form = form_class(request.POST) if "apply" in request.POST else form_class()
        if form.is_bound and form.is_valid():
            if apply(bulk, model_admin, request, queryset, form.cleaned_data["value"]):
                return None  # back to the list, which shows the message
        opts = model_admin.model._meta
        records = list(queryset)
        context = {
            **model_admin.admin_site.each_context(request),
            "title": bulk.question,
            "subtitle": None,
            "opts": opts,
            "form": form,
            "media": model_admin.media + form.media,
            "records": records[:SHOWN],
            "more": max(0, len(records) - SHOWN),
            "count": len(records),
            "queryset": records,
            "action": bulk.name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/agreements/bulk_action.html", context)

    action.__name__ = bulk.name
    return action


def apply(bulk: BulkChange, model_admin, request, queryset, value) -> bool:
    """Change the records that need it, all or none; False (with a message) if one cannot be."""
    done = bulk.already_done(queryset, value)
    to_change = list(queryset.exclude(pk__in=done.values("pk")))
    # Every record is checked before any is written: a version saved for a record that is then
    # rolled back would still end up in the request's revision.
    refused = []
    for record in to_change:
        try:
            bulk.check(record, value)
        except ValidationError as error:
            refused.append(f"“{record}”: {' '.join(error.messages)}")
    if refused:
        model_admin.message_user(
            request,
            _("Nothing was changed: %(refused)s") % {"refused": "; ".join(refused[:5])},
            messages.ERROR,
        )
        return False
    with transaction.atomic():
        for record in to_change:
            bulk.change(record, value)
    if to_change:
        reversion.set_comment(bulk.comment(value, len(to_change), model_admin.model))
    message = ngettext(
        "%(changed)s record changed; %(unchanged)s needed no change.",
        "%(changed)s records changed; %(unchanged)s needed no change.",
        len(to_change),
    )
    unchanged = queryset.count() - len(to_change)
    model_admin.message_user(request, message % {"changed": len(to_change), "unchanged": unchanged}, messages.SUCCESS)
    return True


BULK_ACTIONS = [bulk_action(bulk) for bulk in CHANGES]
