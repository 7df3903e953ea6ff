"""Password reset by e-mail, through a real SMTP server that the test runs (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.urls import reverse

from tests.conftest import PASSWORD

NEW_PASSWORD = "a fresh and long passphrase"


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    yield mailbox
    controller.stop()


@pytest.fixture
def mail_to(settings, smtp_server):
    """The site sends its mail to the test's SMTP server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


@pytest.fixture
def erik(make_member):
    user = make_member("Viewer", "erik", PASSWORD)
    user.email = "erik@example.org"
    user.save()
    return user


SUBJECTS = {
    "en": "Choose a new password for the Cooperation tracker",
    "ru": "Выберите новый пароль для трекера сотрудничества",
    "ar": "اختر كلمة مرور جديدة لمتتبع التعاون",
}


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
def test_a_user_resets_the_password_from_the_link_in_the_message(anonymous_client, mail_to, erik, language):
    client = anonymous_client
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    sign_in = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in sign_in

    response = client.post(reverse("password_reset"), {"email": "erik@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")

    [message] = mail_to.messages
    assert message["To"] == "erik@example.org"
    # Python folds a long non-ASCII subject onto a line of its own, which unfolding leaves a space before.
    assert message["Subject"].strip() == SUBJECTS[language]
    body = message.get_body().get_content()
    assert "erik" in body
    [link] = re.findall(r"http://testserver(/accounts/reset/\S+/)", body)

    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("password_reset_complete")

    assert authenticate(HttpRequest(), username="erik", password=NEW_PASSWORD) == erik
    assert authenticate(HttpRequest(), username="erik", password=PASSWORD) is None
    # The link works once.
    assert client.get(link, follow=True).context["validlink"] is False


def test_an_unknown_address_gets_the_same_answer_and_no_message(anonymous_client, mail_to, erik):
    response = anonymous_client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail_to.messages == []


def test_every_reset_page_opens_without_signing_in(anonymous_client, db):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert anonymous_client.get(reverse(name)).status_code == 200, name
    invalid = anonymous_client.get(reverse("password_reset_confirm", args=["MQ", "bad-token"]))
    assert invalid.status_code == 200 and "This link no longer works" in invalid.content.decode()
    assert anonymous_client.get(reverse("admin_password_reset")).url == reverse("password_reset")


def test_email_url_in_the_environment_names_the_smtp_server(smtp_server):
    """manage.py sendtestemail, in a process of its own that reads EMAIL_URL like a deployment."""
    environment = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}", "DEBUG": "true"}
    environment.pop("EMAIL_HOST", None)
    subprocess.run(  # nosec B603 # our own manage.py
        [sys.executable, "manage.py", "sendtestemail", "ops@example.org"],
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
        capture_output=True,
        timeout=60,
    )
    [message] = smtp_server.messages
    assert message["To"] == "ops@example.org"
