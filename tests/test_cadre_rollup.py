"""A cadre following many cells gets the day's per-meeting digests and flags in one roll-up."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.app import ChiboApp
from bot.config import Config, DigestConfig
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import Clock, at_local, deliver, linked, make_config


@pytest.fixture
def config(tmp_path: Path, sim: FakeTelegram) -> Config:
    """Cadres following more than one cell get the roll-up (the sample cadre follows two)."""
    base = make_config(tmp_path, sim.base_url)
    return dataclasses.replace(base, digest=DigestConfig(per_meeting_max_cells=1))


def _rollups(user: SimUser) -> list[str]:
    return [m.text or "" for m in user.messages if "TỔNG HỢP TRONG NGÀY" in (m.text or "")]


def _after_meeting(user: SimUser, since: int) -> list[str]:
    """Messages about the meeting after it began: digests and flags, alone or rolled up."""
    return [m.text or "" for m in user.messages[since:] if "Chi bộ xóm 9" in (m.text or "")]


async def test_digest_and_flags_come_in_one_message_a_day(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """The flags of the evening's meeting come in one roll-up at 20:00, the digest at 20:00
    the next day; the cadre gets nothing about the meeting outside those two messages."""
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Mai", "Phạm Quốc Cường"]
    people = {name: await linked(sim, invite_codes, name) for name in names}
    await people["Trần Thị Bình"].send("có")
    clock.moment = at_local(3, 19, 35)
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    await an.press("❌ Nguyễn Văn An")
    await an.press("✔️ Đóng điểm danh")
    cuong = people["Phạm Quốc Cường"]
    since = len(cuong.messages)
    await deliver(app, clock, sim)
    assert _after_meeting(cuong, since) == []  # the flags wait for the roll-up at 20:00
    clock.moment = at_local(3, 20, 1)
    await deliver(app, clock, sim)
    first = _rollups(cuong)
    assert len(first) == 1
    assert "⚠️" in first[0] or "vắng" in first[0]
    clock.advance(minutes=30)
    await an.press("🏁 Kết thúc buổi họp")
    clock.moment = at_local(4, 12, 0)
    await deliver(app, clock, sim)
    assert len(_after_meeting(cuong, since)) == 1  # the digest waits for the evening
    clock.moment = at_local(4, 20, 1)
    await deliver(app, clock, sim)
    after = _after_meeting(cuong, since)
    assert len(after) == 2
    assert "KẾT QUẢ SINH HOẠT" in after[1]


async def test_flags_raised_after_the_days_roll_up_wait_for_the_next(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A roll-call closed at 20:30, after the day's roll-up, sends the cadre nothing that
    evening: its flags come in the next day's roll-up at 20:00, in one message."""
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Mai", "Phạm Quốc Cường"]
    people = {name: await linked(sim, invite_codes, name) for name in names}
    clock.moment = at_local(3, 20, 30)
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    await an.press("❌ Nguyễn Văn An")
    await an.press("✔️ Đóng điểm danh")
    cuong = people["Phạm Quốc Cường"]
    since = len(cuong.messages)
    await deliver(app, clock, sim)
    clock.moment = at_local(3, 21, 0)
    await deliver(app, clock, sim)
    assert _after_meeting(cuong, since) == []
    clock.moment = at_local(4, 20, 1)
    await deliver(app, clock, sim)
    after = _after_meeting(cuong, since)
    assert len(after) == 1
    assert "TỔNG HỢP TRONG NGÀY" in after[0]
