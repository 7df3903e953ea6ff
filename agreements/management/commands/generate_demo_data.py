"""Synthetic records at archive scale, for benchmarks and for trying the pages on real volumes.

Every slug starts with "demo-", so the rows never collide with real records and `--clear`
removes exactly them. The same --memoranda and --seed always give the same records.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import itertools
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import translation
from django.utils.text import slugify
from django_countries import countries as iso_countries
from reversion.models import Revision

from agreements import history
from agreements.fuzzydates import FuzzyDate
from agreements.models import (
    Commitment,
    Country,
    Institution,
    InstitutionName,
    Memorandum,
    MemorandumRelation,
    Person,
    PersonName,
    Sector,
    Signatory,
    Source,
    Visit,
    update_statistics,
)

PREFIX = "demo-"
HISTORY_COMMENT = "Generated as demo data"
BATCH = 1000
CHUNK = 5000

# ISO code, capital, weight (how often the country takes part), naming tradition.
COUNTRIES = [
    ("BY", "Minsk", 30, "ru"),
    ("RU", "Moscow", 25, "ru"),
    ("OM", "Muscat", 18, "ar"),
    ("AE", "Abu Dhabi", 16, "ar"),
    ("CN", "Beijing", 16, ""),
    ("IN", "New Delhi", 10, ""),
    ("TR", "Ankara", 10, ""),
    ("EG", "Cairo", 10, "ar"),
    ("UZ", "Tashkent", 10, "ru"),
    ("KZ", "Astana", 10, "ru"),
    ("IR", "Tehran", 8, ""),
    ("SA", "Riyadh", 8, "ar"),
    ("QA", "Doha", 6, "ar"),
    ("VE", "Caracas", 6, ""),
    ("CU", "Havana", 5, ""),
    ("VN", "Hanoi", 6, ""),
    ("AZ", "Baku", 6, "ru"),
    ("AM", "Yerevan", 5, "ru"),
    ("KG", "Bishkek", 4, "ru"),
    ("TJ", "Dushanbe", 4, "ru"),
    ("TM", "Ashgabat", 3, "ru"),
    ("MN", "Ulaanbaatar", 3, ""),
    ("PK", "Islamabad", 4, ""),
    ("ID", "Jakarta", 4, ""),
    ("MY", "Kuala Lumpur", 3, ""),
    ("TH", "Bangkok", 3, ""),
    ("KW", "Kuwait City", 3, "ar"),
    ("BH", "Manama", 2, "ar"),
    ("JO", "Amman", 3, "ar"),
    ("IQ", "Baghdad", 3, "ar"),
    ("DZ", "Algiers", 3, "ar"),
    ("MA", "Rabat", 2, "ar"),
    ("TN", "Tunis", 2, "ar"),
    ("SY", "Damascus", 2, "ar"),
    ("LB", "Beirut", 1, "ar"),
    ("ZW", "Harare", 3, ""),
    ("NG", "Abuja", 2, ""),
    ("KE", "Nairobi", 2, ""),
    ("ET", "Addis Ababa", 2, ""),
    ("ZA", "Pretoria", 2, ""),
    ("BR", "Brasília", 3, ""),
    ("AR", "Buenos Aires", 2, ""),
    ("NI", "Managua", 2, ""),
    ("RS", "Belgrade", 3, ""),
    ("HU", "Budapest", 2, ""),
    ("DE", "Berlin", 3, ""),
    ("IT", "Rome", 2, ""),
    ("FR", "Paris", 2, ""),
]

# Used only when the database has no real sectors yet: (name, DAC code, children).
SECTOR_TREE = [
    ("Healthcare", "12110", [("Oncology", "12191"), ("Pharmaceuticals", "32168"), ("Medical education", "12181")]),
    ("Education", "11110", [("Higher education", "11420"), ("Vocational training", "11330")]),
    ("Agriculture", "31110", [("Dairy farming", "31163"), ("Irrigation", "31140"), ("Food security", "43072")]),
    ("Energy", "23110", [("Nuclear energy", "23510"), ("Renewable energy", "23210"), ("Oil and gas", "32262")]),
    ("Industry", "32110", [("Machine building", "32169"), ("Automotive", "32169"), ("Chemicals", "32164")]),
    ("Transport and logistics", "21010", [("Railways", "21030"), ("Civil aviation", "21050")]),
    ("Science and technology", "43082", [("Space research", ""), ("Digital economy", "22040")]),
    ("Culture and tourism", "16061", []),
]

# (English, Russian, Arabic) for the ministries every country gets.
MINISTRIES = [
    ("Ministry of Health", "Министерство здравоохранения", "وزارة الصحة"),
    ("Ministry of Education", "Министерство образования", "وزارة التربية والتعليم"),
    ("Ministry of Agriculture", "Министерство сельского хозяйства", "وزارة الزراعة"),
    ("Ministry of Energy", "Министерство энергетики", "وزارة الطاقة"),
    ("Ministry of Industry", "Министерство промышленности", "وزارة الصناعة"),
    ("Ministry of Foreign Affairs", "Министерство иностранных дел", "وزارة الخارجية"),
    ("Ministry of Economy", "Министерство экономики", "وزارة الاقتصاد"),
    ("Ministry of Transport", "Министерство транспорта", "وزارة النقل"),
]

# (kind, English pattern, Russian pattern, Arabic pattern); {n} a number, {topic} a field, {city} the capital.
OTHER_INSTITUTIONS = [
    (Institution.Kind.UNIVERSITY, "{city} State University No. {n}", "Государственный университет № {n}", "جامعة {n}"),
    (
        Institution.Kind.HOSPITAL,
        "Republican Clinical Hospital No. {n}",
        "Республиканская клиническая больница № {n}",
        "المستشفى السريري رقم {n}",
    ),
    (
        Institution.Kind.RESEARCH_CENTRE,
        "Research Institute of {topic} No. {n}",
        "Научно-исследовательский институт № {n}",
        "معهد البحوث رقم {n}",
    ),
    (Institution.Kind.ENTERPRISE, "{city} {topic} Works No. {n}", "Завод № {n}", "المصنع رقم {n}"),
    (
        Institution.Kind.AGENCY,
        "National {topic} Agency No. {n}",
        "Национальное агентство № {n}",
        "الوكالة الوطنية رقم {n}",
    ),
]

TOPICS = [
    "oncology",
    "vaccines",
    "pharmaceuticals",
    "medical education",
    "higher education",
    "vocational training",
    "dairy farming",
    "irrigation",
    "food security",
    "nuclear energy",
    "solar power",
    "oil refining",
    "tractors and agricultural machinery",
    "lorries and buses",
    "potash fertilisers",
    "railway rolling stock",
    "civil aviation",
    "satellite imagery",
    "digital government",
    "tourism",
    "customs procedures",
    "standardisation",
]

# (Latin, Cyrillic) and (Latin, Arabic) name parts; other countries use the plain list.
RU_FIRST = [("Ivan", "Иван"), ("Sergei", "Сергей"), ("Olga", "Ольга"), ("Natalia", "Наталья"), ("Dmitry", "Дмитрий")]
RU_FIRST += [("Aleksandr", "Александр"), ("Elena", "Елена"), ("Viktor", "Виктор"), ("Anna", "Анна")]
RU_LAST = [("Petrov", "Петров"), ("Ivanov", "Иванов"), ("Kovalenko", "Коваленко"), ("Smirnov", "Смирнов")]
RU_LAST += [("Volkov", "Волков"), ("Karpenko", "Карпенко"), ("Lukashevich", "Лукашевич"), ("Sokolov", "Соколов")]
AR_FIRST = [("Ahmed", "أحمد"), ("Mohammed", "محمد"), ("Fatima", "فاطمة"), ("Said", "سعيد"), ("Salim", "سالم")]
AR_FIRST += [("Khalid", "خالد"), ("Aisha", "عائشة"), ("Hilal", "هلال"), ("Mariam", "مريم")]
AR_LAST = [("Al-Balushi", "البلوشي"), ("Al-Harthy", "الحارثي"), ("Al-Busaidi", "البوسعيدي")]
AR_LAST += [("Al-Mansouri", "المنصوري"), ("Haddad", "حداد"), ("Al-Rawahi", "الرواحي"), ("Nasser", "ناصر")]
OTHER_FIRST = ["Li", "Wei", "Arjun", "Priya", "Mehmet", "Ayse", "Carlos", "Maria", "Nguyen", "Tendai", "Ana", "Jan"]
OTHER_LAST = ["Zhang", "Sharma", "Yilmaz", "Rodriguez", "Tran", "Moyo", "Kovacs", "Silva", "Novak", "Okafor"]
ROLES = ["Minister", "Deputy Minister", "Rector", "Director General", "Chief Physician", "Ambassador", "Chairman"]

PUBLISHERS = [
    ("BelTA", "ru"),
    ("TASS", "ru"),
    ("Oman News Agency", "ar"),
    ("WAM", "ar"),
    ("Xinhua", "en"),
    ("Press TV", "en"),
    ("Anadolu Agency", "en"),
    ("Ministry press office", "en"),
]

MEMORANDUM_TITLES = {
    Memorandum.Kind.MOU: "Memorandum of understanding on {topic} between {a} and {b}",
    Memorandum.Kind.AGREEMENT: "Agreement between {a} and {b} on cooperation in {topic}",
    Memorandum.Kind.JOINT_STATEMENT: "Joint statement of {a} and {b} on {topic}",
    Memorandum.Kind.PROGRAMME: "Programme of cooperation in {topic} between {a} and {b}",
    Memorandum.Kind.CONTRACT: "Contract for the supply of {topic} equipment from {a} to {b}",
    Memorandum.Kind.PROTOCOL: "Protocol of the joint commission of {a} and {b} on {topic}",
    Memorandum.Kind.ROADMAP: "Roadmap for {topic} cooperation between {a} and {b}",
    Memorandum.Kind.OTHER: "Exchange of letters between {a} and {b} on {topic}",
}
SUMMARIES = [
    "The parties agree to exchange specialists in {topic} and to hold joint seminars in {city}.",
    "Provides for a joint venture in {topic}, with training of staff and transfer of technology.",
    "Sets out the steps for {topic}: a working group, a pilot project and a review after two years.",
    "Covers research, student exchanges and the mutual recognition of diplomas in {topic}.",
    "Signed on the sidelines of the intergovernmental commission; {topic} is named a priority.",
    "",
]
COMMITMENT_TITLES = [
    "Hold a joint seminar on {topic}",
    "Open a centre for {topic} in {city}",
    "Exchange delegations of {topic} specialists",
    "Prepare a draft agreement on {topic}",
    "Deliver the first batch of {topic} equipment",
    "Set up a working group on {topic}",
    "Sign a roadmap on {topic}",
]

WEIGHTED = {
    "memorandum_kind": [(Memorandum.Kind.MOU, 40), (Memorandum.Kind.AGREEMENT, 20)]
    + [(Memorandum.Kind.JOINT_STATEMENT, 8), (Memorandum.Kind.PROGRAMME, 8), (Memorandum.Kind.CONTRACT, 10)]
    + [(Memorandum.Kind.PROTOCOL, 6), (Memorandum.Kind.ROADMAP, 6), (Memorandum.Kind.OTHER, 2)],
    "memorandum_status": [(Memorandum.Status.SIGNED, 45), (Memorandum.Status.IN_FORCE, 25)]
    + [(Memorandum.Status.EXPIRED, 12), (Memorandum.Status.TERMINATED, 3), (Memorandum.Status.UNDER_PREPARATION, 15)],
    "visit_kind": [(Visit.Kind.OFFICIAL, 25), (Visit.Kind.WORKING, 20), (Visit.Kind.MINISTERIAL, 20)]
    + [(Visit.Kind.STATE, 5), (Visit.Kind.FORUM, 10), (Visit.Kind.AMBASSADORIAL, 10)]
    + [(Visit.Kind.PARLIAMENTARY, 5), (Visit.Kind.EXHIBITION, 3), (Visit.Kind.OTHER, 2)],
    "visit_status": [(Visit.Status.HELD, 85), (Visit.Status.PLANNED, 10), (Visit.Status.CANCELLED, 5)],
    "commitment_status": [(Commitment.Status.OPEN, 30), (Commitment.Status.IN_PROGRESS, 20)]
    + [(Commitment.Status.FULFILLED, 25), (Commitment.Status.LAPSED, 15), (Commitment.Status.CANCELLED, 10)],
    # How precisely a date is known; the archive has every kind.
    "precision": [("day", 35), ("month", 18), ("interval", 10), ("season", 7), ("year", 10)]
    + [("uncertain", 6), ("approximate", 6), ("unknown", 8)],
}


class Dates:
    """EDTF strings of every precision, from a fixed pool of distinct strings (a record's bounds
    are worked out on write, once per distinct string: see `agreements.fuzzydates`)."""

    def __init__(self, rng: random.Random, size: int):
        self.rng = rng
        self.pool: dict[str, list[str]] = {}
        precisions, weights = zip(*WEIGHTED["precision"], strict=True)
        total = sum(weights)
        for precision, weight in zip(precisions, weights, strict=True):
            count = 1 if precision == "unknown" else max(2, size * weight // total)
            self.pool[precision] = sorted({self._make(precision) for _ in range(count)})
        self.precisions = precisions
        self.weights = list(itertools.accumulate(weights))

    def _year(self) -> int:
        # More records in recent years, as in any archive.
        return 2025 - int(self.rng.triangular(0, 30, 0))

    def _make(self, precision: str) -> str:
        rng, year = self.rng, self._year()
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        if precision == "day":
            return day.isoformat()
        if precision == "month":
            return f"{year}-{day.month:02d}"
        if precision == "interval":
            return f"{day.isoformat()}/{(day + datetime.timedelta(days=rng.randint(1, 4))).isoformat()}"
        if precision == "season":
            return f"{year}-{rng.randint(21, 24)}"
        if precision == "year":
            return str(year)
        if precision == "uncertain":
            return rng.choice([f"{year}-{day.month:02d}?", f"{year}?", f"{day.isoformat()}?"])
        if precision == "approximate":
            return rng.choice([f"{year}~", f"{year}-{day.month:02d}~", f"{day.isoformat()}~"])
        return ""

    def pick(self, *only: str) -> str:
        if only:
            precision = self.rng.choice(only)
        else:
            precision = self.rng.choices(self.precisions, cum_weights=self.weights)[0]
        return self.rng.choice(self.pool[precision])

    @staticmethod
    def parse(value: str) -> FuzzyDate:
        return FuzzyDate.parse(value)


def write(model, records: list) -> list:
    """Write new records through the models' own write path (`prepare_for_write`: slug, date
    bounds, search keys), a batch at a time."""
    for record in records:
        record.prepare_for_write()
    return model.objects.bulk_create(records, batch_size=BATCH)


def clear_demo_rows() -> int:
    """Delete every demo record, in dependency order, with the querysets' own delete()."""
    demo = {"slug__startswith": PREFIX}
    deleted = Revision.objects.filter(comment=HISTORY_COMMENT).delete()[0]  # with their versions
    for model, fields in [
        (Commitment, ["responsible_countries", "responsible_institutions", "sectors", "sources"]),
        (Memorandum, ["sectors", "sources"]),
        (Visit, ["participants", "people_met", "institutions", "sectors", "sources"]),
        (Institution, ["sources"]),
        (Person, ["sources"]),
    ]:
        for field in fields:
            through = getattr(model, field).through
            deleted += through.objects.filter(**{f"{model._meta.model_name}__slug__startswith": PREFIX}).delete()[0]
    deleted += Commitment.objects.filter(**demo).delete()[0]
    deleted += MemorandumRelation.objects.filter(source__slug__startswith=PREFIX).delete()[0]
    deleted += Memorandum.objects.filter(**demo).delete()[0]
    deleted += Visit.objects.filter(**demo).delete()[0]
    deleted += Person.objects.filter(**demo).delete()[0]
    deleted += Institution.objects.filter(**demo).delete()[0]
    deleted += Source.objects.filter(**demo).delete()[0]
    deleted += Sector.objects.filter(**demo, parent__isnull=False).delete()[0]
    deleted += Sector.objects.filter(**demo).delete()[0]
    return deleted


@contextlib.contextmanager
def search_indexes_set_aside(log):
    """On PostgreSQL, drop the GIN search indexes while rows are written and build them again at
    the end, in the caller's transaction: building a GIN index once is many times faster than
    updating it for each of two million rows. Elsewhere, nothing to do."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename LIKE 'agreements%%' AND indexdef LIKE '%%USING gin%%'"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred foreign keys first
        for _name, definition in indexes:
            cursor.execute(definition)
    log(f"search indexes: {len(indexes)} built again in {time.monotonic() - started:.1f}s")


def chunks(items: range, size: int = CHUNK):
    for start in range(items.start, items.stop, size):
        yield range(start, min(start + size, items.stop))


class Generator:
    def __init__(self, memoranda: int, seed: int, log):
        self.n = memoranda
        self.seed = seed
        self.rng = random.Random(seed)  # nosec B311 # reproducible demo records, not a secret
        self.log = log
        self.slug_prefix = f"{PREFIX}{seed}-"
        self.dates = Dates(self.rng, min(1500, 60 + memoranda // 60))

    def slug(self, kind: str, index: int, text: str) -> str:
        return f"{self.slug_prefix}{kind}{index}-{slugify(text)[:60].strip('-')}"

    def weighted(self, name: str):
        choices, weights = zip(*WEIGHTED[name], strict=True)
        return self.rng.choices(choices, weights=weights)[0]

    def run(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        with transaction.atomic(), search_indexes_set_aside(self.log):
            for step in self.steps():
                started = time.monotonic()
                with transaction.atomic():
                    counts[step.__name__] = step()
                self.log(f"{step.__name__}: {counts[step.__name__]} in {time.monotonic() - started:.1f}s")
            update_statistics(Source, Institution, Person, Visit, Memorandum, Signatory, MemorandumRelation, Commitment)
        return counts

    def steps(self) -> list:
        return [
            self.countries,
            self.sectors,
            self.sources,
            self.institutions,
            self.people,
            self.visits,
            self.memoranda,
            self.relations,
            self.commitments,
            self.history,
        ]

    # ------------------------------------------------------------ reference data

    def countries(self) -> int:
        self.new_countries = sorted(
            {code for code, *_ in COUNTRIES} - set(Country.objects.values_list("code", flat=True))
        )
        Country.objects.bulk_create([Country(code=code) for code, *_ in COUNTRIES], ignore_conflicts=True)
        ids = dict(Country.objects.filter(code__in=[c[0] for c in COUNTRIES]).values_list("code", "pk"))
        self.codes = [code for code, *_ in COUNTRIES]
        self.country_ids = [ids[code] for code in self.codes]
        self.capitals = [capital for _, capital, *_ in COUNTRIES]
        self.traditions = [tradition for *_, tradition in COUNTRIES]
        self.country_weights = list(itertools.accumulate(weight for _, _, weight, _ in COUNTRIES))
        self.names = {lang: [] for lang in ("en", "ru", "ar")}
        for lang in self.names:
            with translation.override(lang):
                self.names[lang] = [str(iso_countries.name(code)) for code in self.codes]
        return len(self.codes)

    def country(self) -> int:
        """Index of a country, the active ones more often."""
        return self.rng.choices(range(len(self.codes)), cum_weights=self.country_weights)[0]

    def pair(self) -> tuple[int, int]:
        a = self.country()
        b = self.country()
        while b == a:
            b = self.country()
        return a, b

    def sectors(self) -> int:
        real = list(Sector.objects.exclude(slug__startswith=PREFIX).order_by("slug").values_list("pk", "name"))
        if not real:
            for name, dac_code, children in SECTOR_TREE:
                parent = Sector.objects.create(name=name, slug=f"{PREFIX}{slugify(name)}", dac_code=dac_code)
                for child, code in children:
                    Sector.objects.create(name=child, slug=f"{PREFIX}{slugify(child)}", dac_code=code, parent=parent)
            real = list(Sector.objects.filter(slug__startswith=PREFIX).order_by("slug").values_list("pk", "name"))
        self.sector_ids = [pk for pk, _ in real]
        self.sector_topics = [name.lower() for _, name in real]
        return len(real)

    def sources(self) -> int:
        self.source_ids = []
        total = max(20, self.n // 4)
        for part in chunks(range(total)):
            batch = []
            for i in part:
                publisher, language = self.rng.choice(PUBLISHERS)
                a, b = self.pair()
                topic = self.rng.choice(TOPICS)
                title = f"{self.names['en'][a]} and {self.names['en'][b]} discuss {topic}"
                source = Source(
                    title=title,
                    slug=self.slug("s", i, title),
                    publisher=publisher,
                    language=language,
                    url=f"https://news.example.org/{slugify(publisher)}/{i}",
                    summary=f"{publisher} reports talks on {topic}.",
                )
                source.published = self.dates.pick("day")
                batch.append(source)
            self.source_ids += [s.pk for s in write(Source, batch)]
        return total

    def some_sources(self, most: int = 2) -> list[int]:
        return self.rng.sample(self.source_ids, self.rng.randint(0, most))

    def institutions(self) -> int:
        rows: list[tuple[int, str, str, str, str]] = []  # country, kind, en, ru, ar
        for c in range(len(self.codes)):
            for en, ru, ar in MINISTRIES:
                rows.append((c, Institution.Kind.MINISTRY, f"{en} of {self.names['en'][c]}", ru, ar))
        for n in range(max(0, self.n // 50 - len(rows))):
            c = self.country()
            kind, en, ru, ar = self.rng.choice(OTHER_INSTITUTIONS)
            fields = {"n": n + 1, "city": self.capitals[c], "topic": self.rng.choice(TOPICS).capitalize()}
            rows.append((c, kind, en.format(**fields), ru.format(**fields), ar.format(**fields)))

        self.institutions_of: list[list[int]] = [[] for _ in self.codes]
        self.institution_country: dict[int, int] = {}
        names = []
        institutions = [
            Institution(
                name=en,
                slug=self.slug("i", i, en),
                country_id=self.country_ids[c],
                kind=kind,
                website=f"https://{slugify(en)[:40]}.example.org/",
            )
            for i, (c, kind, en, _, _) in enumerate(rows)
        ]
        for institution, (c, _, en, ru, ar) in zip(institutions, rows, strict=True):
            own = [
                InstitutionName(institution=institution, name=f"{ru} ({self.names['ru'][c]})", language="ru"),
                InstitutionName(institution=institution, name=f"{ar} ({self.names['ar'][c]})", language="ar"),
            ]
            if self.rng.random() < 0.3:
                abbreviation = "".join(word[0] for word in en.split() if word[0].isupper())
                kind = InstitutionName.Kind.ABBREVIATION
                own.append(InstitutionName(institution=institution, name=abbreviation, language="en", kind=kind))
            names += own
        write(Institution, institutions)
        for institution, (c, *_) in zip(institutions, rows, strict=True):
            self.institutions_of[c].append(institution.pk)
            self.institution_country[institution.pk] = c
        InstitutionName.objects.bulk_create(names, batch_size=BATCH)
        Institution.store_search_keys(institutions)
        return len(institutions)

    def people(self) -> int:
        self.people_of: list[list[int]] = [[] for _ in self.codes]
        self.person_at: dict[int, int] = {}
        people, alternatives = [], []
        for i in range(max(50, self.n // 25)):
            c = self.country()
            tradition = self.traditions[c]
            if tradition == "ru":
                (first, first_alt), (last, last_alt) = self.rng.choice(RU_FIRST), self.rng.choice(RU_LAST)
            elif tradition == "ar":
                (first, first_alt), (last, last_alt) = self.rng.choice(AR_FIRST), self.rng.choice(AR_LAST)
            else:
                first, last, first_alt = self.rng.choice(OTHER_FIRST), self.rng.choice(OTHER_LAST), ""
            name = f"{first} {last}"
            institution = self.rng.choice(self.institutions_of[c])
            people.append(
                Person(
                    name=name,
                    slug=self.slug("p", i, name),
                    title=self.rng.choice(ROLES),
                    institution_id=institution,
                    country_id=self.country_ids[c],
                )
            )
            alternatives.append(f"{first_alt} {last_alt}" if first_alt else "")
        write(Person, people)
        names = []
        for person, alternative in zip(people, alternatives, strict=True):
            c = self.institution_country[person.institution_id]
            self.people_of[c].append(person.pk)
            self.person_at[person.institution_id] = person.pk
            if alternative:
                names.append(PersonName(person=person, name=alternative, language=self.traditions[c]))
        PersonName.objects.bulk_create(names, batch_size=BATCH)
        Person.store_search_keys(people)
        return len(people)

    # ------------------------------------------------------------ the chain

    def visits(self) -> int:
        total = self.n // 2
        self.visit_rows: list[tuple[int, int, int, str]] = []  # pk, host, guest, date
        Through = (
            Visit.participants.through,
            Visit.people_met.through,
            Visit.institutions.through,
            Visit.sectors.through,
            Visit.sources.through,
        )
        for part in chunks(range(total)):
            batch = []
            for i in part:
                host, guest = self.pair()
                kind = self.weighted("visit_kind")
                topic = self.rng.randrange(len(self.sector_ids))
                title = (
                    f"{Visit.Kind(kind).label.capitalize()} of a {self.names['en'][guest]} delegation to "
                    f"{self.names['en'][host]} on {self.sector_topics[topic]}"
                )
                visit = Visit(
                    title=title,
                    slug=self.slug("v", i, title),
                    kind=kind,
                    status=self.weighted("visit_status"),
                    host_country_id=self.country_ids[host],
                    guest_country_id=self.country_ids[guest],
                    city=self.capitals[host],
                    summary=self.rng.choice(SUMMARIES).format(
                        topic=self.sector_topics[topic], city=self.capitals[host]
                    ),
                )
                if self.people_of[guest] and self.rng.random() < 0.7:
                    visit.leader_id = self.rng.choice(self.people_of[guest])
                visit.date = self.dates.pick("day", "day", "interval", "month", "unknown")
                visit.topic = topic
                batch.append(visit)
            write(Visit, batch)
            links: list[list] = [[], [], [], [], []]
            for visit in batch:
                host, guest = self.index[visit.host_country_id], self.index[visit.guest_country_id]
                self.visit_rows.append((visit.pk, host, guest, visit.date))
                # One of the host's people met the delegation, and one more of the guest's came along.
                if self.people_of[host]:
                    links[1].append(Through[1](visit_id=visit.pk, person_id=self.rng.choice(self.people_of[host])))
                if self.people_of[guest] and (member := self.rng.choice(self.people_of[guest])) != visit.leader_id:
                    links[0].append(Through[0](visit_id=visit.pk, person_id=member))
                for institution in {self.rng.choice(self.institutions_of[c]) for c in (host, guest)}:
                    links[2].append(Through[2](visit_id=visit.pk, institution_id=institution))
                links[3].append(Through[3](visit_id=visit.pk, sector_id=self.sector_ids[visit.topic]))
                for source in self.some_sources(1):
                    links[4].append(Through[4](visit_id=visit.pk, source_id=source))
            for model, rows in zip(Through, links, strict=True):
                model.objects.bulk_create(rows, batch_size=BATCH)
            Visit.store_search_keys(batch)
        return total

    @property
    def index(self) -> dict[int, int]:
        if not hasattr(self, "_index"):
            self._index = {pk: i for i, pk in enumerate(self.country_ids)}
        return self._index

    def memoranda(self) -> int:
        self.memorandum_rows: list[tuple[int, int, int, str]] = []  # pk, a, b, signed
        Sectors, Sources = Memorandum.sectors.through, Memorandum.sources.through
        for part in chunks(range(self.n)):
            batch = []
            for i in part:
                visit = self.rng.choice(self.visit_rows) if self.visit_rows and self.rng.random() < 0.35 else None
                if visit:
                    (_, a, b, signed), signed_at = visit, self.capitals[visit[1]]
                else:
                    a, b = self.pair()
                    signed, signed_at = self.dates.pick(), self.rng.choice(["", self.capitals[a], self.capitals[b]])
                kind = self.weighted("memorandum_kind")
                status = self.weighted("memorandum_status")
                topics = self.rng.sample(range(len(self.sector_ids)), self.rng.choice([1, 1, 2, 2, 3]))
                words = {"topic": self.sector_topics[topics[0]], "a": self.names["en"][a], "b": self.names["en"][b]}
                title = MEMORANDUM_TITLES[kind].format(**words)
                memorandum = Memorandum(
                    title=title,
                    slug=self.slug("m", i, title),
                    kind=kind,
                    legally_binding=self.rng.choice([None, None, True, False]),
                    status=status,
                    country_a_id=self.country_ids[a],
                    country_b_id=self.country_ids[b],
                    signed_at=signed_at,
                    visit_id=visit[0] if visit else None,
                    summary=self.rng.choice(SUMMARIES).format(topic=self.rng.choice(TOPICS), city=self.capitals[a]),
                )
                memorandum.signed = signed
                valid_until = ""
                signed_earliest = self.dates.parse(signed).earliest
                if signed_earliest and self.rng.random() < 0.4:
                    valid_until = str(signed_earliest.year + self.rng.choice([3, 5, 10]))
                memorandum.valid_until = valid_until
                memorandum.topics = topics
                memorandum.pair = (a, b)
                batch.append(memorandum)
            write(Memorandum, batch)
            sectors, sources, signatories = [], [], []
            for memorandum in batch:
                a, b = memorandum.pair
                self.memorandum_rows.append((memorandum.pk, a, b, memorandum.signed))
                for topic in memorandum.topics:
                    sectors.append(Sectors(memorandum_id=memorandum.pk, sector_id=self.sector_ids[topic]))
                for source in self.some_sources():
                    sources.append(Sources(memorandum_id=memorandum.pk, source_id=source))
                parties = {
                    self.rng.choice(self.institutions_of[c]) for c in (a, b, a if self.rng.random() < 0.2 else b)
                }
                for institution in sorted(parties):
                    person = self.person_at.get(institution) if self.rng.random() < 0.6 else None
                    signatories.append(
                        Signatory(memorandum_id=memorandum.pk, institution_id=institution, person_id=person)
                    )
            Sectors.objects.bulk_create(sectors, batch_size=BATCH)
            Sources.objects.bulk_create(sources, batch_size=BATCH)
            Signatory.objects.bulk_create(signatories, batch_size=BATCH)
            Memorandum.store_search_keys(batch)
        return self.n

    def by_pair(self) -> dict[frozenset, list[tuple[datetime.date, str, int]]]:
        """Visits and memoranda of each pair of countries, in date order (unknown dates first)."""
        pairs: dict[frozenset, list[tuple[datetime.date, str, int]]] = {}
        for kind, rows in (("visit", self.visit_rows), ("memorandum", self.memorandum_rows)):
            for pk, a, b, date in rows:
                earliest = self.dates.parse(date).earliest or datetime.date.min
                pairs.setdefault(frozenset((a, b)), []).append((earliest, kind, pk))
        for events in pairs.values():
            events.sort()
        return pairs

    def relations(self) -> int:
        self.pairs = self.by_pair()
        relations = []
        for pk, a, b, signed in self.memorandum_rows:
            if self.rng.random() >= 0.08:
                continue
            events = self.pairs[frozenset((a, b))]
            start = self.dates.parse(signed).earliest or datetime.date.min
            earlier = [e for e in events[: bisect.bisect_left(events, (start,))] if e[1] == "memorandum" and e[2] != pk]
            if earlier:
                target = self.rng.choice(earlier[-10:])[2]
                kind = self.rng.choice(MemorandumRelation.Kind.values)
                relations.append(MemorandumRelation(source_id=pk, target_id=target, kind=kind))
        MemorandumRelation.objects.bulk_create(relations, batch_size=BATCH)
        return len(relations)

    def commitments(self) -> int:
        # About 0.6 per visit and 2.7 per memorandum: 3 per memorandum overall.
        origins = [("visit", row, 0, 2) for row in self.visit_rows]
        origins += [("memorandum", row, 1, 4) for row in self.memorandum_rows]
        Countries, Sectors, Sources = (
            Commitment.responsible_countries.through,
            Commitment.sectors.through,
            Commitment.sources.through,
        )
        total = 0
        for part in chunks(range(len(origins)), CHUNK // 3):
            batch = []
            for kind, (pk, a, b, date), low, high in (origins[i] for i in part):
                for _ in range(self.rng.randint(low, high)):
                    topic = self.rng.randrange(len(self.sector_ids))
                    city = self.capitals[self.rng.choice((a, b))]
                    title = self.rng.choice(COMMITMENT_TITLES).format(topic=self.sector_topics[topic], city=city)
                    commitment = Commitment(title=title, slug=self.slug("c", total, title), details="")
                    setattr(commitment, f"origin_{kind}_id", pk)
                    commitment.due = self.dates.pick("month", "year", "season", "day", "unknown")
                    commitment.status = self.weighted("commitment_status")
                    if commitment.status == Commitment.Status.FULFILLED:
                        self.fulfil(commitment, a, b, date)
                    commitment.links = (a, b, topic)
                    batch.append(commitment)
                    total += 1
            write(Commitment, batch)
            countries, sectors, sources = [], [], []
            for commitment in batch:
                a, b, topic = commitment.links
                for c in self.rng.choice([(a,), (b,), (a, b)]):
                    countries.append(Countries(commitment_id=commitment.pk, country_id=self.country_ids[c]))
                sectors.append(Sectors(commitment_id=commitment.pk, sector_id=self.sector_ids[topic]))
                if self.rng.random() < 0.3:
                    sources.append(Sources(commitment_id=commitment.pk, source_id=self.rng.choice(self.source_ids)))
            for model, rows in ((Countries, countries), (Sectors, sectors), (Sources, sources)):
                model.objects.bulk_create(rows, batch_size=BATCH)
        return total

    def fulfil(self, commitment: Commitment, a: int, b: int, origin_date: str) -> None:
        """Name a later visit or memorandum of the same pair; without one the work is still in progress."""
        events = self.pairs[frozenset((a, b))]
        start = self.dates.parse(origin_date).latest or datetime.date.min
        later = events[bisect.bisect_right(events, (start, "~")) :]
        if not later or start == datetime.date.min:
            commitment.status = Commitment.Status.IN_PROGRESS
            return
        _, kind, pk = self.rng.choice(later[:20])
        setattr(commitment, f"fulfilled_by_{kind}_id", pk)

    # ------------------------------------------------------------ history

    def history(self) -> int:
        """A first version of every generated record, as the admin shows for a record entered by
        hand: each record with its parts in a revision of its own (`history.save_versions_each`),
        written in bulk, a batch at a time."""
        generated = [
            Country.objects.filter(code__in=self.new_countries),
            Sector.objects.filter(slug__startswith=PREFIX),
            *(
                model.objects.filter(slug__startswith=self.slug_prefix)
                for model in (Source, Institution, Person, Visit, Memorandum, Commitment)
            ),
        ]
        # The links of every record are read back a batch at a time: count the new rows first.
        update_statistics(Source, Institution, Person, Visit, Memorandum, Signatory, MemorandumRelation, Commitment)
        saved = 0
        for records in generated:
            batch = []
            for record in records.order_by("pk").iterator(chunk_size=BATCH):
                batch.append(record)
                if len(batch) == BATCH:
                    saved += history.save_versions_each(batch, HISTORY_COMMENT, batch_size=BATCH)
                    batch = []
            saved += history.save_versions_each(batch, HISTORY_COMMENT, batch_size=BATCH)
        return saved


class Command(BaseCommand):
    help = (
        "Generate synthetic visits, memoranda and commitments (about 3 commitments and half a visit "
        "per memorandum). Slugs start with 'demo-'; the same --seed gives the same records."
    )

    def add_arguments(self, parser):
        parser.add_argument("--memoranda", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--clear", action="store_true", help="Delete earlier demo rows first.")

    def handle(self, *args, memoranda: int, seed: int, clear: bool, **options):
        if clear:
            with transaction.atomic():
                self.stdout.write(f"Deleted {clear_demo_rows()} demo rows.")
        elif Memorandum.objects.filter(slug__startswith=PREFIX).exists():
            raise CommandError("Demo rows exist already; pass --clear to replace them.")
        if memoranda <= 0:
            return
        started = time.monotonic()
        counts = Generator(memoranda, seed, self.stdout.write).run()
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {counts['memoranda']} memoranda, {counts['visits']} visits and "
                f"{counts['commitments']} commitments in {time.monotonic() - started:.0f}s."
            )
        )
