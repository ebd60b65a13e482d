"""The composition root: build_application wires everything; nothing happens at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from bot.channels.telegram import handlers
from bot.channels.telegram.handlers.commands import publish_default_menus
from bot.channels.telegram.handlers.context import BotData, ChiboContext
from bot.channels.telegram.inbox import (
    ChatOrderedProcessor,
    ChiboApplication,
    InboxBot,
    forget_old,
    replay,
)
from bot.channels.telegram.pacing import PacedLimiter
from bot.channels.telegram.sender import CHANNEL, TelegramSender
from bot.channels.zalo.adapter import CHANNEL as ZALO
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.client import ZaloClient
from bot.chat.messages import renderer
from bot.chat.turn import Core
from bot.config import Config
from bot.domain.invites import deep_link
from bot.i18n import Catalogs
from bot.services import outbox, planner
from bot.services.delivery import Engine, Sender
from bot.services.workers import PLAN, Timing, Worker
from bot.storage.db import Database
from bot.storage.dialect import redacted

log = logging.getLogger(__name__)

ChiboApp = Application[Any, ChiboContext, Any, Any, BotData, Any]
PLANNER_EVERY = timedelta(hours=6)
# The lease of polling Telegram: one process polls.
POLL_TELEGRAM = "poll:telegram"


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


def _pacing(per_second: int) -> PacedLimiter:
    """Messages evenly spaced a little under the limit, not bursts of 30 then a wait (a burst
    that reaches Telegram bunched up earns a 429 and a second's pause for everything); slower
    after a 429, then faster again. 0 turns pacing off (a local Bot API server)."""
    return PacedLimiter(per_second, max_retries=5)


async def _post_init(app: ChiboApp) -> None:
    """Open the database, load the catalogs, start the engine, publish the command menus."""
    data: BotData = app.bot_data
    data.catalogs = Catalogs(data.config.bot.default_language)
    data.db = await Database.open(data.config.storage.database)
    data.core = Core(data.config, data.db, data.catalogs, data.now)
    await _attach_telegram(app)
    data.runtime = Runtime(data.core, {CHANNEL: TelegramSender(app.bot)})
    await data.runtime.start()
    log.info(
        "bot @%s ready, database %s", app.bot.username, redacted(data.config.storage.database)
    )


async def _attach_telegram(app: ChiboApp) -> None:
    """The core's Telegram parts: its invite links, the command menus."""
    data: BotData = app.bot_data
    data.core.invite_links.append(partial(deep_link, app.bot.username))
    await publish_default_menus(app.bot, data.catalogs)


def _poll_telegram(app: ChiboApp, worker: Worker, poll_timeout: int) -> None:
    """Poll Telegram while this process holds the lease: first the updates fetched but never
    handled (by this process or one that died) go back in the queue, then polling starts."""
    updater = app.updater
    assert updater is not None

    async def begin() -> None:
        replayed = await replay(app, app.bot_data.db)
        if replayed:
            log.warning("%d updates were fetched but not handled; handled now", replayed)
        await updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )

    async def end() -> None:
        if updater.running:
            await updater.stop()

    worker.duty(POLL_TELEGRAM, begin, end)


async def _post_shutdown(app: ChiboApp) -> None:
    """Stop the engine and close the database."""
    data: BotData = app.bot_data
    if data.runtime is not None:
        await data.runtime.stop()
        data.runtime = None
    if data._db is not None:
        await data.db.close()
        data.db = None


async def first_plan(app: ChiboApp) -> None:
    """Wait until the planning run started with the bot has finished (tests, the demo)."""
    data: BotData = app.bot_data
    assert data.runtime is not None
    await data.runtime.first_plan()


async def deliver_due(app: ChiboApp) -> int:
    """Send what is due now (the engine also does this by itself when woken)."""
    data: BotData = app.bot_data
    assert data.runtime is not None
    await data.runtime.first_plan()
    return await data.runtime.engine.deliver_due()


async def plan_now(app: ChiboApp) -> int:
    """Run the planner now, then send what is due (the monthly digests among it)."""
    data: BotData = app.bot_data
    assert data.runtime is not None
    await data.runtime.first_plan()
    core = data.core
    await planner.plan(core.db, core.config, core.rules, core.now())
    return await data.runtime.engine.deliver_due()


class Runtime:
    """What runs beside the channels: the delivery engine and the planner."""

    def __init__(
        self, core: Core, senders: Mapping[str, Sender], *, worker: Worker | None = None
    ) -> None:
        self.core = core
        self.engine = Engine(
            core.db,
            core.rules,
            senders,
            renderer(core),
            core.clock,
            rollup_past=core.config.digest.per_meeting_max_cells,
        )
        core.wake = self.engine.wake
        # This process among any others on the database; it plans while it holds the lease.
        self.worker = worker if worker is not None else Worker(core.db)
        self.worker.duty(PLAN, self._begin_planning, self._end_planning)
        self.sending = outbox.SendingTurn(
            core.db,
            self.worker,
            paced=_paced(core.config, senders),
            wake=self.engine.wake,
            ready=lambda: core.rules.send_time(core.now()) <= core.now(),
            clock=core.clock,
        )
        self.engine.claimer = self.worker.id
        self.engine.sends = self.sending.sends
        self._planner: asyncio.Task[None] | None = None
        self._planned = asyncio.Event()

    async def start(self) -> None:
        """Register this process (the work of dead ones comes back to the queue); then
        everything runs.

        The first planning run goes in the background: at province scale it takes half a
        minute, and people's messages are read meanwhile (the planner's units of work are small).
        Only the process holding the lease `plan` plans; the others ask at each heartbeat.
        """
        await self.worker.start()
        await self.sending.start()
        self.engine.start()
        await self.worker.take_duties()

    async def _begin_planning(self) -> None:
        self._planner = asyncio.create_task(self._plan_every(), name="chibo-planner")

    async def _end_planning(self) -> None:
        if self._planner is not None:
            self._planner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._planner
            self._planner = None

    async def first_plan(self) -> None:
        """Wait until the planning run started with the runtime has finished."""
        if self._planner is None or self._planner.done():
            return
        waiting = asyncio.ensure_future(self._planned.wait())
        await asyncio.wait({waiting, self._planner}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()

    async def stop(self) -> None:
        """Stop the planner and the engine; leave the others the leases."""
        await self.worker.end_duties()
        await self.sending.stop()
        await self.engine.stop()
        await self.worker.stop()  # what the engine had claimed and not sent goes back

    async def _plan_every(self) -> None:
        core = self.core
        while True:
            try:
                await planner.plan(core.db, core.config, core.rules, core.now())
                await forget_old(core.db, core.now())
            except Exception:
                log.exception("the planner failed; it runs again later")
            self._planned.set()
            self.engine.wake()
            await asyncio.sleep(PLANNER_EVERY.total_seconds())


def _paced(config: Config, senders: Mapping[str, Sender]) -> bool:
    """Whether any channel this process sends on is paced (0 messages a second: not paced)."""
    rates = {
        CHANNEL: config.bot.max_messages_per_second,
        ZALO: config.zalo.max_messages_per_second,
    }
    return any(rates.get(channel, 1) > 0 for channel in senders)


@asynccontextmanager
async def running(
    app: ChiboApp, *, poll_timeout: int = 1, planned: bool = True
) -> AsyncIterator[ChiboApp]:
    """Run the bot inside an event loop that is already going (tests and the demo).

    The same lifecycle as run_polling: initialize, post_init, polling, start; and back.
    With `planned`, it also waits for the first planning run, so what follows is deterministic.
    """
    await app.initialize()
    try:
        assert app.post_init is not None
        await app.post_init(app)
        await app.start()
        runtime = app.bot_data.runtime
        assert runtime is not None
        _poll_telegram(app, runtime.worker, poll_timeout)
        await runtime.worker.take_duties()
        if planned:
            await first_plan(app)
        try:
            yield app
        finally:
            await runtime.worker.end_duties()
            await app.stop()
            assert app.post_shutdown is not None
            await app.post_shutdown(app)
    finally:
        await app.shutdown()


def run(config: Config, token: str) -> None:
    """Run the bot on Telegram until interrupted (the `chibo run` command)."""
    run_channels(config, telegram_token=token, zalo_token="", zalo_secret="")


# ----- every channel in one process (Zalo, Telegram or both) ----------------------------------


@dataclass
class Channels:
    """The channels running in one process around one core and one runtime."""

    core: Core
    runtime: Runtime
    telegram: ChiboApp | None = None
    zalo: ZaloChannel | None = None

    async def deliver_due(self) -> int:
        """Send what is due now."""
        return await self.runtime.engine.deliver_due()

    async def plan_now(self) -> int:
        """Run the planner now, then send what is due."""
        core = self.core
        await planner.plan(core.db, core.config, core.rules, core.now())
        return await self.runtime.engine.deliver_due()


@asynccontextmanager
async def running_channels(
    config: Config,
    *,
    telegram_token: str = "",
    zalo_token: str = "",
    zalo_secret: str = "",
    clock: Callable[[], datetime] = utc_now,
    poll_timeout: int = 1,
    zalo_poll_timeout: int = 30,
    planned: bool = True,
    alone: bool | None = None,
    timing: Timing | None = None,
) -> AsyncIterator[Channels]:
    """Run Zalo (when a token is given), Telegram (likewise) or both, with one delivery engine
    and planner; used by `chibo run`, the tests and the demo. With `planned` it waits for the
    first planning run (tests and the demo); `chibo run` reads messages at once.

    Beside other processes on the database, this one polls a channel or plans only while it
    holds that lease (`alone` and `timing` as for the Worker: tests play several processes).
    """
    if not (telegram_token or zalo_token):
        raise ValueError("at least one channel is needed")
    catalogs = Catalogs(config.bot.default_language)
    db = await Database.open(config.storage.database)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(db.close)
        core = Core(config, db, catalogs, clock)
        worker = Worker(db, alone=alone, timing=timing or Timing())
        senders: dict[str, Sender] = {}
        zalo: ZaloChannel | None = None
        if zalo_token:
            client = await stack.enter_async_context(
                ZaloClient(zalo_token, config.zalo.api_base_url)
            )
            zalo = ZaloChannel(core, client, worker, secret=zalo_secret)
            senders[ZALO] = zalo.sender
        app: ChiboApp | None = None
        if telegram_token:
            app = build_application(config, telegram_token, clock=clock)
            await app.initialize()
            stack.push_async_callback(app.shutdown)
            data: BotData = app.bot_data
            data.catalogs, data.db, data.core = catalogs, db, core
            await _attach_telegram(app)
            senders[CHANNEL] = TelegramSender(app.bot)
        runtime = Runtime(core, senders, worker=worker)
        if app is not None:
            app.bot_data.runtime = runtime
        await runtime.start()
        stack.push_async_callback(runtime.stop)
        if planned:  # what follows (tests, the demo) starts from a planned database
            await runtime.first_plan()
        if zalo is not None:
            await zalo.start(poll_timeout=zalo_poll_timeout)
            stack.push_async_callback(zalo.stop)
        if app is not None:
            await app.start()
            stack.push_async_callback(app.stop)
            _poll_telegram(app, worker, poll_timeout)
        # Stopping begins here: no more polling or planning, then what was received is finished.
        stack.push_async_callback(worker.end_duties)
        await worker.take_duties()
        yield Channels(core, runtime, app, zalo)


def run_channels(
    config: Config, *, telegram_token: str, zalo_token: str, zalo_secret: str
) -> None:
    """Run every configured channel until interrupted (`chibo run` with Zalo enabled)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_name in ("SIGINT", "SIGTERM"):
            with contextlib.suppress(NotImplementedError, AttributeError):
                loop.add_signal_handler(getattr(signal, signal_name), stop.set)
        async with running_channels(
            config,
            telegram_token=telegram_token,
            zalo_token=zalo_token,
            zalo_secret=zalo_secret,
            poll_timeout=10,
            planned=False,
        ):
            log.info(
                "channels running: %s",
                ", ".join(
                    name
                    for name, token in (("Zalo", zalo_token), ("Telegram", telegram_token))
                    if token
                ),
            )
            await stop.wait()

    asyncio.run(main())
