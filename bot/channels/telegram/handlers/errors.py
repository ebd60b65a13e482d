"""The one error handler: log with the traceback, tell the admins, apologise to the person."""

from __future__ import annotations

import html
import logging
import traceback

from telegram import Update
from telegram.error import TelegramError

from bot.channels.telegram.handlers.context import ChiboContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: ChiboContext) -> None:
    """Handle an exception raised anywhere in a handler or job."""
    error = context.error
    log.error("error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                context.t._(
                    "Xin lỗi đồng chí, Trợ lý gặp lỗi khi xử lý yêu cầu này và đã báo người quản "
                    "trị. Dữ liệu của đồng chí không bị mất; xin thử lại sau ít phút."
                )
            )
        except TelegramError:
            log.warning("could not tell the person about the error")
    if error is None:
        return
    trace = "".join(traceback.format_exception(error))[-3000:]
    for admin in context.bot_data.config.bot.admins:
        try:
            await context.bot.send_message(
                admin, f"⚠️ {html.escape(type(error).__name__)}\n{trace}"
            )
        except TelegramError:
            log.warning("could not tell admin %s about the error", admin)
