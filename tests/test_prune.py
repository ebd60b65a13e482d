"""Pruning: delivery rows older than storage.keep_months go; a year's record stays."""

from __future__ import annotations

from bot.app import ChiboApp, plan_now
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram
from tests.helpers import Clock, deliver, linked


async def _sent(db: Database, month: str) -> int:
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT COUNT(*) FROM notices n JOIN meetings m ON m.id = n.meeting_id "
            "WHERE m.month = ? AND n.state = 'sent'",
            (month,),
        )
    return int(next(iter(rows))[0])


async def test_old_notices_are_pruned_and_a_year_is_kept(
    app: ChiboApp,
    sim: FakeTelegram,
    clock: Clock,
    invite_codes: dict[str, str],
    storage: Database,
) -> None:
    """The notices of December's meeting are still on record a year later, and gone once the
    meeting is older than 13 months; the meeting itself stays."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    await deliver(app, clock, sim, days=8, hours=4, minutes=31)
    assert any("THÔNG BÁO SINH HOẠT" in (m.text or "") for m in binh.messages)
    sent = await _sent(storage, "2026-12")
    assert sent > 0
    clock.advance(days=365)
    await plan_now(app)
    assert await _sent(storage, "2026-12") == sent
    clock.advance(days=40)
    await plan_now(app)
    assert await _sent(storage, "2026-12") == 0
    async with storage.transaction() as conn:
        kept = await conn.execute_fetchall("SELECT COUNT(*) FROM meetings WHERE month = '2026-12'")
    assert int(next(iter(kept))[0]) > 0
