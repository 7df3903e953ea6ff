"""The words that mark a visit, a signed document or a promise, in each language.

Each is a regular expression matched, case-insensitively, against a sentence folded as in
`dates.fold` (Arabic letter variants unified, so "إلى" is written as it is spelt and still meets "الى").
"""

from __future__ import annotations

import functools
import re

from ..search import LETTER_VARIANTS

VISIT = {
    "en": r"visit(?:s|ed)?|talks|meeting|met|forum|summit|exhibition|trip",
    "ru": r"визит\w*|посещени\w*|посетил\w*|переговор\w*|встреч\w*|форум\w*|саммит\w*|выставк\w*|поездк\w*",
    "ar": r"\w?زار|\w?زيار\w*|\w*محادثات|\w*اجتماع\w*|التقى|استقبل|\w*منتدى|\w*قمة|\w*معرض",
}
# A bare verb ("visited", "met") with no date of its own tells more about the visit before it.
VISIT_VERBS = {"en": r"visited|met", "ru": r"посетил\w*|встретил\w*", "ar": r"زار|التقى"}
# A visit word that only refers back to the visit already described ("the meeting", "this visit").
REFERENCE = {
    "en": r"(?:the|this|that|today['’]s|during\s+the|of\s+the|at\s+the)\s+(?:upcoming\s+|coming\s+|forthcoming\s+)?"
    r"(?:visit|talks|meeting|discussions|trip)",
    "ru": r"(?:в\s+ходе|во\s+время|по\s+итогам)\s+(?:визита|встречи|переговоров|поездки|форума)",
    "ar": r"(?:خلال\s+)?(?:الزيارة|الاجتماعات|المحادثات|الاجتماع|المناقشات)",
}
PLURAL_VISITS = {
    "en": r"visits|meetings",
    "ru": r"визиты|визитов|визитами|посещения|встречи\s+на\s+высшем",
    "ar": r"زيارات|\w*الزيارات",
}
FREQUENCY = {
    "en": r"repeated|several|numerous|regular|frequent|high-level|exchanged",
    "ru": r"неоднократн\w*|многочисленн\w*|регулярн\w*|обмен\w*",
    "ar": r"متكررة|عديدة|عالية\s+المستوى|رفيعة\s+المستوى",
}
VISIT_KINDS = [  # (kind, pattern), the first that matches wins
    (
        "state",
        {
            "en": r"state\s+visits?",
            "ru": r"государственн\w+\s+визит\w*",
            "ar": r"زيارة\s+\w+\s+الحكومية|الحكومية|زيارة\s+دولة",
        },
    ),
    ("official", {"en": r"official\s+visits?", "ru": r"официальн\w+\s+визит\w*", "ar": r"زيار\w*\s+رسمية|الرسمية"}),
    ("working", {"en": r"working\s+visits?", "ru": r"рабоч\w+\s+визит\w*", "ar": r"زيارة\s+عمل"}),
    ("forum", {"en": r"forum", "ru": r"форум\w*", "ar": r"منتدى"}),
    ("exhibition", {"en": r"exhibition|expo|fair", "ru": r"выставк\w*", "ar": r"معرض"}),
    ("other", {"en": r"summit", "ru": r"саммит\w*", "ar": r"قمة"}),
    ("ambassadorial", {"en": r"ambassador", "ru": r"посол\w*|посл[аеуо]м?", "ar": r"السفير|سفير"}),
    ("parliamentary", {"en": r"parliament\w*|speaker", "ru": r"парламент\w*", "ar": r"البرلمان|مجلس\s+النواب"}),
    ("ministerial", {"en": r"minister", "ru": r"министр\w*", "ar": r"وزير"}),
    (
        "state",
        {"en": r"president|sultan|king|emir", "ru": r"президент\w*|султан\w*", "ar": r"الرئيس|السلطان|الملك|الأمير"},
    ),
]
PLANNED = {
    "en": r"expect\w*|will|upcoming|planned|is\s+set\s+to|to\s+be\s+held|scheduled|forthcoming|soon",
    "ru": r"ожида\w+|планир\w+|предстоящ\w+|состоится|будет|скоро",
    "ar": r"المقبلة|المرتقبة|المقرر|سي\w+|سوف",
}

DOCUMENTS = [  # (memorandum kind, pattern)
    (
        "joint-statement",
        {
            "en": r"joint\s+(?:statement|declaration|communiqu\w+)",
            "ru": r"совместн\w+\s+(?:заявлени|деклараци|коммюнике)\w*",
            "ar": r"البيان\s+المشترك|بيان\s+مشترك|الإعلان\s+المشترك",
        },
    ),
    ("mou", {"en": r"memorand\w*|mou", "ru": r"меморандум\w*", "ar": r"مذكر\w*\s+تفاهم|مذكرة"}),
    ("programme", {"en": r"program\w*", "ru": r"программ\w*", "ar": r"برنامج"}),
    ("contract", {"en": r"contracts?", "ru": r"контракт\w*|договор\w*\s+поставк\w*", "ar": r"عقود|عقد"}),
    ("protocol", {"en": r"protocol", "ru": r"протокол\w*", "ar": r"بروتوكول"}),
    (
        "roadmap",
        {
            "en": r"road\s*map|action\s+plan",
            "ru": r"дорожн\w+\s+карт\w*|план\w*\s+действий",
            "ar": r"خارطة\s+طريق|خطة\s+عمل",
        },
    ),
    ("agreement", {"en": r"agreements?|treaty|accord", "ru": r"соглашени\w*|договор\w*", "ar": r"اتفاقي\w*|اتفاق"}),
    ("other", {"en": r"documents", "ru": r"документ\w*", "ar": r"وثائق"}),
]
SIGNED = {
    "en": r"signed|signing|concluded(?=\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,2}(?:agreement|memorandum|contract|treaty))|"
    r"adopted|issued|inked",
    "ru": r"подписан\w*|подписал\w*|подписани[ея]|заключ[её]н\w*|заключил\w*|принят\w*",
    "ar": r"\w?وقع\w*|\w?وقّع\w*|\w*توقيع|الصادر|أبرم\w*",
}
# A document to be signed, not yet signed ("to sign", "prepare … for signing", "سيتم توقيع").
NOT_YET_SIGNED = {
    "en": r"to\s+sign|will\s+sign|prepar\w+|draft\w*|to\s+be\s+signed|plan\w*\s+to|agreed\s+to\s+sign",
    "ru": r"подготов\w+|к\s+подписанию|подпишут|планиру\w+|проект\w*",
    "ar": r"سيتم|سوف|إعداد|وافق\w*\s+على\s+توقيع|مشروع",
}
# A count right before the document word makes an aggregate: "over 30 bilateral documents".
COUNT = {
    "en": r"(?:over|more\s+than|around|about|some)\s+\d+(?:\s+\w+)?\s+"
    r"(?:agreements|documents|memoranda|contracts|treaties)",
    "ru": r"(?:более|свыше|около)\s+\d+(?:\s+\w+)?\s+"
    r"(?:соглашени\w*|документ\w*|меморандум\w*|договор\w*|контракт\w*)",
    "ar": r"(?:أكثر\s+من|نحو|حوالي)\s+\d+\s+(?:اتفاقي\w*|وثيقة|وثائق|مذكر\w*)",
}
# The subject of a memorandum: "memorandum … on the exchange of experience", "in the field of healthcare".
SUBJECT = {
    "en": r"(?:on|in\s+the\s+field\s+of|on\s+cooperation\s+in)\s+"
    r"(?P<subject>(?:(?!\s(?:was|were|has|have|had|between|that|which|signed)\s)[^.;]){6,140})",
    "ru": r"(?:о|об|в\s+области|в\s+сфере)\s+"
    r"(?P<subject>(?:(?!\s(?:был|была|было|между|который|которое|подписан\w*)\s)[^.;]){6,140})",
    "ar": r"(?:بشأن|حول|في\s+مجال)\s+(?P<subject>[^،,.;]{6,140})",
}

PROMISE = {
    "en": r"will|would\s+be\s+able|agreed\s+(?:to|on|that)|plan(?:s|ned)?\s+to|is\s+planned|intend\w*|intent\s+to|"
    r"aim\w*\s+to|committed\s+to|pledged|expect\w*|ready\s+to|readiness|hope\s+(?:to|that|they)|"
    r"the\s+focus\s+now\s+is|key\s+objective|opportunities\s+for|great\s+potential|promising\s+opportunities|"
    r"opened\s+up\s+opportunities|continues\s+to\s+develop|we\s+are\s+using|progress\s+(?:made|achieved)\s+(?:in|on)",
    "ru": r"готовност\w*|договор[её]нност\w*|планир\w+|намерен\w*|будет|будут|обязал\w*|согласовал\w*",
    "ar": r"\w?اتفق\w*|\w?وافق\w*|\w?تعهد\w*|استعداد\w*|مستعدون|يريدون|سوف|ستطور|سي\w+|أكد\w*\s+على\s+تعميق|"
    r"الجهود\s+المبذولة|مستمرة|الحالية\s+قيد\s+التطوير|التقدم\s+المحرز",
}
# The part of a promise's sentence that says what was promised starts after one of these.
PROMISE_START = {
    "en": r"(?:agreed\s+(?:to|on|that)|plan(?:s|ned)?\s+to|intent\s+to|intend\w*\s+to|aim\w*\s+to|committed\s+to|"
    r"pledged\s+to|ready\s+to|readiness\s+to|hope\s+to|the\s+focus\s+now\s+is\s+on|opportunities\s+for|"
    r"potential\s+for|expect|will\s+be\s+able\s+to|will)\s+",
    "ru": r"(?:готовность\s+к|договоренности\s+о|планируется|намерены|будет|будут)\s+",
    "ar": r"(?:على|استعدادهما\s+ل|مستعدون\s+ل|يريدون|تعهدوا\s+ب|إلى)\s*",
}
CONTEXT = {  # a list introduced by one of these is a list of promises
    "en": r"cooperation|agreed|areas|including",
    "ru": r"готовност\w*|договор[её]нност\w*|направлени\w*|сотрудничеств\w*",
    "ar": r"\w*اتفق\w*|\w*تعاون\w*|\w*مجالات",
}


@functools.cache
def compiled(pattern: str, language: str = "") -> re.Pattern:
    """The pattern as whole words; an Arabic word may carry a clitic ("ووافقا", "وتعهدوا")."""
    clitic = "[وفبلك]?" if language == "ar" else ""
    return re.compile(rf"(?<![\w]){clitic}(?:{pattern.translate(LETTER_VARIANTS)})(?![\w])", re.IGNORECASE)


def find(table: dict[str, str], language: str, folded: str) -> re.Match | None:
    return compiled(table[language], language).search(folded)


def find_all(table: dict[str, str], language: str, folded: str) -> list[re.Match]:
    return list(compiled(table[language], language).finditer(folded))


# Web-page furniture that comes with a copied article: never a fact.
BOILERPLATE = re.compile(
    r"leave a reply|email address|required fields|similar posts|related posts|all rights reserved|cookies|"
    r"subscribe|share this|комментари|подписывайтесь|все права защищены|اترك تعليقا|جميع الحقوق محفوظة",
    re.IGNORECASE,
)
