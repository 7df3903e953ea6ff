"""Institutions and people named in an article, matched to the records the tracker already has.

Two passes. The first looks for every name and alternative name of every institution and person
in the database, in any script: each word is compared by its Latin search key (`search.latin`),
so "Красного С.А." meets "Красный С.А.", "Хилялем бин Али Аль Сабти" meets "Hilal bin Ali Al
Sabti"'s Russian name and "Minister of Health of the Sultanate of Oman" the ministry. Words are
compared with rapidfuzz, and a Russian or Arabic ending (or an Arabic article and clitic) does not
stop a match. The second pass finds names the database does not know: natasha's named-entity
recogniser for Russian; for English, runs of capitalised words around a title ("Minister",
"Ambassador") or an institution's head word ("Ministry", "Centre"); for Arabic, the words after a
title ("الرئيس", "السلطان") or a head word ("وزارة", "لجنة"). Those are proposed as new, with the
closest existing records offered for re-matching.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from ..search import ARABIC_MARKS, latin
from .places import arabic_bases, find_places
from .text import Sentence

TOKEN = re.compile(r"[\w\u064b-\u065f\u0670]+(?:['’][\w]+)?", re.UNICODE)
STOPWORDS = {
    "en": {"of", "the", "and", "for", "in", "to", "on", "at", "a", "an", "with"},
    "ru": {"и", "им", "имени", "по", "в", "при", "для", "с", "на"},
    "ar": {"و", "في", "من", "على", "الى", "إلى", "عن", "مع"},
}
MATCH_THRESHOLD = 85  # a name found with a lower score is proposed as new, with it as a candidate

INSTITUTION_HEADS = {
    "en": {
        "ministry": "ministry",
        "center": "research-centre",
        "centre": "research-centre",
        "council": "parliament",
        "commission": "joint-body",
        "committee": "joint-body",
        "assembly": "parliament",
        "parliament": "parliament",
        "plant": "enterprise",
        "factory": "enterprise",
        "company": "enterprise",
        "corporation": "enterprise",
        "enterprise": "enterprise",
        "embassy": "embassy",
        "university": "university",
        "hospital": "hospital",
        "clinic": "hospital",
        "agency": "agency",
        "authority": "agency",
        "institute": "research-centre",
        "academy": "research-centre",
        "administration": "government",
        "government": "government",
        "bank": "enterprise",
        "fund": "agency",
        "chamber": "agency",
    },
    "ar": {
        "وزاره": "ministry",
        "لجنه": "joint-body",
        "مركز": "research-centre",
        "جامعه": "university",
        "سفاره": "embassy",
        "مجلس": "parliament",
        "هيئه": "agency",
        "شركه": "enterprise",
        "مصنع": "enterprise",
        "مستشفي": "hospital",
        "بنك": "enterprise",
        "صندوق": "agency",
        "غرفه": "agency",
    },
    "ru": {
        "министерство": "ministry",
        "центр": "research-centre",
        "совет": "parliament",
        "комиссия": "joint-body",
        "комитет": "joint-body",
        "собрание": "parliament",
        "завод": "enterprise",
        "предприятие": "enterprise",
        "посольство": "embassy",
        "университет": "university",
        "больница": "hospital",
        "агентство": "agency",
        "институт": "research-centre",
        "академия": "research-centre",
        "администрация": "government",
    },
}
TITLES = {
    "en": {
        "president",
        "minister",
        "chairman",
        "chairperson",
        "chairwoman",
        "chair",
        "ambassador",
        "sultan",
        "king",
        "emir",
        "prince",
        "director",
        "secretary",
        "speaker",
        "governor",
        "mayor",
        "head",
        "deputy",
        "dr",
        "mr",
        "mrs",
        "ms",
        "professor",
        "prof",
        "premier",
        "envoy",
        "plenipotentiary",
    },
    "ar": {"الرئيس", "السلطان", "الملك", "الامير", "الشيخ", "وزير", "وزيره", "السفير", "سفير", "رئيس", "الدكتور", "د"},
}
CONNECTORS_EN = {"of", "the", "and", "for", "bin", "bint", "ibn", "al", "el", "de", "la", "del", "van", "von", "to"}
ARABIC_STOPS = {
    "من",
    "في",
    "مع",
    "الى",
    "إلى",
    "على",
    "عن",
    "خلال",
    "بين",
    "حيث",
    "الذي",
    "التي",
    "ان",
    "أن",
    "انه",
    "قبل",
    "بعد",
    "حتى",
    "منذ",
    "عند",
    "لدى",
    "يوم",
}
# Words that complete a title rather than begin a name: "رئيس وزراء باكستان شهباز شريف".
ARABIC_TITLE_WORDS = {"وزراء", "الوزراء", "العهد", "مجلس", "الجمهورية", "الدولة"}


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    keys: tuple[str, ...]  # Latin keys of the word and, in Arabic, of the word without clitics


@dataclass
class KnownName:
    kind: str  # "institution" or "person"
    slug: str
    record_name: str
    spelling: str
    country: str
    tokens: list[str]  # Latin keys of the spelling's words, without stopwords
    abbreviation: bool
    institution: str = ""  # a person's institution (slug)
    institution_name: str = ""
    institution_country: str = ""


@dataclass
class Entity:
    kind: str
    name: str
    country: str
    sentence: Sentence
    start: int  # offsets in the sentence
    end: int
    match: str | None = None
    match_name: str = ""
    score: int = 0
    candidates: list[tuple[str, str, int]] = field(default_factory=list)
    title: str = ""
    institution_kind: str = ""
    via: str = ""  # for an institution inferred from a person: the person's name
    mentions: list[tuple[Sentence, int, int]] = field(default_factory=list)

    @property
    def phrase(self) -> str:
        return self.sentence.text[self.start : self.end]


def tokens_of(text: str, language: str) -> list[Token]:
    found = []
    for m in TOKEN.finditer(text):
        word = ARABIC_MARKS.sub("", m.group())
        bases = arabic_bases(word) if language == "ar" else [word]
        keys = tuple(dict.fromkeys(latin(base) for base in bases if latin(base)))
        if keys:
            found.append(Token(m.group(), m.start(), m.end(), keys))
    return found


def is_stopword(token_text: str, language: str) -> bool:
    """A lower-case stopword: "и" is "and", "И." an initial."""
    return token_text.islower() and (token_text in STOPWORDS.get(language, set()) or token_text in STOPWORDS["en"])


@functools.lru_cache(maxsize=100_000)
def similarity(a: str, b: str) -> float:
    """How alike two words' Latin keys are, 0 to 1: equal; the same stem with another ending
    ("krasnogo", "krasni"; "ministrom", "ministerstvo"); or close spellings."""
    if a == b:
        return 1.0
    if min(len(a), len(b)) <= 2:
        return 0.0
    shorter, longer = sorted((a, b), key=len)
    if longer.startswith(shorter) and longer[len(shorter) :] in ("at", "ata", "ate", "atom", "atu"):
        return 0.0  # a title and its state: "sultan", "sultanate" ("Султаната Оман")
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix += 1
    if prefix >= 4 and prefix >= 0.6 * min(len(a), len(b)):
        return 0.9
    ratio = fuzz.ratio(a, b) / 100
    return ratio if ratio >= 0.8 else 0.0


def best_similarity(token: Token, key: str) -> float:
    return max(similarity(candidate, key) for candidate in token.keys)


def name_tokens(spelling: str) -> list[str]:
    words = [w for w in TOKEN.findall(spelling) if not any(is_stopword(w, language) for language in STOPWORDS)]
    return [latin(ARABIC_MARKS.sub("", w)) for w in words if latin(ARABIC_MARKS.sub("", w))]


def known_names() -> list[KnownName]:
    """Every name and alternative name of every institution and person (four queries)."""
    from ..models import Institution, InstitutionName, Person, PersonName

    names: list[KnownName] = []
    institutions = {
        pk: (slug, name, code)
        for pk, slug, name, code in Institution.objects.values_list("pk", "slug", "name", "country__code")
    }
    people = {
        pk: (slug, name, code, institution)
        for pk, slug, name, code, institution in Person.objects.values_list(
            "pk", "slug", "name", "country__code", "institution"
        )
    }

    def add(kind, slug, record_name, spelling, code, abbreviation=False, institution=None):
        tokens = name_tokens(spelling)
        if not tokens:
            return
        extra = {}
        if institution and institution in institutions:
            i_slug, i_name, i_code = institutions[institution]
            extra = {"institution": i_slug, "institution_name": i_name, "institution_country": i_code}
        names.append(KnownName(kind, slug, record_name, spelling, code, tokens, abbreviation, **extra))

    for slug, name, code in institutions.values():
        add("institution", slug, name, name, code, abbreviation=name.isupper() and " " not in name)
    for institution, name, kind in InstitutionName.objects.values_list("institution", "name", "kind"):
        slug, record_name, code = institutions[institution]
        add("institution", slug, record_name, name, code, abbreviation=kind == "abbreviation")
    for slug, name, code, institution in people.values():
        add("person", slug, name, name, code, institution=institution)
    for person, name, kind in PersonName.objects.values_list("person", "name", "kind"):
        slug, record_name, code, institution = people[person]
        add("person", slug, record_name, name, code, abbreviation=kind == "abbreviation", institution=institution)
    return names


class Gazetteer:
    """The known names, indexed by the first three letters of each of their words."""

    def __init__(self, names: list[KnownName]):
        self.names = names
        self.by_prefix: dict[str, set[int]] = {}
        for index, name in enumerate(names):
            for token in name.tokens:
                if len(token) >= 3:
                    self.by_prefix.setdefault(token[:3], set()).add(index)
        self.choices = {
            kind: [(i, n) for i, n in enumerate(names) if n.kind == kind] for kind in ("institution", "person")
        }

    def candidates(self, kind: str, phrase: str, limit: int = 5) -> list[tuple[str, str, int]]:
        """The closest records of `kind` to `phrase`, as (slug, name, score), best first."""
        choices = self.choices[kind]
        if not choices:
            return []
        key = latin(phrase)
        results = process.extract(
            key, [" ".join(n.tokens) for _i, n in choices], scorer=fuzz.token_set_ratio, limit=limit * 3
        )
        seen: dict[str, tuple[str, str, int]] = {}
        for _text, score, position in results:
            name = choices[position][1]
            if name.slug not in seen:
                seen[name.slug] = (name.slug, name.record_name, int(score))
        return sorted(seen.values(), key=lambda c: -c[2])[:limit]


def _align(name: KnownName, tokens: list[Token], start: int, language: str) -> tuple[float, int] | None:
    """How well `name` reads at `tokens[start:]`: (score 0–1, index after the last word used), or None.

    The name's words are taken in order; the text's stopwords are skipped; a word of the name the
    text leaves out ("Republic" in "National Assembly of Belarus") costs score but does not stop
    the match, unless it is a country ("Ministry of Health of Belarus" is not Uzbekistan's).
    """
    position = start
    total, matched, strong = 0.0, 0, 0
    missing: list[str] = []
    for key in name.tokens:
        while position < len(tokens) and is_stopword(tokens[position].text, language) and position > start:
            position += 1
        if position < len(tokens) and (score := best_similarity(tokens[position], key)) > 0:
            total += score
            matched += 1
            strong += len(key) >= 3
            position += 1
        else:
            if position == start:
                return None
            missing.append(key)
    coverage = matched / len(name.tokens)
    if name.abbreviation:
        return (1.0, start + 1) if len(name.tokens) == 1 and tokens[start].text == name.spelling else None
    if len(name.tokens) == 1:
        return (total, position) if matched and len(name.tokens[0]) >= 5 and name.kind == "institution" else None
    if coverage < 0.7 or strong < (1 if name.kind == "person" else 2) or matched < 2:
        return None
    if missing and any(find_places(word, "en") for word in missing):
        return None
    return total / len(name.tokens), position


def find_known(sentences: list[Sentence], language: str, gazetteer: Gazetteer) -> list[Entity]:
    """Every place a known name is found, best-scoring name for each stretch of text."""
    found: list[Entity] = []
    for sentence in sentences:
        tokens = tokens_of(sentence.text, language)
        hits: list[tuple[float, int, int, KnownName]] = []
        tried: set[tuple[int, int]] = set()
        for i, token in enumerate(tokens):
            indexes = set()
            for key in token.keys:
                indexes |= gazetteer.by_prefix.get(key[:3], set())
            for index in indexes:
                name = gazetteer.names[index]
                # The word found may be the name's third ("Alexandrov" in "N.N. Alexandrov …").
                for start in range(max(0, i - 3), i + 1):
                    if (start, index) in tried:
                        continue
                    tried.add((start, index))
                    aligned = _align(name, tokens, start, language)
                    if aligned:
                        score, after = aligned
                        hits.append((score, start, after, name))
        # Longest and best first; a stretch of text is one name (an institution inside a longer
        # institution's name still counts: "Council of the Republic" in its commission's name).
        hits.sort(key=lambda h: (-(h[2] - h[1]) * h[0], -h[0]))
        taken: list[tuple[int, int, str]] = []
        for score, first, after, name in hits:
            if any(first < end and start < after and kind == name.kind for start, end, kind in taken):
                continue
            taken.append((first, after, name.kind))
            start, end = tokens[first].start, tokens[after - 1].end
            found.append(
                Entity(
                    kind=name.kind,
                    name=sentence.text[start:end],
                    country=name.country,
                    sentence=sentence,
                    start=start,
                    end=end,
                    match=name.slug,
                    match_name=name.record_name,
                    score=round(score * 100),
                )
            )
            if name.kind == "person" and name.institution:
                found.append(
                    Entity(
                        kind="institution",
                        name=name.institution_name,
                        country=name.institution_country,
                        sentence=sentence,
                        start=start,
                        end=end,
                        match=name.institution,
                        match_name=name.institution_name,
                        score=round(score * 100),
                        via=name.record_name,
                    )
                )
    return found


def find_surnames(sentences: list[Sentence], language: str, people: list[Entity], gazetteer: Gazetteer) -> None:
    """Later mentions of a person already found by full name, by surname alone ("Lukashenko",
    "لوكاشينكو"), added to the person's mentions."""
    by_slug = {entity.match: entity for entity in people if entity.match}
    surnames: dict[str, str] = {}
    for name in gazetteer.names:
        if name.kind == "person" and name.slug in by_slug and len(name.tokens) >= 2:
            for key in (name.tokens[-1], name.tokens[0]):
                if len(key) >= 5:
                    surnames.setdefault(key, name.slug)
    for sentence in sentences:
        for token in tokens_of(sentence.text, language):
            for key in token.keys:
                slug = surnames.get(key)
                if slug:
                    by_slug[slug].mentions.append((sentence, token.start, token.end))
                    break


# ---------------------------------------------------------------- names the database does not know


def _country_near(sentence: Sentence, start: int, end: int, language: str, places=None) -> str:
    """The country named inside the phrase or right after it ("Minister of Health of Uzbekistan",
    "Sultan … of Oman"), or just before it ("Belarusian President")."""
    places = places if places is not None else find_places(sentence.text, language)
    inside = [p for p in places if start <= p.start < end + 40 and not p.city]
    if inside:
        return inside[0].code
    before = [p for p in places if end > p.end >= start - 25 and not p.city]
    return before[-1].code if before else ""


def _english_runs(sentence: Sentence) -> list[list[tuple[str, int, int]]]:
    """Runs of capitalised words with the small words between them ("Ministry of Health of the
    Sultanate of Oman"), broken at punctuation and at "and" before a title ("… Kochanova and
    Ambassador …")."""
    tokens = [(m.group(), m.start(), m.end()) for m in re.finditer(r"[\w’'.-]+", sentence.text)]
    tokens = [
        (t.rstrip("."), s, e - (len(t) - len(t.rstrip(".")))) if not re.fullmatch(r"(?:\w\.)+", t) else (t, s, e)
        for t, s, e in tokens
    ]
    runs: list[list[tuple[str, int, int]]] = []
    run: list[tuple[str, int, int]] = []
    for index, token in enumerate(tokens):
        word = token[0].strip(".’'")
        following = tokens[index + 1][0].strip(".").lower() if index + 1 < len(tokens) else ""
        if run and (
            re.search(r"[,:;()\[\]\"“”«»]", sentence.text[run[-1][2] : token[1]])
            or (word == "and" and following in TITLES["en"])
        ):
            runs.append(run)
            run = []
        capitalised = word[:1].isupper() or (re.fullmatch(r"(?:[A-Z]\.){1,3}[A-Z]?", token[0]) is not None)
        if capitalised and not (index == 0 and word.lower() in {"the", "a", "an", "in", "during", "this", "both"}):
            run.append(token)
        elif run and word.lower() in CONNECTORS_EN:
            run.append(token)
        else:
            if run:
                runs.append(run)
            run = []
    if run:
        runs.append(run)
    trimmed = []
    for run in runs:
        while run and run[-1][0].lower() in CONNECTORS_EN:
            run = run[:-1]
        if run:
            trimmed.append(run)
    return trimmed


STATE_WORDS = {"republic", "sultanate", "kingdom", "federation", "emirates", "states", "union", "state"}
NAME_PARTICLES = {"bin", "bint", "ibn", "al", "el", "de", "la", "del", "van", "von", "da"}
COURTESY = {"dr", "mr", "mrs", "ms", "prof"}


def find_new_english(sentence: Sentence) -> list[Entity]:
    found: list[Entity] = []
    places = find_places(sentence.text, "en")
    for run in _english_runs(sentence):
        words = [w.strip(".,’'").lower() for w, _s, _e in run]
        place_words = {
            i for i, (_w, s, e) in enumerate(run) for p in places if p.start <= s and e <= p.end + 1 and not p.city
        }
        markers = {
            i for i, w in enumerate(words) if w in TITLES["en"] or w in INSTITUTION_HEADS["en"] or w in STATE_WORDS
        } | place_words
        names: list[tuple[int, int, int]] = []  # (first, last, index of the title before it)
        # A person: the capitalised words right after a title ("President Aleksandr Lukashenko",
        # "Dr. Hilal bin Ali Al Sabti") or after the last title, country or head word of a run that
        # starts with a title ("Chairman of … of Belarus Sergei Aleinik").
        for i, w in enumerate(words):
            if w not in TITLES["en"]:
                continue
            j = i + 1
            while j < len(run) and (words[j] in COURTESY):
                j += 1
            k = j
            while (
                k < len(run)
                and k not in markers
                and (words[k] in NAME_PARTICLES or (words[k] not in CONNECTORS_EN and run[k][0][:1].isupper()))
            ):
                k += 1
            continues_into_head = k < len(run) and any(
                words[m] in INSTITUTION_HEADS["en"] for m in range(k, len(run)) if not (place_words & set(range(k, m)))
            )
            if k - j >= 2 and not continues_into_head:
                names.append((j, k - 1, i))
        last_marker = max(markers, default=-1)
        titled = [i for i in markers if words[i] in TITLES["en"]]
        tail_start = last_marker + 1
        tail_is_a_name = all(
            words[k] in NAME_PARTICLES or (words[k] not in CONNECTORS_EN and run[k][0][:1].isupper())
            for k in range(tail_start, len(run))
        )
        if titled and len(run) - tail_start >= 2 and tail_is_a_name:
            names.append((tail_start, len(run) - 1, titled[0]))
        titled_after = re.match(
            r",\s+(?:the\s+|a\s+)?(?:[A-Z]\w+\s+)*(?:{})\b".format("|".join(t.capitalize() for t in TITLES["en"])),
            sentence.text[run[-1][2] :],
        )
        if not markers and titled_after and 2 <= len(run) <= 4:
            names.append((0, len(run) - 1, -1))
        seen: set[tuple[int, int]] = set()
        for first, last, title_index in names:
            while last > first and words[last] in NAME_PARTICLES:
                last -= 1
            if (first, last) in seen or last - first < 1:
                continue
            seen.add((first, last))
            start, end = run[first][1], run[last][2]
            title = sentence.text[run[title_index][1] : run[first][1]].strip(" ,.") if title_index >= 0 else ""
            country = _country_near(sentence, run[0][1], run[-1][2], "en", places)
            found.append(Entity("person", sentence.text[start:end], country, sentence, start, end, title=title))
        # An institution: each head word's phrase ("N.N. Alexandrov National Cancer Center of
        # Belarus"), starting after a title unless the title is part of the name ("Sultan Qaboos …").
        heads = [i for i, w in enumerate(words) if w in INSTITUTION_HEADS["en"]]
        floor = 0
        for head in heads:
            if head < floor:
                continue
            first = floor
            for i in range(head - 1, floor - 1, -1):
                if words[i] in TITLES["en"]:
                    part_of_name = words[i + 1] not in CONNECTORS_EN and not any(
                        j in markers for j in range(i + 1, head)
                    )
                    first = i if part_of_name else i + 1
                    break
            while first < head and words[first] in CONNECTORS_EN:
                first += 1
            # After the head word: its "of …" complements, up to a title ("… and Ambassador"), a
            # second institution ("… Plant and Minsk Automobile Plant") or a person's name after a
            # country ("… of Belarus Sergei Aleinik").
            last = head
            for i in range(head + 1, len(run)):
                if words[i] in TITLES["en"] or (words[i] == "and" and any(h > i for h in heads)):
                    break
                after_state = (i - 1) in place_words or words[i - 1] in STATE_WORDS
                if after_state and i not in place_words and words[i] not in CONNECTORS_EN:
                    break
                last = i
            while last > head and words[last] in CONNECTORS_EN:
                last -= 1
            floor = last + 1
            start, end = run[first][1], run[last][2]
            phrase = sentence.text[start:end]
            heading = sentence.text[run[-1][2] :].lstrip().startswith(":") and not sentence.text[: run[0][1]].strip()
            if len(phrase.split()) >= 2 and not heading:
                found.append(
                    Entity(
                        "institution",
                        phrase,
                        _country_near(sentence, start, end, "en", places),
                        sentence,
                        start,
                        end,
                        institution_kind=INSTITUTION_HEADS["en"][words[head]],
                    )
                )
    return found


def find_new_arabic(sentence: Sentence) -> list[Entity]:
    tokens = tokens_of(sentence.text, "ar")
    found: list[Entity] = []
    places = find_places(sentence.text, "ar")
    for i, token in enumerate(tokens):
        word = ARABIC_MARKS.sub("", token.text).translate(str.maketrans({"أ": "ا", "إ": "ا", "ة": "ه", "ى": "ي"}))
        bare = arabic_bases(word)
        if word in TITLES["ar"] or any(b in TITLES["ar"] for b in bare[1:2]):
            name = []
            following = tokens[i + 1 : i + 8]
            while following and (
                ARABIC_MARKS.sub("", following[0].text) in ARABIC_TITLE_WORDS
                or any(p.start <= following[0].start < p.end for p in places)
                or arabic_bases(
                    ARABIC_MARKS.sub("", following[0].text).translate(
                        str.maketrans({"أ": "ا", "إ": "ا", "ة": "ه", "ى": "ي"})
                    )
                )[-1]
                in TITLES["ar"]
            ):
                following = following[1:]  # "الأمير", "السعودي", "باكستان" after the title
            for next_token in following[:5]:
                text = ARABIC_MARKS.sub("", next_token.text)
                between = sentence.text[(name[-1].end if name else following[0].start) : next_token.start]
                if text in ARABIC_STOPS or any(ch in between for ch in "،,.؛:") or text.startswith("وال"):
                    break
                if len(text) > 4 and text.endswith(("هما", "هم", "ها", "كم")):  # a pronoun ending: a verb or noun
                    break
                name.append(next_token)
            if len(name) >= 2 and not any(p.start <= name[0].start < p.end for p in places):
                start, end = name[0].start, name[-1].end
                # The country in the title first: "ولي العهد السعودي الأمير محمد بن سلمان".
                in_title = [p for p in places if token.start - 30 <= p.start < start and not p.city]
                country = in_title[-1].code if in_title else _country_near(sentence, start, end, "ar", places)
                found.append(
                    Entity("person", sentence.text[start:end], country, sentence, start, end, title=token.text)
                )
        heads = [b for b in bare if b in INSTITUTION_HEADS["ar"]]
        if heads:
            words = [token]
            for next_token in tokens[i + 1 : i + 6]:
                between = sentence.text[words[-1].end : next_token.start]
                if any(ch in between for ch in "،,.؛:") or ARABIC_MARKS.sub("", next_token.text) in ARABIC_STOPS:
                    break
                words.append(next_token)
            if len(words) >= 2:
                start, end = words[0].start, words[-1].end
                found.append(
                    Entity(
                        "institution",
                        sentence.text[start:end],
                        _country_near(sentence, start, end, "ar", places),
                        sentence,
                        start,
                        end,
                        institution_kind=INSTITUTION_HEADS["ar"][heads[0]],
                    )
                )
    return found


@functools.cache
def _natasha():
    """natasha's segmenter, morphology and news NER models, loaded once per process (a second):
    its embeddings and models ship in the installed packages, nothing is downloaded."""
    import logging

    from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

    logging.getLogger("pymorphy2").setLevel(logging.WARNING)  # it announces every dictionary it loads
    embedding = NewsEmbedding()
    return Doc, Segmenter(), MorphVocab(), NewsMorphTagger(embedding), NewsNERTagger(embedding)


def find_new_russian(text: str, sentences: list[Sentence]) -> list[Entity]:
    Doc, segmenter, morph_vocab, morph_tagger, ner_tagger = _natasha()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_morph(morph_tagger)
    doc.tag_ner(ner_tagger)
    found: list[Entity] = []
    for span in doc.spans:
        if span.type not in ("PER", "ORG"):
            continue
        span.normalize(morph_vocab)
        sentence = next((s for s in reversed(sentences) if s.start <= span.start), None)
        if sentence is None or span.stop > sentence.start + len(sentence.text):
            continue
        start, end = span.start - sentence.start, span.stop - sentence.start
        places = find_places(sentence.text, "ru")
        name = span.normal or span.text
        if span.type == "PER":
            # natasha sometimes runs a title's country into the name: "Султаната Оман Хилялем …".
            leading = [
                p for p in places if p.start == start or (start <= p.start and p.end <= end and p.start < start + 20)
            ]
            if leading:
                cut = max(p.end for p in leading)
                start = cut + len(sentence.text[cut:end]) - len(sentence.text[cut:end].lstrip())
                name = sentence.text[start:end]
            if len(name.split()) < 2 and "." not in name:
                continue
        heads = [w for w in INSTITUTION_HEADS["ru"] if w[:-2] in name.lower()]
        if span.type == "ORG" and not heads and len(name.split()) < 2:
            continue  # an abbreviation alone ("НАН") is too little to propose a record from
        found.append(
            Entity(
                "person" if span.type == "PER" else "institution",
                name,
                _country_near(sentence, start, end, "ru", places),
                sentence,
                start,
                end,
                institution_kind=INSTITUTION_HEADS["ru"][heads[0]] if heads else "other",
            )
        )
    return found


def find_entities(text: str, sentences: list[Sentence], language: str) -> tuple[list[Entity], list[Entity]]:
    """(institutions, people) named in the article, each once: matched ones first by their record,
    new ones by their name, with candidates to re-match."""
    gazetteer = Gazetteer(known_names())
    known = find_known(sentences, language, gazetteer)
    if language == "ru":
        new = find_new_russian(text, sentences)
    else:
        finder = find_new_arabic if language == "ar" else find_new_english
        new = [entity for sentence in sentences for entity in finder(sentence)]
    results: dict[str, list[Entity]] = {"institution": [], "person": []}
    by_key: dict[tuple[str, str], Entity] = {}
    for entity in known:
        key = (entity.kind, entity.match)
        if key in by_key:
            by_key[key].mentions.append((entity.sentence, entity.start, entity.end))
            if entity.via and not by_key[key].via:
                continue
            if not entity.via and by_key[key].via:  # named in its own words: better evidence
                entity.mentions = by_key[key].mentions
                results[entity.kind][results[entity.kind].index(by_key[key])] = entity
                by_key[key] = entity
            continue
        entity.mentions.append((entity.sentence, entity.start, entity.end))
        by_key[key] = entity
        results[entity.kind].append(entity)
    find_surnames(sentences, language, results["person"], gazetteer)
    spans = [
        (sentence, start, end, other.kind)
        for other in results["institution"] + results["person"]
        if not other.via
        for sentence, start, end in other.mentions
    ]
    for entity in new:
        if any(
            sentence is entity.sentence
            and start < entity.end
            and entity.start < end
            and kind in (entity.kind, "person")
            for sentence, start, end, kind in spans
        ):
            continue
        entity.candidates = gazetteer.candidates(entity.kind, entity.name)
        if entity.candidates and entity.candidates[0][2] >= 95:
            slug, record_name, score = entity.candidates[0]
            if (entity.kind, slug) in by_key:
                continue
            entity.match, entity.match_name, entity.score = slug, record_name, score
            by_key[(entity.kind, slug)] = entity
        else:
            key = (entity.kind, latin(entity.name))
            if key in by_key or any(
                k[0] == entity.kind and k[1] and (latin(entity.name) in k[1]) for k in by_key if k[1]
            ):
                continue
            by_key[key] = entity
        entity.mentions.append((entity.sentence, entity.start, entity.end))
        results[entity.kind].append(entity)
    for entity in results["institution"] + results["person"]:
        if entity.match and not entity.candidates:
            entity.candidates = [(entity.match, entity.match_name, entity.score)]
            entity.candidates += [c for c in gazetteer.candidates(entity.kind, entity.name) if c[0] != entity.match][:4]
    return results["institution"], results["person"]
