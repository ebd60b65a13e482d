"""/ngonngu (/language): choose Tiếng Việt or English."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.channels.telegram.handlers.commands import publish_menu, requires
from bot.channels.telegram.handlers.context import ChiboContext
from bot.config import LANGUAGES
from bot.domain.access import Action
from bot.storage import people

# Language names are written in their own language, so they are not translated.
_NAMES = {"vi": "🇻🇳 Tiếng Việt", "en": "🇬🇧 English"}


@requires(Action.LANGUAGE)
async def ask_language(update: Update, context: ChiboContext) -> None:
    """Offer the languages as buttons."""
    message = update.effective_message
    assert message is not None
    keyboard = [
        [InlineKeyboardButton(_NAMES[lang], callback_data=f"lang:{lang}")] for lang in LANGUAGES
    ]
    await message.reply_text(
        context.t._("Chọn ngôn ngữ:"), reply_markup=InlineKeyboardMarkup(keyboard)
    )


async def choose_language(update: Update, context: ChiboContext) -> None:
    """Store the chosen language and answer in it."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    lang = query.data.removeprefix("lang:")
    actor = context.actor
    if actor is None or lang not in LANGUAGES:
        await query.answer(context.t._("Nút này không còn hiệu lực."), show_alert=True)
        return
    async with context.db.transaction() as conn:
        await people.set_language(conn, actor.person.id, lang)
    t = context.bot_data.catalogs.get(lang)
    await query.answer()
    await query.edit_message_text(t._("Đã chuyển sang Tiếng Việt."))
    if query.message is not None:
        await publish_menu(context.bot, query.message.chat.id, t, actor)


HANDLERS = [
    CommandHandler(["ngonngu", "language"], ask_language),
    CallbackQueryHandler(choose_language, pattern=r"^lang:[a-z]{2}$"),
]
