"""/kiennghi (/petition): members raise kiến nghị; leaders and cadres answer or escalate them."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram.handlers.commands import BY_ACTION, not_linked_text, requires
from bot.channels.telegram.handlers.context import CHANNEL, BotData, ChiboContext
from bot.domain.access import Action, may
from bot.domain.models import Role
from bot.domain.petitions import (
    MAX_TEXT,
    MessagePurpose,
    TextProblem,
    age_days,
    check_text,
    excerpt,
    text_length,
)
from bot.i18n import Translator
from bot.services import petitions
from bot.services.petitions import AnswerOutcome, Delivery, Entry, EscalateOutcome, Listing

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

# Callback data: "kn:a:<petition id>" answer, "kn:e:<petition id>" escalate; both re-checked.
PREFIX = "kn"
# The prompt for an answer starts "✍️ #<petition id>"; a reply to it is the answer (ForceReply).
ANSWER_MARK = "✍️"
_PROMPT = re.compile(rf"^{re.escape(ANSWER_MARK)} #(\d{{1,12}})\b")
OUTBOX_JOB = "petition_outbox"
_BATCH = 30
_NETWORK_RETRY = timedelta(seconds=30)
# How many kiến nghị one list shows, and how many answer buttons fit under it; a list longer
# than one Telegram message (4,096 characters) is cut at a line.
_LISTED = 10
_BUTTONS = 10
_MESSAGE_LIMIT = 4000


@requires(Action.PETITION)
async def petition_command(update: Update, context: ChiboContext) -> None:
    """Raise a kiến nghị with the text after the command; without text, list what one sees."""
    message, actor, t = update.effective_message, context.actor, context.t
    assert message is not None
    assert actor is not None
    text = _text_after_command(message.text or "")
    if not text:
        await _show_list(message, context)
        return
    if actor.role is Role.CADRE:
        await message.reply_text(
            t._(
                "Kiến nghị do đảng viên gửi tới chi bộ nơi mình sinh hoạt. Đồng chí gõ "
                "{command} để xem kiến nghị của các chi bộ đồng chí phụ trách."
            ).format(command=_command(t))
        )
        return
    problem = check_text(text)
    if problem is not None:
        await message.reply_text(_problem_text(t, problem, text_length(text), answer=False))
        return
    petition = await petitions.submit(
        context.db, actor.person, text, now=context.now(), actor=f"{CHANNEL}:{message.chat_id}"
    )
    await message.reply_text(
        t._(
            "Đã ghi nhận kiến nghị số {number} của đồng chí. Bí thư chi bộ sẽ xem và trả lời; "
            "khi có trả lời, Trợ lý sẽ nhắn đồng chí ngay tại đây."
        ).format(number=petition.id)
    )
    await deliver_petition_messages(context.application)


def _text_after_command(text: str) -> str:
    """What follows "/kiennghi", line breaks kept."""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def _show_list(message: Message, context: ChiboContext) -> None:
    actor, t = context.actor, context.t
    assert actor is not None
    listing = await petitions.listing(context.db, actor, _LISTED)
    await message.reply_text(
        listing_text(t, listing, context.now()),
        reply_markup=_list_buttons(t, listing),
    )


async def answer_pressed(update: Update, context: ChiboContext) -> None:
    """The ✍️ Trả lời button: check again who presses, then ask for the answer by a prompt."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    t = context.t
    entry = await petitions.entry(context.db, int(query.data.split(":")[2]))
    if entry is None or not may(context.actor, Action.PETITION_ANSWER, entry.petition.unit_id):
        await query.answer(_no_right_to_answer(t), show_alert=True)
        return
    if not entry.petition.status.is_open:
        await query.answer(_already_answered(t, entry.petition.id), show_alert=True)
        return
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        f"{ANSWER_MARK} #{entry.petition.id}\n"
        + t._(
            "Kính gửi đồng chí, xin gõ câu trả lời cho kiến nghị số {number} của đồng chí "
            "{member} ngay trong ô trả lời tin nhắn này:\n«{text}»"
        ).format(number=entry.petition.id, member=entry.member, text=entry.petition.text),
        reply_markup=ForceReply(selective=True),
    )


async def escalate_pressed(update: Update, context: ChiboContext) -> None:
    """The ⬆️ Chuyển cấp trên button: for the cell's leaders; the cell's cadres are told."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    t = context.t
    petition = await petitions.get(context.db, int(query.data.split(":")[2]))
    if petition is None or not may(context.actor, Action.PETITION_ESCALATE, petition.unit_id):
        await query.answer(
            t._("Chỉ bí thư, phó bí thư chi bộ mới chuyển được kiến nghị này lên cấp trên."),
            show_alert=True,
        )
        return
    result = await petitions.escalate(
        context.db, petition.id, now=context.now(), actor=f"{CHANNEL}:{query.from_user.id}"
    )
    if result.outcome is not EscalateOutcome.DONE:
        await query.answer(_not_escalated(t, result.outcome, petition.id), show_alert=True)
        return
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        t._(
            "Đã chuyển kiến nghị số {number} tới đồng chí {names}. Khi có trả lời, đảng viên "
            "gửi kiến nghị sẽ được báo."
        ).format(number=petition.id, names=", ".join(c.full_name for c in result.cadres)),
    )
    await deliver_petition_messages(context.application)


async def answer_reply(update: Update, context: ChiboContext) -> None:
    """A reply to the answer prompt: the answer, taken only if nobody has answered first."""
    message = update.effective_message
    assert message is not None
    t, actor = context.t, context.actor
    prompt = message.reply_to_message
    found = _PROMPT.match(prompt.text or "") if prompt else None
    if actor is None or found is None:
        await message.reply_text(not_linked_text(t))
        return
    entry = await petitions.entry(context.db, int(found.group(1)))
    if entry is None or not may(actor, Action.PETITION_ANSWER, entry.petition.unit_id):
        await message.reply_text(_no_right_to_answer(t))
        return
    text = (message.text or "").strip()
    problem = check_text(text)
    if entry.petition.status.is_open and problem is not None:
        await message.reply_text(_problem_text(t, problem, text_length(text), answer=True))
        return
    result = await petitions.answer(
        context.db,
        entry.petition.id,
        actor.person,
        text,
        now=context.now(),
        actor=f"{CHANNEL}:{message.chat_id}",
    )
    if result.outcome is not AnswerOutcome.DONE:
        await message.reply_text(_already_answered(t, entry.petition.id))
        return
    await message.reply_text(
        t._("Đã gửi câu trả lời kiến nghị số {number} tới đồng chí {member}.").format(
            number=entry.petition.id, member=entry.member
        )
    )
    await deliver_petition_messages(context.application)


class _ReplyToAnswerPrompt(filters.MessageFilter):
    """Messages that answer the bot's prompt for a kiến nghị's answer."""

    def filter(self, message: Message) -> bool:
        prompt = message.reply_to_message
        return bool(
            prompt
            and prompt.from_user is not None
            and prompt.from_user.is_bot
            and _PROMPT.match(prompt.text or "")
        )


# Texts ---------------------------------------------------------------------------------------


def _command(t: Translator) -> str:
    return "/" + BY_ACTION[Action.PETITION].name(t.lang)


def _example(t: Translator) -> str:
    return t._("{command} Đề nghị chi bộ sửa lại đèn đường ngõ 3").format(command=_command(t))


def _problem_text(t: Translator, problem: TextProblem, length: int, *, answer: bool) -> str:
    if problem is TextProblem.EMPTY and answer:
        return t._(
            "Câu trả lời đang trống. Xin đồng chí trả lời tin nhắn có dấu ✍️ của Trợ lý bằng "
            "nội dung trả lời."
        )
    if problem is TextProblem.EMPTY:
        return t._(
            "Nội dung kiến nghị đang trống. Xin đồng chí gõ nội dung ngay sau lệnh, ví dụ:\n"
            "{example}"
        ).format(example=_example(t))
    if answer:
        return t._(
            "Câu trả lời dài {length} ký tự, quá giới hạn {limit} ký tự. Xin đồng chí viết gọn "
            "lại rồi trả lời lại tin nhắn có dấu ✍️."
        ).format(length=t.number(length), limit=t.number(MAX_TEXT))
    return t._(
        "Kiến nghị dài {length} ký tự, quá giới hạn {limit} ký tự. Xin đồng chí viết gọn lại "
        "để bí thư dễ đọc, hoặc tách thành nhiều kiến nghị. Kiến nghị chưa được ghi."
    ).format(length=t.number(length), limit=t.number(MAX_TEXT))


def _not_escalated(t: Translator, outcome: EscalateOutcome, number: int) -> str:
    if outcome is EscalateOutcome.ALREADY_ESCALATED:
        return t._("Kiến nghị số {number} đã được chuyển lên cấp trên rồi.").format(number=number)
    if outcome is EscalateOutcome.NO_CADRES:
        return t._(
            "Chi bộ chưa có cấp ủy viên phụ trách nào trong Trợ lý, nên chưa chuyển được kiến "
            "nghị số {number}."
        ).format(number=number)
    return _already_answered(t, number)


def _no_right_to_answer(t: Translator) -> str:
    return t._("Đồng chí không có quyền trả lời kiến nghị này.")


def _already_answered(t: Translator, number: int) -> str:
    return t._("Kiến nghị số {number} đã được trả lời rồi. Cảm ơn đồng chí.").format(number=number)


def _age(t: Translator, created_at: datetime, now: datetime) -> str:
    days = age_days(created_at, now)
    if days == 0:
        return t._("hôm nay")
    return t.ngettext("{days} ngày trước", "{days} ngày trước", days).format(days=days)


def listing_text(t: Translator, listing: Listing, now: datetime) -> str:
    """What /kiennghi shows: one's own kiến nghị, then the open ones one may answer."""
    sections: list[list[str]] = []
    if listing.raises:
        own = [t._("Kiến nghị của đồng chí:")] if listing.own else []
        for entry in listing.own:
            own.append(_own_line(t, entry, now))
            if entry.petition.answer:
                own.append(
                    "   "
                    + t._("Trả lời: {answer}").format(answer=excerpt(entry.petition.answer, 100))
                )
        if not listing.own and not (listing.leads or listing.follows):
            own.append(t._("Đồng chí chưa gửi kiến nghị nào."))
        own.append(
            t._("Để gửi kiến nghị mới, gõ lệnh kèm nội dung, ví dụ:\n{example}").format(
                example=_example(t)
            )
        )
        sections.append(own)
    if listing.leads:
        head = t._("Kiến nghị đang chờ trả lời của {unit}:").format(unit=listing.unit)
        sections.append([head, *_open_lines(t, listing.cell, now, with_unit=False)])
    if listing.follows:
        head = t._("Kiến nghị đang chờ trả lời ở các chi bộ đồng chí phụ trách:")
        sections.append([head, *_open_lines(t, listing.followed, now, with_unit=True)])
    # The leaders' and cadres' lists come first: they are what those people act on.
    if len(sections) > 1:
        sections = sections[1:] + sections[:1]
    text = "\n\n".join("\n".join(lines) for lines in sections)
    if text_length(text) > _MESSAGE_LIMIT:
        # Whole lines only, counted as Telegram counts them (an emoji is two).
        kept = text.split("\n")
        while len(kept) > 1 and text_length("\n".join(kept)) > _MESSAGE_LIMIT - 2:
            kept.pop()
        text = "\n".join(kept) + "\n…"
    return text


def _own_line(t: Translator, entry: Entry, now: datetime) -> str:
    petition = entry.petition
    return t._("• Số {number}, {age}: {status} — {text}").format(
        number=petition.id,
        age=_age(t, petition.created_at, now),
        status=t._(petition.status.label),
        text=excerpt(petition.text),
    )


def _open_lines(
    t: Translator, entries: tuple[Entry, ...], now: datetime, *, with_unit: bool
) -> list[str]:
    if not entries:
        return [t._("Không có kiến nghị nào đang chờ trả lời.")]
    lines = []
    for entry in entries[:_LISTED]:
        petition = entry.petition
        values = {
            "number": petition.id,
            "unit": entry.unit,
            "member": entry.member,
            "age": _age(t, petition.created_at, now),
            "status": t._(petition.status.label),
            "text": excerpt(petition.text),
        }
        if with_unit:
            lines.append(
                t._("• Số {number}, {unit}, đồng chí {member}, {age}: {status} — {text}").format(
                    **values
                )
            )
        else:
            lines.append(
                t._("• Số {number}, đồng chí {member}, {age}: {status} — {text}").format(**values)
            )
    hidden = len(entries) - _LISTED
    if hidden > 0:
        lines.append(
            t.ngettext(
                "… và {count} kiến nghị khác.", "… và {count} kiến nghị khác.", hidden
            ).format(count=hidden)
        )
    return lines


def _list_buttons(t: Translator, listing: Listing) -> InlineKeyboardMarkup | None:
    seen: set[int] = set()
    buttons: list[InlineKeyboardButton] = []
    for entry in (*listing.cell, *listing.followed):
        if entry.petition.id in seen or len(buttons) >= _BUTTONS:
            continue
        seen.add(entry.petition.id)
        buttons.append(
            InlineKeyboardButton(
                t._("✍️ Trả lời số {number}").format(number=entry.petition.id),
                callback_data=f"{PREFIX}:a:{entry.petition.id}",
            )
        )
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _answer_button(t: Translator, petition_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(t._("✍️ Trả lời"), callback_data=f"{PREFIX}:a:{petition_id}")


def render(
    t: Translator, delivery: Delivery, data: BotData
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of one message about a kiến nghị, in the reader's language."""
    petition, purpose = delivery.petition, delivery.message.purpose
    if purpose is MessagePurpose.NEW:
        text = t._(
            "📮 Kính gửi đồng chí, đồng chí {member} gửi kiến nghị số {number} tới {unit}:\n"
            "«{text}»"
        ).format(
            member=delivery.member.full_name,
            number=petition.id,
            unit=delivery.unit.name,
            text=petition.text,
        )
        escalate = InlineKeyboardButton(
            t._("⬆️ Chuyển cấp trên"), callback_data=f"{PREFIX}:e:{petition.id}"
        )
        return text, InlineKeyboardMarkup([[_answer_button(t, petition.id), escalate]])
    if purpose is MessagePurpose.ESCALATED:
        text = t._(
            "⬆️ Kính gửi đồng chí, {unit} chuyển lên kiến nghị số {number} của đồng chí "
            "{member}, gửi ngày {date}:\n«{text}»"
        ).format(
            unit=delivery.unit.name,
            number=petition.id,
            member=delivery.member.full_name,
            date=t.short_date(petition.created_at.astimezone(data.config.tz).date()),
            text=petition.text,
        )
        return text, InlineKeyboardMarkup([[_answer_button(t, petition.id)]])
    return _answered_text(t, delivery), None


def _answered_text(t: Translator, delivery: Delivery) -> str:
    petition, answerer = delivery.petition, delivery.answerer
    answerer_name = answerer.full_name if answerer else "?"
    if not delivery.to_member:
        return t._(
            "✔️ Kiến nghị số {number} của đồng chí {member} ({unit}) đã được đồng chí "
            "{answerer} trả lời: {answer}"
        ).format(
            number=petition.id,
            member=delivery.member.full_name,
            unit=delivery.unit.name,
            answerer=answerer_name,
            answer=petition.answer or "",
        )
    lines = [
        t._("Kính gửi đồng chí {name},").format(name=delivery.member.full_name),
        t._("Kiến nghị số {number} của đồng chí đã được trả lời: {answer}").format(
            number=petition.id, answer=petition.answer or ""
        ),
    ]
    if answerer is not None:
        lines.append(
            t._("— Đồng chí {answerer}, {role}.").format(
                answerer=answerer.full_name, role=t._(answerer.role.label)
            )
        )
    lines.append(t._("Nội dung kiến nghị: «{text}»").format(text=excerpt(petition.text, 200)))
    return "\n".join(lines)


# The outbox ----------------------------------------------------------------------------------


async def deliver_petition_messages(app: App, *, at_start: bool = False) -> int:
    """Send every waiting message about kiến nghị; returns how many went out.

    At start-up (``at_start``) messages a stopped process had claimed go back to the queue
    first. A passing failure leaves the message waiting and wakes this again later.
    """
    data: BotData = app.bot_data
    if at_start:
        await petitions.recover(data.db)
    total = 0
    retry: timedelta | None = None
    while retry is None:
        batch = await petitions.claim(data.db, data.now(), _BATCH)
        for delivery in batch:
            outcome = await _send(app, delivery)
            if isinstance(outcome, timedelta):
                retry = max(retry or outcome, outcome)
            else:
                total += outcome
        if len(batch) < _BATCH:
            break
    if retry is not None and app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(OUTBOX_JOB):
            job.schedule_removal()
        app.job_queue.run_once(_outbox_job, retry.total_seconds(), name=OUTBOX_JOB)
    return total


async def _outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await deliver_petition_messages(context.application)


async def _send(app: App, delivery: Delivery) -> int | timedelta:
    """Send one message: 1 if it went, 0 if it never will, or how long to wait to try again."""
    data: BotData = app.bot_data
    message_id = delivery.message.id
    t = data.catalogs.pick(delivery.recipient.language, delivery.account.language_code)
    text, markup = render(t, delivery, data)
    try:
        await app.bot.send_message(int(delivery.account.external_id), text, reply_markup=markup)
    except RetryAfter as exc:
        wait = (
            exc.retry_after
            if isinstance(exc.retry_after, timedelta)
            else timedelta(seconds=exc.retry_after)
        )
        await petitions.retry_later(data.db, message_id, "429")
        return wait
    except Forbidden as exc:
        await petitions.unreachable(data.db, delivery, data.now(), str(exc))
        return 0
    except BadRequest as exc:
        if "chat not found" in str(exc).lower():
            await petitions.unreachable(data.db, delivery, data.now(), str(exc))
        else:
            log.error("petition message %s refused by the Bot API: %s", message_id, exc)
            await petitions.failed(data.db, message_id, data.now(), str(exc))
        return 0
    except (NetworkError, TelegramError) as exc:
        await petitions.retry_later(data.db, message_id, str(exc))
        return _NETWORK_RETRY
    await petitions.sent(data.db, message_id, data.now())
    return 1


HANDLERS = [
    CommandHandler(["kiennghi", "petition"], petition_command),
    CallbackQueryHandler(answer_pressed, pattern=rf"^{PREFIX}:a:\d{{1,12}}$"),
    CallbackQueryHandler(escalate_pressed, pattern=rf"^{PREFIX}:e:\d{{1,12}}$"),
    MessageHandler(filters.TEXT & ~filters.COMMAND & _ReplyToAnswerPrompt(), answer_reply),
]
