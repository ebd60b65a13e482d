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
from bot.domain.rules import LOW_ATTENDANCE_BELOW
from bot.domain.text import natural_key

# A kiến nghị left unanswered longer than this many days makes its cell need attention.
PETITION_STALE_DAYS = 7
# The grades of the default card that make a cell need attention (msgids, as stored).
LOW_GRADES = frozenset({N_("Trung bình"), N_("Kém")})
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
    """Why a cell needs the cadre's attention this month."""

    NOT_HELD = "not_held"
    CANCELLED = "cancelled"
    LOW_ATTENDANCE = "low_attendance"
    UNEXCUSED = "unexcused"
    LOW_GRADE = "low_grade"
    FLAGS = "flags"
    STALE_PETITIONS = "stale_petitions"


def stale_petitions(cell: CellMonth, days: int = PETITION_STALE_DAYS) -> int:
    """How many of the cell's open kiến nghị are older than the given number of days."""
    return sum(1 for _text, age in cell.open_petitions if age > days)


def concerns(cell: CellMonth, *, petition_days: int = PETITION_STALE_DAYS) -> tuple[Concern, ...]:
    """Every reason the cell needs attention, most serious first; empty when all is well."""
    found: list[Concern] = []
    if not cell.held:
        found.append(Concern.CANCELLED if cell.cancelled else Concern.NOT_HELD)
    ratio = cell.attendance
    if ratio is not None and ratio < LOW_ATTENDANCE_BELOW:
        found.append(Concern.LOW_ATTENDANCE)
    if cell.held and cell.unexcused:
        found.append(Concern.UNEXCUSED)
    if cell.held and (cell.self_grade in LOW_GRADES or cell.upper_grade in LOW_GRADES):
        found.append(Concern.LOW_GRADE)
    if cell.flags:
        found.append(Concern.FLAGS)
    if stale_petitions(cell, petition_days):
        found.append(Concern.STALE_PETITIONS)
    return tuple(found)


def needs_attention(cell: CellMonth, *, petition_days: int = PETITION_STALE_DAYS) -> bool:
    """Not held, under 85%, anyone unexcused, Trung bình/Kém, a flag, or a kiến nghị > 7 days."""
    return bool(concerns(cell, petition_days=petition_days))


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
    )


def month_label(month: str) -> str:
    """A "2026-07" month as people write it: 7/2026."""
    return Month.from_key(month).label
