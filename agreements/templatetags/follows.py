"""The Follow button: on a country, a dossier, an institution, a commitment and every list."""

from __future__ import annotations

from django import template

from ..access import may_browse
from ..models import Follow
from ..models.follows import normalised_query

register = template.Library()

LISTS = {"memorandum-list": "memoranda", "visit-list": "visits", "commitment-list": "commitments"}


@register.inclusion_tag("includes/follow_form.html", takes_context=True)
def follow_button(context, kind: str, subject=None, partner=None) -> dict:
    """A form that follows `subject` (a Country, with `partner` for a pair; a Sector; an Institution;
    a Commitment), or, with kind "search", the list on the page with its filters as a saved list.

    On a country, a dossier, a sector and an institution it says whether the user already follows it and
    offers to unfollow (one query); a commitment and a list only offer to follow (no query):
    they appear many times a page, or are filtered in countless ways."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or user.is_anonymous or not may_browse(user):
        return {"shown": False}
    button = {"shown": True, "kind": kind, "next": request.get_full_path(), "csrf_token": context.get("csrf_token")}
    if kind == Follow.Kind.COUNTRY:
        button |= {"target": subject.code.code, "subject": subject.name, "existing": existing(user, country=subject)}
    elif kind == Follow.Kind.PAIR:
        first, second = sorted([subject, partner], key=lambda country: country.code.code)
        button |= {
            "target": f"{first.code.code}-{second.code.code}",
            "subject": f"{subject.name} – {partner.name}",
            "existing": existing(user, kind=kind, country=first, partner=second),
        }
    elif kind == Follow.Kind.SECTOR:
        subject_name = subject.localized_name
        button |= {"target": subject.slug, "subject": subject_name, "existing": existing(user, sector=subject)}
    elif kind == Follow.Kind.INSTITUTION:
        button |= {"target": subject.slug, "subject": subject.name, "existing": existing(user, institution=subject)}
    elif kind == Follow.Kind.COMMITMENT:
        button |= {"target": subject.slug, "subject": subject.title}
    elif kind == Follow.Kind.SEARCH:
        button |= search_button(context, request)
    return button


def existing(user, kind: str = "", **subject) -> Follow | None:
    kind = kind or next(iter(subject))
    return Follow.objects.filter(user=user, kind=kind, **subject).only("pk").first()


def search_button(context, request) -> dict:
    """Follow the list as it is filtered; and, when it is filtered by a sector, the sector itself."""
    match = request.resolver_match
    list_name = LISTS.get(match.url_name if match else "")
    filterset = context.get("filter")
    if list_name is None or filterset is None or not filterset.is_valid():
        return {"shown": False}
    query = normalised_query(request.GET.urlencode())
    saved = Follow(kind=Follow.Kind.SEARCH, list_name=list_name, query=query)
    button = {"list_name": list_name, "query": query, "default_name": saved.describe_search()}
    sectors = filterset.form.cleaned_data.get("sector") or []
    if len(sectors) == 1:  # the list of one sector: that sector may be followed too
        sector = sectors[0]
        labels = dict(filterset.filters["sector"].extra["choices"]())  # the names, without the counts
        button |= {"sector": sector, "sector_name": str(labels.get(sector, sector)).strip()}
    return button
