"""Telegram handlers; the order of groups is decided here and only here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram.ext import Application, BaseHandler

from bot.channels.telegram.handlers import chat, errors, fallback, identity, menus

# Order matters:
#   -1  identity: resolves the person and language for every update, turns away group chats
#       and edited messages.
#    0  the conversation (commands it knows, buttons whose act it takes, all plain text), then
#       the fallback: within a group only the first matching handler runs, so the fallback
#       (unknown command, a sticker, stale or forged buttons) must come last in the same group,
#       to answer exactly what the conversation did not take.
#    1  menus: after /start, /trogiup or a language picked (answered in group 0), the person's
#       Telegram command menu is published again for who they are now.
_GROUPS: dict[int, Sequence[BaseHandler[Any, Any, Any]]] = {
    -1: identity.HANDLERS,
    0: [
        *fallback.EMPTY_BUTTONS,  # presses without data: before any handler with a pattern
        *chat.HANDLERS,
        *fallback.HANDLERS,
    ],
    1: menus.HANDLERS,
}


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler and the error handler to the application."""
    for group, handlers in _GROUPS.items():
        app.add_handlers(handlers, group=group)
    app.add_error_handler(errors.on_error)
