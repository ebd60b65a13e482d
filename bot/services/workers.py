"""This process among the others sharing the database: alive, and the leases it holds.

Every process registers at start and says every `HEARTBEAT` that it is alive. One not seen for
`DEAD_AFTER` is dead: the first live process to notice hands its work on (the `on_dead`
callbacks, in the same unit of work that forgets it), so what it had claimed goes to the
others; a process that stops hands its own work on the same way. A lease gives one process a
job for `LEASE` (planning, polling a channel, sending on a paced channel); the holder renews it
with each heartbeat, and when the holder dies another takes it once it runs out. A duty is the
job behind a lease: begun when this process takes the lease, ended when it loses it; a process
without the lease asks again at each heartbeat.

With SQLite (`alone`: no other machine shares the file) a process of this machine whose pid is
gone is dead at once, without waiting DEAD_AFTER; at start, one registered with this very pid
is an earlier life of it. Another live process on the same file is left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.storage import workers
from bot.storage.db import Conn, Database

log = logging.getLogger(__name__)

HEARTBEAT = timedelta(seconds=2)
DEAD_AFTER = timedelta(seconds=15)
LEASE = timedelta(seconds=10)
# The lease of the periodic work (the planner, forgetting old updates): one process does it.
PLAN = "plan"

# Called inside the unit of work that forgets dead processes, with their ids.
HandOn = Callable[[Conn, list[str]], Awaitable[None]]
Step = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Timing:
    """How often a process beats, when its silence means death, how long a lease lasts."""

    heartbeat: timedelta = HEARTBEAT
    dead_after: timedelta = DEAD_AFTER
    lease: timedelta = LEASE


@dataclass
class _Duty:
    name: str
    begin: Step
    end: Step
    active: bool = field(default=False)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _running(pid: int) -> bool:
    """Whether a process with this pid runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class Worker:
    """This process: its id, its heartbeat, its leases and duties, and who hands on the work
    of the dead."""

    def __init__(
        self,
        db: Database,
        *,
        alone: bool | None = None,
        clock: Callable[[], datetime] = _wall_clock,
        timing: Timing = Timing(),
    ) -> None:
        self.db = db
        # A SQLite file is shared only on this machine; a database server by many (pg-storage
        # gives the database its dialect; without one it is SQLite).
        self.alone = alone if alone is not None else db.dialect == "sqlite"
        # Liveness is measured in real time, whatever time the bot is told it is.
        self.clock = clock
        self.timing = timing
        host = socket.gethostname()[:64]
        self.id = f"{host}:{os.getpid()}:{secrets.token_hex(4)}"
        self._host = host
        self._held: set[str] = set()
        self._hand_on: list[HandOn] = []
        self._after_beat: list[Step] = []
        self._duties: list[_Duty] = []
        self._duty_lock = asyncio.Lock()
        self._ending = False
        self._task: asyncio.Task[None] | None = None
        self._quiet = asyncio.Event()

    def on_dead(self, hand_on: HandOn) -> None:
        """Hand on a dead process's work with `hand_on` (called with the dead ids)."""
        self._hand_on.append(hand_on)

    def after_beat(self, step: Step) -> None:
        """Run `step` after every heartbeat (once the dead are buried)."""
        self._after_beat.append(step)

    def duty(self, name: str, begin: Step, end: Step) -> None:
        """Do a job while this process holds the lease `name`: `begin` when it takes the
        lease, `end` when it loses it or stops. Several duties may share one lease."""
        self._duties.append(_Duty(name, begin, end))

    async def start(self, *, heartbeat: bool = True) -> None:
        """Register, hand on the work of processes already dead, and start the heartbeat."""
        now = self.clock()
        async with self.db.transaction() as conn:
            await workers.register(conn, self.id, self._host, os.getpid(), now)
        await self.bury(now, starting=True)
        if heartbeat:
            self._quiet = asyncio.Event()
            self._task = asyncio.create_task(self._beat(self._quiet), name="chibo-heartbeat")

    async def stop(self) -> None:
        """End the duties, stop the heartbeat and leave: its work is handed on as a dead
        process's would be, and the leases go at once to whoever asks."""
        await self.end_duties()
        await self.stop_beating()
        await self.leave()

    async def end_duties(self) -> None:
        """End every duty and begin none again (the first step of stopping)."""
        async with self._duty_lock:
            self._ending = True
            for duty in self._duties:
                if duty.active:
                    await self._end(duty)

    async def stop_beating(self) -> None:
        """Stop the heartbeat; without `leave` the others take this process for dead."""
        if self._task is not None:
            # Not cancelled: a heartbeat cut inside a unit of work could leave it open.
            self._quiet.set()
            await self._task
            self._task = None

    async def leave(self) -> None:
        """Hand on this process's work (the `on_dead` callbacks, with its own id) and forget it
        and its leases in the database."""
        async with self.db.transaction() as conn:
            for hand_on in self._hand_on:
                await hand_on(conn, [self.id])
            await workers.forget(conn, self.id)
        self._held.clear()

    async def hold(self, name: str) -> bool:
        """Take or renew the lease `name`; whether this process holds it now."""
        now = self.clock()
        async with self.db.transaction() as conn:
            taken = await workers.take(conn, name, self.id, now, now + self.timing.lease)
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

    async def bury(self, now: datetime, *, starting: bool = False) -> list[str]:
        """Hand on the work of processes not seen within DEAD_AFTER before `now` (and, alone,
        of this machine's processes that are gone); their ids."""
        async with self.db.transaction() as conn:
            gone = set(await workers.dead(conn, now - self.timing.dead_after))
            if self.alone:
                gone.update(await self._gone_here(conn, starting=starting))
            gone.discard(self.id)
            dead = sorted(gone)
            if dead:
                for hand_on in self._hand_on:
                    await hand_on(conn, dead)
                for worker_id in dead:
                    await workers.forget(conn, worker_id)
        if dead:
            log.warning("%d stopped processes found; their work goes on here", len(dead))
        return dead

    async def _gone_here(self, conn: Conn, *, starting: bool) -> list[str]:
        """Processes registered from this machine that no longer run."""
        mine = os.getpid()
        gone = []
        for worker_id, host, pid in await workers.registered(conn):
            if host != self._host or worker_id == self.id:
                continue
            # Another registration with this pid: an earlier life of this process at start;
            # later, another part of this process (a test playing two processes) that lives
            # or dies by its heartbeat.
            if (pid == mine and starting) or (pid != mine and not _running(pid)):
                gone.append(worker_id)
        return gone

    async def beat(self) -> None:
        """Say this process is alive, renew its leases, bury the dead, then see to the duties
        and what runs after a heartbeat (one heartbeat)."""
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
        await self.take_duties()
        for step in self._after_beat:
            await step()

    async def take_duties(self) -> None:
        """Take the leases of the duties this process lacks; begin the duties of the leases it
        now holds, end those of the leases it lost."""
        async with self._duty_lock:
            if self._ending:
                return
            for name in sorted({duty.name for duty in self._duties} - self._held):
                await self.hold(name)
            for duty in self._duties:
                if duty.active and not self.holds(duty.name):
                    log.warning("lease %s lost: its work stops here", duty.name)
                    await self._end(duty)
            for duty in self._duties:
                if not duty.active and self.holds(duty.name):
                    await self._begin(duty)

    async def _begin(self, duty: _Duty) -> None:
        try:
            await duty.begin()
        except Exception:
            # Let another process try; this one asks again at its next heartbeat.
            log.exception("lease %s taken but its work could not start", duty.name)
            await self.release(duty.name)
            return
        duty.active = True

    async def _end(self, duty: _Duty) -> None:
        duty.active = False
        try:
            await duty.end()
        except Exception:
            log.exception("the work of lease %s did not stop cleanly", duty.name)

    async def _beat(self, quiet: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(quiet.wait(), self.timing.heartbeat.total_seconds())
            if quiet.is_set():
                return
            try:
                await self.beat()
            except Exception:
                log.exception("the heartbeat failed; it runs again")
