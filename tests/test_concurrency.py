"""Two editors on one record: the later save is refused, with both values shown, never silently
overwriting the earlier one."""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse

from agreements.admin import EditConflictForm
from agreements.models import Commitment, Memorandum, Signatory
from tests import factories
from tests.test_history import change_url, form_data
from tests.test_import import MEMORANDUM_HEADER, confirm, preview, write_csv


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_superuser("alice", "alice@example.org", "unused")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_superuser("bob", "bob@example.org", "unused")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_form(client, obj) -> dict:
    response = client.get(change_url(obj))
    assert response.status_code == 200
    return form_data(response)


def errors_on_page(response) -> list[str]:
    form = response.context["adminform"].form
    return [str(error) for error in form.non_field_errors()]


def test_the_second_save_is_refused_and_shows_theirs_and_yours(alice, bob, memorandum):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, memorandum), open_form(as_bob, memorandum)

    bobs_form["title"] = "Cancer centres MoU (Bob's wording)"
    assert as_bob.post(change_url(memorandum), bobs_form).status_code == 302

    alices_form["summary"] = "Alice adds a summary."
    response = as_alice.post(change_url(memorandum), alices_form)

    assert response.status_code == 200
    errors = errors_on_page(response)
    assert errors[0].startswith("bob changed this record at ")
    assert errors[1:] == ["Title — theirs: “Cancer centres MoU (Bob's wording)”; yours: “Cancer centres MoU”"]
    assert response.context["adminform"].form.errors["title"] == [
        "Changed by someone else to “Cancer centres MoU (Bob's wording)”."
    ]
    memorandum.refresh_from_db()
    assert memorandum.title == "Cancer centres MoU (Bob's wording)"
    assert memorandum.summary == ""

    # Having seen the difference, Alice takes Bob's title and saves again.
    again = form_data(response)
    again["title"] = "Cancer centres MoU (Bob's wording)"
    assert as_alice.post(change_url(memorandum), again).status_code == 302
    memorandum.refresh_from_db()
    assert (memorandum.title, memorandum.summary) == ("Cancer centres MoU (Bob's wording)", "Alice adds a summary.")


def test_saving_the_refused_form_again_keeps_the_second_editors_values(alice, bob, memorandum):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, memorandum), open_form(as_bob, memorandum)
    bobs_form["signed_at"] = "Muscat"
    as_bob.post(change_url(memorandum), bobs_form)

    alices_form["signed_at"] = "Minsk"
    refused = as_alice.post(change_url(memorandum), alices_form)
    assert "Signed at (city) — theirs: “Muscat”; yours: “Minsk”" in errors_on_page(refused)

    assert as_alice.post(change_url(memorandum), form_data(refused)).status_code == 302
    memorandum.refresh_from_db()
    assert memorandum.signed_at == "Minsk"


def test_a_change_to_a_list_of_related_records_is_noticed(alice, bob, memorandum, oncology):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, memorandum), open_form(as_bob, memorandum)
    bobs_form["sectors"] = [str(oncology.pk)]
    assert as_bob.post(change_url(memorandum), bobs_form).status_code == 302

    response = as_alice.post(change_url(memorandum), alices_form)
    assert "Sectors — theirs: “Oncology”; yours: “—”" in errors_on_page(response)
    assert list(memorandum.sectors.all()) == [oncology]


def test_a_change_made_outside_the_admin_is_noticed_too(alice, memorandum):
    as_alice = client_for(alice)
    alices_form = open_form(as_alice, memorandum)
    Memorandum.objects.filter(pk=memorandum.pk).update(title="Renamed by a script")

    response = as_alice.post(change_url(memorandum), alices_form)
    errors = errors_on_page(response)
    assert errors[0].startswith("Someone changed this record after you opened it.")
    assert "Title — theirs: “Renamed by a script”; yours: “Cancer centres MoU”" in errors


def test_both_editors_making_the_same_change_is_no_conflict(alice, bob, memorandum):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, memorandum), open_form(as_bob, memorandum)
    bobs_form["signed_at"] = alices_form["signed_at"] = "Muscat"
    assert as_bob.post(change_url(memorandum), bobs_form).status_code == 302
    assert as_alice.post(change_url(memorandum), alices_form).status_code == 302


def test_an_uncontested_save_goes_through(alice, memorandum):
    as_alice = client_for(alice)
    form = open_form(as_alice, memorandum)
    form["title"] = "Retitled"
    assert as_alice.post(change_url(memorandum), form).status_code == 302
    memorandum.refresh_from_db()
    assert memorandum.title == "Retitled"


def test_a_forged_version_is_refused(alice, memorandum):
    as_alice = client_for(alice)
    form = open_form(as_alice, memorandum)
    form["loaded_state"] = "eyJwayI6MX0:forged:signature"
    form["title"] = "Sneaky"
    response = as_alice.post(change_url(memorandum), form)
    assert response.status_code == 200
    assert "damaged" in errors_on_page(response)[0]
    memorandum.refresh_from_db()
    assert memorandum.title == "Cancer centres MoU"


def test_other_record_types_are_protected_too(alice, bob, ministry_by):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, bobs_form = open_form(as_alice, ministry_by), open_form(as_bob, ministry_by)
    bobs_form["website"] = "https://minzdrav.gov.by"
    assert as_bob.post(change_url(ministry_by), bobs_form).status_code == 302
    response = as_alice.post(change_url(ministry_by), alices_form)
    assert response.status_code == 200
    assert any(error.startswith("Website — theirs: “https://minzdrav.gov.by”") for error in errors_on_page(response))


# ---------------------------------------------------------------- inline rows


def inline_errors(response) -> list[str]:
    """Every error the inlines show: each row's own, and each inline's as a whole."""
    errors = []
    for inline in response.context["inline_admin_formsets"]:
        errors += [str(error) for error in inline.formset.non_form_errors()]
        for form in inline.formset.forms:
            errors += [str(error) for error in form.non_field_errors()]
    return errors


def row_prefix(response, model_name: str, obj) -> str:
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            if form.instance.pk == obj.pk and form.instance._meta.model_name == model_name:
                return form.prefix
    raise AssertionError(f"no inline row for {obj!r}")


def open_form_with_prefixes(client, obj):
    response = client.get(change_url(obj))
    assert response.status_code == 200
    return form_data(response), response


@pytest.fixture
def promised(memorandum):
    return factories.CommitmentFactory(
        title="Exchange oncologists", slug="exchange-oncologists", origin_visit=None, origin_memorandum=memorandum
    )


def test_a_stale_save_of_the_record_does_not_undo_a_change_to_an_inline_row(alice, bob, memorandum, promised):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, page = open_form_with_prefixes(as_alice, memorandum)
    prefix = row_prefix(page, "commitment", promised)

    # Bob changes the commitment on its own page; Alice, who still shows the old title, edits the summary.
    bobs_form = open_form(as_bob, promised)
    bobs_form["title"] = "Exchange oncologists and nurses"
    assert as_bob.post(change_url(promised), bobs_form).status_code == 302

    alices_form["summary"] = "Alice adds a summary."
    response = as_alice.post(change_url(memorandum), alices_form)

    assert response.status_code == 200
    errors = inline_errors(response)
    assert errors[0].startswith("bob changed this record at ")
    assert "What was promised — theirs: “Exchange oncologists and nurses”; yours: “Exchange oncologists”" in errors
    promised.refresh_from_db()
    memorandum.refresh_from_db()
    assert (promised.title, memorandum.summary) == ("Exchange oncologists and nurses", "")

    # Seeing it, Alice keeps Bob's title and saves: her summary goes through.
    again = form_data(response)
    again[f"{prefix}-title"] = "Exchange oncologists and nurses"
    assert as_alice.post(change_url(memorandum), again).status_code == 302
    memorandum.refresh_from_db()
    assert memorandum.summary == "Alice adds a summary."


class SignedAMinuteAgo(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 60)


def test_an_inline_row_left_as_it_was_is_not_saved_again(alice, memorandum, ministry_by):
    signatory = factories.SignatoryFactory(memorandum=memorandum, institution=ministry_by)
    as_alice = client_for(alice)
    form, page = open_form_with_prefixes(as_alice, memorandum)
    # The page was opened a minute before it is saved: the signed state differs only in its time.
    key = f"{row_prefix(page, 'signatory', signatory)}-loaded_state"
    shown = signing.loads(form[key], salt=EditConflictForm.SALT)
    form[key] = SignedAMinuteAgo(salt=EditConflictForm.SALT).sign_object(shown, compress=True)
    form["signed_at"] = "Minsk"

    assert as_alice.post(change_url(memorandum), form).status_code == 302
    change = LogEntry.objects.get(object_id=str(memorandum.pk), action_flag=CHANGE)
    assert json.loads(change.change_message) == [{"changed": {"fields": ["Signed at (city)"]}}]


def test_a_signatory_changed_by_another_editor_is_noticed(alice, bob, memorandum, ministry_by, belarus):
    signatory = factories.SignatoryFactory(memorandum=memorandum, institution=ministry_by)
    minister = factories.PersonFactory(name="Aleksandr Khodjaev", country=belarus)
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, page = open_form_with_prefixes(as_alice, memorandum)
    bobs_form, bobs_page = open_form_with_prefixes(as_bob, memorandum)
    bobs_form[f"{row_prefix(bobs_page, 'signatory', signatory)}-person"] = str(minister.pk)
    assert as_bob.post(change_url(memorandum), bobs_form).status_code == 302

    alices_form["signed_at"] = "Minsk"
    response = as_alice.post(change_url(memorandum), alices_form)
    assert response.status_code == 200
    # Alice's form would set the signer back to none: the record's own values count too.
    assert "Signed by — theirs: “Aleksandr Khodjaev”; yours: “—”" in inline_errors(response)
    signatory.refresh_from_db()
    assert signatory.person == minister


def test_a_relation_and_an_alternative_name_are_covered_too(alice, bob, memorandum, ministry_by, belarus, oman):
    earlier = factories.MemorandumFactory(title="Earlier MoU", country_a=belarus, country_b=oman)
    relation = factories.MemorandumRelationFactory(source=memorandum, target=earlier)
    name = factories.InstitutionNameFactory(institution=ministry_by, name="Минздрав", language="ru")
    as_alice, as_bob = client_for(alice), client_for(bob)
    for record, row, field, value, shown in [
        (memorandum, relation, "note", "Replaces it in part.", "Note"),
        (ministry_by, name, "name", "Министерство здравоохранения", "Name"),
    ]:
        alices_form, _page = open_form_with_prefixes(as_alice, record)
        bobs_form, bobs_page = open_form_with_prefixes(as_bob, record)
        bobs_form[f"{row_prefix(bobs_page, row._meta.model_name, row)}-{field}"] = value
        assert as_bob.post(change_url(record), bobs_form).status_code == 302
        response = as_alice.post(change_url(record), alices_form)
        assert response.status_code == 200
        assert any(error.startswith(f"{shown} — theirs: “{value}”") for error in inline_errors(response))
        row.refresh_from_db()
        assert getattr(row, field) == value


def test_deleting_a_row_someone_else_changed_is_refused(alice, bob, memorandum, promised):
    as_alice, as_bob = client_for(alice), client_for(bob)
    alices_form, page = open_form_with_prefixes(as_alice, memorandum)
    bobs_form = open_form(as_bob, promised)
    bobs_form["title"] = "Exchange oncologists and nurses"
    assert as_bob.post(change_url(promised), bobs_form).status_code == 302

    alices_form[f"{row_prefix(page, 'commitment', promised)}-DELETE"] = "on"
    response = as_alice.post(change_url(memorandum), alices_form)
    assert response.status_code == 200
    [error] = inline_errors(response)
    assert error.startswith("“Exchange oncologists”, which you marked for deletion, was changed by bob at ")
    assert Commitment.objects.filter(pk=promised.pk).exists()

    # Having looked, Alice deletes it all the same.
    assert as_alice.post(change_url(memorandum), form_data(response)).status_code == 302
    assert not Commitment.objects.filter(pk=promised.pk).exists()


def test_a_row_deleted_by_someone_else_is_not_brought_back(alice, bob, memorandum, ministry_by):
    signatory = factories.SignatoryFactory(memorandum=memorandum, institution=ministry_by)
    as_alice = client_for(alice)
    alices_form, _page = open_form_with_prefixes(as_alice, memorandum)
    Signatory.objects.filter(pk=signatory.pk).delete()

    alices_form["signed_at"] = "Minsk"
    response = as_alice.post(change_url(memorandum), alices_form)
    assert response.status_code == 200
    assert inline_errors(response) == [
        "Someone else deleted this signatory after you opened this page, so it is not saved again. "
        "Reload the page to see the record as it is now."
    ]
    assert not Signatory.objects.exists()


# ---------------------------------------------------------------- two saves at the same moment, in a real server

CSRF_SECRET = "concurrentsavescsrfsecret0123456"  # 32 characters, as Django's cookie holds


class Site:
    """gunicorn with three workers, serving the test database (on SQLite, a file copy of it)."""

    def __init__(self, port: int, sqlite_file: Path | None):
        self.port = port
        self.sqlite_file = sqlite_file

    def post(self, path: str, data: dict, session: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = urlencode({**data, "csrfmiddlewaretoken": CSRF_SECRET}, doseq=True)
        cookies = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies}
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        return response.status, response.read().decode()

    def title_of(self, model, pk: int) -> str:
        if self.sqlite_file is None:
            return model._default_manager.get(pk=pk).title
        with closing(sqlite3.connect(self.sqlite_file)) as database:
            [(title,)] = database.execute(f"SELECT title FROM {model._meta.db_table} WHERE id = ?", [pk])  # noqa: S608
        return title


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def concurrent_cast(transactional_db, django_user_model, belarus, oman):
    """Ten memoranda, each with a commitment made in it, and two editors."""
    cast = []
    for n in range(10):
        memorandum = factories.MemorandumFactory(title=f"MoU {n}", country_a=belarus, country_b=oman)
        commitment = factories.CommitmentFactory(title=f"Promise {n}", origin_visit=None, origin_memorandum=memorandum)
        cast.append((memorandum, commitment))
    editors = [django_user_model.objects.create_superuser(name, f"{name}@example.org", "unused") for name in "ab"]
    return cast, [client_for(editor) for editor in editors]


@pytest.fixture
def site(concurrent_cast, tmp_path):
    database = connection.settings_dict
    sqlite_file = None
    if connection.vendor == "postgresql":
        host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        url = f"postgres://{database['USER']}:{database['PASSWORD']}@{host}/{database['NAME']}"
    else:
        # The in-memory test database cannot be shared with other processes: serve a file copy.
        sqlite_file = tmp_path / "site.sqlite3"
        connection.ensure_connection()
        with closing(sqlite3.connect(sqlite_file)) as copy:
            connection.connection.backup(copy)
        url = f"sqlite:///{sqlite_file}"
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": url, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "cooperation.settings"}
    environment.pop("CACHE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cooperation.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _attempt in range(100):
            try:
                with urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(server.stderr.read1().decode())
        yield Site(port, sqlite_file)
    finally:
        server.terminate()
        server.wait(timeout=30)


def save_at_once(site: Site, forms: list[tuple[str, dict]], sessions: list[str]) -> list[tuple[int, str]]:
    """Post each form as its editor, both released at the same instant; the answers, in order."""
    start = threading.Barrier(len(forms))
    answers: list = [None] * len(forms)

    def save(editor: int) -> None:
        start.wait()
        answers[editor] = site.post(*forms[editor], sessions[editor])

    threads = [threading.Thread(target=save, args=[editor]) for editor in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_of_two_saves_at_the_same_moment_exactly_one_is_accepted(site, concurrent_cast):
    """Ten trials of two editors saving the same thing at once through three gunicorn workers:
    the same field of a memorandum, the same inline commitment, or that commitment from the
    memorandum's page and from its own. One save is accepted, the other is shown what changed."""
    cast, (as_a, as_b) = concurrent_cast
    sessions = [client.cookies[settings.SESSION_COOKIE_NAME].value for client in (as_a, as_b)]
    for trial, (memorandum, commitment) in enumerate(cast):
        kind = ("record", "inline", "inline and its own page")[trial % 3]
        forms, titles, checked = [], [], memorandum if kind == "record" else commitment
        for editor, client in enumerate((as_a, as_b)):
            page = client.get(change_url(memorandum))
            data, title = form_data(page), f"Title {trial} by editor {editor}"
            if kind == "record":
                data["title"] = title
                target = memorandum
            elif kind == "inline" or editor == 0:
                data[f"{row_prefix(page, 'commitment', commitment)}-title"] = title
                target = memorandum
            else:
                data = open_form(client, commitment)
                data["title"] = title
                target = commitment
            forms.append((change_url(target), data))
            titles.append(title)

        answers = save_at_once(site, forms, sessions)
        statuses = sorted(status for status, _page in answers)
        assert statuses == [200, 302], (trial, kind, statuses)
        accepted = next(editor for editor in (0, 1) if answers[editor][0] == 302)
        refused_page = answers[1 - accepted][1]
        assert "changed this record at" in refused_page, (trial, kind)
        assert titles[accepted] in refused_page  # theirs, shown to the editor whose save was refused
        assert site.title_of(type(checked), checked.pk) == titles[accepted]


# ---------------------------------------------------------------- imports: confirmed as previewed, or not at all


def import_page_messages(client, response) -> list[str]:
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:agreements_memorandum_import")
    return [str(message) for message in get_messages(client.get(response["Location"]).wsgi_request)]


@pytest.fixture
def previewed(admin_client, tmp_path, memorandum, oncology):
    """A file that adds one memorandum and updates the cast's, previewed but not yet confirmed."""
    rows = [
        ["mou-new", "A new MoU", "mou", "signed", "BY", "OM", "2025", "Minsk", "oncology"],
        ["cancer-mou", "Cancer centres MoU (from the file)", "mou", "signed", "BY", "OM", "2025-10-06", "", ""],
    ]
    path = write_csv(tmp_path / "memoranda.csv", MEMORANDUM_HEADER, rows)
    response = preview(admin_client, "memorandum", path, "csv")
    assert response.context["confirm_form"] is not None
    return response


def test_an_import_row_whose_record_changed_after_the_preview_is_refused_at_confirm(
    admin_client, previewed, memorandum, bob
):
    as_bob = client_for(bob)
    bobs_form = open_form(as_bob, memorandum)
    bobs_form["summary"] = "Bob's summary, written while the file waited."
    assert as_bob.post(change_url(memorandum), bobs_form).status_code == 302

    [message] = import_page_messages(admin_client, confirm(admin_client, "memorandum", previewed))
    assert message.startswith("Nothing was imported: the file would overwrite records that changed after its preview")
    assert "row 2 (“cancer-mou”): changed by bob at " in message
    memorandum.refresh_from_db()
    assert (memorandum.title, memorandum.summary) == (
        "Cancer centres MoU",
        "Bob's summary, written while the file waited.",
    )
    assert not Memorandum.objects.filter(slug="mou-new").exists()


def test_a_record_added_or_deleted_after_the_preview_stops_the_import_too(admin_client, previewed, belarus, oman):
    factories.MemorandumFactory(title="Someone else's new MoU", slug="mou-new", country_a=belarus, country_b=oman)
    [message] = import_page_messages(admin_client, confirm(admin_client, "memorandum", previewed))
    assert "row 1 (“mou-new”): a record with this slug was added after the preview" in message
    assert Memorandum.objects.get(slug="mou-new").title == "Someone else's new MoU"


def test_a_change_made_outside_the_admin_after_the_preview_is_noticed(admin_client, previewed, memorandum):
    Memorandum.objects.filter(pk=memorandum.pk).update(signed_at="Muscat")
    [message] = import_page_messages(admin_client, confirm(admin_client, "memorandum", previewed))
    assert "row 2 (“cancer-mou”): changed by someone, outside the administration, after the preview" in message


def test_a_change_to_a_record_s_own_parts_after_the_preview_is_noticed(
    admin_client, previewed, memorandum, ministry_by
):
    factories.SignatoryFactory(memorandum=memorandum, institution=ministry_by)
    [message] = import_page_messages(admin_client, confirm(admin_client, "memorandum", previewed))
    assert "row 2 (“cancer-mou”)" in message


def test_an_import_nobody_overtook_is_confirmed(admin_client, previewed, memorandum):
    assert confirm(admin_client, "memorandum", previewed).status_code == 302
    memorandum.refresh_from_db()
    assert memorandum.title == "Cancer centres MoU (from the file)"
    assert Memorandum.objects.filter(slug="mou-new").exists()
