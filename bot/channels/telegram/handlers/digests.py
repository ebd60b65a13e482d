"""What the cadres read: the per-meeting digest, the monthly digest with its chart, /baocao."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CommandHandler

from bot.channels.telegram.handlers.context import ChiboContext
from bot.charts import digest_chart
from bot.chat.messages import rendered
from bot.domain.access import Action, Actor, may
from bot.domain.digest import CellMonth
from bot.domain.models import Unit
from bot.domain.months import MonthError, parse_month
from bot.domain.text import fold, shorten
from bot.services import reports
from bot.views.digest import chart_labels, chart_title, monthly_caption, monthly_digest

log = logging.getLogger(__name__)
App = Application[Any, Any, Any, Any, Any, Any]


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
