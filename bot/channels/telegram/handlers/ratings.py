"""Members rate the meeting they attended: four buttons, then an optional comment."""

from __future__ import annotations

from telegram import ForceReply, Message, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.channels.telegram.handlers.context import ChiboContext
from bot.channels.telegram.handlers.keyboards import RATE
from bot.services import rollcall
from bot.views.rollcall import RATING_LABELS, RATINGS

# The prompt for a comment; a reply to it is read as the comment (Telegram's ForceReply).
COMMENT_MARK = "💬"
_MAX_COMMENT = 1000


async def rating_pressed(update: Update, context: ChiboContext) -> None:
    """Store the rating (a second press updates it), then offer to take a comment."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    t, actor = context.t, context.actor
    _prefix, meeting_id, rating = query.data.split(":")
    if actor is None or not await rollcall.rate(
        context.db, int(meeting_id), actor.person.id, rating, None, context.now()
    ):
        await query.answer(
            t._("Chỉ đảng viên có mặt ở buổi họp này mới đánh giá."), show_alert=True
        )
        return
    await query.answer(t._("Đã ghi: {rating}").format(rating=t._(RATING_LABELS[rating])))
    if isinstance(query.message, Message):
        await query.message.reply_text(
            COMMENT_MARK
            + " "
            + t._(
                "Cảm ơn đồng chí. Nếu muốn góp ý thêm về buổi sinh hoạt (#{meeting}), trả lời "
                "tin nhắn này; không bắt buộc."
            ).format(meeting=meeting_id),
            reply_markup=ForceReply(selective=True),
        )


async def comment_reply(update: Update, context: ChiboContext) -> None:
    """A reply to the comment prompt: the comment on that meeting."""
    message = update.effective_message
    assert message is not None
    t, actor = context.t, context.actor
    prompt = message.reply_to_message
    meeting_id = _meeting_of(prompt.text if prompt else None)
    if actor is None or meeting_id is None:
        await message.reply_text(
            t._("Trợ lý chưa hiểu tin nhắn này. Gõ /trogiup để xem các việc đồng chí có thể làm.")
        )
        return
    async with context.db.transaction() as conn:
        from bot.storage import rollcall as rows

        current = await rows.rating_of(conn, meeting_id, actor.person.id)
    if current is None:
        await message.reply_text(t._("Chỉ đảng viên có mặt ở buổi họp này mới đánh giá."))
        return
    await rollcall.rate(
        context.db,
        meeting_id,
        actor.person.id,
        current,
        (message.text or "")[:_MAX_COMMENT],
        context.now(),
    )
    await message.reply_text(t._("Đã ghi góp ý của đồng chí. Cảm ơn đồng chí."))


def _meeting_of(prompt: str | None) -> int | None:
    if not prompt or not prompt.startswith(COMMENT_MARK) or "(#" not in prompt:
        return None
    number = prompt.split("(#", 1)[1].split(")", 1)[0]
    return int(number) if number.isdigit() else None


class _ReplyToCommentPrompt(filters.MessageFilter):
    """Messages that answer the bot's comment prompt."""

    def filter(self, message: Message) -> bool:
        prompt = message.reply_to_message
        return bool(prompt and prompt.text and prompt.text.startswith(COMMENT_MARK))


HANDLERS = [
    CallbackQueryHandler(rating_pressed, pattern=rf"^{RATE}:\d{{1,12}}:({'|'.join(RATINGS)})$"),
    MessageHandler(filters.TEXT & ~filters.COMMAND & _ReplyToCommentPrompt(), comment_reply),
]
