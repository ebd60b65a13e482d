"""Reading and validating the organisation file: bot/domain/orgfile.py."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.models import MemberStatus, Role
from bot.domain.orgfile import (
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    OrgFile,
    RowError,
    format_path,
    parse_path,
    read_org_file,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "chibo_devtools" / "demo" / "sample_org.csv"
DATA = Path(__file__).resolve().parent / "data"

COMMUNE = "Đảng bộ xã Thượng Kiệm"
XOM_9 = (COMMUNE, "Chi bộ xóm 9")
XOM_10 = (COMMUNE, "Chi bộ xóm 10")
SCHOOL = (COMMUNE, "Chi bộ Trường Tiểu học Thượng Kiệm")

HEADER = "đơn vị,họ và tên,vai trò,điện thoại,trạng thái,phụ trách"
GOOD = "Đảng bộ xã A / Chi bộ B,Nguyễn Văn An,bí thư,0912345678,,"


def identity(message: str) -> str:
    return message


def write(tmp_path: Path, text: str, name: str = "org.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_text(tmp_path: Path, *lines: str) -> OrgFile:
    return read_org_file(write(tmp_path, "\n".join(lines) + "\n"))


def sample_table() -> list[list[str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def only_error(result: OrgFile) -> RowError:
    assert len(result.errors) == 1, [e.render(identity) for e in result.errors]
    return result.errors[0]


# --- Paths -------------------------------------------------------------------------------


def test_parse_path_tidies_each_part_and_format_path_joins_them() -> None:
    path = parse_path("  Đảng bộ xã  Thượng Kiệm/Chi bộ   xóm 9 ")
    assert path == XOM_9
    assert format_path(XOM_9) == "Đảng bộ xã Thượng Kiệm / Chi bộ xóm 9"


@pytest.mark.parametrize("text", ["", " ", "A //B", "/A", "A/", "A / / B"])
def test_parse_path_refuses_empty_parts(text: str) -> None:
    assert parse_path(text) is None


# --- Good files --------------------------------------------------------------------------


def test_sample_file_reads_without_errors_with_right_counts_per_role() -> None:
    result = read_org_file(SAMPLE)
    assert result.errors == ()
    roles = Counter(row.role for row in result.rows)
    assert roles == {
        Role.SECRETARY: 3,
        Role.DEPUTY: 3,
        Role.COMMITTEE: 1,
        Role.MEMBER: 19,
        Role.CADRE: 2,
    }
    units = Counter(row.unit for row in result.rows)
    assert units == {XOM_9: 12, XOM_10: 8, SCHOOL: 6, (COMMUNE,): 2}
    statuses = Counter(row.status for row in result.rows if row.unit == XOM_9)
    assert statuses[MemberStatus.EXEMPT] == 1
    assert statuses[MemberStatus.TEMP_EXEMPT] == 1


def test_sample_file_first_secretary_member_and_cadre() -> None:
    rows = read_org_file(SAMPLE).rows
    first = rows[0]
    assert (first.line, first.unit, first.name, first.role) == (
        2,
        XOM_9,
        "Nguyễn Văn An",
        Role.SECRETARY,
    )
    assert first.phone == "0912345678"
    assert any(r.name == "Trần Thị Bình" and r.role is Role.MEMBER for r in rows)
    cadre = next(r for r in rows if r.name == "Phạm Quốc Cường")
    assert cadre.role is Role.CADRE
    assert cadre.unit == (COMMUNE,)
    assert cadre.follows == (XOM_9, XOM_10)


def test_english_headers_and_values_work_and_extra_columns_are_ignored() -> None:
    result = read_org_file(DATA / "org_en_headers.csv")
    assert result.errors == ()
    an, binh, cuong, cadre = result.rows
    cell = ("Commune Party Committee", "Cell 1")
    assert (an.unit, an.role, an.phone) == (cell, Role.SECRETARY, "+84912345678")
    assert (binh.role, binh.status, binh.phone) == (Role.MEMBER, MemberStatus.TEMP_EXEMPT, None)
    assert (cuong.role, cuong.phone, cuong.status) == (
        Role.DEPUTY,
        "0912345679",
        MemberStatus.ACTIVE,
    )
    # The trailing ";" leaves an empty piece, which is not an error.
    assert (cadre.role, cadre.follows) == (Role.CADRE, (cell,))


def test_headers_and_values_without_diacritics_work() -> None:
    result = read_org_file(DATA / "org_plain_headers.csv")
    assert result.errors == ()
    assert [(r.name, r.role, r.status) for r in result.rows] == [
        ("Nguyen Van An", Role.SECRETARY, MemberStatus.ACTIVE),
        ("Tran Thi Binh", Role.MEMBER, MemberStatus.EXEMPT),
        ("Vu Van Hung", Role.COMMITTEE, MemberStatus.TEMP_EXEMPT),
        ("Pham Quoc Cuong", Role.CADRE, MemberStatus.ACTIVE),
    ]


def test_semicolon_csv_as_vietnamese_excel_writes_it_works() -> None:
    """BOM, CRLF line ends, ";" delimiter, capitalised values, phone with spaces."""
    result = read_org_file(DATA / "org_semicolon_excel.csv")
    assert result.errors == ()
    assert [(r.line, r.name, r.role) for r in result.rows] == [
        (2, "Nguyễn Văn An", Role.SECRETARY),
        (3, "Trần Thị Bình", Role.MEMBER),
        (4, "Phạm Quốc Cường", Role.CADRE),
    ]
    assert result.rows[0].phone == "0912345678"
    assert result.rows[1].status is MemberStatus.EXEMPT


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_sample_rewritten_with_another_delimiter_gives_the_same_rows(
    tmp_path: Path, delimiter: str
) -> None:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(sample_table())
    result = read_org_file(write(tmp_path, out.getvalue()))
    assert result.errors == ()
    assert result.rows == read_org_file(SAMPLE).rows


def test_excel_sep_hint_line_is_skipped_and_still_counts_for_line_numbers(
    tmp_path: Path,
) -> None:
    result = read_text(tmp_path, "sep=;", HEADER.replace(",", ";"), GOOD.replace(",", ";"))
    assert result.errors == ()
    assert result.rows[0].line == 3


def test_utf16_unicode_text_from_excel_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_bytes(("\n".join([HEADER, GOOD]) + "\n").replace(",", "\t").encode("utf-16"))
    result = read_org_file(path)
    assert result.errors == ()
    assert result.rows[0].name == "Nguyễn Văn An"


def test_blank_rows_are_skipped_but_count_for_line_numbers(tmp_path: Path) -> None:
    result = read_text(tmp_path, "", HEADER, ",,,,,", GOOD, "", "X / Y,Lê Văn Bốn,đảng viên,,,")
    assert result.errors == ()
    assert [r.line for r in result.rows] == [4, 6]


def test_quoted_cell_with_line_break_reports_the_line_where_the_record_starts(
    tmp_path: Path,
) -> None:
    result = read_text(
        tmp_path,
        HEADER,
        'A / B,"Nguyễn\nVăn An",bí thư,,,',
        'A / B,Lê Thị Hai,"đảng\nviên",,"nghỉ\nhẳn",',
        "A / B,Trần Văn Ba,đảng viên,,,",
    )
    assert result.rows[0].name == "Nguyễn Văn An"
    assert [r.line for r in result.rows] == [2, 7]
    error = only_error(result)
    assert (error.line, error.column) == (4, "trạng thái")


def test_control_and_invisible_characters_are_stripped_and_emoji_survive(
    tmp_path: Path,
) -> None:
    result = read_text(
        tmp_path, HEADER, "A / B,\u200bNguyễn\x00 Văn\u202e An 🌾,bí thư,\x07 09123\u200d45678,,"
    )
    assert result.errors == ()
    assert result.rows[0].name == "Nguyễn Văn An 🌾"
    assert result.rows[0].phone == "0912345678"


def test_decomposed_vietnamese_is_normalised_to_nfc(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", GOOD)
    result = read_text(tmp_path, HEADER, decomposed)
    assert result.rows[0].name == "Nguyễn Văn An"
    assert result.rows[0].unit == ("Đảng bộ xã A", "Chi bộ B")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("(024) 3825 1234", "02438251234"),
        ("+84 912 345 678", "+84912345678"),
        ("", None),
    ],
)
def test_phone_is_normalised(tmp_path: Path, written: str, expected: str | None) -> None:
    result = read_text(tmp_path, HEADER, f"A / B,Nguyễn Văn An,bí thư,{written},,")
    assert result.errors == ()
    assert result.rows[0].phone == expected


# --- XLSX --------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], *, blank_rows_first: int = 0) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if blank_rows_first:
        sheet.insert_rows(1, amount=blank_rows_first)
    workbook.save(path)
    workbook.close()
    return path


def test_xlsx_gives_the_same_rows_as_the_csv(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "org.xlsx", sample_table())
    result = read_org_file(path)
    assert result.errors == ()
    assert result.rows == read_org_file(SAMPLE).rows


def test_xlsm_and_upper_case_suffix_are_read_as_xlsx(tmp_path: Path) -> None:
    table = [HEADER.split(","), GOOD.split(",")]
    for name in ("org.xlsm", "ORG.XLSX"):
        result = read_org_file(write_xlsx(tmp_path / name, table))
        assert result.errors == ()
        assert result.rows[0].name == "Nguyễn Văn An"


def test_xlsx_numbers_and_line_numbers_follow_the_sheet(tmp_path: Path) -> None:
    """A phone typed as a number keeps its digits (no 0 invented); rows are sheet rows."""
    table: list[Sequence[object]] = [
        HEADER.split(","),
        ["A / B", "Nguyễn Văn An", "bí thư", 912345678, None, None],
        [None] * 6,
        ["A / B", "Lê Thị Hai", "đảng viên", 84912345678.0, None, None],
        ["A / B", "Trần Văn Ba", "đảng viên", 123, None, None],
    ]
    result = read_org_file(write_xlsx(tmp_path / "org.xlsx", table, blank_rows_first=2))
    assert [(r.line, r.phone) for r in result.rows] == [(4, "912345678"), (6, "84912345678")]
    error = only_error(result)
    assert (error.line, error.column, error.params["value"]) == (7, "điện thoại", "123")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01garbage\xff\xfe" * 100,
        b"PK\x03\x04 not really a zip",
        HEADER.encode(),
    ],
    ids=["empty", "garbage", "fake-zip-header", "csv-text"],
)
def test_garbage_named_xlsx_gives_a_file_level_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "org.xlsx"
    path.write_bytes(content)
    error = only_error(read_org_file(path))
    assert (error.line, error.column) == (0, None)
    assert error.message == "Tệp «{name}» không phải tệp Excel .xlsx hợp lệ."
    assert error.render(identity) == "Tệp «org.xlsx» không phải tệp Excel .xlsx hợp lệ."


def test_a_zip_that_is_not_a_workbook_gives_a_file_level_error(tmp_path: Path) -> None:
    path = tmp_path / "org.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    error = only_error(read_org_file(path))
    assert (error.line, error.column) == (0, None)


def test_a_workbook_with_a_broken_sheet_gives_a_file_level_error(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", [HEADER.split(","), GOOD.split(",")])
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]  # cut the XML in the middle of the rows
            target.writestr(info, data)
    error = only_error(read_org_file(broken))
    assert (error.line, error.column) == (0, None)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_xlsx_never_crashes(tmp_path: Path, data: st.DataObject) -> None:
    """Flip bytes in, or cut, a real workbook: the reader answers, never raises."""
    good = tmp_path / "good.xlsx"
    if not good.exists():
        write_xlsx(good, sample_table())
    content = bytearray(good.read_bytes())
    for _ in range(data.draw(st.integers(0, 8))):
        index = data.draw(st.integers(0, len(content) - 1))
        content[index] = data.draw(st.integers(0, 255))
    content = content[: data.draw(st.integers(0, len(content)))]
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(content))
    assert isinstance(read_org_file(path), OrgFile)


# --- Bad rows ----------------------------------------------------------------------------

CADRE_OK = "Đảng bộ xã A,Phạm Quốc Cường,cấp ủy viên phụ trách,,,Đảng bộ xã A / Chi bộ B"


@pytest.mark.parametrize(
    ("bad_row", "column", "message_start"),
    [
        (",Lê Văn Hai,đảng viên,,,", "đơn vị", "Thiếu đơn vị."),
        ("Đảng bộ xã A //Chi bộ B,Lê Văn Hai,đảng viên,,,", "đơn vị", "Đơn vị «{value}»"),
        ("Đảng bộ xã A / Chi bộ B,,đảng viên,,,", "họ và tên", "Thiếu họ và tên."),
        ("Đảng bộ xã A / Chi bộ B,Lê Văn Hai,,,,", "vai trò", "Thiếu vai trò;"),
        ("Đảng bộ xã A / Chi bộ B,Lê Văn Hai,trưởng thôn,,,", "vai trò", "Vai trò «{value}»"),
        ("Đảng bộ xã A / Chi bộ B,Lê Văn Hai,đảng viên,12345,,", "điện thoại", "Số điện thoại"),
        ("Đảng bộ xã A / Chi bộ B,Lê Văn Hai,đảng viên,09abc12345,,", "điện thoại", "Số điện"),
        ("Đảng bộ xã A / Chi bộ B,Lê Văn Hai,đảng viên,,nghỉ,", "trạng thái", "Trạng thái «"),
        (
            "Đảng bộ xã A / Chi bộ B,Lê Văn Hai,đảng viên,,,Đảng bộ xã A / Chi bộ B",
            "phụ trách",
            "Chỉ cấp ủy viên phụ trách",
        ),
        ("Đảng bộ xã A,Phạm Quốc Cường,cadre,,,", "phụ trách", "Cấp ủy viên phụ trách cần"),
        ("Đảng bộ xã A,Phạm Quốc Cường,cadre,,,A / / B", "phụ trách", "Đơn vị «{value}»"),
        (
            "Đảng bộ xã A,Phạm Quốc Cường,cadre,,,Đảng bộ xã A / Chi bộ C",
            "phụ trách",
            "Đơn vị phụ trách «{value}» không có trong tệp.",
        ),
        ("Đảng bộ xã A / Chi bộ B,Lê Văn Hai,bí thư,,,", "vai trò", "Đơn vị này đã có bí thư"),
        ("Đảng bộ xã A / Chi bộ B,nguyễn văn an,đảng viên,,,", "họ và tên", "«{name}» đã có"),
        ("Đảng bộ xã A,Lê Văn Hai,đảng viên,,,", "đơn vị", "Đơn vị «{unit}» có đảng viên"),
        (
            "Đảng bộ xã A / Chi bộ B," + "X" * (MAX_CELL_CHARS + 1) + ",đảng viên,,,",
            "họ và tên",
            "Ô quá dài",
        ),
    ],
    ids=[
        "no-unit",
        "empty-unit-part",
        "no-name",
        "no-role",
        "unknown-role",
        "short-phone",
        "letters-in-phone",
        "unknown-status",
        "member-with-follows",
        "cadre-without-follows",
        "cadre-bad-follows-path",
        "cadre-follows-unknown-unit",
        "second-secretary",
        "duplicate-name",
        "members-in-an-ancestor-unit",
        "cell-too-long",
    ],
)
def test_bad_row_gives_one_error_at_its_line_and_column(
    tmp_path: Path, bad_row: str, column: str, message_start: str
) -> None:
    result = read_text(tmp_path, HEADER, GOOD, bad_row)
    error = only_error(result)
    assert (error.line, error.column) == (3, column)
    assert error.message.startswith(message_start)
    error.render(identity)  # every placeholder has a value
    assert [r.line for r in result.rows] == [2]


def test_one_bad_row_among_good_ones_reports_only_that_row(tmp_path: Path) -> None:
    table = sample_table()
    table[7][2] = "thủ quỹ"  # line 8: not a role the bot knows
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    result = read_org_file(write(tmp_path, out.getvalue()))
    error = only_error(result)
    assert (error.line, error.column, error.params) == (8, "vai trò", {"value": "thủ quỹ"})
    assert len(result.rows) == len(table) - 2
    assert 8 not in {r.line for r in result.rows}


def test_all_errors_of_a_row_and_of_the_file_are_reported_sorted_by_line(
    tmp_path: Path,
) -> None:
    result = read_text(
        tmp_path,
        HEADER,
        GOOD,
        "Đảng bộ xã A / Chi bộ B,Nguyễn Văn An,bí thư,12,nghỉ,X",
        ",,vai trò lạ,,,",
    )
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "điện thoại"),
        (3, "trạng thái"),
        (3, "phụ trách"),
        (3, "họ và tên"),
        (3, "vai trò"),
        (4, "đơn vị"),
        (4, "họ và tên"),
        (4, "vai trò"),
    ]


def test_duplicate_name_in_one_unit_names_both_lines(tmp_path: Path) -> None:
    result = read_text(
        tmp_path,
        HEADER,
        GOOD,
        "Đảng bộ xã A / Chi bộ C,Nguyễn Văn An,bí thư,,,",  # same name, other cell: fine
        "Đảng bộ xã A / Chi bộ B,Lê Thị Hai,đảng viên,,,",
        "Đảng bộ xã A / Chi bộ B,Nguyen Van  An,đảng viên,,,",
    )
    error = only_error(result)
    assert (error.line, error.column) == (5, "họ và tên")
    assert error.render(identity) == "«Nguyen Van An» đã có trong đơn vị này: trùng với dòng 2."


def test_follows_must_point_to_a_unit_of_the_file_or_a_known_unit(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "\n".join(
            [
                HEADER,
                GOOD,
                "Đảng bộ xã A,Phạm Quốc Cường,cadre,,,"
                "Đảng bộ xã A / Chi bộ B; Đảng bộ xã A / Chi bộ D",
                "Đảng bộ xã A,Đinh Thị Nga,cadre,,,Đảng bộ xã A",  # a prefix of a unit: fine
            ]
        ),
    )
    error = only_error(read_org_file(path))
    assert (error.line, error.column) == (3, "phụ trách")
    assert error.params == {"value": "Đảng bộ xã A / Chi bộ D"}
    known = [("Đảng bộ xã A", "Chi bộ D")]
    assert read_org_file(path, known_units=known).errors == ()


def test_cadres_sit_in_an_ancestor_of_cells_without_error() -> None:
    """The nested-units rule concerns members only; the sample's cadres prove it."""
    rows = read_org_file(SAMPLE).rows
    assert {r.unit for r in rows if r.role is Role.CADRE} == {(COMMUNE,)}


# --- Headers and whole-file problems -----------------------------------------------------


def test_missing_required_headers_are_named_with_the_headers_found(tmp_path: Path) -> None:
    result = read_text(tmp_path, "STT,Họ và tên,Điện thoại", "1,Nguyễn Văn An,0912345678")
    assert [(e.line, e.column, e.params["column"]) for e in result.errors] == [
        (1, None, "đơn vị / unit"),
        (1, None, "vai trò / role"),
    ]
    assert result.errors[0].params["found"] == "«STT», «Họ và tên», «Điện thoại»"
    assert result.rows == ()


def test_duplicate_header_is_an_error(tmp_path: Path) -> None:
    result = read_text(tmp_path, "", HEADER + ",Unit", GOOD + ",X")
    error = only_error(result)
    assert (error.line, error.column) == (2, "Unit")
    assert error.render(identity) == "Cột «Unit» bị lặp lại; chỉ giữ một cột này."


def test_empty_file_and_header_only_file_are_errors(tmp_path: Path) -> None:
    assert only_error(read_text(tmp_path, "", " , ")).line == 0
    assert only_error(read_text(tmp_path, "", HEADER)).line == 2


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed letters, tones as combining marks."""
    out = bytearray()
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out += (base + tones).encode("cp1258")
    return bytes(out)


def test_non_utf8_csv_asks_for_csv_utf8(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_bytes(to_cp1258(SAMPLE.read_text(encoding="utf-8")))
    error = only_error(read_org_file(path))
    assert error.column is None
    assert error.line == 1  # "đơn vị" in the header is the first byte that is not UTF-8
    assert "UTF-8" in error.message
    assert "«CSV UTF-8»" in error.render(identity)


def test_unsupported_suffix_and_missing_file_are_file_level_errors(tmp_path: Path) -> None:
    odt = write(tmp_path, HEADER, name="org.ods")
    error = only_error(read_org_file(odt))
    assert (error.line, error.column, error.params) == (0, None, {"name": "org.ods"})
    error = only_error(read_org_file(tmp_path / "missing.csv"))
    assert (error.line, error.render(identity)) == (0, "Không mở được tệp «missing.csv».")


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: no need to write 20 MB
    error = only_error(read_org_file(path))
    assert error.render(identity) == "Tệp quá lớn: tối đa 20 MB."


def test_file_over_the_row_limit_is_refused(tmp_path: Path) -> None:
    rows = (f"A / B,Người {n},đảng viên,,," for n in range(MAX_ROWS + 1))
    path = write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    result = read_org_file(path)
    error = only_error(result)
    assert error.line == MAX_ROWS + 2
    assert error.render(identity) == f"Tệp có quá nhiều dòng: tối đa {MAX_ROWS} dòng."
    assert result.rows == ()


def test_a_cell_beyond_the_csv_field_limit_is_a_clear_error(tmp_path: Path) -> None:
    result = read_text(tmp_path, HEADER, GOOD, 'A / B,"' + "x" * 200_000 + '",đảng viên,,,')
    error = only_error(result)
    assert (error.line, error.column) == (3, None)
    assert error.message.startswith("Không đọc được tệp CSV")


def test_render_fills_placeholders_through_gettext() -> None:
    error = RowError(4, "vai trò", "Vai trò «{value}» không hợp lệ.", {"value": "x{y}"})
    assert error.render(identity) == "Vai trò «x{y}» không hợp lệ."
    assert error.render(lambda m: "Role «{value}» is not valid.") == "Role «x{y}» is not valid."
    assert RowError(0, None, "Tệp trống.").render(identity) == "Tệp trống."
    assert hash(error) == hash(RowError(4, "vai trò", "Vai trò «{value}» không hợp lệ."))


def test_long_values_are_shortened_in_messages(tmp_path: Path) -> None:
    role = "r" * 500
    error = only_error(read_text(tmp_path, HEADER, f"A / B,Nguyễn Văn An,{role},,,"))
    assert len(error.params["value"]) <= 60


# --- Never crash -------------------------------------------------------------------------


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(tmp_path: Path, content: bytes) -> None:
    for name in ("fuzz.csv", "fuzz.xlsx"):
        path = tmp_path / name
        path.write_bytes(content)
        assert isinstance(read_org_file(path), OrgFile)


CSV_ALPHABET = st.sampled_from(
    [
        *',;\t\n\r"/ ',
        *["đơn vị", "họ và tên", "vai trò", "phụ trách", "bí thư", "cadre", "A", "B"],
        *["Nguyễn", "đảng viên", "0912345678", "🌾", "\x00", "\u202e", "{x}"],
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pieces=st.lists(CSV_ALPHABET, max_size=120))
def test_csv_like_text_never_crashes_and_errors_are_sorted(
    tmp_path: Path, pieces: list[str]
) -> None:
    text = HEADER + "\n" + "".join(pieces)
    result = read_org_file(write(tmp_path, text, name="fuzz.csv"))
    lines = [e.line for e in result.errors]
    assert lines == sorted(lines)
    for error in result.errors:
        error.render(identity)
    assert not {r.line for r in result.rows} & set(lines)


# --- Layouts of Vietnamese spreadsheets ------------------------------------------------------

CHI_BO_B = ("Đảng bộ xã A", "Chi bộ B")
CHI_BO_C = ("Đảng bộ xã A", "Chi bộ C")


def test_xlsx_merged_name_header_joins_ho_dem_and_ten(tmp_path: Path) -> None:
    """A "Họ và tên" header merged over họ đệm | tên gives full names, not the family part."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["STT", "Đơn vị", "Họ và tên", None, "Vai trò"])
    sheet.merge_cells("C1:D1")
    sheet.append([None, None, "Họ đệm", "Tên", None])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:B2")
    sheet.merge_cells("E1:E2")
    sheet.append([1, "Đảng bộ xã A / Chi bộ B", "Nguyễn Văn", "An", "bí thư"])
    sheet.append([2, "Đảng bộ xã A / Chi bộ B", "Trần Thị Thanh", "Bình", "đảng viên"])
    path = tmp_path / "org.xlsx"
    workbook.save(path)
    result = read_org_file(path)
    assert not result.errors, [e.render(identity) for e in result.errors]
    assert [(r.line, r.name) for r in result.rows] == [
        (3, "Nguyễn Văn An"),
        (4, "Trần Thị Thanh Bình"),
    ]


def test_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    """Title lines above the header ("DANH SÁCH ĐẢNG VIÊN…") do not hide the header."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ĐẢNG BỘ XÃ A"])
    sheet.append(["DANH SÁCH ĐẢNG VIÊN CHI BỘ B"])
    sheet.merge_cells("A2:D2")
    sheet.append([])
    sheet.append(["Đơn vị", "Họ và tên", "Vai trò", "Điện thoại"])
    sheet.append(["Đảng bộ xã A / Chi bộ B", "Nguyễn Văn An", "bí thư", "0912345678"])
    path = tmp_path / "org.xlsx"
    workbook.save(path)
    result = read_org_file(path)
    assert not result.errors, [e.render(identity) for e in result.errors]
    assert [(r.line, r.unit, r.name) for r in result.rows] == [(5, CHI_BO_B, "Nguyễn Văn An")]


def test_xlsx_unit_merged_downwards_is_read_for_every_row(tmp_path: Path) -> None:
    """A unit cell merged over its members' rows belongs to each of those rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Đơn vị", "Họ và tên", "Vai trò"])
    sheet.append(["Đảng bộ xã A / Chi bộ B", "Nguyễn Văn An", "bí thư"])
    sheet.append([None, "Trần Thị Bình", "đảng viên"])
    sheet.append([None, "Lê Văn Cường", "đảng viên"])
    sheet.merge_cells("A2:A4")
    sheet.append(["Đảng bộ xã A / Chi bộ C", "Phạm Văn Dũng", "bí thư"])
    sheet.append([None, "Đỗ Thị Yến", "đảng viên"])
    sheet.merge_cells("A5:A6")
    path = tmp_path / "org.xlsx"
    workbook.save(path)
    result = read_org_file(path)
    assert not result.errors, [e.render(identity) for e in result.errors]
    assert [(r.unit, r.name) for r in result.rows] == [
        (CHI_BO_B, "Nguyễn Văn An"),
        (CHI_BO_B, "Trần Thị Bình"),
        (CHI_BO_B, "Lê Văn Cường"),
        (CHI_BO_C, "Phạm Văn Dũng"),
        (CHI_BO_C, "Đỗ Thị Yến"),
    ]


def test_csv_unit_written_once_per_block_is_read_for_every_row(tmp_path: Path) -> None:
    """A CSV that writes each unit once, blank below it (a merged column saved as CSV), reads."""
    result = read_text(
        tmp_path,
        HEADER,
        "Đảng bộ xã A / Chi bộ B,Nguyễn Văn An,bí thư,,,",
        ",Trần Thị Bình,đảng viên,,,",
        ",Lê Văn Cường,đảng viên,,,",
        "Đảng bộ xã A / Chi bộ C,Phạm Văn Dũng,bí thư,,,",
        ",Đỗ Thị Yến,đảng viên,,,",
    )
    assert not result.errors, [e.render(identity) for e in result.errors]
    assert [r.unit for r in result.rows] == [CHI_BO_B] * 3 + [CHI_BO_C] * 2


def test_csv_with_one_forgotten_unit_is_still_an_error(tmp_path: Path) -> None:
    """A file that writes the unit on every row but one: that row is a mistake, not a merge."""
    result = read_text(
        tmp_path,
        HEADER,
        "Đảng bộ xã A / Chi bộ B,Nguyễn Văn An,bí thư,,,",
        "Đảng bộ xã A / Chi bộ B,Trần Thị Bình,đảng viên,,,",
        ",Lê Văn Cường,đảng viên,,,",
        "Đảng bộ xã A / Chi bộ B,Phạm Văn Dũng,đảng viên,,,",
    )
    assert (only_error(result).line, only_error(result).column) == (4, "đơn vị")


def test_unit_paths_differing_in_case_or_composition_are_one_unit(tmp_path: Path) -> None:
    """ "Chi bộ xóm 9", "chi bộ xóm 9" and the same in NFD are one cell, spelt as first written."""
    nfd = unicodedata.normalize("NFD", "Đảng bộ xã A / Chi bộ xóm 9")
    result = read_text(
        tmp_path,
        HEADER,
        "Đảng bộ xã A / Chi bộ xóm 9,Nguyễn Văn An,bí thư,,,",
        "đảng bộ xã a / chi bộ xóm 9,Trần Thị Bình,đảng viên,,,",
        f"{nfd},Lê Văn Cường,đảng viên,,,",
        "ĐẢNG BỘ XÃ A,Hà Văn Tâm,cấp ủy viên phụ trách,,,đảng bộ XÃ A / CHI BỘ XÓM 9",
    )
    assert not result.errors, [e.render(identity) for e in result.errors]
    cell = ("Đảng bộ xã A", "Chi bộ xóm 9")
    assert [r.unit for r in result.rows] == [cell, cell, cell, ("Đảng bộ xã A",)]
    assert result.rows[3].follows == (cell,)


def test_unit_paths_match_the_database_spelling(tmp_path: Path) -> None:
    """A later file writing a known unit in other case keeps the unit already loaded."""
    result = read_text(tmp_path, HEADER, "ĐẢNG BỘ XÃ A / chi bộ b,Nguyễn Văn An,bí thư,,,")
    assert result.rows[0].unit == ("ĐẢNG BỘ XÃ A", "chi bộ b")
    again = read_org_file(
        write(tmp_path, HEADER + "\nđảng bộ xã a / CHI BỘ B,Nguyễn Văn An,bí thư,,,\n"),
        known_units=[CHI_BO_B],
    )
    assert again.rows[0].unit == CHI_BO_B


def test_unit_path_too_long_is_reported_as_too_long(tmp_path: Path) -> None:
    """A unit path over the limit is "too long" on its row and on the cadre's, never "unknown"."""
    long_cell = "Đảng bộ xã A / Chi  bộ  " + "thôn  Đông  " * 120
    result = read_text(
        tmp_path,
        HEADER,
        f"{long_cell},Nguyễn Văn An,bí thư,,,",
        f"Đảng bộ xã A,Hà Văn Tâm,cấp ủy viên phụ trách,,,{long_cell}",
    )
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (2, "đơn vị", "Ô quá dài: tối đa {max} ký tự."),
        (3, "phụ trách", "Ô quá dài: tối đa {max} ký tự."),
    ]
