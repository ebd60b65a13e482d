"""`chibo db`: the schema's version and upgrades, and moving a SQLite deployment to PostgreSQL."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.config import DATABASE_URL_VARIABLE, Config
from bot.domain.models import N_
from bot.i18n import Translator
from bot.storage import transfer
from bot.storage.db import Database, without_password
from bot.storage.dialect import sqlite_path

# The tables `chibo db status` counts, with what a person calls their rows.
MAIN_TABLES = (
    ("units", N_("đơn vị")),
    ("people", N_("người")),
    ("chat_accounts", N_("tài khoản chat đã kết nối")),
    ("meetings", N_("buổi họp")),
    ("answers", N_("câu trả lời thông báo họp")),
    ("attendance", N_("lượt điểm danh")),
    ("notices", N_("tin nhắn trong hộp thư đi")),
    ("petitions", N_("kiến nghị")),
)


class _ProblemError(Exception):
    """A message for the person at the terminal, already in their language."""


def add_parser(sub: Any, config: argparse.ArgumentParser) -> None:
    """The `chibo db` subcommands."""
    db = sub.add_parser("db", help="the database: status, upgrade, copy to PostgreSQL")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser(
        "status",
        parents=[config],
        help="backend, where, schema version, pending migrations, row counts",
    )
    db_sub.add_parser("upgrade", parents=[config], help="apply the migrations not yet applied")
    copy = db_sub.add_parser(
        "copy",
        parents=[config],
        help="copy the configured SQLite database into an empty PostgreSQL database",
        description=(
            "Copies the SQLite database of [storage] path into an empty PostgreSQL database, "
            "then checks the row count of every table. The password is never given on the "
            "command line: set PGPASSWORD (or ~/.pgpass), or give no --to and set "
            "CHIBO_DATABASE_URL. Stop `chibo run` first: what it writes after the copy "
            "starts is not copied."
        ),
    )
    copy.add_argument(
        "--to",
        default=None,
        metavar="postgresql://USER@HOST/DB",
        help="the target, without a password (default: CHIBO_DATABASE_URL)",
    )


async def run_db(config: Config, t: Translator, args: argparse.Namespace) -> int:
    """Run one `chibo db` subcommand; the exit status."""
    import psycopg

    try:
        if args.db_command == "status":
            return await _status(config, t)
        if args.db_command == "upgrade":
            return await _upgrade(config, t)
        return await _copy(config, t, args.to)
    except _ProblemError as problem:
        print(problem, file=sys.stderr)
        return 2
    except (psycopg.Error, sqlite3.Error) as exc:
        # E.g. a role without the right to create tables: the server's words, no traceback.
        print(
            t._("Lỗi cơ sở dữ liệu {where} (khóa {key}): {error}").format(
                where=where(config.storage.database),
                key=_key(config),
                error=" ".join(str(exc).split()),
            ),
            file=sys.stderr,
        )
        return 2


def where(database: str) -> str:
    """The database as it may be shown: a file, or a url without its password."""
    if sqlite_path(database) is not None:
        return str(sqlite_path(database))
    return without_password(database)[0]


def _key(config: Config) -> str:
    """The setting that named the database, for messages about it."""
    if os.environ.get(DATABASE_URL_VARIABLE, "").strip():
        return DATABASE_URL_VARIABLE
    return "storage.url" if config.storage.url else "storage.path"


async def _open(t: Translator, database: str, key: str, *, migrate: bool) -> Database:
    """The database opened, or a _ProblemError naming the setting when it cannot be."""
    if sqlite_path(database) is None:
        await _reach(t, database, key)
    import psycopg

    try:
        return await Database.open(database, migrate=migrate)
    except (OSError, sqlite3.Error, psycopg.Error) as exc:
        raise _ProblemError(
            t._("Không mở được cơ sở dữ liệu {where} (khóa {key}): {error}").format(
                where=where(database), key=key, error=exc
            )
        ) from exc


async def _reach(t: Translator, url: str, key: str) -> None:
    """Connect once, briefly: a wrong url or a server that is down is one clear line."""
    import psycopg

    try:
        conn = await psycopg.AsyncConnection.connect(url, connect_timeout=10)
    except psycopg.Error as exc:
        raise _ProblemError(
            t._("Không kết nối được tới cơ sở dữ liệu {where} (khóa {key}): {error}").format(
                where=where(url), key=key, error=" ".join(str(exc).split())
            )
        ) from exc
    await conn.close()


def _exists(path: str) -> bool:
    return Path(path).exists()


def _backend(database: str) -> str:
    return "SQLite" if sqlite_path(database) is not None else "PostgreSQL"


async def _status(config: Config, t: Translator) -> int:
    database = config.storage.database
    path = sqlite_path(database)
    if path is not None and not _exists(path):
        # Looking must not create the file.
        print(
            t._("Chưa có cơ sở dữ liệu ở {path}; lệnh «chibo db upgrade» sẽ tạo nó.").format(
                path=path
            )
        )
        return 1
    db = await _open(t, database, _key(config), migrate=False)
    try:
        version, pending = await db.pending_migrations()
        counts = await transfer.row_counts(db, tuple(name for name, _ in MAIN_TABLES))
    finally:
        await db.close()
    print(
        t._("Cơ sở dữ liệu: {backend}, {where}").format(
            backend=_backend(database), where=where(database)
        )
    )
    print(t._("Phiên bản lược đồ: {version}").format(version=version))
    if pending:
        print(
            t.ngettext(
                "Chưa áp dụng {n} bản nâng cấp: {names}. Hãy chạy «chibo db upgrade».",
                "Chưa áp dụng {n} bản nâng cấp: {names}. Hãy chạy «chibo db upgrade».",
                len(pending),
            ).format(n=len(pending), names=", ".join(pending))
        )
    else:
        print(t._("Đã áp dụng mọi bản nâng cấp."))
    if counts:
        print(t._("Số dòng:"))
        for name, label in MAIN_TABLES:
            if name in counts:
                shown = t._(label)
                shown = shown if shown == name else f"{shown} ({name})"
                print(f"  {shown}: {t.number(counts[name])}")
    return 0


async def _upgrade(config: Config, t: Translator) -> int:
    database = config.storage.database
    db = await _open(t, database, _key(config), migrate=False)
    try:
        before, pending = await db.pending_migrations()
        if not pending:
            print(
                t._(
                    "Cơ sở dữ liệu đã ở phiên bản mới nhất ({version}); không có gì để nâng cấp."
                ).format(version=before)
            )
            return 0
        await db.migrate()
        after = await db.schema_version()
    finally:
        await db.close()
    print(
        t.ngettext(
            "Đã nâng cấp cơ sở dữ liệu {where} từ phiên bản {old} lên {new} ({n} bản nâng cấp).",
            "Đã nâng cấp cơ sở dữ liệu {where} từ phiên bản {old} lên {new} ({n} bản nâng cấp).",
            len(pending),
        ).format(where=where(database), old=before, new=after, n=len(pending))
    )
    return 0


def _has_password(url: str) -> bool:
    parts = urlsplit(url)
    query = {name.lower() for name, _ in parse_qsl(parts.query)}
    return parts.password is not None or "password" in query


def _target(t: Translator, to: str | None) -> tuple[str, str]:
    """The PostgreSQL database to copy into, and the setting that named it."""
    if to is None:
        url = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
        if not url:
            raise _ProblemError(
                t._(
                    "Hãy cho biết cơ sở dữ liệu đích: --to postgresql://người_dùng@máy/tên, "
                    "hoặc biến môi trường CHIBO_DATABASE_URL."
                )
            )
        key = DATABASE_URL_VARIABLE
    else:
        url, key = to.strip(), "--to"
        if _has_password(url):
            raise _ProblemError(
                t._(
                    "Đừng ghi mật khẩu vào dòng lệnh (ai dùng máy này cũng đọc được): hãy đặt "
                    "nó trong biến môi trường PGPASSWORD, hoặc bỏ --to và đặt cả địa chỉ vào "
                    "CHIBO_DATABASE_URL."
                )
            )
    if sqlite_path(url) is not None:
        raise _ProblemError(
            t._("{key} phải là địa chỉ PostgreSQL: postgresql://người_dùng@máy/tên").format(
                key=key
            )
        )
    return url, key


def _source(config: Config) -> Path:
    """The configured SQLite file: [storage] url when it names one, else [storage] path."""
    path = sqlite_path(config.storage.database)
    return Path(path if path is not None else config.storage.path)


async def _copy(config: Config, t: Translator, to: str | None) -> int:
    import psycopg

    url, key = _target(t, to)
    source = _source(config)
    if not source.is_file():
        raise _ProblemError(
            t._("Không có cơ sở dữ liệu SQLite ở {path} (khóa storage.path) để sao chép.").format(
                path=source
            )
        )
    await _reach(t, url, key)
    try:
        outcome = await transfer.copy_sqlite_to_postgresql(source, url)
    except (psycopg.Error, sqlite3.Error, OSError) as exc:
        raise _ProblemError(
            t._(
                "Sao chép không thành công; cơ sở dữ liệu đích không có thêm dòng nào: {error}"
            ).format(error=" ".join(str(exc).split()))
        ) from exc
    target = where(url)
    if isinstance(outcome, transfer.NotEmpty):
        if outcome.foreign:
            raise _ProblemError(
                t._(
                    "Cơ sở dữ liệu đích {where} không trống: có bảng của ứng dụng khác ({tables})."
                    " Hãy sao chép vào một cơ sở dữ liệu mới tạo."
                ).format(where=target, tables=", ".join(outcome.foreign))
            )
        raise _ProblemError(
            t._(
                "Cơ sở dữ liệu đích {where} không trống: đã có dữ liệu ({tables}). Chỉ sao chép "
                "vào cơ sở dữ liệu trống; không có gì bị thay đổi."
            ).format(
                where=target,
                tables=", ".join(f"{name}: {t.number(n)}" for name, n in outcome.filled),
            )
        )
    if isinstance(outcome, transfer.VersionMismatch):
        raise _ProblemError(
            t._(
                "Hai cơ sở dữ liệu ở hai phiên bản khác nhau (SQLite {source}, PostgreSQL "
                "{target}); hãy dùng bản chương trình mới nhất rồi chạy lại."
            ).format(source=outcome.source, target=outcome.target)
        )
    print(t._("Số dòng từng bảng, đã đếm lại trên PostgreSQL:"))
    for count in outcome.counts:
        if count.ok:
            print(f"  {count.name}: {t.number(count.copied)}")
        else:
            print(
                "  ✗ "
                + t._("{table}: SQLite có {source} dòng, PostgreSQL có {copied}").format(
                    table=count.name,
                    source=t.number(count.source),
                    copied=t.number(count.copied),
                )
            )
    if not outcome.ok:
        print(
            t._("Số dòng không khớp; đã hủy bản sao, cơ sở dữ liệu đích không có thêm dòng nào."),
            file=sys.stderr,
        )
        return 1
    print(
        t._(
            "Đã sao chép {source} sang {where} (phiên bản {version}); số dòng khớp ở mọi bảng."
        ).format(source=source, where=target, version=outcome.version)
    )
    return 0


async def open_or_problem(config: Config, t: Translator) -> Database | None:
    """The configured database opened (and migrated), or None after saying why it cannot be."""
    try:
        return await _open(t, config.storage.database, _key(config), migrate=True)
    except _ProblemError as problem:
        print(problem, file=sys.stderr)
        return None
