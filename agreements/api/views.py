"""The API's endpoints: one view set per record, listed with the site's own FilterSets.

Reading a record gives its ETag, a digest of the record and its parts as stored; a change or a
delete must send it back in If-Match, and is refused (412) if the record changed since, as the
admin refuses to overwrite someone else's change. Every write is a revision in the history, with
its user.

What a read answers (a page of a list, a record with its ETag) is kept in the cache until the
records change, as the site's figures are (`caching.cached`): by its address, the reader's
language and the day, since a commitment's "overdue" and a memorandum's "dormant" depend on it.
"""

from __future__ import annotations

from collections.abc import Callable

import django_filters
import reversion
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response

from .. import filters, history
from ..caching import cached
from ..models import (
    Commitment,
    Country,
    Institution,
    Memorandum,
    MemorandumRelation,
    Person,
    Sector,
    Source,
    Visit,
)
from . import serializers
from .problems import PreconditionFailed, PreconditionRequired


def etag_of(record) -> str:
    """The record's version as an entity tag: a digest of its stored fields and parts."""
    model = type(record)
    state = history.current_states(model, [record.pk]).get(str(record.pk))
    return f'"{history.fingerprint(state)}"'


def matches(if_match: str, etag: str) -> bool:
    """Whether an If-Match header names `etag` (weak or strong) or is "*"."""
    given = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    return "*" in given or etag in given


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the record as last read.",
)


class InstitutionSearch(django_filters.FilterSet):
    """Institutions and people: a search in any of their names, in any language or script."""

    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Institution
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class PersonSearch(InstitutionSearch):
    class Meta:
        model = Person
        fields: list[str] = []


class SourceSearch(django_filters.FilterSet):
    """Sources: words of their title, publisher or reference."""

    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= Q(title__icontains=word) | Q(publisher__icontains=word) | Q(reference__icontains=word)
        return queryset.filter(condition)


@extend_schema_view(
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class RecordViewSet(viewsets.ModelViewSet):
    lookup_field = "slug"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    @classmethod
    def as_view(cls, *args, **kwargs):
        # A script has no session to sign in with: the API's own access rules apply (access.RoleAccess).
        return login_not_required(super().as_view(*args, **kwargs))

    def get_queryset(self):
        """The records, each with the keys of the records it links to (`RecordSerializer.keys_to_read`)."""
        return self.queryset.annotate(**self.get_serializer_class().keys_to_read())

    def fresh(self, record):
        """The record read again as the endpoint shows it, after a write."""
        return self.get_queryset().get(pk=record.pk)

    def answer(self, record, status: int = 200) -> Response:
        response = Response(self.get_serializer(record).data, status=status)
        response["ETag"] = etag_of(record)
        return response

    def list(self, request, *args, **kwargs):
        return self.read_once(lambda: super(RecordViewSet, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return self.read_once(lambda: self.answer(self.get_object()))

    def read_once(self, read: Callable[[], Response]) -> HttpResponse:
        """`read()`'s answer, rendered, with its ETag: from the cache while the records are unchanged."""
        renderer = self.request.accepted_renderer

        def rendered() -> tuple[bytes, str | None]:
            response = read()
            content = renderer.render(response.data, self.request.accepted_media_type, self.get_renderer_context())
            return content, response.get("ETag")

        key = (self.request.build_absolute_uri(), self.request.accepted_media_type, timezone.localdate())
        content, etag = cached("api-read", rendered, *key)
        response = HttpResponse(content, content_type=renderer.media_type)
        if etag:
            response["ETag"] = etag
        return response

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic(), reversion.create_revision():
            record = serializer.save()
            self.note_revision(_("Added through the API."))
        response = self.answer(self.fresh(record), status=201)
        response["Location"] = str(response.data["url"])
        return response

    def update(self, request, *args, **kwargs):
        with transaction.atomic(), reversion.create_revision():
            record = self.locked_unchanged()
            serializer = self.get_serializer(record, data=request.data, partial=kwargs.get("partial", False))
            serializer.is_valid(raise_exception=True)
            serializer.save()
            self.note_revision(_("Changed through the API."))
        return self.answer(self.fresh(record))

    def destroy(self, request, *args, **kwargs):
        from ..admin import save_last_versions

        with transaction.atomic():
            record = self.locked_unchanged()
            save_last_versions([record], request.user)
            record.delete()
        return Response(status=204)

    def locked_unchanged(self):
        """The record, locked until the transaction ends, if If-Match names its current version."""
        record = self.get_object()
        type(record)._default_manager.select_for_update().filter(pk=record.pk).values_list("pk").first()
        if_match = self.request.headers.get("If-Match")
        if not if_match:
            raise PreconditionRequired()
        if not matches(if_match, etag_of(record)):
            raise PreconditionFailed()
        return record

    def note_revision(self, comment: str) -> None:
        reversion.set_user(self.request.user)
        reversion.set_comment(comment)


class CountryViewSet(RecordViewSet):
    """Countries party to cooperation, named by ISO 3166 code."""

    queryset = Country.objects.all()
    serializer_class = serializers.CountrySerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]{2}"

    def get_object(self):
        self.kwargs["code"] = self.kwargs["code"].upper()
        return super().get_object()


class SectorViewSet(RecordViewSet):
    """Fields of cooperation, in a tree of up to three levels."""

    queryset = Sector.objects.select_related("parent")
    serializer_class = serializers.SectorSerializer


class InstitutionViewSet(RecordViewSet):
    """Ministries, universities, companies and other bodies, with their names in other languages."""

    queryset = Institution.objects.select_related("country", "second_country", "parent").prefetch_related(
        "alternative_names"
    )
    serializer_class = serializers.InstitutionSerializer
    filterset_class = InstitutionSearch


class PersonViewSet(RecordViewSet):
    """People who lead visits, sign memoranda or are met."""

    queryset = Person.objects.select_related("country", "institution").prefetch_related("alternative_names")
    serializer_class = serializers.PersonSerializer
    filterset_class = PersonSearch


class SourceViewSet(RecordViewSet):
    """News articles, statements and documents that report the records."""

    queryset = Source.objects.all()
    serializer_class = serializers.SourceSerializer
    filterset_class = SourceSearch


class VisitViewSet(RecordViewSet):
    """Visits, with the filters of the visit list."""

    queryset = Visit.objects.select_related("host_country", "guest_country", "leader")
    serializer_class = serializers.VisitSerializer
    filterset_class = filters.VisitFilter


class MemorandumViewSet(RecordViewSet):
    """Memoranda and other instruments, with the filters of the memorandum list."""

    queryset = Memorandum.objects.select_related("country_a", "country_b", "visit")
    serializer_class = serializers.MemorandumSerializer
    filterset_class = filters.MemorandumFilter

    def get_queryset(self):
        return super().get_queryset().with_dormancy()


class CommitmentViewSet(RecordViewSet):
    """Commitments made at visits and in memoranda, with the filters of the commitment list."""

    queryset = Commitment.objects.select_related(
        "origin_visit", "origin_memorandum", "fulfilled_by_visit", "fulfilled_by_memorandum"
    )
    serializer_class = serializers.CommitmentSerializer
    filterset_class = filters.CommitmentFilter


class MemorandumRelationViewSet(RecordViewSet):
    """Typed relations between memoranda (one amends, renews or implements another)."""

    queryset = MemorandumRelation.objects.select_related("source", "target").order_by("pk")
    serializer_class = serializers.MemorandumRelationSerializer
    lookup_field = "pk"
    lookup_value_regex = "[0-9]+"
