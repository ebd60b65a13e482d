"""Telegram handlers; the order of groups is decided here and only here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram.ext import Application, BaseHandler

from bot.handlers import errors, fallback, help, identity, language, members, start

# Order matters:
#   -1  identity: resolves the person and language for every update, turns away group chats.
#    0  features: each update is taken by the first handler that matches it.
#    1  fallback: what no feature took still gets an answer (unknown command, stray text,
#       stale or forged buttons).
_GROUPS: dict[int, Sequence[BaseHandler[Any, Any, Any]]] = {
    -1: identity.HANDLERS,
    0: [*start.HANDLERS, *help.HANDLERS, *language.HANDLERS, *members.HANDLERS],
    1: fallback.HANDLERS,
}


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler and the error handler to the application."""
    for group, handlers in _GROUPS.items():
        app.add_handlers(handlers, group=group)
    app.add_error_handler(errors.on_error)
