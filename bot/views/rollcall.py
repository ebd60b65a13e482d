"""Texts of the room: the roll-call message and the header of the minutes."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from bot.domain.acts import Rate
from bot.domain.meetings import Meeting
from bot.domain.models import N_, Person, Unit
from bot.domain.rules import Attendance, Flag, FlagKind
from bot.domain.schedule import MeetingKind
from bot.i18n import Translator
from bot.services.rollcall import RollCall
from bot.views.meetings import meeting_title
from bot.views.reply import Choice, rows


def rollcall_text(
    t: Translator, call: RollCall, tz: ZoneInfo, icons: dict[Attendance, str]
) -> str:
    """The roll-call: counts, then every member with their mark; exempt members apart."""
    local = call.meeting.starts_at.astimezone(tz)
    head = t._("📋 ĐIỂM DANH — {title}").format(title=meeting_title(t, call.meeting, call.unit))
    lines = [
        head,
        t._("{time}, {date}").format(time=t.time(local), date=t.date(local.date())),
        t._("Có mặt: {present} · Vắng có lý do: {excused} · Vắng không lý do: {unexcused}").format(
            present=call.count(Attendance.PRESENT),
            excused=call.count(Attendance.EXCUSED),
            unexcused=call.count(Attendance.UNEXCUSED),
        ),
    ]
    if call.closed:
        lines.append(t._("Đã đóng điểm danh."))
        if call.meeting.duration_minutes is not None:
            lines.append(
                t._("Đã kết thúc; thời lượng {minutes} phút.").format(
                    minutes=call.meeting.duration_minutes
                )
            )
    else:
        lines.append(t._("Bấm tên để đổi có mặt ⇄ vắng."))
    lines.append("")
    exempt: list[Person] = []
    number = 0
    for person in call.members:
        status, reason = call.marks[person.id]
        if status is Attendance.EXEMPT:
            exempt.append(person)
            continue
        number += 1
        extra = ""
        if reason and status is Attendance.EXCUSED:
            extra = " — " + reason
        elif status is Attendance.UNEXCUSED and person.id not in call.answered:
            extra = " " + t._("(chưa báo tham dự)")
        lines.append(f"{number}. {icons[status]} {person.full_name}{extra}")
    if exempt:
        lines.append("")
        lines.append(
            t._("Miễn sinh hoạt: {names}").format(names=", ".join(p.full_name for p in exempt))
        )
    return "\n".join(lines)


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
        "Đồng chí đánh giá buổi sinh hoạt hôm nay thế nào? Bấm một nút; có thể góp ý thêm sau."
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
