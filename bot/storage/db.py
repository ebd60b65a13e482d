"""The database (SQLite or PostgreSQL), numbered migrations and units of work."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import aiosqlite

from bot.storage import dialect as sqldialect
from bot.storage.dialect import POSTGRESQL, SQLITE, sqlite_path

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Params = Sequence[Any]


class Row(Protocol):
    """A row readable by index and by column name (as sqlite3.Row is)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Any: ...

    def __len__(self) -> int: ...

    def keys(self) -> list[str]: ...


class Cursor:
    """The result of one statement: rows to fetch and the count of rows changed."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @property
    def rowcount(self) -> int:
        """Rows changed by an INSERT, UPDATE or DELETE."""
        return int(self._inner.rowcount)

    async def fetchone(self) -> Row | None:
        """The next row, or None."""
        row: Row | None = await self._inner.fetchone()
        return row

    async def fetchall(self) -> list[Row]:
        """Every remaining row."""
        return list(await self._inner.fetchall())

    async def close(self) -> None:
        """Release the cursor."""
        await self._inner.close()

    def __aiter__(self) -> AsyncIterator[Row]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Row]:
        while (row := await self.fetchone()) is not None:
            yield row


class _Pending:
    """A statement being run: awaited it gives the cursor; as a context it closes it after."""

    def __init__(self, run: Callable[[], Awaitable[Cursor]]) -> None:
        self._run = run
        self._cursor: Cursor | None = None

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._run().__await__()

    async def __aenter__(self) -> Cursor:
        self._cursor = await self._run()
        return self._cursor

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class Conn:
    """The connection a unit of work hands out: the same calls on SQLite and PostgreSQL."""

    dialect: str = SQLITE

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        """Run one statement (``?`` placeholders)."""
        raise NotImplementedError

    async def executemany(self, sql: str, params: Iterable[Params]) -> int:
        """Run one statement for each set of parameters; the number of rows changed."""
        raise NotImplementedError

    async def ids_taken(self, table: str) -> None:
        """Ids were written into table explicitly: rows numbered later must come after them."""

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one statement and return all its rows."""
        async with self.execute(sql, params) as cur:
            return await cur.fetchall()


class _SqliteConn(Conn):
    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        async def run() -> Cursor:
            return Cursor(await self._conn.execute(sql, params))

        return _Pending(run)

    async def executemany(self, sql: str, params: Iterable[Params]) -> int:
        cur = await self._conn.executemany(sql, params)
        try:
            return max(cur.rowcount, 0)
        finally:
            await cur.close()


def _pg_param(value: Any) -> Any:
    # SQLite stores booleans as 0/1 in INTEGER columns; PostgreSQL will not compare bigint
    # with boolean, so they go as integers here too.
    if isinstance(value, bool):
        return int(value)
    # PostgreSQL text cannot hold NUL, which a chat message may carry; it means nothing there.
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "")
    return value


def _pg_params(params: Params) -> tuple[Any, ...]:
    return tuple(_pg_param(p) for p in params)


class _PgConn(Conn):
    dialect = POSTGRESQL

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        async def run() -> Cursor:
            cur = self._conn.cursor()
            await cur.execute(sqldialect.to_postgresql(sql), _pg_params(params))
            return Cursor(cur)

        return _Pending(run)

    async def executemany(self, sql: str, params: Iterable[Params]) -> int:
        rows = [_pg_params(p) for p in params]
        if not rows:
            return 0
        async with self._conn.cursor() as cur:
            await cur.executemany(sqldialect.to_postgresql(sql), rows)
            return max(cur.rowcount, 0)

    async def ids_taken(self, table: str) -> None:
        await self._conn.execute(sqldialect.sync_identity(table))


class _PgRow(tuple[Any, ...]):
    """A PostgreSQL row readable by index and by (case-insensitive) column name."""

    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], index: dict[str, int]) -> _PgRow:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key.lower()])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        """The column names, in order."""
        return list(self._index)


def _pg_row_factory(cursor: Any) -> Callable[[Sequence[Any]], _PgRow]:
    names = [column.name for column in cursor.description or ()]
    index = {name.lower(): position for position, name in enumerate(names)}

    def make(values: Sequence[Any]) -> _PgRow:
        return _PgRow(values, index)

    return make


class Database:
    """The connection(s) and the lock that makes each unit of work whole.

    On SQLite one connection is shared by every handler and job, so a transaction must not
    interleave with another coroutine's statements: every use goes through ``transaction()``.
    On PostgreSQL connections come from a pool and each writing unit of work takes one
    advisory lock first, so read-then-write logic sees no other writer, as on SQLite.
    """

    def __init__(self, conn: aiosqlite.Connection | None = None, pool: Any = None) -> None:
        self._conn = conn
        self._pool = pool
        self._lock = asyncio.Lock()
        self.dialect: str = POSTGRESQL if pool is not None else SQLITE
        self.path: str | None = None
        self.url: str = ""

    @classmethod
    async def open(cls, where: str | Path, *, migrate: bool = True) -> Database:
        """Open the database (a file path, ``sqlite:///path`` or ``postgresql://...``) and
        bring its schema up to date (unless ``migrate=False``: `chibo db status` only looks)."""
        path = sqlite_path(where)
        db = await (cls._open_sqlite(path) if path is not None else cls._open_pg(str(where)))
        db.url = str(where)
        if migrate:
            try:
                await db.migrate()
            except BaseException:
                await db.close()  # a refused migration must not leave the pool open
                raise
        return db

    @classmethod
    async def _open_sqlite(cls, path: str) -> Database:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        return cls(conn)

    @classmethod
    async def _open_pg(cls, url: str) -> Database:
        from psycopg_pool import AsyncConnectionPool

        async def configure(conn: Any) -> None:
            _numbers_as_python(conn)

        pool: Any = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=10,
            open=False,
            kwargs={"autocommit": True, "row_factory": _pg_row_factory},
            configure=configure,
        )
        await pool.open(wait=True, timeout=30)
        return cls(pool=pool)

    async def close(self) -> None:
        """Close the connection(s)."""
        if self._conn is not None:
            await self._conn.close()
        if self._pool is not None:
            await self._pool.close()

    @asynccontextmanager
    async def transaction(self, *, shared: bool = False) -> AsyncIterator[Conn]:
        """A unit of work: committed when the block ends, rolled back if it raises.

        ``shared=True`` (PostgreSQL) skips the one-writer lock, for work that is safe under
        READ COMMITTED with row locks; on SQLite every unit of work is the single writer.
        """
        if self._pool is None:
            async with self._sqlite_transaction() as conn:
                yield conn
            return
        if shared:
            async with self._pg_transaction(lock=False) as conn:
                yield conn
            return
        # The process lock first, so coroutines waiting for the writer hold no pool connection.
        async with self._lock, self._pg_transaction(lock=True) as conn:
            yield conn

    @asynccontextmanager
    async def _sqlite_transaction(self) -> AsyncIterator[Conn]:
        assert self._conn is not None
        conn = self._conn
        async with self._lock:
            try:
                await conn.execute("BEGIN IMMEDIATE")
                yield _SqliteConn(conn)
            except BaseException:
                # Also when cancelled while BEGIN was queued: aiosqlite runs it anyway, and the
                # rollback queued after it ends it (a rollback outside a transaction does
                # nothing). Shielded, so a second cancellation cannot leave it open.
                await asyncio.shield(conn.rollback())
                raise
            else:
                await asyncio.shield(conn.commit())

    @asynccontextmanager
    async def _pg_transaction(self, *, lock: bool) -> AsyncIterator[Conn]:
        async with self._pool.connection() as raw, raw.transaction():
            if lock:
                await raw.execute("SELECT pg_advisory_xact_lock(%s)", (sqldialect.WRITER_LOCK,))
            yield _PgConn(raw)

    async def backup(self, target: str | Path) -> None:
        """A consistent copy of the database, taken while the bot may be running: SQLite's
        online backup, or on PostgreSQL ``pg_dump`` in its custom format (raises
        PgDumpMissingError when it is not installed, PgDumpError with its words when it fails)."""
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        if self._conn is None:
            await _pg_dump(self.url, Path(target))
            return
        async with self._lock:
            backup = await aiosqlite.connect(target)
            try:
                await self._conn.backup(backup)
            finally:
                await backup.close()

    async def pending_migrations(self) -> tuple[int, list[str]]:
        """The schema version and the names of the migrations not yet applied (writes
        nothing: a database never migrated is at version 0)."""
        async with self.transaction(shared=True) as conn:
            names = {
                row[0] for row in await conn.execute_fetchall(sqldialect.tables(self.dialect))
            }
            version = await _version(conn) if "schema_version" in names else 0
        return version, [name for number, name, _ in _migrations(self.dialect) if number > version]

    async def schema_version(self) -> int:
        """The number of the last migration applied."""
        async with self.transaction() as conn:
            return await _version(conn)

    async def migrate(self) -> None:
        """Apply the numbered migrations not yet applied, each in its own transaction."""
        async with self.transaction() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
        for number, name, sql in _migrations(self.dialect):
            async with self.transaction() as conn:
                if number <= await _version(conn):
                    continue
                log.info("applying migration %s", name)
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute("DELETE FROM schema_version")
                await conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))


class PgDumpMissingError(OSError):
    """pg_dump is not installed (PostgreSQL's client programs)."""


class PgDumpError(OSError):
    """pg_dump ran and failed; the message is what it said."""


async def _pg_dump(url: str, target: Path) -> None:
    """Dump the database at url into target (custom format, for pg_restore)."""
    program = shutil.which("pg_dump")
    if program is None:
        raise PgDumpMissingError("pg_dump")
    # The password goes to pg_dump through its environment, never on a command line that
    # every user of the machine can read in `ps`.
    bare, password = without_password(url)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    process = await asyncio.create_subprocess_exec(
        program,
        "--format=custom",
        f"--file={target}",
        f"--dbname={bare}",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await process.communicate()
    if process.returncode != 0:
        # Half a dump must not pass for a backup.
        await asyncio.to_thread(target.unlink, missing_ok=True)
        raise PgDumpError(err.decode(errors="replace").strip())


def without_password(url: str) -> tuple[str, str | None]:
    """The url with its password (in the address or as ``password=``) taken out, and it."""
    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password is not None else None
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(name.lower() == "password" for name, _ in pairs):
        password = next(value for name, value in pairs if name.lower() == "password")
        query = urlencode([(name, value) for name, value in pairs if name.lower() != "password"])
    netloc = parts.netloc.rsplit("@", 1)
    if len(netloc) == 2:
        netloc[0] = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc="@".join(netloc), query=query)), password


def _numbers_as_python(conn: Any) -> None:
    """SUM and AVG give NUMERIC on PostgreSQL: read them as int or float, as SQLite gives."""
    from psycopg.types.numeric import NumericLoader

    class Loader(NumericLoader):
        def load(self, data: Any) -> Any:
            value = super().load(data)
            return int(value) if value == value.to_integral_value() else float(value)

    conn.adapters.register_loader("numeric", Loader)


async def _version(conn: Conn) -> int:
    async with conn.execute("SELECT version FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


def _migrations(dialect: str = SQLITE) -> list[tuple[int, str, str]]:
    """The numbered migrations, on PostgreSQL translated or replaced from postgresql/."""
    folder = resources.files("bot.storage") / "migrations"
    found: dict[int, tuple[str, str]] = {}
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            text = entry.read_text(encoding="utf-8")
            if dialect == POSTGRESQL:
                text = sqldialect.ddl(text)
            found[int(match.group(1))] = (entry.name, text)
    if dialect == POSTGRESQL:
        special = folder / "postgresql"
        if special.is_dir():
            for entry in special.iterdir():
                match = _MIGRATION_NAME.match(entry.name)
                if match:
                    found[int(match.group(1))] = (entry.name, entry.read_text(encoding="utf-8"))
    return sorted((number, name, sql) for number, (name, sql) in found.items())


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (migrations hold no semicolons inside literals)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
