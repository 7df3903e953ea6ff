"""E-mail alerts: the digest of what changed for each follow, and reminders of commitments that fall
due. Both run as Celery tasks (agreements/tasks.py) and are idempotent: a digest is sent at most
once per follow and period, a reminder once per user, commitment, stage and due day, however often
a task runs or is retried.

Each e-mail is in the language of the follow it is about, with a plain-text and an HTML part, and
carries a one-click unsubscribe link (a signed token, no sign-in) and the List-Unsubscribe headers.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from urllib.parse import urlsplit

import reversion
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .access import may_browse
from .models import Commitment, DigestSent, Follow, Frequency, ReminderSent, ReminderStage
from .news import news_for

logger = logging.getLogger(__name__)

DIGEST_ITEMS = 20  # of each kind of record; the e-mail links to the rest
REMINDER_ITEMS = 25
UNSUBSCRIBE_SALT = "agreements.alerts.unsubscribe"


# ---------------------------------------------------------------- addresses


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def unsubscribe_token(follow: Follow) -> str:
    return signing.dumps({"follow": follow.pk, "user": follow.user_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def follow_for_unsubscribe_token(token: str) -> Follow | None:
    """The follow a signed unsubscribe token names, or None if the token was not made here or the
    follow is gone."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return Follow.objects.select_related("user").filter(user=data.get("user"), pk=data.get("follow")).first()


def unsubscribe_url(follow: Follow) -> str:
    return absolute(reverse("agreements:unsubscribe", args=[unsubscribe_token(follow)]))


# ---------------------------------------------------------------- messages


def alert_message(follow: Follow, subject: str, template: str, context: dict) -> EmailMultiAlternatives:
    """An e-mail about `follow` to its user, in the active language, from `template`.txt and .html."""
    unsubscribe = unsubscribe_url(follow)
    context = {
        **context,
        "follow": follow,
        "follow_url": absolute(follow.get_absolute_url()),
        "watchlist_url": absolute(reverse("agreements:watchlist")),
        "alerts_url": absolute(reverse("agreements:alerts")),
        "unsubscribe_url": unsubscribe,
        "site_url": settings.SITE_URL,
        "LANGUAGE_CODE": translation.get_language(),
        "LANGUAGE_BIDI": translation.get_language_bidi(),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[follow.user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<alerts.{site_host()}>",
            "Auto-Submitted": "auto-generated",
            "Content-Language": translation.get_language(),
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def may_receive(follow: Follow) -> bool:
    """Whether the follow's user may still read what an alert shows."""
    user = follow.user
    return user.is_active and bool(user.email) and may_browse(user)


# ---------------------------------------------------------------- digests


def digest_period(frequency: str, moment: datetime.datetime) -> str:
    """The period a digest sent at `moment` is for: its day ("2026-12-01") or ISO week ("2026-W49")."""
    day = timezone.localdate(moment)
    if frequency == Frequency.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def send_digest(follow: Follow, *, period: str, until: datetime.datetime) -> str:
    """E-mail `follow`'s digest for `period`, with what changed since the last digest (or since it was
    followed) up to `until`. The outcome: "sent", "already sent", "nothing new" or "not allowed".

    The record of the digest is written in the same transaction as the e-mail is handed to the mail
    server: if sending fails, nothing is recorded and a retry sends it; if another worker sent it,
    the unique (follow, period) refuses the second."""
    if DigestSent.objects.filter(follow=follow, period=period).exists():
        return "already sent"
    if not may_receive(follow):
        return "not allowed"
    last = DigestSent.objects.filter(follow=follow).order_by("-covered_until").first()
    since = last.covered_until if last else follow.created
    if since >= until:
        return "nothing new"
    with translation.override(follow.language):
        news = news_for(follow, since, until, limit=DIGEST_ITEMS)
        if not news:
            return "nothing new"
        subject = ngettext(
            "%(subject)s: %(count)s new or changed record",
            "%(subject)s: %(count)s new or changed records",
            news.count,
        ) % {"subject": follow.title, "count": news.count}
        message = alert_message(
            follow,
            subject,
            "emails/digest",
            {
                "news": news,
                "since": since,
                "until": until,
                "frequency": follow.get_frequency_display(),
            },
        )
    try:
        with transaction.atomic(), reversion.create_revision():
            reversion.set_comment(_("Digest e-mailed."))
            DigestSent.objects.create(
                follow=follow, period=period, covered_from=since, covered_until=until, records=news.count
            )
            message.send()
    except IntegrityError:
        return "already sent"
    return "sent"


def send_digests(frequency: str, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every digest of `frequency` due now; the number of follows by outcome.

    A recipient the mail server refuses is logged and skipped; a mail server that cannot be reached
    stops the run (the task retries it, and what was sent is not sent again)."""
    now = now or timezone.now()
    period = digest_period(frequency, now)
    outcomes: dict[str, int] = {}
    follows = Follow.objects.emailed(frequency).select_related("user", *SUBJECT_RELATED).order_by("pk")
    for follow in follows.iterator(chunk_size=200):
        try:
            outcome = send_digest(follow, period=period, until=now)
        except smtplib.SMTPRecipientsRefused:
            logger.warning("Digest for follow %s: the mail server refused %s.", follow.pk, follow.user.email)
            outcome = "refused"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


SUBJECT_RELATED = ("country", "partner", "sector", "institution", "commitment")


# ---------------------------------------------------------------- reminders


def send_reminders(today: datetime.date | None = None) -> dict[str, int]:
    """Remind the users who follow a commitment, or an institution responsible for it, that it falls
    due within 30 days, within 7 days, or is overdue: once per stage. One e-mail per follow, listing
    its commitments at a new stage; a commitment two of a user's follows cover is reminded once."""
    today = today or timezone.localdate()
    due = Commitment.objects.unresolved().filter(due_latest__lte=today + datetime.timedelta(30))
    follows = (
        Follow.objects.emailed()
        .filter(
            Q(kind=Follow.Kind.COMMITMENT, commitment__in=due)
            | Q(kind=Follow.Kind.INSTITUTION, institution__commitments__in=due)
        )
        .distinct()
        .select_related("user", *SUBJECT_RELATED)
        # A commitment followed directly is reminded as such, before the institutions responsible for it.
        .order_by("user", "kind", "pk")
    )
    outcomes: dict[str, int] = {}
    reminded: set[tuple[int, int]] = set()
    for follow in follows:
        if not may_receive(follow):
            continue
        try:
            outcome = send_reminder(follow, due, today, reminded)
        except smtplib.SMTPRecipientsRefused:
            logger.warning("Reminder for follow %s: the mail server refused %s.", follow.pk, follow.user.email)
            outcome = "refused"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def send_reminder(follow: Follow, due, today: datetime.date, reminded: set[tuple[int, int]]) -> str:
    """E-mail `follow`'s user its commitments that reached a stage not yet reminded, and record them."""
    commitments = list(
        follow.records(Commitment)
        .filter(pk__in=due.values("pk"))
        .select_related("origin_visit", "origin_memorandum")
        .order_by("due_latest", "pk")
    )
    sent = set(
        ReminderSent.objects.filter(user=follow.user, commitment__in=commitments).values_list(
            "commitment", "stage", "due_latest"
        )
    )
    pending = []
    for commitment in commitments:
        stage = ReminderStage.for_due(commitment.due_latest, today)
        key = (commitment.pk, stage, commitment.due_latest)
        if stage and key not in sent and (follow.user_id, commitment.pk) not in reminded:
            pending.append((commitment, stage))
        reminded.add((follow.user_id, commitment.pk))
    if not pending:
        return "nothing new"
    with translation.override(follow.language):
        stages = [
            (label, [commitment for commitment, stage in pending if stage == value][:REMINDER_ITEMS])
            for value, label in ReminderStage.choices
        ]
        subject = ngettext(
            "%(subject)s: %(count)s commitment falls due",
            "%(subject)s: %(count)s commitments fall due",
            len(pending),
        ) % {"subject": follow.title, "count": len(pending)}
        message = alert_message(
            follow,
            subject,
            "emails/reminder",
            {
                "stages": [(label, items) for label, items in stages if items],
                "count": len(pending),
                "shown": sum(len(items) for _label, items in stages),
                "today": today,
            },
        )
    try:
        with transaction.atomic(), reversion.create_revision():
            reversion.set_comment(_("Reminder e-mailed."))
            for commitment, stage in pending:  # one by one, so that each is saved in the history
                ReminderSent.objects.create(
                    user=follow.user,
                    commitment=commitment,
                    follow=follow,
                    stage=stage,
                    due_latest=commitment.due_latest,
                )
            message.send()
    except IntegrityError:
        return "already sent"
    return "sent"
