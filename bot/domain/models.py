"""The organisation as the domain sees it: units, people, roles, invites."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.text import fold


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a message for extraction; it is translated where it is shown."""
    return message


class Role(enum.StrEnum):
    """A person's role in the unit they belong to."""

    SECRETARY = "secretary"
    DEPUTY = "deputy"
    COMMITTEE = "committee"
    MEMBER = "member"
    CADRE = "cadre"

    @property
    def label(self) -> str:
        """The Vietnamese name of the role, as a msgid."""
        return _ROLE_LABELS[self]

    @property
    def leads_cell(self) -> bool:
        """Secretary and deputy run their cell's business."""
        return self in (Role.SECRETARY, Role.DEPUTY)

    @classmethod
    def parse(cls, text: str) -> Role | None:
        """Read a role written in Vietnamese or English, with or without diacritics."""
        return _ROLE_WORDS.get(fold(text))


_ROLE_LABELS = {
    Role.SECRETARY: N_("bí thư"),
    Role.DEPUTY: N_("phó bí thư"),
    Role.COMMITTEE: N_("chi ủy viên"),
    Role.MEMBER: N_("đảng viên"),
    Role.CADRE: N_("cấp ủy viên phụ trách"),
}

_ROLE_WORDS = {
    fold(word): role
    for role, words in {
        Role.SECRETARY: ["bí thư", "bí thư chi bộ", "secretary"],
        Role.DEPUTY: ["phó bí thư", "phó bí thư chi bộ", "deputy", "deputy secretary"],
        Role.COMMITTEE: ["chi ủy viên", "committee", "committee member"],
        Role.MEMBER: [
            "đảng viên",
            "đảng viên chính thức",
            "đảng viên dự bị",
            "member",
            "party member",
            "probationary member",
        ],
        Role.CADRE: [
            "cấp ủy viên phụ trách",
            "cấp ủy viên phụ trách chi bộ",
            "cấp ủy viên theo dõi",
            "cadre",
        ],
    }.items()
    for word in words
}


class MemberStatus(enum.StrEnum):
    """Whether a member takes part in meetings."""

    ACTIVE = "active"
    EXEMPT = "exempt"
    TEMP_EXEMPT = "temp_exempt"
    TRANSFERRED = "transferred"

    @property
    def label(self) -> str:
        """The Vietnamese name of the status, as a msgid."""
        return _STATUS_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> MemberStatus | None:
        """Read a status in Vietnamese or English; an empty cell means active."""
        return _STATUS_WORDS.get(fold(text))


_STATUS_LABELS = {
    MemberStatus.ACTIVE: N_("sinh hoạt"),
    MemberStatus.EXEMPT: N_("miễn sinh hoạt"),
    MemberStatus.TEMP_EXEMPT: N_("tạm miễn"),
    MemberStatus.TRANSFERRED: N_("đã chuyển sinh hoạt"),
}

_STATUS_WORDS = {
    fold(word): status
    for status, words in {
        MemberStatus.ACTIVE: ["", "sinh hoạt", "đang sinh hoạt", "active"],
        MemberStatus.EXEMPT: [
            "miễn sinh hoạt",
            "miễn công tác và sinh hoạt đảng",
            "miễn",
            "exempt",
        ],
        MemberStatus.TEMP_EXEMPT: [
            "tạm miễn",
            "tạm miễn sinh hoạt",
            "temporarily exempt",
            "temp exempt",
        ],
        MemberStatus.TRANSFERRED: ["đã chuyển sinh hoạt", "chuyển sinh hoạt", "transferred"],
    }.items()
    for word in words
}


@dataclass(frozen=True)
class Unit:
    """A unit of the organisation tree; cells are the units people are members of."""

    id: int
    parent_id: int | None
    kind: str
    name: str
    path: str


@dataclass(frozen=True)
class Person:
    """A person of the organisation, with their place in it."""

    id: int
    full_name: str
    phone: str | None
    unit_id: int
    role: Role
    status: MemberStatus
    language: str | None


@dataclass(frozen=True)
class ChatAccount:
    """A chat account on one channel, linked to one person."""

    channel: str
    external_id: str
    person_id: int
    reachable: bool
    linked_at: datetime
    language_code: str | None = None
    last_seen_at: datetime | None = None  # the last message from it; None until one arrives


@dataclass(frozen=True)
class Invite:
    """A one-time code that links the first chat account that presents it to a person."""

    code: str
    person_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
