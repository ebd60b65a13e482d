"""Filling the scorecard of a meeting, criterion by criterion, in either column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.domain.meetings import Meeting, MeetingKind, MeetingStatus, Purpose
from bot.domain.models import Unit
from bot.domain.rules import Attendance, longest_excused_streak
from bot.domain.scorecard import (
    Card,
    Criterion,
    Evidence,
    Grade,
    Suggestion,
    suggest,
    thematic_part,
)
from bot.domain.scorecard import total as card_total
from bot.services.meetings import Rules
from bot.storage import applied, meetings, outbox, people, rollcall, units
from bot.storage import scoring as scores
from bot.storage.db import Conn, Database

SELF = "self"
UPPER = "upper"
# A card left half-way is picked up again by typed points for this long.
SESSION_IDLE = timedelta(hours=3)


@dataclass(frozen=True)
class Sheet:
    """One column of one meeting's card, as far as it is filled."""

    meeting: Meeting
    unit: Unit
    board: str
    criteria: tuple[Criterion, ...]
    points: dict[str, Decimal]
    suggestions: dict[str, Suggestion]
    position: int
    confirmed: bool
    total: Decimal
    grade: Grade
    out_of: Decimal

    @property
    def current(self) -> Criterion | None:
        """The criterion being asked, or None at the summary."""
        return self.criteria[self.position] if self.position < len(self.criteria) else None


async def latest_closed(db: Database, unit_id: int, now: datetime) -> Meeting | None:
    """The cell's most recent monthly meeting whose roll-call is closed (within 60 days)."""
    async with db.transaction() as conn:
        found = await scores.latest_closed(conn, unit_id, now - timedelta(days=60))
        return await meetings.get(conn, found) if found is not None else None


def may_score(meeting: Meeting | None) -> bool:
    """Whether a meeting can be scored at all: a cell's meeting, held, its roll-call closed."""
    return (
        meeting is not None
        and meeting.kind is not MeetingKind.COMMITTEE
        and meeting.status is MeetingStatus.SCHEDULED
        and meeting.rollcall_closed_at is not None
    )


async def open_sheet(
    db: Database,
    card: Card,
    meeting_id: int,
    board: str,
    scorer_id: int,
    rules: Rules,
    now: datetime,
) -> Sheet:
    """Start (pre-filled with what the bot knows) or resume a column of a meeting's card."""
    async with db.transaction() as conn:
        meeting = await meetings.get(conn, meeting_id)
        assert meeting is not None
        hints = suggest(card, await _evidence(conn, meeting, rules))
        await scores.take_card(conn, meeting_id, board, scorer_id, now)
        await scores.prefill(conn, meeting_id, board, {c: s.points for c, s in hints.items()})
        return await _sheet(conn, card, meeting, board, hints)


async def _sheet(
    conn: Conn,
    card: Card,
    meeting: Meeting,
    board: str,
    hints: dict[str, Suggestion],
) -> Sheet:
    points = await scores.points(conn, meeting.id, board)
    state = await scores.card_state(conn, meeting.id, board)
    thematic = thematic_part(meeting.kind)
    criteria = card.applicable(thematic)
    unit = await units.get(conn, meeting.unit_id)
    assert unit is not None
    total = card_total(card, points, thematic)
    out_of = card.applicable_max(thematic)
    return Sheet(
        meeting=meeting,
        unit=unit,
        board=board,
        criteria=criteria,
        points=points,
        suggestions=hints,
        position=min(state.position if state else 0, len(criteria)),
        confirmed=bool(state and state.confirmed),
        total=total,
        grade=card.grade(total, out_of),
        out_of=out_of,
    )


def _effect(meeting_id: int, board: str) -> str:
    """The name of a step on a card, so a replayed update never takes a second step."""
    return f"score:{meeting_id}:{board}"


async def give(
    db: Database,
    card: Card,
    meeting_id: int,
    board: str,
    code: str,
    points: Decimal,
    rules: Rules,
    now: datetime,
) -> Sheet:
    """Record points for a criterion and move to the next one (once per update)."""
    async with db.transaction() as conn:
        meeting = await meetings.get(conn, meeting_id)
        assert meeting is not None
        if await applied.first_time(conn, _effect(meeting_id, board), now):
            await scores.give(conn, meeting_id, board, code, points)
            criteria = card.applicable(thematic_part(meeting.kind))
            index = next((i for i, c in enumerate(criteria) if c.code == code), 0)
            await scores.move_to(conn, meeting_id, board, index + 1, now)
        hints = suggest(card, await _evidence(conn, meeting, rules))
        return await _sheet(conn, card, meeting, board, hints)


async def back(
    db: Database, card: Card, meeting_id: int, board: str, rules: Rules, now: datetime
) -> Sheet:
    """Go back one criterion (once per update)."""
    async with db.transaction() as conn:
        if await applied.first_time(conn, _effect(meeting_id, board), now):
            await scores.step_back(conn, meeting_id, board, now)
        meeting = await meetings.get(conn, meeting_id)
        assert meeting is not None
        hints = suggest(card, await _evidence(conn, meeting, rules))
        return await _sheet(conn, card, meeting, board, hints)


async def confirm(
    db: Database, card: Card, meeting_id: int, board: str, rules: Rules, now: datetime
) -> Sheet | None:
    """Confirm a complete column: its total and grade are stored."""
    async with db.transaction() as conn:
        meeting = await meetings.get(conn, meeting_id)
        assert meeting is not None
        hints = suggest(card, await _evidence(conn, meeting, rules))
        sheet = await _sheet(conn, card, meeting, board, hints)
        if any(c.code not in sheet.points for c in sheet.criteria):
            return None
        if not await applied.first_time(conn, _effect(meeting_id, board), now):
            return sheet
        await scores.confirm(conn, meeting_id, board, sheet.total, sheet.grade.name, now)
        if board == SELF:
            # The cadres' per-meeting digest waited for the cell's own score: it goes now.
            await outbox.make_due(conn, meeting_id, Purpose.DIGEST, now)
        return await _sheet(conn, card, meeting, board, hints)


async def active(db: Database, scorer_id: int, now: datetime) -> tuple[int, str] | None:
    """The card this person is filling right now, if any (so typed points go to it)."""
    async with db.transaction() as conn:
        found = await scores.open_card(conn, scorer_id, now - SESSION_IDLE)
    return (found.meeting_id, found.board) if found else None


async def asks_points(db: Database, card: Card, scorer_id: int, now: datetime) -> bool:
    """Whether this person's open card is asking a criterion (a typed number is its points)."""
    async with db.transaction() as conn:
        found = await scores.open_card(conn, scorer_id, now - SESSION_IDLE)
        if found is None:
            return False
        meeting = await meetings.get(conn, found.meeting_id)
        if meeting is None or not may_score(meeting):
            return False
        state = await scores.card_state(conn, found.meeting_id, found.board)
    asked = len(card.applicable(thematic_part(meeting.kind)))
    return state is not None and not state.confirmed and state.position < asked


async def set_aside(db: Database, scorer_id: int, now: datetime) -> bool:
    """Stop reading this person's typed text as points (/huy); the card keeps its points and
    stays unconfirmed. Whether a card was open."""
    async with db.transaction() as conn:
        found = await scores.open_card(conn, scorer_id, now - SESSION_IDLE)
        if found is None:
            return False
        await scores.set_aside(
            conn, found.meeting_id, found.board, now - SESSION_IDLE - timedelta(seconds=1)
        )
    return True


async def _evidence(conn: Conn, meeting: Meeting, rules: Rules) -> Evidence:
    """What the bot knows of a meeting: duration, attendance, excuse streaks, notices sent."""
    marks = await rollcall.attendance(conn, meeting.id)
    counted = [s for s, _r in marks.values() if s is not Attendance.EXEMPT]
    present = sum(1 for s in counted if s is Attendance.PRESENT)
    ratio = Decimal(present) / Decimal(len(counted)) if counted else None
    local = meeting.starts_at.astimezone(rules.tz)
    year_start = datetime(local.year, 1, 1, tzinfo=rules.tz).astimezone(UTC)
    records = await rollcall.records(
        conn, meeting.unit_id, year_start, meeting.starts_at + timedelta(days=1), rules.tz
    )
    streak = max((longest_excused_streak(records, pid, local.year) for pid in marks), default=0)
    members = {p.id for p in await people.in_unit(conn, meeting.unit_id)}
    told = await outbox.told(conn, meeting.id, Purpose.NOTICE)
    return Evidence(
        duration_minutes=meeting.duration_minutes,
        minimum_minutes=meeting.kind.minimum_minutes or 90,
        attendance_ratio=ratio,
        any_unexcused=any(s is Attendance.UNEXCUSED for s in counted),
        no_long_excuse_streak=streak <= 3,
        notice_sent_to_members=bool(told & members),
        notice_sent_to_cadre=bool(told - members),
    )
