"""The admin page "Draft from an article": read an article, review the proposal, confirm it."""

from __future__ import annotations

import functools

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from ..models import Commitment
from .forms import ArticleForm, Review, review_data, sign, unsign
from .proposal import draft
from .reading import DraftInputError, read_upload
from .writing import may_draft, write


def draft_required(view):
    """For Editors and Administrators; any other signed-in user is refused (403)."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not may_draft(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def open_commitments(data: dict) -> list[tuple[str, str]]:
    """The commitments a proposed record may keep: those proposed, and the open ones between the
    article's first two countries."""
    codes = data["countries"][:2]
    proposed = {slug for kind in ("visits", "memoranda") for item in data[kind] for slug in item["fulfils"]}
    queryset = Commitment.objects.filter(slug__in=proposed)
    if len(codes) == 2:
        queryset = Commitment.objects.filter(
            Q(slug__in=proposed) | Q(pk__in=Commitment.objects.between(*codes).unresolved().values("pk"))
        )
    return [(c.slug, c.title) for c in queryset.order_by("title")[:100]]


def render(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": _("Draft from an article"),
        **context,
    }
    return TemplateResponse(request, template, context, status=status)


@never_cache
@csrf_protect
@draft_required
def draft_from_article(request):
    """GET: the article form. POST "read": the proposal to review. POST "confirm": write it."""
    try:
        post, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    except RequestDataTooBig:
        error = _("The text is too long to paste; upload it as a file instead.")
        return render(request, "admin/agreements/draft_article.html", {"form": ArticleForm(), "error": error}, 400)
    if post is not None and post.get("action") == "confirm":
        return confirm(request)
    form = ArticleForm(post, files)
    if post is None or not form.is_valid():
        return render(
            request, "admin/agreements/draft_article.html", {"form": form}, status=200 if post is None else 400
        )
    values = form.cleaned_data
    text, title, reference = values["text"], "", ""
    try:
        if values["upload"]:
            text, title = read_upload(values["upload"])
            reference = values["upload"].name[:200]
        proposal = draft(
            text,
            language=values["language"] or None,
            published=values["published"],
            title=title,
            publisher=values["publisher"],
            url=values["url"],
            reference=reference,
        )
    except DraftInputError as error:
        form.add_error("upload" if values["upload"] else "text", str(error))
        return render(request, "admin/agreements/draft_article.html", {"form": form}, status=400)
    data = review_data(proposal)
    if data["left_out"]:
        messages.warning(
            request,
            _(
                "The article proposes more records than one review can hold; the first ones are shown. Draft the rest "
                "from the remaining part of the article."
            ),
        )
    review = Review(data, open_commitments=open_commitments(data))
    return render(request, "admin/agreements/draft_review.html", {"review": review, "token": sign(data)})


def confirm(request):
    data = unsign(request.POST.get("proposal", ""))
    if data is None:
        error = _("The proposal could not be read back; read the article again.")
        return render(request, "admin/agreements/draft_article.html", {"form": ArticleForm(), "error": error}, 400)
    review = Review(data, post=request.POST, open_commitments=open_commitments(data))
    if not review.is_valid():
        messages.error(request, _("Some fields need correcting; nothing has been written."))
        return render(
            request, "admin/agreements/draft_review.html", {"review": review, "token": request.POST["proposal"]}, 400
        )
    try:
        written = write(review, request.user)
    except ValidationError as error:
        messages.error(
            request,
            _("Nothing has been written: %(problem)s") % {"problem": " ".join(error.messages)},
        )
        return render(
            request, "admin/agreements/draft_review.html", {"review": review, "token": request.POST["proposal"]}, 400
        )
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        [(record.get_absolute_url(), record) for record in written.visits + written.memoranda],
    )
    messages.success(
        request,
        format_html(
            "{} {}", _("The records are written, each citing “%(source)s”:") % {"source": written.source}, links
        ),
    )
    return redirect(reverse("admin:agreements_source_change", args=[written.source.pk]))
