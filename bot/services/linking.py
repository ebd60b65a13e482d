"""Linking a chat account to a person with a one-time invite code, on any channel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.invites import (
    GLOBAL_WINDOW,
    GLOBAL_WRONG_TRIES,
    PER_CHAT_WINDOW,
    PER_CHAT_WRONG_TRIES,
    Found,
    LinkOutcome,
    decide_link,
    find_code,
    new_code,
    wait_until,
)
from bot.domain.models import Invite, Person
from bot.storage import accounts, audit, invites, people
from bot.storage.db import Conn, Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkResult:
    """The outcome, the person concerned when there is one to name, and the limits' state."""

    outcome: LinkOutcome
    person: Person | None = None
    retry_at: datetime | None = None  # TOO_MANY_TRIES, or the wrong try that used the last one
    tries_left: int | None = None  # after a wrong code: how many more today


async def link_by_text(
    db: Database,
    channel: str,
    external_id: str,
    text: str,
    language_code: str | None,
    now: datetime,
) -> LinkResult:
    """Find a code in what a chat typed and present it: the one way in, for every channel."""
    found = find_code(text)
    if found is None:
        return LinkResult(LinkOutcome.NO_CODE)
    return await _present(db, channel, external_id, found, language_code, now)


async def link_account(
    db: Database,
    *,
    channel: str,
    external_id: str,
    code: str,
    language_code: str | None,
    now: datetime,
) -> LinkResult:
    """Present what followed /start: a Telegram deep link's parameter, or a code typed."""
    found = find_code(f"/start {code}") or Found("", well_formed=False)
    return await _present(db, channel, external_id, found, language_code, now)


async def _present(
    db: Database,
    channel: str,
    external_id: str,
    found: Found,
    language_code: str | None,
    now: datetime,
) -> LinkResult:
    """Check the limits, look the code up, link if the rules allow: one unit of work."""
    actor = f"{channel}:{external_id}"
    async with db.transaction() as conn:
        this_account = await accounts.get(conn, channel, external_id)
        chat_wrong = await invites.wrong_tries(
            conn,
            now - PER_CHAT_WINDOW,
            newest=PER_CHAT_WRONG_TRIES,
            channel=channel,
            external_id=external_id,
        )
        global_wrong = await invites.wrong_tries(
            conn, now - GLOBAL_WINDOW, newest=GLOBAL_WRONG_TRIES
        )
        retry_at = wait_until(chat_wrong, global_wrong, now)
        if retry_at is not None:
            # Turned away: counted, not audited one by one (a flood would fill the log).
            await invites.record_try(
                conn,
                channel=channel,
                external_id=external_id,
                now=now,
                outcome=LinkOutcome.TOO_MANY_TRIES.value,
                wrong=False,
                refused=True,
            )
            return LinkResult(LinkOutcome.TOO_MANY_TRIES, retry_at=retry_at)
        invite = await invites.get(conn, found.code) if found.well_formed else None
        persons_account = (
            await accounts.of_person(conn, channel, invite.person_id) if invite else None
        )
        superseded = invite is not None and await invites.replaced(conn, invite)
        outcome = decide_link(
            invite,
            this_account=this_account,
            persons_account=persons_account,
            now=now,
            superseded=superseded,
        )
        # Only a well-formed code that is not there can be a guess; it counts, linked or not.
        wrong = invite is None and found.well_formed
        await invites.record_try(
            conn,
            channel=channel,
            external_id=external_id,
            now=now,
            outcome=outcome.value,
            wrong=wrong,
            refused=False,
        )
        if outcome is LinkOutcome.LINKED:
            assert invite is not None
            await _link(conn, invite, channel, external_id, language_code, now)
        # Digits of the wrong length can link nothing: counted above, not worth an audit row.
        if found.well_formed and (outcome is not LinkOutcome.ALREADY_LINKED or wrong):
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action=f"link.{LinkOutcome.UNKNOWN.value if wrong else outcome.value}",
                subject=f"person:{invite.person_id}" if invite else "code:unknown",
            )
        # The person to name in the answer: the account's own, or the one the code is for.
        person_id = this_account.person_id if this_account else None
        if outcome in (LinkOutcome.PERSON_TAKEN, LinkOutcome.LINKED) and invite:
            person_id = invite.person_id
        person = await people.get(conn, person_id) if person_id else None
        tries_left = None
        if wrong:
            tries_left = max(0, PER_CHAT_WRONG_TRIES - len(chat_wrong) - 1)
            if tries_left == 0:
                retry_at = wait_until([*chat_wrong, now], [], now)
                assert retry_at is not None
                await _locked(conn, actor, retry_at, now)
            global_wrong.append(now)
            if len(global_wrong) == GLOBAL_WRONG_TRIES:
                await _brake(conn, actor, global_wrong, now)
    return LinkResult(outcome, person, retry_at=retry_at, tries_left=tries_left)


async def _link(
    conn: Conn,
    invite: Invite,
    channel: str,
    external_id: str,
    language_code: str | None,
    now: datetime,
) -> None:
    await invites.mark_used(conn, invite.code, f"{channel}:{external_id}", now)
    await accounts.insert(
        conn,
        channel=channel,
        external_id=external_id,
        person_id=invite.person_id,
        language_code=language_code,
        now=now,
    )
    await accounts.seen(conn, channel, external_id, now)


async def _locked(conn: Conn, actor: str, until: datetime, now: datetime) -> None:
    """The chat used its last wrong try: one audit row, one warning."""
    log.warning(
        "%s typed %d wrong invite codes; waits until %s", actor, PER_CHAT_WRONG_TRIES, until
    )
    await audit.record(
        conn,
        now=now,
        actor=actor,
        action="link.locked",
        subject=f"chat:{actor}",
        detail=f"until {until.isoformat(timespec='minutes')}",
    )


async def _brake(conn: Conn, actor: str, wrong: list[datetime], now: datetime) -> None:
    """Wrong codes from every chat reached the hour's limit: everyone waits; the admin is told."""
    until = wrong[-GLOBAL_WRONG_TRIES] + GLOBAL_WINDOW
    log.warning(
        "%d wrong invite codes within %s from all chats: linking paused until %s",
        GLOBAL_WRONG_TRIES,
        GLOBAL_WINDOW,
        until,
    )
    await audit.record(
        conn,
        now=now,
        actor=actor,
        action="link.brake",
        subject="invites",
        detail=f"until {until.isoformat(timespec='minutes')}",
    )


async def issue_invite(
    db: Database, person_id: int, *, now: datetime, valid_days: int, actor: str
) -> Invite:
    """A fresh code for a person; any older open code stops working."""
    async with db.transaction() as conn:
        invite = await _issue(conn, person_id, now=now, valid_days=valid_days)
        await audit.record(
            conn, now=now, actor=actor, action="invite.issue", subject=f"person:{person_id}"
        )
    return invite


async def _issue(conn: Conn, person_id: int, *, now: datetime, valid_days: int) -> Invite:
    await invites.expire_open(conn, person_id, now)
    return await invites.insert(
        conn,
        code=new_code(),
        person_id=person_id,
        now=now,
        expires_at=now + timedelta(days=valid_days),
    )
