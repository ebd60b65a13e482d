"""Queries that gather a cell's month for the digests and reports."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from decimal import Decimal

import aiosqlite

from bot.domain.digest import CellMonth
from bot.domain.rules import Attendance
from bot.storage import rollcall
from bot.storage._util import ts


async def cell_month(
    conn: aiosqlite.Connection, unit_id: int, cell: str, month: str, tz: tzinfo, now: datetime
) -> tuple[CellMonth, list[tuple[str, dict[str, str], str]]]:
    """A cell's monthly meeting of `month` (YYYY-MM), and its open flags (kind, params, name)."""
    async with conn.execute(
        "SELECT id, starts_at, status, rollcall_closed_at, started_at, ended_at FROM meetings "
        "WHERE unit_id = ? AND month = ? AND kind <> 'committee'",
        (unit_id, month),
    ) as cur:
        row = await cur.fetchone()
    flags = await open_flags(conn, unit_id)
    petitions = await open_petitions(conn, unit_id, now)
    if row is None or row["rollcall_closed_at"] is None:
        cancelled = bool(row and row["status"] == "cancelled")
        return (
            CellMonth(unit_id, cell, month, None, cancelled, 0, 0, open_petitions=petitions),
            flags,
        )
    meeting_id = row["id"]
    marks = await rollcall.attendance(conn, meeting_id)
    names = await _names(conn, list(marks))
    counted = {pid: v for pid, v in marks.items() if v[0] is not Attendance.EXEMPT}
    duration = None
    if row["started_at"] and row["ended_at"]:
        start = datetime.fromisoformat(row["started_at"])
        duration = int((datetime.fromisoformat(row["ended_at"]) - start).total_seconds() // 60)
    boards = await _boards(conn, meeting_id)
    return (
        CellMonth(
            unit_id=unit_id,
            cell=cell,
            month=month,
            held_on=datetime.fromisoformat(row["starts_at"]).astimezone(tz).date(),
            cancelled=False,
            expected=len(counted),
            present=sum(1 for s, _r in counted.values() if s is Attendance.PRESENT),
            excused=tuple(
                (names[pid], reason)
                for pid, (s, reason) in counted.items()
                if s is Attendance.EXCUSED
            ),
            unexcused=tuple(
                names[pid] for pid, (s, _r) in counted.items() if s is Attendance.UNEXCUSED
            ),
            duration_minutes=duration,
            self_score=boards.get("self", (None, None))[0],
            self_grade=boards.get("self", (None, None))[1],
            upper_score=boards.get("upper", (None, None))[0],
            upper_grade=boards.get("upper", (None, None))[1],
            ratings=await rollcall.rating_counts(conn, meeting_id),
            open_petitions=petitions,
        ),
        flags,
    )


async def open_petitions(
    conn: aiosqlite.Connection, unit_id: int, now: datetime
) -> tuple[tuple[str, int], ...]:
    """The cell's kiến nghị still waiting for an answer: (first words, age in days)."""
    async with conn.execute(
        "SELECT text, created_at FROM petitions WHERE unit_id = ? "
        "AND status IN ('new', 'escalated') ORDER BY created_at",
        (unit_id,),
    ) as cur:
        rows = await cur.fetchall()
    return tuple((r[0][:80], max(0, (now - datetime.fromisoformat(r[1])).days)) for r in rows)


async def _names(conn: aiosqlite.Connection, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    async with conn.execute(f"SELECT id, full_name FROM people WHERE id IN ({marks})", ids) as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}


async def _boards(
    conn: aiosqlite.Connection, meeting_id: int
) -> dict[str, tuple[Decimal | None, str | None]]:
    async with conn.execute(
        "SELECT board, total, grade FROM score_cards WHERE meeting_id = ? "
        "AND confirmed_at IS NOT NULL",
        (meeting_id,),
    ) as cur:
        return {r[0]: (Decimal(r[1]), r[2]) for r in await cur.fetchall()}


async def open_flags(
    conn: aiosqlite.Connection, unit_id: int
) -> list[tuple[str, dict[str, str], str]]:
    """The cell's flags that still hold: (kind, params, the member's name or "")."""
    async with conn.execute(
        "SELECT f.kind, f.params, COALESCE(p.full_name, '') FROM flags f "
        "LEFT JOIN people p ON p.id = f.person_id "
        "WHERE f.unit_id = ? AND f.cleared_at IS NULL ORDER BY f.raised_at",
        (unit_id,),
    ) as cur:
        return [(r[0], json.loads(r[1]), r[2]) for r in await cur.fetchall()]


async def digest_due(
    conn: aiosqlite.Connection, person_ids: list[int], month: str, now: datetime
) -> None:
    """Write the month's digest rows for these cadres (ones already there stay as they are)."""
    await conn.executemany(
        "INSERT INTO monthly_digests (person_id, month, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [(pid, month, ts(now)) for pid in person_ids],
    )


async def pending_digests(conn: aiosqlite.Connection) -> list[tuple[int, str, str]]:
    """Digests not yet fully sent: (person id, month, state)."""
    async with conn.execute(
        "SELECT person_id, month, state FROM monthly_digests "
        "WHERE state IN ('pending', 'text_sent') ORDER BY month, person_id"
    ) as cur:
        return [(r[0], r[1], r[2]) for r in await cur.fetchall()]


async def mark_digest(
    conn: aiosqlite.Connection,
    person_id: int,
    month: str,
    state: str,
    now: datetime,
    error: str = "",
) -> None:
    """Record how far a digest got."""
    await conn.execute(
        "UPDATE monthly_digests SET state = ?, sent_at = ?, error = ? "
        "WHERE person_id = ? AND month = ?",
        (state, ts(now), error[:500], person_id, month),
    )


async def all_cadres(conn: aiosqlite.Connection) -> list[int]:
    """Everyone assigned to follow at least one unit."""
    async with conn.execute("SELECT DISTINCT person_id FROM cadre_assignments") as cur:
        return [r[0] for r in await cur.fetchall()]
