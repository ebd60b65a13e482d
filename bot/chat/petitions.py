"""Kiến nghị: members raise them, leaders and cadres answer or escalate them, in any channel."""

from __future__ import annotations

from bot.chat import prompts
from bot.chat.commands import not_linked_text
from bot.chat.feature import Feature, Replies, requires
from bot.chat.turn import Turn
from bot.domain.access import Action, may
from bot.domain.acts import AnswerPetition, EscalatePetition
from bot.domain.models import Role
from bot.domain.petitions import check_text, clean_text, text_length
from bot.services import petitions
from bot.services.petitions import AnswerOutcome, EscalateOutcome, SubmitOutcome
from bot.views import petitions as views
from bot.views.reply import alert, say

# What the bot waits for after ✍️ Trả lời: the answer to the kiến nghị numbered by the ref.
ANSWER = "petition_answer"


@requires(Action.PETITION)
async def petition_command(turn: Turn, args: str) -> Replies:
    """Raise a kiến nghị with the text after the command; without text, list what one sees."""
    actor, t = turn.actor, turn.t
    assert actor is not None
    text = clean_text(args)
    if not text and not args.strip():
        listing = await petitions.listing(turn.db, actor, views.LISTED)
        return [views.listing_reply(t, listing, turn.now())]
    if actor.role is Role.CADRE:
        return [say(views.cadre_raises_text(t))]
    problem = check_text(text)
    if problem is not None:
        return [say(views.problem_text(t, problem, text_length(text)))]
    result = await petitions.submit(turn.db, actor.person, text, now=turn.now(), actor=turn.who)
    if result.outcome is SubmitOutcome.TRANSFERRED or result.petition is None:
        return [say(views.transferred_text(t, actor.unit.name))]
    turn.core.wake()
    return [say(views.submitted_text(t, result.petition.id))]


async def answer_picked(turn: Turn, act: AnswerPetition) -> Replies:
    """✍️ Trả lời: check again who picks it and whether it is still open, then ask for the text."""
    t = turn.t
    entry = await petitions.entry(turn.db, act.petition)
    if entry is None or not may(turn.actor, Action.PETITION_ANSWER, entry.petition.unit_id):
        return [alert(views.no_right_to_answer(t))]
    if not entry.petition.status.is_open:
        return [alert(views.already_answered(t, entry.petition.id))]
    await prompts.expect(turn, ANSWER, entry.petition.id)
    return [views.ask_answer(t, entry)]


async def escalate_picked(turn: Turn, act: EscalatePetition) -> Replies:
    """⬆️ Chuyển cấp trên: for the cell's leaders; the cell's cadres are told."""
    t = turn.t
    petition = await petitions.get(turn.db, act.petition)
    if petition is None or not may(turn.actor, Action.PETITION_ESCALATE, petition.unit_id):
        return [alert(views.only_leaders_escalate(t))]
    result = await petitions.escalate(turn.db, petition.id, now=turn.now(), actor=turn.who)
    if result.outcome is not EscalateOutcome.DONE:
        return [alert(views.not_escalated(t, result.outcome, petition.id))]
    turn.core.wake()
    return [say(views.escalated_text(t, petition.id, [c.full_name for c in result.cadres]))]


async def answer_given(turn: Turn, petition_id: int, words: str) -> Replies:
    """The text the bot asked for: the answer, taken only if nobody has answered first."""
    t, actor = turn.t, turn.actor
    if actor is None:
        return [say(not_linked_text(t))]
    entry = await petitions.entry(turn.db, petition_id)
    if entry is None or not may(actor, Action.PETITION_ANSWER, entry.petition.unit_id):
        await prompts.done(turn)
        return [say(views.no_right_to_answer(t))]
    text = clean_text(words)
    problem = check_text(text)
    if entry.petition.status.is_open and problem is not None:
        # Still waiting: the next text is read as the answer again.
        return [say(views.answer_problem_text(t, problem, text_length(text), petition_id))]
    result = await petitions.answer(
        turn.db, petition_id, actor.person, text, now=turn.now(), actor=turn.who
    )
    # The answer is stored before the prompt goes: a crash in between is replayed as the same.
    await prompts.done(turn)
    if result.outcome is not AnswerOutcome.DONE:
        return [say(views.already_answered(t, petition_id))]
    turn.core.wake()
    return [say(views.answered_text(t, petition_id, entry.member))]


async def cancel(turn: Turn) -> str | None:
    """/huy while the bot waits for an answer: leave it, and say which kiến nghị it was for."""
    waiting = await prompts.waiting(turn)
    if waiting is None or waiting.kind != ANSWER:
        return None
    await prompts.done(turn)
    return views.answer_left_text(turn.t, waiting.ref)


FEATURE = Feature(
    commands={"kiennghi": petition_command, "petition": petition_command},
    acts={AnswerPetition: answer_picked, EscalatePetition: escalate_picked},
    prompts={ANSWER: answer_given},
    cancel=cancel,
)
