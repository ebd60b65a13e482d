"""Queries over the unit tree."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.domain.models import Unit
from bot.storage._util import ts
from bot.storage.db import Conn, Row

_COLUMNS = "u.id, u.parent_id, u.kind, u.name, u.path"


def _unit(row: Row) -> Unit:
    return Unit(
        id=row["id"],
        parent_id=row["parent_id"],
        kind=row["kind"],
        name=row["name"],
        path=row["path"],
    )


async def get(conn: Conn, unit_id: int) -> Unit | None:
    """The unit with this id."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM units u WHERE u.id = ?", (unit_id,)) as cur:
        row = await cur.fetchone()
    return _unit(row) if row else None


async def all_units(conn: Conn) -> list[Unit]:
    """Every unit, parents before children."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM units u ORDER BY u.path") as cur:
        return [_unit(row) for row in await cur.fetchall()]


async def insert(
    conn: Conn,
    *,
    parent_id: int | None,
    kind: str,
    name: str,
    path: str,
    now: datetime,
) -> Unit:
    """Add a unit under its parent."""
    async with conn.execute(
        "INSERT INTO units (parent_id, kind, name, path, created_at) VALUES (?, ?, ?, ?, ?) "
        "RETURNING id",
        (parent_id, kind, name, path, ts(now)),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return Unit(id=row[0], parent_id=parent_id, kind=kind, name=name, path=path)


async def next_id(conn: Conn) -> int:
    """The id the next unit would get (for insert_many, inside a write transaction)."""
    async with conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM units") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 1


async def insert_many(conn: Conn, new: Sequence[Unit], *, now: datetime) -> None:
    """Add units whose ids were taken from next_id, parents before children, in one statement."""
    await conn.executemany(
        "INSERT INTO units (id, parent_id, kind, name, path, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(u.id, u.parent_id, u.kind, u.name, u.path, ts(now)) for u in new],
    )
    await conn.ids_taken("units")


async def cells_under(conn: Conn, unit_ids: Iterable[int]) -> list[Unit]:
    """The units with members at or below any of these units (what a cadre follows)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    sql = f"""
        WITH RECURSIVE below (id) AS (
            SELECT id FROM units WHERE id IN ({marks})
            UNION
            SELECT c.id FROM units c JOIN below b ON c.parent_id = b.id
        )
        SELECT {_COLUMNS} FROM units u
        WHERE u.id IN (SELECT id FROM below)
          AND EXISTS (
            SELECT 1 FROM memberships m
            WHERE m.unit_id = u.id AND m.role <> 'cadre'
          )
        ORDER BY u.path
    """
    async with conn.execute(sql, ids) as cur:
        return [_unit(row) for row in await cur.fetchall()]


async def cells(conn: Conn) -> list[Unit]:
    """Every unit that has members: the cells that hold meetings."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM units u WHERE EXISTS ("
        "SELECT 1 FROM memberships m WHERE m.unit_id = u.id AND m.role <> 'cadre'"
        ") ORDER BY u.path"
    ) as cur:
        return [_unit(row) for row in await cur.fetchall()]
