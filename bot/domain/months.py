"""Months and years as people type them: "tháng trước", "T11", "11/2026", "tháng 11", "2026".

One reader for every command and the command line; each caller says what no text means
(a report is about last month, an export about this month).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from bot.domain.models import N_
from bot.domain.text import fold

FIRST_YEAR, LAST_YEAR = 2000, 2099
# Typed text is echoed in errors; a pasted paragraph is cut so the reply stays short.
_SHOWN_CHARS = 20


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month."""

    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a day falls in."""
        return cls(day.year, day.month)

    @classmethod
    def from_key(cls, key: str) -> Month:
        """The month written YYYY-MM (as the database keeps it)."""
        year, number = (int(part) for part in key.split("-"))
        return cls(year, number)

    @property
    def key(self) -> str:
        """YYYY-MM, as the database keeps it."""
        return f"{self.year}-{self.number:02d}"

    @property
    def label(self) -> str:
        """As people write it: 11/2026."""
        return f"{self.number}/{self.year}"

    @property
    def slug(self) -> str:
        """In a file name: 2026-11."""
        return self.key

    def shifted(self, months: int) -> Month:
        """The month so many months later (earlier when negative)."""
        index = self.year * 12 + self.number - 1 + months
        return Month(index // 12, index % 12 + 1)

    def previous(self) -> Month:
        """The month before."""
        return self.shifted(-1)

    def since(self, tz: tzinfo) -> datetime:
        """Its first moment, local midnight."""
        return datetime(self.year, self.number, 1, tzinfo=tz)

    def until(self, tz: tzinfo) -> datetime:
        """The first moment of the next month."""
        return self.shifted(1).since(tz)


@dataclass(frozen=True, order=True)
class Year:
    """A calendar year (an export may cover one)."""

    year: int

    @property
    def label(self) -> str:
        """As people write it: 2026."""
        return str(self.year)

    @property
    def slug(self) -> str:
        """In a file name: 2026."""
        return str(self.year)

    def since(self, tz: tzinfo) -> datetime:
        """Its first moment, local midnight of 1 January."""
        return datetime(self.year, 1, 1, tzinfo=tz)

    def until(self, tz: tzinfo) -> datetime:
        """The first moment of the next year."""
        return datetime(self.year + 1, 1, 1, tzinfo=tz)


Period = Month | Year


@dataclass(frozen=True)
class MonthError:
    """Why a month or year was not understood, as a msgid with its placeholders.

    Examples of what to type belong to the caller (a chat command, the command line).
    """

    message: str
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str]) -> str:
        """The reason in the reader's language."""
        return gettext(self.message).format(**self.params)


_RELATIVE: dict[str, tuple[int, bool]] = {
    "thang nay": (0, True),
    "this month": (0, True),
    "thang truoc": (-1, True),
    "thang roi": (-1, True),
    "last month": (-1, True),
    "nam nay": (0, False),
    "this year": (0, False),
    "nam truoc": (-1, False),
    "nam ngoai": (-1, False),
    "last year": (-1, False),
}
_END = r"(?= |$)"
# Matched at the start of folded text (no diacritics, lower case, one space between words):
# "11/2026", "11-26", "t11/2026", "thang 11 nam 2026", "2026-11", "thang 11", "t11", "2026".
_RELATIVE_RE = re.compile("(?P<words>" + "|".join(_RELATIVE) + ")" + _END)
_MONTH_YEAR = re.compile(
    r"(?:(?:thang|month|t) ?)?(?P<month>\d{1,2})(?: ?(?:[/.-]|\bnam\b|\byear\b) ?| )"
    r"(?P<year>\d{4}|\d{2})" + _END
)
_YEAR_MONTH = re.compile(r"(?P<year>\d{4}) ?[/.-] ?(?P<month>\d{1,2})" + _END)
_MONTH = re.compile(r"(?:(?:thang|month|t) ?)?(?P<month>\d{1,2})" + _END)
_YEAR = re.compile(r"(?:(?:nam|year) ?)?(?P<year>\d{4})" + _END)


def read_period(text: str, today: date, default: Month) -> tuple[Period | MonthError, str]:
    """The month or year at the start of `text`, and the rest of the text as typed.

    No month or year at the start means `default`; a month without a year is the latest such
    month that has begun. Months and years still ahead are refused.
    """
    words = text.split()
    # One folded token per typed word, so the words a match used can be counted back.
    folded = " ".join(
        "_".join(fold(unicodedata.normalize("NFKC", word)).split()) or "_" for word in words
    )
    found = _read(folded, today)
    if found is None:
        return default, " ".join(words)
    period, consumed = found
    if isinstance(period, MonthError):
        return period, ""
    return period, " ".join(words[consumed:])


def read_whole_period(text: str, today: date, default: Month) -> Period | MonthError:
    """Like `read_period`, but the whole text must be the month or year."""
    period, rest = read_period(text, today, default)
    if rest and not isinstance(period, MonthError):
        shown = " ".join(text.split())
        if len(shown) > _SHOWN_CHARS:
            shown = shown[: _SHOWN_CHARS - 1].rstrip() + "…"
        return MonthError(N_("Trợ lý chưa hiểu «{text}» là tháng hay năm nào."), {"text": shown})
    return period


def _read(folded: str, today: date) -> tuple[Period | MonthError, int] | None:
    this = Month.of(today)
    if match := _RELATIVE_RE.match(folded):
        step, is_month = _RELATIVE[match["words"]]
        period: Period | MonthError = this.shifted(step) if is_month else Year(today.year + step)
    elif match := _MONTH_YEAR.match(folded) or _YEAR_MONTH.match(folded):
        year = int(match["year"])
        period = _month(year + 2000 if year < 100 else year, int(match["month"]))
    elif match := _MONTH.match(folded):
        number = int(match["month"])
        period = _month(today.year - 1 if number > today.month else today.year, number)
    elif match := _YEAR.match(folded):
        period = _year(int(match["year"]))
    else:
        return None
    if isinstance(period, Month) and period > this:
        period = MonthError(N_("Tháng {month} chưa đến."), {"month": period.label})
    elif isinstance(period, Year) and period.year > today.year:
        period = MonthError(N_("Năm {year} chưa đến."), {"year": period.label})
    return period, len(match.group(0).split())


def _month(year: int, number: int) -> Month | MonthError:
    if not 1 <= number <= 12:
        return MonthError(N_("Không có tháng {month}: tháng từ 1 đến 12."), {"month": str(number)})
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return MonthError(N_("Năm {year} không hợp lệ."), {"year": str(year)})
    return Month(year, number)


def _year(year: int) -> Year | MonthError:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return MonthError(N_("Năm {year} không hợp lệ."), {"year": str(year)})
    return Year(year)
