"""Queries over chat accounts: which chat belongs to which person."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.domain.models import ChatAccount
from bot.storage._util import dt, maybe_dt, ts
from bot.storage.db import Conn, Row

_COLUMNS = "channel, external_id, person_id, reachable, linked_at, language_code, last_seen_at"
_SELECT = f"SELECT {_COLUMNS} FROM chat_accounts"


def _account(row: Row) -> ChatAccount:
    return ChatAccount(
        channel=row["channel"],
        external_id=row["external_id"],
        person_id=row["person_id"],
        reachable=bool(row["reachable"]),
        linked_at=dt(row["linked_at"]),
        language_code=row["language_code"],
        last_seen_at=maybe_dt(row["last_seen_at"]),
    )


async def get(conn: Conn, channel: str, external_id: str) -> ChatAccount | None:
    """The account with this id on this channel."""
    async with conn.execute(
        _SELECT + " WHERE channel = ? AND external_id = ?", (channel, external_id)
    ) as cur:
        row = await cur.fetchone()
    return _account(row) if row else None


async def of_person(conn: Conn, channel: str, person_id: int) -> ChatAccount | None:
    """The person's account on this channel, if linked."""
    async with conn.execute(
        _SELECT + " WHERE channel = ? AND person_id = ?", (channel, person_id)
    ) as cur:
        row = await cur.fetchone()
    return _account(row) if row else None


async def of_people(conn: Conn, channel: str, person_ids: Iterable[int]) -> dict[int, ChatAccount]:
    """The accounts on this channel of these people, by person id (the unlinked left out)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    async with conn.execute(
        _SELECT + f" WHERE channel = ? AND person_id IN ({marks})", (channel, *ids)
    ) as cur:
        return {account.person_id: account for account in map(_account, await cur.fetchall())}


async def of_unit(conn: Conn, channel: str, unit_id: int) -> list[ChatAccount]:
    """The accounts of everyone in a unit on one channel."""
    return [a for a in await of_unit_everywhere(conn, unit_id) if a.channel == channel]


async def of_unit_everywhere(conn: Conn, unit_id: int) -> list[ChatAccount]:
    """The accounts of everyone in a unit, on every channel."""
    async with conn.execute(
        "SELECT a.channel, a.external_id, a.person_id, a.reachable, a.linked_at, "
        "a.language_code, a.last_seen_at "
        "FROM chat_accounts a JOIN memberships m ON m.person_id = a.person_id "
        "WHERE m.unit_id = ?",
        (unit_id,),
    ) as cur:
        return [_account(row) for row in await cur.fetchall()]


async def insert(
    conn: Conn,
    *,
    channel: str,
    external_id: str,
    person_id: int,
    language_code: str | None,
    now: datetime,
) -> ChatAccount:
    """Link an account to a person."""
    await conn.execute(
        "INSERT INTO chat_accounts (channel, external_id, person_id, language_code, linked_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (channel, external_id, person_id, language_code, ts(now)),
    )
    return ChatAccount(
        channel=channel,
        external_id=external_id,
        person_id=person_id,
        reachable=True,
        linked_at=now.replace(microsecond=0),
        language_code=language_code,
    )


async def set_reachable(conn: Conn, channel: str, external_id: str, reachable: bool) -> None:
    """Mark an account reachable again, or not (the person blocked the bot)."""
    await conn.execute(
        "UPDATE chat_accounts SET reachable = ? WHERE channel = ? AND external_id = ?",
        (int(reachable), channel, external_id),
    )


async def seen(conn: Conn, channel: str, external_id: str, now: datetime) -> None:
    """Note that a message came from this account now (called for every incoming message)."""
    await conn.execute(
        "UPDATE chat_accounts SET last_seen_at = ? WHERE channel = ? AND external_id = ?",
        (ts(now), channel, external_id),
    )


async def all_of_person(conn: Conn, person_id: int) -> list[ChatAccount]:
    """Every account of a person, on every channel, the most recently used first."""
    async with conn.execute(
        _SELECT + " WHERE person_id = ? "
        "ORDER BY COALESCE(last_seen_at, linked_at) DESC, linked_at DESC, channel",
        (person_id,),
    ) as cur:
        return [_account(row) for row in await cur.fetchall()]


async def preferred_account(conn: Conn, person_id: int) -> ChatAccount | None:
    """The reachable account the person used most recently: where their notices go.

    An account never written from since linking counts as used when it was linked.
    """
    return next((a for a in await all_of_person(conn, person_id) if a.reachable), None)


async def preferred_of_people(conn: Conn, person_ids: Iterable[int]) -> dict[int, ChatAccount]:
    """Where each of these people's messages go: their reachable account used most recently,
    else (all unreachable) the one used most recently; the unlinked left out."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    async with conn.execute(
        _SELECT + f" WHERE person_id IN ({marks}) "
        "ORDER BY reachable, COALESCE(last_seen_at, linked_at), linked_at, channel",
        ids,
    ) as cur:
        # Later rows win: reachable after unreachable, recent after old, Zalo on a tie.
        return {account.person_id: account for account in map(_account, await cur.fetchall())}


async def all_of_unit(conn: Conn, unit_id: int) -> dict[int, list[ChatAccount]]:
    """Every account of everyone in a unit, on every channel, by person id."""
    found: dict[int, list[ChatAccount]] = {}
    async with conn.execute(
        "SELECT a.channel, a.external_id, a.person_id, a.reachable, a.linked_at, "
        "a.language_code, a.last_seen_at "
        "FROM chat_accounts a JOIN memberships m ON m.person_id = a.person_id "
        "WHERE m.unit_id = ? ORDER BY a.person_id, a.channel",
        (unit_id,),
    ) as cur:
        for row in await cur.fetchall():
            account = _account(row)
            found.setdefault(account.person_id, []).append(account)
    return found
