"""Reading the month a person asks about: "11/2026", "tháng 11", "T11"."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.domain.models import N_
from bot.domain.text import fold

_MONTH = re.compile(
    r"^\s*(?:(?:thang|t|month)\s*)?(?P<month>\d{1,2})(?:\s*[/.-]\s*(?P<year>\d{4}))?(?=\s|$)"
)


@dataclass(frozen=True)
class MonthError:
    """Why a month was not understood, as a msgid with its placeholders."""

    message: str
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str]) -> str:
        """The reason in the reader's language, with an example."""
        example = gettext(N_("Ví dụ: /baocao 11/2026, /baocao tháng 11, /baocao T11 Chi bộ xóm 9"))
        return gettext(self.message).format(**self.params) + "\n" + example


def parse_month(text: str, today: date) -> tuple[str | MonthError, str]:
    """The month asked for (YYYY-MM) and the rest of the text (a unit's name).

    No month means last month (the one a monthly report is about); a month without a year is
    the latest such month that has begun.
    """
    folded = fold(text)
    match = _MONTH.match(folded)
    if match is None:
        previous = today.replace(day=1).toordinal() - 1
        last = date.fromordinal(previous)
        return f"{last.year}-{last.month:02d}", text.strip()
    number = int(match["month"])
    if not 1 <= number <= 12:
        return MonthError(
            N_("Không có tháng {month}: tháng từ 1 đến 12."), {"month": str(number)}
        ), ""
    year = int(match["year"]) if match["year"] else today.year
    if not match["year"] and number > today.month:
        year -= 1
    if (year, number) > (today.year, today.month):
        return MonthError(
            N_("Tháng {month}/{year} chưa đến."), {"month": str(number), "year": str(year)}
        ), ""
    if year < 2000:
        return MonthError(N_("Năm {year} quá xa."), {"year": str(year)}), ""
    words = text.split()
    consumed = len(match.group(0).split())
    return f"{year}-{number:02d}", " ".join(words[consumed:]).strip()
