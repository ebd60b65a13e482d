"""Filling the scorecard of a meeting, criterion by criterion, in either column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import aiosqlite

from bot.domain.meetings import Meeting, Purpose
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
from bot.storage import meetings, people, rollcall, units
from bot.storage._util import ts
from bot.storage.db import Database

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
        async with conn.execute(
            "SELECT id FROM meetings WHERE unit_id = ? AND kind <> 'committee' "
            "AND rollcall_closed_at IS NOT NULL AND starts_at >= ? "
            "ORDER BY starts_at DESC LIMIT 1",
            (unit_id, ts(now - timedelta(days=60))),
        ) as cur:
            row = await cur.fetchone()
        return await meetings.get(conn, row[0]) if row else None


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
        await conn.execute(
            "INSERT INTO score_cards (meeting_id, board, scorer_id, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (meeting_id, board, scorer_id, ts(now)),
        )
        await conn.execute(
            "UPDATE score_cards SET scorer_id = ?, updated_at = ? "
            "WHERE meeting_id = ? AND board = ?",
            (scorer_id, ts(now), meeting_id, board),
        )
        await conn.executemany(
            "INSERT INTO scores (meeting_id, board, criterion, points) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(meeting_id, board, code, str(s.points)) for code, s in hints.items()],
        )
        return await _sheet(conn, card, meeting, board, hints)


async def _sheet(
    conn: aiosqlite.Connection,
    card: Card,
    meeting: Meeting,
    board: str,
    hints: dict[str, Suggestion],
) -> Sheet:
    async with conn.execute(
        "SELECT criterion, points FROM scores WHERE meeting_id = ? AND board = ?",
        (meeting.id, board),
    ) as cur:
        points = {r[0]: Decimal(r[1]) for r in await cur.fetchall()}
    async with conn.execute(
        "SELECT position, confirmed_at FROM score_cards WHERE meeting_id = ? AND board = ?",
        (meeting.id, board),
    ) as cur:
        row = await cur.fetchone()
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
        position=min(row[0] if row else 0, len(criteria)),
        confirmed=bool(row and row[1]),
        total=total,
        grade=card.grade(total, out_of),
        out_of=out_of,
    )


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
    """Record points for a criterion and move to the next one."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO scores (meeting_id, board, criterion, points) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (meeting_id, board, criterion) DO UPDATE SET points = excluded.points",
            (meeting_id, board, code, str(points)),
        )
        meeting = await meetings.get(conn, meeting_id)
        assert meeting is not None
        criteria = card.applicable(thematic_part(meeting.kind))
        index = next((i for i, c in enumerate(criteria) if c.code == code), 0)
        await conn.execute(
            "UPDATE score_cards SET position = ?, confirmed_at = NULL, updated_at = ? "
            "WHERE meeting_id = ? AND board = ?",
            (index + 1, ts(now), meeting_id, board),
        )
        hints = suggest(card, await _evidence(conn, meeting, rules))
        return await _sheet(conn, card, meeting, board, hints)


async def back(
    db: Database, card: Card, meeting_id: int, board: str, rules: Rules, now: datetime
) -> Sheet:
    """Go back one criterion."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE score_cards "
            "SET position = CASE WHEN position > 0 THEN position - 1 ELSE 0 END, "
            "confirmed_at = NULL, updated_at = ? WHERE meeting_id = ? AND board = ?",
            (ts(now), meeting_id, board),
        )
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
        await conn.execute(
            "UPDATE score_cards SET total = ?, grade = ?, confirmed_at = ?, updated_at = ? "
            "WHERE meeting_id = ? AND board = ?",
            (str(sheet.total), sheet.grade.name, ts(now), ts(now), meeting_id, board),
        )
        if board == SELF:
            # The cadres' digest was waiting for this score: it can go now.
            await conn.execute(
                "UPDATE notices SET due_at = ? WHERE meeting_id = ? AND purpose = 'digest' "
                "AND state = 'pending'",
                (ts(now), meeting_id),
            )
        return await _sheet(conn, card, meeting, board, hints)


async def active(db: Database, scorer_id: int, now: datetime) -> tuple[int, str] | None:
    """The card this person is filling right now, if any (so typed points go to it)."""
    async with (
        db.transaction() as conn,
        conn.execute(
            "SELECT meeting_id, board FROM score_cards WHERE scorer_id = ? "
            "AND confirmed_at IS NULL AND updated_at >= ? ORDER BY updated_at DESC LIMIT 1",
            (scorer_id, ts(now - SESSION_IDLE)),
        ) as cur,
    ):
        row = await cur.fetchone()
    return (row[0], row[1]) if row else None


async def _evidence(conn: aiosqlite.Connection, meeting: Meeting, rules: Rules) -> Evidence:
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
    async with conn.execute(
        "SELECT DISTINCT person_id FROM notices WHERE meeting_id = ? AND purpose = ? "
        "AND state = 'sent'",
        (meeting.id, Purpose.NOTICE.value),
    ) as cur:
        told = {r[0] for r in await cur.fetchall()}
    return Evidence(
        duration_minutes=meeting.duration_minutes,
        minimum_minutes=meeting.kind.minimum_minutes or 90,
        attendance_ratio=ratio,
        any_unexcused=any(s is Attendance.UNEXCUSED for s in counted),
        no_long_excuse_streak=streak <= 3,
        notice_sent_to_members=bool(told & members),
        notice_sent_to_cadre=bool(told - members),
    )


async def column_totals(db: Database, meeting_id: int) -> dict[str, tuple[str, str]]:
    """Confirmed totals and grades by column."""
    async with (
        db.transaction() as conn,
        conn.execute(
            "SELECT board, total, grade FROM score_cards WHERE meeting_id = ? "
            "AND confirmed_at IS NOT NULL",
            (meeting_id,),
        ) as cur,
    ):
        return {r[0]: (r[1], r[2]) for r in await cur.fetchall()}
