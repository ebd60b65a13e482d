"""Sending the messages about kiến nghị (the conversation itself is in bot.chat.petitions)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.channels.telegram import render as replies
from bot.channels.telegram.handlers.context import BotData
from bot.i18n import Translator
from bot.services import petitions
from bot.services.petitions import Delivery
from bot.views.petitions import petition_message

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

OUTBOX_JOB = "petition_outbox"
_BATCH = 30
_NETWORK_RETRY = timedelta(seconds=30)


def render(
    t: Translator, delivery: Delivery, data: BotData
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of one message about a kiến nghị, in the reader's language."""
    reply = petition_message(t, delivery, data.config.tz)
    return reply.text, replies.markup(reply.choices)


def wake(app: App) -> None:
    """Send the waiting messages now (after a change that added some)."""
    if app.job_queue is not None:
        app.job_queue.run_once(_outbox_job, 0, name=OUTBOX_JOB)


# The outbox ----------------------------------------------------------------------------------


async def deliver_petition_messages(app: App, *, at_start: bool = False) -> int:
    """Send every waiting message about kiến nghị; returns how many went out.

    At start-up (``at_start``) messages a stopped process had claimed go back to the queue
    first. A passing failure leaves the message waiting and wakes this again later.
    """
    data: BotData = app.bot_data
    if at_start:
        await petitions.recover(data.db)
    total = 0
    retry: timedelta | None = None
    while retry is None:
        batch = await petitions.claim(data.db, data.now(), _BATCH)
        for delivery in batch:
            outcome = await _send(app, delivery)
            if isinstance(outcome, timedelta):
                retry = max(retry or outcome, outcome)
            else:
                total += outcome
        if len(batch) < _BATCH:
            break
    if retry is not None and app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(OUTBOX_JOB):
            job.schedule_removal()
        app.job_queue.run_once(_outbox_job, retry.total_seconds(), name=OUTBOX_JOB)
    return total


async def _outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await deliver_petition_messages(context.application)


async def _send(app: App, delivery: Delivery) -> int | timedelta:
    """Send one message: 1 if it went, 0 if it never will, or how long to wait to try again."""
    data: BotData = app.bot_data
    message_id = delivery.message.id
    t = data.catalogs.pick(delivery.recipient.language, delivery.account.language_code)
    text, markup = render(t, delivery, data)
    try:
        await app.bot.send_message(int(delivery.account.external_id), text, reply_markup=markup)
    except RetryAfter as exc:
        wait = (
            exc.retry_after
            if isinstance(exc.retry_after, timedelta)
            else timedelta(seconds=exc.retry_after)
        )
        await petitions.retry_later(data.db, message_id, "429")
        return wait
    except Forbidden as exc:
        await petitions.unreachable(data.db, delivery, data.now(), str(exc))
        return 0
    except BadRequest as exc:
        if "chat not found" in str(exc).lower():
            await petitions.unreachable(data.db, delivery, data.now(), str(exc))
        else:
            log.error("petition message %s refused by the Bot API: %s", message_id, exc)
            await petitions.failed(data.db, message_id, data.now(), str(exc))
        return 0
    except (NetworkError, TelegramError) as exc:
        await petitions.retry_later(data.db, message_id, str(exc))
        return _NETWORK_RETRY
    await petitions.sent(data.db, message_id, data.now())
    return 1
