"""Queries over kiến nghị and the messages about them (rows of the one outbox)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.domain.meetings import Purpose
from bot.domain.petitions import (
    MessagePurpose,
    MessageState,
    Petition,
    PetitionMessage,
    PetitionStatus,
)
from bot.storage import outbox
from bot.storage._util import dt, maybe_dt, ts
from bot.storage.db import Conn, Row

_PETITION = (
    "SELECT id, unit_id, person_id, text, status, created_at, escalated_at, answered_at, "
    "answer, answered_by FROM petitions"
)
# Messages about a kiến nghị are outbox rows whose purpose is "petition_<purpose>" and whose
# ref is the kiến nghị's id.
_MESSAGE = (
    "SELECT id, CAST(ref AS INTEGER) AS petition_id, person_id, "
    "SUBSTR(purpose, 10) AS purpose, state, due_at AS created_at, sent_at FROM notices"
)


def _petition(row: Row) -> Petition:
    return Petition(
        id=row["id"],
        unit_id=row["unit_id"],
        person_id=row["person_id"],
        text=row["text"],
        status=PetitionStatus(row["status"]),
        created_at=dt(row["created_at"]),
        escalated_at=maybe_dt(row["escalated_at"]),
        answered_at=maybe_dt(row["answered_at"]),
        answer=row["answer"],
        answered_by=row["answered_by"],
    )


def _message(row: Row) -> PetitionMessage:
    return PetitionMessage(
        id=row["id"],
        petition_id=row["petition_id"],
        person_id=row["person_id"],
        purpose=MessagePurpose(row["purpose"]),
        state=MessageState(row["state"]),
        created_at=dt(row["created_at"]),
        sent_at=maybe_dt(row["sent_at"]),
    )


# Petitions -----------------------------------------------------------------------------------


async def insert(
    conn: Conn, *, unit_id: int, person_id: int, text: str, now: datetime
) -> Petition:
    """Store a new kiến nghị."""
    async with conn.execute(
        "INSERT INTO petitions (unit_id, person_id, text, status, created_at) "
        "VALUES (?, ?, ?, 'new', ?) RETURNING id",
        (unit_id, person_id, text, ts(now)),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    petition = await get(conn, int(row[0]))
    assert petition is not None
    return petition


async def get(conn: Conn, petition_id: int) -> Petition | None:
    """The kiến nghị with this id."""
    async with conn.execute(_PETITION + " WHERE id = ?", (petition_id,)) as cur:
        row = await cur.fetchone()
    return _petition(row) if row else None


async def of_person(conn: Conn, person_id: int, limit: int) -> list[Petition]:
    """A person's own kiến nghị, newest first."""
    async with conn.execute(
        _PETITION + " WHERE person_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        (person_id, limit),
    ) as cur:
        return [_petition(row) for row in await cur.fetchall()]


async def open_in_units(conn: Conn, unit_ids: Iterable[int]) -> list[Petition]:
    """The kiến nghị still waiting for an answer in these units, oldest first."""
    ids = sorted(set(unit_ids))
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    async with conn.execute(
        _PETITION + f" WHERE unit_id IN ({marks}) AND status IN ('new', 'escalated') "
        "ORDER BY created_at, id",
        ids,
    ) as cur:
        return [_petition(row) for row in await cur.fetchall()]


async def mark_escalated(conn: Conn, petition_id: int, now: datetime) -> bool:
    """Move a new kiến nghị to the cadres; False if it is no longer new."""
    cur = await conn.execute(
        "UPDATE petitions SET status = 'escalated', escalated_at = ? "
        "WHERE id = ? AND status = 'new'",
        (ts(now), petition_id),
    )
    return cur.rowcount == 1


async def mark_answered(
    conn: Conn, petition_id: int, *, answer: str, answered_by: int, now: datetime
) -> bool:
    """Record the answer to an open kiến nghị; False if it was answered already."""
    cur = await conn.execute(
        "UPDATE petitions SET status = 'answered', answered_at = ?, answer = ?, answered_by = ? "
        "WHERE id = ? AND status <> 'answered'",
        (ts(now), answer, answered_by, petition_id),
    )
    return cur.rowcount == 1


# Messages ------------------------------------------------------------------------------------


async def add_messages(
    conn: Conn,
    petition_id: int,
    person_ids: Iterable[int],
    purpose: MessagePurpose,
    now: datetime,
) -> int:
    """Queue messages to be sent; one already there for the same person and purpose stays."""
    return await outbox.add(
        conn,
        [
            outbox.NewMessage(pid, Purpose(f"petition_{purpose.value}"), str(petition_id), now)
            for pid in sorted(set(person_ids))
        ],
    )


async def told(conn: Conn, petition_id: int) -> set[int]:
    """The people a message about this kiến nghị reached (as leaders or cadres)."""
    async with conn.execute(
        "SELECT DISTINCT person_id FROM notices WHERE ref = ? AND state = 'sent' "
        "AND purpose IN ('petition_new', 'petition_escalated')",
        (str(petition_id),),
    ) as cur:
        return {row[0] for row in await cur.fetchall()}


async def of_petition(conn: Conn, petition_id: int) -> list[PetitionMessage]:
    """Every message about a kiến nghị, in the order written."""
    async with conn.execute(
        _MESSAGE + " WHERE ref = ? AND purpose LIKE 'petition_%' ORDER BY id",
        (str(petition_id),),
    ) as cur:
        return [_message(row) for row in await cur.fetchall()]
