"""Atom feeds of everything that can be followed, read by feedparser, and the key in their address."""

from __future__ import annotations

import feedparser
import pytest
import reversion
from django.test import Client

from agreements.models import Commitment, FeedToken, Memorandum, Visit
from tests import factories

FEEDS = [
    "/feed/",
    "/feeds/country/OM/",
    "/feeds/pair/BY/OM/",
    "/feeds/pair/om/by/",
    "/feeds/sector/oncology/",
    "/feeds/institution/sqccrc/",
    "/feeds/commitment/oncology-training/",
    "/memoranda/feed/?sector=oncology&country=OM",
    "/visits/feed/?pair=BY-OM&kind=state",
    "/commitments/feed/?institution=sqccrc",
]


@pytest.fixture
def key(viewer_user) -> str:
    return FeedToken.objects.for_user(viewer_user).key


def read(address: str, **params):
    response = Client().get(address, params)
    return response, feedparser.parse(response.content)


@pytest.mark.parametrize("address", FEEDS)
def test_every_feed_is_valid_atom_for_a_reader_with_the_key(chain, key, address):
    response, feed = read(address, token=key)
    assert response.status_code == 200 and response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.entries
    assert all(entry.link.startswith("http://testserver/") and entry.updated for entry in feed.entries)
    assert response["Cache-Control"] == "private, no-store" and response["Referrer-Policy"] == "no-referrer"
    assert key not in response.content.decode()


def test_a_pair_feed_shows_the_pairs_records_last_changed_first(chain, key):
    with reversion.create_revision():
        factories.MemorandumFactory(title="Newly entered, signed long ago", slug="old-new", signed="2001")
    factories.MemorandumFactory(title="Between others", country_a=factories.CountryFactory(code="CU"))
    _response, feed = read("/feeds/pair/BY/OM/", token=key)
    titles = [entry.title for entry in feed.entries]
    assert titles[0] == "Memorandum: Newly entered, signed long ago"
    assert "Visit: State visit of the Sultan of Oman to Belarus" in titles
    assert "Commitment: Run a joint training programme for oncologists" in titles
    assert not any("Between others" in title for title in titles)
    assert feed.entries[0].id == f"tag:127.0.0.1,2025:memorandum/{Memorandum.objects.get(slug='old-new').pk}"


def test_a_feed_is_in_the_readers_language(chain, key):
    _response, feed = read("/feeds/pair/BY/OM/", token=key, lang="ru")
    assert feed.feed.title == "Беларусь – Оман · Учёт сотрудничества"
    assert feed.feed.language == "ru"
    assert any(entry.title.startswith("Визит: ") for entry in feed.entries)


def test_a_list_feed_reports_a_bad_filter_by_its_name(chain, key):
    response = Client().get("/memoranda/feed/", {"country": "ZZ", "token": key})
    assert response.status_code == 400
    assert "country: There is no country “ZZ” in the tracker." in response.content.decode()


@pytest.mark.parametrize("address", ["/feeds/pair/BY/BY/", "/feeds/country/ZZ/", "/feeds/sector/nothing/"])
def test_a_feed_of_nothing_in_the_tracker_is_not_found(chain, key, address):
    assert Client().get(address, {"token": key}).status_code == 404


def test_a_feed_needs_a_valid_key_or_a_signed_in_reader(chain, key, viewer_client, make_member):
    assert Client().get("/feed/")["Location"] == "/accounts/login/?next=/feed/"
    assert Client().get("/feed/", {"token": "guessed"}).status_code == 403
    assert viewer_client.get("/feed/").status_code == 200
    # A key stops working when its user may no longer browse.
    nobody = make_member("Viewer", "gone")
    gone = FeedToken.objects.for_user(nobody).key
    nobody.groups.clear()
    assert Client().get("/feed/", {"token": gone}).status_code == 403


def test_a_feed_reads_a_fixed_number_of_queries(crowded, key, django_assert_num_queries):
    with reversion.create_revision():  # each kind of record has changes in the history
        for model in (Memorandum, Visit, Commitment):
            model.objects.first().save()
    read("/feeds/pair/BY/OM/", token=key)  # the filters' options are then cached until the records change
    # 1 the key with its user, 2 their permissions; 1 the pair's countries; for the memoranda, the
    # visits and the commitments, 1 the latest versions of their kind, 1 which of those the pair's,
    # 1 the pair's newest, 1 those last changed or newest, with what their titles and descriptions
    # name joined.
    with django_assert_num_queries(16):
        response, feed = read("/feeds/pair/BY/OM/", token=key)
    assert len(feed.entries) == 50
