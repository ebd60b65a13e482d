"""Showing channel-neutral replies on Zalo: plain text, numbered choices, links for files.

Zalo has no buttons and cannot edit a message: every reply is a new message, its choices are
numbered under the text and remembered (the chat's last offer) so that "1" can pick them; a
picture goes as a photo Zalo fetches from this process, a spreadsheet as a one-time link.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import TypeVar

from bot.channels.telegram import codec
from bot.channels.zalo import store
from bot.channels.zalo.client import MAX_TEXT, SentMessage, ZaloClient, ZaloRetryAfter
from bot.chat.turn import Core
from bot.domain.acts import Act, Score
from bot.domain.text import split_text
from bot.i18n import Translator
from bot.views import zalo as texts
from bot.views.reply import Choice, File, Reply

T = TypeVar("T")

PHOTO_KEPT = timedelta(hours=6)
DOWNLOAD_KEPT = timedelta(hours=24)
FILES_PATH = "/zalo/files/"
# A reply met by flood control waits and goes again, this many times.
REPLY_TRIES = 3


class Pacer:
    """Every call that puts a message in front of someone, evenly spaced; a 429 holds all."""

    def __init__(self, per_second: int) -> None:
        self.interval = 1 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._held_until = 0.0
        self._lock = asyncio.Lock()

    async def slot(self) -> None:
        """Wait for this call's turn."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            at = max(now, self._next, self._held_until)
            self._next = at + self.interval
            if at > now:
                await asyncio.sleep(at - now)

    def hold(self, seconds: float) -> None:
        """Flood control: nothing more goes out on Zalo for `seconds`."""
        until = asyncio.get_running_loop().time() + max(seconds, 0.0)
        self._held_until = max(self._held_until, until)


def encode_offer(choices: Sequence[Choice]) -> str:
    """The numbered choices as stored: [[label, act's string form], ...]."""
    return json.dumps([[c.label, codec.encode(c.act)] for c in choices], ensure_ascii=False)


def decode_offer(text: str) -> list[tuple[str, Act]]:
    """The stored choices back; an entry that no longer decodes is dropped."""
    try:
        raw = json.loads(text)
    except ValueError:
        return []
    found: list[tuple[str, Act]] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
            act = codec.decode(item[1])
            if act is not None:
                found.append((item[0], act))
    return found


class Out:
    """Sends replies to Zalo chats: the client, the channel's pacing, the files it serves."""

    def __init__(self, client: ZaloClient, core: Core, pacer: Pacer) -> None:
        self.client = client
        self.core = core
        self.pacer = pacer
        self.public_url = core.config.zalo.public_url.rstrip("/")

    async def _call(self, send: Callable[[], Awaitable[T]], retry: bool) -> T:
        tries = REPLY_TRIES if retry else 1
        for attempt in range(1, tries + 1):
            await self.pacer.slot()
            try:
                return await send()
            except ZaloRetryAfter as exc:
                wait = exc.retry_after if exc.retry_after is not None else 1.0
                self.pacer.hold(wait)
                if attempt == tries:
                    raise
        raise AssertionError("unreachable")

    async def show(
        self, chat_id: str, replies: Sequence[Reply], t: Translator, *, retry: bool = True
    ) -> SentMessage | None:
        """Send each reply as new messages; the choices of the last one that has any become
        the chat's offer. Returns the last message sent."""
        last: SentMessage | None = None
        offered: list[Choice] | None = None
        for reply in replies:
            last = await self._one(chat_id, reply, t, retry) or last
            if reply.choices:
                offered = reply.flat_choices
        if offered is not None:
            async with self.core.db.transaction() as conn:
                await store.offer(conn, chat_id, encode_offer(offered), self.core.now())
        return last

    async def _one(
        self, chat_id: str, reply: Reply, t: Translator, retry: bool
    ) -> SentMessage | None:
        text = reply.text
        if reply.choices:
            labels = [c.label for c in reply.flat_choices]
            # While a scorecard asks points a typed number is points: its choices are typed.
            points = any(isinstance(c.act, Score) and c.act.op == "pt" for c in reply.flat_choices)
            shown = texts.typed(t, labels) if points else texts.numbered(t, labels)
            text = f"{text}\n\n{shown}" if text else shown
        if reply.file is not None:
            return await self._file(chat_id, reply.file, text, t, retry)
        return await self._text(chat_id, text, retry)

    async def _text(self, chat_id: str, text: str, retry: bool) -> SentMessage | None:
        last: SentMessage | None = None
        for part in split_text(text, MAX_TEXT):
            if part.strip():
                last = await self._call(partial(self.client.send_message, chat_id, part), retry)
        return last

    async def _file(
        self, chat_id: str, file: File, text: str, t: Translator, retry: bool
    ) -> SentMessage | None:
        if file.is_photo:
            if not self.public_url:
                return await self._text(chat_id, f"{text}\n\n{texts.chart_elsewhere(t)}", retry)
            url = await self.publish(file, PHOTO_KEPT, one_time=False)
            if len(split_text(text, MAX_TEXT)) > 1:
                await self._text(chat_id, text, retry)
                text = ""
            return await self._call(
                lambda: self.client.send_photo(chat_id, url, caption=text or None), retry
            )
        if not self.public_url:
            return await self._text(chat_id, f"{text}\n\n{texts.no_download(t, file.name)}", retry)
        url = await self.publish(file, DOWNLOAD_KEPT, one_time=True)
        return await self._text(chat_id, f"{text}\n\n{texts.download(t, file.name, url)}", retry)

    async def publish(self, file: File, kept: timedelta, *, one_time: bool) -> str:
        """Keep a file to serve at an unguessable address for a while; the address."""
        token = secrets.token_urlsafe(24)
        now = self.core.now()
        async with self.core.db.transaction() as conn:
            await store.put_file(
                conn, token, file.name, file.is_photo, file.data, now + kept, one_time
            )
        return f"{self.public_url}{FILES_PATH}{token}"
