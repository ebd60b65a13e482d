"""Start-up: the bot reads people's messages at once; the first planning runs behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.synth import Shape, write_org_file
from bot.app import build_application, first_plan, running
from bot.config import Config
from chibo_devtools.telegram import FakeTelegram
from tests.helpers import TOKEN, Clock, codes, seed


async def test_a_message_is_answered_before_every_cell_is_planned(
    sim: FakeTelegram, config: Config, clock: Clock, tmp_path: Path
) -> None:
    """With hundreds of cells, a member opening the invite link is answered while the
    first planning run is still going on."""
    org = tmp_path / "org.csv"
    write_org_file(org, Shape(cells=600, members=1800, province_cadre=False))
    invites = codes(await seed(config, org, now=clock.now()))
    name = next(iter(invites))
    app = build_application(config, TOKEN, clock=clock.now)
    async with running(app, planned=False):
        planning = asyncio.ensure_future(first_plan(app))
        replies = await sim.user(name).send(f"/start {invites[name]}", settle=0.05)
        answered_while_planning = not planning.done()
        await planning
    assert replies.texts
    assert answered_while_planning
