"""The attendance rules the bot watches, as flags computed from recorded meetings."""

from __future__ import annotations

import calendar
import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.domain.models import N_
from bot.domain.scorecard import percent_text

# 12-HD/BTCTW quality bar: attendance above 85%; nobody excused more than 3 times in a row.
LOW_ATTENDANCE_BELOW = Decimal("0.85")
EXCUSED_STREAK_LIMIT = 3
# Xóa tên: "bỏ sinh hoạt đảng ... ba tháng trong năm mà không có lý do chính đáng".
UNEXCUSED_MONTHS_LIMIT = 3


class Attendance(enum.StrEnum):
    """A member's recorded attendance at one meeting (closed roll-call)."""

    PRESENT = "present"
    EXCUSED = "excused"  # absent with a reason
    UNEXCUSED = "unexcused"  # absent without a reason
    EXEMPT = "exempt"  # miễn / tạm miễn: left out of every ratio and rule


@dataclass(frozen=True)
class MeetingRecord:
    """One held monthly meeting of a cell, with everyone's attendance at it."""

    meeting_id: int
    held_on: date  # local date
    attendance: Mapping[int, Attendance]  # person_id → attendance, every member at that time


class FlagKind(enum.StrEnum):
    """What a flag is about."""

    UNEXCUSED_3_MONTHS = "unexcused_3_months"
    EXCUSED_STREAK = "excused_streak"
    LOW_ATTENDANCE = "low_attendance"
    UNEXCUSED_AT_MEETING = "unexcused_at_meeting"
    NO_MEETING = "no_meeting"


# Placeholders: the caller always adds {name} (the member, for member flags) and {unit} (the
# cell); every other placeholder comes from Flag.params, which never holds "name" or "unit".
M_UNEXCUSED_3_MONTHS = N_(
    "Đồng chí {name} vắng không lý do {count} tháng trong năm {year} (tháng {months}): "
    "chi bộ cần xem xét theo quy định xóa tên."
)
M_EXCUSED_STREAK = N_(
    "Đồng chí {name} vắng có lý do {count} lần liên tiếp trong năm {year} (từ buổi ngày "
    "{since}): quá 3 lần liên tiếp."
)
M_LOW_ATTENDANCE = N_(
    "Buổi sinh hoạt ngày {date}: có mặt {present}/{expected} đảng viên ({ratio}), dưới 85%."
)
M_UNEXCUSED_AT_MEETING = N_("Buổi sinh hoạt ngày {date}: {count} đảng viên vắng không lý do.")
M_NO_MEETING = N_("Chi bộ chưa sinh hoạt tháng {month}; hạn là ngày {deadline}.")

_MESSAGES = {
    FlagKind.UNEXCUSED_3_MONTHS: M_UNEXCUSED_3_MONTHS,
    FlagKind.EXCUSED_STREAK: M_EXCUSED_STREAK,
    FlagKind.LOW_ATTENDANCE: M_LOW_ATTENDANCE,
    FlagKind.UNEXCUSED_AT_MEETING: M_UNEXCUSED_AT_MEETING,
    FlagKind.NO_MEETING: M_NO_MEETING,
}


@dataclass(frozen=True)
class Flag:
    """A rule that holds now, with a stable key so it is raised once and cleared when it ends.

    Params by kind (all strings):
    unexcused_3_months: count, year, months ("3, 7, 11");
    excused_streak: count, year, since (dd/mm/yyyy, the streak's first meeting);
    low_attendance: date, present, expected, ratio ("84%", rounded down);
    unexcused_at_meeting: date, count;
    no_meeting: month (mm/yyyy), deadline (dd/mm/yyyy).
    """

    kind: FlagKind
    key: str
    unit_id: int
    person_id: int | None
    meeting_id: int | None
    params: Mapping[str, str]

    @property
    def message(self) -> str:
        """The msgid; the caller translates it and fills it from params, name and unit."""
        return _MESSAGES[self.kind]


# The rules about a member over the year: they hold until a later closing clears them. Every
# other flag is about one meeting or one month, and belongs to that month.
RULE_KINDS = frozenset({FlagKind.UNEXCUSED_3_MONTHS, FlagKind.EXCUSED_STREAK})


def flag_month(kind: str, params: Mapping[str, str], meeting_month: str | None) -> str | None:
    """The month (YYYY-MM) a flag is about; None for a rule flag, which has a year, no month.

    meeting_month is the month of the flag's meeting when it has one (the meeting's own
    month, even when it was held a few days into the next); else the params tell.
    """
    if kind in RULE_KINDS:
        return None
    if meeting_month is not None:
        return meeting_month
    if kind == FlagKind.NO_MEETING and "month" in params:
        number, year = params["month"].split("/")
        return f"{year}-{int(number):02d}"
    if "date" in params:
        _day, number, year = params["date"].split("/")
        return f"{year}-{int(number):02d}"
    return None


def counts_in_month(
    kind: str, params: Mapping[str, str], meeting_month: str | None, month: str
) -> bool:
    """Whether an open flag belongs to a month's digest: one about that month, or a rule flag
    of that month's year (3 months unexcused, excused more than 3 times in a row)."""
    if kind in RULE_KINDS:
        return params.get("year") == month.split("-")[0]
    return flag_month(kind, params, meeting_month) == month


def _day_text(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _in_year(records: Iterable[MeetingRecord], year: int) -> list[MeetingRecord]:
    """The records of one calendar year, in the order they were held."""
    return sorted(
        (r for r in records if r.held_on.year == year),
        key=lambda r: (r.held_on, r.meeting_id),
    )


# --- Per member ---------------------------------------------------------------------------------


def unexcused_months(records: Sequence[MeetingRecord], person_id: int, year: int) -> list[int]:
    """The distinct months of the year in which the member was absent without a reason."""
    # The rule counts months, not meetings: a second unexcused meeting in a month adds nothing,
    # and an excuse at another meeting of that month does not take the month back.
    return sorted(
        {
            r.held_on.month
            for r in _in_year(records, year)
            if r.attendance.get(person_id) is Attendance.UNEXCUSED
        }
    )


def _longest_streak(
    records: Sequence[MeetingRecord], person_id: int, year: int
) -> tuple[int, date | None]:
    """The longest run of excused absences in the year, and the date it began (first if tied)."""
    best, best_start = 0, None
    run, start = 0, None
    for record in _in_year(records, year):
        status = record.attendance.get(person_id)
        # Exempt meetings, and meetings from before or after the member was in the cell, are
        # not the member's meetings: they neither extend nor break the run.
        if status is None or status is Attendance.EXEMPT:
            continue
        if status is not Attendance.EXCUSED:
            # An unexcused absence ends the run, as a present one does: "liên tiếp" means
            # excused meeting after excused meeting, and the unexcused one is flagged by its
            # own rules rather than counted twice.
            run, start = 0, None
            continue
        run += 1
        start = start or record.held_on
        if run > best:
            best, best_start = run, start
    return best, best_start


def longest_excused_streak(records: Sequence[MeetingRecord], person_id: int, year: int) -> int:
    """The most meetings in a row of that year the member was absent with a reason."""
    return _longest_streak(records, person_id, year)[0]


def _unexcused_flag(
    unit_id: int, records: Sequence[MeetingRecord], person_id: int, year: int
) -> Flag | None:
    months = unexcused_months(records, person_id, year)
    if len(months) < UNEXCUSED_MONTHS_LIMIT:
        return None
    kind = FlagKind.UNEXCUSED_3_MONTHS
    return Flag(
        kind=kind,
        key=f"{kind}:unit={unit_id}:person={person_id}:year={year}",
        unit_id=unit_id,
        person_id=person_id,
        meeting_id=None,
        params={
            "count": str(len(months)),
            "year": str(year),
            "months": ", ".join(str(m) for m in months),
        },
    )


def _streak_flag(
    unit_id: int, records: Sequence[MeetingRecord], person_id: int, year: int
) -> Flag | None:
    length, since = _longest_streak(records, person_id, year)
    if length <= EXCUSED_STREAK_LIMIT or since is None:
        return None
    kind = FlagKind.EXCUSED_STREAK
    # One key per member and year: the rule is "in a year", so a second long run in the same
    # year is the same finding, not a new one.
    return Flag(
        kind=kind,
        key=f"{kind}:unit={unit_id}:person={person_id}:year={year}",
        unit_id=unit_id,
        person_id=person_id,
        meeting_id=None,
        params={"count": str(length), "year": str(year), "since": _day_text(since)},
    )


def member_flags(unit_id: int, records: Sequence[MeetingRecord], year: int) -> list[Flag]:
    """The member flags (3 unexcused months, excused streak) that hold for the given year."""
    people = sorted({pid for r in _in_year(records, year) for pid in r.attendance})
    flags = []
    for person_id in people:
        for rule in (_unexcused_flag, _streak_flag):
            flag = rule(unit_id, records, person_id, year)
            if flag is not None:
                flags.append(flag)
    return flags


# --- Per meeting --------------------------------------------------------------------------------


def attendance_ratio(record: MeetingRecord) -> Decimal | None:
    """Present over expected members (exempt ones left out); None when nobody is expected."""
    expected = [s for s in record.attendance.values() if s is not Attendance.EXEMPT]
    if not expected:
        return None
    present = sum(1 for s in expected if s is Attendance.PRESENT)
    return Decimal(present) / Decimal(len(expected))


def _low_attendance_flag(unit_id: int, record: MeetingRecord) -> Flag | None:
    ratio = attendance_ratio(record)
    if ratio is None or ratio >= LOW_ATTENDANCE_BELOW:
        return None
    statuses = list(record.attendance.values())
    kind = FlagKind.LOW_ATTENDANCE
    return Flag(
        kind=kind,
        key=f"{kind}:meeting={record.meeting_id}",
        unit_id=unit_id,
        person_id=None,
        meeting_id=record.meeting_id,
        params={
            "date": _day_text(record.held_on),
            "present": str(statuses.count(Attendance.PRESENT)),
            "expected": str(len(statuses) - statuses.count(Attendance.EXEMPT)),
            # Rounded down, so a meeting just under the bar never reads as 85%.
            "ratio": percent_text(ratio),
        },
    )


def _unexcused_at_meeting_flag(unit_id: int, record: MeetingRecord) -> Flag | None:
    count = sum(1 for s in record.attendance.values() if s is Attendance.UNEXCUSED)
    if count == 0:
        return None
    kind = FlagKind.UNEXCUSED_AT_MEETING
    return Flag(
        kind=kind,
        key=f"{kind}:meeting={record.meeting_id}",
        unit_id=unit_id,
        person_id=None,
        meeting_id=record.meeting_id,
        params={"date": _day_text(record.held_on), "count": str(count)},
    )


def meeting_flags(unit_id: int, record: MeetingRecord) -> list[Flag]:
    """The meeting flags (attendance under 85%, any unexcused absence) of one held meeting."""
    found = (_low_attendance_flag(unit_id, record), _unexcused_at_meeting_flag(unit_id, record))
    return [flag for flag in found if flag is not None]


# --- Per cell and month -------------------------------------------------------------------------


def missing_meeting_flag(
    unit_id: int, month: str, held_dates: Sequence[date], today: date, deadline_day: int
) -> Flag | None:
    """The no-meeting flag of a month (YYYY-MM), once its deadline day is reached without one."""
    # held_dates are the local dates of held monthly meetings only: a cancelled meeting was not
    # held, so the caller leaves it out and the month stays flagged.
    first = date.fromisoformat(f"{month}-01")
    if (today.year, today.month) != (first.year, first.month):
        return None
    # A deadline past the month's end (31 in February) falls on its last day, not never.
    last_day = calendar.monthrange(first.year, first.month)[1]
    deadline = first.replace(day=min(deadline_day, last_day))
    if today < deadline:
        return None
    if any((d.year, d.month) == (first.year, first.month) for d in held_dates):
        return None
    kind = FlagKind.NO_MEETING
    return Flag(
        kind=kind,
        key=f"{kind}:unit={unit_id}:month={month}",
        unit_id=unit_id,
        person_id=None,
        meeting_id=None,
        params={"month": f"{first.month:02d}/{first.year}", "deadline": _day_text(deadline)},
    )


# --- Raising and clearing -----------------------------------------------------------------------


def diff(previous_keys: Collection[str], current: Sequence[Flag]) -> tuple[list[Flag], list[str]]:
    """The flags newly raised (not raised before) and the keys of flags that no longer hold."""
    before = set(previous_keys)
    raised: dict[str, Flag] = {}
    for flag in current:
        if flag.key not in before:
            # A key computed twice is still one flag, raised once.
            raised.setdefault(flag.key, flag)
    now = {flag.key for flag in current}
    return list(raised.values()), sorted(before - now)
