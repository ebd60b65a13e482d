"""The scorecard's texts and choices: the question of a criterion, the summary, the meetings."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.acts import Score
from bot.domain.scorecard import Card
from bot.i18n import Translator
from bot.views.reply import Choice, rows

if TYPE_CHECKING:
    from bot.services.scoring import Sheet

SELF = "self"
# More meetings than this are not offered at once (a cadre following many cells).
MAX_OFFERED = 40


def nothing_to_score_text(t: Translator) -> str:
    """No meeting can be scored by this person now."""
    return t._(
        "Chưa có buổi sinh hoạt nào đã đóng điểm danh để chấm điểm (hoặc đồng chí "
        "không có quyền chấm)."
    )


def pick_meeting_text(t: Translator) -> str:
    """Above the meetings a cadre (or a secretary who also follows cells) can score."""
    return t._("Chọn buổi sinh hoạt cần chấm:")


def upper_label(t: Translator, unit_name: str) -> str:
    """A followed cell, scored in the upper column."""
    return t._("{unit} (cấp trên chấm)").format(unit=unit_name)


def meeting_choices(
    offers: Sequence[tuple[int, str, str]],
) -> tuple[tuple[Choice, ...], ...]:
    """One choice per (meeting, column, label) offered, the first MAX_OFFERED of them."""
    return rows(
        Choice(label, Score(mid, board, "open")) for mid, board, label in offers[:MAX_OFFERED]
    )


def refused_text(t: Translator) -> str:
    """A step on a card this person may not score (another cell's, a cancelled meeting...)."""
    return t._("Đồng chí không có quyền chấm điểm buổi sinh hoạt này.")


def old_step_text(t: Translator) -> str:
    """Points for a criterion that is no longer the one asked."""
    return t._("Nút này không còn hiệu lực.")


def incomplete_text(t: Translator) -> str:
    """Confirm pressed with criteria still unscored."""
    return t._("Còn tiêu chí chưa chấm.")


def set_aside_text(t: Translator, command: str) -> str:
    """What /huy left: the card, whose points are kept."""
    return t._(
        "phiếu chấm điểm đang dở (điểm đã chấm vẫn được giữ, chưa xác nhận; gõ {command} để "
        "chấm tiếp)"
    ).format(command=command)


def question_text(t: Translator, sheet: Sheet, card: Card, tz: ZoneInfo) -> str:
    """The criterion being asked (with the bot's suggestion), or the summary at the end."""
    head = t._("📊 Chấm điểm — {unit}, {date} ({column})").format(
        unit=sheet.unit.name,
        date=t.short_date(sheet.meeting.starts_at.astimezone(tz).date()),
        column=t._("chi bộ tự chấm") if sheet.board == SELF else t._("cấp trên chấm"),
    )
    criterion = sheet.current
    if criterion is None:
        return _summary(t, sheet, head, card)
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
    lines.append(t._("Chọn hoặc gõ số điểm (như 4 hoặc 4,5); gõ «quay lại» để về tiêu chí trước."))
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


def card_choices(t: Translator, sheet: Sheet) -> tuple[tuple[Choice, ...], ...]:
    """Points for the criterion asked (and the suggestion), confirm at the end, back."""
    meeting, board = sheet.meeting.id, sheet.board
    criterion = sheet.current
    found: list[tuple[Choice, ...]] = []
    if criterion is not None:
        top = criterion.max_points
        values = (
            [top - i for i in range(0, 6) if top - i >= 0]
            if top > 5
            else [Decimal(v) for v in range(int(top), -1, -1)]
        )
        found.append(
            tuple(
                Choice(t.number(v), Score(meeting, board, "pt", criterion.code, str(v)))
                for v in values
            )
        )
        hint = sheet.suggestions.get(criterion.code)
        if hint is not None:
            found.append(
                (
                    Choice(
                        t._("Dùng gợi ý: {points}").format(points=t.number(hint.points)),
                        Score(meeting, board, "pt", criterion.code, str(hint.points)),
                    ),
                )
            )
    elif not sheet.confirmed:
        found.append((Choice(t._("✔️ Xác nhận"), Score(meeting, board, "ok")),))
    if sheet.position > 0:
        found.append((Choice(t._("↩ Quay lại"), Score(meeting, board, "back")),))
    return tuple(found)
