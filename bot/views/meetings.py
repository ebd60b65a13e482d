"""Texts about meetings: notices, changes, answers and the secretary's list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.acts import Attend, GiveReason, SetKind, ShowRoster
from bot.domain.digest import SEVERITY, CellMonth, Concern, concerns, month_label
from bot.domain.meetings import Answer, Meeting, MeetingStatus, Purpose, Roster
from bot.domain.models import Person, Unit
from bot.domain.replies import Intent, ReasonKind
from bot.domain.schedule import MeetingKind, Slot
from bot.domain.text import fold, natural_key
from bot.i18n import Translator
from bot.views.reply import Choice, rows


def meeting_title(t: Translator, meeting: Meeting, unit: Unit) -> str:
    """ "Chi bộ xóm 9 sinh hoạt thường kỳ tháng 12/2026" or the committee's pre-meeting."""
    year, month = meeting.month.split("-")
    if meeting.kind is MeetingKind.COMMITTEE:
        return t._("Chi ủy {unit} họp tháng {month}/{year}").format(
            unit=unit.name, month=int(month), year=year
        )
    return t._("{unit} sinh hoạt {kind} tháng {month}/{year}").format(
        unit=unit.name, kind=t._(meeting.kind.label), month=int(month), year=year
    )


def when_where(t: Translator, meeting: Meeting, tz: ZoneInfo) -> str:
    """Time, weekday and date, place and topic, one per line."""
    local = meeting.starts_at.astimezone(tz)
    lines = [
        t._("🕖 {time}, {date}").format(time=t.time(local), date=t.date(local.date())),
        t._("📍 {place}").format(place=meeting.place),
    ]
    if meeting.topic:
        lines.append(t._("📝 Nội dung: {topic}").format(topic=meeting.topic))
    return "\n".join(lines)


def answer_line(t: Translator, answer: Answer | None) -> str:
    """What the person has answered so far, or that they have not."""
    if answer is None:
        return t._("Đồng chí chưa báo tham dự hay vắng.")
    if answer.intent is Intent.ATTEND:
        return t._("Đồng chí đã báo: ✅ tham dự.")
    if answer.awaiting_reason:
        return t._("Đồng chí đã báo: 🙏 xin vắng (chưa có lý do).")
    return t._("Đồng chí đã báo: 🙏 xin vắng, lý do: {reason}.").format(
        reason=reason_label(t, answer)
    )


def reason_label(t: Translator, answer: Answer) -> str:
    """The reason as the minutes write it: the person's words, else the kind.

    Words typed without diacritics ("om") read poorly in minutes, so the kind leads them.
    """
    kind = t._(answer.reason_kind.label) if answer.reason_kind else ""
    words = answer.reason_text or ""
    if not words:
        return kind
    if kind and answer.reason_kind is not ReasonKind.OTHER and fold(words) == words.lower():
        return t._("{kind} ({words})").format(kind=kind, words=words)
    return words


def notice_text(
    t: Translator,
    *,
    purpose: Purpose,
    meeting: Meeting,
    unit: Unit,
    person: Person,
    is_cadre: bool,
    answer: Answer | None,
    tz: ZoneInfo,
) -> str:
    """A notice, nudge, change or cancellation as the person reads it."""
    title = meeting_title(t, meeting, unit)
    dear = t._("Kính gửi đồng chí {name},").format(name=person.full_name)
    if purpose is Purpose.CANCELLED:
        lines = [
            t._("❌ HỦY BUỔI SINH HOẠT"),
            dear,
            t._("{title} đã được hủy.").format(title=title),
        ]
        if meeting.cancel_reason:
            lines.append(t._("Lý do: {reason}").format(reason=meeting.cancel_reason))
        lines.append(t._("Chi bộ sẽ thông báo lịch mới."))
        return "\n".join(lines)
    heading = {
        Purpose.NOTICE: t._("📢 THÔNG BÁO SINH HOẠT CHI BỘ"),
        Purpose.NUDGE: t._("🔔 NHẮC LẠI: đồng chí chưa báo tham dự hay vắng"),
        Purpose.MOVED: t._("🔄 THAY ĐỔI LỊCH SINH HOẠT"),
    }[purpose]
    intro = {
        Purpose.NOTICE: t._("{title}:"),
        Purpose.NUDGE: t._("{title}:"),
        Purpose.MOVED: t._("{title} chuyển sang:"),
    }[purpose].format(title=title)
    lines = [heading, dear, intro, when_where(t, meeting, tz), ""]
    if is_cadre:
        lines.append(t._("Thông báo để đồng chí cấp ủy viên phụ trách nắm; không cần trả lời."))
    else:
        lines.append(answer_line(t, answer))
        lines.append(
            t._(
                "Xin đồng chí chọn câu trả lời bên dưới, hoặc nhắn trả lời "
                "(ví dụ: «có», «xin vắng vì ốm»)."
            )
        )
    lines.append(t._("Tài liệu sinh hoạt xem trên ứng dụng Sổ tay đảng viên."))
    return "\n".join(lines)


def meeting_card(t: Translator, meeting: Meeting, unit: Unit, tz: ZoneInfo) -> str:
    """The next meeting as /lichhop shows it."""
    if meeting.status is MeetingStatus.CANCELLED:
        text = t._("❌ {title} đã hủy.").format(title=meeting_title(t, meeting, unit))
        if meeting.cancel_reason:
            text += "\n" + t._("Lý do: {reason}").format(reason=meeting.cancel_reason)
        return text
    return "\n".join([meeting_title(t, meeting, unit) + ":", when_where(t, meeting, tz)])


def slot_line(t: Translator, slot: Slot) -> str:
    """The cell's regular monthly slot."""
    day = t._("ngày cuối tháng") if slot.day is None else t._("ngày {day}").format(day=slot.day)
    return t._("Lịch hằng tháng: {day}, {time}, tại {place}.").format(
        day=day, time=slot.time.strftime("%H:%M"), place=slot.place
    )


def roster_text(
    t: Translator,
    meeting: Meeting,
    unit: Unit,
    roster: Roster,
    phones: dict[int, str],
    tz: ZoneInfo,
) -> str:
    """The secretary's list: who comes, who is excused and why, and whom to call.

    Each group is a paragraph of its own, so a big cell's list is split between groups (a
    channel splits a long text at paragraph breaks), and one group too long for a message is
    split between names.
    """

    def names(group: tuple[Person, ...], with_phone: bool = False) -> list[str]:
        return [
            "  • " + p.full_name + (f" ({phones[p.id]})" if with_phone and p.id in phones else "")
            for p in group
        ]

    local = meeting.starts_at.astimezone(tz)
    paragraphs = [
        "\n".join(
            [
                t._("📋 {title}").format(title=meeting_title(t, meeting, unit)),
                t._("{time}, {date}").format(time=t.time(local), date=t.date(local.date())),
            ]
        ),
        "\n".join(
            [
                t._("✅ Tham dự: {n}/{total}").format(
                    n=len(roster.attending), total=roster.expected
                ),
                *names(roster.attending),
            ]
        ),
        "\n".join(
            [
                t._("🙏 Xin vắng có lý do: {n}").format(n=len(roster.excused)),
                *[f"  • {p.full_name}: {reason_label(t, a)}" for p, a in roster.excused],
            ]
        ),
    ]
    sections = [
        (t._("⏳ Xin vắng, chưa nói lý do: {n}"), roster.absent_no_reason, True),
        (t._("❓ Chưa trả lời: {n}"), roster.not_answered, True),
        (t._("📵 Chưa kết nối với Trợ lý (cần gọi điện): {n}"), roster.not_linked, True),
        (t._("⚠️ Không nhắn được vì đã chặn bot (cần gọi điện): {n}"), roster.unreachable, True),
        (t._("Miễn sinh hoạt: {n}"), roster.exempt, False),
    ]
    for label, group, phone in sections:
        if group:
            paragraphs.append("\n".join([label.format(n=len(group)), *names(group, phone)]))
    return "\n\n".join(paragraphs)


def recorded_text(
    t: Translator, meeting: Meeting, unit: Unit, answer: Answer, tz: ZoneInfo
) -> str:
    """The confirmation after an answer is stored."""
    local = meeting.starts_at.astimezone(tz)
    when = t._("{time}, {date}").format(time=t.time(local), date=t.date(local.date()))
    if answer.intent is Intent.ATTEND:
        text = t._("✅ Đã ghi nhận: đồng chí tham dự buổi sinh hoạt lúc {when}.")
    elif answer.awaiting_reason:
        text = t._("Đã ghi nhận: đồng chí xin vắng buổi sinh hoạt lúc {when}.")
    else:
        text = t._("🙏 Đã ghi nhận: đồng chí xin vắng buổi sinh hoạt lúc {when}, lý do: {reason}.")
    return (
        text.format(when=when, reason=reason_label(t, answer))
        + "\n"
        + t._("Nếu thay đổi, đồng chí cứ nhắn lại trước buổi sinh hoạt.")
    )


def ask_reason_text(t: Translator) -> str:
    """The question when someone is absent without saying why."""
    return t._(
        "Xin đồng chí cho biết lý do vắng (để ghi vào biên bản): chọn một lý do bên dưới, "
        "hoặc nhắn lý do."
    )


def waiting_text(t: Translator) -> str:
    """The answer to "I will tell you later": nothing recorded, the bot waits."""
    return t._(
        "Vâng, Trợ lý chờ đồng chí báo lại; chưa ghi gì. Khi đã rõ, đồng chí nhắn «có» hoặc "
        "«xin vắng», hoặc chọn bên dưới."
    )


def waiting_reason_text(t: Translator) -> str:
    """The answer to "I will tell you the reason later"."""
    return t._(
        "Vâng, Trợ lý chờ đồng chí báo lý do; đồng chí vẫn đang được ghi là xin vắng. Khi "
        "đã rõ, xin nhắn lý do hoặc chọn bên dưới."
    )


def unclear_text(t: Translator, meeting: Meeting, unit: Unit, tz: ZoneInfo) -> str:
    """The question when a reply cannot be read either way."""
    local = meeting.starts_at.astimezone(tz)
    return t._(
        "Trợ lý chưa rõ ý đồng chí. Đồng chí có tham dự buổi sinh hoạt lúc {time}, {date} "
        "không? Xin chọn một câu trả lời bên dưới."
    ).format(time=t.time(local), date=t.date(local.date()))


def answer_choices(
    t: Translator, meeting_id: int, *, with_roster: bool = False
) -> tuple[tuple[Choice, ...], ...]:
    """✅ Tham dự / 🙏 Xin vắng, and for the cell's leaders the list of answers."""
    found: tuple[tuple[Choice, ...], ...] = (
        (
            Choice(t._("✅ Tham dự"), Attend(meeting_id, True)),
            Choice(t._("🙏 Xin vắng"), Attend(meeting_id, False)),
        ),
    )
    if with_roster:
        found += ((roster_choice(t, meeting_id),),)
    return found


def roster_choice(t: Translator, meeting_id: int) -> Choice:
    """The choice that shows the secretary's list."""
    return Choice(t._("📋 Danh sách trả lời"), ShowRoster(meeting_id))


def reason_choices(t: Translator, meeting_id: int) -> tuple[tuple[Choice, ...], ...]:
    """The usual reasons for being absent, two to a row."""
    return rows((Choice(t._(kind.label), GiveReason(meeting_id, kind)) for kind in ReasonKind), 2)


# --- /lichhop --------------------------------------------------------------------------------


def no_meeting_text(t: Translator) -> str:
    """/lichhop when nothing is ahead."""
    return t._("Chưa có buổi sinh hoạt nào sắp tới.")


def schedule_usage(t: Translator) -> str:
    """How the secretary changes the schedule by typing."""
    return t._(
        "Bí thư đổi lịch bằng cách gõ:\n"
        "• /lichhop 05/12 19:30 Nhà văn hóa thôn — dời buổi sắp tới\n"
        "• /lichhop chude Học tập nghị quyết — ghi nội dung\n"
        "• /lichhop loai chuyende — thường kỳ, chuyên đề hoặc cả hai\n"
        "• /lichhop huy Mưa bão — hủy buổi sắp tới, kèm lý do\n"
        "• /lichhop chiuy 01/12 19:30 Nhà bí thư — hẹn họp chi ủy\n"
        "• /lichhop hangthang 3 19:30 Nhà văn hóa — lịch hằng tháng"
    )


def kind_choices(t: Translator, meeting_id: int) -> tuple[Choice, ...]:
    """Regular, thematic or both: one row under /lichhop."""
    return tuple(
        Choice(t._(kind.label), SetKind(meeting_id, kind.value))
        for kind in (MeetingKind.REGULAR, MeetingKind.THEMATIC, MeetingKind.BOTH)
    )


def only_leaders_change_text(t: Translator) -> str:
    """A member typed a change after /lichhop."""
    return t._(
        "Chỉ bí thư, phó bí thư chi bộ mới đổi được lịch sinh hoạt. Gõ /lichhop để xem lịch."
    )


def nothing_to_change_text(t: Translator) -> str:
    """No meeting ahead to move, cancel or amend."""
    return t._("Chưa có buổi sinh hoạt nào sắp tới để đổi.")


def cancelled_change_text(t: Translator) -> str:
    """A change to a cancelled meeting."""
    return t._("Buổi sinh hoạt này đã hủy, không đổi được nữa.")


def started_change_text(t: Translator) -> str:
    """A change to a meeting that has begun."""
    return t._("Buổi sinh hoạt này đã bắt đầu, không đổi được nữa.")


def moved_text(t: Translator, meeting: Meeting, unit: Unit, tz: ZoneInfo) -> str:
    """The meeting was moved."""
    return t._(
        "Đã đổi lịch. {card}\n\nNhững đồng chí đã nhận thông báo sẽ được báo lại; các lần nhắc "
        "sau tính theo giờ mới."
    ).format(card=meeting_card(t, meeting, unit, tz))


def cancel_needs_reason_text(t: Translator) -> str:
    """/lichhop huy without a reason."""
    return t._("Xin ghi lý do hủy, ví dụ: /lichhop huy Mưa bão, đường ngập.")


def reason_too_long_text(t: Translator, limit: int) -> str:
    """A cancel reason over the limit."""
    return t._("Lý do dài quá {limit} ký tự.").format(limit=limit)


def cancelled_text(t: Translator) -> str:
    """The meeting was cancelled."""
    return t._("Đã hủy buổi sinh hoạt. Những đồng chí đã nhận thông báo sẽ được báo hủy.")


def topic_needed_text(t: Translator, limit: int) -> str:
    """/lichhop chude without a topic, or with one too long."""
    return t._(
        "Xin ghi nội dung (tối đa {limit} ký tự), ví dụ: /lichhop chude Học tập nghị quyết."
    ).format(limit=limit)


def topic_set_text(t: Translator, topic: str) -> str:
    """The topic was stored."""
    return t._("Đã ghi nội dung: {topic}.").format(topic=topic)


def kind_needed_text(t: Translator) -> str:
    """/lichhop loai with an unknown kind."""
    return t._(
        "Loại buổi sinh hoạt: thường kỳ, chuyên đề hoặc cả hai. Ví dụ: /lichhop loai chuyende"
    )


def kind_set_text(t: Translator, kind: MeetingKind) -> str:
    """The kind was stored, with the minimum length it asks for."""
    text = t._("Đã đặt loại buổi sinh hoạt: {kind}.").format(kind=t._(kind.label))
    if kind.minimum_minutes:
        text += " " + t._("Thời lượng tối thiểu {minutes} phút.").format(
            minutes=kind.minimum_minutes
        )
    return text


def slot_example_text(t: Translator) -> str:
    """How to type the monthly slot."""
    return t._("Ví dụ: /lichhop hangthang 3 19:30 Nhà văn hóa (hoặc «cuối tháng» thay cho ngày).")


def place_too_long_text(t: Translator, limit: int) -> str:
    """A place over the limit."""
    return t._("Địa điểm dài quá {limit} ký tự.").format(limit=limit)


def invisible_text(t: Translator) -> str:
    """Typed words made only of invisible characters (zero-width, bidi marks)."""
    return t._(
        "Nội dung đồng chí gõ có ký tự không hiển thị được nên Trợ lý chưa ghi. Xin gõ lại "
        "bằng chữ, ví dụ: /lichhop chude Học tập nghị quyết."
    )


def slot_set_text(t: Translator, slot: Slot) -> str:
    """The monthly slot was stored."""
    return t._(
        "Đã lưu. {slot} Lịch này dùng cho các buổi được tạo từ nay; buổi đã hẹn giữ nguyên "
        "(đổi bằng /lichhop ngày giờ)."
    ).format(slot=slot_line(t, slot))


def committee_example_text(t: Translator) -> str:
    """How to type a committee meeting."""
    return t._("Ví dụ: /lichhop chiuy 01/12 19:30 Nhà bí thư")


def committee_set_text(t: Translator, meeting: Meeting, unit: Unit, tz: ZoneInfo) -> str:
    """A committee meeting was made."""
    return t._("Đã hẹn họp chi ủy; các đồng chí trong chi ủy sẽ được báo.\n{card}").format(
        card=meeting_card(t, meeting, unit, tz)
    )


def no_right_to_change_text(t: Translator) -> str:
    """A kind picked by someone who may not change this meeting."""
    return t._("Đồng chí không có quyền đổi buổi sinh hoạt này.")


def no_right_to_list_text(t: Translator) -> str:
    """The list picked by someone who may not see it."""
    return t._("Đồng chí không có quyền xem danh sách này.")


# --- /cuatoi ---------------------------------------------------------------------------------


def my_record_text(
    t: Translator,
    name: str,
    year: int,
    rows_: list[tuple[int, datetime, str | None, str | None, str]],
    tz: ZoneInfo,
) -> str:
    """This year's meetings of a person, with their answer and attendance, one per line."""
    answers = {"attend": t._("báo tham dự"), "absent": t._("xin vắng")}
    marks = {
        "present": t._("✅ có mặt"),
        "excused": t._("🙏 vắng có lý do"),
        "unexcused": t._("❌ vắng không lý do"),
        "exempt": t._("➖ miễn"),
    }
    lines = [
        t._("Các buổi sinh hoạt năm {year} của đồng chí {name}:").format(year=year, name=name)
    ]
    for _mid, starts_at, answer, mark, reason in rows_:
        line = t._("• {date}: {answer}; {mark}").format(
            date=t.short_date(starts_at.astimezone(tz).date()),
            answer=answers.get(answer or "", t._("chưa trả lời")),
            mark=marks.get(mark or "", t._("chưa điểm danh")),
        )
        if reason:
            line += t._(" ({reason})").format(reason=reason)
        lines.append(line)
    if not rows_:
        lines.append(t._("Chưa có buổi sinh hoạt nào trong năm nay."))
    return "\n".join(lines)


# Past this many cells, a cadre's list of the day is grouped by commune.
GROUP_PAST = 10


@dataclass(frozen=True)
class FollowedMeeting:
    """One meeting in a cadre's list of the day: the meeting, its cell, the cell's commune."""

    meeting: Meeting
    unit: Unit
    parent: Unit | None


def cadre_day_texts(
    t: Translator, person: Person, items: Sequence[FollowedMeeting], tz: ZoneInfo
) -> list[str]:
    """A cadre's one message of the day: the meetings of the cells they follow falling due,
    grouped by commune past ten cells; split in parts that fit one message each."""
    ordered = sorted(items, key=lambda i: (i.meeting.starts_at, i.unit.name))
    head = [
        t._("📢 THÔNG BÁO SINH HOẠT CÁC CHI BỘ ĐỒNG CHÍ PHỤ TRÁCH"),
        t._("Kính gửi đồng chí {name},").format(name=person.full_name),
        t.ngettext(
            "{count} chi bộ đồng chí phụ trách sắp sinh hoạt:",
            "{count} chi bộ đồng chí phụ trách sắp sinh hoạt:",
            len(ordered),
        ).format(count=t.number(len(ordered))),
    ]

    def line(item: FollowedMeeting) -> str:
        local = item.meeting.starts_at.astimezone(tz)
        return t._("• {title}: {time}, {date}, {place}").format(
            title=meeting_title(t, item.meeting, item.unit),
            time=t.time(local),
            date=t.date(local.date()),
            place=item.meeting.place,
        )

    body: list[str] = []
    if len(ordered) > GROUP_PAST:
        communes: dict[str, list[FollowedMeeting]] = {}
        for item in ordered:
            communes.setdefault(item.parent.name if item.parent else "", []).append(item)
        for commune, group in sorted(communes.items()):
            body.append("")
            body.append(
                t.ngettext(
                    "{commune} ({count} chi bộ):", "{commune} ({count} chi bộ):", len(group)
                ).format(commune=commune, count=t.number(len(group)))
            )
            body += [line(item) for item in group]
    else:
        body += [line(item) for item in ordered]
    foot = ["", t._("Thông báo để đồng chí cấp ủy viên phụ trách nắm; không cần trả lời.")]
    return _parts([*head, *body, *foot])


# Past this many lines, a cadre's roll-up lists only the cells needing attention.
ROLLUP_LINES = 60
# A flag's reason in the roll-up is cut to this many characters.
ROLLUP_REASON_CHARS = 160
# The concerns that put a digest's cell before the rest (a missing score or an old kiến nghị
# waits for the monthly digest).
_URGENT = frozenset(SEVERITY) - {Concern.NOT_SCORED, Concern.STALE_PETITIONS}


@dataclass(frozen=True)
class RollupItem:
    """One flag or one per-meeting digest in a cadre's roll-up, about one cell."""

    unit_id: int
    cell: str
    commune: str | None
    month: str  # the meeting's month, YYYY-MM
    reason: str | None = None  # a flag: its reason, already written out
    digest: CellMonth | None = None  # a digest: the cell's month


def _urgent(cell: CellMonth) -> bool:
    """Whether a digest's cell needs attention now: a flag of the month or an open rule, not
    held, Kém or Trung bình, anyone unexcused, attendance under 85 %."""
    return bool(cell.flag_kinds) or any(c in _URGENT for c in concerns(cell))


def rollup_texts(
    t: Translator, person: Person, items: Sequence[RollupItem], report_command: str
) -> list[str]:
    """A cadre's one roll-up of the day: a line per flag, then a line per meeting digest, the
    cells needing attention first; past ROLLUP_LINES lines only those, the rest counted."""
    flags = sorted((i for i in items if i.reason is not None), key=_cell_key)
    digests: dict[int, RollupItem] = {}
    for item in items:  # one line per meeting: a cell's month comes once
        if item.digest is not None:
            digests.setdefault(item.unit_id, item)
    flagged = {i.unit_id for i in flags}

    def severity(item: RollupItem) -> tuple[tuple[bool, ...], tuple[tuple[int, str], ...], str]:
        assert item.digest is not None
        found = set(concerns(item.digest))
        return tuple(c not in found for c in SEVERITY), natural_key(item.cell), item.cell

    def needs(item: RollupItem) -> bool:
        assert item.digest is not None
        return item.unit_id in flagged or _urgent(item.digest)

    attention = sorted((i for i in digests.values() if needs(i)), key=severity)
    calm = sorted((i for i in digests.values() if not needs(i)), key=_cell_key)
    cells_needing = len(flagged | {i.unit_id for i in attention})
    grouped = len(items) > GROUP_PAST
    names = [" ".join(i.cell.split()).casefold() for i in {i.unit_id: i for i in items}.values()]
    repeated = {name for name in names if names.count(name) > 1}

    def label(item: RollupItem) -> str:
        shown = grouped or " ".join(item.cell.split()).casefold() in repeated
        if shown and item.commune:
            return t._("{unit} ({parent})").format(unit=item.cell, parent=item.commune)
        return item.cell

    head = [
        t._("🗂 TỔNG HỢP TRONG NGÀY"),
        t._("Kính gửi đồng chí {name},").format(name=person.full_name),
    ]
    if digests:
        head.append(
            t.ngettext(
                "{count} chi bộ báo kết quả sinh hoạt hôm nay:",
                "{count} chi bộ báo kết quả sinh hoạt hôm nay:",
                len(digests),
            ).format(count=t.number(len(digests)))
            + " "
            + _attention_count(t, cells_needing)
        )
    if flags:
        head.append(
            t.ngettext("⚠️ {count} cảnh báo mới.", "⚠️ {count} cảnh báo mới.", len(flags)).format(
                count=t.number(len(flags))
            )
        )
    urgent = [_flag_line(t, i, label(i)) for i in flags]
    urgent += [_digest_line(t, i, label(i), attention=True) for i in attention]
    body: list[str] = []
    if len(urgent) + len(calm) <= ROLLUP_LINES:
        if urgent:
            body += ["", *urgent]
        if calm and grouped:
            communes: dict[str, list[RollupItem]] = {}
            for item in calm:
                communes.setdefault(item.commune or "", []).append(item)
            for commune, group in sorted(communes.items(), key=lambda c: natural_key(c[0])):
                body.append("")
                body.append(
                    t.ngettext(
                        "{commune} ({count} chi bộ):", "{commune} ({count} chi bộ):", len(group)
                    ).format(commune=commune, count=t.number(len(group)))
                )
                body += [_digest_line(t, i, i.cell, attention=False) for i in group]
        elif calm:
            body += ["", *(_digest_line(t, i, label(i), attention=False) for i in calm)]
    else:
        # A province's day: the cells to phone, then how many others are well.
        body += ["", *urgent[:ROLLUP_LINES]]
        if len(urgent) > ROLLUP_LINES:
            left = len(urgent) - ROLLUP_LINES
            body.append(
                t.ngettext(
                    "… và {count} cảnh báo, chi bộ cần quan tâm khác.",
                    "… và {count} cảnh báo, chi bộ cần quan tâm khác.",
                    left,
                ).format(count=t.number(left))
            )
        if calm:
            body.append(
                t.ngettext(
                    "Và {count} chi bộ khác không có gì cần lưu ý.",
                    "Và {count} chi bộ khác không có gì cần lưu ý.",
                    len(calm),
                ).format(count=t.number(len(calm)))
            )
    example = (attention or calm or flags or list(items))[0]
    foot = [
        "",
        t._(
            "Để xem đầy đủ kết quả một chi bộ, đồng chí gõ {command} tháng tên chi bộ, "
            "ví dụ: {command} {month} {cell}"
        ).format(command=report_command, month=month_label(example.month), cell=example.cell),
    ]
    return _parts([*head, *body, *foot])


def _cell_key(item: RollupItem) -> tuple[tuple[tuple[int, str], ...], str, int]:
    return natural_key(item.cell), item.commune or "", item.unit_id


def _attention_count(t: Translator, count: int) -> str:
    if not count:
        return t._("không chi bộ nào cần quan tâm.")
    return t.ngettext(
        "{count} chi bộ cần quan tâm (xếp lên đầu).",
        "{count} chi bộ cần quan tâm (xếp lên đầu).",
        count,
    ).format(count=t.number(count))


def _flag_line(t: Translator, item: RollupItem, label: str) -> str:
    """⚠️ Chi bộ xóm 9: Buổi sinh hoạt ngày 03/12/2026: 1 đảng viên vắng không lý do."""
    reason = " ".join((item.reason or "").split())
    if len(reason) > ROLLUP_REASON_CHARS:
        reason = reason[: ROLLUP_REASON_CHARS - 1].rstrip() + "…"
    return t._("⚠️ {cell}: {reason}").format(cell=label, reason=reason)


def _digest_line(t: Translator, item: RollupItem, label: str, *, attention: bool) -> str:
    """❗ Chi bộ xóm 9, 03/12/2026: có mặt 2/4, 1 vắng có lý do, 1 vắng không lý do; Khá."""
    cell = item.digest
    assert cell is not None
    mark = "❗" if attention else "•"
    if cell.held_on is None or cell.cancelled:
        what = (
            t._("buổi sinh hoạt tháng này đã hủy")
            if cell.cancelled
            else t._("chưa sinh hoạt tháng này")
        )
        return t._("{mark} {cell}: {what}").format(mark=mark, cell=label, what=what)
    grade = t._(cell.grade) if cell.grade else t._("chưa chấm điểm")
    present = t._("có mặt {present}/{expected}")
    facts = [present.format(present=cell.present, expected=cell.expected)]
    if cell.excused:
        facts.append(
            t.ngettext("{n} vắng có lý do", "{n} vắng có lý do", len(cell.excused)).format(
                n=len(cell.excused)
            )
        )
    if cell.unexcused:
        facts.append(
            t.ngettext("{n} vắng không lý do", "{n} vắng không lý do", len(cell.unexcused)).format(
                n=len(cell.unexcused)
            )
        )
    return t._("{mark} {cell}, {date}: {facts}; {grade}").format(
        mark=mark,
        cell=label,
        date=t.short_date(cell.held_on),
        facts=", ".join(facts),
        grade=grade,
    )


# Telegram takes 4,096 characters a message and Zalo 2,000: parts stay under both.
PART_CHARS = 1900


def _parts(lines: list[str]) -> list[str]:
    """Lines joined into parts of at most PART_CHARS characters, never cutting a line."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for text in lines:
        text = text[:PART_CHARS]
        if current and size + len(text) + 1 > PART_CHARS:
            parts.append("\n".join(current).strip("\n"))
            current, size = [], 0
        current.append(text)
        size += len(text) + 1
    if current:
        parts.append("\n".join(current).strip("\n"))
    return parts
