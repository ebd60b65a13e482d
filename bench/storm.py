"""Benchmark 2: the reply storm — every member answers their notice within a minute."""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import pgserver
from bench.harness import BotProcess, percentile, wait_until, write_config
from bench.scenario import Org, Run, finish, meeting_day, new_run
from bench.wave import until_complete
from chibo_devtools.telegram import FloodLimits, SimUser

# What members write: buttons for half of them, free text (with and without diacritics).
TEXTS = ("có", "co a", "Có ạ, tôi sẽ đến", "xin vắng vì ốm", "xin vang, di cong tac")
ATTEND = "✅ Tham dự"


@dataclass
class Sent:
    """One member's reply: who, when it was pushed, how many events they had before."""

    user: SimUser
    at: float
    events_before: int


async def prepare(
    work: Path, org: Org, name: str = "", server: pgserver.Server | None = None
) -> Run:
    """A fresh run whose members all have their notice (sent fast, limits off)."""
    name = name or f"storm-{len(org.members)}"
    run = await new_run(work, name, org, flood=False, max_rate=0, server=server)
    await run.start_bot()
    await until_complete(run)
    await run.sim.wait_quiet(settle=2, timeout=60)
    await run.stop_bots()
    return run


async def restart(
    run: Run, *, limits: bool, echo: bool = False, processes: int = 1
) -> BotProcess | None:
    """Run the bot (`processes` of it, or the bare echo bot) with Telegram's limits on or off."""
    run.sim.flood_limits = FloodLimits() if limits else None
    rate = 30 if limits else 0
    base = run.sim.calls["getUpdates"]
    if echo:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.bare",
            "echo",
            run.sim.base_url,
            str(rate),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        run.notes.append(f"echo pid {process.pid}")
        await wait_until(lambda: run.sim.calls["getUpdates"] > base, 60)
        run.bot = BotProcess(run.config_file, run.folder / "echo.log", process=process)
        return run.bot
    write_config(
        run.folder,
        run.sim.base_url,
        database=run.url or run.database,
        before=("30d",),
        max_rate=rate,
        default_day=meeting_day(datetime.now(UTC)),
    )
    bot = await run.start_bot(processes)
    await wait_until(lambda: run.sim.calls["getUpdates"] > base, 120)
    return bot


async def storm(run: Run, *, spread: float, who: list[int] | None = None) -> list[Sent]:
    """Every member (or `who`) replies once, spread evenly over `spread` seconds."""
    members = [run.users[uid] for uid in (who or sorted(run.users)) if _in_cell(run, uid)]
    sent: list[Sent] = []
    began = time.monotonic()
    for i, user in enumerate(members):
        due = began + spread * i / max(1, len(members))
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        before = len(user.events)
        if i % 2 == 0 and user.messages and user.messages[-1].button(ATTEND):
            user.press_nowait(ATTEND)
        else:
            user.send_nowait(TEXTS[i % len(TEXTS)])
        sent.append(Sent(user, time.monotonic(), before))
    return sent


def _in_cell(run: Run, uid: int) -> bool:
    return run.org.expected.get(uid, 0) == 1  # members, not cadres


async def answered(sent: list[Sent], *, stall: float = 60) -> dict[str, Any]:
    """Wait for every reply to be answered; p50/p99 from reply to the bot's first answer."""
    last, last_change = -1, time.monotonic()
    while True:
        done = sum(1 for s in sent if len(s.user.events) > s.events_before)
        if done != last:
            last, last_change = done, time.monotonic()
        if done == len(sent) or time.monotonic() - last_change > stall:
            break
        await asyncio.sleep(0.5)
    latencies = [
        s.user.event_times[s.events_before] - s.at
        for s in sent
        if len(s.user.events) > s.events_before
    ]
    ends = [
        s.user.event_times[s.events_before] for s in sent if len(s.user.events) > s.events_before
    ]
    span = max(ends) - sent[0].at if ends else 0.0
    return {
        "replies": len(sent),
        "answered": len(latencies),
        "per_second": len(latencies) / span if span else 0.0,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "seconds": span,
    }


async def bench(work: Path, org: Org) -> dict[str, Any]:
    """The storm paced over a minute with Telegram's limits, and all at once without them;
    each for the bot and for a bare echo bot on the same simulator."""
    run = await prepare(work, org)
    results: dict[str, Any] = {}
    try:
        for label, limits, spread in (("minute", True, 60.0), ("burst", False, 0.0)):
            for kind in ("chibo", "echo"):
                print(f"  {kind}, {label}", flush=True)
                process = await restart(run, limits=limits, echo=kind == "echo")
                sent = await storm(run, spread=spread)
                results[f"{kind}-{label}"] = await answered(sent)
                print(f"  {results[f'{kind}-{label}']}", flush=True)
                await run.sim.wait_quiet(settle=2, timeout=120)
                if process is not None:
                    await process.stop()
                    run.others = []
        results["answers_recorded"] = run.rows("SELECT COUNT(*) FROM answers")[0][0]
        results["members"] = sum(1 for uid in run.users if _in_cell(run, uid))
    finally:
        run.bot = None
        await finish(run)
    return results


async def burst(
    work: Path, org: Org, *, processes: int = 1, server: pgserver.Server | None = None
) -> dict[str, Any]:
    """The storm all at once without limits, answered by `processes` bots on one database
    (PostgreSQL on `server`, else a SQLite file)."""
    storage = "pg" if server is not None else "sqlite"
    run = await prepare(work, org, f"storm-{len(org.members)}-{storage}-{processes}", server)
    try:
        await restart(run, limits=False, processes=processes)
        sent = await storm(run, spread=0.0)
        result = await answered(sent)
        await run.sim.wait_quiet(settle=2, timeout=120)
        result["answers_recorded"] = run.rows("SELECT COUNT(*) FROM answers")[0][0]
        result["processes"] = processes
        return result
    finally:
        await finish(run)
