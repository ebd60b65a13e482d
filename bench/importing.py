"""The organisation import at province scale: a fresh import, the same file again, with links.

Prints rows per second. The synthetic file is the one the province benchmark imports (bench
/synth.py): cells of about 21 members under communes of 60 cells, cadres following ten cells.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import synth
from bot.services.org_import import import_org_file
from bot.storage.db import Database


async def _timed(database: Path, org_file: Path, *, with_invites: bool) -> tuple[float, Any]:
    db = await Database.open(database)
    try:
        started = time.perf_counter()
        report = await import_org_file(
            db, org_file, now=datetime.now(UTC), with_invites=with_invites
        )
        seconds = time.perf_counter() - started
    finally:
        await db.close()
    if report.errors:
        raise RuntimeError(f"the synthetic file has errors: {report.errors[:3]}")
    return seconds, report


def _prepare(work: Path, members: int, cells: int) -> tuple[Path, int]:
    """The synthetic file, and no database left from an earlier run."""
    work.mkdir(parents=True, exist_ok=True)
    for leftover in work.glob("*.sqlite3*"):
        leftover.unlink()
    org_file = work / "org.csv"
    return org_file, synth.write_org_file(org_file, synth.Shape(cells=cells, members=members))


async def run(work: Path, *, members: int, cells: int) -> dict[str, Any]:
    """Import a synthetic organisation three ways; seconds and rows per second of each."""
    org_file, rows = _prepare(work, members, cells)
    figures: dict[str, Any] = {"rows": rows, "members": members, "cells": cells}
    for name, with_invites in (("fresh", False), ("fresh_with_invites", True)):
        database = work / f"{name}.sqlite3"
        seconds, _ = await _timed(database, org_file, with_invites=with_invites)
        figures[name] = {"seconds": seconds, "rows_per_second": rows / seconds}
        print(f"  import {name}: {rows:,} rows in {seconds:.1f} s, {rows / seconds:,.0f} rows/s")
    seconds, report = await _timed(work / "fresh.sqlite3", org_file, with_invites=False)
    assert not report.changed_anything  # the same file again changes nothing
    figures["again"] = {"seconds": seconds, "rows_per_second": rows / seconds}
    print(f"  import again (no change): {seconds:.1f} s, {rows / seconds:,.0f} rows/s")
    return figures
