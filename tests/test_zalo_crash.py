"""SIGKILL of the real `chibo run` on Zalo: mid notice wave and mid reply storm, then restart."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import synth
from bench.scenario import meeting_day
from chibo_devtools.zalo import FakeZalo, SimUser
from tests.zalo_helpers import ZALO_TOKEN

NOTICE_MARK = "THÔNG BÁO SINH HOẠT"
FIRST_ZALO_ID = 7_000_000_000_000_000
RATE = 10  # [zalo] max_messages_per_second: the wave of ~60 takes about 6 s
ABSENT = "xin vắng vì ốm"
ATTEND = "có ạ, tôi sẽ đến"


@dataclass
class Cell:
    """A synthetic cell of 60 members (and its cadre), everyone linked on Zalo."""

    database: Path
    config_file: Path
    users: dict[str, SimUser]  # by Zalo user id
    expected: dict[str, int]  # notices each Zalo user should get in the wave
    members: list[str]  # Zalo user ids of the cell's own members (who answer; cadres do not)


def _link_on_zalo(database: Path, now: datetime) -> dict[str, tuple[str, int, str]]:
    """Give everyone a Zalo account, as if each had typed their code; id → (name, want, role)."""
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute(
            "SELECT p.id, p.full_name, CASE WHEN m.role = 'cadre' THEN "
            "(SELECT COUNT(*) FROM cadre_assignments c WHERE c.person_id = p.id) ELSE 1 END, "
            "m.role FROM people p JOIN memberships m ON m.person_id = p.id "
            "WHERE m.status = 'active' ORDER BY p.id"
        ).fetchall()
        conn.executemany(
            "INSERT INTO chat_accounts "
            "(channel, external_id, person_id, language_code, reachable, linked_at) "
            "VALUES ('zalo', ?, ?, 'vi', 1, ?)",
            [(str(FIRST_ZALO_ID + r[0]), r[0], now.isoformat(timespec="seconds")) for r in rows],
        )
        conn.commit()
    finally:
        conn.close()
    return {str(FIRST_ZALO_ID + r[0]): (str(r[1]), int(r[2]), str(r[3])) for r in rows}


@pytest.fixture
async def zsim() -> AsyncIterator[FakeZalo]:
    """A fake Zalo whose long polls end quickly, with its flood limit above the bot's cap."""
    async with FakeZalo(token=ZALO_TOKEN, max_poll_timeout=1, max_per_second=RATE * 3) as server:
        yield server


@pytest.fixture
async def cell(tmp_path: Path, zsim: FakeZalo) -> Cell:
    """The cell imported by the real import and linked on Zalo; a config whose wave is due."""
    now = datetime.now(UTC)
    org_file = tmp_path / "org.csv"
    synth.write_org_file(org_file, synth.Shape(cells=1, members=60, province_cadre=False))
    database = tmp_path / "chibo.sqlite3"
    await synth.build(database, org_file, now)
    linked = _link_on_zalo(database, now)
    config_file = tmp_path / "config.toml"
    # A reminder 30 days ahead of a meeting 1-4 days away: the whole wave is due at start.
    config_file.write_text(
        f'[bot]\nlog_level = "WARNING"\n[storage]\npath = "{database}"\n'
        '[time]\nquiet_hours = []\n[reminders]\nbefore = ["30d"]\n'
        f"[meetings]\ndefault_day = {meeting_day(now)}\n"
        f'[zalo]\nenabled = true\napi_base_url = "{zsim.base_url}"\n'
        f"max_messages_per_second = {RATE}\n",
        encoding="utf-8",
    )
    users = {uid: zsim.user(name, user_id=uid) for uid, (name, _w, _r) in linked.items()}
    expected = {uid: want for uid, (_n, want, _r) in linked.items()}
    members = sorted(uid for uid, (_n, _w, role) in linked.items() if role != "cadre")
    return Cell(database, config_file, users, expected, members)


async def _start(cell: Cell) -> asyncio.subprocess.Process:
    """`python -m bot run` on Zalo only (polling: no public URL, no Telegram token)."""
    # The cell is built by bench.synth straight into a SQLite file, so the process runs on it
    # on both backends (bench on PostgreSQL comes with `python -m bench --storage`).
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "CHIBO_DATABASE_URL")}
    env["ZALO_BOT_TOKEN"] = ZALO_TOKEN
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(cell.config_file),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def _kill(process: asyncio.subprocess.Process) -> None:
    """SIGKILL: no clean-up of any kind, as a power cut."""
    os.kill(process.pid, signal.SIGKILL)
    await process.communicate()


async def _stop(process: asyncio.subprocess.Process) -> bytes:
    """SIGTERM and its standard error."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    return err


async def _until(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {seconds:g} s")
        await asyncio.sleep(0.05)


def _notices(cell: Cell) -> dict[str, int]:
    return {
        uid: sum(1 for m in user.messages if NOTICE_MARK in m.content)
        for uid, user in cell.users.items()
    }


def _rows(cell: Cell, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(cell.database)
    try:
        return [tuple(row) for row in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def _settled(cell: Cell) -> bool:
    return not _rows(cell, "SELECT 1 FROM notices WHERE state IN ('pending', 'sending')")


async def test_sigkill_mid_wave_loses_no_notice_and_repeats_at_most_those_in_flight(
    zsim: FakeZalo, cell: Cell
) -> None:
    """Killed at 40% of a Zalo notice wave and restarted: every member has the notice, at
    most the sends in flight at the kill come twice, and the wave keeps under its cap."""
    want = sum(cell.expected.values())
    assert want >= 60
    process = await _start(cell)
    try:
        await _until(lambda: sum(_notices(cell).values()) >= want * 0.4, 60)
        await _kill(process)
        count = _rows(cell, "SELECT COUNT(*) FROM notices WHERE state = 'sending'")[0][0]
        assert isinstance(count, int)
        claimed = count
        at_kill = sum(_notices(cell).values())
        assert at_kill < want
        process = await _start(cell)
        await _until(lambda: sum(_notices(cell).values()) >= want and _settled(cell), 120)
        await zsim.wait_quiet(settle=2, timeout=30)
    finally:
        err = await _stop(process)
    got = _notices(cell)
    lost = sum(max(0, n - got[uid]) for uid, n in cell.expected.items())
    doubled = sum(max(0, got[uid] - cell.expected[uid]) for uid in got)
    assert (lost, doubled <= claimed) == (0, True), (lost, doubled, claimed)
    assert zsim.rate_limited == 0
    times = sorted(
        at
        for user in cell.users.values()
        for message, at in zip(user.messages, user.event_times, strict=True)
        if NOTICE_MARK in message.content
    )
    # The pacer spaces sends evenly; arrivals jitter a little, so the cap is checked over
    # every two-second window with a message of slack on each side.
    busiest = max(sum(1 for t in times if s <= t < s + 2) for s in times)
    assert busiest <= 2 * RATE + 2, busiest
    assert b"Traceback" not in err, err.decode()


async def test_sigkill_mid_reply_storm_answers_every_reply_once(
    zsim: FakeZalo, cell: Cell
) -> None:
    """Every member replies on Zalo within 5 s (half yes, half "xin vắng vì ốm"), the bot is
    killed half-way and down 2 s while replies keep coming: each reply is recorded as meant
    and answered exactly once, but for one the platform handed to the dead process's poll."""
    want = sum(cell.expected.values())
    unpaced = cell.config_file.read_text(encoding="utf-8").replace(
        f"max_messages_per_second = {RATE}", "max_messages_per_second = 0"
    )
    cell.config_file.write_text(unpaced, encoding="utf-8")  # the wave is not what is tested
    process = await _start(cell)
    try:
        await _until(lambda: sum(_notices(cell).values()) >= want and _settled(cell), 60)
        await zsim.wait_quiet(settle=1, timeout=30)
        members = cell.members
        intent: dict[str, str] = {}
        before: dict[str, int] = {}
        sent_while_dead: dict[str, str] = {}  # Zalo user id → message id
        half = len(members) // 2
        killed_at = 0.0
        for i, uid in enumerate(members):
            if i == half:
                await _kill(process)
                killed_at = time.monotonic()
            if process.returncode is not None and time.monotonic() - killed_at > 2:
                into_void = _handed_out(zsim, sent_while_dead)
                process = await _start(cell)
            user = cell.users[uid]
            before[uid] = len(user.messages)
            message_id = user.send_nowait(ATTEND if i % 2 == 0 else ABSENT)
            intent[uid] = "attend" if i % 2 == 0 else "absent"
            if process.returncode is not None:
                sent_while_dead[uid] = message_id
            await asyncio.sleep(0.08)
        if process.returncode is not None:
            into_void = _handed_out(zsim, sent_while_dead)
            process = await _start(cell)
        # getUpdates has no offset: the poll the killed process left open may take one reply
        # with it (the simulator hands it to the closed connection, as a power cut would).
        assert len(into_void) <= 1, into_void
        waiting = {uid: n for uid, n in before.items() if uid not in into_void}
        await _until(
            lambda: all(len(cell.users[uid].messages) > n for uid, n in waiting.items()), 90
        )
        await zsim.wait_quiet(settle=1.5, timeout=60)
    finally:
        err = await _stop(process)
    stored = {
        row[0]: row[1]
        for row in _rows(
            cell,
            "SELECT a.external_id, x.intent FROM answers x JOIN chat_accounts a "
            "ON a.person_id = x.person_id AND a.channel = 'zalo'",
        )
    }
    lost = sorted(uid for uid, said in intent.items() if stored.get(uid) != said)
    twice = sorted(uid for uid, n in before.items() if len(cell.users[uid].messages) - n > 1)
    assert (sorted(set(lost) - into_void), twice) == ([], [])
    assert b"Traceback" not in err, err.decode()


def _handed_out(zsim: FakeZalo, sent: dict[str, str]) -> set[str]:
    """Who among those who wrote while the bot was dead had their reply handed out anyway."""
    return {uid for uid, message_id in sent.items() if zsim.was_delivered(message_id)}
