"""This process among the others sharing the database: alive, and the leases it holds.

Every process registers at start and says every `HEARTBEAT` that it is alive. One not seen for
`DEAD_AFTER` is dead: the first live process to notice hands its work on (the `on_dead`
callbacks, in the same unit of work that forgets it), so what it had claimed goes to the
others; a process that stops hands its own work on the same way. A lease gives one process a
job for `LEASE` (planning, polling a channel, sending on a paced channel); the holder renews it
with each heartbeat, and when the holder dies another takes it once it runs out.

With SQLite only one process runs (`alone`): at start every process registered before is dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.storage import workers
from bot.storage.db import Database

log = logging.getLogger(__name__)

HEARTBEAT = timedelta(seconds=2)
DEAD_AFTER = timedelta(seconds=15)
LEASE = timedelta(seconds=10)

# Called inside the unit of work that forgets dead processes, with their ids.
HandOn = Callable[[aiosqlite.Connection, list[str]], Awaitable[None]]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class Worker:
    """This process: its id, its heartbeat, its leases, and who hands on the work of the dead."""

    def __init__(
        self,
        db: Database,
        *,
        alone: bool = True,
        clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.db = db
        self.alone = alone
        # Liveness is measured in real time, whatever time the bot is told it is.
        self.clock = clock
        host = socket.gethostname()[:64]
        self.id = f"{host}:{os.getpid()}:{secrets.token_hex(4)}"
        self._host = host
        self._held: set[str] = set()
        self._hand_on: list[HandOn] = []
        self._task: asyncio.Task[None] | None = None

    def on_dead(self, hand_on: HandOn) -> None:
        """Hand on a dead process's work with `hand_on` (called with the dead ids)."""
        self._hand_on.append(hand_on)

    async def start(self, *, heartbeat: bool = True) -> None:
        """Register, hand on the work of processes already dead, and start the heartbeat."""
        now = self.clock()
        async with self.db.transaction() as conn:
            await workers.register(conn, self.id, self._host, os.getpid(), now)
        # With SQLite nobody else runs: whoever was registered before died with its process.
        await self.bury(now + DEAD_AFTER if self.alone else now)
        if heartbeat:
            self._task = asyncio.create_task(self._beat(), name="chibo-heartbeat")

    async def stop(self) -> None:
        """Stop the heartbeat and leave: its work is handed on as a dead process's would be
        (the `on_dead` callbacks, with its own id), and the leases go at once to whoever asks."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        async with self.db.transaction() as conn:
            for hand_on in self._hand_on:
                await hand_on(conn, [self.id])
            await workers.forget(conn, self.id)
        self._held.clear()

    async def hold(self, name: str) -> bool:
        """Take or renew the lease `name`; whether this process holds it now."""
        now = self.clock()
        async with self.db.transaction() as conn:
            taken = await workers.take(conn, name, self.id, now, now + LEASE)
        if taken:
            self._held.add(name)
        else:
            self._held.discard(name)
        return taken

    def holds(self, name: str) -> bool:
        """Whether this process held the lease `name` at its last renewal."""
        return name in self._held

    async def release(self, name: str) -> None:
        """Give up the lease `name`."""
        self._held.discard(name)
        async with self.db.transaction() as conn:
            await workers.give_up(conn, name, self.id)

    async def bury(self, now: datetime) -> list[str]:
        """Hand on the work of processes not seen within DEAD_AFTER before `now`; their ids."""
        async with self.db.transaction() as conn:
            gone = [w for w in await workers.dead(conn, now - DEAD_AFTER) if w != self.id]
            if gone:
                for hand_on in self._hand_on:
                    await hand_on(conn, gone)
                for worker_id in gone:
                    await workers.forget(conn, worker_id)
        if gone:
            log.warning("%d stopped processes found; their work goes on here", len(gone))
        return gone

    async def beat(self) -> None:
        """Say this process is alive, renew its leases and bury the dead (one heartbeat)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            if not await workers.seen(conn, self.id, now):
                # Given up for dead by the others (a stall longer than DEAD_AFTER): start a new
                # life; the leases it held were handed on.
                log.warning("this process was taken for dead; it registers again")
                self._held.clear()
                await workers.register(conn, self.id, self._host, os.getpid(), now)
        for name in sorted(self._held):
            await self.hold(name)
        await self.bury(now)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT.total_seconds())
            try:
                await self.beat()
            except Exception:
                log.exception("the heartbeat failed; it runs again")
