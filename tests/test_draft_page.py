"""The admin page "Draft from an article": who may use it, bad input, and what confirming writes."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Revision, Version

from agreements.models import Commitment, Memorandum, Person, Source, Visit
from tests.drafting_gold import ARTICLES
from tests.test_drafting import ARTICLES_DIR, database_before, make_pdf_without_text

URL = "/admin/agreements/source/draft/"


@pytest.fixture
def before_the_arabic_article(db, tmp_path):
    """The seed records as they were before the Arabic report of the state visit."""
    from django.core.management import call_command

    path = tmp_path / "before.json"
    database_before(ARTICLES["002"], path)
    call_command("loaddata", str(path), verbosity=0)


def arabic_article() -> str:
    return (ARTICLES_DIR / ARTICLES["002"]["file"]).read_text("utf-8")


def review_form_data(html: str) -> dict:
    """What the browser would post from the review page, as it stands."""
    data: dict = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data.setdefault(name.group(1), []).append(value.group(1) if value else "on")
            continue
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body).lstrip("\n")
    for attributes, body in re.findall(r"<select([^>]*)>(.*?)</select>", html, re.S):
        name = re.search(r'name="([^"]+)"', attributes).group(1)
        selected = re.findall(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = selected if "multiple" in attributes else (selected[0] if selected else "")
    return data


def test_editors_find_the_page_on_the_admin_index_and_viewers_do_not_get_it(
    editor_client, viewer_client, analyst_client
):
    assert reverse("admin:agreements_source_draft") == URL
    assert f'href="{URL}"' in editor_client.get("/admin/").content.decode()
    assert editor_client.get(URL).status_code == 200
    assert viewer_client.get(URL).status_code == 403
    assert analyst_client.get(URL).status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   "}, "The article is empty"),
        ({"text": "The weather was fine and the harvest was good, the farmers said on Tuesday."}, "names no country"),
    ],
)
def test_bad_text_is_refused_with_a_message_and_nothing_is_written(editor_client, data, message):
    response = editor_client.post(URL, {"action": "read", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Source.objects.exists()


def test_a_ten_megabyte_file_is_refused_before_it_is_read(editor_client):
    upload = SimpleUploadedFile("huge.txt", b"Belarus and Oman. " * (10 * 1024 * 1024 // 18), "text/plain")
    response = editor_client.post(URL, {"action": "read", "upload": upload})
    assert response.status_code == 400
    assert "articles of at most 5.0\xa0MB can be read" in unescape(response.content.decode())
    assert not Source.objects.exists()


def test_a_pdf_with_no_text_is_refused(editor_client, tmp_path):
    path = make_pdf_without_text(tmp_path / "scan.pdf")
    upload = SimpleUploadedFile("scan.pdf", path.read_bytes(), "application/pdf")
    response = editor_client.post(URL, {"action": "read", "upload": upload})
    assert response.status_code == 400
    assert "has no text to read" in unescape(response.content.decode())


def test_the_review_shows_each_proposal_with_its_sentence_marked(editor_client, before_the_arabic_article):
    response = editor_client.post(URL, {"action": "read", "text": arabic_article()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>ألكسندر لوكاشينكو</mark>" in html
    assert "matches: Aleksandr Lukashenko (100%)" in html
    assert 'lang="ar" dir="auto"' in html
    assert not Visit.objects.filter(date="2025-10-06/2025-10-07").exists()  # nothing written yet


def test_confirming_writes_every_record_in_one_revision_citing_the_new_source(
    editor_client, editor_user, before_the_arabic_article
):
    html = editor_client.post(URL, {"action": "read", "text": arabic_article()}).content.decode()
    data = review_form_data(html)
    data["visits-0-title"] = "State visit of Sultan Haitham bin Tarik to Belarus"
    revisions = Revision.objects.count()
    response = editor_client.post(URL, data)
    assert response.status_code == 302, re.findall(
        r'class="errorlist.*?</ul>|class="errornote.*?</p>', response.content.decode()
    )
    source = Source.objects.get(language="ar", reference="")
    visit = Visit.objects.get(title="State visit of Sultan Haitham bin Tarik to Belarus")
    assert (visit.date, visit.host_country.code, visit.guest_country.code, visit.city) == (
        "2025-10-06/2025-10-07",
        "BY",
        "OM",
        "Minsk",
    )
    assert list(visit.sources.all()) == [source]
    statement = Memorandum.objects.get(kind="joint-statement", visit=visit)
    assert statement.signed == visit.date
    commitments = Commitment.objects.filter(sources=source)
    assert commitments.count() >= 8
    assert all(c.origin_memorandum == statement or c.origin_visit_id for c in commitments)
    assert set(Person.objects.filter(sources=source).values_list("slug", flat=True)) == {
        "haitham-bin-tarik",
        "lukashenko",
    }
    assert all(record.summary == "" for record in [visit, statement])
    assert Revision.objects.count() == revisions + 1
    revision = Revision.objects.latest("date_created")
    assert revision.user == editor_user
    assert Version.objects.get_for_object(visit).get().revision == revision
    assert Version.objects.get_for_object(statement).get().revision == revision


def test_a_broken_rule_writes_nothing_and_names_the_field(editor_client, before_the_arabic_article):
    html = editor_client.post(URL, {"action": "read", "text": arabic_article()}).content.decode()
    data = review_form_data(html)
    data["visits-0-guest"] = data["visits-0-host"]
    data["memoranda-0-signed"] = "6 October"
    sources = Source.objects.count()
    response = editor_client.post(URL, data)
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert "The guest country must differ from the host country." in page
    assert "“6 October” gives no year" in page
    assert Source.objects.count() == sources


def test_a_forged_proposal_is_refused(editor_client, db):
    response = editor_client.post(URL, {"action": "confirm", "proposal": "forged"})
    assert response.status_code == 400
    assert not Source.objects.exists()


@pytest.mark.parametrize("language", ["ru", "ar"])
def test_the_page_and_the_review_speak_the_readers_language(editor_client, before_the_arabic_article, language):
    from django.conf import settings

    from tests.test_i18n import untranslated_interface_text

    editor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = editor_client.get(URL).content.decode()
    review = editor_client.post(URL, {"action": "read", "text": arabic_article()}).content.decode()
    for html in (page, review):
        assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in html
        assert untranslated_interface_text(html, language) == []
