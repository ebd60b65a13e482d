"""What no feature took still gets a clear answer, on every channel."""

from __future__ import annotations

from bot.chat.commands import not_linked_text
from bot.chat.feature import Replies, stale
from bot.chat.turn import Turn
from bot.views.people import not_understood_text, unknown_command_text
from bot.views.reply import say

# A typed command is quoted back only this far.
_QUOTED = 40


def unknown_command(turn: Turn, typed: str) -> Replies:
    """A command the bot does not have ("/xoahet")."""
    command = typed.split(maxsplit=1)[0][:_QUOTED] if typed.strip() else "/"
    return [say(unknown_command_text(turn.t, command))]


def not_understood(turn: Turn) -> Replies:
    """A message nothing understood (a sticker, a photo, text no reader took)."""
    if turn.actor is None:
        return [say(not_linked_text(turn.t))]
    return [say(not_understood_text(turn.t))]


def stale_pick(turn: Turn) -> Replies:
    """A choice that no longer means anything: old, or forged by a modified client."""
    return stale(turn)
