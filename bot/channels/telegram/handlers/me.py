"""/cuatoi (/me): this year's meetings, my answer and my recorded attendance."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CommandHandler

from bot.channels.telegram.handlers.commands import requires
from bot.channels.telegram.handlers.context import ChiboContext
from bot.domain.access import Action
from bot.storage import rollcall


@requires(Action.ME)
async def my_record(update: Update, context: ChiboContext) -> None:
    """List this year's meetings of the person's cell with their answer and attendance."""
    message, actor, t = update.effective_message, context.actor, context.t
    assert message is not None
    assert actor is not None
    tz = context.bot_data.rules.tz
    year = context.now().astimezone(tz).year
    since = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    until = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    async with context.db.transaction() as conn:
        rows = await rollcall.my_record(conn, actor.person.id, since, until)
    answers = {"attend": t._("báo tham dự"), "absent": t._("xin vắng")}
    marks = {
        "present": t._("✅ có mặt"),
        "excused": t._("🙏 vắng có lý do"),
        "unexcused": t._("❌ vắng không lý do"),
        "exempt": t._("➖ miễn"),
    }
    lines = [
        t._("Các buổi sinh hoạt năm {year} của đồng chí {name}:").format(
            year=year, name=actor.person.full_name
        )
    ]
    for _mid, starts_at, answer, mark, reason in rows:
        line = t._("• {date}: {answer}; {mark}").format(
            date=t.short_date(starts_at.astimezone(tz).date()),
            answer=answers.get(answer or "", t._("chưa trả lời")),
            mark=marks.get(mark or "", t._("chưa điểm danh")),
        )
        if reason:
            line += t._(" ({reason})").format(reason=reason)
        lines.append(line)
    if not rows:
        lines.append(t._("Chưa có buổi sinh hoạt nào trong năm nay."))
    await message.reply_text("\n".join(lines))


HANDLERS = [CommandHandler(["cuatoi", "me"], my_record)]
