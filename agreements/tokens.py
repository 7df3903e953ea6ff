"""A user's personal API tokens: made and revoked on their own page, each key shown once."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .access import personal_required
from .models import ApiToken

LIFETIMES = [
    ("30", gettext_lazy("30 days")),
    ("90", gettext_lazy("90 days")),
    ("365", gettext_lazy("a year")),
    ("", gettext_lazy("never (until revoked)")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What it is for"), max_length=100, help_text=gettext_lazy("For example the script's name.")
    )
    lifetime = forms.ChoiceField(label=gettext_lazy("Expires after"), choices=LIFETIMES, initial="90", required=False)

    def expires(self) -> datetime.datetime | None:
        days = self.cleaned_data.get("lifetime")
        return timezone.now() + datetime.timedelta(days=int(days)) if days else None


@personal_required
def api_tokens(request):
    """The user's tokens; posting the form makes a new one, whose key this answer shows once."""
    form = TokenForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _token, new_key = ApiToken.issue(user=request.user, name=form.cleaned_data["name"], expires=form.expires())
            form = TokenForm()
        else:
            status = 400
    context = {"tokens": ApiToken.objects.of(request.user), "form": form, "new_key": new_key}
    return render(request, "agreements/apitoken_list.html", context, status=status)


@personal_required
@require_POST
def revoke_api_token(request, pk: int):
    token = get_object_or_404(ApiToken.objects.of(request.user), pk=pk)
    token.delete()
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("agreements:api-tokens")
