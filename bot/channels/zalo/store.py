"""The Zalo channel's own tables: its inbox, the last offer of each chat, the files it serves."""

from __future__ import annotations

from datetime import datetime

from bot.storage._util import dt, ts
from bot.storage.db import Conn


async def keep(
    conn: Conn,
    key: str,
    chat_id: str,
    payload: str,
    now: datetime,
    worker: str | None = None,
) -> bool:
    """Store an update taken by `worker`; False when one with this key was stored before
    (Zalo repeats, or another process took it)."""
    cur = await conn.execute(
        "INSERT INTO zalo_inbox (key, chat_id, payload, received_at, worker) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (key, chat_id, payload, ts(now), worker),
    )
    return cur.rowcount > 0


async def unhandled(conn: Conn, worker: str) -> list[tuple[str, str]]:
    """The updates `worker` took but has not handled, in arrival order: (key, payload)."""
    async with conn.execute(
        "SELECT key, payload FROM zalo_inbox WHERE handled_at IS NULL AND worker = ? ORDER BY seq",
        (worker,),
    ) as cur:
        return [(str(row[0]), str(row[1])) async for row in cur]


async def hand_on(conn: Conn, dead: list[str], worker: str) -> int:
    """Give the unhandled updates of dead processes to `worker`; how many."""
    marks = ", ".join("?" for _ in dead)
    cur = await conn.execute(
        f"UPDATE zalo_inbox SET worker = ? WHERE handled_at IS NULL AND worker IN ({marks})",
        (worker, *dead),
    )
    return cur.rowcount


async def adopt(conn: Conn, worker: str) -> int:
    """Give `worker` the unhandled updates of nobody: stored before updates had a process, or
    left by a process that is no longer registered; how many."""
    cur = await conn.execute(
        "UPDATE zalo_inbox SET worker = ? WHERE handled_at IS NULL "
        "AND (worker IS NULL OR worker NOT IN (SELECT id FROM workers))",
        (worker,),
    )
    return cur.rowcount


async def handled(conn: Conn, key: str, now: datetime) -> None:
    """Mark an update handled."""
    await conn.execute("UPDATE zalo_inbox SET handled_at = ? WHERE key = ?", (ts(now), key))


async def purge(conn: Conn, before: datetime) -> int:
    """Forget handled updates and used or expired files older than this."""
    cur = await conn.execute(
        "DELETE FROM zalo_inbox WHERE handled_at IS NOT NULL AND received_at < ?", (ts(before),)
    )
    await conn.execute("DELETE FROM zalo_files WHERE expires_at < ?", (ts(before),))
    return cur.rowcount


async def offer(conn: Conn, chat_id: str, choices: str, now: datetime) -> None:
    """Record the choices just shown in a chat (JSON), replacing the earlier offer."""
    await conn.execute(
        "INSERT INTO zalo_offers (chat_id, choices, offered_at) VALUES (?, ?, ?) "
        "ON CONFLICT (chat_id) DO UPDATE SET choices = excluded.choices, "
        "offered_at = excluded.offered_at",
        (chat_id, choices, ts(now)),
    )


async def last_offer(conn: Conn, chat_id: str) -> tuple[str, datetime] | None:
    """The choices last shown in a chat (JSON) and when."""
    async with conn.execute(
        "SELECT choices, offered_at FROM zalo_offers WHERE chat_id = ?", (chat_id,)
    ) as cur:
        row = await cur.fetchone()
    return (str(row[0]), dt(str(row[1]))) if row else None


async def put_file(
    conn: Conn,
    token: str,
    name: str,
    is_photo: bool,
    data: bytes,
    expires_at: datetime,
    one_time: bool,
) -> None:
    """Keep a file to serve at /zalo/files/<token> until it expires."""
    await conn.execute(
        "INSERT INTO zalo_files (token, name, is_photo, data, expires_at, one_time) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (token, name, int(is_photo), data, ts(expires_at), int(one_time)),
    )


async def take_file(conn: Conn, token: str, now: datetime) -> tuple[str, bool, bytes] | None:
    """The file behind a token while it is valid (a one-time file is used up): name, photo?,
    data; None when unknown, expired or already downloaded."""
    async with conn.execute(
        "SELECT name, is_photo, data, expires_at, one_time, used_at FROM zalo_files "
        "WHERE token = ?",
        (token,),
    ) as cur:
        row = await cur.fetchone()
    if row is None or dt(str(row[3])) <= now or (row[4] and row[5] is not None):
        return None
    if row[4]:
        await conn.execute("UPDATE zalo_files SET used_at = ? WHERE token = ?", (ts(now), token))
    return str(row[0]), bool(row[1]), bytes(row[2])
