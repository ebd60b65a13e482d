"""A synthetic organisation: an organisation file imported by the real import, then linked.

Cells sit under communes (Đảng bộ xã) under one province. Each cell has a secretary, a deputy,
a committee member and ordinary members; each commune has cadres following ten cells each, and
the province one cadre following every commune. Everyone is linked to a chat account, as if
each had opened their invite link (linking 150,000 people through /start would measure the
linking, not the wave).
"""

from __future__ import annotations

import csv
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.domain.orgfile import MAX_CELL_CHARS
from bot.services.org_import import import_org_file
from bot.storage.db import Database
from bot.storage.dialect import sqlite_path, to_postgresql

PROVINCE = "Tỉnh Bến Sông"
FIRST_USER_ID = 10_000_000


def _words(text: str) -> list[str]:
    return text.split()


_FAMILY = _words("Nguyễn Trần Lê Phạm Hoàng Huỳnh Vũ Võ Phan Trương Bùi Đặng Đỗ Ngô Hồ Dương Đinh")
_MIDDLE = _words("Văn Thị Hữu Đức Minh Quốc Thanh Ngọc Xuân Thu Hồng Kim Bảo Công")
_GIVEN = _words(
    "An Bình Cường Dũng Giang Hà Hải Hạnh Hiền Hòa Hùng Hương Khánh Lan Linh Long Mai Nam Nga "
    "Ngân Phúc Phương Quang Quân Sơn Tâm Thảo Thắng Thủy Trang Trung Tuấn Tùng Vân Việt Yến "
    "Lộc Tài Đạt Kiên Loan Nhung Oanh Quyên Sang Thịnh Toàn Uyên Vinh Xuyến"
)


@dataclass(frozen=True)
class Member:
    """One synthetic person: where they are and the chat they are linked to."""

    person_id: int
    telegram_id: int
    name: str
    unit_path: str
    role: str


@dataclass(frozen=True)
class Shape:
    """How big: cells, members per cell, cells per commune, cells each commune cadre follows."""

    cells: int
    members: int
    cells_per_commune: int = 60
    cells_per_cadre: int = 10
    province_cadre: bool = True
    seed: int = 2026


def write_org_file(path: Path, shape: Shape) -> int:
    """Write the organisation file; returns the number of rows (people)."""
    rng = random.Random(shape.seed)
    base, extra = divmod(shape.members, shape.cells)
    rows: list[list[str]] = []
    communes: dict[str, list[str]] = {}
    for cell_no in range(shape.cells):
        commune = f"{PROVINCE} / Đảng bộ xã Số {cell_no // shape.cells_per_commune + 1}"
        cell = f"{commune} / Chi bộ thôn {cell_no % shape.cells_per_commune + 1}"
        communes.setdefault(commune, []).append(cell)
        size = base + (1 if cell_no < extra else 0)
        for i, name in enumerate(_names(rng, size)):
            role = {0: "bí thư", 1: "phó bí thư", 2: "chi ủy viên"}.get(i, "đảng viên")
            phone = f"09{rng.randrange(10**8):08d}"
            rows.append([cell, name, role, phone, "", ""])
    for commune, cells in communes.items():
        step = shape.cells_per_cadre
        groups = [cells[i : i + step] for i in range(0, len(cells), step)]
        for names, group in zip(_names(rng, len(groups)), groups, strict=True):
            rows.append([commune, names, "cấp ủy viên phụ trách", "", "", "; ".join(group)])
    if shape.province_cadre:
        follows = "; ".join(communes)
        if len(follows) > MAX_CELL_CHARS:
            # The file's cells hold at most MAX_CELL_CHARS characters: a province with many
            # communes is followed as a whole, which covers the same cells.
            follows = PROVINCE
        rows.append([PROVINCE, "Trần Quang Tỉnh", "cấp ủy viên phụ trách", "", "", follows])
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["đơn vị", "họ và tên", "vai trò", "điện thoại", "trạng thái", "phụ trách"]
        )
        writer.writerows(rows)
    return len(rows)


def _names(rng: random.Random, count: int) -> list[str]:
    """Distinct Vietnamese-looking names."""
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}")
    names = sorted(seen)
    rng.shuffle(names)
    return names


async def build(database: Path, org_file: Path, now: datetime) -> float:
    """Import the file with the real import; returns the seconds it took."""
    db = await Database.open(database)
    try:
        started = datetime.now()
        report = await import_org_file(db, org_file, now=now)
        seconds = (datetime.now() - started).total_seconds()
        if report.errors:
            raise RuntimeError(f"the synthetic file has errors: {report.errors[:3]}")
    finally:
        await db.close()
    return seconds


def _query(
    database: Path | str, sql: str, rows: Sequence[tuple[object, ...]] = ()
) -> list[tuple[object, ...]]:
    """Run one statement synchronously on a SQLite file or a PostgreSQL url: its rows, or,
    with `rows`, the statement once per row (committed)."""
    path = sqlite_path(database)
    if path is None:
        import psycopg  # only the PostgreSQL benchmarks and tests need it

        with psycopg.connect(str(database)) as pg, pg.cursor() as cur:
            if rows:
                cur.executemany(to_postgresql(sql), rows)
                return []
            cur.execute(to_postgresql(sql))
            return list(cur.fetchall())
    conn = sqlite3.connect(path)
    try:
        if rows:
            conn.executemany(sql, rows)
            conn.commit()
            return []
        return list(conn.execute(sql).fetchall())
    finally:
        conn.close()


def link_everyone(database: Path | str, now: datetime) -> list[Member]:
    """Give every person a chat account (telegram id = FIRST_USER_ID + person id); `database`
    is a SQLite file or a PostgreSQL url."""
    rows = _query(
        database,
        "SELECT p.id, p.full_name, u.path, m.role FROM people p "
        "JOIN memberships m ON m.person_id = p.id JOIN units u ON u.id = m.unit_id "
        "ORDER BY p.id",
    )
    stamp = now.isoformat(timespec="seconds")
    _query(
        database,
        "INSERT INTO chat_accounts "
        "(channel, external_id, person_id, language_code, reachable, linked_at) "
        "VALUES ('telegram', ?, ?, 'vi', 1, ?) ON CONFLICT DO NOTHING",
        [(str(FIRST_USER_ID + int(str(r[0]))), r[0], stamp) for r in rows],
    )
    return [
        Member(int(str(r[0])), FIRST_USER_ID + int(str(r[0])), str(r[1]), str(r[2]), str(r[3]))
        for r in rows
    ]


def members(database: Path | str) -> list[Member]:
    """Everyone with a chat account, as linked by link_everyone."""
    rows = _query(
        database,
        "SELECT p.id, p.full_name, u.path, m.role, a.external_id FROM people p "
        "JOIN memberships m ON m.person_id = p.id JOIN units u ON u.id = m.unit_id "
        "JOIN chat_accounts a ON a.person_id = p.id AND a.channel = 'telegram' "
        "ORDER BY p.id",
    )
    return [Member(int(str(r[0])), int(str(r[4])), str(r[1]), str(r[2]), str(r[3])) for r in rows]
