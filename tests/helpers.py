"""Factories the tests share: a config, a seeded database, a clock, a running bot."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.app import ChiboApp, deliver_due
from bot.config import Config, StorageConfig
from bot.services.org_import import ImportReport, import_org_file
from bot.storage import dialect, people, units
from bot.storage.db import Database
from chibo_devtools.demo.run import sample_org_file
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests import pg

TOKEN = "123456:TEST-TOKEN"
BOT_USERNAME = "chibo_test_bot"
START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def now(self) -> datetime:
        """The current fake moment."""
        return self.moment

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.moment += timedelta(**delta)


def make_config(tmp_path: Path, base_url: str = "http://127.0.0.1:9/bot", **bot: object) -> Config:
    """A config whose database lives in tmp_path and whose Bot API is the simulator."""
    base = Config()
    return dataclasses.replace(
        base,
        bot=dataclasses.replace(base.bot, api_base_url=base_url, **bot),  # type: ignore[arg-type]
        storage=StorageConfig(path=str(tmp_path / "chibo.sqlite3"), url=pg.database_url()),
    )


def database_at(path: Path) -> str:
    """The database a test names by its SQLite file: on PostgreSQL, the test's own database."""
    return pg.database_url() or str(path)


async def seed(
    config: Config, org_file: Path | None = None, now: datetime = START
) -> ImportReport:
    """Import the sample commune (or another file) with invites; return the report."""
    db = await Database.open(config.storage.database)
    try:
        return await import_org_file(
            db, org_file or sample_org_file(), now=now, with_invites=True, invite_days=30
        )
    finally:
        await db.close()


def process_config(tmp_path: Path, base_url: str, config: Config, extra: str = "") -> Path:
    """A config.toml for `chibo run` as a process: the simulator, the test's database."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[bot]\napi_base_url = "{base_url}"\nlog_level = "WARNING"\n'
        f'[storage]\npath = "{config.storage.path}"\n{extra}',
        encoding="utf-8",
    )
    return config_file


async def chibo_process(*args: str, stdout: int | None = None) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` with the test token; its standard error is kept to read."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**os.environ, "BOT_TOKEN": TOKEN},
        stdout=asyncio.subprocess.DEVNULL if stdout is None else stdout,
        stderr=asyncio.subprocess.PIPE,
    )


def codes(report: ImportReport) -> dict[str, str]:
    """Invite codes by person name."""
    return {row.name: row.code for row in report.invites}


async def person_id(db: Database, cell: str, name: str) -> int:
    """The id of a person, found by cell name and full name."""
    async with db.transaction() as conn:
        unit = next(u for u in await units.all_units(conn) if u.name == cell)
        person = await people.find_in_unit(conn, unit.id, name)
    assert person is not None, name
    return person.id


async def linked(sim: FakeTelegram, codes: dict[str, str], name: str) -> SimUser:
    """A simulated person who has opened their invite link."""
    user = sim.user(name)
    await user.send(f"/start {codes[name]}")
    return user


async def deliver(app: ChiboApp, clock: Clock, sim: FakeTelegram, **advance: float) -> int:
    """Move the clock, send what is due, and wait until the bot is quiet."""
    if advance:
        clock.advance(**advance)
    sent = await deliver_due(app)
    await sim.wait_quiet()
    return sent


def at_local(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    """A moment in Vietnam time, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


Snapshot = dict[str, list[tuple[Any, ...]]]


async def snapshot(db: Database) -> Snapshot:
    """Every stored row, table by table (the inbox of raw updates, and the processes' heartbeats
    and leases, aside)."""
    found: Snapshot = {}
    async with db.transaction() as conn:
        tables = await conn.execute_fetchall(dialect.tables(db.dialect))
        for (name,) in tables:
            if name in ("inbox", "workers", "leases"):
                continue
            rows = await conn.execute_fetchall(f'SELECT * FROM "{name}"')
            found[name] = sorted((tuple(row) for row in rows), key=repr)
    return found


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    """The tables whose rows differ."""
    return [
        name for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)
    ]


# --- The one meeting scenario the feature tests share ------------------------------------------

MEETING_CELL = "Chi bộ xóm 9"
# The secretary An, members Bình (comes), Mai (excused), Dũng (silent), the cadre Cường.
MEETING_PEOPLE = (
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Thị Mai",
    "Phạm Văn Dũng",
    "Phạm Quốc Cường",
)


async def december_meeting(
    app: ChiboApp,
    sim: FakeTelegram,
    codes: dict[str, str],
    clock: Clock,
    *,
    names: tuple[str, ...] = MEETING_PEOPLE,
    notices: bool = True,
    until: Literal["answered", "closed", "ended"] = "answered",
    minutes: float = 100,
) -> dict[str, SimUser]:
    """The December meeting of xóm 9 in the sample commune, as far as `until`.

    `names` open their invites; with `notices` the notices go out on 30/11; Bình says she comes
    and Mai asks to be excused for illness; the clock stands at the start, 3/12 19:35. "closed":
    the secretary An also marks himself present and closes the roll-call; "ended": `minutes`
    later he ends the meeting. The simulated people, by name.
    """
    people = {name: await linked(sim, codes, name) for name in names}
    if notices:
        clock.moment = at_local(30, 19, 31, month=11)
        await deliver(app, clock, sim)
    await people["Trần Thị Bình"].send("có")
    await people["Lê Thị Mai"].send("xin vắng vì ốm")
    clock.moment = at_local(3, 19, 35)
    if until == "answered":
        return people
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    await an.press("❌ Nguyễn Văn An")
    await an.press("✔️ Đóng điểm danh")
    if until == "ended":
        clock.advance(minutes=minutes)
        await an.press("🏁 Kết thúc buổi họp")
    return people


async def first_meeting_id(app: ChiboApp, cell: str = MEETING_CELL) -> int:
    """The id of a cell's first regular meeting."""
    async with app.bot_data.db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT m.id FROM meetings m JOIN units u ON u.id = m.unit_id "
            "WHERE u.name = ? AND m.kind <> 'committee' ORDER BY m.starts_at LIMIT 1",
            (cell,),
        )
    return int(next(iter(rows))[0])


async def unit_id(app: ChiboApp, name: str = MEETING_CELL) -> int:
    """The id of a unit, by its name."""
    async with app.bot_data.db.transaction() as conn:
        rows = await conn.execute_fetchall("SELECT id FROM units WHERE name = ?", (name,))
    return int(next(iter(rows))[0])


def last_id(user: SimUser) -> int:
    """The id of the last message the person got (there must be one)."""
    assert user.last is not None, f"{user} got no message"
    return user.last.message_id


def shown(user: SimUser, message_id: int) -> str:
    """The text of one of the person's messages as it stands now, edits applied."""
    message = user.message(message_id)
    assert message is not None, message_id
    return message.text or ""
