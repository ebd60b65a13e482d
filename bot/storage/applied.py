"""Effects already applied, by the update that caused them: a replay never applies twice.

A channel adapter names the update being handled (`handling`); a use case whose effect must
not be repeated calls `first_time` inside the same transaction as the effect. The update is
marked handled only after its handlers ran, so after a crash it is handled again: the effects
already committed are then skipped, the rest applied, and the replies said again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from bot.storage._util import ts
from bot.storage.db import Conn

_CURRENT: ContextVar[str | None] = ContextVar("chibo_update", default=None)


@contextmanager
def handling(key: str) -> Iterator[None]:
    """Within this block, effects are keyed by this update (the channel and its update id)."""
    token = _CURRENT.set(key)
    try:
        yield
    finally:
        _CURRENT.reset(token)


async def first_time(conn: Conn, effect: str, now: datetime) -> bool:
    """Whether the current update has not yet applied `effect` (and record that it now has).

    Outside an update (a job, the command line) every effect is a first time.
    """
    update = _CURRENT.get()
    if update is None:
        return True
    cur = await conn.execute(
        "INSERT INTO applied (key, applied_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        (f"{update}:{effect}", ts(now)),
    )
    return cur.rowcount > 0


async def forget_before(conn: Conn, moment: datetime) -> int:
    """Drop keys older than any update that could still be replayed."""
    cur = await conn.execute("DELETE FROM applied WHERE applied_at < ?", (ts(moment),))
    return cur.rowcount
