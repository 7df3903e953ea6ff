"""Following the work: the watchlist, following and unfollowing in one click, each follow's
e-mail, the secret key of a user's feed and calendar addresses, and unsubscribing from an e-mail
without signing in. Everything here is the signed-in user's own: nobody sees another's follows."""

from __future__ import annotations

from urllib.parse import urlencode

import reversion
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .access import personal_required
from .alerts import follow_for_unsubscribe_token
from .models import DigestSent, FeedToken, Follow, Frequency, ReminderSent
from .news import news_for

WATCHLIST_ITEMS = 5  # of each kind of record, per follow


class FollowForm(forms.Form):
    """What a Follow button posts: the kind of thing and its code or slug, or a list and its query string."""

    kind = forms.ChoiceField(choices=Follow.Kind.choices)
    target = forms.CharField(required=False, max_length=200)
    list_name = forms.CharField(required=False, max_length=12)
    query = forms.CharField(required=False, max_length=1000)
    name = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if "kind" in data:
            try:
                self.subject = Follow.of_subject(
                    data["kind"],
                    data.get("target", ""),
                    list_name=data.get("list_name", ""),
                    query=data.get("query", ""),
                    name=data.get("name", ""),
                )
            except forms.ValidationError as error:
                raise forms.ValidationError(error.messages) from error
        return data


class AlertForm(forms.ModelForm):
    class Meta:
        model = Follow
        fields = ["frequency", "language"]


def back(request, fallback: str) -> str:
    """The page a form came from (`next`), if it is on this site; else `fallback`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def private_address(request, path: str, token: FeedToken, language: str) -> str:
    """The absolute address of a feed or calendar with the user's key and a language in it."""
    separator = "&" if "?" in path else "?"
    return request.build_absolute_uri(f"{path}{separator}{urlencode({'token': token.key, 'lang': language})}")


@personal_required
@require_POST
def follow(request):
    form = FollowForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect(back(request, reverse("agreements:watchlist")))
    subject = form.subject
    if Follow.objects.filter(user=request.user).same_subject(subject).exists():
        messages.info(request, _("You already follow %(subject)s.") % {"subject": subject.title})
        return redirect(back(request, reverse("agreements:watchlist")))
    subject.user, subject.language = request.user, get_language()
    try:
        with transaction.atomic(), reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(_("Followed."))
            subject.save()
    except IntegrityError:  # the same button pressed twice at once
        pass
    messages.success(
        request,
        _("You now follow %(subject)s: see what is new on your watchlist; e-mail: %(frequency)s.")
        % {"subject": subject.title, "frequency": subject.get_frequency_display()},
    )
    return redirect(back(request, reverse("agreements:watchlist")))


@personal_required
@require_POST
def unfollow(request, pk: int):
    followed = get_object_or_404(Follow.objects.of(request.user), pk=pk)
    title = followed.title
    with reversion.create_revision():
        reversion.set_user(request.user)
        followed.delete()
    messages.success(request, _("You no longer follow %(subject)s.") % {"subject": title})
    return redirect(back(request, reverse("agreements:watchlist")))


@personal_required
@require_POST
def change_alerts(request, pk: int):
    """A follow's e-mail: how often, and in which language."""
    followed = get_object_or_404(Follow.objects.of(request.user), pk=pk)
    form = AlertForm(request.POST, instance=followed)
    if form.is_valid():
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(_("E-mail changed."))
            form.save()
        messages.success(request, _("Saved: e-mail about %(subject)s.") % {"subject": followed.title})
    else:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return redirect(f"{reverse('agreements:alerts')}#follow-{followed.pk}")


@personal_required
@require_POST
def renew_feed_key(request):
    """New feed and calendar addresses: the old ones stop working at once."""
    token = FeedToken.objects.for_user(request.user)
    with reversion.create_revision():
        reversion.set_user(request.user)
        reversion.set_comment(_("Feed key renewed."))
        token.renew()
    messages.success(request, _("Your feed and calendar addresses are new; the old ones no longer work."))
    return redirect(f"{reverse('agreements:watchlist')}#addresses")


@personal_required
def watchlist(request):
    """What the user follows, each with what changed since their last visit here; this visit then
    becomes the last (three to eleven queries per follow)."""
    now = timezone.now()
    follows = list(Follow.objects.of(request.user))
    token = FeedToken.objects.for_user(request.user)
    entries = [
        {
            "follow": followed,
            "news": news_for(followed, followed.last_seen, now, limit=WATCHLIST_ITEMS),
            "feed_url": private_address(request, followed.feed_path(), token, followed.language),
            "calendar_url": private_address(
                request, reverse("agreements:follow-calendar", args=[followed.pk]), token, followed.language
            )
            if followed.has_calendar
            else "",
        }
        for followed in follows
    ]
    Follow.objects.filter(pk__in=[followed.pk for followed in follows]).update(last_seen=now)
    language = get_language()
    context = {
        "entries": entries,
        "token": token,
        "tracker_feed_url": private_address(request, reverse("agreements:feed"), token, language),
        "tracker_calendar_url": private_address(request, reverse("agreements:calendar"), token, language),
    }
    return render(request, "agreements/watchlist.html", context)


@personal_required
def alerts(request):
    """The e-mail each follow sends, and the latest digests and reminders sent."""
    follows = [
        (followed, AlertForm(instance=followed, auto_id=f"follow-{followed.pk}-%s"))
        for followed in Follow.objects.of(request.user)
    ]
    context = {
        "follows": follows,
        "digests": DigestSent.objects.filter(follow__user=request.user).select_related(
            "follow__country", "follow__partner", "follow__sector", "follow__institution", "follow__commitment"
        )[:10],
        "reminders": ReminderSent.objects.filter(user=request.user).select_related("commitment")[:10],
    }
    return render(request, "agreements/alerts.html", context)


@login_not_required
# Mail programs post the one-click unsubscribe (RFC 8058) without a CSRF token; the signed token is the proof.
@csrf_exempt
def unsubscribe(request, token: str):
    """Stop a follow's e-mail, from the link in an e-mail or the mail program's own button, without
    signing in. Opening the link asks for one click (link checkers open every link in a message);
    a POST, from that button or from the List-Unsubscribe-Post header, stops it at once."""
    followed = follow_for_unsubscribe_token(token)
    if followed is None:
        return render(request, "agreements/unsubscribe.html", {"invalid": True}, status=404)
    with translation.override(followed.language):
        done = request.method == "POST"
        if done and followed.frequency != Frequency.NEVER:
            with reversion.create_revision():
                reversion.set_comment(_("Unsubscribed from the e-mail."))
                followed.frequency = Frequency.NEVER
                followed.save(update_fields=["frequency"])
        return render(request, "agreements/unsubscribe.html", {"follow": followed, "done": done, "token": token})


unsubscribe.access = "signed"
