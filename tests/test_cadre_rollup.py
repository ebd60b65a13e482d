"""A cadre following many cells gets the day's per-meeting digests and flags in one roll-up."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from bench.synth import Member, Shape, link_everyone, write_org_file
from bot.app import ChiboApp, build_application, deliver_due, running
from bot.config import Config, DigestConfig
from bot.views.meetings import PART_CHARS
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import TOKEN, Clock, at_local, deliver, linked, make_config, seed


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


PROVINCE_CADRE = "Trần Quang Tỉnh"


async def _press(user: SimUser, label: str) -> None:
    """Press a button once the bot has shown it (the card changes after each press)."""
    for _ in range(50):
        try:
            await user.press(label)
            return
        except AssertionError:
            await asyncio.sleep(0.1)
    await user.press(label)


async def _hold(secretary: SimUser, absences: bool) -> None:
    """The secretary takes the roll-call (alone present, or everyone) and ends the meeting."""
    await secretary.send("/diemdanh")
    if absences:
        await _press(secretary, f"❌ {secretary.name}")
    else:
        await _press(secretary, "✅ Ai chưa báo: ghi có mặt")
    await _press(secretary, "✔️ Đóng điểm danh")
    await _press(secretary, "🏁 Kết thúc buổi họp")


async def _province_rollup(
    sim: FakeTelegram, config: Config, clock: Clock, tmp_path: Path, shape: Shape, flagged: int
) -> list[str]:
    """Every cell of a synthetic province holds its meeting of 3/12 after 20:00, everyone
    present but in the first `flagged` cells, where only the secretary comes; the province
    cadre's messages of the next day's roll-up at 20:00."""
    org = tmp_path / "org.csv"
    write_org_file(org, shape)
    await seed(config, org, now=clock.now())
    people = link_everyone(config.storage.database, clock.now())
    secretaries: list[Member] = []
    for p in people:  # the file lists each cell's secretary first, cells in order
        if p.role == "secretary":
            secretaries.append(p)
    numbered = list(enumerate(secretaries))
    province = next(p for p in people if p.name == PROVINCE_CADRE)
    cadre = sim.user(province.name, user_id=province.telegram_id)
    async with running(build_application(config, TOKEN, clock=clock.now)) as app:
        clock.moment = at_local(3, 20, 5)
        await asyncio.gather(
            *(_hold(sim.user(s.name, user_id=s.telegram_id), n < flagged) for n, s in numbered)
        )
        await deliver_due(app)
        await sim.wait_quiet()
        since = len(cadre.messages)
        clock.moment = at_local(4, 20, 1)
        await deliver_due(app)
        await sim.wait_quiet()
    return [m.text or "" for m in cadre.messages[since:]]


async def test_a_cadre_of_many_cells_gets_one_line_per_meeting_the_flagged_cell_first(
    sim: FakeTelegram, clock: Clock, tmp_path: Path
) -> None:
    """The province cadre following twelve cells gets the day's twelve digests in one short
    message, one line per meeting, the flags and the cell with absences before the others."""
    config = make_config(tmp_path, sim.base_url)  # roll-ups past ten cells, as shipped
    shape = Shape(cells=12, members=36, cells_per_commune=6, cells_per_cadre=10)
    texts = await _province_rollup(sim, config, clock, tmp_path, shape, flagged=1)
    assert len(texts) == 1
    text = texts[0]
    assert "TỔNG HỢP TRONG NGÀY" in text
    assert "12 chi bộ báo kết quả sinh hoạt hôm nay: 1 chi bộ cần quan tâm" in text
    meetings = [line for line in text.split("\n") if line.startswith(("❗", "•"))]
    assert len(meetings) == 12
    assert "KẾT QUẢ SINH HOẠT" not in text  # no full digest
    first = next(line for line in text.split("\n") if line.startswith(("⚠️ Chi", "❗", "•")))
    assert first.startswith("⚠️ Chi bộ thôn 1 (Đảng bộ xã Số 1):")
    flagged = next(line for line in meetings if line.startswith("❗"))
    assert "Chi bộ thôn 1 (Đảng bộ xã Số 1)" in flagged
    assert "03/12/2026: có mặt 1/3, 2 vắng không lý do; chưa chấm điểm" in flagged
    assert text.index(flagged) < text.index("Đảng bộ xã Số 1 (5 chi bộ):")
    assert "/baocao 12/2026 Chi bộ thôn 1" in text
    assert len(text) <= PART_CHARS


@pytest.mark.slow
async def test_a_province_day_stays_a_few_parts(
    sim: FakeTelegram, clock: Clock, tmp_path: Path
) -> None:
    """With 62 meetings in a day (68 lines with the flags), the roll-up lists only the three
    cells with absences and their flags, counts the other 59, and stays one or two parts."""
    config = make_config(tmp_path, sim.base_url)
    shape = Shape(cells=62, members=124, cells_per_commune=31, cells_per_cadre=10)
    texts = await _province_rollup(sim, config, clock, tmp_path, shape, flagged=3)
    assert 1 <= len(texts) <= 2
    assert all(len(text) <= PART_CHARS for text in texts)
    text = "\n".join(texts)
    assert "62 chi bộ báo kết quả sinh hoạt hôm nay: 3 chi bộ cần quan tâm" in text
    assert text.count("❗") == 3
    assert "Và 59 chi bộ khác không có gì cần lưu ý." in text
    assert "•" not in text  # the cells without a concern are counted, not listed
    assert text.index("⚠️ Chi bộ thôn 1") < text.index("❗")
