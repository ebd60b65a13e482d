"""Asking a person for free text (an answer, a comment) and reading their next text as that."""

from __future__ import annotations

from datetime import timedelta

from bot.chat.turn import Turn
from bot.storage import prompts
from bot.storage.prompts import Prompt

# A question left unanswered this long is forgotten: the next text is read as usual.
WAITS = timedelta(hours=24)


async def expect(turn: Turn, kind: str, ref: int, *, waits: timedelta = WAITS) -> None:
    """From now on, this person's next text is read as `kind` about `ref`."""
    assert turn.actor is not None
    now = turn.now()
    async with turn.db.transaction() as conn:
        await prompts.expect(conn, turn.actor.person.id, kind, ref, now=now, until=now + waits)


async def waiting(turn: Turn) -> Prompt | None:
    """What the bot waits for from this person, if anything."""
    if turn.actor is None:
        return None
    async with turn.db.transaction() as conn:
        return await prompts.waiting(conn, turn.actor.person.id, turn.now())


async def done(turn: Turn) -> bool:
    """Stop waiting; whether something was awaited."""
    if turn.actor is None:
        return False
    async with turn.db.transaction() as conn:
        return await prompts.done(conn, turn.actor.person.id)
