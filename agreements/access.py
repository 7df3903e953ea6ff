"""Who may open the tracker's pages and exports, and the sign-in page shown to a locked-out user.

Every page needs a signed-in user (LoginRequiredMiddleware). On top of that the tracker's own
pages need the `browse_records` permission and its exports `export_records`; the groups that
hold them are made by migration 0004_roles. With PUBLIC_READ_ONLY on, anonymous visitors may
browse too, but never export and never enter the admin.
"""

from __future__ import annotations

import functools

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

BROWSE = "agreements.browse_records"
EXPORT = "agreements.export_records"
# Members of these groups work in the admin, which needs staff status (signals.sync_staff_status).
STAFF_ROLES = ("Editor", "Administrator")


def may_browse(user) -> bool:
    if user.is_anonymous:
        return settings.PUBLIC_READ_ONLY
    return user.has_perm(BROWSE)


def site_access(request) -> dict:
    """Context processor: whether to offer the tracker's pages in the site's navigation. An error
    page for a request refused before authentication (a NUL in the address) has no user."""
    user = getattr(request, "user", None)
    return {"may_browse": user is not None and may_browse(user)}


def browse_required(view):
    """A tracker page: for holders of the browse permission, and for anyone in public read-only mode."""

    @login_not_required
    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not may_browse(request.user):
            if request.user.is_anonymous:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied
        return view(request, *args, **kwargs)

    guarded.access = "browse"
    return guarded


def export_required(view):
    """An export: for holders of the export permission only, whatever the public mode."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.has_perm(EXPORT):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    guarded.access = "export"
    return guarded


class UsernameAndAddressLockout(AxesDatabaseHandler):
    """Login throttling with a limit of its own for each of django-axes' lockout parameters:
    AXES_FAILURE_LIMIT wrong passwords for one username, from any number of addresses, lock that
    username (guessing one account's password from many addresses gains nothing), and
    AXES_ADDRESS_FAILURE_LIMIT wrong passwords from one address, for any usernames, lock that
    address (one address cannot try a few passwords on every account, nor lock out more than a
    few accounts before its own lock stops it). django-axes compares the largest of the counts
    with one limit, so the address's count is scaled to AXES_FAILURE_LIMIT.

    A correct password resets the failures of its own username only: signing in to one's own
    account must not wipe the count of guesses made from the same address at others'.
    """

    def failures_by_parameter(self, request, credentials=None) -> dict[str, int]:
        parameters = [
            parameter if isinstance(parameter, str) else "+".join(parameter)
            for parameter in get_lockout_parameters(request, credentials)
        ]
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        return dict(zip(parameters, counts, strict=True))

    def get_failures(self, request, credentials=None) -> int:
        counts = self.failures_by_parameter(request, credentials)
        by_address = counts.pop("ip_address", 0) * settings.AXES_FAILURE_LIMIT // settings.AXES_ADDRESS_FAILURE_LIMIT
        return max([by_address, *counts.values()])

    def reset_user_attempts(self, request, credentials=None) -> int:
        from axes.models import AccessAttempt

        count, _deleted = AccessAttempt.objects.filter(username=get_client_username(request, credentials)).delete()
        return count


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: the sign-in page again, saying why and for how long.

    The form stays: from another address, or under another name, someone else may still sign in.
    """
    counts = UsernameAndAddressLockout().failures_by_parameter(request, credentials)
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "address_locked": counts.get("ip_address", 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def personal_required(view):
    """A user's own page (their watchlist, their alerts): for a signed-in user who may browse. Public
    visitors are asked to sign in, since what they follow must belong to someone."""

    @login_not_required
    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if request.user.is_anonymous:
            return redirect_to_login(request.get_full_path())
        if not may_browse(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    guarded.access = "personal"
    return guarded


def feed_access(view):
    """A feed or a calendar. Feed readers and calendars cannot sign in, so the address may carry a
    user's secret feed key (`?token=`): the request is then that user's, if they may still browse.
    Without a key, it is a page like any other (browse_required)."""

    @login_not_required
    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        from .models import FeedToken

        if "token" in request.GET:
            user = FeedToken.objects.user_for(request.GET["token"])
            if user is None or not may_browse(user):
                message = _("This address is no longer valid. Copy the current one from your watchlist.")
                return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
            request.user = user
        elif not may_browse(request.user):
            if request.user.is_anonymous:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied
        response = view(request, *args, **kwargs)
        # The key is a password: keep the address out of shared caches, referrers and search engines.
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        return response

    guarded.access = "feed"
    return guarded
