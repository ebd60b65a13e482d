"""Invite codes and the rule that decides whether a code links an account."""

from __future__ import annotations

import enum
import re
import secrets
from datetime import datetime

from bot.domain.models import ChatAccount, Invite

# Telegram carries the code as the deep-link start parameter: [A-Za-z0-9_-], at most 64.
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_code() -> str:
    """A random, unguessable code (72 bits) that fits a Telegram deep link."""
    return secrets.token_urlsafe(9)


def looks_like_code(text: str) -> bool:
    """Whether the text could be a code at all (anything else is not looked up)."""
    return bool(_CODE.match(text))


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot with the code."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


class LinkOutcome(enum.StrEnum):
    """What happens when an account presents an invite code."""

    LINKED = "linked"
    ALREADY_LINKED = "already_linked"  # this account is already this person's
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    PERSON_TAKEN = "person_taken"  # the person is linked to another account
    ACCOUNT_TAKEN = "account_taken"  # this account belongs to somebody else


def decide_link(
    invite: Invite | None,
    *,
    this_account: ChatAccount | None,
    persons_account: ChatAccount | None,
    now: datetime,
) -> LinkOutcome:
    """Decide the outcome of presenting a code; nothing is linked unless this says LINKED."""
    if invite is None:
        return LinkOutcome.ALREADY_LINKED if this_account else LinkOutcome.UNKNOWN
    if this_account is not None:
        if this_account.person_id == invite.person_id:
            return LinkOutcome.ALREADY_LINKED
        return LinkOutcome.ACCOUNT_TAKEN
    if invite.used_at is not None:
        return LinkOutcome.USED
    if persons_account is not None:
        return LinkOutcome.PERSON_TAKEN
    if invite.expires_at <= now:
        return LinkOutcome.EXPIRED
    return LinkOutcome.LINKED
