"""Kiến nghị as the domain sees them: statuses, messages about them, text rules and age."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.models import N_
from bot.domain.text import drop_invisible, utf16_length

# 2,000 keeps a kiến nghị readable on a phone and leaves room for the words around it in every
# message that quotes it (a longer message is split by the channel). Counted as messengers
# count (text_length): an emoji is two.
MAX_TEXT = 2000


class PetitionStatus(enum.StrEnum):
    """Where a kiến nghị stands."""

    NEW = "new"
    ESCALATED = "escalated"
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        """The Vietnamese name of the status, as a msgid."""
        return _STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Still waiting for an answer."""
        return self is not PetitionStatus.ANSWERED


_STATUS_LABELS = {
    PetitionStatus.NEW: N_("mới"),
    PetitionStatus.ESCALATED: N_("đã chuyển"),
    PetitionStatus.ANSWERED: N_("đã trả lời"),
}


class MessagePurpose(enum.StrEnum):
    """Why a message about a kiến nghị is sent."""

    NEW = "new"  # to the cell's secretary and deputy
    ESCALATED = "escalated"  # to the cadres following the cell
    ANSWERED = "answered"  # to the member who raised it, and to those told before


class MessageState(enum.StrEnum):
    """Where a message about a kiến nghị stands in its outbox."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Petition:
    """One kiến nghị of a member to their cell."""

    id: int
    unit_id: int
    person_id: int
    text: str
    status: PetitionStatus
    created_at: datetime
    escalated_at: datetime | None
    answered_at: datetime | None
    answer: str | None
    answered_by: int | None


@dataclass(frozen=True)
class PetitionMessage:
    """One message about a kiến nghị, written before it is sent."""

    id: int
    petition_id: int
    person_id: int
    purpose: MessagePurpose
    state: MessageState
    created_at: datetime
    sent_at: datetime | None


class TextProblem(enum.StrEnum):
    """Why a text cannot be taken as a kiến nghị or an answer."""

    EMPTY = "empty"
    TOO_LONG = "too_long"


def text_length(text: str) -> int:
    """The length messengers count (UTF-16 code units): most emoji and rare letters count two."""
    return utf16_length(text)


def clean_text(text: str) -> str:
    """Typed text as stored: without invisible marks (zero-width, bidi overrides), trimmed."""
    return drop_invisible(text).strip()


def check_text(text: str) -> TextProblem | None:
    """Whether a kiến nghị or an answer can be stored: not empty, at most MAX_TEXT long.

    Text without a single letter or digit ("...", "?") says nothing and counts as empty.
    """
    stripped = clean_text(text)
    if not any(ch.isalnum() for ch in stripped):
        return TextProblem.EMPTY
    if text_length(stripped) > MAX_TEXT:
        return TextProblem.TOO_LONG
    return None


def age_days(created_at: datetime, now: datetime) -> int:
    """Whole days since a kiến nghị was raised (0 on the first day)."""
    return max(0, (now - created_at) // timedelta(days=1))


def excerpt(text: str, limit: int = 80) -> str:
    """The text on one line, cut at a word boundary with "…" when longer than ``limit``."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def by_urgency(petitions: list[Petition]) -> list[Petition]:
    """Open kiến nghị for a cadre: escalated ones first, then the oldest first."""
    return sorted(
        petitions,
        key=lambda p: (p.status is not PetitionStatus.ESCALATED, p.created_at, p.id),
    )
