"""A year at province scale: start-up on a year's database, and what the year costs once its
delivery rows are pruned (python -m bench --only year)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import synth
from bench.harness import TOKEN, BotProcess, write_config
from bench.province import _mb, _ts, database_figures, meeting_day, monthly_day, write_history
from bot.config import load_config
from bot.services import planner
from bot.services.meetings import Rules
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram

KEEP_MONTHS = 13  # the default storage.keep_months


async def run(work: Path, *, members: int, cells: int) -> dict[str, Any]:
    """Build the province and its year, start `chibo run` on it, then prune as a year on."""
    folder = work / f"year-{members}-{cells}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    database = folder / "chibo.sqlite3"
    now = datetime.now(UTC)
    figures: dict[str, Any] = {"members": members, "cells": cells}
    shape = synth.Shape(cells=cells, members=members)
    synth.write_org_file(folder / "org.csv", shape)
    figures["import_s"] = round(await synth.build(database, folder / "org.csv", now), 1)
    synth.link_everyone(database, now)
    history = write_history(database, now, seed=shape.seed, outbox=True)
    figures["history"] = {"months": f"{history['months'][0]} – {history['months'][-1]}"}
    figures["before"] = _sizes(database)
    print(f"  a year written: {figures['before']}", flush=True)
    figures["startup"] = await _startup(folder, database, cells)
    print(f"  start-up: {figures['startup']}", flush=True)
    figures["pruned"] = await _prune_a_year_on(folder / "config.toml", now)
    figures["after"] = _sizes(database)
    _vacuum(database)
    figures["after_vacuum_mb"] = _mb(database.stat().st_size)
    print(f"  pruned {figures['pruned']}; after {figures['after']}", flush=True)
    return figures


def _sizes(database: Path) -> dict[str, Any]:
    found = database_figures(database)
    return {
        "file_mb": found["file_mb"],
        "notices_rows": found["rows"].get("notices", 0),
        "notices_mb": found["table_mb"].get("notices", 0.0),
    }


async def _startup(folder: Path, database: Path, cells: int) -> dict[str, float]:
    """`chibo run` on the year's database: seconds until it reads messages, and until the next
    meeting of every cell is planned (in the background since the start-up change)."""
    now = datetime.now(UTC)
    async with FakeTelegram(token=TOKEN, max_poll_timeout=10) as sim:
        config = write_config(
            folder,
            sim.base_url,
            database=database,
            before=("1m",),
            monthly_day=monthly_day(now),
            default_day=meeting_day(now),
        )
        watch = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
        since = _ts(now - timedelta(minutes=1))
        bot = BotProcess(config, folder / "bot.log")
        marks: dict[str, float] = {}
        await bot.start()
        try:
            while len(marks) < 2:
                at = time.monotonic() - bot.started_at
                if "reading messages" not in marks and sim.calls["getUpdates"] > 0:
                    marks["reading messages"] = round(at, 1)
                if "every cell's meeting planned" not in marks:
                    try:
                        row = watch.execute(
                            "SELECT COUNT(*) FROM meetings WHERE created_at >= ?", (since,)
                        ).fetchone()
                    except sqlite3.OperationalError:
                        row = (0,)
                    if int(row[0]) >= cells:
                        marks["every cell's meeting planned"] = round(at, 1)
                if at > 900:
                    raise RuntimeError(f"start-up took over 15 minutes: {marks}")
                await asyncio.sleep(0.25)
        finally:
            await bot.stop()
            watch.close()
    return marks


async def _prune_a_year_on(config_file: Path, now: datetime) -> int:
    """The planner's pruning as it runs a year later (storage.keep_months = 13): this year's
    delivery rows are older than that but for the last month's, so what stays of them is the
    record (meetings, attendance, scores, ratings, kiến nghị, flags)."""
    config = load_config(config_file)
    db = await Database.open(config.storage.path)
    try:
        return await planner.prune(
            db, KEEP_MONTHS, Rules.from_config(config), now.replace(year=now.year + 1)
        )
    finally:
        await db.close()


def _vacuum(database: Path) -> None:
    conn = sqlite3.connect(database)
    try:
        conn.execute("VACUUM")
    finally:
        conn.close()
