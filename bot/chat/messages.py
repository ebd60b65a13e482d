"""The messages the bot starts, written in the reader's language for the delivery engine."""

from __future__ import annotations

import asyncio

from bot.charts import digest_chart
from bot.chat.commands import command_name
from bot.chat.turn import Core
from bot.domain.access import Action
from bot.domain.digest import CellMonth
from bot.domain.meetings import Purpose
from bot.i18n import Translator
from bot.services import reports
from bot.services.delivery import Render
from bot.services.outbox import Delivery
from bot.views.digest import (
    chart_labels,
    chart_title,
    meeting_digest,
    monthly_caption,
    monthly_digest,
)
from bot.views.meetings import (
    FollowedMeeting,
    RollupItem,
    answer_choices,
    cadre_day_texts,
    notice_text,
    rollup_texts,
)
from bot.views.petitions import petition_message
from bot.views.reply import File, Reply
from bot.views.reports import rendered
from bot.views.rollcall import flag_text, rating_choices, rating_request_text


def renderer(core: Core) -> Render:
    """The engine's way of writing a claimed message, with this core's catalogs and data."""

    async def render(delivery: Delivery) -> list[Reply]:
        t = core.catalogs.pick(delivery.person.language, delivery.account.language_code)
        purpose = delivery.notice.purpose
        if purpose.about_petition:
            return [petition_message(t, delivery, core.rules.tz)]
        if purpose is Purpose.MONTHLY:
            return [Reply(await _monthly_text(core, t, delivery))]
        if purpose is Purpose.MONTHLY_CHART:
            return [await _monthly_chart(core, t, delivery)]
        if purpose is Purpose.NOTICE and delivery.is_cadre:
            return [Reply(text) for text in _cadre_day(t, delivery, core)]
        if delivery.bundle:  # a cadre's roll-up of the day's digests and flags
            items = [_rollup_item(t, d) for d in (delivery, *delivery.bundle)]
            command = command_name(t, Action.REPORT)
            texts = rollup_texts(t, delivery.person, [i for i in items if i], command)
            return [Reply(text) for text in texts]
        return [meeting_message(t, delivery, core)]

    return render


def _cadre_day(t: Translator, delivery: Delivery, core: Core) -> list[str]:
    """A cadre's one notice of the day, listing every followed cell's meeting falling due."""
    items: dict[int, FollowedMeeting] = {}
    for each in (delivery, *delivery.bundle):
        assert each.meeting is not None
        assert each.unit is not None
        items.setdefault(each.meeting.id, FollowedMeeting(each.meeting, each.unit, each.parent))
    return cadre_day_texts(t, delivery.person, list(items.values()), core.rules.tz)


def _rollup_item(t: Translator, delivery: Delivery) -> RollupItem | None:
    """A flag or a per-meeting digest as one line of a cadre's roll-up."""
    meeting, unit = delivery.meeting, delivery.unit
    if meeting is None or unit is None:
        return None
    commune = delivery.parent.name if delivery.parent else None
    if delivery.flag is not None:
        kind, params, name = delivery.flag
        reason = flag_text(t, kind, params, name, unit).split("\n", 1)[-1]
        return RollupItem(unit.id, unit.name, commune, meeting.month, reason=reason)
    if delivery.report is not None:
        digest = rendered(t, delivery.report)
        return RollupItem(unit.id, unit.name, commune, meeting.month, digest=digest)
    return None


def meeting_message(t: Translator, delivery: Delivery, core: Core) -> Reply:
    """A notice, nudge, move, cancellation, rating request, flag or per-meeting digest."""
    purpose, meeting, unit = delivery.notice.purpose, delivery.meeting, delivery.unit
    assert meeting is not None
    assert unit is not None
    tz = core.rules.tz
    if purpose is Purpose.RATING:
        return Reply(rating_request_text(t, meeting, unit, tz), rating_choices(t, meeting.id))
    if purpose is Purpose.DIGEST:
        assert delivery.report is not None
        parent = delivery.parent.name if delivery.parent else None
        return Reply(meeting_digest(t, rendered(t, delivery.report), parent))
    if purpose is Purpose.FLAG:
        assert delivery.flag is not None
        kind, params, name = delivery.flag
        return Reply(flag_text(t, kind, params, name, unit))
    text = notice_text(
        t,
        purpose=purpose,
        meeting=meeting,
        unit=unit,
        person=delivery.person,
        is_cadre=delivery.is_cadre,
        answer=delivery.answer,
        tz=tz,
    )
    if delivery.is_cadre or purpose is Purpose.CANCELLED:
        return Reply(text)
    return Reply(text, answer_choices(t, meeting.id, with_roster=delivery.leads_cell))


async def _months(core: Core, t: Translator, delivery: Delivery) -> list[CellMonth]:
    cells = await reports.followed_cells(core.db, delivery.person.id)
    month = delivery.notice.ref
    found = await reports.month_reports(core.db, cells, month, core.rules.tz, core.now())
    return [rendered(t, r) for r in found]


async def _monthly_text(core: Core, t: Translator, delivery: Delivery) -> str:
    months = await _months(core, t, delivery)
    return monthly_digest(t, delivery.person.full_name, delivery.notice.ref, months)


async def _monthly_chart(core: Core, t: Translator, delivery: Delivery) -> Reply:
    month = delivery.notice.ref
    cells = await reports.followed_cells(core.db, delivery.person.id)
    months = await _months(core, t, delivery)
    trend = await reports.trend(core.db, cells, month, core.rules.tz)
    # Drawing hundreds of charts must not keep the bot from reading its messages.
    png = await asyncio.to_thread(
        digest_chart, months, trend, chart_title(t, month), chart_labels(t)
    )
    return Reply(monthly_caption(t, month), file=File(png, f"bao-cao-{month}.png", is_photo=True))
