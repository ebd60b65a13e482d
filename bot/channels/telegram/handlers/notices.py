"""Sending the outbox: due notices go out paced; the jobs only wake the bot up."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.channels.telegram.handlers import digests
from bot.channels.telegram.handlers.context import BotData
from bot.channels.telegram.inbox import InboxBot
from bot.channels.telegram.render import markup
from bot.domain.meetings import Purpose
from bot.i18n import Translator
from bot.services import meetings, outbox, rollcall
from bot.services.outbox import Delivery
from bot.views.digest import meeting_digest
from bot.views.meetings import answer_choices, notice_text
from bot.views.rollcall import flag_text, rating_choices, rating_request_text

log = logging.getLogger(__name__)

OUTBOX_JOB = "outbox"
PLANNER_JOB = "planner"
DIGEST_JOB = "digests"
# About one second's worth of Telegram's overall limit; the rate limiter paces within it.
BATCH = 30
PLANNER_EVERY = timedelta(hours=6)

App = Application[Any, Any, Any, Any, Any, Any]


async def deliver_due(app: App) -> int:
    """Send every notice that is due now; returns how many went out."""
    data: BotData = app.bot_data
    total = 0

    loop = asyncio.get_running_loop()
    recent: dict[int, float] = {}  # person → when their last notice of this run was claimed
    gap = outbox.SAME_CHAT_GAP.total_seconds()

    def claim_next() -> asyncio.Task[list[Delivery]]:
        now = loop.time()
        for person in [p for p, at in recent.items() if now - at >= gap]:
            del recent[person]
        return asyncio.ensure_future(
            outbox.claim(data.db, data.now(), BATCH, data.rules.tz, busy=set(recent))
        )

    # The next batch is claimed while this one is being sent, so the pacing never waits for
    # the database; nobody told a moment ago is in it.
    claiming = claim_next()
    sent_log = outbox.SentLog(data.db)
    try:
        while True:
            batch = await claiming
            if not batch:
                if not recent or not await outbox.any_due(data.db, data.now()):
                    break
                await asyncio.sleep(min(recent.values()) + gap - loop.time())  # their turn
                claiming = claim_next()
                continue
            recent.update(dict.fromkeys((d.person.id for d in batch), loop.time()))
            claiming = claim_next()
            total += sum(await asyncio.gather(*(_send(app, d, sent_log) for d in batch)))
    finally:
        await sent_log.flush()
        left = [] if claiming.cancelled() else await claiming
        if left:  # only when sending failed outright: the claimed batch waits its turn
            await outbox.release(data.db, [d.notice.id for d in left])
    await schedule_outbox(app)
    return total


async def plan_ahead(app: App, *, digests_now: bool = True) -> None:
    """Create the meetings that are due to exist, then wake the outbox.

    At start-up the monthly digests are left to a job (`digests_now=False`): drawing hundreds
    of charts must not keep the bot from reading its messages.
    """
    data: BotData = app.bot_data
    await meetings.ensure_upcoming(data.db, data.rules, data.now())
    await rollcall.check_missing_meetings(
        data.db, data.rules, data.config.rules.meeting_deadline_day, data.now()
    )
    await schedule_outbox(app)
    if digests_now:
        await digests.deliver_monthly(app)
    if isinstance(app.bot, InboxBot) and app.bot.inbox is not None:
        await app.bot.inbox.forget_old()


async def schedule_outbox(app: App) -> None:
    """Wake the outbox when the next notice is due (the database says when)."""
    data: BotData = app.bot_data
    due = await outbox.next_due(data.db)
    queue = app.job_queue
    if queue is None:
        return
    for job in queue.get_jobs_by_name(OUTBOX_JOB):
        job.schedule_removal()
    if due is not None:
        delay = max(0.0, (due - data.now()).total_seconds())
        queue.run_once(_outbox_job, delay, name=OUTBOX_JOB)


def wake(app: App) -> None:
    """Look at the outbox now (after a change that added notices)."""
    if app.job_queue is not None:
        app.job_queue.run_once(_outbox_job, 0, name=OUTBOX_JOB)


def start_jobs(app: App) -> None:
    """The planner runs every few hours; the outbox wakes as the database says."""
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _planner_job, PLANNER_EVERY, first=PLANNER_EVERY, name=PLANNER_JOB
        )
        app.job_queue.run_once(_digest_job, 0, name=DIGEST_JOB)


async def _outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await deliver_due(context.application)


async def _digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await digests.deliver_monthly(context.application)


async def _planner_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await plan_ahead(context.application)


def _render(
    t: Translator, delivery: Delivery, data: BotData
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of one outbox message."""
    purpose, meeting = delivery.notice.purpose, delivery.meeting
    if purpose is Purpose.RATING:
        text = rating_request_text(t, meeting, delivery.unit, data.rules.tz)
        return text, markup(rating_choices(t, meeting.id))
    if purpose is Purpose.DIGEST:
        assert delivery.report is not None
        parent = delivery.parent.name if delivery.parent else None
        return meeting_digest(t, digests.rendered(t, delivery.report), parent), None
    if purpose is Purpose.FLAG:
        assert delivery.flag is not None
        kind, params, name = delivery.flag
        return flag_text(t, kind, params, name, delivery.unit), None
    text = notice_text(
        t,
        purpose=purpose,
        meeting=meeting,
        unit=delivery.unit,
        person=delivery.person,
        is_cadre=delivery.is_cadre,
        answer=delivery.answer,
        tz=data.rules.tz,
    )
    if delivery.is_cadre or purpose is Purpose.CANCELLED:
        return text, None
    return text, markup(answer_choices(t, meeting.id, with_roster=delivery.leads_cell))


async def _send(app: App, delivery: Delivery, sent_log: outbox.SentLog) -> int:
    """Send one notice and record how it ended; a passing failure is retried, never dropped."""
    data: BotData = app.bot_data
    person = delivery.person
    t = data.catalogs.pick(person.language, delivery.account.language_code)
    notice = delivery.notice
    text, markup = _render(t, delivery, data)
    try:
        message = await app.bot.send_message(
            int(delivery.account.external_id), text, reply_markup=markup
        )
    except RetryAfter as exc:
        wait = (
            exc.retry_after
            if isinstance(exc.retry_after, timedelta)
            else timedelta(seconds=exc.retry_after)
        )
        await outbox.retry_later(data.db, notice.id, data.now() + wait, "429")
        return 0
    except Forbidden as exc:
        await outbox.unreachable(data.db, delivery, data.now(), str(exc))
        return 0
    except BadRequest as exc:
        if "chat not found" in str(exc).lower():
            await outbox.unreachable(data.db, delivery, data.now(), str(exc))
        else:
            log.error("notice %s refused by the Bot API: %s", notice.id, exc)
            await outbox.failed(data.db, notice.id, data.now(), str(exc))
        return 0
    except (NetworkError, TelegramError) as exc:
        backoff = timedelta(seconds=min(600, 5 * 2 ** min(notice.attempts, 7)))
        await outbox.retry_later(data.db, notice.id, data.now() + backoff, str(exc))
        return 0
    sent_log.note(notice.id, str(message.message_id), data.now())
    return 1
