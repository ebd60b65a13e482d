"""Meetings: created ahead, moved, cancelled; their notices planned into the outbox."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.domain.meetings import Answer, Meeting, MeetingStatus, Purpose, Roster, build_roster
from bot.domain.meetings import invited as invited_people
from bot.domain.models import Person, Unit
from bot.domain.replies import Intent, ReasonKind
from bot.domain.schedule import (
    MeetingKind,
    QuietHours,
    Slot,
    next_slot_start,
    nudge_time,
    parse_offsets,
    plan_notices,
)
from bot.storage import accounts, audit, meetings, people, rollcall, units
from bot.storage.db import Conn, Database
from bot.storage.meetings import NewNotice


@dataclass(frozen=True)
class Rules:
    """What the config says about meetings: default slot, reminder offsets, quiet hours."""

    tz: ZoneInfo
    default_slot: Slot
    offsets: tuple[timedelta, ...]
    quiet: QuietHours | None

    @classmethod
    def from_config(cls, config: Config) -> Rules:
        """Read the rules once from the config."""
        from datetime import time

        return cls(
            tz=config.tz,
            default_slot=Slot(
                day=config.meetings.default_day,
                time=time.fromisoformat(config.meetings.default_time),
                place=config.meetings.default_place,
            ),
            offsets=parse_offsets(config.reminders.before),
            quiet=QuietHours.from_config(config.time.quiet_hours),
        )

    def month_of(self, moment: datetime) -> str:
        """The YYYY-MM a moment falls in, locally."""
        return moment.astimezone(self.tz).strftime("%Y-%m")

    def send_time(self, now: datetime) -> datetime:
        """Now, or the end of the quiet hours if now is inside them."""
        if self.quiet is not None and self.quiet.contains(now, self.tz):
            return self.quiet.next_end(now, self.tz)
        return now


async def ensure_upcoming(db: Database, rules: Rules, now: datetime) -> list[Meeting]:
    """Create each cell's next monthly meeting if it does not exist yet, with its notices.

    Meetings already ahead are planned again: people added to a cell since (a re-import, a
    member back from exemption) get their notices; rows already there are left as they are.
    """
    created = []
    planned: list[tuple[Meeting, set[int]]] = []  # with the people told of it already
    # One small unit of work per meeting and per cell: at province scale (thousands of cells)
    # one big transaction would keep every answer and notice waiting for half a minute.
    async with db.transaction() as conn:
        ahead = await meetings.scheduled_after(conn, now)
        cells = await units.cells(conn)
    for scheduled in ahead:
        async with db.transaction() as conn:
            meeting = await meetings.get(conn, scheduled.id)
            if (
                meeting is None
                or meeting.revision != scheduled.revision
                or meeting.status is not MeetingStatus.SCHEDULED
            ):
                continue  # changed meanwhile; the change planned its own notices
            told = await meetings.told(conn, meeting.id)
            await _plan(conn, meeting, rules, now, already_told=told, cadres=False)
            planned.append((meeting, told))
    for cell in cells:
        async with db.transaction() as conn:
            own = await meetings.slot(conn, cell.id)
            start = next_slot_start(own or rules.default_slot, now, rules.tz)
            month = rules.month_of(start)
            if await meetings.monthly(conn, cell.id, month) is not None:
                continue
            meeting = await meetings.insert(
                conn,
                unit_id=cell.id,
                kind=MeetingKind.REGULAR,
                month=month,
                starts_at=start,
                place=(own or rules.default_slot).place,
                now=now,
            )
            await _plan(conn, meeting, rules, now, already_told=set(), cadres=False)
            created.append(meeting)
            planned.append((meeting, set()))
    await _plan_cadres(db, planned, rules, now)
    return created


# Meetings whose cadres are looked up in one unit of work (reads only; kept short).
_CADRE_LOOKUPS = 200


async def _plan_cadres(
    db: Database, planned: list[tuple[Meeting, set[int]]], rules: Rules, now: datetime
) -> None:
    """The cadres' notices of a planning run, each cadre's in one unit of work, after the cells'.

    A cadre's notices due the same day go out in one message, made of the rows there when the
    first is sent. Written cell by cell beside the members', the engine (already sending while
    the planner runs) would send the first cells in one message and the rest in another.
    """
    following: dict[int, list[tuple[Meeting, set[int]]]] = {}
    for start in range(0, len(planned), _CADRE_LOOKUPS):
        async with db.transaction() as conn:
            for meeting, told in planned[start : start + _CADRE_LOOKUPS]:
                if meeting.kind is MeetingKind.COMMITTEE:
                    continue
                for cadre in await people.cadres_following(conn, meeting.unit_id):
                    following.setdefault(cadre.id, []).append((meeting, told))
    for cadre_id, theirs in following.items():
        # A meeting moved or cancelled meanwhile has its cadres told by the change; a row
        # written here for the old revision is closed unsent by the engine.
        async with db.transaction() as conn:
            for meeting, told in theirs:
                await meetings.add_notices(
                    conn, meeting, _notice_rows(meeting, [cadre_id], rules, now, told)
                )


async def _plan(
    conn: Conn,
    meeting: Meeting,
    rules: Rules,
    now: datetime,
    *,
    already_told: set[int],
    cadres: bool = True,
) -> None:
    """Write the meeting's notices and nudge for everyone concerned into the outbox (for its
    cadres too, unless the caller writes theirs later)."""
    members = await people.in_unit(conn, meeting.unit_id)
    invitees = invited_people(meeting.kind, members)
    followers = (
        await people.cadres_following(conn, meeting.unit_id)
        if cadres and meeting.kind is not MeetingKind.COMMITTEE
        else []
    )
    rows = _notice_rows(meeting, [p.id for p in [*invitees, *followers]], rules, now, already_told)
    nudge = nudge_time(meeting.starts_at, rules.offsets, now, rules.quiet, rules.tz)
    if nudge is not None:
        rows += [NewNotice(p.id, Purpose.NUDGE, 0, nudge) for p in invitees]
    await meetings.add_notices(conn, meeting, rows)


def _notice_rows(
    meeting: Meeting, person_ids: list[int], rules: Rules, now: datetime, already_told: set[int]
) -> list[NewNotice]:
    """The notice and reminders due for each person.

    People already told about an earlier revision get a separate message about the change,
    so a notice folded into "now" would only repeat it.
    """
    planned = plan_notices(meeting.starts_at, rules.offsets, now, rules.quiet, rules.tz)
    return [
        NewNotice(person_id, Purpose.NOTICE, int(n.offset.total_seconds() // 60), n.due_at)
        for person_id in person_ids
        for n in planned
        if not (n.folded and person_id in already_told)
    ]


async def _tell(
    conn: Conn,
    meeting: Meeting,
    people_ids: set[int],
    purpose: Purpose,
    when: datetime,
) -> None:
    await meetings.add_notices(
        conn, meeting, [NewNotice(pid, purpose, 0, when) for pid in sorted(people_ids)]
    )


class ChangeOutcome(enum.StrEnum):
    """Whether a change to a meeting was made."""

    DONE = "done"
    NOT_FOUND = "not_found"
    CANCELLED = "cancelled"  # the meeting is cancelled already
    STARTED = "started"  # the meeting has already begun


@dataclass(frozen=True)
class Change:
    """The outcome of a change, with the meeting as it now stands."""

    outcome: ChangeOutcome
    meeting: Meeting | None = None


async def _changeable(conn: Conn, meeting_id: int, now: datetime) -> Change:
    meeting = await meetings.get(conn, meeting_id)
    if meeting is None:
        return Change(ChangeOutcome.NOT_FOUND)
    if meeting.status is MeetingStatus.CANCELLED:
        return Change(ChangeOutcome.CANCELLED, meeting)
    if meeting.starts_at <= now:
        return Change(ChangeOutcome.STARTED, meeting)
    return Change(ChangeOutcome.DONE, meeting)


async def move(
    db: Database,
    meeting_id: int,
    *,
    start: datetime,
    place: str | None,
    rules: Rules,
    now: datetime,
    actor: str,
) -> Change:
    """Move a meeting: everyone already told hears of it; reminders follow the new time."""
    async with db.transaction() as conn:
        check = await _changeable(conn, meeting_id, now)
        if check.outcome is not ChangeOutcome.DONE or check.meeting is None:
            return check
        old = check.meeting
        told = await meetings.told(conn, old.id)
        await meetings.drop_pending(conn, old.id)
        moved = dataclasses.replace(
            old, starts_at=start, place=place or old.place, revision=old.revision + 1
        )
        await meetings.update(conn, moved, now)
        await _tell(conn, moved, told, Purpose.MOVED, rules.send_time(now))
        await _plan(conn, moved, rules, now, already_told=told)
        await audit.record(
            conn,
            now=now,
            actor=actor,
            action="meeting.move",
            subject=f"meeting:{old.id}",
            detail=f"{old.starts_at.isoformat()} -> {start.isoformat()} {moved.place}",
        )
    return Change(ChangeOutcome.DONE, moved)


async def cancel(
    db: Database, meeting_id: int, *, reason: str, rules: Rules, now: datetime, actor: str
) -> Change:
    """Cancel a meeting with a reason; everyone already told hears of it."""
    async with db.transaction() as conn:
        check = await _changeable(conn, meeting_id, now)
        if check.outcome is not ChangeOutcome.DONE or check.meeting is None:
            return check
        told = await meetings.told(conn, meeting_id)
        await meetings.drop_pending(conn, meeting_id)
        cancelled = dataclasses.replace(
            check.meeting,
            status=MeetingStatus.CANCELLED,
            cancel_reason=reason,
            revision=check.meeting.revision + 1,
        )
        await meetings.update(conn, cancelled, now)
        await _tell(conn, cancelled, told, Purpose.CANCELLED, rules.send_time(now))
        await audit.record(
            conn,
            now=now,
            actor=actor,
            action="meeting.cancel",
            subject=f"meeting:{meeting_id}",
            detail=reason,
        )
    return Change(ChangeOutcome.DONE, cancelled)


async def amend(
    db: Database,
    meeting_id: int,
    *,
    now: datetime,
    actor: str,
    kind: MeetingKind | None = None,
    topic: str | None = None,
) -> Change:
    """Set a meeting's kind or topic; later notices carry it."""
    async with db.transaction() as conn:
        check = await _changeable(conn, meeting_id, now)
        if check.outcome is not ChangeOutcome.DONE or check.meeting is None:
            return check
        meeting = check.meeting
        if kind is not None and (kind is MeetingKind.COMMITTEE) != (
            meeting.kind is MeetingKind.COMMITTEE
        ):
            # A monthly meeting cannot turn into the committee's, nor the reverse.
            return Change(ChangeOutcome.NOT_FOUND, meeting)
        amended = dataclasses.replace(
            meeting,
            kind=kind or meeting.kind,
            topic=meeting.topic if topic is None else topic,
        )
        await meetings.update(conn, amended, now)
        await audit.record(
            conn,
            now=now,
            actor=actor,
            action="meeting.amend",
            subject=f"meeting:{meeting_id}",
            detail=f"kind={amended.kind} topic={amended.topic}",
        )
    return Change(ChangeOutcome.DONE, amended)


async def create_committee_meeting(
    db: Database,
    unit_id: int,
    *,
    start: datetime,
    place: str,
    rules: Rules,
    now: datetime,
    actor: str,
) -> Meeting:
    """Schedule the committee's pre-meeting; only the committee is told."""
    async with db.transaction() as conn:
        meeting = await meetings.insert(
            conn,
            unit_id=unit_id,
            kind=MeetingKind.COMMITTEE,
            month=rules.month_of(start),
            starts_at=start,
            place=place,
            now=now,
        )
        await _plan(conn, meeting, rules, now, already_told=set())
        await audit.record(
            conn,
            now=now,
            actor=actor,
            action="meeting.create",
            subject=f"meeting:{meeting.id}",
            detail="committee",
        )
    return meeting


async def set_slot(db: Database, unit_id: int, slot: Slot, *, now: datetime, actor: str) -> None:
    """Set the cell's regular monthly slot (used for meetings created from now on)."""
    async with db.transaction() as conn:
        await meetings.set_slot(conn, unit_id, slot, now)
        await audit.record(
            conn,
            now=now,
            actor=actor,
            action="slot.set",
            subject=f"unit:{unit_id}",
            detail=f"day={slot.day} {slot.time} {slot.place}",
        )


async def slot_of(db: Database, unit_id: int, rules: Rules) -> Slot:
    """The cell's regular slot: its own or the default."""
    async with db.transaction() as conn:
        return await meetings.slot(conn, unit_id) or rules.default_slot


async def next_meetings(db: Database, unit_id: int, now: datetime) -> list[Meeting]:
    """The cell's meetings still ahead or under way, soonest first (cancelled ones included)."""
    async with db.transaction() as conn:
        return await meetings.upcoming(
            conn, unit_id, now - timedelta(hours=6), include_cancelled=True
        )


async def get(db: Database, meeting_id: int) -> Meeting | None:
    """The meeting with this id."""
    async with db.transaction() as conn:
        return await meetings.get(conn, meeting_id)


# Answers -------------------------------------------------------------------------------------


class AnswerOutcome(enum.StrEnum):
    """Whether an answer was taken."""

    RECORDED = "recorded"
    UNCHANGED = "unchanged"
    NOT_FOUND = "not_found"
    NOT_INVITED = "not_invited"
    CANCELLED = "cancelled"
    CLOSED = "closed"


@dataclass(frozen=True)
class AnswerResult:
    """What happened to an answer, with the meeting and the answer as they now stand."""

    outcome: AnswerOutcome
    meeting: Meeting | None = None
    answer: Answer | None = None


async def record_answer(
    db: Database,
    meeting_id: int,
    person: Person,
    *,
    intent: Intent,
    reason_kind: ReasonKind | None = None,
    reason_text: str | None = None,
    via: str,
    raw_text: str = "",
    now: datetime,
) -> AnswerResult:
    """Store a person's answer to a meeting if they are invited and answers are still taken."""
    async with db.transaction() as conn:
        meeting = await meetings.get(conn, meeting_id)
        if meeting is None:
            return AnswerResult(AnswerOutcome.NOT_FOUND)
        members = await people.in_unit(conn, meeting.unit_id)
        if person.id not in {p.id for p in invited_people(meeting.kind, members)}:
            return AnswerResult(AnswerOutcome.NOT_INVITED, meeting)
        if meeting.status is MeetingStatus.CANCELLED:
            return AnswerResult(AnswerOutcome.CANCELLED, meeting)
        if not meeting.takes_answers(now):
            return AnswerResult(AnswerOutcome.CLOSED, meeting)
        previous = await meetings.answer(conn, meeting_id, person.id)
        answer = Answer(
            meeting_id=meeting_id,
            person_id=person.id,
            intent=intent,
            reason_kind=reason_kind if intent is Intent.ABSENT else None,
            reason_text=reason_text if intent is Intent.ABSENT else None,
            via=via,
            answered_at=now,
        )
        if previous is not None and _same(previous, answer):
            return AnswerResult(AnswerOutcome.UNCHANGED, meeting, previous)
        await meetings.save_answer(conn, answer, raw_text)
    return AnswerResult(AnswerOutcome.RECORDED, meeting, answer)


def _same(a: Answer, b: Answer) -> bool:
    return (a.intent, a.reason_kind, a.reason_text) == (b.intent, b.reason_kind, b.reason_text)


async def meeting_for_reply(db: Database, person: Person, now: datetime) -> Meeting | None:
    """The meeting a free-text reply is about: the soonest one still taking answers.

    A meeting the person was actually told about comes first (a committee member may have
    the committee's pre-meeting and the cell's meeting ahead at once).
    """
    async with db.transaction() as conn:
        ahead = await meetings.upcoming(conn, person.unit_id, now - timedelta(hours=6))
        members = await people.in_unit(conn, person.unit_id)
        candidates = [
            m
            for m in ahead
            if m.takes_answers(now)
            and person.id in {p.id for p in invited_people(m.kind, members)}
        ]
        for meeting in candidates:
            if person.id in await meetings.told(conn, meeting.id):
                return meeting
    return candidates[0] if candidates else None


async def current_answer(db: Database, meeting_id: int, person_id: int) -> Answer | None:
    """A person's current answer."""
    async with db.transaction() as conn:
        return await meetings.answer(conn, meeting_id, person_id)


@dataclass(frozen=True)
class RosterView:
    """A meeting, its cell and the secretary's list."""

    meeting: Meeting
    unit: Unit
    roster: Roster
    phones: dict[int, str]


async def roster(db: Database, meeting_id: int) -> RosterView | None:
    """Who comes, who is excused and why, who has not answered, whom the bot cannot reach."""
    async with db.transaction() as conn:
        meeting = await meetings.get(conn, meeting_id)
        if meeting is None:
            return None
        unit = await units.get(conn, meeting.unit_id)
        assert unit is not None
        members = await people.in_unit(conn, meeting.unit_id)
        # Linked on any channel counts; reachable if any of a person's accounts is.
        everywhere = sorted(
            await accounts.of_unit_everywhere(conn, unit.id), key=lambda a: a.reachable
        )
        linked = {a.person_id: a for a in everywhere}
        given = await meetings.answers(conn, meeting_id)
    return RosterView(
        meeting=meeting,
        unit=unit,
        roster=build_roster(meeting.kind, members, given, linked),
        phones={p.id: p.phone for p in members if p.phone},
    )


# (meeting id, start, answer, attendance, reason) for /cuatoi.
RecordRow = tuple[int, datetime, str | None, str | None, str]


async def my_record(
    db: Database, person_id: int, since: datetime, until: datetime
) -> list[RecordRow]:
    """A person's meetings in [since, until) with their answer, attendance and reason."""
    async with db.transaction() as conn:
        return await rollcall.my_record(conn, person_id, since, until)
