"""Who is talking: from a chat account to the person and what they follow."""

from __future__ import annotations

from bot.domain.access import Actor
from bot.domain.text import natural_key
from bot.storage import accounts, people, units
from bot.storage.db import Database


async def resolve(
    db: Database, channel: str, external_id: str, *, is_admin: bool = False
) -> Actor | None:
    """The linked person behind an account, or None for a stranger."""
    async with db.transaction() as conn:
        account = await accounts.get(conn, channel, external_id)
        if account is None:
            return None
        person = await people.get(conn, account.person_id)
        if person is None:
            return None
        unit = await units.get(conn, person.unit_id)
        assert unit is not None  # a membership always names an existing unit
        parent = await units.get(conn, unit.parent_id) if unit.parent_id else None
        assigned = await people.followed_units(conn, person.id)
        followed = sorted(
            await units.cells_under(conn, [u.id for u in assigned]),
            key=lambda unit: natural_key(unit.path),
        )
        if not account.reachable:
            # They wrote to us, so they can be reached again.
            await accounts.set_reachable(conn, channel, external_id, True)
    return Actor(
        person=person, unit=unit, parent=parent, followed=tuple(followed), is_admin=is_admin
    )
