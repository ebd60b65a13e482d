"""Loading the organisation file into the database: atomic, idempotent, reported.

The file is read unit by unit: a cell with a member row in the file (or a committee unit with
cadre rows, when the file also lists cells below it) is *covered*, and its rows are then the
whole of that unit. Someone in a covered unit whose name is not in the file
has left it: either they moved (their name appears in exactly one other unit of the same file,
with the same phone when both phones are given), or they are no longer a member there (every
leader right ends at once and their status becomes "đã chuyển sinh hoạt"). A member of a cell
the file does not cover moves only on the same name and the same phone. Units the file does
not mention are left alone, so a file for one cell, or one listing a single new cadre, changes
nothing elsewhere. The whole file is applied in one transaction with a handful of statements
(read everything once, write with executemany), so a bad row applies nothing.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.domain.invites import new_code
from bot.domain.models import N_, MemberStatus, Person, Role, Unit
from bot.domain.orgfile import OrgRow, RowError, UnitPath, format_path, parse_path, read_org_file
from bot.domain.text import fold
from bot.domain.units import unit_kind
from bot.storage import audit, people, units
from bot.storage.db import Database

MSG_AMBIGUOUS_MOVE = N_(
    "Không rõ «{name}» có phải người đã rời {old} không (nhiều người cùng tên). "
    "Hãy ghi số điện thoại của người này (và của người cùng tên) rồi nhập lại."
)


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
    # Set when the role changed, so the report can say which right was given or taken.
    role_before: Role | None = None
    role_after: Role | None = None


@dataclass(frozen=True)
class Move:
    """A person the file lists in another unit than before: the same person, moved."""

    name: str
    old_unit: str
    new_unit: str


@dataclass(frozen=True)
class Dropped:
    """A person missing from a unit the file covers: no longer a member there, no rights."""

    name: str
    unit: str
    role_before: Role


@dataclass
class ImportReport:
    """What an import did, or the errors that stopped it."""

    errors: tuple[RowError, ...] = ()
    units_added: list[str] = field(default_factory=list)
    people_added: list[str] = field(default_factory=list)
    people_changed: list[Change] = field(default_factory=list)
    people_unchanged: int = 0
    moved: list[Move] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    invites: list[InviteRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the file was applied."""
        return not self.errors

    @property
    def changed_anything(self) -> bool:
        """Whether the database differs from before."""
        return bool(
            self.units_added
            or self.people_added
            or self.people_changed
            or self.moved
            or self.dropped
        )


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
        every_unit = await units.all_units(conn)
        unit_ids, added_units = _plan_units(
            every_unit, _all_paths(org.rows), await units.next_id(conn)
        )
        unit_paths = {u.id: u.path for u in (*every_unit, *added_units)}
        plan = _plan_people(
            org.rows,
            unit_ids,
            unit_paths,
            await people.everyone_keyed(conn),
            await people.all_followed(conn),
            report,
        )
        if plan.errors:
            return ImportReport(errors=tuple(plan.errors))  # nothing written yet
        await units.insert_many(conn, added_units, now=now)
        report.units_added = [u.path for u in added_units]
        await people.update_many(conn, plan.updated, now=now)
        # A roll-call delegation is a committee member's right: it ends with the role.
        await people.end_open_delegations(
            conn,
            [
                p.id
                for p in plan.updated
                if p.role not in _DELEGABLE or p.status is MemberStatus.TRANSFERRED
            ],
        )
        added = await people.insert_many(conn, plan.new, now=now)
        for index, newcomer in zip(plan.new_rows, added, strict=True):
            plan.row_people[index] = newcomer
            if org.rows[index].follows:
                plan.follows[newcomer.id] = {unit_ids[p] for p in org.rows[index].follows}
        await people.replace_followed(conn, plan.follows)
        if with_invites:
            linked = await people.with_account(conn)
            codes = await people.open_invite_codes(conn, now)
            # 8-digit codes collide now and then at this scale, and a code is never reused:
            # every code ever issued is read once and new ones are drawn around them.
            taken = set(await people.all_invite_codes(conn))
            fresh: dict[int, str] = {}
            for row, someone in zip(org.rows, plan.row_people, strict=True):
                assert someone is not None  # every row has its person by now
                if someone.id in linked:
                    continue
                code = codes.get(someone.id) or fresh.get(someone.id)
                if code is None:
                    code = _unused_code(taken)
                    fresh[someone.id] = code
                report.invites.append(
                    InviteRow(unit=format_path(row.unit), name=row.name, role=row.role, code=code)
                )
            await people.insert_invites(
                conn, fresh, now=now, expires_at=now + timedelta(days=invite_days)
            )
        await audit.record_many(
            conn,
            now=now,
            actor=actor,
            entries=[
                *(("org.move", m.name, f"{m.old_unit} → {m.new_unit}") for m in report.moved),
                *(("org.drop", d.name, f"{d.unit}: {d.role_before}") for d in report.dropped),
                (
                    "org.import",
                    path.name,
                    f"units+{len(report.units_added)} people+{len(report.people_added)} "
                    f"changed {len(report.people_changed)} moved {len(report.moved)} "
                    f"dropped {len(report.dropped)}",
                ),
            ],
        )
    return report


def _unused_code(taken: set[str]) -> str:
    """A new invite code not among ``taken`` (which then holds it too)."""
    while (code := new_code()) in taken:
        pass
    taken.add(code)
    return code


def _all_paths(rows: Iterable[OrgRow]) -> list[UnitPath]:
    """Every unit the file names, with all the units above them, parents first."""
    paths: set[UnitPath] = set()
    for row in rows:
        for path in (row.unit, *row.follows):
            paths.update(path[:i] for i in range(1, len(path) + 1))
    return sorted(paths, key=lambda p: (len(p), p))


def _plan_units(
    existing: Sequence[Unit], paths: list[UnitPath], next_id: int
) -> tuple[dict[UnitPath, int], list[Unit]]:
    """The id of every path (parents first), and the units to add for paths not yet there."""
    by_path = {u.path: u.id for u in existing}
    ids: dict[UnitPath, int] = {}
    added: list[Unit] = []
    for path in paths:
        text = format_path(path)
        if text not in by_path:
            unit = Unit(
                id=next_id,
                parent_id=ids[path[:-1]] if len(path) > 1 else None,
                kind=unit_kind(path[-1]),
                name=path[-1],
                path=text,
            )
            next_id += 1
            added.append(unit)
            by_path[text] = unit.id
        ids[path] = by_path[text]
    return ids, added


@dataclass
class _Plan:
    """What to write: people to update, to add (with their rows), and follows to replace."""

    row_people: list[Person | None]
    updated: list[Person] = field(default_factory=list)
    new: list[people.NewPerson] = field(default_factory=list)
    new_rows: list[int] = field(default_factory=list)
    follows: dict[int, set[int]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


_FIELDS = ("full_name", "phone", "role", "status")
_DELEGABLE = (Role.SECRETARY, Role.DEPUTY, Role.COMMITTEE)


def _plan_people(
    rows: Sequence[OrgRow],
    unit_ids: dict[UnitPath, int],
    unit_paths: dict[int, str],
    keyed: Sequence[tuple[Person, str]],
    followed: dict[int, frozenset[int]],
    report: ImportReport,
) -> _Plan:
    """Match every row to a person (same unit and name, or a move), note every difference."""
    everyone = [person for person, _key in keyed]
    by_slot = {(p.unit_id, key): p for p, key in keyed}
    slots = [(unit_ids[row.unit], row.name_key) for row in rows]
    in_file = set(slots)
    covered = _covered(rows, unit_ids)
    new_rows = [i for i, slot in enumerate(slots) if slot not in by_slot]
    left = [p for p, key in keyed if p.unit_id in covered and (p.unit_id, key) not in in_file]
    plan = _Plan(row_people=[None] * len(rows))
    moves = _pair_moves(rows, slots, new_rows, left, unit_paths, plan.errors)
    moves.update(_moves_from_elsewhere(rows, slots, new_rows, moves, keyed, covered, in_file))
    for index, (row, slot) in enumerate(zip(rows, slots, strict=True)):
        current = by_slot.get(slot) or moves.get(index)
        follows = {unit_ids[path] for path in row.follows} if row.follows else set()
        if current is None:
            plan.new.append(
                people.NewPerson(row.name, row.phone, slot[0], row.role, row.status, row.name_key)
            )
            plan.new_rows.append(index)
            report.people_added.append(f"{row.name} ({unit_paths[slot[0]]})")
            continue
        if (
            current.full_name == row.name
            and current.phone == row.phone
            and current.unit_id == slot[0]
            and current.role is row.role
            and current.status is row.status
        ):
            wanted, changed = current, []  # the common case of a re-import, kept cheap
        else:
            wanted = dataclasses.replace(
                current,
                full_name=row.name,
                phone=row.phone,
                unit_id=slot[0],
                role=row.role,
                status=row.status,
            )
            changed = [f for f in _FIELDS if getattr(current, f) != getattr(wanted, f)]
            plan.updated.append(wanted)
        plan.row_people[index] = wanted
        if followed.get(current.id, frozenset()) != follows:
            plan.follows[current.id] = follows
            changed.append("follows")
        if wanted.unit_id != current.unit_id:
            report.moved.append(
                Move(row.name, unit_paths[current.unit_id], unit_paths[wanted.unit_id])
            )
        elif changed:
            role_changed = "role" in changed
            report.people_changed.append(
                Change(
                    row.name,
                    unit_paths[slot[0]],
                    tuple(changed),
                    current.role if role_changed else None,
                    wanted.role if role_changed else None,
                )
            )
        else:
            report.people_unchanged += 1
    moved_ids = {p.id for p in moves.values()}
    for person in left:
        if person.id not in moved_ids:
            _drop(person, plan, followed, unit_paths, report)
    seen = {p.id for p in plan.row_people if p is not None} | {p.id for p in left}
    report.not_in_file = [p.full_name for p in everyone if p.id not in seen]
    return plan


def _covered(rows: Sequence[OrgRow], unit_ids: dict[UnitPath, int]) -> set[int]:
    """The units whose rows in this file are the whole unit.

    A cell is covered when the file has a member row in it. A committee unit (where cadres
    sit) is covered when the file has cadre rows there and member rows in cells below it: a
    file listing one new cadre alone adds them without touching the other cadres.
    """
    cells = {row.unit for row in rows if row.role is not Role.CADRE}
    above = {cell[:size] for cell in cells for size in range(1, len(cell))}
    return {
        unit_ids[row.unit]
        for row in rows
        if row.unit in cells or (row.role is Role.CADRE and row.unit in above)
    }


def _drop(
    person: Person,
    plan: _Plan,
    followed: dict[int, frozenset[int]],
    unit_paths: dict[int, str],
    report: ImportReport,
) -> None:
    """Someone missing from a unit the file covers: every right ends, the record stays."""
    # A cadre keeps the cadre role (a member role would make their committee unit look like a
    # cell) but follows nothing any more, which is what gave them rights.
    role = Role.CADRE if person.role is Role.CADRE else Role.MEMBER
    wanted = dataclasses.replace(person, role=role, status=MemberStatus.TRANSFERRED)
    follows = followed.get(person.id, frozenset())
    if wanted == person and not follows:
        return  # dropped by an earlier import already
    if wanted != person:
        plan.updated.append(wanted)
    if follows:
        plan.follows[person.id] = set()
    report.dropped.append(Dropped(person.full_name, unit_paths[person.unit_id], person.role))


def _moves_from_elsewhere(
    rows: Sequence[OrgRow],
    slots: Sequence[tuple[int, str]],
    new_rows: Sequence[int],
    moves: dict[int, Person],
    keyed: Sequence[tuple[Person, str]],
    covered: set[int],
    in_file: set[tuple[int, str]],
) -> dict[int, Person]:
    """Members of cells this file does not cover who appear in a cell it does: same phone.

    A file for the new cell alone then moves the person too. Only the same name *and* the
    same phone, unique on both sides, count (namesakes are common), and only between cells:
    a cadre row is never taken for a member of some cell.
    """
    waiting = [
        i for i in new_rows if i not in moves and rows[i].phone and rows[i].role is not Role.CADRE
    ]
    if not waiting:
        return {}
    outside: dict[tuple[str, str | None], list[Person]] = defaultdict(list)
    for person, key in keyed:
        if (
            person.unit_id not in covered
            and person.phone
            and person.role is not Role.CADRE
            and (person.unit_id, key) not in in_file
        ):
            outside[(key, person.phone)].append(person)
    asked = Counter((slots[i][1], rows[i].phone) for i in waiting)
    found: dict[int, Person] = {}
    for index in waiting:
        wanted = (slots[index][1], rows[index].phone)
        if asked[wanted] == 1 and len(outside.get(wanted, ())) == 1:
            found[index] = outside[wanted][0]
    return found


def _pair_moves(
    rows: Sequence[OrgRow],
    slots: Sequence[tuple[int, str]],
    new_rows: Sequence[int],
    left: Sequence[Person],
    unit_paths: dict[int, str],
    errors: list[RowError],
) -> dict[int, Person]:
    """Rows that are a move of someone who left a covered unit: row index → that person.

    A move is one name leaving one unit and appearing in one other unit of the same file,
    the phones equal when both are given. A phone given on both sides pairs namesakes when it
    is unique on both sides. Different phones on both sides: two people, no move. Anything
    else with the same name on both sides is ambiguous: an error on the row, never a guess.
    """
    arrived: dict[str, list[int]] = defaultdict(list)
    for index in new_rows:
        arrived[slots[index][1]].append(index)
    departed: dict[str, list[Person]] = defaultdict(list)
    for person in left:
        departed[fold(person.full_name)].append(person)
    moves: dict[int, Person] = {}
    for key in sorted(arrived.keys() & departed.keys()):
        here, gone = list(arrived[key]), list(departed[key])
        for index in list(here):
            phone = rows[index].phone
            same = [p for p in gone if phone and p.phone == phone]
            rivals = [i for i in here if rows[i].phone == phone]
            if len(same) == 1 and len(rivals) == 1:
                moves[index] = same[0]
                here.remove(index)
                gone.remove(same[0])
        if len(here) == 1 and len(gone) == 1:
            phone, before = rows[here[0]].phone, gone[0].phone
            if not (phone and before and phone != before):
                moves[here[0]] = gone[0]
                continue
        unknown = [p for p in gone if not p.phone]
        crowded = len(here) > 1 or len(gone) > 1
        if here and gone and crowded and (unknown or any(not rows[i].phone for i in here)):
            for index in here:
                errors.append(
                    RowError(
                        rows[index].line,
                        None,
                        MSG_AMBIGUOUS_MOVE,
                        {
                            "name": rows[index].name,
                            "old": "; ".join(sorted(unit_paths[p.unit_id] for p in gone)),
                        },
                    )
                )
    return moves
