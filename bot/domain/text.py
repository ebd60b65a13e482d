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


# Control characters, invisible format marks (zero-width spaces, bidi overrides), surrogates:
# dropped from typed text that others will read, as the import drops them from its files.
_INVISIBLE = ("Cc", "Cf", "Cs")


def visible(text: str) -> str:
    """Typed text without invisible characters, tidied: empty when nothing readable was typed."""
    if not text.isprintable():
        text = "".join(
            ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE
        )
    return tidy(text)


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


def utf16_length(text: str) -> int:
    """The length messengers count (UTF-16 code units): most emoji and rare letters count two."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """A long text as messages of at most `limit` (UTF-16 units), cut at paragraph breaks.

    A paragraph longer than a message is cut at line breaks, and a line longer than a message
    at a space; nothing is lost and every part keeps its own lines.
    """
    if utf16_length(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        joined = f"{current}{piece}" if current else piece.lstrip("\n")
        if current and utf16_length(joined.rstrip()) > limit:
            parts.append(current.rstrip())
            current = piece.lstrip("\n")
        else:
            current = joined
    if current.strip():
        parts.append(current.rstrip())
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs (each with the break before it), smaller where one alone is too long."""
    found: list[str] = []
    for index, paragraph in enumerate(text.split("\n\n")):
        lead = "\n\n" if index else ""
        if utf16_length(paragraph) <= limit:
            found.append(lead + paragraph)
            continue
        for number, line in enumerate(paragraph.split("\n")):
            first = lead if number == 0 else "\n"
            while utf16_length(line) > limit:
                cut = _cut_at(line, limit)
                found.append(first + line[:cut].rstrip())
                first, line = "\n", line[cut:].lstrip()
            found.append(first + line)
    return found


def _cut_at(line: str, limit: int) -> int:
    """Where to cut a line too long for one message: the last space that fits, else the limit."""
    end = 0
    size = 0
    for index, char in enumerate(line):
        size += utf16_length(char)
        if size > limit:
            break
        end = index + 1
    space = line.rfind(" ", 0, end)
    return space if space > end // 2 else max(end, 1)


# Control characters, invisible format marks (zero-width spaces, bidi overrides), surrogates:
# what the import drops from every cell, and typed text drops before it is stored.
INVISIBLE = ("Cc", "Cf", "Cs")


def drop_invisible(text: str) -> str:
    """The text without control and invisible formatting characters; white space is kept."""
    if text.isprintable():
        return text
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in INVISIBLE)
