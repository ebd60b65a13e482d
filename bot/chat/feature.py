"""How a feature offers itself to the conversation: its commands, its acts, its reading of text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.chat.commands import not_linked_text, refusal_text
from bot.chat.turn import Turn
from bot.domain.access import Action, may
from bot.domain.acts import Act
from bot.views.reply import Reply, alert, say

Replies = list[Reply]
CommandFn = Callable[[Turn, str], Awaitable[Replies]]
ActFn = Callable[[Turn, Any], Awaitable[Replies]]
# A reader of free text answers None when the text is not for it (the next reader tries).
TextFn = Callable[[Turn, str], Awaitable[Replies | None]]
# The reader of the text the bot asked for: the prompt's `ref` (what it is about) and the text.
PromptFn = Callable[[Turn, int, str], Awaitable[Replies]]
# /huy: leave what this feature waits for from the person; a line saying what was left, or None.
CancelFn = Callable[[Turn], Awaitable[str | None]]


@dataclass(frozen=True)
class Feature:
    """One feature's part of the conversation."""

    # Command names (Vietnamese and English, without "/") and the function each runs with
    # the text after the command.
    commands: Mapping[str, CommandFn] = field(default_factory=dict)
    acts: Mapping[type[Act], ActFn] = field(default_factory=dict)
    texts: Sequence[TextFn] = ()
    # Prompt kinds this feature asks for (see bot.chat.prompts) and the reader of each.
    prompts: Mapping[str, PromptFn] = field(default_factory=dict)
    cancel: CancelFn | None = None


def requires(action: Action) -> Callable[[CommandFn], CommandFn]:
    """Let a command run only for linked people whose role allows it in their own unit."""

    def decorate(function: CommandFn) -> CommandFn:
        async def guarded(turn: Turn, args: str) -> Replies:
            if turn.actor is None:
                return [say(not_linked_text(turn.t))]
            if not may(turn.actor, action, turn.actor.unit.id):
                return [say(refusal_text(turn.t, action))]
            return await function(turn, args)

        guarded.__doc__ = function.__doc__
        return guarded

    return decorate


def stale(turn: Turn) -> Replies:
    """A pick that no longer means anything: old, or forged by a modified client."""
    return [
        alert(
            turn.t._(
                "Nút này không còn hiệu lực. Gõ /trogiup để xem các việc đồng chí có thể làm."
            )
        )
    ]
