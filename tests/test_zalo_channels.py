"""One cell, two channels: members on Zalo and on Telegram in the same meeting."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.app import running_channels
from chibo_devtools.telegram import FakeTelegram
from chibo_devtools.zalo import FakeZalo
from tests.helpers import BOT_USERNAME, TOKEN, Clock, at_local, codes, seed
from tests.zalo_helpers import ZALO_TOKEN, free_port, zalo_config

pytest_plugins = ("tests.zalo_fixtures",)


async def test_one_meeting_with_members_on_both_channels(
    zsim: FakeZalo, zclock: Clock, tmp_path: Path
) -> None:
    """Notices reach each member on their own channel; answers from both count in one list."""
    port = free_port()
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME) as tsim:
        config = zalo_config(tmp_path, zsim, listen=f"127.0.0.1:{port}")
        config = dataclasses.replace(
            config, bot=dataclasses.replace(config.bot, api_base_url=tsim.base_url)
        )
        invite = codes(await seed(config, now=zclock.now()))
        async with running_channels(
            config,
            telegram_token=TOKEN,
            zalo_token=ZALO_TOKEN,
            clock=zclock.now,
            zalo_poll_timeout=1,
        ) as channels:
            binh = zsim.user("Trần Thị Bình")
            await binh.send(invite["Trần Thị Bình"])
            mai = tsim.user("Lê Thị Mai")
            await mai.send(f"/start {invite['Lê Thị Mai']}")
            an = tsim.user("Nguyễn Văn An")
            await an.send(f"/start {invite['Nguyễn Văn An']}")
            zclock.moment = at_local(30, 19, 31, month=11)
            await channels.deliver_due()
            await zsim.wait_quiet()
            await tsim.wait_quiet()
            assert any("THÔNG BÁO SINH HOẠT" in text for text in binh.texts)
            assert any("THÔNG BÁO SINH HOẠT" in (m.text or "") for m in mai.messages)
            assert "tham dự" in (await binh.send("1")).text
            assert "tham dự" in (await mai.press("✅ Tham dự")).text
            zclock.moment = at_local(3, 19, 35)
            roll = (await an.send("/diemdanh")).text
            assert "✅ Trần Thị Bình" in roll
            assert "✅ Lê Thị Mai" in roll
