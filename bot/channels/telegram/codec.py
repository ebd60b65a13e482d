"""Callback data: one codec between acts and the short strings Telegram carries on buttons.

The strings are the ones earlier versions wrote ("att:12:y", "rc:12:t:5:0" …), so buttons on
messages already in people's chats keep working. Anything that does not decode exactly is a
stale or forged button; what decodes is still checked again by the feature that takes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.domain.acts import (
    Act,
    AnswerPetition,
    Attend,
    ChooseLanguage,
    EscalatePetition,
    GiveReason,
    InviteFor,
    Rate,
    RollCall,
    Score,
    SetKind,
    ShowRoster,
)
from bot.domain.replies import ReasonKind

_ID = r"(\d{1,12})"
_REASON = "(" + "|".join(k.value for k in ReasonKind) + ")"
_RATING = "(good|fair|average|poor)"

# Each pattern must match the whole string; each builder gets the groups as strings.
_DECODERS: tuple[tuple[re.Pattern[str], Callable[..., Act]], ...] = (
    (re.compile(rf"att:{_ID}:([yn])"), lambda m, v: Attend(int(m), v == "y")),
    (re.compile(rf"rsn:{_ID}:{_REASON}"), lambda m, k: GiveReason(int(m), ReasonKind(k))),
    (re.compile(rf"lst:{_ID}"), lambda m: ShowRoster(int(m))),
    (re.compile(rf"knd:{_ID}:(regular|thematic|both)"), lambda m, k: SetKind(int(m), k)),
    (re.compile(rf"rt:{_ID}:{_RATING}"), lambda m, r: Rate(int(m), r)),
    (
        re.compile(rf"rc:{_ID}:t:{_ID}:(\d{{1,3}})"),
        lambda m, p, page: RollCall(int(m), "t", person=int(p), page=int(page)),
    ),
    (
        re.compile(rf"rc:{_ID}:(p|all|rm):(\d{{1,3}})"),
        lambda m, op, page: RollCall(int(m), op, page=int(page)),
    ),
    (re.compile(rf"rc:{_ID}:rp:{_ID}"), lambda m, p: RollCall(int(m), "rp", person=int(p))),
    (
        re.compile(rf"rc:{_ID}:rk:{_ID}:(sick|work|family|away)"),
        lambda m, p, k: RollCall(int(m), "rk", person=int(p), kind=ReasonKind(k)),
    ),
    (re.compile(rf"rc:{_ID}:(close|end):0"), lambda m, op: RollCall(int(m), op)),
    (re.compile(rf"sc:{_ID}:(self|upper):(open|back|ok)"), lambda m, b, op: Score(int(m), b, op)),
    (
        re.compile(rf"sc:{_ID}:(self|upper):pt:([A-Za-z0-9._-]{{1,16}}):([0-9.]{{1,8}})"),
        lambda m, b, c, p: Score(int(m), b, "pt", criterion=c, points=p),
    ),
    (re.compile(rf"kn:a:{_ID}"), lambda p: AnswerPetition(int(p))),
    (re.compile(rf"kn:e:{_ID}"), lambda p: EscalatePetition(int(p))),
    (re.compile(r"lang:([a-z]{2})"), lambda lang: ChooseLanguage(lang)),
    (re.compile(rf"inv:{_ID}"), lambda p: InviteFor(int(p))),
)


def decode(data: str | None) -> Act | None:
    """The act behind a button's data, or None for data no button of this bot carries."""
    if not data or len(data) > 64:
        return None
    for pattern, build in _DECODERS:
        found = pattern.fullmatch(data)
        if found:
            return build(*found.groups())
    return None


def encode(act: Act) -> str:
    """The data a button carries for this act (at most 64 bytes, as Telegram allows)."""
    match act:
        case Attend(meeting, yes):
            return f"att:{meeting}:{'y' if yes else 'n'}"
        case GiveReason(meeting, kind):
            return f"rsn:{meeting}:{kind.value}"
        case ShowRoster(meeting):
            return f"lst:{meeting}"
        case SetKind(meeting, kind):
            return f"knd:{meeting}:{kind}"
        case Rate(meeting, rating):
            return f"rt:{meeting}:{rating}"
        case RollCall(meeting, "t", person, page, _):
            return f"rc:{meeting}:t:{person}:{page}"
        case RollCall(meeting, "p" | "all" | "rm" as op, _, page, _):
            return f"rc:{meeting}:{op}:{page}"
        case RollCall(meeting, "rp", person, _, _):
            return f"rc:{meeting}:rp:{person}"
        case RollCall(meeting, "rk", person, _, kind) if kind is not None:
            return f"rc:{meeting}:rk:{person}:{kind.value}"
        case RollCall(meeting, "close" | "end" as op, _, _, _):
            return f"rc:{meeting}:{op}:0"
        case Score(meeting, board, "pt", criterion, points):
            return f"sc:{meeting}:{board}:pt:{criterion}:{points}"
        case Score(meeting, board, op, _, _):
            return f"sc:{meeting}:{board}:{op}"
        case AnswerPetition(petition):
            return f"kn:a:{petition}"
        case EscalatePetition(petition):
            return f"kn:e:{petition}"
        case ChooseLanguage(lang):
            return f"lang:{lang}"
        case InviteFor(person):
            return f"inv:{person}"
    raise ValueError(f"no callback form for {act!r}")
