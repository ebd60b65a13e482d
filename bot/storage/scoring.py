"""Queries over the scorecard: points per criterion and each column's card (position, result)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.storage._util import ts
from bot.storage.db import Conn


@dataclass(frozen=True)
class CardState:
    """Where a column's card stands: the criterion being asked and whether it is confirmed."""

    position: int
    confirmed: bool


@dataclass(frozen=True)
class OpenCard:
    """A card someone is filling: typed points go to it."""

    meeting_id: int
    board: str


async def latest_closed(conn: Conn, unit_id: int, since: datetime) -> int | None:
    """The id of the cell's newest held meeting (not a committee's, not cancelled) whose
    roll-call is closed, starting at or after `since`."""
    async with conn.execute(
        "SELECT id FROM meetings WHERE unit_id = ? AND kind <> 'committee' "
        "AND status <> 'cancelled' AND rollcall_closed_at IS NOT NULL AND starts_at >= ? "
        "ORDER BY starts_at DESC LIMIT 1",
        (unit_id, ts(since)),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else None


async def take_card(
    conn: Conn, meeting_id: int, board: str, scorer_id: int, now: datetime
) -> None:
    """Create the column's card if needed, and make this person its scorer from now on."""
    await conn.execute(
        "INSERT INTO score_cards (meeting_id, board, scorer_id, updated_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (meeting_id, board, scorer_id, ts(now)),
    )
    await conn.execute(
        "UPDATE score_cards SET scorer_id = ?, updated_at = ? WHERE meeting_id = ? AND board = ?",
        (scorer_id, ts(now), meeting_id, board),
    )


async def prefill(conn: Conn, meeting_id: int, board: str, points: Mapping[str, Decimal]) -> None:
    """Points for criteria not scored yet (what the bot suggests); scored ones are kept."""
    await conn.executemany(
        "INSERT INTO scores (meeting_id, board, criterion, points) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [(meeting_id, board, code, str(value)) for code, value in points.items()],
    )


async def points(conn: Conn, meeting_id: int, board: str) -> dict[str, Decimal]:
    """The points of one column, by criterion code."""
    async with conn.execute(
        "SELECT criterion, points FROM scores WHERE meeting_id = ? AND board = ?",
        (meeting_id, board),
    ) as cur:
        return {r[0]: Decimal(r[1]) for r in await cur.fetchall()}


async def card_state(conn: Conn, meeting_id: int, board: str) -> CardState | None:
    """Where the column's card stands; None before anyone opened it."""
    async with conn.execute(
        "SELECT position, confirmed_at FROM score_cards WHERE meeting_id = ? AND board = ?",
        (meeting_id, board),
    ) as cur:
        row = await cur.fetchone()
    return CardState(position=int(row[0]), confirmed=row[1] is not None) if row else None


async def give(conn: Conn, meeting_id: int, board: str, code: str, value: Decimal) -> None:
    """Set the points of one criterion."""
    await conn.execute(
        "INSERT INTO scores (meeting_id, board, criterion, points) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (meeting_id, board, criterion) DO UPDATE SET points = excluded.points",
        (meeting_id, board, code, str(value)),
    )


async def move_to(conn: Conn, meeting_id: int, board: str, position: int, now: datetime) -> None:
    """Ask the criterion at `position` next; a changed card needs confirming again."""
    await conn.execute(
        "UPDATE score_cards SET position = ?, confirmed_at = NULL, updated_at = ? "
        "WHERE meeting_id = ? AND board = ?",
        (position, ts(now), meeting_id, board),
    )


async def step_back(conn: Conn, meeting_id: int, board: str, now: datetime) -> None:
    """Ask the previous criterion again (the first stays the first)."""
    await conn.execute(
        "UPDATE score_cards "
        "SET position = CASE WHEN position > 0 THEN position - 1 ELSE 0 END, "
        "confirmed_at = NULL, updated_at = ? WHERE meeting_id = ? AND board = ?",
        (ts(now), meeting_id, board),
    )


async def confirm(
    conn: Conn,
    meeting_id: int,
    board: str,
    total: Decimal,
    grade: str,
    now: datetime,
) -> None:
    """Store a complete column's total and grade as confirmed."""
    await conn.execute(
        "UPDATE score_cards SET total = ?, grade = ?, confirmed_at = ?, updated_at = ? "
        "WHERE meeting_id = ? AND board = ?",
        (str(total), grade, ts(now), ts(now), meeting_id, board),
    )


async def open_card(conn: Conn, scorer_id: int, touched_since: datetime) -> OpenCard | None:
    """The unconfirmed card this person last worked on, if at or after `touched_since`."""
    async with conn.execute(
        "SELECT meeting_id, board FROM score_cards WHERE scorer_id = ? "
        "AND confirmed_at IS NULL AND updated_at >= ? ORDER BY updated_at DESC LIMIT 1",
        (scorer_id, ts(touched_since)),
    ) as cur:
        row = await cur.fetchone()
    return OpenCard(meeting_id=int(row[0]), board=str(row[1])) if row else None


async def set_aside(conn: Conn, meeting_id: int, board: str, as_of: datetime) -> None:
    """Date a card back to `as_of`, before the window in which typed points go to it.

    `updated_at` is the card's session clock (nothing else reads it): a card set aside keeps
    its points and position and is picked up again by /chamdiem.
    """
    await conn.execute(
        "UPDATE score_cards SET updated_at = ? WHERE meeting_id = ? AND board = ?",
        (ts(as_of), meeting_id, board),
    )
