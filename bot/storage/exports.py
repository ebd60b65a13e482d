"""Queries behind the exports: attendance, scores, ratings and kiến nghị of cells in a period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.storage._util import dt, maybe_dt, ts
from bot.storage.db import Conn


@dataclass(frozen=True)
class HeldMeeting:
    """A cell's monthly meeting whose roll-call is closed."""

    id: int
    unit_id: int
    unit_name: str
    unit_path: str
    kind: str
    starts_at: datetime


@dataclass(frozen=True)
class Member:
    """A person who belongs to a cell now (cadres are not cell members)."""

    person_id: int
    unit_id: int
    full_name: str
    role: str
    status: str


@dataclass(frozen=True)
class Mark:
    """One member's recorded attendance at one meeting."""

    meeting_id: int
    person_id: int
    full_name: str
    status: str  # present, excused, unexcused, exempt
    reason: str


@dataclass(frozen=True)
class Points:
    """Points given to one criterion of one meeting, in one column."""

    meeting_id: int
    board: str  # self, upper
    criterion: str
    points: Decimal


@dataclass(frozen=True)
class CardResult:
    """The confirmed total and grade of one column of one meeting's card."""

    meeting_id: int
    board: str
    total: Decimal
    grade: str  # the grade's msgid, as stored


@dataclass(frozen=True)
class RatingCount:
    """How many members gave a meeting one rating."""

    meeting_id: int
    rating: str  # good, fair, average, poor
    count: int


@dataclass(frozen=True)
class RatingComment:
    """A member's comment on a meeting, without the member's name."""

    meeting_id: int
    comment: str


@dataclass(frozen=True)
class PetitionRow:
    """A kiến nghị raised in a cell, with its answer if any."""

    id: int
    unit_id: int
    unit_name: str
    author: str
    text: str
    status: str  # new, escalated, answered
    created_at: datetime
    escalated_at: datetime | None
    answered_at: datetime | None
    answer: str


def _in_list(ids: Iterable[int]) -> tuple[str, list[int]]:
    """Placeholders for an IN list, and its values."""
    values = sorted(set(ids))
    return ", ".join("?" for _ in values), values


async def held_meetings(
    conn: Conn, unit_ids: Iterable[int], since: datetime, until: datetime
) -> list[HeldMeeting]:
    """Monthly meetings of these cells that started in [since, until) and closed a roll-call."""
    placeholders, ids = _in_list(unit_ids)
    if not ids:
        return []
    async with conn.execute(
        "SELECT m.id, m.unit_id, u.name, u.path, m.kind, m.starts_at "
        "FROM meetings m JOIN units u ON u.id = m.unit_id "
        f"WHERE m.unit_id IN ({placeholders}) AND m.kind <> 'committee' "
        "AND m.status = 'scheduled' "
        "AND m.rollcall_closed_at IS NOT NULL AND m.starts_at >= ? AND m.starts_at < ? "
        "ORDER BY m.starts_at, u.path",
        (*ids, ts(since), ts(until)),
    ) as cur:
        return [
            HeldMeeting(
                id=r[0],
                unit_id=r[1],
                unit_name=r[2],
                unit_path=r[3],
                kind=r[4],
                starts_at=dt(r[5]),
            )
            for r in await cur.fetchall()
        ]


async def members(conn: Conn, unit_ids: Iterable[int]) -> list[Member]:
    """The people who belong to these cells now, transferred ones included, in id order."""
    placeholders, ids = _in_list(unit_ids)
    if not ids:
        return []
    async with conn.execute(
        "SELECT p.id, m.unit_id, p.full_name, m.role, m.status "
        "FROM people p JOIN memberships m ON m.person_id = p.id "
        f"WHERE m.unit_id IN ({placeholders}) AND m.role <> 'cadre' ORDER BY p.id",
        ids,
    ) as cur:
        return [
            Member(person_id=r[0], unit_id=r[1], full_name=r[2], role=r[3], status=r[4])
            for r in await cur.fetchall()
        ]


async def marks(conn: Conn, meeting_ids: Iterable[int]) -> list[Mark]:
    """The closed roll-calls of these meetings, with each member's name."""
    placeholders, ids = _in_list(meeting_ids)
    if not ids:
        return []
    async with conn.execute(
        "SELECT a.meeting_id, a.person_id, p.full_name, a.status, a.reason "
        "FROM attendance a JOIN people p ON p.id = a.person_id "
        f"WHERE a.meeting_id IN ({placeholders}) ORDER BY a.meeting_id, a.person_id",
        ids,
    ) as cur:
        return [
            Mark(meeting_id=r[0], person_id=r[1], full_name=r[2], status=r[3], reason=r[4])
            for r in await cur.fetchall()
        ]


async def points(conn: Conn, meeting_ids: Iterable[int]) -> list[Points]:
    """Points per criterion in both columns ('self' and 'upper') of these meetings."""
    placeholders, ids = _in_list(meeting_ids)
    if not ids:
        return []
    async with conn.execute(
        "SELECT meeting_id, board, criterion, points FROM scores "
        f"WHERE meeting_id IN ({placeholders}) ORDER BY meeting_id, board, criterion",
        ids,
    ) as cur:
        return [
            Points(meeting_id=r[0], board=r[1], criterion=r[2], points=Decimal(r[3]))
            for r in await cur.fetchall()
        ]


async def card_results(conn: Conn, meeting_ids: Iterable[int]) -> list[CardResult]:
    """Confirmed totals and grades of these meetings' cards, by column."""
    placeholders, ids = _in_list(meeting_ids)
    if not ids:
        return []
    async with conn.execute(
        "SELECT meeting_id, board, total, grade FROM score_cards "
        f"WHERE meeting_id IN ({placeholders}) AND confirmed_at IS NOT NULL "
        "AND total IS NOT NULL ORDER BY meeting_id, board",
        ids,
    ) as cur:
        return [
            CardResult(meeting_id=r[0], board=r[1], total=Decimal(r[2]), grade=r[3] or "")
            for r in await cur.fetchall()
        ]


async def rating_counts(conn: Conn, meeting_ids: Iterable[int]) -> list[RatingCount]:
    """How many members gave each rating, per meeting."""
    placeholders, ids = _in_list(meeting_ids)
    if not ids:
        return []
    async with conn.execute(
        "SELECT meeting_id, rating, COUNT(*) FROM ratings "
        f"WHERE meeting_id IN ({placeholders}) GROUP BY meeting_id, rating "
        "ORDER BY meeting_id, rating",
        ids,
    ) as cur:
        return [
            RatingCount(meeting_id=r[0], rating=r[1], count=r[2]) for r in await cur.fetchall()
        ]


async def rating_comments(conn: Conn, meeting_ids: Iterable[int]) -> list[RatingComment]:
    """Members' comments on these meetings, oldest first, without names."""
    placeholders, ids = _in_list(meeting_ids)
    if not ids:
        return []
    async with conn.execute(
        "SELECT meeting_id, comment FROM ratings "
        f"WHERE meeting_id IN ({placeholders}) AND comment <> '' "
        "ORDER BY meeting_id, rated_at, person_id",
        ids,
    ) as cur:
        return [RatingComment(meeting_id=r[0], comment=r[1]) for r in await cur.fetchall()]


async def petitions(
    conn: Conn, unit_ids: Iterable[int], since: datetime, until: datetime
) -> list[PetitionRow]:
    """Kiến nghị raised in these cells in [since, until), oldest first."""
    placeholders, ids = _in_list(unit_ids)
    if not ids:
        return []
    async with conn.execute(
        "SELECT k.id, k.unit_id, u.name, p.full_name, k.text, k.status, k.created_at, "
        "k.escalated_at, k.answered_at, k.answer "
        "FROM petitions k JOIN units u ON u.id = k.unit_id JOIN people p ON p.id = k.person_id "
        f"WHERE k.unit_id IN ({placeholders}) AND k.created_at >= ? AND k.created_at < ? "
        "ORDER BY k.created_at, k.id",
        (*ids, ts(since), ts(until)),
    ) as cur:
        return [
            PetitionRow(
                id=r[0],
                unit_id=r[1],
                unit_name=r[2],
                author=r[3],
                text=r[4],
                status=r[5],
                created_at=dt(r[6]),
                escalated_at=maybe_dt(r[7]),
                answered_at=maybe_dt(r[8]),
                answer=r[9] or "",
            )
            for r in await cur.fetchall()
        ]
