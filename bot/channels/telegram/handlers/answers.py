"""Members' answers to a meeting: the buttons on a notice, and replies in their own words."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.channels.telegram.handlers import scoring as scoring_handlers
from bot.channels.telegram.handlers.commands import not_linked_text
from bot.channels.telegram.handlers.context import ChiboContext
from bot.channels.telegram.handlers.keyboards import ATTEND, REASON, answer_buttons, reason_buttons
from bot.domain.replies import Intent, ReasonKind, read_reason, read_reply
from bot.services import meetings
from bot.services.meetings import AnswerOutcome, AnswerResult
from bot.views.meetings import ask_reason_text, recorded_text, unclear_text

# Longer texts are not answers; they are read only up to here.
_MAX_READ = 1000


async def attend_pressed(update: Update, context: ChiboContext) -> None:
    """✅ Tham dự or 🙏 Xin vắng on a notice."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    _prefix, meeting_id, value = query.data.split(":")
    actor = context.actor
    if actor is None:
        await query.answer(not_linked_text(context.t), show_alert=True)
        return
    intent = Intent.ATTEND if value == "y" else Intent.ABSENT
    current = await meetings.current_answer(context.db, int(meeting_id), actor.person.id)
    if intent is Intent.ABSENT and current is not None and current.excused:
        # Pressing "Xin vắng" again must not wipe the reason already given.
        result = AnswerResult(
            AnswerOutcome.UNCHANGED, await meetings.get(context.db, int(meeting_id)), current
        )
    else:
        result = await meetings.record_answer(
            context.db,
            int(meeting_id),
            actor.person,
            intent=intent,
            via="button",
            now=context.now(),
        )
    await query.answer()
    if isinstance(query.message, Message):
        await _confirm(query.message, context, result)


async def reason_pressed(update: Update, context: ChiboContext) -> None:
    """A reason button after 🙏 Xin vắng."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    _prefix, meeting_id, value = query.data.split(":")
    actor = context.actor
    if actor is None:
        await query.answer(not_linked_text(context.t), show_alert=True)
        return
    kind = ReasonKind(value)
    result = await meetings.record_answer(
        context.db,
        int(meeting_id),
        actor.person,
        intent=Intent.ABSENT,
        reason_kind=kind,
        via="button",
        now=context.now(),
    )
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if kind is ReasonKind.OTHER and result.outcome in (
        AnswerOutcome.RECORDED,
        AnswerOutcome.UNCHANGED,
    ):
        await query.message.reply_text(context.t._("Xin đồng chí nhắn lý do vắng vào đây."))
        return
    await _confirm(query.message, context, result)


async def text_reply(update: Update, context: ChiboContext) -> None:
    """Free text: an answer to the meeting ahead, a reason asked for, or something else."""
    message = update.effective_message
    assert message is not None
    t, actor = context.t, context.actor
    if actor is None:
        await message.reply_text(not_linked_text(t))
        return
    if await scoring_handlers.take_text(message, context):
        return
    meeting = await meetings.meeting_for_reply(context.db, actor.person, context.now())
    if meeting is None:
        await message.reply_text(
            t._(
                "Hiện chưa có buổi sinh hoạt nào cần trả lời. Gõ /trogiup để xem các việc "
                "đồng chí có thể làm."
            )
        )
        return
    text = (message.text or "")[:_MAX_READ]
    current = await meetings.current_answer(context.db, meeting.id, actor.person.id)
    reading = read_reply(text)
    if current is not None and current.awaiting_reason and reading.intent is not Intent.ATTEND:
        reason = read_reason(text)
        if reason is None:
            await message.reply_text(
                ask_reason_text(t), reply_markup=reason_buttons(t, meeting.id)
            )
            return
        kind, words = reason
        result = await meetings.record_answer(
            context.db,
            meeting.id,
            actor.person,
            intent=Intent.ABSENT,
            reason_kind=kind,
            reason_text=words,
            via="text",
            raw_text=text,
            now=context.now(),
        )
        await _confirm(message, context, result)
        return
    if reading.intent is Intent.UNCLEAR:
        # Never record a guess: ask, with the two buttons.
        await message.reply_text(
            unclear_text(t, meeting, actor.unit, context.bot_data.rules.tz),
            reply_markup=answer_buttons(t, meeting.id),
        )
        return
    result = await meetings.record_answer(
        context.db,
        meeting.id,
        actor.person,
        intent=reading.intent,
        reason_kind=reading.reason_kind,
        reason_text=reading.reason_text,
        via="text",
        raw_text=text,
        now=context.now(),
    )
    await _confirm(message, context, result)


async def _confirm(message: Message, context: ChiboContext, result: AnswerResult) -> None:
    """Say what was stored, ask for a reason if needed, or say why nothing was stored."""
    t = context.t
    actor = context.actor
    assert actor is not None
    meeting, answer = result.meeting, result.answer
    if result.outcome in (AnswerOutcome.RECORDED, AnswerOutcome.UNCHANGED):
        assert meeting is not None
        assert answer is not None
        tz = context.bot_data.rules.tz
        await message.reply_text(recorded_text(t, meeting, actor.unit, answer, tz))
        if answer.awaiting_reason and answer.reason_kind is None:
            await message.reply_text(
                ask_reason_text(t), reply_markup=reason_buttons(t, meeting.id)
            )
        return
    texts = {
        AnswerOutcome.NOT_FOUND: t._("Không tìm thấy buổi sinh hoạt này."),
        AnswerOutcome.NOT_INVITED: t._("Đồng chí không có trong danh sách dự buổi sinh hoạt này."),
        AnswerOutcome.CANCELLED: t._("Buổi sinh hoạt này đã hủy; không cần trả lời."),
        AnswerOutcome.CLOSED: t._(
            "Buổi sinh hoạt này đã qua, không nhận trả lời nữa. Gõ /lichhop để xem buổi sắp tới."
        ),
    }
    await message.reply_text(texts[result.outcome])


_REASONS = "|".join(kind.value for kind in ReasonKind)

HANDLERS = [
    CallbackQueryHandler(attend_pressed, pattern=rf"^{ATTEND}:\d{{1,12}}:[yn]$"),
    CallbackQueryHandler(reason_pressed, pattern=rf"^{REASON}:\d{{1,12}}:({_REASONS})$"),
    MessageHandler(filters.TEXT & ~filters.COMMAND, text_reply),
]
