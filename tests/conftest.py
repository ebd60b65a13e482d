"""Fixtures: the Bot API simulator, a seeded organisation and the real bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import ChiboApp, build_application, running
from bot.config import DATABASE_URL_VARIABLE, Config
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram
from tests import pg
from tests.helpers import BOT_USERNAME, TOKEN, Clock, codes, make_config, seed


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """On PostgreSQL, the migrated database each test's own is copied from."""
    if not pg.server_url():
        yield ""
        return
    name = pg.make_template()
    yield name
    pg.drop_database(name)


@pytest.fixture(autouse=True)
def database_backend(
    pg_template: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[None]:
    """Each test's database: a SQLite file in its tmp_path, or a fresh PostgreSQL database."""
    if not pg_template:
        monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
        yield
        return
    if "tmp_path" not in request.fixturenames:
        # Every database a test makes lives in its tmp_path (on SQLite): without one it has no
        # database, and is spared the cost of creating one.
        monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
        yield
        return
    name, url = pg.fresh_database(pg_template)
    monkeypatch.setenv(DATABASE_URL_VARIABLE, url)
    yield
    pg.drop_database(name)


@pytest.fixture
async def sim() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API on loopback."""
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME) as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    """The time the bot sees."""
    return Clock()


@pytest.fixture
def config(tmp_path: Path, sim: FakeTelegram) -> Config:
    """A config pointing at the simulator and a fresh database file."""
    return make_config(tmp_path, sim.base_url)


@pytest.fixture
async def invite_codes(config: Config, clock: Clock) -> dict[str, str]:
    """The sample commune imported; invite codes by person name."""
    return codes(await seed(config, now=clock.now()))


@pytest.fixture
async def app(
    config: Config, clock: Clock, invite_codes: dict[str, str]
) -> AsyncIterator[ChiboApp]:
    """The real application, polling the simulator, with the sample commune loaded."""
    application = build_application(config, TOKEN, clock=clock.now)
    async with running(application):
        yield application


@pytest.fixture
async def storage(config: Config, app: ChiboApp) -> AsyncIterator[Database]:
    """A second connection to the bot's database file, to read what is really stored."""
    db = await Database.open(config.storage.database)
    try:
        yield db
    finally:
        await db.close()
