"""Inline keyboards and their callback data, in one place so handlers and senders agree."""

from __future__ import annotations

# Callback data: "<prefix>:<meeting id>[:<value>]"; every handler re-checks who presses.
ATTEND = "att"
REASON = "rsn"
ROSTER = "lst"
KIND = "knd"
RATE = "rt"
