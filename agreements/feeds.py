"""Atom feeds (Django's syndication framework) of every followable thing: the whole tracker
(/feed/), a country, a pair, a sector, an institution, a commitment, and any filtered list
(/memoranda/feed/?sector=oncology&country=OM). Each shows the records last changed most recently
(agreements.news), in the reader's language (`?lang=ru`, else the browser's), and is open to a
feed reader through the user's secret key in the address (access.feed_access).
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .access import feed_access
from .alerts import site_host
from .fuzzydates import describe
from .models import Commitment, Follow, Memorandum, Visit
from .news import DATE_FIELDS, latest_changes

FEED_ITEMS = 50
# Entries never saved in the history are dated by the record's own date, else by this.
UNDATED = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def reader_language(request) -> str:
    """`?lang=` when it names one of the site's languages, else the language the request asks for."""
    asked = request.GET.get("lang", "")
    return asked if asked in dict(settings.LANGUAGES) else translation.get_language()


class Everything:
    """The whole tracker, as something a feed or a calendar can show (a follow's interface)."""

    title = gettext_lazy("Everything in the tracker")

    def records(self, model):
        return model.objects.all()

    def covers(self, model) -> bool:
        return True

    def get_absolute_url(self) -> str:
        return reverse("agreements:overview")


class RecordFeed(Feed):
    feed_type = Atom1Feed
    item_guid_is_permalink = False

    def __call__(self, request, *args, **kwargs):
        with translation.override(reader_language(request)):
            try:
                return super().__call__(request, *args, **kwargs)
            except ValidationError as error:
                return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain; charset=utf-8")

    def subject(self, request, **kwargs):
        """What the feed is of: an unsaved Follow (or Everything). A ValidationError if there is no such thing."""
        raise NotImplementedError

    def get_object(self, request, **kwargs):
        subject = self.subject(request, **kwargs)
        # The feed's own address, without the key that opened it.
        query = urlencode([(k, v) for k, v in request.GET.items() if k != "token"])
        subject.feed_address = f"{request.path}?{query}" if query else request.path
        return subject

    def title(self, subject) -> str:
        return _("%(subject)s · Cooperation tracker") % {"subject": subject.title}

    def subtitle(self, subject) -> str:
        return _("New and changed memoranda, visits and commitments, last changed first.")

    def link(self, subject) -> str:
        return subject.get_absolute_url()

    def feed_url(self, subject) -> str:
        return subject.feed_address

    def items(self, subject):
        return latest_changes(subject, FEED_ITEMS)

    def item_title(self, item) -> str:
        record, _changed_at = item
        return f"{record._meta.verbose_name.capitalize()}: {record}"

    def item_link(self, item) -> str:
        return item[0].get_absolute_url()

    def item_guid(self, item) -> str:
        record = item[0]
        return f"tag:{site_host()},2025:{record._meta.model_name}/{record.pk}"

    def item_updateddate(self, item) -> datetime.datetime:
        record, changed_at = item
        if changed_at:
            return changed_at
        day = getattr(record, f"{DATE_FIELDS[type(record)]}_earliest")
        return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC) if day else UNDATED

    def item_categories(self, item) -> list[str]:
        return [str(item[0]._meta.verbose_name)]

    def item_description(self, item) -> str:
        """Its date in words, its countries and status, and its summary (HTML, escaped)."""
        record = item[0]
        facts = [describe(getattr(record, DATE_FIELDS[type(record)]))]
        if isinstance(record, Memorandum):
            facts += [f"{record.country_a} – {record.country_b}", record.get_status_display()]
        elif isinstance(record, Visit):
            facts += [f"{record.guest_country} – {record.host_country}", record.get_status_display()]
            if record.city:
                facts.append(record.cities_in_words)
        elif isinstance(record, Commitment):
            facts += [_("made at %(origin)s") % {"origin": record.origin}, record.get_status_display()]
        text = escape(" · ".join(str(fact) for fact in facts))
        summary = getattr(record, "summary", "") or getattr(record, "details", "")
        return f"<p>{text}</p><p>{escape(summary)}</p>" if summary else f"<p>{text}</p>"


class TrackerFeed(RecordFeed):
    def subject(self, request):
        return Everything()


class SubjectFeed(RecordFeed):
    """The feed of one followable thing, named in the address."""

    kind = ""

    def subject(self, request, **kwargs):
        try:
            return Follow.of_subject(self.kind, kwargs.get("slug") or kwargs.get("code", ""))
        except ValidationError as error:
            raise Http404(" ".join(error.messages)) from error


class CountryFeed(SubjectFeed):
    kind = Follow.Kind.COUNTRY


class PairFeed(SubjectFeed):
    kind = Follow.Kind.PAIR

    def subject(self, request, code: str, partner: str):
        try:
            return Follow.of_subject(self.kind, f"{code}-{partner}")
        except ValidationError as error:
            raise Http404(" ".join(error.messages)) from error


class SectorFeed(SubjectFeed):
    kind = Follow.Kind.SECTOR


class InstitutionFeed(SubjectFeed):
    kind = Follow.Kind.INSTITUTION


class CommitmentFeed(SubjectFeed):
    kind = Follow.Kind.COMMITMENT


class ListFeed(RecordFeed):
    """A filtered list, read with the list's own parameters; a bad value is a 400 naming its field."""

    list_name = ""

    def subject(self, request):
        subject = Follow(kind=Follow.Kind.SEARCH, list_name=self.list_name)
        subject.query = request.GET.urlencode()
        filterset = subject.filterset(subject.list_model)
        if not filterset.is_valid():
            raise ValidationError(
                [f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()] or [_("Bad filters.")]
            )
        return Follow.of_subject(Follow.Kind.SEARCH, list_name=self.list_name, query=subject.query)


class MemorandumListFeed(ListFeed):
    list_name = Follow.ListName.MEMORANDA


class VisitListFeed(ListFeed):
    list_name = Follow.ListName.VISITS


class CommitmentListFeed(ListFeed):
    list_name = Follow.ListName.COMMITMENTS


tracker_feed = feed_access(TrackerFeed())
country_feed = feed_access(CountryFeed())
pair_feed = feed_access(PairFeed())
sector_feed = feed_access(SectorFeed())
institution_feed = feed_access(InstitutionFeed())
commitment_feed = feed_access(CommitmentFeed())
memorandum_feed = feed_access(MemorandumListFeed())
visit_feed = feed_access(VisitListFeed())
commitment_list_feed = feed_access(CommitmentListFeed())
