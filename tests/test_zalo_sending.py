"""Sending on Zalo: the configured pace, flood control, people who blocked the bot."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

from bot.app import running_channels
from bot.config import Config
from bot.storage import accounts
from chibo_devtools.zalo import FakeZalo
from tests.helpers import Clock, at_local, codes, seed
from tests.zalo_helpers import ZALO_TOKEN, zdeliver, zlinked

pytest_plugins = ("tests.zalo_fixtures",)

MEMBERS = ["Trần Thị Bình", "Lê Thị Mai", "Phạm Văn Dũng", "Nguyễn Văn An", "Đinh Thị Hoa"]


def _notice_times(zsim: FakeZalo) -> list[float]:
    times: list[float] = []
    for user in zsim.users.values():
        for message, moment in zip(user.messages, user.event_times, strict=False):
            if "THÔNG BÁO SINH HOẠT" in message.content:
                times.append(moment)
    return sorted(times)


async def test_a_notice_wave_keeps_the_configured_pace(
    zsim: FakeZalo, zconfig: Config, zclock: Clock, tmp_path: Path
) -> None:
    """With [zalo] max_messages_per_second = 4, notices go out at least 1/4 s apart."""
    config = dataclasses.replace(
        zconfig, zalo=dataclasses.replace(zconfig.zalo, max_messages_per_second=4)
    )
    invite = codes(await seed(config, now=zclock.now()))
    async with running_channels(
        config, zalo_token=ZALO_TOKEN, clock=zclock.now, zalo_poll_timeout=1
    ) as channels:
        for name in MEMBERS:
            await zlinked(zsim, invite, name)
        zclock.moment = at_local(30, 19, 31, month=11)
        await zdeliver(channels, zclock, zsim)
    times = _notice_times(zsim)
    assert len(times) == len(MEMBERS)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.2, gaps
    assert zsim.rate_limited == 0


async def test_flood_control_holds_the_message_and_sends_it_once_later(
    zsim: FakeZalo, zconfig: Config, zclock: Clock, zcodes: dict[str, str]
) -> None:
    """A 429 on a notice keeps it in the outbox; it goes out once when the wait is over."""
    async with running_channels(
        zconfig, zalo_token=ZALO_TOKEN, clock=zclock.now, zalo_poll_timeout=1
    ) as channels:
        binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
        zsim.fail_next("sendMessage", 429, retry_after=1, chat_id=binh.chat_id)
        zclock.moment = at_local(30, 19, 31, month=11)
        await zdeliver(channels, zclock, zsim)
        assert not any("THÔNG BÁO SINH HOẠT" in text for text in binh.texts)
        await zdeliver(channels, zclock, zsim, seconds=5)
        notices = [text for text in binh.texts if "THÔNG BÁO SINH HOẠT" in text]
        assert len(notices) == 1


async def test_a_member_who_blocked_the_bot_is_marked_unreachable(
    zsim: FakeZalo, zconfig: Config, zclock: Clock, zcodes: dict[str, str]
) -> None:
    """A notice refused because the member blocked the bot marks their Zalo unreachable."""
    async with running_channels(
        zconfig, zalo_token=ZALO_TOKEN, clock=zclock.now, zalo_poll_timeout=1
    ) as channels:
        binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
        binh.block()
        zclock.moment = at_local(30, 19, 31, month=11)
        await zdeliver(channels, zclock, zsim)
        async with channels.core.db.transaction() as conn:
            account = await accounts.get(conn, "zalo", binh.chat_id)
        assert account is not None
        assert not account.reachable
