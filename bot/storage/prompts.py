"""What the bot waits for from a person: their next text is read as that."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage._util import dt, ts
from bot.storage.db import Conn


@dataclass(frozen=True)
class Prompt:
    """The bot asked this person for free text: `kind` says what for, `ref` about what."""

    person_id: int
    kind: str
    ref: int
    created_at: datetime
    expires_at: datetime


async def expect(
    conn: Conn,
    person_id: int,
    kind: str,
    ref: int,
    *,
    now: datetime,
    until: datetime,
) -> None:
    """Wait for this person's next text as `kind` about `ref` (replacing what was awaited)."""
    await conn.execute(
        "INSERT INTO prompts (person_id, kind, ref, created_at, expires_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (person_id) DO UPDATE SET kind = excluded.kind, ref = excluded.ref,"
        " created_at = excluded.created_at, expires_at = excluded.expires_at",
        (person_id, kind, ref, ts(now), ts(until)),
    )


async def waiting(conn: Conn, person_id: int, now: datetime) -> Prompt | None:
    """What the bot waits for from this person, if it has not expired."""
    async with conn.execute(
        "SELECT person_id, kind, ref, created_at, expires_at FROM prompts "
        "WHERE person_id = ? AND expires_at > ?",
        (person_id, ts(now)),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return Prompt(row[0], row[1], row[2], dt(row[3]), dt(row[4]))


async def done(conn: Conn, person_id: int) -> bool:
    """Stop waiting; whether something was awaited."""
    cur = await conn.execute("DELETE FROM prompts WHERE person_id = ?", (person_id,))
    return cur.rowcount > 0
