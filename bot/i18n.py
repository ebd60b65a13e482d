"""Gettext catalogs through Babel, and dates and numbers in the reader's language."""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from bot.config import LANGUAGES

DOMAIN = "messages"


class CatalogError(Exception):
    """A catalog is missing or broken: the bot does not start on silent fallbacks."""


def locales_dir() -> Path:
    """Where the catalogs live: $CHIBO_LOCALES, else the catalogs shipped in the package."""
    override = os.environ.get("CHIBO_LOCALES")
    return Path(override) if override else Path(__file__).resolve().parent / "locales"


def compile_catalog(po_path: Path) -> Translations:
    """Compile one .po file in memory, so a fresh clone never runs without its catalogs."""
    try:
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=po_path.parent.parent.name, domain=DOMAIN)
    except FileNotFoundError as exc:
        raise CatalogError(f"missing catalog {po_path}") from exc
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


@dataclass(frozen=True)
class Translator:
    """Messages, dates and numbers for one language."""

    lang: str
    translations: Translations

    @property
    def locale(self) -> Locale:
        """The Babel locale."""
        return Locale.parse(self.lang)

    def _(self, message: str) -> str:
        """Translate one message."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message whose form depends on a count."""
        return self.translations.ngettext(singular, plural, n)

    def date(self, day: dt.date) -> str:
        """A date with its weekday, e.g. "Thứ Năm, 03/12/2026"."""
        return format_date(day, "EEEE, dd/MM/yyyy", locale=self.lang)

    def short_date(self, day: dt.date) -> str:
        """A date without the weekday: 03/12/2026."""
        return format_date(day, "dd/MM/yyyy", locale=self.lang)

    def time(self, moment: dt.datetime) -> str:
        """A time of day as 19:30."""
        return format_time(moment, "HH:mm", locale=self.lang)

    def datetime(self, moment: dt.datetime) -> str:
        """A date and time as 19:30 03/12/2026."""
        return format_datetime(moment, "HH:mm dd/MM/yyyy", locale=self.lang)

    def number(self, value: float | Decimal) -> str:
        """A number with the locale's separators (4,5 in Vietnamese)."""
        return format_decimal(value, locale=self.lang)

    def percent(self, ratio: float) -> str:
        """A ratio as a percentage."""
        return format_percent(ratio, locale=self.lang)


class Catalogs:
    """Every language's translator, loaded once at start-up."""

    def __init__(self, default_language: str, folder: Path | None = None) -> None:
        folder = folder or locales_dir()
        self.default = default_language
        self._translators = {
            lang: Translator(lang, compile_catalog(folder / lang / "LC_MESSAGES" / f"{DOMAIN}.po"))
            for lang in LANGUAGES
        }

    def get(self, lang: str | None) -> Translator:
        """The translator for a language, or the default one."""
        return self._translators.get(lang or self.default, self._translators[self.default])

    def pick(self, chosen: str | None, client_language: str | None) -> Translator:
        """A person's language: their choice, else their app's language, else the default."""
        if chosen in self._translators:
            return self._translators[chosen]
        code = (client_language or "").split("-")[0].lower()
        if code in self._translators:
            return self._translators[code]
        return self._translators[self.default]
