"""Kiến nghị: raised, escalated and answered in units of work; their messages in an outbox."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.access import Action, Actor, may
from bot.domain.models import MemberStatus, Person, Role
from bot.domain.petitions import (
    MessagePurpose,
    Petition,
    PetitionStatus,
    by_urgency,
)
from bot.storage import applied, audit, people, petitions, units
from bot.storage.db import Conn, Database

# A replayed update finds the kiến nghị it stored among the member's latest few.
_REPLAY_LOOKBACK = 5


class SubmitOutcome(enum.StrEnum):
    """Whether a kiến nghị was taken."""

    DONE = "done"
    TRANSFERRED = "transferred"  # the member moved to another cell: nothing is stored


@dataclass(frozen=True)
class Submitted:
    """The outcome of raising a kiến nghị, with the kiến nghị when it was stored."""

    outcome: SubmitOutcome
    petition: Petition | None = None


async def submit(
    db: Database, person: Person, text: str, *, now: datetime, actor: str
) -> Submitted:
    """Store a member's kiến nghị to their cell and write a message to its leaders.

    An update replayed after a crash gets back the kiến nghị it stored the first time.
    """
    async with db.transaction() as conn:
        current = await people.get(conn, person.id)
        if current is None or current.status is MemberStatus.TRANSFERRED:
            return Submitted(SubmitOutcome.TRANSFERRED)
        if not await applied.first_time(conn, "petition.new", now):
            for earlier in await petitions.of_person(conn, person.id, _REPLAY_LOOKBACK):
                if earlier.text == text:
                    return Submitted(SubmitOutcome.DONE, earlier)
        petition = await petitions.insert(
            conn, unit_id=current.unit_id, person_id=person.id, text=text, now=now
        )
        leaders = [
            p.id
            for p in await people.in_unit(conn, current.unit_id)
            if p.role.leads_cell and p.id != person.id and p.status is not MemberStatus.TRANSFERRED
        ]
        await petitions.add_messages(conn, petition.id, leaders, MessagePurpose.NEW, now)
        await audit.record(
            conn, now=now, actor=actor, action="petition.new", subject=f"petition:{petition.id}"
        )
    return Submitted(SubmitOutcome.DONE, petition)


async def get(db: Database, petition_id: int) -> Petition | None:
    """The kiến nghị with this id."""
    async with db.transaction() as conn:
        return await petitions.get(conn, petition_id)


class EscalateOutcome(enum.StrEnum):
    """Whether a kiến nghị went up to the cadres."""

    DONE = "done"
    NOT_FOUND = "not_found"
    ALREADY_ESCALATED = "already_escalated"
    ANSWERED = "answered"
    NO_CADRES = "no_cadres"  # nobody follows the cell: nothing changes


@dataclass(frozen=True)
class Escalation:
    """The outcome of escalating, with the kiến nghị and the cadres it went to."""

    outcome: EscalateOutcome
    petition: Petition | None = None
    cadres: tuple[Person, ...] = ()


async def escalate(db: Database, petition_id: int, *, now: datetime, actor: str) -> Escalation:
    """Send a new kiến nghị up to every cadre following its cell."""
    async with db.transaction() as conn:
        petition = await petitions.get(conn, petition_id)
        if petition is None:
            return Escalation(EscalateOutcome.NOT_FOUND)
        if petition.status is PetitionStatus.ANSWERED:
            return Escalation(EscalateOutcome.ANSWERED, petition)
        cadres = tuple(await people.cadres_following(conn, petition.unit_id))
        effect = f"petition.escalate:{petition.id}"
        if petition.status is PetitionStatus.ESCALATED:
            if not await applied.first_time(conn, effect, now):
                # This very update escalated it before a crash: say the same again.
                return Escalation(EscalateOutcome.DONE, petition, cadres)
            return Escalation(EscalateOutcome.ALREADY_ESCALATED, petition)
        if not cadres:
            return Escalation(EscalateOutcome.NO_CADRES, petition)
        await applied.first_time(conn, effect, now)
        await petitions.mark_escalated(conn, petition.id, now)
        await petitions.add_messages(
            conn, petition.id, [c.id for c in cadres], MessagePurpose.ESCALATED, now
        )
        await audit.record(
            conn,
            now=now,
            actor=actor,
            action="petition.escalate",
            subject=f"petition:{petition.id}",
            detail=", ".join(str(c.id) for c in cadres),
        )
        escalated = await petitions.get(conn, petition.id)
    return Escalation(EscalateOutcome.DONE, escalated, cadres)


class AnswerOutcome(enum.StrEnum):
    """Whether an answer was taken."""

    DONE = "done"
    NOT_FOUND = "not_found"
    ALREADY_ANSWERED = "already_answered"  # the first answer stands


@dataclass(frozen=True)
class Answered:
    """The outcome of answering, with the kiến nghị and the member who raised it."""

    outcome: AnswerOutcome
    petition: Petition | None = None
    member: Person | None = None


async def answer(
    db: Database, petition_id: int, answerer: Person, text: str, *, now: datetime, actor: str
) -> Answered:
    """Record the first answer; the member, and the people told before, hear of it."""
    async with db.transaction() as conn:
        petition = await petitions.get(conn, petition_id)
        if petition is None:
            return Answered(AnswerOutcome.NOT_FOUND)
        member = await people.get(conn, petition.person_id)
        effect = f"petition.answer:{petition.id}"
        if petition.status is PetitionStatus.ANSWERED:
            if petition.answered_by == answerer.id and not await applied.first_time(
                conn, effect, now
            ):
                # This very update answered it before a crash: say the same again.
                return Answered(AnswerOutcome.DONE, petition, member)
            return Answered(AnswerOutcome.ALREADY_ANSWERED, petition, member)
        await applied.first_time(conn, effect, now)
        done = await petitions.mark_answered(
            conn, petition.id, answer=text, answered_by=answerer.id, now=now
        )
        if not done:
            return Answered(AnswerOutcome.ALREADY_ANSWERED, petition, member)
        told = await petitions.told(conn, petition.id)
        await petitions.add_messages(
            conn,
            petition.id,
            ({petition.person_id} | told) - {answerer.id},
            MessagePurpose.ANSWERED,
            now,
        )
        await audit.record(
            conn, now=now, actor=actor, action="petition.answer", subject=f"petition:{petition.id}"
        )
        answered = await petitions.get(conn, petition.id)
    return Answered(AnswerOutcome.DONE, answered, member)


# Lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A kiến nghị with the names a list shows beside it."""

    petition: Petition
    member: str
    unit: str


@dataclass(frozen=True)
class Listing:
    """What /kiennghi shows one person: their own, and the open ones they may answer."""

    unit: str  # the person's own unit
    own: tuple[Entry, ...]
    cell: tuple[Entry, ...]  # open in the cell the person leads
    followed: tuple[Entry, ...]  # open in the cells the person follows, escalated first
    raises: bool  # a member of a cell, who may raise kiến nghị (cadres of a committee do not)
    leads: bool
    follows: bool


async def listing(db: Database, actor: Actor, limit: int) -> Listing:
    """The kiến nghị this person may see: never another member's unless they may answer it."""
    leads = may(actor, Action.PETITION_ESCALATE, actor.unit.id)
    followed_ids = [
        u
        for u in sorted(actor.followed_ids)
        if u != actor.unit.id and may(actor, Action.PETITION_ANSWER, u)
    ]
    raises = actor.role is not Role.CADRE
    async with db.transaction() as conn:
        own = await petitions.of_person(conn, actor.person.id, limit) if raises else []
        cell = await petitions.open_in_units(conn, [actor.unit.id]) if leads else []
        followed = by_urgency(await petitions.open_in_units(conn, followed_ids))
        return Listing(
            unit=actor.unit.name,
            own=await _entries(conn, own),
            cell=await _entries(conn, cell),
            followed=await _entries(conn, followed),
            raises=raises,
            leads=leads,
            follows=bool(actor.followed),
        )


async def entry(db: Database, petition_id: int) -> Entry | None:
    """One kiến nghị with the member's name and the cell's."""
    async with db.transaction() as conn:
        petition = await petitions.get(conn, petition_id)
        if petition is None:
            return None
        return (await _entries(conn, [petition]))[0]


async def _entries(conn: Conn, found: list[Petition]) -> tuple[Entry, ...]:
    names: dict[int, str] = {}
    unit_names: dict[int, str] = {}
    for petition in found:
        if petition.person_id not in names:
            person = await people.get(conn, petition.person_id)
            names[petition.person_id] = person.full_name if person else "?"
        if petition.unit_id not in unit_names:
            unit = await units.get(conn, petition.unit_id)
            unit_names[petition.unit_id] = unit.name if unit else "?"
    return tuple(Entry(p, names[p.person_id], unit_names[p.unit_id]) for p in found)
