"""/lichhop (/schedule): the next meetings; for the secretary, moving and changing them.

Also the kind chosen under /lichhop, the secretary's list of answers, and /cuatoi (/me).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.chat.feature import Feature, Replies, requires
from bot.chat.turn import Turn
from bot.domain.access import Action, may
from bot.domain.acts import SetKind, ShowRoster
from bot.domain.meetings import Meeting, MeetingStatus
from bot.domain.schedule import (
    MeetingKind,
    ParseError,
    Slot,
    parse_clock,
    parse_day_of_month,
    parse_move,
)
from bot.domain.text import fold, visible
from bot.services import meetings
from bot.services.meetings import Change, ChangeOutcome
from bot.views import meetings as views
from bot.views.reply import Choice, alert, say

# What the secretary may type after /lichhop, by its folded first words.
_SUBCOMMANDS = {
    "huy": "cancel",
    "chude": "topic",
    "chu de": "topic",
    "noidung": "topic",
    "noi dung": "topic",
    "loai": "kind",
    "hangthang": "slot",
    "hang thang": "slot",
    "chiuy": "committee",
    "chi uy": "committee",
    # English words for the same, for people who chose English.
    "cancel": "cancel",
    "topic": "topic",
    "kind": "kind",
    "monthly": "slot",
    "committee": "committee",
}
_MAX_TEXT = 200
_SLOT = re.compile(r"^(?P<day>.+?)\s+(?P<time>\S+)(?:\s+(?P<place>.+))?$")


@requires(Action.SCHEDULE)
async def schedule(turn: Turn, args: str) -> Replies:
    """Show the next meetings, or carry out what the secretary typed after the command."""
    actor = turn.actor
    assert actor is not None
    if not args.strip():
        return await _show(turn)
    if not may(actor, Action.SCHEDULE_CHANGE, actor.unit.id):
        return [say(views.only_leaders_change_text(turn.t))]
    # Invisible characters (zero-width, bidi marks) never reach a topic, place or reason that
    # everyone reads: a word made of nothing else is refused, the rest are dropped.
    if any(not visible(word) for word in args.split()):
        return [say(views.invisible_text(turn.t))]
    typed = visible(args)
    verb, rest = _split_subcommand(typed)
    handler: Callable[[Turn, str], Awaitable[Replies]] = {
        "cancel": _cancel,
        "topic": _topic,
        "kind": _kind,
        "slot": _slot,
        "committee": _committee,
    }.get(verb, _move)
    return await handler(turn, rest if verb else typed)


def _split_subcommand(typed: str) -> tuple[str, str]:
    folded = fold(typed)
    for words, verb in sorted(_SUBCOMMANDS.items(), key=lambda item: -len(item[0])):
        if folded == words or folded.startswith(words + " "):
            return verb, typed[len(words) :].strip(" :,-")
    return "", typed


async def _next_monthly(turn: Turn) -> Meeting | None:
    actor = turn.actor
    assert actor is not None
    upcoming = await meetings.next_meetings(turn.db, actor.unit.id, turn.now())
    monthly = [m for m in upcoming if m.kind is not MeetingKind.COMMITTEE]
    scheduled = [m for m in monthly if m.status is MeetingStatus.SCHEDULED]
    candidates = scheduled or monthly
    return candidates[0] if candidates else None


async def _show(turn: Turn) -> Replies:
    actor, t, rules = turn.actor, turn.t, turn.core.rules
    assert actor is not None
    upcoming = await meetings.next_meetings(turn.db, actor.unit.id, turn.now())
    lines = [views.meeting_card(t, m, actor.unit, rules.tz) for m in upcoming[:3]]
    if not lines:
        lines = [views.no_meeting_text(t)]
    choices: list[tuple[Choice, ...]] = []
    if may(actor, Action.SCHEDULE_CHANGE, actor.unit.id):
        lines.append(views.slot_line(t, await meetings.slot_of(turn.db, actor.unit.id, rules)))
        lines.append(views.schedule_usage(t))
        scheduled = [m for m in upcoming if m.status is MeetingStatus.SCHEDULED]
        if scheduled:
            first = scheduled[0]
            choices.append((views.roster_choice(t, first.id),))
            if first.kind is not MeetingKind.COMMITTEE:
                choices.append(views.kind_choices(t, first.id))
    return [say("\n\n".join(lines), *choices)]


def _changed(turn: Turn, change: Change, done: str) -> Replies:
    t = turn.t
    if change.outcome is ChangeOutcome.DONE:
        turn.core.wake()
        return [say(done)]
    texts = {
        ChangeOutcome.NOT_FOUND: views.nothing_to_change_text(t),
        ChangeOutcome.CANCELLED: views.cancelled_change_text(t),
        ChangeOutcome.STARTED: views.started_change_text(t),
    }
    return [say(texts[change.outcome])]


async def _move(turn: Turn, typed: str) -> Replies:
    t, rules, actor = turn.t, turn.core.rules, turn.actor
    assert actor is not None
    move = parse_move(typed, turn.now(), rules.tz)
    if isinstance(move, ParseError):
        return [say(move.render(t._))]
    if move.place is not None and len(move.place) > _MAX_TEXT:
        return [say(views.place_too_long_text(t, _MAX_TEXT))]
    meeting = await _next_monthly(turn)
    if meeting is None:
        return [say(views.nothing_to_change_text(t))]
    change = await meetings.move(
        turn.db,
        meeting.id,
        start=move.start,
        place=move.place,
        rules=rules,
        now=turn.now(),
        actor=turn.who,
    )
    moved = change.meeting
    assert moved is not None
    return _changed(turn, change, views.moved_text(t, moved, actor.unit, rules.tz))


async def _cancel(turn: Turn, reason: str) -> Replies:
    t = turn.t
    if not reason:
        return [say(views.cancel_needs_reason_text(t))]
    if len(reason) > _MAX_TEXT:
        return [say(views.reason_too_long_text(t, _MAX_TEXT))]
    meeting = await _next_monthly(turn)
    if meeting is None:
        return [say(views.nothing_to_change_text(t))]
    change = await meetings.cancel(
        turn.db, meeting.id, reason=reason, rules=turn.core.rules, now=turn.now(), actor=turn.who
    )
    return _changed(turn, change, views.cancelled_text(t))


async def _topic(turn: Turn, topic: str) -> Replies:
    t = turn.t
    if not topic or len(topic) > _MAX_TEXT:
        return [say(views.topic_needed_text(t, _MAX_TEXT))]
    meeting = await _next_monthly(turn)
    if meeting is None:
        return [say(views.nothing_to_change_text(t))]
    change = await meetings.amend(turn.db, meeting.id, topic=topic, now=turn.now(), actor=turn.who)
    return _changed(turn, change, views.topic_set_text(t, topic))


async def _kind(turn: Turn, typed: str) -> Replies:
    t = turn.t
    kind = MeetingKind.parse(typed)
    if kind is None or kind is MeetingKind.COMMITTEE:
        return [say(views.kind_needed_text(t))]
    meeting = await _next_monthly(turn)
    if meeting is None:
        return [say(views.nothing_to_change_text(t))]
    change = await meetings.amend(turn.db, meeting.id, kind=kind, now=turn.now(), actor=turn.who)
    return _changed(turn, change, views.kind_set_text(t, kind))


async def _slot(turn: Turn, typed: str) -> Replies:
    t, rules, actor = turn.t, turn.core.rules, turn.actor
    assert actor is not None
    example = views.slot_example_text(t)
    match = _SLOT.match(typed)
    if match is None:
        return [say(example)]
    day = parse_day_of_month(match["day"])
    clock = parse_clock(match["time"])
    for parsed in (day, clock):
        if isinstance(parsed, ParseError):
            return [say(dataclasses.replace(parsed, example=None).render(t._) + "\n" + example)]
    assert not isinstance(day, ParseError)
    assert not isinstance(clock, ParseError)
    current = await meetings.slot_of(turn.db, actor.unit.id, rules)
    place = match["place"] or current.place
    if len(place) > _MAX_TEXT:
        return [say(views.place_too_long_text(t, _MAX_TEXT))]
    slot = Slot(day=day, time=clock, place=place)
    await meetings.set_slot(turn.db, actor.unit.id, slot, now=turn.now(), actor=turn.who)
    return [say(views.slot_set_text(t, slot))]


async def _committee(turn: Turn, typed: str) -> Replies:
    t, rules, actor = turn.t, turn.core.rules, turn.actor
    assert actor is not None
    move = parse_move(typed, turn.now(), rules.tz)
    if isinstance(move, ParseError):
        return [
            say(
                dataclasses.replace(move, example=None).render(t._)
                + "\n"
                + views.committee_example_text(t)
            )
        ]
    if move.place is not None and len(move.place) > _MAX_TEXT:
        return [say(views.place_too_long_text(t, _MAX_TEXT))]
    meeting = await meetings.create_committee_meeting(
        turn.db,
        actor.unit.id,
        start=move.start,
        place=move.place or (await meetings.slot_of(turn.db, actor.unit.id, rules)).place,
        rules=rules,
        now=turn.now(),
        actor=turn.who,
    )
    turn.core.wake()
    return [say(views.committee_set_text(t, meeting, actor.unit, rules.tz))]


async def kind_picked(turn: Turn, act: SetKind) -> Replies:
    """A kind chosen under /lichhop: only for the cell's leaders, only before it begins."""
    t = turn.t
    meeting = await meetings.get(turn.db, act.meeting)
    if meeting is None or not may(turn.actor, Action.SCHEDULE_CHANGE, meeting.unit_id):
        return [alert(views.no_right_to_change_text(t))]
    kind = MeetingKind(act.kind)
    if kind is MeetingKind.COMMITTEE or meeting.kind is MeetingKind.COMMITTEE:
        return [alert(views.no_right_to_change_text(t))]
    # amend() checks again, in its transaction, that the meeting is neither cancelled nor begun.
    change = await meetings.amend(turn.db, meeting.id, kind=kind, now=turn.now(), actor=turn.who)
    return _changed(turn, change, views.kind_set_text(t, kind))


async def roster_picked(turn: Turn, act: ShowRoster) -> Replies:
    """The list of answers, for the cell's leaders and the cadres who follow it."""
    t = turn.t
    view = await meetings.roster(turn.db, act.meeting)
    if view is None or not may(turn.actor, Action.ROSTER, view.meeting.unit_id):
        return [alert(views.no_right_to_list_text(t))]
    return [
        say(
            views.roster_text(
                t, view.meeting, view.unit, view.roster, view.phones, turn.core.rules.tz
            )
        )
    ]


@requires(Action.ME)
async def my_record(turn: Turn, args: str) -> Replies:
    """This year's meetings of the person's cell with their answer and attendance."""
    actor = turn.actor
    assert actor is not None
    tz = turn.core.rules.tz
    year = turn.now().astimezone(tz).year
    since = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    until = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    found = await meetings.my_record(turn.db, actor.person.id, since, until)
    return [say(views.my_record_text(turn.t, actor.person.full_name, year, found, tz))]


FEATURE = Feature(
    commands={"lichhop": schedule, "schedule": schedule, "cuatoi": my_record, "me": my_record},
    acts={SetKind: kind_picked, ShowRoster: roster_picked},
)
