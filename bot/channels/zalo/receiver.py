"""Receiving Zalo updates: the webhook server in production, long polling for development."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from bot.channels.zalo.client import (
    ZaloAuthError,
    ZaloClient,
    ZaloError,
    ZaloRetryAfter,
)
from bot.channels.zalo.updates import unwrap

_LOGGER = logging.getLogger(__name__)

Accept = Callable[[dict[str, Any]], Awaitable[None]]
"""Stores one raw update (the inbox); it must expect the same update more than once."""

SECRET_HEADER: Final = "X-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY: Final = 64 * 1024
POLL_TIMEOUT: Final = 30
BACKOFF_FIRST: Final = 1.0
BACKOFF_MAX: Final = 30.0
STORE_TRIES: Final = 5


def secret_path_for(secret_token: str) -> str:
    """An unguessable, stable URL path segment derived from the webhook secret."""
    digest = hmac.new(secret_token.encode(), b"chibo zalo webhook path", hashlib.sha256)
    return digest.hexdigest()[:32]


def webhook_app(secret_path: str, secret_token: str, accept: Accept) -> web.Application:
    """An app serving ``POST /zalo/<secret_path>``: secret checked, update stored, then 200."""
    if not secret_path or "/" in secret_path:
        raise ValueError("the secret path must be one non-empty path segment")
    if not 8 <= len(secret_token) <= 256:
        raise ValueError("the webhook secret must have 8 to 256 characters")
    expected = secret_token.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        # Constant time, so the secret cannot be guessed from how long a refusal takes.
        if not hmac.compare_digest(given, expected):
            _LOGGER.warning("Zalo webhook: a call without the right secret was refused")
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            body = await request.read()  # stops at the app's client_max_size (MAX_BODY)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        except (asyncio.IncompleteReadError, ConnectionError):
            return web.Response(status=400, text="unreadable body")
        try:
            raw = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(raw, dict):
            return web.Response(status=400, text="not a JSON object")
        try:
            await accept(dict(unwrap(raw)))
        except Exception:
            # Not stored: a non-200 answer makes Zalo send it again.
            _LOGGER.exception("Zalo webhook: the update could not be stored")
            return web.Response(status=500, text="not stored")
        return web.Response(status=200, text="ok")

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(f"/zalo/{secret_path}", receive)
    return app


async def poll(
    client: ZaloClient,
    accept: Accept,
    stop_event: asyncio.Event,
    *,
    timeout: int = POLL_TIMEOUT,  # noqa: ASYNC109 - the long poll's own timeout, sent to Zalo
    backoff_first: float = BACKOFF_FIRST,
    backoff_max: float = BACKOFF_MAX,
) -> None:
    """Long-poll getUpdates until ``stop_event`` is set, handing every update to ``accept``.

    Zalo has no offset, so an update may come again: ``accept`` de-duplicates. Trouble with
    Zalo backs off (doubling up to ``backoff_max``); a bad token ends the loop with ZaloAuthError.
    """
    delay = backoff_first
    while not stop_event.is_set():
        try:
            updates = await _until_stopped(client.get_updates(timeout), stop_event)
        except ZaloAuthError:
            raise
        except ZaloRetryAfter as exc:
            wait = exc.retry_after if exc.retry_after is not None else delay
            _LOGGER.warning("Zalo getUpdates: flood control, waiting %.1f s", wait)
            await _sleep_unless_stopped(max(wait, backoff_first), stop_event)
            delay = min(delay * 2, backoff_max)
            continue
        except ZaloError as exc:
            # The token is never in these errors; the method and Zalo's words are.
            _LOGGER.warning("Zalo getUpdates failed (%s); again in %.1f s", exc, delay)
            await _sleep_unless_stopped(delay, stop_event)
            delay = min(delay * 2, backoff_max)
            continue
        if updates is None:  # stopped
            return
        delay = backoff_first
        for update in updates:
            await _store(update, accept, stop_event, backoff_first, backoff_max)


async def _store(
    update: dict[str, Any],
    accept: Accept,
    stop_event: asyncio.Event,
    backoff_first: float,
    backoff_max: float,
) -> None:
    """Hand one update to ``accept``, trying again a few times: Zalo may never resend it."""
    delay = backoff_first
    for attempt in range(1, STORE_TRIES + 1):
        try:
            await accept(update)
        except Exception:
            _LOGGER.exception("Zalo polling: an update could not be stored (try %d)", attempt)
        else:
            return
        if stop_event.is_set():
            return
        await _sleep_unless_stopped(delay, stop_event)
        delay = min(delay * 2, backoff_max)


async def _until_stopped(
    call: Awaitable[list[dict[str, Any]]], stop_event: asyncio.Event
) -> list[dict[str, Any]] | None:
    """The call's result, or None when ``stop_event`` is set first (the call is cancelled)."""
    task = asyncio.ensure_future(call)
    stopper = asyncio.ensure_future(stop_event.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if task.cancelled():
        return None
    return task.result()


async def _sleep_unless_stopped(seconds: float, stop_event: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop_event.wait(), timeout=seconds)
