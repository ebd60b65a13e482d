"""Texts of the cadres' digests: one meeting, the month over every cell, the chart's words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bot.charts import ChartLabels
from bot.domain.digest import (
    GRADE_ORDER,
    LOW_GRADES,
    PETITION_STALE_DAYS,
    CellMonth,
    Concern,
    concerns,
    month_label,
    rank,
    stale_petitions,
    summarize,
    weakest_first,
)
from bot.domain.scorecard import percent_text
from bot.domain.text import natural_key
from bot.i18n import Translator
from bot.views.rollcall import RATING_LABELS, RATINGS

# Telegram refuses messages over 4,096 characters; this leaves room for a channel's additions.
MESSAGE_LIMIT = 4000
# The per-meeting digest stays short enough to read without scrolling.
MEETING_LIMIT = 1200
# Up to this many cells, the monthly digest gives each cell its own line.
EVERY_CELL_UP_TO = 5
# The most cells listed under "needing attention" in a long monthly digest.
ATTENTION_LISTED = 25
# The most names, flags and kiến nghị listed for one cell before "… và n khác".
NAMES_LISTED = 8
ITEMS_LISTED = 3
# Longest cell name, reason or kiến nghị shown before it is cut with "…".
NAME_CHARS = 60
TEXT_CHARS = 120


def _cut(text: str, limit: int) -> str:
    """One line of at most limit characters, cut with "…"."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _clip(text: str, limit: int) -> str:
    """The text cut at a line end so it fits in limit characters, with "…" when cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 2]
    end = head.rfind("\n")
    return (head[:end] if end > 0 else head) + "\n…"


def _points(t: Translator, value: Decimal) -> str:
    """A score in the reader's way of writing numbers, to one decimal at most: 92,5."""
    return t.number(float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)))


def _grade_text(t: Translator, score: Decimal, grade: str | None) -> str:
    if grade is None:
        return t._("{score} điểm").format(score=_points(t, score))
    return t._("{score} điểm, xếp loại {grade}").format(score=_points(t, score), grade=t._(grade))


def _more_people(t: Translator, n: int) -> str:
    return t.ngettext("… và {n} người khác", "… và {n} người khác", n).format(n=n)


def _listed(items: Sequence[str], limit: int, more: Callable[[int], str]) -> list[str]:
    """The first limit items, and a last one saying how many were left out."""
    if len(items) <= limit:
        return list(items)
    return [*items[:limit], more(len(items) - limit)]


def _ratings(t: Translator, cell: CellMonth, separator: str = " · ") -> str:
    """ "Tốt 10 · Khá 3", or an empty string when nobody rated the meeting."""
    return separator.join(
        t._("{label} {n}").format(label=t._(RATING_LABELS[key]), n=cell.ratings[key])
        for key in RATINGS
        if cell.ratings.get(key)
    )


def _days(t: Translator, days: int) -> str:
    return t.ngettext("{n} ngày", "{n} ngày", days).format(n=days)


def _petition(t: Translator, text: str, age: int) -> str:
    return t._("• {text} ({age})").format(text=_cut(text, TEXT_CHARS), age=_days(t, age))


def _not_held(t: Translator, cell: CellMonth) -> str:
    return t._("đã hủy buổi sinh hoạt") if cell.cancelled else t._("chưa sinh hoạt")


def concern_text(t: Translator, cell: CellMonth, concern: Concern) -> str:
    """One reason a cell needs attention, in a few words."""
    if concern in (Concern.NOT_HELD, Concern.CANCELLED):
        return _not_held(t, cell)
    if concern is Concern.LOW_ATTENDANCE:
        ratio = cell.attendance
        return t._("dự họp {ratio}").format(
            ratio=percent_text(ratio) if ratio is not None else "—"
        )
    if concern is Concern.UNEXCUSED:
        n = len(cell.unexcused)
        return t.ngettext("{n} vắng không lý do", "{n} vắng không lý do", n).format(n=n)
    if concern is Concern.LOW_GRADE:
        # LOW_GRADE means one of the two columns holds a low grade: name the worse one.
        low = [g for g in (cell.self_grade, cell.upper_grade) if g in LOW_GRADES]
        return t._("xếp loại {grade}").format(grade=t._(max(low, key=GRADE_ORDER.index)))
    if concern is Concern.FLAGS:
        n = len(cell.flags)
        return t.ngettext("{n} lưu ý", "{n} lưu ý", n).format(n=n)
    n = stale_petitions(cell)
    return t.ngettext("{n} kiến nghị quá {days} ngày", "{n} kiến nghị quá {days} ngày", n).format(
        n=n, days=PETITION_STALE_DAYS
    )


def _reasons(t: Translator, cell: CellMonth) -> str:
    return "; ".join(concern_text(t, cell, concern) for concern in concerns(cell))


# --- One meeting ------------------------------------------------------------------------------


def meeting_digest(t: Translator, cell: CellMonth, unit_parent: str | None) -> str:
    """The digest the assigned cadres get when a cell closes its meeting."""
    name = cell.cell
    if unit_parent:
        name = t._("{unit} ({parent})").format(unit=cell.cell, parent=unit_parent)
    lines = [
        t._("📊 KẾT QUẢ SINH HOẠT CHI BỘ THÁNG {month}").format(month=month_label(cell.month)),
        name,
    ]
    if cell.held_on is None or cell.cancelled:
        lines.append(
            t._("❌ Buổi sinh hoạt tháng này đã hủy.")
            if cell.cancelled
            else t._("❌ Chi bộ chưa sinh hoạt tháng này.")
        )
    else:
        lines.extend(_meeting_lines(t, cell, cell.held_on))
    if cell.flags:
        lines.append(t._("⚠️ Lưu ý:"))
        lines.extend(
            "• " + _cut(flag, TEXT_CHARS * 2)
            for flag in _listed(cell.flags, ITEMS_LISTED, lambda n: _more_flags(t, n))
        )
    if cell.open_petitions:
        lines.append(t._("📨 Kiến nghị chưa trả lời: {n}").format(n=len(cell.open_petitions)))
        oldest = sorted(cell.open_petitions, key=lambda item: -item[1])
        lines.extend(_petition(t, text, age) for text, age in oldest[:ITEMS_LISTED])
    return _clip("\n".join(lines), MEETING_LIMIT)


def _more_flags(t: Translator, n: int) -> str:
    return t.ngettext("… và {n} lưu ý khác", "… và {n} lưu ý khác", n).format(n=n)


def _meeting_lines(t: Translator, cell: CellMonth, held_on: date) -> list[str]:
    when = t._("📅 Ngày họp: {date}").format(date=t.short_date(held_on))
    if cell.duration_minutes is not None:
        minutes = cell.duration_minutes
        when += " · " + t.ngettext("⏱ {n} phút", "⏱ {n} phút", minutes).format(n=minutes)
    ratio = cell.attendance
    lines = [
        when,
        t._("✅ Có mặt: {present}/{expected} ({ratio})").format(
            present=cell.present,
            expected=cell.expected,
            ratio=percent_text(ratio) if ratio is not None else "—",
        ),
    ]
    excused = [
        t._("{name} ({reason})").format(name=who, reason=_cut(why, 40) or "—")
        for who, why in cell.excused
    ]
    unexcused = list(cell.unexcused)
    for label, label_named, names in (
        (t._("🙏 Vắng có lý do: {n}"), t._("🙏 Vắng có lý do: {n} — {names}"), excused),
        (t._("❌ Vắng không lý do: {n}"), t._("❌ Vắng không lý do: {n} — {names}"), unexcused),
    ):
        if not names:
            lines.append(label.format(n=0))
            continue
        shown = _listed(names, NAMES_LISTED, lambda n: _more_people(t, n))
        lines.append(label_named.format(n=len(names), names="; ".join(shown)))
    if cell.self_score is not None:
        lines.append(
            t._("📝 Chi bộ tự chấm: {result}").format(
                result=_grade_text(t, cell.self_score, cell.self_grade)
            )
        )
    else:
        lines.append(t._("📝 Chi bộ chưa tự chấm điểm."))
    if cell.upper_score is not None:
        lines.append(
            t._("🏛 Cấp ủy cấp trên chấm: {result}").format(
                result=_grade_text(t, cell.upper_score, cell.upper_grade)
            )
        )
    ratings = _ratings(t, cell)
    if ratings:
        votes = sum(cell.ratings.get(key, 0) for key in RATINGS)
        lines.append(
            t.ngettext(
                "⭐ Đảng viên đánh giá ({n} phiếu): {ratings}",
                "⭐ Đảng viên đánh giá ({n} phiếu): {ratings}",
                votes,
            ).format(n=votes, ratings=ratings)
        )
    else:
        lines.append(t._("⭐ Chưa có đảng viên đánh giá buổi sinh hoạt."))
    return lines


# --- The month --------------------------------------------------------------------------------


def _standing(t: Translator, cell: CellMonth) -> str:
    """A cell with the one figure that placed it: its score, else attendance, else why not."""
    name = _cut(cell.cell, NAME_CHARS)
    if not cell.held:
        figure = _not_held(t, cell)
    elif cell.score is not None:
        figure = t._("{score} điểm").format(score=_points(t, cell.score))
    elif cell.attendance is not None:
        figure = t._("dự họp {ratio}").format(ratio=percent_text(cell.attendance))
    else:
        return name
    return t._("{cell} ({figure})").format(cell=name, figure=figure)


def _headline(t: Translator, cadre_name: str, month: str, cells: Sequence[CellMonth]) -> list[str]:
    summary = summarize(cells)
    lines = [
        t._("📊 BÁO CÁO SINH HOẠT CHI BỘ THÁNG {month}").format(month=month_label(month)),
        t._("Kính gửi đồng chí {name},").format(name=cadre_name),
        t.ngettext(
            "🏛 Đã sinh hoạt: {held}/{total} chi bộ",
            "🏛 Đã sinh hoạt: {held}/{total} chi bộ",
            summary.cells,
        ).format(held=summary.held, total=summary.cells),
    ]
    if summary.attendance is not None:
        lines.append(
            t._("👥 Dự họp bình quân: {ratio}").format(ratio=percent_text(summary.attendance))
        )
    if summary.score is not None:
        lines.append(t._("📝 Điểm bình quân: {score}").format(score=_points(t, summary.score)))
    counts = [t._("{label} {n}").format(label=t._(grade), n=n) for grade, n in summary.grades]
    if summary.not_scored:
        counts.append(t._("chưa chấm {n}").format(n=summary.not_scored))
    if counts:
        lines.append(t._("🏅 Xếp loại: {counts}").format(counts=" · ".join(counts)))
    if summary.open_petitions:
        lines.append(
            t.ngettext(
                "📨 Kiến nghị chưa trả lời: {n}, quá {days} ngày: {stale}",
                "📨 Kiến nghị chưa trả lời: {n}, quá {days} ngày: {stale}",
                PETITION_STALE_DAYS,
            ).format(
                n=summary.open_petitions,
                days=PETITION_STALE_DAYS,
                stale=summary.stale_petitions,
            )
        )
    best, weakest = rank(cells)
    attention = [cell for cell in weakest if concerns(cell)]
    if best:
        lines.append(
            t._("🏆 Tốt nhất: {cells}").format(
                cells=", ".join(_standing(t, cell) for cell in best)
            )
        )
    if attention:
        lines.append(
            t._("⚠️ Cần quan tâm: {cells}").format(
                cells=", ".join(_standing(t, cell) for cell in attention)
            )
        )
    elif summary.needing_attention == 0:
        lines.append(t._("✅ Không chi bộ nào cần quan tâm."))
    return lines


def _cell_lines(t: Translator, cell: CellMonth) -> list[str]:
    """Every cell's line in a short monthly digest, with its flags and kiến nghị below."""
    parts: list[str] = []
    if not cell.held or cell.held_on is None:
        parts.append(_not_held(t, cell))
    else:
        parts.append(t._("họp {date}").format(date=t.short_date(cell.held_on)))
        ratio = cell.attendance
        parts.append(
            t._("có mặt {present}/{expected} ({ratio})").format(
                present=cell.present,
                expected=cell.expected,
                ratio=percent_text(ratio) if ratio is not None else "—",
            )
        )
        if cell.score is not None:
            parts.append(_grade_text(t, cell.score, cell.grade))
        else:
            parts.append(t._("chưa chấm điểm"))
        ratings = _ratings(t, cell, ", ")
        if ratings:
            parts.append(t._("đảng viên đánh giá: {ratings}").format(ratings=ratings))
    lines = [
        t._("• {cell}: {details}").format(
            cell=_cut(cell.cell, NAME_CHARS), details=" · ".join(parts)
        )
    ]
    shown = [c for c in concerns(cell) if c not in (Concern.NOT_HELD, Concern.CANCELLED)]
    if shown:
        lines.append("   ⚠️ " + "; ".join(concern_text(t, cell, concern) for concern in shown))
    lines.extend(
        "   – " + _cut(flag, TEXT_CHARS * 2)
        for flag in _listed(cell.flags, ITEMS_LISTED, lambda n: _more_flags(t, n))
    )
    oldest = sorted(cell.open_petitions, key=lambda item: -item[1])[:ITEMS_LISTED]
    lines.extend("   " + _petition(t, text, age) for text, age in oldest)
    return lines


def monthly_digest(t: Translator, cadre_name: str, month: str, cells: Sequence[CellMonth]) -> str:
    """One cadre's monthly digest over every cell they follow, under Telegram's limit."""
    if not cells:
        return "\n".join(
            [
                t._("📊 BÁO CÁO SINH HOẠT CHI BỘ THÁNG {month}").format(month=month_label(month)),
                t._("Kính gửi đồng chí {name},").format(name=cadre_name),
                t._("Đồng chí chưa được phân công theo dõi chi bộ nào."),
            ]
        )
    head = _headline(t, cadre_name, month, cells)
    note = t._("📈 Biểu đồ dự họp và điểm từng chi bộ gửi kèm theo.")
    if len(cells) <= EVERY_CELL_UP_TO:
        by_name = sorted(cells, key=lambda cell: (natural_key(cell.cell), cell.unit_id))
        body = [line for cell in by_name for line in _cell_lines(t, cell)]
        return _clip("\n".join([*head, "", *body, "", note]), MESSAGE_LIMIT)
    needing = [cell for cell in weakest_first(cells) if concerns(cell)]
    if not needing:
        return _clip("\n".join([*head, "", note]), MESSAGE_LIMIT)
    heading = t.ngettext(
        "Các chi bộ cần quan tâm ({n}):", "Các chi bộ cần quan tâm ({n}):", len(needing)
    ).format(n=len(needing))
    lines = [*head, "", heading]
    # Room for the "… và n chi bộ khác" line and the chart note, whatever is left out.
    reserve = len(note) + 80
    used = sum(len(line) + 1 for line in lines)
    listed = 0
    for cell in needing[:ATTENTION_LISTED]:
        line = t._("• {cell}: {details}").format(
            cell=_cut(cell.cell, NAME_CHARS), details=_reasons(t, cell)
        )
        if used + len(line) + 1 + reserve > MESSAGE_LIMIT:
            break
        lines.append(line)
        used += len(line) + 1
        listed += 1
    if listed < len(needing):
        left = len(needing) - listed
        lines.append(
            t.ngettext("… và {n} chi bộ khác", "… và {n} chi bộ khác", left).format(n=left)
        )
    return _clip("\n".join([*lines, "", note]), MESSAGE_LIMIT)


def monthly_caption(t: Translator, month: str) -> str:
    """The caption under the monthly chart."""
    return t._(
        "📈 Sinh hoạt chi bộ tháng {month}: bên trái, tỉ lệ dự họp (cột) và điểm (hình thoi) "
        "từng chi bộ; bên phải, bình quân các tháng gần đây."
    ).format(month=month_label(month))


def chart_title(t: Translator, month: str) -> str:
    """The title drawn on the monthly chart."""
    return t._("Dự họp và điểm sinh hoạt chi bộ tháng {month}").format(month=month_label(month))


def chart_labels(t: Translator) -> ChartLabels:
    """The chart's words in the reader's language."""
    return ChartLabels(
        cells_panel=t._("Từng chi bộ"),
        trend_panel=t._("Các tháng gần đây"),
        attendance=t._("Dự họp (%)"),
        score=t._("Điểm"),
        threshold=t._("Ngưỡng 85%"),
        average_attendance=t._("Dự họp bình quân (%)"),
        average_score=t._("Điểm bình quân"),
        not_held=t._("chưa họp"),
        hidden=t._("… {n} chi bộ khác"),
        no_data=t._("Chưa có số liệu"),
    )
