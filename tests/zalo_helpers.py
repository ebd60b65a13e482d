"""Fixtures for the Zalo tests: the Zalo simulator and the real stack running against it."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Channels, running_channels
from bot.config import Config, ZaloConfig
from chibo_devtools.zalo import FakeZalo, SimUser
from tests.helpers import Clock, codes, make_config, seed

ZALO_TOKEN = "3141592653589793238:SimZaloTest"
SECRET = "webhook-secret-for-tests"


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def zalo_config(tmp_path: Path, zsim: FakeZalo, **zalo: object) -> Config:
    """A config whose Zalo API is the simulator (unpaced) and whose database is in tmp_path."""
    base = make_config(tmp_path)
    settings = {"enabled": True, "api_base_url": zsim.base_url, "max_messages_per_second": 0}
    settings.update(zalo)
    return dataclasses.replace(base, zalo=ZaloConfig(**settings))  # type: ignore[arg-type]


@pytest.fixture
async def zsim() -> AsyncIterator[FakeZalo]:
    """A fake Zalo Bot Platform on loopback whose long polls end quickly."""
    async with FakeZalo(token=ZALO_TOKEN, max_poll_timeout=0.3) as server:
        yield server


@pytest.fixture
def zclock() -> Clock:
    """The time the bot sees."""
    return Clock()


@pytest.fixture
def zconfig(tmp_path: Path, zsim: FakeZalo) -> Config:
    """Zalo only, polling, with a public address for files served on a free port."""
    port = free_port()
    return zalo_config(
        tmp_path, zsim, listen=f"127.0.0.1:{port}", public_url=f"http://127.0.0.1:{port}"
    )


@pytest.fixture
async def zcodes(zconfig: Config, zclock: Clock) -> dict[str, str]:
    """The sample commune imported; invite codes by person name."""
    return codes(await seed(zconfig, now=zclock.now()))


@pytest.fixture
async def zbot(zconfig: Config, zclock: Clock, zcodes: dict[str, str]) -> AsyncIterator[Channels]:
    """The real bot on Zalo (long polling the simulator), the sample commune loaded."""
    async with running_channels(
        zconfig, zalo_token=ZALO_TOKEN, clock=zclock.now, zalo_poll_timeout=1
    ) as channels:
        yield channels


async def zlinked(zsim: FakeZalo, zcodes: dict[str, str], name: str) -> SimUser:
    """A simulated person who typed their invite code on Zalo."""
    user = zsim.user(name)
    await user.send(zcodes[name])
    return user


async def zdeliver(channels: Channels, clock: Clock, zsim: FakeZalo, **advance: float) -> int:
    """Move the clock, send what is due, and wait until the bot is quiet."""
    if advance:
        clock.advance(**advance)
    sent = await channels.deliver_due()
    await zsim.wait_quiet()
    return sent
