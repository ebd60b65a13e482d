"""The outbox: every message the bot starts is a row here before it is sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.meetings import Notice, NoticeState, Purpose
from bot.storage._util import dt, ts
from bot.storage.db import Conn
from bot.storage.dialect import POSTGRESQL
from bot.storage.meetings import _NOTICE, _notice


@dataclass(frozen=True)
class NewMessage:
    """A message not about a meeting, to be sent to a person from `due_at` on."""

    person_id: int
    purpose: Purpose
    ref: str
    due_at: datetime


async def add(conn: Conn, messages: Iterable[NewMessage]) -> int:
    """Queue messages not about a meeting; one already queued stays as it is."""
    return await conn.executemany(
        "INSERT INTO notices (person_id, purpose, ref, due_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [(m.person_id, m.purpose.value, m.ref, ts(m.due_at)) for m in messages],
    )


async def queued(conn: Conn, purposes: Iterable[Purpose], ref: str) -> list[Notice]:
    """Every message of these purposes about `ref` (a kiến nghị, a month)."""
    wanted = [p.value for p in purposes]
    marks = ", ".join("?" for _ in wanted)
    async with conn.execute(
        _NOTICE + f" WHERE ref = ? AND purpose IN ({marks}) ORDER BY id", (ref, *wanted)
    ) as cur:
        return [_notice(row) for row in await cur.fetchall()]


async def set_state(
    conn: Conn, notice_ids: Sequence[int], state: NoticeState, error: str = ""
) -> None:
    """Close waiting messages that no longer need to go (skipped) without sending them."""
    await conn.executemany(
        "UPDATE notices SET state = ?, error = ? WHERE id = ? AND state = 'pending'",
        [(state.value, error, notice_id) for notice_id in notice_ids],
    )


# PostgreSQL: how many due rows per row wanted a claim looks at to find people no other
# process is claiming (enough for about ten claims at once).
CANDIDATES = 10


async def claim_due(
    conn: Conn,
    now: datetime,
    limit: int,
    skip_people: Iterable[int] = (),
    *,
    by: str = "",
    skip_locked: bool = False,
) -> list[Notice]:
    """Take up to `limit` due notices for the process `by`, marking them as being sent.

    None for `skip_people`. With `skip_locked` (PostgreSQL, claims of several processes side
    by side) a claim first locks the people it will write to, passing over those another
    claim holds, then takes only their rows: everything due to one person (a cadre's notices
    of the day, which go in one message) is claimed by one process, never split between two.
    """
    skip = sorted(set(skip_people))
    others = f" AND person_id NOT IN ({', '.join('?' for _ in skip)})" if skip else ""
    where = f" WHERE state = 'pending' AND due_at <= ?{others}"
    params: tuple[object, ...] = (ts(now), *skip)
    if skip_locked:
        # The first due rows are those other claims are taking at this moment: look further
        # down the queue, so that each of several processes finds people of its own.
        async with conn.execute(
            f"SELECT person_id FROM notices{where} ORDER BY due_at, id LIMIT ?",
            (*params, limit * CANDIDATES),
        ) as cur:
            wanted = list(dict.fromkeys(int(row[0]) for row in await cur.fetchall()))
        if not wanted:
            return []
        # In due order, the first `limit` nobody else holds; NO KEY UPDATE, so the planner
        # may still add rows for these people meanwhile.
        async with conn.execute(
            "SELECT p.id FROM people p JOIN unnest(?::bigint[]) WITH ORDINALITY AS w(id, n) "
            "ON p.id = w.id ORDER BY w.n LIMIT ? FOR NO KEY UPDATE OF p SKIP LOCKED",
            (wanted, limit),
        ) as cur:
            held = [int(row[0]) for row in await cur.fetchall()]
        if not held:
            return []
        where += f" AND person_id IN ({', '.join('?' for _ in held)})"
        params = (*params, *held)
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    async with conn.execute(
        _NOTICE + f"{where} ORDER BY due_at, id LIMIT ?{lock}", (*params, limit)
    ) as cur:
        due = [_notice(row) for row in await cur.fetchall()]
    await conn.executemany(
        "UPDATE notices SET state = 'sending', attempts = attempts + 1, claimed_by = ? "
        "WHERE id = ?",
        [(by or None, n.id) for n in due],
    )
    return due


async def finish(
    conn: Conn,
    notice_id: int,
    state: NoticeState,
    *,
    now: datetime,
    message_id: str | None = None,
    error: str = "",
    channel: str | None = None,
) -> None:
    """Record how sending a notice ended (and on which channel it went)."""
    await conn.execute(
        "UPDATE notices SET state = ?, sent_at = ?, message_id = ?, error = ?, "
        "channel = COALESCE(?, channel) WHERE id = ?",
        (state.value, ts(now), message_id, error[:500], channel, notice_id),
    )


async def sent_many(conn: Conn, sent: Sequence[tuple[int, str, str]], now: datetime) -> None:
    """Record notices (id, message id, channel) as sent."""
    await conn.executemany(
        "UPDATE notices SET state = 'sent', sent_at = ?, message_id = ?, channel = ?, "
        "error = '' WHERE id = ?",
        # In id order: two writers over the same rows take their locks in one order.
        [
            (ts(now), message_id, channel, notice_id)
            for notice_id, message_id, channel in sorted(sent)
        ],
    )


async def postpone(conn: Conn, notice_id: int, until: datetime, error: str = "") -> None:
    """Put a notice back in the queue, to be tried again later."""
    await conn.execute(
        "UPDATE notices SET state = 'pending', due_at = ?, error = ?, claimed_by = NULL "
        "WHERE id = ?",
        (ts(until), error[:500], notice_id),
    )


async def unclaim(conn: Conn, notice_id: int) -> None:
    """A claimed notice back to the queue, due as it was; the claim was not a try."""
    await conn.execute(
        "UPDATE notices SET state = 'pending', attempts = attempts - 1, claimed_by = NULL "
        "WHERE id = ? AND state = 'sending'",
        (notice_id,),
    )


async def release_claims(conn: Conn, dead: Sequence[str]) -> int:
    """Notices the processes `dead` claimed and never confirmed go back to the queue.

    So do those claimed by no process (before claims named one); how many went back.
    """
    marks = ", ".join("?" for _ in dead)
    theirs = f"claimed_by IN ({marks}) OR " if dead else ""
    cur = await conn.execute(
        "UPDATE notices SET state = 'pending', claimed_by = NULL "
        f"WHERE state = 'sending' AND ({theirs}claimed_by IS NULL)",
        tuple(dead),
    )
    return cur.rowcount


async def release_orphans(conn: Conn) -> int:
    """Notices claimed by a process no longer registered (or by none) go back to the queue."""
    cur = await conn.execute(
        "UPDATE notices SET state = 'pending', claimed_by = NULL WHERE state = 'sending' "
        "AND (claimed_by IS NULL OR claimed_by NOT IN (SELECT id FROM workers))"
    )
    return cur.rowcount


async def any_due(conn: Conn, now: datetime) -> bool:
    """Whether some notice is waiting to go out now."""
    async with conn.execute(
        "SELECT 1 FROM notices WHERE state = 'pending' AND due_at <= ? LIMIT 1", (ts(now),)
    ) as cur:
        return await cur.fetchone() is not None


async def next_due(conn: Conn) -> datetime | None:
    """When the earliest waiting notice is due."""
    async with conn.execute("SELECT MIN(due_at) FROM notices WHERE state = 'pending'") as cur:
        row = await cur.fetchone()
    return dt(row[0]) if row and row[0] else None


async def make_due(conn: Conn, meeting_id: int, purpose: Purpose, now: datetime) -> None:
    """Waiting messages of this purpose about a meeting go now rather than later."""
    await conn.execute(
        "UPDATE notices SET due_at = ? WHERE meeting_id = ? AND purpose = ? AND state = 'pending'",
        (ts(now), meeting_id, purpose.value),
    )


async def told(conn: Conn, meeting_id: int, purpose: Purpose) -> set[int]:
    """The people a message of this purpose about the meeting reached."""
    async with conn.execute(
        "SELECT DISTINCT person_id FROM notices WHERE meeting_id = ? AND purpose = ? "
        "AND state = 'sent'",
        (meeting_id, purpose.value),
    ) as cur:
        return {row[0] for row in await cur.fetchall()}


async def prune(conn: Conn, before: datetime) -> int:
    """Delete finished delivery rows older than `before`; returns how many went.

    A row about a meeting goes with its meeting's age (the notices of a meeting younger than
    `before` are the scorecard's evidence that it was announced); any other row with its
    due time. Rows still waiting or being sent stay.
    """
    cutoff = ts(before)
    cur = await conn.execute(
        "DELETE FROM notices WHERE state IN ('sent', 'skipped', 'failed', 'dropped') AND ("
        "(meeting_id IS NULL AND due_at < ?) OR "
        "meeting_id IN (SELECT id FROM meetings WHERE starts_at < ?))",
        (cutoff, cutoff),
    )
    return cur.rowcount


async def cadre_day(
    conn: Conn,
    person_id: int,
    before: datetime,
    *,
    besides: int,
    claimed: Sequence[int] = (),
) -> list[Notice]:
    """A person's other notices about meetings due before `before`: waiting, or among
    `claimed` (this batch's)."""
    marks = ", ".join("?" for _ in claimed) or "NULL"
    async with conn.execute(
        _NOTICE + " WHERE person_id = ? AND purpose = 'notice' AND meeting_id IS NOT NULL "
        f"AND due_at < ? AND id != ? AND (state = 'pending' OR id IN ({marks})) "
        f"ORDER BY due_at, id{_skip_locked(conn)}",
        (person_id, ts(before), besides, *claimed),
    ) as cur:
        return [_notice(row) for row in await cur.fetchall()]


async def take(conn: Conn, notice_ids: Sequence[int], *, by: str = "") -> set[int]:
    """Claim waiting notices that go out inside another message, for the process `by`.

    The ids it took: with several processes, another may have claimed one a moment before.
    """
    taken: set[int] = set()
    # On PostgreSQL a row another process is claiming is passed over, not waited for (two
    # claims each waiting for the other's rows would deadlock).
    mine = (
        "id = (SELECT id FROM notices WHERE id = ? AND state = 'pending' FOR UPDATE SKIP LOCKED)"
        if conn.dialect == "postgresql"
        else "id = ? AND state = 'pending'"
    )
    for notice_id in notice_ids:
        cur = await conn.execute(
            "UPDATE notices SET state = 'sending', attempts = attempts + 1, claimed_by = ? "
            f"WHERE {mine}",
            (by or None, notice_id),
        )
        if cur.rowcount > 0:
            taken.add(notice_id)
    return taken


def _skip_locked(conn: Conn) -> str:
    """On PostgreSQL, where claims run side by side: lock the person's rows a claim reads to
    take, passing over any another unit of work is changing (no claim waits, so none
    deadlocks); other claims keep off this person's rows already (see `claim_due`)."""
    return " FOR UPDATE SKIP LOCKED" if conn.dialect == POSTGRESQL else ""


async def of_person_due(
    conn: Conn,
    person_id: int,
    purposes: Sequence[Purpose],
    now: datetime,
    *,
    besides: int,
    claimed: Sequence[int] = (),
) -> list[Notice]:
    """A person's other messages of these purposes due by `now`: waiting, or among
    `claimed` (this batch's)."""
    kinds = ", ".join("?" for _ in purposes)
    marks = ", ".join("?" for _ in claimed) or "NULL"
    async with conn.execute(
        _NOTICE + f" WHERE person_id = ? AND purpose IN ({kinds}) AND due_at <= ? AND id != ? "
        f"AND (state = 'pending' OR id IN ({marks})) ORDER BY due_at, id{_skip_locked(conn)}",
        (person_id, *(p.value for p in purposes), ts(now), besides, *claimed),
    ) as cur:
        return [_notice(row) for row in await cur.fetchall()]


async def defer(conn: Conn, notice_id: int, until: datetime) -> None:
    """A claimed notice back to the queue, due later; the claim was not a try."""
    await conn.execute(
        "UPDATE notices SET state = 'pending', attempts = attempts - 1, due_at = ?, "
        "claimed_by = NULL WHERE id = ? AND state = 'sending'",
        (ts(until), notice_id),
    )
