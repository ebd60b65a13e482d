"""The Zalo channel running: updates kept then handled in order per chat, replies, files.

Every update is stored (`zalo_inbox`, keyed by Zalo's message id) before the webhook answers
or polling moves on; one stored before is not handled again (Zalo repeats, it has no offsets).
Each stored update belongs to the process that took it, which handles it; when that process
dies its unhandled updates go to a live one (at the next start, with one process). Effects are
keyed by the update (`applied.handling`), so a replay never applies them twice.

With several processes on one database, every process answers the webhook; long polling is
done by the one holding the lease `poll:zalo`, and old updates are forgotten by the planner's
(`plan`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from aiohttp import web

from bot.channels.zalo import store
from bot.channels.zalo.adapter import CHANNEL, handle, turn_of
from bot.channels.zalo.client import (
    ZaloAuthError,
    ZaloClient,
    ZaloError,
    ZaloRejected,
    ZaloRetryAfter,
    ZaloUnreachable,
)
from bot.channels.zalo.receiver import poll, secret_path_for, webhook_app
from bot.channels.zalo.render import FILES_PATH, Out, Pacer
from bot.channels.zalo.updates import UnsupportedUpdate, ZaloMessage, parse_update, update_key
from bot.chat.turn import Core
from bot.services import delivery
from bot.services.workers import PLAN, Worker
from bot.storage import accounts, applied, people
from bot.storage.db import Conn
from bot.views.reply import Reply

log = logging.getLogger(__name__)

# Handled updates are kept this long: Zalo may hand out an update again within it.
KEEP_HANDLED = timedelta(days=7)
FORGET_EVERY = timedelta(hours=6)
MAX_AT_ONCE = 64
# The lease of long polling Zalo: one process polls.
POLL = "poll:zalo"


class ZaloSender:
    """The delivery engine's Zalo sender: the channel's pacing, outcomes sorted."""

    channel = CHANNEL

    def __init__(self, out: Out) -> None:
        self.out = out

    async def send(self, address: str, replies: Sequence[Reply]) -> delivery.SendResult:
        """Send the replies to one chat; how it ended."""
        core = self.out.core
        async with core.db.transaction() as conn:
            account = await accounts.get(conn, CHANNEL, address)
            person = await people.get(conn, account.person_id) if account else None
        t = core.catalogs.pick(person.language if person else None, None)
        try:
            last = await self.out.show(address, replies, t, retry=False)
        except ZaloRetryAfter as exc:
            seconds = exc.retry_after if exc.retry_after is not None else 1.0
            self.out.pacer.hold(seconds)  # replies wait too: the 429 is for the whole channel
            return delivery.RetryAfter(seconds)
        except ZaloUnreachable as exc:
            return delivery.Unreachable(str(exc))
        except ZaloRejected as exc:
            return delivery.Rejected(str(exc))
        except ZaloError as exc:  # network, Zalo's trouble, a token revoked meanwhile
            return delivery.Trouble(str(exc))
        return delivery.Sent(last.message_id if last else "")


class ZaloChannel:
    """One Zalo bot: receives (webhook or polling), answers, serves its files, sends notices."""

    def __init__(
        self, core: Core, client: ZaloClient, worker: Worker, *, secret: str = ""
    ) -> None:
        self.core = core
        self.client = client
        self.worker = worker
        self.secret = secret
        self.out = Out(client, core, Pacer(core.config.zalo.max_messages_per_second))
        self.sender = ZaloSender(self.out)
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._at_once = asyncio.Semaphore(MAX_AT_ONCE)
        self._stop = asyncio.Event()
        # Updates being handled here: what a look at the inbox must not schedule again.
        self._inflight: set[str] = set()
        self._poll_stop = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None
        self._forgetter: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        worker.on_dead(self._hand_on)

    @property
    def webhook(self) -> bool:
        """Whether updates come by webhook (a public address and a secret), else polling."""
        return bool(self.core.config.zalo.public_url and self.secret)

    # ----- receiving ------------------------------------------------------------------------

    async def accept(self, raw: dict[str, Any]) -> None:
        """Store one update (the webhook answers only after this); handle it if new."""
        key = update_key(raw)
        update = parse_update(raw)
        chat_id = update.chat_id if isinstance(update, ZaloMessage) else ""
        fresh = key not in self._inflight
        self._inflight.add(key)  # before it is stored: a look at the inbox now leaves it here
        try:
            async with self.core.db.transaction() as conn:
                new = await store.keep(
                    conn, key, chat_id, _payload(raw), self.core.now(), self.worker.id
                )
        except BaseException:
            if fresh:
                self._inflight.discard(key)
            raise
        if new:
            self._schedule(key, update)
        else:
            if fresh:
                self._inflight.discard(key)
            log.info("Zalo update %s came again; handled once", key)

    async def replay(self) -> int:
        """Handle the updates this process took but has not handled, and those of nobody (of
        a process that stopped or died); how many were scheduled."""
        if self._stop.is_set():
            return 0
        async with self.core.db.transaction() as conn:
            await store.adopt(conn, self.worker.id)
            pending = await store.unhandled(conn, self.worker.id)
        scheduled = 0
        for key, payload in pending:
            if key not in self._inflight:
                self._inflight.add(key)
                self._schedule(key, parse_update(json.loads(payload)))
                scheduled += 1
        return scheduled

    async def _hand_on(self, conn: Conn, dead: list[str]) -> None:
        """The updates dead processes took but never handled are this process's now."""
        others = [worker_id for worker_id in dead if worker_id != self.worker.id]
        if not others:  # this process stopping: its leftovers go to whoever looks next
            return
        given = await store.hand_on(conn, others, self.worker.id)
        if given:
            log.warning("%d Zalo updates of a stopped process are handled here", given)

    async def _look_again(self) -> None:
        """After each heartbeat: handle what was handed on to this process."""
        replayed = await self.replay()
        if replayed:
            log.warning("%d Zalo updates were received but not handled; handled now", replayed)

    def _schedule(self, key: str, update: ZaloMessage | UnsupportedUpdate) -> None:
        task = asyncio.create_task(self._in_order(key, update), name=f"zalo-{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _in_order(self, key: str, update: ZaloMessage | UnsupportedUpdate) -> None:
        """One chat's updates in arrival order; different chats at once."""
        chat = update.chat_id if isinstance(update, ZaloMessage) else ""
        lock = self._locks.get(chat)
        if lock is None:
            lock = self._locks[chat] = asyncio.Lock()
        self._users[chat] = self._users.get(chat, 0) + 1
        try:
            async with lock, self._at_once:
                try:
                    await self._handle(key, update)
                except Exception:
                    log.exception("a Zalo update could not be handled")
                async with self.core.db.transaction() as conn:
                    await store.handled(conn, key, self.core.now())
        finally:
            self._inflight.discard(key)
            self._users[chat] -= 1
            if not self._users[chat]:
                del self._users[chat]
                del self._locks[chat]

    async def _handle(self, key: str, update: ZaloMessage | UnsupportedUpdate) -> None:
        if isinstance(update, UnsupportedUpdate):
            log.info("Zalo update %s not used: %s", key, update.reason)
            return
        if update.sender.is_bot:
            return
        with applied.handling(f"{CHANNEL}:{key}"):
            turn = await turn_of(self.core, update)
            replies = await handle(turn, update)
            await self.out.show(update.chat_id, replies, turn.t)

    async def idle(self) -> None:
        """Wait until every update received so far is handled."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ----- files ----------------------------------------------------------------------------

    async def serve_file(self, request: web.Request) -> web.Response:
        """A file at its unguessable address while it is valid; 404 otherwise."""
        token = request.match_info.get("token", "")
        async with self.core.db.transaction() as conn:
            found = await store.take_file(conn, token, self.core.now())
        if found is None:
            return web.Response(status=404, text="not found")
        name, is_photo, data = found
        if is_photo:
            return web.Response(body=data, content_type="image/png")
        return web.Response(
            body=data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{_ascii(name)}"'},
        )

    # ----- life cycle -----------------------------------------------------------------------

    async def start(self, *, poll_timeout: int = 30) -> None:
        """Check the token, handle what was left unhandled, then receive: by webhook in every
        process; by polling in the one holding the lease (`worker.take_duties` begins it)."""
        await self.client.get_me()  # a bad token stops start-up here (ZaloAuthError)
        await self._look_again()
        config = self.core.config.zalo
        app: web.Application | None = None
        if self.webhook:
            path = secret_path_for(self.secret)
            app = webhook_app(path, self.secret, self.accept)
            await self.client.set_webhook(
                f"{config.public_url.rstrip('/')}/zalo/{path}", self.secret
            )
        else:
            await self.client.delete_webhook()
            if config.public_url:
                app = web.Application()
        if app is not None:
            app.router.add_get(FILES_PATH + "{token}", self.serve_file)
            host, _, port = config.listen.rpartition(":")
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, host, int(port)).start()
        if not self.webhook:
            self.worker.duty(POLL, partial(self._begin_polling, poll_timeout), self._end_polling)
        self.worker.duty(PLAN, self._begin_forgetting, self._end_forgetting)
        self.worker.after_beat(self._look_again)

    async def _begin_polling(self, seconds: int) -> None:
        self._poll_stop = asyncio.Event()
        self._poller = asyncio.create_task(self._poll(seconds, self._poll_stop), name="zalo-poll")

    async def _end_polling(self) -> None:
        self._poll_stop.set()
        if self._poller is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None

    async def _begin_forgetting(self) -> None:
        self._forgetter = asyncio.create_task(self._forget_every(), name="zalo-forget")

    async def _end_forgetting(self) -> None:
        if self._forgetter is not None:
            self._forgetter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._forgetter
            self._forgetter = None

    async def _forget_every(self) -> None:
        """Drop handled updates and expired files now and then (a week's repeats are enough)."""
        while True:
            try:
                async with self.core.db.transaction() as conn:
                    await store.purge(conn, self.core.now() - KEEP_HANDLED)
            except Exception:
                log.exception("forgetting old Zalo updates failed; again later")
            await asyncio.sleep(FORGET_EVERY.total_seconds())

    async def _poll(self, seconds: int, stop: asyncio.Event) -> None:
        """Long-poll until `stop` is set (`seconds`: each long poll's own timeout)."""
        try:
            await poll(self.client, self.accept, stop, timeout=seconds)
        except ZaloAuthError:
            log.error("Zalo refused the token (ZALO_BOT_TOKEN): the Zalo channel stopped")

    async def stop(self) -> None:
        """Stop receiving, finish what was received, stop serving."""
        self._stop.set()
        await self._end_polling()
        await self._end_forgetting()
        await self.idle()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _payload(raw: dict[str, Any]) -> str:
    text = json.dumps(raw, ensure_ascii=False, default=repr)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(raw, default=repr)
    return text


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
