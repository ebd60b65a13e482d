"""Digests and reports for cadres and secretaries: cells' months, trends, the monthly round."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.digest import CellMonth
from bot.domain.models import Unit
from bot.domain.months import Month
from bot.storage import people, reports, units
from bot.storage.db import Database

RawFlag = tuple[str, dict[str, str], str]
# The per-meeting digest waits this long for the cell's own score before going without it.
DIGEST_WAIT = timedelta(hours=12)


@dataclass(frozen=True)
class CellReport:
    """A cell's month with its open flags, still to be rendered."""

    month: CellMonth
    flags: tuple[RawFlag, ...]
    unit: Unit


def previous_month(month: str) -> str:
    """The month before YYYY-MM."""
    return Month.from_key(month).previous().key


async def cells_of(db: Database, unit_ids: list[int]) -> list[Unit]:
    """The cells at or below these units."""
    async with db.transaction() as conn:
        return await units.cells_under(conn, unit_ids)


async def followed_cells(db: Database, person_id: int) -> list[Unit]:
    """The cells a cadre follows."""
    async with db.transaction() as conn:
        assigned = await people.followed_units(conn, person_id)
        return await units.cells_under(conn, [u.id for u in assigned])


async def month_reports(
    db: Database, cells: list[Unit], month: str, tz: ZoneInfo, now: datetime | None = None
) -> list[CellReport]:
    """Each cell's month, as the digests show it (open kiến nghị aged as of `now`)."""
    moment = now or datetime.now(UTC)
    async with db.transaction() as conn:
        found = await reports.cell_months(conn, [(c.id, c.name) for c in cells], month, tz, moment)
    return [
        CellReport(dataclasses.replace(data, parent=parent_name(cell)), tuple(flags), cell)
        for cell, (data, flags) in zip(cells, found, strict=True)
    ]


def parent_name(unit: Unit) -> str | None:
    """The name of the unit above a cell, from its path ("… / Đảng bộ xã Số 3 / Chi bộ …")."""
    parts = [part.strip() for part in unit.path.split(" / ")]
    return parts[-2] if len(parts) > 1 and parts[-2] else None


async def trend(
    db: Database, cells: list[Unit], month: str, tz: ZoneInfo, months: int = 6
) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """Average attendance and score of these cells over the last `months` months.

    The same figures as month_reports' attendance and score, counted in SQL: the trend needs
    two numbers per cell and month, not the names, flags and kiến nghị.
    """
    labels = []
    current = month
    for _ in range(months):
        labels.append(current)
        current = previous_month(current)
    labels.reverse()
    async with db.transaction() as conn:
        held = await reports.held_figures(conn, [c.id for c in cells], labels)
    series = []
    for label in labels:
        attendance: list[Decimal] = []
        scores: list[Decimal] = []
        for cell in cells:
            figures = held.get((cell.id, label))
            if figures is None:
                continue
            present, expected, self_score, upper_score = figures
            if expected > 0:
                attendance.append(Decimal(present) / Decimal(expected))
            score = self_score if self_score is not None else upper_score
            if score is not None:
                scores.append(score)
        series.append(
            (
                label,
                sum(attendance, Decimal(0)) / len(attendance) if attendance else None,
                sum(scores, Decimal(0)) / len(scores) if scores else None,
            )
        )
    return series


async def queue_monthly(db: Database, monthly_day: int, tz: ZoneInfo, now: datetime) -> str | None:
    """From the configured day on, write last month's digest row for every cadre (once)."""
    local = now.astimezone(tz)
    if local.day < monthly_day:
        return None
    month = previous_month(local.strftime("%Y-%m"))
    async with db.transaction() as conn:
        await reports.digest_due(conn, await reports.all_cadres(conn), month, now)
    return month
