"""Several processes on one database: liveness, leases, and handing on the work of the dead."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services.workers import DEAD_AFTER, LEASE, Worker
from bot.storage import workers
from bot.storage.db import Conn, Database
from tests.helpers import Clock


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database file."""
    database = await Database.open(tmp_path / "workers.sqlite3")
    try:
        yield database
    finally:
        await database.close()


def _clock() -> Clock:
    return Clock(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))


async def test_a_lease_belongs_to_one_process_until_it_runs_out(db: Database) -> None:
    """Two processes ask for the planner's lease: one gets it; the other only once it lapses."""
    clock = _clock()
    first, second = (Worker(db, alone=False, clock=clock.now) for _ in range(2))
    await first.start(heartbeat=False)
    await second.start(heartbeat=False)
    assert await first.hold("plan")
    assert not await second.hold("plan")
    assert await first.hold("plan")  # renewed by its holder
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await second.hold("plan")
    assert not await first.hold("plan")
    assert not first.holds("plan")


async def test_a_dead_process_s_work_is_handed_on_once(db: Database) -> None:
    """A process that stops beating is buried by the first live one; its work goes on there."""
    clock = _clock()
    handed: list[tuple[str, list[str]]] = []
    killed, survivor, late = (Worker(db, alone=False, clock=clock.now) for _ in range(3))
    for worker in (killed, survivor, late):

        async def note(conn: Conn, dead: list[str], me: Worker = worker) -> None:
            handed.append((me.id, dead))

        worker.on_dead(note)
        await worker.start(heartbeat=False)
    assert await killed.hold("poll:telegram")
    # `killed` stops beating (SIGKILL); the others go on.
    for _ in range(int(DEAD_AFTER / timedelta(seconds=2)) + 1):
        clock.advance(seconds=2)
        await survivor.beat()
        await late.beat()
    assert handed == [(survivor.id, [killed.id])]
    assert await late.hold("poll:telegram")


async def test_with_sqlite_a_restart_takes_over_at_once(db: Database) -> None:
    """One process on SQLite: after a kill, the next start hands on the old work immediately."""
    clock = _clock()
    handed: list[list[str]] = []
    old = Worker(db, clock=clock.now)
    await old.start(heartbeat=False)
    await old.hold("send:telegram")
    # Killed: no stop(). A new process starts a second later.
    clock.advance(seconds=1)
    new = Worker(db, clock=clock.now)

    async def note(conn: Conn, dead: list[str]) -> None:
        handed.append(dead)

    new.on_dead(note)
    await new.start(heartbeat=False)
    assert handed == [[old.id]]
    assert await new.hold("send:telegram")
    await new.stop()


async def test_with_sqlite_a_gone_process_is_dead_at_once_and_a_running_one_is_not(
    db: Database,
) -> None:
    """Two other processes of this machine share the SQLite file: the one that exited is
    buried at once, without waiting DEAD_AFTER; the one still running keeps its lease."""
    clock = _clock()
    exited = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await exited.wait()
    running = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(60)"
    )
    try:
        host = socket.gethostname()[:64]
        async with db.transaction() as conn:
            for name, pid in (("exited", exited.pid), ("running", running.pid)):
                await workers.register(conn, name, host, pid, clock.now())
                await workers.take(conn, f"poll:{name}", name, clock.now(), clock.now() + LEASE)
        survivor = Worker(db, alone=True, clock=clock.now)
        await survivor.start(heartbeat=False)
        clock.advance(seconds=2)
        await survivor.beat()
        assert not await survivor.hold("poll:running")
        assert await survivor.hold("poll:exited")
        await survivor.stop()
    finally:
        running.kill()
        await running.wait()
