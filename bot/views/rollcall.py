"""Texts of the room: the roll-call, the header of the minutes, ratings and flags."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from bot.domain.acts import Rate
from bot.domain.acts import RollCall as RollCallAct
from bot.domain.meetings import Meeting
from bot.domain.models import N_, Person, Unit
from bot.domain.replies import ReasonKind
from bot.domain.rules import Attendance, Flag, FlagKind
from bot.domain.schedule import MeetingKind
from bot.domain.text import shorten
from bot.i18n import Translator
from bot.services.rollcall import Refusal, RollCall
from bot.views.meetings import meeting_title
from bot.views.reply import Choice, Reply, Shape, rows

# Names per page of the roll-call, in its text and its choices alike, on every channel: a page
# must fit the shortest message a channel takes (Zalo: 2,000 characters) with room to spare.
PAGE = 8
MESSAGE_LIMIT = 2000
# A member's line at most: a long name or reason is cut with "…", never silently.
_LINE = 120
_TITLE = 300

ICONS = {
    Attendance.PRESENT: "✅",
    Attendance.EXCUSED: "🙏",
    Attendance.UNEXCUSED: "❌",
    Attendance.EXEMPT: "➖",
}


def page_count(count: int) -> int:
    """How many pages `count` names take."""
    return max(1, -(-count // PAGE))


def _page(page: int, pages: int) -> int:
    return min(max(page, 0), pages - 1)


def _head(t: Translator, call: RollCall, tz: ZoneInfo) -> list[str]:
    """The title, the time and the counts: at the top of every page."""
    local = call.meeting.starts_at.astimezone(tz)
    lines = [
        shorten(
            t._("📋 ĐIỂM DANH — {title}").format(title=meeting_title(t, call.meeting, call.unit)),
            _TITLE,
        ),
        t._("{time}, {date}").format(time=t.time(local), date=t.date(local.date())),
        t._("Có mặt: {present} · Vắng có lý do: {excused} · Vắng không lý do: {unexcused}").format(
            present=call.count(Attendance.PRESENT),
            excused=call.count(Attendance.EXCUSED),
            unexcused=call.count(Attendance.UNEXCUSED),
        ),
    ]
    exempt = call.count(Attendance.EXEMPT)
    if exempt:
        lines.append(
            t.ngettext(
                "Miễn sinh hoạt: {n} đồng chí", "Miễn sinh hoạt: {n} đồng chí", exempt
            ).format(n=exempt)
        )
    return lines


def _pager(
    t: Translator, meeting_id: int, op: str, page: int, pages: int
) -> tuple[tuple[Choice, ...], ...]:
    """◀ 2/22 ▶ when there is more than one page."""
    if pages <= 1:
        return ()
    nav = []
    if page > 0:
        nav.append(Choice("◀", RollCallAct(meeting_id, op, page=page - 1)))
    nav.append(Choice(f"{page + 1}/{pages}", RollCallAct(meeting_id, op, page=page)))
    if page < pages - 1:
        nav.append(Choice("▶", RollCallAct(meeting_id, op, page=page + 1)))
    return (tuple(nav),)


def rollcall_text(t: Translator, call: RollCall, tz: ZoneInfo, page: int = 0) -> str:
    """One page of the roll-call: the counts, then this page's members with their marks."""
    pages = page_count(len(call.members))
    page = _page(page, pages)
    lines = _head(t, call, tz)
    if call.closed:
        lines.append(t._("Đã đóng điểm danh."))
        if call.meeting.duration_minutes is not None:
            lines.append(
                t._("Đã kết thúc; thời lượng {minutes} phút.").format(
                    minutes=call.meeting.duration_minutes
                )
            )
    else:
        lines.append(t._("Chọn tên để đổi có mặt ⇄ vắng."))
    if pages > 1:
        lines.append(t._("Trang {page}/{pages}").format(page=page + 1, pages=pages))
    lines.append("")
    first = page * PAGE
    exempt_heading = False
    for number, person in enumerate(call.members[first : first + PAGE], start=first + 1):
        status, reason = call.marks[person.id]
        if status is Attendance.EXEMPT:
            # Exempt members come last, apart and without a number.
            if not exempt_heading:
                lines += ["", t._("Miễn sinh hoạt:")]
                exempt_heading = True
            lines.append(shorten(f"{ICONS[status]} {person.full_name}", _LINE))
            continue
        extra = ""
        if reason and status is Attendance.EXCUSED:
            extra = " — " + reason
        elif status is Attendance.UNEXCUSED and person.id not in call.answered:
            extra = " " + t._("(chưa báo tham dự)")
        lines.append(shorten(f"{number}. {ICONS[status]} {person.full_name}{extra}", _LINE))
    return "\n".join(lines)


def rollcall_choices(
    t: Translator, call: RollCall, page: int = 0
) -> tuple[tuple[Choice, ...], ...]:
    """This page's names to toggle, the pages, the reasons, all present, close; or end."""
    mid = call.meeting.id
    pages = page_count(len(call.members))
    page = _page(page, pages)
    shown = call.members[page * PAGE : (page + 1) * PAGE]
    found: list[tuple[Choice, ...]] = []
    if not call.closed:
        found += [
            (
                Choice(
                    f"{ICONS[call.marks[p.id][0]]} {p.full_name}",
                    RollCallAct(mid, "t", person=p.id, page=page),
                ),
            )
            for p in shown
            if call.marks[p.id][0] is not Attendance.EXEMPT
        ]
    found += _pager(t, mid, "p", page, pages)
    if not call.closed:
        found.append(
            (
                Choice(t._("📝 Ghi lý do vắng"), RollCallAct(mid, "rm", page=0)),
                Choice(t._("✅ Ai chưa báo: ghi có mặt"), RollCallAct(mid, "all", page=page)),
            )
        )
        found.append((Choice(t._("✔️ Đóng điểm danh"), RollCallAct(mid, "close")),))
    elif call.meeting.ended_at is None:
        found.append((Choice(t._("🏁 Kết thúc buổi họp"), RollCallAct(mid, "end")),))
    return tuple(found)


def _absent(call: RollCall) -> list[Person]:
    return [
        p
        for p in call.members
        if call.marks[p.id][0] in (Attendance.EXCUSED, Attendance.UNEXCUSED)
    ]


def reason_people_reply(t: Translator, call: RollCall, tz: ZoneInfo, page: int) -> Reply:
    """Whose reason to write: the absent members, a page at a time."""
    mid = call.meeting.id
    absent = _absent(call)
    pages = page_count(len(absent))
    page = _page(page, pages)
    lines = _head(t, call, tz)
    if not absent:
        lines.append(t._("Không có đồng chí nào vắng mặt."))
    else:
        lines.append(t._("Chọn đồng chí vắng mặt để ghi lý do:"))
        if pages > 1:
            lines.append(t._("Trang {page}/{pages}").format(page=page + 1, pages=pages))
    choices: list[tuple[Choice, ...]] = [
        (
            Choice(
                f"{ICONS[call.marks[p.id][0]]} {p.full_name}", RollCallAct(mid, "rp", person=p.id)
            ),
        )
        for p in absent[page * PAGE : (page + 1) * PAGE]
    ]
    choices += _pager(t, mid, "rm", page, pages)
    choices.append((Choice(t._("↩ Quay lại"), RollCallAct(mid, "p", page=0)),))
    return Reply("\n".join(lines), tuple(choices), Shape.REPLACE)


def reason_kinds_reply(t: Translator, call: RollCall, tz: ZoneInfo, person: Person) -> Reply:
    """The usual reasons for this member's absence."""
    mid = call.meeting.id
    lines = _head(t, call, tz)
    lines.append(
        shorten(t._("Lý do vắng của đồng chí {name}:").format(name=person.full_name), _LINE)
    )
    choices = rows(
        (
            Choice(t._(kind.label), RollCallAct(mid, "rk", person=person.id, kind=kind))
            for kind in ReasonKind
            if kind is not ReasonKind.OTHER
        ),
        2,
    )
    choices += ((Choice(t._("↩ Quay lại"), RollCallAct(mid, "p", page=0)),),)
    return Reply("\n".join(lines), choices, Shape.REPLACE)


def refusal_text(t: Translator, refusal: Refusal) -> str:
    """Why a roll-call step was not taken."""
    texts = {
        Refusal.GONE: t._("Không tìm thấy buổi sinh hoạt này."),
        Refusal.CANCELLED: t._("Buổi sinh hoạt này đã hủy; không điểm danh."),
        Refusal.NOT_YET: t._(
            "Chưa đến giờ điểm danh buổi sinh hoạt này (mở được từ 30 phút trước giờ họp)."
        ),
        Refusal.TOO_LATE: t._("Đã quá thời gian điểm danh buổi sinh hoạt này."),
        Refusal.NOT_OPEN: t._("Nút này không còn hiệu lực: điểm danh chưa mở."),
        Refusal.CLOSED: t._("Nút này không còn hiệu lực: điểm danh đã đóng."),
        Refusal.NOT_CLOSED: t._("Xin đóng điểm danh trước khi kết thúc buổi họp."),
        Refusal.ENDED: t._("Nút này không còn hiệu lực: buổi họp đã kết thúc."),
        Refusal.NOT_LISTED: t._("Nút này không còn hiệu lực."),
    }
    return texts[refusal]


def cancelled_text(t: Translator, meeting: Meeting, unit: Unit) -> str:
    """/diemdanh when the meeting it would be for was cancelled."""
    text = t._("{title} đã hủy; không điểm danh.").format(title=meeting_title(t, meeting, unit))
    if meeting.cancel_reason:
        text += "\n" + t._("Lý do: {reason}").format(reason=meeting.cancel_reason)
    return text


def minutes_header(t: Translator, call: RollCall, tz: ZoneInfo) -> str:
    """The formulaic opening of the resolution, filled in and ready to paste into the minutes."""
    meeting = call.meeting
    local = meeting.starts_at.astimezone(tz)
    year, month = meeting.month.split("-")
    by_status: dict[Attendance, list[tuple[Person, str]]] = {s: [] for s in Attendance}
    for person in call.members:
        status, reason = call.marks[person.id]
        by_status[status].append((person, reason))
    excused = by_status[Attendance.EXCUSED]
    unexcused = by_status[Attendance.UNEXCUSED]
    exempt = by_status[Attendance.EXEMPT]
    kind = (
        t._("họp chi ủy")
        if meeting.kind is MeetingKind.COMMITTEE
        else t._("sinh hoạt chi bộ {kind}").format(kind=t._(meeting.kind.label))
    )
    total = len(call.members)
    absent = len(excused) + len(unexcused)
    parts = [
        t._("Ngày {date}, tại {place}, {unit} tổ chức {kind} tháng {month}/{year}.").format(
            date=t.short_date(local.date()),
            place=meeting.place,
            unit=call.unit.name,
            kind=kind,
            month=int(month),
            year=year,
        ),
        t._(
            "Tổng số đảng viên: {total}; có mặt: {present}; vắng mặt: {absent} (có lý do: "
            "{excused}, không có lý do: {unexcused})."
        ).format(
            total=total,
            present=len(by_status[Attendance.PRESENT]),
            absent=absent,
            excused=len(excused),
            unexcused=len(unexcused),
        ),
    ]
    if excused:
        parts.append(
            t._("Vắng có lý do: {names}.").format(
                names="; ".join(
                    t._("đ/c {name} ({reason})").format(name=p.full_name, reason=r or "—")
                    for p, r in excused
                )
            )
        )
    if unexcused:
        parts.append(
            t._("Vắng không có lý do: {names}.").format(
                names="; ".join(t._("đ/c {name}").format(name=p.full_name) for p, _r in unexcused)
            )
        )
    parts.append(
        t._("Đảng viên được miễn công tác, sinh hoạt đảng: {count}{names}.").format(
            count=len(exempt),
            names=(" (" + ", ".join(p.full_name for p, _r in exempt) + ")") if exempt else "",
        )
    )
    if meeting.duration_minutes is not None:
        parts.append(t._("Thời lượng: {minutes} phút.").format(minutes=meeting.duration_minutes))
    return t._("📝 Phần mở đầu nghị quyết (dán vào biên bản):") + "\n\n" + " ".join(parts)


RATINGS = ("good", "fair", "average", "poor")
RATING_LABELS = {
    "good": N_("Tốt"),
    "fair": N_("Khá"),
    "average": N_("Trung bình"),
    "poor": N_("Kém"),
}


def rating_request_text(t: Translator, meeting: Meeting, unit: Unit, tz: ZoneInfo) -> str:
    """The one question to each present member after the roll-call."""
    local = meeting.starts_at.astimezone(tz)
    return t._(
        "Cảm ơn đồng chí đã dự {title} ({date}).\n"
        "Đồng chí đánh giá buổi sinh hoạt hôm nay thế nào? Xin chọn một mức bên dưới; "
        "có thể góp ý thêm sau."
    ).format(title=meeting_title(t, meeting, unit), date=t.short_date(local.date()))


def flag_text(t: Translator, kind: str, params: Mapping[str, str], name: str, unit: Unit) -> str:
    """A flag as the secretary and the cadres read it."""
    flag = Flag(
        kind=FlagKind(kind),
        key="",
        unit_id=unit.id,
        person_id=None,
        meeting_id=None,
        params=params,
    )
    body = t._(flag.message).format(name=name, unit=unit.name, **params)
    return t._("⚠️ LƯU Ý — {unit}").format(unit=unit.name) + "\n" + body


def rating_choices(t: Translator, meeting_id: int) -> tuple[tuple[Choice, ...], ...]:
    """Tốt / Khá / Trung bình / Kém."""
    return rows((Choice(t._(RATING_LABELS[r]), Rate(meeting_id, r)) for r in RATINGS), 2)


def rated_text(t: Translator, rating: str) -> str:
    """The passing note after a rating."""
    return t._("Đã ghi: {rating}").format(rating=t._(RATING_LABELS[rating]))


def comment_prompt_text(t: Translator) -> str:
    """The optional comment after a rating: the member's next text is read as it."""
    return t._(
        "Cảm ơn đồng chí. Nếu muốn góp ý thêm về buổi sinh hoạt, xin nhắn góp ý vào đây; "
        "không bắt buộc (gõ /huy nếu không góp ý)."
    )


def may_not_rate_text(t: Translator) -> str:
    """A rating from someone not marked present on the closed roll-call."""
    return t._("Chỉ đảng viên có mặt ở buổi họp này mới đánh giá.")
