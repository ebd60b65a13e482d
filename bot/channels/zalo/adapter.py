"""A Zalo message as a conversation turn: a command, a pick of the last offer, or free text."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Final

from bot import chat
from bot.channels.zalo import store
from bot.channels.zalo.render import decode_offer
from bot.channels.zalo.updates import ZaloMessage
from bot.chat import prompts, scoring
from bot.chat.fallback import not_understood, unknown_command
from bot.chat.feature import Replies
from bot.chat.turn import Core, Turn
from bot.domain.acts import Act, RollCall
from bot.services import identity
from bot.storage import accounts
from bot.views import zalo as texts
from bot.views.reply import say

CHANNEL: Final = "zalo"
# "1" picks from the chat's last offer for this long (a notice is often answered next day).
OFFER_FRESH: Final = timedelta(days=2)

_WORDS: Final = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5,
    "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10,
}  # fmt: skip
_NUMBER: Final = re.compile(r"(?:(?:số|so|chọn|chon|no\.?)\s*)?(\d{1,4})\s*[.)]?", re.IGNORECASE)
# Words that close the roll-call, whatever the close choice's label.
_CLOSE_WORDS: Final = frozenset({"xong", "đóng", "kết thúc", "done", "close"})


async def turn_of(core: Core, message: ZaloMessage) -> Turn:
    """Who is talking and in which language; the account is marked as used now."""
    actor = await identity.resolve(core.db, CHANNEL, message.chat_id)
    async with core.db.transaction() as conn:
        await accounts.seen(conn, CHANNEL, message.chat_id, core.now())
    t = core.catalogs.pick(actor.person.language if actor else None, None)
    return Turn(core=core, channel=CHANNEL, address=message.chat_id, actor=actor, t=t)


def number_in(text: str) -> int | None:
    """The number a reply stands for: "1", "1.", "số 1", "một"; None for anything else."""
    words = _plain(text)
    if words in _WORDS:
        return _WORDS[words]
    if words.startswith("số ") and words[3:] in _WORDS:
        return _WORDS[words[3:]]
    found = _NUMBER.fullmatch(words)
    return int(found.group(1)) if found else None


def _plain(text: str) -> str:
    """Lower case, letters and digits only, single spaces (emoji and marks dropped)."""
    text = unicodedata.normalize("NFC", text).lower()
    kept = "".join(c if c.isalnum() or c in ".)" else " " for c in text)
    return " ".join(kept.split())


def _label_words(label: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in _plain(label)).split())


async def handle(turn: Turn, message: ZaloMessage) -> Replies:
    """What the bot answers to one message."""
    t = turn.t
    if message.chat_type.upper() != "PRIVATE":
        # A group chat: nothing is read there (a code typed in a group must not link the
        # group); a command is told to come to a private chat, anything else is let be.
        if (message.text or "").startswith("/"):
            return [say(texts.private_only(t))]
        return []
    if message.kind in ("image", "sticker", "voice"):
        return [say(texts.only_text(t))]
    if message.kind == "unsupported":
        return [say(texts.unsupported(t))]
    words = (message.text or "").strip()
    if not words:
        return not_understood(turn)
    if words.startswith("/"):
        head, _, args = words.partition(" ")
        if "\n" in head:
            head, _, rest = head.partition("\n")
            args = rest + (" " + args if args else "")
        name = head[1:]
        if name and chat.knows_command(name):
            return await chat.command(turn, name, args.strip())
        return unknown_command(turn, words)
    picked = await _pick(turn, words)
    if picked is not None:
        return picked
    replies = await chat.text(turn, words)
    return replies if replies is not None else not_understood(turn)


async def _pick(turn: Turn, words: str) -> Replies | None:
    """The offer's choice this text stands for, done; a clear answer for a number that picks
    nothing; None when the text is not a pick (it goes on as free text)."""
    number = number_in(words)
    if number is not None and await scoring.reads_numbers(turn):
        return None  # a scorecard asks for points: the number is points
    async with turn.db.transaction() as conn:
        offer = await store.last_offer(conn, turn.address)
    fresh = offer is not None and turn.now() - offer[1] <= OFFER_FRESH
    choices = decode_offer(offer[0]) if offer is not None and fresh else []
    if number is not None:
        if not choices:
            if await prompts.waiting(turn) is not None:
                return None  # the bot waits for a text: a number is that text
            return [say(texts.no_offer(turn.t))]
        if not 1 <= number <= len(choices):
            if await prompts.waiting(turn) is not None:
                return None  # no choice has this number: it is the text the bot waits for
            return [say(texts.out_of_range(turn.t, len(choices)))]
        return await chat.pick(turn, choices[number - 1][1])
    act = _by_words(words, choices)
    return await chat.pick(turn, act) if act is not None else None


def _by_words(words: str, choices: list[tuple[str, Act]]) -> Act | None:
    """The choice whose label is these words ("tham dự"), or the roll-call's close ("xong")."""
    typed = _label_words(words)
    if not typed:
        return None
    matching = [act for label, act in choices if _label_words(label) == typed]
    if len(matching) == 1:
        return matching[0]
    if typed in _CLOSE_WORDS:
        closing = [a for _, a in choices if isinstance(a, RollCall) and a.op in ("close", "end")]
        if closing:
            return closing[0]
    return None
