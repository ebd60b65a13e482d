"""One benchmark scenario: a synthetic organisation, the simulator with everyone, the bot."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import pgserver, synth
from bench.harness import TOKEN, BotProcess, write_config
from chibo_devtools.telegram import FakeTelegram, FloodLimits, SimUser

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOTICE_MARK = "THÔNG BÁO SINH HOẠT"
MEMBERS_PER_CELL = 21


@dataclass
class Org:
    """A synthetic organisation imported and linked once, copied for every run."""

    pristine: Path
    members: list[synth.Member]
    expected: dict[int, int]  # notices each telegram id should get in one wave
    import_seconds: float
    pg_template: str = ""  # a PostgreSQL database holding the same, once copied there
    pg_copy: dict[str, object] = field(default_factory=dict)


async def organisation(work: Path, size: int) -> Org:
    """Build (once per size) the organisation: about 21 members a cell, cadres of 10 cells."""
    folder = work / f"org-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    pristine = folder / "pristine.sqlite3"
    org_file = folder / "org.csv"
    now = datetime.now(UTC)
    seconds = 0.0
    if not pristine.exists():
        shape = synth.Shape(
            cells=max(1, size // MEMBERS_PER_CELL), members=size, province_cadre=False
        )
        synth.write_org_file(org_file, shape)
        partial = folder / "building.sqlite3"
        for leftover in folder.glob("building.sqlite3*"):
            leftover.unlink()
        seconds = await synth.build(partial, org_file, now)
        synth.link_everyone(partial, now)
        _checkpoint(partial)
        partial.rename(pristine)
    members = synth.members(pristine)
    return Org(pristine, members, _expected(pristine), seconds)


def _checkpoint(database: Path) -> None:
    conn = sqlite3.connect(database)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _expected(database: Path) -> dict[int, int]:
    """One notice per member of a cell, one message listing their cells for a cadre."""
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute(
            "SELECT a.external_id, 1 FROM memberships m "
            "JOIN chat_accounts a ON a.person_id = m.person_id AND a.channel = 'telegram' "
            "WHERE m.status = 'active'"
        ).fetchall()
    finally:
        conn.close()
    return {int(external): int(count) for external, count in rows}


def meeting_day(now: datetime) -> int:
    """A meeting day one to four days ahead (the slot's day must be 1–28)."""
    day = (now.astimezone(VN) + timedelta(days=1)).day
    return day if day <= 28 else 1


@dataclass
class Run:
    """One run: its folder, database copy, simulator, people and the bot process(es)."""

    folder: Path
    database: Path
    config_file: Path
    sim: FakeTelegram
    users: dict[int, SimUser]
    org: Org
    bot: BotProcess | None = None
    notes: list[str] = field(default_factory=list)
    url: str = ""  # the PostgreSQL database instead of the SQLite file, when set
    others: list[BotProcess] = field(default_factory=list)  # processes beyond the first

    async def start_bot(self, processes: int = 1) -> BotProcess:
        """Start (or restart) `chibo run` on this run's database, `processes` of them."""
        self.bot = BotProcess(self.config_file, self.folder / "bot.log")
        self.others = [
            BotProcess(self.config_file, self.folder / f"bot-{n}.log")
            for n in range(2, processes + 1)
        ]
        for process in (self.bot, *self.others):
            await process.start()
        return self.bot

    @property
    def bots(self) -> list[BotProcess]:
        """Every `chibo run` process of the run."""
        return ([self.bot] if self.bot is not None else []) + self.others

    def cpu_seconds(self) -> float:
        """CPU time the run's bot processes have used so far."""
        return sum(b.cpu_seconds() for b in self.bots)

    async def stop_bots(self) -> None:
        """SIGTERM every bot process."""
        for process in self.bots:
            await process.stop()

    def notices(self) -> Counter[int]:
        """Notices received so far, per telegram id."""
        return Counter(
            {
                uid: sum(1 for m in user.messages if NOTICE_MARK in (m.text or ""))
                for uid, user in self.users.items()
            }
        )

    def notice_times(self) -> list[float]:
        """When each notice arrived (monotonic seconds)."""
        times: list[float] = []
        for user in self.users.values():
            times += [
                at
                for event, at in zip(user.events, user.event_times, strict=True)
                if NOTICE_MARK in (getattr(event, "text", None) or "")
            ]
        return sorted(times)

    def lost_and_duplicated(self) -> tuple[int, int]:
        """Against what the organisation says each person should get."""
        got = self.notices()
        lost = sum(max(0, want - got[uid]) for uid, want in self.org.expected.items())
        doubled = sum(max(0, got[uid] - self.org.expected.get(uid, 0)) for uid in got)
        return lost, doubled

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        """Read the run's database (the bot may be running: WAL lets us)."""
        if self.url:
            return pgserver.count(self.url, sql)
        conn = sqlite3.connect(self.database)
        try:
            return [tuple(row) for row in conn.execute(sql).fetchall()]
        finally:
            conn.close()


async def new_run(
    work: Path,
    name: str,
    org: Org,
    *,
    flood: bool,
    max_rate: int,
    latency: float = 0.0,
    strict: bool = False,
    server: pgserver.Server | None = None,
) -> Run:
    """A fresh copy of the organisation, a simulator with everyone, a config for the bot.

    `strict`: the simulator's overall limit is a sliding one-second window (the 31st message
    in any second gets a 429) rather than a token bucket. `server`: the copy is a new database
    on this PostgreSQL server rather than a SQLite file.
    """
    folder = work / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    database = folder / "chibo.sqlite3"
    url = ""
    if server is None:
        shutil.copy(org.pristine, database)
    else:
        if not org.pg_template:
            template = f"bench_org_{len(org.members)}"
            org.pg_copy = await pgserver.copy_sqlite(org.pristine, server.create(template))
            org.pg_template = template
        url = server.create("bench_" + name.replace("-", "_").lower(), org.pg_template)
    sim = FakeTelegram(
        token=TOKEN,
        flood_limits=FloodLimits(strict=strict) if flood else None,
        latency=latency,
        max_poll_timeout=10,
    )
    await sim.start()
    users = {m.telegram_id: sim.user(m.name, user_id=m.telegram_id) for m in org.members}
    config_file = write_config(
        folder,
        sim.base_url,
        database=url or database,
        before=("30d",),
        max_rate=max_rate,
        default_day=meeting_day(datetime.now(UTC)),
    )
    return Run(folder, database, config_file, sim, users, org, url=url)


async def finish(run: Run) -> None:
    """Stop the bot(s) and the simulator."""
    await run.stop_bots()
    await run.sim.stop()


def rate(times: list[float]) -> float:
    """Events per second between the first and the last."""
    if len(times) < 2 or times[-1] <= times[0]:
        return 0.0
    return (len(times) - 1) / (times[-1] - times[0])


def elapsed(since: float) -> float:
    """Seconds since a monotonic moment."""
    return time.monotonic() - since
