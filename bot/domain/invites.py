"""Invite codes, finding one in what a person typed, and the rules that decide a link.

A code is 8 digits, shown as two groups ("4821 0937"): a 70-year-old can read it off a card and
type it on a phone's number pad, and the same digits ride in a Telegram deep link's start
parameter. Codes issued before (12 URL-safe characters) keep working until they expire.

Guessing. 8 digits are 10^8 codes; with N live codes a random guess hits one with probability
N / 10^8 (1 in 50,000 with 2,000 people waiting to link, 1 in 500 with 200,000). That is too
easy to leave open, so:

* each chat gets ``PER_CHAT_WRONG_TRIES`` wrong codes in ``PER_CHAT_WINDOW`` (5 a day); after
  the fifth it is told when it may try again, and until then even a right code is not looked up
  (else a guesser would simply keep guessing);
* a global brake: when ``GLOBAL_WRONG_TRIES`` wrong codes arrive from all chats together within
  ``GLOBAL_WINDOW`` (an hour), every chat waits until the hour's count falls back under it, and
  the admin is told (a warning in the log, an audit row, the count `chibo invites` prints).
  The brake caps what an attacker with any number of accounts can try at 24 x 60 = 1,440
  guesses a day: at 2,000 live codes, one wrong link every ~35 days of continuous attack
  (without it, every extra account adds 5 guesses a day, with no ceiling). The price is that
  the same attacker can pause linking for everyone; a late link costs a cell a day, a
  stranger linked as a member costs it its trust, and the pause is visible to the admin.

Only an 8-digit (or older long) code that does not exist counts as a wrong try: a code that
exists (used, expired, replaced) is no guess that worked, and "4821 093" cannot hit anything.
"""

from __future__ import annotations

import enum
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.models import ChatAccount, Invite

CODE_DIGITS = 8
PER_CHAT_WRONG_TRIES = 5
PER_CHAT_WINDOW = timedelta(days=1)
GLOBAL_WRONG_TRIES = 60
GLOBAL_WINDOW = timedelta(hours=1)

# Telegram carries the code as the deep-link start parameter: [A-Za-z0-9_-], at most 64.
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The codes issued before digits: secrets.token_urlsafe(9), 12 characters.
_LONG_CODE = re.compile(r"^[A-Za-z0-9_-]{12}$")
# Digits in groups, the groups apart by spaces, dots, dashes or underscores: "4821 0937",
# "4821-0937", "48.21.09.37".
_DIGIT_RUN = re.compile(r"\d+(?:[ \t.\-_]+\d+)*")
_GROUP = re.compile(r"\d+")
_START = re.compile(r"^/start(?:@\w+)?(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)
# Punctuation around a word typed by hand: "mã: Ab3dE_fGh1jK." ('-' and '_' belong to codes).
_AROUND = ".,;:!?()[]{}\"'«»“”‘’"


def new_code() -> str:
    """A random 8-digit code from the system's secure generator, stored without the space."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def show_code(code: str) -> str:
    """A code as people read it: "4821 0937" (older long codes unchanged)."""
    if len(code) == CODE_DIGITS and code.isdigit():
        return f"{code[:4]} {code[4:]}"
    return code


def code_shaped(text: str) -> bool:
    """Whether the text has the shape of a code ever issued: 8 digits, or 12 URL-safe characters.

    Only such a text is looked up, and only such a text, when not found, counts as a guess.
    """
    return (len(text) == CODE_DIGITS and text.isdigit()) or bool(_LONG_CODE.match(text))


def looks_like_code(text: str) -> bool:
    """Whether the text could be a code at all (anything else is not looked up)."""
    return bool(_CODE.match(text))


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot with the code."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


@dataclass(frozen=True)
class Found:
    """What a typed text holds: a code to look up, or something that was meant as one."""

    code: str
    well_formed: bool


def find_code(text: str) -> Found | None:
    """The code in what a person typed, or None when the text holds no attempt at one.

    Accepts "48210937", "4821 0937", "/start 48210937", "mã 4821 0937", "Ma so: 4821-0937 a",
    "Chào đồng chí, mã của tôi là 4821 0937 ạ, cảm ơn", full-width digits, and the older long
    codes alone, after /start or among words. Digits of the wrong length ("4821 093") are an
    attempt, answered "not right", not silence.
    """
    text = unicodedata.normalize("NFKC", text).strip()
    start = _START.match(text)
    if start:
        text = (start.group(1) or "").strip()
        if not text:
            return None
        if looks_like_code(text) and not text.isdigit():
            return Found(text, well_formed=code_shaped(text))
    long_code = _long_code_in(text)
    if long_code:
        return Found(long_code, well_formed=True)
    digits = _digits_in(text)
    if digits is None:
        # "/start" with something that is no code at all is still an attempt.
        return Found("", well_formed=False) if start else None
    return Found(digits, well_formed=len(digits) == CODE_DIGITS)


def _long_code_in(text: str) -> str | None:
    """An older 12-character code among the words: letters with digits, "-" or "_"."""
    for word in text.split():
        word = word.strip(_AROUND)
        if (
            _LONG_CODE.match(word)
            and any(ch.isalpha() for ch in word)
            and any(ch.isdigit() or ch in "-_" for ch in word)
        ):
            return word
    return None


def _digits_in(text: str) -> str | None:
    """The one 8-digit code in the text, or the digits that were meant as one, or None."""
    attempts: list[str] = []
    for run in _DIGIT_RUN.finditer(text):
        # Any script's digits count as the digits they are ("٤" is 4).
        groups = [
            "".join(str(unicodedata.digit(ch)) for ch in g) for g in _GROUP.findall(run.group())
        ]
        joined = "".join(groups)
        if len(joined) == CODE_DIGITS:
            return joined
        # "xóm 9 4821 0937": the groups that add up to 8 digits, if exactly one stretch does.
        # Each stretch starts at a group and stops once it reaches 8 digits: linear in the text.
        windows = set()
        for first in range(len(groups)):
            length = 0
            for last in range(first, len(groups)):
                length += len(groups[last])
                if length >= CODE_DIGITS:
                    if length == CODE_DIGITS:
                        windows.add("".join(groups[first : last + 1]))
                    break
        if len(windows) == 1:
            return windows.pop()
        if 5 <= len(joined) <= 12:
            attempts.append(joined)
    return attempts[0] if attempts else None


class LinkOutcome(enum.StrEnum):
    """What happens when an account presents an invite code."""

    LINKED = "linked"
    ALREADY_LINKED = "already_linked"  # this account is already this person's
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"  # a newer code was issued for the person; only that one works
    PERSON_TAKEN = "person_taken"  # the person has another account on this channel
    ACCOUNT_TAKEN = "account_taken"  # this account belongs to somebody else
    TOO_MANY_TRIES = "too_many_tries"  # wrong codes: this chat (or everyone) must wait
    NO_CODE = "no_code"  # the text holds no code


def decide_link(
    invite: Invite | None,
    *,
    this_account: ChatAccount | None,
    persons_account: ChatAccount | None,
    now: datetime,
    superseded: bool = False,
) -> LinkOutcome:
    """Decide the outcome of presenting a code; nothing is linked unless this says LINKED.

    ``persons_account`` is the person's account on the channel the code is presented on: a
    person may link Telegram and Zalo, one account on each.
    """
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
        return LinkOutcome.SUPERSEDED if superseded else LinkOutcome.EXPIRED
    return LinkOutcome.LINKED


def wait_until(
    chat_wrong: list[datetime], global_wrong: list[datetime], now: datetime
) -> datetime | None:
    """When this chat may try a code again, or None if it may now.

    ``chat_wrong``: this chat's wrong codes within PER_CHAT_WINDOW; ``global_wrong``: every
    chat's within GLOBAL_WINDOW. Both sorted oldest first.
    """
    waits = []
    if len(chat_wrong) >= PER_CHAT_WRONG_TRIES:
        waits.append(chat_wrong[-PER_CHAT_WRONG_TRIES] + PER_CHAT_WINDOW)
    if len(global_wrong) >= GLOBAL_WRONG_TRIES:
        waits.append(global_wrong[-GLOBAL_WRONG_TRIES] + GLOBAL_WINDOW)
    later = [moment for moment in waits if moment > now]
    return max(later) if later else None
