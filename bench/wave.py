"""Benchmark 1: the notice wave — every member of N meeting the same day, told at once."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench import pgserver
from bench.harness import wait_until
from bench.scenario import NOTICE_MARK, Org, Run, finish, new_run, rate

TELEGRAM_RATE = 30


async def wave(
    work: Path,
    org: Org,
    *,
    limits: bool,
    strict: bool = False,
    processes: int = 1,
    server: pgserver.Server | None = None,
    floor: bool = True,
) -> dict[str, Any]:
    """Start the bot on a fresh copy and wait until the whole wave is out.

    `strict`: Telegram's limit as a sliding one-second window rather than a token bucket.
    `processes`: how many `chibo run` share the database; `server`: PostgreSQL instead of a
    SQLite file. `floor`: also time bare python-telegram-bot sending the same (without limits).
    """
    size = len(org.members)
    mode = ("strict" if strict else "limits") if limits else "open"
    storage = "pg" if server is not None else "sqlite"
    run = await new_run(
        work,
        f"wave-{size}-{mode}-{storage}-{processes}",
        org,
        flood=limits,
        max_rate=TELEGRAM_RATE if limits else 0,
        strict=strict,
        server=server,
    )
    watch = pgserver.Watch(run.url) if run.url else None
    try:
        started = time.monotonic()
        busy, idle = pgserver.machine_busy()
        mine = time.process_time()  # this process runs the simulator
        if watch is not None:
            await watch.start()
        await run.start_bot(processes)
        await until_complete(run)
        cpu = run.cpu_seconds()
        busy, idle = (a - b for a, b in zip(pgserver.machine_busy(), (busy, idle), strict=True))
        simulator = time.process_time() - mine
        database = await watch.stop() if watch is not None else {}
        await run.sim.wait_quiet(settle=3, timeout=30)
        result = measure(run)
        result["processes"] = processes
        result["bot_cpu_seconds"] = cpu
        result["cpu"] = {
            "bots": round(cpu, 1),
            "simulator": round(simulator, 1),
            "database": database.pop("server_cpu_seconds", 0.0),
            "machine_busy": round(busy, 1),
            "machine_idle": round(idle, 1),
            "wall": round(time.monotonic() - started, 1),
        }
        result["connections"] = database
        result["start_to_first"] = result.pop("first") - started
        result["by_process"] = sent_by_process(run)
        if not limits and floor:
            result["floor"] = await bare_floor(work, run)
        return result
    finally:
        await finish(run)


async def until_complete(run: Run, *, stall: float = 60) -> None:
    """Wait until every expected notice arrived, or nothing arrived for `stall` seconds."""
    want = sum(run.org.expected.values())
    last_count, last_change = -1, time.monotonic()
    while True:
        count = sum(len(u.messages) for u in run.users.values())
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        if count >= want or time.monotonic() - last_change > stall:
            return
        await asyncio.sleep(1)


def measure(run: Run) -> dict[str, Any]:
    """Rate, 429s, lost and duplicated of the wave as the simulator saw it."""
    times = run.notice_times()
    lost, doubled = run.lost_and_duplicated()
    achieved = rate(times)
    body = times[: max(2, int(len(times) * 0.99))]
    return {
        "rate_99": rate(body),
        "notices": len(times),
        "expected": sum(run.org.expected.values()),
        "seconds": times[-1] - times[0] if times else 0.0,
        "rate": achieved,
        "fraction": achieved / TELEGRAM_RATE,
        "429": run.sim.rate_limited,
        "lost": lost,
        "duplicated": doubled,
        "first": times[0] if times else 0.0,
    }


def sent_by_process(run: Run) -> list[int]:
    """How many of the wave's notices each process recorded as sent (its claims)."""
    try:
        rows = run.rows(
            "SELECT claimed_by, COUNT(*) FROM notices WHERE state = 'sent' GROUP BY claimed_by"
        )
    except Exception:  # a figure for the report only
        return []
    return sorted((int(str(r[1])) for r in rows), reverse=True)


async def bare_floor(work: Path, run: Run) -> dict[str, Any]:
    """The same messages sent by bare python-telegram-bot to the same simulator."""
    plan = [
        (uid, m.raw, m.parse_mode, m.inline_markup)
        for uid, user in run.users.items()
        for m in user.messages
        if NOTICE_MARK in (m.text or "")
    ]
    plan_file = run.folder / "bare-plan.json"
    plan_file.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    before = {uid: len(u.events) for uid, u in run.users.items()}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.bare",
        "send",
        run.sim.base_url,
        str(plan_file),
        "0",
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"bare sender failed: {err.decode()[-2000:]}")
    times = sorted(at for uid, u in run.users.items() for at in u.event_times[before[uid] :])
    return {"messages": len(times), "rate": rate(times)}


async def wait_polling(run: Run, seconds: float = 120) -> bool:
    """Until the bot has asked for updates (it is up)."""
    calls = run.sim.calls
    base = calls["getUpdates"]
    return await wait_until(lambda: calls["getUpdates"] > base, seconds)
