"""The last group: whatever no other handler took still gets a clear answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.channels.telegram.handlers.commands import not_linked_text
from bot.channels.telegram.handlers.context import ChiboContext


async def unknown_command(update: Update, context: ChiboContext) -> None:
    """A command the bot does not have."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    command = message.text.split()[0][:40]
    await message.reply_text(
        context.t._("Không có lệnh {command}. Gõ /trogiup để xem các lệnh.").format(
            command=command
        )
    )


async def other_message(update: Update, context: ChiboContext) -> None:
    """Text, stickers, photos and the rest that nothing else understood."""
    message = update.effective_message
    if message is None:
        return
    t = context.t
    if context.actor is None:
        await message.reply_text(not_linked_text(t))
        return
    await message.reply_text(
        t._("Trợ lý chưa hiểu tin nhắn này. Gõ /trogiup để xem các việc đồng chí có thể làm.")
    )


async def stale_button(update: Update, context: ChiboContext) -> None:
    """A button with data no handler accepts: old, or forged by a modified client."""
    query = update.callback_query
    assert query is not None
    await query.answer(
        context.t._(
            "Nút này không còn hiệu lực. Gõ /trogiup để xem các việc đồng chí có thể làm."
        ),
        show_alert=True,
    )


HANDLERS = [
    MessageHandler(filters.COMMAND, unknown_command),
    MessageHandler(filters.ALL, other_message),
    CallbackQueryHandler(stale_button),
]
