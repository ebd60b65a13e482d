"""The last handlers of group 0: whatever no other handler took still gets a clear answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.channels.telegram import render
from bot.channels.telegram.handlers.chat import turn_of
from bot.channels.telegram.handlers.context import ChiboContext
from bot.chat import fallback


async def unknown_command(update: Update, context: ChiboContext) -> None:
    """A command the bot does not have."""
    message = update.effective_message
    assert message is not None
    replies = fallback.unknown_command(turn_of(update, context), message.text or "")
    await render.show(context.bot, message.chat_id, replies)


async def other_message(update: Update, context: ChiboContext) -> None:
    """Stickers, photos and the rest that nothing else understood."""
    message = update.effective_message
    if message is None:
        return
    await render.show(
        context.bot, message.chat_id, fallback.not_understood(turn_of(update, context))
    )


async def stale_button(update: Update, context: ChiboContext) -> None:
    """A button with data no handler accepts: old, or forged by a modified client."""
    query = update.callback_query
    assert query is not None
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await render.show(context.bot, chat_id, fallback.stale_pick(turn_of(update, context)), query)


def _no_data(data: object) -> bool:
    """Never true: PTB gives a press without data to any handler with a pattern without asking
    the pattern, and asks it only about data; so this pattern takes exactly the empty ones."""
    return False


# First in group 0: a press with empty data would otherwise go to the first feature's button
# handler, which expects its own data.
EMPTY_BUTTONS = [CallbackQueryHandler(stale_button, pattern=_no_data)]

HANDLERS = [
    MessageHandler(filters.COMMAND, unknown_command),
    MessageHandler(filters.ALL, other_message),
    CallbackQueryHandler(stale_button),
]
