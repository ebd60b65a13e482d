"""Showing channel-neutral replies on Telegram: inline buttons, edits, pop-ups, files."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.channels.telegram import codec
from bot.domain.text import split_text
from bot.views.reply import Choice, Reply, Shape

# Telegram's limits: a message's text, a file's caption, a pop-up's text.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200


def markup(choices: Sequence[Sequence[Choice]]) -> InlineKeyboardMarkup | None:
    """Inline buttons for rows of choices; None for none."""
    if not choices:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(c.label, callback_data=codec.encode(c.act)) for c in row]
            for row in choices
        ]
    )


async def send(bot: ExtBot[None], chat_id: int, reply: Reply) -> Message:
    """Send one reply as new messages (a long text in parts, the choices under the last)."""
    if reply.file is not None:
        return await _send_file(bot, chat_id, reply)
    parts = split_text(reply.text, TEXT_LIMIT)
    for part in parts[:-1]:
        await bot.send_message(chat_id, part)
    keyboard = ForceReply(selective=True) if reply.asks_text else markup(reply.choices)
    return await bot.send_message(chat_id, parts[-1], reply_markup=keyboard)


async def _send_file(bot: ExtBot[None], chat_id: int, reply: Reply) -> Message:
    file = reply.file
    assert file is not None
    caption = reply.text if len(reply.text) <= CAPTION_LIMIT else None
    if caption is None:
        await send(bot, chat_id, Reply(reply.text, reply.choices))
    data = io.BytesIO(file.data)
    if file.is_photo:
        return await bot.send_photo(chat_id, data, caption=caption)
    return await bot.send_document(chat_id, data, filename=file.name, caption=caption)


async def show(
    bot: ExtBot[None],
    chat_id: int,
    replies: Sequence[Reply],
    query: CallbackQuery | None = None,
) -> None:
    """Show replies to what a person did; `query` is the button they pressed, if any."""
    answered = query is None
    for reply in replies:
        if reply.shape in (Shape.ALERT, Shape.TOAST) and not answered:
            assert query is not None
            text = reply.text if len(reply.text) <= ALERT_LIMIT else reply.text[:199] + "…"
            await query.answer(text, show_alert=reply.shape is Shape.ALERT)
            answered = True
            continue
        if (
            reply.shape is Shape.REPLACE
            and query is not None
            and isinstance(query.message, Message)
            and len(reply.text) <= TEXT_LIMIT
        ):
            if not answered:
                await query.answer()
                answered = True
            with contextlib.suppress(BadRequest):  # "message is not modified": nothing changed
                await query.message.edit_text(reply.text, reply_markup=markup(reply.choices))
            continue
        if not answered:
            assert query is not None
            await query.answer()
            answered = True
        await send(bot, chat_id, reply)
    if not answered:
        assert query is not None
        await query.answer()
