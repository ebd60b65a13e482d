"""Members' answers to a meeting: the choices on a notice, and replies in their own words."""

from __future__ import annotations

from datetime import timedelta

from bot.chat import prompts
from bot.chat.commands import not_linked_text
from bot.chat.feature import Feature, Replies
from bot.chat.turn import Turn
from bot.domain.acts import Attend, GiveReason
from bot.domain.meetings import Meeting
from bot.domain.replies import Intent, ReasonKind, ReasonOutcome, read_reason_reply, read_reply
from bot.services import meetings
from bot.services.meetings import AnswerOutcome, AnswerResult
from bot.views.meetings import (
    answer_choices,
    ask_reason_text,
    reason_choices,
    recorded_text,
    unclear_text,
    waiting_reason_text,
    waiting_text,
)
from bot.views.reply import Reply, alert, say

# Longer texts are not answers; they are read only up to here.
_MAX_READ = 1000
# The bot asked for the reason of an absence; the prompt's ref is the meeting.
REASON_PROMPT = "reason"


async def attend_picked(turn: Turn, act: Attend) -> Replies:
    """✅ Tham dự or 🙏 Xin vắng on a notice."""
    actor = turn.actor
    if actor is None:
        return [alert(not_linked_text(turn.t))]
    intent = Intent.ATTEND if act.yes else Intent.ABSENT
    current = await meetings.current_answer(turn.db, act.meeting, actor.person.id)
    if intent is Intent.ABSENT and current is not None and current.excused:
        # Picking "Xin vắng" again must not wipe the reason already given.
        result = AnswerResult(
            AnswerOutcome.UNCHANGED, await meetings.get(turn.db, act.meeting), current
        )
    else:
        result = await meetings.record_answer(
            turn.db, act.meeting, actor.person, intent=intent, via="button", now=turn.now()
        )
    return await confirm(turn, result)


async def reason_picked(turn: Turn, act: GiveReason) -> Replies:
    """A reason picked after 🙏 Xin vắng."""
    actor = turn.actor
    if actor is None:
        return [alert(not_linked_text(turn.t))]
    result = await meetings.record_answer(
        turn.db,
        act.meeting,
        actor.person,
        intent=Intent.ABSENT,
        reason_kind=act.kind,
        via="button",
        now=turn.now(),
    )
    if act.kind is ReasonKind.OTHER and result.outcome in (
        AnswerOutcome.RECORDED,
        AnswerOutcome.UNCHANGED,
    ):
        if result.meeting is not None:
            await _ask_reason(turn, result.meeting)
        return [say(turn.t._("Xin đồng chí nhắn lý do vắng vào đây."))]
    return await confirm(turn, result)


async def text_reply(turn: Turn, text: str) -> Replies:
    """Free text: an answer to the meeting ahead, a reason asked for, or something else."""
    t, actor = turn.t, turn.actor
    if actor is None:
        return [say(not_linked_text(t))]
    meeting = await meetings.meeting_for_reply(turn.db, actor.person, turn.now())
    if meeting is None:
        return [
            say(
                t._(
                    "Hiện chưa có buổi sinh hoạt nào cần trả lời. Gõ /trogiup để xem các việc "
                    "đồng chí có thể làm."
                )
            )
        ]
    text = text[:_MAX_READ]
    tz = turn.core.rules.tz
    reading = read_reply(text)
    if reading.intent is Intent.DEFER:
        # "Để em xem lịch rồi báo lại": not an answer; nothing is recorded.
        return [say(waiting_text(t), *answer_choices(t, meeting.id))]
    if reading.intent is Intent.UNCLEAR:
        # Never record a guess: ask, with the two choices.
        return [say(unclear_text(t, meeting, actor.unit, tz), *answer_choices(t, meeting.id))]
    result = await meetings.record_answer(
        turn.db,
        meeting.id,
        actor.person,
        intent=reading.intent,
        reason_kind=reading.reason_kind,
        reason_text=reading.reason_text,
        via="text",
        raw_text=text,
        now=turn.now(),
    )
    return await confirm(turn, result)


async def _ask_reason(turn: Turn, meeting: Meeting) -> None:
    """Wait for the reason: the next text is read as it, until the meeting begins or /huy."""
    left = meeting.starts_at - turn.now()
    if left > timedelta(0):
        await prompts.expect(turn, REASON_PROMPT, meeting.id, waits=left)


async def _reason_settled(turn: Turn) -> None:
    """The answer needs no reason any more: stop waiting for one."""
    waiting = await prompts.waiting(turn)
    if waiting is not None and waiting.kind == REASON_PROMPT:
        await prompts.done(turn)


async def reason_prompt(turn: Turn, meeting_id: int, text: str) -> Replies:
    """The text after "xin cho biết lý do": read as the reason, a change of mind, or neither."""
    if turn.actor is None:
        return [say(not_linked_text(turn.t))]
    return await _reason_given(turn, meeting_id, text[:_MAX_READ])


async def _reason_given(turn: Turn, meeting_id: int, text: str) -> Replies:
    """The reply to "xin cho biết lý do": a reason, a change of mind, or not a reason yet."""
    actor = turn.actor
    assert actor is not None
    t = turn.t
    reply = read_reason_reply(text)
    if reply.outcome is ReasonOutcome.DEFER:
        return [say(waiting_reason_text(t), *reason_choices(t, meeting_id))]
    if reply.outcome is ReasonOutcome.NOT_A_REASON or (
        reply.outcome is ReasonOutcome.REASON and reply.reason_kind is None
    ):
        return [say(ask_reason_text(t), *reason_choices(t, meeting_id))]
    if reply.outcome is ReasonOutcome.ATTEND:
        # A change of mind: "thôi em đi được".
        result = await meetings.record_answer(
            turn.db,
            meeting_id,
            actor.person,
            intent=Intent.ATTEND,
            via="text",
            raw_text=text,
            now=turn.now(),
        )
        return await confirm(turn, result)
    result = await meetings.record_answer(
        turn.db,
        meeting_id,
        actor.person,
        intent=Intent.ABSENT,
        reason_kind=reply.reason_kind,
        reason_text=reply.reason_text,
        via="text",
        raw_text=text,
        now=turn.now(),
    )
    return await confirm(turn, result)


async def confirm(turn: Turn, result: AnswerResult) -> Replies:
    """Say what was stored, ask for a reason if needed, or say why nothing was stored."""
    t = turn.t
    actor = turn.actor
    assert actor is not None
    meeting, answer = result.meeting, result.answer
    if result.outcome in (AnswerOutcome.RECORDED, AnswerOutcome.UNCHANGED):
        assert meeting is not None
        assert answer is not None
        replies: Replies = [say(recorded_text(t, meeting, actor.unit, answer, turn.core.rules.tz))]
        if answer.awaiting_reason and answer.reason_kind is None:
            await _ask_reason(turn, meeting)
            replies.append(Reply(ask_reason_text(t), reason_choices(t, meeting.id)))
        elif not answer.awaiting_reason:
            await _reason_settled(turn)
        return replies
    texts = {
        AnswerOutcome.NOT_FOUND: t._("Không tìm thấy buổi sinh hoạt này."),
        AnswerOutcome.NOT_INVITED: t._("Đồng chí không có trong danh sách dự buổi sinh hoạt này."),
        AnswerOutcome.CANCELLED: t._("Buổi sinh hoạt này đã hủy; không cần trả lời."),
        AnswerOutcome.CLOSED: t._(
            "Buổi sinh hoạt này đã qua, không nhận trả lời nữa. Gõ /lichhop để xem buổi sắp tới."
        ),
    }
    return [say(texts[result.outcome])]


FEATURE = Feature(
    acts={Attend: attend_picked, GiveReason: reason_picked},
    texts=(text_reply,),
    prompts={REASON_PROMPT: reason_prompt},
)
