"""Texts about kiến nghị: raising one, the lists, answering and escalating, and their messages."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.chat.commands import command_name
from bot.domain.access import Action
from bot.domain.acts import AnswerPetition, EscalatePetition
from bot.domain.meetings import Purpose
from bot.domain.petitions import MAX_TEXT, TextProblem, age_days, excerpt
from bot.i18n import Translator
from bot.services.outbox import Delivery
from bot.services.petitions import Entry, EscalateOutcome, Listing
from bot.views.reply import Choice, Reply, rows

# How many kiến nghị one section of a list shows, and how many answer choices go under it.
LISTED = 10
_CHOICES = 10


def _example(t: Translator) -> str:
    return t._("{command} Đề nghị chi bộ sửa lại đèn đường ngõ 3").format(
        command=command_name(t, Action.PETITION)
    )


def submitted_text(t: Translator, number: int) -> str:
    """The member's kiến nghị is stored and on its way to the cell's leaders."""
    return t._(
        "Đã ghi nhận kiến nghị số {number} của đồng chí. Bí thư chi bộ sẽ xem và trả lời; "
        "khi có trả lời, Trợ lý sẽ nhắn đồng chí ngay tại đây."
    ).format(number=number)


def cadre_raises_text(t: Translator) -> str:
    """A cadre of the commune tried to raise one: kiến nghị go to one's own cell."""
    return t._(
        "Kiến nghị do đảng viên gửi tới chi bộ nơi mình sinh hoạt. Đồng chí gõ "
        "{command} để xem kiến nghị của các chi bộ đồng chí phụ trách."
    ).format(command=command_name(t, Action.PETITION))


def transferred_text(t: Translator, unit: str) -> str:
    """A member who moved to another cell can no longer raise one here."""
    return t._(
        "Theo danh sách của chi bộ, đồng chí đã chuyển sinh hoạt khỏi {unit}, nên không gửi "
        "kiến nghị tới chi bộ này được nữa. Xin đồng chí gửi kiến nghị tại chi bộ nơi đồng chí "
        "đang sinh hoạt. Kiến nghị chưa được ghi."
    ).format(unit=unit)


def problem_text(t: Translator, problem: TextProblem, length: int) -> str:
    """Why a kiến nghị was not stored: empty, or too long."""
    if problem is TextProblem.EMPTY:
        return t._(
            "Nội dung kiến nghị đang trống. Xin đồng chí gõ nội dung ngay sau lệnh, ví dụ:\n"
            "{example}"
        ).format(example=_example(t))
    return t._(
        "Kiến nghị dài {length} ký tự, quá giới hạn {limit} ký tự. Xin đồng chí viết gọn lại "
        "để bí thư dễ đọc, hoặc tách thành nhiều kiến nghị. Kiến nghị chưa được ghi."
    ).format(length=t.number(length), limit=t.number(MAX_TEXT))


def answer_problem_text(t: Translator, problem: TextProblem, length: int, number: int) -> str:
    """Why an answer was not taken; the bot still waits for it."""
    cancel = command_name(t, Action.CANCEL)
    if problem is TextProblem.EMPTY:
        return t._(
            "Câu trả lời đang trống. Xin đồng chí gõ nội dung trả lời kiến nghị số {number}, "
            "hoặc gõ {cancel} để thôi."
        ).format(number=number, cancel=cancel)
    return t._(
        "Câu trả lời dài {length} ký tự, quá giới hạn {limit} ký tự. Xin đồng chí viết gọn "
        "lại rồi gõ lại câu trả lời kiến nghị số {number}, hoặc gõ {cancel} để thôi."
    ).format(length=t.number(length), limit=t.number(MAX_TEXT), number=number, cancel=cancel)


def ask_answer(t: Translator, entry: Entry) -> Reply:
    """The bot now waits for the answer to this kiến nghị as the person's next text."""
    petition = entry.petition
    text = t._(
        "✍️ Kính gửi đồng chí, xin gõ câu trả lời cho kiến nghị số {number} của đồng chí "
        "{member}:\n«{text}»\nGõ {cancel} nếu đồng chí chưa trả lời lúc này."
    ).format(
        number=petition.id,
        member=entry.member,
        text=petition.text,
        cancel=command_name(t, Action.CANCEL),
    )
    return Reply(text, asks_text=True)


def answered_text(t: Translator, number: int, member: str) -> str:
    """The answer is stored and goes to the member."""
    return t._("Đã gửi câu trả lời kiến nghị số {number} tới đồng chí {member}.").format(
        number=number, member=member
    )


def answer_left_text(t: Translator, number: int) -> str:
    """What /huy left while the bot waited for an answer (a part of a sentence)."""
    return t._("câu trả lời kiến nghị số {number}").format(number=number)


def no_right_to_answer(t: Translator) -> str:
    """The person may not answer this kiến nghị (or it does not exist)."""
    return t._("Đồng chí không có quyền trả lời kiến nghị này.")


def already_answered(t: Translator, number: int) -> str:
    """Somebody answered first; the first answer stands."""
    return t._("Kiến nghị số {number} đã được trả lời rồi. Cảm ơn đồng chí.").format(number=number)


def only_leaders_escalate(t: Translator) -> str:
    """Escalating is for the cell's secretary and deputy."""
    return t._("Chỉ bí thư, phó bí thư chi bộ mới chuyển được kiến nghị này lên cấp trên.")


def not_escalated(t: Translator, outcome: EscalateOutcome, number: int) -> str:
    """Why a kiến nghị did not go up."""
    if outcome is EscalateOutcome.ALREADY_ESCALATED:
        return t._("Kiến nghị số {number} đã được chuyển lên cấp trên rồi.").format(number=number)
    if outcome is EscalateOutcome.NO_CADRES:
        return t._(
            "Chi bộ chưa có cấp ủy viên phụ trách nào trong Trợ lý, nên chưa chuyển được kiến "
            "nghị số {number}."
        ).format(number=number)
    return already_answered(t, number)


def escalated_text(t: Translator, number: int, names: list[str]) -> str:
    """The kiến nghị went up to these cadres."""
    return t._(
        "Đã chuyển kiến nghị số {number} tới đồng chí {names}. Khi có trả lời, đảng viên "
        "gửi kiến nghị sẽ được báo."
    ).format(number=number, names=", ".join(names))


def _age(t: Translator, created_at: datetime, now: datetime) -> str:
    days = age_days(created_at, now)
    if days == 0:
        return t._("hôm nay")
    return t.ngettext("{days} ngày trước", "{days} ngày trước", days).format(days=days)


def listing_reply(t: Translator, listing: Listing, now: datetime) -> Reply:
    """What /kiennghi shows: the open ones one may answer with a choice each, then one's own.

    The text is never cut: a channel splits a long one into messages of its own size.
    """
    sections: list[list[str]] = []
    if listing.leads:
        head = t._("Kiến nghị đang chờ trả lời của {unit}:").format(unit=listing.unit)
        sections.append([head, *_open_lines(t, listing.cell, now, with_unit=False)])
    if listing.follows:
        head = t._("Kiến nghị đang chờ trả lời ở các chi bộ đồng chí phụ trách:")
        sections.append([head, *_open_lines(t, listing.followed, now, with_unit=True)])
    # The leaders' and cadres' lists come first: they are what those people act on.
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
    text = "\n\n".join("\n".join(lines) for lines in sections)
    return Reply(text, rows(_answer_choices(t, listing), 2))


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
    for entry in entries[:LISTED]:
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
    hidden = len(entries) - LISTED
    if hidden > 0:
        lines.append(
            t.ngettext(
                "… và {count} kiến nghị khác.", "… và {count} kiến nghị khác.", hidden
            ).format(count=hidden)
        )
    return lines


def _answer_choices(t: Translator, listing: Listing) -> list[Choice]:
    seen: set[int] = set()
    choices: list[Choice] = []
    for entry in (*listing.cell[:LISTED], *listing.followed[:LISTED]):
        if entry.petition.id in seen or len(choices) >= _CHOICES:
            continue
        seen.add(entry.petition.id)
        choices.append(
            Choice(
                t._("✍️ Trả lời số {number}").format(number=entry.petition.id),
                AnswerPetition(entry.petition.id),
            )
        )
    return choices


# Messages the bot starts --------------------------------------------------------------------


def petition_message(t: Translator, delivery: Delivery, tz: tzinfo) -> Reply:
    """One message about a kiến nghị, in the reader's language, with what they can do on it."""
    news = delivery.petition
    assert news is not None
    petition, purpose = news.petition, delivery.notice.purpose
    answer = Choice(t._("✍️ Trả lời"), AnswerPetition(petition.id))
    if purpose is Purpose.PETITION_NEW:
        text = t._(
            "📮 Kính gửi đồng chí, đồng chí {member} gửi kiến nghị số {number} tới {unit}:\n"
            "«{text}»"
        ).format(
            member=news.member.full_name,
            number=petition.id,
            unit=news.unit.name,
            text=petition.text,
        )
        escalate = Choice(t._("⬆️ Chuyển cấp trên"), EscalatePetition(petition.id))
        return Reply(text, ((answer, escalate),))
    if purpose is Purpose.PETITION_ESCALATED:
        text = t._(
            "⬆️ Kính gửi đồng chí, {unit} chuyển lên kiến nghị số {number} của đồng chí "
            "{member}, gửi ngày {date}:\n«{text}»"
        ).format(
            unit=news.unit.name,
            number=petition.id,
            member=news.member.full_name,
            date=t.short_date(petition.created_at.astimezone(tz).date()),
            text=petition.text,
        )
        return Reply(text, ((answer,),))
    return Reply(_answered_text(t, delivery))


def _answered_text(t: Translator, delivery: Delivery) -> str:
    news = delivery.petition
    assert news is not None
    petition, answerer = news.petition, news.answerer
    answerer_name = answerer.full_name if answerer else "?"
    if not delivery.to_member:
        return t._(
            "✔️ Kiến nghị số {number} của đồng chí {member} ({unit}) đã được đồng chí "
            "{answerer} trả lời: {answer}"
        ).format(
            number=petition.id,
            member=news.member.full_name,
            unit=news.unit.name,
            answerer=answerer_name,
            answer=petition.answer or "",
        )
    lines = [
        t._("Kính gửi đồng chí {name},").format(name=news.member.full_name),
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
