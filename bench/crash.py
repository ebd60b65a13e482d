"""Benchmark 4: SIGKILL in the middle of a notice wave and of a reply storm, then restart."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.harness import wait_until
from bench.scenario import Org, Run, finish, new_run
from bench.storm import ATTEND, Sent, answered, restart
from bench.wave import until_complete
from chibo_devtools.telegram import Faults, SentMessage

REASON_TEXT = "xin vắng vì ốm"


async def mid_wave(work: Path, org: Org) -> dict[str, Any]:
    """Telegram's limits on, 1% of sends answered 500 and 0.5% dropped; killed at 40%."""
    run = await new_run(work, f"crash-wave-{len(org.members)}", org, flood=True, max_rate=30)
    run.sim.faults = Faults(server_errors=0.01, drops=0.005)
    try:
        want = sum(org.expected.values())
        bot = await run.start_bot()
        await wait_until(lambda: sum(run.notices().values()) >= want * 0.4, 600, step=0.1)
        await bot.kill()
        at_kill = sum(run.notices().values())
        claimed = run.rows("SELECT COUNT(*) FROM notices WHERE state = 'sending'")[0][0]
        await asyncio.sleep(2)
        await run.start_bot()
        await until_complete(run)
        # A notice whose send failed waits for its retry (5 s, 10 s, 20 s… after each failure).
        await wait_until(
            lambda: not run.rows("SELECT 1 FROM notices WHERE state IN ('pending', 'sending')"),
            900,
            step=2,
        )
        await run.sim.wait_quiet(settle=3, timeout=60)
        lost, doubled = run.lost_and_duplicated()
        return {
            "expected": want,
            "at_kill": at_kill,
            "in_flight_at_kill": claimed,
            "lost": lost,
            "duplicated": doubled,
            "server_errors": run.sim.server_errors,
            "dropped": run.sim.dropped,
            "429": run.sim.rate_limited,
        }
    finally:
        await finish(run)


async def mid_storm(work: Path, org: Org) -> dict[str, Any]:
    """Every member answers within 30 s (half ✅, half "xin vắng vì ốm"); killed half-way,
    down for 5 s while the replies keep coming, restarted: is every answer recorded?"""
    run = await new_run(work, f"crash-storm-{len(org.members)}", org, flood=False, max_rate=0)
    try:
        await run.start_bot()
        await until_complete(run)
        await run.sim.wait_quiet(settle=2, timeout=60)
        assert run.bot is not None
        await run.bot.stop()
        await restart(run, limits=True)
        members = [uid for uid, n in sorted(org.expected.items()) if n == 1]
        intent: dict[int, str] = {}
        sent: list[Sent] = []
        half = len(members) // 2
        killed_at = 0.0
        began = time.monotonic()
        for i, uid in enumerate(members):
            delay = began + 30 * i / len(members) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if i == half:
                assert run.bot is not None
                await run.bot.kill()
                killed_at = time.monotonic()
            if i > half and _dead(run) and time.monotonic() - killed_at > 5:
                await run.start_bot()
            user = run.users[uid]
            before = len(user.events)
            if i % 2 == 0 and user.messages and user.messages[-1].button(ATTEND):
                user.press_nowait(ATTEND)
                intent[user.telegram_id] = "attend"
            else:
                user.send_nowait(REASON_TEXT)
                intent[user.telegram_id] = "absent"
            sent.append(Sent(user, time.monotonic(), before))
        if _dead(run):
            await run.start_bot()
        replies = await answered(sent, stall=90)
        await run.sim.wait_quiet(settle=3, timeout=120)
        stored = {
            str(external): str(said)
            for external, said in run.rows(
                "SELECT a.external_id, x.intent FROM answers x JOIN chat_accounts a "
                "ON a.person_id = x.person_id AND a.channel = 'telegram'"
            )
        }
        lost = sum(1 for uid, want in intent.items() if stored.get(str(uid)) != want)
        unhandled = run.rows("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL")[0][0]
        twice = sum(1 for s in sent if _answers_after(s) > 1)
        return {
            "replies": len(sent),
            "answers_lost": lost,
            "replies_unanswered": replies["replies"] - replies["answered"],
            "replies_answered_twice": twice,
            "inbox_left_unhandled": unhandled,
        }
    finally:
        await finish(run)


def _dead(run: Run) -> bool:
    """The bot was killed and not started again."""
    return (
        run.bot is not None
        and run.bot.process is not None
        and (run.bot.process.returncode is not None)
    )


def _answers_after(sent: Sent) -> int:
    """Messages the bot sent this member after their reply (one expected)."""
    events = sent.user.events[sent.events_before :]
    return sum(1 for event in events if isinstance(event, SentMessage))
