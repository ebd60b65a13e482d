"""Telegram's command menu of a person, published again after what may change it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.channels.telegram.handlers.commands import publish_menu
from bot.channels.telegram.handlers.context import CHANNEL, ChiboContext
from bot.services import identity


async def publish(update: Update, context: ChiboContext) -> None:
    """After /start, /trogiup or a language picked: the menu of who the chat is now, in their
    language (the conversation may just have linked the chat or changed the language)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    data = context.bot_data
    actor = await identity.resolve(
        data.db, CHANNEL, str(user.id), is_admin=user.id in data.config.bot.admins
    )
    if actor is None:
        return  # strangers keep the default menu
    t = data.catalogs.pick(actor.person.language, user.language_code)
    await publish_menu(context.bot, chat.id, t, actor)


HANDLERS = [
    CommandHandler(["start", "trogiup", "help"], publish),
    CallbackQueryHandler(publish, pattern=r"^lang:[a-z]{2}$"),
]
