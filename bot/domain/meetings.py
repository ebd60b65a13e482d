"""Meetings, notices and answers as the domain sees them, and who is told what."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.models import ChatAccount, MemberStatus, Person, Role
from bot.domain.replies import Intent, ReasonKind
from bot.domain.schedule import MeetingKind
from bot.domain.text import person_sort_key

# Answers are taken until the roll-call closes; until then, a few hours after the start.
ANSWER_GRACE = timedelta(hours=6)


class MeetingStatus(enum.StrEnum):
    """Whether a meeting will take place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Purpose(enum.StrEnum):
    """Why a message about a meeting is sent."""

    NOTICE = "notice"
    NUDGE = "nudge"
    MOVED = "moved"
    CANCELLED = "cancelled"
    RATING = "rating"
    FLAG = "flag"
    DIGEST = "digest"
    # Messages not about a meeting go through the same outbox; `ref` says what they are about.
    PETITION_NEW = "petition_new"  # ref: the kiến nghị's id
    PETITION_ESCALATED = "petition_escalated"
    PETITION_ANSWERED = "petition_answered"
    MONTHLY = "monthly"  # ref: the month, "2026-11"
    MONTHLY_CHART = "monthly_chart"

    @property
    def about_petition(self) -> bool:
        """A message about a kiến nghị."""
        return self.value.startswith("petition_")

    @property
    def about_meeting(self) -> bool:
        """A message about one meeting."""
        return not self.about_petition and self not in (Purpose.MONTHLY, Purpose.MONTHLY_CHART)


class NoticeState(enum.StrEnum):
    """Where a message stands in the outbox."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Meeting:
    """One meeting of a cell (or of its committee)."""

    id: int
    unit_id: int
    kind: MeetingKind
    month: str  # YYYY-MM, the month the meeting is for
    starts_at: datetime
    place: str
    topic: str
    status: MeetingStatus
    cancel_reason: str
    revision: int
    started_at: datetime | None = None
    rollcall_closed_at: datetime | None = None
    ended_at: datetime | None = None

    @property
    def duration_minutes(self) -> int | None:
        """From the roll-call's opening to the end, once the meeting has ended."""
        if self.started_at is None or self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds() // 60)

    def takes_answers(self, now: datetime) -> bool:
        """Whether members may still answer or change their answer."""
        return (
            self.status is MeetingStatus.SCHEDULED
            and self.rollcall_closed_at is None
            and now < self.starts_at + ANSWER_GRACE
        )


@dataclass(frozen=True)
class Answer:
    """A person's current answer to a meeting."""

    meeting_id: int
    person_id: int
    intent: Intent
    reason_kind: ReasonKind | None
    reason_text: str | None
    via: str
    answered_at: datetime

    @property
    def awaiting_reason(self) -> bool:
        """Absent, and the reason is still to be asked for."""
        if self.intent is not Intent.ABSENT:
            return False
        return self.reason_kind is None or (
            self.reason_kind is ReasonKind.OTHER and not self.reason_text
        )

    @property
    def excused(self) -> bool:
        """Absent with a reason."""
        return self.intent is Intent.ABSENT and not self.awaiting_reason


@dataclass(frozen=True)
class Notice:
    """One message in the outbox."""

    id: int
    meeting_id: int | None  # None for a message not about a meeting
    person_id: int
    purpose: Purpose
    revision: int
    offset_minutes: int
    due_at: datetime
    state: NoticeState
    attempts: int
    ref: str = ""


_COMMITTEE = (Role.SECRETARY, Role.DEPUTY, Role.COMMITTEE)


def takes_part(person: Person) -> bool:
    """Whether a member is expected at meetings (exempt and transferred members are not)."""
    return person.status is MemberStatus.ACTIVE and person.role is not Role.CADRE


def invited(kind: MeetingKind, members: Iterable[Person]) -> list[Person]:
    """The cell's people who are asked to answer: the committee for its pre-meeting."""
    return [
        p
        for p in members
        if takes_part(p) and (kind is not MeetingKind.COMMITTEE or p.role in _COMMITTEE)
    ]


@dataclass(frozen=True)
class Roster:
    """The secretary's list: who comes, who does not and why, whom to call."""

    attending: tuple[Person, ...]
    excused: tuple[tuple[Person, Answer], ...]
    absent_no_reason: tuple[Person, ...]
    not_answered: tuple[Person, ...]
    not_linked: tuple[Person, ...]
    unreachable: tuple[Person, ...]
    exempt: tuple[Person, ...]

    @property
    def expected(self) -> int:
        """How many people are asked to come."""
        return (
            len(self.attending)
            + len(self.excused)
            + len(self.absent_no_reason)
            + len(self.not_answered)
            + len(self.not_linked)
            + len(self.unreachable)
        )


def build_roster(
    kind: MeetingKind,
    members: Iterable[Person],
    answers: Mapping[int, Answer],
    accounts: Mapping[int, ChatAccount],
) -> Roster:
    """Sort the cell's people into the secretary's groups; each person in exactly one."""
    groups: dict[str, list[Person]] = {
        k: [] for k in ("attending", "absent", "waiting", "unlinked", "unreachable", "exempt")
    }
    excused: list[tuple[Person, Answer]] = []
    everyone = sorted(members, key=lambda p: person_sort_key(p.full_name))
    invitees = {p.id for p in invited(kind, everyone)}
    for person in everyone:
        answer = answers.get(person.id)
        account = accounts.get(person.id)
        if person.id not in invitees:
            if person.role is not Role.CADRE and kind is not MeetingKind.COMMITTEE:
                groups["exempt"].append(person)
        elif answer is not None and answer.intent is Intent.ATTEND:
            groups["attending"].append(person)
        elif answer is not None and answer.excused:
            excused.append((person, answer))
        elif answer is not None:
            groups["absent"].append(person)
        elif account is None:
            groups["unlinked"].append(person)
        elif not account.reachable:
            groups["unreachable"].append(person)
        else:
            groups["waiting"].append(person)
    return Roster(
        attending=tuple(groups["attending"]),
        excused=tuple(excused),
        absent_no_reason=tuple(groups["absent"]),
        not_answered=tuple(groups["waiting"]),
        not_linked=tuple(groups["unlinked"]),
        unreachable=tuple(groups["unreachable"]),
        exempt=tuple(groups["exempt"]),
    )
