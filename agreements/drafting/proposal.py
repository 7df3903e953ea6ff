"""The proposal drafted from an article: what it reports, as records for an editor to confirm."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..fuzzydates import FuzzyDate, describe
from ..search import latin
from . import cues
from .dates import DATELINE, DateContext, DateMention, article_year, dateline_date, find_dates, fold
from .names import Entity, find_entities, similarity, tokens_of
from .places import PlaceMention, find_places
from .reading import DraftInputError
from .text import Sentence, detect_language, sentences

MAX_TITLE = 300


@dataclass
class Evidence:
    """Where a proposed value comes from: a sentence, and the words in it."""

    sentence: Sentence
    start: int = 0
    end: int = 0
    note: str = ""

    @property
    def text(self) -> str:
        return self.sentence.text

    def parts(self) -> tuple[str, str, str]:
        """(before, the words, after), for highlighting."""
        text = self.sentence.text
        return text[: self.start], text[self.start : self.end], text[self.end :]

    def as_json(self) -> str:
        return self.sentence.text


@dataclass
class ProposedSource:
    title: str
    publisher: str
    url: str
    published: str
    language: str
    reference: str = ""

    def as_json(self) -> dict:
        return {
            "title": self.title,
            "publisher": self.publisher,
            "url": self.url,
            "published": self.published,
            "language": self.language,
            "reference": self.reference,
        }


@dataclass
class ProposedVisit:
    id: str
    kind: str
    host: str
    guest: str
    evidence: Evidence
    city: str = ""
    date: str = ""
    status: str = "held"
    aggregate: bool = False
    reference_only: bool = False
    fields: dict[str, Evidence] = field(default_factory=dict)
    people: list[str] = field(default_factory=list)
    institutions: list[str] = field(default_factory=list)
    fulfils: list[str] = field(default_factory=list)
    title: str = ""
    sentences: list[int] = field(default_factory=list)  # every sentence that tells of it

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "status": self.status,
            "host": self.host,
            "guest": self.guest,
            "city": self.city,
            "date": self.date,
            "date_note": self.fields["date"].note if "date" in self.fields else "",
            "people": self.people,
            "institutions": self.institutions,
            "fulfils": self.fulfils,
            "evidence": self.evidence.as_json(),
        }


@dataclass
class ProposedMemorandum:
    id: str
    kind: str
    countries: list[str]
    evidence: Evidence
    signed: str = ""
    parties: list[str] = field(default_factory=list)
    visit: str | None = None
    subject: str = ""
    aggregate: bool = False
    fields: dict[str, Evidence] = field(default_factory=dict)
    fulfils: list[str] = field(default_factory=list)
    title: str = ""

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "countries": self.countries,
            "parties": self.parties,
            "signed": self.signed,
            "signed_note": self.fields["signed"].note if "signed" in self.fields else "",
            "visit": self.visit,
            "fulfils": self.fulfils,
            "evidence": self.evidence.as_json(),
        }


@dataclass
class ProposedCommitment:
    id: str
    text: str
    origin: str | None
    evidence: Evidence
    due: str = ""
    due_note: str = ""
    status: str = "open"
    responsible: list[str] = field(default_factory=list)
    fulfils: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "origin": self.origin,
            "due": self.due,
            "due_note": self.due_note,
            "status": self.status,
            "responsible": self.responsible,
            "fulfils": self.fulfils,
            "evidence": self.evidence.as_json(),
        }


@dataclass
class Proposal:
    language: str
    source: ProposedSource
    countries: list[str]
    institutions: list[Entity]
    people: list[Entity]
    visits: list[ProposedVisit]
    memoranda: list[ProposedMemorandum]
    commitments: list[ProposedCommitment]
    country_evidence: dict[str, Evidence] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "language": self.language,
            "source": self.source.as_json(),
            "countries": self.countries,
            "institutions": [entity_json(e, i, "institution") for i, e in enumerate(self.institutions, 1)],
            "people": [entity_json(e, i, "person") for i, e in enumerate(self.people, 1)],
            "visits": [visit.as_json() for visit in self.visits],
            "memoranda": [memorandum.as_json() for memorandum in self.memoranda],
            "commitments": [commitment.as_json() for commitment in self.commitments],
        }


def entity_json(entity: Entity, number: int, kind: str) -> dict:
    data = {
        "id": f"{kind}-{number}",
        "name": entity.name,
        "country": entity.country,
        "match": entity.match,
        "score": entity.score if entity.match else None,
        "candidates": [{"slug": slug, "name": name, "score": score} for slug, name, score in entity.candidates],
        "evidence": entity.sentence.text,
    }
    if kind == "institution":
        data["kind"] = entity.institution_kind or "other"
        data["via"] = entity.via
    else:
        data["title"] = entity.title
    return data


# ---------------------------------------------------------------- building the proposal


@dataclass
class Read:
    """One sentence, read: its folded text, dates and places."""

    sentence: Sentence
    folded: str
    dates: list[DateMention]
    places: list[PlaceMention]


def draft(
    text: str,
    *,
    language: str | None = None,
    published: datetime.date | None = None,
    title: str = "",
    publisher: str = "",
    url: str = "",
    reference: str = "",
) -> Proposal:
    """The proposal for an article. Reads the database (its institutions, people, cities and open
    commitments) and writes nothing. Raises DraftInputError for a text nothing can be drafted from."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DraftInputError(_("The article is empty: paste its text or upload a file."))
    language = language or detect_language(text)
    found = sentences(text)
    year, inferred = article_year(text, published)
    article_date = published or dateline_date(text, language, year)
    context = DateContext(article_date=article_date, article_year=year, year_is_inferred=inferred and not published)
    cities = known_cities()
    reads = [
        Read(s, fold(s.text), find_dates(s.text, language, context), find_places(s.text, language, cities))
        for s in found
    ]
    dateline = DATELINE.match(text)
    if dateline and reads:  # the report's own date is not the date of what it reports
        reads[0].dates = [d for d in reads[0].dates if d.start >= dateline.end()]
    # Countries by how often they are named; a city counts for its country ("الرياض").
    tally = Counter(p.code for r in reads for p in r.places if not p.city)
    for read in reads:
        for place in read.places:
            if place.city:
                tally[place.code] += 0.5
    if not tally:
        raise DraftInputError(
            _("The article names no country, so there is nothing between two countries to draft from it.")
        )
    countries = [code for code, _n in tally.most_common()]
    country_evidence = {}
    for read in reads:
        for place in read.places:
            if not place.city and place.code not in country_evidence:
                country_evidence[place.code] = Evidence(read.sentence, place.start, place.end)
    institutions, people = find_entities(text, found, language)
    builder = Builder(language, reads, countries, institutions, people)
    builder.build()
    source = ProposedSource(
        title=(title or headline(found) or default_title(language, countries, article_date))[:MAX_TITLE],
        publisher=publisher,
        url=url,
        published=(published or article_date).isoformat() if (published or article_date) else "",
        language=language,
        reference=reference,
    )
    return Proposal(
        language=language,
        source=source,
        countries=countries,
        institutions=institutions,
        people=people,
        visits=builder.visits,
        memoranda=builder.memoranda,
        commitments=builder.commitments,
        country_evidence=country_evidence,
    )


def known_cities() -> dict[str, str]:
    """The Latin key of every city a visit was recorded in, to its host country's code."""
    from ..models import Visit

    return {
        latin(city): code
        for cities, code in Visit.objects.exclude(city="").values_list("city", "host_country__code").distinct()
        for city in Visit.split_cities(cities)
        if latin(city)
    }


def headline(found: list[Sentence]) -> str:
    """The article's headline: its first line that reads as one (short, not a breadcrumb, no full stop)."""
    alone = Counter(sentence.paragraph for sentence in found)
    for sentence in found[:8]:
        line = sentence.text.strip()
        if sentence.list_intro or len(line) < 20 or len(line) > 160 or line.endswith((".", ":", "؟", "?", '"', "”")):
            continue
        if alone[sentence.paragraph] > 1 or sentence.paragraph > 6:
            continue
        if len(line.split()) >= 4:
            return line
    return ""


def default_title(language: str, countries: list[str], date: datetime.date | None) -> str:
    from django_countries import countries as country_names

    names = " – ".join(str(country_names.name(code)) for code in countries[:2])
    if date:
        return _("Article on %(countries)s, %(date)s") % {"countries": names, "date": describe(date.isoformat())}
    return _("Article on %(countries)s") % {"countries": names}


class Builder:
    """Reads the sentences in order into visits, memoranda and commitments, then links them."""

    def __init__(self, language: str, reads: list[Read], countries: list[str], institutions, people):
        self.language = language
        self.reads = reads
        self.countries = countries
        self.pair = countries[:2] if len(countries) >= 2 else countries
        self.institutions = institutions
        self.people = people
        self.visits: list[ProposedVisit] = []
        self.memoranda: list[ProposedMemorandum] = []
        self.commitments: list[ProposedCommitment] = []
        self.dateline_city = self._dateline_city()

    # ------------------------------------------------------------ helpers

    def _dateline_city(self) -> PlaceMention | None:
        if not self.reads:
            return None
        first = self.reads[0]
        cities = [p for p in first.places if p.city and p.start < 40]
        return cities[0] if cities else None

    def entity_ids(self, sentence: Sentence, kind: str) -> list[str]:
        entities = self.institutions if kind == "institution" else self.people
        ids = []
        for number, entity in enumerate(entities, 1):
            if any(s is sentence for s, _a, _b in entity.mentions):
                ids.append(f"{kind}-{number}")
        return ids

    def other(self, code: str) -> str:
        rest = [c for c in self.pair if c != code]
        return rest[0] if rest else ""

    def date_for(self, read: Read, near: int) -> DateMention | None:
        """The date of the sentence nearest to the word at `near`, preferring one after it."""
        dated = [d for d in read.dates if d.kind in ("date", "vague")]
        if not dated:
            return None
        return min(dated, key=lambda d: abs(d.start - near) + (0 if d.start >= near else 5))

    def pair_of(self, read: Read) -> list[str]:
        codes = []
        for place in read.places:
            if place.code not in codes and place.code in self.countries:
                codes.append(place.code)
        return codes

    # ------------------------------------------------------------ visits

    def host_and_guest(self, read: Read, visit_word: re.Match) -> tuple[str, str, str]:
        """(host, guest, city): an ambassador's country is the guest and the one he is accredited to
        the host; a city's country hosts; a country after "to", "in", "в", "في", "زار" hosts and one
        after "of", "from", "из", "من" (or named by an adjective, "the Omani minister") visits; else
        the dateline's country hosts."""
        folded = read.folded
        cities = [p for p in read.places if p.city and p.code in self.countries]
        city = cities[0] if cities else None
        countries = [p for p in read.places if not p.city and p.code in self.countries]
        ambassador = re.search(r"(?:ambassador|посол|سفير)\w*[^.]{0,80}?(?:\bto\b|\bв\b|لدى|إلى|الى)\s", folded)
        if ambassador:
            sent = [p for p in countries if ambassador.start() <= p.start < ambassador.end()]
            posted = [p for p in countries if ambassador.end() <= p.start < ambassador.end() + 40]
            if sent and posted and sent[-1].code != posted[0].code:
                return posted[0].code, sent[-1].code, city.city if city else ""
        if city:
            return city.code, self.other(city.code), city.city
        scores: Counter = Counter()
        for place in countries:
            if abs(place.start - visit_word.start()) > 160:
                continue
            before = folded[max(0, place.start - 30) : place.start]
            if self.is_adjective(place):
                if place.start > visit_word.start():
                    scores[place.code] -= 1  # "the visit of the Omani health minister"
            elif re.search(r"(?:\bof|\bfrom|\bиз|من)\s+(?:the\s+)?(?:\w+\s+){0,2}$", before):
                scores[place.code] -= 2
            elif re.search(
                r"(?:\bto|\bin|visited|\bв|\bво|посетил\w*|في|إلى|الى|زار(?:\s+\S+){0,5})\s+(?:the\s+)?(?:\w+\s+){0,2}$",
                before,
            ):
                scores[place.code] += 2
        if scores:
            best, score = scores.most_common(1)[0]
            worst = min(scores, key=scores.get)
            if score > 0:
                return best, self.other(best), ""
            if scores[worst] < 0:
                return self.other(worst), worst, ""
        if self.dateline_city and self.dateline_city.code in self.pair:
            return self.dateline_city.code, self.other(self.dateline_city.code), ""
        return (self.pair[0], self.other(self.pair[0]), "") if self.pair else ("", "", "")

    def is_adjective(self, place: PlaceMention) -> bool:
        """A country's adjective ("Omani", "белорусско", "العمانية"), not its name ("Омана")."""
        phrase = fold(place.phrase)
        if phrase in {fold(n) for n in self.country_names(place.code)}:
            return False
        if self.language == "en":
            return phrase.endswith(("ian", "an", "i", "ese", "ish"))
        if self.language == "ru":
            return place.phrase[:1].islower() or "ск" in phrase[-6:]
        return phrase.endswith(("ي", "يه", "يين", "يون", "يان"))

    def country_names(self, code: str) -> list[str]:
        from .places import country_names

        return [" ".join(words) for words, c in country_names(self.language) if c == code]

    def visit_kind(self, read: Read, word: re.Match) -> str:
        """The kind named around the visit word ("state visit", "forum"), else told by who meets:
        the nearest of an ambassador, a parliament, a minister or heads of state, after the word
        first ("talks between Belarusian President … and Sultan …")."""
        window_start = max(0, word.start() - 100)
        window = read.folded[window_start : word.end() + 100]
        for kind, table in cues.VISIT_KINDS[:7]:
            if cues.find(table, self.language, window):
                return kind
        nearest: tuple[int, str] | None = None
        for kind, table in cues.VISIT_KINDS[7:]:
            for match in cues.find_all(table, self.language, window):
                offset = window_start + match.start() - word.start()
                distance = offset if offset >= 0 else 3 * -offset
                if nearest is None or distance < nearest[0]:
                    nearest = (distance, kind)
        return nearest[1] if nearest else "other"

    def read_visits(self, read: Read, promise_context: bool) -> None:
        if promise_context:
            return
        words = cues.find_all(cues.VISIT, self.language, read.folded)
        if not words:
            return
        references = cues.find_all(cues.REFERENCE, self.language, read.folded)
        word = next((w for w in words if not any(r.start() <= w.start() < r.end() for r in references)), None)
        date = self.date_for(read, (word or words[0]).start())
        own_date = date is not None and date.edtf != ""
        bare_verb = word is not None and cues.compiled(cues.VISIT_VERBS[self.language], self.language).fullmatch(
            word.group()
        )
        if (word is None or bare_verb) and not own_date and self.visits:
            self.refer_back(read)
            return
        word = word or words[0]
        plural = cues.find(cues.PLURAL_VISITS, self.language, read.folded)
        frequency = plural and cues.find(
            cues.FREQUENCY, self.language, read.folded[max(0, plural.start() - 40) : plural.end() + 40]
        )
        aggregate = bool(plural) and bool(frequency or own_date)
        if plural and not aggregate and word.group().lower() in ("visits", "meetings"):
            return  # "facilitating exchange visits": no one event
        kind = self.visit_kind(read, word)
        host, guest, city = self.host_and_guest(read, word)
        if not host or not guest or host == guest:
            return
        planned = cues.find(cues.PLANNED, self.language, read.folded[max(0, word.start() - 60) : word.end() + 60])
        evidence = Evidence(read.sentence, word.start(), word.end())
        lead_city = self.dateline_city.city if self.dateline_city and self.dateline_city.code == host else ""
        visit = ProposedVisit(
            id="",
            kind=kind,
            host=host,
            guest=guest,
            city=city or (lead_city if not self.visits else ""),
            evidence=evidence,
            status="planned" if planned else "held",
            aggregate=aggregate,
            sentences=[read.sentence.index],
        )
        visit.fields["kind"] = evidence
        if date is not None:
            visit.date = date.edtf
            visit.fields["date"] = Evidence(read.sentence, date.start, date.end, date.note)
        if self.visits and re.search(r"в\s+ходе|\bduring\b|خلال|следующий\s+день|next\s+day", read.folded):
            # A meeting during the visit before it ("В ходе поездки …"): held there, then.
            last = self.visits[-1]
            if not own_date or date.note:
                visit.date = last.date if not own_date else visit.date
                if not own_date:
                    visit.fields["date"] = Evidence(
                        read.sentence, word.start(), word.end(), _("During the visit before it: its dates.")
                    )
                visit.host, visit.guest, visit.city = last.host, last.guest, visit.city or last.city
        cities = [p for p in read.places if p.city]
        if cities:
            visit.fields["city"] = Evidence(read.sentence, cities[0].start, cities[0].end)
        pair_places = [p for p in read.places if not p.city and p.code in (host, guest)]
        if pair_places:
            visit.fields["host"] = Evidence(read.sentence, pair_places[0].start, pair_places[-1].end)
        visit.people = self.entity_ids(read.sentence, "person")
        visit.institutions = self.entity_ids(read.sentence, "institution")
        for existing in self.visits:
            if self.same_visit(existing, visit):
                self.merge_visit(existing, visit)
                return
        visit.id = f"visit-{len(self.visits) + 1}"
        self.visits.append(visit)

    def refer_back(self, read: Read) -> None:
        """A sentence about the visit already described ("the meeting"): its people take part in it."""
        if self.visits:
            last = self.visits[-1]
            last.sentences.append(read.sentence.index)
            for person in self.entity_ids(read.sentence, "person"):
                if person not in last.people:
                    last.people.append(person)

    def same_visit(self, a: ProposedVisit, b: ProposedVisit) -> bool:
        if {a.host, a.guest} != {b.host, b.guest} or a.aggregate != b.aggregate:
            return False
        if a.date and b.date and not overlaps(a.date, b.date):
            return False
        return a.kind == b.kind and a.status == b.status

    def merge_visit(self, into: ProposedVisit, other: ProposedVisit) -> None:
        if precision(other.date) > precision(into.date):
            into.date = other.date
            into.fields["date"] = other.fields["date"]
        if into.kind == "other" and other.kind != "other":
            into.kind, into.fields["kind"] = other.kind, other.fields["kind"]
        if not into.city and other.city:
            into.city = other.city
            if "city" in other.fields:
                into.fields["city"] = other.fields["city"]
        into.people += [p for p in other.people if p not in into.people]
        into.institutions += [i for i in other.institutions if i not in into.institutions]
        into.sentences += other.sentences

    # ------------------------------------------------------------ memoranda

    def read_memoranda(self, read: Read, promise_context: bool) -> ProposedMemorandum | None:
        if promise_context:
            return None
        signed = cues.find(cues.SIGNED, self.language, read.folded)
        if not signed:
            return None
        if cues.find(cues.NOT_YET_SIGNED, self.language, read.folded[max(0, signed.start() - 40) : signed.end()]):
            return None
        document, kind = None, "other"
        for document_kind, table in cues.DOCUMENTS:
            document = cues.find(table, self.language, read.folded)
            if document:
                kind = document_kind
                break
        if document is not None and abs(document.start() - signed.start()) > 200:
            return None  # "… will lead to new agreements," Aleinik concluded.
        count = cues.find(cues.COUNT, self.language, read.folded)
        dates = [d for d in read.dates if d.kind in ("date", "until")]
        if document is None and not [d for d in dates if d.kind == "date"]:
            return None
        pair = self.pair_of(read)
        countries = list(dict.fromkeys(c for c in (pair + self.pair) if c in self.pair))[:2]
        if len(countries) < 2:
            return None
        anchor = document or signed
        evidence = Evidence(read.sentence, anchor.start(), anchor.end())
        memorandum = ProposedMemorandum(
            id="", kind="other" if count else kind, countries=countries, evidence=evidence, aggregate=bool(count)
        )
        memorandum.fields["kind"] = evidence
        signing_dates = [d for d in dates if d.kind == "date" and d.edtf]
        if signing_dates:
            date = min(signing_dates, key=lambda d: abs(d.start - signed.start()))
            memorandum.signed = date.edtf
            memorandum.fields["signed"] = Evidence(read.sentence, date.start, date.end, date.note)
        subject = cues.compiled(cues.SUBJECT[self.language], self.language).search(
            read.folded[anchor.end() : anchor.end() + 200]
        )
        if subject and document:
            start = anchor.end() + subject.start("subject")
            memorandum.subject = read.sentence.text[start : anchor.end() + subject.end("subject")].strip()
        parties = self.entity_ids(read.sentence, "institution")
        memorandum.parties = [p for p in parties if not self.institutions[int(p.split("-")[1]) - 1].via]
        memorandum.fields["parties"] = evidence
        for visit in self.visits:
            if read.sentence.index in visit.sentences and not visit.aggregate:
                memorandum.visit = visit.id
                memorandum.fields["visit"] = visit.evidence
        for existing in self.memoranda:
            if self.same_memorandum(existing, memorandum):
                self.merge_memorandum(existing, memorandum)
                return existing
        memorandum.id = f"memorandum-{len(self.memoranda) + 1}"
        self.memoranda.append(memorandum)
        return memorandum

    def same_memorandum(self, a: ProposedMemorandum, b: ProposedMemorandum) -> bool:
        if a.kind != b.kind or a.aggregate or b.aggregate or set(a.countries) != set(b.countries):
            return False
        if a.signed and b.signed and not overlaps(a.signed, b.signed):
            return False
        if a.parties and b.parties:
            return bool(set(a.parties) & set(b.parties))
        if a.subject and b.subject:
            return subject_overlap(a.subject, b.subject)
        return bool(a.signed and b.signed)

    def merge_memorandum(self, into: ProposedMemorandum, other: ProposedMemorandum) -> None:
        if precision(other.signed) > precision(into.signed):
            into.signed, into.fields["signed"] = other.signed, other.fields["signed"]
        into.parties += [p for p in other.parties if p not in into.parties]
        into.visit = into.visit or other.visit

    # ------------------------------------------------------------ commitments

    def read_commitments(self, read: Read, promise_context: bool, memorandum: ProposedMemorandum | None) -> None:
        promise = cues.find(cues.PROMISE, self.language, read.folded)
        text = read.sentence.text
        if not (promise or promise_context) or text.rstrip().endswith(":"):
            return
        start = 0
        if promise_context:
            what = text.strip().rstrip(";.")
        else:
            opening = cues.compiled(cues.PROMISE_START[self.language], self.language).search(
                read.folded, promise.start()
            )
            if opening and opening.start() - promise.start() < 30:
                start = opening.end()
            start += len(text[start:]) - len(text[start:].lstrip())
            what = text[start:].rstrip().rstrip(";.")
        if len(what) < 12:
            return
        origin = self.origin_for(read, memorandum)
        if origin is None:
            return
        after = promise.start() if promise else 0
        # One promise of two things ("… Memorandum between the ministries, as well as a Memorandum
        # between the centres"): two commitments.
        parts = [(start, start + len(what))]
        both = re.search(r",?\s+(?:а\s+также|as\s+well\s+as|وكذلك)\s+", text[start : start + len(what)])
        if both and both.start() >= 25 and len(what) - both.end() >= 25:
            parts = [(start, start + both.start()), (start + both.end(), start + len(what))]
        for first, last in parts:
            clause = text[first:last].strip().rstrip(";.,")
            due = next(
                (
                    d
                    for d in read.dates
                    if d.kind in ("until", "date", "vague") and d.start >= max(after, first) and d.start < last
                ),
                None,
            )
            commitment = ProposedCommitment(
                id=f"commitment-{len(self.commitments) + 1}",
                text=capfirst(clause)[:MAX_TITLE],
                origin=origin,
                evidence=Evidence(read.sentence, first, last),
            )
            if due is not None:
                commitment.due = due.edtf if due.kind != "vague" else ""
                commitment.due_note = due.note
            if re.search(r"continues|ongoing|progress|مستمرة|قيد\s+التطوير|التقدم\s+المحرز|продолжа", read.folded):
                commitment.status = "in-progress"
            commitment.responsible = self.pair_of(read) or list(self.pair)
            if any(c.origin == origin and same_words(c.text, commitment.text) for c in self.commitments):
                continue
            self.commitments.append(commitment)

    def subject_commitment(self, read: Read, memorandum: ProposedMemorandum) -> None:
        """A memorandum "on the exchange of experience" promises that exchange."""
        if len(memorandum.subject.split()) < 3 or memorandum.aggregate:
            return  # "in the field of healthcare" names a field, not a promise
        if any(c.origin == memorandum.id for c in self.commitments):
            return
        start = read.sentence.text.find(memorandum.subject)
        self.commitments.append(
            ProposedCommitment(
                id=f"commitment-{len(self.commitments) + 1}",
                text=capfirst(memorandum.subject)[:MAX_TITLE],
                origin=memorandum.id,
                evidence=Evidence(read.sentence, max(start, 0), max(start, 0) + len(memorandum.subject)),
                responsible=list(memorandum.countries),
            )
        )

    def origin_for(self, read: Read, memorandum: ProposedMemorandum | None) -> str | None:
        """Where a promise was made: the memorandum of its sentence, else the last joint statement
        or memorandum before it, else the last visit held before it, else the first visit."""
        statements = [m for m in self.memoranda if m.kind == "joint-statement"]
        if statements:
            return statements[-1].id
        if memorandum is not None:
            return memorandum.id
        held = [v for v in self.visits if v.status == "held" and not v.aggregate]
        recent = [m for m in self.memoranda if m.evidence.sentence.index >= read.sentence.index - 2 and not m.aggregate]
        if recent:
            return recent[-1].id
        if held:
            return held[0].id if not held[-1].date else held[-1].id
        if self.visits:
            return self.visits[0].id
        return self.memoranda[-1].id if self.memoranda else None

    # ------------------------------------------------------------ the whole article

    def build(self) -> None:
        title = fold(headline([r.sentence for r in self.reads]))
        for read in self.reads:
            if cues.BOILERPLATE.search(read.sentence.text) or (title and read.folded.strip() == title):
                continue
            intro = read.sentence.list_intro
            promise_context = bool(intro) and bool(cues.find(cues.CONTEXT, self.language, fold(intro)))
            self.read_visits(read, promise_context)
            memorandum = self.read_memoranda(read, promise_context)
            if memorandum is not None:
                self.subject_commitment(read, memorandum)
            self.read_commitments(read, promise_context, memorandum)
        for memorandum in self.memoranda:
            self.date_from_visit(memorandum)
        self.link_lead_event()
        self.find_fulfilments()
        for visit in self.visits:
            visit.title = visit_title(visit)
        for memorandum in self.memoranda:
            memorandum.title = memorandum_title(memorandum, self.institutions)

    def date_from_visit(self, memorandum: ProposedMemorandum) -> None:
        """A memorandum signed during a visit, with no date of its own, is dated by the visit; a joint
        statement naming no party is the statement of the offices of the visit's leaders."""
        visit = next((v for v in self.visits if v.id == memorandum.visit), None)
        if visit and memorandum.kind == "joint-statement" and not memorandum.parties:
            leaders = {self.people[int(p.split("-")[1]) - 1].match_name for p in visit.people}
            memorandum.parties = [
                f"institution-{number}"
                for number, entity in enumerate(self.institutions, 1)
                if entity.via and entity.via in leaders
            ]
        if visit and visit.date and (not memorandum.signed or precision(visit.date) > precision(memorandum.signed)):
            if not memorandum.signed or overlaps(visit.date, memorandum.signed):
                memorandum.signed = visit.date
                memorandum.fields["signed"] = Evidence(
                    visit.evidence.sentence,
                    visit.fields["date"].start if "date" in visit.fields else 0,
                    visit.fields["date"].end if "date" in visit.fields else 0,
                    _("The dates of the visit during which it was signed."),
                )

    def link_lead_event(self) -> None:
        """The article's lead sentence often reports the signing ceremony of its main visit
        ("the ceremony to bilateral documents on 6 October"): a memorandum with no visit whose
        date fits that visit's was signed during it."""
        if not self.visits:
            return
        lead = self.visits[0]
        if lead.evidence.sentence.index > 1 or not re.search(
            r"ceremon|documents|signing|подписан|документ|توقيع|وثائق", fold(lead.evidence.sentence.text)
        ):
            return
        for memorandum in self.memoranda:
            if memorandum.visit or memorandum.aggregate or set(memorandum.countries) != {lead.host, lead.guest}:
                continue
            if not memorandum.signed or (lead.date and overlaps(lead.date, memorandum.signed)):
                memorandum.visit = lead.id
                memorandum.fields["visit"] = lead.evidence
                self.date_from_visit(memorandum)

    def find_fulfilments(self) -> None:
        """Open commitments in the database that a proposed visit or memorandum keeps."""
        from ..models import Commitment

        if len(self.pair) < 2:
            return
        open_commitments = list(
            Commitment.objects.between(*self.pair)
            .unresolved()
            .only("slug", "title", "due", "due_earliest", "due_latest")
        )
        for record in [*self.visits, *self.memoranda]:
            date = getattr(record, "date", "") or getattr(record, "signed", "")
            words = self.words_of(record)
            is_visit = isinstance(record, ProposedVisit)
            for commitment in open_commitments:
                title = commitment.title
                if is_visit and not re.search(r"visit|визит|زيار", title, re.IGNORECASE):
                    continue
                if not is_visit and not re.search(
                    r"memorand|mou|agreement|меморандум|соглашени|مذكر|اتفاق", title, re.IGNORECASE
                ):
                    continue
                if date and commitment.due and not overlaps(date, commitment.due):
                    continue
                if commitment_fits(title, words):
                    record.fulfils.append(commitment.slug)

    def words_of(self, record) -> list[str]:
        """Latin keys of what names a proposed record: its sentence, and its people's and
        institutions' names in the database."""
        from ..models import Institution, Person

        texts = [record.evidence.sentence.text, getattr(record, "subject", "")]
        ids = getattr(record, "people", []) + getattr(record, "institutions", []) + getattr(record, "parties", [])
        slugs = {"person": [], "institution": []}
        for entity_id in ids:
            kind, number = entity_id.split("-")
            entity = (self.people if kind == "person" else self.institutions)[int(number) - 1]
            texts.append(entity.name)
            if entity.match:
                slugs[kind].append(entity.match)
        for institution in Institution.objects.filter(slug__in=slugs["institution"]).prefetch_related(
            "alternative_names"
        ):
            texts += [institution.name] + [a.name for a in institution.alternative_names.all()]
        for person in Person.objects.filter(slug__in=slugs["person"]):
            texts += [person.name, person.title]
        return [key for t in texts for token in tokens_of(t, "en") for key in token.keys]


GENERIC_WORDS = {
    "prepare",
    "memorandum",
    "understanding",
    "cooperation",
    "between",
    "sign",
    "signing",
    "visit",
    "agreement",
    "mou",
    "the",
    "and",
    "of",
    "for",
    "with",
    "to",
    "in",
    "a",
    "an",
    "two",
    "on",
    "representatives",
}


def commitment_fits(title: str, words: list[str]) -> bool:
    """Whether most of what a commitment's title names (beyond "prepare a memorandum") is named
    by the proposed record."""
    keys = [k for token in tokens_of(title, "en") for k in token.keys[:1] if k not in GENERIC_WORDS and len(k) >= 3]
    if not keys:
        return False
    hits = sum(1 for key in keys if any(similarity(key, word) >= 0.9 for word in words))
    return hits / len(keys) >= 0.6


def overlaps(a: str, b: str) -> bool:
    try:
        first, second = FuzzyDate.parse(a), FuzzyDate.parse(b)
    except Exception:  # noqa: BLE001 - a proposal's date that is not EDTF never overlaps
        return False
    if not (first.earliest and second.earliest):
        return True
    return first.earliest <= second.latest and second.earliest <= first.latest


def precision(edtf: str) -> int:
    """How precise an EDTF value is: a day beats a month, a month a season, a season a year."""
    if not edtf:
        return 0
    try:
        fuzzy = FuzzyDate.parse(edtf)
    except Exception:  # noqa: BLE001
        return 0
    if not fuzzy.earliest:
        return 0
    return 10_000 - (fuzzy.latest - fuzzy.earliest).days


def same_words(a: str, b: str) -> bool:
    """Two promises in nearly the same words (a memorandum's subject restated in the next clause)."""
    from rapidfuzz import fuzz

    return fuzz.token_set_ratio(latin(a), latin(b)) >= 85


def subject_overlap(a: str, b: str) -> bool:
    first = {k for t in tokens_of(a, "en") for k in t.keys[:1] if len(k) >= 4}
    second = {k for t in tokens_of(b, "en") for k in t.keys[:1] if len(k) >= 4}
    if not first or not second:
        return False
    shared = sum(1 for x in first if any(similarity(x, y) >= 0.9 for y in second))
    return shared / min(len(first), len(second)) >= 0.5


def visit_title(visit: ProposedVisit) -> str:
    from django_countries import countries as country_names

    from ..models import Visit

    kind = dict(Visit.Kind.choices).get(visit.kind, visit.kind)
    title = _("%(kind)s: %(guest)s in %(host)s") % {
        "kind": capfirst(str(kind)),
        "guest": country_names.name(visit.guest),
        "host": country_names.name(visit.host),
    }
    if visit.date:
        title += f", {describe(visit.date)}"
    return title[:MAX_TITLE]


def memorandum_title(memorandum: ProposedMemorandum, institutions: list[Entity]) -> str:
    from django_countries import countries as country_names

    from ..models import Memorandum

    kind = capfirst(str(dict(Memorandum.Kind.choices).get(memorandum.kind, memorandum.kind)))
    parties = [institutions[int(p.split("-")[1]) - 1] for p in memorandum.parties]
    names = [p.match_name or p.name for p in parties]
    if len(names) >= 2:
        title = _("%(kind)s between %(first)s and %(second)s") % {"kind": kind, "first": names[0], "second": names[1]}
    else:
        a, b = memorandum.countries[:2]
        title = _("%(kind)s between %(first)s and %(second)s") % {
            "kind": kind,
            "first": country_names.name(a),
            "second": country_names.name(b),
        }
    return title[:MAX_TITLE]
