"""The typed context every handler receives: the app's resources and who is talking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram.ext import Application, CallbackContext, ExtBot

from bot.chat.turn import Core, read_card
from bot.config import Config
from bot.domain.access import Actor
from bot.domain.scorecard import Card
from bot.i18n import Catalogs, Translator
from bot.services.meetings import Rules
from bot.storage.db import Database

CHANNEL = "telegram"


class BotData:
    """Resources shared by every handler: built empty, filled at build and in post_init."""

    def __init__(self) -> None:
        self._config: Config | None = None
        self._db: Database | None = None
        self._catalogs: Catalogs | None = None
        self._rules: Rules | None = None
        self._card: Card | None = None
        self._core: Core | None = None
        self.clock: Callable[[], datetime] | None = None

    @property
    def core(self) -> Core:
        """What the conversation and the jobs share, built in post_init."""
        assert self._core is not None, "the core is built in post_init"
        return self._core

    @core.setter
    def core(self, value: Core | None) -> None:
        self._core = value

    @property
    def config(self) -> Config:
        """The configuration."""
        assert self._config is not None, "config is set by build_application"
        return self._config

    @config.setter
    def config(self, value: Config) -> None:
        self._config = value

    @property
    def rules(self) -> Rules:
        """The meeting rules read from the config."""
        assert self._config is not None, "config is set by build_application"
        if self._rules is None:
            self._rules = Rules.from_config(self._config)
        return self._rules

    @property
    def card(self) -> Card:
        """The scorecard meetings are scored on (the default, or the file in the config)."""
        if self._card is None:
            self._card = read_card(self.config)
        return self._card

    @property
    def db(self) -> Database:
        """The database, open from post_init to post_shutdown."""
        assert self._db is not None, "the database is opened in post_init"
        return self._db

    @db.setter
    def db(self, value: Database | None) -> None:
        self._db = value

    @property
    def catalogs(self) -> Catalogs:
        """Every language's translator."""
        assert self._catalogs is not None, "catalogs are loaded in post_init"
        return self._catalogs

    @catalogs.setter
    def catalogs(self, value: Catalogs) -> None:
        self._catalogs = value

    def now(self) -> datetime:
        """The current moment, from the injected clock."""
        assert self.clock is not None
        return self.clock()


class ChiboContext(
    CallbackContext[ExtBot[None], dict[object, object], dict[object, object], BotData]
):
    """One context per update: the identity handler fills ``actor`` and ``t`` first."""

    def __init__(
        self,
        application: Application,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._actor: Actor | None = None
        self._t: Translator | None = None

    @property
    def actor(self) -> Actor | None:
        """The linked person talking, or None for a stranger."""
        return self._actor

    @actor.setter
    def actor(self, value: Actor | None) -> None:
        self._actor = value

    @property
    def t(self) -> Translator:
        """The translator for the person talking."""
        if self._t is None:
            self._t = self.bot_data.catalogs.get(None)
        return self._t

    @t.setter
    def t(self, value: Translator) -> None:
        self._t = value

    @property
    def db(self) -> Database:
        """The database."""
        return self.bot_data.db

    def now(self) -> datetime:
        """The current moment."""
        return self.bot_data.now()
