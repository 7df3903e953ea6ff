"""The records as JSON: their own fields, links (URLs) to the records along the chain, fuzzy dates
as EDTF with their bounds and words, names in every language kept.

A record's links to many others are read as those records' keys in the query that reads the record
(`RecordSerializer.keys_to_read`), so a page of any size takes the same few queries.

Writes go through the model's own path: `validate()` runs the model's `full_clean()` (its
`clean()` rules and named database constraints, the admin's and the import's messages), then
`save()` fills slugs, date bounds and search keys (`TrackerModel.prepare_for_write`).
"""

from __future__ import annotations

import copy
import functools
import re
from urllib.parse import quote

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, JSONField, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import translation
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.settings import api_settings

from ..fuzzydates import FuzzyDateField, describe
from ..models import (
    Commitment,
    Country,
    Institution,
    Memorandum,
    MemorandumRelation,
    Person,
    Sector,
    Signatory,
    Source,
    Visit,
)
from ..models.base import translation_names

STORED_LANGUAGES = ("en", "ru", "ar")


def detail_view(model) -> str:
    return f"api:{model._meta.model_name}-detail"


def lookup_of(model) -> str:
    """What a record's address names it by: a country by its ISO code, a relation by its key, others by slug."""
    return {Country: "code", MemorandumRelation: "pk"}.get(model, "slug")


def record_address(context: dict, view_name: str, key) -> str:
    """The address of the record named `key` at `view_name`. The router puts a record at its list's
    address followed by its key, so each list's address is reversed once per answer, not once per
    link: reversing every link took most of the time a page of memoranda was read in."""
    lists = context.setdefault("list_addresses", {})
    if view_name not in lists:
        lists[view_name] = context["request"].build_absolute_uri(reverse(view_name.replace("-detail", "-list")))
    return f"{lists[view_name]}{quote(str(key), safe='')}/"


class KeyList(Subquery):
    """The values of a one-column queryset (its column named `value`), in the queryset's order, as
    a JSON list ([] for none): a page of records reads what each of them links to in its own query."""

    template = "(SELECT %(aggregate)s FROM (%(subquery)s) AS listed)"
    output_field = JSONField()

    def as_sql(self, compiler, connection, **extra_context):
        # SQLite keeps a JSON object from the subquery as text, which json() reads as JSON again.
        value = "JSON(listed.value)" if isinstance(self.query.output_field, JSONField) else "listed.value"
        return super().as_sql(compiler, connection, aggregate=f"JSON_GROUP_ARRAY({value})", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        aggregate = "COALESCE(JSONB_AGG(listed.value), '[]'::jsonb)"
        return super().as_sql(compiler, connection, aggregate=aggregate, **extra_context)


def keys_name(relation: str) -> str:
    """The annotation holding the keys of the records at the other side of `relation`."""
    return f"{relation}_keys"


def keys_of(model, relation: str) -> KeyList:
    """The keys (`lookup_of`) of the records at the other side of `model`'s to-many `relation`, in
    their model's order (then by primary key, so that equals keep their order from one read to the next)."""
    field = model._meta.get_field(relation)
    related = field.related_model
    back = field.related_query_name() if field.concrete else field.field.name
    records = related._default_manager.filter(**{back: OuterRef("pk")}).order_by(*related._meta.ordering, "pk")
    return KeyList(records.values(value=F(lookup_of(related))))


class ByRecordAddress:
    """A hyperlink field whose address is built by `record_address`, from a record or from its key
    as the records' queryset read it (`keys_of`)."""

    def get_url(self, obj, view_name, request, format):
        key = obj if isinstance(obj, str | int) else getattr(obj, self.lookup_field)
        return None if key in (None, "") else record_address(self.context, view_name, key)


class RecordLinks(serializers.ManyRelatedField):
    """Links to the records at the other side of a to-many relation, from the keys the records'
    queryset read with them (`RecordSerializer.keys_to_read`); written as the relation itself."""

    def get_attribute(self, instance):
        return getattr(instance, keys_name(self.source))


class RecordLink(ByRecordAddress, serializers.HyperlinkedRelatedField):
    """A link to another record; many of them are `RecordLinks`."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        many = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return RecordLinks(child_relation=cls(*args, **kwargs), **many)


class RecordIdentity(ByRecordAddress, serializers.HyperlinkedIdentityField):
    """The record's own address."""


def links_to(model, **kwargs) -> RecordLink:
    """Read-only links to records of `model` (another side of a relation)."""
    return RecordLink(view_name=detail_view(model), lookup_field=lookup_of(model), read_only=True, **kwargs)


def with_translations(model, names: list[str]) -> list[str]:
    """`names` with each of the model's translated texts followed by its translations:
    title, title_ru, title_ar."""
    translated = model.translated_fields
    return [each for name in names for each in ((name, *translation_names(name)) if name in translated else (name,))]


@extend_schema_field(OpenApiTypes.STR)
class InWords(serializers.ReadOnlyField):
    """A fuzzy date in words, in the language of the request (`Accept-Language`)."""

    def to_representation(self, value):
        return describe(value) if value else ""


class RecordSerializer(serializers.HyperlinkedModelSerializer):
    """What every record's serializer shares: links by slug (or code), each fuzzy date with its
    bounds and words, and the model's own validation."""

    url_field_name = "url"
    serializer_related_field = RecordLink
    serializer_url_field = RecordIdentity

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        kwargs["view_name"] = detail_view(relation_info.related_model)
        kwargs["lookup_field"] = lookup_of(relation_info.related_model)
        return field_class, kwargs

    def build_url_field(self, field_name, model_class):
        return self.serializer_url_field, {
            "view_name": detail_view(model_class),
            "lookup_field": lookup_of(model_class),
        }

    @classmethod
    def keys_to_read(cls) -> dict[str, KeyList]:
        """The annotations the records' queryset needs for this serializer: the keys of the records
        at the other side of each to-many link."""
        return {keys_name(relation): keys_of(cls.Meta.model, relation) for relation in cls.to_many_links()}

    @classmethod
    @functools.cache
    def to_many_links(cls) -> tuple[str, ...]:
        return tuple(field.source for field in cls().fields.values() if isinstance(field, RecordLinks))

    def get_fields(self):
        fields = super().get_fields()
        for model_field in self.Meta.model._meta.fields:
            if isinstance(model_field, FuzzyDateField) and model_field.name in fields:
                fields[f"{model_field.name}_in_words"] = InWords(source=model_field.name)
        return fields

    def validate(self, attrs):
        """The model's own rules, as the admin and the import apply them, field by field."""
        model = self.Meta.model
        many_to_many = {field.name for field in model._meta.many_to_many}
        record = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(record, name, value)
        try:
            record.full_clean(exclude=["slug"] if not attrs.get("slug") else None)
        except DjangoValidationError as error:
            # A rule kept both by clean() and by a named constraint gives its message twice: once here.
            raise serializers.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: list(
                        dict.fromkeys(messages)
                    )
                    for field, messages in error.message_dict.items()
                }
            ) from None
        return attrs


class CountrySerializer(RecordSerializer):
    code = serializers.CharField(max_length=2)
    name = serializers.CharField(read_only=True)
    names = serializers.SerializerMethodField()
    flag = serializers.CharField(read_only=True)

    class Meta:
        model = Country
        fields = ["url", "code", "name", "names", "flag", "notes"]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_names(self, country) -> dict[str, str]:
        """The ISO name in each of the site's languages."""
        names = {}
        for language in STORED_LANGUAGES:
            with translation.override(language):
                names[language] = str(country.code.name)
        return names

    def validate_code(self, value: str) -> str:
        """An ISO 3166-1 alpha-2 code the tracker knows (two ASCII letters: django-countries reads a
        code of digits as a numeric one, and fails on other digits such as "²")."""
        code = value.strip().upper()
        if not re.fullmatch("[A-Z]{2}", code) or not countries.alpha2(code):
            raise serializers.ValidationError(
                serializers.ChoiceField.default_error_messages["invalid_choice"].format(input=value)
            )
        return code


class SectorSerializer(RecordSerializer):
    localized_name = serializers.CharField(read_only=True)
    children = links_to(Sector, many=True)

    class Meta:
        model = Sector
        fields = [
            "url",
            "slug",
            "name",
            "name_ru",
            "name_ar",
            "localized_name",
            "parent",
            "children",
            "dac_code",
            "description",
        ]
        extra_kwargs = {"slug": {"required": False}}


class AlternativeNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField()
    kind = serializers.CharField()


class InstitutionSerializer(RecordSerializer):
    display_name = serializers.CharField(read_only=True)
    alternative_names = AlternativeNameSerializer(many=True, read_only=True)
    children = links_to(Institution, many=True)
    people = links_to(Person, many=True)

    class Meta:
        model = Institution
        fields = [
            "url",
            "slug",
            "name",
            "display_name",
            "alternative_names",
            "country",
            "second_country",
            "kind",
            "parent",
            "children",
            "people",
            "website",
            "description",
            "sources",
        ]
        extra_kwargs = {"slug": {"required": False}}


class PersonSerializer(RecordSerializer):
    display_name = serializers.CharField(read_only=True)
    alternative_names = AlternativeNameSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = with_translations(
            Person,
            [
                "url",
                "slug",
                "name",
                "display_name",
                "alternative_names",
                "title",
                "institution",
                "country",
                "sources",
            ],
        )
        extra_kwargs = {"slug": {"required": False}}


class SourceSerializer(RecordSerializer):
    # The source's own field `url` is its address on the web, given here as `url_of_source`.
    url = RecordIdentity(view_name=detail_view(Source), lookup_field="slug")

    class Meta:
        model = Source
        fields = with_translations(
            Source,
            [
                "url",
                "slug",
                "title",
                "publisher",
                "language",
                "published",
                "published_earliest",
                "published_latest",
                "url_of_source",
                "reference",
                "summary",
            ],
        )
        extra_kwargs = {"slug": {"required": False}}

    url_of_source = serializers.URLField(source="url", max_length=500, required=False, allow_blank=True)


class SignatorySerializer(serializers.Serializer):
    institution = links_to(Institution)
    person = links_to(Person, allow_null=True)


class RelationSerializer(serializers.Serializer):
    """A relation read from this memorandum's side: "amends" when it names the other, "amended by"
    when the other names it."""

    url = serializers.URLField()
    kind = serializers.CharField()
    label = serializers.CharField()
    direction = serializers.ChoiceField(choices=["outgoing", "incoming"])
    memorandum = serializers.URLField()
    note = serializers.CharField()


class VisitSerializer(RecordSerializer):
    memoranda = links_to(Memorandum, many=True, help_text="Memoranda signed at the visit.")
    commitments = links_to(Commitment, many=True, help_text="Commitments made at the visit.")
    fulfilled_commitments = links_to(Commitment, many=True, help_text="Commitments the visit kept.")

    class Meta:
        model = Visit
        fields = with_translations(
            Visit,
            [
                "url",
                "slug",
                "title",
                "kind",
                "status",
                "host_country",
                "guest_country",
                "city",
                "date",
                "date_earliest",
                "date_latest",
                "leader",
                "participants",
                "people_met",
                "institutions",
                "sectors",
                "summary",
                "sources",
                "memoranda",
                "commitments",
                "fulfilled_commitments",
            ],
        )
        extra_kwargs = {"slug": {"required": False}}


class MemorandumSerializer(RecordSerializer):
    signatories = SignatorySerializer(many=True, read_only=True, source=keys_name("signatories"))
    relations = serializers.SerializerMethodField()
    commitments = links_to(Commitment, many=True, help_text="Commitments the memorandum made.")
    fulfilled_commitments = links_to(Commitment, many=True, help_text="Commitments the memorandum kept.")
    dormant = serializers.BooleanField(source="is_dormant", read_only=True)

    class Meta:
        model = Memorandum
        fields = with_translations(
            Memorandum,
            [
                "url",
                "slug",
                "title",
                "kind",
                "legally_binding",
                "status",
                "country_a",
                "country_b",
                "signatories",
                "signed",
                "signed_earliest",
                "signed_latest",
                "signed_at",
                "visit",
                "valid_until",
                "valid_until_earliest",
                "valid_until_latest",
                "sectors",
                "summary",
                "sources",
                "relations",
                "commitments",
                "fulfilled_commitments",
                "dormant",
            ],
        )
        extra_kwargs = {"slug": {"required": False}}

    @classmethod
    def keys_to_read(cls) -> dict[str, KeyList]:
        signatories = Signatory.objects.filter(memorandum=OuterRef("pk")).order_by("pk")
        either_side = Q(source=OuterRef("pk")) | Q(target=OuterRef("pk"))
        relations = MemorandumRelation.objects.filter(either_side).order_by("pk")
        return super().keys_to_read() | {
            keys_name("signatories"): KeyList(
                signatories.values(value=JSONObject(institution="institution__slug", person="person__slug"))
            ),
            keys_name("relations"): KeyList(
                relations.values(
                    value=JSONObject(pk="pk", kind="kind", note="note", source="source__slug", target="target__slug")
                )
            ),
        }

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, memorandum) -> list[dict]:
        """The memoranda this one names, then those naming it."""
        relations = getattr(memorandum, keys_name("relations"))
        return [
            {
                "url": record_address(self.context, detail_view(MemorandumRelation), r["pk"]),
                "kind": r["kind"],
                "label": MemorandumRelation.label_seen_from(r["kind"], this),
                "direction": direction,
                "memorandum": record_address(self.context, detail_view(Memorandum), r[other]),
                "note": r["note"],
            }
            for direction, this, other in (("outgoing", "source", "target"), ("incoming", "target", "source"))
            for r in relations
            if r[this] == memorandum.slug
        ]


class MemorandumRelationSerializer(RecordSerializer):
    label = serializers.CharField(source="get_kind_display", read_only=True)
    inverse_label = serializers.CharField(read_only=True)

    class Meta:
        model = MemorandumRelation
        fields = ["url", "source", "kind", "label", "inverse_label", "target", "note"]


class CommitmentSerializer(RecordSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields = with_translations(
            Commitment,
            [
                "url",
                "slug",
                "title",
                "details",
                "origin_visit",
                "origin_memorandum",
                "responsible_countries",
                "responsible_institutions",
                "due",
                "due_earliest",
                "due_latest",
                "status",
                "overdue",
                "fulfilled_by_visit",
                "fulfilled_by_memorandum",
                "sectors",
                "sources",
            ],
        )
        extra_kwargs = {"slug": {"required": False}}

    def get_overdue(self, commitment) -> bool:
        return commitment.is_overdue()
