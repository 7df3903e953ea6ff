"""Small template helpers: status badges, the current navigation item, pair links, names and
arrows in the reader's language and direction."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def status_badge(record) -> str:
    """The record's status as a coloured badge; the colour comes from `data-status` in site.css."""
    return format_html('<span class="badge" data-status="{}">{}</span>', record.status, record.get_status_display())


@register.simple_tag
def force_badge(memorandum) -> str:
    """Whether the memorandum is in force ("yes", "possibly", "no") on the day it was annotated for,
    as a badge; "possibly" is dashed (site.css)."""
    return format_html('<span class="badge" data-force="{}">{}</span>', memorandum.force, memorandum.force_label)


@register.simple_tag
def flag_badge(kind: str) -> str:
    """A warning badge: "dormant" or "overdue"."""
    labels = {"dormant": _("dormant"), "overdue": _("overdue")}
    return format_html('<span class="badge" data-status="{}">{}</span>', kind, labels[kind])


@register.simple_tag(takes_context=True)
def nav_current(context, section: str) -> str:
    """aria-current for a main navigation link: "page" on the section's list, "true" inside it."""
    match = getattr(context.get("request"), "resolver_match", None)
    name = match.url_name if match else ""
    if name in (f"{section}-list", section):
        return format_html('aria-current="{}"', "page")
    if name.startswith(f"{section}-"):
        return format_html('aria-current="{}"', "true")
    return ""


@register.simple_tag
def pair_url(a, b) -> str:
    """The dossier of two countries (Country instances)."""
    return reverse("agreements:pair-detail", args=[a.code.code, b.code.code])


@register.filter
def other_country(record, country):
    """The country on the other side of a visit or memorandum from `country`."""
    sides = (
        (record.host_country, record.guest_country)
        if hasattr(record, "host_country")
        else (record.country_a, record.country_b)
    )
    return sides[1] if sides[0] == country else sides[0]


@register.simple_tag
def arrow() -> str:
    """An arrow pointing onwards in the reading direction: "→", or "←" in a right-to-left language.

    Unicode does not mirror arrows the way it mirrors brackets, so the tag picks one.
    """
    return "←" if get_language_bidi() else "→"


@register.simple_tag
def local_name(record) -> str:
    """An institution's or person's name in the reader's language, the original beside it when
    they differ ("Минздрав Омана (Ministry of Health of Oman)"). Each name keeps its own
    direction. Reads `alternative_names`: prefetch them."""
    shown = record.display_name
    if shown == record.name:
        return format_html("<bdi>{}</bdi>", shown)
    return format_html('<bdi>{}</bdi> <span class="original-name">(<bdi>{}</bdi>)</span>', shown, record.name)


@register.filter
def css_string(text) -> str:
    """The text as a quoted CSS string (for a `content:` in a <style>): every character other than
    a letter, digit or space escaped, so that nothing in it can end the string or the rule."""
    # An escape ends at the one space after its six digits, which the string does not keep.
    escaped = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x} " for c in str(text))
    return mark_safe(f'"{escaped}"')  # nosec B308 B703 # every character that could end the string is escaped


@register.simple_tag
def translated(record, field: str, lines: bool = False) -> str:
    """A record's `field` (a title, a summary) in the reader's language; without a translation
    in it, the original, marked as English and keeping its own direction. `lines`: keep the
    text's line breaks."""
    text = record.localized(field)
    shown = linebreaksbr(text, autoescape=True) if lines else conditional_escape(text)
    if record.shows_original(field):
        return format_html('<span lang="{}" dir="auto">{}</span>', record.original_language, shown)
    return shown


@register.simple_tag
def original_mark(record, field: str) -> str:
    """“original in English” beside a text shown untranslated in the reader's language."""
    if record.shows_original(field):
        mark = _("original in English") if record.original_language == "en" else _("original")
        return format_html('<span class="original-mark">({})</span>', mark)
    return ""
