"""Folding Vietnamese text so that replies with or without diacritics compare equal."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse white space."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().casefold()


def tidy(text: str) -> str:
    """NFC-normalise and collapse white space, keeping diacritics (for display names)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def shorten(text: str, limit: int = 40) -> str:
    """Typed text to quote back in a reply: on one line, cut to ``limit`` characters with "…".

    A reply quoting a whole 4,096-character message would be over Telegram's limit itself.
    """
    flat = tidy(text)
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key that puts "xóm 9" before "xóm 10" and ignores diacritics and case."""
    return tuple(
        (int(part), "") if part.isdigit() else (0, part) for part in _DIGITS.split(fold(text))
    )


def person_sort_key(full_name: str) -> tuple[tuple[tuple[int, str], ...], ...]:
    """Vietnamese order: by given name (the last word), then by the whole name."""
    parts = full_name.split()
    return (natural_key(parts[-1] if parts else ""), natural_key(full_name))
