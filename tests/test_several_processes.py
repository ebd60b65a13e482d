"""Several processes on one database: updates received once, polling and planning in one of them,
moving to another within seconds when it dies."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

from bot.app import POLL_TELEGRAM, Channels, running_channels
from bot.channels.zalo import store
from bot.channels.zalo.channel import POLL as POLL_ZALO
from bot.channels.zalo.receiver import secret_path_for
from bot.channels.zalo.updates import update_key
from bot.config import Config
from bot.services.workers import PLAN, Timing
from bot.storage import inbox
from chibo_devtools.telegram import FakeTelegram
from chibo_devtools.zalo import FakeZalo
from tests.helpers import MEETING_PEOPLE, TOKEN, Clock, linked
from tests.zalo_helpers import SECRET, ZALO_TOKEN, free_port, zlinked

pytest_plugins = ("tests.zalo_fixtures",)

# Heartbeats every 0.2 s, dead after 1 s of silence: a takeover within seconds of test time.
FAST = Timing(
    heartbeat=timedelta(seconds=0.2),
    dead_after=timedelta(seconds=1),
    lease=timedelta(seconds=0.6),
)


@asynccontextmanager
async def _processes(
    *configs: Config, clock: Clock, **channels: Any
) -> AsyncIterator[list[Channels]]:
    """One process per config on the same database, each with its own connection, started in
    order (the first takes every lease)."""
    async with AsyncExitStack() as stack:
        running = [
            await stack.enter_async_context(
                running_channels(config, clock=clock.now, alone=False, timing=FAST, **channels)
            )
            for config in configs
        ]
        yield running


def _own_addresses(config: Config, count: int = 2) -> list[Config]:
    """The config for each of `count` processes on one machine: each listens on its own port."""
    configs = []
    for _ in range(count):
        port = free_port()
        zalo = dataclasses.replace(
            config.zalo, listen=f"127.0.0.1:{port}", public_url=f"http://127.0.0.1:{port}"
        )
        configs.append(dataclasses.replace(config, zalo=zalo))
    return configs


async def _die(process: Channels) -> None:
    """What a SIGKILL looks like to the others: no more polling, no heartbeat, no goodbye."""
    await process.runtime.worker.end_duties()
    await process.runtime.worker.stop_beating()


async def _until(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not reached within {seconds:g} s"
        await asyncio.sleep(0.05)


def _holders(processes: list[Channels], lease: str) -> list[int]:
    return [i for i, p in enumerate(processes) if p.runtime.worker.holds(lease)]


async def test_each_message_is_answered_once_when_two_processes_run(
    sim: FakeTelegram, config: Config, clock: Clock, invite_codes: dict[str, str]
) -> None:
    """Two processes on one database, five members writing at once: each message gets one
    answer, not one from each process."""
    async with _processes(config, config, clock=clock, telegram_token=TOKEN) as processes:
        assert _holders(processes, POLL_TELEGRAM) == [0]
        people = [await linked(sim, invite_codes, name) for name in MEETING_PEOPLE]
        before = [len(user.messages) for user in people]
        for user in people:
            user.send_nowait("/lichhop")
        await _until(lambda: all(len(u.messages) > n for u, n in zip(people, before, strict=True)))
        await sim.wait_quiet(settle=1)
    assert [len(u.messages) - n for u, n in zip(people, before, strict=True)] == [1] * 5


async def test_telegram_polling_moves_to_the_other_process_when_the_poller_dies(
    sim: FakeTelegram, config: Config, clock: Clock, invite_codes: dict[str, str]
) -> None:
    """The polling process dies with a message fetched but not handled: within seconds the
    other polls, and that message and one written meanwhile are answered once each."""
    async with _processes(config, config, clock=clock, telegram_token=TOKEN) as processes:
        first, second = processes
        binh = await linked(sim, invite_codes, "Trần Thị Bình")
        mai = await linked(sim, invite_codes, "Lê Thị Mai")
        assert _holders(processes, POLL_TELEGRAM) == [0]
        await _die(first)
        # Fetched and stored by the dying process, never confirmed to Telegram nor handled.
        payload = binh.text_update("/lichhop")
        update_id = sim.push_update(payload)
        async with first.core.db.transaction() as conn:
            kept = json.dumps({"update_id": update_id, **payload}, ensure_ascii=False)
            await inbox.keep(conn, "telegram", [(update_id, kept)], clock.now())
        before = {"binh": len(binh.messages), "mai": len(mai.messages)}
        mai.send_nowait("/lichhop")
        await _until(lambda: second.runtime.worker.holds(POLL_TELEGRAM))
        await _until(
            lambda: len(binh.messages) > before["binh"] and len(mai.messages) > before["mai"]
        )
        await sim.wait_quiet(settle=1)
    assert len(binh.messages) - before["binh"] == 1
    assert len(mai.messages) - before["mai"] == 1
    assert "sinh hoạt" in ((binh.last.text if binh.last else None) or "")


async def test_zalo_polling_moves_to_the_other_process_when_the_poller_dies(
    zsim: FakeZalo, zconfig: Config, zclock: Clock, zcodes: dict[str, str]
) -> None:
    """The process long-polling Zalo dies with a message stored but not handled: the other
    takes over the polling and that message and one written after are answered once each."""
    async with _processes(
        *_own_addresses(zconfig), clock=zclock, zalo_token=ZALO_TOKEN, zalo_poll_timeout=1
    ) as processes:
        first, second = processes
        assert _holders(processes, POLL_ZALO) == [0]
        binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
        mai = await zlinked(zsim, zcodes, "Lê Thị Mai")
        await _die(first)
        update = binh.text_update("/lichhop")
        async with first.core.db.transaction() as conn:
            await store.keep(
                conn,
                update_key(update),
                binh.chat_id,
                json.dumps(update),
                zclock.now(),
                first.runtime.worker.id,
            )
        before = {"binh": len(binh.messages), "mai": len(mai.messages)}
        await _until(lambda: second.runtime.worker.holds(POLL_ZALO))
        mai.send_nowait("/lichhop")
        await _until(
            lambda: len(binh.messages) > before["binh"] and len(mai.messages) > before["mai"]
        )
        await zsim.wait_quiet(settle=1)
    assert len(binh.messages) - before["binh"] == 1
    assert len(mai.messages) - before["mai"] == 1


async def test_a_dead_process_s_webhook_updates_are_answered_by_a_live_one(
    zsim: FakeZalo, zconfig: Config, zclock: Clock, zcodes: dict[str, str]
) -> None:
    """Zalo's webhook calls reach either process; one dies after storing a message it never
    handled: the other answers it once, and goes on answering what comes after."""
    configs = _own_addresses(zconfig)
    hooks = [f"{c.zalo.public_url}/zalo/{secret_path_for(SECRET)}" for c in configs]
    async with _processes(
        *configs, clock=zclock, zalo_token=ZALO_TOKEN, zalo_secret=SECRET
    ) as processes:
        first = processes[0]
        zsim.webhook_url = hooks[0]  # the load balancer in front of both chooses
        binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
        zsim.webhook_url = hooks[1]
        mai = await zlinked(zsim, zcodes, "Lê Thị Mai")
        before = {"binh": len(binh.messages), "mai": len(mai.messages)}
        await _die(first)
        # Its last act: a message stored, never handled.
        update = binh.text_update("/lichhop")
        async with first.core.db.transaction() as conn:
            await store.keep(
                conn,
                update_key(update),
                binh.chat_id,
                json.dumps(update),
                zclock.now(),
                first.runtime.worker.id,
            )
        await _until(lambda: len(binh.messages) > before["binh"])
        await mai.send("/lichhop")
        await zsim.wait_quiet(settle=1)
    assert len(binh.messages) - before["binh"] == 1
    assert len(mai.messages) - before["mai"] == 1


async def test_the_planner_runs_in_one_process_and_moves_when_it_dies(
    sim: FakeTelegram, config: Config, clock: Clock, invite_codes: dict[str, str]
) -> None:
    """Of two processes only one plans; when it dies the other plans within seconds."""
    async with _processes(config, config, clock=clock, telegram_token=TOKEN) as processes:
        first, second = processes
        assert _holders(processes, PLAN) == [0]
        await asyncio.sleep(FAST.lease.total_seconds() * 2)  # renewals go to the holder only
        assert _holders(processes, PLAN) == [0]
        await _die(first)
        await _until(lambda: second.runtime.worker.holds(PLAN))
        await asyncio.wait_for(second.runtime.first_plan(), 10)
