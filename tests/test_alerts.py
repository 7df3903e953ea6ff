"""E-mail alerts: digests and reminders, sent through a real SMTP server started here (aiosmtpd)
and, for the whole flow, by a real Celery worker taking the task from the real Redis broker."""

from __future__ import annotations

import datetime
import email
import os
import socket
from email import policy

import feedparser
import icalendar
import pytest
import recurring_ical_events
import reversion
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements import alerts
from agreements.models import Commitment, DigestSent, FeedToken, Follow, Frequency, Memorandum, ReminderSent
from tests import factories
from tests.conftest import client_for, real_worker

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://127.0.0.1:5672//")  # RabbitMQ's default account


class Inbox:
    """An aiosmtpd handler that keeps every message it receives, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on this machine; the site sends its e-mail there."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


def memorandum_form(belarus, oman, title: str) -> dict:
    """What the admin's "add memorandum" form posts for a memorandum with no parts."""
    return {
        "title": title,
        "slug": "",
        "kind": "mou",
        "status": "signed",
        "legally_binding": "unknown",
        "country_a": belarus.pk,
        "country_b": oman.pk,
        "signed": "2026-11-20",
        "signed_at": "Muscat",
        "summary": "Cooperation in tourism and health resorts.",
        "signatories-TOTAL_FORMS": "0",
        "signatories-INITIAL_FORMS": "0",
        "outgoing_relations-TOTAL_FORMS": "0",
        "outgoing_relations-INITIAL_FORMS": "0",
        "commitments-TOTAL_FORMS": "0",
        "commitments-INITIAL_FORMS": "0",
    }


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


# ---------------------------------------------------------------- the whole flow


def test_a_viewer_following_a_pair_gets_one_digest_of_a_new_memorandum_by_the_worker(
    celery_worker, smtp_server, make_member
):
    call_command("seed", verbosity=0)
    viewer = make_member("Viewer", "vera")
    viewer.email = "vera@example.org"
    viewer.save()
    reader = client_for(viewer)
    reader.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = reader.post(
        reverse("agreements:follow"), {"kind": "pair", "target": "BY-OM", "next": "/countries/BY/OM/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/countries/BY/OM/")
    follow = Follow.objects.get(user=viewer)
    assert (follow.kind, follow.language, follow.frequency) == ("pair", "ru", Frequency.DAILY)

    editor = client_for(make_member("Editor", "erik"))
    belarus, oman = follow.country, follow.partner
    added = editor.post(reverse("admin:agreements_memorandum_add"), memorandum_form(belarus, oman, "MoU on tourism"))
    assert added.status_code == 302, added.context["adminform"].errors if added.context else added
    memo = Memorandum.objects.get(title="MoU on tourism")

    send_digests = celery_worker.tasks["agreements.tasks.send_digests"]
    assert send_digests.delay("daily").get(timeout=60) == {"sent": 1}
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "vera@example.org"
    assert message["Content-Language"] == "ru"
    assert "Беларусь – Оман" in message["Subject"] and "новая или изменённая запись" in message["Subject"]
    body = parts(message)
    link = f"{django_settings.SITE_URL}/memoranda/{memo.slug}/"
    assert link in body["text/plain"] and f'href="{link}"' in body["text/html"]
    assert "МЕМОРАНДУМЫ" in body["text/plain"] and "[новый] MoU on tourism" in body["text/plain"]
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith(f"{django_settings.SITE_URL}/alerts/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in body["text/plain"]

    # A retry of the task (or a second worker) sends nothing more.
    assert send_digests.delay("daily").get(timeout=60) == {"already sent": 1}
    assert len(smtp_server.messages) == 1
    assert DigestSent.objects.get(follow=follow).records == 1

    # The pair's feed, read by a feed reader with the viewer's key, is valid Atom with the memorandum.
    key = FeedToken.objects.for_user(viewer).key
    feed = Client().get("/feeds/pair/BY/OM/", {"token": key, "lang": "ru"})
    parsed = feedparser.parse(feed.content)
    assert feed.status_code == 200 and not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].link == f"http://testserver/memoranda/{memo.slug}/"

    # The calendar: the state visit a two-day all-day event, the summer visit spanning exactly the summer.
    ics = Client().get("/calendar.ics", {"pair": "BY-OM", "from": "2025-01-01", "token": key, "lang": "en"})
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(ics.content)
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    state_visit = events["State visit of Sultan Haitham bin Tarik of Oman to Belarus"]
    assert (state_visit.decoded("dtstart"), state_visit.decoded("dtend")) == (
        datetime.date(2025, 10, 6),
        datetime.date(2025, 10, 8),
    )
    summer = events["Oman's health minister visits Belarus, summer 2025 (summer 2025)"]
    assert (summer.decoded("dtstart"), summer.decoded("dtend")) == (
        datetime.date(2025, 6, 1),
        datetime.date(2025, 9, 1),
    )
    # Imported into a calendar, the state visit is on 6 and 7 October only, the summer visit on every summer day.
    occurrences = recurring_ical_events.of(calendar)

    def on(day: datetime.date) -> set[str]:
        return {str(event["summary"]) for event in occurrences.at(day)}

    assert state_visit["summary"] in on(datetime.date(2025, 10, 6)) & on(datetime.date(2025, 10, 7))
    assert state_visit["summary"] not in on(datetime.date(2025, 10, 5)) | on(datetime.date(2025, 10, 8))
    assert summer["summary"] in on(datetime.date(2025, 6, 1)) & on(datetime.date(2025, 7, 15)) & on(
        datetime.date(2025, 8, 31)
    )
    assert summer["summary"] not in on(datetime.date(2025, 5, 31)) | on(datetime.date(2025, 9, 1))


def test_the_jobs_run_on_rabbitmq_too(transactional_db, smtp_server, follower):
    add_memorandum("Sent through RabbitMQ")
    with real_worker(AMQP_URL, "rpc://") as app:
        assert app.tasks["agreements.tasks.send_digests"].delay("daily").get(timeout=60) == {"sent": 1}
        assert app.tasks["agreements.tasks.send_reminders"].delay().get(timeout=60) == {}
    assert "Sent through RabbitMQ" in parts(smtp_server.messages[0])["text/plain"]


# ---------------------------------------------------------------- digests


@pytest.fixture
def follower(make_member, chain):
    """A viewer with an address, following Belarus–Oman in English since an hour ago."""
    viewer = make_member("Viewer", "vera")
    viewer.email = "vera@example.org"
    viewer.save()
    follow = Follow.of_subject("pair", "BY-OM")
    follow.user, follow.language, follow.created = viewer, "en", timezone.now() - datetime.timedelta(hours=1)
    follow.save()
    return follow


def add_memorandum(title: str, **fields) -> Memorandum:
    with reversion.create_revision():
        return factories.MemorandumFactory(title=title, **fields)


def test_nothing_is_sent_when_nothing_changed(smtp_server, follower):
    assert alerts.send_digests("daily") == {"nothing new": 1}
    assert smtp_server.messages == []
    assert not DigestSent.objects.exists()


def test_the_next_digest_starts_where_the_last_ended(smtp_server, follower):
    add_memorandum("First memorandum")
    first_run = timezone.now()
    assert alerts.send_digests("daily", now=first_run) == {"sent": 1}
    add_memorandum("Second memorandum")
    assert alerts.send_digests("daily", now=first_run + datetime.timedelta(days=1)) == {"sent": 1}
    second = parts(smtp_server.messages[1])["text/plain"]
    assert "Second memorandum" in second and "First memorandum" not in second
    first, later = DigestSent.objects.order_by("sent_at")
    assert later.covered_from == first.covered_until


def test_a_weekly_digest_is_sent_once_a_week(smtp_server, follower):
    follower.frequency = Frequency.WEEKLY
    follower.save()
    add_memorandum("Weekly news")
    monday = timezone.make_aware(datetime.datetime(2030, 1, 7, 6, 15))
    assert alerts.digest_period("weekly", monday) == "2030-W02"
    assert alerts.send_digests("weekly", now=monday) == {"sent": 1}
    add_memorandum("Later the same week")
    assert alerts.send_digests("weekly", now=monday + datetime.timedelta(days=3)) == {"already sent": 1}
    assert alerts.send_digests("daily", now=monday) == {}
    assert len(smtp_server.messages) == 1


def test_a_digest_lists_what_was_kept_and_what_fell_due(smtp_server, follower, chain):
    commitment = Commitment.objects.get(slug="oncology-training")
    with reversion.create_revision():
        commitment.save()  # in the history before the follow
    Follow.objects.filter(pk=follower.pk).update(created=timezone.now())
    with reversion.create_revision():
        commitment.mark_fulfilled(by=chain["centres_mou"])
    falling = factories.CommitmentFactory(
        title="Open the joint laboratory", origin_visit=chain["forum"], due=str(timezone.localdate())
    )
    assert alerts.send_digests("daily", now=timezone.now() + datetime.timedelta(days=1)) == {"sent": 1}
    text = parts(smtp_server.messages[0])["text/plain"]
    assert f"[kept] {commitment.title}" in text
    assert "FELL DUE" in text and falling.title in text


def test_a_digest_the_mail_server_did_not_take_is_sent_by_the_retry(smtp_server, follower, settings):
    add_memorandum("Waiting for the mail server")
    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()  # nothing listens there
    with pytest.raises(ConnectionRefusedError):
        alerts.send_digests("daily")
    assert not DigestSent.objects.exists()
    settings.EMAIL_PORT = working_port
    assert alerts.send_digests("daily") == {"sent": 1}
    assert len(smtp_server.messages) == 1


def test_a_user_who_may_no_longer_browse_gets_no_digest(smtp_server, follower):
    follower.user.groups.clear()
    add_memorandum("Unseen")
    assert alerts.send_digests("daily") == {"not allowed": 1}
    assert smtp_server.messages == []


def test_a_follow_without_e_mail_or_an_address_sends_nothing(smtp_server, follower):
    add_memorandum("Quiet")
    Follow.objects.filter(pk=follower.pk).update(frequency=Frequency.NEVER)
    assert alerts.send_digests("daily") == {}
    Follow.objects.filter(pk=follower.pk).update(frequency=Frequency.DAILY)
    type(follower.user).objects.filter(pk=follower.user_id).update(email="")
    assert alerts.send_digests("daily") == {}
    assert smtp_server.messages == []


def test_a_digest_is_in_the_language_of_the_follow(smtp_server, follower):
    Follow.objects.filter(pk=follower.pk).update(language="ar")
    add_memorandum("مذكرة تفاهم")
    alerts.send_digests("daily")
    message = smtp_server.messages[0]
    assert message["Content-Language"] == "ar"
    assert 'dir="rtl"' in parts(message)["text/html"] and "عُمان" in message["Subject"]


# ---------------------------------------------------------------- unsubscribing


def test_the_unsubscribe_link_asks_once_then_stops_the_e_mail_without_signing_in(smtp_server, follower):
    add_memorandum("Something new")
    alerts.send_digests("daily")
    address = smtp_server.messages[0]["List-Unsubscribe"].strip().strip("<>").removeprefix(django_settings.SITE_URL)
    anonymous = Client()
    page = anonymous.get(address)
    assert page.status_code == 200 and "Stop the e-mail about" in page.content.decode()
    follower.refresh_from_db()
    assert follower.frequency == Frequency.DAILY  # opening the link (a link checker) changes nothing
    done = anonymous.post(address)
    assert done.status_code == 200 and "You will get no more e-mail" in done.content.decode()
    follower.refresh_from_db()
    assert follower.frequency == Frequency.NEVER


def test_a_mail_program_unsubscribes_in_one_post(follower):
    address = alerts.unsubscribe_url(follower).removeprefix(django_settings.SITE_URL)
    response = Client(enforce_csrf_checks=True).post(address, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    follower.refresh_from_db()
    assert follower.frequency == Frequency.NEVER


@pytest.mark.parametrize("token", ["not-a-token", "eyJmb2xsb3ciOjF9:forged:signature"])
def test_a_forged_unsubscribe_link_is_refused(db, token):
    response = Client().post(reverse("agreements:unsubscribe", args=[token]))
    assert response.status_code == 404 and "This link does not work" in response.content.decode()


# ---------------------------------------------------------------- reminders


@pytest.fixture
def commitment_follower(make_member, chain):
    viewer = make_member("Viewer", "rita")
    viewer.email = "rita@example.org"
    viewer.save()
    institution = factories.InstitutionFactory(
        name="Joint laboratory", slug="joint-lab", country=chain["forum"].host_country
    )
    due = factories.CommitmentFactory(title="Equip the laboratory", origin_visit=chain["forum"], due="2030-03-31")
    due.responsible_institutions.add(institution)
    follow = Follow.of_subject("institution", "joint-lab")
    follow.user, follow.language = viewer, "en"
    follow.save()
    return follow, due


def test_a_commitment_is_reminded_once_at_each_stage(smtp_server, commitment_follower):
    follow, due = commitment_follower
    day = datetime.date(2030, 3, 31)
    assert alerts.send_reminders(day - datetime.timedelta(days=45)) == {}
    assert alerts.send_reminders(day - datetime.timedelta(days=30)) == {"sent": 1}
    assert alerts.send_reminders(day - datetime.timedelta(days=20)) == {"nothing new": 1}
    assert alerts.send_reminders(day - datetime.timedelta(days=7)) == {"sent": 1}
    assert alerts.send_reminders(day) == {"nothing new": 1}
    assert alerts.send_reminders(day + datetime.timedelta(days=1)) == {"sent": 1}
    assert alerts.send_reminders(day + datetime.timedelta(days=2)) == {"nothing new": 1}
    subjects = [message["Subject"] for message in smtp_server.messages]
    assert subjects == ["Joint laboratory: 1 commitment falls due"] * 3
    stages = [parts(message)["text/plain"].splitlines()[2] for message in smtp_server.messages]
    assert stages == ["DUE WITHIN 30 DAYS", "DUE WITHIN 7 DAYS", "OVERDUE"]
    assert list(ReminderSent.objects.values_list("stage", flat=True).order_by("sent_at", "pk")) == [
        "30-days",
        "7-days",
        "overdue",
    ]


def test_a_moved_deadline_starts_its_reminders_again_and_a_kept_one_stops_them(smtp_server, commitment_follower):
    follow, due = commitment_follower
    alerts.send_reminders(datetime.date(2030, 3, 25))
    Commitment.objects.filter(pk=due.pk).update(due="2030-04-30", due_latest=datetime.date(2030, 4, 30))
    assert alerts.send_reminders(datetime.date(2030, 4, 25)) == {"sent": 1}
    Commitment.objects.filter(pk=due.pk).update(status="lapsed")
    assert alerts.send_reminders(datetime.date(2030, 5, 2)) == {}
    assert len(smtp_server.messages) == 2


def test_a_commitment_followed_twice_is_reminded_once(smtp_server, commitment_follower):
    follow, due = commitment_follower
    direct = Follow.of_subject("commitment", due.slug)
    direct.user, direct.language = follow.user, "en"
    direct.save()
    assert alerts.send_reminders(datetime.date(2030, 3, 30)) == {"sent": 1, "nothing new": 1}
    assert smtp_server.messages[0]["Subject"] == "Equip the laboratory: 1 commitment falls due"
