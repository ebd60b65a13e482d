"""The delivery engine and the planner, woken and run for the Telegram application."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

App = Application[Any, Any, Any, Any, Any, Any]


def wake(app: App) -> None:
    """Look at the outbox now (after a change that made messages due)."""
    app.bot_data.core.wake()
