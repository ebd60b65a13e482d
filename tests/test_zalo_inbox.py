"""Zalo updates kept before they are acknowledged, handled once, in order, after a restart."""

from __future__ import annotations

import json

import aiohttp

from bot.app import Channels, running_channels
from bot.channels.zalo import store
from bot.channels.zalo.receiver import SECRET_HEADER, secret_path_for
from bot.channels.zalo.updates import update_key
from bot.config import Config
from bot.storage.db import Database
from chibo_devtools.zalo import FakeZalo
from tests.helpers import Clock, changed, snapshot
from tests.zalo_helpers import SECRET, ZALO_TOKEN, zlinked

pytest_plugins = ("tests.zalo_fixtures",)


async def test_an_update_sent_twice_is_handled_once(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str]
) -> None:
    """Zalo handing out the same message twice gets one answer and one effect."""
    binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
    update = binh.text_update("/lichhop")
    before = len(binh.messages)
    zsim.push_update(update)
    await zsim.wait_quiet()
    zsim.push_update(update)
    await zsim.wait_quiet()
    assert len(binh.messages) == before + 1


async def test_updates_kept_but_not_handled_are_handled_after_a_restart(
    zconfig: Config, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """An update stored by a process that stopped before handling it is answered at start."""
    async with running_channels(
        zconfig, zalo_token=ZALO_TOKEN, clock=zclock.now, zalo_poll_timeout=1
    ):
        binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
    # What a process that died after storing an update, before handling it, leaves behind.
    update = binh.text_update("/lichhop")
    db = await Database.open(zconfig.storage.database)
    try:
        async with db.transaction() as conn:
            payload = json.dumps(update)
            await store.keep(conn, update_key(update), binh.chat_id, payload, zclock.now())
    finally:
        await db.close()
    before = len(binh.messages)
    async with running_channels(
        zconfig, zalo_token=ZALO_TOKEN, clock=zclock.now, zalo_poll_timeout=1
    ) as second:
        assert second.zalo is not None
        await second.zalo.idle()
        await zsim.wait_quiet()
    assert len(binh.messages) == before + 1
    assert "sinh hoạt" in (binh.last_text or "")


async def test_forged_webhook_calls_change_nothing(
    zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock, zconfig: Config
) -> None:
    """A webhook call without the secret, or with a wrong one, is refused and stores nothing."""
    async with running_channels(
        zconfig, zalo_token=ZALO_TOKEN, zalo_secret=SECRET, clock=zclock.now
    ) as channels:
        binh = zsim.user("Trần Thị Bình")
        url = f"{zconfig.zalo.public_url}/zalo/{secret_path_for(SECRET)}"
        forged = binh.text_update(zcodes["Trần Thị Bình"])
        before = await snapshot(channels.core.db)
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "not-the-secret"}):
                async with http.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
        assert changed(before, await snapshot(channels.core.db)) == []
        assert binh.messages == []
        # The real webhook, with the secret, works.
        replies = await binh.send(zcodes["Trần Thị Bình"])
        assert "Chào đồng chí Trần Thị Bình" in replies.text


async def test_an_update_replayed_after_a_crash_applies_its_effect_once(
    zconfig: Config, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """A kiến nghị whose update was handled but not yet marked when the process died is
    handled again at start: it is stored once, and the member is answered again."""
    async with running_channels(
        zconfig, zalo_token=ZALO_TOKEN, clock=zclock.now, zalo_poll_timeout=1
    ):
        binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
        await binh.send("/kiennghi Đề nghị nạo vét cống thoát nước đầu xóm.")
    # The state a crash leaves between the effect's commit and the update marked handled.
    db = await Database.open(zconfig.storage.database)
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "UPDATE zalo_inbox SET handled_at = NULL WHERE payload LIKE '%/kiennghi%'"
            )
    finally:
        await db.close()
    before = len(binh.messages)
    async with running_channels(
        zconfig, zalo_token=ZALO_TOKEN, clock=zclock.now, zalo_poll_timeout=1
    ) as second:
        assert second.zalo is not None
        await second.zalo.idle()
        await zsim.wait_quiet()
        async with second.core.db.transaction() as conn:
            rows = await conn.execute_fetchall("SELECT COUNT(*) FROM petitions")
    assert next(iter(rows))[0] == 1
    assert len(binh.messages) > before
    assert "kiến nghị số 1" in (binh.last_text or "")
