"""Reading and validating the organisation file (CSV or XLSX, one row per person)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain.models import N_, MemberStatus, Role
from bot.domain.text import fold, tidy

UnitPath = tuple[str, ...]

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# A cell longer than this is certainly a mistake (a pasted document, a broken quote), and
# names and paths end up in chat messages, which Telegram caps at 4096 characters.
MAX_CELL_CHARS = 1000
# Excel's own row limit: anything past it can only come from a crafted or broken file.
_MAX_SHEET_LINE = 1_048_576
# Declared uncompressed size of all parts of an XLSX: bounds a zip bomb before openpyxl
# inflates it (a genuine 20 MB workbook is well under this).
_MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
# Past this many characters a cell is too long whatever white space tidying removes.
_MAX_RAW_CHARS = 8 * MAX_CELL_CHARS

# Title rows ("DANH SÁCH ĐẢNG VIÊN…") above the header that are skipped to find it.
_MAX_TITLE_ROWS = 10
# A merged "Họ và tên" header covers at most họ | đệm | tên.
_MAX_NAME_COLUMNS = 3
# What a sub-header row under a merged "Họ và tên" says (folded).
_NAME_PARTS = {
    fold(word)
    for word in (
        "họ",
        "họ đệm",
        "họ và đệm",
        "họ và tên đệm",
        "họ lót",
        "tên đệm",
        "chữ đệm",
        "tên",
        "first name",
        "last name",
        "given name",
        "family name",
        "surname",
    )
}

_CSV_SUFFIXES = {".csv"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_DELIMITERS = (",", ";", "\t")
_PHONE = re.compile(r"\+?[0-9]{8,15}")
_PHONE_NOISE = re.compile(r"[\s.\-()]")
_SHOWN_CHARS = 60
# Control characters, invisible format marks (zero-width spaces, bidi overrides), surrogates.
_INVISIBLE = ("Cc", "Cf", "Cs")

# Field names used internally; the file's own header text is what errors quote.
UNIT, NAME, ROLE, PHONE, STATUS, FOLLOWS = "unit", "name", "role", "phone", "status", "follows"
_REQUIRED = (UNIT, NAME, ROLE)
_HEADER_WORDS = {
    UNIT: ["đơn vị", "unit"],
    NAME: ["họ và tên", "họ tên", "full name", "name"],
    ROLE: ["vai trò", "role"],
    PHONE: ["điện thoại", "số điện thoại", "phone number", "phone"],
    STATUS: ["trạng thái", "status"],
    FOLLOWS: ["phụ trách", "theo dõi", "follows"],
}
_HEADERS = {fold(word): key for key, words in _HEADER_WORDS.items() for word in words}
# How a missing column is named in the error: both languages, since the file may use either.
_HEADER_NAMES = {key: f"{words[0]} / {words[-1]}" for key, words in _HEADER_WORDS.items()}

MSG_MALFORMED_PATH = N_("Đơn vị «{value}» không hợp lệ: có phần trống giữa các dấu «/».")


def format_path(path: UnitPath) -> str:
    """Join a unit path for display, e.g. "Đảng bộ xã Thượng Kiệm / Chi bộ xóm 9"."""
    return " / ".join(path)


def parse_path(text: str) -> UnitPath | None:
    """Split a unit path on "/" and tidy each part; None if any part is empty."""
    parts = tuple(tidy(part) for part in text.split("/"))
    return None if any(not part for part in parts) else parts


@dataclass(frozen=True)
class OrgRow:
    """One valid person row of the organisation file."""

    line: int
    unit: UnitPath
    name: str
    role: Role
    phone: str | None
    status: MemberStatus
    follows: tuple[UnitPath, ...]
    # The name as compared: without diacritics or case (computed once, for big files).
    name_key: str


@dataclass(frozen=True)
class RowError:
    """A problem found in the file, at a line (0: the whole file) and column."""

    line: int
    column: str | None
    message: str
    # A dict is not hashable, so it stays out of the generated __hash__.
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str]) -> str:
        """Translate the message and fill in its placeholders."""
        return gettext(self.message).format(**self.params)


@dataclass(frozen=True)
class OrgFile:
    """The rows that passed every check, and every error found; import only if no errors."""

    rows: tuple[OrgRow, ...]
    errors: tuple[RowError, ...]


def read_org_file(path: Path, known_units: Collection[UnitPath] = ()) -> OrgFile:
    """Read and validate an organisation file; `known_units` may be followed without rows."""
    try:
        records = _read_records(path)
        return _validate(records, known_units)
    except _FileError as problem:
        return OrgFile(rows=(), errors=(problem.error,))


# --- Reading -----------------------------------------------------------------------------

_Record = tuple[int, list[str]]  # (line as a person sees it, cleaned cells); never blank


class _FileError(Exception):
    """A problem that stops reading the file; carries the error to report."""

    def __init__(self, line: int, message: str, **params: str) -> None:
        super().__init__(message)
        self.error = RowError(line, None, message, params)


def _read_records(path: Path) -> list[_Record]:
    suffix = path.suffix.lower()
    if suffix not in _CSV_SUFFIXES | _XLSX_SUFFIXES:
        raise _FileError(
            0, N_("Không đọc được tệp «{name}»: chỉ nhận tệp .csv hoặc .xlsx."), name=path.name
        )
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _FileError(
                0, N_("Tệp quá lớn: tối đa {max} MB."), max=str(MAX_FILE_BYTES // 2**20)
            )
        if suffix in _CSV_SUFFIXES:
            return _collect(_csv_records(path.read_bytes()))
        return _xlsx_records(path)
    except OSError:
        raise _FileError(0, N_("Không mở được tệp «{name}»."), name=path.name) from None


def _collect(records: Iterable[_Record]) -> list[_Record]:
    """Materialise the records, refusing a file with too many rows (the header is extra)."""
    result: list[_Record] = []
    for record in records:
        if len(result) > MAX_ROWS:
            raise _too_many_rows(record[0])
        result.append(record)
    return result


def _too_many_rows(line: int) -> _FileError:
    return _FileError(line, N_("Tệp có quá nhiều dòng: tối đa {max} dòng."), max=str(MAX_ROWS))


def _clean(value: str) -> str:
    """Drop control and invisible formatting characters, then tidy white space."""
    if len(value) > _MAX_RAW_CHARS:
        # Cheap for a monstrous cell, and still too long for the length check: cutting the
        # cell before tidying could instead leave a shorter, wrong value (a path cut short).
        return value[: MAX_CELL_CHARS + 1]
    if (
        value.isprintable()
        and "  " not in value
        and value == value.strip()
        and unicodedata.is_normalized("NFC", value)
    ):
        return value  # already tidy: most cells, so the common case costs little
    if not value.isprintable():
        value = "".join(
            ch for ch in value if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE
        )
    return tidy(value)


def _csv_records(data: bytes) -> Iterator[_Record]:
    text = _decode(data)
    first_line, delimiter = _dialect(text)
    if first_line is not None:
        # Blank the "sep=;" hint line rather than drop it, so line numbers stay true.
        text = text[len(first_line) :]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # With the default dialect the only error left is a field over the csv module's
            # size limit: a missing closing quote swallowing the rest of the file, typically.
            raise _FileError(
                line,
                N_(
                    "Không đọc được tệp CSV từ dòng này: "
                    "có ô quá dài hoặc thiếu dấu ngoặc kép đóng."
                ),
            ) from None
        cells = [_clean(cell) for cell in raw]
        if any(cells):
            yield line, cells
        line = reader.line_num + 1


def _decode(data: bytes) -> str:
    # Excel's "Unicode Text" is UTF-16 with a byte-order mark; accept it since it is lossless.
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        # Guessing a legacy code page would silently garble Vietnamese names: ask for UTF-8.
        line = data[: exc.start].count(b"\n") + 1 if encoding == "utf-8-sig" else 0
        raise _FileError(
            line,
            N_(
                "Tệp CSV chưa được lưu bằng bảng mã UTF-8. "
                "Trong Excel, hãy chọn Lưu thành → «CSV UTF-8» rồi gửi lại."
            ),
        ) from None


def _dialect(text: str) -> tuple[str | None, str]:
    """Return Excel's "sep=X" hint line if present (without its line break), and the delimiter."""
    first = next(iter(io.StringIO(text[:65536], newline="")), "")
    hint = first.rstrip("\r\n")
    if len(hint) == 5 and hint[:4].lower() == "sep=" and hint[4] in _DELIMITERS:
        return hint, hint[4]
    return None, _sniff_delimiter(text)


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter under which the header row has the most known column names."""
    # Vietnamese Excel writes ";" because "," is the decimal separator there.
    header = next((line for line in io.StringIO(text[:65536], newline="") if line.strip()), "")

    def score(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:
            return 0, 0
        return sum(fold(_clean(cell)) in _HEADERS for cell in cells), len(cells)

    return max(_DELIMITERS, key=score)


def _xlsx_records(path: Path) -> list[_Record]:
    import openpyxl  # only XLSX imports pay for loading it

    with path.open("rb") as stream, warnings.catch_warnings():
        # openpyxl warns about features it drops (data validation, styles); they do not matter.
        warnings.simplefilter("ignore")
        try:
            _check_unzipped_size(stream)
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except _FileError:
            raise
        except Exception:  # a broken file can fail anywhere inside openpyxl
            raise _not_xlsx(path) from None
        try:
            sheet = workbook.worksheets[0]
            # Some writers store a wrong sheet size; read whatever cells are really there.
            sheet.reset_dimensions()
            records = _collect(_sheet_records(sheet.iter_rows(min_row=1, values_only=True)))
            return _fill_merged(records, _vertical_merges(sheet))
        except _FileError:
            raise
        except Exception:
            raise _not_xlsx(path) from None
        finally:
            workbook.close()


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def _vertical_merges(sheet: Any) -> list[tuple[int, int, int]]:
    """Cells merged downwards, as (column index, first line, last line).

    openpyxl's read-only mode, which keeps a large sheet cheap, does not read merged cells,
    so the sheet's XML is scanned for them.
    """
    from openpyxl.utils.cell import column_index_from_string

    found: list[tuple[int, int, int]] = []
    tail = b""
    with sheet._get_source() as source:  # the only way to the sheet's XML
        while chunk := source.read(1 << 20):
            text = tail + chunk
            for match in _MERGE.finditer(text):
                first, last = int(match[2]), int(match[4])
                if last > first:
                    column = column_index_from_string(match[1].decode()) - 1
                    found.append((column, first, last))
            # A tag cut by the chunk boundary is found whole in the next round.
            cut = text.rfind(b"<")
            tail = text[cut:] if cut >= 0 and b">" not in text[cut:] else b""
    return found


def _fill_merged(records: list[_Record], merges: list[tuple[int, int, int]]) -> list[_Record]:
    """Give every cell of a downward merge the value shown in its first cell."""
    if not merges:
        return records
    by_line = dict(records)
    for column, first, last in merges:
        top = by_line.get(first)
        value = top[column] if top is not None and column < len(top) else ""
        for line in range(first + 1, last + 1):
            cells = by_line.get(line)
            if cells is not None:
                cells.extend([""] * (column + 1 - len(cells)))
                cells[column] = value
    return records


def _check_unzipped_size(stream: io.BufferedReader) -> None:
    with zipfile.ZipFile(stream) as archive:
        if sum(info.file_size for info in archive.infolist()) > _MAX_UNZIPPED_BYTES:
            raise _FileError(
                0, N_("Tệp quá lớn: tối đa {max} MB."), max=str(MAX_FILE_BYTES // 2**20)
            )
    stream.seek(0)


def _not_xlsx(path: Path) -> _FileError:
    return _FileError(0, N_("Tệp «{name}» không phải tệp Excel .xlsx hợp lệ."), name=path.name)


def _sheet_records(rows: Iterable[tuple[Any, ...]]) -> Iterator[_Record]:
    # openpyxl fills in missing rows from row 1, so counting gives the sheet's row numbers.
    for line, values in enumerate(rows, start=1):
        if line > _MAX_SHEET_LINE:
            raise _too_many_rows(line)
        cells = [_clean(_cell_text(value)) for value in values]
        if any(cells):
            yield line, cells


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    # A phone typed as a number comes back as 912345678 or 912345678.0: keep the digits only.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- Headers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    """Where each known column is: field → (cell index, header as written)."""

    found: Mapping[str, tuple[int, str]]
    # "Họ và tên" merged over two or three columns (họ đệm | tên): every cell index it covers.
    name_span: tuple[int, ...] = ()


def _read_header(line: int, cells: list[str]) -> tuple[_Columns, list[RowError]]:
    found: dict[str, tuple[int, str]] = {}
    errors: list[RowError] = []
    for index, header in enumerate(cells):
        key = _HEADERS.get(fold(header))
        if key is None:
            continue  # "STT", "ghi chú" and the like are the admin's own business
        if key in found:
            errors.append(
                RowError(
                    line,
                    header,
                    N_("Cột «{column}» bị lặp lại; chỉ giữ một cột này."),
                    {"column": header},
                )
            )
            continue
        found[key] = (index, header)
    written = _shown(", ".join(f"«{header}»" for header in cells if header), 4 * _SHOWN_CHARS)
    for key in _REQUIRED:
        if key not in found:
            errors.append(
                RowError(
                    line,
                    None,
                    N_("Thiếu cột «{column}»; các cột đang có: {found}."),
                    {"column": _HEADER_NAMES[key], "found": written},
                )
            )
    span: tuple[int, ...] = ()
    if NAME in found:
        first = found[NAME][0]
        last = first
        # Columns without a header right after the name are the rest of a merged name header.
        while (
            last + 1 < len(cells) and last - first < _MAX_NAME_COLUMNS - 1 and not cells[last + 1]
        ):
            last += 1
        span = tuple(range(first, last + 1))
    return _Columns(found, span), errors


def _find_header(records: list[_Record]) -> int:
    """The index of the header row: the first with every required column, past title rows."""
    for index, (_line, cells) in enumerate(records[: _MAX_TITLE_ROWS + 1]):
        keys = {_HEADERS.get(fold(cell)) for cell in cells if cell}
        if keys.issuperset(_REQUIRED):
            return index
    return 0  # no header anywhere: the first row's missing columns are what to report


def _is_subheader(cells: list[str], header: list[str], columns: _Columns) -> bool:
    """Whether a row under the header names the parts of a merged name ("Họ đệm", "Tên")."""
    parts = [fold(cells[i]) for i in columns.name_span if i < len(cells) and cells[i]]
    if not parts or not all(part in _NAME_PARTS for part in parts):
        return False
    others = [i for i, cell in enumerate(cells) if cell and i not in columns.name_span]
    # A header merged downwards repeats its text in the sub-header row; anything else is data.
    return all(i < len(header) and fold(cells[i]) == fold(header[i]) for i in others)


# --- Rows --------------------------------------------------------------------------------


class _Memo:
    """Values read once per file: most cells repeat (units, roles, statuses)."""

    def __init__(self) -> None:
        self.roles: dict[str, Role | None] = {}
        self.statuses: dict[str, MemberStatus | None] = {}
        self.paths: dict[str, UnitPath | None] = {}

    def role(self, text: str) -> Role | None:
        if text not in self.roles:
            self.roles[text] = Role.parse(text)
        return self.roles[text]

    def status(self, text: str) -> MemberStatus | None:
        if text not in self.statuses:
            self.statuses[text] = MemberStatus.parse(text)
        return self.statuses[text]

    def path(self, text: str) -> UnitPath | None:
        if text not in self.paths:
            self.paths[text] = parse_path(text)
        return self.paths[text]


@dataclass
class _Draft:
    """What could be read from one row, valid or not; cross-row checks use what is there."""

    line: int
    unit: UnitPath | None
    name: str
    role: Role | None
    phone: str | None
    status: MemberStatus
    follows: tuple[UnitPath, ...]
    name_key: str

    def row(self) -> OrgRow:
        # Only called on rows without errors, where both are present.
        assert self.unit is not None
        assert self.role is not None
        return OrgRow(
            self.line,
            self.unit,
            self.name,
            self.role,
            self.phone,
            self.status,
            self.follows,
            self.name_key,
        )


class _Row:
    """One data row with its columns, collecting the errors found in it."""

    def __init__(self, columns: _Columns, line: int, cells: list[str], memo: _Memo) -> None:
        self.columns = columns
        self.line = line
        self.cells = cells
        self.memo = memo
        self.errors: list[RowError] = []

    def value(self, key: str) -> str | None:
        """The cleaned cell ("" if absent), or None if it is too long (already reported)."""
        where = self.columns.found.get(key)
        if where is None or where[0] >= len(self.cells):
            return ""
        if key == NAME and len(self.columns.name_span) > 1:
            span = self.columns.name_span
            text = " ".join(self.cells[i] for i in span if i < len(self.cells) and self.cells[i])
        else:
            text = self.cells[where[0]]
        if len(text) > MAX_CELL_CHARS:
            self.fail(key, N_("Ô quá dài: tối đa {max} ký tự."), max=str(MAX_CELL_CHARS))
            return None
        return text

    def fail(self, key: str, message: str, **params: str) -> None:
        where = self.columns.found.get(key)
        self.errors.append(RowError(self.line, where[1] if where else None, message, params))


def _shown(value: str, limit: int = _SHOWN_CHARS) -> str:
    """A cell value short enough to quote in an error message."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _read_row(row: _Row) -> _Draft:
    unit = _read_unit(row)
    name = _read_name(row)
    role = _read_role(row)
    return _Draft(
        line=row.line,
        unit=unit,
        name=name,
        role=role,
        phone=_read_phone(row),
        status=_read_status(row),
        follows=_read_follows(row, role),
        name_key=fold(name),
    )


def _read_unit(row: _Row) -> UnitPath | None:
    text = row.value(UNIT)
    if not text:
        if text == "":
            row.fail(UNIT, N_("Thiếu đơn vị."))
        return None
    path = row.memo.path(text)
    if path is None:
        row.fail(UNIT, MSG_MALFORMED_PATH, value=_shown(text))
    return path


def _read_name(row: _Row) -> str:
    text = row.value(NAME)
    if text == "":
        row.fail(NAME, N_("Thiếu họ và tên."))
    return text or ""


def _read_role(row: _Row) -> Role | None:
    text = row.value(ROLE)
    if text is None:
        return None
    role = row.memo.role(text)
    if role is None:
        if text == "":
            row.fail(
                ROLE,
                N_(
                    "Thiếu vai trò; dùng: bí thư, phó bí thư, chi ủy viên, đảng viên, "
                    "cấp ủy viên phụ trách."
                ),
            )
        else:
            row.fail(
                ROLE,
                N_(
                    "Vai trò «{value}» không hợp lệ; dùng: bí thư, phó bí thư, chi ủy viên, "
                    "đảng viên, cấp ủy viên phụ trách."
                ),
                value=_shown(text),
            )
    return role


def _read_phone(row: _Row) -> str | None:
    text = row.value(PHONE)
    if not text:
        return None
    phone = _PHONE_NOISE.sub("", text)
    if not _PHONE.fullmatch(phone):
        row.fail(
            PHONE,
            N_("Số điện thoại «{value}» không hợp lệ: cần từ 8 đến 15 chữ số."),
            value=_shown(text),
        )
        return None
    return phone


def _read_status(row: _Row) -> MemberStatus:
    text = row.value(STATUS)
    if text is None:
        return MemberStatus.ACTIVE
    status = row.memo.status(text)
    if status is None:
        row.fail(
            STATUS,
            N_(
                "Trạng thái «{value}» không hợp lệ; dùng: sinh hoạt, miễn sinh hoạt, tạm miễn, "
                "đã chuyển sinh hoạt (để trống là đang sinh hoạt)."
            ),
            value=_shown(text),
        )
        return MemberStatus.ACTIVE
    return status


def _read_follows(row: _Row, role: Role | None) -> tuple[UnitPath, ...]:
    text = row.value(FOLLOWS)
    if text is None:
        return ()
    # A trailing ";" leaves an empty piece: harmless, so it is skipped.
    pieces = [piece.strip() for piece in text.split(";") if piece.strip()]
    paths: list[UnitPath] = []
    for piece in pieces:
        path = row.memo.path(piece)
        if path is None:
            row.fail(FOLLOWS, MSG_MALFORMED_PATH, value=_shown(piece))
        elif path not in paths:
            paths.append(path)
    if role is Role.CADRE and not pieces:
        row.fail(
            FOLLOWS,
            N_("Cấp ủy viên phụ trách cần ghi ít nhất một đơn vị phụ trách (cột phụ trách)."),
        )
    elif role is not None and role is not Role.CADRE and pieces:
        row.fail(
            FOLLOWS,
            N_("Chỉ cấp ủy viên phụ trách mới ghi đơn vị phụ trách; hãy để trống ô này."),
        )
        return ()
    return tuple(paths)


# --- Whole file --------------------------------------------------------------------------


def _validate(records: list[_Record], known_units: Collection[UnitPath]) -> OrgFile:
    if not records:
        return OrgFile((), (RowError(0, None, N_("Tệp trống: không có dòng tiêu đề."), {}),))
    start = _find_header(records)
    header_line, header_cells = records[start]
    columns, header_errors = _read_header(header_line, header_cells)
    if header_errors:
        return OrgFile((), tuple(header_errors))
    body = records[start + 1 :]
    if body and _is_subheader(body[0][1], header_cells, columns):
        body = body[1:]
    if not body:
        message = N_("Tệp chỉ có dòng tiêu đề, chưa có ai.")
        return OrgFile((), (RowError(header_line, None, message, {}),))
    if _unit_merged_down(body, columns):
        body = _fill_down(body, columns.found[UNIT][0])
    memo = _Memo()
    drafts: list[_Draft] = []
    errors: list[RowError] = []
    for line, cells in body:
        row = _Row(columns, line, cells, memo)
        drafts.append(_read_row(row))
        errors.extend(row.errors)
    _same_spelling(drafts, known_units)
    errors.extend(_cross_check(drafts, columns, known_units))
    errors.sort(key=lambda error: error.line)  # stable: a row's errors keep column order
    bad_lines = {error.line for error in errors}
    rows = tuple(draft.row() for draft in drafts if draft.line not in bad_lines)
    return OrgFile(rows, tuple(errors))


def _unit_merged_down(body: list[_Record], columns: _Columns) -> bool:
    """Whether the unit column is written once per unit, on the first row of its block.

    That is the layout of a unit cell merged downwards (or left blank below, in CSV). It is
    clear when the first row has a unit, no unit is written twice, and most rows have none:
    a file that repeats units on every row and misses one has a mistake, reported as such.
    """
    index = columns.found[UNIT][0]
    units = [cells[index] if index < len(cells) else "" for _line, cells in body]
    written = [unit.casefold() for unit in units if unit]
    blank = len(units) - len(written)
    return bool(units[0]) and blank > len(written) and len(set(written)) == len(written)


def _fill_down(body: list[_Record], index: int) -> list[_Record]:
    """Each blank unit cell takes the unit written above it."""
    filled: list[_Record] = []
    above = ""
    for line, cells in body:
        current = cells[index] if index < len(cells) else ""
        if current:
            above = current
        else:
            cells = [*cells, *[""] * (index + 1 - len(cells))]
            cells[index] = above
        filled.append((line, cells))
    return filled


def _unit_key(path: UnitPath) -> tuple[str, ...]:
    """Paths that differ only in case are one unit (tidy() has already made them NFC)."""
    return tuple(part.casefold() for part in path)


def _same_spelling(drafts: list[_Draft], known_units: Collection[UnitPath]) -> None:
    """Write every path as the database (else the file's first row) spells it."""
    spelling: dict[tuple[str, ...], UnitPath] = {}
    done: dict[UnitPath, UnitPath] = {}

    def canonical(path: UnitPath) -> UnitPath:
        if path in done:
            return done[path]
        result: UnitPath = ()
        for part in path:
            prefix = (*result, part)
            result = spelling.setdefault(_unit_key(prefix), prefix)
        done[path] = result
        return result

    for path in known_units:
        canonical(path)
    for draft in drafts:
        if draft.unit is not None:
            draft.unit = canonical(draft.unit)
        draft.follows = tuple(dict.fromkeys(canonical(path) for path in draft.follows))


def _cross_check(
    drafts: list[_Draft], columns: _Columns, known_units: Collection[UnitPath]
) -> list[RowError]:
    def column(key: str) -> str | None:
        where = columns.found.get(key)
        return where[1] if where else None

    errors = _duplicates(drafts, column(NAME))
    errors += _second_secretaries(drafts, column(ROLE))
    errors += _nested_member_units(drafts, column(UNIT))
    errors += _unknown_follows(drafts, column(FOLLOWS), known_units)
    return errors


def _duplicates(drafts: list[_Draft], column: str | None) -> list[RowError]:
    first: dict[tuple[UnitPath, str], int] = {}
    errors: list[RowError] = []
    for draft in drafts:
        if draft.unit is None or not draft.name:
            continue
        key = (draft.unit, draft.name_key)
        if key in first:
            errors.append(
                RowError(
                    draft.line,
                    column,
                    N_("«{name}» đã có trong đơn vị này: trùng với dòng {first}."),
                    {"name": _shown(draft.name), "first": str(first[key])},
                )
            )
        else:
            first[key] = draft.line
    return errors


def _second_secretaries(drafts: list[_Draft], column: str | None) -> list[RowError]:
    first: dict[UnitPath, int] = {}
    errors: list[RowError] = []
    for draft in drafts:
        if draft.unit is None or draft.role is not Role.SECRETARY:
            continue
        if draft.unit in first:
            errors.append(
                RowError(
                    draft.line,
                    column,
                    N_("Đơn vị này đã có bí thư ở dòng {first}; mỗi đơn vị chỉ có một bí thư."),
                    {"first": str(first[draft.unit])},
                )
            )
        else:
            first[draft.unit] = draft.line
    return errors


def _nested_member_units(drafts: list[_Draft], column: str | None) -> list[RowError]:
    """A cell's members live in one unit, so no unit with members may contain another."""
    first: dict[UnitPath, int] = {}
    for draft in drafts:
        if draft.unit is not None and draft.role not in (None, Role.CADRE):
            first.setdefault(draft.unit, draft.line)
    reported: set[UnitPath] = set()
    errors: list[RowError] = []
    for inner, inner_line in first.items():
        for size in range(1, len(inner)):
            outer = inner[:size]
            if outer in first and outer not in reported:
                reported.add(outer)  # one error per outer unit is enough to point at it
                errors.append(
                    RowError(
                        first[outer],
                        column,
                        N_(
                            "Đơn vị «{unit}» có đảng viên nhưng lại chứa đơn vị «{inner}» "
                            "(dòng {line}) cũng có đảng viên; đảng viên chỉ thuộc một chi bộ."
                        ),
                        {
                            "unit": _shown(format_path(outer)),
                            "inner": _shown(format_path(inner)),
                            "line": str(inner_line),
                        },
                    )
                )
    return errors


def _unknown_follows(
    drafts: list[_Draft], column: str | None, known_units: Collection[UnitPath]
) -> list[RowError]:
    known: set[UnitPath] = set()
    for unit in [draft.unit for draft in drafts if draft.unit is not None] + list(known_units):
        known.update(unit[:size] for size in range(1, len(unit) + 1))
    errors: list[RowError] = []
    for draft in drafts:
        for path in draft.follows:
            if path not in known:
                errors.append(
                    RowError(
                        draft.line,
                        column,
                        N_("Đơn vị phụ trách «{value}» không có trong tệp."),
                        {"value": _shown(format_path(path))},
                    )
                )
    return errors
