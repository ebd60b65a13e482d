"""Schedule arithmetic and reading typed dates and times: bot/domain/schedule.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import schedule
from bot.domain.schedule import (
    MeetingKind,
    MeetingMove,
    ParseError,
    PlannedNotice,
    QuietHours,
    Slot,
    meeting_day,
    next_slot_start,
    nudge_time,
    parse_clock,
    parse_day_of_month,
    parse_move,
    parse_offset,
    parse_offsets,
    plan_notices,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
QUIET = QuietHours(time(21, 30), time(6, 30))
D3, D1, H2 = timedelta(days=3), timedelta(days=1), timedelta(hours=2)
DEFAULT_OFFSETS = (D3, D1, H2)


def hcm(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock moment in Hồ Chí Minh City."""
    return datetime(year, month, day, hour, minute, tzinfo=HCM)


def identity(message: str) -> str:
    return message


# --- MeetingKind ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("thường kỳ", MeetingKind.REGULAR),
        ("thuong ky", MeetingKind.REGULAR),
        ("TK", MeetingKind.REGULAR),
        ("Họp thường kỳ", MeetingKind.REGULAR),
        ("regular", MeetingKind.REGULAR),
        ("chuyên đề", MeetingKind.THEMATIC),
        ("chuyen de", MeetingKind.THEMATIC),
        ("cd", MeetingKind.THEMATIC),
        ("sinh hoạt chuyên đề", MeetingKind.THEMATIC),
        ("thematic", MeetingKind.THEMATIC),
        ("cả hai", MeetingKind.BOTH),
        ("ca hai", MeetingKind.BOTH),
        ("thường kỳ và chuyên đề", MeetingKind.BOTH),
        ("tk+cd", MeetingKind.BOTH),
        ("tk + cđ", MeetingKind.BOTH),
        ("both", MeetingKind.BOTH),
        ("chi ủy", MeetingKind.COMMITTEE),
        ("chi uỷ", MeetingKind.COMMITTEE),
        ("chi uy", MeetingKind.COMMITTEE),
        ("họp chi ủy", MeetingKind.COMMITTEE),
        ("committee", MeetingKind.COMMITTEE),
        ("", None),
        ("họp", None),
        ("đột xuất", None),
    ],
)
def test_meeting_kind_is_read_with_or_without_diacritics(
    text: str, kind: MeetingKind | None
) -> None:
    assert MeetingKind.parse(text) is kind


def test_meeting_kind_labels_and_minimum_durations_follow_42_hd() -> None:
    """Thường kỳ and chuyên đề take 90 minutes, both together 120, chi ủy has no rule."""
    assert [(k.label, k.minimum_minutes) for k in MeetingKind] == [
        ("thường kỳ", 90),
        ("chuyên đề", 90),
        ("thường kỳ và chuyên đề", 120),
        ("họp chi ủy", 0),
    ]


# --- The monthly slot -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (2026, 12, 3, date(2026, 12, 3)),
        (2026, 2, None, date(2026, 2, 28)),
        (2028, 2, None, date(2028, 2, 29)),
        (2026, 4, None, date(2026, 4, 30)),
        (2026, 1, None, date(2026, 1, 31)),
        (2026, 2, 28, date(2026, 2, 28)),
    ],
)
def test_meeting_day_none_means_the_last_day_of_the_month(
    year: int, month: int, day: int | None, expected: date
) -> None:
    assert meeting_day(year, month, day) == expected


@pytest.mark.parametrize("day", [0, 29, 31])
def test_a_slot_day_outside_1_to_28_is_a_programming_error(day: int) -> None:
    with pytest.raises(ValueError, match="slot day"):
        Slot(day=day, time=time(19, 30), place="Nhà văn hóa")


SLOT_3 = Slot(day=3, time=time(19, 30), place="Nhà văn hóa")
SLOT_LAST = Slot(day=None, time=time(19, 30), place="Nhà văn hóa")


@pytest.mark.parametrize(
    ("slot", "after", "expected"),
    [
        pytest.param(SLOT_3, hcm(2026, 12, 1, 8), hcm(2026, 12, 3, 19, 30), id="later-this-month"),
        pytest.param(SLOT_3, hcm(2026, 12, 3, 19, 29), hcm(2026, 12, 3, 19, 30), id="same-day"),
        pytest.param(SLOT_3, hcm(2026, 12, 3, 19, 30), hcm(2027, 1, 3, 19, 30), id="exactly-at"),
        pytest.param(SLOT_3, hcm(2026, 11, 3, 19, 31), hcm(2026, 12, 3, 19, 30), id="next-month"),
        pytest.param(SLOT_3, hcm(2026, 12, 25), hcm(2027, 1, 3, 19, 30), id="year-end"),
        pytest.param(SLOT_LAST, hcm(2026, 2, 1), hcm(2026, 2, 28, 19, 30), id="feb-non-leap"),
        pytest.param(SLOT_LAST, hcm(2028, 2, 1), hcm(2028, 2, 29, 19, 30), id="feb-leap"),
        pytest.param(SLOT_LAST, hcm(2028, 2, 29, 20), hcm(2028, 3, 31, 19, 30), id="after-leap"),
        pytest.param(SLOT_LAST, hcm(2026, 12, 31, 20), hcm(2027, 1, 31, 19, 30), id="dec-31"),
        pytest.param(
            SLOT_3,
            datetime(2026, 12, 3, 12, 29, tzinfo=UTC),
            hcm(2026, 12, 3, 19, 30),
            id="after-given-in-utc",
        ),
    ],
)
def test_next_slot_start_is_strictly_after_the_given_moment(
    slot: Slot, after: datetime, expected: datetime
) -> None:
    start = next_slot_start(slot, after, HCM)
    assert start == expected
    assert start.tzinfo is HCM


def test_next_slot_start_keeps_the_wall_clock_across_a_dst_change() -> None:
    """19:30 in Berlin is 18:30 UTC in March before the switch and 17:30 UTC after it."""
    slot = Slot(day=None, time=time(19, 30), place="Rathaus")
    before = next_slot_start(slot, datetime(2026, 2, 1, tzinfo=BERLIN), BERLIN)
    after = next_slot_start(slot, datetime(2026, 3, 1, tzinfo=BERLIN), BERLIN)
    assert before.astimezone(UTC) == datetime(2026, 2, 28, 18, 30, tzinfo=UTC)
    assert after.astimezone(UTC) == datetime(2026, 3, 31, 17, 30, tzinfo=UTC)


def test_a_slot_time_in_the_spring_forward_gap_starts_at_the_real_time_after_it() -> None:
    """02:30 does not exist in Berlin on 28 March 2027; the meeting is at 03:30 CEST."""
    slot = Slot(day=28, time=time(2, 30), place="Rathaus")
    start = next_slot_start(slot, datetime(2027, 3, 1, tzinfo=BERLIN), BERLIN)
    assert start.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert (start.hour, start.minute) == (3, 30)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        next_slot_start(SLOT_3, datetime(2026, 12, 1), HCM)


# --- Offsets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3d", D3),
        ("1d", D1),
        ("2h", H2),
        ("30m", timedelta(minutes=30)),
        (" 2H ", H2),
    ],
)
def test_parse_offset_reads_days_hours_and_minutes(text: str, expected: timedelta) -> None:
    assert parse_offset(text) == expected


@pytest.mark.parametrize(
    "text", ["", "3", "d", "0d", "-1d", "1.5h", "3w", "3 days", "9" * 30 + "d"]
)
def test_parse_offset_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="reminder offset"):
        parse_offset(text)


def test_parse_offsets_sorts_longest_first_and_drops_duplicates() -> None:
    """ "1d" and "24h" are the same offset and count once."""
    assert parse_offsets(["2h", "3d", "24h", "1d", "2h"]) == (D3, D1, H2)
    assert parse_offsets([]) == ()


# --- Quiet hours ------------------------------------------------------------------------------


def test_quiet_hours_from_config() -> None:
    """[] and equal times turn quiet hours off; a pair gives the period."""
    assert QuietHours.from_config(()) is None
    assert QuietHours.from_config(("22:00", "22:00")) is None
    assert QuietHours.from_config(("21:30", "06:30")) == QUIET
    with pytest.raises(ValueError, match="HH:MM"):
        QuietHours.from_config(("21:30", "6h30"))


@pytest.mark.parametrize(
    ("quiet", "clock", "inside"),
    [
        (QUIET, time(21, 29), False),
        (QUIET, time(21, 30), True),
        (QUIET, time(0, 0), True),
        (QUIET, time(6, 29), True),
        (QUIET, time(6, 30), False),
        (QUIET, time(12, 0), False),
        (QuietHours(time(12, 0), time(13, 30)), time(12, 0), True),
        (QuietHours(time(12, 0), time(13, 30)), time(13, 30), False),
        (QuietHours(time(12, 0), time(13, 30)), time(23, 0), False),
        (QuietHours(time(8, 0), time(8, 0)), time(8, 0), False),
    ],
)
def test_quiet_hours_include_the_start_and_exclude_the_end(
    quiet: QuietHours, clock: time, inside: bool
) -> None:
    assert quiet.contains(datetime.combine(date(2026, 12, 3), clock, HCM), HCM) is inside


def test_quiet_hours_are_read_on_the_local_wall_clock() -> None:
    """15:00 UTC is 22:00 in Hồ Chí Minh City (quiet) and 16:00 in Berlin in winter (not)."""
    moment = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert QUIET.contains(moment, HCM)
    assert not QUIET.contains(moment, BERLIN)


@pytest.mark.parametrize(
    ("moment", "end", "start"),
    [
        (hcm(2026, 12, 3, 22), hcm(2026, 12, 4, 6, 30), hcm(2026, 12, 3, 21, 30)),
        (hcm(2026, 12, 4, 2), hcm(2026, 12, 4, 6, 30), hcm(2026, 12, 3, 21, 30)),
        (hcm(2026, 12, 31, 23), hcm(2027, 1, 1, 6, 30), hcm(2026, 12, 31, 21, 30)),
        (hcm(2026, 12, 4, 12), hcm(2026, 12, 4, 12), hcm(2026, 12, 4, 12)),
    ],
)
def test_quiet_period_bounds_around_a_moment(
    moment: datetime, end: datetime, start: datetime
) -> None:
    """The end and start of the quiet period a moment is in; a moment outside is its own."""
    assert QUIET.next_end(moment, HCM) == end
    assert QUIET.period_start(moment, HCM) == start


def test_quiet_end_on_a_fall_back_night_is_the_second_occurrence_when_past_the_first() -> None:
    """Quiet 22:00-02:30 in Berlin, 25 Oct 2026: at 02:10 CET the period ends 02:30 CET."""
    quiet = QuietHours(time(22, 0), time(2, 30))
    second_hour = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, after the switch
    assert quiet.contains(second_hour, BERLIN)
    assert quiet.next_end(second_hour, BERLIN).astimezone(UTC) == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )
    first_hour = datetime(2026, 10, 25, 0, 10, tzinfo=UTC)  # 02:10 CEST, before it
    assert quiet.next_end(first_hour, BERLIN).astimezone(UTC) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


# --- Planning notices -------------------------------------------------------------------------

MEETING = hcm(2026, 12, 3, 19, 30)


def notice(offset: timedelta, due: datetime, *, folded: bool = False) -> PlannedNotice:
    return PlannedNotice(offset, due.astimezone(UTC), folded)


@pytest.mark.parametrize(
    ("start", "offsets", "now", "quiet", "expected"),
    [
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            hcm(2026, 11, 20),
            QUIET,
            [
                notice(D3, hcm(2026, 11, 30, 19, 30)),
                notice(D1, hcm(2026, 12, 2, 19, 30)),
                notice(H2, hcm(2026, 12, 3, 17, 30)),
            ],
            id="three-offsets-in-daytime",
        ),
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            hcm(2026, 12, 2, 10),
            QUIET,
            [
                notice(D3, hcm(2026, 12, 2, 10), folded=True),
                notice(D1, hcm(2026, 12, 2, 19, 30)),
                notice(H2, hcm(2026, 12, 3, 17, 30)),
            ],
            id="past-offset-folded-into-one-now",
        ),
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            hcm(2026, 12, 3, 18),
            QUIET,
            [notice(D3, hcm(2026, 12, 3, 18), folded=True)],
            id="all-past-one-notice-now",
        ),
        pytest.param(
            MEETING,
            (D3, D1, H2, timedelta(hours=1)),
            hcm(2026, 12, 3, 17, 30),
            QUIET,
            [
                notice(D3, hcm(2026, 12, 3, 17, 30), folded=True),
                notice(timedelta(hours=1), hcm(2026, 12, 3, 18, 30)),
            ],
            id="due-exactly-now-counts-as-past",
        ),
        pytest.param(MEETING, DEFAULT_OFFSETS, MEETING, QUIET, [], id="meeting-started"),
        pytest.param(MEETING, DEFAULT_OFFSETS, hcm(2026, 12, 3, 21), QUIET, [], id="meeting-over"),
        pytest.param(
            hcm(2026, 12, 3, 7, 0),
            (D1, H2),
            hcm(2026, 11, 20),
            QUIET,
            [notice(D1, hcm(2026, 12, 2, 7)), notice(H2, hcm(2026, 12, 3, 6, 30))],
            id="due-at-5am-moves-to-06:30",
        ),
        pytest.param(
            hcm(2026, 12, 3, 6, 0),
            (D1, H2),
            hcm(2026, 11, 20),
            QUIET,
            [notice(D1, hcm(2026, 12, 2, 6, 30)), notice(H2, hcm(2026, 12, 2, 21, 29))],
            id="end-of-quiet-after-start-moves-back-before-quiet",
        ),
        pytest.param(
            hcm(2026, 12, 3, 6, 0),
            (H2,),
            hcm(2026, 12, 2, 21, 40),
            QUIET,
            [notice(H2, hcm(2026, 12, 2, 21, 40))],
            id="cannot-avoid-quiet-and-before-quiet-is-past-goes-now",
        ),
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            hcm(2026, 12, 2, 23),
            QUIET,
            [
                notice(D3, hcm(2026, 12, 3, 6, 30), folded=True),
                notice(H2, hcm(2026, 12, 3, 17, 30)),
            ],
            id="folded-notice-at-night-waits-for-06:30",
        ),
        pytest.param(
            hcm(2026, 12, 3, 8, 0),
            (timedelta(hours=9), timedelta(hours=8)),
            hcm(2026, 11, 20),
            QUIET,
            [notice(timedelta(hours=9), hcm(2026, 12, 3, 6, 30))],
            id="two-moved-to-the-same-moment-merge-keeping-the-larger",
        ),
        pytest.param(
            hcm(2026, 12, 3, 19, 30),
            (timedelta(minutes=3), timedelta(minutes=2), timedelta(minutes=1)),
            hcm(2026, 12, 3, 19, 27),
            QUIET,
            [
                notice(timedelta(minutes=3), hcm(2026, 12, 3, 19, 27), folded=True),
                notice(timedelta(minutes=2), hcm(2026, 12, 3, 19, 28)),
                notice(timedelta(minutes=1), hcm(2026, 12, 3, 19, 29)),
            ],
            id="minute-offsets-for-a-meeting-3-minutes-ahead",
        ),
        pytest.param(
            hcm(2026, 12, 3, 7, 0),
            (D1, H2),
            hcm(2026, 11, 20),
            None,
            [notice(D1, hcm(2026, 12, 2, 7)), notice(H2, hcm(2026, 12, 3, 5))],
            id="quiet-hours-off",
        ),
        pytest.param(
            MEETING,
            (H2, D3, H2, timedelta(minutes=120)),
            hcm(2026, 11, 20),
            QUIET,
            [notice(D3, hcm(2026, 11, 30, 19, 30)), notice(H2, hcm(2026, 12, 3, 17, 30))],
            id="duplicate-offsets-once",
        ),
    ],
)
def test_plan_notices(
    start: datetime,
    offsets: tuple[timedelta, ...],
    now: datetime,
    quiet: QuietHours | None,
    expected: list[PlannedNotice],
) -> None:
    """Table: offsets, folding of past ones, quiet hours, merging; due times in UTC."""
    planned = plan_notices(start, offsets, now, quiet, HCM)
    assert planned == expected
    assert all(n.due_at.tzinfo is UTC for n in planned)


def test_plan_notices_uses_exact_durations_and_the_local_quiet_hours_in_a_dst_zone() -> None:
    """Berlin, spring forward on 29 March 2026: 3d is 72 hours; 06:30 CEST is 04:30 UTC."""
    start = datetime(2026, 3, 29, 8, 0, tzinfo=BERLIN)  # 06:00 UTC
    planned = plan_notices(start, (D3, H2), datetime(2026, 3, 1, tzinfo=BERLIN), QUIET, BERLIN)
    assert planned == [
        # 72 hours before is 07:00 CET on the 26th (a fixed +2 would have said 08:00).
        PlannedNotice(D3, datetime(2026, 3, 26, 6, 0, tzinfo=UTC), False),
        # 2 hours before is 06:00 CEST, inside quiet hours: it waits until 06:30 CEST.
        PlannedNotice(H2, datetime(2026, 3, 29, 4, 30, tzinfo=UTC), False),
    ]


def test_plan_notices_refuses_non_positive_offsets() -> None:
    with pytest.raises(ValueError, match="positive"):
        plan_notices(MEETING, (D1, timedelta(0)), hcm(2026, 11, 1), QUIET, HCM)


def test_an_absurdly_large_offset_is_folded_without_overflowing() -> None:
    planned = plan_notices(MEETING, (timedelta(days=999_999_999),), hcm(2026, 11, 1), None, HCM)
    assert planned == [notice(timedelta(days=999_999_999), hcm(2026, 11, 1), folded=True)]


offsets_strategy = st.lists(
    st.integers(min_value=1, max_value=10 * 24 * 60).map(lambda m: timedelta(minutes=m)),
    max_size=5,
)


@given(
    lead=st.integers(min_value=-60, max_value=20 * 24 * 60).map(lambda m: timedelta(minutes=m)),
    offsets=offsets_strategy,
    now=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31)),
    tz=st.sampled_from([HCM, BERLIN]),
    quiet=st.sampled_from([QUIET, None, QuietHours(time(12, 0), time(14, 0))]),
)
def test_planned_notices_are_sorted_unique_between_now_and_start_and_mostly_not_quiet(
    lead: timedelta,
    offsets: list[timedelta],
    now: datetime,
    tz: ZoneInfo,
    quiet: QuietHours | None,
) -> None:
    """Property: sorted, one per moment, now ≤ due < start, quiet only when due now."""
    aware_now = now.replace(tzinfo=tz).astimezone(UTC)
    start = aware_now + lead
    planned = plan_notices(start, offsets, aware_now, quiet, tz)
    dues = [n.due_at for n in planned]
    assert dues == sorted(set(dues))
    assert all(aware_now <= due < start for due in dues)
    assert all(n.offset in offsets for n in planned)
    assert sum(n.folded for n in planned) <= 1
    if quiet is not None:
        assert all(due == aware_now or not quiet.contains(due, tz) for due in dues)
    if offsets and start > aware_now:
        assert planned


# --- Nudges -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "offsets", "now", "quiet", "expected"),
    [
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            hcm(2026, 11, 20),
            QUIET,
            hcm(2026, 12, 3, 6, 30),
            id="halfway-between-1d-and-2h",
        ),
        pytest.param(
            hcm(2026, 12, 3, 9, 30),
            DEFAULT_OFFSETS,
            hcm(2026, 11, 20),
            QUIET,
            hcm(2026, 12, 2, 20, 30),
            id="halfway-outside-quiet-stays",
        ),
        pytest.param(
            hcm(2026, 12, 3, 14, 0),
            DEFAULT_OFFSETS,
            hcm(2026, 11, 20),
            QUIET,
            hcm(2026, 12, 3, 6, 30),
            id="halfway-at-1am-moves-to-06:30",
        ),
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            hcm(2026, 12, 3, 7),
            QUIET,
            None,
            id="halfway-is-past",
        ),
        pytest.param(
            MEETING,
            (D1,),
            hcm(2026, 11, 20),
            QUIET,
            hcm(2026, 12, 3, 7, 30),
            id="one-offset-halfway-to-the-start",
        ),
        pytest.param(
            MEETING,
            (H2,),
            hcm(2026, 11, 20),
            None,
            hcm(2026, 12, 3, 18, 30),
            id="one-offset-2h-nudges-1h-before",
        ),
        pytest.param(MEETING, (), hcm(2026, 11, 20), QUIET, None, id="no-offsets"),
        pytest.param(
            hcm(2026, 12, 3, 6, 0),
            (D1, timedelta(hours=4)),
            hcm(2026, 12, 2, 23),
            QUIET,
            None,
            id="only-possible-in-quiet-hours-so-none",
        ),
    ],
)
def test_nudge_time(
    start: datetime,
    offsets: tuple[timedelta, ...],
    now: datetime,
    quiet: QuietHours | None,
    expected: datetime | None,
) -> None:
    """Table: one nudge halfway between the last two notices, out of quiet hours, or None."""
    nudge = nudge_time(start, offsets, now, quiet, HCM)
    assert nudge == (None if expected is None else expected.astimezone(UTC))


# --- Reading what a secretary types -----------------------------------------------------------

NOW = hcm(2026, 11, 20, 10, 0)
LATE_DECEMBER = hcm(2026, 12, 20, 10, 0)


@pytest.mark.parametrize(
    ("text", "now", "start", "place"),
    [
        ("05/12 19:30 Nhà văn hóa thôn", NOW, hcm(2026, 12, 5, 19, 30), "Nhà văn hóa thôn"),
        ("05/12/2026 19:30", NOW, hcm(2026, 12, 5, 19, 30), None),
        ("5/12 19h30", NOW, hcm(2026, 12, 5, 19, 30), None),
        ("5/12 19g30", NOW, hcm(2026, 12, 5, 19, 30), None),
        ("5-12 19h", NOW, hcm(2026, 12, 5, 19, 0), None),
        ("05.12.2026 7h30 tối", NOW, hcm(2026, 12, 5, 19, 30), None),
        ("05.12.2026 7h30 toi", NOW, hcm(2026, 12, 5, 19, 30), None),
        ("5/12 7 giờ 30 tối Hội trường", NOW, hcm(2026, 12, 5, 19, 30), "Hội trường"),
        ("5/12 7 gio 30 phut toi", NOW, hcm(2026, 12, 5, 19, 30), None),
        ("5/12 7 TỐI", NOW, hcm(2026, 12, 5, 19, 0), None),
        ("5/12 8h sáng, Nhà ông Ba", NOW, hcm(2026, 12, 5, 8, 0), "Nhà ông Ba"),
        ("5/12 8h sang", NOW, hcm(2026, 12, 5, 8, 0), None),
        ("5/12 2 giờ chiều", NOW, hcm(2026, 12, 5, 14, 0), None),
        ("5/12 1h trưa", NOW, hcm(2026, 12, 5, 13, 0), None),
        ("5/12 19h30p", NOW, hcm(2026, 12, 5, 19, 30), None),
        ("ngày 5/12 lúc 19:30 tại Nhà văn hóa", NOW, hcm(2026, 12, 5, 19, 30), "Nhà văn hóa"),
        ("ngay 5/12 luc 19:30 tai Nha van hoa", NOW, hcm(2026, 12, 5, 19, 30), "Nha van hoa"),
        ("05/12, 19:30, Nhà  văn   hóa ", NOW, hcm(2026, 12, 5, 19, 30), "Nhà văn hóa"),
        ("05/12 19:30 ở sân đình", NOW, hcm(2026, 12, 5, 19, 30), "sân đình"),
        ("05/12/26 19:30", NOW, hcm(2026, 12, 5, 19, 30), None),
        ("20/11 19:30", NOW, hcm(2026, 11, 20, 19, 30), None),
        ("19/11 19:30", NOW, hcm(2027, 11, 19, 19, 30), None),
        ("05/01 19:30", LATE_DECEMBER, hcm(2027, 1, 5, 19, 30), None),
        ("05/01 19:30 Nhà văn hóa", LATE_DECEMBER, hcm(2027, 1, 5, 19, 30), "Nhà văn hóa"),
        ("20/11/2027 08:00", NOW, hcm(2027, 11, 20, 8, 0), None),
        ("29/02 19:30", hcm(2027, 12, 1), hcm(2028, 2, 29, 19, 30), None),
        ("05/12 19:30 " + "x" * 200, NOW, hcm(2026, 12, 5, 19, 30), "x" * 200),
        ("\u00a005/12\u200919:30\u3000Nhà văn hóa", NOW, hcm(2026, 12, 5, 19, 30), "Nhà văn hóa"),
    ],
)
def test_parse_move_reads_date_then_time_then_place(
    text: str, now: datetime, start: datetime, place: str | None
) -> None:
    """Good rows: many ways of writing the time, year rollover, today with the time ahead."""
    move = parse_move(text, now, HCM)
    assert move == MeetingMove(start, place)
    assert isinstance(move, MeetingMove)
    assert move.start.tzinfo is HCM


def test_parse_move_keeps_the_place_as_typed_in_nfc() -> None:
    """A place typed with combining diacritics comes back composed, diacritics kept."""
    decomposed = "05/12 19:30 Nha\u0300 va\u0306n ho\u0301a"
    move = parse_move(decomposed, NOW, HCM)
    assert isinstance(move, MeetingMove)
    assert move.place == "Nhà văn hóa"


@pytest.mark.parametrize(
    ("text", "now", "message", "params"),
    [
        ("", NOW, schedule.M_EMPTY, {}),
        ("   ", NOW, schedule.M_EMPTY, {}),
        ("Nhà văn hóa 05/12 19:30", NOW, schedule.M_NOT_A_DATE, {"text": "Nhà"}),
        ("thứ bảy 19:30", NOW, schedule.M_NOT_A_DATE, {"text": "thứ"}),
        ("19:30 05/12", NOW, schedule.M_NOT_A_DATE, {"text": "19:30"}),
        ("05/12/202 19:30", NOW, schedule.M_BAD_YEAR, {"year": "202"}),
        ("31/02 19:30", NOW, schedule.M_NO_DAY, {"day": "31", "month": "2"}),
        ("31/04 19:30", NOW, schedule.M_NO_DAY, {"day": "31", "month": "4"}),
        ("00/12 19:30", NOW, schedule.M_NO_DAY, {"day": "0", "month": "12"}),
        ("5/13 19:30", NOW, schedule.M_NO_MONTH, {"month": "13"}),
        ("5/0 19:30", NOW, schedule.M_NO_MONTH, {"month": "0"}),
        ("29/02/2027 19:30", NOW, schedule.M_NO_LEAP_DAY, {"year": "2027"}),
        ("29/02 19:30", NOW, schedule.M_NO_LEAP_DAY, {"year": "2027"}),
        ("05/12", NOW, schedule.M_NO_TIME, {}),
        ("05/12 lúc", NOW, schedule.M_NO_TIME, {}),
        ("05/12 25:00", NOW, schedule.M_BAD_CLOCK, {"text": "25:00"}),
        ("05/12 19:75", NOW, schedule.M_BAD_CLOCK, {"text": "19:75"}),
        ("05/12 19h60", NOW, schedule.M_BAD_CLOCK, {"text": "19h60"}),
        ("05/12 abc", NOW, schedule.M_NOT_A_TIME, {"text": "abc"}),
        ("05/12 Nhà văn hóa", NOW, schedule.M_NOT_A_TIME, {"text": "Nhà"}),
        ("05/12 19 Nhà văn hóa", NOW, schedule.M_NOT_A_TIME, {"text": "19"}),
        ("05/12 7:5", NOW, schedule.M_NOT_A_TIME, {"text": "7:5"}),
        (
            "05/12 19h sáng",
            NOW,
            schedule.M_BAD_PERIOD,
            {"text": "19h sáng", "hour": "19", "period": "sáng"},
        ),
        (
            "05/12 12 giờ tối",
            NOW,
            schedule.M_BAD_PERIOD,
            {"text": "12 giờ tối", "hour": "12", "period": "tối"},
        ),
        ("20/11 09:00", NOW, schedule.M_PAST, {"when": "20/11/2026 09:00"}),
        ("20/11 10:00", NOW, schedule.M_PAST, {"when": "20/11/2026 10:00"}),
        ("05/11/2026 19:30", NOW, schedule.M_PAST, {"when": "05/11/2026 19:30"}),
        ("05/12/2025 19:30", NOW, schedule.M_PAST, {"when": "05/12/2025 19:30"}),
        ("05/12/0001 19:30", NOW, schedule.M_PAST, {"when": "05/12/1 19:30"}),
        ("21/11/2027 19:30", NOW, schedule.M_TOO_FAR, {"date": "21/11/2027", "months": "12"}),
        ("05/12/9999 19:30", NOW, schedule.M_TOO_FAR, {"date": "05/12/9999", "months": "12"}),
        ("05/12/0000 19:30", NOW, schedule.M_BAD_YEAR, {"year": "0000"}),
        (
            "05/12 19:30 " + "x" * 201,
            NOW,
            schedule.M_PLACE_TOO_LONG,
            {"limit": "200", "length": "201"},
        ),
    ],
)
def test_parse_move_says_what_is_wrong_and_shows_an_example(
    text: str, now: datetime, message: str, params: dict[str, str]
) -> None:
    """Bad rows: each gives its own message, its parameters and the /lichhop example."""
    error = parse_move(text, now, HCM)
    assert error == ParseError(message, params, schedule.MOVE_EXAMPLE)
    assert isinstance(error, ParseError)
    assert error.render(identity).endswith("\nVí dụ: /lichhop 05/12 19:30 Nhà văn hóa thôn")


def test_parse_error_renders_through_gettext_and_fills_placeholders() -> None:
    error = ParseError(schedule.M_NO_DAY, {"day": "31", "month": "2"}, schedule.MOVE_EXAMPLE)
    english = {
        schedule.M_NO_DAY: "Month {month} has no day {day}.",
        schedule.MOVE_EXAMPLE: "Example: /schedule 05/12 19:30 Village hall",
    }
    assert error.render(english.__getitem__) == (
        "Month 2 has no day 31.\nExample: /schedule 05/12 19:30 Village hall"
    )
    assert ParseError(schedule.M_NO_TIME).render(identity) == schedule.M_NO_TIME


def test_parse_move_in_a_dst_zone_gives_the_local_wall_time() -> None:
    """Europe/Berlin: 30/03 19:30 is CEST (17:30 UTC), 20/03 19:30 is CET (18:30 UTC)."""
    now = datetime(2026, 3, 1, 12, tzinfo=BERLIN)
    summer = parse_move("30/03 19:30 Rathaus", now, BERLIN)
    winter = parse_move("20/03 19:30 Rathaus", now, BERLIN)
    assert isinstance(summer, MeetingMove)
    assert isinstance(winter, MeetingMove)
    assert summer.start.astimezone(UTC) == datetime(2026, 3, 30, 17, 30, tzinfo=UTC)
    assert winter.start.astimezone(UTC) == datetime(2026, 3, 20, 18, 30, tzinfo=UTC)


def test_parse_move_today_is_judged_in_the_configured_zone() -> None:
    """At 20:00 UTC on 19/11 it is already 03:00 on 20/11 in Hồ Chí Minh City."""
    now = datetime(2026, 11, 19, 20, 0, tzinfo=UTC)
    move = parse_move("20/11 19:30", now, HCM)
    assert move == MeetingMove(hcm(2026, 11, 20, 19, 30), None)
    past = parse_move("19/11 19:30", now, HCM)
    assert past == MeetingMove(hcm(2027, 11, 19, 19, 30), None)


_DATEISH = st.builds(
    lambda d, sep, m, y, clock, place: f"{d}{sep}{m}{y} {clock} {place}",
    st.integers(0, 40).map(str),
    st.sampled_from(["/", "-", ".", "/ "]),
    st.integers(0, 14).map(str),
    st.sampled_from(["", "/2026", "/27", "/2027", "/2025", "/0", "/99999"]),
    st.sampled_from(
        ["19:30", "7h30 tối", "7 giờ 30 tối", "19h", "0:00", "23:59", "12 trưa", "25:00", "x"]
    ),
    st.text(max_size=30),
)


@given(
    text=st.one_of(st.text(max_size=300), _DATEISH),
    now=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31)),
    tz=st.sampled_from([HCM, BERLIN]),
)
def test_parse_move_never_raises_and_only_returns_future_starts(
    text: str, now: datetime, tz: ZoneInfo
) -> None:
    """Property: any text gives a ParseError or a move strictly after now, within 12 months."""
    aware_now = now.replace(tzinfo=tz)
    result = parse_move(text, aware_now, tz)
    assert isinstance(result, MeetingMove | ParseError)
    if isinstance(result, MeetingMove):
        assert result.start.astimezone(UTC) > aware_now.astimezone(UTC)
        assert result.start - aware_now < timedelta(days=367)
        assert result.place is None or 0 < len(result.place) <= schedule.MAX_PLACE_CHARS
    else:
        assert result.render(identity)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19:30", time(19, 30)),
        (" 07:05 ", time(7, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("19h", time(19, 0)),
        ("19h30", time(19, 30)),
        ("19H30", time(19, 30)),
        ("19g30", time(19, 30)),
        ("19h5", time(19, 5)),
        ("7h30 tối", time(19, 30)),
        ("7 giờ 30 tối", time(19, 30)),
        ("7 gio 30 toi", time(19, 30)),
        ("7 giờ tối", time(19, 0)),
        ("19 giờ", time(19, 0)),
        ("6h30 sáng", time(6, 30)),
        ("12 giờ trưa", time(12, 0)),
        ("2 giờ chiều", time(14, 0)),
        ("14h chiều", time(14, 0)),
        ("9 giờ đêm", time(21, 0)),
    ],
)
def test_parse_clock_reads_the_ways_people_write_a_time(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", schedule.M_EMPTY_CLOCK),
        ("abc", schedule.M_NOT_A_TIME),
        ("19", schedule.M_NOT_A_TIME),
        ("19:3", schedule.M_NOT_A_TIME),
        ("19:30:00", schedule.M_NOT_A_TIME),
        ("19h30 ngày mai", schedule.M_NOT_A_TIME),
        ("25:00", schedule.M_BAD_CLOCK),
        ("19:75", schedule.M_BAD_CLOCK),
        ("24h", schedule.M_BAD_CLOCK),
        ("19h sáng", schedule.M_BAD_PERIOD),
        ("0 giờ chiều", schedule.M_BAD_PERIOD),
    ],
)
def test_parse_clock_refuses_what_is_not_a_time_with_a_clock_example(
    text: str, message: str
) -> None:
    error = parse_clock(text)
    assert isinstance(error, ParseError)
    assert error.message == message
    assert error.example == schedule.CLOCK_EXAMPLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("03", 3),
        ("ngày 3", 3),
        ("Ngay 28", 28),
        ("1", 1),
        ("cuối tháng", None),
        ("Cuối Tháng", None),
        ("cuoi thang", None),
        ("ngày cuối tháng", None),
        ("last", None),
    ],
)
def test_parse_day_of_month_reads_a_day_or_the_last_day(text: str, expected: int | None) -> None:
    assert parse_day_of_month(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "params"),
    [
        ("29", schedule.M_DAY_NOT_EVERY_MONTH, {"day": "29"}),
        ("ngày 31", schedule.M_DAY_NOT_EVERY_MONTH, {"day": "31"}),
        ("0", schedule.M_NOT_A_DAY, {"text": "0"}),
        ("32", schedule.M_NOT_A_DAY, {"text": "32"}),
        ("", schedule.M_NOT_A_DAY, {"text": ""}),
        ("thứ hai", schedule.M_NOT_A_DAY, {"text": "thứ hai"}),
        ("3,5", schedule.M_NOT_A_DAY, {"text": "3,5"}),
    ],
)
def test_parse_day_of_month_refuses_29_to_31_because_not_every_month_has_them(
    text: str, message: str, params: dict[str, str]
) -> None:
    assert parse_day_of_month(text) == ParseError(message, params, schedule.DAY_EXAMPLE)
