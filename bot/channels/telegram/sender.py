"""The delivery engine's Telegram sender: replies out through the Bot API, outcomes sorted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.channels.telegram import render
from bot.services import delivery
from bot.views.reply import Reply

CHANNEL = "telegram"


class TelegramSender:
    """Sends with python-telegram-bot; its rate limiter paces every call to the Bot API."""

    channel = CHANNEL

    def __init__(self, bot: ExtBot[None]) -> None:
        self.bot = bot

    async def send(self, address: str, replies: Sequence[Reply]) -> delivery.SendResult:
        """Send the replies to one chat; how it ended."""
        message_id = ""
        try:
            for reply in replies:
                message = await render.send(self.bot, int(address), reply)
                message_id = str(message.message_id)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return delivery.RetryAfter(seconds)
        except Forbidden as exc:
            return delivery.Unreachable(str(exc))
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                return delivery.Unreachable(str(exc))
            return delivery.Rejected(str(exc))
        except TelegramError as exc:  # NetworkError, TimedOut and the rest pass
            return delivery.Trouble(str(exc))
        return delivery.Sent(message_id)
