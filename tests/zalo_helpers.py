"""What the Zalo tests share: a config for the simulator, linking, delivering."""

from __future__ import annotations

import dataclasses
import re
import socket
from pathlib import Path

from bot.app import Channels
from bot.config import Config, ZaloConfig
from chibo_devtools.zalo import FakeZalo, SimUser
from tests.helpers import Clock, make_config

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


def number_of(text: str, label: str) -> str:
    """The number a message shows for the choice with this label ("3" for "3. ❌ Dũng")."""
    block = text.rsplit("Trả lời bằng số:", 1)[1]
    found = re.findall(r"(\d+)\. (.+?)(?=\s{2}\d+\. |\n|$)", block)
    for number, shown in found:
        if shown.strip() == label:
            return str(number)
    raise AssertionError(f"no choice {label!r} in {block!r}")
