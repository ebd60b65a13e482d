"""/chamdiem (/score): the scorecard, criterion by criterion, in either column.

While a card is open (unconfirmed, touched in the last hours), a typed text that reads as
points (or «quay lại») is for the criterion asked: channels that number their choices must
let this reader see a typed number before reading it as a pick of their last offer.
"""

from __future__ import annotations

from bot.chat.commands import command_name, not_linked_text, refusal_text
from bot.chat.feature import Feature, Replies
from bot.chat.turn import Turn
from bot.domain.access import Action, may
from bot.domain.acts import Score
from bot.domain.scorecard import PointsError, parse_points
from bot.domain.text import fold
from bot.services import meetings, scoring
from bot.services.scoring import SELF, UPPER, Sheet
from bot.views.reply import Reply, Shape, alert, say, toast
from bot.views.scoring import (
    card_choices,
    incomplete_text,
    meeting_choices,
    nothing_to_score_text,
    old_step_text,
    pick_meeting_text,
    question_text,
    refused_text,
    set_aside_text,
    upper_label,
)

_BACK_WORDS = {"quay lai", "lui", "back", "tro lai"}
_BOARDS = (SELF, UPPER)


async def score_command(turn: Turn, args: str) -> Replies:
    """Open the card of the cell's last held meeting, or offer the cells a cadre follows."""
    actor, t = turn.actor, turn.t
    if actor is None:
        return [say(not_linked_text(t))]
    if not (may(actor, Action.SCORE, actor.unit.id) or actor.followed):
        return [say(refusal_text(t, Action.SCORE))]
    offers = await _offers(turn)
    if not offers:
        return [say(nothing_to_score_text(t))]
    if len(offers) == 1:
        meeting_id, board, _label = offers[0]
        return [_card(turn, await _open(turn, meeting_id, board))]
    return [say(pick_meeting_text(t), *meeting_choices(offers))]


async def _offers(turn: Turn) -> list[tuple[int, str, str]]:
    """(meeting, column, label) of every card this person can fill now."""
    actor = turn.actor
    assert actor is not None
    now = turn.now()
    found: list[tuple[int, str, str]] = []
    if may(actor, Action.SCORE, actor.unit.id):
        meeting = await scoring.latest_closed(turn.db, actor.unit.id, now)
        if meeting is not None:
            found.append((meeting.id, SELF, actor.unit.name))
    for unit in actor.followed:
        meeting = await scoring.latest_closed(turn.db, unit.id, now)
        if meeting is not None:
            found.append((meeting.id, UPPER, upper_label(turn.t, unit.name)))
    return found


async def _allowed(turn: Turn, meeting_id: int, board: str) -> bool:
    """Whether this person may fill this column of this meeting's card now."""
    if turn.actor is None or board not in _BOARDS:
        return False
    meeting = await meetings.get(turn.db, meeting_id)
    if meeting is None or not scoring.may_score(meeting):
        return False
    action = Action.SCORE if board == SELF else Action.SCORE_UPPER
    return may(turn.actor, action, meeting.unit_id)


async def _open(turn: Turn, meeting_id: int, board: str) -> Sheet:
    actor = turn.actor
    assert actor is not None
    core = turn.core
    return await scoring.open_sheet(
        turn.db, core.card, meeting_id, board, actor.person.id, core.rules, turn.now()
    )


def _card(turn: Turn, sheet: Sheet, shape: Shape = Shape.MESSAGE) -> Reply:
    """The card as it stands, with its choices."""
    t, core = turn.t, turn.core
    return Reply(
        question_text(t, sheet, core.card, core.rules.tz), card_choices(t, sheet), shape=shape
    )


async def score_picked(turn: Turn, act: Score) -> Replies:
    """A step of the card: open it, points for the criterion asked, back, confirm."""
    t, core = turn.t, turn.core
    if turn.actor is None:
        return [alert(not_linked_text(t))]
    if not await _allowed(turn, act.meeting, act.board):
        return [alert(refused_text(t))]
    sheet = await _open(turn, act.meeting, act.board)
    if act.op == "open":
        return [_card(turn, sheet)]
    if act.op == "pt":
        criterion = sheet.current
        if criterion is None or criterion.code != act.criterion:
            return [toast(old_step_text(t))]
        points = parse_points(act.points, criterion.max_points)
        if isinstance(points, PointsError):
            return [alert(points.render(t._))]
        sheet = await scoring.give(
            turn.db,
            core.card,
            act.meeting,
            act.board,
            criterion.code,
            points,
            core.rules,
            turn.now(),
        )
    elif act.op == "back":
        sheet = await scoring.back(
            turn.db, core.card, act.meeting, act.board, core.rules, turn.now()
        )
    elif act.op == "ok":
        confirmed = await scoring.confirm(
            turn.db, core.card, act.meeting, act.board, core.rules, turn.now()
        )
        if confirmed is None:
            return [alert(incomplete_text(t))]
        sheet = confirmed
    return [_card(turn, sheet, Shape.REPLACE)]


async def typed_points(turn: Turn, text: str) -> Replies | None:
    """Typed points or «quay lại» for the card being filled; None if no card is open."""
    actor, t, core = turn.actor, turn.t, turn.core
    if actor is None:
        return None
    active = await scoring.active(turn.db, actor.person.id, turn.now())
    if active is None:
        return None
    meeting_id, board = active
    if not await _allowed(turn, meeting_id, board):
        return None
    sheet = await _open(turn, meeting_id, board)
    typed = text.strip()
    if fold(typed) in _BACK_WORDS:
        sheet = await scoring.back(turn.db, core.card, meeting_id, board, core.rules, turn.now())
        return [_card(turn, sheet)]
    criterion = sheet.current
    if criterion is None:
        return None
    points = parse_points(typed, criterion.max_points)
    if isinstance(points, PointsError):
        card = _card(turn, sheet)
        return [Reply(points.render(t._) + "\n\n" + card.text, card.choices)]
    sheet = await scoring.give(
        turn.db, core.card, meeting_id, board, criterion.code, points, core.rules, turn.now()
    )
    return [_card(turn, sheet)]


async def reads_numbers(turn: Turn) -> bool:
    """Whether a number typed now is points for the card being filled (so a channel that
    numbers its choices must not read it as a pick of its last offer)."""
    actor = turn.actor
    if actor is None:
        return False
    active = await scoring.active(turn.db, actor.person.id, turn.now())
    if active is None or not await _allowed(turn, *active):
        return False
    return await scoring.asks_points(turn.db, turn.core.card, actor.person.id, turn.now())


async def set_aside(turn: Turn) -> str | None:
    """/huy: typed text is no longer read as points; the card keeps its points, unconfirmed."""
    if turn.actor is None:
        return None
    if not await scoring.set_aside(turn.db, turn.actor.person.id, turn.now()):
        return None
    return set_aside_text(turn.t, command_name(turn.t, Action.SCORE))


FEATURE = Feature(
    commands={"chamdiem": score_command, "score": score_command},
    acts={Score: score_picked},
    texts=(typed_points,),
    cancel=set_aside,
)
