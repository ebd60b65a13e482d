"""/trogiup (/help): what this person can do here."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.channels.telegram.handlers.commands import (
    BY_ACTION,
    commands_for,
    not_linked_text,
    publish_menu,
)
from bot.channels.telegram.handlers.context import ChiboContext
from bot.domain.access import Action
from bot.views.people import followed_line, who


async def show_help(update: Update, context: ChiboContext) -> None:
    """List the commands this person may use, with one line each."""
    message = update.effective_message
    if message is None:
        return
    t, actor = context.t, context.actor
    if actor is None:
        await message.reply_text(
            t._(
                "Trợ lý Chi bộ nhắc lịch sinh hoạt chi bộ, ghi nhận tham dự và ý kiến của "
                "đảng viên, gửi tổng hợp cho cấp ủy viên phụ trách."
            )
            + "\n\n"
            + not_linked_text(t)
        )
        return
    lines = [t._("Trợ lý Chi bộ — {who}.").format(who=who(t, actor))]
    follow = followed_line(t, actor)
    if follow:
        lines.append(follow)
    lines.append("")
    lines.append(t._("Các lệnh đồng chí dùng được:"))
    for command in commands_for(actor):
        lines.append(
            t._("/{command} — {summary}").format(
                command=command.name(t.lang), summary=t._(command.summary)
            )
        )
    other = BY_ACTION[Action.HELP].vi if t.lang != "vi" else BY_ACTION[Action.HELP].en
    lines += [
        "",
        t._("Lệnh tiếng Việt và tiếng Anh đều dùng được (ví dụ /{other}).").format(other=other),
    ]
    await message.reply_text("\n".join(lines))
    await publish_menu(context.bot, message.chat_id, t, actor)


HANDLERS = [CommandHandler(["trogiup", "help"], show_help)]
