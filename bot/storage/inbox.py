"""The inbox: raw updates kept from the moment they are fetched until they are handled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.storage._util import ts
from bot.storage.db import Conn


async def keep(
    conn: Conn, channel: str, updates: Iterable[tuple[int, str]], now: datetime
) -> None:
    """Store fetched updates (id, payload); one already kept is left as it is."""
    await conn.executemany(
        "INSERT INTO inbox (channel, update_id, payload, received_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (channel, update_id) DO NOTHING",
        [(channel, update_id, payload, ts(now)) for update_id, payload in updates],
    )


async def unhandled(conn: Conn, channel: str) -> list[tuple[int, str]]:
    """Updates kept but not handled, oldest first."""
    async with conn.execute(
        "SELECT update_id, payload FROM inbox WHERE channel = ? AND handled_at IS NULL "
        "ORDER BY update_id",
        (channel,),
    ) as cur:
        return [(int(row[0]), str(row[1])) async for row in cur]


async def last_id(conn: Conn, channel: str) -> int:
    """The highest update id kept (0 when none)."""
    async with conn.execute(
        "SELECT MAX(update_id) FROM inbox WHERE channel = ?", (channel,)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


async def is_handled(conn: Conn, channel: str, update_id: int) -> bool:
    """Whether this update was handled already."""
    async with conn.execute(
        "SELECT 1 FROM inbox WHERE channel = ? AND update_id = ? AND handled_at IS NOT NULL",
        (channel, update_id),
    ) as cur:
        return await cur.fetchone() is not None


async def handled(conn: Conn, channel: str, update_id: int, now: datetime) -> None:
    """Mark an update handled."""
    await conn.execute(
        "UPDATE inbox SET handled_at = ? WHERE channel = ? AND update_id = ?",
        (ts(now), channel, update_id),
    )


async def purge(conn: Conn, before: datetime) -> int:
    """Forget handled updates received before this time; returns how many."""
    cur = await conn.execute(
        "DELETE FROM inbox WHERE handled_at IS NOT NULL AND received_at < ?", (ts(before),)
    )
    return cur.rowcount
