"""Template helpers of the "Draft from an article" page."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from ..drafting.writing import may_draft as user_may_draft

register = template.Library()


@register.filter
def may_draft(user) -> bool:
    """Whether the user may draft records from an article (Editors and Administrators)."""
    return user_may_draft(user)


@register.filter
def highlighted(evidence: dict | None) -> str:
    """The evidence's sentence with the words the value came from marked."""
    if not evidence:
        return ""
    text, start, end = evidence["text"], evidence["start"], evidence["end"]
    if not (0 <= start <= end <= len(text)) or start == end:
        return format_html("{}", text)
    return format_html("{}<mark>{}</mark>{}", text[:start], text[start:end], text[end:])


@register.filter
def field_label(form, name: str) -> str:
    """The label of the form's field `name`; "parties" and "host" name the fields they fill."""
    from django.utils.translation import gettext as _

    if name in form.fields:
        return form.fields[name].label
    return {"parties": _("Signatory institutions"), "host": _("Host and guest countries")}.get(name, name)
