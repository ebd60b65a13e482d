"""`chibo db status|upgrade|copy` and `chibo backup`, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.app import build_application, running
from bot.config import DATABASE_URL_VARIABLE, Config, StorageConfig
from bot.storage import dialect
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram
from tests import pg
from tests.helpers import TOKEN, Clock, codes, december_meeting, make_config, seed

needs_postgresql = pytest.mark.skipif(
    not pg.server_url(), reason="needs a PostgreSQL server (CHIBO_TEST_POSTGRESQL)"
)

_names = itertools.count(1)


def _config_file(tmp_path: Path) -> Path:
    """A config.toml whose SQLite file is in tmp_path (CHIBO_DATABASE_URL may override it)."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[storage]\npath = "{tmp_path / "chibo.sqlite3"}"\n[bot]\nlog_level = "WARNING"\n',
        encoding="utf-8",
    )
    return config_file


def _sqlite_config(tmp_path: Path, base_url: str = "http://127.0.0.1:9/bot") -> Config:
    """The test's config on its SQLite file, whatever backend the suite runs on."""
    return dataclasses.replace(
        make_config(tmp_path, base_url),
        storage=StorageConfig(path=str(tmp_path / "chibo.sqlite3")),
    )


@pytest.fixture
def empty_postgresql() -> Iterator[str]:
    """A PostgreSQL database with nothing in it, not even the schema: its url."""
    import psycopg

    name = f"chibo_dbcli_{os.getpid()}_{next(_names)}"
    with psycopg.connect(pg.server_url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield _url(name)
    with psycopg.connect(pg.server_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _url(name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(pg.server_url())._replace(path=f"/{name}"))


def _sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [row[0] for row in conn.execute(dialect.tables(dialect.SQLITE))]
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in names
            if name != "schema_version"
        }
    finally:
        conn.close()


async def _counts(url: str, tables: list[str]) -> dict[str, int]:
    db = await Database.open(url, migrate=False)
    try:
        async with db.transaction() as conn:
            return {
                name: int((await conn.execute_fetchall(f'SELECT count(*) FROM "{name}"'))[0][0])
                for name in tables
            }
    finally:
        await db.close()


def test_status_of_a_missing_file_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`chibo db status` on a SQLite file not yet made says how to make it, and makes nothing."""
    monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
    assert main(["db", "status", "--config", str(_config_file(tmp_path))]) == 1
    assert "chibo db upgrade" in capsys.readouterr().out
    assert not (tmp_path / "chibo.sqlite3").exists()


def test_upgrade_on_sqlite_says_from_which_version_to_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first upgrade names both versions, the second says there is nothing to do."""
    monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
    config_file = _config_file(tmp_path)
    (tmp_path / "chibo.sqlite3").touch()  # an empty file is an empty SQLite database
    _upgrade_twice(config_file, capsys)


def _upgrade_twice(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "status", "--config", str(config_file)]) == 0
    status = capsys.readouterr().out
    assert "Phiên bản lược đồ: 0" in status
    assert "0001_organisation.sql" in status
    assert "chibo db upgrade" in status
    assert main(["db", "upgrade", "--config", str(config_file)]) == 0
    found = re.search(r"từ phiên bản 0 lên (\d+) \((\d+) bản nâng cấp\)", capsys.readouterr().out)
    assert found
    latest = int(found.group(1))
    assert latest >= 12
    assert main(["db", "upgrade", "--config", str(config_file)]) == 0
    assert f"đã ở phiên bản mới nhất ({latest})" in capsys.readouterr().out
    assert main(["db", "status", "--config", str(config_file)]) == 0
    status = capsys.readouterr().out
    assert f"Phiên bản lược đồ: {latest}" in status
    assert "Đã áp dụng mọi bản nâng cấp." in status


@needs_postgresql
def test_upgrade_on_postgresql_says_from_which_version_to_which(
    tmp_path: Path,
    empty_postgresql: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On an empty PostgreSQL database, upgrade creates the schema and says so, then not again."""
    monkeypatch.setenv(DATABASE_URL_VARIABLE, empty_postgresql)
    _upgrade_twice(_config_file(tmp_path), capsys)


async def test_status_counts_rows_and_never_shows_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Status names the backend and the place, counts people and units, hides the password."""
    url = pg.database_url()
    if url:
        # A password the server (trust authentication) does not need, but the url carries.
        url = url.replace("://postgres@", "://postgres:s3cret-pw@")
        monkeypatch.setenv(DATABASE_URL_VARIABLE, url)
    config_file = _config_file(tmp_path)
    config = make_config(tmp_path)
    await seed(
        dataclasses.replace(config, storage=StorageConfig(path=config.storage.path, url=url))
    )
    assert await asyncio.to_thread(main, ["db", "status", "--config", str(config_file)]) == 0
    out = capsys.readouterr().out
    assert ("PostgreSQL" if url else "SQLite") in out
    assert "s3cret-pw" not in out
    assert "người (people): 28" in out
    assert "đơn vị (units): 4" in out
    assert "Đã áp dụng mọi bản nâng cấp." in out


def test_unreachable_server_is_one_line_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server that does not answer gives one line naming CHIBO_DATABASE_URL, no traceback."""
    monkeypatch.setenv(DATABASE_URL_VARIABLE, "postgresql://chibo:pw@127.0.0.1:1/chibo")
    config_file = _config_file(tmp_path)
    for command in (["db", "status"], ["db", "upgrade"], ["backup", str(tmp_path / "b.dump")]):
        assert main([*command, "--config", str(config_file)]) == 2
        err = capsys.readouterr().err
        assert "Không kết nối được tới cơ sở dữ liệu" in err
        assert DATABASE_URL_VARIABLE in err
        assert ":pw@" not in err
        assert "Traceback" not in err


def test_copy_refuses_a_password_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--to` with a password is refused before anything is read, pointing to PGPASSWORD."""
    monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
    config_file = _config_file(tmp_path)
    to = "postgresql://chibo:secret@127.0.0.1:1/chibo"
    assert main(["db", "copy", "--to", to, "--config", str(config_file)]) == 2
    err = capsys.readouterr().err
    assert "PGPASSWORD" in err
    assert "secret" not in err


@needs_postgresql
async def test_copy_a_month_then_the_bot_runs_on_the_copy(
    tmp_path: Path,
    sim: FakeTelegram,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A commune's month copied to PostgreSQL: equal counts, and the roll-call and a new
    kiến nghị work on the copy."""
    target = pg.database_url()  # this test's own database: migrated, no rows
    monkeypatch.delenv(DATABASE_URL_VARIABLE)
    source = _sqlite_config(tmp_path, sim.base_url)
    invites = codes(await seed(source, now=clock.now()))
    async with running(build_application(source, TOKEN, clock=clock.now)) as app:
        people = await december_meeting(app, sim, invites, clock)
    expected = _sqlite_counts(tmp_path / "chibo.sqlite3")
    assert expected["notices"] > 0
    assert expected["answers"] == 2

    command = ["db", "copy", "--to", target, "--config", str(_config_file(tmp_path))]
    assert await asyncio.to_thread(main, command) == 0
    out = capsys.readouterr().out
    assert "số dòng khớp ở mọi bảng" in out
    for table, n in expected.items():
        assert f"  {table}: {n}\n" in out
    assert await _counts(target, list(expected)) == expected

    on_copy = dataclasses.replace(
        source, storage=StorageConfig(path=source.storage.path, url=target)
    )
    async with running(build_application(on_copy, TOKEN, clock=clock.now)):
        an, binh = people["Nguyễn Văn An"], people["Trần Thị Bình"]
        rollcall = (await an.send("/diemdanh")).text
        assert "✅ Trần Thị Bình" in rollcall
        assert "🙏 Lê Thị Mai — ốm" in rollcall
        # A new kiến nghị adds a notice row: its id must come after the copied ones.
        replies = await binh.send("/kiennghi Đề nghị xã sửa đèn đường đầu xóm.")
        assert "Đã ghi nhận kiến nghị số 1" in replies.text
        await sim.wait_quiet()
        assert an.last is not None
        assert "gửi kiến nghị số 1" in (an.last.text or "")


@needs_postgresql
async def test_copy_into_a_database_with_rows_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A target that already holds a deployment is refused by name and left as it was."""
    target = pg.database_url()
    monkeypatch.delenv(DATABASE_URL_VARIABLE)
    source = _sqlite_config(tmp_path)
    await seed(source)
    await seed(dataclasses.replace(source, storage=StorageConfig(url=target)))
    before = await _counts(target, ["people", "units", "audit_log"])
    command = ["db", "copy", "--to", target, "--config", str(_config_file(tmp_path))]
    assert await asyncio.to_thread(main, command) == 2
    err = capsys.readouterr().err
    assert "không trống" in err
    assert "people: 28" in err
    assert await _counts(target, ["people", "units", "audit_log"]) == before


@needs_postgresql
async def test_backup_through_pg_dump_is_readable_by_pg_restore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`chibo backup` on PostgreSQL writes a pg_dump archive that pg_restore lists."""
    await seed(make_config(tmp_path))
    out = tmp_path / "backups" / "chibo.dump"
    command = ["backup", str(out), "--config", str(_config_file(tmp_path))]
    assert await asyncio.to_thread(main, command) == 0
    assert "Đã sao lưu" in capsys.readouterr().out
    pg_restore = shutil.which("pg_restore")
    assert pg_restore is not None
    listing = await asyncio.create_subprocess_exec(
        pg_restore, "--list", str(out), stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await listing.communicate()
    assert listing.returncode == 0
    assert "TABLE DATA public people" in stdout.decode()


@needs_postgresql
def test_backup_without_pg_dump_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no pg_dump on the PATH, the backup says to install PostgreSQL's client programs."""
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "chibo.dump"
    assert main(["backup", str(out), "--config", str(_config_file(tmp_path))]) == 2
    assert "postgresql-client" in capsys.readouterr().err
    assert not out.exists()


@needs_postgresql
async def test_copy_keeps_bytes_and_awkward_text_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored chart (every byte value) and text with tabs, newlines and backslashes arrive
    unchanged."""
    target = pg.database_url()
    monkeypatch.delenv(DATABASE_URL_VARIABLE)
    source = _sqlite_config(tmp_path)
    await seed(source)
    data = bytes(range(256)) * 4
    detail = 'tab\there\nnew line \\N back\\slash "quoted" «Việt»'
    db = await Database.open(source.storage.database)
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO zalo_files (token, name, is_photo, data, expires_at, one_time) "
                "VALUES (?, ?, 1, ?, '2026-12-31T00:00:00+00:00', 0)",
                ("tok", "chart.png", data),
            )
            await conn.execute(
                "INSERT INTO audit_log (at, actor, action, subject, detail) "
                "VALUES ('2026-11-22T08:00:00+00:00', 'test', 'note', 'x', ?)",
                (detail,),
            )
    finally:
        await db.close()
    command = ["db", "copy", "--to", target, "--config", str(_config_file(tmp_path))]
    assert await asyncio.to_thread(main, command) == 0
    copy = await Database.open(target)
    try:
        async with copy.transaction() as conn:
            stored = await conn.execute_fetchall("SELECT data FROM zalo_files WHERE token = 'tok'")
            notes = await conn.execute_fetchall(
                "SELECT detail FROM audit_log WHERE action = 'note'"
            )
    finally:
        await copy.close()
    assert bytes(stored[0][0]) == data
    assert notes[0][0] == detail


@needs_postgresql
def test_upgrade_by_a_role_that_may_not_create_tables_is_one_line(
    tmp_path: Path,
    empty_postgresql: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A role without rights on the schema gets the server's reason and the variable, no
    traceback."""
    import psycopg

    role = f"chibo_weak_{os.getpid()}"
    with psycopg.connect(pg.server_url(), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    try:
        weak = empty_postgresql.replace("://postgres@", f"://{role}@")
        monkeypatch.setenv(DATABASE_URL_VARIABLE, weak)
        assert main(["db", "upgrade", "--config", str(_config_file(tmp_path))]) == 2
        err = capsys.readouterr().err
        assert "permission denied" in err
        assert DATABASE_URL_VARIABLE in err
        assert "Traceback" not in err
    finally:
        with psycopg.connect(empty_postgresql, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
        with psycopg.connect(pg.server_url(), autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")
