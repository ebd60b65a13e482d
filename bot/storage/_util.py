"""Small conversions shared by the query modules."""

from __future__ import annotations

from datetime import UTC, datetime


def ts(moment: datetime) -> str:
    """A timezone-aware moment as ISO text in UTC, the form every table stores."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def dt(text: str) -> datetime:
    """ISO text from a table back into an aware datetime."""
    return datetime.fromisoformat(text)


def maybe_dt(text: str | None) -> datetime | None:
    """Like dt(), for nullable columns."""
    return None if text is None else datetime.fromisoformat(text)
