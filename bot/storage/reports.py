"""Queries that gather a cell's month for the digests and reports."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal

from bot.domain import rules
from bot.domain.digest import CellMonth
from bot.domain.meetings import Purpose
from bot.domain.rules import Attendance
from bot.storage import outbox
from bot.storage.db import Conn, Row

# Cells and meetings are looked up this many at a time (SQLite's bound parameters are limited).
_CHUNK = 500

Flags = list[tuple[str, dict[str, str], str]]


async def cell_month(
    conn: Conn, unit_id: int, cell: str, month: str, tz: tzinfo, now: datetime
) -> tuple[CellMonth, Flags]:
    """A cell's meeting of `month` (YYYY-MM), and that month's flags (kind, params, name)."""
    return (await cell_months(conn, [(unit_id, cell)], month, tz, now))[0]


async def cell_months(
    conn: Conn,
    cells: Sequence[tuple[int, str]],
    month: str,
    tz: tzinfo,
    now: datetime,
) -> list[tuple[CellMonth, Flags]]:
    """cell_month for many cells (unit id, name) at once: a few queries, not a few per cell.

    The flags are those of the month: the open flags about its meeting or about the month
    itself, and the open rule flags of its year raised before the month ended; an older
    meeting's flag stays in its own month.
    """
    year, number = (int(p) for p in month.split("-"))
    month_end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    unit_ids = sorted({unit_id for unit_id, _name in cells})
    rows: dict[int, Row] = {}
    flags: dict[int, Flags] = {}
    petitions: dict[int, list[tuple[str, int]]] = {}
    for chunk, marks in _chunks(unit_ids):
        async with conn.execute(
            "SELECT id, unit_id, starts_at, status, rollcall_closed_at, started_at, ended_at "
            f"FROM meetings WHERE unit_id IN ({marks}) AND month = ? AND kind <> 'committee'",
            (*chunk, month),
        ) as cur:
            rows.update((r["unit_id"], r) for r in await cur.fetchall())
        async with conn.execute(
            "SELECT f.unit_id, f.kind, f.params, COALESCE(p.full_name, ''), m.month, "
            "f.raised_at FROM flags f "
            "LEFT JOIN people p ON p.id = f.person_id "
            "LEFT JOIN meetings m ON m.id = f.meeting_id "
            f"WHERE f.unit_id IN ({marks}) AND f.cleared_at IS NULL "
            "ORDER BY f.unit_id, f.raised_at, f.key",
            chunk,
        ) as cur:
            for r in await cur.fetchall():
                params = json.loads(r[2])
                if not rules.counts_in_month(r[1], params, r[4], month):
                    continue
                # A rule flag raised after the month is news of a later month.
                if r[1] in rules.RULE_KINDS and datetime.fromisoformat(r[5]) >= month_end:
                    continue
                flags.setdefault(r[0], []).append((r[1], params, r[3]))
        async with conn.execute(
            f"SELECT unit_id, text, created_at FROM petitions WHERE unit_id IN ({marks}) "
            "AND status IN ('new', 'escalated') ORDER BY unit_id, created_at, id",
            chunk,
        ) as cur:
            for r in await cur.fetchall():
                age = max(0, (now - datetime.fromisoformat(r[2])).days)
                petitions.setdefault(r[0], []).append((r[1][:80], age))
    held = sorted(r["id"] for r in rows.values() if r["rollcall_closed_at"] is not None)
    marks_of: dict[int, dict[int, tuple[Attendance, str]]] = {}
    kinds_of: dict[int, dict[int, str]] = {}
    names: dict[int, str] = {}
    boards: dict[int, dict[str, tuple[Decimal | None, str | None]]] = {}
    ratings: dict[int, dict[str, int]] = {}
    for chunk, marks in _chunks(held):
        async with conn.execute(
            "SELECT a.meeting_id, a.person_id, a.status, a.reason, p.full_name, "
            "COALESCE(ans.reason_kind, '') "
            "FROM attendance a LEFT JOIN people p ON p.id = a.person_id "
            "LEFT JOIN answers ans ON ans.meeting_id = a.meeting_id "
            "AND ans.person_id = a.person_id AND ans.intent = 'absent' "
            f"WHERE a.meeting_id IN ({marks}) ORDER BY a.meeting_id, a.person_id",
            chunk,
        ) as cur:
            for r in await cur.fetchall():
                marks_of.setdefault(r[0], {})[r[1]] = (Attendance(r[2]), r[3])
                kinds_of.setdefault(r[0], {})[r[1]] = r[5]
                if r[4] is not None:
                    names[r[1]] = r[4]
        async with conn.execute(
            "SELECT meeting_id, board, total, grade FROM score_cards "
            f"WHERE meeting_id IN ({marks}) AND confirmed_at IS NOT NULL",
            chunk,
        ) as cur:
            for r in await cur.fetchall():
                boards.setdefault(r[0], {})[r[1]] = (Decimal(r[2]), r[3])
        async with conn.execute(
            "SELECT meeting_id, rating, COUNT(*) FROM ratings "
            f"WHERE meeting_id IN ({marks}) GROUP BY meeting_id, rating",
            chunk,
        ) as cur:
            for r in await cur.fetchall():
                ratings.setdefault(r[0], {})[r[1]] = r[2]
    found = []
    for unit_id, cell in cells:
        row = rows.get(unit_id)
        open_petitions = tuple(petitions.get(unit_id, ()))
        if row is None or row["rollcall_closed_at"] is None:
            cancelled = bool(row and row["status"] == "cancelled")
            data = CellMonth(
                unit_id,
                cell,
                month,
                None,
                cancelled,
                0,
                0,
                open_petitions=open_petitions,
                flag_kinds=tuple(kind for kind, _p, _n in flags.get(unit_id, ())),
            )
            found.append((data, list(flags.get(unit_id, ()))))
            continue
        meeting_id = row["id"]
        statuses = marks_of.get(meeting_id, {})
        counted = {pid: v for pid, v in statuses.items() if v[0] is not Attendance.EXEMPT}
        duration = None
        if row["started_at"] and row["ended_at"]:
            start = datetime.fromisoformat(row["started_at"])
            duration = int((datetime.fromisoformat(row["ended_at"]) - start).total_seconds() // 60)
        board = boards.get(meeting_id, {})
        kinds = kinds_of.get(meeting_id, {})
        by_kind = Counter(
            kinds.get(pid, "") for pid, (s, _r) in counted.items() if s is Attendance.EXCUSED
        )
        data = CellMonth(
            unit_id=unit_id,
            cell=cell,
            month=month,
            held_on=datetime.fromisoformat(row["starts_at"]).astimezone(tz).date(),
            cancelled=False,
            expected=len(counted),
            present=sum(1 for s, _r in counted.values() if s is Attendance.PRESENT),
            excused=tuple(
                (names[pid], reason)
                for pid, (s, reason) in counted.items()
                if s is Attendance.EXCUSED
            ),
            unexcused=tuple(
                names[pid] for pid, (s, _r) in counted.items() if s is Attendance.UNEXCUSED
            ),
            duration_minutes=duration,
            self_score=board.get("self", (None, None))[0],
            self_grade=board.get("self", (None, None))[1],
            upper_score=board.get("upper", (None, None))[0],
            upper_grade=board.get("upper", (None, None))[1],
            ratings=ratings.get(meeting_id, {}),
            open_petitions=open_petitions,
            flag_kinds=tuple(kind for kind, _p, _n in flags.get(unit_id, ())),
            excused_kinds=tuple(sorted(by_kind.items())),
        )
        found.append((data, list(flags.get(unit_id, ()))))
    return found


def _chunks(ids: Sequence[int]) -> Iterator[tuple[list[int], str]]:
    """The ids in slices short enough to bind, each with its "?, ?, …" placeholders."""
    for index in range(0, len(ids), _CHUNK):
        chunk = list(ids[index : index + _CHUNK])
        yield chunk, ", ".join("?" for _ in chunk)


async def held_figures(
    conn: Conn, unit_ids: Sequence[int], months: Sequence[str]
) -> dict[tuple[int, str], tuple[int, int, Decimal | None, Decimal | None]]:
    """The held monthly meetings of these cells in these months, counted in SQL: (unit,
    month) → (present, expected, confirmed self score, confirmed upper score)."""
    found = {}
    month_marks = ", ".join("?" for _ in months)
    for chunk, marks in _chunks(sorted(set(unit_ids))):
        async with conn.execute(
            "SELECT m.unit_id, m.month, "
            "(SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id "
            "AND a.status = 'present'), "
            "(SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id "
            "AND a.status <> 'exempt'), "
            "(SELECT total FROM score_cards s WHERE s.meeting_id = m.id AND s.board = 'self' "
            "AND s.confirmed_at IS NOT NULL), "
            "(SELECT total FROM score_cards s WHERE s.meeting_id = m.id AND s.board = 'upper' "
            "AND s.confirmed_at IS NOT NULL) "
            f"FROM meetings m WHERE m.unit_id IN ({marks}) AND m.month IN ({month_marks}) "
            "AND m.kind <> 'committee' AND m.rollcall_closed_at IS NOT NULL",
            (*chunk, *months),
        ) as cur:
            for r in await cur.fetchall():
                found[(r[0], r[1])] = (
                    r[2],
                    r[3],
                    None if r[4] is None else Decimal(r[4]),
                    None if r[5] is None else Decimal(r[5]),
                )
    return found


async def digest_due(conn: Conn, person_ids: list[int], month: str, now: datetime) -> None:
    """Queue the month's digest, text then chart, for these cadres (once per cadre and month)."""
    await outbox.add(
        conn,
        [
            outbox.NewMessage(pid, purpose, month, now)
            for pid in person_ids
            for purpose in (Purpose.MONTHLY, Purpose.MONTHLY_CHART)
        ],
    )


async def all_cadres(conn: Conn) -> list[int]:
    """Everyone assigned to follow at least one unit."""
    async with conn.execute("SELECT DISTINCT person_id FROM cadre_assignments") as cur:
        return [r[0] for r in await cur.fetchall()]
