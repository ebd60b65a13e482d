"""Queries over the roll-call, delegates and members' ratings."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.domain.rules import Attendance, MeetingRecord
from bot.storage._util import dt, ts
from bot.storage.db import Conn


async def attendance(conn: Conn, meeting_id: int) -> dict[int, tuple[Attendance, str]]:
    """The roll-call of a meeting: status and reason by person."""
    async with conn.execute(
        "SELECT person_id, status, reason FROM attendance WHERE meeting_id = ?", (meeting_id,)
    ) as cur:
        return {r[0]: (Attendance(r[1]), r[2]) for r in await cur.fetchall()}


async def fill(conn: Conn, meeting_id: int, rows: dict[int, tuple[Attendance, str]]) -> None:
    """Write the first draft of the roll-call; people already in it are left as they are."""
    await conn.executemany(
        "INSERT INTO attendance (meeting_id, person_id, status, reason) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [(meeting_id, pid, status.value, reason) for pid, (status, reason) in rows.items()],
    )


async def mark(
    conn: Conn, meeting_id: int, person_id: int, status: Attendance, reason: str
) -> None:
    """Set one person's status in the roll-call."""
    await conn.execute(
        "UPDATE attendance SET status = ?, reason = ? WHERE meeting_id = ? AND person_id = ?",
        (status.value, reason, meeting_id, person_id),
    )


async def set_times(
    conn: Conn,
    meeting_id: int,
    *,
    started_at: datetime | None = None,
    rollcall_closed_at: datetime | None = None,
    ended_at: datetime | None = None,
) -> None:
    """Record when the meeting started, when its roll-call closed and when it ended."""
    for column, value in (
        ("started_at", started_at),
        ("rollcall_closed_at", rollcall_closed_at),
        ("ended_at", ended_at),
    ):
        if value is not None:
            await conn.execute(
                f"UPDATE meetings SET {column} = ? WHERE id = ? AND {column} IS NULL",
                (ts(value), meeting_id),
            )


async def add_delegate(conn: Conn, meeting_id: int, person_id: int) -> None:
    """Let a committee member take this meeting's roll-call."""
    await conn.execute(
        "INSERT INTO delegates (meeting_id, person_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (meeting_id, person_id),
    )


async def is_delegate(conn: Conn, meeting_id: int, person_id: int) -> bool:
    """Whether this person may take this meeting's roll-call for the secretary."""
    async with conn.execute(
        "SELECT 1 FROM delegates WHERE meeting_id = ? AND person_id = ?", (meeting_id, person_id)
    ) as cur:
        return await cur.fetchone() is not None


async def save_rating(
    conn: Conn,
    meeting_id: int,
    person_id: int,
    rating: str,
    comment: str | None,
    now: datetime,
) -> None:
    """Store a member's rating of a meeting; a later one replaces it (comment kept if none)."""
    async with conn.execute(
        "SELECT comment FROM ratings WHERE meeting_id = ? AND person_id = ?",
        (meeting_id, person_id),
    ) as cur:
        row = await cur.fetchone()
    kept = comment if comment is not None else (row[0] if row else "")
    await conn.execute(
        "DELETE FROM ratings WHERE meeting_id = ? AND person_id = ?", (meeting_id, person_id)
    )
    await conn.execute(
        "INSERT INTO ratings (meeting_id, person_id, rating, comment, rated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (meeting_id, person_id, rating, kept, ts(now)),
    )


async def rating_of(conn: Conn, meeting_id: int, person_id: int) -> str | None:
    """A member's rating of a meeting."""
    async with conn.execute(
        "SELECT rating FROM ratings WHERE meeting_id = ? AND person_id = ?",
        (meeting_id, person_id),
    ) as cur:
        row = await cur.fetchone()
    return row[0] if row else None


async def rating_counts(conn: Conn, meeting_id: int) -> dict[str, int]:
    """How many members gave each rating."""
    async with conn.execute(
        "SELECT rating, COUNT(*) FROM ratings WHERE meeting_id = ? GROUP BY rating", (meeting_id,)
    ) as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}


async def comments(conn: Conn, meeting_id: int) -> list[str]:
    """Members' comments on a meeting (without names)."""
    async with conn.execute(
        "SELECT comment FROM ratings WHERE meeting_id = ? AND comment <> '' ORDER BY rated_at",
        (meeting_id,),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def records(
    conn: Conn, unit_id: int, since: datetime, until: datetime, tz: tzinfo
) -> list[MeetingRecord]:
    """The cell's monthly meetings whose roll-call closed in [since, until), with attendance."""
    async with conn.execute(
        "SELECT id, starts_at FROM meetings WHERE unit_id = ? AND kind <> 'committee' "
        "AND rollcall_closed_at IS NOT NULL AND starts_at >= ? AND starts_at < ? "
        "ORDER BY starts_at",
        (unit_id, ts(since), ts(until)),
    ) as cur:
        held = [(r[0], dt(r[1])) for r in await cur.fetchall()]
    found = []
    for meeting_id, starts_at in held:
        rows = await attendance(conn, meeting_id)
        found.append(
            MeetingRecord(
                meeting_id=meeting_id,
                held_on=starts_at.astimezone(tz).date(),
                attendance={pid: status for pid, (status, _reason) in rows.items()},
            )
        )
    return found


async def my_record(
    conn: Conn, person_id: int, since: datetime, until: datetime
) -> list[tuple[int, datetime, str | None, str | None, str]]:
    """A person's meetings in a period: (meeting id, start, answer, attendance, reason)."""
    async with conn.execute(
        "SELECT m.id, m.starts_at, a.intent, t.status, COALESCE(t.reason, a.reason_text, '') "
        "FROM meetings m JOIN memberships ms ON ms.unit_id = m.unit_id AND ms.person_id = ? "
        "LEFT JOIN answers a ON a.meeting_id = m.id AND a.person_id = ? "
        "LEFT JOIN attendance t ON t.meeting_id = m.id AND t.person_id = ? "
        "WHERE m.kind <> 'committee' AND m.status = 'scheduled' "
        "AND m.starts_at >= ? AND m.starts_at < ? ORDER BY m.starts_at",
        (person_id, person_id, person_id, ts(since), ts(until)),
    ) as cur:
        return [(r[0], dt(r[1]), r[2], r[3], r[4] or "") for r in await cur.fetchall()]


async def keep_ratings_of(conn: Conn, meeting_id: int, person_ids: list[int]) -> None:
    """Drop the meeting's ratings by anyone not in `person_ids`."""
    marks = ",".join("?" * len(person_ids))
    where = f" AND person_id NOT IN ({marks})" if person_ids else ""
    await conn.execute(
        "DELETE FROM ratings WHERE meeting_id = ?" + where, (meeting_id, *person_ids)
    )
