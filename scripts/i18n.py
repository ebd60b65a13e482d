"""Catalog upkeep: extract messages, update the vi and en catalogs, compile, check.

python scripts/i18n.py extract   # bot/ → bot/locales/messages.pot
python scripts/i18n.py update    # .pot → bot/locales/{vi,en}/LC_MESSAGES/messages.po
python scripts/i18n.py compile   # .po → .mo (the bot also compiles at start-up)
python scripts/i18n.py check     # every message translated in every language; exit 1 if not
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "bot" / "locales"
POT = LOCALES / "messages.pot"
LANGS = ("vi", "en")
# Vietnamese is the source language: its msgstr is the msgid unless someone rewords it.
SOURCE_LANG = "vi"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    """Collect every marked message of bot/ into the template."""
    _pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "N_",
        "--no-location",
        "--sort-output",
        "--project",
        "chibo",
        "-o",
        str(POT),
        str(ROOT),
    )


def _po(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


def update() -> None:
    """Merge the template into each language's catalog, keeping existing translations."""
    for lang in LANGS:
        po = _po(lang)
        if not po.exists():
            _pybabel("init", "-i", str(POT), "-d", str(LOCALES), "-l", lang)
        else:
            _pybabel(
                "update",
                "-i",
                str(POT),
                "-d",
                str(LOCALES),
                "-l",
                lang,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            )
    catalog = _read(_po(SOURCE_LANG))
    for message in catalog:
        if message.id and not _translated(message.string):
            if message.pluralizable:
                message.string = (message.id[0],) * catalog.num_plurals
            else:
                message.string = message.id
    _write(_po(SOURCE_LANG), catalog)


def compile_all() -> None:
    """Write .mo files next to the .po files."""
    _pybabel("compile", "-d", str(LOCALES), "--statistics")


def check() -> int:
    """Report messages missing from a catalog or left untranslated; non-zero if any."""
    template = _read(POT)
    wanted = {m.id for m in template if m.id}
    problems = 0
    for lang in LANGS:
        catalog = _read(_po(lang))
        have = {m.id: m for m in catalog if m.id}
        for msgid in sorted(wanted - have.keys(), key=str):
            print(f"{lang}: missing {msgid!r}")
            problems += 1
        for msgid, message in have.items():
            if msgid in wanted and (not _translated(message.string) or message.fuzzy):
                print(f"{lang}: untranslated {msgid!r}")
                problems += 1
    return 1 if problems else 0


def _translated(string: object) -> bool:
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def _read(path: Path) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp)


def _write(path: Path, catalog: Catalog) -> None:
    with path.open("wb") as fp:
        write_po(fp, catalog, width=99, omit_header=False, no_location=True, sort_output=True)


def main(argv: list[str]) -> int:
    """Run the named steps in order."""
    steps = {"extract": extract, "update": update, "compile": compile_all}
    status = 0
    for step in argv or ["extract", "update", "check"]:
        if step == "check":
            status |= check()
        elif step in steps:
            steps[step]()
        else:
            print(__doc__)
            return 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
