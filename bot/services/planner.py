"""The planner: meetings created ahead, missing meetings flagged, monthly digests queued."""

from __future__ import annotations

from datetime import datetime

from bot.config import Config
from bot.services import meetings, reports, rollcall
from bot.services.meetings import Rules
from bot.storage.db import Database


async def plan(db: Database, config: Config, rules: Rules, now: datetime) -> None:
    """Everything that becomes due with the passing of time (run every few hours)."""
    await meetings.ensure_upcoming(db, rules, now)
    await rollcall.check_missing_meetings(db, rules, config.rules.meeting_deadline_day, now)
    await reports.queue_monthly(db, config.digest.monthly_day, rules.tz, now)
