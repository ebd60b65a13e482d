"""No update lost to a crash: each is stored before Telegram is told it arrived.

python-telegram-bot's updater confirms what it fetched by asking for the next updates, usually
before the handlers have run. If the process dies in between, Telegram will not send those
updates again. So `InboxBot.get_updates` writes every fetched update to the `inbox` table before
returning it (the confirmation can only follow), `ChiboApplication.process_update` marks it
handled afterwards, and when a process takes the lease of polling (at start-up, when it runs
alone) `replay` puts back in the queue whatever was fetched but not handled, by it or by a
process that died. An update Telegram sends again after a restart is handled once: a copy
already handled is skipped.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, BaseUpdateProcessor, ExtBot

from bot.storage import applied, inbox
from bot.storage.db import Database

log = logging.getLogger(__name__)

CHANNEL = "telegram"
# Handled updates are kept a day; Telegram only restarts its numbering after a week of quiet.
KEEP_HANDLED = timedelta(days=1)


class Inbox:
    """The inbox of one running bot: the database, the clock and what start-up found."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        # Only updates up to this id can come twice (replayed and sent again by Telegram).
        self.known_before_start = 0

    async def keep(self, updates: tuple[Update, ...]) -> None:
        """Store fetched updates before anything else happens to them."""
        rows = [(u.update_id, _payload(u)) for u in updates]
        async with self.db.transaction() as conn:
            await inbox.keep(conn, CHANNEL, rows, self.clock())

    async def seen_before(self, update_id: int) -> bool:
        """Whether this update was already handled (by this or an earlier process)."""
        if update_id > self.known_before_start:
            return False
        async with self.db.transaction() as conn:
            return await inbox.is_handled(conn, CHANNEL, update_id)

    async def done(self, update_id: int) -> None:
        """The handlers have finished with this update."""
        async with self.db.transaction() as conn:
            await inbox.handled(conn, CHANNEL, update_id, self.clock())

    async def start(self) -> list[tuple[int, str]]:
        """At start-up: forget old handled updates; return the ones never handled."""
        await self.forget_old()
        async with self.db.transaction() as conn:
            self.known_before_start = await inbox.last_id(conn, CHANNEL)
            return await inbox.unhandled(conn, CHANNEL)

    async def forget_old(self) -> None:
        """Drop handled updates older than a day (the planner calls this every few hours)."""
        async with self.db.transaction() as conn:
            purged = await inbox.purge(conn, self.clock() - KEEP_HANDLED)
            await applied.forget_before(conn, self.clock() - KEEP_HANDLED)
        if purged:
            log.debug("forgot %d handled updates", purged)


async def forget_old(db: Database, now: datetime) -> None:
    """Drop handled updates, and the effects they applied, older than a day."""
    async with db.transaction() as conn:
        purged = await inbox.purge(conn, now - KEEP_HANDLED)
        await applied.forget_before(conn, now - KEEP_HANDLED)
    if purged:
        log.debug("forgot %d handled updates", purged)


def _payload(update: Update) -> str:
    """The update as JSON text that the database can always store.

    Readable UTF-8 as a rule; escaped when the update holds lone surrogates (button data from a
    modified client), which UTF-8 cannot encode: one such update must not stop the inbox.
    """
    data = update.to_dict()
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data)
    return text


class InboxBot(ExtBot[None]):
    """The bot whose getUpdates stores what it fetched before handing it on."""

    def __init__(self, token: str, **kwargs: Any) -> None:
        super().__init__(token, **kwargs)
        # A Bot is frozen once built; attributes with a leading underscore stay settable.
        self._inbox: Inbox | None = None

    @property
    def inbox(self) -> Inbox | None:
        """The inbox, once the database is open."""
        return self._inbox

    def attach(self, keeper: Inbox) -> None:
        """Store every update fetched from now on in this inbox."""
        self._inbox = keeper

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        """Acknowledge a button press; one too old to acknowledge (a press handled after a
        restart) is let go: the answer is stored and the reply message still follows."""
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except BadRequest as exc:
            if "query is too old" not in str(exc).lower():
                raise
            log.info("a button press was too old to acknowledge: %s", exc)
            return False

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """Fetch updates and store them; the updater confirms them only after this returns."""
        updates = await super().get_updates(*args, **kwargs)
        if updates and self.inbox is not None:
            await self.inbox.keep(updates)
        return updates


class ChiboApplication(Application[Any, Any, Any, Any, Any, Any]):
    """The application that marks each update handled once its handlers have run."""

    async def process_update(self, update: object) -> None:
        """Handle an update once: skip a copy already handled, mark it handled after."""
        keeper = self.bot.inbox if isinstance(self.bot, InboxBot) else None
        if keeper is None or not isinstance(update, Update):
            await super().process_update(update)
            return
        if await keeper.seen_before(update.update_id):
            log.info("update %d was handled before the restart; skipped", update.update_id)
            return
        # Effects are keyed by the update: one replayed after a crash never applies twice.
        with applied.handling(f"{CHANNEL}:{update.update_id}"):
            await super().process_update(update)
        await keeper.done(update.update_id)


async def replay(app: Application[Any, Any, Any, Any, Any, Any], db: Database) -> int:
    """Attach the inbox to the bot and queue the updates fetched but never handled."""
    bot = app.bot
    if not isinstance(bot, InboxBot):
        return 0
    keeper = Inbox(db, app.bot_data.now)
    pending = await keeper.start()
    for _update_id, payload in pending:
        update = Update.de_json(json.loads(payload), bot)
        await app.update_queue.put(update)
    bot.attach(keeper)
    return len(pending)


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates of different chats are handled at once; those of one chat in arrival order.

    A member's reply waits for the same member's previous one (the reason after "xin vắng"),
    never for a thousand other members answering the same notice.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers once this chat's earlier updates are done."""
        key = _chat_of(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def _chat_of(update: object) -> int:
    """The chat (else the person) an update belongs to; 0 for neither."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return 0
