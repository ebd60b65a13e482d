"""/lichhop (/schedule): the next meeting; for the secretary, moving and changing it."""

from __future__ import annotations

import dataclasses
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.channels.telegram import codec
from bot.channels.telegram.handlers import notices
from bot.channels.telegram.handlers.commands import requires
from bot.channels.telegram.handlers.context import CHANNEL, ChiboContext
from bot.channels.telegram.handlers.keyboards import KIND, ROSTER
from bot.domain.access import Action, may
from bot.domain.meetings import Meeting, MeetingStatus
from bot.domain.schedule import (
    MeetingKind,
    ParseError,
    Slot,
    parse_clock,
    parse_day_of_month,
    parse_move,
)
from bot.domain.text import fold, tidy
from bot.i18n import Translator
from bot.services import meetings
from bot.services.meetings import Change, ChangeOutcome
from bot.views.meetings import meeting_card, roster_choice, roster_text, slot_line

# What the secretary may type after /lichhop, by its folded first words.
_SUBCOMMANDS = {
    "huy": "cancel",
    "chude": "topic",
    "chu de": "topic",
    "noidung": "topic",
    "noi dung": "topic",
    "loai": "kind",
    "hangthang": "slot",
    "hang thang": "slot",
    "chiuy": "committee",
    "chi uy": "committee",
    # English words for the same, for people who chose English.
    "cancel": "cancel",
    "topic": "topic",
    "kind": "kind",
    "monthly": "slot",
    "committee": "committee",
}
_MAX_TEXT = 200


@requires(Action.SCHEDULE)
async def schedule(update: Update, context: ChiboContext) -> None:
    """Show the next meeting, or carry out what the secretary typed after the command."""
    message, actor = update.effective_message, context.actor
    assert message is not None
    assert actor is not None
    typed = tidy(" ".join(context.args or []))
    if not typed:
        await _show(message, context)
        return
    if not may(actor, Action.SCHEDULE_CHANGE, actor.unit.id):
        await message.reply_text(
            context.t._(
                "Chỉ bí thư, phó bí thư chi bộ mới đổi được lịch sinh hoạt. Gõ /lichhop để "
                "xem lịch."
            )
        )
        return
    verb, rest = _split_subcommand(typed)
    handler = {
        "cancel": _cancel,
        "topic": _topic,
        "kind": _kind,
        "slot": _slot,
        "committee": _committee,
    }.get(verb, _move)
    await handler(message, context, rest if verb else typed)


def _split_subcommand(typed: str) -> tuple[str, str]:
    folded = fold(typed)
    for words, verb in sorted(_SUBCOMMANDS.items(), key=lambda item: -len(item[0])):
        if folded == words or folded.startswith(words + " "):
            return verb, typed[len(words) :].strip(" :,-")
    return "", typed


async def _next_monthly(context: ChiboContext) -> Meeting | None:
    actor = context.actor
    assert actor is not None
    upcoming = await meetings.next_meetings(context.db, actor.unit.id, context.now())
    monthly = [m for m in upcoming if m.kind is not MeetingKind.COMMITTEE]
    scheduled = [m for m in monthly if m.status is MeetingStatus.SCHEDULED]
    candidates = scheduled or monthly
    return candidates[0] if candidates else None


async def _show(message: Message, context: ChiboContext) -> None:
    actor, t = context.actor, context.t
    assert actor is not None
    rules = context.bot_data.rules
    upcoming = await meetings.next_meetings(context.db, actor.unit.id, context.now())
    lines = [meeting_card(t, m, actor.unit, rules.tz) for m in upcoming[:3]]
    if not lines:
        lines = [t._("Chưa có buổi sinh hoạt nào sắp tới.")]
    buttons = []
    if may(actor, Action.SCHEDULE_CHANGE, actor.unit.id):
        lines.append(slot_line(t, await meetings.slot_of(context.db, actor.unit.id, rules)))
        lines.append(_usage(t))
        scheduled = [m for m in upcoming if m.status is MeetingStatus.SCHEDULED]
        if scheduled:
            first = scheduled[0]
            roster = roster_choice(t, first.id)
            buttons.append(
                [InlineKeyboardButton(roster.label, callback_data=codec.encode(roster.act))]
            )
            if first.kind is not MeetingKind.COMMITTEE:
                buttons.append(
                    [
                        InlineKeyboardButton(
                            t._(kind.label), callback_data=f"{KIND}:{first.id}:{kind.value}"
                        )
                        for kind in (MeetingKind.REGULAR, MeetingKind.THEMATIC, MeetingKind.BOTH)
                    ]
                )
    await message.reply_text(
        "\n\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons) if buttons else None
    )


def _usage(t: Translator) -> str:
    return t._(
        "Bí thư đổi lịch bằng cách gõ:\n"
        "• /lichhop 05/12 19:30 Nhà văn hóa thôn — dời buổi sắp tới\n"
        "• /lichhop chude Học tập nghị quyết — ghi nội dung\n"
        "• /lichhop loai chuyende — thường kỳ, chuyên đề hoặc cả hai\n"
        "• /lichhop huy Mưa bão — hủy buổi sắp tới, kèm lý do\n"
        "• /lichhop chiuy 01/12 19:30 Nhà bí thư — hẹn họp chi ủy\n"
        "• /lichhop hangthang 3 19:30 Nhà văn hóa — lịch hằng tháng"
    )


async def _reply_change(
    message: Message, context: ChiboContext, change: Change, done: str
) -> None:
    t = context.t
    if change.outcome is ChangeOutcome.DONE:
        notices.wake(context.application)
        await message.reply_text(done)
        return
    texts = {
        ChangeOutcome.NOT_FOUND: t._("Chưa có buổi sinh hoạt nào sắp tới để đổi."),
        ChangeOutcome.CANCELLED: t._("Buổi sinh hoạt này đã hủy, không đổi được nữa."),
        ChangeOutcome.STARTED: t._("Buổi sinh hoạt này đã bắt đầu, không đổi được nữa."),
    }
    await message.reply_text(texts[change.outcome])


async def _move(message: Message, context: ChiboContext, typed: str) -> None:
    t, rules = context.t, context.bot_data.rules
    move = parse_move(typed, context.now(), rules.tz)
    if isinstance(move, ParseError):
        await message.reply_text(move.render(t._))
        return
    meeting = await _next_monthly(context)
    if meeting is None:
        await message.reply_text(t._("Chưa có buổi sinh hoạt nào sắp tới để đổi."))
        return
    change = await meetings.move(
        context.db,
        meeting.id,
        start=move.start,
        place=move.place,
        rules=rules,
        now=context.now(),
        actor=f"{CHANNEL}:{message.chat_id}",
    )
    moved = change.meeting
    assert moved is not None
    actor = context.actor
    assert actor is not None
    done = t._(
        "Đã đổi lịch. {card}\n\nNhững đồng chí đã nhận thông báo sẽ được báo lại; các lần nhắc "
        "sau tính theo giờ mới."
    ).format(card=meeting_card(t, moved, actor.unit, rules.tz))
    await _reply_change(message, context, change, done)


async def _cancel(message: Message, context: ChiboContext, reason: str) -> None:
    t = context.t
    if not reason:
        await message.reply_text(
            t._("Xin ghi lý do hủy, ví dụ: /lichhop huy Mưa bão, đường ngập.")
        )
        return
    if len(reason) > _MAX_TEXT:
        await message.reply_text(t._("Lý do dài quá {limit} ký tự.").format(limit=_MAX_TEXT))
        return
    meeting = await _next_monthly(context)
    if meeting is None:
        await message.reply_text(t._("Chưa có buổi sinh hoạt nào sắp tới để đổi."))
        return
    change = await meetings.cancel(
        context.db,
        meeting.id,
        reason=reason,
        rules=context.bot_data.rules,
        now=context.now(),
        actor=f"{CHANNEL}:{message.chat_id}",
    )
    done = t._("Đã hủy buổi sinh hoạt. Những đồng chí đã nhận thông báo sẽ được báo hủy.")
    await _reply_change(message, context, change, done)


async def _topic(message: Message, context: ChiboContext, topic: str) -> None:
    t = context.t
    if not topic or len(topic) > _MAX_TEXT:
        await message.reply_text(
            t._(
                "Xin ghi nội dung (tối đa {limit} ký tự), ví dụ: "
                "/lichhop chude Học tập nghị quyết."
            ).format(limit=_MAX_TEXT)
        )
        return
    meeting = await _next_monthly(context)
    if meeting is None:
        await message.reply_text(t._("Chưa có buổi sinh hoạt nào sắp tới để đổi."))
        return
    change = await meetings.amend(
        context.db,
        meeting.id,
        topic=topic,
        now=context.now(),
        actor=f"{CHANNEL}:{message.chat_id}",
    )
    await _reply_change(
        message, context, change, t._("Đã ghi nội dung: {topic}.").format(topic=topic)
    )


async def _kind(message: Message, context: ChiboContext, typed: str) -> None:
    t = context.t
    kind = MeetingKind.parse(typed)
    if kind is None or kind is MeetingKind.COMMITTEE:
        await message.reply_text(
            t._(
                "Loại buổi sinh hoạt: thường kỳ, chuyên đề hoặc cả hai. "
                "Ví dụ: /lichhop loai chuyende"
            )
        )
        return
    meeting = await _next_monthly(context)
    if meeting is None:
        await message.reply_text(t._("Chưa có buổi sinh hoạt nào sắp tới để đổi."))
        return
    change = await meetings.amend(
        context.db, meeting.id, kind=kind, now=context.now(), actor=f"{CHANNEL}:{message.chat_id}"
    )
    await _reply_change(message, context, change, _kind_done(t, kind))


def _kind_done(t: Translator, kind: MeetingKind) -> str:
    text = t._("Đã đặt loại buổi sinh hoạt: {kind}.").format(kind=t._(kind.label))
    if kind.minimum_minutes:
        text += " " + t._("Thời lượng tối thiểu {minutes} phút.").format(
            minutes=kind.minimum_minutes
        )
    return text


_SLOT = re.compile(r"^(?P<day>.+?)\s+(?P<time>\S+)(?:\s+(?P<place>.+))?$")


async def _slot(message: Message, context: ChiboContext, typed: str) -> None:
    t, rules = context.t, context.bot_data.rules
    example = t._(
        "Ví dụ: /lichhop hangthang 3 19:30 Nhà văn hóa (hoặc «cuối tháng» thay cho ngày)."
    )
    match = _SLOT.match(typed)
    if match is None:
        await message.reply_text(example)
        return
    day = parse_day_of_month(match["day"])
    clock = parse_clock(match["time"])
    for parsed in (day, clock):
        if isinstance(parsed, ParseError):
            await message.reply_text(
                dataclasses.replace(parsed, example=None).render(t._) + "\n" + example
            )
            return
    assert not isinstance(day, ParseError)
    assert not isinstance(clock, ParseError)
    actor = context.actor
    assert actor is not None
    current = await meetings.slot_of(context.db, actor.unit.id, rules)
    place = tidy(match["place"] or "") or current.place
    if len(place) > _MAX_TEXT:
        await message.reply_text(t._("Địa điểm dài quá {limit} ký tự.").format(limit=_MAX_TEXT))
        return
    slot = Slot(day=day, time=clock, place=place)
    await meetings.set_slot(
        context.db, actor.unit.id, slot, now=context.now(), actor=f"{CHANNEL}:{message.chat_id}"
    )
    await message.reply_text(
        t._(
            "Đã lưu. {slot} Lịch này dùng cho các buổi được tạo từ nay; buổi đã hẹn giữ nguyên "
            "(đổi bằng /lichhop ngày giờ)."
        ).format(slot=slot_line(t, slot))
    )


async def _committee(message: Message, context: ChiboContext, typed: str) -> None:
    t, rules = context.t, context.bot_data.rules
    move = parse_move(typed, context.now(), rules.tz)
    if isinstance(move, ParseError):
        example = t._("Ví dụ: /lichhop chiuy 01/12 19:30 Nhà bí thư")
        await message.reply_text(
            dataclasses.replace(move, example=None).render(t._) + "\n" + example
        )
        return
    actor = context.actor
    assert actor is not None
    meeting = await meetings.create_committee_meeting(
        context.db,
        actor.unit.id,
        start=move.start,
        place=move.place or (await meetings.slot_of(context.db, actor.unit.id, rules)).place,
        rules=rules,
        now=context.now(),
        actor=f"{CHANNEL}:{message.chat_id}",
    )
    notices.wake(context.application)
    await message.reply_text(
        t._("Đã hẹn họp chi ủy; các đồng chí trong chi ủy sẽ được báo.\n{card}").format(
            card=meeting_card(t, meeting, actor.unit, rules.tz)
        )
    )


async def kind_pressed(update: Update, context: ChiboContext) -> None:
    """A kind button under /lichhop."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    t = context.t
    _prefix, meeting_id, value = query.data.split(":")
    meeting = await meetings.get(context.db, int(meeting_id))
    if meeting is None or not may(context.actor, Action.SCHEDULE_CHANGE, meeting.unit_id):
        await query.answer(t._("Đồng chí không có quyền đổi buổi sinh hoạt này."), show_alert=True)
        return
    kind = MeetingKind(value)
    change = await meetings.amend(
        context.db,
        meeting.id,
        kind=kind,
        now=context.now(),
        actor=f"{CHANNEL}:{query.from_user.id}",
    )
    await query.answer()
    if isinstance(query.message, Message):
        await _reply_change(query.message, context, change, _kind_done(t, kind))


async def roster_pressed(update: Update, context: ChiboContext) -> None:
    """The list of answers, for the cell's leaders and the cadres who follow it."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    t = context.t
    view = await meetings.roster(context.db, int(query.data.split(":")[1]))
    if view is None or not may(context.actor, Action.ROSTER, view.meeting.unit_id):
        await query.answer(t._("Đồng chí không có quyền xem danh sách này."), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.reply_text(
            roster_text(
                t, view.meeting, view.unit, view.roster, view.phones, context.bot_data.rules.tz
            )
        )


HANDLERS = [
    CommandHandler(["lichhop", "schedule"], schedule),
    CallbackQueryHandler(kind_pressed, pattern=rf"^{KIND}:\d{{1,12}}:(regular|thematic|both)$"),
    CallbackQueryHandler(roster_pressed, pattern=rf"^{ROSTER}:\d{{1,12}}$"),
]
