"""/api/v1/schema/ and /api/v1/docs/: the OpenAPI description, and schemathesis (property-based
requests generated from that description) against a live server: every operation, no server
error, every answer as described."""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agreements.models import ApiToken
from tests import factories

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Each operation gets this many generated requests (more with API_FUZZ_EXAMPLES, as CI may set).
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))


@pytest.fixture
def fuzzed(live_server, make_member, settings):
    """The live server with the chain in it, an administrator's token (every operation is allowed)."""
    settings.API_THROTTLE_RATE = "100000/hour"
    factories.belarus_oman_chain()
    _token, key = ApiToken.issue(user=make_member("Administrator", "fuzzer"), name="schemathesis")
    return live_server.url, key


def test_every_operation_answers_as_described(fuzzed):
    url, key = fuzzed
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9 * 5 + 9  # list, create, read, replace, change, delete; 9 endpoints

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_described(case):
            case.call_and_validate(base_url=url, headers={"Authorization": f"Token {key}"}, checks=CHECKS)

        answers_as_described()


def test_the_schema_is_openapi_3_1_and_describes_every_endpoint(live_server, db):
    described = requests.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30).json()
    assert described["openapi"].startswith("3.1")
    paths = set(described["paths"])
    for endpoint in ("countries", "sectors", "institutions", "people", "sources", "visits", "memoranda", "commitments"):
        assert {
            f"/api/v1/{endpoint}/",
            f"/api/v1/{endpoint}/{{{'code' if endpoint == 'countries' else 'slug'}}}/",
        } <= paths
    parameters = {p["name"] for p in described["paths"]["/api/v1/memoranda/"]["get"]["parameters"]}
    site_filters = {"sector", "country", "pair", "institution", "kind", "status", "from", "to", "overdue", "dormant"}
    assert site_filters | {"q", "sort", "cursor"} <= parameters
    assert "If-Match" in {p["name"] for p in described["paths"]["/api/v1/memoranda/{slug}/"]["patch"]["parameters"]}


def test_the_docs_are_served_from_our_own_files_under_the_strict_policy(live_server, db):
    page = requests.get(f"{live_server.url}/api/v1/docs/", timeout=30)
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src-attr")[0]
    html = page.text
    assert "cdn" not in html.lower()
    # Its one inline style carries the page's nonce, which the policy names.
    assert "<style>" not in html
    nonce = html.split('<style nonce="')[1].split('"')[0]
    assert f"'nonce-{nonce}'" in policy.split("style-src ")[1].split(";")[0]
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert requests.get(f"{live_server.url}/static/drf_spectacular_sidecar/swagger-ui-dist/{asset}", timeout=30).ok
