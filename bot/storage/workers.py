"""Running processes and the leases they hold, for several processes on one database."""

from __future__ import annotations

from datetime import datetime

from bot.storage._util import ts
from bot.storage.db import Conn


async def register(conn: Conn, worker_id: str, host: str, pid: int, now: datetime) -> None:
    """A process starts: it is alive from now."""
    await conn.execute(
        "INSERT INTO workers (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)",
        (worker_id, host, pid, ts(now), ts(now)),
    )


async def seen(conn: Conn, worker_id: str, now: datetime) -> bool:
    """A process says it is alive; False when others had already given it up for dead."""
    cur = await conn.execute("UPDATE workers SET seen_at = ? WHERE id = ?", (ts(now), worker_id))
    return cur.rowcount > 0


async def dead(conn: Conn, since: datetime) -> list[str]:
    """Processes not seen since `since`."""
    async with conn.execute(
        "SELECT id FROM workers WHERE seen_at < ? ORDER BY id", (ts(since),)
    ) as cur:
        return [str(row[0]) for row in await cur.fetchall()]


async def registered(conn: Conn) -> list[tuple[str, str, int]]:
    """Every registered process: (id, host, pid)."""
    async with conn.execute("SELECT id, host, pid FROM workers ORDER BY id") as cur:
        return [(str(row[0]), str(row[1]), int(row[2])) for row in await cur.fetchall()]


async def alive(conn: Conn, since: datetime) -> list[str]:
    """Processes seen since `since`."""
    async with conn.execute(
        "SELECT id FROM workers WHERE seen_at >= ? ORDER BY id", (ts(since),)
    ) as cur:
        return [str(row[0]) for row in await cur.fetchall()]


async def forget(conn: Conn, worker_id: str) -> None:
    """A process is gone (stopped, or found dead and its work handed on)."""
    await conn.execute("DELETE FROM workers WHERE id = ?", (worker_id,))
    await conn.execute("DELETE FROM leases WHERE holder = ?", (worker_id,))


async def take(conn: Conn, name: str, worker_id: str, now: datetime, until: datetime) -> bool:
    """Take or renew the lease `name` until `until`; False while another process holds it."""
    cur = await conn.execute(
        "UPDATE leases SET holder = ?, until = ? WHERE name = ? AND (holder = ? OR until < ?)",
        (worker_id, ts(until), name, worker_id, ts(now)),
    )
    if cur.rowcount > 0:
        return True
    cur = await conn.execute(
        "INSERT INTO leases (name, holder, until) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (name, worker_id, ts(until)),
    )
    return cur.rowcount > 0


async def give_up(conn: Conn, name: str, worker_id: str) -> None:
    """Release the lease `name` if this process holds it."""
    await conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, worker_id))


async def holder(conn: Conn, name: str, now: datetime) -> str | None:
    """Who holds the lease `name` now (None when nobody does)."""
    async with conn.execute(
        "SELECT holder FROM leases WHERE name = ? AND until >= ?", (name, ts(now))
    ) as cur:
        row = await cur.fetchone()
    return str(row[0]) if row else None
