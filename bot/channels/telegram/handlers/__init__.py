"""Telegram handlers; the order of groups is decided here and only here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram.ext import Application, BaseHandler

from bot.channels.telegram.handlers import (
    chat,
    errors,
    fallback,
    help,
    identity,
    language,
    members,
    petitions,
    ratings,
    rollcall,
    scoring,
    start,
)

# Order matters:
#   -1  identity: resolves the person and language for every update, turns away group chats.
#    0  features, then the fallback: within a group only the first matching handler runs, so
#       the fallback (unknown command, stray text, stale or forged buttons) must come last in
#       the same group, to answer exactly what no feature took.
_GROUPS: dict[int, Sequence[BaseHandler[Any, Any, Any]]] = {
    -1: identity.HANDLERS,
    0: [
        *start.HANDLERS,
        *help.HANDLERS,
        *language.HANDLERS,
        *members.HANDLERS,
        *rollcall.HANDLERS,
        *scoring.HANDLERS,
        *petitions.HANDLERS,  # replies to the answer prompt: before the free-text reader
        *ratings.HANDLERS,  # replies to the comment prompt: before the free-text reader
        *chat.HANDLERS,  # the conversation's free-text reader takes all plain text: keep it late
        *fallback.HANDLERS,
    ],
}


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler and the error handler to the application."""
    for group, handlers in _GROUPS.items():
        app.add_handlers(handlers, group=group)
    app.add_error_handler(errors.on_error)
