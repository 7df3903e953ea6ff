"""Drafting records from an article: the command's JSON for each seed article, scored against the
seed fixtures; dates as EDTF; and the inputs nothing can be drafted from."""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from agreements.drafting.dates import DateContext, fold
from agreements.drafting.dates import find_dates as dates_in
from tests.drafting_gold import ARTICLES

ARTICLES_DIR = Path(__file__).parent / "files" / "articles"


@pytest.fixture(autouse=True)
def in_english():
    """Messages read in English, whatever language an earlier request left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


def fixture_records() -> list[dict]:
    return [record for path in sorted(FIXTURES_DIR.glob("*.json")) for record in json.loads(path.read_text("utf-8"))]


def by_slug(model: str) -> dict[str, dict]:
    return {r["fields"]["slug"]: r["fields"] for r in fixture_records() if r["model"] == f"agreements.{model}"}


def key(value) -> str | None:
    """A natural key as the fixtures write it (["slug"]) as a plain slug."""
    return value[0] if isinstance(value, list) else value


def database_before(article: dict, path: Path) -> list[tuple[str, str]]:
    """Write to `path` the seed fixtures as they were before `article`: without the chain records it
    describes, whose commitments kept by them are open again. Returns those reopened commitments
    with the record that keeps them, (commitment slug, visit or memorandum slug)."""
    removed = set(article["visits"]) | set(article["memoranda"])
    kept, reopened = [], []
    for record in fixture_records():
        model, fields = record["model"].split(".")[1], dict(record["fields"])
        if model in ("visit", "memorandum") and fields["slug"] in removed:
            continue
        if model == "signatory" and key(fields["memorandum"]) in removed:
            continue
        if model == "memorandumrelation" and {key(fields["source"]), key(fields["target"])} & removed:
            continue
        if model == "memorandum" and key(fields.get("visit")) in removed:
            fields["visit"] = None
        if model == "commitment":
            if {key(fields["origin_visit"]), key(fields["origin_memorandum"])} & removed:
                continue
            keeper = key(fields["fulfilled_by_visit"]) or key(fields["fulfilled_by_memorandum"])
            if keeper in removed:
                reopened.append((fields["slug"], keeper))
                fields.update(status="open", fulfilled_by_visit=None, fulfilled_by_memorandum=None)
        kept.append({"model": record["model"], "fields": fields})
    path.write_text(json.dumps(kept, ensure_ascii=False), "utf-8")
    return reopened


def draft_json(name: str, **options) -> dict:
    out = io.StringIO()
    call_command("draft_from_article", str(ARTICLES_DIR / name), json=True, stdout=out, **options)
    return json.loads(out.getvalue())


@dataclass
class Score:
    """Counts for one kind of record over the articles scored."""

    predicted: int = 0
    expected: int = 0
    found: int = 0
    exact: int = 0  # found with every checked field right
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.predicted += other.predicted
        self.expected += other.expected
        self.found += other.found
        self.exact += other.exact
        self.misses += other.misses

    @property
    def precision(self) -> float:
        return self.found / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def exact_recall(self) -> float:
        return self.exact / self.expected if self.expected else 1.0


def pair_items(predicted: list[dict], anchors: dict[str, list[str]]) -> dict[str, dict]:
    """Each expected record's drafted counterpart: the first drafted item whose sentence holds one
    of the record's anchors, each drafted item used once."""
    pairs, used = {}, set()
    for slug, words in anchors.items():
        for index, item in enumerate(predicted):
            if index not in used and any(fold(word) in fold(item["evidence"]) for word in words):
                pairs[slug] = item
                used.add(index)
                break
    return pairs


def score_article(number: str, result: dict, reopened: list[tuple[str, str]]) -> dict[str, Score]:
    article = ARTICLES[number]
    visits, memoranda = by_slug("visit"), by_slug("memorandum")
    institutions, people = by_slug("institution"), by_slug("person")
    signatories = {}
    for r in fixture_records():
        if r["model"] == "agreements.signatory":
            signatories.setdefault(key(r["fields"]["memorandum"]), set()).add(key(r["fields"]["institution"]))
    scores: dict[str, Score] = {}

    expected_countries = set()
    for slug in article["visits"]:
        expected_countries |= {key(visits[slug]["host_country"]), key(visits[slug]["guest_country"])}
    for slug in article["memoranda"]:
        expected_countries |= {key(memoranda[slug]["country_a"]), key(memoranda[slug]["country_b"])}
    found = expected_countries & set(result["countries"])
    scores["countries"] = Score(len(result["countries"]), len(expected_countries), len(found), len(found))

    for kind, records in (("institutions", institutions), ("people", people)):
        expected = {slug for slug, f in records.items() if [article["source"]] in f["sources"]}
        matched = {item["match"] for item in result[kind] if item["match"]}
        hits = expected & matched
        score = Score(len(result[kind]), len(expected), len(hits), len(hits))
        score.misses = sorted(expected - matched)
        scores[kind] = score

    ids = {item["id"]: item for kind in ("institutions", "visits") for item in result[kind]}
    visit_pairs = pair_items(result["visits"], article["visits"])
    score = Score(len(result["visits"]), len(article["visits"]), len(visit_pairs))
    for slug, item in visit_pairs.items():
        gold = visits[slug]
        right = (item["date"], item["host"], item["guest"]) == (
            gold["date"],
            key(gold["host_country"]),
            key(gold["guest_country"]),
        )
        score.exact += right
        if not right:
            score.misses.append(f"{slug}: {item['date']} {item['host']}/{item['guest']}")
    score.misses += [slug for slug in article["visits"] if slug not in visit_pairs]
    scores["visits"] = score

    memorandum_pairs = pair_items(result["memoranda"], article["memoranda"])
    score = Score(len(result["memoranda"]), len(article["memoranda"]), len(memorandum_pairs))
    for slug, item in memorandum_pairs.items():
        gold = memoranda[slug]
        parties = {ids[p]["match"] for p in item["parties"] if p in ids}
        right = (
            item["signed"] == gold["signed"]
            and set(item["countries"]) == {key(gold["country_a"]), key(gold["country_b"])}
            and parties >= signatories.get(slug, set())
        )
        score.exact += right
        if not right:
            score.misses.append(f"{slug}: {item['signed']} parties {sorted(parties)}")
    score.misses += [slug for slug in article["memoranda"] if slug not in memorandum_pairs]
    scores["memoranda"] = score

    commitment_pairs = pair_items(result["commitments"], article["commitments"])
    scores["commitments"] = Score(
        len(result["commitments"]), len(article["commitments"]), len(commitment_pairs), len(commitment_pairs)
    )
    scores["commitments"].misses = [slug for slug in article["commitments"] if slug not in commitment_pairs]

    by_drafted = {item["id"]: slug for slug, item in {**visit_pairs, **memorandum_pairs}.items()}
    links = {
        (c, by_drafted.get(item["id"])) for item in result["visits"] + result["memoranda"] for c in item["fulfils"]
    }
    hits = links & set(reopened)
    scores["fulfilments"] = Score(len(links), len(reopened), len(hits), len(hits))
    scores["fulfilments"].misses = sorted(f"{c} by {r}" for c, r in set(reopened) - links)
    return scores


# The scores reached on the five seed articles (docs/drafting.md explains each miss); a change that
# lowers one fails here.
FLOORS = {
    # kind: (precision, recall, share of the expected records found with every field right)
    "countries": (1.0, 1.0, 1.0),
    "institutions": (0.95, 0.82, 0.82),
    "people": (1.0, 1.0, 1.0),
    "visits": (1.0, 0.93, 0.73),
    "memoranda": (1.0, 1.0, 0.77),
    "commitments": (0.83, 1.0, 1.0),
    "fulfilments": (1.0, 0.75, 0.75),
}


@pytest.fixture(scope="module")
def scores(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every article drafted once, on the database as it was before it; the scores summed."""
    from django.db import connection, transaction

    totals = {kind: Score() for kind in FLOORS}
    per_article = {}
    sources = by_slug("source")
    with django_db_blocker.unblock():
        for number, article in ARTICLES.items():
            with transaction.atomic():
                path = tmp_path_factory.mktemp("seed") / f"before-{number}.json"
                reopened = database_before(article, path)
                call_command("loaddata", str(path), verbosity=0)
                published = sources[article["source"]]["published"]
                options = {"published": datetime.date.fromisoformat(published)} if published else {}
                result = draft_json(article["file"], **options)
                per_article[number] = score_article(number, result, reopened)
                transaction.set_rollback(True)
            for kind, score in per_article[number].items():
                totals[kind].add(score)
        connection.close()  # opened outside any test: pytest-django would not close it
    print("\n" + report(totals))  # shown with pytest -s: the table in docs/drafting.md
    for number, article_scores in per_article.items():
        print(number, "misses:", {kind: s.misses for kind, s in article_scores.items() if s.misses})
    return totals, per_article


def report(totals: dict[str, Score]) -> str:
    lines = [
        "| records | drafted | expected | found | precision | recall | all fields right |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, s in totals.items():
        lines.append(
            f"| {kind} | {s.predicted} | {s.expected} | {s.found} | {s.precision:.0%} | {s.recall:.0%} | "
            f"{s.exact} ({s.exact_recall:.0%}) |"
        )
    return "\n".join(lines)


@pytest.mark.parametrize("kind", FLOORS)
def test_drafts_of_the_seed_articles_score_at_least_what_they_reached(scores, kind):
    totals, _per_article = scores
    precision, recall, exact = FLOORS[kind]
    score = totals[kind]
    assert score.precision >= precision and score.recall >= recall and score.exact_recall >= exact, (
        f"{kind}: {score.precision:.0%} precision, {score.recall:.0%} recall, "
        f"{score.exact_recall:.0%} with every field right"
    )


# ---------------------------------------------------------------- dates, as precise as the text


@pytest.mark.parametrize(
    ("sentence", "language", "published", "expected"),
    [
        ("Визит министра состоится в 2025 году.", "ru", None, "2025"),
        ("The parties met this autumn.", "en", datetime.date(2025, 10, 6), "2025-23"),
        ("They signed it in the summer of 2025.", "en", None, "2025-22"),
        ("С 26 по 29 августа 2024 года прошёл форум.", "ru", None, "2024-08-26/2024-08-29"),
        ("زار السلطان بيلاروسيا في 6 إلى 7 أكتوبر 2025", "ar", None, "2025-10-06/2025-10-07"),
        ("وقّعوا في مايو 2025", "ar", None, "2025-05"),
        ("The prime ministers exchanged visits in 2023 and 2024.", "en", None, "2023/2024"),
        ("The talks were held on 11 June.", "en", datetime.date(2025, 6, 11), "2025-06-11"),
        ("We expect a visit soon.", "en", datetime.date(2025, 6, 11), ""),
    ],
)
def test_dates_are_as_precise_as_the_text(sentence, language, published, expected):
    context = DateContext(article_date=published, article_year=published.year if published else None)
    found = dates_in(sentence, language, context)
    assert [mention.edtf for mention in found] == [expected]


def test_an_inferred_or_vague_date_says_so():
    context = DateContext(article_date=datetime.date(2025, 10, 6), article_year=2025)
    (autumn,) = dates_in("The memorandum was signed this autumn.", "en", context)
    assert "article's date" in autumn.note
    (soon,) = dates_in("The president will visit soon.", "en", context)
    assert soon.edtf == "" and "soon" in soon.note


def test_the_next_day_is_counted_from_the_date_before_it():
    context = DateContext(article_year=2025)
    dates_in("The forum opened on 6 October 2025.", "en", context)
    (next_day,) = dates_in("The next day the ministers met.", "en", context)
    assert next_day.edtf == "2025-10-07"


# ---------------------------------------------------------------- what nothing can be drafted from


def make_pdf_without_text(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with path.open("wb") as file:
        writer.write(file)
    return path


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"   \n", "empty.txt", "has no text"),
        (
            b"The weather was fine and the harvest was good this year, the farmers said.",
            "nothing.txt",
            "names no country",
        ),
        (
            b"Belarus y Oman firmaron un memorando de entendimiento en el campo de la salud el martes.",
            "es.txt",
            "seems to be in",
        ),
        (b"%PDF", "broken.pdf", "not a PDF"),
        (b"x", "article.odt", "not a file an article can be read from"),
    ],
)
def test_the_command_refuses_what_it_cannot_draft_from(db, tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("draft_from_article", str(path), json=True, stdout=io.StringIO())


def test_the_command_refuses_a_pdf_with_no_text(db, tmp_path):
    path = make_pdf_without_text(tmp_path / "scan.pdf")
    with pytest.raises(CommandError, match="no text to read"):
        call_command("draft_from_article", str(path), json=True, stdout=io.StringIO())


def test_the_command_prints_every_key_of_the_proposal(db):
    result = draft_json("004_ae9f4961a003824f.txt")
    assert set(result) >= {"source", "countries", "institutions", "people", "visits", "memoranda", "commitments"}
    assert result["countries"] == ["IR", "UZ"]
    assert {"name", "country", "match", "evidence"} <= set(result["people"][0])
    assert {"kind", "host", "guest", "city", "date", "evidence"} <= set(result["visits"][0])
    assert {"text", "origin", "due", "fulfils", "evidence"} <= set(result["commitments"][0])
    assert result["visits"][0]["host"] == "UZ" and result["visits"][0]["guest"] == "IR"


def test_the_command_reads_a_web_page_and_a_word_document(db, tmp_path):
    import docx

    article = (ARTICLES_DIR / ARTICLES["004"]["file"]).read_text("utf-8")
    paragraphs = [line for line in article.splitlines() if line.strip()]
    page = tmp_path / "article.html"
    page.write_text(
        "<html><head><title>Iran and Uzbekistan</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a>"
        "</nav><article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>"
        "<footer>© 2025 All rights reserved</footer></body></html>",
        "utf-8",
    )
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(tmp_path / "article.docx")
    for name in ("article.html", "article.docx"):
        out = io.StringIO()
        call_command("draft_from_article", str(tmp_path / name), json=True, stdout=out)
        result = json.loads(out.getvalue())
        assert result["countries"] == ["IR", "UZ"], name
        assert [v["host"] for v in result["visits"]] == ["UZ"], name
        assert "Home" not in json.dumps(result), name


# Three short reports written for the tests, beyond the seed articles. They showed gaps the seed
# articles did not (a country named only by its adjective, "السعودي"; a visit reported as a
# reception, "استقبل"; a dateline without an agency; a title of several words before a name) and
# keep them closed.
UNSEEN = [
    ("kz-cn-agriculture.txt", ["KZ", "CN"], ("official", "KZ", "CN", "2024-03-13/2024-03-14"), "agreement"),
    ("ru-in-consultations.txt", ["RU", "IN"], ("ministerial", "RU", "IN", ""), "protocol"),
    ("sa-pk-energy.txt", ["SA", "PK"], ("state", "SA", "PK", "2025-05-05"), "mou"),
]


@pytest.mark.parametrize(("name", "countries", "visit", "memorandum"), UNSEEN)
def test_reports_beyond_the_seed_articles_are_drafted_too(db, name, countries, visit, memorandum):
    result = draft_json(f"unseen/{name}")
    assert result["countries"] == countries
    first = result["visits"][0]
    assert (first["kind"], first["host"], first["guest"], first["date"]) == visit
    assert [m["kind"] for m in result["memoranda"]] == [memorandum]
    assert result["commitments"], name
