"""PTB's rate limiter for the Bot API, paced by the delivery engine's `Pacer`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.services.delivery import Pacer

JSONish = bool | dict[str, Any] | list[dict[str, Any]]


class PacedLimiter(BaseRateLimiter[int]):
    """Every call to a chat waits for its slot; a 429 slows all of them and is tried again.

    Calls without a chat (getUpdates, answering a button) are not paced: Telegram does not
    count them against the sending limits.
    """

    def __init__(self, per_second: float, max_retries: int = 5) -> None:
        self.pacer = Pacer(per_second)
        self.max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONish]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONish:
        """Send when the pacer says; on a flood wait, wait as asked and try again."""
        if data.get("chat_id") is None:
            return await callback(*args, **kwargs)
        retries = rate_limit_args or self.max_retries
        for attempt in range(retries + 1):
            await self.pacer.turn()
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                self.pacer.flooded(seconds)
                if attempt == retries:
                    raise
                continue
            self.pacer.went()
            return result
        raise AssertionError("unreachable")  # the loop returns or raises
