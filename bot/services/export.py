"""Exports for secretaries and cadres: attendance, scores, ratings and kiến nghị as XLSX or CSV."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.models import N_, Unit
from bot.domain.months import Month, MonthError, read_whole_period
from bot.domain.scorecard import Card, default_card
from bot.domain.text import fold, natural_key, person_sort_key
from bot.storage import exports, units
from bot.storage.db import Database

# The sheets, in workbook order; the names are also the CLI's --sheet choices.
SHEETS = ("attendance", "scores", "ratings", "petitions")
FORMATS = ("xlsx", "csv")
RATINGS = ("good", "fair", "average", "poor")
DATE_FORMAT = "dd/mm/yyyy"

# A cell holds text, a whole number, points, a date, or nothing.
Value = str | int | Decimal | date | None

# --- Labels -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Sheet names, headers and cell words, already in the reader's language."""

    sheet_attendance: str
    sheet_scores: str
    sheet_ratings: str
    sheet_petitions: str
    cell: str
    name: str
    present: str
    excused: str
    excused_because: str  # with {reason}
    unexcused: str
    exempt: str
    present_total: str
    excused_total: str
    unexcused_total: str
    code: str
    criterion: str
    self_column: str
    upper_column: str
    total: str
    grade: str
    date: str
    comments: str
    ratings: tuple[str, str, str, str]  # good, fair, average, poor
    raised_on: str
    author: str
    petition: str
    status: str
    escalated_on: str
    answered_on: str
    answer: str
    # A dict is not hashable, so the mappings stay out of the generated __hash__.
    petition_statuses: Mapping[str, str] = field(default_factory=dict, hash=False)
    criteria: tuple[tuple[str, str], ...] = ()  # (code, text) in the card's order
    grades: Mapping[str, str] = field(default_factory=dict, hash=False)


def make_labels(gettext: Callable[[str], str], card: Card | None = None) -> Labels:
    """The labels in one language (gettext), with the criteria and grades of the card."""
    _ = gettext
    used = card or default_card()
    return Labels(
        sheet_attendance=_(N_("Điểm danh")),
        sheet_scores=_(N_("Chấm điểm")),
        sheet_ratings=_(N_("Đánh giá")),
        sheet_petitions=_(N_("Kiến nghị")),
        cell=_(N_("Chi bộ")),
        name=_(N_("Họ và tên")),
        present=_(N_("có mặt")),
        excused=_(N_("vắng có lý do")),
        excused_because=_(N_("vắng có lý do: {reason}")),
        unexcused=_(N_("vắng không lý do")),
        exempt=_(N_("miễn")),
        present_total=_(N_("Số buổi có mặt")),
        excused_total=_(N_("Số buổi vắng có lý do")),
        unexcused_total=_(N_("Số buổi vắng không lý do")),
        code=_(N_("Mã")),
        criterion=_(N_("Tiêu chí")),
        self_column=_(N_("Chi bộ tự chấm")),
        upper_column=_(N_("Cấp trên chấm")),
        total=_(N_("Tổng điểm")),
        grade=_(N_("Xếp loại")),
        date=_(N_("Ngày")),
        comments=_(N_("Góp ý")),
        ratings=(_(N_("Tốt")), _(N_("Khá")), _(N_("Trung bình")), _(N_("Kém"))),
        raised_on=_(N_("Ngày gửi")),
        author=_(N_("Người gửi")),
        petition=_(N_("Nội dung")),
        status=_(N_("Trạng thái")),
        escalated_on=_(N_("Ngày chuyển")),
        answered_on=_(N_("Ngày trả lời")),
        answer=_(N_("Trả lời")),
        petition_statuses={
            "new": _(N_("mới")),
            "escalated": _(N_("đã chuyển")),
            "answered": _(N_("đã trả lời")),
        },
        criteria=tuple((c.code, _(c.text)) for c in used.criteria),
        grades={g.name: _(g.name) for g in used.grades},
    )


# --- What is exported -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportData:
    """Everything the sheets show for some cells in one period."""

    units: tuple[Unit, ...]
    meetings: tuple[exports.HeldMeeting, ...]
    members: tuple[exports.Member, ...]
    marks: tuple[exports.Mark, ...]
    points: tuple[exports.Points, ...]
    results: tuple[exports.CardResult, ...]
    rating_counts: tuple[exports.RatingCount, ...]
    comments: tuple[exports.RatingComment, ...]
    petitions: tuple[exports.PetitionRow, ...]

    @property
    def empty(self) -> bool:
        """No meeting held and no kiến nghị raised: nothing worth a file."""
        return not self.meetings and not self.petitions


async def collect(
    db: Database, unit_ids: Iterable[int], since: datetime, until: datetime
) -> ExportData:
    """Read, in one unit of work, what the sheets show for these cells in [since, until)."""
    ids = sorted(set(unit_ids))
    async with db.transaction() as conn:
        found = [unit for unit_id in ids if (unit := await units.get(conn, unit_id)) is not None]
        held = await exports.held_meetings(conn, ids, since, until)
        meeting_ids = [m.id for m in held]
        return ExportData(
            units=tuple(sorted(found, key=lambda unit: natural_key(unit.path))),
            meetings=tuple(held),
            members=tuple(await exports.members(conn, ids)),
            marks=tuple(await exports.marks(conn, meeting_ids)),
            points=tuple(await exports.points(conn, meeting_ids)),
            results=tuple(await exports.card_results(conn, meeting_ids)),
            rating_counts=tuple(await exports.rating_counts(conn, meeting_ids)),
            comments=tuple(await exports.rating_comments(conn, meeting_ids)),
            petitions=tuple(await exports.petitions(conn, ids, since, until)),
        )


# --- Tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One sheet as a grid: header rows, data rows, footer rows; the same for XLSX and CSV."""

    key: str  # one of SHEETS
    title: str
    header: tuple[tuple[Value, ...], ...]
    rows: tuple[tuple[Value, ...], ...]
    footer: tuple[tuple[Value, ...], ...] = ()
    # Header cells merged in the workbook: (header row, first column, width), from 0.
    spans: tuple[tuple[int, int, int], ...] = ()
    fixed_columns: int = 1  # columns that stay in view when scrolling right

    @property
    def size(self) -> int:
        """Rows below the header."""
        return len(self.rows) + len(self.footer)


_ROLE_ORDER = {"secretary": 0, "deputy": 1, "committee": 2, "member": 3}


def tables(data: ExportData, labels: Labels, tz: tzinfo) -> dict[str, Table]:
    """The four sheets of an export, by key, in SHEETS order."""
    return {
        "attendance": _attendance(data, labels, tz),
        "scores": _scores(data, labels, tz),
        "ratings": _ratings(data, labels, tz),
        "petitions": _petitions(data, labels, tz),
    }


def _held_on(meeting: exports.HeldMeeting, tz: tzinfo) -> date:
    return meeting.starts_at.astimezone(tz).date()


def _meeting_order(data: ExportData, tz: tzinfo) -> list[exports.HeldMeeting]:
    return sorted(data.meetings, key=lambda m: (_held_on(m, tz), natural_key(m.unit_path)))


def _attendance(data: ExportData, labels: Labels, tz: tzinfo) -> Table:
    days = sorted({_held_on(m, tz) for m in data.meetings})
    meeting_on = {(m.unit_id, _held_on(m, tz)): m.id for m in data.meetings}
    unit_of_meeting = {m.id: m.unit_id for m in data.meetings}
    marks = {(mark.meeting_id, mark.person_id): mark for mark in data.marks}
    rows: list[tuple[Value, ...]] = []
    for unit in data.units:
        people = {
            m.person_id: (_ROLE_ORDER.get(m.role, 9), m.full_name)
            for m in data.members
            if m.unit_id == unit.id and m.status != "transferred"
        }
        for earlier in data.marks:
            # Someone who has since left the cell still has a line for the meetings they had.
            if unit_of_meeting[earlier.meeting_id] == unit.id and earlier.person_id not in people:
                people[earlier.person_id] = (9, earlier.full_name)
        ordered = sorted(
            people.items(), key=lambda item: (item[1][0], person_sort_key(item[1][1]), item[0])
        )
        for person_id, (_order, full_name) in ordered:
            cells: list[Value] = []
            counts = {"present": 0, "excused": 0, "unexcused": 0}
            for day in days:
                meeting_id = meeting_on.get((unit.id, day))
                mark = marks.get((meeting_id, person_id)) if meeting_id is not None else None
                cells.append(_status_text(mark, labels) if mark else None)
                if mark and mark.status in counts:
                    counts[mark.status] += 1
            rows.append(
                (
                    unit.name,
                    full_name,
                    *cells,
                    counts["present"],
                    counts["excused"],
                    counts["unexcused"],
                )
            )
    header: tuple[Value, ...] = (
        labels.cell,
        labels.name,
        *days,
        labels.present_total,
        labels.excused_total,
        labels.unexcused_total,
    )
    return Table(
        key="attendance",
        title=labels.sheet_attendance,
        header=(header,),
        rows=tuple(rows),
        fixed_columns=2,
    )


def _status_text(mark: exports.Mark, labels: Labels) -> str:
    if mark.status == "present":
        return labels.present
    if mark.status == "excused":
        reason = mark.reason.strip()
        return labels.excused_because.format(reason=reason) if reason else labels.excused
    if mark.status == "unexcused":
        return labels.unexcused
    return labels.exempt


def _scores(data: ExportData, labels: Labels, tz: tzinfo) -> Table:
    held = _meeting_order(data, tz)
    given = {(p.meeting_id, p.board, p.criterion): p.points for p in data.points}
    results = {(r.meeting_id, r.board): r for r in data.results}
    known = dict(labels.criteria)
    stored = {p.criterion for p in data.points} - set(known)
    codes = [code for code, _text in labels.criteria] + sorted(stored, key=natural_key)
    boards = ("self", "upper")
    rows = [
        (code, known.get(code, ""), *(given.get((m.id, b, code)) for m in held for b in boards))
        for code in codes
    ]
    totals: tuple[Value, ...] = (
        None,
        labels.total,
        *(_total(results.get((m.id, b))) for m in held for b in boards),
    )
    grades: tuple[Value, ...] = (
        None,
        labels.grade,
        *(_grade(results.get((m.id, b)), labels) for m in held for b in boards),
    )
    names: tuple[Value, ...] = (labels.code, labels.criterion)
    days: tuple[Value, ...] = (None, None)
    columns: tuple[Value, ...] = (None, None)
    for m in held:
        names += (m.unit_name, m.unit_name)
        days += (_held_on(m, tz), _held_on(m, tz))
        columns += (labels.self_column, labels.upper_column)
    spans = tuple((row, 2 + 2 * i, 2) for i in range(len(held)) for row in (0, 1))
    return Table(
        key="scores",
        title=labels.sheet_scores,
        header=(names, days, columns),
        rows=tuple(rows),
        footer=(totals, grades),
        spans=spans,
        fixed_columns=2,
    )


def _total(result: exports.CardResult | None) -> Value:
    return result.total if result else None


def _grade(result: exports.CardResult | None, labels: Labels) -> Value:
    if result is None:
        return None
    return labels.grades.get(result.grade, result.grade)


def _ratings(data: ExportData, labels: Labels, tz: tzinfo) -> Table:
    counts = {(c.meeting_id, c.rating): c.count for c in data.rating_counts}
    comments: dict[int, list[str]] = {}
    for comment in data.comments:
        comments.setdefault(comment.meeting_id, []).append(comment.comment.strip())
    rows = [
        (
            m.unit_name,
            _held_on(m, tz),
            *(counts.get((m.id, rating), 0) for rating in RATINGS),
            "\n".join(comments.get(m.id, [])) or None,
        )
        for m in _meeting_order(data, tz)
    ]
    header: tuple[Value, ...] = (labels.cell, labels.date, *labels.ratings, labels.comments)
    return Table(
        key="ratings",
        title=labels.sheet_ratings,
        header=(header,),
        rows=tuple(rows),
        fixed_columns=2,
    )


def _petitions(data: ExportData, labels: Labels, tz: tzinfo) -> Table:
    def day(moment: datetime | None) -> Value:
        return moment.astimezone(tz).date() if moment else None

    rows = [
        (
            p.unit_name,
            day(p.created_at),
            p.author,
            p.text,
            labels.petition_statuses.get(p.status, p.status),
            day(p.escalated_at),
            day(p.answered_at),
            p.answer or None,
        )
        for p in data.petitions
    ]
    header: tuple[Value, ...] = (
        labels.cell,
        labels.raised_on,
        labels.author,
        labels.petition,
        labels.status,
        labels.escalated_on,
        labels.answered_on,
        labels.answer,
    )
    return Table(
        key="petitions",
        title=labels.sheet_petitions,
        header=(header,),
        rows=tuple(rows),
        fixed_columns=2,
    )


# --- Writing ----------------------------------------------------------------------------------

# Characters a spreadsheet cannot hold or that garble it: C0 controls except tab, newline and
# carriage return, DEL and C1 controls, lone surrogates, and the two non-characters U+FFFE/F.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A text cell starting with one of these is taken for a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH, _MAX_WIDTH, _DATE_WIDTH = 6, 60, 12
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def clean_text(text: str) -> str:
    """Text without the control characters a workbook cannot hold."""
    return _CONTROL.sub("", text)


def to_xlsx(sheets: Iterable[Table]) -> bytes:
    """A workbook with one sheet per table: bold header, frozen panes, real dates and numbers."""
    book = Workbook()
    book.remove(book.active)
    titles: set[str] = set()
    for table in sheets:
        sheet = book.create_sheet(_title(table, titles))
        _fill(sheet, table)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title(table: Table, taken: set[str]) -> str:
    """A sheet name Excel accepts: no []:*?/\\, at most 31 characters, unique."""
    title = _BAD_TITLE.sub(" ", clean_text(table.title)).strip("' ")[:31] or table.key
    while title in taken:
        title = title[:28] + f" {len(taken)}"
    taken.add(title)
    return title


def _fill(sheet: Worksheet, table: Table) -> None:
    grid = table.header + table.rows + table.footer
    bold_rows = set(range(len(table.header))) | {
        len(table.header) + len(table.rows) + i for i in range(len(table.footer))
    }
    widths: dict[int, int] = {}
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            widths[c] = max(widths.get(c, _MIN_WIDTH), _width(value))
            if value is None:
                continue
            cell = sheet.cell(row=r + 1, column=c + 1)
            if isinstance(value, str):
                text = clean_text(value)
                cell.value = text
                cell.data_type = "s"  # never a formula, whatever a member typed
                if "\n" in text or len(text) > _MAX_WIDTH:
                    cell.alignment = _WRAP
            else:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = DATE_FORMAT
            if r in bold_rows:
                cell.font = _BOLD
    for at, first, span in table.spans:
        sheet.merge_cells(
            start_row=at + 1, start_column=first + 1, end_row=at + 1, end_column=first + span
        )
    for c, width in widths.items():
        sheet.column_dimensions[get_column_letter(c + 1)].width = width
    sheet.freeze_panes = sheet.cell(row=len(table.header) + 1, column=table.fixed_columns + 1)


def _width(value: Value) -> int:
    if value is None:
        return _MIN_WIDTH
    if isinstance(value, date):
        return _DATE_WIDTH
    if isinstance(value, str):
        longest = max((len(line) for line in value.splitlines()), default=0)
        return min(longest + 2, _MAX_WIDTH)
    return len(_plain(value)) + 2


def to_csv(table: Table) -> bytes:
    """One table as CSV in UTF-8 with a BOM (so spreadsheet programs read the diacritics)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in table.header + table.rows + table.footer:
        writer.writerow([_csv_value(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = clean_text(value)
        # A leading quote keeps a member's "=…" from running as a formula when opened.
        return "'" + text if text.startswith(_FORMULA_START) else text
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return _plain(value)


def _plain(number: int | Decimal) -> str:
    """A number without exponent or trailing zeros: 5, 4.5, 100."""
    if isinstance(number, int):
        return str(number)
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- Entry points -----------------------------------------------------------------------------


async def build_csv(
    db: Database,
    unit_ids: Iterable[int],
    since: datetime,
    until: datetime,
    labels: Labels,
    sheet: str,
    *,
    tz: tzinfo | None = None,
) -> bytes:
    """One sheet (a key of SHEETS) of these cells in [since, until) as CSV."""
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}")
    data = await collect(db, unit_ids, since, until)
    zone = tz or since.tzinfo
    assert zone is not None, "since must be timezone-aware"
    return to_csv(tables(data, labels, zone)[sheet])


class ExportError(ValueError):
    """A unit, period, format or sheet the CLI cannot export; a msgid with its placeholders."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def render(self, gettext: Callable[[str], str]) -> str:
        """The reason in the reader's language."""
        return gettext(self.message).format(**self.params)


async def export_to_file(
    db: Database,
    unit_path: str | None,
    period_text: str,
    fmt: str,
    sheet: str,
    out: Path,
    now: datetime,
    tz: tzinfo,
    *,
    labels: Labels | None = None,
) -> int:
    """Write an export (every cell, or the cells at or below unit_path) to out.

    Returns the rows written below the headers: of the one sheet for CSV, of every sheet for
    XLSX. Raises ExportError for an unknown unit, a bad period, format or sheet; nothing is
    written then. Labels default to the Vietnamese ones with the default card.
    """
    if fmt not in FORMATS:
        raise ExportError(N_("Định dạng «{format}» không có: chọn xlsx hoặc csv."), format=fmt)
    if sheet not in SHEETS:
        raise ExportError(
            N_("Không có bảng «{sheet}»: chọn {choices}."), sheet=sheet, choices=", ".join(SHEETS)
        )
    today = now.astimezone(tz).date()
    period = read_whole_period(period_text, today, default=Month.of(today))
    if isinstance(period, MonthError):
        raise ExportError(period.message, **period.params)
    unit_ids = await cells_at(db, unit_path)
    data = await collect(db, unit_ids, period.since(tz), period.until(tz))
    built = tables(data, labels or make_labels(lambda message: message), tz)
    if fmt == "csv":
        payload, count = to_csv(built[sheet]), built[sheet].size
    else:
        payload = to_xlsx(built.values())
        count = sum(table.size for table in built.values())
    await asyncio.to_thread(out.write_bytes, payload)
    return count


async def cells_at(db: Database, unit_path: str | None) -> list[int]:
    """Ids of every cell (None), or of the cells at or below the unit with this path or name."""
    async with db.transaction() as conn:
        if unit_path is None:
            return [unit.id for unit in await units.cells(conn)]
        wanted = fold(unit_path)
        everything = await units.all_units(conn)
        found = [u for u in everything if fold(u.path) == wanted] or [
            u for u in everything if fold(u.name) == wanted
        ]
        if len(found) != 1:
            raise ExportError(
                N_("Không có đơn vị «{unit}» (hoặc có nhiều đơn vị cùng tên): ghi đủ đường dẫn."),
                unit=unit_path,
            )
        cells = await units.cells_under(conn, [found[0].id])
    if not cells:
        raise ExportError(N_("Đơn vị «{unit}» không có chi bộ nào."), unit=unit_path)
    return [unit.id for unit in cells]
