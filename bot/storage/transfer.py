"""Moving a deployment: a SQLite database copied into an empty PostgreSQL one, table by table."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite

from bot.storage import dialect
from bot.storage.db import Database

log = logging.getLogger(__name__)

# Rows read from SQLite and written to PostgreSQL's COPY at a time: a province's millions of
# notices are streamed, never held in memory at once.
BATCH = 5000

# The bookkeeping table each side's own migrations fill; it is compared, not copied.
_VERSION_TABLE = "schema_version"


@dataclass(frozen=True)
class TableCount:
    """One table's rows in the source and in the copy."""

    name: str
    source: int
    copied: int

    @property
    def ok(self) -> bool:
        """The copy holds exactly the source's rows."""
        return self.source == self.copied


@dataclass(frozen=True)
class NotEmpty:
    """Why the target cannot take the copy: tables of another application, or rows already."""

    foreign: tuple[str, ...] = ()
    filled: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class VersionMismatch:
    """The two databases stand at different schema versions after migrating."""

    source: int
    target: int


@dataclass(frozen=True)
class Copied:
    """The copy is done (and committed only if every count matched)."""

    version: int
    counts: tuple[TableCount, ...]

    @property
    def ok(self) -> bool:
        """Every table holds the same number of rows on both sides."""
        return all(count.ok for count in self.counts)


CopyOutcome = NotEmpty | VersionMismatch | Copied


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _sqlite_tables(conn: aiosqlite.Connection) -> list[str]:
    async with conn.execute(dialect.tables(dialect.SQLITE)) as cur:
        return [row[0] for row in await cur.fetchall() if row[0] != _VERSION_TABLE]


async def _sqlite_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute(f"SELECT version FROM {_VERSION_TABLE}") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def _references(conn: aiosqlite.Connection, table: str) -> list[tuple[str, str, str]]:
    """The table's foreign keys: (column, referenced table, referenced column)."""
    async with conn.execute(f"PRAGMA foreign_key_list({_quoted(table)})") as cur:
        return [(row[3], row[2], row[4]) for row in await cur.fetchall()]


async def _columns(conn: aiosqlite.Connection, table: str) -> list[str]:
    async with conn.execute(f"PRAGMA table_info({_quoted(table)})") as cur:
        return [row[1] for row in await cur.fetchall()]


def _in_key_order(tables: list[str], refs: dict[str, set[str]]) -> list[str]:
    """The tables with every referenced table before the tables that reference it."""
    done: list[str] = []
    placed: set[str] = set()
    waiting = sorted(tables)
    while waiting:
        ready = [t for t in waiting if refs.get(t, set()) - {t} <= placed]
        if not ready:  # a cycle between tables: none in this schema; keep the rest as is
            ready = waiting
        for table in ready:
            done.append(table)
            placed.add(table)
        waiting = [t for t in waiting if t not in placed]
    return done


def _select(table: str, columns: list[str], self_ref: tuple[str, str, str] | None) -> str:
    """The rows of a table in an order PostgreSQL's foreign keys accept (parents first)."""
    names = ", ".join(f"t.{_quoted(c)}" for c in columns)
    if self_ref is None:
        return f"SELECT {names} FROM {_quoted(table)} t"
    column, _, key = (_quoted(part) for part in self_ref)
    # A tree in one table (units under units): each row after its parent, level by level.
    return (
        f"WITH RECURSIVE tree(k, depth) AS ("
        f"SELECT {key}, 0 FROM {_quoted(table)} WHERE {column} IS NULL "
        f"UNION ALL SELECT c.{key}, tree.depth + 1 FROM {_quoted(table)} c "
        f"JOIN tree ON c.{column} = tree.k) "
        f"SELECT {names} FROM {_quoted(table)} t JOIN tree ON t.{key} = tree.k "
        f"ORDER BY tree.depth, t.{key}"
    )


def _value(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL; the storage layer drops it the same way on writes.
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "")
    return value


async def _pg_tables(conn: Any) -> list[str]:
    cur = await conn.execute(dialect.tables(dialect.POSTGRESQL))
    return [row[0] for row in await cur.fetchall()]


async def _pg_count(conn: Any, table: str) -> int:
    cur = await conn.execute(f"SELECT count(*) FROM {_quoted(table)}")
    row = await cur.fetchone()
    return int(row[0])


async def _not_empty(conn: Any, ours: set[str]) -> NotEmpty | None:
    """What makes the target unfit for a copy, or None when it holds no rows of anything."""
    present = await _pg_tables(conn)
    foreign = tuple(t for t in present if t not in ours and t != _VERSION_TABLE)
    filled = []
    for table in present:
        if table in ours:
            cur = await conn.execute(f"SELECT EXISTS (SELECT 1 FROM {_quoted(table)})")
            row = await cur.fetchone()
            if row[0]:
                filled.append((table, await _pg_count(conn, table)))
    if foreign or filled:
        return NotEmpty(foreign=foreign, filled=tuple(filled))
    return None


async def _connect_pg(url: str, *, autocommit: bool) -> Any:
    import psycopg

    return await psycopg.AsyncConnection.connect(url, autocommit=autocommit, connect_timeout=10)


async def copy_sqlite_to_postgresql(source: Path, target: str) -> CopyOutcome:
    """Copy the SQLite database at source into the empty PostgreSQL database at target.

    The source is first brought to the program's schema (as every command does) and read in
    one snapshot, so a bot still running beside it changes nothing in the copy; the target is
    migrated to the same version, then filled in one transaction: a failure or a count that
    does not match leaves it as empty as it was.
    """
    prepared = await Database.open(source)
    await prepared.close()
    sqlite = await aiosqlite.connect(
        f"file:{quote(str(source))}?mode=ro", uri=True, isolation_level=None
    )
    try:
        # One read transaction: every SELECT below sees the same moment of the file.
        await sqlite.execute("BEGIN")
        tables = await _sqlite_tables(sqlite)
        version = await _sqlite_version(sqlite)
        refs = {t: await _references(sqlite, t) for t in tables}
        admin = await _connect_pg(target, autocommit=True)
        try:
            unfit = await _not_empty(admin, set(tables))
        finally:
            await admin.close()
        if unfit is not None:
            return unfit
        migrated = await Database.open(target)
        await migrated.close()
        pg = await _connect_pg(target, autocommit=False)
        try:
            async with pg.transaction():
                # The writer lock of every bot process: none can write while the copy runs.
                await pg.execute("SELECT pg_advisory_xact_lock(%s)", (dialect.WRITER_LOCK,))
                target_version = await _pg_count_version(pg)
                if target_version != version:
                    return VersionMismatch(source=version, target=target_version)
                unfit = await _not_empty(pg, set(tables))
                if unfit is not None:
                    return unfit
                order = _in_key_order(tables, {t: {r[1] for r in refs[t]} for t in tables})
                sources: dict[str, int] = {}
                for table in order:
                    sources[table] = await _copy_table(sqlite, pg, table, refs[table])
                await _move_sequences(pg)
                counts = [
                    TableCount(table, sources[table], await _pg_count(pg, table))
                    for table in order
                ]
                outcome = Copied(version=version, counts=tuple(counts))
                if not outcome.ok:
                    # Leave the target empty, as it was: a copy that does not add up is no copy.
                    raise _MismatchError(outcome)
        except _MismatchError as mismatch:
            return mismatch.outcome
        finally:
            await pg.close()
    finally:
        await sqlite.close()
    return outcome


class _MismatchError(Exception):
    """Raised inside the copy's transaction to roll it back; carries the counts."""

    def __init__(self, outcome: Copied) -> None:
        super().__init__("row counts differ")
        self.outcome = outcome


async def _pg_count_version(conn: Any) -> int:
    cur = await conn.execute(f"SELECT version FROM {_VERSION_TABLE}")
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def _copy_table(
    sqlite: aiosqlite.Connection, pg: Any, table: str, refs: list[tuple[str, str, str]]
) -> int:
    """Stream one table through COPY; the number of rows the source holds."""
    columns = await _columns(sqlite, table)
    self_ref = next((ref for ref in refs if ref[1] == table), None)
    async with sqlite.execute(f"SELECT count(*) FROM {_quoted(table)}") as cur:
        row = await cur.fetchone()
    total = int(row[0]) if row else 0
    names = ", ".join(_quoted(c) for c in columns)
    async with (
        pg.cursor() as pg_cur,
        pg_cur.copy(f"COPY {_quoted(table)} ({names}) FROM STDIN") as copy,
        sqlite.execute(_select(table, columns, self_ref)) as cur,
    ):
        while rows := await cur.fetchmany(BATCH):
            for values in rows:
                await copy.write_row(tuple(_value(v) for v in values))
    log.info("copied %s: %d rows", table, total)
    return total


async def _move_sequences(pg: Any) -> None:
    """Each identity column's next value past the copied ids, so new rows do not collide."""
    cur = await pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in await cur.fetchall():
        await pg.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), max({_quoted(column)})) "
            f"FROM {_quoted(table)} HAVING max({_quoted(column)}) IS NOT NULL",
            (_quoted(table), column),
        )


async def row_counts(db: Database, tables: tuple[str, ...]) -> dict[str, int]:
    """The rows of each of these tables that exists."""
    async with db.transaction(shared=True) as conn:
        present = {row[0] for row in await conn.execute_fetchall(dialect.tables(db.dialect))}
        counts: dict[str, int] = {}
        for table in tables:
            if table in present:
                rows = await conn.execute_fetchall(f"SELECT count(*) FROM {_quoted(table)}")
                counts[table] = int(rows[0][0])
    return counts
