from __future__ import annotations

import functools
import operator
from contextlib import nullcontext

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, router, transaction
from django.db import models as db_models
from django.db.models import Count, ProtectedError, Q, RestrictedError
from django.db.models.functions import ExtractYear
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Revision, Version
from reversion.utils import mute_signals

from . import history, models, resources, stale_imports
from .access import EXPORT
from .admin_actions import BULK_ACTIONS
from .formats import FORMATS
from .fuzzydates import FuzzyDateField
from .importing import ImportPages
from .models.base import TRANSLATION_LANGUAGES

admin.site.site_header = _("Cooperation tracker administration")
admin.site.site_title = _("Cooperation tracker")
admin.site.index_title = _("Records")


# ---------------------------------------------------------------- history
# What keeps versions, and with which parts, is declared on each model (@keeps_history).


def save_last_versions(objs, user) -> None:
    """Save the state of `objs` and their parts as a revision, just before they are deleted,
    so that "Recover deleted" can bring back even a record never edited in the admin.

    Written out here because django-reversion drops, when a revision ends, every version of
    an object that no longer exists, and the list's delete action runs inside a revision.
    """
    objs = list(objs)
    if not objs:
        return
    revision = Revision.objects.create(
        date_created=timezone.now(), user=user if user.is_authenticated else None, comment=_("Deleted.")
    )
    history.save_versions(objs, revision)


# The revert and recover pages carry the record's state as they showed it, under this name.
STATE_BEFORE_REVERT = "state_before_revert"


class KeptRollback(Exception):
    """Leaves a transaction, rolling it back, with the page rendered inside it."""

    def __init__(self, response):
        self.response = response


class RecordHistoryAdmin(VersionAdmin):
    """django-reversion's history, revert and recover pages, one record at a time.

    Reverting or recovering a record restores that record and its own parts only
    (`history.restore`), never the other records its revision saved (an import of thousands of
    rows is one revision); a version of another model is not found here. The history is paged.
    Going back on a whole revision is a page of its own, `revision_revert_view`, which lists
    every record it would change and refuses while any was edited since.
    """

    object_history_template = "admin/agreements/object_history.html"
    history_per_page = 50
    revert_per_page = 100

    def get_urls(self):
        return [
            path(
                "revision/<int:revision_id>/revert/",
                self.admin_site.admin_view(self.revision_revert_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_revision_revert",
            ),
            *super().get_urls(),
        ]

    def versions(self):
        """The versions of this admin's records, and of nothing else."""
        return Version.objects.get_for_model(self.model)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        version = get_object_or_404(self.versions(), pk=version_id, object_id=unquote(object_id))
        context = {
            "title": _("Revert %(name)s") % {"name": version.object_repr},
            "revert": True,
            **(extra_context or {}),
        }
        return self.revert_form_view(request, version, self._reversion_get_template_list("revision_form.html"), context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(self.versions(), pk=version_id)
        context = {
            "title": _("Recover %(name)s") % {"name": version.object_repr},
            "recover": True,
            **(extra_context or {}),
        }
        return self.revert_form_view(request, version, self._reversion_get_template_list("recover_form.html"), context)

    def recoverlist_view(self, request, extra_context=None):
        deleted = Version.objects.get_deleted(self.model).select_related("revision")
        page = Paginator(self._reversion_order_version_queryset(request, deleted), self.history_per_page).get_page(
            request.GET.get(PAGE_VAR)
        )
        context = {
            "deleted": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            **(extra_context or {}),
        }
        return super().recoverlist_view(request, context)

    def revert_form_view(self, request, version, template_name, extra_context):
        """The change form with the record (and its parts) as `version` saved them.

        Shown inside a transaction that is rolled back; saving it restores the record again
        and saves the form as any change is saved, as a new version.
        """
        others = self.versions().filter(revision_id=version.revision_id).exclude(pk=version.pk).count()
        context = {
            **extra_context,
            "other_records": others,
            "revision_revert_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_revision_revert", args=[version.revision_id]
            ),
        }
        quiet = mute_signals(pre_save, post_save, pre_delete, post_delete, m2m_changed)
        try:
            with transaction.atomic(using=version.db), quiet if request.method == "GET" else nullcontext():
                # The record as it was when this page was opened: a change made since would be undone unseen.
                state = history.fingerprint(self.state_before_revert(request, version)) or ""
                if request.method == "POST" and request.POST.get(STATE_BEFORE_REVERT) != state:
                    self.message_user(
                        request,
                        _("“%(name)s” was changed after you opened this page. Look at it again before reverting it.")
                        % {"name": version.object_repr},
                        messages.ERROR,
                    )
                    return redirect(request.path)
                context[STATE_BEFORE_REVERT] = state
                history.restore([version])
                with self.create_revision(request):
                    response = self.changeform_view(request, quote(version.object_id), request.path, context)
                    if request.method == "POST" and response.status_code == 302:
                        reversion.set_comment(
                            _("Reverted to the version saved on %(date)s.")
                            % {
                                "date": date_format(
                                    timezone.localtime(version.revision.date_created), "DATETIME_FORMAT"
                                )
                            }
                        )
                    elif response.status_code == 200:
                        response.template_name = template_name
                        response.render()
                        raise KeptRollback(response)
                    else:
                        raise RevertError(_("%(name)s could not be loaded.") % {"name": version.object_repr})
        except KeptRollback as rolled_back:
            return rolled_back.response
        except (RevertError, ProtectedError, IntegrityError) as error:
            self.message_user(request, self.revert_failure(version, error), messages.ERROR)
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return response

    def state_before_revert(self, request, version) -> dict | None:
        """The record's state now, locked until the transaction ends when the revert is saved."""
        if request.method == "POST":
            list(self.model._default_manager.select_for_update().filter(pk=version.object_id).values_list("pk"))
        return history.current_states(self.model, [version.object_id]).get(version.object_id)

    def revert_failure(self, version, error) -> str:
        if isinstance(error, IntegrityError):
            return _(
                "“%(name)s” could not be put back as it was: a record it refers to was deleted since, "
                "or another record now has its slug."
            ) % {"name": version.object_repr}
        return str(error)

    def history_view(self, request, object_id, extra_context=None):
        """The record's versions, newest first, a page at a time; each says how many records its
        revision saved, with a link to revert them all where there are others."""
        versions = (
            self.versions()
            .filter(object_id=unquote(object_id))
            .select_related("revision__user")
            .order_by(*self.get_version_ordering(request))
        )
        paginator = Paginator(versions, self.history_per_page)
        page = paginator.get_page(request.GET.get(PAGE_VAR))
        sizes = dict(
            self.versions()
            .filter(revision_id__in=[version.revision_id for version in page])
            .values_list("revision_id")
            .annotate(records=Count("pk"))
        )
        names = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        actions = [
            {
                "revision": version.revision,
                "url": reverse(f"{names}_revision", args=[quote(version.object_id), version.pk]),
                "records": sizes.get(version.revision_id, 1),
                "revert_all_url": reverse(f"{names}_revision_revert", args=[version.revision_id]),
            }
            for version in page
        ]
        context = {
            "action_list": actions,
            "history_page": page,
            "history_page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            **(extra_context or {}),
        }
        # Django's own history page (LogEntry), skipping django-reversion's, which lists every version at once.
        return super(VersionAdmin, self).history_view(request, object_id, context)

    def revision_revert_view(self, request, revision_id):
        """Go back on a whole revision for this admin's records (an import): put each back as it
        was before, delete those it added. The page lists every record it would change, a page at
        a time; it refuses, listing them first, while any was edited since."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        revision = get_object_or_404(Revision.objects.select_related("user"), pk=revision_id)
        if not self.versions().filter(revision=revision).exists():
            raise Http404
        revert = history.RevisionRevert(revision, self.model)
        if request.method == "POST":
            try:
                with transaction.atomic(using=router.db_for_write(self.model)):
                    revert.lock_records()
                    if not revert.refused and (not revert.deleted or self.has_delete_permission(request)):
                        done = Revision.objects.create(
                            date_created=timezone.now(),
                            user=request.user,
                            comment=_("Reverted the revision of %(date)s (%(comment)s).")
                            % {
                                "date": date_format(timezone.localtime(revision.date_created), "DATETIME_FORMAT"),
                                "comment": revision.get_comment() or "—",
                            },
                        )
                        revert.apply(done)
                        self.message_user(
                            request,
                            _("%(restored)s records put back as they were and %(deleted)s deleted.")
                            % {"restored": len(revert.restored), "deleted": len(revert.deleted)},
                            messages.SUCCESS,
                        )
                        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            except (ProtectedError, RestrictedError) as error:
                self.message_user(
                    request,
                    _("Nothing was reverted: %(reason)s") % {"reason": error.args[0]},
                    messages.ERROR,
                )
            except IntegrityError:
                self.message_user(
                    request,
                    _(
                        "Nothing was reverted: a record could not be put back as it was, because a record it "
                        "refers to was deleted since or another record now has its slug."
                    ),
                    messages.ERROR,
                )
        steps = sorted(revert.steps, key=lambda step: (not step.refusal, step.version.object_repr.casefold()))
        page = Paginator(steps, self.revert_per_page).get_page(request.GET.get(PAGE_VAR))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Revert a whole revision"),
            "revision": revision,
            "revert": revert,
            "steps": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "may_delete": self.has_delete_permission(request),
        }
        return TemplateResponse(request, "admin/agreements/revision_revert.html", context)


# ---------------------------------------------------------------- concurrent edits


def stored_value(field, value):
    """`value` of `field` in a form that compares equal however it was read (JSON-safe)."""
    if field.many_to_many:
        return sorted(obj.pk if isinstance(obj, db_models.Model) else int(obj) for obj in value or [])
    if isinstance(value, db_models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def shown_value(field, value) -> str:
    """A stored value as an editor would recognise it."""
    if value in (None, "", []):
        return "—"
    if field.many_to_many:
        return ", ".join(str(obj) for obj in field.related_model._default_manager.filter(pk__in=value)) or "—"
    if field.is_relation:
        return str(field.related_model._default_manager.filter(pk=value).first() or value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


class LoadedStateField(forms.CharField):
    """The signed record of what a form showed: bookkeeping, never a change to the record. Its
    token carries the time it was signed, so it differs from one opening of the page to the next."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data) -> bool:
        return False


class EditConflictForm(forms.ModelForm):
    """A change form that refuses to overwrite a record someone else changed after it was opened.

    The form carries the record's editable values as they were when it was opened, signed so
    that they cannot be forged. On save they are compared with the values stored now; if
    another editor changed a field that this save would set differently, the save is refused
    and both values are shown. Saving the form again then keeps this editor's values.
    """

    SALT = "agreements.admin.loaded-state"

    loaded_state = LoadedStateField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_state = self.state_of(self.instance) if self.instance.pk else {}
        self.fields["loaded_state"].initial = self.sign(self.stored_state) if self.instance.pk else ""

    def compared_fields(self):
        for name in self.fields:
            try:
                field = self._meta.model._meta.get_field(name)
            except FieldDoesNotExist:  # a form-only field
                continue
            if field.concrete and field.editable and not field.primary_key:
                if not field.many_to_many or field.remote_field.through._meta.auto_created:
                    yield field

    def state_of(self, obj) -> dict:
        """The values stored in the database for the fields on this form (one query per many-to-many)."""
        state = {"pk": obj.pk}
        for field in self.compared_fields():
            value = getattr(obj, field.name).all() if field.many_to_many else field.value_from_object(obj)
            state[field.name] = stored_value(field, value)
        return state

    def sign(self, state: dict) -> str:
        return signing.dumps(state, salt=self.SALT, compress=True)

    def clean(self):
        cleaned_data = super().clean()
        if getattr(self, "deleted_since_opened", False):
            raise forms.ValidationError(
                _(
                    "Someone else deleted this %(row)s after you opened this page, so it is not saved again. "
                    "Reload the page to see the record as it is now."
                )
                % {"row": self._meta.model._meta.verbose_name},
                code="deleted",
            )
        token = cleaned_data.get("loaded_state")
        if not self.instance.pk or not token:
            return cleaned_data
        try:
            opened = signing.loads(token, salt=self.SALT)
        except signing.BadSignature:
            opened = None
        if not isinstance(opened, dict) or opened.get("pk") != self.instance.pk:
            self.refresh_loaded_state()
            raise forms.ValidationError(
                _("This form's record of what it showed is damaged. Check the values and save again."),
                code="stale",
            )
        self.changed_since_opened = any(
            opened.get(field.name) != self.stored_state.get(field.name)
            for field in self.compared_fields()
            if field.name in opened
        )
        if cleaned_data.get("DELETE"):
            return cleaned_data  # an inline row marked for deletion: its formset decides
        conflicts = []
        for field in self.compared_fields():
            theirs = self.stored_state.get(field.name)
            if field.name not in opened or opened[field.name] == theirs or field.name not in cleaned_data:
                continue
            yours = stored_value(field, cleaned_data[field.name])
            if yours != theirs:
                conflicts.append((field, theirs, yours))
        if conflicts:
            self.refresh_loaded_state()
            errors = [forms.ValidationError(self.changed_by_message(), code="conflict")]
            for field, theirs, yours in conflicts:
                errors.append(
                    forms.ValidationError(
                        _("%(field)s — theirs: “%(theirs)s”; yours: “%(yours)s”"),
                        code="conflict",
                        params={
                            "field": str(field.verbose_name).capitalize(),
                            "theirs": shown_value(field, theirs),
                            "yours": shown_value(field, yours),
                        },
                    )
                )
                self.add_error(
                    field.name,
                    _("Changed by someone else to “%(theirs)s”.") % {"theirs": shown_value(field, theirs)},
                )
            raise forms.ValidationError(errors)
        return cleaned_data

    def last_change(self) -> dict | None:
        """Who saved the latest version of this record, and when; None if no version says."""
        latest = Version.objects.get_for_object(self.instance).select_related("revision__user").first()
        if latest is None:
            return None
        return {
            "user": latest.revision.user or _("someone"),
            "when": date_format(timezone.localtime(latest.revision.date_created), "DATETIME_FORMAT"),
        }

    def changed_by_message(self) -> str:
        if change := self.last_change():
            return (
                _(
                    "%(user)s changed this record at %(when)s, after you opened it. Saving would undo their "
                    "changes below; check them, then save again to keep your values."
                )
                % change
            )
        return _(
            "Someone changed this record after you opened it. Saving would undo their changes below; "
            "check them, then save again to keep your values."
        )

    def refresh_loaded_state(self) -> None:
        """Carry the values stored now, so that saving again knowingly keeps this editor's values."""
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_state")] = self.sign(self.stored_state)


class LabelledInlineFormSet(forms.BaseInlineFormSet):
    """A tabular inline shows its fields' names only as column headers: each box carries its
    field's name too, for screen readers (and admin.js names the autocomplete boxes after it)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            widget = getattr(field.widget, "widget", field.widget)  # inside the admin's related-record wrapper
            if field.label and not widget.is_hidden:
                widget.attrs.setdefault("aria-label", str(field.label))


class EditConflictFormSet(LabelledInlineFormSet):
    """Inline rows: each row's form checks its own values (`EditConflictForm`); a row marked for
    deletion after someone else changed it is not deleted unseen either, and a row someone else
    deleted is named rather than recreated."""

    def clean(self):
        super().clean()
        for form in self.initial_forms:
            if self._should_delete_form(form) and getattr(form, "changed_since_opened", False):
                form.refresh_loaded_state()
                change = form.last_change() or {"user": _("someone"), "when": _("an unknown time")}
                raise forms.ValidationError(
                    _(
                        "“%(row)s”, which you marked for deletion, was changed by %(user)s at %(when)s, after "
                        "you opened this page. Check it, then save again to delete it all the same."
                    )
                    % {"row": form.instance, **change},
                    code="conflict",
                )

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.is_bound and i < self.initial_form_count() and form.instance.pk is None:
            form.deleted_since_opened = True
        return form


class EditConflictInline:
    """An inline whose rows are checked as the record's own form is: each row carries the values
    it was opened with, and on save the rows are locked, then compared with what is stored."""

    form = EditConflictForm
    formset = EditConflictFormSet

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.method == "POST" and transaction.get_connection(queryset.db).in_atomic_block:
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        name, options = fieldsets[0]
        if "loaded_state" not in options["fields"]:
            fieldsets = [(name, {**options, "fields": [*options["fields"], "loaded_state"]}), *fieldsets[1:]]
        return fieldsets


# ---------------------------------------------------------------- related-record fields
# A submitted value that cannot be a key of the related model (text where a number belongs, a
# number beyond the database's integer range) is an invalid choice and never reaches a query:
# SQLite raises OverflowError on such numbers, which Django's choice fields and autocomplete
# widgets do not catch.


def is_key(model_field, candidate) -> bool:
    try:
        model_field.run_validators(model_field.to_python(candidate))
    except (ValidationError, TypeError, ValueError):
        return False
    return True


def key_field_of(model, to_field_name=None):
    return model._meta.get_field(to_field_name) if to_field_name else model._meta.pk


class KeyCheckedChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if isinstance(value, str) and value not in self.empty_values:
            if not is_key(key_field_of(self.queryset.model, self.to_field_name), value):
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class KeyCheckedMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        key_field = key_field_of(self.queryset.model, self.to_field_name)
        for candidate in value:
            if isinstance(candidate, str) and not is_key(key_field, candidate):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": candidate}
                )
        return super()._check_values(value)


class ValidChoicesOnly:
    """Redisplaying a form with invalid values leaves them out of the autocomplete box."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key_field = key_field_of(remote.model, getattr(remote, "field_name", None))
        return super().optgroups(name, [candidate for candidate in value if is_key(key_field, candidate)], attr)


class CheckedAutocompleteSelect(ValidChoicesOnly, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(ValidChoicesOnly, AutocompleteSelectMultiple):
    pass


class CheckedRelatedFields:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", KeyCheckedChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", KeyCheckedMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TrackerAdmin(CheckedRelatedFields, ImportPages, ImportExportModelAdmin, RecordHistoryAdmin):
    """Import/export in CSV, XLSX, JSON and TSV (the import pages: agreements.importing); history
    with revert and recovery of deleted records;
    edits that would overwrite someone else's refused; deletes refused while other records link here.

    The list page shows both the import/export buttons and "Recover deleted": import-export's
    list template extends the one VersionAdmin sets (its `ie_base_change_list_template`).
    """

    formats = FORMATS
    save_on_top = True
    form = EditConflictForm
    history_latest_first = True

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Each text box in the direction of its language: a translation's in its own language,
        the original's in the direction of whatever is typed (an EDTF date, an Arabic name)."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, db_models.CharField | db_models.TextField):
            language = db_field.name.rpartition("_")[2]
            if language in TRANSLATION_LANGUAGES:
                field.widget.attrs.update(lang=language, dir="rtl" if language == "ar" else "ltr")
            elif isinstance(db_field, FuzzyDateField):
                field.widget.attrs["dir"] = "ltr"  # an EDTF date reads left to right in every language
            else:
                field.widget.attrs.setdefault("dir", "auto")
        return field

    def has_import_permission(self, request):
        """An import adds records and overwrites existing ones (matched by slug), so it takes both rights."""
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        """The site's download permission (access.EXPORT), for records this user may see."""
        return self.has_view_permission(request) and request.user.has_perm(EXPORT)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != "loaded_state"]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None and self.has_change_permission(request, obj):
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": [*options["fields"], "loaded_state"]})
        return fieldsets

    def get_object(self, request, object_id, from_field=None):
        """On a save, the record is locked first (SELECT … FOR UPDATE on PostgreSQL; on SQLite
        the transaction holds the database's write lock from its start), so that the values the
        form compares with (`EditConflictForm`) are still those stored when it saves: of two
        simultaneous saves the second waits, then sees the first's values."""
        if request.method == "POST" and transaction.get_connection(router.db_for_write(self.model)).in_atomic_block:
            field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
            key = unquote(object_id)
            if is_key(field, key):
                locked = self.model._default_manager.select_for_update().filter(**{field.name: field.to_python(key)})
                list(locked.values_list("pk", flat=True))
        return super().get_object(request, object_id, from_field)

    def get_import_data_kwargs(self, **kwargs):
        """A preview notes the records its file names as they are (`stale_imports`)."""
        form, request = kwargs.get("form"), kwargs.get("request")
        import_kwargs = super().get_import_data_kwargs(**kwargs)
        if isinstance(form, ImportForm) and request is not None:
            request.import_preview_notes = import_kwargs[stale_imports.PREVIEW_KEY] = {}
        return import_kwargs

    def get_confirm_form_initial(self, request, import_form):
        """A preview that can be confirmed keeps its notes beside the uploaded file."""
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None and "import_file_name" in initial:
            stale_imports.keep(initial["import_file_name"], getattr(request, "import_preview_notes", {}))
        return initial

    def get_deleted_objects(self, objs, request):
        """Records linking here through many-to-many fields are shown as protected, and the
        delete is refused, as for foreign keys: Django would otherwise drop those links."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            protected.extend(
                format_html(
                    '{}: <a href="{}">{}</a>',
                    capfirst(linked._meta.verbose_name),
                    reverse(f"admin:{linked._meta.app_label}_{linked._meta.model_name}_change", args=[linked.pk]),
                    linked,
                )
                for linked in models.records_linking_to(obj)
            )
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        save_last_versions([obj], request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        save_last_versions(queryset, request.user)
        super().delete_queryset(request, queryset)


def year_filter(field: str) -> type[admin.SimpleListFilter]:
    """A list filter on the year in which a fuzzy date's earliest possible day falls."""

    class YearFilter(admin.SimpleListFilter):
        title = _("year")
        parameter_name = "year"

        def lookups(self, request, model_admin):
            years = (
                model_admin.get_queryset(request)
                .exclude(**{f"{field}_earliest": None})
                .annotate(year=ExtractYear(f"{field}_earliest"))
                .values_list("year", flat=True)
                .distinct()
                .order_by("-year")
            )
            return [(str(year), str(year)) for year in years]

        def queryset(self, request, queryset):
            # Python's dates run from year 1 to 9999; any other number is ignored, like text.
            if self.value() and self.value().isdigit() and 1 <= int(self.value()) <= 9999:
                return queryset.filter(**{f"{field}_earliest__year": int(self.value())})
            return queryset

    return YearFilter


class BlankAsNotGivenFilter(admin.AllValuesFieldListFilter):
    """Django's filter by each value of a text field, where the empty text shows as “not given”
    rather than as a link with no text."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            yield {**choice, "display": _("not given")} if choice["display"] == "" else choice


def country_filter(*fields: str) -> type[admin.SimpleListFilter]:
    """Records of the country whose ISO code is given, on any of `fields`. Any other value is
    ignored: Django's own filter would pass it to the database (SQLite fails on a huge number)."""

    class CountryFilter(admin.SimpleListFilter):
        title = _("country")
        parameter_name = "country"

        def lookups(self, request, model_admin):
            return [(country.code.code, country.name) for country in models.Country.objects.all()]

        def queryset(self, request, queryset):
            code = (self.value() or "").upper()
            if code in countries:
                return queryset.filter(
                    functools.reduce(operator.or_, (Q(**{f"{field}__code": code}) for field in fields))
                )
            return queryset

    return CountryFilter


# ---------------------------------------------------------------- reference data


@admin.register(models.Country)
class CountryAdmin(TrackerAdmin):
    list_display = ["flag_and_name", "code"]
    search_fields = ["code", "notes"]

    def get_search_results(self, request, queryset, search_term):
        """Match the localised country name too, which lives in django-countries, not in the table."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().lower()
        if term:
            codes = [code for code, name in countries if term in str(name).lower()]
            results = results | queryset.filter(code__in=codes)
        return results, may_have_duplicates

    @admin.display(description=_("country"), ordering="code")
    def flag_and_name(self, obj):
        return f"{obj.flag} {obj.name}"


@admin.register(models.Sector)
class SectorAdmin(TrackerAdmin):
    resource_classes = [resources.SectorResource]
    list_display = ["name", "name_ru", "name_ar", "slug", "parent", "dac_code"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "name_ru", "name_ar", "slug", "dac_code"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Source)
class SourceAdmin(TrackerAdmin):
    resource_classes = [resources.SourceResource]
    list_display = ["title", "publisher", "language", "published_in_words", "reference"]
    list_filter = ["language", ("publisher", BlankAsNotGivenFilter), year_filter("published")]
    search_fields = ["title", "title_ru", "title_ar", "publisher", "summary", "reference", "url"]
    prepopulated_fields = {"slug": ["title"]}
    fields = [
        ("title", "title_ru", "title_ar"),
        "slug",
        ("publisher", "language"),
        "published",
        ("url", "reference"),
        ("summary", "summary_ru", "summary_ar"),
    ]

    @admin.display(description=_("published"), ordering="published_earliest")
    def published_in_words(self, obj):
        return obj.published_in_words

    def get_urls(self):
        """Also "Draft from an article" (agreements.drafting), which proposes a source and its records."""
        from .drafting.views import draft_from_article

        return [path("draft/", draft_from_article, name="agreements_source_draft"), *super().get_urls()]


# ---------------------------------------------------------------- institutions and people


class InstitutionNameInline(EditConflictInline, CheckedRelatedFields, admin.TabularInline):
    model = models.InstitutionName
    extra = 1


@admin.register(models.Institution)
class InstitutionAdmin(TrackerAdmin):
    resource_classes = [resources.InstitutionResource]
    list_display = ["name", "kind", "country", "second_country", "parent"]
    list_filter = ["kind", country_filter("country", "second_country")]
    list_select_related = ["country", "second_country", "parent"]
    search_fields = ["name", "slug", "alternative_names__name"]
    autocomplete_fields = ["country", "second_country", "parent", "sources"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [InstitutionNameInline]


class PersonNameInline(EditConflictInline, CheckedRelatedFields, admin.TabularInline):
    model = models.PersonName
    extra = 1


@admin.register(models.Person)
class PersonAdmin(TrackerAdmin):
    resource_classes = [resources.PersonResource]
    list_display = ["name", "title", "institution", "country"]
    list_filter = [country_filter("country")]
    list_select_related = ["institution", "country"]
    search_fields = ["name", "slug", "title", "title_ru", "title_ar", "alternative_names__name"]
    autocomplete_fields = ["institution", "country", "sources"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", ("title", "title_ru", "title_ar"), "institution", "country", "sources"]
    inlines = [PersonNameInline]


# ---------------------------------------------------------------- the chain


class CommitmentFromVisitInline(EditConflictInline, CheckedRelatedFields, admin.StackedInline):
    model = models.Commitment
    fk_name = "origin_visit"
    extra = 0
    fields = [("title", "status"), "due", "details", ("fulfilled_by_visit", "fulfilled_by_memorandum"), "sectors"]
    autocomplete_fields = ["fulfilled_by_visit", "fulfilled_by_memorandum", "sectors"]
    show_change_link = True
    verbose_name = _("commitment made at this visit")
    verbose_name_plural = _("commitments made at this visit")


class CommitmentFromMemorandumInline(CommitmentFromVisitInline):
    fk_name = "origin_memorandum"
    verbose_name = _("commitment made in this memorandum")
    verbose_name_plural = _("commitments made in this memorandum")


class MemorandumSignedAtVisitInline(EditConflictInline, CheckedRelatedFields, admin.TabularInline):
    model = models.Memorandum
    fk_name = "visit"
    extra = 0
    fields = ["title", "kind", "status", "signed"]
    show_change_link = True
    verbose_name = _("memorandum signed during this visit")
    verbose_name_plural = _("memoranda signed during this visit")


@admin.register(models.Visit)
class VisitAdmin(TrackerAdmin):
    resource_classes = [resources.VisitResource]
    actions = BULK_ACTIONS
    list_display = ["title", "kind", "status", "host_country", "guest_country", "city", "date_in_words"]
    list_filter = [
        "kind",
        "status",
        country_filter("host_country", "guest_country"),
        ("sectors", admin.RelatedOnlyFieldListFilter),
        year_filter("date"),
    ]
    list_select_related = ["host_country", "guest_country"]
    search_fields = ["title", "title_ru", "title_ar", "summary", "city", "slug"]
    autocomplete_fields = [
        "host_country",
        "guest_country",
        "leader",
        "participants",
        "people_met",
        "institutions",
        "sectors",
        "sources",
    ]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("title", "title_ru", "title_ar"),
                    "slug",
                    ("kind", "status"),
                    ("host_country", "guest_country"),
                    "city",
                    ("date", "date_in_words"),
                ]
            },
        ),
        (_("Delegation"), {"fields": ["leader", "participants"]}),
        (_("Hosts and people met"), {"fields": ["people_met", "institutions"]}),
        (_("Content"), {"fields": ["sectors", ("summary", "summary_ru", "summary_ar"), "sources"]}),
    ]
    readonly_fields = ["date_in_words"]
    inlines = [MemorandumSignedAtVisitInline, CommitmentFromVisitInline]

    @admin.display(description=_("date"), ordering="date_earliest")
    def date_in_words(self, obj):
        return obj.date_in_words


class SignatoryInline(EditConflictInline, CheckedRelatedFields, admin.TabularInline):
    model = models.Signatory
    extra = 1
    autocomplete_fields = ["institution", "person"]


class MemorandumRelationInline(EditConflictInline, CheckedRelatedFields, admin.TabularInline):
    model = models.MemorandumRelation
    fk_name = "source"
    extra = 0
    autocomplete_fields = ["target"]


@admin.register(models.Memorandum)
class MemorandumAdmin(TrackerAdmin):
    resource_classes = [resources.MemorandumResource]
    actions = BULK_ACTIONS
    list_display = ["title", "kind", "status", "country_a", "country_b", "signed_in_words", "visit"]
    list_filter = [
        "kind",
        "status",
        "legally_binding",
        country_filter("country_a", "country_b"),
        ("sectors", admin.RelatedOnlyFieldListFilter),
        year_filter("signed"),
    ]
    list_select_related = ["country_a", "country_b", "visit"]
    search_fields = [
        "title",
        "title_ru",
        "title_ar",
        "summary",
        "slug",
        "parties__name",
        "parties__alternative_names__name",
    ]
    autocomplete_fields = ["country_a", "country_b", "visit", "sectors", "sources"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("title", "title_ru", "title_ar"),
                    "slug",
                    ("original_title", "original_title_language"),
                    ("kind", "kind_label"),
                    ("status", "legally_binding"),
                    ("country_a", "country_b"),
                    ("signed", "signed_in_words", "signed_at", "exchanged"),
                    "visit",
                    ("valid_from", "valid_from_in_words"),
                    ("valid_until", "valid_until_in_words"),
                ]
            },
        ),
        (_("Content"), {"fields": ["sectors", ("summary", "summary_ru", "summary_ar"), "sources"]}),
    ]
    readonly_fields = ["signed_in_words", "valid_from_in_words", "valid_until_in_words"]
    inlines = [SignatoryInline, MemorandumRelationInline, CommitmentFromMemorandumInline]

    @admin.display(description=_("signed"), ordering="signed_earliest")
    def signed_in_words(self, obj):
        return obj.signed_in_words

    @admin.display(description=_("in force from"))
    def valid_from_in_words(self, obj):
        return obj.valid_from_in_words or "—"

    @admin.display(description=_("valid until"))
    def valid_until_in_words(self, obj):
        return obj.valid_until_in_words or "—"


@admin.register(models.Commitment)
class CommitmentAdmin(TrackerAdmin):
    resource_classes = [resources.CommitmentResource]
    actions = BULK_ACTIONS
    list_display = ["title", "status", "origin", "due_in_words", "fulfilled_by"]
    list_filter = ["status", ("sectors", admin.RelatedOnlyFieldListFilter), year_filter("due")]
    list_select_related = ["origin_visit", "origin_memorandum", "fulfilled_by_visit", "fulfilled_by_memorandum"]
    search_fields = ["title", "title_ru", "title_ar", "details", "slug"]
    autocomplete_fields = [
        "origin_visit",
        "origin_memorandum",
        "responsible_countries",
        "responsible_institutions",
        "fulfilled_by_visit",
        "fulfilled_by_memorandum",
        "sectors",
        "sources",
    ]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["due_in_words"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("title", "title_ru", "title_ar"),
                    "slug",
                    ("details", "details_ru", "details_ar"),
                    ("origin_visit", "origin_memorandum"),
                ]
            },
        ),
        (
            _("Follow-up"),
            {"fields": [("status", "due", "due_in_words"), ("fulfilled_by_visit", "fulfilled_by_memorandum")]},
        ),
        (_("Who and what"), {"fields": ["responsible_countries", "responsible_institutions", "sectors", "sources"]}),
    ]

    @admin.display(description=_("due"), ordering="due_latest")
    def due_in_words(self, obj):
        return obj.due_in_words

    @admin.display(description=_("origin"))
    def origin(self, obj):
        return obj.origin

    @admin.display(description=_("fulfilled by"))
    def fulfilled_by(self, obj):
        return obj.fulfilled_by or "—"


# ---------------------------------------------------------------- follows and alerts (README, "Following the work")
# A user's own: administrators only (no other role holds these permissions).


@admin.register(models.Follow)
class FollowAdmin(CheckedRelatedFields, VersionAdmin):
    list_display = ["user", "kind", "followed", "frequency", "language", "created", "last_seen"]
    list_filter = ["kind", "frequency", "language", country_filter("country", "partner")]
    search_fields = ["user__username", "user__email", "name", "query"]
    autocomplete_fields = ["user", "country", "partner", "sector", "institution", "commitment"]
    list_select_related = ["user", "country", "partner", "sector", "institution", "commitment__origin_visit"]
    date_hierarchy = "created"

    @admin.display(description=_("follows"))
    def followed(self, follow: models.Follow) -> str:
        return follow.title


@admin.register(models.FeedToken)
class FeedTokenAdmin(CheckedRelatedFields, VersionAdmin):
    list_display = ["user", "key_start", "created"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    readonly_fields = ["key_start"]

    @admin.display(description=_("key"))
    def key_start(self, token: models.FeedToken) -> str:
        """Enough of the key to tell two apart; the whole key is the user's password to their feeds."""
        return f"{token.key[:6]}…" if token.key else ""


@admin.register(models.ApiToken)
class ApiTokenAdmin(CheckedRelatedFields, admin.ModelAdmin):
    """Administrators see every user's API tokens and revoke them (delete); a token made here is
    shown once, in the message after saving."""

    list_display = ["name", "user", "prefix", "created", "expires", "last_used"]
    search_fields = ["name", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    readonly_fields = ["prefix", "created", "last_used"]
    fields = ["user", "name", "expires", "prefix", "created", "last_used"]

    def save_model(self, request, obj, form, change):
        key = obj.set_new_key() if not change else None
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(
                request,
                _("The new token, shown only this once (copy it now): %(key)s") % {"key": key},
            )


@admin.register(models.DigestSent)
class DigestSentAdmin(CheckedRelatedFields, VersionAdmin):
    list_display = ["follow", "period", "records", "covered_from", "covered_until", "sent_at"]
    list_filter = ["follow__frequency"]
    search_fields = ["follow__user__username", "follow__user__email", "period"]
    autocomplete_fields = ["follow"]
    list_select_related = ["follow__country", "follow__partner", "follow__sector", "follow__institution"]
    date_hierarchy = "sent_at"


@admin.register(models.ReminderSent)
class ReminderSentAdmin(CheckedRelatedFields, VersionAdmin):
    list_display = ["commitment", "user", "stage", "due_latest", "sent_at"]
    list_filter = ["stage"]
    search_fields = ["user__username", "user__email", "commitment__title"]
    autocomplete_fields = ["user", "commitment", "follow"]
    list_select_related = ["user", "commitment"]
    date_hierarchy = "sent_at"


@admin.register(models.ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Imports written in the background, read-only: an editor sees their own, a superuser all.
    Each links to its page (importing.import_job), which shows its progress or its outcome."""

    list_display = ["__str__", "imports", "user", "status", "rows_done", "rows_total", "created", "finished", "page"]
    list_filter = ["status", "target"]
    list_select_related = ["user"]
    date_hierarchy = "created"
    readonly_fields = ["page"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def changelist_view(self, request, extra_context=None):
        models.ImportJob.objects.fail_lost()  # never listed as running once its worker is gone
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("imports"), ordering="target")
    def imports(self, job):
        return _("a workbook") if job.is_workbook else job.model._meta.verbose_name_plural

    @admin.display(description=_("page"))
    def page(self, job):
        return format_html('<a href="{}">{}</a>', job.get_absolute_url(), _("Progress and outcome"))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            obj is None or request.user.is_superuser or obj.user_id == request.user.pk
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
