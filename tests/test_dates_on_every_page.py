"""Every date the tracker accepts is shown on every page that lists or shows it, in every language.

EDTF values of levels 0–2 are generated (unspecified digits, seasons and quarters, qualifiers,
open and unknown ends, sets), stored on a visit, the memoranda, a commitment and a source of the
Belarus–Oman chain, and every list, detail, dossier, feed and admin page is read with them. A value
is either refused with a message or stored with the bounds it parses to and shown without error.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agreements.fuzzydates import FuzzyDate
from agreements.models import Commitment, Memorandum, Source, Visit
from tests.factories import belarus_oman_chain
from tests.strategies import EDTF


def pages(chain) -> list[str]:
    visit, memorandum = chain["forum"], chain["centres_mou"]
    institution = memorandum.signatories.first().institution
    lists = [
        reverse("agreements:overview"),
        reverse("agreements:memorandum-list"),
        reverse("agreements:memorandum-list") + "?sort=date",
        reverse("agreements:memorandum-list") + "?sort=-date&from=1900-01-01&to=2100-12-31",
        reverse("agreements:visit-list"),
        reverse("agreements:visit-list") + "?sort=date",
        reverse("agreements:commitment-list"),
        reverse("agreements:commitment-list") + "?sort=-date",
    ]
    details = [
        reverse("agreements:memorandum-detail", args=[memorandum.slug]),
        reverse("agreements:memorandum-detail", args=[chain["ministries_mou"].slug]),
        reverse("agreements:visit-detail", args=[visit.slug]),
        reverse("agreements:institution-detail", args=[institution.slug]),
        reverse("agreements:country-detail", args=["BY"]),
        reverse("agreements:pair-detail", args=["BY", "OM"]),
        reverse("agreements:pair-brief", args=["BY", "OM"]),
        reverse("agreements:memorandum-feed"),
        reverse("agreements:visit-feed"),
        reverse("agreements:pair-feed", args=["BY", "OM"]),
        reverse("agreements:feed"),
        reverse("agreements:calendar"),
        reverse("agreements:memorandum-export", args=["csv"]),
        reverse("agreements:visit-export", args=["xlsx"]),
    ]
    admin = []
    for model, record in [(Visit, visit), (Memorandum, memorandum), (Commitment, chain["commitment"])]:
        name = model._meta.model_name
        admin += [
            reverse(f"admin:agreements_{name}_changelist"),
            reverse(f"admin:agreements_{name}_changelist") + "?o=4",
            reverse(f"admin:agreements_{name}_change", args=[record.pk]),
        ]
    admin.append(reverse("admin:agreements_source_changelist"))
    return lists + details + admin


@pytest.fixture
def chain(db):
    belarus_oman_chain()
    return {
        "forum": Visit.objects.get(slug="forum-muscat-2024"),
        "centres_mou": Memorandum.objects.get(slug="cancer-centres-mou-2025"),
        "ministries_mou": Memorandum.objects.get(slug="health-ministries-mou-2025"),
        "commitment": Commitment.objects.get(slug="oncology-training"),
        "source": Source.objects.order_by("pk").first(),
    }


def store(chain, value: str) -> None:
    chain["forum"].date = value
    chain["centres_mou"].signed = value
    chain["ministries_mou"].valid_until = value
    chain["commitment"].due = value
    chain["source"].published = value
    for record in chain.values():
        record.save()


def test_every_accepted_date_is_stored_by_its_bounds_and_shown_on_every_page(admin_client, chain):
    urls = pages(chain)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(value=EDTF, language=st.sampled_from(["en", "ru", "ar"]))
    # The values once known to break pages, each tried every time.
    @example("XXXX-02-01", "en")
    @example("2025-XX", "ru")
    @example("[2009,2010]", "ar")
    @example("{2009,2010}", "en")
    @example("2025-33", "ru")
    @example("2020/", "ar")
    def shown_everywhere(value, language):
        try:
            fuzzy = FuzzyDate.parse(value)
        except ValidationError as refusal:
            assert value in refusal.messages[0]
            return
        store(chain, value)
        visit = Visit.objects.get(pk=chain["forum"].pk)
        assert (visit.date, visit.date_earliest, visit.date_latest) == (fuzzy.edtf, fuzzy.earliest, fuzzy.latest)
        for url in urls:
            response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, (url, value)

    shown_everywhere()
