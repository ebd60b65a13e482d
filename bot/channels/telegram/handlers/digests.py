"""What the cadres read: the per-meeting digest, the monthly digest with its chart, /baocao."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, CommandHandler

from bot.channels.telegram.handlers.context import CHANNEL, BotData, ChiboContext
from bot.charts import digest_chart
from bot.domain.access import Action, Actor, may
from bot.domain.digest import CellMonth
from bot.domain.models import Unit
from bot.domain.months import MonthError, parse_month
from bot.domain.text import fold, shorten
from bot.i18n import Translator
from bot.services import reports
from bot.services.reports import CellReport
from bot.storage import accounts, people
from bot.views.digest import chart_labels, chart_title, monthly_caption, monthly_digest
from bot.views.rollcall import flag_text

log = logging.getLogger(__name__)
App = Application[Any, Any, Any, Any, Any, Any]


def rendered(t: Translator, report: CellReport) -> CellMonth:
    """A cell's month with its flags written out in the reader's language."""
    lines = tuple(
        flag_text(t, kind, params, name, report.unit).split("\n", 1)[-1]
        for kind, params, name in report.flags
    )
    return dataclasses.replace(report.month, flags=lines)


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


async def report_command(update: Update, context: ChiboContext) -> None:
    """/baocao [tháng] [đơn vị]: the month's report for the person's cell or the cells followed."""
    message, actor, t = update.effective_message, context.actor, context.t
    assert message is not None
    if actor is None or not (may(actor, Action.REPORT, actor.unit.id) or actor.followed):
        from bot.channels.telegram.handlers.commands import refusal_text

        await message.reply_text(refusal_text(t, Action.REPORT))
        return
    tz = context.bot_data.rules.tz
    month, rest = parse_month(" ".join(context.args or []), context.now().astimezone(tz).date())
    if isinstance(month, MonthError):
        await message.reply_text(month.render(t._))
        return
    cells = await _cells_named(context, actor, rest)
    if cells is None:
        await message.reply_text(
            t._(
                "Đồng chí không theo dõi đơn vị «{name}». Gõ /baocao để xem các chi bộ của "
                "đồng chí."
            ).format(name=shorten(rest))
        )
        return
    months = [
        rendered(t, r)
        for r in await reports.month_reports(context.db, cells, month, tz, context.now())
    ]
    await message.reply_text(monthly_digest(t, actor.person.full_name, month, months))
    if len(cells) > 1:
        await _chart(message, context, cells, months, month)


async def _cells_named(context: ChiboContext, actor: Actor, name: str) -> list[Unit] | None:
    own = [actor.unit] if may(actor, Action.REPORT, actor.unit.id) else []
    visible = own + [c for c in actor.followed if c.id not in {u.id for u in own}]
    if not name:
        return visible
    wanted = fold(name)
    chosen = [c for c in visible if wanted in fold(c.name) or wanted in fold(c.path)]
    return chosen or None


async def _chart(
    message: Message,
    context: ChiboContext,
    cells: list[Unit],
    months: list[CellMonth],
    month: str,
) -> None:
    t = context.t
    trend = await reports.trend(context.db, cells, month, context.bot_data.rules.tz)
    png = await asyncio.to_thread(
        digest_chart, months, trend, chart_title(t, month), chart_labels(t)
    )
    await message.reply_photo(io.BytesIO(png), caption=monthly_caption(t, month))


HANDLERS = [CommandHandler(["baocao", "report"], report_command)]
