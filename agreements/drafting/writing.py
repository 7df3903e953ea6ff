"""Writing a confirmed proposal: every record at once, or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

import reversion
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import (
    Commitment,
    Country,
    Institution,
    InstitutionName,
    Memorandum,
    Person,
    PersonName,
    Signatory,
    Source,
    Visit,
)
from .forms import Review

# What an editor must be allowed to do to confirm a draft (Editors and Administrators may).
DRAFT_PERMISSIONS = [
    "agreements.add_source",
    "agreements.add_country",
    "agreements.add_institution",
    "agreements.change_institution",
    "agreements.add_institutionname",
    "agreements.add_person",
    "agreements.change_person",
    "agreements.add_personname",
    "agreements.add_visit",
    "agreements.add_memorandum",
    "agreements.add_signatory",
    "agreements.add_commitment",
    "agreements.change_commitment",
]


def may_draft(user) -> bool:
    return user.is_active and user.is_staff and user.has_perms(DRAFT_PERMISSIONS)


@dataclass
class Written:
    source: Source
    visits: list[Visit] = field(default_factory=list)
    memoranda: list[Memorandum] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    kept: list[Commitment] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)


def checked(record):
    """The record validated as the admin would (field rules and the model's clean()), then saved."""
    record.full_clean(exclude=["slug"], validate_unique=False, validate_constraints=False)
    record.save()
    return record


def write(review: Review, user) -> Written:
    """Write the reviewed proposal in one transaction, as one revision by `user`; every record
    cites the new Source. Raises ValidationError (and writes nothing) if a record breaks a rule."""
    language = review.source.cleaned_data["language"]
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(user)
        source_data = review.source.cleaned_data
        reversion.set_comment(_("Drafted from the article “%(title)s”.") % {"title": source_data["title"][:200]})
        country_cache: dict[str, Country] = {}

        def country(code: str) -> Country:
            if code not in country_cache:
                country_cache[code] = Country.objects.filter(code=code).first() or checked(Country(code=code))
            return country_cache[code]

        source = checked(
            Source(
                title=source_data["title"],
                publisher=source_data["publisher"],
                url=source_data["url"],
                published=source_data["published"],
                language=language,
                reference=source_data["reference"],
                summary=source_data["summary"],
            )
        )
        written = Written(source=source)
        institutions: dict[str, Institution] = {}
        for form in review.included("institutions"):
            values = form.cleaned_data
            if values["match"]:
                institution = Institution.objects.get(slug=values["match"])
            else:
                institution = checked(
                    Institution(name=values["name"], country=country(values["country"]), kind=values["kind"])
                )
                checked(InstitutionName(institution=institution, name=values["name"], language=language))
            institution.sources.add(source)
            institutions[form.item["id"]] = institution
            written.institutions.append(institution)
        people: dict[str, Person] = {}
        for form in review.included("people"):
            values = form.cleaned_data
            if values["match"]:
                person = Person.objects.get(slug=values["match"])
            else:
                person = checked(Person(name=values["name"], title=values["title"], country=country(values["country"])))
                checked(PersonName(person=person, name=values["name"], language=language))
            person.sources.add(source)
            people[form.item["id"]] = person
            written.people.append(person)
        records: dict[str, Visit | Memorandum] = {}
        for form in review.included("visits"):
            values = form.cleaned_data
            visit = checked(
                Visit(
                    title=values["title"],
                    kind=values["kind"],
                    status=values["status"],
                    host_country=country(values["host"]),
                    guest_country=country(values["guest"]),
                    city=values["city"],
                    date=values["date"],
                    summary=values["summary"],
                )
            )
            visit.sources.add(source)
            visit.participants.add(*[people[p] for p in form.item["people"] if p in people])
            visit.institutions.add(*[institutions[i] for i in form.item["institutions"] if i in institutions])
            records[form.item["id"]] = visit
            written.visits.append(visit)
        for form in review.included("memoranda"):
            values = form.cleaned_data
            memorandum = checked(
                Memorandum(
                    title=values["title"],
                    kind=values["kind"],
                    country_a=country(values["country_a"]),
                    country_b=country(values["country_b"]),
                    signed=values["signed"],
                    visit=records.get(values["visit"]) if values["visit"] else None,
                    summary=values["summary"],
                )
            )
            memorandum.sources.add(source)
            for party in form.item["parties"]:
                if party in institutions:
                    Signatory.objects.get_or_create(memorandum=memorandum, institution=institutions[party])
            records[form.item["id"]] = memorandum
            written.memoranda.append(memorandum)
        for form in review.included("commitments"):
            values = form.cleaned_data
            origin = records[values["origin"]]
            commitment = Commitment(
                title=values["title"],
                due=values["due"],
                status=values["status"],
                details=values["details"],
            )
            if isinstance(origin, Visit):
                commitment.origin_visit = origin
            else:
                commitment.origin_memorandum = origin
            checked(commitment)
            commitment.sources.add(source)
            codes = [code for code in form.item["responsible"] if code]
            commitment.responsible_countries.add(*[country(code) for code in codes])
            written.commitments.append(commitment)
        for kind in ("visits", "memoranda"):
            for form in review.included(kind):
                for slug in form.cleaned_data["fulfils"]:
                    kept = Commitment.objects.get(slug=slug)
                    kept.mark_fulfilled(by=records[form.item["id"]])
                    kept.sources.add(source)
                    written.kept.append(kept)
    return written
