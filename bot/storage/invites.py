"""Queries over invite codes and the codes chats have tried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.invites import new_code
from bot.domain.models import Invite
from bot.storage._util import dt, maybe_dt, ts
from bot.storage.db import Conn, Row

# Drawing a taken code again this many times in a row means the generator is broken.
_MAX_DRAWS = 50
# How long the tries are kept: the limits look back a day, the admin's count a week.
KEEP_TRIES = timedelta(days=31)

_SELECT = "SELECT code, person_id, created_at, expires_at, used_at FROM invites"


def _invite(row: Row) -> Invite:
    return Invite(
        code=row["code"],
        person_id=row["person_id"],
        created_at=dt(row["created_at"]),
        expires_at=dt(row["expires_at"]),
        used_at=maybe_dt(row["used_at"]),
    )


async def get(conn: Conn, code: str) -> Invite | None:
    """The invite with this code."""
    async with conn.execute(_SELECT + " WHERE code = ?", (code,)) as cur:
        row = await cur.fetchone()
    return _invite(row) if row else None


async def open_for(conn: Conn, person_id: int, now: datetime) -> Invite | None:
    """The person's newest invite that is neither used nor expired."""
    async with conn.execute(
        _SELECT + " WHERE person_id = ? AND used_at IS NULL AND expires_at > ? "
        "ORDER BY created_at DESC LIMIT 1",
        (person_id, ts(now)),
    ) as cur:
        row = await cur.fetchone()
    return _invite(row) if row else None


async def insert(
    conn: Conn, *, code: str, person_id: int, now: datetime, expires_at: datetime
) -> Invite:
    """Store a new invite under ``code``, or under a fresh code if that one is taken.

    8-digit codes collide now and then (two in a province's 200,000 would be no surprise), and
    a code is never reused, even after it expired: an old card must not link someone else.
    """
    for _draw in range(_MAX_DRAWS):
        async with conn.execute(
            "INSERT INTO invites (code, person_id, created_at, expires_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (code) DO NOTHING",
            (code, person_id, ts(now), ts(expires_at)),
        ) as cur:
            if cur.rowcount == 1:
                break
        code = new_code()
    else:
        raise RuntimeError("no free invite code after many draws")
    return Invite(
        code=code, person_id=person_id, created_at=now, expires_at=expires_at, used_at=None
    )


async def expire_open(conn: Conn, person_id: int, now: datetime) -> None:
    """End every open invite of a person, so that only a newer one works."""
    await conn.execute(
        "UPDATE invites SET expires_at = ? WHERE person_id = ? AND used_at IS NULL "
        "AND expires_at > ?",
        (ts(now), person_id, ts(now)),
    )


async def mark_used(conn: Conn, code: str, used_by: str, now: datetime) -> None:
    """Record that an invite has been used, and by which account."""
    await conn.execute(
        "UPDATE invites SET used_at = ?, used_by = ? WHERE code = ?", (ts(now), used_by, code)
    )


async def replaced(conn: Conn, invite: Invite) -> bool:
    """Whether a newer code for the same person was issued while this one was still live.

    Issuing a code ends the person's open ones at that moment (expire_open), so a code that
    ran out on its own has no newer code issued before its end.
    """
    async with conn.execute(
        "SELECT 1 FROM invites WHERE person_id = ? AND code <> ? "
        "AND created_at >= ? AND created_at <= ? LIMIT 1",
        (invite.person_id, invite.code, ts(invite.created_at), ts(invite.expires_at)),
    ) as cur:
        return await cur.fetchone() is not None


async def live_count(conn: Conn, now: datetime) -> int:
    """How many codes could still link someone."""
    async with conn.execute(
        "SELECT COUNT(*) FROM invites WHERE used_at IS NULL AND expires_at > ?", (ts(now),)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def record_try(
    conn: Conn,
    *,
    channel: str,
    external_id: str,
    now: datetime,
    outcome: str,
    wrong: bool,
    refused: bool,
) -> None:
    """Remember one code a chat presented; tries older than KEEP_TRIES go."""
    await conn.execute(
        "INSERT INTO link_tries (at, channel, external_id, outcome, wrong, refused) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (ts(now), channel, external_id, outcome, int(wrong), int(refused)),
    )
    await conn.execute("DELETE FROM link_tries WHERE at < ?", (ts(now - KEEP_TRIES),))


async def wrong_tries(
    conn: Conn,
    since: datetime,
    *,
    newest: int,
    channel: str | None = None,
    external_id: str | None = None,
) -> list[datetime]:
    """The moments of the ``newest`` wrong codes since then, oldest first; one chat's or all."""
    where, params = "wrong = 1 AND at >= ?", [ts(since)]
    if channel is not None and external_id is not None:
        where += " AND channel = ? AND external_id = ?"
        params += [channel, external_id]
    async with conn.execute(
        f"SELECT at FROM link_tries WHERE {where} ORDER BY at DESC, id DESC LIMIT ?",
        (*params, newest),
    ) as cur:
        rows = await cur.fetchall()
    return [dt(row[0]) for row in reversed(list(rows))]


@dataclass(frozen=True)
class TryCounts:
    """What the admin reads about codes tried since a moment."""

    tries: int
    wrong: int
    refused: int
    linked: int
    chats: int  # distinct chats that tried a wrong code


async def try_counts(conn: Conn, since: datetime) -> TryCounts:
    """Codes tried since then: all, wrong, turned away, linked, and by how many chats."""
    async with conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(wrong), 0), COALESCE(SUM(refused), 0), "
        "COALESCE(SUM(CASE WHEN outcome = 'linked' THEN 1 ELSE 0 END), 0), "
        "COUNT(DISTINCT CASE WHEN wrong = 1 THEN channel || ':' || external_id END) "
        "FROM link_tries WHERE at >= ?",
        (ts(since),),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return TryCounts(*(int(value) for value in row))


async def audited(conn: Conn, action: str, since: datetime) -> int:
    """How many audit rows of this linking action since then (chats locked, brakes)."""
    async with conn.execute(
        "SELECT COUNT(*) FROM audit_log WHERE action = ? AND at >= ?", (action, ts(since))
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
