"""What a user follows, and what keeps their alerts, feeds and calendars honest: the follow itself
(a country, a pair, a sector, an institution, a commitment, or a saved list), the secret key of
their feed and calendar addresses, and the digests and reminders already sent.

None of these is a tracker record (they are plain models, not TrackerModel): saving them leaves
the cached figures alone, and nobody but their user and the administrators sees them.
"""

from __future__ import annotations

import datetime
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .base import keeps_history
from .chain import Commitment, Memorandum, Visit
from .people import Institution
from .reference import Country, Sector

LIST_FEEDS = {
    "memoranda": "agreements:memorandum-feed",
    "visits": "agreements:visit-feed",
    "commitments": "agreements:commitment-list-feed",
}
# The list parameters a saved list keeps; the page, the feed key and the feed language are not part of it.
NOT_PART_OF_A_SEARCH = ("page", "token", "lang")


class Frequency(models.TextChoices):
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")
    NEVER = "never", _("no e-mail")


class FollowQuerySet(models.QuerySet):
    def of(self, user) -> FollowQuerySet:
        """The user's follows, newest first, with what they name."""
        return (
            self.filter(user=user)
            .select_related(
                "country",
                "partner",
                "sector",
                "institution",
                "commitment__origin_visit",
                "commitment__origin_memorandum",
            )
            .prefetch_related("institution__alternative_names")
            .order_by("-created", "-pk")
        )

    def emailed(self, frequency: str | None = None) -> FollowQuerySet:
        """Follows that send e-mail (at `frequency`, if given) to an active user with an address."""
        follows = self.filter(user__is_active=True).exclude(user__email="").exclude(frequency=Frequency.NEVER)
        return follows.filter(frequency=frequency) if frequency else follows

    def same_subject(self, subject: Follow) -> FollowQuerySet:
        """Follows of the same thing as the unsaved `subject` (of any user)."""
        return self.filter(**{name: getattr(subject, name) for name in ("kind", *Follow.SUBJECT_FIELDS)})


SUBJECT_FOREIGN_KEYS = ("country", "partner", "sector", "institution", "commitment")


def subject_condition(kind: str, *named: str) -> Q:
    """A follow of `kind` names exactly the subject fields `named` (the rest are empty)."""
    condition = Q(kind=kind)
    for field in SUBJECT_FOREIGN_KEYS:
        condition &= Q(**{f"{field}__isnull": field not in named})
    # Only a saved list names a list; its query string may be empty (the whole list).
    condition &= ~Q(list_name="") if "list_name" in named else Q(list_name="", query="")
    return condition


@keeps_history()
class Follow(models.Model):
    """A user's interest in a country, a pair of countries, a sector, an institution, a commitment,
    or a saved list (a list's query string, with a name): shown on their watchlist, in its feed and
    calendar, and e-mailed as a digest of what changed, in the language they follow it in."""

    class Kind(models.TextChoices):
        COUNTRY = "country", _("country")
        PAIR = "pair", _("pair of countries")
        SECTOR = "sector", _("sector")
        INSTITUTION = "institution", _("institution")
        COMMITMENT = "commitment", _("commitment")
        SEARCH = "search", _("saved list")

    class ListName(models.TextChoices):
        MEMORANDA = "memoranda", _("memoranda")
        VISITS = "visits", _("visits")
        COMMITMENTS = "commitments", _("commitments")

    SUBJECT_FOREIGN_KEYS = SUBJECT_FOREIGN_KEYS
    SUBJECT_FIELDS = (*SUBJECT_FOREIGN_KEYS, "list_name", "query")
    LIST_MODELS = {ListName.MEMORANDA: Memorandum, ListName.VISITS: Visit, ListName.COMMITMENTS: Commitment}
    # Not a tracker record: following something leaves the cached counts alone (agreements.caching).

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="follows"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(
        Country, verbose_name=_("partner country"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
    )
    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("commitment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
    )
    list_name = models.CharField(_("list"), max_length=12, choices=ListName.choices, blank=True)
    query = models.CharField(_("query string"), max_length=1000, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True, help_text=_("What the user calls a saved list."))
    frequency = models.CharField(_("e-mail"), max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    created = models.DateTimeField(_("followed since"), default=timezone.now)
    last_seen = models.DateTimeField(
        _("last seen on the watchlist"), default=timezone.now, help_text=_("The watchlist shows what is new since.")
    )

    objects = FollowQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=subject_condition("country", "country")
                | subject_condition("pair", "country", "partner")
                | subject_condition("sector", "sector")
                | subject_condition("institution", "institution")
                | subject_condition("commitment", "commitment")
                | subject_condition("search", "list_name"),
                name="follow_names_its_subject",
                violation_error_message=_("A follow names exactly one thing of its kind."),
            ),
            models.CheckConstraint(condition=~Q(country=F("partner")), name="follow_pair_countries_differ"),
            *[
                models.UniqueConstraint(
                    fields=["user", *fields], condition=Q(kind=kind), name=f"follow_{kind}_once_per_user"
                )
                for kind, fields in [
                    ("country", ["country"]),
                    ("pair", ["country", "partner"]),
                    ("sector", ["sector"]),
                    ("institution", ["institution"]),
                    ("commitment", ["commitment"]),
                    ("search", ["list_name", "query"]),
                ]
            ],
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The page of what is followed: the country, the dossier, the list."""
        if self.kind == self.Kind.COUNTRY:
            return self.country.get_absolute_url()
        if self.kind == self.Kind.PAIR:
            return reverse("agreements:pair-detail", args=[self.country.code.code, self.partner.code.code])
        if self.kind == self.Kind.INSTITUTION:
            return self.institution.get_absolute_url()
        if self.kind == self.Kind.COMMITMENT:
            return self.commitment.get_absolute_url()
        if self.kind == self.Kind.SECTOR:
            return self.sector.get_absolute_url()
        return f"{reverse(f'agreements:{self.list_model._meta.model_name}-list')}?{self.query}".rstrip("?")

    # ------------------------------------------------------------ what is followed

    @classmethod
    def of_subject(cls, kind: str, target: str = "", *, list_name: str = "", query: str = "", name: str = "") -> Follow:
        """An unsaved follow of what `kind` and `target` name ("pair", "BY-OM"; "sector", "oncology"), or
        of the list `list_name` filtered by `query`. A ValidationError names what is not in the tracker."""
        target = (target or "").strip()
        follow = cls(kind=kind)
        if kind == cls.Kind.COUNTRY:
            follow.country = Country.objects.filter(code=target.upper()).first()
            if follow.country is None:
                raise ValidationError(_("There is no country “%(value)s” in the tracker."), params={"value": target})
        elif kind == cls.Kind.PAIR:
            codes = sorted(code for code in target.upper().split("-") if code)
            countries = {country.code.code: country for country in Country.objects.filter(code__in=codes)}
            if len(codes) != 2 or codes[0] == codes[1] or set(countries) != set(codes):
                raise ValidationError(
                    _("“%(value)s” is not a pair of two different countries in the tracker."),
                    params={"value": target},
                )
            follow.country, follow.partner = countries[codes[0]], countries[codes[1]]
        elif kind in (cls.Kind.SECTOR, cls.Kind.INSTITUTION, cls.Kind.COMMITMENT):
            model = {cls.Kind.SECTOR: Sector, cls.Kind.INSTITUTION: Institution, cls.Kind.COMMITMENT: Commitment}[kind]
            record = model.objects.filter(slug=target).first()
            if record is None:
                raise ValidationError(
                    _("There is no %(kind)s “%(value)s” in the tracker."),
                    params={"kind": model._meta.verbose_name, "value": target},
                )
            setattr(follow, kind, record)
        elif kind == cls.Kind.SEARCH:
            if list_name not in cls.LIST_MODELS:
                raise ValidationError(_("Only the memorandum, visit and commitment lists can be followed."))
            follow.list_name, follow.query = list_name, normalised_query(query)
            follow.name = (name or "").strip()[:200] or follow.describe_search()
            filterset = follow.filterset(cls.LIST_MODELS[list_name])
            if not filterset.is_valid():
                raise ValidationError(_("Correct the list's filters before following it."))
        else:
            raise ValidationError(_("“%(value)s” is not something that can be followed."), params={"value": kind})
        return follow

    @property
    def title(self) -> str:
        """What is followed, in the active language."""
        if self.kind == self.Kind.COUNTRY:
            return self.country.name
        if self.kind == self.Kind.PAIR:
            return f"{self.country.name} – {self.partner.name}"
        if self.kind == self.Kind.SECTOR:
            return self.sector.localized_name
        if self.kind == self.Kind.INSTITUTION:
            return self.institution.display_name
        if self.kind == self.Kind.COMMITMENT:
            return self.commitment.title
        return self.name or self.describe_search()

    def describe_search(self) -> str:
        """A saved list in words: "Memoranda: sector=oncology, country=OM"."""
        label = self.ListName(self.list_name).label.capitalize() if self.list_name else ""
        shown = ", ".join(f"{key}={'|'.join(values)}" for key, values in QueryDict(self.query).lists() if key != "sort")
        return f"{label}: {shown}" if shown else str(label)

    def feed_path(self) -> str:
        """The address of its Atom feed, without the key."""
        if self.kind == self.Kind.PAIR:
            return reverse("agreements:pair-feed", args=[self.country.code.code, self.partner.code.code])
        if self.kind == self.Kind.COUNTRY:
            return reverse("agreements:country-feed", args=[self.country.code.code])
        if self.kind in (self.Kind.SECTOR, self.Kind.INSTITUTION, self.Kind.COMMITMENT):
            return reverse(f"agreements:{self.kind}-feed", args=[getattr(self, self.kind).slug])
        path = reverse(LIST_FEEDS[self.list_name])
        return f"{path}?{self.query}" if self.query else path

    @property
    def list_model(self) -> type[models.Model] | None:
        return self.LIST_MODELS.get(self.list_name)

    def params(self) -> QueryDict:
        """The list parameters that give the followed records (README, the list parameters)."""
        if self.kind == self.Kind.SEARCH:
            return QueryDict(self.query)
        value = {
            self.Kind.COUNTRY: lambda: self.country.code.code if self.country_id else "",
            self.Kind.PAIR: lambda: f"{self.country.code.code}-{self.partner.code.code}",
            self.Kind.SECTOR: lambda: self.sector.slug,
            self.Kind.INSTITUTION: lambda: self.institution.slug,
        }.get(self.kind)
        if value is None:
            return QueryDict()
        params = QueryDict(mutable=True)
        params[self.kind] = value()
        return params

    def covers(self, model: type[models.Model]) -> bool:
        """Whether records of `model` are followed: a saved list covers its own list's records, a
        commitment only itself, the others memoranda, visits and commitments alike."""
        if self.kind == self.Kind.SEARCH:
            return self.list_model is model
        if self.kind == self.Kind.COMMITMENT:
            return model is Commitment
        return model in (Memorandum, Visit, Commitment)

    def filterset(self, model: type[models.Model]):
        from ..filters import CommitmentFilter, MemorandumFilter, VisitFilter

        filter_class = {Memorandum: MemorandumFilter, Visit: VisitFilter, Commitment: CommitmentFilter}[model]
        return filter_class(self.params(), queryset=model.objects.all())

    def records(self, model: type[models.Model]) -> models.QuerySet | None:
        """The followed records of `model` (a query), or None when the follow does not cover them."""
        if not self.covers(model):
            return None
        if self.kind == self.Kind.COMMITMENT:
            return Commitment.objects.filter(pk=self.commitment_id)
        filterset = self.filterset(model)
        return filterset.qs if filterset.is_valid() else model.objects.none()

    @property
    def has_calendar(self) -> bool:
        return self.covers(Visit) or self.covers(Commitment)


def normalised_query(query: str) -> str:
    """A list's query string with its parameters in a fixed order, without the page or a feed's key,
    so that the same list followed twice is one saved list."""
    params = QueryDict(query.lstrip("?"))
    pairs = sorted(
        (key, value) for key in params for value in params.getlist(key) if value and key not in NOT_PART_OF_A_SEARCH
    )
    return urlencode(pairs)


def new_key() -> str:
    return secrets.token_urlsafe(32)


class FeedTokenManager(models.Manager):
    def for_user(self, user) -> FeedToken:
        token, _created = self.get_or_create(user=user)
        return token

    def user_for(self, key: str):
        """The active user whose feed key `key` is, or None."""
        token = self.select_related("user").filter(key=key, user__is_active=True).first() if key else None
        return token.user if token else None


@keeps_history()
class FeedToken(models.Model):
    """The secret in a user's feed and calendar addresses: feed readers and calendars cannot sign
    in. Making a new one (on the watchlist) ends every address made with the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="feed_token"
    )
    key = models.CharField(_("key"), max_length=64, unique=True, default=new_key, editable=False)
    created = models.DateTimeField(_("made"), default=timezone.now)

    objects = FeedTokenManager()

    class Meta:
        verbose_name = _("feed key")
        verbose_name_plural = _("feed keys")

    def __str__(self) -> str:
        return f"{self.user} ({self.key[:6]}…)"

    def renew(self) -> None:
        """A new key, so that every address made with the old one stops working."""
        self.key, self.created = new_key(), timezone.now()
        self.save(update_fields=["key", "created"])


@keeps_history()
class DigestSent(models.Model):
    """A digest e-mailed for a follow and a period (a day, "2026-12-01", or a week, "2026-W49"):
    at most one per period however often the task runs, and the next one starts where it ended."""

    follow = models.ForeignKey(Follow, verbose_name=_("follow"), on_delete=models.CASCADE, related_name="digests")
    period = models.CharField(_("period"), max_length=12)
    covered_from = models.DateTimeField(_("changes from"))
    covered_until = models.DateTimeField(_("changes until"))
    records = models.PositiveIntegerField(_("records listed"), default=0)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["follow", "period"], name="digest_once_per_period")]

    def __str__(self) -> str:
        return f"{self.follow} · {self.period}"


class ReminderStage(models.TextChoices):
    IN_30_DAYS = "30-days", pgettext_lazy("reminder stage", "due within 30 days")
    IN_7_DAYS = "7-days", pgettext_lazy("reminder stage", "due within 7 days")
    OVERDUE = "overdue", pgettext_lazy("reminder stage", "overdue")

    @classmethod
    def for_due(cls, due_latest: datetime.date | None, today: datetime.date) -> ReminderStage | None:
        """The stage of a commitment whose latest due day is `due_latest`, or None if it is further off."""
        if due_latest is None:
            return None
        days = (due_latest - today).days
        if days < 0:
            return cls.OVERDUE
        if days <= 7:
            return cls.IN_7_DAYS
        if days <= 30:
            return cls.IN_30_DAYS
        return None


@keeps_history()
class ReminderSent(models.Model):
    """A reminder that a commitment falls due, sent to a user once per stage and due day: a later
    due day (the deadline moved) starts its stages again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="reminders"
    )
    commitment = models.ForeignKey(
        Commitment, verbose_name=_("commitment"), on_delete=models.CASCADE, related_name="reminders"
    )
    follow = models.ForeignKey(
        Follow, verbose_name=_("follow"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders"
    )
    stage = models.CharField(_("stage"), max_length=8, choices=ReminderStage.choices)
    due_latest = models.DateField(_("latest due day"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "commitment", "stage", "due_latest"], name="reminder_once_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commitment} · {self.get_stage_display()}"
