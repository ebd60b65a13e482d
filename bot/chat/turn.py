"""What one conversation turn knows: the core's resources and who is talking, in what language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.config import Config, ConfigError
from bot.domain.access import Actor
from bot.domain.models import N_
from bot.domain.scorecard import Card, CardError, default_card, load_card
from bot.i18n import Catalogs, Translator
from bot.services.meetings import Rules
from bot.storage.db import Database


def read_card(config: Config) -> Card:
    """The configured scorecard; a broken card file stops start-up with its reason."""
    if not config.scorecard.path:
        return default_card()
    card = load_card(Path(config.scorecard.path))
    if isinstance(card, CardError):
        raise ConfigError(N_("scorecard.path: {error}"), error=card.render(lambda m: m))
    return card


def _no_wake() -> None:
    """Nothing to wake (a command-line run)."""


@dataclass
class Core:
    """The resources every channel and job shares: built once by the composition root."""

    config: Config
    db: Database
    catalogs: Catalogs
    clock: Callable[[], datetime]
    # Called after a change made messages due: the delivery engine looks at once.
    wake: Callable[[], None] = _no_wake
    # Each channel's link that opens the bot with an invite code (none for a channel, such as
    # Zalo, where the person types the code): set by the channels that run.
    invite_links: list[Callable[[str], str]] = field(default_factory=list)
    rules: Rules = field(init=False)
    card: Card = field(init=False)

    def __post_init__(self) -> None:
        self.rules = Rules.from_config(self.config)
        self.card = read_card(self.config)

    def now(self) -> datetime:
        """The current moment, from the injected clock."""
        return self.clock()

    def invite_link(self, code: str) -> str:
        """A link that opens the bot with this invite code; "" when no channel has one."""
        return next((link for make in self.invite_links if (link := make(code))), "")


@dataclass
class Turn:
    """One thing a person did (a command, a pick, a text) and whom it came from."""

    core: Core
    channel: str
    address: str  # the chat on that channel, as the channel names it
    actor: Actor | None
    t: Translator
    language_code: str | None = None

    @property
    def db(self) -> Database:
        """The database."""
        return self.core.db

    def now(self) -> datetime:
        """The current moment."""
        return self.core.now()

    @property
    def who(self) -> str:
        """The account, as the audit log names it."""
        return f"{self.channel}:{self.address}"
