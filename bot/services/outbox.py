"""The outbox: which messages are due, what each needs to be written, how each send ended.

Every message the bot starts (notices, nudges, moves, ratings, flags, digests, messages about
kiến nghị, the monthly digests) is a row of one table; this is its one claim path.

Several processes on one database share the outbox. A claim names the process that made it
(`claimed_by`); when a process dies, the one that buries it puts back in the queue only the
messages the dead one was sending, and a process that stops puts back its own. Claims are taken
with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two processes never claim the same message.

The flood limits of a channel are the bot's, not one process's: while sending is paced (a
channel's `max_messages_per_second` above 0, the default), only the process holding the lease
`send` sends, pacing as one process does; the others claim nothing and take the lease when it
lapses (its holder renews it with each heartbeat, and loses it when it dies or stops). When
sending is not paced (0 for every channel this process sends on, e.g. a local Bot API server),
every process sends and the claims keep them apart. Whoever sends looks at the outbox every
`LOOK_EVERY` while idle, so a change made in another process reaches people within a second or
two; a process alone on its database (SQLite) is woken by the changes it makes itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.meetings import (
    Answer,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeState,
    Purpose,
    takes_part,
)
from bot.domain.models import ChatAccount, Person, Role, Unit
from bot.domain.petitions import Petition
from bot.services.reports import CellReport
from bot.services.workers import Worker
from bot.storage import (
    accounts,
    flags,
    meetings,
    outbox,
    people,
    petitions,
    reports,
    rollcall,
    units,
)
from bot.storage.db import Conn, Database
from bot.storage.dialect import POSTGRESQL

log = logging.getLogger(__name__)

# Telegram allows about one message a second to one chat: a person's next notice waits this
# long after the last, whatever the timing of the batches around it.
SAME_CHAT_GAP = timedelta(seconds=2)
# The lease of the one process that sends while sending is paced.
SEND_LEASE = "send"
# How often the sending process looks at the outbox while idle, when others share it.
LOOK_EVERY = timedelta(seconds=1)


@dataclass(frozen=True)
class PetitionNews:
    """What a message about a kiến nghị needs: the kiến nghị, its cell and people."""

    petition: Petition
    unit: Unit
    member: Person
    answerer: Person | None


@dataclass(frozen=True)
class Delivery:
    """One claimed message with everything needed to write and send it.

    A message about a meeting has `meeting`, `unit` (the cell) and the rest; one about a
    kiến nghị has `petition`; a monthly digest only its month (`notice.ref`).
    """

    notice: Notice
    person: Person
    account: ChatAccount
    meeting: Meeting | None = None
    unit: Unit | None = None
    parent: Unit | None = None
    answer: Answer | None = None
    flag: tuple[str, dict[str, str], str] | None = None  # kind, params, the member's name
    report: CellReport | None = None  # for a per-meeting digest
    petition: PetitionNews | None = None
    # A cadre's other notices of the day, about other cells, sent in this one message.
    bundle: tuple[Delivery, ...] = ()

    @property
    def notice_ids(self) -> list[int]:
        """The outbox rows this message stands for."""
        return [self.notice.id, *(d.notice.id for d in self.bundle)]

    @property
    def is_cadre(self) -> bool:
        """A cadre following the cell: told, but not asked to answer."""
        return self.meeting is not None and self.person.unit_id != self.meeting.unit_id

    @property
    def to_member(self) -> bool:
        """A message about a kiến nghị to the member who raised it."""
        return self.petition is not None and self.person.id == self.petition.petition.person_id

    @property
    def leads_cell(self) -> bool:
        """The cell's secretary or deputy: their notice also offers the list of answers."""
        return not self.is_cadre and self.person.role in (Role.SECRETARY, Role.DEPUTY)


async def recover(db: Database) -> int:
    """At start-up: messages claimed by no live process go back to the queue.

    Those of processes that died are handed on when they are buried (`hand_on`); this catches
    what no process owns any more (claimed before claims named a process, or by one that has
    left without handing them on).
    """
    async with db.transaction() as conn:
        return await outbox.release_orphans(conn)


async def hand_on(conn: Conn, dead: Sequence[str]) -> int:
    """Messages the processes `dead` were sending go back to the queue (in the burial's work)."""
    return await outbox.release_claims(conn, dead)


async def release(db: Database, notice_ids: list[int]) -> None:
    """Claimed messages that were not sent go back to the queue as they were."""
    async with db.transaction() as conn:
        for notice_id in notice_ids:
            await outbox.unclaim(conn, notice_id)


async def any_due(db: Database, now: datetime) -> bool:
    """Whether messages are waiting to go out now (some may wait for their chat's turn)."""
    async with db.transaction() as conn:
        return await outbox.any_due(conn, now)


async def next_due(db: Database) -> datetime | None:
    """When the earliest waiting message is due."""
    async with db.transaction() as conn:
        return await outbox.next_due(conn)


# A cadre following many cells gets the day's per-meeting digests and flags at this local
# hour, in one message (before the quiet hours begin).
ROLLUP_AT = time(20, 0)


async def claim(
    db: Database,
    now: datetime,
    limit: int,
    tz: ZoneInfo,
    *,
    busy: set[int] | None = None,
    rollup_past: int | None = None,
    by: str = "",
) -> list[Delivery]:
    """Claim due notices for the process `by`; ones that need not go are closed, not returned.

    At most one notice per person per batch, and none for the people sent one a moment ago
    (`busy`), so nobody gets two messages in the same second; theirs keep their place. A
    cadre following more than `rollup_past` cells gets digests and flags once a day.
    """
    deliveries: list[Delivery] = []
    postgresql = db.dialect == POSTGRESQL
    # On PostgreSQL the claims of several processes run side by side, not under the one-writer
    # lock: a claim locks the people it writes to, then their rows (SKIP LOCKED: no claim
    # waits for another), so no two claims take the same row or split a cadre's day.
    async with db.transaction(shared=postgresql) as conn:
        batch = await outbox.claim_due(conn, now, limit, busy or (), by=by, skip_locked=postgresql)
        seen: set[int] = set()
        taken: set[int] = set()  # rows that go inside a cadre's message of the day
        cache = await _Cache.load(conn, batch)
        many: dict[int, bool] = {}  # cadre → follows more than rollup_past cells
        for notice in batch:
            if notice.id in taken:
                continue
            delivery, skip = await _load(conn, cache, notice, now, tz)
            if delivery is None:
                await outbox.finish(conn, notice.id, NoticeState.SKIPPED, now=now, error=skip)
            elif notice.person_id in seen:
                await outbox.unclaim(conn, notice.id)
            else:
                if delivery.is_cadre and notice.purpose is Purpose.NOTICE:
                    delivery = await _cadre_day(conn, cache, delivery, batch, now, tz, by)
                    taken.update(delivery.notice_ids)
                elif (
                    rollup_past is not None
                    and delivery.is_cadre
                    and notice.purpose in _ROLLED_UP
                    and await _follows_many(conn, many, notice.person_id, rollup_past)
                ):
                    rollup = rollup_time(notice.due_at, tz)
                    if now < rollup:
                        await outbox.defer(conn, notice.id, rollup)
                        continue
                    delivery = await _rollup(conn, cache, delivery, batch, now, tz, by)
                    taken.update(delivery.notice_ids)
                seen.add(notice.person_id)
                deliveries.append(delivery)
    return deliveries


_ROLLED_UP = (Purpose.DIGEST, Purpose.FLAG)


def rollup_time(due_at: datetime, tz: ZoneInfo) -> datetime:
    """The roll-up a message due at `due_at` goes in: that day's, or the next day's when it
    falls due after that day's went (a flag of the evening's meeting, past 20:00)."""
    local = due_at.astimezone(tz)
    day = local.date() if local.time() <= ROLLUP_AT else local.date() + timedelta(days=1)
    return datetime.combine(day, ROLLUP_AT, tz)


async def _follows_many(conn: Conn, known: dict[int, bool], person_id: int, past: int) -> bool:
    if person_id not in known:
        assigned = await people.followed_units(conn, person_id)
        cells = await units.cells_under(conn, [u.id for u in assigned])
        known[person_id] = len(cells) > past
    return known[person_id]


async def _rollup(
    conn: Conn,
    cache: _Cache,
    delivery: Delivery,
    batch: list[Notice],
    now: datetime,
    tz: ZoneInfo,
    by: str,
) -> Delivery:
    """The day's per-meeting digests and flags of a cadre following many cells, together."""
    person = delivery.person
    mates = [n.id for n in batch if n.person_id == person.id and n.id != delivery.notice.id]
    rows = await outbox.of_person_due(
        conn, person.id, _ROLLED_UP, now, besides=delivery.notice.id, claimed=mates
    )
    return await _bundled(conn, cache, delivery, rows, mates, now, tz, by)


async def _cadre_day(
    conn: Conn,
    cache: _Cache,
    delivery: Delivery,
    batch: list[Notice],
    now: datetime,
    tz: ZoneInfo,
    by: str,
) -> Delivery:
    """A cadre's notices due today about the cells they follow go in one message.

    A cadre following ten (or 7,000) cells would otherwise get a notice per cell and per
    reminder; each row stays in the outbox, sent with this one, as the record of the notice.
    """
    person = delivery.person
    tomorrow = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(), tz)
    mates = [n.id for n in batch if n.person_id == person.id and n.id != delivery.notice.id]
    rows = await outbox.cadre_day(
        conn, person.id, tomorrow, besides=delivery.notice.id, claimed=mates
    )
    return await _bundled(conn, cache, delivery, rows, mates, now, tz, by)


async def _bundled(
    conn: Conn,
    cache: _Cache,
    delivery: Delivery,
    rows: list[Notice],
    mates: list[int],
    now: datetime,
    tz: ZoneInfo,
    by: str,
) -> Delivery:
    """`delivery` carrying the cadre's `rows` that still need to go (the others closed)."""
    bundle: list[Delivery] = []
    for row in rows:
        other, skip = await _load(conn, cache, row, now, tz)
        if other is None:
            await outbox.finish(conn, row.id, NoticeState.SKIPPED, now=now, error=skip)
        elif other.is_cadre:
            bundle.append(other)
    return dataclasses.replace(delivery, bundle=await _take(conn, bundle, mates, by))


async def _take(
    conn: Conn, bundle: list[Delivery], mates: list[int], by: str
) -> tuple[Delivery, ...]:
    """Claim the rows going inside a message; those another process claimed first stay out."""
    taken = await outbox.take(
        conn, [d.notice.id for d in bundle if d.notice.id not in mates], by=by
    )
    return tuple(d for d in bundle if d.notice.id in taken or d.notice.id in mates)


class _Cache:
    """What a batch needs, read in a few queries: a wave is many people of few cells."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self._meetings: dict[int, Meeting | None] = {}
        self._units: dict[int, Unit | None] = {}
        self.people: dict[int, Person] = {}
        self.accounts: dict[int, ChatAccount] = {}
        self.answers: dict[tuple[int, int], Answer] = {}

    @classmethod
    async def load(cls, conn: Conn, batch: list[Notice]) -> _Cache:
        """Read the batch's people, their accounts and answers at once."""
        cache = cls(conn)
        person_ids = [n.person_id for n in batch]
        cache.people = await people.get_many(conn, person_ids)
        cache.accounts = await accounts.preferred_of_people(conn, person_ids)
        cache.answers = await meetings.answers_of(
            conn, [(n.meeting_id, n.person_id) for n in batch if n.meeting_id is not None]
        )
        return cache

    async def meeting(self, meeting_id: int) -> Meeting | None:
        if meeting_id not in self._meetings:
            self._meetings[meeting_id] = await meetings.get(self.conn, meeting_id)
        return self._meetings[meeting_id]

    async def unit(self, unit_id: int) -> Unit | None:
        if unit_id not in self._units:
            self._units[unit_id] = await units.get(self.conn, unit_id)
        return self._units[unit_id]


async def _load(
    conn: Conn, cache: _Cache, notice: Notice, now: datetime, tz: ZoneInfo
) -> tuple[Delivery | None, str]:
    person = cache.people.get(notice.person_id)
    if person is None:
        return None, "gone"
    account = cache.accounts.get(person.id)
    if account is None:
        return None, "not linked"
    if notice.purpose.about_petition:
        return await _petition(conn, notice, person, account)
    if not notice.purpose.about_meeting:  # a monthly digest: written when it is sent
        return Delivery(notice, person, account), ""
    assert notice.meeting_id is not None
    meeting = await cache.meeting(notice.meeting_id)
    if meeting is None:
        return None, "gone"
    reminder = notice.purpose in (Purpose.NOTICE, Purpose.NUDGE)
    after = notice.purpose in (Purpose.RATING, Purpose.FLAG, Purpose.DIGEST)
    if meeting.revision != notice.revision and (reminder or notice.purpose is Purpose.MOVED):
        return None, "superseded"
    if reminder and (meeting.status is MeetingStatus.CANCELLED or meeting.starts_at <= now):
        return None, "meeting no longer ahead"
    in_cell = person.unit_id == meeting.unit_id
    if in_cell and not takes_part(person) and not after:
        return None, "exempt"
    answer = cache.answers.get((meeting.id, person.id))
    if notice.purpose is Purpose.NUDGE and answer is not None:
        return None, "already answered"
    if notice.purpose is Purpose.RATING and await rollcall.rating_of(conn, meeting.id, person.id):
        return None, "already rated"
    flag = None
    if notice.purpose is Purpose.FLAG:
        flag = await _flag(conn, notice.ref)
        if flag is None:
            return None, "flag cleared"
    unit = await cache.unit(meeting.unit_id)
    assert unit is not None
    parent = await cache.unit(unit.parent_id) if unit.parent_id else None
    report = None
    if notice.purpose is Purpose.DIGEST:
        data, flags = await reports.cell_month(conn, unit.id, unit.name, meeting.month, tz, now)
        report = CellReport(data, tuple(flags), unit)
    delivery = Delivery(
        notice, person, account, meeting, unit, parent, answer, flag, report=report
    )
    return delivery, ""


async def _petition(
    conn: Conn, notice: Notice, person: Person, account: ChatAccount
) -> tuple[Delivery | None, str]:
    """A message about a kiến nghị: skipped once it no longer needs to go."""
    petition = await petitions.get(conn, int(notice.ref))
    if petition is None:
        return None, "gone"
    if notice.purpose is not Purpose.PETITION_ANSWERED and not petition.status.is_open:
        return None, "answered already"
    member = await people.get(conn, petition.person_id)
    unit = await units.get(conn, petition.unit_id)
    assert member is not None
    assert unit is not None
    answerer = await people.get(conn, petition.answered_by) if petition.answered_by else None
    news = PetitionNews(petition, unit, member, answerer)
    return Delivery(notice, person, account, unit=unit, petition=news), ""


async def _flag(conn: Conn, key: str) -> tuple[str, dict[str, str], str] | None:
    """A flag that still holds, with the name of the member it is about."""
    found = await flags.holds(conn, key)
    if found is None:
        return None
    kind, params, person_id = found
    person = await people.get(conn, person_id) if person_id else None
    return kind, params, person.full_name if person else ""


class SentLog:
    """Records sent notices as soon as each is sent, many in one transaction (group commit).

    While one write is under way, the notices sent meanwhile wait for the next one, so a wave
    costs a few transactions a second instead of one per message, and the sender goes on to
    the next message at once; `flush` waits until everything noted is written.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[tuple[int, str, str]] = []
        self._writer: asyncio.Task[None] | None = None

    def note(self, notice_id: int, message_id: str, channel: str, now: datetime) -> None:
        """Record one sent message (written within a moment)."""
        self._waiting.append((notice_id, message_id, channel))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(now))

    async def flush(self) -> None:
        """Wait until every noted notice is in the database."""
        while self._writer is not None and not self._writer.done():
            await self._writer

    async def _write(self, now: datetime) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            # Rows this process claimed, written by id: no read to guard, so on PostgreSQL
            # the writes of several processes need not wait for one another.
            async with self._db.transaction(shared=True) as conn:
                await outbox.sent_many(conn, batch, now)


async def unreachable(db: Database, delivery: Delivery, now: datetime, error: str) -> None:
    """The person blocked the bot or never opened it: mark them, so the secretary calls."""
    async with db.transaction() as conn:
        await outbox.finish(
            conn,
            delivery.notice.id,
            NoticeState.FAILED,
            now=now,
            error=error,
            channel=delivery.account.channel,
        )
        await accounts.set_reachable(
            conn, delivery.account.channel, delivery.account.external_id, False
        )


async def retry_later(db: Database, notice_id: int, until: datetime, error: str) -> None:
    """A passing failure (429, network): try again later; never dropped."""
    async with db.transaction() as conn:
        await outbox.postpone(conn, notice_id, until, error)


async def failed(db: Database, notice_id: int, now: datetime, error: str) -> None:
    """A failure that will not pass by retrying (the platform refused the message itself)."""
    async with db.transaction() as conn:
        await outbox.finish(conn, notice_id, NoticeState.FAILED, now=now, error=error)


class SendingTurn:
    """Whether this process sends now, and its eye on the outbox when others share it."""

    def __init__(
        self,
        db: Database,
        worker: Worker,
        *,
        paced: bool,
        wake: Callable[[], None],
        ready: Callable[[], bool],
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.worker = worker
        # Paced sending has one sender for the whole bot (the flood limits are the bot's).
        self.paced = paced
        self.wake = wake
        self.ready = ready  # False in quiet hours: nothing to look for then
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        worker.on_dead(self._hand_on)

    @property
    def shared(self) -> bool:
        """Whether other processes may be sending from the same outbox: always, as a second
        process may join at any moment (on PostgreSQL, or on one SQLite file of this machine);
        one process alone simply holds the lease."""
        return True

    def sends(self) -> bool:
        """Whether this process sends now: alone, unpaced, or holding the lease `send`."""
        return not self.shared or not self.paced or self.worker.holds(SEND_LEASE)

    async def start(self) -> None:
        """Put back what no process owns, take the turn if it is free, and keep looking."""
        released = await recover(self.db)
        if released:
            log.warning(
                "%d messages were being sent when the bot stopped; they go again", released
            )
        if self.shared:
            if self.paced:
                await self.worker.hold(SEND_LEASE)
            self._task = asyncio.create_task(self._look_every(), name="chibo-outbox-watch")

    async def stop(self) -> None:
        """Stop looking; the lease goes when the worker leaves."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def look(self) -> None:
        """Take the turn if it has lapsed; wake the engine when this process sends and
        something is due (one indexed query)."""
        if self.paced and not self.worker.holds(SEND_LEASE):
            if not await self.worker.hold(SEND_LEASE):
                return  # another process sends
            log.info("this process sends from now on")
            self.wake()
            return
        if self.ready() and await any_due(self.db, self.clock()):
            self.wake()

    async def _look_every(self) -> None:
        while True:
            await asyncio.sleep(LOOK_EVERY.total_seconds())
            try:
                await self.look()
            except Exception:
                log.exception("looking at the outbox failed; it looks again")

    async def _hand_on(self, conn: Conn, dead: list[str]) -> None:
        released = await hand_on(conn, dead)
        if released:
            log.warning("%d messages a stopped process was sending go out again", released)
            self.wake()  # the engine looks once this unit of work is committed
