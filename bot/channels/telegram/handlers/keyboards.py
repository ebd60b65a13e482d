"""Inline keyboards and their callback data, in one place so handlers and senders agree."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.replies import ReasonKind
from bot.i18n import Translator
from bot.views.rollcall import RATING_LABELS, RATINGS

# Callback data: "<prefix>:<meeting id>[:<value>]"; every handler re-checks who presses.
ATTEND = "att"
REASON = "rsn"
ROSTER = "lst"
KIND = "knd"
RATE = "rt"


def answer_buttons(
    t: Translator, meeting_id: int, *, with_roster: bool = False
) -> InlineKeyboardMarkup:
    """✅ Tham dự / 🙏 Xin vắng, and for the cell's leaders the list of answers."""
    rows = [
        [
            InlineKeyboardButton(t._("✅ Tham dự"), callback_data=f"{ATTEND}:{meeting_id}:y"),
            InlineKeyboardButton(t._("🙏 Xin vắng"), callback_data=f"{ATTEND}:{meeting_id}:n"),
        ]
    ]
    if with_roster:
        rows.append([roster_button(t, meeting_id)])
    return InlineKeyboardMarkup(rows)


def roster_button(t: Translator, meeting_id: int) -> InlineKeyboardButton:
    """The button that shows the secretary's list."""
    return InlineKeyboardButton(
        t._("📋 Danh sách trả lời"), callback_data=f"{ROSTER}:{meeting_id}"
    )


def reason_buttons(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    """The usual reasons for being absent, two to a row."""
    buttons = [
        InlineKeyboardButton(t._(kind.label), callback_data=f"{REASON}:{meeting_id}:{kind.value}")
        for kind in ReasonKind
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def rating_buttons(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    """Tốt / Khá / Trung bình / Kém."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._(RATING_LABELS[r]), callback_data=f"{RATE}:{meeting_id}:{r}"
                )
                for r in RATINGS[:2]
            ],
            [
                InlineKeyboardButton(
                    t._(RATING_LABELS[r]), callback_data=f"{RATE}:{meeting_id}:{r}"
                )
                for r in RATINGS[2:]
            ],
        ]
    )
