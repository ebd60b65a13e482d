"""Group -1: who is talking, in which language; non-private chats are turned away."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.channels.telegram.handlers.context import CHANNEL, ChiboContext
from bot.services import identity


async def resolve_identity(update: Update, context: ChiboContext) -> None:
    """Fill context.actor and context.t once per update, before any handler runs."""
    user = update.effective_user
    if user is None or update.edited_message is not None:
        # An edit is not a new request: re-running "/kiennghi …" would raise a second one.
        raise ApplicationHandlerStop
    data = context.bot_data
    actor = await identity.resolve(
        data.db, CHANNEL, str(user.id), is_admin=user.id in data.config.bot.admins
    )
    context.actor = actor
    context.t = data.catalogs.pick(actor.person.language if actor else None, user.language_code)
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        message = update.effective_message
        if message is not None and message.text and message.text.startswith("/"):
            await message.reply_text(
                context.t._(
                    "Trợ lý Chi bộ chỉ làm việc trong tin nhắn riêng. Xin nhắn riêng cho Trợ lý."
                )
            )
        raise ApplicationHandlerStop


HANDLERS = [TypeHandler(Update, resolve_identity)]
