"""The composition root: build_application wires everything; nothing happens at import."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from bot.channels.telegram import handlers
from bot.channels.telegram.handlers import notices
from bot.channels.telegram.handlers import petitions as petition_outbox
from bot.channels.telegram.handlers.commands import publish_default_menus
from bot.channels.telegram.handlers.context import BotData, ChiboContext
from bot.channels.telegram.inbox import ChatOrderedProcessor, ChiboApplication, InboxBot, replay
from bot.chat.turn import Core
from bot.config import Config
from bot.i18n import Catalogs
from bot.services import outbox
from bot.storage.db import Database

log = logging.getLogger(__name__)

ChiboApp = Application[Any, ChiboContext, Any, Any, BotData, Any]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def build_application(
    config: Config, token: str, *, clock: Callable[[], datetime] = utc_now
) -> ChiboApp:
    """Wire the bot: Bot API address, rate limits, context types, handlers, lifecycle hooks."""
    # Opt in to PTB's coming behaviour (durations as timedelta) instead of a warning per 429.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    context_types = ContextTypes(context=ChiboContext, bot_data=BotData)
    bot = InboxBot(
        token,
        base_url=config.bot.api_base_url,
        base_file_url=config.bot.api_file_url,
        # The same pools as ApplicationBuilder's: many sends at once, one long poll.
        request=HTTPXRequest(connection_pool_size=40),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=_pacing(config.bot.max_messages_per_second),
    )
    app = (
        ApplicationBuilder()
        .application_class(ChiboApplication)
        .bot(bot)
        .concurrent_updates(ChatOrderedProcessor())
        .context_types(context_types)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    data: BotData = app.bot_data
    data.config = config
    data.clock = clock
    handlers.register(app)
    return app


def _pacing(per_second: int) -> AIORateLimiter:
    """Messages evenly spaced (one every 1/30 s), not bursts of 30 then a wait: a burst that
    reaches Telegram a little bunched up earns a 429 and a second's pause for everything."""
    if per_second == 0:
        return AIORateLimiter(overall_max_rate=0, max_retries=5)
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / per_second, max_retries=5)


async def _post_init(app: ChiboApp) -> None:
    """Open the database, load the catalogs and publish the command menus."""
    data: BotData = app.bot_data
    data.catalogs = Catalogs(data.config.bot.default_language)
    data.db = await Database.open(data.config.storage.path)
    data.core = Core(
        data.config,
        data.db,
        data.catalogs,
        data.now,
        wake=lambda: _wake(app),
        telegram_username=app.bot.username,
    )
    replayed = await replay(app, data.db)
    if replayed:
        log.warning("%d updates were fetched but not handled when the bot stopped", replayed)
    await publish_default_menus(app.bot, data.catalogs)
    released = await outbox.recover(data.db)
    if released:
        log.warning("%d notices were being sent when the bot stopped; they go out again", released)
    await notices.plan_ahead(app, digests_now=False)
    await petition_outbox.deliver_petition_messages(app, at_start=True)
    notices.start_jobs(app)
    log.info("bot @%s ready, database %s", app.bot.username, data.config.storage.path)


def _wake(app: ChiboApp) -> None:
    """After a change made messages due: the outboxes look at once."""
    notices.wake(app)
    petition_outbox.wake(app)


async def _post_shutdown(app: ChiboApp) -> None:
    """Close the database."""
    data: BotData = app.bot_data
    if data._db is not None:
        await data.db.close()
        data.db = None


@asynccontextmanager
async def running(app: ChiboApp, *, poll_timeout: int = 1) -> AsyncIterator[ChiboApp]:
    """Run the bot inside an event loop that is already going (tests and the demo).

    The same lifecycle as run_polling: initialize, post_init, polling, start; and back.
    """
    await app.initialize()
    try:
        assert app.post_init is not None
        await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            assert app.post_shutdown is not None
            await app.post_shutdown(app)
    finally:
        await app.shutdown()


def run(config: Config, token: str) -> None:
    """Run the bot until interrupted (the `chibo run` command)."""
    app = build_application(config, token)
    app.run_polling(allowed_updates=Update.ALL_TYPES)
