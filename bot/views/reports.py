"""Texts of /baocao (/report) and /xuat (/export): examples, refusals, captions."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from bot.domain.digest import CellMonth
from bot.domain.models import Unit
from bot.domain.months import Month, MonthError, Period
from bot.domain.text import shorten
from bot.i18n import Translator
from bot.services.reports import CellReport
from bot.views.rollcall import flag_text

# More names than this make a long caption; the count says enough.
_NAMED_CELLS = 3


def rendered(t: Translator, report: CellReport) -> CellMonth:
    """A cell's month with its flags written out in the reader's language."""
    lines = tuple(
        flag_text(t, kind, params, name, report.unit).split("\n", 1)[-1]
        for kind, params, name in report.flags
    )
    return dataclasses.replace(report.month, flags=lines)


def report_examples(t: Translator, command: str) -> str:
    """What to type after /baocao."""
    return t._(
        "Ví dụ: {command} (tháng trước), {command} tháng này, {command} 11/2026, "
        "{command} T11 Chi bộ xóm 9"
    ).format(command=command)


def report_month_error(t: Translator, error: MonthError, command: str) -> str:
    """Why the month after /baocao was not understood, with examples."""
    return error.render(t._) + "\n" + report_examples(t, command)


def report_needs_month(t: Translator, command: str) -> str:
    """A year typed after /baocao: the report is monthly."""
    return t._("Báo cáo theo từng tháng, xin ghi tháng.") + "\n" + report_examples(t, command)


def not_followed_text(t: Translator, name: str, command: str) -> str:
    """/baocao with a unit the person neither leads nor follows."""
    return t._(
        "Đồng chí không theo dõi đơn vị «{name}». Gõ {command} để xem các chi bộ của đồng chí."
    ).format(name=shorten(name), command=command)


def export_examples(t: Translator, command: str) -> str:
    """What to type after /xuat."""
    return t._(
        "Ví dụ: {command} (tháng này), {command} 11/2026, {command} tháng 11, {command} T11, "
        "{command} 2026 (cả năm)."
    ).format(command=command)


def cells_text(t: Translator, cells: Sequence[Unit]) -> str:
    """The cells of an export: named when few, counted when many."""
    if len(cells) > _NAMED_CELLS:
        return t.ngettext("{n} chi bộ", "{n} chi bộ", len(cells)).format(n=len(cells))
    return ", ".join(unit.name for unit in cells)


def period_text(t: Translator, period: Period) -> str:
    """ "tháng 11/2026" or "năm 2026"."""
    if isinstance(period, Month):
        return t._("tháng {month}").format(month=period.label)
    return t._("năm {year}").format(year=period.label)


def export_empty_text(t: Translator, period: Period, cells: Sequence[Unit], command: str) -> str:
    """Nothing held and no kiến nghị in the period."""
    return (
        t._("Chưa có buổi sinh hoạt nào đã điểm danh trong {period} của {units}.").format(
            period=period_text(t, period), units=cells_text(t, cells)
        )
        + "\n"
        + export_examples(t, command)
    )


def export_caption(t: Translator, period: Period, cells: Sequence[Unit]) -> str:
    """The caption of the workbook."""
    return t._(
        "Bảng tính {period} của {units}: điểm danh, chấm điểm, đánh giá, kiến nghị."
    ).format(period=period_text(t, period), units=cells_text(t, cells))
