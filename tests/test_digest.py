"""The cadres' digests: ranking, what needs attention, the texts and the chart."""

from __future__ import annotations

import random
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bench import synth
from bench.province import _INSERTS, History, _organisation, history_months
from bot.charts import digest_chart, row_labels
from bot.domain.digest import (
    CellMonth,
    Concern,
    concerns,
    month_averages,
    month_label,
    needs_attention,
    rank,
    summarize,
)
from bot.domain.scorecard import default_card
from bot.domain.text import split_text, utf16_length
from bot.i18n import Catalogs, Translator
from bot.services import reports
from bot.storage import units
from bot.storage.db import Database
from bot.views.digest import (
    MEETING_LIMIT,
    chart_labels,
    chart_title,
    meeting_digest,
    monthly_caption,
    monthly_digest,
)

MONTH = "2026-12"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def t() -> Translator:
    """The Vietnamese translator from the real catalogs."""
    return Catalogs("vi").get("vi")


def cell(
    name: str,
    score: str | None = "92",
    present: int = 19,
    expected: int = 20,
    *,
    held: bool = True,
    unit_id: int = 1,
    **changes: Any,
) -> CellMonth:
    """A cell whose meeting went well unless told otherwise."""
    made = CellMonth(
        unit_id=unit_id,
        cell=name,
        month=MONTH,
        held_on=date(2026, 12, 3) if held else None,
        cancelled=False,
        expected=expected,
        present=present if held else 0,
        excused=(),
        unexcused=(),
        duration_minutes=95 if held else None,
        self_score=Decimal(score) if score is not None and held else None,
        self_grade="Tốt" if score is not None and held else None,
        upper_score=None,
        upper_grade=None,
        ratings={},
        flags=(),
        open_petitions=(),
    )
    return replace(made, **changes)


def names(cells: list[CellMonth]) -> list[str]:
    """The cells' names, in order."""
    return [c.cell for c in cells]


def synthetic(n: int, seed: int = 7) -> list[CellMonth]:
    """n cells with a spread of scores, attendance, absences, flags and kiến nghị."""
    rnd = random.Random(seed)
    cells = []
    for i in range(1, n + 1):
        held = rnd.random() > 0.1
        expected = rnd.randint(8, 40)
        score = Decimal(rnd.randint(70, 200)) / 2
        grade = "Tốt" if score >= 90 else "Khá" if score >= 70 else "Trung bình"
        cells.append(
            CellMonth(
                unit_id=i,
                cell=f"Chi bộ khu dân cư số {i} phường Đông Tiến, tổ dân phố Thượng Kiệm",
                month=MONTH,
                held_on=date(2026, 12, 3) if held else None,
                cancelled=not held and i % 2 == 0,
                expected=expected,
                present=rnd.randint(expected // 2, expected) if held else 0,
                excused=(("Nguyễn Văn Bình", "ốm"),),
                unexcused=("Trần Thị Ánh",) if rnd.random() < 0.3 else (),
                duration_minutes=rnd.randint(60, 130) if held else None,
                self_score=score if held else None,
                self_grade=grade if held else None,
                upper_score=None,
                upper_grade=None,
                ratings={"good": rnd.randint(0, 20), "poor": rnd.randint(0, 2)},
                flags=("Đồng chí Trần Thị Ánh vắng không lý do 3 tháng trong năm 2026.",)
                if rnd.random() < 0.2
                else (),
                open_petitions=(("Sửa đường bê tông ngõ 3 ra cánh đồng", rnd.randint(1, 30)),),
            )
        )
    return cells


# --- rank -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "best", "weakest"),
    [
        pytest.param([], [], [], id="no cells"),
        pytest.param(
            [cell("A", "80"), cell("B", "95")], ["B"], ["A"], id="two cells: one on each side"
        ),
        pytest.param(
            [cell("A", "90", present=15), cell("B", "90", present=20), cell("C", "70")],
            ["B"],
            ["C"],
            id="equal score: attendance decides",
        ),
        pytest.param(
            [cell("Chi bộ xóm 10"), cell("Chi bộ xóm 2"), cell("Chi bộ xóm 9"), cell("Z")],
            ["Chi bộ xóm 2", "Chi bộ xóm 9"],
            ["Chi bộ xóm 10", "Z"],
            id="full ties: by name in natural order on both sides",
        ),
        pytest.param(
            [cell("A", "40"), cell("B", held=False), cell("C", "99")],
            ["C"],
            ["B"],
            id="no meeting is weaker than the lowest score",
        ),
        pytest.param(
            [cell("A", held=False), cell("B", held=False), cell("C", "60")],
            ["C"],
            ["A", "B"],
            id="every cell without a meeting is named weakest",
        ),
        pytest.param(
            [cell("A", held=False), cell("B", held=False)],
            [],
            ["A", "B"],
            id="no meeting anywhere: nobody is best",
        ),
        pytest.param([cell("A", "50")], ["A"], [], id="one held cell is not also weakest"),
        pytest.param(
            [cell("A", "70"), cell("B", None), cell("C", "95")],
            ["C"],
            ["B"],
            id="a held meeting nobody scored ranks below every score",
        ),
        pytest.param(
            [
                cell("A", None, upper_score=Decimal(99), upper_grade="Tốt"),
                cell("B", "80", upper_score=Decimal(10), upper_grade="Kém"),
            ],
            ["A"],
            ["B"],
            id="own score first, the upper score when there is none",
        ),
        pytest.param(
            [cell(f"Chi bộ xóm {i}", str(50 + i)) for i in range(1, 11)],
            ["Chi bộ xóm 10", "Chi bộ xóm 9", "Chi bộ xóm 8"],
            ["Chi bộ xóm 1", "Chi bộ xóm 2", "Chi bộ xóm 3"],
            id="many cells: three on each side",
        ),
    ],
)
def test_rank_names_the_best_and_the_weakest(
    cells: list[CellMonth], best: list[str], weakest: list[str]
) -> None:
    """rank() orders by score then attendance, puts cells without a meeting weakest first,
    breaks ties by name and never names a cell on both sides."""
    got_best, got_weakest = rank(cells)
    assert (names(got_best), names(got_weakest)) == (best, weakest)
    assert (names(rank(cells[::-1])[0]), names(rank(cells[::-1])[1])) == (best, weakest)


# --- needs_attention --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, (), id="a good meeting"),
        pytest.param({"held": False}, (Concern.NOT_HELD,), id="not held"),
        pytest.param(
            {"held": False, "cancelled": True}, (Concern.CANCELLED,), id="cancelled meeting"
        ),
        pytest.param({"present": 16}, (Concern.LOW_ATTENDANCE,), id="80% attendance"),
        pytest.param({"present": 17}, (), id="exactly 85% is enough"),
        pytest.param({"present": 84, "expected": 100}, (Concern.LOW_ATTENDANCE,), id="84% is not"),
        pytest.param({"unexcused": ("Lê Văn C",)}, (Concern.UNEXCUSED,), id="one unexcused"),
        pytest.param(
            {"self_grade": "Trung bình"}, (Concern.AVERAGE_GRADE,), id="graded Trung bình"
        ),
        pytest.param(
            {"upper_score": Decimal(45), "upper_grade": "Kém"},
            (Concern.POOR_GRADE,),
            id="upper-level cadre graded Kém",
        ),
        pytest.param({"self_grade": "Khá"}, (), id="graded Khá"),
        pytest.param(
            {"self_score": None, "self_grade": None}, (Concern.NOT_SCORED,), id="no score"
        ),
        pytest.param(
            {"flag_kinds": ("unexcused_3_months",)},
            (Concern.UNEXCUSED_MONTHS,),
            id="a member 3 months unexcused",
        ),
        pytest.param(
            {"flag_kinds": ("excused_streak",)}, (Concern.EXCUSED_STREAK,), id="excused streak"
        ),
        pytest.param(
            {"flags": ("Buổi sinh hoạt: 1 vắng",), "flag_kinds": ("unexcused_at_meeting",)},
            (),
            id="a meeting flag adds nothing to the meeting's own figures",
        ),
        pytest.param(
            {"present": 16, "unexcused": ("C",), "self_grade": "Kém"},
            (Concern.POOR_GRADE, Concern.UNEXCUSED, Concern.LOW_ATTENDANCE),
            id="most serious first",
        ),
        pytest.param(
            {"open_petitions": (("Đường", 8),)},
            (Concern.STALE_PETITIONS,),
            id="kiến nghị open 8 days",
        ),
        pytest.param({"open_petitions": (("Đường", 7),)}, (), id="kiến nghị open 7 days"),
    ],
)
def test_needs_attention(changes: dict[str, Any], expected: tuple[Concern, ...]) -> None:
    """A cell needs attention when not held, graded Kém, with anyone unexcused, a member rule
    broken, under 85%, graded Trung bình, not scored, or a kiến nghị open more than 7 days."""
    held = bool(changes.pop("held", True))
    subject = cell("Chi bộ xóm 9", held=held, **changes)
    assert concerns(subject) == expected
    assert needs_attention(subject) is bool(expected)


def test_month_averages_weigh_each_cell_the_same() -> None:
    """The month's averages are means over cells, skipping cells with no figure."""
    cells = [
        cell("A", "90", present=10, expected=10),
        cell("B", "70", present=30, expected=40),
        cell("C", held=False),
        cell("D", None, present=5, expected=10),
    ]
    attendance, score = month_averages(cells)
    assert attendance == (Decimal(1) + Decimal("0.75") + Decimal("0.5")) / 3
    assert score == Decimal(80)
    assert month_averages([]) == (None, None)
    assert month_label("2026-07") == "7/2026"


def test_summary_counts_grades_best_first() -> None:
    """Grades are counted in the card's order; held meetings without a score are counted apart."""
    cells = [
        cell("A", "60", self_grade="Trung bình"),
        cell("B", "95"),
        cell("C", None),
        cell("D", held=False),
    ]
    summary = summarize(cells)
    assert summary.grades == (("Tốt", 1), ("Trung bình", 1))
    assert (summary.cells, summary.held, summary.not_scored) == (4, 3, 1)


# --- meeting_digest ---------------------------------------------------------------------------


def sample_meeting() -> CellMonth:
    """Chi bộ xóm 9's December meeting, with every kind of detail."""
    return cell(
        "Chi bộ xóm 9",
        "92.5",
        present=18,
        expected=20,
        excused=(("Nguyễn Văn Bình", "ốm"),),
        unexcused=("Trần Văn Cường",),
        duration_minutes=95,
        upper_score=Decimal(88),
        upper_grade="Khá",
        ratings={"good": 12, "fair": 4, "average": 1, "poor": 0},
        flags=("Đồng chí Trần Văn Cường vắng không lý do 3 tháng trong năm 2026.",),
        open_petitions=(("Sửa đường ngõ 3", 12),),
    )


def test_meeting_digest_carries_the_numbers(t: Translator) -> None:
    """The per-meeting digest shows date, attendance and %, absentees with reasons and names,
    duration, both scores with grades, the members' ratings and the flags."""
    text = meeting_digest(t, sample_meeting(), "Đảng bộ xã Thượng Kiệm")
    for expected in (
        "Chi bộ xóm 9",
        "Đảng bộ xã Thượng Kiệm",
        "12/2026",
        "03/12/2026",
        "18/20",
        "90%",
        "Nguyễn Văn Bình (ốm)",
        "Trần Văn Cường",
        "95",
        "92,5",
        "Tốt",
        "88",
        "Khá",
        "Tốt 12",
        "Khá 4",
        "Trung bình 1",
        "3 tháng trong năm 2026",
        "Sửa đường ngõ 3",
    ):
        assert expected in text, expected
    assert "Kém 0" not in text
    assert len(text) <= MEETING_LIMIT


def test_meeting_digest_stays_short_with_many_absentees(t: Translator) -> None:
    """Forty absentees with long reasons and many flags still fit in about 1,200 characters."""
    crowded = replace(
        sample_meeting(),
        excused=tuple((f"Nguyễn Văn Bình {i}", "đi công tác xa " * 10) for i in range(40)),
        unexcused=tuple(f"Trần Văn Cường {i}" for i in range(40)),
        flags=tuple("Đồng chí vắng không lý do 3 tháng. " * 5 for _ in range(10)),
    )
    text = meeting_digest(t, crowded, "Đảng bộ xã Thượng Kiệm")
    assert len(text) <= MEETING_LIMIT
    assert "… và 32 người khác" in text
    assert "18/20" in text


def test_meeting_digest_of_a_meeting_not_held(t: Translator) -> None:
    """A cell without a meeting gets a digest that says so, without numbers that mean nothing."""
    text = meeting_digest(t, cell("Chi bộ xóm 9", held=False), None)
    assert "chưa sinh hoạt" in text
    assert "%" not in text


def test_meeting_digest_in_english_does_not_fail() -> None:
    """The English reader gets the same digest (plural forms included) without errors."""
    en = Catalogs("vi").get("en")
    assert "18/20" in meeting_digest(en, sample_meeting(), None)
    assert "Chi bộ khu dân cư" in monthly_digest(en, "Nguyễn Văn An", MONTH, synthetic(30))
    assert "Chi bộ xóm 9" in monthly_digest(en, "Nguyễn Văn An", MONTH, [sample_meeting()])


# --- monthly_digest ---------------------------------------------------------------------------


def test_monthly_digest_for_two_cells_lists_both(t: Translator) -> None:
    """With a few cells, each has its own line: date, attendance, score and grade, ratings."""
    cells = [
        cell("Chi bộ xóm 9", "92", present=19, ratings={"good": 10}),
        cell("Chi bộ xóm 10", "65", present=15, self_grade="Trung bình"),
    ]
    text = monthly_digest(t, "Nguyễn Văn An", MONTH, cells)
    lines = text.splitlines()
    line_9 = next(line for line in lines if line.startswith("• Chi bộ xóm 9:"))
    line_10 = next(line for line in lines if line.startswith("• Chi bộ xóm 10:"))
    assert all(part in line_9 for part in ("03/12/2026", "19/20", "95%", "92", "Tốt", "Tốt 10"))
    assert all(part in line_10 for part in ("15/20", "75%", "65", "Trung bình"))
    assert "Nguyễn Văn An" in text
    assert "Tốt nhất: Chi bộ xóm 9" in text
    assert "Cần quan tâm: Chi bộ xóm 10" in text
    assert "2/2" in text


def test_monthly_digest_for_ninety_cells_fits_telegram(t: Translator) -> None:
    """Ninety cells give one message under 4,096 characters that names the best, the five
    cells to call first, then the other cells needing attention, with a count of the rest."""
    cells = synthetic(90)
    text = monthly_digest(t, "Nguyễn Văn An", MONTH, cells)
    assert utf16_length(text) < 4096
    best, _weakest = rank(cells)
    best_line = next(line for line in text.splitlines() if "Tốt nhất:" in line)
    assert all(c.cell[:20] in best_line for c in best)
    needing = sum(1 for c in cells if needs_attention(c))
    assert f"⚠️ Cần quan tâm ({needing} chi bộ), trước hết:" in text
    listed = sum(1 for line in text.splitlines() if line.startswith("• "))
    assert 5 < listed <= 30
    assert f"… và {needing - listed} chi bộ khác" in text
    assert f"/{len(cells)} chi bộ" in text
    assert "Biểu đồ" in text


def test_monthly_digest_is_cut_whatever_the_names(t: Translator) -> None:
    """Even absurdly long names and reasons never push the message past 4,000 characters."""
    cells = [
        replace(c, cell="Chi bộ " + "rất dài " * 100, flags=("x" * 2000,) * 5)
        for c in synthetic(90)
    ]
    assert len(monthly_digest(t, "Nguyễn Văn An " * 100, MONTH, cells)) <= 4000
    assert len(monthly_digest(t, "Nguyễn Văn An", MONTH, cells[:4])) <= 4000


def test_monthly_digest_with_no_cells_or_no_meetings(t: Translator) -> None:
    """No cells followed, or no cell met this month: a sensible message, no crash."""
    assert "chưa được phân công" in monthly_digest(t, "Nguyễn Văn An", MONTH, [])
    idle = [cell(f"Chi bộ xóm {i}", held=False) for i in range(1, 41)]
    text = monthly_digest(t, "Nguyễn Văn An", MONTH, idle)
    assert "0/40" in text
    assert "Tốt nhất" not in text
    listed = sum(1 for line in text.splitlines() if line.startswith("• "))
    assert f"… và {40 - listed} chi bộ khác" in text


def test_monthly_digest_when_all_is_well(t: Translator) -> None:
    """When no cell needs attention, the digest says so instead of listing any."""
    cells = [cell(f"Chi bộ xóm {i}", str(90 + i % 10)) for i in range(1, 31)]
    text = monthly_digest(t, "Nguyễn Văn An", MONTH, cells)
    assert "Không chi bộ nào cần quan tâm" in text
    assert not any(line.startswith("• ") for line in text.splitlines())


def test_monthly_caption_is_short(t: Translator) -> None:
    """The chart's caption names the month and fits Telegram's 1,024-character caption."""
    caption = monthly_caption(t, MONTH)
    assert "12/2026" in caption
    assert len(caption) <= 1000


# --- digest_chart -----------------------------------------------------------------------------


def trend_for(cells: list[CellMonth]) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """Six months of averages, one of them without data."""
    months = ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    past: list[tuple[str, Decimal | None, Decimal | None]] = [
        (m, Decimal("0.8") + Decimal(i) / 50, Decimal(80 + i)) for i, m in enumerate(months)
    ]
    past[2] = ("2026-09", None, None)
    return [*past, (MONTH, *month_averages(cells))]


def test_chart_for_ninety_cells_is_a_small_png(t: Translator) -> None:
    """Ninety cells with Vietnamese names draw a PNG under 200 KB, with no glyph warnings."""
    cells = synthetic(90)
    png = digest_chart(cells, trend_for(cells), chart_title(t, MONTH), chart_labels(t))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) < 200_000


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param([], id="no cells"),
        pytest.param([cell(f"Chi bộ xóm {i}", held=False) for i in range(5)], id="none held"),
        pytest.param(
            [cell("Chi bộ xóm 9 🏠 ✓ 中"), cell("Chi bộ $x^2$ \u0300 o\u0301")],
            id="names with signs the font lacks, mathtext, combining accents",
        ),
        pytest.param([cell("Chi bộ xóm 9", None)], id="held but not scored"),
    ],
)
def test_chart_edge_cases_draw(t: Translator, cells: list[CellMonth]) -> None:
    """Empty, idle, unscored or oddly named cells and an empty trend still give a PNG."""
    for trend in ([], trend_for(cells)):
        png = digest_chart(cells, trend, chart_title(t, MONTH), chart_labels(t))
        assert png.startswith(b"\x89PNG")


# --- who to call first, and where a name repeats ----------------------------------------------


def commune_of_sixty() -> list[CellMonth]:
    """Sixty cells as in a commune: most fine, three only unscored, one Kém, a few weaker."""
    cells = [
        cell(f"Chi bộ thôn {i}", str(80 + i % 15), present=19, unit_id=i, self_grade="Khá")
        for i in range(1, 61)
    ]
    for i in (8, 45, 53):  # held, 90% and 95%, only the score is missing
        cells[i - 1] = cell(f"Chi bộ thôn {i}", None, present=18 + i % 2, unit_id=i)
    cells[23] = cell("Chi bộ thôn 24", "42", unit_id=24, self_grade="Kém")
    cells[10] = cell("Chi bộ thôn 11", "72", present=16, unit_id=11, unexcused=("Lê Văn Cư",))
    cells[30] = cell("Chi bộ thôn 31", "66", unit_id=31, self_grade="Trung bình")
    cells[39] = cell("Chi bộ thôn 40", "85", unit_id=40, open_petitions=(("Sửa đường", 12),))
    return cells


def test_attention_names_the_cells_to_call_first_with_the_real_reason(t: Translator) -> None:
    """The headline's "Cần quan tâm" starts with the cell graded Kém, gives each cell its real
    reason (never "dự họp 90%" for a missing score) and names at most five cells."""
    text = monthly_digest(t, "Nguyễn Văn An", MONTH, commune_of_sixty())
    paragraphs = text.split("\n\n")
    attention = next(p for p in paragraphs if p.startswith("⚠️ Cần quan tâm"))
    lines = attention.splitlines()
    assert lines[0] == "⚠️ Cần quan tâm (7 chi bộ), trước hết:"
    assert lines[1] == "• Chi bộ thôn 24: xếp loại Kém"
    assert lines[2] == "• Chi bộ thôn 11: 1 vắng không lý do; dự họp 80%"
    assert lines[3] == "• Chi bộ thôn 31: xếp loại Trung bình"
    assert len(lines) == 1 + 5
    assert "• Chi bộ thôn 8: chưa chấm điểm" in lines
    assert "dự họp 90%" not in text
    others = next(p for p in paragraphs if p.startswith("Các chi bộ khác cần quan tâm"))
    assert others.splitlines() == [
        "Các chi bộ khác cần quan tâm (2):",
        "• Chi bộ thôn 53: chưa chấm điểm",
        "• Chi bộ thôn 40: 1 kiến nghị quá 7 ngày",
    ]


def test_cells_of_the_same_name_show_their_commune(t: Translator) -> None:
    """Where two communes each have a "Chi bộ thôn 13", the digest and the chart's labels
    name the commune beside it; a name that is unique stays alone."""
    cells = [
        cell("Chi bộ thôn 13", "40", unit_id=1, self_grade="Kém", parent="Đảng bộ xã Số 1"),
        cell("Chi bộ thôn 13", "95", unit_id=2, parent="Đảng bộ xã Số 2"),
        cell("Chi bộ thôn 7", held=False, unit_id=3, parent="Đảng bộ xã Số 2"),
        *(cell(f"Chi bộ xóm {i}", unit_id=10 + i, parent="Đảng bộ xã Số 3") for i in range(6)),
    ]
    text = monthly_digest(t, "Nguyễn Văn An", MONTH, cells)
    assert "• Chi bộ thôn 13 – Đảng bộ xã Số 1: xếp loại Kém" in text
    assert "Tốt nhất: Chi bộ thôn 13 – Đảng bộ xã Số 2 (95 điểm)" in text
    assert "• Chi bộ thôn 7: chưa sinh hoạt" in text
    assert "Chi bộ thôn 7 –" not in text
    labels = row_labels(cells[:3], cells)
    assert labels == [
        "Chi bộ thôn 13 – Đảng bộ xã Số 1",
        "Chi bộ thôn 13 – Đảng bộ xã Số 2",
        "Chi bộ thôn 7",
    ]


def test_monthly_digest_counts_absences_by_kind_of_reason(t: Translator) -> None:
    """The month counts excused absences by kind ("ốm 2, công tác 2, gia đình 1") beside the
    unexcused ones; an absence excused without a kind on record is counted apart."""
    cells = [
        cell(
            f"Chi bộ xóm {i}",
            unit_id=i,
            excused=(("A", "ốm"), ("B", "đi công tác")),
            excused_kinds=(("sick", 1), ("work", 1)),
        )
        for i in range(1, 3)
    ]
    cells.append(
        cell("Chi bộ xóm 3", unit_id=3, excused=(("C", "nhà có việc"),), unexcused=("D",),
             excused_kinds=(("family", 1),))
    )  # fmt: skip
    text = monthly_digest(t, "Nguyễn Văn An", MONTH, cells)
    assert "🙏 Vắng có lý do: 5 — ốm 2, công tác 2, gia đình 1" in text
    assert "❌ Vắng không lý do: 1" in text
    cells.append(cell("Chi bộ xóm 4", unit_id=4, excused=(("E", "bận"),)))
    text = monthly_digest(t, "Nguyễn Văn An", MONTH, cells)
    assert "🙏 Vắng có lý do: 6 — ốm 2, công tác 2, gia đình 1, chưa phân loại 1" in text


@pytest.mark.parametrize("n", [3, 6, 90, 7000])
def test_monthly_digest_fits_telegram_and_splits_between_paragraphs(t: Translator, n: int) -> None:
    """A province cadre's digest fits Telegram's 4,096 and, cut for Zalo's 2,000, every cut
    falls on a blank line between paragraphs."""
    cells = [
        replace(
            c,
            parent=f"Đảng bộ xã {c.unit_id // 60} thuộc huyện miền núi phía Bắc",
            flags=("Đồng chí Trần Thị Ánh vắng không lý do 3 tháng trong năm 2026. " * 4,) * 5,
        )
        for c in synthetic(n)
    ]
    text = monthly_digest(t, "Trần Quang Tỉnh", MONTH, cells)
    assert utf16_length(text) <= 4096
    parts = split_text(text, 2000)
    assert all(utf16_length(part) <= 2000 for part in parts)
    assert "\n\n".join(parts) == text


async def test_a_synthetic_commune_reads_right(tmp_path: Path, t: Translator) -> None:
    """In the benchmark's synthetic commune of 60 cells with a year of history, old flags no
    longer make nearly every cell need attention, and "Cần quan tâm" names at most five cells,
    each with a real reason, a cell graded Kém first."""
    now = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    shape = synth.Shape(cells=60, members=1200)
    synth.write_org_file(tmp_path / "org.csv", shape)
    database = tmp_path / "chibo.sqlite3"
    await synth.build(database, tmp_path / "org.csv", now)
    # The benchmark's year of meetings, roll-calls, answers, scores and flags (its kiến nghị
    # and outbox left out: they do not decide who needs attention here).
    rng = random.Random(shape.seed)
    with sqlite3.connect(database) as conn:
        history = History(_organisation(conn, rng), default_card(), rng, outbox=False)
        months = history_months(now)
        for index, month in enumerate(months):
            rows = history.month(month, index == len(months) - 1)
            for table, sql in _INSERTS.items():
                if getattr(rows, table) and not table.startswith("petition"):
                    conn.executemany(sql, getattr(rows, table))
        # One cell graded Kém in October, as the commune had.
        conn.execute(
            "UPDATE score_cards SET grade = 'Kém', total = '40' WHERE board = 'self' AND "
            "meeting_id = (SELECT id FROM meetings WHERE month = '2026-10' ORDER BY id "
            "LIMIT 1 OFFSET 40)"
        )
    db = await Database.open(database)
    try:
        async with db.transaction() as conn:
            cells = await units.cells(conn)
        found = await reports.month_reports(db, cells, "2026-10", VN, now)
    finally:
        await db.close()
    text = monthly_digest(t, "Đỗ Ngọc Ngân", "2026-10", [r.month for r in found])
    needing = int(re.findall(r"Cần quan tâm \((\d+) chi bộ\)", text)[0])
    assert needing < len(cells) * 2 // 3
    attention = next(p for p in text.split("\n\n") if p.startswith("⚠️ Cần quan tâm"))
    lines = attention.splitlines()[1:]
    assert 1 <= len(lines) <= 5
    assert "xếp loại Kém" in lines[0]
    for line in lines:
        for ratio in re.findall(r"dự họp (\d+)%", line):
            assert int(ratio) < 85, line
