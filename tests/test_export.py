"""Exports: /xuat sends a workbook secretaries and cadres can open; periods; CSV; the CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.app import ChiboApp
from bot.domain.months import Month, MonthError, Year, read_whole_period
from bot.domain.scorecard import thematic_part
from bot.services import export, meetings, scoring
from bot.services.export import ExportError
from bot.storage import rollcall as rollcall_rows
from chibo_devtools.telegram import FakeTelegram, SentFile, SimUser
from tests.helpers import (
    VN,
    Clock,
    december_meeting,
    first_meeting_id,
    linked,
    person_id,
    unit_id,
)

CELL = "Chi bộ xóm 9"
CELL_PATH = "Đảng bộ xã Thượng Kiệm / Chi bộ xóm 9"


async def _workbook(user: SimUser, command: str = "/xuat") -> tuple[SentFile, Any]:
    replies = await user.send(command)
    document = replies.messages[-1].document
    assert document is not None, replies.text
    return document, load_workbook(io.BytesIO(document.data))


def _by_name(sheet: Any) -> dict[str, tuple[Any, ...]]:
    """Rows of the attendance sheet by the member's name (column B)."""
    return {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}


async def test_secretary_export_records_each_members_attendance(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """The secretary's /xuat sends this month's workbook; its attendance sheet has each status."""
    people = await december_meeting(app, sim, invite_codes, clock, until="closed")
    document, book = await _workbook(people["Nguyễn Văn An"])
    assert document.filename == "chibo-2026-12.xlsx"
    assert book.sheetnames == ["Điểm danh", "Chấm điểm", "Đánh giá", "Kiến nghị"]
    sheet = book["Điểm danh"]
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["Chi bộ", "Họ và tên"]
    assert header[2] == datetime(2026, 12, 3)  # a real date, not text
    assert sheet.cell(row=1, column=3).number_format == "dd/mm/yyyy"
    assert header[3:] == ["Số buổi có mặt", "Số buổi vắng có lý do", "Số buổi vắng không lý do"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "C2"
    rows = _by_name(sheet)
    assert rows["Trần Thị Bình"] == (CELL, "Trần Thị Bình", "có mặt", 1, 0, 0)
    assert rows["Nguyễn Văn An"][2] == "có mặt"
    assert rows["Lê Thị Mai"][2:] == ("vắng có lý do: ốm", 0, 1, 0)
    assert rows["Phạm Văn Dũng"][2:] == ("vắng không lý do", 0, 0, 1)
    assert rows["Nguyễn Văn Khánh"][2] == "miễn"
    assert "Vũ Thị Ngọc" not in rows  # xóm 10 is not the secretary's cell
    assert len(rows) == 12
    ratings = book["Đánh giá"]
    assert [c.value for c in ratings[1]][:6] == [
        "Chi bộ",
        "Ngày",
        "Tốt",
        "Khá",
        "Trung bình",
        "Kém",
    ]


async def test_cadre_export_holds_every_cell_they_follow(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A cadre following xóm 9 and xóm 10 gets both cells' members in one workbook."""
    people = await december_meeting(app, sim, invite_codes, clock, until="closed")
    replies = await people["Phạm Quốc Cường"].send("/xuat 12/2026")
    document = replies.messages[-1].document
    assert document is not None
    assert "Chi bộ xóm 9, Chi bộ xóm 10" in (replies.messages[-1].caption or "")
    rows = _by_name(load_workbook(io.BytesIO(document.data))["Điểm danh"])
    assert rows["Lê Thị Mai"][:3] == (CELL, "Lê Thị Mai", "vắng có lý do: ốm")
    assert rows["Vũ Thị Ngọc"][:3] == ("Chi bộ xóm 10", "Vũ Thị Ngọc", None)  # no meeting yet
    assert "Phạm Thị Thanh Hương" not in rows  # a cell followed by another cadre


async def test_member_is_refused(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A plain member asking for an export gets the refusal and no file."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    replies = await binh.send("/xuat")
    assert "/xuat dành cho bí thư, phó bí thư chi bộ" in replies.text
    assert all(m.document is None for m in replies.messages)
    assert "/xuat" not in (await binh.send("/trogiup")).text


async def test_export_shows_in_help_for_leaders_and_cadres(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """The secretary's and the cadre's help list /xuat."""
    for name in ("Nguyễn Văn An", "Phạm Quốc Cường"):
        user = await linked(sim, invite_codes, name)
        assert "/xuat" in (await user.send("/trogiup")).text


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/xuat 13/2026", "Không có tháng 13: tháng từ 1 đến 12."),
        ("/xuat abc", "Trợ lý chưa hiểu «abc» là tháng hay năm nào."),
        ("/export 1850", "Năm 1850 không hợp lệ."),
    ],
)
async def test_bad_period_gets_a_clear_answer(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], command: str, expected: str
) -> None:
    """A period the bot cannot read is answered with the reason and examples, and no file."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    replies = await an.send(command)
    assert expected in replies.text
    assert "Ví dụ: /xuat (tháng này), /xuat 11/2026" in replies.text
    assert all(m.document is None for m in replies.messages)


async def test_month_without_meetings_is_said_in_words(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A month in which no roll-call was closed gets a sentence instead of an empty file."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    replies = await an.send("/xuat tháng 10")
    assert "Chưa có buổi sinh hoạt nào đã điểm danh trong tháng 10/2026 của Chi bộ xóm 9" in (
        replies.text
    )
    assert all(m.document is None for m in replies.messages)


NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # 22/11/2026 in Vietnam


def _period(typed: str) -> Month | Year | MonthError:
    """What /xuat and `chibo export --period` read, on NOW's day."""
    today = NOW.astimezone(VN).date()
    return read_whole_period(typed, today, default=Month.of(today))


@pytest.mark.parametrize(
    ("typed", "since", "until", "label"),
    [
        ("", (2026, 11), (2026, 12), "11/2026"),
        ("11/2026", (2026, 11), (2026, 12), "11/2026"),
        ("12/2025", (2025, 12), (2026, 1), "12/2025"),
        ("tháng 11", (2026, 11), (2026, 12), "11/2026"),
        ("thang 3", (2026, 3), (2026, 4), "3/2026"),
        ("tháng 12", (2025, 12), (2026, 1), "12/2025"),  # December is still ahead: last year's
        ("T11", (2026, 11), (2026, 12), "11/2026"),
        ("t1", (2026, 1), (2026, 2), "1/2026"),
        ("T11/2025", (2025, 11), (2025, 12), "11/2025"),
        ("tháng 5 năm 2025", (2025, 5), (2025, 6), "5/2025"),
        ("11-26", (2026, 11), (2026, 12), "11/2026"),
        ("2026-02", (2026, 2), (2026, 3), "2/2026"),
        ("2026", (2026, 1), (2027, 1), "2026"),
        ("năm 2025", (2025, 1), (2026, 1), "2025"),
        ("tháng trước", (2026, 10), (2026, 11), "10/2026"),
        ("năm nay", (2026, 1), (2027, 1), "2026"),
        ("１１/２０２６", (2026, 11), (2026, 12), "11/2026"),  # full-width phone keyboard
    ],
)
def test_period_from_text(
    typed: str, since: tuple[int, int], until: tuple[int, int], label: str
) -> None:
    """What a person types after /xuat becomes local month or year bounds."""
    period = _period(typed)
    assert isinstance(period, Month | Year)
    assert period.since(VN) == datetime(*since, 1, tzinfo=VN)
    assert period.until(VN) == datetime(*until, 1, tzinfo=VN)
    assert period.label == label


@pytest.mark.parametrize(
    ("typed", "rendered"),
    [
        ("13/2026", "Không có tháng 13: tháng từ 1 đến 12."),
        ("T0", "Không có tháng 0: tháng từ 1 đến 12."),
        ("tháng 13", "Không có tháng 13: tháng từ 1 đến 12."),
        ("abc", "Trợ lý chưa hiểu «abc» là tháng hay năm nào."),
        ("1999", "Năm 1999 không hợp lệ."),
        ("11/2026 và 12/2026 nữa", "Trợ lý chưa hiểu «11/2026 và 12/2026…» là tháng hay năm nào."),
    ],
)
def test_period_errors(typed: str, rendered: str) -> None:
    """A period that cannot be read is an error with a Vietnamese reason."""
    error = _period(typed)
    assert isinstance(error, MonthError)
    assert error.render(lambda message: message) == rendered


async def test_attendance_csv_parses(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """The attendance sheet as CSV reads back with the csv module, dates as dd/mm/yyyy."""
    await december_meeting(app, sim, invite_codes, clock, until="closed")
    period = Month(2026, 12)
    labels = export.make_labels(app.bot_data.catalogs.get("vi")._, app.bot_data.card)
    data = await export.build_csv(
        app.bot_data.db,
        [await unit_id(app)],
        period.since(VN),
        period.until(VN),
        labels,
        "attendance",
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Chi bộ", "Họ và tên", "03/12/2026"]
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Lê Thị Mai"] == [CELL, "Lê Thị Mai", "vắng có lý do: ốm", "0", "1", "0"]
    assert len(by_name) == 12


async def test_control_characters_and_formulas_stay_plain_text(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A comment with control characters or a leading "=" neither breaks nor runs in the file."""
    people = await december_meeting(app, sim, invite_codes, clock, until="closed")
    meeting, db = await first_meeting_id(app), app.bot_data.db
    an = await person_id(db, CELL, "Nguyễn Văn An")
    binh = await person_id(db, CELL, "Trần Thị Bình")
    async with db.transaction() as conn:
        await rollcall_rows.save_rating(
            conn, meeting, an, "fair", '=HYPERLINK("http://x")', clock.now()
        )
        clock.advance(minutes=1)
        await rollcall_rows.save_rating(
            conn, meeting, binh, "good", "Tốt\x00 lắm\x07\x1b", clock.now()
        )
    _document, book = await _workbook(people["Nguyễn Văn An"])
    sheet = book["Đánh giá"]
    row = next(sheet.iter_rows(min_row=2, values_only=True))
    assert row[:6] == (CELL, datetime(2026, 12, 3), 1, 1, 0, 0)
    assert row[6] == '=HYPERLINK("http://x")\nTốt lắm'
    assert sheet.cell(row=2, column=7).data_type == "s"  # text, not a formula
    period = Month(2026, 12)
    labels = export.make_labels(lambda message: message)
    data = await export.build_csv(
        db, [await unit_id(app)], period.since(VN), period.until(VN), labels, "ratings"
    )
    ratings = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert ratings[1][6] == '\'=HYPERLINK("http://x")\nTốt lắm'


async def test_scores_sheet_has_both_columns_total_and_grade(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """Points per criterion land under the meeting's self column; the confirmed total and grade."""
    people = await december_meeting(app, sim, invite_codes, clock, until="closed")
    meeting_id = await first_meeting_id(app)
    data, db = app.bot_data, app.bot_data.db
    meeting = await meetings.get(db, meeting_id)
    assert meeting is not None
    scorer = await person_id(db, CELL, "Nguyễn Văn An")
    await scoring.open_sheet(db, data.card, meeting_id, "self", scorer, data.rules, clock.now())
    for criterion in data.card.applicable(thematic_part(meeting.kind)):
        await scoring.give(
            db,
            data.card,
            meeting_id,
            "self",
            criterion.code,
            criterion.max_points,
            data.rules,
            clock.now(),
        )
    await scoring.give(
        db, data.card, meeting_id, "self", "1", Decimal("4.5"), data.rules, clock.now()
    )
    sheet = await scoring.confirm(db, data.card, meeting_id, "self", data.rules, clock.now())
    assert sheet is not None
    _document, book = await _workbook(people["Nguyễn Văn An"])
    scores = book["Chấm điểm"]
    grid = list(scores.iter_rows(values_only=True))
    assert grid[0][:3] == ("Mã", "Tiêu chí", CELL)
    assert grid[1][2] == datetime(2026, 12, 3)
    assert grid[2][2:4] == ("Chi bộ tự chấm", "Cấp trên chấm")
    assert scores.freeze_panes == "C4"
    first = next(row for row in grid[3:] if row[0] == "1")
    assert first[2] == 4.5  # a number, not text
    assert first[3] is None  # nobody filled the upper column
    total = next(row for row in grid if row[1] == "Tổng điểm")
    grade = next(row for row in grid if row[1] == "Xếp loại")
    assert total[2] == float(sheet.total)
    assert grade[2] == sheet.grade.name


async def test_export_to_file_for_the_cli(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, tmp_path: Path
) -> None:
    """The CLI's function writes a cell's CSV or the whole XLSX; a bad unit or period raises."""
    await december_meeting(app, sim, invite_codes, clock, until="closed")
    db, out = app.bot_data.db, tmp_path / "diem-danh.csv"
    count = await export.export_to_file(
        db, CELL_PATH, "12/2026", "csv", "attendance", out, clock.now(), VN
    )
    assert count == 12
    assert next(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))[1] == "Họ và tên"
    book_path = tmp_path / "all.xlsx"
    count = await export.export_to_file(
        db, None, "2026", "xlsx", "attendance", book_path, clock.now(), VN
    )
    assert count > 26  # every member of the three cells, plus the other sheets' rows
    assert load_workbook(book_path).sheetnames[0] == "Điểm danh"
    with pytest.raises(ExportError) as unit_error:
        await export.export_to_file(db, "Chi bộ xóm 99", "", "csv", "attendance", out, NOW, VN)
    assert "Chi bộ xóm 99" in unit_error.value.render(lambda message: message)
    with pytest.raises(ExportError, match="tháng 13"):
        await export.export_to_file(db, None, "13/2026", "csv", "attendance", out, NOW, VN)


async def test_petition_sheet_lists_kien_nghi_of_the_month(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A kiến nghị raised this month is a row of the Kiến nghị sheet, with date and status."""
    people = await december_meeting(app, sim, invite_codes, clock, until="closed")
    await people["Trần Thị Bình"].send("/kiennghi Đề nghị sửa đèn đường xóm 9")
    _document, book = await _workbook(people["Nguyễn Văn An"])
    sheet = book["Kiến nghị"]
    assert [cell.value for cell in sheet[1]][:5] == [
        "Chi bộ",
        "Ngày gửi",
        "Người gửi",
        "Nội dung",
        "Trạng thái",
    ]
    row = next(sheet.iter_rows(min_row=2, values_only=True))
    assert row[:5] == (
        CELL,
        datetime(2026, 12, 3),
        "Trần Thị Bình",
        "Đề nghị sửa đèn đường xóm 9",
        "mới",
    )
