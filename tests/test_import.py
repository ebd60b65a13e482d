"""`chibo import`: the organisation file into the database, atomic and idempotent."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.__main__ import main
from bot.config import Config
from bot.storage import people, units
from bot.storage.db import Database
from chibo_devtools.demo.run import sample_org_file
from tests.helpers import START, make_config, seed

HEADER = "đơn vị,họ và tên,vai trò,điện thoại,trạng thái,phụ trách\n"
CELL = "Đảng bộ xã Thượng Kiệm / Chi bộ xóm 9"


async def _counts(config: Config) -> tuple[int, int]:
    db = await Database.open(config.storage.path)
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
    db = await Database.open(config.storage.path)
    try:
        await linking.link_account(
            db, channel="telegram", external_id="42", code=code, language_code="vi", now=START
        )
    finally:
        await db.close()
    second = await seed(config)
    assert "Nguyễn Văn An" not in [r.name for r in second.invites]
    assert len(second.invites) == 27
