"""Fixtures for the Zalo tests: the Zalo simulator and the real stack running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Channels, running_channels
from bot.config import Config
from chibo_devtools.zalo import FakeZalo
from tests.helpers import Clock, codes, seed
from tests.zalo_helpers import ZALO_TOKEN, free_port, zalo_config


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
