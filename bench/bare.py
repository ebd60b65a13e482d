"""The framework floor: bare python-telegram-bot doing the same Bot API work, nothing else.

    python -m bench.bare send BASE_URL PLAN.json RATE   send the planned messages, 30 at a time
    python -m bench.bare echo BASE_URL RATE             answer every text and button press

RATE is messages per second overall (0: no pacing), as `bot.max_messages_per_second`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bench.harness import TOKEN

BATCH = 30  # as the bot's outbox: one second's worth of Telegram's limit at a time


Plan = list[tuple[int, str, str | None, dict[str, Any] | None]]


async def send(base_url: str, plan: Plan, rate: int) -> None:
    """Send every planned (chat, text, parse mode, buttons) message, BATCH at a time."""
    bot: ExtBot[Any] = ExtBot(
        TOKEN,
        base_url=base_url,
        request=HTTPXRequest(connection_pool_size=256),
        rate_limiter=AIORateLimiter(overall_max_rate=rate, max_retries=5),
    )
    async with bot:
        for start in range(0, len(plan), BATCH):
            batch = plan[start : start + BATCH]
            await asyncio.gather(
                *(
                    bot.send_message(
                        chat,
                        text,
                        parse_mode=mode,
                        reply_markup=InlineKeyboardMarkup.de_json(markup, bot) if markup else None,
                    )
                    for chat, text, mode, markup in batch
                )
            )


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"Đã nhận: {update.effective_message.text}")


async def _press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    assert update.effective_chat is not None
    await query.answer("Đã ghi nhận")
    await context.bot.send_message(update.effective_chat.id, f"Đã nhận: {query.data}")


def echo(base_url: str, rate: int) -> None:
    """An echo bot: a reply to every text, an answer and a message for every button press."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(base_url)
        .rate_limiter(AIORateLimiter(overall_max_rate=rate, max_retries=5))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    app.add_handler(CallbackQueryHandler(_press))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


def main(argv: list[str]) -> int:
    """The command line above."""
    if len(argv) == 4 and argv[0] == "send":
        plan: Plan = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        asyncio.run(send(argv[1], plan, int(argv[3])))
        return 0
    if len(argv) == 3 and argv[0] == "echo":
        echo(argv[1], int(argv[2]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
