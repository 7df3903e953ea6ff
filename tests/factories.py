"""factory_boy factories for the tracker's records."""

from __future__ import annotations

import factory

from agreements import models


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Country
        django_get_or_create = ["code"]

    code = "BY"


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Sector
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Sector {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    title = factory.Sequence(lambda n: f"Report {n}")
    language = "en"
    published = "2025-10-06"


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Institution

    name = factory.Sequence(lambda n: f"Institution {n}")
    country = factory.SubFactory(CountryFactory)
    kind = models.Institution.Kind.MINISTRY


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"Person {n}")
    country = factory.SubFactory(CountryFactory)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Visit

    title = factory.Sequence(lambda n: f"Visit {n}")
    kind = models.Visit.Kind.OFFICIAL
    status = models.Visit.Status.HELD
    host_country = factory.SubFactory(CountryFactory, code="OM")
    guest_country = factory.SubFactory(CountryFactory, code="BY")
    date = "2024-08-26/2024-08-29"


class MemorandumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Memorandum

    title = factory.Sequence(lambda n: f"Memorandum {n}")
    kind = models.Memorandum.Kind.MOU
    status = models.Memorandum.Status.SIGNED
    country_a = factory.SubFactory(CountryFactory, code="BY")
    country_b = factory.SubFactory(CountryFactory, code="OM")
    signed = "2025-10-06"


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Commitment

    title = factory.Sequence(lambda n: f"Commitment {n}")
    origin_visit = factory.SubFactory(VisitFactory)
    due = "2025"


class InstitutionNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.InstitutionName

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"Alternative name {n}")
    language = "ru"


class SignatoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Signatory

    memorandum = factory.SubFactory(MemorandumFactory)
    institution = factory.SubFactory(InstitutionFactory)


class MemorandumRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MemorandumRelation

    source = factory.SubFactory(MemorandumFactory)
    target = factory.SubFactory(MemorandumFactory)
    kind = models.MemorandumRelation.Kind.FOLLOWS


def belarus_oman_chain() -> dict:
    """The chain the product is built to show, as records: the August 2024 forum in Muscat
    produced commitments; a health-ministries memorandum (summer 2025) and a cancer-centre
    memorandum signed on 6 October 2025 during the Sultan's state visit to Minsk kept them and made new ones."""
    by = CountryFactory(code="BY")
    om = CountryFactory(code="OM")
    health = SectorFactory(name="Healthcare", slug="healthcare")
    oncology = SectorFactory(name="Oncology", slug="oncology", parent=health)
    trade = SectorFactory(name="Trade", slug="trade")
    moh_by = InstitutionFactory(name="Ministry of Health of the Republic of Belarus", slug="moh-belarus", country=by)
    InstitutionNameFactory(institution=moh_by, name="Министерство здравоохранения Республики Беларусь", language="ru")
    moh_om = InstitutionFactory(name="Ministry of Health of Oman", slug="moh-oman", country=om)
    InstitutionNameFactory(institution=moh_om, name="وزارة الصحة", language="ar")
    cancer_by = InstitutionFactory(
        name="N. N. Alexandrov National Cancer Centre",
        slug="alexandrov-cancer-centre",
        country=by,
        kind=models.Institution.Kind.HOSPITAL,
        parent=moh_by,
    )
    InstitutionNameFactory(institution=cancer_by, name="РНПЦ онкологии и медицинской радиологии", language="ru")
    cancer_om = InstitutionFactory(
        name="Sultan Qaboos Comprehensive Cancer Care and Research Centre",
        slug="sqccrc",
        country=om,
        kind=models.Institution.Kind.HOSPITAL,
    )
    minister = PersonFactory(name="Aleksandr Khodjaev", title="Minister of Health", country=by, institution=moh_by)
    minister_om = PersonFactory(name="Hilal Al Sabti", title="Minister of Health", country=om, institution=moh_om)
    forum_source = SourceFactory(
        title="Belarus and Oman hold business forum in Muscat", publisher="BelTA", published="2024-08-27"
    )
    forum = VisitFactory(
        title="Belarus–Oman business forum",
        slug="forum-muscat-2024",
        kind=models.Visit.Kind.FORUM,
        host_country=om,
        guest_country=by,
        city="Muscat",
        date="2024-08-26/2024-08-29",
        leader=minister,
        summary="Business forum with a health session; the ministries agreed to prepare cooperation documents.",
    )
    forum.people_met.set([minister_om])
    forum.institutions.set([moh_by, moh_om, cancer_om])
    forum.sectors.set([health, trade])
    forum.sources.set([forum_source])
    to_ministries = CommitmentFactory(
        title="Prepare a memorandum between the health ministries",
        slug="prepare-health-mou",
        origin_visit=forum,
        due="2025",
    )
    to_centres = CommitmentFactory(
        title="Link the national cancer centres", slug="link-cancer-centres", origin_visit=forum, due="2025"
    )
    CommitmentFactory(
        title="Hold the first session of the joint commission",
        slug="joint-commission-session",
        origin_visit=forum,
        due="2025-06",
        status=models.Commitment.Status.OPEN,
    )
    sultan = PersonFactory(name="Haitham bin Tarik", title="Sultan of Oman", country=om)
    state_visit = VisitFactory(
        title="State visit of the Sultan of Oman to Belarus",
        slug="state-visit-belarus-2025",
        kind=models.Visit.Kind.STATE,
        host_country=by,
        guest_country=om,
        city="Minsk",
        date="2025-10-06/2025-10-07",
        leader=sultan,
    )
    state_visit.participants.set([minister_om])
    state_visit.people_met.set([minister])
    state_visit.institutions.set([cancer_by, cancer_om])
    state_visit.sectors.set([health, trade])
    ministries_mou = MemorandumFactory(
        title="Memorandum of understanding between the health ministries of Belarus and Oman",
        slug="health-ministries-mou-2025",
        signed="2025-22",
        country_a=by,
        country_b=om,
        summary="Cooperation in healthcare, medical education and pharmaceuticals.",
    )
    ministries_mou.sectors.set([health])
    SignatoryFactory(memorandum=ministries_mou, institution=moh_by, person=minister)
    SignatoryFactory(memorandum=ministries_mou, institution=moh_om, person=minister_om)
    to_ministries.mark_fulfilled(by=ministries_mou)
    centres_mou = MemorandumFactory(
        title="Memorandum on cooperation between the national cancer centres of Belarus and Oman",
        slug="cancer-centres-mou-2025",
        signed="2025-10-06",
        signed_at="Minsk",
        visit=state_visit,
        country_a=by,
        country_b=om,
        summary="Joint training of oncologists, telemedicine consultations and exchange of specialists.",
    )
    centres_mou.sectors.set([oncology])
    centres_mou.sources.set(
        [SourceFactory(title="Belarus and Oman sign documents during state visit", published="2025-10-06")]
    )
    SignatoryFactory(memorandum=centres_mou, institution=cancer_by)
    SignatoryFactory(memorandum=centres_mou, institution=cancer_om)
    MemorandumRelationFactory(source=centres_mou, target=ministries_mou, kind=models.MemorandumRelation.Kind.IMPLEMENTS)
    to_centres.mark_fulfilled(by=centres_mou)
    training = CommitmentFactory(
        title="Run a joint training programme for oncologists",
        slug="oncology-training",
        origin_visit=None,
        origin_memorandum=centres_mou,
        due="2026-06",
    )
    training.responsible_institutions.set([cancer_by, cancer_om])
    CommitmentFactory(
        title="Start telemedicine consultations",
        slug="telemedicine",
        origin_visit=None,
        origin_memorandum=centres_mou,
        due="2027",
        status=models.Commitment.Status.IN_PROGRESS,
    )
    return {
        "belarus": by,
        "oman": om,
        "healthcare": health,
        "oncology": oncology,
        "forum": forum,
        "state_visit": state_visit,
        "ministries_mou": ministries_mou,
        "centres_mou": centres_mou,
    }


def crowd(chain: dict, n: int = 30) -> None:
    """`n` more memoranda, visits and commitments around the chain, each with several related rows,
    so that tests can show a page's number of queries does not grow with its rows."""
    by, om = chain["belarus"], chain["oman"]
    sectors = [chain["healthcare"], chain["oncology"], SectorFactory(name="Education", slug="education")]
    for i in range(n):
        institutions = [InstitutionFactory(country=by), InstitutionFactory(country=om)]
        visit = VisitFactory(
            host_country=om if i % 2 else by,
            guest_country=by if i % 2 else om,
            date=f"{2015 + i % 10}-0{1 + i % 9}",
            leader=PersonFactory(country=by, institution=institutions[0]),
        )
        visit.participants.set([PersonFactory(country=visit.guest_country) for _ in range(2)])
        visit.people_met.set([PersonFactory(country=visit.host_country, institution=institutions[0]) for _ in range(2)])
        visit.institutions.set(institutions)
        visit.sectors.set(sectors[: 1 + i % 3])
        visit.sources.set([SourceFactory(), SourceFactory()])
        memo = MemorandumFactory(
            country_a=by, country_b=om, visit=visit, signed=f"{2015 + i % 10}-0{1 + i % 9}-1{i % 9}"
        )
        memo.sectors.set(sectors[: 1 + i % 3])
        memo.sources.set([SourceFactory(), SourceFactory()])
        for institution in institutions:
            SignatoryFactory(memorandum=memo, institution=institution, person=PersonFactory(country=by))
        kept = CommitmentFactory(origin_visit=visit, due="2016")
        kept.responsible_institutions.set(institutions)
        kept.sectors.set(sectors[:1])
        kept.mark_fulfilled(by=memo)
        later = CommitmentFactory(origin_visit=None, origin_memorandum=memo, due="2020")
        later.responsible_institutions.set(institutions)
        later.responsible_countries.set([by, om])
        MemorandumRelationFactory(source=memo, target=chain["ministries_mou"], kind="follows")
        MemorandumRelationFactory(source=chain["centres_mou"], target=memo, kind="amends")
        for institution in institutions:
            InstitutionNameFactory(institution=institution)
        CommitmentFactory(origin_visit=None, origin_memorandum=chain["ministries_mou"])
        chain["state_visit"].people_met.add(PersonFactory(country=by))
        chain["state_visit"].institutions.add(*institutions)
        chain["centres_mou"].sources.add(SourceFactory())
        CommitmentFactory(origin_visit=visit, status="fulfilled", fulfilled_by_visit=chain["forum"])
