"""What a choice in a reply does, as plain values every channel can carry.

Telegram turns an act into callback data (one codec in the Telegram adapter); Zalo numbers the
choices and remembers which act each number stood for. The act never carries who pressed it:
whoever picks it is checked again, with the state and time of what it acts on.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.replies import ReasonKind


@dataclass(frozen=True)
class Act:
    """The base of every act."""


@dataclass(frozen=True)
class Attend(Act):
    """✅ Tham dự (`yes`) or 🙏 Xin vắng on a meeting's notice."""

    meeting: int
    yes: bool


@dataclass(frozen=True)
class GiveReason(Act):
    """One of the usual reasons for an absence, after 🙏 Xin vắng."""

    meeting: int
    kind: ReasonKind


@dataclass(frozen=True)
class ShowRoster(Act):
    """📋 Danh sách trả lời: who answered what (the cell's leaders and cadres)."""

    meeting: int


@dataclass(frozen=True)
class SetKind(Act):
    """The kind of a meeting: regular, thematic or both."""

    meeting: int
    kind: str


@dataclass(frozen=True)
class Rate(Act):
    """A member's rating of a meeting they attended."""

    meeting: int
    rating: str


@dataclass(frozen=True)
class RollCall(Act):
    """A button of the roll-call message.

    `op`: t (toggle `person`), p (show `page`), all (everyone not answered: present), rm (pick
    whose reason to set), rp (pick reasons for `person`), rk (set `person`'s reason `kind`),
    close, end.
    """

    meeting: int
    op: str
    person: int = 0
    page: int = 0
    kind: ReasonKind | None = None


@dataclass(frozen=True)
class Score(Act):
    """A step of the scorecard: open it, give `points` to `criterion`, go back, confirm."""

    meeting: int
    board: str
    op: str  # open, pt, back, ok
    criterion: str = ""
    points: str = ""


@dataclass(frozen=True)
class AnswerPetition(Act):
    """✍️ Trả lời: the next text is the answer to this kiến nghị."""

    petition: int


@dataclass(frozen=True)
class EscalatePetition(Act):
    """⬆️ Chuyển cấp trên: send this kiến nghị to the cadres following the cell."""

    petition: int


@dataclass(frozen=True)
class ChooseLanguage(Act):
    """Tiếng Việt or English."""

    lang: str


@dataclass(frozen=True)
class InviteFor(Act):
    """The secretary picks the member to issue an invite for."""

    person: int
