"""The monthly digest with its chart, sent to the cadres (/baocao is in bot.chat.reports)."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.channels.telegram.handlers.context import CHANNEL, BotData
from bot.charts import digest_chart
from bot.services import reports
from bot.storage import accounts, people
from bot.views.digest import chart_labels, chart_title, monthly_caption, monthly_digest
from bot.views.reports import rendered

log = logging.getLogger(__name__)
App = Application[Any, Any, Any, Any, Any, Any]


async def deliver_monthly(app: App) -> int:
    """Queue this month's digests (from the configured day on) and send what is pending."""
    data: BotData = app.bot_data
    await reports.queue_monthly(data.db, data.config.digest.monthly_day, data.rules.tz, data.now())
    sent = 0
    for person_id, month, state in await reports.pending_digests(data.db):
        sent += await _send_monthly(app, person_id, month, state)
    return sent


async def _send_monthly(app: App, person_id: int, month: str, state: str) -> int:
    data: BotData = app.bot_data
    async with data.db.transaction() as conn:
        person = await people.get(conn, person_id)
        account = await accounts.of_person(conn, CHANNEL, person_id)
    if person is None or account is None:
        await reports.mark_digest(data.db, person_id, month, "failed", data.now(), "not linked")
        return 0
    t = data.catalogs.pick(person.language, account.language_code)
    cells = await reports.followed_cells(data.db, person_id)
    months = [
        rendered(t, r)
        for r in await reports.month_reports(data.db, cells, month, data.rules.tz, data.now())
    ]
    chat = int(account.external_id)
    try:
        # Text first, then the chart: each step is recorded, so a restart resumes, not repeats.
        if state == "pending":
            await app.bot.send_message(chat, monthly_digest(t, person.full_name, month, months))
            await reports.mark_digest(data.db, person_id, month, "text_sent", data.now())
        trend = await reports.trend(data.db, cells, month, data.rules.tz)
        png = await asyncio.to_thread(
            digest_chart, months, trend, chart_title(t, month), chart_labels(t)
        )
        await app.bot.send_photo(chat, io.BytesIO(png), caption=monthly_caption(t, month))
    except RetryAfter:
        return 0  # tried again at the next round
    except (Forbidden, BadRequest) as exc:
        await reports.mark_digest(data.db, person_id, month, "failed", data.now(), str(exc))
        return 0
    except TelegramError as exc:
        log.warning("monthly digest to %s not sent yet: %s", person_id, exc)
        return 0
    await reports.mark_digest(data.db, person_id, month, "sent", data.now())
    return 1
