"""Pacing: a wave goes out close to Telegram's 30 messages a second without earning 429s."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.synth import Shape, link_everyone, write_org_file
from bot.app import build_application, deliver_due, running
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


async def test_a_wave_on_a_strict_limiter_keeps_the_pace(
    strict: FakeTelegram, clock: Clock, tmp_path: Path
) -> None:
    """240 members told the same minute get their notices at ≥ 0.75 of 30/s (the simulator
    shares the bot's event loop and the machine is shared; bench/wave.py measures the real
    figure), with at most a few 429s from a limiter that counts any one second strictly."""
    config: Config = make_config(tmp_path, strict.base_url)
    org = tmp_path / "org.csv"
    write_org_file(org, Shape(cells=8, members=240, cells_per_cadre=10))
    await seed(config, org, now=clock.now())
    people = link_everyone(config.storage.database, clock.now())
    members = [p for p in people if p.role != "cadre"]
    users = {p.telegram_id: strict.user(p.name, user_id=p.telegram_id) for p in people}
    async with running(build_application(config, TOKEN, clock=clock.now)) as app:
        clock.advance(days=8, hours=4, minutes=31)  # three days before the meeting of the 3rd
        await deliver_due(app)
        await strict.wait_quiet()
    times = sorted(
        at
        for p in members
        for event, at in zip(
            users[p.telegram_id].events, users[p.telegram_id].event_times, strict=True
        )
        if NOTICE in (getattr(event, "text", None) or "")
    )
    assert len(times) == len(members)
    assert strict.rate_limited <= 3
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.75 * 30


async def test_after_429s_the_wave_slows_then_comes_back_to_the_pace(
    strict: FakeTelegram, clock: Clock, tmp_path: Path
) -> None:
    """Three 429s at the start of a wave hold it as asked and slow it (the first notices after
    them come slower than 27/s); it earns no 429 of its own and is back near 30/s by its end,
    every member told once."""
    config: Config = make_config(tmp_path, strict.base_url)
    org = tmp_path / "org.csv"
    write_org_file(org, Shape(cells=12, members=360, cells_per_cadre=12))
    await seed(config, org, now=clock.now())
    people = link_everyone(config.storage.database, clock.now())
    members = [p for p in people if p.role != "cadre"]
    users = {p.telegram_id: strict.user(p.name, user_id=p.telegram_id) for p in people}
    async with running(build_application(config, TOKEN, clock=clock.now)) as app:
        clock.advance(days=8, hours=4, minutes=31)  # three days before the meeting of the 3rd
        strict.fail_next("sendMessage", 429, retry_after=1, times=3)
        await deliver_due(app)
        await strict.wait_quiet()
    counts = [
        sum(NOTICE in (getattr(e, "text", None) or "") for e in users[p.telegram_id].events)
        for p in members
    ]
    assert counts == [1] * len(members)
    times = sorted(
        at
        for p in members
        for event, at in zip(
            users[p.telegram_id].events, users[p.telegram_id].event_times, strict=True
        )
        if NOTICE in (getattr(event, "text", None) or "")
    )
    assert strict.rate_limited == 3
    first, last = times[:60], times[-60:]
    assert (len(first) - 1) / (first[-1] - first[0]) < 27
    assert (len(last) - 1) / (last[-1] - last[0]) >= 0.85 * 30
