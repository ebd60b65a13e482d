"""The attendance rules the bot watches: bot/domain/rules.py."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.rules import (
    Attendance,
    Flag,
    FlagKind,
    MeetingRecord,
    attendance_ratio,
    counts_in_month,
    diff,
    flag_month,
    longest_excused_streak,
    meeting_flags,
    member_flags,
    missing_meeting_flag,
)

P, E, U, X = Attendance.PRESENT, Attendance.EXCUSED, Attendance.UNEXCUSED, Attendance.EXEMPT
UNIT = 3
ME = 12
OTHER = 13


def history(*meetings: tuple[str, Attendance]) -> list[MeetingRecord]:
    """One record per (YYYY-MM-DD, my attendance); a second member is always present."""
    return [
        MeetingRecord(
            meeting_id=index,
            held_on=date.fromisoformat(day),
            attendance={ME: status, OTHER: P},
        )
        for index, (day, status) in enumerate(meetings, start=1)
    ]


def monthly(
    year: int, *statuses: Attendance, first_month: int = 1
) -> list[tuple[str, Attendance]]:
    """One meeting on the 5th of each month from first_month, with my attendance in each."""
    return [(f"{year}-{first_month + i:02d}-05", status) for i, status in enumerate(statuses)]


def meeting(meeting_id: int = 7, **counts: int) -> MeetingRecord:
    """A meeting with so many members present, excused, unexcused and exempt."""
    statuses = [Attendance(name) for name, n in counts.items() for _ in range(n)]
    return MeetingRecord(
        meeting_id=meeting_id,
        held_on=date(2026, 3, 5),
        attendance=dict(enumerate(statuses, start=100)),
    )


# --- Three months without a reason --------------------------------------------------------------

THREE_MONTH_CASES = [
    pytest.param(monthly(2026, U, P, U, P, U), 2026, True, id="3 distinct months flag"),
    pytest.param(monthly(2026, U, P, U, P, P), 2026, False, id="2 months do not"),
    pytest.param(
        [("2026-03-05", U), ("2026-03-20", U), ("2026-04-05", U)],
        2026,
        False,
        id="3 meetings in 2 months count as 2 months",
    ),
    pytest.param(
        [("2026-11-05", U), ("2026-12-05", U), ("2027-01-05", U)],
        2027,
        False,
        id="Nov-Dec and Jan of the next year do not add up (judged in January)",
    ),
    pytest.param(
        [("2026-11-05", U), ("2026-12-05", U), ("2027-01-05", U)],
        2026,
        False,
        id="Nov-Dec and Jan of the next year do not add up (judged for the old year)",
    ),
    pytest.param(monthly(2026, U, X, X, U, X), 2026, False, id="exempt meetings do not count"),
    pytest.param(
        [("2026-02-05", U), ("2026-02-25", E), ("2026-05-05", U), ("2026-09-05", U)],
        2026,
        True,
        id="a later excuse in the same month does not erase the unexcused month",
    ),
    pytest.param(monthly(2026, U, U, U, first_month=10), 2026, True, id="Oct-Dec flag"),
]


@pytest.mark.parametrize(("meetings", "year", "flagged"), THREE_MONTH_CASES)
def test_three_unexcused_months_in_a_calendar_year_raise_the_xoa_ten_flag(
    meetings: list[tuple[str, Attendance]], year: int, flagged: bool
) -> None:
    """Three distinct months of one calendar year with an unexcused absence flag the member."""
    flags = [f for f in member_flags(UNIT, history(*meetings), year) if f.person_id == ME]
    assert (FlagKind.UNEXCUSED_3_MONTHS in [f.kind for f in flags]) is flagged


def test_three_month_flag_names_the_months_and_the_year() -> None:
    """The flag carries the count, the year and the months, and its key names person and year."""
    flags = member_flags(UNIT, history(*monthly(2026, U, P, U, P, P, P, U)), 2026)
    assert flags == [
        Flag(
            kind=FlagKind.UNEXCUSED_3_MONTHS,
            key="unexcused_3_months:unit=3:person=12:year=2026",
            unit_id=UNIT,
            person_id=ME,
            meeting_id=None,
            params={"count": "3", "year": "2026", "months": "1, 3, 7"},
        )
    ]


# --- Excused too many times in a row ------------------------------------------------------------

STREAK_CASES = [
    pytest.param(monthly(2026, E, E, E), 3, False, id="3 in a row do not flag"),
    pytest.param(monthly(2026, E, E, E, E), 4, True, id="4 in a row flag"),
    pytest.param(monthly(2026, E, E, P, E, E), 2, False, id="a present meeting breaks the run"),
    pytest.param(monthly(2026, E, E, U, E, E), 2, False, id="an unexcused absence breaks the run"),
    pytest.param(monthly(2026, E, E, X, X, E, E), 4, True, id="exempt meetings are skipped"),
    pytest.param(
        [("2026-10-05", E), ("2026-11-05", E), ("2026-12-05", E), ("2027-01-05", E)],
        3,
        False,
        id="the run starts again on 1 January (judged for the old year)",
    ),
    pytest.param(monthly(2026, P, E, E, E, E, E, P), 5, True, id="the longest run is counted"),
    pytest.param(monthly(2026, X, X, X), 0, False, id="an exempt member has no run"),
]


@pytest.mark.parametrize(("meetings", "longest", "flagged"), STREAK_CASES)
def test_more_than_three_excused_absences_in_a_row_in_a_year_flag_the_member(
    meetings: list[tuple[str, Attendance]], longest: int, flagged: bool
) -> None:
    """Four or more excused meetings in a row of one year flag; present or unexcused break it."""
    records = history(*meetings)
    flags = [f for f in member_flags(UNIT, records, 2026) if f.person_id == ME]
    assert longest_excused_streak(records, ME, 2026) == longest
    assert (FlagKind.EXCUSED_STREAK in [f.kind for f in flags]) is flagged


def test_a_run_across_the_new_year_is_judged_in_each_year_apart() -> None:
    """Three excused in Oct-Dec and one in January make runs of 3 and 1, not one of 4."""
    records = history(("2026-10-05", E), ("2026-11-05", E), ("2026-12-05", E), ("2027-01-05", E))
    assert longest_excused_streak(records, ME, 2026) == 3
    assert longest_excused_streak(records, ME, 2027) == 1
    assert member_flags(UNIT, records, 2027) == []


def test_meetings_before_the_member_joined_neither_count_nor_break_the_run() -> None:
    """A meeting the member was not on the roll of is skipped, like an exempt one."""
    records = history(*monthly(2026, E, E, E, E))
    joined_late = [*records[:2], MeetingRecord(99, date(2026, 2, 20), {OTHER: P}), *records[2:]]
    assert longest_excused_streak(joined_late, ME, 2026) == 4
    assert longest_excused_streak(joined_late, OTHER, 2026) == 0


def test_streak_flag_says_how_long_and_since_when() -> None:
    """The streak flag carries its length, the year and the date of its first meeting."""
    flags = member_flags(UNIT, history(*monthly(2026, P, E, E, E, E)), 2026)
    assert flags == [
        Flag(
            kind=FlagKind.EXCUSED_STREAK,
            key="excused_streak:unit=3:person=12:year=2026",
            unit_id=UNIT,
            person_id=ME,
            meeting_id=None,
            params={"count": "4", "year": "2026", "since": "05/02/2026"},
        )
    ]


def test_records_out_of_order_give_the_same_flags() -> None:
    """Runs follow the dates held, whatever order the records come in."""
    records = history(*monthly(2026, E, E, P, E, E, U, U, U))
    shuffled = records[::-1]
    assert member_flags(UNIT, shuffled, 2026) == member_flags(UNIT, records, 2026)
    assert longest_excused_streak(shuffled, ME, 2026) == 2


# --- Attendance at one meeting ------------------------------------------------------------------

RATIO_CASES = [
    pytest.param(meeting(present=849, excused=151), Decimal("0.849"), True, id="84.9% flags"),
    pytest.param(meeting(present=17, excused=3), Decimal("0.85"), False, id="85% does not"),
    pytest.param(meeting(present=10), Decimal(1), False, id="100% does not"),
    pytest.param(
        meeting(present=17, excused=3, exempt=5),
        Decimal("0.85"),
        False,
        id="exempt members are left out of the ratio",
    ),
    pytest.param(
        meeting(present=16, excused=4, exempt=20),
        Decimal("0.8"),
        True,
        id="exempt members do not lift the ratio",
    ),
    pytest.param(meeting(exempt=4), None, False, id="nobody expected: no ratio, no flag"),
    pytest.param(meeting(), None, False, id="empty roll: no ratio, no flag"),
]


@pytest.mark.parametrize(("record", "ratio", "flagged"), RATIO_CASES)
def test_attendance_under_85_percent_of_expected_members_flags_the_meeting(
    record: MeetingRecord, ratio: Decimal | None, flagged: bool
) -> None:
    """Present over non-exempt members below 85% raises the low-attendance flag."""
    assert attendance_ratio(record) == ratio
    found = [f.kind for f in meeting_flags(UNIT, record)]
    assert (FlagKind.LOW_ATTENDANCE in found) is flagged


def test_low_attendance_flag_reads_present_over_expected_rounded_down() -> None:
    """84.9% reads 84%, never 85%, next to present/expected and the date."""
    (flag,) = meeting_flags(UNIT, meeting(present=849, excused=151, exempt=2))
    assert flag.key == "low_attendance:meeting=7"
    assert flag.meeting_id == 7
    assert flag.person_id is None
    assert flag.params == {
        "date": "05/03/2026",
        "present": "849",
        "expected": "1000",
        "ratio": "84%",
    }


UNEXCUSED_CASES = [
    pytest.param(meeting(present=19, unexcused=1), ["unexcused_at_meeting"], id="one flags"),
    pytest.param(meeting(present=10, excused=1), [], id="excused only: nothing"),
    pytest.param(
        meeting(present=1, unexcused=2),
        ["low_attendance", "unexcused_at_meeting"],
        id="both rules at once",
    ),
]


@pytest.mark.parametrize(("record", "expected"), UNEXCUSED_CASES)
def test_any_unexcused_absence_flags_the_meeting(
    record: MeetingRecord, expected: list[str]
) -> None:
    """One unexcused absence is enough to flag the meeting, whatever the ratio."""
    assert [f.kind.value for f in meeting_flags(UNIT, record)] == expected


def test_unexcused_flag_counts_the_absentees() -> None:
    """The unexcused flag says how many were absent without a reason, and when."""
    flags = meeting_flags(UNIT, meeting(present=40, unexcused=2))
    assert [(f.key, dict(f.params)) for f in flags] == [
        ("unexcused_at_meeting:meeting=7", {"date": "05/03/2026", "count": "2"})
    ]


# --- No meeting by the deadline -----------------------------------------------------------------

NO_MEETING_CASES = [
    pytest.param([], date(2026, 12, 19), None, id="before the deadline day: nothing"),
    pytest.param([], date(2026, 12, 20), "no_meeting:unit=3:month=2026-12", id="on the day"),
    pytest.param([], date(2026, 12, 31), "no_meeting:unit=3:month=2026-12", id="after the day"),
    pytest.param([date(2026, 12, 3)], date(2026, 12, 25), None, id="a meeting held this month"),
    pytest.param(
        [date(2026, 11, 28), date(2027, 1, 2)],
        date(2026, 12, 25),
        "no_meeting:unit=3:month=2026-12",
        id="meetings in other months do not count",
    ),
    pytest.param([], date(2027, 1, 25), None, id="today not in the month: nothing"),
]


@pytest.mark.parametrize(("held", "today", "key"), NO_MEETING_CASES)
def test_no_held_meeting_by_the_deadline_day_flags_the_cell(
    held: list[date], today: date, key: str | None
) -> None:
    """From the deadline day of the month on, a month without a held meeting is flagged."""
    flag = missing_meeting_flag(UNIT, "2026-12", held, today, deadline_day=20)
    assert (flag.key if flag else None) == key


def test_a_deadline_past_the_month_end_falls_on_its_last_day() -> None:
    """A deadline of 31 still fires in February, on the 28th."""
    flag = missing_meeting_flag(UNIT, "2026-02", [], date(2026, 2, 28), deadline_day=31)
    assert flag is not None
    assert flag.params == {"month": "02/2026", "deadline": "28/02/2026"}


# --- Raising once, clearing when it ends --------------------------------------------------------


def test_diff_raises_new_keys_and_clears_the_ones_that_no_longer_hold() -> None:
    """Flags already raised are not raised again; raised ones now absent are cleared."""
    now = [
        *meeting_flags(UNIT, meeting(present=1, unexcused=2)),
        *member_flags(UNIT, history(*monthly(2026, U, U, U)), 2026),
    ]
    before = ["low_attendance:meeting=7", "excused_streak:unit=3:person=12:year=2026"]
    raised, cleared = diff(before, now)
    assert [f.key for f in raised] == [
        "unexcused_at_meeting:meeting=7",
        "unexcused_3_months:unit=3:person=12:year=2026",
    ]
    assert cleared == ["excused_streak:unit=3:person=12:year=2026"]


def test_diff_of_the_same_flags_is_empty_and_duplicates_raise_once() -> None:
    """Nothing changes when the same flags hold again; a key given twice is raised once."""
    now = meeting_flags(UNIT, meeting(present=1, unexcused=2))
    assert diff({f.key for f in now}, now) == ([], [])
    raised, cleared = diff([], [*now, *now])
    assert raised == now
    assert cleared == []


def test_keys_are_stable_across_calls() -> None:
    """The same facts give the same keys every time, so a flag is raised only once."""
    records = history(*monthly(2026, U, E, E, E, E, U, U))
    first = [f.key for f in member_flags(UNIT, records, 2026)]
    again = [f.key for f in member_flags(UNIT, list(reversed(records)), 2026)]
    assert (
        first
        == again
        == [
            "unexcused_3_months:unit=3:person=12:year=2026",
            "excused_streak:unit=3:person=12:year=2026",
        ]
    )


def test_a_later_month_changes_the_params_but_not_the_key() -> None:
    """A fourth unexcused month keeps the flag's key, so it is not raised a second time."""
    three = member_flags(UNIT, history(*monthly(2026, U, U, U)), 2026)
    four = member_flags(UNIT, history(*monthly(2026, U, U, U, U)), 2026)
    assert diff([f.key for f in three], four) == ([], [])


# --- Messages -----------------------------------------------------------------------------------

EVERY_KIND = [
    *member_flags(UNIT, history(*monthly(2026, U, U, U, E, E, E, E)), 2026),
    *meeting_flags(UNIT, meeting(present=1, unexcused=2)),
    missing_meeting_flag(UNIT, "2026-12", [], date(2026, 12, 25), 20),
]


def test_every_kind_is_covered_by_the_message_check() -> None:
    """The message check below sees one flag of every kind."""
    assert sorted(f.kind for f in EVERY_KIND if f) == sorted(FlagKind)


@pytest.mark.parametrize("flag", EVERY_KIND, ids=lambda f: f.kind.value if f else "none")
def test_every_message_fills_from_its_params_name_and_unit(flag: Flag | None) -> None:
    """Each message formats with its params plus the caller's name and unit, leaving no {…}."""
    assert flag is not None
    text = flag.message.format(name="Nguyễn Văn An", unit="Chi bộ thôn 1", **flag.params)
    assert "{" not in text
    assert not {"name", "unit"} & set(flag.params)


# --- Properties ---------------------------------------------------------------------------------

records_strategy = st.lists(
    st.builds(
        MeetingRecord,
        meeting_id=st.integers(1, 50),
        held_on=st.dates(date(2025, 11, 1), date(2027, 2, 28)),
        attendance=st.dictionaries(st.integers(1, 6), st.sampled_from(Attendance), max_size=6),
    ),
    max_size=30,
    unique_by=lambda r: r.meeting_id,  # a meeting is recorded once
)


@given(records=records_strategy, year=st.sampled_from([2025, 2026, 2027]))
def test_member_flags_never_fail_and_only_name_people_on_the_rolls(
    records: list[MeetingRecord], year: int
) -> None:
    """Any history gives flags about people in that year's records, with unique keys."""
    flags = member_flags(UNIT, records, year)
    on_rolls = {pid for r in records if r.held_on.year == year for pid in r.attendance}
    assert {f.person_id for f in flags} <= on_rolls
    assert len({f.key for f in flags}) == len(flags)


@given(records=records_strategy, seed=st.integers())
def test_member_flags_do_not_depend_on_the_order_of_records(
    records: list[MeetingRecord], seed: int
) -> None:
    """Shuffling the records changes nothing, so keys and params are stable across calls."""
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    assert member_flags(UNIT, shuffled, 2026) == member_flags(UNIT, records, 2026)


# --- Which month a flag belongs to -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params", "meeting_month", "month", "counts"),
    [
        pytest.param("unexcused_at_meeting", {"date": "03/12/2026", "count": "1"}, "2026-12",
                     "2026-12", True, id="a meeting's flag in its month"),
        pytest.param("unexcused_at_meeting", {"date": "03/12/2026", "count": "1"}, "2026-12",
                     "2027-01", False, id="not in the next month"),
        pytest.param("low_attendance", {"date": "02/01/2027"}, "2026-12", "2026-12", True,
                     id="the meeting's own month, though held early in the next"),
        pytest.param("low_attendance", {"date": "03/07/2026"}, None, "2026-07", True,
                     id="without its meeting row, the date tells"),
        pytest.param("no_meeting", {"month": "11/2026", "deadline": "25/11/2026"}, None,
                     "2026-11", True, id="no meeting in its month"),
        pytest.param("no_meeting", {"month": "11/2026", "deadline": "25/11/2026"}, None,
                     "2026-12", False, id="no meeting: not a month later"),
        pytest.param("unexcused_3_months", {"count": "3", "year": "2026", "months": "3, 7, 11"},
                     None, "2026-12", True, id="a rule flag all through its year"),
        pytest.param("excused_streak", {"count": "4", "year": "2026", "since": "03/05/2026"},
                     None, "2027-01", False, id="a rule flag ends with its year"),
    ],
)  # fmt: skip
def test_a_flag_counts_in_its_own_month_and_rule_flags_in_their_year(
    kind: str, params: dict[str, str], meeting_month: str | None, month: str, counts: bool
) -> None:
    """A flag about a meeting or a month counts only in that month; a rule flag about a member
    counts in every month of its year while it stays open."""
    assert counts_in_month(kind, params, meeting_month, month) is counts


def test_flag_month_of_every_kind() -> None:
    """Meeting and month flags have a month; rule flags have none."""
    assert flag_month("no_meeting", {"month": "02/2027"}, None) == "2027-02"
    assert flag_month("unexcused_at_meeting", {"date": "03/12/2026"}, "2026-12") == "2026-12"
    assert flag_month("excused_streak", {"year": "2026"}, None) is None
