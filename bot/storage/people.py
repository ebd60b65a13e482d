"""Queries over people, their membership and the units they follow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.models import MemberStatus, Person, Role, Unit
from bot.domain.text import fold, person_sort_key
from bot.storage._util import ts
from bot.storage.db import Conn, Row

_SELECT = """
    SELECT p.id, p.full_name, p.phone, p.language, m.unit_id, m.role, m.status
    FROM people p JOIN memberships m ON m.person_id = p.id
"""


_ROLE_ORDER = {role: index for index, role in enumerate(Role)}


def _person(row: Row) -> Person:
    return Person(
        id=row["id"],
        full_name=row["full_name"],
        phone=row["phone"],
        unit_id=row["unit_id"],
        role=Role(row["role"]),
        status=MemberStatus(row["status"]),
        language=row["language"],
    )


async def get(conn: Conn, person_id: int) -> Person | None:
    """The person with this id."""
    async with conn.execute(_SELECT + " WHERE p.id = ?", (person_id,)) as cur:
        row = await cur.fetchone()
    return _person(row) if row else None


async def get_many(conn: Conn, person_ids: Iterable[int]) -> dict[int, Person]:
    """The people with these ids, by id (ids not found are left out)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    async with conn.execute(_SELECT + f" WHERE p.id IN ({marks})", ids) as cur:
        return {row["id"]: _person(row) for row in await cur.fetchall()}


async def find_in_unit(conn: Conn, unit_id: int, name: str) -> Person | None:
    """The person of this name in this unit (names compare without diacritics or case)."""
    async with conn.execute(
        _SELECT + " WHERE m.unit_id = ? AND m.name_key = ?", (unit_id, fold(name))
    ) as cur:
        row = await cur.fetchone()
    return _person(row) if row else None


async def in_unit(conn: Conn, unit_id: int) -> list[Person]:
    """Everyone who belongs to this unit: secretary, deputy, committee, then by given name."""
    async with conn.execute(_SELECT + " WHERE m.unit_id = ?", (unit_id,)) as cur:
        found = [_person(row) for row in await cur.fetchall()]
    return sorted(found, key=lambda p: (_ROLE_ORDER[p.role], person_sort_key(p.full_name)))


async def everyone(conn: Conn) -> list[Person]:
    """Every person, in id order."""
    async with conn.execute(_SELECT + " ORDER BY p.id") as cur:
        return [_person(row) for row in await cur.fetchall()]


async def insert(
    conn: Conn,
    *,
    full_name: str,
    phone: str | None,
    unit_id: int,
    role: Role,
    status: MemberStatus,
    now: datetime,
) -> Person:
    """Add a person and their membership."""
    async with conn.execute(
        "INSERT INTO people (full_name, phone, created_at, updated_at) VALUES (?, ?, ?, ?) "
        "RETURNING id",
        (full_name, phone, ts(now), ts(now)),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    person_id = int(row[0])
    await conn.execute(
        "INSERT INTO memberships (person_id, unit_id, role, status, name_key) "
        "VALUES (?, ?, ?, ?, ?)",
        (person_id, unit_id, role.value, status.value, fold(full_name)),
    )
    return Person(
        id=person_id,
        full_name=full_name,
        phone=phone,
        unit_id=unit_id,
        role=role,
        status=status,
        language=None,
    )


async def update(conn: Conn, person: Person, *, now: datetime) -> None:
    """Write a person's name, phone, unit, role and status."""
    await conn.execute(
        "UPDATE people SET full_name = ?, phone = ?, updated_at = ? WHERE id = ?",
        (person.full_name, person.phone, ts(now), person.id),
    )
    await conn.execute(
        "UPDATE memberships SET unit_id = ?, role = ?, status = ?, name_key = ? "
        "WHERE person_id = ?",
        (
            person.unit_id,
            person.role.value,
            person.status.value,
            fold(person.full_name),
            person.id,
        ),
    )


async def set_language(conn: Conn, person_id: int, language: str) -> None:
    """Remember the language a person chose."""
    await conn.execute("UPDATE people SET language = ? WHERE id = ?", (language, person_id))


async def followed_units(conn: Conn, person_id: int) -> list[Unit]:
    """The units a cadre is assigned to follow (not expanded to the cells below)."""
    async with conn.execute(
        "SELECT u.id, u.parent_id, u.kind, u.name, u.path FROM cadre_assignments a "
        "JOIN units u ON u.id = a.unit_id WHERE a.person_id = ? ORDER BY u.path",
        (person_id,),
    ) as cur:
        rows = await cur.fetchall()
    return [
        Unit(id=r["id"], parent_id=r["parent_id"], kind=r["kind"], name=r["name"], path=r["path"])
        for r in rows
    ]


async def set_followed_units(conn: Conn, person_id: int, unit_ids: Iterable[int]) -> None:
    """Replace the units a cadre follows."""
    await conn.execute("DELETE FROM cadre_assignments WHERE person_id = ?", (person_id,))
    await conn.executemany(
        "INSERT INTO cadre_assignments (person_id, unit_id) VALUES (?, ?)",
        [(person_id, unit_id) for unit_id in sorted(set(unit_ids))],
    )


async def cadres_following(conn: Conn, unit_id: int) -> list[Person]:
    """The cadres who follow this unit directly or through a unit above it."""
    sql = (
        """
        WITH RECURSIVE above (id, parent_id) AS (
            SELECT id, parent_id FROM units WHERE id = ?
            UNION
            SELECT u.id, u.parent_id FROM units u JOIN above a ON u.id = a.parent_id
        )
    """
        + _SELECT
        + """
        WHERE p.id IN (
            SELECT person_id FROM cadre_assignments WHERE unit_id IN (SELECT id FROM above)
        )
        ORDER BY m.name_key, p.id
    """
    )
    async with conn.execute(sql, (unit_id,)) as cur:
        return [_person(row) for row in await cur.fetchall()]


# --- Whole-organisation reads and writes, for the import (a few statements, not one per row) --


@dataclass(frozen=True)
class NewPerson:
    """A person to add, with their membership; the id is given by insert_many."""

    full_name: str
    phone: str | None
    unit_id: int
    role: Role
    status: MemberStatus
    name_key: str  # fold(full_name), which the caller has already computed


async def everyone_keyed(conn: Conn) -> list[tuple[Person, str]]:
    """Every person with the name key their membership is stored under, in id order."""
    async with conn.execute(
        "SELECT p.id, p.full_name, p.phone, p.language, m.unit_id, m.role, m.status, m.name_key "
        "FROM people p JOIN memberships m ON m.person_id = p.id ORDER BY p.id"
    ) as cur:
        rows = await cur.fetchall()
    return [
        (
            Person(
                id=row[0],
                full_name=row[1],
                phone=row[2],
                unit_id=row[4],
                role=Role(row[5]),
                status=MemberStatus(row[6]),
                language=row[3],
            ),
            row[7],
        )
        for row in rows
    ]


async def insert_many(conn: Conn, new: Sequence[NewPerson], *, now: datetime) -> list[Person]:
    """Add people and their memberships in two statements; returns them in the same order."""
    # Ids are given here so that one executemany can write both tables; the caller's
    # transaction (BEGIN IMMEDIATE) keeps anyone else from taking the same ids meanwhile.
    async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM people") as cur:
        row = await cur.fetchone()
    first = int(row[0]) + 1 if row else 1
    added = [
        Person(
            id=first + index,
            full_name=p.full_name,
            phone=p.phone,
            unit_id=p.unit_id,
            role=p.role,
            status=p.status,
            language=None,
        )
        for index, p in enumerate(new)
    ]
    stamp = ts(now)
    await conn.executemany(
        "INSERT INTO people (id, full_name, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        [(p.id, p.full_name, p.phone, stamp, stamp) for p in added],
    )
    await conn.ids_taken("people")
    await conn.executemany(
        "INSERT INTO memberships (person_id, unit_id, role, status, name_key) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (p.id, p.unit_id, p.role.value, p.status.value, n.name_key)
            for p, n in zip(added, new, strict=True)
        ],
    )
    return added


async def update_many(conn: Conn, changed: Sequence[Person], *, now: datetime) -> None:
    """Write the name, phone, unit, role and status of many people in two statements."""
    stamp = ts(now)
    await conn.executemany(
        "UPDATE people SET full_name = ?, phone = ?, updated_at = ? WHERE id = ?",
        [(p.full_name, p.phone, stamp, p.id) for p in changed],
    )
    await conn.executemany(
        "UPDATE memberships SET unit_id = ?, role = ?, status = ?, name_key = ? "
        "WHERE person_id = ?",
        [(p.unit_id, p.role.value, p.status.value, fold(p.full_name), p.id) for p in changed],
    )


async def all_followed(conn: Conn) -> dict[int, frozenset[int]]:
    """The units each cadre follows, by person id (people following nothing are left out)."""
    found: dict[int, set[int]] = {}
    async with conn.execute("SELECT person_id, unit_id FROM cadre_assignments") as cur:
        for row in await cur.fetchall():
            found.setdefault(int(row[0]), set()).add(int(row[1]))
    return {person_id: frozenset(units) for person_id, units in found.items()}


async def replace_followed(conn: Conn, follows: Mapping[int, Iterable[int]]) -> None:
    """Replace the units followed by each of these people (an empty set: none)."""
    await conn.executemany(
        "DELETE FROM cadre_assignments WHERE person_id = ?", [(pid,) for pid in follows]
    )
    await conn.executemany(
        "INSERT INTO cadre_assignments (person_id, unit_id) VALUES (?, ?)",
        [(pid, unit_id) for pid, units in follows.items() for unit_id in sorted(set(units))],
    )


async def with_account(conn: Conn) -> frozenset[int]:
    """The ids of the people linked to a chat account, on any channel."""
    async with conn.execute("SELECT DISTINCT person_id FROM chat_accounts") as cur:
        return frozenset(int(row[0]) for row in await cur.fetchall())


async def open_invite_codes(conn: Conn, now: datetime) -> dict[int, str]:
    """The newest unused, unexpired invite code of each person who has one, by person id."""
    # One read for the whole organisation, as the import needs; the invite flow itself uses
    # bot.storage.invites one person at a time.
    async with conn.execute(
        "SELECT person_id, code FROM invites WHERE used_at IS NULL AND expires_at > ? "
        "ORDER BY created_at, code",
        (ts(now),),
    ) as cur:
        return {int(row[0]): str(row[1]) for row in await cur.fetchall()}


async def all_invite_codes(conn: Conn) -> frozenset[str]:
    """Every invite code ever issued (codes are never reused)."""
    async with conn.execute("SELECT code FROM invites") as cur:
        return frozenset(str(row[0]) for row in await cur.fetchall())


async def insert_invites(
    conn: Conn,
    codes: Mapping[int, str],
    *,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store one new invite code per person (person id → code) in one statement."""
    await conn.executemany(
        "INSERT INTO invites (code, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        [(code, pid, ts(now), ts(expires_at)) for pid, code in codes.items()],
    )


async def end_open_delegations(conn: Conn, person_ids: Iterable[int]) -> None:
    """Withdraw these people's roll-call delegations for meetings whose roll-call is open."""
    # Delegations of meetings already closed are the record of who took the roll-call.
    await conn.executemany(
        "DELETE FROM delegates WHERE person_id = ? AND meeting_id IN "
        "(SELECT id FROM meetings WHERE rollcall_closed_at IS NULL)",
        [(person_id,) for person_id in person_ids],
    )
