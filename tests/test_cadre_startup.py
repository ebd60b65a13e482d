"""A cadre's day message waits until the planner has written the day's notices of every cell."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.synth import Shape, link_everyone, write_org_file
from bot.app import build_application, deliver_due, first_plan, running
from bot.config import Config
from chibo_devtools.telegram import FakeTelegram, FloodLimits
from tests.helpers import BOT_USERNAME, TOKEN, Clock, make_config, seed

NOTICE = "THÔNG BÁO SINH HOẠT"


@pytest.fixture
async def strict() -> AsyncIterator[FakeTelegram]:
    """A Bot API whose overall limit is a sliding one-second window of 30 messages."""
    limits = FloodLimits(strict=True)
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME, flood_limits=limits) as sim:
        yield sim


async def test_a_cadre_gets_one_message_when_the_bot_starts_into_a_wave(
    strict: FakeTelegram, clock: Clock, tmp_path: Path
) -> None:
    """Started three days before the meetings (the planner writing the notices while the
    engine already sends), the cadre following ten cells gets one message naming the ten,
    not the first cells planned in one message and the others in a second."""
    config: Config = make_config(tmp_path, strict.base_url)
    org = tmp_path / "org.csv"
    write_org_file(org, Shape(cells=10, members=120, cells_per_cadre=10, province_cadre=False))
    await seed(config, org, now=clock.now())
    people = link_everyone(config.storage.database, clock.now())
    users = {p.telegram_id: strict.user(p.name, user_id=p.telegram_id) for p in people}
    clock.advance(days=8, hours=4, minutes=31)  # three days before the meetings of the 3rd
    async with running(build_application(config, TOKEN, clock=clock.now), planned=False) as app:
        await first_plan(app)
        await deliver_due(app)
        await strict.wait_quiet()
    cadre = next(p for p in people if p.role == "cadre")
    texts = [m.text or "" for m in users[cadre.telegram_id].messages if NOTICE in (m.text or "")]
    assert len(texts) == 1, texts
    assert texts[0].count("Chi bộ thôn") == 10
    members = [p for p in people if p.role != "cadre"]
    assert all(
        sum(NOTICE in (m.text or "") for m in users[p.telegram_id].messages) == 1 for p in members
    )
