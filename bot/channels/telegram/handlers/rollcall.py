"""/diemdanh (/rollcall): one message, edited in place, to take the roll-call; then the end."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.channels.telegram.handlers import notices
from bot.channels.telegram.handlers.commands import refusal_text
from bot.channels.telegram.handlers.context import ChiboContext
from bot.domain.access import Action
from bot.domain.replies import ReasonKind
from bot.domain.rules import Attendance
from bot.domain.text import fold
from bot.i18n import Translator
from bot.services import meetings, rollcall
from bot.services.rollcall import Edit, RollCall
from bot.storage import people
from bot.views.rollcall import minutes_header, rollcall_text

PREFIX = "rc"
PAGE = 8
_ICON = {
    Attendance.PRESENT: "✅",
    Attendance.EXCUSED: "🙏",
    Attendance.UNEXCUSED: "❌",
    Attendance.EXEMPT: "➖",
}


async def rollcall_command(update: Update, context: ChiboContext) -> None:
    """Open or show the roll-call of the meeting under way; or delegate it."""
    message, actor, t = update.effective_message, context.actor, context.t
    assert message is not None
    if actor is None:
        from bot.channels.telegram.handlers.commands import not_linked_text

        await message.reply_text(not_linked_text(t))
        return
    args = context.args or []
    if args and fold(args[0]) in ("uyquyen", "uy quyen", "delegate"):
        await _delegate(message, context, " ".join(args[1:]))
        return
    meeting = await rollcall.current(context.db, actor.unit.id, context.now())
    if meeting is None:
        # Not the time yet: say so only to those who will take it, not to every member.
        upcoming = await rollcall.next_for_delegation(context.db, actor.unit.id, context.now())
        if upcoming is None or not await rollcall.may_take(context.db, actor, upcoming):
            await message.reply_text(refusal_text(t, Action.ROLLCALL))
            return
        await message.reply_text(
            t._("Chưa đến giờ buổi sinh hoạt nào để điểm danh (mở được từ 30 phút trước giờ họp).")
        )
        return
    if not await rollcall.may_take(context.db, actor, meeting):
        await message.reply_text(refusal_text(t, Action.ROLLCALL))
        return
    call = await rollcall.open_or_show(context.db, meeting.id, context.now())
    await message.reply_text(_text(t, call, context), reply_markup=_keyboard(t, call, 0))


async def _delegate(message: Message, context: ChiboContext, name: str) -> None:
    t, actor = context.t, context.actor
    assert actor is not None
    if not actor.role.leads_cell:
        await message.reply_text(refusal_text(t, Action.ROLLCALL))
        return
    async with context.db.transaction() as conn:
        members = await people.in_unit(conn, actor.unit.id)
    chosen = [
        p for p in members if fold(p.full_name) == fold(name) and p.role.value == "committee"
    ]
    meeting = await rollcall.next_for_delegation(context.db, actor.unit.id, context.now())
    if not chosen or meeting is None:
        await message.reply_text(
            t._(
                "Gõ /diemdanh uyquyen kèm họ tên một chi ủy viên, ví dụ: "
                "/diemdanh uyquyen Vũ Văn Hùng."
            )
        )
        return
    await rollcall.delegate(context.db, meeting.id, chosen[0].id)
    await message.reply_text(
        t._("Đồng chí {name} được điểm danh buổi sinh hoạt sắp tới.").format(
            name=chosen[0].full_name
        )
    )


def _text(t: Translator, call: RollCall, context: ChiboContext) -> str:
    return rollcall_text(t, call, context.bot_data.rules.tz, _ICON)


def _keyboard(t: Translator, call: RollCall, page: int) -> InlineKeyboardMarkup:
    mid = call.meeting.id
    if call.closed:
        if call.meeting.ended_at is not None:
            return InlineKeyboardMarkup([])
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t._("🏁 Kết thúc buổi họp"), callback_data=f"{PREFIX}:{mid}:end:0"
                    )
                ]
            ]
        )
    listed = [p for p in call.members if call.marks[p.id][0] is not Attendance.EXEMPT]
    pages = max(1, -(-len(listed) // PAGE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [
            InlineKeyboardButton(
                f"{_ICON[call.marks[p.id][0]]} {p.full_name}",
                callback_data=f"{PREFIX}:{mid}:t:{p.id}:{page}",
            )
        ]
        for p in listed[page * PAGE : (page + 1) * PAGE]
    ]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton("◀", callback_data=f"{PREFIX}:{mid}:p:{page - 1}"))
        nav.append(
            InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=f"{PREFIX}:{mid}:p:{page}")
        )
        if page < pages - 1:
            nav.append(InlineKeyboardButton("▶", callback_data=f"{PREFIX}:{mid}:p:{page + 1}"))
        rows.append(nav)
    rows.append(
        [
            InlineKeyboardButton(
                t._("📝 Ghi lý do vắng"), callback_data=f"{PREFIX}:{mid}:rm:{page}"
            ),
            InlineKeyboardButton(
                t._("✅ Ai chưa báo: ghi có mặt"), callback_data=f"{PREFIX}:{mid}:all:{page}"
            ),
        ]
    )
    rows.append(
        [InlineKeyboardButton(t._("✔️ Đóng điểm danh"), callback_data=f"{PREFIX}:{mid}:close:0")]
    )
    return InlineKeyboardMarkup(rows)


def _reason_people(t: Translator, call: RollCall, page: int) -> InlineKeyboardMarkup:
    mid = call.meeting.id
    absent = [
        p
        for p in call.members
        if call.marks[p.id][0] in (Attendance.EXCUSED, Attendance.UNEXCUSED)
    ]
    rows = [
        [
            InlineKeyboardButton(
                f"{_ICON[call.marks[p.id][0]]} {p.full_name}",
                callback_data=f"{PREFIX}:{mid}:rp:{p.id}",
            )
        ]
        for p in absent[:40]
    ]
    rows.append(
        [InlineKeyboardButton(t._("↩ Quay lại"), callback_data=f"{PREFIX}:{mid}:p:{page}")]
    )
    return InlineKeyboardMarkup(rows)


def _reason_kinds(t: Translator, mid: int, person_id: int) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            t._(kind.label), callback_data=f"{PREFIX}:{mid}:rk:{person_id}:{kind.value}"
        )
        for kind in ReasonKind
        if kind is not ReasonKind.OTHER
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(t._("↩ Quay lại"), callback_data=f"{PREFIX}:{mid}:p:0")])
    return InlineKeyboardMarkup(rows)


async def rollcall_pressed(update: Update, context: ChiboContext) -> None:
    """Any button of the roll-call message; only those who may take it change anything."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    t = context.t
    parts = query.data.split(":")
    mid, op, args = int(parts[1]), parts[2], parts[3:]
    meeting = await meetings.get(context.db, mid)
    if meeting is None or not await rollcall.may_take(context.db, context.actor, meeting):
        await query.answer(
            t._("Chỉ bí thư, phó bí thư hoặc người được ủy quyền mới điểm danh."), show_alert=True
        )
        return
    now = context.now()
    page = 0
    markup_override: InlineKeyboardMarkup | None = None
    # A press that changes nothing (the roll-call is closed, or the person is not on it) is
    # an old or forged button: say so rather than stay silent.
    applied = True
    if op == "t":
        applied = await rollcall.change(
            context.db, mid, Edit.TOGGLE, person_id=int(args[0]), now=now
        )
        page = int(args[1])
    elif op == "p":
        page = int(args[0])
    elif op == "all":
        applied = await rollcall.change(context.db, mid, Edit.ALL_PRESENT, now=now)
        page = int(args[0])
    elif op == "rk":
        kind = ReasonKind(args[1])
        applied = await rollcall.change(
            context.db, mid, Edit.REASON, person_id=int(args[0]), reason=t._(kind.label), now=now
        )
    elif op == "close":
        closing = await rollcall.close(context.db, mid, rules=context.bot_data.rules, now=now)
        if closing is not None:
            notices.wake(context.application)
    elif op == "end":
        ended = await rollcall.end(context.db, mid, now)
        if ended is not None and isinstance(query.message, Message):
            call = await rollcall.open_or_show(context.db, mid, now)
            await query.message.reply_text(minutes_header(t, call, context.bot_data.rules.tz))
    call = await rollcall.open_or_show(context.db, mid, now)
    if op == "rm":
        markup_override = _reason_people(t, call, int(args[0]))
    elif op == "rp":
        mark = call.marks.get(int(args[0]))
        applied = not call.closed and mark is not None and mark[0] is not Attendance.EXEMPT
        if applied:
            markup_override = _reason_kinds(t, mid, int(args[0]))
    if not applied:
        await query.answer(t._("Nút này không còn hiệu lực."), show_alert=True)
    else:
        await query.answer()
    with contextlib.suppress(BadRequest):  # "message is not modified" when nothing changed
        await query.edit_message_text(
            _text(t, call, context), reply_markup=markup_override or _keyboard(t, call, page)
        )


_OPS = (
    r"(t:\d{1,12}:\d{1,3}|p:\d{1,3}|all:\d{1,3}|rm:\d{1,3}|rp:\d{1,12}"
    r"|rk:\d{1,12}:(sick|work|family|away)|close:0|end:0)"
)

HANDLERS = [
    CommandHandler(["diemdanh", "rollcall"], rollcall_command),
    CallbackQueryHandler(rollcall_pressed, pattern=rf"^{PREFIX}:\d{{1,12}}:{_OPS}$"),
]
