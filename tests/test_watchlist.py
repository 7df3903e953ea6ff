"""Following: the Follow buttons, the watchlist with what is new since the last visit, unfollowing
in one click, the e-mail settings, and nobody seeing another user's follows."""

from __future__ import annotations

import datetime

import pytest
import reversion
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agreements.models import FeedToken, Follow, Frequency, Memorandum, Visit
from tests import factories
from tests.conftest import client_for

FOLLOW = reverse("agreements:follow")
WATCHLIST = reverse("agreements:watchlist")


def follow_of(user, kind: str, target: str = "", **extra) -> Follow:
    follow = Follow.of_subject(kind, target, **extra)
    follow.user = user
    follow.save()
    return follow


@pytest.mark.parametrize(
    "page, kind, target",
    [
        ("/countries/OM/", "country", "OM"),
        ("/countries/OM/BY/", "pair", "BY-OM"),
        ("/institutions/moh-oman/", "institution", "moh-oman"),
    ],
)
def test_a_viewer_follows_a_page_and_unfollows_it_in_one_click(viewer_client, chain, page, kind, target):
    html = viewer_client.get(page).content.decode()
    assert f'<input type="hidden" name="target" value="{target}">' in html
    response = viewer_client.post(FOLLOW, {"kind": kind, "target": target, "next": page})
    assert (response.status_code, response["Location"]) == (302, page)
    follow = Follow.objects.get()
    html = viewer_client.get(page).content.decode()
    assert "You follow this" in html and f'action="/watchlist/{follow.pk}/unfollow/"' in html
    assert "You now follow" in html  # the message, on the page followed
    response = viewer_client.post(reverse("agreements:unfollow", args=[follow.pk]), {"next": page})
    assert response["Location"] == page and not Follow.objects.exists()


def test_following_twice_keeps_one_follow(viewer_client, chain):
    for _ in range(2):
        viewer_client.post(FOLLOW, {"kind": "pair", "target": "OM-BY"})
    assert Follow.objects.count() == 1
    assert "You already follow Belarus – Oman." in viewer_client.get(WATCHLIST).content.decode()


def test_a_list_is_followed_with_its_filters_as_a_saved_list(viewer_client, chain):
    page = viewer_client.get("/memoranda/", {"sector": "oncology", "country": "OM", "page": "1"}).content.decode()
    assert '<input type="hidden" name="query" value="country=OM&amp;sector=oncology">' in page
    assert "Follow the sector “Oncology”" in page
    viewer_client.post(
        FOLLOW, {"kind": "search", "list_name": "memoranda", "query": "sector=oncology&country=OM", "name": "Cancer"}
    )
    saved = Follow.objects.get()
    assert (saved.list_name, saved.query, saved.title) == ("memoranda", "country=OM&sector=oncology", "Cancer")
    assert saved.get_absolute_url() == "/memoranda/?country=OM&sector=oncology"
    assert saved.feed_path() == "/memoranda/feed/?country=OM&sector=oncology"
    assert [memo.slug for memo in saved.records(Memorandum)] == ["cancer-centres-mou-2025"]
    assert saved.records(Visit) is None  # a memorandum list covers memoranda only


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "country", "target": "ZZ"}, "There is no country “ZZ” in the tracker."),
        ({"kind": "pair", "target": "BY-BY"}, "is not a pair of two different countries"),
        ({"kind": "institution", "target": "nowhere"}, "There is no institution “nowhere” in the tracker."),
        ({"kind": "search", "list_name": "visits", "query": "country=ZZ"}, "Correct the list"),
        ({"kind": "search", "list_name": "people"}, "Only the memorandum, visit and commitment lists"),
        ({"kind": "everything"}, "Select a valid choice"),
    ],
)
def test_following_something_not_in_the_tracker_says_what_is_wrong(viewer_client, chain, data, message):
    response = viewer_client.post(FOLLOW, data, follow=True)
    assert message in response.content.decode()
    assert not Follow.objects.exists()


def test_the_watchlist_shows_what_is_new_since_the_last_visit(viewer_client, viewer_user, chain):
    follow = follow_of(viewer_user, "pair", "BY-OM")
    Follow.objects.filter(pk=follow.pk).update(last_seen=timezone.now() - datetime.timedelta(minutes=5))
    with reversion.create_revision():
        factories.MemorandumFactory(title="Tourism memorandum", slug="tourism-mou")
    html = viewer_client.get(WATCHLIST).content.decode()
    assert "1 new or changed since your last visit" in html and 'href="/memoranda/tourism-mou/"' in html
    html = viewer_client.get(WATCHLIST).content.decode()
    assert "Nothing new since your last visit." in html


def test_the_watchlist_offers_private_feed_and_calendar_addresses_and_renews_them(viewer_client, viewer_user, chain):
    follow_of(viewer_user, "sector", "oncology")
    key = FeedToken.objects.for_user(viewer_user).key
    html = viewer_client.get(WATCHLIST).content.decode()
    assert f"http://testserver/feeds/sector/oncology/?token={key}&amp;lang=en" in html
    assert f"http://testserver/calendar.ics?token={key}&amp;lang=en" in html
    response = viewer_client.post(reverse("agreements:renew-feed-key"))
    assert response["Location"] == "/watchlist/#addresses"
    assert FeedToken.objects.get(user=viewer_user).key != key
    assert client_for(viewer_user).get("/feed/", {"token": key}).status_code == 403


def test_nobody_sees_or_changes_another_users_follows(viewer_client, make_member, chain):
    other = make_member("Analyst", "otto")
    theirs = follow_of(other, "pair", "BY-OM")
    assert "Belarus – Oman" not in viewer_client.get(WATCHLIST).content.decode()
    assert "Belarus – Oman" not in viewer_client.get(reverse("agreements:alerts")).content.decode()
    assert viewer_client.post(reverse("agreements:unfollow", args=[theirs.pk])).status_code == 404
    change = reverse("agreements:change-alerts", args=[theirs.pk])
    assert viewer_client.post(change, {"frequency": "never", "language": "en"}).status_code == 404
    assert viewer_client.get(reverse("agreements:follow-calendar", args=[theirs.pk])).status_code == 404
    key = FeedToken.objects.for_user(other).key
    mine = FeedToken.objects.for_user(make_member("Viewer", "vic")).key
    calendar = reverse("agreements:follow-calendar", args=[theirs.pk])
    assert viewer_client.get(calendar, {"token": mine}).status_code == 404
    assert viewer_client.get(calendar, {"token": key}).status_code == 200  # the key is theirs
    assert Follow.objects.filter(pk=theirs.pk, frequency=Frequency.DAILY).exists()


def test_the_alerts_page_sets_each_follows_e_mail(viewer_client, viewer_user, chain):
    follow = follow_of(viewer_user, "pair", "BY-OM")
    html = viewer_client.get(reverse("agreements:alerts")).content.decode()
    assert f'id="follow-{follow.pk}-frequency"' in html
    assert "Your account has no e-mail address" in html
    response = viewer_client.post(
        reverse("agreements:change-alerts", args=[follow.pk]), {"frequency": "weekly", "language": "ru"}
    )
    assert response["Location"] == f"/alerts/#follow-{follow.pk}"
    follow.refresh_from_db()
    assert (follow.frequency, follow.language) == ("weekly", "ru")
    response = viewer_client.post(
        reverse("agreements:change-alerts", args=[follow.pk]), {"frequency": "hourly", "language": "ru"}, follow=True
    )
    assert "Select a valid choice" in response.content.decode()


def test_following_needs_an_account_even_when_browsing_is_public(anonymous_client, chain, settings):
    settings.PUBLIC_READ_ONLY = True
    assert "Follow" not in anonymous_client.get("/countries/OM/").content.decode().split("<main")[1]
    response = anonymous_client.post(FOLLOW, {"kind": "country", "target": "OM"})
    assert response["Location"] == f"/accounts/login/?next={FOLLOW}"
    assert not Follow.objects.exists()


def test_following_takes_a_post(viewer_client, chain):
    assert viewer_client.get(FOLLOW, {"kind": "country", "target": "OM"}).status_code == 405


def test_commitments_carry_a_follow_button(viewer_client, chain):
    html = viewer_client.get("/memoranda/cancer-centres-mou-2025/").content.decode()
    assert 'aria-label="Follow the commitment “Run a joint training programme for oncologists”"' in html
    viewer_client.post(FOLLOW, {"kind": "commitment", "target": "oncology-training"})
    follow = Follow.objects.get()
    assert follow.title == "Run a joint training programme for oncologists"
    assert follow.get_absolute_url() == "/commitments/oncology-training/"


def test_the_watchlist_query_count_grows_by_a_few_queries_per_follow(
    viewer_client, viewer_user, crowded, django_assert_max_num_queries
):
    for kind, target in [("pair", "BY-OM"), ("country", "OM"), ("institution", "moh-oman"), ("sector", "oncology")]:
        follow_of(viewer_user, kind, target)
    follow_of(viewer_user, "search", list_name="visits", query="country=BY")
    follow_of(viewer_user, "commitment", "oncology-training")
    # 4 for the signed-in user, then 1 follows with what they name + 1 institutions' other names,
    # 1 the feed key; per follow, 1 count of the changed records of each kind it covers (14 in all:
    # three each for the pair, the country, the institution and the sector, one each for the list
    # and the commitment; their lists only when something changed); 1 update of the last visit.
    # 22 when the last visit was the same day; from an earlier day, 2 more per follow covering
    # commitments (what fell due and what came within 30 days of falling due); and up to 6 for the
    # records the follows' filters name (the institution and sector looked up, their option lists).
    with django_assert_max_num_queries(22 + 2 * 5 + 6):
        response = viewer_client.get(WATCHLIST)
    assert response.status_code == 200


@pytest.mark.parametrize("language", ["ru", "ar"])
def test_the_following_pages_speak_the_readers_language(viewer_client, viewer_user, chain, language):
    from agreements.alerts import unsubscribe_url
    from tests.test_i18n import untranslated_interface_text

    viewer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    week_ago = timezone.now() - datetime.timedelta(days=7)
    for kind, target in [("pair", "BY-OM"), ("commitment", "oncology-training")]:
        follow = follow_of(viewer_user, kind, target)
        Follow.objects.filter(pk=follow.pk).update(last_seen=week_ago, language=language)
    with reversion.create_revision():
        factories.MemorandumFactory(title="Tourism memorandum", slug="tourism-mou")
    follow.refresh_from_db()
    unsubscribe = unsubscribe_url(follow).removeprefix(settings.SITE_URL)
    for url in [
        WATCHLIST,
        reverse("agreements:alerts"),
        "/countries/BY/OM/",
        "/memoranda/?sector=oncology",
        unsubscribe,
    ]:
        html = viewer_client.get(url).content.decode()
        assert untranslated_interface_text(html, language) == [], url
    html = viewer_client.post(unsubscribe).content.decode()
    assert untranslated_interface_text(html, language) == [], unsubscribe


def test_following_and_visiting_the_watchlist_leave_the_cached_figures_alone(viewer_client, chain):
    from agreements.caching import data_version

    before = data_version()
    viewer_client.post(FOLLOW, {"kind": "pair", "target": "BY-OM"})
    viewer_client.get(WATCHLIST)
    viewer_client.post(reverse("agreements:renew-feed-key"))
    assert data_version() == before
    factories.MemorandumFactory(title="A record does change them")
    assert data_version() > before
