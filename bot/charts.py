"""The monthly digest's chart: attendance and score per cell, and the recent trend, as a PNG."""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.domain.digest import CellMonth, is_ambiguous, month_label, ordered, same_names
from bot.domain.rules import LOW_ATTENDANCE_BELOW

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontProperties

# DejaVu Sans ships with matplotlib and has every Vietnamese letter; it is named on every
# text so a local matplotlibrc cannot swap in a font without them.
FONT = "DejaVu Sans"
# With more cells than this, the left panel shows the best and the weakest only.
ALL_CELLS_UP_TO = 25
SHOWN_BEST = 5
SHOWN_WEAKEST = 20
# With fewer cells, the bars stay as thin as if there were this many.
MIN_ROWS = 8
# Cell names longer than this are cut on the axis; so is the commune beside a repeated name.
LABEL_CHARS = 30
PARENT_CHARS = 24
_WIDTH_INCHES, _HEIGHT_INCHES, _DPI = 11.0, 6.6, 100
_GOOD, _LOW, _NONE, _SCORE, _TREND_SCORE = "#2e7d32", "#e08a00", "#bdbdbd", "#1a237e", "#c62828"


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words, already translated; `hidden` holds a {n} placeholder."""

    cells_panel: str  # "Từng chi bộ"
    trend_panel: str  # "6 tháng gần nhất"
    attendance: str  # "Dự họp (%)"
    score: str  # "Điểm"
    threshold: str  # "Ngưỡng 85%"
    average_attendance: str  # "Dự họp bình quân (%)"
    average_score: str  # "Điểm bình quân"
    not_held: str  # "chưa họp"
    hidden: str  # "… {n} chi bộ khác"
    no_data: str  # "Chưa có số liệu"


# Both legends sit under their panel, in one row.
_LEGEND: dict[str, Any] = {
    "loc": "upper center",
    "bbox_to_anchor": (0.5, -0.06),
    "ncols": 3,
    "frameon": False,
}


@cache
def _charmap() -> frozenset[int]:
    """The code points the font can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=FONT))
    return frozenset(FT2Font(path).get_charmap())


def _drawable(text: str, limit: int | None = None) -> str:
    """One line the font can draw: composed letters, nothing it lacks, cut to limit."""
    # A name typed with combining accents (NFD) draws badly; composed it is one glyph.
    charmap = _charmap()
    composed = unicodedata.normalize("NFC", text)
    kept = " ".join("".join(ch for ch in composed if ord(ch) in charmap).split())
    if limit is not None and len(kept) > limit:
        kept = kept[: limit - 1].rstrip() + "…"
    # Two dollar signs would start mathtext: a name is always plain text.
    return kept.replace("$", r"\$")


def _float(value: Decimal | None, scale: int = 1) -> float:
    return math.nan if value is None else float(value) * scale


def _font(size: float, weight: str = "normal") -> FontProperties:
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=FONT, size=size, weight=weight)


def row_labels(rows: Sequence[CellMonth], cells: Sequence[CellMonth]) -> list[str]:
    """The axis labels of these rows: the cell's name, and its commune beside it when another
    of the chart's cells bears the same name ("Chi bộ thôn 13 – Đảng bộ xã Số 2")."""
    repeated = same_names(cells)
    labels = []
    for cell in rows:
        name = _drawable(cell.cell, LABEL_CHARS)
        if cell.parent and is_ambiguous(cell, repeated):
            name = f"{name} – {_drawable(cell.parent, PARENT_CHARS)}"
        labels.append(name)
    return labels


def _shown(cells: Sequence[CellMonth]) -> tuple[list[CellMonth], int]:
    """The rows of the left panel, strongest first, and how many cells were left out."""
    rows = ordered(cells)
    if len(rows) <= ALL_CELLS_UP_TO:
        return rows, 0
    return rows[:SHOWN_BEST] + rows[-SHOWN_WEAKEST:], len(rows) - SHOWN_BEST - SHOWN_WEAKEST


def _cells_panel(ax: Axes, cells: Sequence[CellMonth], labels: ChartLabels) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.set_title(_drawable(labels.cells_panel), fontproperties=_font(11, "bold"))
    rows, hidden = _shown(cells)
    if not rows:
        _no_data(ax, labels)
        return
    # Rows from the top: the best, a gap row naming how many are left out, the weakest.
    positions: list[float] = []
    for index in range(len(rows)):
        gap = 1 if hidden and index >= SHOWN_BEST else 0
        positions.append(-(index + gap))
    names = row_labels(rows, cells)
    small = 7.0 if len(rows) > 15 else 8.5
    attendance = [_float(cell.attendance, 100) for cell in rows]
    colours = [
        _NONE
        if cell.attendance is None
        else (_LOW if cell.attendance < LOW_ATTENDANCE_BELOW else _GOOD)
        for cell in rows
    ]
    ax.barh(positions, [0.0 if math.isnan(a) else a for a in attendance], 0.7, color=colours)
    scores = [_float(cell.score) if cell.held else math.nan for cell in rows]
    marker_size = 5 if len(rows) > 15 else 6
    ax.plot(scores, positions, linestyle="none", marker="D", markersize=marker_size, color=_SCORE)
    threshold = float(LOW_ATTENDANCE_BELOW) * 100
    ax.axvline(threshold, color=_LOW, linestyle="--", linewidth=1)
    not_held = _drawable(labels.not_held)
    for y, cell, share in zip(positions, rows, attendance, strict=True):
        text = not_held if cell.attendance is None else f"{math.floor(share)}%"
        ax.text(1, y, text, va="center", fontproperties=_font(small - 0.5), color="#212121")
    if hidden:
        ax.text(
            50,
            -SHOWN_BEST,
            _drawable(labels.hidden.format(n=hidden)),
            ha="center",
            va="center",
            fontproperties=_font(small, "bold"),
            color="#616161",
        )
    top = max([100.0] + [s for s in scores if not math.isnan(s)])
    ax.set_xlim(0, top * 1.04)
    # A few cells keep thin bars: the axis always has room for at least MIN_ROWS of them.
    pad = max(0.0, (MIN_ROWS - 1 + min(positions)) / 2)
    ax.set_ylim(min(positions) - 0.6 - pad, 0.6 + pad)
    ax.set_yticks(positions, names)
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(_font(small))
    for tick in ax.get_xticklabels():
        tick.set_fontproperties(_font(8))
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    # Explicit handles: the bars' colours vary, the legend shows the colour of a good one.
    handles = [
        Patch(color=_GOOD, label=_drawable(labels.attendance)),
        Line2D([], [], linestyle="none", marker="D", color=_SCORE, label=_drawable(labels.score)),
        Line2D([], [], linestyle="--", color=_LOW, label=_drawable(labels.threshold)),
    ]
    ax.legend(handles=handles, prop=_font(8.5), **_LEGEND)


def _trend_panel(
    ax: Axes, trend: Sequence[tuple[str, Decimal | None, Decimal | None]], labels: ChartLabels
) -> None:
    ax.set_title(_drawable(labels.trend_panel), fontproperties=_font(11, "bold"))
    attendance = [_float(ratio, 100) for _month, ratio, _score in trend]
    scores = [_float(score) for _month, _ratio, score in trend]
    if all(math.isnan(v) for v in attendance + scores):
        _no_data(ax, labels)
        return
    xs = list(range(len(trend)))
    ax.plot(
        xs,
        attendance,
        marker="o",
        color=_GOOD,
        linewidth=2,
        label=_drawable(labels.average_attendance),
    )
    ax.plot(
        xs,
        scores,
        marker="D",
        color=_TREND_SCORE,
        linewidth=2,
        label=_drawable(labels.average_score),
    )
    for x, value in zip(xs, attendance, strict=True):
        if not math.isnan(value):
            ax.annotate(
                f"{math.floor(value)}%",
                (x, value),
                textcoords="offset points",
                xytext=(0, -13),
                ha="center",
                fontproperties=_font(7.5),
                color=_GOOD,
            )
    ax.axhline(float(LOW_ATTENDANCE_BELOW) * 100, color=_LOW, linestyle="--", linewidth=1)
    top = max([100.0] + [v for v in attendance + scores if not math.isnan(v)])
    ax.set_ylim(0, top * 1.1)
    ax.set_xlim(-0.4, len(trend) - 0.6)
    ax.set_xticks(xs, [month_label(month) for month, _ratio, _score in trend])
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_fontproperties(_font(8))
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(prop=_font(8.5), **_LEGEND)


def _no_data(ax: Axes, labels: ChartLabels) -> None:
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        _drawable(labels.no_data),
        ha="center",
        va="center",
        transform=ax.transAxes,
        fontproperties=_font(10),
        color="#616161",
    )


def digest_chart(
    cells: Sequence[CellMonth],
    trend: Sequence[tuple[str, Decimal | None, Decimal | None]],
    title: str,
    labels: ChartLabels,
) -> bytes:
    """A PNG: attendance (bars) and score (markers) per cell, and the monthly trend.

    trend holds (month "2026-07", mean attendance ratio 0–1, mean score), oldest first, as
    month_averages() gives them; None leaves a gap. With more than 25 cells only the 5 best
    and the 20 weakest are drawn. Thread-safe: a bare Figure on an Agg canvas, no pyplot.
    """
    # Imported here: nothing of matplotlib is loaded until a chart is drawn.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(_WIDTH_INCHES, _HEIGHT_INCHES), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, width_ratios=[3, 2])
    figure.suptitle(_drawable(title, 120), fontproperties=_font(13, "bold"))
    _cells_panel(left, cells, labels)
    _trend_panel(right, trend, labels)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()
