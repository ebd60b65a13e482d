"""Two real `chibo run` processes on one database: a notice wave and a reply storm, each with a
SIGKILL of the process doing the work; the other carries on, nothing lost or repeated.

On PostgreSQL when the suite runs there (CHIBO_TEST_POSTGRESQL: the test's database is named in
CHIBO_DATABASE_URL, which the processes inherit); else on one SQLite file, which WAL lets both
processes share.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import synth
from bench.scenario import meeting_day
from bot.app import POLL_TELEGRAM
from bot.services.org_import import import_org_file
from bot.storage._util import ts
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import TOKEN, chibo_process
from tests.test_zalo_crash import _kill, _stop

pytestmark = pytest.mark.slow

NOTICE_MARK = "THÔNG BÁO SINH HOẠT"
FIRST_USER_ID = 20_000_000
RATE = 10  # [bot] max_messages_per_second: the wave of ~60 takes about 6 s
ABSENT = "xin vắng vì ốm"
ATTEND = "có ạ, tôi sẽ đến"
# Found dead (at once on SQLite, after 15 s of silence on PostgreSQL) and its leases taken.
TAKEOVER = 30.0


@dataclass
class Deployment:
    """A synthetic cell of 60 members (and its cadre) linked on Telegram, one database."""

    db: Database  # the test's own connection, to read what the processes wrote
    config_file: Path
    users: dict[int, SimUser]  # by Telegram user id
    expected: dict[int, int]  # notices each user should get in the wave
    members: list[int]  # Telegram ids of the cell's own members (who answer; cadres do not)

    async def rows(self, sql: str) -> list[tuple[object, ...]]:
        """Read the shared database."""
        async with self.db.transaction() as conn:
            return [tuple(row) for row in await conn.execute_fetchall(sql)]

    async def count(self, sql: str) -> int:
        """The number a counting query gives."""
        value = (await self.rows(sql))[0][0]
        assert isinstance(value, int)
        return value

    def notices(self) -> dict[int, int]:
        """Notices received so far, per Telegram id."""
        return {
            uid: sum(1 for m in user.messages if NOTICE_MARK in (m.text or ""))
            for uid, user in self.users.items()
        }

    async def settled(self) -> bool:
        """Nothing waits in the outbox or is being sent."""
        return not await self.rows(
            "SELECT 1 FROM notices WHERE state IN ('pending', 'sending') LIMIT 1"
        )

    async def pid_of(self, lease: str) -> int:
        """The process holding a lease (a worker's id is host:pid:random)."""
        found = await self.rows(f"SELECT holder FROM leases WHERE name = '{lease}'")
        assert found, f"nobody holds {lease}"
        return int(str(found[0][0]).split(":")[-2])


def _database(path: Path) -> str:
    """What Database.open is given: the test's PostgreSQL database, or the SQLite file."""
    if os.environ.get("CHIBO_TEST_POSTGRESQL"):
        return os.environ["CHIBO_DATABASE_URL"]
    return str(path)


@pytest.fixture
async def tsim() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API whose long polls end within two seconds."""
    async with FakeTelegram(token=TOKEN, max_poll_timeout=2) as server:
        yield server


@pytest.fixture
async def deployment(tmp_path: Path, tsim: FakeTelegram) -> AsyncIterator[Deployment]:
    """The cell imported by the real import and linked on Telegram; a config whose wave is due."""
    now = datetime.now(UTC)
    org_file = tmp_path / "org.csv"
    synth.write_org_file(org_file, synth.Shape(cells=1, members=60, province_cadre=False))
    database = tmp_path / "chibo.sqlite3"
    db = await Database.open(_database(database))
    try:
        report = await import_org_file(db, org_file, now=now)
        assert not report.errors
        async with db.transaction() as conn:
            people = await conn.execute_fetchall(
                "SELECT p.id, p.full_name, CASE WHEN m.role = 'cadre' THEN "
                "(SELECT COUNT(*) FROM cadre_assignments c WHERE c.person_id = p.id) ELSE 1 END, "
                "m.role FROM people p JOIN memberships m ON m.person_id = p.id "
                "WHERE m.status = 'active' ORDER BY p.id"
            )
            await conn.executemany(
                "INSERT INTO chat_accounts "
                "(channel, external_id, person_id, language_code, reachable, linked_at) "
                "VALUES ('telegram', ?, ?, 'vi', 1, ?)",
                [(str(FIRST_USER_ID + int(r[0])), int(r[0]), ts(now)) for r in people],
            )
        config_file = tmp_path / "config.toml"
        # A reminder 30 days ahead of a meeting 1-4 days away: the whole wave is due at start.
        config_file.write_text(
            f'[bot]\napi_base_url = "{tsim.base_url}"\nlog_level = "WARNING"\n'
            f"max_messages_per_second = {RATE}\n"
            f'[storage]\npath = "{database}"\n'
            '[time]\nquiet_hours = []\n[reminders]\nbefore = ["30d"]\n'
            f"[meetings]\ndefault_day = {meeting_day(now)}\n",
            encoding="utf-8",
        )
        users = {
            FIRST_USER_ID + int(r[0]): tsim.user(str(r[1]), user_id=FIRST_USER_ID + int(r[0]))
            for r in people
        }
        expected = {FIRST_USER_ID + int(r[0]): int(r[2]) for r in people}
        members = sorted(FIRST_USER_ID + int(r[0]) for r in people if r[3] != "cadre")
        yield Deployment(db, config_file, users, expected, members)
    finally:
        await db.close()


async def _until(check: Callable[[], Awaitable[bool]], seconds: float) -> float:
    """Wait until `check` holds; the seconds it took."""
    began = time.monotonic()
    while not await check():
        if time.monotonic() - began > seconds:
            raise AssertionError(f"not reached within {seconds:g} s")
        await asyncio.sleep(0.1)
    return time.monotonic() - began


async def _two(deployment: Deployment) -> dict[int, asyncio.subprocess.Process]:
    """Two `chibo run` processes on the deployment's database, both registered; by pid."""
    processes = {}
    for _ in range(2):
        process = await chibo_process("run", "--config", str(deployment.config_file))
        processes[process.pid] = process
    workers = "SELECT COUNT(*) FROM workers"
    await _until(lambda: _at_least(deployment, workers, 2), 60)
    return processes


async def _at_least(deployment: Deployment, sql: str, number: int) -> bool:
    return await deployment.count(sql) >= number


def _resumed(deployment: Deployment, killed_at: float) -> float:
    """Seconds from the kill to the first message the survivor sent (what the killed process
    had already put on the wire at the kill arrives within the first fifth of a second)."""
    after = [
        at for user in deployment.users.values() for at in user.event_times if at > killed_at + 0.2
    ]
    assert after, "nothing was sent after the kill"
    return min(after) - killed_at


async def _stop_all(processes: dict[int, asyncio.subprocess.Process]) -> dict[int, bytes]:
    """SIGTERM to those alive; the standard error of each."""
    return {pid: await _stop(process) for pid, process in processes.items()}


async def test_sigkill_of_the_sender_mid_wave_the_other_finishes_it(
    tsim: FakeTelegram, deployment: Deployment
) -> None:
    """Two processes, the one sending killed at 40% of the wave: within seconds the other
    sends the rest; every member has the notice, only the sends in flight at the kill can come
    twice, and the wave keeps under its cap."""
    want = sum(deployment.expected.values())
    assert want >= 60
    processes = await _two(deployment)
    try:

        async def reached_40_percent() -> bool:
            return sum(deployment.notices().values()) >= want * 0.4

        await _until(reached_40_percent, 60)
        # The first process took every lease (planning, polling, sending): it is the victim.
        holders = await deployment.rows("SELECT DISTINCT holder FROM leases")
        assert len(holders) == 1, holders
        victim = await deployment.pid_of(POLL_TELEGRAM)
        await _kill(processes[victim])
        killed_at = time.monotonic()
        claimed = await deployment.count("SELECT COUNT(*) FROM notices WHERE state = 'sending'")
        at_kill = sum(deployment.notices().values())
        assert at_kill < want

        async def complete() -> bool:
            return sum(deployment.notices().values()) >= want and await deployment.settled()

        await _until(complete, 120)
        await tsim.wait_quiet(settle=2, timeout=30)
    finally:
        errors = await _stop_all(processes)
    got = deployment.notices()
    lost = sum(max(0, n - got[uid]) for uid, n in deployment.expected.items())
    doubled = sum(max(0, got[uid] - deployment.expected[uid]) for uid in got)
    assert (lost, doubled <= claimed) == (0, True), (lost, doubled, claimed)
    assert _resumed(deployment, killed_at) < TAKEOVER
    times = sorted(
        at
        for user in deployment.users.values()
        for event, at in zip(user.events, user.event_times, strict=True)
        if NOTICE_MARK in (getattr(event, "text", None) or "")
    )
    busiest = max(sum(1 for t in times if s <= t < s + 2) for s in times)
    assert busiest <= 2 * RATE + 2, busiest
    for pid, err in errors.items():
        assert pid == victim or b"Traceback" not in err, err.decode()


async def test_sigkill_of_the_poller_mid_storm_the_other_answers_every_reply(
    tsim: FakeTelegram, deployment: Deployment
) -> None:
    """Two processes; every member replies within 5 s (half yes, half "xin vắng vì ốm") and
    the one polling Telegram is killed half-way: the other takes over within seconds, each
    reply is recorded as meant and answered, twice only if it was being handled at the kill."""
    want = sum(deployment.expected.values())
    unpaced = deployment.config_file.read_text(encoding="utf-8").replace(
        f"max_messages_per_second = {RATE}", "max_messages_per_second = 0"
    )
    deployment.config_file.write_text(unpaced, encoding="utf-8")  # the wave is not tested here
    processes = await _two(deployment)
    try:

        async def waved() -> bool:
            return sum(deployment.notices().values()) >= want and await deployment.settled()

        await _until(waved, 60)
        await tsim.wait_quiet(settle=1, timeout=30)
        members = deployment.members
        intent: dict[int, str] = {}
        before: dict[int, int] = {}
        half = len(members) // 2
        in_flight = 0
        victim = 0
        killed_at = 0.0
        for i, uid in enumerate(members):
            if i == half:
                victim = await deployment.pid_of(POLL_TELEGRAM)
                await _kill(processes[victim])
                killed_at = time.monotonic()
                in_flight = await deployment.count(
                    "SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL"
                )
            user = deployment.users[uid]
            before[uid] = len(user.messages)
            user.send_nowait(ATTEND if i % 2 == 0 else ABSENT)
            intent[uid] = "attend" if i % 2 == 0 else "absent"
            await asyncio.sleep(0.08)

        async def all_answered() -> bool:
            return all(len(deployment.users[u].messages) > n for u, n in before.items())

        await _until(all_answered, 90)
        await tsim.wait_quiet(settle=1.5, timeout=60)
    finally:
        errors = await _stop_all(processes)
    stored = {
        int(str(row[0])): row[1]
        for row in await deployment.rows(
            "SELECT a.external_id, x.intent FROM answers x JOIN chat_accounts a "
            "ON a.person_id = x.person_id AND a.channel = 'telegram'"
        )
    }
    lost = sorted(uid for uid, said in intent.items() if stored.get(uid) != said)
    twice = sorted(u for u, n in before.items() if len(deployment.users[u].messages) - n > 1)
    assert lost == []
    assert len(twice) <= in_flight, (twice, in_flight)
    assert _resumed(deployment, killed_at) < TAKEOVER
    for pid, err in errors.items():
        assert pid == victim or b"Traceback" not in err, err.decode()
