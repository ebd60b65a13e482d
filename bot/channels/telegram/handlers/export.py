"""/xuat (/export): a workbook of attendance, scores, ratings and kiến nghị for a period."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence

from telegram import Update
from telegram.ext import CommandHandler

from bot.channels.telegram.handlers.commands import BY_ACTION, not_linked_text, refusal_text
from bot.channels.telegram.handlers.context import ChiboContext
from bot.domain.access import Action, Actor, may
from bot.domain.models import Unit
from bot.i18n import Translator
from bot.services import export
from bot.services.export import Period, PeriodError

# More names than this make a long caption; the count says enough.
_NAMED_CELLS = 3


async def export_command(update: Update, context: ChiboContext) -> None:
    """Send the XLSX of the person's cell, or of every cell a cadre follows, for a period."""
    message, actor, t = update.effective_message, context.actor, context.t
    assert message is not None
    if actor is None:
        await message.reply_text(not_linked_text(t))
        return
    cells = _cells(actor)
    if not cells:
        await message.reply_text(refusal_text(t, Action.EXPORT))
        return
    tz = context.bot_data.rules.tz
    period = export.period_from_text(" ".join(context.args or []), context.now(), tz)
    if isinstance(period, PeriodError):
        await message.reply_text(period.render(t._) + "\n" + _examples(t))
        return
    data = await export.collect(context.db, cells, period.since, period.until)
    names = _names(t, data.units)
    if data.empty:
        await message.reply_text(
            t._("Chưa có buổi sinh hoạt nào đã điểm danh trong {period} của {units}.").format(
                period=_period_text(t, period), units=names
            )
            + "\n"
            + _examples(t)
        )
        return
    sheets = export.tables(data, export.make_labels(t._, context.bot_data.card), tz)
    # Building a year's workbook for many cells takes a moment: keep the bot answering others.
    payload = await asyncio.to_thread(export.to_xlsx, sheets.values())
    await message.reply_document(
        document=io.BytesIO(payload),
        filename=f"chibo-{period.slug}.xlsx",
        caption=t._(
            "Bảng tính {period} của {units}: điểm danh, chấm điểm, đánh giá, kiến nghị."
        ).format(period=_period_text(t, period), units=names),
    )


def _cells(actor: Actor) -> list[int]:
    """The cells this person may export: their own as a leader, those they follow as a cadre."""
    candidates = {actor.unit.id, *actor.followed_ids}
    return sorted(unit_id for unit_id in candidates if may(actor, Action.EXPORT, unit_id))


def _names(t: Translator, cells: Sequence[Unit]) -> str:
    if len(cells) > _NAMED_CELLS:
        return t.ngettext("{n} chi bộ", "{n} chi bộ", len(cells)).format(n=len(cells))
    return ", ".join(unit.name for unit in cells)


def _period_text(t: Translator, period: Period) -> str:
    if period.month is None:
        return t._("năm {year}").format(year=period.label)
    return t._("tháng {month}").format(month=period.label)


def _examples(t: Translator) -> str:
    command = "/" + BY_ACTION[Action.EXPORT].name(t.lang)
    return t._(
        "Ví dụ: {command} (tháng này), {command} 11/2026, {command} tháng 11, {command} T11, "
        "{command} 2026 (cả năm)."
    ).format(command=command)


HANDLERS = [CommandHandler(["xuat", "export"], export_command)]
