"""A reply as every channel can show it: text, choices as plain acts, perhaps a file."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.acts import Act


@dataclass(frozen=True)
class Choice:
    """One choice: the words shown and what picking it does."""

    label: str
    act: Act


class Shape(enum.Enum):
    """How a reply stands beside what the person just did."""

    MESSAGE = "message"  # a message of its own
    REPLACE = "replace"  # stands in for the message whose choice was picked (Telegram edits)
    ALERT = "alert"  # a refusal or warning about a pick (a pop-up on Telegram)
    TOAST = "toast"  # a short acknowledgement of a pick (a passing note on Telegram)


@dataclass(frozen=True)
class File:
    """A picture or a spreadsheet that goes with a reply."""

    data: bytes
    name: str
    is_photo: bool


@dataclass(frozen=True)
class Reply:
    """What the bot says: text, rows of choices, how it stands, perhaps a file."""

    text: str
    choices: tuple[tuple[Choice, ...], ...] = ()
    shape: Shape = Shape.MESSAGE
    file: File | None = None
    # The bot now waits for free text from this person (an answer, a comment): channels that
    # can, open the reply box for it.
    asks_text: bool = False

    @property
    def flat_choices(self) -> list[Choice]:
        """Every choice in reading order."""
        return [choice for row in self.choices for choice in row]


def rows(choices: Iterable[Choice], per_row: int = 1) -> tuple[tuple[Choice, ...], ...]:
    """Choices laid out `per_row` to a row."""
    found = list(choices)
    return tuple(tuple(found[i : i + per_row]) for i in range(0, len(found), per_row))


def say(text: str, *choices: Sequence[Choice]) -> Reply:
    """A plain message, with rows of choices if given."""
    return Reply(text, tuple(tuple(row) for row in choices))


def alert(text: str) -> Reply:
    """A refusal or warning about something picked."""
    return Reply(text, shape=Shape.ALERT)


def toast(text: str) -> Reply:
    """A short acknowledgement of something picked."""
    return Reply(text, shape=Shape.TOAST)
