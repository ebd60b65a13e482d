"""`chibo import`: the organisation file into the database, atomic and idempotent."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.__main__ import main
from bot.config import Config
from bot.domain.access import Action, may
from bot.domain.models import MemberStatus, Role
from bot.services import identity, linking, rollcall
from bot.services.meetings import Rules, ensure_upcoming
from bot.services.org_import import Dropped, Move
from bot.storage import people, units
from bot.storage.db import Database
from chibo_devtools.demo.run import sample_org_file
from tests.helpers import START, make_config, seed

HEADER = "đơn vị,họ và tên,vai trò,điện thoại,trạng thái,phụ trách\n"
CELL = "Đảng bộ xã Thượng Kiệm / Chi bộ xóm 9"
ROOT = Path(__file__).resolve().parent.parent


async def _counts(config: Config) -> tuple[int, int]:
    db = await Database.open(config.storage.database)
    try:
        async with db.transaction() as conn:
            return len(await units.all_units(conn)), len(await people.everyone(conn))
    finally:
        await db.close()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A config with a fresh database and a bot username for links."""
    return make_config(tmp_path, username="chibo_test_bot")


async def test_sample_commune_builds_the_tree(config: Config) -> None:
    """Importing the sample creates the commune, its three cells and 28 people."""
    report = await seed(config)
    assert report.ok
    assert len(report.units_added) == 4
    assert len(report.people_added) == 28
    assert await _counts(config) == (4, 28)


async def test_reimport_changes_nothing_and_keeps_codes(config: Config) -> None:
    """Importing the same file again adds nothing, changes nothing and keeps the invite codes."""
    first = await seed(config)
    second = await seed(config)
    assert second.ok
    assert not second.changed_anything
    assert second.people_unchanged == 28
    assert {r.code for r in second.invites} == {r.code for r in first.invites}
    assert await _counts(config) == (4, 28)


async def test_reimport_updates_in_place_and_reports_changes(
    config: Config, tmp_path: Path
) -> None:
    """A changed phone and status are updated on the same person and reported."""
    await seed(config)
    text = sample_org_file().read_text(encoding="utf-8")
    text = text.replace(
        "Trần Thị Bình,đảng viên,0365123789,,", "Trần Thị Bình,đảng viên,0365000111,tạm miễn,"
    )
    changed = tmp_path / "changed.csv"
    changed.write_text(text, encoding="utf-8")
    report = await seed(config, changed)
    assert [(c.name, c.fields) for c in report.people_changed] == [
        ("Trần Thị Bình", ("phone", "status"))
    ]
    assert await _counts(config) == (4, 28)


async def test_one_bad_row_applies_nothing(config: Config, tmp_path: Path) -> None:
    """A file with one bad row changes nothing and names the row and column."""
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + f"{CELL},Nguyễn Văn An,bí thư,,,\n"
        + f"{CELL},Trần Thị Bình,thủ quỹ,,,\n"
        + f"{CELL},Lê Văn Cường,đảng viên,,,\n",
        encoding="utf-8",
    )
    report = await seed(config, bad)
    assert not report.ok
    assert [(e.line, e.column) for e in report.errors] == [(3, "vai trò")]
    assert await _counts(config) == (0, 0)


async def test_follows_may_name_a_unit_already_loaded(config: Config, tmp_path: Path) -> None:
    """A second file may assign a cadre to a cell loaded by an earlier file."""
    await seed(config)
    extra = tmp_path / "cadre.csv"
    extra.write_text(
        HEADER + f"Đảng bộ xã Thượng Kiệm,Hà Văn Tâm,cấp ủy viên phụ trách,,,{CELL}\n",
        encoding="utf-8",
    )
    report = await seed(config, extra)
    assert report.ok, report.errors
    assert report.people_added == ["Hà Văn Tâm (Đảng bộ xã Thượng Kiệm)"]


async def test_xlsx_imports_like_csv(config: Config, tmp_path: Path) -> None:
    """An XLSX with the same rows as the sample gives the same organisation."""
    book = Workbook()
    sheet = book.active
    with sample_org_file().open(encoding="utf-8") as fp:
        for row in csv.reader(fp):
            sheet.append(row)
    path = tmp_path / "org.xlsx"
    book.save(path)
    report = await seed(config, path)
    assert report.ok, report.errors
    assert await _counts(config) == (4, 28)


def test_cli_writes_invites_file(
    config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`chibo import --invites` prints the summary and writes one link per unlinked person."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[bot]\nusername = "chibo_test_bot"\n[storage]\npath = "{tmp_path / "db.sqlite3"}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "invites.csv"
    args = ["import", str(sample_org_file()), "--invites", str(out), "--config", str(config_file)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Người mới: 28" in printed
    assert "Đã ghi 28 mã mời" in printed
    with out.open(encoding="utf-8-sig") as fp:
        rows = list(csv.DictReader(fp))
    assert list(rows[0]) == ["unit", "name", "role", "code", "link", "zalo_code"]
    assert rows[0]["name"] == "Nguyễn Văn An"
    assert rows[0]["role"] == "bí thư"
    assert rows[0]["link"] == f"https://t.me/chibo_test_bot?start={rows[0]['code']}"
    assert len({r["code"] for r in rows}) == 28
    # Again: nothing changes, and the same codes are written.
    assert main(args) == 0
    assert "Dữ liệu không thay đổi." in capsys.readouterr().out
    with out.open(encoding="utf-8-sig") as fp:
        assert [r["code"] for r in csv.DictReader(fp)] == [r["code"] for r in rows]


def test_cli_reports_bad_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`chibo import` of a bad file exits 1 and prints the line, column and reason."""
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"{CELL},,đảng viên,,,\n", encoding="utf-8")
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    assert main(["import", str(bad), "--config", str(config_file)]) == 1
    printed = capsys.readouterr().out
    assert "chưa nhập gì" in printed
    assert "Dòng 2, cột «họ và tên»" in printed


def test_cli_invites_need_a_bot_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a token or bot.username, --invites stops before touching the database."""
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    args = [
        "import",
        str(sample_org_file()),
        "--invites",
        str(tmp_path / "i.csv"),
        "--config",
        str(config_file),
    ]
    assert main(args) == 2
    assert "bot.username" in capsys.readouterr().err
    assert not (tmp_path / "db.sqlite3").exists()


async def test_invites_are_not_issued_for_linked_people(config: Config) -> None:
    """Re-running the import after someone linked leaves them out of the invites."""
    from bot.services import linking

    first = await seed(config)
    code = next(r.code for r in first.invites if r.name == "Nguyễn Văn An")
    db = await Database.open(config.storage.database)
    try:
        await linking.link_account(
            db, channel="telegram", external_id="42", code=code, language_code="vi", now=START
        )
    finally:
        await db.close()
    second = await seed(config)
    assert "Nguyễn Văn An" not in [r.name for r in second.invites]
    assert len(second.invites) == 27


XOM_9 = "Đảng bộ xã Thượng Kiệm / Chi bộ xóm 9"
XOM_10 = "Đảng bộ xã Thượng Kiệm / Chi bộ xóm 10"


def _edited(tmp_path: Path, *edits: tuple[str, str], name: str = "edited.csv") -> Path:
    """The sample file with some lines replaced (a replacement of "" drops the line)."""
    lines = sample_org_file().read_text(encoding="utf-8").splitlines()
    for old, new in edits:
        index = next(i for i, line in enumerate(lines) if line.startswith(old))
        lines[index] = new
    path = tmp_path / name
    path.write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    return path


def _chibo(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as a separate process, as an administrator runs it."""
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


async def test_move_to_another_cell_moves_the_person(config: Config, tmp_path: Path) -> None:
    """A member listed in another cell is the same person there: account, id and code kept."""
    first = await seed(config)
    codes = {row.name: row.code for row in first.invites}
    db = await Database.open(config.storage.database)  # the running bot's connection
    try:
        await linking.link_account(
            db,
            channel="telegram",
            external_id="42",
            code=codes["Trần Thị Bình"],
            language_code="vi",
            now=START,
        )
        before = await identity.resolve(db, "telegram", "42")
        assert before is not None
        moved = _edited(
            tmp_path,
            (f"{XOM_9},Trần Thị Bình,", f"{XOM_10},Trần Thị Bình,đảng viên,0365123789,,"),
            (f"{XOM_9},Lê Thị Mai,", f"{XOM_10},Lê Thị Mai,đảng viên,0916782345,,"),
        )
        report = await seed(config, moved)
        assert report.ok, report.errors
        assert report.moved == [
            Move("Trần Thị Bình", XOM_9, XOM_10),
            Move("Lê Thị Mai", XOM_9, XOM_10),
        ]
        assert not report.people_added
        assert not report.dropped
        after = await identity.resolve(db, "telegram", "42")
        assert after is not None
        assert after.person.id == before.person.id
        assert after.unit.path == XOM_10
        # Mai had not linked yet: the code she was sent still works and lands in xóm 10.
        assert {r.name: r.code for r in report.invites}["Lê Thị Mai"] == codes["Lê Thị Mai"]
        linked = await linking.link_account(
            db,
            channel="telegram",
            external_id="43",
            code=codes["Lê Thị Mai"],
            language_code="vi",
            now=START,
        )
        assert linked.person is not None
        assert linked.person.unit_id == after.unit.id
    finally:
        await db.close()
    assert await _counts(config) == (4, 28)


def test_cli_reports_a_move_and_a_revoked_secretary(tmp_path: Path) -> None:
    """`python -m bot import` says who moved from where to where, and whose rights ended."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    assert _chibo("import", str(sample_org_file()), "--config", str(config_file)).returncode == 0
    edited = _edited(
        tmp_path,
        (f"{XOM_9},Trần Thị Bình,", f"{XOM_10},Trần Thị Bình,đảng viên,,,"),
        (f"{XOM_9},Nguyễn Văn An,", ""),
        (f"{XOM_9},Đinh Thị Hoa,", f"{XOM_9},Đinh Thị Hoa,bí thư,0983456712,,"),
    )
    done = _chibo("import", str(edited), "--config", str(config_file))
    assert done.returncode == 0, done.stderr
    assert f"Trần Thị Bình: chuyển từ {XOM_9} sang {XOM_10}" in done.stdout
    assert f"Nguyễn Văn An ({XOM_9}), trước là bí thư" in done.stdout
    assert f"Đinh Thị Hoa ({XOM_9}): vai trò (phó bí thư → bí thư)" in done.stdout


async def test_dropped_secretary_loses_rights_at_once(config: Config, tmp_path: Path) -> None:
    """A re-import naming a new secretary ends the old one's rights for the running bot."""
    first = await seed(config)
    codes = {row.name: row.code for row in first.invites}
    db = await Database.open(config.storage.database)  # the running bot's connection
    try:
        for external_id, name in (("1", "Nguyễn Văn An"), ("2", "Vũ Văn Hùng")):
            await linking.link_account(
                db,
                channel="telegram",
                external_id=external_id,
                code=codes[name],
                language_code="vi",
                now=START,
            )
        old = await identity.resolve(db, "telegram", "1")
        assert old is not None
        assert may(old, Action.ROLLCALL, old.unit.id)
        # An is gone from the file; Hùng, a committee member, is now the secretary.
        edited = _edited(
            tmp_path,
            (f"{XOM_9},Nguyễn Văn An,", ""),
            (f"{XOM_9},Vũ Văn Hùng,", f"{XOM_9},Vũ Văn Hùng,bí thư,0978123456,,"),
        )
        report = await seed(config, edited)
        assert report.ok, report.errors
        assert report.dropped == [Dropped("Nguyễn Văn An", XOM_9, Role.SECRETARY)]
        old = await identity.resolve(db, "telegram", "1")
        assert old is not None
        assert old.role is Role.MEMBER
        assert old.person.status is MemberStatus.TRANSFERRED
        assert not any(
            may(old, action, old.unit.id)
            for action in (Action.ROLLCALL, Action.SCHEDULE_CHANGE, Action.MEMBERS)
        )
        new = await identity.resolve(db, "telegram", "2")
        assert new is not None
        assert may(new, Action.ROLLCALL, new.unit.id)
        async with db.transaction() as conn:
            cell = await people.in_unit(conn, old.unit.id)
        assert [p.full_name for p in cell if p.role is Role.SECRETARY] == ["Vũ Văn Hùng"]
    finally:
        await db.close()


async def test_dropped_cadre_follows_nothing(config: Config, tmp_path: Path) -> None:
    """A cadre missing from a whole commune's file no longer follows any cell."""
    await seed(config)
    edited = _edited(tmp_path, ("Đảng bộ xã Thượng Kiệm,Đinh Thị Nga,", ""))
    report = await seed(config, edited)
    assert report.dropped == [Dropped("Đinh Thị Nga", "Đảng bộ xã Thượng Kiệm", Role.CADRE)]
    db = await Database.open(config.storage.database)
    try:
        async with db.transaction() as conn:
            nga = next(p for p in await people.everyone(conn) if p.full_name == "Đinh Thị Nga")
            assert await people.followed_units(conn, nga.id) == []
    finally:
        await db.close()


async def test_file_for_one_cell_leaves_the_others_alone(config: Config, tmp_path: Path) -> None:
    """A file listing one cell changes nobody in the other cells, not even their cadres."""
    await seed(config)
    one_cell = tmp_path / "xom10.csv"
    rows = sample_org_file().read_text(encoding="utf-8").splitlines()
    one_cell.write_text(
        "\n".join([rows[0], *(r for r in rows if r.startswith(f"{XOM_10},"))]) + "\n",
        encoding="utf-8",
    )
    report = await seed(config, one_cell)
    assert report.ok, report.errors
    assert not report.changed_anything
    assert len(report.not_in_file) == 20


async def test_ambiguous_move_is_refused(config: Config, tmp_path: Path) -> None:
    """Two namesakes leaving and one arriving, with no phone to tell them apart: nothing done."""
    twins = tmp_path / "twins.csv"
    twins.write_text(
        HEADER
        + f"{XOM_9},Nguyễn Văn An,bí thư,,,\n"
        + f"{XOM_9},Lê Văn Tư,đảng viên,,,\n"
        + f"{XOM_10},Đinh Văn Phúc,bí thư,,,\n"
        + f"{XOM_10},Lê Văn Tư,đảng viên,,,\n"
        + f"{CELL}A,Hà Thị Ba,bí thư,,,\n",
        encoding="utf-8",
    )
    assert (await seed(config, twins)).ok
    later = tmp_path / "later.csv"
    later.write_text(
        HEADER
        + f"{XOM_9},Nguyễn Văn An,bí thư,,,\n"
        + f"{XOM_10},Đinh Văn Phúc,bí thư,,,\n"
        + f"{CELL}A,Hà Thị Ba,bí thư,,,\n"
        + f"{CELL}A,Lê Văn Tư,đảng viên,,,\n",
        encoding="utf-8",
    )
    report = await seed(config, later)
    assert [(e.line, e.params["name"]) for e in report.errors] == [(5, "Lê Văn Tư")]
    assert await _counts(config) == (4, 5)


def test_cli_report_greets_nobody_by_an_empty_name(tmp_path: Path) -> None:
    """`chibo report` prints the digest without "Kính gửi đồng chí ," (it is for no one)."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    assert _chibo("import", str(sample_org_file()), "--config", str(config_file)).returncode == 0
    for extra in ((), ("--unit", "Chi bộ xóm 9")):
        done = _chibo("report", "--month", "10/2026", *extra, "--config", str(config_file))
        assert done.returncode == 0, done.stderr
        assert "BÁO CÁO SINH HOẠT CHI BỘ THÁNG" in done.stdout
        assert "Kính gửi đồng chí ," not in done.stdout
        assert "Kính gửi đồng chí Chi bộ" not in done.stdout


def test_cli_report_with_a_unit_name_over_the_limit_says_too_long(tmp_path: Path) -> None:
    """`chibo report --unit` with a name past the limit is told it is too long, not unknown."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    done = _chibo("report", "--unit", "Chi bộ " * 300, "--config", str(config_file))
    assert done.returncode == 2
    assert "quá dài" in done.stderr
    assert "Không có đơn vị nào" not in done.stderr


async def test_demoted_committee_member_loses_the_delegated_roll_call(
    config: Config, tmp_path: Path
) -> None:
    """A committee member delegated the roll-call and re-imported as a member cannot take it."""
    first = await seed(config)
    db = await Database.open(config.storage.database)  # the running bot's connection
    try:
        await linking.link_account(
            db,
            channel="telegram",
            external_id="7",
            code={r.name: r.code for r in first.invites}["Vũ Văn Hùng"],
            language_code="vi",
            now=START,
        )
        hung = await identity.resolve(db, "telegram", "7")
        assert hung is not None
        planned = await ensure_upcoming(db, Rules.from_config(config), START)
        meeting = next(m for m in planned if m.unit_id == hung.unit.id)
        await rollcall.delegate(db, meeting.id, hung.person.id)
        assert await rollcall.may_take(db, hung, meeting)
        edited = _edited(
            tmp_path, (f"{XOM_9},Vũ Văn Hùng,", f"{XOM_9},Vũ Văn Hùng,đảng viên,0978123456,,")
        )
        assert (await seed(config, edited)).ok
        hung = await identity.resolve(db, "telegram", "7")
        assert hung is not None
        assert not await rollcall.may_take(db, hung, meeting)
    finally:
        await db.close()


async def test_file_for_the_new_cell_alone_moves_a_member_with_the_same_phone(
    config: Config, tmp_path: Path
) -> None:
    """A file listing only xóm 10 moves Bình there when her name and phone match."""
    await seed(config)
    lines = sample_org_file().read_text(encoding="utf-8").splitlines()
    xom_10 = [line for line in lines if line.startswith(f"{XOM_10},")]
    one_cell = tmp_path / "xom10.csv"
    one_cell.write_text(
        "\n".join([lines[0], *xom_10, f"{XOM_10},Trần Thị Bình,đảng viên,0365123789,,"]) + "\n",
        encoding="utf-8",
    )
    report = await seed(config, one_cell)
    assert report.moved == [Move("Trần Thị Bình", XOM_9, XOM_10)]
    assert not report.people_added
    assert await _counts(config) == (4, 28)


async def test_reimport_in_other_case_and_nfd_is_the_same_cells(
    config: Config, tmp_path: Path
) -> None:
    """The sample again with its unit paths lower-cased and in NFD changes nothing."""
    await seed(config)
    text = sample_org_file().read_text(encoding="utf-8")
    header, body = text.split("\n", 1)
    other = tmp_path / "other.csv"
    other.write_text(
        header + "\n" + unicodedata.normalize("NFD", body.replace("Chi bộ xóm", "chi bộ XÓM")),
        encoding="utf-8",
    )
    report = await seed(config, other)
    assert report.ok, report.errors
    assert not report.changed_anything
    assert await _counts(config) == (4, 28)
