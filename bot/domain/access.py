"""The one place that decides what each role may do, and over which units."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.domain.models import Person, Role, Unit


class Action(enum.StrEnum):
    """Things a person can ask the bot to do."""

    HELP = "help"
    LANGUAGE = "language"
    CANCEL = "cancel"
    SCHEDULE = "schedule"  # see the cell's next meeting
    SCHEDULE_CHANGE = "schedule_change"  # move, cancel, set kind or topic of a meeting
    ROSTER = "roster"  # see who answered what for a meeting
    ROLLCALL = "rollcall"  # take the roll-call in the room, end the meeting
    SCORE = "score"  # fill the cell's scorecard (its own column)
    SCORE_UPPER = "score_upper"  # fill the "cấp trên chấm" column of a cell followed
    ME = "me"  # one's own record
    REPORT = "report"  # a month's report of a cell (its leaders, or the cadres following it)
    MEMBERS = "members"  # see and manage a cell's members
    INVITE = "invite"  # issue an invite code for a cell's member
    EXPORT = "export"  # XLSX/CSV of a cell's records (its leaders, or the cadres following it)
    PETITION = "petition"  # raise a kiến nghị, see one's own
    PETITION_ANSWER = "petition_answer"  # answer a cell's kiến nghị (leaders, following cadres)
    PETITION_ESCALATE = "petition_escalate"  # send a cell's kiến nghị up to its cadres


# Actions any linked person may take, about themselves.
_EVERYONE = frozenset(
    {Action.HELP, Action.LANGUAGE, Action.CANCEL, Action.SCHEDULE, Action.ME, Action.PETITION}
)
# Actions on a cell, for the people who run it.
_CELL_LEADERS = frozenset(
    {Action.SCHEDULE_CHANGE, Action.ROLLCALL, Action.SCORE, Action.MEMBERS, Action.INVITE}
)
# Actions on a cell that the cadres following it may also take.
_CELL_WATCHERS = frozenset({Action.ROSTER, Action.REPORT, Action.EXPORT})


@dataclass(frozen=True)
class Actor:
    """A linked person as the rules see them: their unit and the cells they follow."""

    person: Person
    unit: Unit
    parent: Unit | None
    followed: tuple[Unit, ...]  # cells at or below the units they are assigned to
    is_admin: bool = False

    @property
    def role(self) -> Role:
        """The person's role in their unit."""
        return self.person.role

    @property
    def followed_ids(self) -> frozenset[int]:
        """Ids of the cells this person follows as a cadre."""
        return frozenset(unit.id for unit in self.followed)


def may(actor: Actor | None, action: Action, unit_id: int | None = None) -> bool:
    """Whether this actor may take this action, on this unit when the action is about one.

    Cell actions need the cell: a secretary leads only their own cell, so an action on any
    other unit, or on no unit at all, is refused.
    """
    if actor is None:
        return action == Action.HELP
    if action in _EVERYONE:
        return True
    leads = actor.role.leads_cell and unit_id is not None and unit_id == actor.unit.id
    if action in _CELL_LEADERS:
        return leads
    follows = unit_id is not None and unit_id in actor.followed_ids
    if action in _CELL_WATCHERS:
        return leads or follows
    if action is Action.SCORE_UPPER:
        return follows
    if action is Action.PETITION_ANSWER:
        return leads or follows
    if action is Action.PETITION_ESCALATE:
        return leads
    return False


def actions_for(actor: Actor | None) -> list[Action]:
    """What this actor can do somewhere, in the order help lists them."""
    if actor is None:
        return [Action.HELP]
    return [action for action in Action if may(actor, action, _home_unit_for(actor, action))]


def _home_unit_for(actor: Actor, action: Action) -> int | None:
    if action is Action.SCORE_UPPER or (action in _CELL_WATCHERS and not actor.role.leads_cell):
        return actor.followed[0].id if actor.followed else None
    return actor.unit.id if action in _CELL_LEADERS | _CELL_WATCHERS else None
