"""Texts of the cadres' digests: one meeting, the month over every cell, the chart's words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bot.charts import ChartLabels
from bot.domain.digest import (
    AVERAGE,
    PETITION_STALE_DAYS,
    POOR,
    CellMonth,
    Concern,
    MonthSummary,
    by_severity,
    concerns,
    is_ambiguous,
    month_label,
    rank,
    same_names,
    stale_petitions,
    summarize,
)
from bot.domain.models import N_
from bot.domain.rules import FlagKind
from bot.domain.scorecard import percent_text
from bot.domain.text import natural_key, utf16_length
from bot.i18n import Translator
from bot.views.rollcall import RATING_LABELS, RATINGS

# Telegram refuses messages over 4,096 characters (UTF-16 units); this leaves room for a
# channel's additions.
MESSAGE_LIMIT = 4000
# Zalo takes 2,000: a channel splits the digest at blank lines, so no paragraph is longer.
PARAGRAPH_LIMIT = 1900
# The cells named under "⚠️ Cần quan tâm": the ones a cadre should phone this week.
ATTENTION_HEADLINE = 5
# The most reasons shown beside a cell in that short list.
HEADLINE_REASONS = 2
# The per-meeting digest stays short enough to read without scrolling.
MEETING_LIMIT = 1200
# Up to this many cells, the monthly digest gives each cell its own line.
EVERY_CELL_UP_TO = 5
# The most cells listed under "the other cells needing attention" in a long monthly digest.
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
    """The text cut at a line end so it fits in limit UTF-16 units, with "…" when cut."""
    if utf16_length(text) <= limit:
        return text
    head = text[: limit - 2]
    while utf16_length(head) > limit - 2:
        head = head[: len(head) - (utf16_length(head) - (limit - 2))]
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
    if concern is Concern.POOR_GRADE:
        return t._("xếp loại {grade}").format(grade=t._(POOR))
    if concern is Concern.AVERAGE_GRADE:
        return t._("xếp loại {grade}").format(grade=t._(AVERAGE))
    if concern is Concern.UNEXCUSED:
        n = len(cell.unexcused)
        return t.ngettext("{n} vắng không lý do", "{n} vắng không lý do", n).format(n=n)
    if concern is Concern.UNEXCUSED_MONTHS:
        n = cell.flag_kinds.count(FlagKind.UNEXCUSED_3_MONTHS)
        return t.ngettext(
            "{n} đảng viên vắng không lý do 3 tháng trong năm",
            "{n} đảng viên vắng không lý do 3 tháng trong năm",
            n,
        ).format(n=n)
    if concern is Concern.EXCUSED_STREAK:
        n = cell.flag_kinds.count(FlagKind.EXCUSED_STREAK)
        return t.ngettext(
            "{n} đảng viên vắng có lý do quá 3 lần liên tiếp",
            "{n} đảng viên vắng có lý do quá 3 lần liên tiếp",
            n,
        ).format(n=n)
    if concern is Concern.LOW_ATTENDANCE:
        ratio = cell.attendance
        return t._("dự họp {ratio}").format(
            ratio=percent_text(ratio) if ratio is not None else "—"
        )
    if concern is Concern.NOT_SCORED:
        return t._("chưa chấm điểm")
    n = stale_petitions(cell)
    return t.ngettext("{n} kiến nghị quá {days} ngày", "{n} kiến nghị quá {days} ngày", n).format(
        n=n, days=PETITION_STALE_DAYS
    )


def _reasons(t: Translator, cell: CellMonth, limit: int | None = None) -> str:
    return "; ".join(concern_text(t, cell, concern) for concern in concerns(cell)[:limit])


def _cell_name(t: Translator, cell: CellMonth, repeated: frozenset[str]) -> str:
    """The cell's name, with the unit above it when another cell has the same name."""
    name = _cut(cell.cell, NAME_CHARS)
    if cell.parent and is_ambiguous(cell, repeated):
        return t._("{cell} – {parent}").format(cell=name, parent=_cut(cell.parent, NAME_CHARS))
    return name


# Short words for the kinds of reason, as the monthly digest counts them.
_KIND_WORDS = {
    "sick": N_("ốm"),
    "work": N_("công tác"),
    "family": N_("gia đình"),
    "away": N_("làm ăn xa"),
    "other": N_("khác"),
    "": N_("chưa phân loại"),
}


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


def _standing(t: Translator, cell: CellMonth, repeated: frozenset[str]) -> str:
    """A cell with the one figure that placed it among the best: its score, else attendance."""
    name = _cell_name(t, cell, repeated)
    if cell.score is not None:
        figure = t._("{score} điểm").format(score=_points(t, cell.score))
    elif cell.attendance is not None:
        figure = t._("dự họp {ratio}").format(ratio=percent_text(cell.attendance))
    else:
        return name
    return t._("{cell} ({figure})").format(cell=name, figure=figure)


def _absences(t: Translator, summary: MonthSummary) -> list[str]:
    """Absences at the month's meetings: with a reason, by kind; without one."""
    if not summary.excused and not summary.unexcused:
        return []
    kinds = ", ".join(
        t._("{kind} {n}").format(kind=t._(_KIND_WORDS.get(kind, _KIND_WORDS["other"])), n=n)
        for kind, n in summary.excused_kinds
    )
    if kinds:
        excused = t._("🙏 Vắng có lý do: {n} — {kinds}").format(n=summary.excused, kinds=kinds)
    else:
        excused = t._("🙏 Vắng có lý do: {n}").format(n=summary.excused)
    return [excused, t._("❌ Vắng không lý do: {n}").format(n=summary.unexcused)]


def _figures(t: Translator, summary: MonthSummary) -> list[str]:
    """The month in figures: meetings held, attendance, scores, grades, absences, kiến nghị."""
    lines = [
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
    lines.extend(_absences(t, summary))
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
    return lines


def _attention_line(
    t: Translator, cell: CellMonth, repeated: frozenset[str], limit: int | None = None
) -> str:
    return t._("• {cell}: {details}").format(
        cell=_cell_name(t, cell, repeated), details=_reasons(t, cell, limit)
    )


def _paragraphs(
    t: Translator, cadre_name: str, month: str, cells: Sequence[CellMonth]
) -> list[list[str]]:
    """The head of a monthly digest, paragraph by paragraph: greeting, figures, the best, and
    the few cells to call first, each with its most serious reasons."""
    summary = summarize(cells)
    repeated = same_names(cells)
    paragraphs = [
        [
            t._("📊 BÁO CÁO SINH HOẠT CHI BỘ THÁNG {month}").format(month=month_label(month)),
            t._("Kính gửi đồng chí {name},").format(name=_cut(cadre_name, NAME_CHARS)),
        ],
        _figures(t, summary),
    ]
    best, _weakest = rank(cells)
    if best:
        paragraphs.append(
            [
                t._("🏆 Tốt nhất: {cells}").format(
                    cells=", ".join(_standing(t, cell, repeated) for cell in best)
                )
            ]
        )
    needing = by_severity(cells)
    if not needing:
        paragraphs.append([t._("✅ Không chi bộ nào cần quan tâm.")])
        return paragraphs
    if len(cells) <= EVERY_CELL_UP_TO:
        # Every cell has its own lines with its reasons below: name them only, first to call
        # first.
        names = ", ".join(_cell_name(t, cell, repeated) for cell in needing)
        paragraphs.append([t._("⚠️ Cần quan tâm: {cells}").format(cells=names)])
        return paragraphs
    first = needing[:ATTENTION_HEADLINE]
    attention = [
        t.ngettext(
            "⚠️ Cần quan tâm ({n} chi bộ), trước hết:",
            "⚠️ Cần quan tâm ({n} chi bộ), trước hết:",
            len(needing),
        ).format(n=len(needing))
        if len(needing) > len(first)
        else t._("⚠️ Cần quan tâm:"),
        *(_attention_line(t, cell, repeated, HEADLINE_REASONS) for cell in first),
    ]
    paragraphs.append(attention)
    return paragraphs


def _cell_lines(t: Translator, cell: CellMonth, repeated: frozenset[str]) -> list[str]:
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
            cell=_cell_name(t, cell, repeated), details=" · ".join(parts)
        )
    ]
    shown = [
        c
        for c in concerns(cell)
        if c not in (Concern.NOT_HELD, Concern.CANCELLED, Concern.NOT_SCORED)
    ]
    if shown:
        lines.append("   ⚠️ " + "; ".join(concern_text(t, cell, concern) for concern in shown))
    lines.extend(
        "   – " + _cut(flag, TEXT_CHARS * 2)
        for flag in _listed(cell.flags, ITEMS_LISTED, lambda n: _more_flags(t, n))
    )
    oldest = sorted(cell.open_petitions, key=lambda item: -item[1])[:ITEMS_LISTED]
    lines.extend("   " + _petition(t, text, age) for text, age in oldest)
    return lines


def _fitted(lines: list[str], budget: int) -> list[str]:
    """The first lines that fit in budget UTF-16 units (each with its line break)."""
    kept: list[str] = []
    used = 0
    for line in lines:
        size = utf16_length(line) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return kept


def _joined(paragraphs: Sequence[Sequence[str]]) -> str:
    return "\n\n".join("\n".join(lines) for lines in paragraphs if lines)


def monthly_digest(t: Translator, cadre_name: str, month: str, cells: Sequence[CellMonth]) -> str:
    """One cadre's monthly digest over every cell they follow, under Telegram's limit.

    Paragraphs are separated by blank lines and none is longer than PARAGRAPH_LIMIT, so a
    channel with shorter messages (Zalo) splits between them.
    """
    if not cells:
        return "\n".join(
            [
                t._("📊 BÁO CÁO SINH HOẠT CHI BỘ THÁNG {month}").format(month=month_label(month)),
                t._("Kính gửi đồng chí {name},").format(name=_cut(cadre_name, NAME_CHARS)),
                t._("Đồng chí chưa được phân công theo dõi chi bộ nào."),
            ]
        )
    head = _paragraphs(t, cadre_name, month, cells)
    note = [t._("📈 Biểu đồ dự họp và điểm từng chi bộ gửi kèm theo.")]
    repeated = same_names(cells)
    if len(cells) <= EVERY_CELL_UP_TO:
        by_name = sorted(cells, key=lambda cell: (natural_key(cell.cell), cell.unit_id))
        # Each cell is a paragraph; together they share what the head and the note leave.
        room = MESSAGE_LIMIT - utf16_length(_joined([*head, note])) - 2 * len(by_name)
        share = max(0, min(PARAGRAPH_LIMIT, room // len(by_name)))
        body = [_fitted(_cell_lines(t, cell, repeated), share) for cell in by_name]
        return _clip(_joined([*head, *body, note]), MESSAGE_LIMIT)
    rest = by_severity(cells)[ATTENTION_HEADLINE:]
    if not rest:
        return _clip(_joined([*head, note]), MESSAGE_LIMIT)
    heading = t.ngettext(
        "Các chi bộ khác cần quan tâm ({n}):", "Các chi bộ khác cần quan tâm ({n}):", len(rest)
    ).format(n=len(rest))
    # Room for the "… và n chi bộ khác" line, whatever is left out; the whole list is one
    # paragraph and the message stays under the limit.
    more_room = 40
    room = MESSAGE_LIMIT - utf16_length(_joined([*head, note])) - 4 - more_room
    budget = min(PARAGRAPH_LIMIT - more_room, room) - utf16_length(heading) - 1
    candidates = [_attention_line(t, cell, repeated) for cell in rest[:ATTENTION_LISTED]]
    listed = _fitted([_cut(line, TEXT_CHARS * 2) for line in candidates], max(0, budget))
    listing = [heading, *listed]
    if len(listed) < len(rest):
        left = len(rest) - len(listed)
        listing.append(
            t.ngettext("… và {n} chi bộ khác", "… và {n} chi bộ khác", left).format(n=left)
        )
    return _clip(_joined([*head, listing, note]), MESSAGE_LIMIT)


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
