"""The storage layer on either backend: one writer at a time, whatever opens the database."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from bot.storage.db import Database
from tests.helpers import make_config


async def test_units_of_work_from_two_openings_never_interleave(tmp_path: Path) -> None:
    """Read-then-write work from two connections (two processes' worth) loses no write."""
    target = make_config(tmp_path).storage.database
    first, second = await Database.open(target), await Database.open(target)

    async def count_up(db: Database, times: int) -> None:
        for _ in range(times):
            async with db.transaction() as conn:
                async with conn.execute("SELECT COUNT(*) FROM applied") as cur:
                    row = await cur.fetchone()
                assert row is not None
                await asyncio.sleep(0.001)  # the other side gets every chance to write here
                await conn.execute(
                    "INSERT INTO applied (key, applied_at) VALUES (?, ?)",
                    (f"n{row[0]}", "2026-12-01T00:00:00+00:00"),
                )

    try:
        await asyncio.gather(count_up(first, 15), count_up(second, 15), count_up(first, 5))
        async with second.transaction() as conn:
            rows = await conn.execute_fetchall("SELECT key FROM applied")
        assert sorted(row["key"] for row in rows) == sorted(f"n{i}" for i in range(35))
    finally:
        await first.close()
        await second.close()


async def test_work_cancelled_as_it_begins_leaves_the_database_usable(tmp_path: Path) -> None:
    """A job stopped at any point (a lease lost, a shutdown) leaves no unit of work open: the
    next one commits, and what it wrote is there."""
    db = await Database.open(make_config(tmp_path).storage.database)

    async def work(key: str) -> None:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO applied (key, applied_at) VALUES (?, ?)",
                (key, "2026-12-01T00:00:00+00:00"),
            )

    try:
        for turn in range(30):
            task = asyncio.create_task(work(f"cancelled{turn}"))
            for _ in range(turn % 4):  # cancelled at a different step each time
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await work(f"kept{turn}")
        async with db.transaction() as conn:
            rows = await conn.execute_fetchall("SELECT key FROM applied WHERE key LIKE 'kept%'")
        assert len(rows) == 30
    finally:
        await db.close()
