"""Real time, real process: minute reminders, SIGKILL between them, nothing lost or doubled."""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import chibo_process, codes, make_config, process_config, seed

VN = ZoneInfo("Asia/Ho_Chi_Minh")


async def _start(config_file: Path) -> asyncio.subprocess.Process:
    return await chibo_process("run", "--config", str(config_file))


async def _wait_for(user: SimUser, count: int, seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while _notices(user) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{user.name}: {_notices(user)} notices, wanted {count}")
        await asyncio.sleep(0.5)


def _notices(user: SimUser) -> int:
    return sum(1 for m in user.messages if "THÔNG BÁO SINH HOẠT" in (m.text or ""))


@pytest.mark.slow
async def test_minute_reminders_survive_sigkill(sim: FakeTelegram, tmp_path: Path) -> None:
    """A meeting 3 minutes ahead: one notice per offset to each member and the cadre,
    with the bot SIGKILLed between the offsets and restarted."""
    config = make_config(tmp_path, sim.base_url)
    invite = codes(await seed(config, now=datetime.now(VN)))
    config_file = process_config(
        tmp_path,
        sim.base_url,
        config,
        '[time]\nquiet_hours = []\n[reminders]\nbefore = ["2m", "1m"]\n',
    )
    process = await _start(config_file)
    try:
        names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Mai", "Phạm Quốc Cường"]
        people = {}
        for name in names:
            people[name] = sim.user(name)
            await people[name].send(f"/start {invite[name]}", timeout=30)
        start = (datetime.now(VN) + timedelta(minutes=3)).replace(second=0, microsecond=0)
        moved = await people["Nguyễn Văn An"].send(f"/lichhop {start:%d/%m/%Y %H:%M} Nhà văn hóa")
        assert "Đã đổi lịch" in moved.text
        for user in people.values():
            await _wait_for(user, 1, seconds=150)
        await people["Trần Thị Bình"].send("co a")
        process.send_signal(signal.SIGKILL)
        await process.wait()
        process = await _start(config_file)
        for user in people.values():
            await _wait_for(user, 2, seconds=150)
        await sim.wait_quiet(settle=2)
        assert {name: _notices(user) for name, user in people.items()} == dict.fromkeys(names, 2)
        answer = await people["Trần Thị Bình"].send("/lichhop")
        assert answer.text  # still answering after the restart
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.communicate(), timeout=30)
    db = await Database.open(config.storage.database)
    try:
        async with db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT state, COUNT(*) FROM notices WHERE purpose = 'notice' "
                "AND state IN ('sent', 'sending', 'pending') "
                "AND meeting_id IN (SELECT id FROM meetings WHERE revision = 2) GROUP BY state"
            )
            answered = await conn.execute_fetchall("SELECT intent FROM answers")
    finally:
        await db.close()
    # Three members and the cadre, two offsets each: all sent, none left half-way.
    assert [tuple(r) for r in rows] == [("sent", 8)]
    assert [r[0] for r in answered] == ["attend"]
