"""The tracker's icon: an SVG with PNG and ICO fallbacks, named by every page and the admin."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

ICONS = [static("favicon.svg"), static("favicon-32.png"), static("apple-touch-icon.png")]


def test_site_pages_sign_in_and_admin_name_the_icon(client, admin_client, anonymous_client, db):
    for page in (
        client.get(reverse("agreements:overview")),
        anonymous_client.get(reverse("login")),
        admin_client.get(reverse("admin:index")),
        admin_client.get(reverse("admin:agreements_memorandum_changelist")),
    ):
        html = page.content.decode()
        assert all(f'href="{icon}"' in html for icon in ICONS), page.request["PATH_INFO"]


def test_the_icon_files_exist_and_favicon_ico_leads_to_one(anonymous_client):
    for name in ("favicon.svg", "favicon-32.png", "apple-touch-icon.png", "favicon.ico"):
        assert finders.find(name), name
    with open(finders.find("favicon.ico"), "rb") as ico:
        assert ico.read(4) == b"\0\0\1\0"  # an icon file (its one image is a PNG)
    response = anonymous_client.get("/favicon.ico")
    assert response.status_code == 302 and response.url == static("favicon.ico")
