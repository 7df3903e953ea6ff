"""Hypothesis strategies shared by the tests."""

from __future__ import annotations

from hypothesis import strategies as st

YEAR = st.integers(1, 9999).map(lambda year: f"{year:04d}")
MONTH = st.integers(1, 12).map(lambda month: f"{month:02d}")
DAY = st.integers(1, 31).map(lambda day: f"{day:02d}")
QUALIFIER = st.sampled_from(["", "", "?", "~", "%"])


@st.composite
def unspecified_year(draw) -> str:
    year = draw(YEAR)
    hidden = draw(st.sampled_from([0, 0, 0, 1, 2, 4]))
    return year[: 4 - hidden] + "X" * hidden


@st.composite
def calendar_date(draw) -> str:
    """A year, a month or a day, some of its digits perhaps unspecified: 2025, 19XX, XXXX-02-01."""
    date = draw(unspecified_year())
    if draw(st.booleans()):
        date += "-" + draw(st.one_of(MONTH, st.just("XX")))
        if draw(st.booleans()):
            date += "-" + draw(st.one_of(DAY, st.just("XX")))
    return date


SEASON = st.builds(lambda year, code: f"{year}-{code}", YEAR, st.integers(21, 41))
PARTLY_QUALIFIED = st.builds(
    lambda year, month, day, where, mark: {
        "year": f"{year}{mark}-{month}-{day}",
        "month": f"{year}-{mark}{month}-{day}",
        "day": f"{year}-{month}-{mark}{day}",
        "before": f"{mark}{year}-{month}",
    }[where],
    YEAR,
    MONTH,
    DAY,
    st.sampled_from(["year", "month", "day", "before"]),
    st.sampled_from(["?", "~", "%"]),
)
POINT = st.one_of(
    st.builds(str.__add__, calendar_date(), QUALIFIER),
    SEASON,
    PARTLY_QUALIFIED,
    st.builds(lambda year, digits: f"{year}S{digits}", YEAR, st.integers(1, 4)),
    st.builds(lambda year, month, day: f"{year}-{month}-{day}T10:30:00", YEAR, MONTH, DAY),
    st.sampled_from(["Y170000002", "Y-17E7", "-0001", "0000"]),
)
INTERVAL = st.one_of(
    st.builds(lambda lower, upper: f"{lower}/{upper}", POINT, POINT),
    st.builds(lambda point, shape: shape.format(point), POINT, st.sampled_from(["{}/..", "../{}", "{}/", "/{}"])),
)
SET = st.builds(
    lambda members, brackets, open_end: brackets[0] + ",".join(members) + open_end + brackets[1],
    st.lists(calendar_date(), min_size=1, max_size=3),
    st.sampled_from(["[]", "{}"]),
    st.sampled_from(["", "", ".."]),
)
# EDTF strings of levels 0–2 as the edtf library parses them, and some it refuses or cannot place
# in the calendar (a year beyond 9999, year 0, 31 February, an interval ending before it starts).
EDTF = st.one_of(POINT, INTERVAL, SET, st.builds(lambda first, last: f"[{first}..{last}]", YEAR, YEAR))
