"""A local fake Telegram Bot API server (aiohttp) that the real python-telegram-bot talks to."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import mimetypes
import random
import re
import socket
import struct
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Literal, Self

from aiohttp import BodyPartReader, web

from chibo_devtools.telegram.people import (
    DEFAULT_SETTLE,
    DEFAULT_TIMEOUT,
    JSON,
    Button,
    CallbackAnswer,
    Edit,
    SentFile,
    SentMessage,
    SimUser,
    split_name,
)

_LOGGER = logging.getLogger(__name__)

Params = dict[str, Any]


@dataclass(slots=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    data: bytes
    content_type: str | None


Files = dict[str, Upload]
Handler = Callable[[Params, Files], Awaitable[Any]]

# Parameters that are strings in the Bot API and must not be JSON-decoded ("123" stays "123").
_STRING_PARAMS: Final = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "language_code",
        "photo",
        "document",
        "file_id",
        "action",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "description",
        "short_description",
        "name",
        "emoji",
    }
)
# Methods that put something in front of a person, hence count against flood limits.
_FLOOD_METHODS: Final = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
    }
)
_MAX_TEXT: Final = 4096
_MAX_CAPTION: Final = 1024
_MAX_CALLBACK_ANSWER: Final = 200
_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_COMMAND_NAME: Final = re.compile(r"[a-z0-9_]{1,32}")
_STATUS_TEXT: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """Token-bucket flood control like Telegram's; a burst of None means the per-second rate.

    `strict` counts the overall limit in a sliding one-second window instead: the 31st message
    within any second gets a 429, however evenly the 30 before it were spread over the bucket.
    """

    overall_per_second: float = 30
    per_chat_per_second: float = 1
    overall_burst: int | None = None
    per_chat_burst: int | None = None
    strict: bool = False


@dataclass(frozen=True, slots=True)
class Faults:
    """Random trouble on the methods that put something in front of a person.

    server_errors: the share of calls answered 500 without doing anything; drops: the share
    whose connection is closed before anything is done (the sender cannot know which).
    """

    server_errors: float = 0.0
    drops: float = 0.0
    seed: int = 7


@dataclass(slots=True)
class ScriptedFailure:
    """A failure the next matching call(s) will get instead of (or after) the real answer."""

    method: str
    status: int
    retry_after: int
    times: int
    description: str | None
    drop: bool
    performed: bool
    chat_id: int | None


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


@dataclass(slots=True)
class _Query:
    user: SimUser
    message_id: int
    data: str | None
    answered: bool = False


@dataclass(slots=True)
class _Markup:
    inline: JSON | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    keyboard: list[list[str]] | None = None
    remove: bool = False
    force_reply: bool = False


class FakeTelegram:
    """A fake Bot API on 127.0.0.1 with simulated people; use ``sim.user(...)`` to act."""

    def __init__(
        self,
        token: str = "123456:TEST",  # noqa: S107 - a fake token for a fake server
        bot_username: str = "chibo_demo_bot",
        *,
        bot_name: str = "Trợ lý Chi bộ",
        flood_limits: FloodLimits | None = None,
        latency: float = 0.0,
        faults: Faults | None = None,
        first_user_id: int = 1001,
        max_poll_timeout: float = 10.0,
        settle: float = DEFAULT_SETTLE,
        reply_timeout: float = DEFAULT_TIMEOUT,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("token must look like '123456:SECRET'")
        self.token = token
        self.bot_id = int(bot_id)
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.flood_limits = flood_limits
        self.latency = latency
        self.faults = faults
        self._fault_dice = random.Random(faults.seed if faults else 0)
        self.max_poll_timeout = max_poll_timeout
        self.settle = settle
        self.reply_timeout = reply_timeout
        self.host = host
        self.port = port

        self.users: dict[int, SimUser] = {}
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.rate_limited = 0
        self.flood_rejections = 0
        self.dropped = 0
        self.server_errors = 0
        self.internal_errors: list[BaseException] = []
        self.webhook_deleted = 0

        self._next_user_id = first_user_id
        self._updates: deque[tuple[int, JSON]] = deque()
        self._next_update_id = 1
        self._max_fetched_update_id = 0
        self._allowed_updates: frozenset[str] | None = None
        self._poll_waiters: set[asyncio.Future[None]] = set()
        self._queries: dict[str, _Query] = {}
        self._next_query_id = 4_000_000_000_000_000_001
        self._files: dict[str, SentFile] = {}
        self._file_paths: dict[str, SentFile] = {}
        self._next_file = 1
        self._commands: dict[tuple[str, int | None, int | None, str], list[JSON]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._failures: list[ScriptedFailure] = []
        self._overall_bucket: _Bucket | None = None
        self._window: deque[float] = deque()  # overall sends of the last second (strict)
        self._chat_buckets: dict[int, _Bucket] = {}
        self._last_bot_activity = 0.0
        self._bot_activity = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("setMyDescription", self._set_bot_text("description")),
                ("getMyDescription", self._get_bot_text("description")),
                ("setMyShortDescription", self._set_bot_text("short_description")),
                ("getMyShortDescription", self._get_bot_text("short_description")),
                ("setMyName", self._set_bot_text("name")),
                ("getMyName", self._get_bot_text("name")),
                ("setChatMenuButton", self._true),
                ("sendMessage", self._send_message),
                ("editMessageText", self._edit_message_text),
                ("editMessageCaption", self._edit_message_caption),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("sendPhoto", self._send_photo),
                ("sendDocument", self._send_document),
                ("sendChatAction", self._send_chat_action),
                ("getFile", self._get_file),
                ("close", self._true),
                ("logOut", self._true),
            )
        }

    # ----- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on the host (127.0.0.1) and a free port."""
        if self._runner is not None:
            raise RuntimeError("the fake Telegram is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            self.port = sock.getsockname()[1]
            site = web.SockSite(runner, sock, backlog=1024)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._closing = False
        self._runner = runner

    async def stop(self) -> None:
        """Wake any long poll and stop listening."""
        self._closing = True
        self._wake_pollers()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The Bot API URL prefix for PTB; it appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """The file download URL prefix for PTB; it appends the token."""
        return f"http://{self.host}:{self.port}/file/bot"

    # ----- people -----------------------------------------------------------------------------

    def user(
        self,
        name: str,
        *,
        language_code: str | None = "vi",
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
        started: bool = True,
    ) -> SimUser:
        """A new simulated person; ``started=False`` means they never opened the bot."""
        if user_id is None:
            while self._next_user_id in self.users:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        elif user_id in self.users:
            raise ValueError(f"user id {user_id} is taken by {self.users[user_id].name}")
        if first_name is None:
            first_name, split_last = split_name(name)
            last_name = split_last if last_name is None else last_name
        person = SimUser(
            self,
            user_id,
            name,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            started=started,
        )
        self.users[user_id] = person
        return person

    def sent_to(self, user_id: int) -> list[SentMessage]:
        """Every message the bot sent to this user id."""
        person = self.users.get(user_id)
        return list(person.messages) if person else []

    def stored_commands(
        self, scope_type: str = "default", language_code: str = "", *, chat_id: int | None = None
    ) -> list[dict[str, str]]:
        """The command list stored with setMyCommands for exactly this scope and language."""
        stored = self._commands.get((scope_type, chat_id, None, language_code), [])
        return [dict(command) for command in stored]

    def commands_for(
        self, *, chat_id: int | None = None, language_code: str | None = None
    ) -> list[dict[str, str]]:
        """The command menu a person would see, resolved through scopes as Telegram does."""
        # Chat scope, then all private chats, then default; in each the language first, then
        # the list without one. The language defaults to the person's own.
        if language_code is None:
            person = self.users.get(chat_id) if chat_id is not None else None
            language_code = (person.language_code if person else None) or ""
        scopes: list[tuple[str, int | None]] = [("all_private_chats", None), ("default", None)]
        if chat_id is not None:
            scopes.insert(0, ("chat", chat_id))
        languages = [language_code, ""] if language_code else [""]
        for scope_type, scope_chat in scopes:
            for language in languages:
                stored = self._commands.get((scope_type, scope_chat, None, language))
                if stored:
                    return [dict(command) for command in stored]
        return []

    async def wait_quiet(
        self,
        settle: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> None:
        """Wait until the bot has done nothing visible for ``settle`` seconds."""
        settle = self.settle if settle is None else settle
        limit = self.reply_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        begun = time.monotonic()
        while True:
            now = time.monotonic()
            quiet = now - max(self._last_bot_activity, begun)
            if quiet >= settle:
                return
            if now >= deadline:
                raise AssertionError(f"the bot did not go quiet within {limit:g} s")
            self._bot_activity.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._bot_activity.wait(), timeout=min(settle - quiet, deadline - now)
                )

    # ----- injecting trouble ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
        drop: bool = False,
        performed: bool = False,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (429 with retry_after, 5xx, drop)."""
        # drop: close the connection without an answer. performed: carry the call out first,
        # so the answer is lost but not the action. chat_id: only calls for that chat.
        self._failures.append(
            ScriptedFailure(
                method.lower(),
                status,
                retry_after,
                times,
                description,
                drop,
                performed,
                chat_id,
            )
        )

    def clear_failures(self) -> None:
        """Forget all scripted failures not yet used."""
        self._failures.clear()

    def reset_counters(self) -> None:
        """Zero the call and error counters."""
        self.calls.clear()
        self.statuses.clear()
        self.rate_limited = 0
        self.flood_rejections = 0
        self.dropped = 0
        self.server_errors = 0

    # ----- services for SimUser ---------------------------------------------------------------

    def push_update(self, payload: JSON, *, update_id: int | None = None) -> int:
        """Queue an update for getUpdates; returns its update_id.

        A given update_id sends an update again (as Telegram does with one never confirmed).
        """
        if update_id is None:
            update_id = self._next_update_id
            self._next_update_id += 1
        self._updates.append((update_id, {"update_id": update_id, **payload}))
        self._wake_pollers()
        return update_id

    def push_my_chat_member(self, person: SimUser, status: str) -> int:
        """Queue the my_chat_member update Telegram sends when a person (un)blocks the bot."""
        old, new = ("member", "kicked") if status == "kicked" else ("kicked", "member")
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": person.chat_json(),
                    "from": person.user_json(),
                    "date": int(time.time()),
                    "old_chat_member": self._member_json(old),
                    "new_chat_member": self._member_json(new),
                }
            }
        )

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    def was_fetched(self, update_id: int) -> bool:
        """Whether getUpdates has handed out this update."""
        return update_id <= self._max_fetched_update_id

    def register_callback_query(self, person: SimUser, message_id: int, data: str | None) -> str:
        """A fresh callback query id the bot can answer."""
        query_id = str(self._next_query_id)
        self._next_query_id += 1
        self._queries[query_id] = _Query(person, message_id, data)
        return query_id

    def register_file(
        self,
        kind: str,
        data: bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> SentFile:
        """Store a file so that getFile and the download URL can serve it."""
        number = self._next_file
        self._next_file += 1
        digest = hashlib.sha1(data or (url or "").encode(), usedforsecurity=False).hexdigest()
        if mime_type is None and filename:
            mime_type = mimetypes.guess_type(filename)[0]
        stored = SentFile(
            file_id=f"SIM{kind[:3].upper()}{number:06d}{digest[:16]}",
            file_unique_id=f"U{digest[:12]}",
            kind="photo" if kind == "photo" else "document",
            filename=filename,
            data=data,
            mime_type=mime_type,
            url=url,
        )
        if kind == "photo":
            stored.width, stored.height = _image_size(data)
        self._files[stored.file_id] = stored
        return stored

    def bot_json(self) -> JSON:
        """The bot as a Bot API User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def message_json(self, message: SentMessage) -> JSON:
        """A message the bot sent, as a Bot API Message object in its current state."""
        person = self.users[message.chat_id]
        result: JSON = {
            "message_id": message.message_id,
            "from": self.bot_json(),
            "chat": person.chat_json(),
            "date": message.date,
        }
        if message.text is not None:
            result["text"] = message.text
            if message.entities:
                result["entities"] = message.entities
        if message.caption is not None:
            result["caption"] = message.caption
            if message.caption_entities:
                result["caption_entities"] = message.caption_entities
        if message.photo is not None:
            photo = message.photo
            result["photo"] = [
                {
                    "file_id": photo.file_id,
                    "file_unique_id": photo.file_unique_id,
                    "width": photo.width,
                    "height": photo.height,
                    "file_size": photo.size,
                }
            ]
        if message.document is not None:
            document = message.document
            doc: JSON = {
                "file_id": document.file_id,
                "file_unique_id": document.file_unique_id,
                "file_size": document.size,
            }
            if document.filename:
                doc["file_name"] = document.filename
            if document.mime_type:
                doc["mime_type"] = document.mime_type
            result["document"] = doc
        if message.inline_markup is not None:
            result["reply_markup"] = message.inline_markup
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if message.protected:
            result["has_protected_content"] = True
        return result

    # ----- HTTP -------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        asked = request.match_info["method"]
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        key = asked.lower()
        known = self._methods.get(key)
        self.calls[known[0] if known else asked] += 1
        if token != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        if known is None:
            return self._error(ApiError(404, "Not Found: method not found"))
        try:
            params, files = await _read_params(request)
        except (ValueError, UnicodeDecodeError) as exc:
            return self._error(ApiError(400, f"Bad Request: can't parse request: {exc}"))
        failure = self._take_failure(key, params)
        if failure is not None and not failure.performed:
            return self._fail(request, failure)
        if self.faults is not None and key in _FLOOD_METHODS:
            roll = self._fault_dice.random()
            if roll < self.faults.drops:
                self.dropped += 1
                if request.transport is not None:
                    request.transport.close()
                return web.Response()
            if roll < self.faults.drops + self.faults.server_errors:
                self.server_errors += 1
                return self._error(ApiError(500, "Internal Server Error"))
        if self.flood_limits is not None and key in _FLOOD_METHODS:
            wait = self._flood_wait(self.flood_limits, params.get("chat_id"))
            if wait > 0:
                self.flood_rejections += 1
                retry_after = max(1, math.ceil(wait))
                return self._error(_too_many(retry_after))
        try:
            result = await known[1](params, files)
        except ApiError as exc:
            return self._error(exc)
        except Exception as exc:
            _LOGGER.exception("fake Telegram failed on %s", asked)
            self.internal_errors.append(exc)
            return self._error(ApiError(500, f"Internal Server Error: {exc!r}"))
        if failure is not None:
            return self._fail(request, failure)
        self.statuses[200] += 1
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._file_paths.get(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    def _error(self, error: ApiError) -> web.Response:
        self.statuses[error.status] += 1
        if error.status == 429:
            self.rate_limited += 1
        body: JSON = {"ok": False, "error_code": error.status, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.status)

    def _fail(self, request: web.Request, failure: ScriptedFailure) -> web.StreamResponse:
        if failure.drop:
            self.dropped += 1
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        if failure.status == 429:
            error = _too_many(failure.retry_after)
        else:
            reason = _STATUS_TEXT.get(failure.status, "Error")
            error = ApiError(failure.status, failure.description or reason)
        if failure.description:
            error.description = failure.description
        return self._error(error)

    def _take_failure(self, key: str, params: Params) -> ScriptedFailure | None:
        for failure in self._failures:
            if failure.method != key:
                continue
            if failure.chat_id is not None and _as_int(params.get("chat_id")) != failure.chat_id:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            return failure
        return None

    def _flood_wait(self, limits: FloodLimits, chat_id: Any) -> float:
        now = time.monotonic()
        overall_cap = limits.overall_burst or limits.overall_per_second
        if self._overall_bucket is None:
            self._overall_bucket = _Bucket(overall_cap, now)
        overall = self._overall_bucket
        _refill(overall, limits.overall_per_second, overall_cap, now)
        wait = 0.0 if overall.tokens >= 1 else (1 - overall.tokens) / limits.overall_per_second
        window = self._window
        if limits.strict:
            while window and window[0] <= now - 1:
                window.popleft()
            if len(window) >= limits.overall_per_second:
                wait = max(wait, window[0] + 1 - now)
        chat = _as_int(chat_id)
        bucket: _Bucket | None = None
        if chat is not None:
            chat_cap = limits.per_chat_burst or limits.per_chat_per_second
            bucket = self._chat_buckets.get(chat)
            if bucket is None:
                bucket = self._chat_buckets[chat] = _Bucket(chat_cap, now)
            _refill(bucket, limits.per_chat_per_second, chat_cap, now)
            if bucket.tokens < 1:
                wait = max(wait, (1 - bucket.tokens) / limits.per_chat_per_second)
        if wait > 0:
            return wait
        overall.tokens -= 1
        if limits.strict:
            window.append(now)
        if bucket is not None:
            bucket.tokens -= 1
        return 0.0

    def _wake_pollers(self) -> None:
        for waiter in self._poll_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._poll_waiters.clear()

    def _note_bot_activity(self) -> None:
        self._last_bot_activity = time.monotonic()
        self._bot_activity.set()

    def _member_json(self, status: str) -> JSON:
        member: JSON = {"user": self.bot_json(), "status": status}
        if status == "kicked":
            member["until_date"] = 0
        return member

    # ----- chats ------------------------------------------------------------------------------

    def _person(self, params: Params) -> SimUser:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        person = self.users.get(_as_int(raw) or 0)
        if person is None:
            raise ApiError(400, "Bad Request: chat not found")
        if person.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not person.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return person

    def _message_of(self, person: SimUser, params: Params, missing: str) -> SentMessage:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not supported by the simulator")
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = person.message(message_id)
        if message is None:
            raise ApiError(400, f"Bad Request: {missing}")
        return message

    # ----- methods ----------------------------------------------------------------------------

    async def _true(self, params: Params, files: Files) -> Any:
        return True

    async def _get_me(self, params: Params, files: Files) -> Any:
        return {
            **self.bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params, files: Files) -> Any:
        offset = _as_int(params.get("offset"))
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        timeout = params.get("timeout") or 0
        if not isinstance(timeout, int | float):
            raise ApiError(400, "Bad Request: invalid timeout")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) or None
        if offset is not None:
            self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(timeout), self.max_poll_timeout)
        while True:
            batch = self._pending(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                if batch:
                    self._max_fetched_update_id = max(
                        self._max_fetched_update_id, batch[-1]["update_id"]
                    )
                return batch
            waiter: asyncio.Future[None] = loop.create_future()
            self._poll_waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                self._poll_waiters.discard(waiter)

    def _confirm(self, offset: int) -> None:
        updates = self._updates
        if offset < 0:
            while len(updates) > -offset:
                updates.popleft()
            return
        while updates and updates[0][0] < offset:
            updates.popleft()

    def _pending(self, limit: int) -> list[JSON]:
        allowed = self._allowed_updates
        batch: list[JSON] = []
        skipped: list[tuple[int, JSON]] = []
        for entry in self._updates:
            payload = entry[1]
            if allowed is not None and not any(k in allowed for k in payload if k != "update_id"):
                skipped.append(entry)
                continue
            batch.append(payload)
            if len(batch) >= limit:
                break
        for entry in skipped:  # Telegram never delivers updates of types not asked for
            self._updates.remove(entry)
        return batch

    async def _delete_webhook(self, params: Params, files: Files) -> Any:
        self.webhook_deleted += 1
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: Params, files: Files) -> Any:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: Params) -> tuple[str, int | None, int | None, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope")
        language = params.get("language_code") or ""
        return (
            scope["type"],
            _as_int(scope.get("chat_id")),
            _as_int(scope.get("user_id")),
            str(language),
        )

    async def _set_my_commands(self, params: Params, files: Files) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse commands JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
        key = self._commands_key(params)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Params, files: Files) -> Any:
        return self._commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: Params, files: Files) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _set_bot_text(self, kind: str) -> Handler:
        async def handler(params: Params, files: Files) -> Any:
            language = str(params.get("language_code") or "")
            value = params.get(kind)
            if value:
                self._bot_texts[(kind, language)] = str(value)
            else:
                self._bot_texts.pop((kind, language), None)
            return True

        return handler

    def _get_bot_text(self, kind: str) -> Handler:
        async def handler(params: Params, files: Files) -> Any:
            language = str(params.get("language_code") or "")
            value = self._bot_texts.get((kind, language))
            if value is None and kind == "name":
                value = self.bot_name
            return {kind: value or ""}

        return handler

    async def _send_message(self, params: Params, files: Files) -> Any:
        person = self._person(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = _format(text, params.get("parse_mode"), params.get("entities"))
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(plain) > _MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = _parse_markup(params.get("reply_markup"))
        message = SentMessage(
            chat_id=person.telegram_id,
            message_id=person.allocate_message_id(),
            date=int(time.time()),
            text=plain,
            entities=entities,
            raw=text,
            parse_mode=_mode(params.get("parse_mode")),
        )
        self._finish_new_message(person, message, markup, params)
        return self.message_json(message)

    async def _send_photo(self, params: Params, files: Files) -> Any:
        return self._send_file("photo", params, files)

    async def _send_document(self, params: Params, files: Files) -> Any:
        return self._send_file("document", params, files)

    def _send_file(self, kind: str, params: Params, files: Files) -> Any:
        person = self._person(params)
        upload = files.get(kind)
        if upload is not None:
            stored = self.register_file(
                kind, upload.data, filename=upload.filename, mime_type=upload.content_type
            )
        else:
            given = params.get(kind)
            if not isinstance(given, str) or not given:
                raise ApiError(400, f"Bad Request: there is no {kind} in the request")
            if given.startswith(("http://", "https://")):
                name = given.rsplit("/", 1)[-1] or None
                stored = self.register_file(kind, b"", filename=name, url=given)
            else:
                known = self._files.get(given)
                if known is None:
                    raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
                stored = known
        caption_raw = params.get("caption")
        caption: str | None = None
        caption_entities: list[JSON] = []
        if isinstance(caption_raw, str) and caption_raw:
            caption, caption_entities = _format(
                caption_raw, params.get("parse_mode"), params.get("caption_entities")
            )
            if _utf16_len(caption) > _MAX_CAPTION:
                raise ApiError(400, "Bad Request: message caption is too long")
        markup = _parse_markup(params.get("reply_markup"))
        message = SentMessage(
            chat_id=person.telegram_id,
            message_id=person.allocate_message_id(),
            date=int(time.time()),
            caption=caption,
            caption_entities=caption_entities,
            raw=caption_raw if isinstance(caption_raw, str) else None,
            parse_mode=_mode(params.get("parse_mode")),
            photo=stored if kind == "photo" else None,
            document=stored if kind != "photo" else None,
        )
        self._finish_new_message(person, message, markup, params)
        return self.message_json(message)

    def _finish_new_message(
        self, person: SimUser, message: SentMessage, markup: _Markup, params: Params
    ) -> None:
        message.buttons = markup.buttons
        message.inline_markup = markup.inline
        message.reply_keyboard = markup.keyboard
        message.remove_keyboard = markup.remove
        message.force_reply = markup.force_reply
        message.silent = params.get("disable_notification") is True
        message.protected = params.get("protect_content") is True
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message.reply_to_message_id = _as_int(reply.get("message_id"))
        person.record_message(message)
        self._note_bot_activity()

    async def _edit_message_text(self, params: Params, files: Files) -> Any:
        person = self._person(params)
        message = self._message_of(person, params, "message to edit not found")
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = _format(text, params.get("parse_mode"), params.get("entities"))
        if _utf16_len(plain) > _MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = _parse_markup(params.get("reply_markup"), inline_only=True)
        if (plain, entities, markup.inline) == (
            message.text,
            message.entities,
            message.inline_markup,
        ):
            raise ApiError(400, _NOT_MODIFIED)
        old_text, old_buttons = message.text, message.buttons
        message.text, message.entities = plain, entities
        message.raw, message.parse_mode = text, _mode(params.get("parse_mode"))
        return self._finish_edit(person, message, "text", old_text, old_buttons, markup)

    async def _edit_message_caption(self, params: Params, files: Files) -> Any:
        person = self._person(params)
        message = self._message_of(person, params, "message to edit not found")
        if message.text is not None:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        raw = params.get("caption")
        caption: str | None = None
        entities: list[JSON] = []
        if isinstance(raw, str) and raw:
            caption, entities = _format(
                raw, params.get("parse_mode"), params.get("caption_entities")
            )
            if _utf16_len(caption) > _MAX_CAPTION:
                raise ApiError(400, "Bad Request: message caption is too long")
        markup = _parse_markup(params.get("reply_markup"), inline_only=True)
        if (caption, entities, markup.inline) == (
            message.caption,
            message.caption_entities,
            message.inline_markup,
        ):
            raise ApiError(400, _NOT_MODIFIED)
        old_text, old_buttons = message.caption, message.buttons
        message.caption, message.caption_entities = caption, entities
        return self._finish_edit(person, message, "caption", old_text, old_buttons, markup)

    async def _edit_message_reply_markup(self, params: Params, files: Files) -> Any:
        person = self._person(params)
        message = self._message_of(person, params, "message to edit not found")
        markup = _parse_markup(params.get("reply_markup"), inline_only=True)
        if markup.inline == message.inline_markup:
            raise ApiError(400, _NOT_MODIFIED)
        text = message.content
        return self._finish_edit(person, message, "markup", text, message.buttons, markup)

    def _finish_edit(
        self,
        person: SimUser,
        message: SentMessage,
        kind: Literal["text", "caption", "markup"],
        old_text: str | None,
        old_buttons: list[list[Button]],
        markup: _Markup,
    ) -> Any:
        now = int(time.time())
        message.inline_markup = markup.inline
        message.buttons = markup.buttons
        message.edit_date = now
        edit = Edit(
            message=message,
            date=now,
            kind=kind,
            old_text=old_text,
            new_text=message.text if message.text is not None else message.caption,
            old_buttons=old_buttons,
            new_buttons=markup.buttons,
        )
        message.edits.append(edit)
        person.record_edit(edit)
        self._note_bot_activity()
        return self.message_json(message)

    async def _delete_message(self, params: Params, files: Files) -> Any:
        person = self._person(params)
        message = self._message_of(person, params, "message to delete not found")
        person.record_deletion(message)
        self._note_bot_activity()
        return True

    async def _answer_callback_query(self, params: Params, files: Files) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise ApiError(400, _QUERY_INVALID)
        text = params.get("text")
        if isinstance(text, str) and len(text) > _MAX_CALLBACK_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.answered = True
        del self._queries[query_id]
        url = params.get("url")
        query.user.record_callback_answer(
            CallbackAnswer(
                query_id=query_id,
                user_id=query.user.telegram_id,
                message_id=query.message_id,
                data=query.data,
                text=text if isinstance(text, str) and text else None,
                show_alert=params.get("show_alert") is True,
                url=url if isinstance(url, str) else None,
            )
        )
        self._note_bot_activity()
        return True

    async def _send_chat_action(self, params: Params, files: Files) -> Any:
        person = self._person(params)
        action = params.get("action")
        if not isinstance(action, str) or not action:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        person.record_chat_action(action)
        self._note_bot_activity()
        return True

    async def _get_file(self, params: Params, files: Files) -> Any:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.size > 20 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        extension = ""
        if stored.filename and "." in stored.filename:
            extension = "." + stored.filename.rsplit(".", 1)[-1]
        folder = "photos" if stored.kind == "photo" else "documents"
        path = f"{folder}/{stored.file_id}{extension}"
        self._file_paths[path] = stored
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": path,
        }


# ----- request decoding ---------------------------------------------------------------------


async def _read_params(request: web.Request) -> tuple[Params, Files]:
    params: Params = {key: _decode(key, value) for key, value in request.query.items()}
    files: Files = {}
    if request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("the JSON body must be an object")
            params.update(body)
        elif content_type.startswith("multipart/"):
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader) or not part.name:
                    continue
                if part.filename is not None:
                    data = bytes(await part.read(decode=True))
                    kind = part.headers.get("Content-Type")
                    files[part.name] = Upload(part.filename, data, kind)
                else:
                    params[part.name] = _decode(part.name, await part.text())
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = _decode(key, value)
    for key, value in list(params.items()):  # attach://name points at a multipart file part
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is not None:
                files[key] = upload
                del params[key]
    return params, files


def _decode(key: str, value: str) -> Any:
    if key in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _too_many(retry_after: int) -> ApiError:
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def _refill(bucket: _Bucket, rate: float, capacity: float, now: float) -> None:
    bucket.tokens = min(capacity, bucket.tokens + (now - bucket.stamp) * rate)
    bucket.stamp = now


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _image_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 1280, 960


# ----- reply markup -------------------------------------------------------------------------


def _parse_markup(raw: Any, *, inline_only: bool = False) -> _Markup:
    if raw is None or raw == "":
        return _Markup()
    if not isinstance(raw, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button")
        buttons: list[list[Button]] = []
        for row in rows:
            parsed: list[Button] = []
            for button in row:
                parsed.append(_inline_button(button))
            buttons.append(parsed)
        return _Markup(inline={"inline_keyboard": rows}, buttons=buttons)
    if inline_only:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: can't parse keyboard button")
        labels = [
            [key["text"] if isinstance(key, dict) else str(key) for key in row] for row in rows
        ]
        return _Markup(keyboard=labels)
    if raw.get("remove_keyboard"):
        return _Markup(remove=True)
    if raw.get("force_reply"):
        return _Markup(force_reply=True)
    raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")


def _inline_button(button: Any) -> Button:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button")
    label: str = button["text"]
    if not label:
        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return (label, data)
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url:
            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return (label, url)
    others = set(button) - {"text"}
    if not others:
        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    return (label, None)


# ----- formatting (parse_mode) --------------------------------------------------------------


class _ParseError(Exception):
    """A formatting error, worded like Telegram's."""


class _Out:
    """Plain text being built, with its length in UTF-16 code units."""

    __slots__ = ("offset", "parts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0

    def add(self, text: str) -> None:
        """Append text."""
        self.parts.append(text)
        self.offset += _utf16_len(text) if not text.isascii() else len(text)

    def text(self) -> str:
        """The text so far."""
        return "".join(self.parts)


def _mode(parse_mode: Any) -> str | None:
    return parse_mode if isinstance(parse_mode, str) and parse_mode else None


def _format(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[JSON]]:
    mode = _mode(parse_mode)
    try:
        if mode is None:
            given = entities if isinstance(entities, list) else []
            return text, [e for e in given if isinstance(e, dict)]
        lowered = mode.lower()
        if lowered == "html":
            return _parse_html(text)
        if lowered == "markdownv2":
            return _parse_markdown_v2(text)
        if lowered == "markdown":
            return _parse_markdown(text)
    except _ParseError as exc:
        raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    raise ApiError(400, "Bad Request: unsupported parse_mode")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


_HTML_TAGS: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\xa0"}
_HTML_ENTITY: Final = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));")
_HTML_PLAIN: Final = re.compile(r"[^&<]+")
_HTML_TAG_NAME: Final = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_HTML_ATTR: Final = re.compile(
    r"""([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?"""
)


def _html_unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        decoded = _html_entity(match)
        return match.group(0) if decoded is None else decoded

    return _HTML_ENTITY.sub(replace, text)


def _html_entity(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _HTML_NAMED.get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
        return chr(code)
    return None


def _parse_html(src: str) -> tuple[str, list[JSON]]:
    out = _Out()
    stack: list[tuple[str, str, int, JSON]] = []
    entities: list[JSON] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "&":
            match = _HTML_ENTITY.match(src, i)
            decoded = _html_entity(match) if match else None
            if match is None or decoded is None:
                out.add("&")
                i += 1
            else:
                out.add(decoded)
                i = match.end()
        elif ch == "<":
            at = _byte_offset(src, i)
            if src.startswith("</", i):
                end = src.find(">", i)
                if end < 0:
                    raise _ParseError(f"Unclosed end tag at byte offset {at}")
                name = src[i + 2 : end].strip().lower()
                if not stack:
                    raise _ParseError(f"Unexpected end tag at byte offset {at}")
                tag, kind, start, extra = stack.pop()
                if name and name != tag:
                    raise _ParseError(
                        f'Unmatched end tag at byte offset {at}, expected "</{tag}>", '
                        f'found "</{name}>"'
                    )
                if kind and out.offset > start:
                    entities.append(
                        {"type": kind, "offset": start, "length": out.offset - start, **extra}
                    )
                i = end + 1
            else:
                i = _html_start_tag(src, i, at, out, stack)
        else:
            match = _HTML_PLAIN.match(src, i)
            assert match is not None
            out.add(match.group(0))
            i = match.end()
    if stack:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.text(), entities


def _html_start_tag(
    src: str, i: int, at: int, out: _Out, stack: list[tuple[str, str, int, JSON]]
) -> int:
    match = _HTML_TAG_NAME.match(src, i + 1)
    name = match.group(0).lower() if match else ""
    if match is None or name not in _HTML_TAGS:
        raise _ParseError(f'Unsupported start tag "{name}" at byte offset {at}')
    j, n = match.end(), len(src)
    attrs: dict[str, str] = {}
    while True:
        while j < n and src[j].isspace():
            j += 1
        if j >= n:
            raise _ParseError(f"Unclosed start tag at byte offset {at}")
        if src[j] == ">":
            j += 1
            break
        attr = _HTML_ATTR.match(src, j)
        if attr is None:
            raise _ParseError(f'Empty attribute name in the tag "{name}" at byte offset {at}')
        value = next((g for g in attr.groups()[1:] if g is not None), "")
        attrs[attr.group(1).lower()] = _html_unescape(value)
        j = attr.end()
    kind = _HTML_TAGS[name]
    extra: JSON = {}
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    if name == "a":
        href = attrs.get("href", "")
        kind, extra = ("text_link", {"url": href}) if href else ("", {})
    elif name == "code" and stack and stack[-1][1] == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1][3]["language"] = language.removeprefix("language-")
        kind = ""
    elif name == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    elif name == "tg-emoji":
        extra = {"custom_emoji_id": attrs.get("emoji-id", "")}
    stack.append((name, kind, out.offset, extra))
    return j


_MDV2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES: Final = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def _parse_markdown_v2(src: str) -> tuple[str, list[JSON]]:
    out = _Out()
    stack: list[tuple[str, int, int]] = []
    entities: list[JSON] = []
    quote_start: int | None = None
    i, n = 0, len(src)

    def toggle(kind: str, width: int) -> None:
        if stack and stack[-1][0] == kind:
            _, start, _ = stack.pop()
            if out.offset > start:
                entities.append({"type": kind, "offset": start, "length": out.offset - start})
        else:
            stack.append((kind, out.offset, _byte_offset(src, i)))

    while i < n:
        ch = src[i]
        if ch == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
        elif ch == "`":
            i = _mdv2_code(src, i, out, entities)
        elif ch == "*":
            toggle("bold", 1)
            i += 1
        elif ch == "_":
            top = stack[-1][0] if stack else ""
            if src.startswith("__", i) and top == "underline":
                toggle("underline", 2)
                i += 2
            elif top == "italic":
                toggle("italic", 1)
                i += 1
            elif src.startswith("__", i):
                toggle("underline", 2)
                i += 2
            else:
                toggle("italic", 1)
                i += 1
        elif ch == "~":
            toggle("strikethrough", 1)
            i += 1
        elif ch == "|" and src.startswith("||", i):
            toggle("spoiler", 2)
            i += 2
        elif ch == "[":
            stack.append(("text_link", out.offset, _byte_offset(src, i)))
            i += 1
        elif ch == "]" and stack and stack[-1][0] == "text_link":
            _, start, at = stack.pop()
            if not src.startswith("(", i + 1):
                raise _ParseError(f"Can't find end of a URL at byte offset {at}")
            j, url = i + 2, []
            while j < n and src[j] != ")":
                if src[j] == "\\" and j + 1 < n:
                    j += 1
                url.append(src[j])
                j += 1
            if j >= n:
                raise _ParseError(f"Can't find end of a URL at byte offset {at}")
            if out.offset > start:
                entities.append(
                    {
                        "type": "text_link",
                        "offset": start,
                        "length": out.offset - start,
                        "url": "".join(url),
                    }
                )
            i = j + 1
        elif ch == ">" and (i == 0 or src[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.offset
            i += 1
        elif ch == "\n" and quote_start is not None and not src.startswith(">", i + 1):
            if out.offset > quote_start:
                entities.append(
                    {
                        "type": "blockquote",
                        "offset": quote_start,
                        "length": out.offset - quote_start,
                    }
                )
            quote_start = None
            out.add(ch)
            i += 1
        elif ch in _MDV2_RESERVED:
            raise _ParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.add(ch)
            i += 1
    if stack:
        kind, _, at = stack[-1]
        raise _ParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {at}")
    if quote_start is not None and out.offset > quote_start:
        entities.append(
            {"type": "blockquote", "offset": quote_start, "length": out.offset - quote_start}
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.text(), entities


def _mdv2_code(src: str, i: int, out: _Out, entities: list[JSON]) -> int:
    at = _byte_offset(src, i)
    pre = src.startswith("```", i)
    j = i + (3 if pre else 1)
    language = ""
    if pre:
        newline = src.find("\n", j)
        fence = src.find("```", j)
        if newline >= 0 and (fence < 0 or newline < fence):
            language = src[j:newline].strip()
            j = newline + 1
    closing = "```" if pre else "`"
    start = out.offset
    n = len(src)
    while j < n and not src.startswith(closing, j):
        if src[j] == "\\" and j + 1 < n and src[j + 1] in "`\\":
            j += 1
        out.add(src[j])
        j += 1
    if j >= n:
        raise _ParseError(
            f"Can't find end of {'Pre' if pre else 'Code'} entity at byte offset {at}"
        )
    if out.offset > start:
        entity: JSON = {"type": "pre" if pre else "code", "offset": start}
        entity["length"] = out.offset - start
        if language:
            entity["language"] = language
        entities.append(entity)
    return j + len(closing)


def _parse_markdown(src: str) -> tuple[str, list[JSON]]:
    out = _Out()
    entities: list[JSON] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if ch in "*_`":
            fence = "```" if src.startswith("```", i) else ch
            end = src.find(fence, i + len(fence))
            if end < 0:
                at = _byte_offset(src, i)
                raise _ParseError(f"Can't find end of the entity starting at byte offset {at}")
            start = out.offset
            out.add(src[i + len(fence) : end])
            kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[fence]
            if out.offset > start:
                entities.append({"type": kind, "offset": start, "length": out.offset - start})
            i = end + len(fence)
        elif ch == "[":
            close = src.find("](", i)
            end = src.find(")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                at = _byte_offset(src, i)
                raise _ParseError(f"Can't find end of the entity starting at byte offset {at}")
            start = out.offset
            out.add(src[i + 1 : close])
            if out.offset > start:
                entities.append(
                    {
                        "type": "text_link",
                        "offset": start,
                        "length": out.offset - start,
                        "url": src[close + 2 : end],
                    }
                )
            i = end + 1
        else:
            out.add(ch)
            i += 1
    return out.text(), entities
