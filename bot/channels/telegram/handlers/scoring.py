"""/chamdiem (/score): the scorecard in chat, criterion by criterion, in either column."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.channels.telegram.handlers.context import ChiboContext
from bot.domain.access import Action, Actor, may
from bot.domain.scorecard import Card, PointsError, parse_points
from bot.domain.text import fold
from bot.i18n import Translator
from bot.services import meetings, scoring
from bot.services.scoring import SELF, UPPER, Sheet

PREFIX = "sc"
_BACK_WORDS = {"quay lai", "lui", "back", "tro lai"}


async def score_command(update: Update, context: ChiboContext) -> None:
    """Open the card of the cell's last held meeting, or offer the cells a cadre follows."""
    message, actor, t = update.effective_message, context.actor, context.t
    assert message is not None
    if actor is None:
        from bot.channels.telegram.handlers.commands import not_linked_text

        await message.reply_text(not_linked_text(t))
        return
    if not (may(actor, Action.SCORE, actor.unit.id) or actor.followed):
        from bot.channels.telegram.handlers.commands import refusal_text

        await message.reply_text(refusal_text(t, Action.SCORE))
        return
    choices = await _choices(context, actor)
    if not choices:
        await message.reply_text(
            t._(
                "Chưa có buổi sinh hoạt nào đã đóng điểm danh để chấm điểm (hoặc đồng chí "
                "không có quyền chấm)."
            )
        )
        return
    if len(choices) == 1:
        meeting_id, board, _name = choices[0]
        sheet = await _open(context, meeting_id, board)
        await message.reply_text(_question(t, sheet, context), reply_markup=_buttons(t, sheet))
        return
    await message.reply_text(
        t._("Chọn buổi sinh hoạt cần chấm:"),
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(name, callback_data=f"{PREFIX}:{mid}:{board}:open")]
                for mid, board, name in choices[:40]
            ]
        ),
    )


async def _choices(context: ChiboContext, actor: Actor) -> list[tuple[int, str, str]]:
    now = context.now()
    found: list[tuple[int, str, str]] = []
    if may(actor, Action.SCORE, actor.unit.id):
        meeting = await scoring.latest_closed(context.db, actor.unit.id, now)
        if meeting is not None:
            found.append((meeting.id, SELF, actor.unit.name))
    for unit in actor.followed:
        meeting = await scoring.latest_closed(context.db, unit.id, now)
        if meeting is not None:
            found.append(
                (meeting.id, UPPER, context.t._("{unit} (cấp trên chấm)").format(unit=unit.name))
            )
    return found


async def _allowed(context: ChiboContext, meeting_id: int, board: str) -> bool:
    meeting = await meetings.get(context.db, meeting_id)
    if meeting is None or meeting.rollcall_closed_at is None:
        return False
    action = Action.SCORE if board == SELF else Action.SCORE_UPPER
    return may(context.actor, action, meeting.unit_id)


async def _open(context: ChiboContext, meeting_id: int, board: str) -> Sheet:
    actor = context.actor
    assert actor is not None
    data = context.bot_data
    return await scoring.open_sheet(
        context.db, data.card, meeting_id, board, actor.person.id, data.rules, context.now()
    )


def _question(t: Translator, sheet: Sheet, context: ChiboContext) -> str:
    head = t._("📊 Chấm điểm — {unit}, {date} ({column})").format(
        unit=sheet.unit.name,
        date=t.short_date(sheet.meeting.starts_at.astimezone(context.bot_data.rules.tz).date()),
        column=t._("chi bộ tự chấm") if sheet.board == SELF else t._("cấp trên chấm"),
    )
    criterion = sheet.current
    if criterion is None:
        return _summary(t, sheet, head, context.bot_data.card)
    lines = [
        head,
        t._("Tiêu chí {n}/{count} (nhóm {group})").format(
            n=sheet.position + 1, count=len(sheet.criteria), group=criterion.group
        ),
        t._(criterion.text),
        t._("Tối đa: {max} điểm").format(max=t.number(criterion.max_points)),
    ]
    hint = sheet.suggestions.get(criterion.code)
    if hint is not None:
        lines.append(
            t._("Trợ lý gợi ý: {points} — {why}").format(
                points=t.number(hint.points), why=hint.render(t._)
            )
        )
    given = sheet.points.get(criterion.code)
    if given is not None:
        lines.append(t._("Điểm đang ghi: {points}").format(points=t.number(given)))
    lines.append(
        t._("Bấm nút điểm hoặc gõ số điểm (như 4 hoặc 4,5); gõ «quay lại» để về tiêu chí trước.")
    )
    return "\n".join(lines)


def _summary(t: Translator, sheet: Sheet, head: str, card: Card) -> str:
    lines = [head, t._("Tổng hợp theo nhóm:")]
    counted = {c.code for c in sheet.criteria}
    for group in card.groups:
        criteria = [c for c in group.criteria if c.code in counted]
        got = sum((sheet.points.get(c.code, Decimal(0)) for c in criteria), Decimal(0))
        top = sum((c.max_points for c in criteria), Decimal(0))
        missing = any(c.code not in sheet.points for c in criteria)
        lines.append(
            t._("{code}. {title}: {points}/{max}").format(
                code=group.code,
                title=t._(group.title),
                points=t.number(got),
                max=t.number(top),
            )
            + (" " + t._("(còn thiếu)") if missing else "")
        )
    lines.append(
        t._("Tổng: {total}/{out_of} điểm — xếp loại {grade}").format(
            total=t.number(sheet.total),
            out_of=t.number(sheet.out_of),
            grade=t._(sheet.grade.name),
        )
    )
    if sheet.confirmed:
        lines.append(t._("✔️ Đã xác nhận."))
    return "\n".join(lines)


def _buttons(t: Translator, sheet: Sheet) -> InlineKeyboardMarkup:
    base = f"{PREFIX}:{sheet.meeting.id}:{sheet.board}"
    criterion = sheet.current
    rows: list[list[InlineKeyboardButton]] = []
    if criterion is not None:
        top = criterion.max_points
        values = (
            [top - i for i in range(0, 6) if top - i >= 0]
            if top > 5
            else [Decimal(v) for v in range(int(top), -1, -1)]
        )
        rows.append(
            [
                InlineKeyboardButton(t.number(v), callback_data=f"{base}:pt:{criterion.code}:{v}")
                for v in values
            ]
        )
        hint = sheet.suggestions.get(criterion.code) or None
        if hint is not None:
            rows.append(
                [
                    InlineKeyboardButton(
                        t._("Dùng gợi ý: {points}").format(points=t.number(hint.points)),
                        callback_data=f"{base}:pt:{criterion.code}:{hint.points}",
                    )
                ]
            )
    elif not sheet.confirmed:
        rows.append([InlineKeyboardButton(t._("✔️ Xác nhận"), callback_data=f"{base}:ok")])
    if sheet.position > 0:
        rows.append([InlineKeyboardButton(t._("↩ Quay lại"), callback_data=f"{base}:back")])
    return InlineKeyboardMarkup(rows)


async def score_pressed(update: Update, context: ChiboContext) -> None:
    """A button of the card: points, back, confirm or open."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    t = context.t
    parts = query.data.split(":")
    meeting_id, board, op = int(parts[1]), parts[2], parts[3]
    if not await _allowed(context, meeting_id, board):
        await query.answer(
            t._("Đồng chí không có quyền chấm điểm buổi sinh hoạt này."), show_alert=True
        )
        return
    sheet = await _open(context, meeting_id, board)
    data = context.bot_data
    if op == "pt":
        criterion = sheet.current
        code, value = parts[4], parts[5]
        if criterion is None or criterion.code != code:
            await query.answer(t._("Nút này không còn hiệu lực."))
            return
        points = parse_points(value, criterion.max_points)
        if isinstance(points, PointsError):
            await query.answer(points.render(t._), show_alert=True)
            return
        sheet = await scoring.give(
            context.db, data.card, meeting_id, board, code, points, data.rules, context.now()
        )
    elif op == "back":
        sheet = await scoring.back(
            context.db, data.card, meeting_id, board, data.rules, context.now()
        )
    elif op == "ok":
        confirmed = await scoring.confirm(
            context.db, data.card, meeting_id, board, data.rules, context.now()
        )
        if confirmed is None:
            await query.answer(t._("Còn tiêu chí chưa chấm."), show_alert=True)
            return
        sheet = confirmed
    await query.answer()
    if op == "open" and isinstance(query.message, Message):
        await query.message.reply_text(
            _question(t, sheet, context), reply_markup=_buttons(t, sheet)
        )
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(
            _question(t, sheet, context), reply_markup=_buttons(t, sheet)
        )


async def take_text(message: Message, context: ChiboContext) -> bool:
    """Typed points or «quay lại» for a card being filled; False if no card is being filled."""
    actor, t = context.actor, context.t
    if actor is None:
        return False
    active = await scoring.active(context.db, actor.person.id, context.now())
    if active is None:
        return False
    meeting_id, board = active
    if not await _allowed(context, meeting_id, board):
        return False
    data = context.bot_data
    sheet = await _open(context, meeting_id, board)
    typed = (message.text or "").strip()
    if fold(typed) in _BACK_WORDS:
        sheet = await scoring.back(
            context.db, data.card, meeting_id, board, data.rules, context.now()
        )
    else:
        criterion = sheet.current
        if criterion is None:
            return False
        points = parse_points(typed, criterion.max_points)
        if isinstance(points, PointsError):
            await message.reply_text(
                points.render(t._) + "\n\n" + _question(t, sheet, context),
                reply_markup=_buttons(t, sheet),
            )
            return True
        sheet = await scoring.give(
            context.db,
            data.card,
            meeting_id,
            board,
            criterion.code,
            points,
            data.rules,
            context.now(),
        )
    await message.reply_text(_question(t, sheet, context), reply_markup=_buttons(t, sheet))
    return True


HANDLERS = [
    CommandHandler(["chamdiem", "score"], score_command),
    CallbackQueryHandler(
        score_pressed,
        pattern=rf"^{PREFIX}:\d{{1,12}}:(self|upper):(open|back|ok|pt:[A-Za-z0-9._-]{{1,16}}:[0-9.]{{1,8}})$",
    ),
]
