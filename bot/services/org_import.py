"""Loading the organisation file into the database: atomic, idempotent, reported."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiosqlite

from bot.domain.invites import new_code
from bot.domain.models import Person, Role
from bot.domain.orgfile import OrgRow, RowError, UnitPath, format_path, parse_path, read_org_file
from bot.domain.units import unit_kind
from bot.storage import accounts, audit, invites, people, units
from bot.storage.db import Database

CHANNEL = "telegram"


@dataclass(frozen=True)
class InviteRow:
    """One line of the invites file."""

    unit: str
    name: str
    role: Role
    code: str


@dataclass(frozen=True)
class Change:
    """A person whose record the import changed, and which fields."""

    name: str
    unit: str
    fields: tuple[str, ...]


@dataclass
class ImportReport:
    """What an import did, or the errors that stopped it."""

    errors: tuple[RowError, ...] = ()
    units_added: list[str] = field(default_factory=list)
    people_added: list[str] = field(default_factory=list)
    people_changed: list[Change] = field(default_factory=list)
    people_unchanged: int = 0
    not_in_file: list[str] = field(default_factory=list)
    invites: list[InviteRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the file was applied."""
        return not self.errors

    @property
    def changed_anything(self) -> bool:
        """Whether the database differs from before."""
        return bool(self.units_added or self.people_added or self.people_changed)


async def import_org_file(
    db: Database,
    path: Path,
    *,
    now: datetime,
    with_invites: bool = False,
    invite_days: int = 30,
    actor: str = "cli",
) -> ImportReport:
    """Read the file and apply it in one unit of work; with errors, apply nothing."""
    async with db.transaction() as conn:
        known = [p for u in await units.all_units(conn) if (p := parse_path(u.path))]
    org = read_org_file(path, known_units=known)
    if org.errors:
        return ImportReport(errors=org.errors)
    report = ImportReport()
    async with db.transaction() as conn:
        unit_ids = await _ensure_units(conn, _all_paths(org.rows), now, report)
        seen: set[int] = set()
        for row in org.rows:
            person = await _apply_row(conn, row, unit_ids, now, report)
            seen.add(person.id)
            if with_invites and await accounts.of_person(conn, CHANNEL, person.id) is None:
                report.invites.append(await _invite_for(conn, row, person, now, invite_days))
        report.not_in_file = [p.full_name for p in await people.everyone(conn) if p.id not in seen]
        await audit.record(
            conn,
            now=now,
            actor=actor,
            action="org.import",
            subject=path.name,
            detail=(
                f"units+{len(report.units_added)} people+{len(report.people_added)} "
                f"changed {len(report.people_changed)}"
            ),
        )
    return report


def _all_paths(rows: Iterable[OrgRow]) -> list[UnitPath]:
    """Every unit the file names, with all the units above them, parents first."""
    paths: set[UnitPath] = set()
    for row in rows:
        for path in (row.unit, *row.follows):
            paths.update(path[:i] for i in range(1, len(path) + 1))
    return sorted(paths, key=lambda p: (len(p), p))


async def _ensure_units(
    conn: aiosqlite.Connection, paths: list[UnitPath], now: datetime, report: ImportReport
) -> dict[UnitPath, int]:
    existing = {u.path: u.id for u in await units.all_units(conn)}
    ids: dict[UnitPath, int] = {}
    for path in paths:
        text = format_path(path)
        if text not in existing:
            parent = ids[path[:-1]] if len(path) > 1 else None
            unit = await units.insert(
                conn,
                parent_id=parent,
                kind=unit_kind(path[-1]),
                name=path[-1],
                path=text,
                now=now,
            )
            existing[text] = unit.id
            report.units_added.append(text)
        ids[path] = existing[text]
    return ids


async def _apply_row(
    conn: aiosqlite.Connection,
    row: OrgRow,
    unit_ids: dict[UnitPath, int],
    now: datetime,
    report: ImportReport,
) -> Person:
    """Add or update the row's person (and what a cadre follows), noting what changed."""
    where = format_path(row.unit)
    unit_id = unit_ids[row.unit]
    follows = {unit_ids[path] for path in row.follows}
    current = await people.find_in_unit(conn, unit_id, row.name)
    if current is None:
        person = await people.insert(
            conn,
            full_name=row.name,
            phone=row.phone,
            unit_id=unit_id,
            role=row.role,
            status=row.status,
            now=now,
        )
        await people.set_followed_units(conn, person.id, follows)
        report.people_added.append(f"{row.name} ({where})")
        return person
    wanted = dataclasses.replace(
        current, full_name=row.name, phone=row.phone, role=row.role, status=row.status
    )
    changed = [
        name
        for name in ("full_name", "phone", "role", "status")
        if getattr(current, name) != getattr(wanted, name)
    ]
    if changed:
        await people.update(conn, wanted, now=now)
    if {u.id for u in await people.followed_units(conn, current.id)} != follows:
        await people.set_followed_units(conn, current.id, follows)
        changed.append("follows")
    if changed:
        report.people_changed.append(Change(row.name, where, tuple(changed)))
    else:
        report.people_unchanged += 1
    return wanted


async def _invite_for(
    conn: aiosqlite.Connection, row: OrgRow, person: Person, now: datetime, days: int
) -> InviteRow:
    """The person's open invite, or a new one: re-running an import keeps the same codes."""
    invite = await invites.open_for(conn, person.id, now)
    if invite is None:
        invite = await invites.insert(
            conn,
            code=new_code(),
            person_id=person.id,
            now=now,
            expires_at=now + timedelta(days=days),
        )
    return InviteRow(unit=format_path(row.unit), name=row.name, role=row.role, code=invite.code)
