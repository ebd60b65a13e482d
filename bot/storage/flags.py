"""Flags raised to a cell's leaders and cadres: raised once, cleared when they no longer hold."""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.rules import Flag
from bot.storage.db import Conn

# A flag as the messages about it need it: kind, params and the member it is about (if any).
Raised = tuple[str, dict[str, str], int | None]


async def open_keys(conn: Conn, unit_id: int) -> list[str]:
    """The keys of a cell's flags that still hold."""
    async with conn.execute(
        "SELECT key FROM flags WHERE unit_id = ? AND cleared_at IS NULL", (unit_id,)
    ) as cur:
        return [row[0] for row in await cur.fetchall()]


async def holds(conn: Conn, key: str) -> Raised | None:
    """The flag with this key, if it still holds."""
    async with conn.execute(
        "SELECT kind, params, person_id FROM flags WHERE key = ? AND cleared_at IS NULL", (key,)
    ) as cur:
        row = await cur.fetchone()
    return (row[0], json.loads(row[1]), row[2]) if row else None


async def of_unit(conn: Conn, unit_id: int) -> list[Raised]:
    """A cell's flags that still hold, oldest first."""
    async with conn.execute(
        "SELECT kind, params, person_id FROM flags WHERE unit_id = ? AND cleared_at IS NULL "
        "ORDER BY raised_at",
        (unit_id,),
    ) as cur:
        return [(r[0], json.loads(r[1]), r[2]) for r in await cur.fetchall()]


async def clear(conn: Conn, key: str, now: datetime) -> None:
    """The flag no longer holds."""
    await conn.execute("UPDATE flags SET cleared_at = ? WHERE key = ?", (now.isoformat(), key))


async def raise_(conn: Conn, flag: Flag, now: datetime) -> None:
    """Store a flag that holds (raised again if it had been cleared)."""
    await conn.execute(
        "INSERT INTO flags (key, unit_id, kind, person_id, meeting_id, params, raised_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET cleared_at = NULL",
        (
            flag.key,
            flag.unit_id,
            flag.kind.value,
            flag.person_id,
            flag.meeting_id,
            json.dumps(dict(flag.params), ensure_ascii=False),
            now.isoformat(),
        ),
    )
