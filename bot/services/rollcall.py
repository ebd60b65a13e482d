"""The roll-call in the room, the end of the meeting, and what follows from them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain.access import Action, Actor, may
from bot.domain.meetings import Answer, Meeting, MeetingStatus, Purpose, invited, takes_part
from bot.domain.models import Person, Role, Unit
from bot.domain.replies import Intent, ReasonKind
from bot.domain.rules import (
    Attendance,
    Flag,
    diff,
    meeting_flags,
    member_flags,
    missing_meeting_flag,
)
from bot.domain.text import fold
from bot.services.meetings import Rules
from bot.storage import applied, flags, meetings, people, rollcall, units
from bot.storage.db import Conn, Database
from bot.storage.meetings import NewNotice

# The roll-call may be opened a little before the set time (people gather early) and up to
# half a day after it.
OPEN_BEFORE = timedelta(minutes=30)
OPEN_AFTER = timedelta(hours=12)
# The per-meeting digest to the cadres waits this long for the cell's own score.
DIGEST_WAIT = timedelta(hours=12)


@dataclass(frozen=True)
class RollCall:
    """A meeting's roll-call as the secretary sees it."""

    meeting: Meeting
    unit: Unit
    members: tuple[Person, ...]  # everyone listed: invited members then exempt ones
    marks: dict[int, tuple[Attendance, str]]
    answered: frozenset[int]

    @property
    def closed(self) -> bool:
        """Whether the roll-call has been closed."""
        return self.meeting.rollcall_closed_at is not None

    def count(self, status: Attendance) -> int:
        """How many people have this status."""
        return sum(1 for s, _r in self.marks.values() if s is status)


async def may_take(db: Database, actor: Actor | None, meeting: Meeting) -> bool:
    """The cell's secretary or deputy, or the committee member delegated for this meeting."""
    if may(actor, Action.ROLLCALL, meeting.unit_id):
        return True
    if actor is None or actor.unit.id != meeting.unit_id:
        return False
    async with db.transaction() as conn:
        return await rollcall.is_delegate(conn, meeting.id, actor.person.id)


async def current(db: Database, unit_id: int, now: datetime) -> Meeting | None:
    """The cell's meeting whose roll-call can be taken now (the one under way)."""
    async with db.transaction() as conn:
        ahead = await meetings.upcoming(conn, unit_id, now - OPEN_AFTER)
    for meeting in ahead:
        if meeting.status is MeetingStatus.SCHEDULED and meeting.starts_at - OPEN_BEFORE <= now:
            return meeting
    return None


async def for_command(db: Database, unit_id: int, now: datetime) -> Meeting | None:
    """The meeting /diemdanh is about: the one under way, else the cell's next one, even if it
    was cancelled (so the secretary hears that it was)."""
    found = await current(db, unit_id, now)
    if found is not None:
        return found
    async with db.transaction() as conn:
        ahead = await meetings.upcoming(conn, unit_id, now - OPEN_AFTER, include_cancelled=True)
    later = [m for m in ahead if m.status is MeetingStatus.CANCELLED or m.starts_at > now]
    return later[0] if later else None


class Refusal(enum.StrEnum):
    """Why a roll-call step cannot be taken now."""

    GONE = "gone"  # no such meeting
    CANCELLED = "cancelled"
    NOT_YET = "not_yet"  # before the roll-call may open
    TOO_LATE = "too_late"  # never opened, and the time to open it has passed
    NOT_OPEN = "not_open"  # the roll-call was never opened (/diemdanh first)
    CLOSED = "closed"  # closed: no more changes
    NOT_CLOSED = "not_closed"  # the meeting ends after the roll-call closes
    ENDED = "ended"
    NOT_LISTED = "not_listed"  # the person is not on this roll-call


class Step(enum.Enum):
    """What a roll-call press wants to do."""

    VIEW = "view"  # open or show it
    EDIT = "edit"  # change a mark, close it
    END = "end"  # record the end of the meeting


def refusal(meeting: Meeting | None, now: datetime, step: Step) -> Refusal | None:
    """Why this step cannot be taken on this meeting now, or None if it can.

    Every press checks this again: a button stays in the chat after the meeting was cancelled,
    moved, closed or ended, and a modified client can send any meeting's id.
    """
    if meeting is None:
        return Refusal.GONE
    if meeting.status is MeetingStatus.CANCELLED:
        return Refusal.CANCELLED
    if now < meeting.starts_at - OPEN_BEFORE:
        return Refusal.NOT_YET
    if meeting.started_at is None and now > meeting.starts_at + OPEN_AFTER:
        return Refusal.TOO_LATE
    closed = meeting.rollcall_closed_at is not None
    if step is Step.EDIT:
        if meeting.started_at is None:
            return Refusal.NOT_OPEN
        if closed:
            return Refusal.CLOSED
    if step is Step.END:
        if meeting.ended_at is not None:
            return Refusal.ENDED
        if not closed:
            return Refusal.NOT_CLOSED
    return None


async def next_for_delegation(db: Database, unit_id: int, now: datetime) -> Meeting | None:
    """The meeting a delegation is for: the one under way, else the next one."""
    found = await current(db, unit_id, now)
    if found is not None:
        return found
    async with db.transaction() as conn:
        ahead = await meetings.upcoming(conn, unit_id, now)
    return ahead[0] if ahead else None


async def delegate(db: Database, meeting_id: int, person_id: int) -> None:
    """Let a committee member take the roll-call of this meeting."""
    async with db.transaction() as conn:
        await rollcall.add_delegate(conn, meeting_id, person_id)


def _first_mark(person: Person, answer: Answer | None, invitee: bool) -> tuple[Attendance, str]:
    if not invitee:
        return Attendance.EXEMPT, ""
    if answer is None:
        return Attendance.UNEXCUSED, ""
    if answer.intent is Intent.ATTEND:
        return Attendance.PRESENT, ""
    if answer.excused:
        kind = answer.reason_kind.label if answer.reason_kind else ""
        words = answer.reason_text or ""
        if (
            kind
            and words
            and fold(words) == words.lower()
            and answer.reason_kind is not ReasonKind.OTHER
        ):
            # Typed without diacritics ("om"): the minutes read better with the kind first.
            return Attendance.EXCUSED, f"{kind} ({words})"
        return Attendance.EXCUSED, words or kind
    return Attendance.UNEXCUSED, ""


async def open_or_show(
    db: Database, meeting_id: int, now: datetime, *, open_it: bool = True
) -> RollCall | Refusal:
    """Open the roll-call, pre-filled from the members' answers, or show it as it stands;
    with `open_it` False, only show one already opened."""
    async with db.transaction() as conn:
        meeting = await meetings.get(conn, meeting_id)
        refused = refusal(meeting, now, Step.VIEW)
        if refused is None and not open_it and meeting and meeting.started_at is None:
            refused = Refusal.NOT_OPEN
        if refused is not None or meeting is None:
            return refused or Refusal.GONE
        members = await people.in_unit(conn, meeting.unit_id)
        given = await meetings.answers(conn, meeting_id)
        invitees = {p.id for p in invited(meeting.kind, members)}
        listed = [p for p in members if p.role is not Role.CADRE]
        if meeting.kind.value == "committee":
            listed = [p for p in listed if p.id in invitees]
        if open_it and meeting.rollcall_closed_at is None:
            await rollcall.fill(
                conn,
                meeting_id,
                {p.id: _first_mark(p, given.get(p.id), p.id in invitees) for p in listed},
            )
            await rollcall.set_times(conn, meeting_id, started_at=now)
        marks = await rollcall.attendance(conn, meeting_id)
        meeting = await meetings.get(conn, meeting_id)
        unit = await units.get(conn, meeting.unit_id) if meeting else None
    assert meeting is not None
    assert unit is not None
    # Only those on the roll-call: someone who joined the cell after it closed is not.
    listed = [p for p in listed if p.id in marks]
    ordered = [p for p in listed if marks[p.id][0] is not Attendance.EXEMPT]
    ordered += [p for p in listed if marks[p.id][0] is Attendance.EXEMPT]
    return RollCall(meeting, unit, tuple(ordered), marks, frozenset(given))


class Edit(enum.StrEnum):
    """What a roll-call button does."""

    TOGGLE = "toggle"
    REASON = "reason"
    ALL_PRESENT = "all_present"


async def change(
    db: Database,
    meeting_id: int,
    edit: Edit,
    *,
    person_id: int | None = None,
    reason: str = "",
    now: datetime,
) -> Refusal | None:
    """Change the open roll-call; None when done (or already done by this very update)."""
    async with db.transaction() as conn:
        meeting = await meetings.get(conn, meeting_id)
        refused = refusal(meeting, now, Step.EDIT)
        if refused is not None:
            return refused
        marks = await rollcall.attendance(conn, meeting_id)
        given = await meetings.answers(conn, meeting_id)
        if edit is not Edit.ALL_PRESENT and (
            person_id not in marks or marks[person_id][0] is Attendance.EXEMPT
        ):
            return Refusal.NOT_LISTED
        # A toggle replayed after a crash would undo itself: apply each effect once per update.
        if not await applied.first_time(conn, f"rollcall:{meeting_id}:{edit}:{person_id}", now):
            return None
        if edit is Edit.ALL_PRESENT:
            for pid, (status, _r) in marks.items():
                if status is Attendance.UNEXCUSED and pid not in given:
                    await rollcall.mark(conn, meeting_id, pid, Attendance.PRESENT, "")
            return None
        assert person_id is not None
        status, old_reason = marks[person_id]
        if edit is Edit.REASON:
            await rollcall.mark(conn, meeting_id, person_id, Attendance.EXCUSED, reason)
        elif status is Attendance.PRESENT:
            # Absent again: with the reason they gave, if any.
            answer = given.get(person_id)
            reason_given = old_reason or (answer.reason_text or "" if answer else "")
            back = Attendance.EXCUSED if reason_given else Attendance.UNEXCUSED
            await rollcall.mark(conn, meeting_id, person_id, back, reason_given)
        else:
            await rollcall.mark(conn, meeting_id, person_id, Attendance.PRESENT, old_reason)
    return None


@dataclass(frozen=True)
class Closing:
    """What closing the roll-call set in motion."""

    raised: tuple[Flag, ...]
    cleared: tuple[str, ...]


async def close(
    db: Database, meeting_id: int, *, rules: Rules, now: datetime
) -> Closing | Refusal:
    """Close the roll-call: ask present members to rate the meeting, raise and clear flags."""
    async with db.transaction() as conn:
        meeting = await meetings.get(conn, meeting_id)
        refused = refusal(meeting, now, Step.EDIT)
        if refused is not None or meeting is None:
            return refused or Refusal.GONE
        if not await applied.first_time(conn, f"rollcall:{meeting_id}:close", now):
            return Closing((), ())
        await rollcall.set_times(conn, meeting_id, rollcall_closed_at=now, started_at=now)
        marks = await rollcall.attendance(conn, meeting_id)
        present = [pid for pid, (s, _r) in marks.items() if s is Attendance.PRESENT]
        # Only those present rate the meeting: a rating forged earlier by anyone else goes.
        await rollcall.keep_ratings_of(conn, meeting_id, present)
        await meetings.add_notices(
            conn,
            meeting,
            [NewNotice(pid, Purpose.RATING, 0, rules.send_time(now)) for pid in present],
        )
        if meeting.kind.value == "committee":
            return Closing((), ())
        closing = await _refresh_flags(conn, meeting, rules, now)
    return closing


async def _refresh_flags(conn: Conn, meeting: Meeting, rules: Rules, now: datetime) -> Closing:
    """Raise the flags that now hold (once each) and clear those that no longer hold."""
    local = meeting.starts_at.astimezone(rules.tz)
    year_start = datetime(local.year, 1, 1, tzinfo=rules.tz).astimezone(UTC)
    year_end = datetime(local.year + 1, 1, 1, tzinfo=rules.tz).astimezone(UTC)
    records = await rollcall.records(conn, meeting.unit_id, year_start, year_end, rules.tz)
    current = member_flags(meeting.unit_id, records, local.year)
    this = next((r for r in records if r.meeting_id == meeting.id), None)
    if this is not None:
        current += meeting_flags(meeting.unit_id, this)
    previous = await flags.open_keys(conn, meeting.unit_id)
    # Only what this closing can judge: this year's member flags of the cell, and this
    # meeting's own flags; other meetings' and other months' flags stay as they are.
    unit = f":unit={meeting.unit_id}:"
    mine = {f"low_attendance:meeting={meeting.id}", f"unexcused_at_meeting:meeting={meeting.id}"}
    judged = [
        k
        for k in previous
        if k in mine
        or (
            k.startswith(("unexcused_3_months" + unit, "excused_streak" + unit))
            and k.endswith(f":year={local.year}")
        )
    ]
    raised, gone = diff(judged, current)
    await _apply_flags(conn, meeting, raised, gone, rules, now)
    return Closing(tuple(raised), tuple(gone))


async def _apply_flags(
    conn: Conn,
    meeting: Meeting,
    raised: list[Flag],
    gone: list[str],
    rules: Rules,
    now: datetime,
) -> None:
    """Store raised flags (each told once to the secretary, deputy and cadres); clear others."""
    for key in gone:
        await flags.clear(conn, key, now)
    recipients = await _flag_recipients(conn, meeting.unit_id)
    for flag in raised:
        await flags.raise_(conn, flag, now)
        await meetings.add_notices(
            conn,
            meeting,
            [
                NewNotice(pid, Purpose.FLAG, 0, rules.send_time(now), flag.key)
                for pid in recipients
            ],
        )


async def check_missing_meetings(
    db: Database, rules: Rules, deadline_day: int, now: datetime
) -> int:
    """Flag cells with no meeting held this month by the deadline day; returns how many."""
    local = now.astimezone(rules.tz)
    month = local.strftime("%Y-%m")
    month_start = datetime(local.year, local.month, 1, tzinfo=rules.tz).astimezone(UTC)
    raised_count = 0
    async with db.transaction() as conn:
        for cell in await units.cells(conn):
            held = await rollcall.records(conn, cell.id, month_start, now, rules.tz)
            flag = missing_meeting_flag(
                cell.id, month, [r.held_on for r in held], local.date(), deadline_day
            )
            key = f"no_meeting:unit={cell.id}:month={month}"
            open_now = await flags.holds(conn, key) is not None
            anchor = await meetings.monthly(conn, cell.id, month)
            if anchor is None:
                continue  # no meeting row to hang the message on
            raised = [flag] if flag is not None and not open_now else []
            gone = [key] if flag is None and open_now else []
            if raised or gone:
                await _apply_flags(conn, anchor, raised, gone, rules, now)
                raised_count += len(raised)
    return raised_count


async def _flag_recipients(conn: Conn, unit_id: int) -> list[int]:
    members = await people.in_unit(conn, unit_id)
    leaders = [p.id for p in members if p.role in (Role.SECRETARY, Role.DEPUTY) and takes_part(p)]
    cadres = [p.id for p in await people.cadres_following(conn, unit_id)]
    return leaders + cadres


async def end(db: Database, meeting_id: int, now: datetime) -> Meeting | Refusal:
    """Record the end of the meeting (its duration); the roll-call must be closed first."""
    async with db.transaction() as conn:
        meeting = await meetings.get(conn, meeting_id)
        refused = refusal(meeting, now, Step.END)
        if refused is not None or meeting is None:
            return refused or Refusal.GONE
        if not await applied.first_time(conn, f"rollcall:{meeting_id}:end", now):
            return meeting
        await rollcall.set_times(conn, meeting_id, ended_at=now)
        if meeting.kind.value != "committee":
            # The cadres' digest waits for the cell's own score, but not for ever.
            cadres = [p.id for p in await people.cadres_following(conn, meeting.unit_id)]
            await meetings.add_notices(
                conn,
                meeting,
                [NewNotice(pid, Purpose.DIGEST, 0, now + DIGEST_WAIT) for pid in cadres],
            )
        ended = await meetings.get(conn, meeting_id)
    return ended or meeting


async def rate(
    db: Database,
    meeting_id: int,
    person_id: int,
    rating: str,
    comment: str | None,
    now: datetime,
) -> bool:
    """Store a rating; False unless the roll-call is closed and marked them present."""
    async with db.transaction() as conn:
        if not await _may_rate(conn, meeting_id, person_id):
            return False
        await rollcall.save_rating(conn, meeting_id, person_id, rating, comment, now)
    return True


async def comment(db: Database, meeting_id: int, person_id: int, text: str, now: datetime) -> bool:
    """Add a comment to the member's rating; False if they have not rated (or may not)."""
    async with db.transaction() as conn:
        current = await rollcall.rating_of(conn, meeting_id, person_id)
        if current is None or not await _may_rate(conn, meeting_id, person_id):
            return False
        await rollcall.save_rating(conn, meeting_id, person_id, current, text, now)
    return True


async def _may_rate(conn: Conn, meeting_id: int, person_id: int) -> bool:
    """Only members marked present on a closed roll-call rate the meeting."""
    meeting = await meetings.get(conn, meeting_id)
    if (
        meeting is None
        or meeting.status is MeetingStatus.CANCELLED
        or meeting.rollcall_closed_at is None
    ):
        return False
    marks = await rollcall.attendance(conn, meeting_id)
    return marks.get(person_id, (None,))[0] is Attendance.PRESENT


async def open_flags(db: Database, unit_id: int) -> list[tuple[str, dict[str, str], int | None]]:
    """The cell's flags that still hold: (kind, params, person id)."""
    async with db.transaction() as conn:
        return await flags.of_unit(conn, unit_id)
