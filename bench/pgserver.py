"""PostgreSQL for the benchmarks: a throwaway server, a fresh database per scenario."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.harness import ROOT
from bot.storage import dialect
from bot.storage.db import Database

ENV_URL = "CHIBO_BENCH_POSTGRESQL"
RANDOM_PAGE_COST = 1.1
_NAME = re.compile(r"^[a-z0-9_]+$")


@dataclass
class Server:
    """A PostgreSQL server the benchmarks may create databases on."""

    url: str  # of its maintenance database
    folder: str = ""  # set when scripts/pg-temp started it (and must stop it)

    def database_url(self, name: str) -> str:
        """The url of database `name` on this server."""
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def version(self) -> str:
        """The server's version, e.g. 15.10."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else ""

    def create(self, name: str, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`), dropped first if it exists."""
        import psycopg

        for part in (name, template or "x"):
            if not _NAME.match(part):
                raise ValueError(f"not a database name: {part}")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            copy = f" TEMPLATE {template}" if template else ""
            conn.execute(f"CREATE DATABASE {name}{copy}")
            # The data is in memory (or on an SSD): an index probe costs about what a row read
            # in sequence does. With the default (4) PostgreSQL reads all of answers and people
            # to join a few thousand attendance rows, and the province digest takes 2.5×.
            conn.execute(f"ALTER DATABASE {name} SET random_page_cost = {RANDOM_PAGE_COST}")
        return self.database_url(name)

    def stop(self) -> None:
        """Stop the server if the benchmark started it."""
        if self.folder:
            subprocess.run(  # noqa: S603 - the project's own script
                [str(ROOT / "scripts" / "pg-temp"), "stop", self.folder],
                check=False,
                capture_output=True,
            )
            self.folder = ""


def start() -> Server:
    """CHIBO_BENCH_POSTGRESQL when set, else a throwaway server from scripts/pg-temp."""
    given = os.environ.get(ENV_URL)
    if given:
        return Server(given)
    done = subprocess.run(  # noqa: S603 - the project's own script
        [str(ROOT / "scripts" / "pg-temp")], check=True, capture_output=True, text=True
    )
    found = dict(re.findall(r"export (\w+)='([^']*)'", done.stdout))
    return Server(found["CHIBO_TEST_POSTGRESQL"], found["PG_TEMP_DIR"])


async def copy_sqlite(source: Path, url: str) -> dict[str, Any]:
    """Copy a SQLite database into the empty PostgreSQL database at `url` (schema by the
    migrations, rows by COPY); seconds and rows copied."""
    import psycopg

    began = time.monotonic()
    db = await Database.open(url)  # the same migrations, in PostgreSQL's words
    await db.close()
    lite = sqlite3.connect(source)
    rows = 0
    try:
        tables = [
            str(r[0])
            for r in lite.execute(dialect.tables(dialect.SQLITE))
            if r[0] != "schema_version"
        ]
        async with await psycopg.AsyncConnection.connect(url) as conn:
            # The rows are a consistent whole already: no foreign-key triggers while copying.
            await conn.execute("SET session_replication_role = replica")
            # Rows the migrations wrote are in the SQLite file too.
            await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
            for table in tables:
                names = [str(c[1]) for c in lite.execute(f'PRAGMA table_info("{table}")')]
                columns = ", ".join(f'"{n}"' for n in names)
                cursor = lite.execute(f'SELECT {columns} FROM "{table}"')
                sql = f'COPY "{table}" ({columns}) FROM STDIN'
                async with conn.cursor() as cur, cur.copy(sql) as copy:
                    for row in cursor:
                        await copy.write_row(row)
                        rows += 1
                if "id" in names:
                    serial = await conn.execute(
                        "SELECT pg_get_serial_sequence(%s, 'id')", (table,)
                    )
                    found = await serial.fetchone()
                    if found and found[0]:
                        await conn.execute(dialect.sync_identity(table))
            await conn.execute("ANALYZE")
            await conn.commit()
    finally:
        lite.close()
    return {"seconds": round(time.monotonic() - began, 1), "rows": rows}


def count(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one query on PostgreSQL (``?`` placeholders are not used here)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


async def acount(url: str, sql: str) -> list[tuple[Any, ...]]:
    """`count` off the event loop."""
    return await asyncio.to_thread(count, url, sql)


@dataclass
class Watch:
    """Samples, while a benchmark runs, what the database's connections are doing."""

    url: str
    samples: int = 0
    active: int = 0  # summed over samples: connections running a statement
    waiting_writer: int = 0  # summed: connections waiting for the one-writer advisory lock
    idle_in_transaction: int = 0  # summed: connections inside a transaction, between statements
    server_cpu: float = 0.0  # seconds of CPU the server's processes used while watched
    _task: asyncio.Task[None] | None = None
    _stop: asyncio.Event | None = None

    async def start(self) -> None:
        """Begin sampling every 50 ms."""
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, float]:
        """End sampling; averages per sample."""
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await self._task
        n = max(1, self.samples)
        return {
            "samples": self.samples,
            "active": round(self.active / n, 2),
            "waiting_for_writer_lock": round(self.waiting_writer / n, 2),
            "idle_in_transaction": round(self.idle_in_transaction / n, 2),
            "server_cpu_seconds": round(self.server_cpu, 1),
        }

    async def _run(self) -> None:
        import psycopg

        assert self._stop is not None
        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            row = await (await conn.execute("SHOW data_directory")).fetchone()
            postmaster = _postmaster(str(row[0])) if row else 0
            began = _tree_cpu(postmaster)
            while not self._stop.is_set():
                cur = await conn.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active'), "
                    "count(*) FILTER (WHERE wait_event = 'advisory'), "
                    "count(*) FILTER (WHERE state = 'idle in transaction') "
                    "FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
                found = await cur.fetchone()
                if found:
                    self.samples += 1
                    self.active += int(found[0])
                    self.waiting_writer += int(found[1])
                    self.idle_in_transaction += int(found[2])
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 0.05)
            self.server_cpu = _tree_cpu(postmaster) - began


def _postmaster(data_directory: str) -> int:
    try:
        return int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0  # a server elsewhere: its CPU is not ours to see


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (live ones, and the waited-for ones)."""
    if not pid:
        return 0.0
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """CPU seconds the whole machine has been busy and idle since boot (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / tick, idle / tick
