"""The audit log: who changed what, and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.storage._util import dt, ts
from bot.storage.db import Conn


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: str


async def record(
    conn: Conn,
    *,
    now: datetime,
    actor: str,
    action: str,
    subject: str,
    detail: str = "",
) -> None:
    """Write one entry."""
    await conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (ts(now), actor, action, subject, detail),
    )


async def recent(conn: Conn, limit: int = 50) -> list[AuditEntry]:
    """The newest entries first."""
    async with conn.execute(
        "SELECT at, actor, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT ?",
        (limit,),
    ) as cur:
        rows = await cur.fetchall()
    return [AuditEntry(dt(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


async def record_many(
    conn: Conn,
    *,
    now: datetime,
    actor: str,
    entries: Iterable[tuple[str, str, str]],
) -> None:
    """Write several entries (action, subject, detail) at once."""
    await conn.executemany(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        [(ts(now), actor, action, subject, detail) for action, subject, detail in entries],
    )
