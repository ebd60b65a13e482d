"""The planner: meetings created ahead, missing meetings flagged, monthly digests queued,
old delivery rows pruned."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.config import Config
from bot.services import meetings, reports, rollcall
from bot.services.meetings import Rules
from bot.storage import outbox
from bot.storage.db import Database

log = logging.getLogger(__name__)


async def plan(db: Database, config: Config, rules: Rules, now: datetime) -> None:
    """Everything that becomes due with the passing of time (run every few hours)."""
    await meetings.ensure_upcoming(db, rules, now)
    await rollcall.check_missing_meetings(db, rules, config.rules.meeting_deadline_day, now)
    await reports.queue_monthly(db, config.digest.monthly_day, rules.tz, now)
    await prune(db, config.storage.keep_months, rules, now)


def months_before(now: datetime, months: int, rules: Rules) -> datetime:
    """The same local moment `months` calendar months earlier (the day clamped to 28)."""
    local = now.astimezone(rules.tz)
    index = local.year * 12 + local.month - 1 - months
    return local.replace(year=index // 12, month=index % 12 + 1, day=min(local.day, 28))


async def prune(db: Database, keep_months: int, rules: Rules, now: datetime) -> int:
    """Delete delivery rows older than `keep_months` (the record keeps what it needs)."""
    async with db.transaction() as conn:
        gone = await outbox.prune(conn, months_before(now, keep_months, rules))
    if gone:
        log.info("%d delivery rows older than %d months pruned", gone, keep_months)
    return gone
