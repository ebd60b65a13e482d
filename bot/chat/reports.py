"""/baocao (/report): a month's report; /xuat (/export): a workbook for a month or a year."""

from __future__ import annotations

import asyncio

from bot.charts import digest_chart
from bot.chat.commands import command_name, not_linked_text, refusal_text
from bot.chat.feature import Feature, Replies
from bot.chat.turn import Turn
from bot.domain.access import Action, Actor, may
from bot.domain.models import Unit
from bot.domain.months import Month, MonthError, read_period, read_whole_period
from bot.domain.text import fold
from bot.services import export, reports
from bot.views import reports as views
from bot.views.digest import chart_labels, chart_title, monthly_caption, monthly_digest
from bot.views.reply import File, Reply, say


async def report(turn: Turn, args: str) -> Replies:
    """The month's report (last month unless told) for the person's cell or the cells followed."""
    t, actor = turn.t, turn.actor
    if actor is None or not (may(actor, Action.REPORT, actor.unit.id) or actor.followed):
        return [say(refusal_text(t, Action.REPORT))]
    command = command_name(t, Action.REPORT)
    tz = turn.core.rules.tz
    today = turn.now().astimezone(tz).date()
    month, rest = read_period(args, today, default=Month.of(today).previous())
    if isinstance(month, MonthError):
        return [say(views.report_month_error(t, month, command))]
    if not isinstance(month, Month):
        return [say(views.report_needs_month(t, command))]
    cells = _cells_named(actor, rest)
    if cells is None:
        return [say(views.not_followed_text(t, rest, command))]
    months = [
        views.rendered(t, found)
        for found in await reports.month_reports(turn.db, cells, month.key, tz, turn.now())
    ]
    replies: Replies = [say(monthly_digest(t, actor.person.full_name, month.key, months))]
    if len(cells) > 1:
        trend = await reports.trend(turn.db, cells, month.key, tz)
        png = await asyncio.to_thread(
            digest_chart, months, trend, chart_title(t, month.key), chart_labels(t)
        )
        replies.append(
            Reply(
                monthly_caption(t, month.key),
                file=File(png, f"chibo-{month.slug}.png", is_photo=True),
            )
        )
    return replies


def _cells_named(actor: Actor, name: str) -> list[Unit] | None:
    own = [actor.unit] if may(actor, Action.REPORT, actor.unit.id) else []
    visible = own + [c for c in actor.followed if c.id not in {u.id for u in own}]
    if not name:
        return visible
    wanted = fold(name)
    chosen = [c for c in visible if wanted in fold(c.name) or wanted in fold(c.path)]
    return chosen or None


async def export_workbook(turn: Turn, args: str) -> Replies:
    """The XLSX of the person's cell, or of every cell a cadre follows (this month unless told)."""
    t, actor = turn.t, turn.actor
    if actor is None:
        return [say(not_linked_text(t))]
    cells = _export_cells(actor)
    if not cells:
        return [say(refusal_text(t, Action.EXPORT))]
    command = command_name(t, Action.EXPORT)
    tz = turn.core.rules.tz
    today = turn.now().astimezone(tz).date()
    period = read_whole_period(args, today, default=Month.of(today))
    if isinstance(period, MonthError):
        return [say(period.render(t._) + "\n" + views.export_examples(t, command))]
    data = await export.collect(turn.db, cells, period.since(tz), period.until(tz))
    if data.empty:
        return [say(views.export_empty_text(t, period, data.units, command))]
    sheets = export.tables(data, export.make_labels(t._, turn.core.card), tz)
    # Building a year's workbook for many cells takes a moment: keep the bot answering others.
    payload = await asyncio.to_thread(export.to_xlsx, sheets.values())
    return [
        Reply(
            views.export_caption(t, period, data.units),
            file=File(payload, f"chibo-{period.slug}.xlsx", is_photo=False),
        )
    ]


def _export_cells(actor: Actor) -> list[int]:
    """The cells this person may export: their own as a leader, those they follow as a cadre."""
    candidates = {actor.unit.id, *actor.followed_ids}
    return sorted(unit_id for unit_id in candidates if may(actor, Action.EXPORT, unit_id))


FEATURE = Feature(
    commands={
        "baocao": report,
        "report": report,
        "xuat": export_workbook,
        "export": export_workbook,
    }
)
