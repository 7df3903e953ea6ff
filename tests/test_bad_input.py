"""Arbitrary input never causes a server error, and markup entered anywhere is shown as text."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import models as db_models
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements import models
from agreements.resources import SourceResource
from tests import factories

NASTY = [
    "'; DROP TABLE agreements_memorandum; --",
    "1 OR 1=1",
    '" OR ""="',
    "%' UNION SELECT username, password FROM auth_user --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "../../etc/passwd",
    "\x00",
    "\u202eevil",
    "𝕳𝖊𝖆𝖑𝖙𝖍 🏥",
    "9" * 40,
    "-1",
    "2025-13-45",
    "x" * 5000,
    "",
]
VALUES = st.one_of(st.text(max_size=200), st.sampled_from(NASTY), st.integers().map(str))
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TRACKER_ADMINS = [
    model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label == "agreements"
]
# The import jobs are read-only: they have no add form.
ADD_FORMS = [model_admin for model_admin in TRACKER_ADMINS if model_admin.model is not models.ImportJob]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:agreements_{model._meta.model_name}_{view}", args=args)


# ---------------------------------------------------------------- forms and query strings


@pytest.mark.parametrize("model_admin", ADD_FORMS, ids=lambda a: a.model.__name__)
def test_no_add_form_fails_on_arbitrary_input(admin_client, memorandum, oncology, ministry_by, model_admin):
    url = admin_url(model_admin.model, "add")
    page = admin_client.get(url)
    fields = list(page.context["adminform"].form.fields)
    management = {}
    for inline in page.context["inline_admin_formsets"]:
        management.update({f"{inline.formset.prefix}-TOTAL_FORMS": "1", f"{inline.formset.prefix}-INITIAL_FORMS": "0"})
        fields += [f"{inline.formset.prefix}-0-{name}" for name in inline.formset.empty_form.fields]

    @FAST
    @given(data=st.dictionaries(st.sampled_from(fields), st.one_of(VALUES, st.lists(VALUES, max_size=3))))
    def post(data):
        response = admin_client.post(url, {**management, **data})
        assert response.status_code in (200, 302)

    post()


@pytest.mark.parametrize("model_admin", TRACKER_ADMINS, ids=lambda a: a.model.__name__)
def test_no_admin_list_fails_on_an_arbitrary_query_string(admin_client, memorandum, model_admin):
    url = admin_url(model_admin.model, "changelist")
    names = ["q", "o", "p", "year", "country", "kind", "status", "language", "e", "all", "_popup", "_to_field"]
    names += [f"{name}__exact" for name in ("kind", "status", "country__id", "sectors__id", "parent__id")]

    @FAST
    @given(params=st.dictionaries(st.sampled_from(names), VALUES, max_size=4))
    def get(params):
        assert admin_client.get(url, params).status_code in (200, 302, 400, 403)

    get()


@pytest.mark.parametrize("model_admin", TRACKER_ADMINS, ids=lambda a: a.model.__name__)
def test_an_admin_country_filter_ignores_a_number_beyond_any_key(admin_client, memorandum, model_admin):
    # SQLite cannot even compare a key with a number beyond 64 bits. A list without a country
    # filter redirects to itself saying the filter is unknown (?e=1).
    response = admin_client.get(admin_url(model_admin.model, "changelist"), {"country": str(2**63)})
    assert response.status_code in (200, 302)


PUBLIC_LISTS = {"memoranda": "MemorandumFilter", "visits": "VisitFilter", "commitments": "CommitmentFilter"}


@pytest.mark.parametrize("path", PUBLIC_LISTS)
def test_no_public_list_fails_on_an_arbitrary_query_string(client, memorandum, forum, path):
    filters = pytest.importorskip("agreements.filters")
    filterset = getattr(filters, PUBLIC_LISTS[path], None)
    if filterset is None or client.get(f"/{path}/").status_code == 404:
        pytest.skip(f"/{path}/ has no filtered list")
    names = [*filterset.base_filters, "page", "format"]

    @FAST
    @given(params=st.dictionaries(st.sampled_from(names), VALUES, max_size=4))
    def get(params):
        assert client.get(f"/{path}/", params).status_code in (200, 400, 404)

    get()


@pytest.mark.parametrize("url", ["/memoranda/", "/visits/", "/admin/agreements/memorandum/"])
def test_a_nul_character_in_the_address_gets_a_page_that_says_so(admin_client, memorandum, url):
    response = admin_client.get(url, {"q": "health\x00"})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_sql_looking_input_is_stored_and_searched_as_plain_text(admin_client, memorandum):
    title = "'; DROP TABLE agreements_memorandum; --"
    models.Memorandum.objects.filter(pk=memorandum.pk).update(title=title)
    response = admin_client.get(admin_url(models.Memorandum, "changelist"), {"q": "' OR 1=1 --"})
    assert list(response.context["cl"].result_list) == []
    response = admin_client.get(admin_url(models.Memorandum, "changelist"), {"q": "DROP TABLE"})
    assert [memo.title for memo in response.context["cl"].result_list] == [title]
    assert models.Memorandum.objects.count() == 1


def test_a_javascript_url_is_refused_by_the_form_and_by_the_import(admin_client, db):
    response = admin_client.post(
        admin_url(models.Source, "add"),
        {"title": "A source", "slug": "", "language": "en", "published": "", "url": "javascript:alert(1)"},
    )
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    from tablib import Dataset

    dataset = Dataset(["bad", "A source", "en", "javascript:alert(1)"], headers=["slug", "title", "language", "url"])
    result = SourceResource().import_data(dataset, dry_run=True)
    assert "url" in result.invalid_rows[0].error_dict
    assert not models.Source.objects.exists()


# ---------------------------------------------------------------- markup is shown as text

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def text_fields(model, payload: str):
    """The model's editable text columns long enough to hold `payload`."""
    for field in model._meta.get_fields():
        if isinstance(field, db_models.CharField | db_models.TextField) and field.editable and not field.choices:
            if field.name in {"slug"} or (field.max_length or 10**6) < len(payload):
                continue
            if isinstance(field, db_models.URLField | db_models.SlugField):
                continue
            yield field.name


@pytest.fixture
def every_record(memorandum, forum, ministry_by, oncology):
    person = factories.PersonFactory(name="Aleksandr", country=ministry_by.country, institution=ministry_by)
    models.Signatory.objects.create(memorandum=memorandum, institution=ministry_by, person=person)
    models.InstitutionName.objects.create(institution=ministry_by, name="Минздрав", language="ru")
    source = factories.SourceFactory()
    memorandum.sources.add(source)
    memorandum.sectors.add(oncology)
    factories.CommitmentFactory(origin_visit=forum, title="Promise")
    return [memorandum, forum, ministry_by, oncology, person, source, models.Commitment.objects.get()]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_in_any_text_field_is_escaped_in_the_admin_and_on_public_pages(admin_client, every_record, payload):
    for record in every_record:
        model = type(record)
        model.objects.filter(pk=record.pk).update(**{name: payload for name in text_fields(model, payload)})
    models.InstitutionName.objects.update(name=payload)

    pages = []
    for record in every_record:
        model = type(record)
        pages += [admin_url(model, "changelist"), admin_url(model, "change", record.pk)]
        record.refresh_from_db()
        try:
            pages.append(record.get_absolute_url())
        except (AttributeError, NoReverseMatch):
            pass
    pages += ["/", "/memoranda/", "/visits/", "/commitments/"]

    for url in pages:
        response = admin_client.get(url)
        if response.status_code == 404:
            continue
        assert response.status_code == 200, url
        page = response.content.decode()
        assert payload not in page, f"unescaped markup on {url}"
    escaped = admin_client.get(admin_url(models.Memorandum, "changelist")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in escaped or "&quot;&gt;&lt;img" in escaped
