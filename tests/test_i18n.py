"""The catalogs: every message the code can show is translated, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import CatalogError, Catalogs, compile_catalog, locales_dir

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _code_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")]
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_message_is_in_the_catalog(lang: str) -> None:
    """Each message marked in the code has a non-empty translation in this language."""
    with (locales_dir() / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        catalog = read_po(fp)
    missing = []
    for msgid in sorted(_code_messages()):
        message = catalog.get(msgid)
        strings = message.string if message else None
        if isinstance(strings, tuple):
            strings = strings[0]
        if not strings or (message is not None and message.fuzzy):
            missing.append(msgid)
    assert missing == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_translations_keep_the_placeholders(lang: str) -> None:
    """A translation uses exactly the placeholders of its message, so .format() never fails."""
    with (locales_dir() / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        catalog = read_po(fp)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or ())
        )
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != set(PLACEHOLDER.findall(source)):
                wrong.append(source)
    assert wrong == []


def test_english_differs_from_vietnamese() -> None:
    """The English catalog really is English, not the Vietnamese copied over."""
    en = Catalogs("vi").get("en")
    assert en._("Chào {who}.") == "Hello, {who}."
    assert Catalogs("vi").get("vi")._("Chào {who}.") == "Chào {who}."


def test_missing_catalog_is_an_error(tmp_path: Path) -> None:
    """A missing catalog stops start-up instead of falling back silently."""
    with pytest.raises(CatalogError):
        compile_catalog(tmp_path / "vi" / "LC_MESSAGES" / "messages.po")


def test_dates_and_numbers_follow_the_language() -> None:
    """Weekdays and decimals are written the Vietnamese or the English way."""
    from datetime import date

    catalogs = Catalogs("vi")
    assert catalogs.get("vi").date(date(2026, 12, 3)) == "Thứ Năm, 03/12/2026"
    assert catalogs.get("en").date(date(2026, 12, 3)) == "Thursday, 03/12/2026"
    assert catalogs.get("vi").number(4.5) == "4,5"
    assert catalogs.get("en").number(4.5) == "4.5"
