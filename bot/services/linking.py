"""Linking a chat account to a person with a one-time invite code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.invites import LinkOutcome, decide_link, looks_like_code, new_code
from bot.domain.models import Invite, Person
from bot.storage import accounts, audit, invites, people
from bot.storage.db import Database


@dataclass(frozen=True)
class LinkResult:
    """The outcome, and the person concerned when there is one to name."""

    outcome: LinkOutcome
    person: Person | None = None


async def link_account(
    db: Database,
    *,
    channel: str,
    external_id: str,
    code: str,
    language_code: str | None,
    now: datetime,
) -> LinkResult:
    """Present a code for an account; links it only when the rules allow, in one unit of work."""
    async with db.transaction() as conn:
        this_account = await accounts.get(conn, channel, external_id)
        invite = await invites.get(conn, code) if looks_like_code(code) else None
        persons_account = (
            await accounts.of_person(conn, channel, invite.person_id) if invite else None
        )
        outcome = decide_link(
            invite, this_account=this_account, persons_account=persons_account, now=now
        )
        # The person to name in the answer: the account's own, or the one the code is for.
        person_id = this_account.person_id if this_account else None
        if outcome is LinkOutcome.PERSON_TAKEN and invite:
            person_id = invite.person_id
        if outcome is LinkOutcome.LINKED:
            assert invite is not None
            person_id = invite.person_id
            await invites.mark_used(conn, invite.code, f"{channel}:{external_id}", now)
            await accounts.insert(
                conn,
                channel=channel,
                external_id=external_id,
                person_id=invite.person_id,
                language_code=language_code,
                now=now,
            )
        if outcome is not LinkOutcome.ALREADY_LINKED:
            await audit.record(
                conn,
                now=now,
                actor=f"{channel}:{external_id}",
                action=f"link.{outcome.value}",
                subject=f"person:{invite.person_id}" if invite else "code:unknown",
            )
        person = await people.get(conn, person_id) if person_id else None
    return LinkResult(outcome, person)


async def issue_invite(
    db: Database, person_id: int, *, now: datetime, valid_days: int, actor: str
) -> Invite:
    """A fresh code for a person; any older open code stops working."""
    async with db.transaction() as conn:
        await invites.expire_open(conn, person_id, now)
        invite = await invites.insert(
            conn,
            code=new_code(),
            person_id=person_id,
            now=now,
            expires_at=now + timedelta(days=valid_days),
        )
        await audit.record(
            conn, now=now, actor=actor, action="invite.issue", subject=f"person:{person_id}"
        )
    return invite
