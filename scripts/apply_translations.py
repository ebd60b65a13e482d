"""Fill a catalog from a JSON object {msgid: translation or [singular, plural]}.

python scripts/apply_translations.py en translations.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(lang: str, source: str) -> int:
    """Write the translations into bot/locales/<lang>; report msgids not in the catalog."""
    path = ROOT / "bot" / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fp:
        catalog = read_po(fp)
    translations = json.loads(Path(source).read_text(encoding="utf-8"))
    unknown = []
    for msgid, string in translations.items():
        message = catalog.get(msgid)
        if message is None:
            unknown.append(msgid)
            continue
        message.string = tuple(string) if isinstance(string, list) else string
        message.flags.discard("fuzzy")
    with path.open("wb") as fp:
        write_po(fp, catalog, width=99, no_location=True, sort_output=True)
    for msgid in unknown:
        print(f"not in the catalog: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
