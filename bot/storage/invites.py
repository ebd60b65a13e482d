"""Queries over invite codes."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.models import Invite
from bot.storage._util import dt, maybe_dt, ts

_SELECT = "SELECT code, person_id, created_at, expires_at, used_at FROM invites"


def _invite(row: aiosqlite.Row) -> Invite:
    return Invite(
        code=row["code"],
        person_id=row["person_id"],
        created_at=dt(row["created_at"]),
        expires_at=dt(row["expires_at"]),
        used_at=maybe_dt(row["used_at"]),
    )


async def get(conn: aiosqlite.Connection, code: str) -> Invite | None:
    """The invite with this code."""
    async with conn.execute(_SELECT + " WHERE code = ?", (code,)) as cur:
        row = await cur.fetchone()
    return _invite(row) if row else None


async def open_for(conn: aiosqlite.Connection, person_id: int, now: datetime) -> Invite | None:
    """The person's newest invite that is neither used nor expired."""
    async with conn.execute(
        _SELECT + " WHERE person_id = ? AND used_at IS NULL AND expires_at > ? "
        "ORDER BY created_at DESC LIMIT 1",
        (person_id, ts(now)),
    ) as cur:
        row = await cur.fetchone()
    return _invite(row) if row else None


async def insert(
    conn: aiosqlite.Connection, *, code: str, person_id: int, now: datetime, expires_at: datetime
) -> Invite:
    """Store a new invite."""
    await conn.execute(
        "INSERT INTO invites (code, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (code, person_id, ts(now), ts(expires_at)),
    )
    return Invite(
        code=code, person_id=person_id, created_at=now, expires_at=expires_at, used_at=None
    )


async def expire_open(conn: aiosqlite.Connection, person_id: int, now: datetime) -> None:
    """End every open invite of a person, so that only a newer one works."""
    await conn.execute(
        "UPDATE invites SET expires_at = ? WHERE person_id = ? AND used_at IS NULL "
        "AND expires_at > ?",
        (ts(now), person_id, ts(now)),
    )


async def mark_used(conn: aiosqlite.Connection, code: str, used_by: str, now: datetime) -> None:
    """Record that an invite has been used, and by which account."""
    await conn.execute(
        "UPDATE invites SET used_at = ?, used_by = ? WHERE code = ?", (ts(now), used_by, code)
    )
