"""Meeting schedule arithmetic and reading what a secretary types about dates and times."""

from __future__ import annotations

import calendar
import enum
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.models import N_
from bot.domain.text import fold, shorten, tidy

# --- Meeting kinds ----------------------------------------------------------------------------


class MeetingKind(enum.StrEnum):
    """What a meeting is: regular, thematic, both in one sitting, or the committee's."""

    REGULAR = "regular"
    THEMATIC = "thematic"
    BOTH = "both"
    COMMITTEE = "committee"

    @property
    def label(self) -> str:
        """The Vietnamese name of the kind, as a msgid."""
        return _KIND_LABELS[self]

    @property
    def minimum_minutes(self) -> int:
        """The shortest duration 42-HD/BTCTW allows; 0 where no rule applies."""
        return _KIND_MINUTES[self]

    @classmethod
    def parse(cls, text: str) -> MeetingKind | None:
        """Read a kind in Vietnamese (with or without diacritics), short form or English."""
        words = _PLUS.sub("+", fold(text))
        # "họp thường kỳ", "sinh hoạt chuyên đề": the lead word adds nothing.
        words = _KIND_LEAD.sub("", words, count=1)
        return _KIND_WORDS.get(words)


_KIND_LABELS = {
    MeetingKind.REGULAR: N_("thường kỳ"),
    MeetingKind.THEMATIC: N_("chuyên đề"),
    MeetingKind.BOTH: N_("thường kỳ và chuyên đề"),
    MeetingKind.COMMITTEE: N_("họp chi ủy"),
}

_KIND_MINUTES = {
    MeetingKind.REGULAR: 90,
    MeetingKind.THEMATIC: 90,
    MeetingKind.BOTH: 120,
    MeetingKind.COMMITTEE: 0,
}

_PLUS = re.compile(r"\s*\+\s*")
_KIND_LEAD = re.compile(r"^(?:hop|sinh hoat) (?=\S)")

_KIND_WORDS = {
    fold(word): kind
    for kind, words in {
        MeetingKind.REGULAR: ["thường kỳ", "tk", "regular"],
        MeetingKind.THEMATIC: ["chuyên đề", "cđ", "thematic"],
        MeetingKind.BOTH: [
            "cả hai",
            "thường kỳ và chuyên đề",
            "thường kỳ + chuyên đề",
            "tk+cđ",
            "tk và cđ",
            "both",
        ],
        MeetingKind.COMMITTEE: ["chi ủy", "họp chi ủy", "committee"],
    }.items()
    for word in words
}


# --- The regular monthly slot -----------------------------------------------------------------

# Days 29-31 are missing from some months, so a monthly slot cannot use them.
LAST_REGULAR_DAY = 28


@dataclass(frozen=True)
class Slot:
    """A cell's regular monthly slot: day (None: the last day of the month), time, place."""

    day: int | None
    time: time
    place: str

    def __post_init__(self) -> None:
        _check_day(self.day)


def _check_day(day: int | None) -> None:
    if day is not None and not 1 <= day <= LAST_REGULAR_DAY:
        raise ValueError(f"slot day must be 1-{LAST_REGULAR_DAY} or None, not {day}")


def meeting_day(year: int, month: int, day: int | None) -> date:
    """The date of the slot in a month; day None is the month's last day."""
    _check_day(day)
    if day is None:
        day = calendar.monthrange(year, month)[1]
    return date(year, month, day)


def next_slot_start(slot: Slot, after: datetime, tz: ZoneInfo) -> datetime:
    """The first start of the slot strictly after `after`, as an aware datetime in tz."""
    after_utc = _utc(after)
    local = after_utc.astimezone(tz)
    year, month = local.year, local.month
    start = local_datetime(meeting_day(year, month, slot.day), slot.time, tz)
    if _utc(start) > after_utc:
        return start
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return local_datetime(meeting_day(year, month, slot.day), slot.time, tz)


def local_datetime(day: date, clock: time, tz: ZoneInfo, *, later: bool = False) -> datetime:
    """A wall-clock date and time in tz as a real aware datetime (a DST gap moves forward).

    `later` picks the second of a wall time that occurs twice on a fall-back night.
    """
    naive = datetime.combine(day, clock.replace(tzinfo=None, fold=int(later)))
    # The round trip through UTC turns a time inside a spring-forward gap into a real one.
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def _utc(moment: datetime) -> datetime:
    # Aware datetimes sharing a ZoneInfo compare and subtract by wall clock, ignoring DST;
    # all arithmetic and comparison here is done in UTC for that reason.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: time must be timezone-aware")
    return moment.astimezone(UTC)


# --- Reminder offsets -------------------------------------------------------------------------

_OFFSET = re.compile(r"^\s*([1-9][0-9]*)\s*([dhm])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_offset(text: str) -> timedelta:
    """Read a reminder offset such as "3d", "2h" or "30m"; ValueError otherwise."""
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(f"not a reminder offset (like 3d, 2h, 30m): {text!r}")
    try:
        return timedelta(**{_UNITS[match[2].lower()]: int(match[1])})
    except OverflowError as exc:
        raise ValueError(f"reminder offset too large: {text!r}") from exc


def parse_offsets(texts: Sequence[str]) -> tuple[timedelta, ...]:
    """Read reminder offsets, longest first, without duplicates ("1d" and "24h" are one)."""
    return _descending([parse_offset(text) for text in texts])


def _descending(offsets: Sequence[timedelta]) -> tuple[timedelta, ...]:
    if any(offset <= timedelta(0) for offset in offsets):
        raise ValueError(f"reminder offsets must be positive: {offsets!r}")
    return tuple(sorted(set(offsets), reverse=True))


# --- Quiet hours ------------------------------------------------------------------------------

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True)
class QuietHours:
    """Local hours when nobody is disturbed: from start (included) to end (excluded)."""

    start: time
    end: time

    @classmethod
    def from_config(cls, pair: Sequence[str]) -> QuietHours | None:
        """Quiet hours from config's ["21:30", "06:30"]; [] or equal times mean none."""
        if not pair:
            return None
        if len(pair) != 2:
            raise ValueError(f"quiet hours need two times, not {pair!r}")
        start, end = (_hhmm(text) for text in pair)
        return None if start == end else cls(start, end)

    @property
    def wraps(self) -> bool:
        """True when the quiet period runs past midnight, like 21:30-06:30."""
        return self.start > self.end

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        """Whether the moment falls in quiet hours, by the wall clock in tz."""
        wall = _utc(moment).astimezone(tz).time()
        if self.start == self.end:
            return False
        if self.wraps:
            return wall >= self.start or wall < self.end
        return self.start <= wall < self.end

    def next_end(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The end of the quiet period containing the moment; the moment itself if not quiet."""
        if not self.contains(moment, tz):
            return moment
        local = _utc(moment).astimezone(tz)
        day = local.date()
        if self.wraps and local.time() >= self.start:
            day += timedelta(days=1)
        end = local_datetime(day, self.end, tz)
        if _utc(end) <= _utc(moment):
            # The end's wall time occurs twice on a fall-back night and the moment is past
            # the first one: the period ends at the second.
            end = local_datetime(day, self.end, tz, later=True)
        return end

    def period_start(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The start of the quiet period containing the moment; the moment itself if not quiet."""
        if not self.contains(moment, tz):
            return moment
        local = _utc(moment).astimezone(tz)
        day = local.date()
        if self.wraps and local.time() < self.end:
            day -= timedelta(days=1)
        return local_datetime(day, self.start, tz)


def _hhmm(text: str) -> time:
    match = _HHMM.match(text.strip())
    if match is None:
        raise ValueError(f"not a HH:MM time: {text!r}")
    return time(int(match[1]), int(match[2]))


# --- Planning notices -------------------------------------------------------------------------

# A notice that cannot go after quiet hours goes this long before they begin.
BEFORE_QUIET = timedelta(minutes=1)


@dataclass(frozen=True)
class PlannedNotice:
    """One notice to send: which offset it stands for, when (UTC), and if it is a late one."""

    offset: timedelta
    due_at: datetime
    folded: bool


def plan_notices(
    start: datetime,
    offsets: Sequence[timedelta],
    now: datetime,
    quiet: QuietHours | None,
    tz: ZoneInfo,
) -> list[PlannedNotice]:
    """When to send the notices of a meeting: offsets already past fold into one sent now."""
    start_utc, now_utc = _utc(start), _utc(now)
    if start_utc <= now_utc:
        return []
    lead = start_utc - now_utc
    ordered = _descending(offsets)
    # Offsets are compared with the lead time rather than subtracted from the start, so an
    # absurdly large offset cannot overflow a datetime.
    late = [offset for offset in ordered if offset >= lead]
    notices = [
        PlannedNotice(offset, _place(start_utc - offset, start_utc, now_utc, quiet, tz), False)
        for offset in ordered
        if offset < lead
    ]
    if late:
        notices.append(
            PlannedNotice(late[0], _place(now_utc, start_utc, now_utc, quiet, tz), True)
        )
    return _merge(notices)


def _place(
    due: datetime, start: datetime, now: datetime, quiet: QuietHours | None, tz: ZoneInfo
) -> datetime:
    """Move a due time (UTC) out of quiet hours without passing the start or going before now."""
    if quiet is None or not quiet.contains(due, tz):
        return due
    end = _utc(quiet.next_end(due, tz))
    if end < start:
        return end
    # Too late after the quiet period: go just before it began, or now if that is past
    # (a notice sent in quiet hours is better than a meeting nobody was told about).
    before = _utc(quiet.period_start(due, tz)) - BEFORE_QUIET
    return max(before, now)


def _merge(notices: Sequence[PlannedNotice]) -> list[PlannedNotice]:
    """One notice per due time, keeping the largest offset, sorted by due time."""
    by_due: dict[datetime, PlannedNotice] = {}
    for notice in notices:
        other = by_due.get(notice.due_at)
        if other is not None:
            notice = PlannedNotice(
                max(notice.offset, other.offset), notice.due_at, notice.folded or other.folded
            )
        by_due[notice.due_at] = notice
    return sorted(by_due.values(), key=lambda notice: notice.due_at)


def nudge_time(
    start: datetime,
    offsets: Sequence[timedelta],
    now: datetime,
    quiet: QuietHours | None,
    tz: ZoneInfo,
) -> datetime | None:
    """When to nudge members who have not answered (UTC), or None if it is too late."""
    start_utc, now_utc = _utc(start), _utc(now)
    ordered = _descending(offsets)
    if not ordered:
        return None
    # Halfway between the last two notices; with a single notice, between it and the start.
    earlier, later = ordered[-2:] if len(ordered) > 1 else (ordered[0], timedelta(0))
    before_start = (earlier + later) / 2
    if before_start >= start_utc - now_utc:
        return None
    due = _place(start_utc - before_start, start_utc, now_utc, quiet, tz)
    # A nudge is a courtesy: it never goes in quiet hours, unlike a notice.
    if quiet is not None and quiet.contains(due, tz):
        return None
    return due


# --- Reading what a secretary types -----------------------------------------------------------

MAX_PLACE_CHARS = 200
MAX_MONTHS_AHEAD = 12

MOVE_EXAMPLE = N_("Ví dụ: /lichhop 05/12 19:30 Nhà văn hóa thôn")
CLOCK_EXAMPLE = N_("Ví dụ: 19:30, 19h30 hoặc 7 giờ 30 tối")
DAY_EXAMPLE = N_("Ví dụ: 3, ngày 3 hoặc cuối tháng")


@dataclass(frozen=True)
class ParseError:
    """Why a typed date, time or day was not understood, as a msgid with its placeholders."""

    message: str
    # A dict is not hashable, so it stays out of the generated __hash__.
    params: Mapping[str, str] = field(default_factory=dict, hash=False)
    example: str | None = None

    def render(self, gettext: Callable[[str], str]) -> str:
        """Translate the message, fill in its placeholders and add the example."""
        text = gettext(self.message).format(**self.params)
        return text if self.example is None else f"{text}\n{gettext(self.example)}"


@dataclass(frozen=True)
class MeetingMove:
    """A meeting moved by the secretary: new start (aware, in tz) and place (None: keep)."""

    start: datetime
    place: str | None


# The time grammar, matched against folded text (no diacritics, lower case).
_PERIODS = r"sang|trua|chieu|toi|dem"
_CLOCK = (
    r"(?P<hour>[0-9]{1,2})"
    r"(?:"
    r":(?P<colon>[0-9]{2})"  # 19:30
    r"|[hg](?:(?P<short>[0-9]{1,2})(?:p|ph|phut|')?)?"  # 19h, 19h30, 19g30, 19h30p
    r"|\s*gio(?:\s*(?P<long>[0-9]{1,2})(?:\s*phut)?)?"  # 19 giờ, 7 giờ 30 phút
    rf"|(?=\s*(?:{_PERIODS})\b)"  # 7 tối: a bare hour only with the part of the day
    r")"
    rf"(?:\s*(?P<period>{_PERIODS}))?"
)
_CLOCK_ONLY = re.compile(rf"\s*{_CLOCK}\s*$")
_CLOCK_AT = re.compile(rf"{_CLOCK}(?=[\s,;]|$)")
_DATE_AT = re.compile(
    r"\s*(?:ngay\s*)?"
    r"(?P<day>[0-9]{1,2})(?P<sep>[/.-])(?P<month>[0-9]{1,2})(?:(?P=sep)(?P<year>[0-9]+))?"
    r"(?=[\s,;]|$)"
)
_BETWEEN_DATE_AND_TIME = re.compile(r"[\s,;]*(?:(?:vao\s+)?luc(?:\s+|$)|vao\s+)?")
_BEFORE_PLACE = re.compile(r"[\s,;:-]*(?:(?:tai|o)(?:\s+|$))?")
_WORD_AT = re.compile(r"\s*(\S+)")

# Hours each part of the day takes as they are, and hours it moves to the afternoon.
_PERIOD_HOURS: dict[str, tuple[range, range]] = {
    "sang": (range(0, 13), range(0)),
    "trua": (range(10, 15), range(1, 3)),
    "chieu": (range(12, 24), range(1, 12)),
    "toi": (range(13, 24), range(1, 12)),
    "dem": (range(19, 24), range(7, 12)),
}

M_EMPTY = N_("Chưa có ngày giờ họp: hãy ghi ngày/tháng, giờ, rồi địa điểm nếu đổi.")
M_NOT_A_DATE = N_("«{text}» không phải ngày: hãy ghi ngày/tháng trước, như 05/12 hoặc 05/12/2026.")
M_NO_MONTH = N_("Không có tháng {month}: tháng từ 1 đến 12.")
M_NO_DAY = N_("Tháng {month} không có ngày {day}.")
M_NO_LEAP_DAY = N_("Năm {year} không có ngày 29/02.")
M_BAD_YEAR = N_("«{year}» không phải năm: hãy ghi năm đủ bốn chữ số, như 2026.")
M_NO_TIME = N_("Chưa có giờ họp: hãy ghi giờ ngay sau ngày.")
M_EMPTY_CLOCK = N_("Chưa ghi giờ.")
M_NOT_A_TIME = N_("«{text}» không phải giờ: hãy ghi như 19:30, 19h30 hoặc 7 giờ 30 tối.")
M_BAD_CLOCK = N_("«{text}» không phải giờ hợp lệ: giờ từ 0 đến 23, phút từ 0 đến 59.")
M_BAD_PERIOD = N_("«{text}»: {hour} giờ không thuộc buổi {period}.")
M_PAST = N_("{when} đã qua: hãy chọn một lúc sắp tới.")
M_TOO_FAR = N_(
    "Ngày {date} quá xa (hơn {months} tháng nữa): chỉ hẹn được trong {months} tháng tới."
)
M_PLACE_TOO_LONG = N_("Địa điểm dài quá {limit} ký tự (đang có {length}); hãy ghi gọn hơn.")
M_NOT_A_DAY = N_(
    "«{text}» không phải ngày trong tháng: hãy ghi một số từ 1 đến 28 hoặc «cuối tháng»."
)
M_DAY_NOT_EVERY_MONTH = N_(
    "Không phải tháng nào cũng có ngày {day}: hãy chọn từ 1 đến 28, hoặc «cuối tháng»."
)


class _Folded:
    """Text folded character by character, remembering where each folded character came from."""

    def __init__(self, text: str) -> None:
        self.text = unicodedata.normalize("NFC", text)
        chars: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(self.text):
            folded = " " if char.isspace() else fold(char)
            chars.append(folded)
            origin.extend([index] * len(folded))
        origin.append(len(self.text))
        self.folded = "".join(chars)
        self._origin = origin

    def original(self, start: int, end: int) -> str:
        """The original text behind the folded positions start to end."""
        return self.text[self._origin[start] : self._origin[end]]

    def skip(self, pattern: re.Pattern[str], position: int) -> int:
        """The position after what the pattern matches there (nothing: the same position)."""
        match = pattern.match(self.folded, position)
        return position if match is None else match.end()

    def word(self, position: int) -> str:
        """The original word at or after a folded position."""
        match = _WORD_AT.match(self.folded, position)
        return self.text if match is None else self.original(*match.span(1))


def parse_clock(text: str) -> time | ParseError:
    """Read a time of day: "19:30", "19h30", "19g30", "19h", "7h30 tối", "7 giờ 30 tối"."""
    typed = _Folded(text)
    if not typed.folded.strip():
        return ParseError(M_EMPTY_CLOCK, example=CLOCK_EXAMPLE)
    match = _CLOCK_ONLY.match(typed.folded)
    if match is None:
        return ParseError(M_NOT_A_TIME, {"text": shorten(typed.text)}, CLOCK_EXAMPLE)
    return _clock(match, typed, CLOCK_EXAMPLE)


def _clock(match: re.Match[str], typed: _Folded, example: str) -> time | ParseError:
    """The time a clock match stands for, or why it is not a time of day."""
    shown = tidy(typed.original(match.start("hour"), match.end()))
    hour = int(match["hour"])
    minute = int(match["colon"] or match["short"] or match["long"] or 0)
    if hour > 23 or minute > 59:
        return ParseError(M_BAD_CLOCK, {"text": shown}, example)
    period = match["period"]
    if period is None:
        return time(hour, minute)
    as_typed, afternoon = _PERIOD_HOURS[period]
    if hour in afternoon:
        return time(hour + 12, minute)
    if hour in as_typed:
        return time(hour, minute)
    word = typed.original(*match.span("period"))
    return ParseError(M_BAD_PERIOD, {"text": shown, "hour": str(hour), "period": word}, example)


def parse_move(text: str, now: datetime, tz: ZoneInfo) -> MeetingMove | ParseError:
    """Read "05/12 19:30 Nhà văn hóa thôn": date, then time, then an optional new place."""
    typed = _Folded(text)
    if not typed.folded.strip():
        return _error(M_EMPTY)
    date_match = _DATE_AT.match(typed.folded)
    if date_match is None:
        return _error(M_NOT_A_DATE, text=shorten(typed.word(0)))
    clock_start = typed.skip(_BETWEEN_DATE_AND_TIME, date_match.end())
    if not typed.folded[clock_start:].strip():
        return _error(M_NO_TIME)
    clock_match = _CLOCK_AT.match(typed.folded, clock_start)
    if clock_match is None:
        return _error(M_NOT_A_TIME, text=shorten(typed.word(clock_start)))
    clock = _clock(clock_match, typed, MOVE_EXAMPLE)
    if isinstance(clock, ParseError):
        return clock
    start = _resolve_date(date_match, clock, now, tz)
    if isinstance(start, ParseError):
        return start
    place = _place_text(typed, clock_match.end())
    if isinstance(place, ParseError):
        return place
    return MeetingMove(start, place)


def _error(message: str, **params: str) -> ParseError:
    return ParseError(message, params, MOVE_EXAMPLE)


def _place_text(typed: _Folded, position: int) -> str | ParseError | None:
    """The place after the time, without a leading "tại"; empty means keep the old one."""
    place = tidy(typed.original(typed.skip(_BEFORE_PLACE, position), len(typed.folded)))
    if len(place) > MAX_PLACE_CHARS:
        return _error(M_PLACE_TOO_LONG, limit=str(MAX_PLACE_CHARS), length=str(len(place)))
    return place or None


def _resolve_date(
    match: re.Match[str], clock: time, now: datetime, tz: ZoneInfo
) -> datetime | ParseError:
    """The start from a typed day/month[/year] and a time; errors say what is impossible."""
    day, month = int(match["day"]), int(match["month"])
    if not 1 <= month <= 12:
        return _error(M_NO_MONTH, month=str(month))
    # 2000 is a leap year, so 29/02 passes here and is checked against the real year below.
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:
        return _error(M_NO_DAY, day=str(day), month=str(month))
    today = _utc(now).astimezone(tz).date()
    year = _year(match["year"], day, month, today)
    if isinstance(year, ParseError):
        return year
    when = f"{day:02}/{month:02}/{year} {clock:%H:%M}"
    # Checked on numbers before building a date, so year 1 or 9999 cannot overflow.
    if (year, month, day) < (today.year, today.month, today.day):
        return _error(M_PAST, when=when)
    if day == 29 and month == 2 and not calendar.isleap(year):
        return _error(M_NO_LEAP_DAY, year=str(year))
    wanted = date(year, month, day)
    if wanted > _months_later(today, MAX_MONTHS_AHEAD):
        return _error(M_TOO_FAR, date=f"{wanted:%d/%m/%Y}", months=str(MAX_MONTHS_AHEAD))
    start = local_datetime(wanted, clock, tz)
    if _utc(start) <= _utc(now):
        return _error(M_PAST, when=when)
    return start


def _year(typed: str | None, day: int, month: int, today: date) -> int | ParseError:
    """The typed year (two or four digits), or the year the day/month next comes round."""
    if typed is None:
        # A date before today means next year's; today itself stays today, so a time already
        # past is reported rather than silently moved a year ahead.
        return today.year + ((month, day) < (today.month, today.day))
    if len(typed) == 2:
        return 2000 + int(typed)
    if len(typed) == 4 and int(typed) > 0:
        return int(typed)
    return _error(M_BAD_YEAR, year=typed)


def _months_later(today: date, months: int) -> date:
    index = today.year * 12 + today.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(today.day, last))


_LAST_DAY_WORDS = frozenset(
    fold(word)
    for word in ("cuối tháng", "ngày cuối tháng", "ngày cuối", "cuối", "last", "last day")
)
_DAY_NUMBER = re.compile(r"^(?:ngay\s*)?([0-9]{1,2})$")


def parse_day_of_month(text: str) -> int | ParseError | None:
    """Read the day of the regular slot: "3", "ngày 3", or "cuối tháng" (None: last day)."""
    typed = tidy(text)
    words = fold(typed)
    if words in _LAST_DAY_WORDS:
        return None
    match = _DAY_NUMBER.match(words)
    if match is None or not 1 <= int(match[1]) <= 31:
        return ParseError(M_NOT_A_DAY, {"text": shorten(typed)}, DAY_EXAMPLE)
    day = int(match[1])
    if day > LAST_REGULAR_DAY:
        return ParseError(M_DAY_NOT_EVERY_MONTH, {"day": str(day)}, DAY_EXAMPLE)
    return day
