"""Queries over cell slots, meetings, the notice outbox and answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from bot.domain.meetings import (
    Answer,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeState,
    Purpose,
)
from bot.domain.replies import Intent, ReasonKind
from bot.domain.schedule import MeetingKind, Slot
from bot.storage._util import dt, maybe_dt, ts
from bot.storage.db import Conn, Row

_MEETING = (
    "SELECT id, unit_id, kind, month, starts_at, place, topic, status, cancel_reason, revision, "
    "started_at, rollcall_closed_at, ended_at FROM meetings"
)
_NOTICE = (
    "SELECT id, meeting_id, person_id, purpose, revision, offset_minutes, due_at, state, "
    "attempts, ref FROM notices"
)
_ANSWER = (
    "SELECT meeting_id, person_id, intent, reason_kind, reason_text, via, answered_at FROM answers"
)


def _meeting(row: Row) -> Meeting:
    return Meeting(
        id=row["id"],
        unit_id=row["unit_id"],
        kind=MeetingKind(row["kind"]),
        month=row["month"],
        starts_at=dt(row["starts_at"]),
        place=row["place"],
        topic=row["topic"],
        status=MeetingStatus(row["status"]),
        cancel_reason=row["cancel_reason"],
        revision=row["revision"],
        started_at=maybe_dt(row["started_at"]),
        rollcall_closed_at=maybe_dt(row["rollcall_closed_at"]),
        ended_at=maybe_dt(row["ended_at"]),
    )


def _notice(row: Row) -> Notice:
    return Notice(
        id=row["id"],
        meeting_id=row["meeting_id"],
        person_id=row["person_id"],
        purpose=Purpose(row["purpose"]),
        revision=row["revision"],
        offset_minutes=row["offset_minutes"],
        due_at=dt(row["due_at"]),
        state=NoticeState(row["state"]),
        attempts=row["attempts"],
        ref=row["ref"],
    )


def _answer(row: Row) -> Answer:
    return Answer(
        meeting_id=row["meeting_id"],
        person_id=row["person_id"],
        intent=Intent(row["intent"]),
        reason_kind=ReasonKind(row["reason_kind"]) if row["reason_kind"] else None,
        reason_text=row["reason_text"],
        via=row["via"],
        answered_at=dt(row["answered_at"]),
    )


# Slots ---------------------------------------------------------------------------------------


async def slot(conn: Conn, unit_id: int) -> Slot | None:
    """The cell's own regular slot, if its secretary set one."""
    async with conn.execute(
        "SELECT day, time, place FROM cell_slots WHERE unit_id = ?", (unit_id,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return Slot(day=row["day"], time=time.fromisoformat(row["time"]), place=row["place"])


async def set_slot(conn: Conn, unit_id: int, value: Slot, now: datetime) -> None:
    """Store the cell's regular slot."""
    await conn.execute("DELETE FROM cell_slots WHERE unit_id = ?", (unit_id,))
    await conn.execute(
        "INSERT INTO cell_slots (unit_id, day, time, place, updated_at) VALUES (?, ?, ?, ?, ?)",
        (unit_id, value.day, value.time.strftime("%H:%M"), value.place, ts(now)),
    )


# Meetings ------------------------------------------------------------------------------------


async def get(conn: Conn, meeting_id: int) -> Meeting | None:
    """The meeting with this id."""
    async with conn.execute(_MEETING + " WHERE id = ?", (meeting_id,)) as cur:
        row = await cur.fetchone()
    return _meeting(row) if row else None


async def monthly(conn: Conn, unit_id: int, month: str) -> Meeting | None:
    """The cell's monthly meeting for this month (scheduled or cancelled)."""
    async with conn.execute(
        _MEETING + " WHERE unit_id = ? AND month = ? AND kind <> 'committee'", (unit_id, month)
    ) as cur:
        row = await cur.fetchone()
    return _meeting(row) if row else None


async def upcoming(
    conn: Conn, unit_id: int, since: datetime, *, include_cancelled: bool = False
) -> list[Meeting]:
    """The cell's meetings starting at or after `since`, soonest first."""
    status = "" if include_cancelled else " AND status = 'scheduled'"
    async with conn.execute(
        _MEETING + " WHERE unit_id = ? AND starts_at >= ?" + status + " ORDER BY starts_at, id",
        (unit_id, ts(since)),
    ) as cur:
        return [_meeting(row) for row in await cur.fetchall()]


async def scheduled_after(conn: Conn, since: datetime) -> list[Meeting]:
    """Every scheduled meeting of every cell starting after `since`."""
    async with conn.execute(
        _MEETING + " WHERE status = 'scheduled' AND starts_at > ? ORDER BY starts_at, id",
        (ts(since),),
    ) as cur:
        return [_meeting(row) for row in await cur.fetchall()]


async def insert(
    conn: Conn,
    *,
    unit_id: int,
    kind: MeetingKind,
    month: str,
    starts_at: datetime,
    place: str,
    topic: str = "",
    now: datetime,
) -> Meeting:
    """Create a meeting."""
    async with conn.execute(
        "INSERT INTO meetings (unit_id, kind, month, starts_at, place, topic, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (unit_id, kind.value, month, ts(starts_at), place, topic, ts(now), ts(now)),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    meeting = await get(conn, int(row[0]))
    assert meeting is not None
    return meeting


async def update(conn: Conn, meeting: Meeting, now: datetime) -> None:
    """Write a meeting's time, place, kind, topic, status and revision."""
    await conn.execute(
        "UPDATE meetings SET kind = ?, month = ?, starts_at = ?, place = ?, topic = ?, "
        "status = ?, cancel_reason = ?, revision = ?, updated_at = ? WHERE id = ?",
        (
            meeting.kind.value,
            meeting.month,
            ts(meeting.starts_at),
            meeting.place,
            meeting.topic,
            meeting.status.value,
            meeting.cancel_reason,
            meeting.revision,
            ts(now),
            meeting.id,
        ),
    )


# Notices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewNotice:
    """A notice to be written to the outbox."""

    person_id: int
    purpose: Purpose
    offset_minutes: int
    due_at: datetime
    ref: str = ""


async def add_notices(conn: Conn, meeting: Meeting, notices: Iterable[NewNotice]) -> int:
    """Write notices for the meeting's current revision; ones already there stay as they are."""
    rows = [
        (
            meeting.id,
            n.person_id,
            n.purpose.value,
            meeting.revision,
            n.offset_minutes,
            ts(n.due_at),
            n.ref,
        )
        for n in notices
    ]
    return await conn.executemany(
        "INSERT INTO notices (meeting_id, person_id, purpose, revision, offset_minutes, due_at, "
        "ref) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        rows,
    )


async def drop_pending(conn: Conn, meeting_id: int) -> None:
    """Drop what is still waiting to be sent about a meeting (it moved or was cancelled)."""
    await conn.execute(
        "UPDATE notices SET state = 'dropped' WHERE meeting_id = ? AND state = 'pending'",
        (meeting_id,),
    )


async def told(conn: Conn, meeting_id: int) -> set[int]:
    """The people who have been sent anything about this meeting."""
    async with conn.execute(
        "SELECT DISTINCT person_id FROM notices WHERE meeting_id = ? AND state = 'sent'",
        (meeting_id,),
    ) as cur:
        return {row[0] for row in await cur.fetchall()}


async def of_meeting(conn: Conn, meeting_id: int) -> list[Notice]:
    """Every notice of a meeting, in order."""
    async with conn.execute(
        _NOTICE + " WHERE meeting_id = ? ORDER BY due_at, id", (meeting_id,)
    ) as cur:
        return [_notice(row) for row in await cur.fetchall()]


# Answers -------------------------------------------------------------------------------------


async def answer(conn: Conn, meeting_id: int, person_id: int) -> Answer | None:
    """A person's current answer to a meeting."""
    async with conn.execute(
        _ANSWER + " WHERE meeting_id = ? AND person_id = ?", (meeting_id, person_id)
    ) as cur:
        row = await cur.fetchone()
    return _answer(row) if row else None


async def answers_of(
    conn: Conn, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], Answer]:
    """The current answers for these (meeting, person) pairs."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    meeting_ids = sorted({m for m, _ in wanted})
    marks = ", ".join("?" for _ in meeting_ids)
    found: dict[tuple[int, int], Answer] = {}
    async with conn.execute(_ANSWER + f" WHERE meeting_id IN ({marks})", meeting_ids) as cur:
        for answer in map(_answer, await cur.fetchall()):
            found[(answer.meeting_id, answer.person_id)] = answer
    keep = set(wanted)
    return {key: value for key, value in found.items() if key in keep}


async def answers(conn: Conn, meeting_id: int) -> dict[int, Answer]:
    """Every current answer to a meeting, by person."""
    async with conn.execute(_ANSWER + " WHERE meeting_id = ?", (meeting_id,)) as cur:
        return {a.person_id: a for a in map(_answer, await cur.fetchall())}


async def save_answer(conn: Conn, value: Answer, raw_text: str = "") -> None:
    """Store the current answer and keep it in the history."""
    params = (
        value.meeting_id,
        value.person_id,
        value.intent.value,
        value.reason_kind.value if value.reason_kind else None,
        value.reason_text,
        value.via,
        ts(value.answered_at),
    )
    await conn.execute(
        "DELETE FROM answers WHERE meeting_id = ? AND person_id = ?",
        (value.meeting_id, value.person_id),
    )
    await conn.execute(
        "INSERT INTO answers (meeting_id, person_id, intent, reason_kind, reason_text, via, "
        "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        params,
    )
    await conn.execute(
        "INSERT INTO answer_history (meeting_id, person_id, intent, reason_kind, reason_text, "
        "via, answered_at, raw_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (*params, raw_text[:1000]),
    )


async def history(
    conn: Conn, meeting_id: int, person_id: int
) -> Sequence[tuple[str, str | None, str]]:
    """A person's answers to a meeting over time: (intent, reason, when)."""
    async with conn.execute(
        "SELECT intent, reason_text, answered_at FROM answer_history "
        "WHERE meeting_id = ? AND person_id = ? ORDER BY id",
        (meeting_id, person_id),
    ) as cur:
        return [(r[0], r[1], r[2]) for r in await cur.fetchall()]
