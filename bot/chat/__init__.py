"""The conversation, the same on every channel: commands, picks and text in; replies out.

A channel adapter turns what arrived into a `Turn` and one of `command`, `pick` or `text`,
and shows the replies its own way (Telegram: buttons and edits; Zalo: numbered choices).
"""

from __future__ import annotations

from bot.chat import (
    answers,
    cancel,
    meetings,
    people,
    petitions,
    prompts,
    reports,
    rollcall,
    scoring,
)
from bot.chat.feature import Feature, Replies, stale
from bot.chat.turn import Turn
from bot.domain.acts import Act

# Order matters for free text: the first reader that takes a text answers it. A prompt the
# bot is waiting on comes first, the meeting's answer reader (which takes any text) last.
FEATURES: tuple[Feature, ...] = (
    cancel.FEATURE,
    people.FEATURE,  # its reader takes only a stranger's text with an invite code
    meetings.FEATURE,
    reports.FEATURE,
    rollcall.FEATURE,
    petitions.FEATURE,
    scoring.FEATURE,  # typed points while a card is open: before the answers
    answers.FEATURE,  # its reader takes any text about a meeting: keep it last
)

_COMMANDS = {name: fn for feature in FEATURES for name, fn in feature.commands.items()}
_ACTS = {kind: fn for feature in FEATURES for kind, fn in feature.acts.items()}
_PROMPTS = {kind: fn for feature in FEATURES for kind, fn in feature.prompts.items()}
cancel.CANCELLERS.extend(f.cancel for f in FEATURES if f.cancel is not None)


def knows_command(name: str) -> bool:
    """Whether a command name (without "/") is one of the conversation's."""
    return name.lower() in _COMMANDS


def knows_act(act: Act) -> bool:
    """Whether some feature takes this act."""
    return type(act) in _ACTS


async def command(turn: Turn, name: str, args: str) -> Replies:
    """Run a command with the text after it."""
    replies = await _COMMANDS[name.lower()](turn, args)
    turn.core.wake()  # whatever the command made due goes out now
    return replies


async def pick(turn: Turn, act: Act) -> Replies:
    """Do what a picked choice says (everything is checked again here)."""
    function = _ACTS.get(type(act))
    if function is None:
        return stale(turn)
    replies = await function(turn, act)
    turn.core.wake()
    return replies


async def text(turn: Turn, words: str) -> Replies | None:
    """Free text: what the bot asked for if it waits for something, else the first feature
    whose reader takes it; None if none did."""
    replies = await _read(turn, words)
    turn.core.wake()
    return replies


async def _read(turn: Turn, words: str) -> Replies | None:
    prompt = await prompts.waiting(turn)
    if prompt is not None and prompt.kind in _PROMPTS:
        return await _PROMPTS[prompt.kind](turn, prompt.ref, words)
    for feature in FEATURES:
        for reader in feature.texts:
            replies = await reader(turn, words)
            if replies is not None:
                return replies
    return None
