"""The tracker's records, one module per aggregate: reference data, institutions and people,
and the chain of visits, memoranda and commitments."""

from ..languages import Language
from .base import (
    SluggedModel,
    TrackerModel,
    TrackerQuerySet,
    records_linking_to,
    unique_slug,
    update_statistics,
)
from .chain import (
    Commitment,
    CommitmentQuerySet,
    Memorandum,
    MemorandumQuerySet,
    MemorandumRelation,
    Signatory,
    Visit,
    VisitQuerySet,
)
from .follows import DigestSent, FeedToken, Follow, Frequency, ReminderSent, ReminderStage
from .imports import ImportJob, ImportJobQuerySet
from .people import AlternativeName, Institution, InstitutionName, Person, PersonName
from .reference import Country, Sector, Source
from .tokens import ApiToken

__all__ = [
    "AlternativeName",
    "ApiToken",
    "Commitment",
    "CommitmentQuerySet",
    "Country",
    "DigestSent",
    "FeedToken",
    "Follow",
    "Frequency",
    "ImportJob",
    "ImportJobQuerySet",
    "Institution",
    "InstitutionName",
    "Language",
    "Memorandum",
    "MemorandumQuerySet",
    "MemorandumRelation",
    "Person",
    "PersonName",
    "ReminderSent",
    "ReminderStage",
    "Sector",
    "Signatory",
    "SluggedModel",
    "Source",
    "TrackerModel",
    "TrackerQuerySet",
    "Visit",
    "VisitQuerySet",
    "records_linking_to",
    "unique_slug",
    "update_statistics",
]
