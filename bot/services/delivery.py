"""The one delivery engine: every message the bot starts goes out from here, on any channel.

The database says what is due; the engine claims it, has it written in the reader's language
(`render`), and hands it to the `Sender` of the channel the person used last. How each send
ended is recorded at once: sent, to be tried again later (held in the database, with backoff),
unreachable (the person blocked the bot: recorded once, shown to the secretary), or rejected.
Nothing goes out in quiet hours. Anything that makes a message due calls `wake`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.services import outbox
from bot.services.meetings import Rules
from bot.services.outbox import Delivery
from bot.storage.db import Database
from bot.views.reply import Reply

log = logging.getLogger(__name__)

# About one second's worth of Telegram's overall limit; each sender paces within it.
BATCH = 30
# Never wait longer than this without looking at the database again (a clock that jumps).
LONGEST_SLEEP = timedelta(minutes=10)


@dataclass(frozen=True)
class Sent:
    """The platform took the message."""

    message_id: str


@dataclass(frozen=True)
class RetryAfter:
    """Flood control: this channel must wait before sending anything more."""

    seconds: float


@dataclass(frozen=True)
class Unreachable:
    """The person blocked the bot, or never opened it: the secretary should call them."""

    error: str


@dataclass(frozen=True)
class Rejected:
    """The platform refused the message itself: trying again would not help."""

    error: str


@dataclass(frozen=True)
class Trouble:
    """A passing failure (network, a server error): try again a little later."""

    error: str


SendResult = Sent | RetryAfter | Unreachable | Rejected | Trouble


class Sender(Protocol):
    """One channel's way of sending a message to one chat."""

    channel: str

    async def send(self, address: str, replies: Sequence[Reply]) -> SendResult:
        """Send the replies to the chat `address`; how it ended."""
        ...


Render = Callable[[Delivery], Awaitable[list[Reply]]]


class Pacer:
    """Paces a channel's sends a little under its allowed rate, and adapts to flood waits.

    At most `rate` sends (rounded down) leave in any one second, counted when each really
    leaves, so a pause of the event loop cannot bunch them up; and never two much closer than
    an even step. A flood wait (429) holds every send for the time asked and lowers the rate
    by a tenth; each send that goes through brings it back a little, up to the ceiling. One
    pacer per channel, shared by all that sends on it (the Telegram rate limiter, Zalo's sender).
    """

    UNDER = 0.97  # the share of the allowed rate aimed at: jitter on the way uses the rest
    SLOWER = 0.9  # the rate after a flood wait, as a share of the rate before
    FLOOR = 0.5  # never slower than this share of the allowed rate
    RECOVER = 600  # sends without a flood wait to climb from the floor back to the ceiling
    WINDOW = 1.0  # seconds: the platforms count their limits per second
    STEP = 0.95  # the closest two sends may be, as a share of an even step (some catch-up)

    def __init__(self, per_second: float) -> None:
        self.ceiling = per_second * self.UNDER
        self.rate = self.ceiling
        self.floods = 0
        self._left: deque[float] = deque()  # loop times of the sends of the last window
        self._held = 0.0  # loop time a flood wait ends
        self._lock = asyncio.Lock()

    async def turn(self) -> None:
        """Wait until this send may leave (at once when pacing is off)."""
        if self.ceiling <= 0:
            return
        loop = asyncio.get_running_loop()
        async with self._lock:  # first come, first served
            while True:
                now = loop.time()
                left = self._left
                while left and left[0] <= now - self.WINDOW:
                    left.popleft()
                most = max(1, int(self.rate))
                at = self._held
                if left:
                    at = max(at, left[-1] + self.STEP / self.rate)
                if len(left) >= most:
                    at = max(at, left[-most] + self.WINDOW)
                if at <= now:
                    left.append(now)
                    return
                await asyncio.sleep(at - now)

    def flooded(self, seconds: float) -> None:
        """The platform asked to wait: hold every send that long, then go on more slowly."""
        self.floods += 1
        if self.ceiling <= 0:
            return
        now = asyncio.get_running_loop().time()
        self._held = max(self._held, now + seconds)
        self.rate = max(self.ceiling * self.FLOOR / self.UNDER, self.rate * self.SLOWER)

    def went(self) -> None:
        """A send went through: the rate climbs back towards the ceiling."""
        if self.ceiling > 0:
            self.rate = min(self.ceiling, self.rate + self.ceiling / self.RECOVER)


def backoff(attempts: int) -> timedelta:
    """How long to wait before trying a message again after a passing failure."""
    return timedelta(seconds=min(600, 5 * 2 ** min(attempts, 7)))


class Engine:
    """Claims what is due, paces it per chat, sends it per channel, records how it ended."""

    def __init__(
        self,
        db: Database,
        rules: Rules,
        senders: Mapping[str, Sender],
        render: Render,
        clock: Callable[[], datetime],
        *,
        rollup_past: int | None = None,
    ) -> None:
        self.db = db
        self.rollup_past = rollup_past  # cadres following more cells get a daily roll-up
        self.rules = rules
        self.senders = dict(senders)
        self.render = render
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._held: dict[str, float] = {}  # channel → loop time its flood wait ends
        self._running = asyncio.Lock()
        # Several processes on one database (set by the runtime): who claims, and whether this
        # process sends now (paced sending has one sender, see bot.services.outbox).
        self.claimer = ""
        self.sends: Callable[[], bool] = lambda: True

    def wake(self) -> None:
        """Look at the outbox now (something was made due)."""
        self._wake.set()

    def start(self) -> None:
        """Run in the background until `stop`."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="chibo-delivery")

    async def stop(self) -> None:
        """Stop the background loop; what is claimed and unsent goes back to the queue."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.deliver_due()
                # Not sending: sleep until the runtime wakes this engine to take over.
                delay = await self._until_next() if self.sends() else LONGEST_SLEEP.total_seconds()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the delivery engine failed; trying again in a minute")
                delay = 60.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _until_next(self) -> float:
        """Seconds until the next message is due (or quiet hours end), capped."""
        now = self.clock()
        due = await outbox.next_due(self.db)
        if due is None:
            return LONGEST_SLEEP.total_seconds()
        moment = max(due, self.rules.send_time(now))
        return min(max(0.0, (moment - now).total_seconds()), LONGEST_SLEEP.total_seconds())

    async def deliver_due(self) -> int:
        """Send every message that is due now; returns how many went out."""
        async with self._running:  # one sending run at a time
            if not self.sends():
                return 0  # another process sends
            if self.rules.send_time(self.clock()) > self.clock():
                return 0  # quiet hours: nothing goes out until they end
            return await self._deliver()

    async def _deliver(self) -> int:
        loop = asyncio.get_running_loop()
        recent: dict[int, float] = {}  # person → when their last message of this run was claimed
        gap = outbox.SAME_CHAT_GAP.total_seconds()
        total = 0

        def claim_next() -> asyncio.Task[list[Delivery]]:
            now = loop.time()
            for person in [p for p, at in recent.items() if now - at >= gap]:
                del recent[person]
            return asyncio.ensure_future(
                outbox.claim(
                    self.db,
                    self.clock(),
                    BATCH,
                    self.rules.tz,
                    busy=set(recent),
                    rollup_past=self.rollup_past,
                    by=self.claimer,
                )
            )

        # The next batch is claimed while this one is being sent, so the pacing never waits
        # for the database; nobody told a moment ago is in it.
        claiming = claim_next()
        sent_log = outbox.SentLog(self.db)
        # Sends under way: the next batch starts while the last ones of this batch are still
        # on the wire, so the pace never stops for the slowest answer of a batch.
        flying: set[asyncio.Task[int]] = set()

        async def land(until: int) -> int:
            nonlocal flying
            count = 0
            while len(flying) > until:
                done, flying = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
                count += sum(task.result() for task in done)
            return count

        try:
            while True:
                if not self.sends():
                    break  # another process took the sending over (this one had stalled)
                batch = await claiming
                if not batch:
                    total += await land(0)
                    # A batch can come back empty because every row in it needed not go
                    # (closed in the claim): look again while anything is due.
                    if not await outbox.any_due(self.db, self.clock()):
                        break
                    if recent:  # what is left waits for its chat's turn
                        await asyncio.sleep(max(0.0, min(recent.values()) + gap - loop.time()))
                    claiming = claim_next()
                    continue
                recent.update(dict.fromkeys((d.person.id for d in batch), loop.time()))
                claiming = claim_next()
                flying |= {asyncio.create_task(self._send(d, sent_log)) for d in batch}
                total += await land(BATCH // 2)
            total += await land(0)
        finally:
            for task in flying:
                task.cancel()
            if flying:
                await asyncio.wait(flying)
            await sent_log.flush()
            left = [] if claiming.cancelled() else await claiming
            if left:  # only when sending failed outright: the claimed batch waits its turn
                await outbox.release(self.db, [i for d in left for i in d.notice_ids])
        return total

    async def _send(self, delivery: Delivery, sent_log: outbox.SentLog) -> int:
        """Send one message and record how it ended; a passing failure is retried, never lost."""
        notice, channel = delivery.notice, delivery.account.channel
        sender = self.senders.get(channel)
        if sender is None:
            # A channel not running in this process: the message waits for it.
            if delivery.bundle:
                await outbox.release(self.db, [d.notice.id for d in delivery.bundle])
            await outbox.retry_later(
                self.db, notice.id, self.clock() + backoff(notice.attempts), "no sender"
            )
            return 0
        await self._wait_for_channel(channel)
        replies = await self.render(delivery)
        result = await sender.send(delivery.account.external_id, replies)
        now = self.clock()
        if not isinstance(result, Sent) and delivery.bundle:
            # The rows that went inside this message wait with it (the first row leads).
            await outbox.release(self.db, [d.notice.id for d in delivery.bundle])
        match result:
            case Sent(message_id):
                for notice_id in delivery.notice_ids:
                    sent_log.note(notice_id, message_id, channel, now)
                return 1
            case RetryAfter(seconds):
                self._hold(channel, seconds)
                await outbox.retry_later(
                    self.db, notice.id, now + timedelta(seconds=seconds), "429"
                )
            case Unreachable(error):
                await outbox.unreachable(self.db, delivery, now, error)
            case Rejected(error):
                log.error("message %s refused by %s: %s", notice.id, channel, error)
                await outbox.failed(self.db, notice.id, now, error)
            case Trouble(error):
                await outbox.retry_later(self.db, notice.id, now + backoff(notice.attempts), error)
        return 0

    def _hold(self, channel: str, seconds: float) -> None:
        """A flood wait applies to the whole channel, not only to the message that got it."""
        until = asyncio.get_running_loop().time() + seconds
        self._held[channel] = max(self._held.get(channel, 0.0), until)

    async def _wait_for_channel(self, channel: str) -> None:
        until = self._held.get(channel)
        if until is None:
            return
        left = until - asyncio.get_running_loop().time()
        if left > 0:
            await asyncio.sleep(left)
        else:
            self._held.pop(channel, None)
