"""Two processes on one database send one notice wave: nobody is told twice, nobody is missed."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import synth
from bench.scenario import NOTICE_MARK, meeting_day
from bot.app import ChiboApp, Runtime, build_application, utc_now
from bot.channels.telegram.sender import CHANNEL, TelegramSender
from bot.chat.turn import Core
from bot.config import Config, MeetingsConfig, RemindersConfig, TimeConfig
from bot.i18n import Catalogs
from bot.services import meetings
from bot.services.workers import DEAD_AFTER, Worker
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram
from tests.helpers import BOT_USERNAME, TOKEN, Clock, make_config

LATENCY = 0.3  # seconds the simulator takes per call: a wave lasts long enough to share
STALL = 3.0  # seconds it takes per call while a process is killed: nothing completes meanwhile


@dataclass
class Process:
    """One `chibo run` played in this event loop: its own connection, bot and runtime."""

    db: Database
    app: ChiboApp
    runtime: Runtime

    @property
    def id(self) -> str:
        """The process's worker id (what its claims carry)."""
        return self.runtime.worker.id


@dataclass
class Wave:
    """The database, the simulator with everyone linked, and what each person should get."""

    database: Path
    sim: FakeTelegram
    expected: dict[int, int]  # notices per Telegram id
    liveness: Clock  # the time the processes' heartbeats see


@pytest.fixture
async def sim() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API whose every call takes a moment."""
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME, latency=LATENCY) as server:
        yield server


@pytest.fixture
async def wave(tmp_path: Path, sim: FakeTelegram) -> Wave:
    """Two cells of 120 linked on Telegram whose notices are all due as soon as a bot plans."""
    now = datetime.now(UTC)
    org_file = tmp_path / "org.csv"
    synth.write_org_file(org_file, synth.Shape(cells=2, members=240, province_cadre=False))
    database = tmp_path / "chibo.sqlite3"
    await synth.build(database, org_file, now)
    for member in synth.link_everyone(database, now):
        sim.user(member.name, user_id=member.telegram_id)
    return Wave(database, sim, _expected(database), Clock(now))


def _config(tmp_path: Path, sim: FakeTelegram, per_second: int) -> Config:
    """A reminder 30 days ahead of a meeting a few days away: the whole wave is due at once."""
    base = make_config(tmp_path, sim.base_url, max_messages_per_second=per_second)
    return dataclasses.replace(
        base,
        time=TimeConfig(quiet_hours=()),
        reminders=RemindersConfig(before=("30d",)),
        meetings=MeetingsConfig(default_day=meeting_day(datetime.now(UTC))),
    )


def _expected(database: Path) -> dict[int, int]:
    """One notice per member, one message listing their cells for a cadre."""
    return {
        int(str(external)): 1
        for (external,) in _rows(
            database,
            "SELECT a.external_id FROM memberships m "
            "JOIN chat_accounts a ON a.person_id = m.person_id AND a.channel = 'telegram' "
            "WHERE m.status = 'active'",
        )
    }


def _rows(database: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(database)
    try:
        return [tuple(row) for row in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def _claimed(wave: Wave, process: Process, state: str) -> int:
    """How many notices in `state` the process claimed."""
    sql = "SELECT COUNT(*) FROM notices WHERE claimed_by = ? AND state = ?"
    count = _rows(wave.database, sql, process.id, state)[0][0]
    assert isinstance(count, int)
    return count


def _received(wave: Wave) -> dict[int, int]:
    """Notices each person has in their chat."""
    return {
        uid: sum(1 for m in user.messages if NOTICE_MARK in (m.text or ""))
        for uid, user in wave.sim.users.items()
    }


def _settled(wave: Wave) -> bool:
    return not _rows(wave.database, "SELECT 1 FROM notices WHERE state IN ('pending', 'sending')")


async def _until(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {seconds:g} s")
        await asyncio.sleep(0.05)


async def _start(config: Config, wave: Wave) -> Process:
    """A process joins: its own connection to the file, its bot, its runtime."""
    db = await Database.open(config.storage.path)
    core = Core(config, db, Catalogs(config.bot.default_language), utc_now)
    app = build_application(config, TOKEN, clock=utc_now)
    await app.initialize()
    worker = Worker(db, alone=False, clock=wave.liveness.now)
    runtime = Runtime(core, {CHANNEL: TelegramSender(app.bot)}, worker=worker)
    await runtime.start()
    return Process(db, app, runtime)


async def _stop(process: Process) -> None:
    try:
        await process.runtime.stop()
    finally:
        try:
            await process.app.shutdown()
        finally:
            await process.db.close()  # else its thread keeps pytest from exiting


async def _kill(process: Process) -> None:
    """As a SIGKILL: its tasks end where they are, nothing is handed on, its sockets close."""
    runtime = process.runtime
    tasks = [
        task
        for task in (
            runtime.engine._task,
            runtime.worker._task,
            runtime.sending._task,
            runtime._planner,
        )
        if task is not None
    ]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await process.app.bot.shutdown()  # the requests in flight are cut off
    await process.app.shutdown()
    await process.db.close()


async def _kill_mid_wave(wave: Wave, victim: Process) -> int:
    """Kill `victim` while its sends are on the wire; how many notices it had claimed."""
    # Calls from now on take STALL: whatever reached the simulator before has been answered
    # and recorded when the process dies, and what it has on the wire never arrives.
    wave.sim.latency = STALL
    await asyncio.sleep(LATENCY + 0.3)
    await _kill(victim)
    wave.sim.latency = LATENCY
    return _claimed(wave, victim, "sending")


async def _bury(wave: Wave, survivor: Process) -> None:
    """The survivor's heartbeat finds the killed process dead."""
    wave.liveness.advance(seconds=DEAD_AFTER.total_seconds() + 1)
    await survivor.runtime.worker.beat()


async def _all_told(wave: Wave) -> dict[int, int]:
    await _until(
        lambda: sum(_received(wave).values()) >= sum(wave.expected.values()) and _settled(wave),
        60,
    )
    await wave.sim.wait_quiet(settle=1.0, timeout=30)
    return _received(wave)


async def test_two_engines_send_a_wave_each_person_once(tmp_path: Path, wave: Wave) -> None:
    """Unpaced, two processes share the wave between them and each person gets it once."""
    config = _config(tmp_path, wave.sim, per_second=0)
    first = await _start(config, wave)
    second = await _start(config, wave)
    try:
        received = await _all_told(wave)
        shares = (_claimed(wave, first, "sent"), _claimed(wave, second, "sent"))
    finally:
        await _stop(second)
        await _stop(first)
    assert received == wave.expected
    assert min(shares) > 0, shares


async def test_a_killed_process_s_notices_go_out_once_from_the_other(
    tmp_path: Path, wave: Wave
) -> None:
    """One of two sending processes dies mid-wave: once it is buried the other sends what it
    had claimed, and still nobody gets a notice twice."""
    config = _config(tmp_path, wave.sim, per_second=0)
    doomed = await _start(config, wave)
    survivor = await _start(config, wave)
    try:
        want = sum(wave.expected.values())
        await _until(lambda: sum(_received(wave).values()) >= want // 4, 30)
        stranded = await _kill_mid_wave(wave, doomed)
        assert stranded > 0, "it should die with notices claimed and unsent"
        await _bury(wave, survivor)
        received = await _all_told(wave)
    finally:
        await _stop(survivor)
    assert received == wave.expected
    assert _claimed(wave, doomed, "sending") == 0


async def test_paced_only_the_lease_holder_sends_and_the_other_takes_over(
    tmp_path: Path, wave: Wave
) -> None:
    """Paced, one process sends the wave and the other none; when the sender dies the other
    takes over, and the wave still reaches each person once."""
    config = _config(tmp_path, wave.sim, per_second=100)
    sender = await _start(config, wave)
    standby = await _start(config, wave)
    try:
        want = sum(wave.expected.values())
        await _until(lambda: sum(_received(wave).values()) >= want // 3, 30)
        before = (_claimed(wave, sender, "sent"), _claimed(wave, standby, "sent"))
        await _kill_mid_wave(wave, sender)
        await _bury(wave, standby)
        received = await _all_told(wave)
        after = _claimed(wave, standby, "sent")
    finally:
        await _stop(standby)
    assert before[0] > 0
    assert before[1] == 0  # the standby sent nothing while the holder lived
    assert after > 0  # and the rest once it had taken over
    assert received == wave.expected


async def test_a_change_made_where_nobody_sends_reaches_people_within_seconds(
    tmp_path: Path, wave: Wave
) -> None:
    """Paced: the secretary cancels a meeting through the process that does not send, and
    the process that sends starts telling everyone told of it within a couple of seconds."""
    config = _config(tmp_path, wave.sim, per_second=100)
    sender = await _start(config, wave)
    standby = await _start(config, wave)
    try:
        await _all_told(wave)
        meeting_id, told = _meeting_and_told(wave)
        before = {uid: len(wave.sim.users[uid].messages) for uid in told}
        core = standby.runtime.core
        started = time.monotonic()
        await meetings.cancel(
            standby.db, meeting_id, reason="Bão", rules=core.rules, now=core.now(), actor="test"
        )
        core.wake()  # as after any conversation turn: it wakes only this process's engine
        await _until(
            lambda: any(len(wave.sim.users[uid].messages) > n for uid, n in before.items()), 10
        )
        first = time.monotonic() - started
        await _until(
            lambda: all(len(wave.sim.users[uid].messages) > n for uid, n in before.items()), 10
        )
    finally:
        await _stop(standby)
        await _stop(sender)
    assert first < 2.5, first  # then the sender paces the rest out


def _meeting_and_told(wave: Wave) -> tuple[int, list[int]]:
    """A meeting the wave announced, and the Telegram ids of those it reached."""
    meeting_id = _rows(
        wave.database,
        "SELECT meeting_id FROM notices WHERE state = 'sent' AND meeting_id IS NOT NULL "
        "ORDER BY id LIMIT 1",
    )[0][0]
    assert isinstance(meeting_id, int)
    told = _rows(
        wave.database,
        "SELECT DISTINCT a.external_id FROM notices n JOIN chat_accounts a "
        "ON a.person_id = n.person_id WHERE n.meeting_id = ? AND n.state = 'sent'",
        meeting_id,
    )
    return meeting_id, [int(str(row[0])) for row in told]
