"""What each seed article reports, for scoring the drafts made from it.

For each article: the records of `fixtures/03_chain.json` it describes (docs/seed-data.md says
which came from which article), each with the words in the article that introduce it. A drafted
record is that record when the sentence it cites contains one of those words; its fields are then
compared with the fixture's. Institutions and people are the fixtures' records citing the article's
source. An article is drafted with the database as it was before the article: every institution
and person, and the chain without the records listed here (a commitment kept by one of them is
open again).
"""

from __future__ import annotations

ARTICLES = {
    "000": {
        "file": "000_e89625f3e10935f5.txt",
        "source": "belta-by-om-healthcare-2025-10-06",
        "visits": {
            "om-by-state-visit-2025": ["talks between belarusian president"],
            "om-by-health-minister-visits-minsk": ["repeated visits to minsk"],
            "om-by-health-minister-visit-2025": ["during the visit of the omani health minister"],
        },
        "memoranda": {
            "mou-alexandrov-sqcccrc-2025": ["memorandum of understanding on the exchange of scientific"],
            "mou-moh-by-om-2025": ["memorandum of understanding in the field of healthcare"],
        },
        "commitments": {
            "mou-moh-deepen-healthcare-cooperation": ["deeper and closer cooperation"],
            "mou-alexandrov-exchange-experience": ["exchange of scientific, medical, and research experience"],
            "mou-alexandrov-expand-to-other-fields": ["expand this [cooperation with oman]"],
        },
    },
    "001": {
        "file": "001_5a64a4d3f26ddb38.txt",
        "source": "omr-by-om-forum-muscat-2024",
        "visits": {
            "by-om-forum-muscat-2024": ["белорусско-оманском форуме"],
            "by-om-meeting-sqcccrc-2024": ["встреча с руководством"],
            "by-om-meeting-health-minister-2024": ["на следующий день проведена встреча"],
        },
        "memoranda": {},
        "commitments": {
            "by-om-forum-postgraduate-training": ["последипломное обучение"],
            "by-om-forum-patient-referral": ["направление оманских онкологических пациентов"],
            "by-om-forum-joint-oncology-research": ["совместных научных исследований"],
            "by-om-forum-minister-visit-2025": ["визите министра здравоохранения"],
            "by-om-forum-health-ministries-mou": ["меморандума о взаимопонимании и сотрудничестве"],
            "by-om-forum-cancer-centres-mou": ["меморандума о сотрудничестве между государственным"],
        },
    },
    "002": {
        "file": "002_4b981f0be981b52b.txt",
        "source": "ar-om-state-visit-2025",
        "visits": {
            "om-by-state-visit-2025": ["زار السلطان"],
            "by-om-high-level-visits-2024-2025": ["زيارات عالية المستوى"],
            "by-om-minsk-salalah-flight-2025": ["طريق طيران"],
        },
        "memoranda": {
            "joint-statement-by-om-2025": ["البيان المشترك الصادر"],
            "by-om-joint-commission-instrument-2025": ["لجنة مشتركة للتعاون والاستثمار"],
            "agreement-by-om-visa-exemption": ["اتفاقية إعفاء التأشيرة"],
        },
        "commitments": {
            "js-by-om-grow-trade": ["لزيادة التجارة الثنائية"],
            "js-by-om-expand-investment": ["لتوسيع تعاون الاستثمار"],
            "js-by-om-joint-commission-to-start-work": ["يريدون العمل قريبًا"],
            "js-by-om-boost-tourism": ["لتعزيز التدفقات السياحية"],
            "js-by-om-education-culture-business": ["كما أكدوا على تعميق التعاون"],
            "js-by-om-sign-further-documents": ["توقيع وثائق ثنائية إضافية"],
            "js-by-om-programmes-action-plans": ["البرامج العملية وخطط العمل"],
            "js-by-om-multilateral-cooperation": ["داخل المنظمات الدولية"],
            "hlv-by-om-sector-agreements": ["التقدم المحرز في الاتفاقيات"],
            "hlv-by-om-infant-formula-dairy": ["حليب الرضع"],
            "hlv-by-om-machinery-assembly": ["تجميع الآلات"],
        },
    },
    "003": {
        "file": "003_f281cacca4534b92.txt",
        "source": "belta-by-cu-2025-06-11",
        "visits": {
            "by-cu-kochanova-ambassador-2025-06-11": ["the meeting between chairperson"],
            "by-cu-prime-minister-visits-2023-2024": ["exchanged official visits"],
            "cu-by-president-official-visit": ["official visit of the president of cuba"],
            "cu-by-eaeu-summit-minsk": ["eaeu summit"],
            "by-cu-pharma-exhibition-2025-04": ["exhibition held in cuba"],
        },
        "memoranda": {
            "by-cu-science-technology-programme-2030": ["science and technology cooperation program"],
            "by-cu-pharma-supply-contracts-2025": ["contracts were signed"],
            "by-cu-bilateral-documents-aggregate": ["over 30 bilateral documents"],
            "by-cu-educational-agreements-aggregate": ["over 40 agreements"],
        },
        "commitments": {
            "by-cu-president-visit": ["we expect an official visit"],
            "by-cu-machinery-modernisation-assembly": ["modernization and exploring"],
            "by-cu-humanitarian-cooperation": ["great potential for expanding cooperation"],
            "by-cu-health-resort-tourism": ["health resort treatment"],
            "by-cu-parliamentary-cooperation": [
                "inter-parliamentary cooperation, which continues",
                "parliamentary diplomacy",
            ],
            "by-cu-new-agreements": ["will lead to new agreements"],
            "by-cu-science-programme-implementation": ["successful implementation is a key objective"],
        },
    },
    "004": {
        "file": "004_ae9f4961a003824f.txt",
        "source": "ir-uz-health-ambassador-meeting",
        "visits": {"ir-uz-ambassador-health-minister": ["recently met with"]},
        "memoranda": {},
        "commitments": {
            "ir-uz-medical-equipment": ["exchange of advanced medical technologies"],
            "ir-uz-training-experience": ["collaborative training programs"],
            "ir-uz-university-hospital-links": ["establishing connections between educational institutions"],
            "ir-uz-healthcare-needs": ["intent to fulfill a portion"],
        },
    },
}
