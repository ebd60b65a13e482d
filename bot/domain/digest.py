"""The cadres' digests as data: one cell's month, ranking, what needs attention, averages."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.domain.models import N_
from bot.domain.months import Month
from bot.domain.rules import LOW_ATTENDANCE_BELOW, FlagKind
from bot.domain.text import natural_key

# A kiến nghị left unanswered longer than this many days makes its cell need attention.
PETITION_STALE_DAYS = 7
# The grades of the default card, best first; a replacement card's others follow them.
GRADE_ORDER = (N_("Tốt"), N_("Khá"), N_("Trung bình"), N_("Kém"))
# How many cells rank() names at most on each side.
RANK_SIZE = 3


@dataclass(frozen=True)
class CellMonth:
    """One cell in one month, as the cadres' digests show it."""

    unit_id: int
    cell: str  # "Chi bộ xóm 9"
    month: str  # "2026-12"
    held_on: date | None  # None: no meeting held (or it was cancelled)
    cancelled: bool
    expected: int  # members expected (exempt left out)
    present: int
    excused: tuple[tuple[str, str], ...] = ()  # (name, reason)
    unexcused: tuple[str, ...] = ()  # names
    duration_minutes: int | None = None
    self_score: Decimal | None = None
    self_grade: str | None = None  # grade msgid ("Tốt", "Khá", "Trung bình", "Kém")
    upper_score: Decimal | None = None
    upper_grade: str | None = None
    # "good" / "fair" / "average" / "poor" → count. A dict is not hashable: out of __hash__.
    ratings: Mapping[str, int] = field(default_factory=dict, hash=False)
    flags: tuple[str, ...] = ()  # already-rendered flag lines
    open_petitions: tuple[tuple[str, int], ...] = ()  # (short text, age in days)
    # The kinds of the month's flags (FlagKind values), in the order of the raw flags.
    flag_kinds: tuple[str, ...] = ()
    # Excused absences by the kind of reason (ReasonKind value, "" when none was filed).
    excused_kinds: tuple[tuple[str, int], ...] = ()
    # The unit the cell belongs to ("Đảng bộ xã Số 3"), shown where cell names repeat.
    parent: str | None = None

    @property
    def held(self) -> bool:
        """Whether the month's meeting took place."""
        return self.held_on is not None and not self.cancelled

    @property
    def attendance(self) -> Decimal | None:
        """Present / expected; None when no meeting was held or nobody was expected."""
        if not self.held or self.expected <= 0:
            return None
        return Decimal(self.present) / Decimal(self.expected)

    @property
    def score(self) -> Decimal | None:
        """The score the digests go by: the cell's own, else the upper-level cadre's."""
        return self.self_score if self.self_score is not None else self.upper_score

    @property
    def grade(self) -> str | None:
        """The grade that goes with score (a msgid)."""
        return self.self_grade if self.self_score is not None else self.upper_grade


# --- Ranking ----------------------------------------------------------------------------------


def _weakness(cell: CellMonth) -> tuple[bool, Decimal, Decimal]:
    """Ascending sort key: weakest first; ties by cell name (natural order), then unit id."""
    # Cells without a meeting come first; a held meeting nobody scored ranks below every
    # scored one (-1 is below any score), then the scores, then attendance.
    score = cell.score if cell.score is not None else Decimal(-1)
    attendance = cell.attendance if cell.attendance is not None else Decimal(-1)
    return (cell.held, score, attendance)


def _name_key(cell: CellMonth) -> tuple[tuple[tuple[int, str], ...], str, int]:
    return (natural_key(cell.cell), cell.cell, cell.unit_id)


def ordered(cells: Iterable[CellMonth]) -> list[CellMonth]:
    """Every cell, strongest first and cells without a meeting last; ties by cell name."""
    # Two stable sorts: by name first, then by strength descending, so equal cells keep
    # their name order on both ends of the list.
    by_name = sorted(cells, key=_name_key)
    return sorted(by_name, key=_weakness, reverse=True)


def weakest_first(cells: Iterable[CellMonth]) -> list[CellMonth]:
    """Every cell, cells without a meeting first, then the lowest scores; ties by cell name."""
    return sorted(cells, key=lambda cell: (*_weakness(cell), *_name_key(cell)))


def rank(cells: Sequence[CellMonth]) -> tuple[list[CellMonth], list[CellMonth]]:
    """The best and the weakest cells (up to 3 each, never the same cell on both sides).

    Best: held meetings only, by score (self, else upper), then attendance. Weakest: cells
    without a meeting first, then the lowest. With few cells each side gets about half (at
    least one), so two cells give one best and one weakest; every cell without a meeting is
    named among the weakest, up to 3.
    """
    size = min(RANK_SIZE, max(1, len(cells) // 2))
    best = [cell for cell in ordered(cells) if cell.held][:size]
    chosen = {id(cell) for cell in best}
    rest = [cell for cell in weakest_first(cells) if id(cell) not in chosen]
    not_held = sum(1 for cell in rest if not cell.held)
    return best, rest[: max(size, min(RANK_SIZE, not_held))]


# --- What needs attention ---------------------------------------------------------------------


class Concern(enum.StrEnum):
    """Why a cell needs the cadre's attention this month; declared most serious first."""

    NOT_HELD = "not_held"
    CANCELLED = "cancelled"
    POOR_GRADE = "poor_grade"  # Kém
    UNEXCUSED = "unexcused"  # anyone absent without a reason at the month's meeting
    UNEXCUSED_MONTHS = "unexcused_months"  # a member 3 months unexcused this year (xóa tên)
    EXCUSED_STREAK = "excused_streak"  # a member excused more than 3 times in a row
    LOW_ATTENDANCE = "low_attendance"  # under 85%
    AVERAGE_GRADE = "average_grade"  # Trung bình
    NOT_SCORED = "not_scored"  # held, but neither the cell nor the upper level scored it
    STALE_PETITIONS = "stale_petitions"  # a kiến nghị unanswered more than 7 days


# The order of severity is the order of declaration.
SEVERITY = tuple(Concern)
POOR, AVERAGE = N_("Kém"), N_("Trung bình")


def stale_petitions(cell: CellMonth, days: int = PETITION_STALE_DAYS) -> int:
    """How many of the cell's open kiến nghị are older than the given number of days."""
    return sum(1 for _text, age in cell.open_petitions if age > days)


def concerns(cell: CellMonth, *, petition_days: int = PETITION_STALE_DAYS) -> tuple[Concern, ...]:
    """Every reason the cell needs attention, most serious first; empty when all is well."""
    found: set[Concern] = set()
    if not cell.held:
        found.add(Concern.CANCELLED if cell.cancelled else Concern.NOT_HELD)
    else:
        # Either column's grade counts: a cell that calls itself Khá but was graded Kém by the
        # upper level needs a call as much as one that says Kém itself.
        grades = {cell.self_grade, cell.upper_grade}
        if POOR in grades:
            found.add(Concern.POOR_GRADE)
        elif AVERAGE in grades:
            found.add(Concern.AVERAGE_GRADE)
        if cell.unexcused:
            found.add(Concern.UNEXCUSED)
        ratio = cell.attendance
        if ratio is not None and ratio < LOW_ATTENDANCE_BELOW:
            found.add(Concern.LOW_ATTENDANCE)
        if cell.score is None:
            found.add(Concern.NOT_SCORED)
    if FlagKind.UNEXCUSED_3_MONTHS in cell.flag_kinds:
        found.add(Concern.UNEXCUSED_MONTHS)
    if FlagKind.EXCUSED_STREAK in cell.flag_kinds:
        found.add(Concern.EXCUSED_STREAK)
    if stale_petitions(cell, petition_days):
        found.add(Concern.STALE_PETITIONS)
    return tuple(concern for concern in SEVERITY if concern in found)


def needs_attention(cell: CellMonth, *, petition_days: int = PETITION_STALE_DAYS) -> bool:
    """Not held, Kém, anyone unexcused, a member rule, under 85%, Trung bình, not scored, or a
    kiến nghị unanswered more than 7 days."""
    return bool(concerns(cell, petition_days=petition_days))


def _severity(cell: CellMonth) -> tuple[tuple[bool, ...], Decimal, Decimal, int]:
    """Ascending sort key: the most serious concerns first, then the lower score and attendance,
    then more people absent without a reason."""
    found = set(concerns(cell))
    # One flag per concern, False when present, so a cell with a more serious concern sorts
    # first and, among equals, one with more of the following concerns.
    marks = tuple(concern not in found for concern in SEVERITY)
    score = cell.score if cell.score is not None else Decimal(1000)
    attendance = cell.attendance if cell.attendance is not None else Decimal(2)
    return marks, score, attendance, -len(cell.unexcused)


def by_severity(cells: Iterable[CellMonth]) -> list[CellMonth]:
    """The cells that need attention, the one to call first at the top; ties by cell name."""
    needing = [cell for cell in cells if concerns(cell)]
    return sorted(needing, key=lambda cell: (*_severity(cell), *_name_key(cell)))


def same_names(cells: Iterable[CellMonth]) -> frozenset[str]:
    """The cell names more than one of these cells bear (shown with their commune)."""
    counted = Counter(" ".join(cell.cell.split()).casefold() for cell in cells)
    return frozenset(name for name, n in counted.items() if n > 1)


def is_ambiguous(cell: CellMonth, repeated: frozenset[str]) -> bool:
    """Whether the cell's name alone does not say which cell it is."""
    return " ".join(cell.cell.split()).casefold() in repeated and bool(cell.parent)


def excused_by_kind(cells: Iterable[CellMonth]) -> tuple[tuple[str, int], ...]:
    """Excused absences of the month by kind of reason, most first ("" when none was filed)."""
    counted: Counter[str] = Counter()
    for cell in cells:
        for kind, n in cell.excused_kinds:
            counted[kind] += n
        # Absences excused with no kind on record (typed by the secretary at the roll-call).
        filed = sum(n for _kind, n in cell.excused_kinds)
        if len(cell.excused) > filed:
            counted[""] += len(cell.excused) - filed
    return tuple(sorted(counted.items(), key=lambda item: (-item[1], item[0] == "", item[0])))


# --- Month totals -----------------------------------------------------------------------------


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


def month_averages(cells: Iterable[CellMonth]) -> tuple[Decimal | None, Decimal | None]:
    """The mean attendance ratio and the mean score over the cells that have one.

    Each cell weighs the same (a cell of 40 members does not outweigh four of 10), as on
    the chart, where each bar is a cell. Use it for every month of the trend, too.
    """
    cells = list(cells)
    ratios = [cell.attendance for cell in cells if cell.attendance is not None]
    scores = [cell.score for cell in cells if cell.held and cell.score is not None]
    return _mean(ratios), _mean(scores)


@dataclass(frozen=True)
class MonthSummary:
    """The headline of a monthly digest."""

    cells: int
    held: int
    attendance: Decimal | None  # mean ratio over held cells
    score: Decimal | None  # mean score over scored cells
    grades: tuple[tuple[str, int], ...]  # (grade msgid, count), best grade first
    not_scored: int  # held meetings without any score
    open_petitions: int
    stale_petitions: int
    needing_attention: int
    excused: int = 0  # absences with a reason at the held meetings
    unexcused: int = 0
    excused_kinds: tuple[tuple[str, int], ...] = ()  # by kind of reason, most first


def summarize(
    cells: Sequence[CellMonth], *, petition_days: int = PETITION_STALE_DAYS
) -> MonthSummary:
    """Counts and averages over every cell a cadre follows in one month."""
    held = [cell for cell in cells if cell.held]
    counted = Counter(cell.grade for cell in held if cell.grade is not None)
    known = [(grade, counted[grade]) for grade in GRADE_ORDER if counted[grade]]
    others = sorted((grade, n) for grade, n in counted.items() if grade not in GRADE_ORDER)
    attendance, score = month_averages(cells)
    return MonthSummary(
        cells=len(cells),
        held=len(held),
        attendance=attendance,
        score=score,
        grades=tuple(known + others),
        not_scored=sum(1 for cell in held if cell.score is None),
        open_petitions=sum(len(cell.open_petitions) for cell in cells),
        stale_petitions=sum(stale_petitions(cell, petition_days) for cell in cells),
        needing_attention=sum(
            1 for cell in cells if needs_attention(cell, petition_days=petition_days)
        ),
        excused=sum(len(cell.excused) for cell in held),
        unexcused=sum(len(cell.unexcused) for cell in held),
        excused_kinds=excused_by_kind(held),
    )


def month_label(month: str) -> str:
    """A "2026-07" month as people write it: 7/2026."""
    return Month.from_key(month).label
