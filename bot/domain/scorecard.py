"""The meeting scorecard as data, and its arithmetic: typed points, totals, grades, pre-fills."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from itertools import pairwise
from math import floor
from pathlib import Path

from bot.domain.models import N_
from bot.domain.schedule import MeetingKind
from bot.domain.text import fold, tidy

# --- The card ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One line of the card: what is judged and the most it can get."""

    code: str
    group: str
    text: str
    max_points: Decimal
    thematic_only: bool = False
    known: str | None = None


@dataclass(frozen=True)
class Group:
    """A numbered group of criteria; its maximum is the sum of theirs."""

    code: str
    title: str
    max_points: Decimal
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Grade:
    """A classification and the least total (out of the card's maximum) that earns it."""

    name: str
    minimum: Decimal


@dataclass(frozen=True)
class Card:
    """A whole scorecard: groups of criteria in scoring order, grades from high to low."""

    title: str
    groups: tuple[Group, ...]
    grades: tuple[Grade, ...]

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """Every criterion, in scoring order."""
        return tuple(criterion for group in self.groups for criterion in group.criteria)

    @property
    def max_total(self) -> Decimal:
        """The card's full maximum (100 for the default card)."""
        return sum((group.max_points for group in self.groups), Decimal(0))

    def applicable(self, thematic: bool) -> tuple[Criterion, ...]:
        """The criteria that count: thematic-only ones only when the meeting has that part."""
        return tuple(c for c in self.criteria if thematic or not c.thematic_only)

    def applicable_max(self, thematic: bool) -> Decimal:
        """The most a meeting can get: 100, or 95 on the default card without a thematic part."""
        return sum((c.max_points for c in self.applicable(thematic)), Decimal(0))

    def criterion(self, code: str) -> Criterion | None:
        """The criterion stored under a code, if this card has it."""
        return next((c for c in self.criteria if c.code == code), None)

    def grade(self, total: Decimal, max_total: Decimal | None = None) -> Grade:
        """The grade of a total out of max_total (default: the card's), re-based to the card."""
        # DOMAIN.md §2: the source card does not say how its 5 thematic-only points are
        # handled in a month without a thematic meeting. Our rule: the total is scaled from
        # what the meeting could get onto the card's full maximum (total × 100 / 95 on the
        # default card) before the thresholds apply, so a perfect meeting is Tốt in any month
        # and each grade stands for the same share of the attainable points.
        out_of = self.max_total if max_total is None else max_total
        if out_of <= 0:
            raise ValueError(f"a card's maximum must be positive, not {out_of}")
        for grade in self.grades:
            # Cross-multiplied rather than divided, so 100/95 is never rounded at an edge.
            if total * self.max_total >= grade.minimum * out_of:
                return grade
        return self.grades[-1]


def thematic_part(kind: MeetingKind) -> bool:
    """Whether a meeting of this kind has a thematic part, so thematic criteria count."""
    return kind in (MeetingKind.THEMATIC, MeetingKind.BOTH)


# The texts of default_scorecard.toml, marked here so Babel extracts them into the catalogs
# (it reads Python, not TOML); a test keeps the two in step.
_DEFAULT_TEXTS = (
    N_("Phiếu đánh giá chất lượng sinh hoạt chi bộ"),
    N_("Thời gian, thời lượng"),
    N_("Đủ 90 phút (kèm chuyên đề: 120): 5; thiếu ≤15 phút: 4; ≤30 phút: 3; ≥ nửa: 2; < nửa: 1"),
    N_("Tỉ lệ dự họp"),
    N_("Dự họp ≥90%: 4; 75–<90%: 3; 65–<75%: 2; <65% hoặc có vắng không lý do: 1"),
    N_("Trong năm không ai vắng có lý do quá 3 lần liên tiếp"),
    N_("Chuẩn bị"),
    N_("Nội dung sát thực tế, có trọng tâm, trọng điểm"),
    N_("Có kế hoạch thảo luận và dự thảo nghị quyết"),
    N_("Chi ủy họp trước, có biên bản (chi bộ chỉ có bí thư: đủ điểm)"),
    N_("Đã thông báo cho đảng viên và cấp ủy viên phụ trách chi bộ"),
    N_("Tài liệu lên Sổ tay đảng viên điện tử trước ít nhất 1 ngày"),
    N_("Tổ chức sinh hoạt"),
    N_("Thực hiện đủ các bước quy trình sinh hoạt (42-HD/BTCTW, mục II.2.2)"),
    N_("Nội dung sinh hoạt thường kỳ đầy đủ (42-HD/BTCTW, mục II.3.1)"),
    N_("Nội dung sinh hoạt chuyên đề (mục II.3.2), chỉ tháng có chuyên đề"),
    N_("Biểu dương hoặc phê bình đảng viên"),
    N_("Số người phát biểu: >50%: 5; 40–50%: 4; 30–40%: 3; <30%: 2"),
    N_("Biên bản ghi đầy đủ"),
    N_("Dành 15–30 phút cho tư tưởng, tự phê bình và phê bình của đảng viên"),
    N_("Tài liệu sinh hoạt có trên Sổ tay đảng viên điện tử"),
    N_("Điều hành của bí thư"),
    N_("Chủ trì linh hoạt"),
    N_("Định hướng, dẫn dắt thảo luận đúng trọng tâm"),
    N_("Không khí dân chủ, cởi mở"),
    N_("Tổng hợp, kết luận được thành nghị quyết"),
    N_("Nguyên tắc"),
    N_("Bảo đảm nguyên tắc tập trung dân chủ"),
    N_("Tự phê bình và phê bình thực chất"),
    N_("Tính lãnh đạo, giáo dục, chiến đấu của buổi sinh hoạt"),
    N_("Giải đáp thắc mắc, kiến nghị của đảng viên"),
    N_("Kết quả thực hiện nghị quyết tháng trước"),
    N_("Chỉ tiêu NQ tháng trước đạt ≥90%: 30; ≥80%: 27; ≥70%: 24; ≥60%: 20; ≥50%: 15; <50%: 10"),
    N_("Kết thúc"),
    N_("Chủ trì kết luận, nghị quyết được thông qua"),
    N_("Thông qua biên bản, phân công nhiệm vụ"),
    N_("Tài liệu cuối cùng lên Sổ tay trong 2 ngày sau buổi họp"),
    N_("Tốt"),
    N_("Khá"),
    N_("Trung bình"),
    N_("Kém"),
)


# --- Points -----------------------------------------------------------------------------------

# Paper forms score in whole and half points, so every maximum, threshold and typed score is
# a multiple of 0.5: finer values would only be typing slips.
HALF = Decimal("0.5")


def is_half_step(value: Decimal) -> bool:
    """Whether a value is finite and a whole multiple of 0.5."""
    # Fraction is exact, where Decimal arithmetic would round a long fraction to 28 digits.
    return value.is_finite() and Fraction(value).denominator in (1, 2)


def points_text(value: Decimal) -> str:
    """Points written the Vietnamese way, as the secretary types them: 4, 4,5, 30."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _canonical(value: Decimal) -> Decimal:
    """One spelling per value (4, not 4.0; 4.5, not 4.50), so stored text compares equal."""
    whole = value.to_integral_value()
    return whole.quantize(Decimal(1)) if value == whole else value.quantize(HALF)


M_POINTS_EMPTY = N_("Hãy gõ số điểm, như 4 hoặc 4,5.")
M_POINTS_NOT_NUMBER = N_("«{text}» không phải số điểm: gõ như 4 hoặc 4,5.")
M_POINTS_RANGE = N_("Điểm phải từ 0 đến {max}.")
M_POINTS_HALVES = N_("«{text}»: điểm chỉ chấm chẵn hoặc lẻ nửa điểm, như 4 hoặc 4,5.")


@dataclass(frozen=True)
class PointsError:
    """Why typed text is not a score for this criterion, as a msgid with its placeholders."""

    message: str
    # A dict is not hashable, so it stays out of the generated __hash__.
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str]) -> str:
        """Translate the message and fill in its placeholders."""
        return gettext(self.message).format(**self.params)


# Matched against folded text: "4", "4,5", "4.5", "+4", "-1" (a range error, not a non-number),
# "4đ", "4 điểm". No exponents, nan or inf: nobody writes a score that way.
_POINTS = re.compile(
    r"(?P<sign>[+-]?)\s*(?P<whole>[0-9]+)(?:[.,](?P<fraction>[0-9]+))?\s*(?:d|diem)?"
)
# Typed text is echoed in errors; a pasted paragraph is cut so the reply stays short.
_SHOWN_CHARS = 20


def parse_points(text: str, maximum: Decimal) -> Decimal | PointsError:
    """Read a typed score ("4", "4,5", "4.5", "4đ", "4 điểm") between 0 and maximum."""
    # NFKC turns full-width digits and commas (from some phone keyboards) into ASCII ones.
    typed = tidy(unicodedata.normalize("NFKC", text))
    if not typed:
        return PointsError(M_POINTS_EMPTY)
    shown = typed if len(typed) <= _SHOWN_CHARS else typed[: _SHOWN_CHARS - 1] + "…"
    match = _POINTS.fullmatch(fold(typed))
    if match is None:
        return PointsError(M_POINTS_NOT_NUMBER, {"text": shown})
    fraction = match["fraction"] or ""
    value = Decimal(f"{match['whole']}.{fraction or '0'}")
    # Compared exactly, before any arithmetic, so a hundred-digit number is just "too big".
    if (match["sign"] == "-" and value != 0) or value > maximum:
        return PointsError(M_POINTS_RANGE, {"max": points_text(maximum)})
    if fraction.rstrip("0") not in ("", "5"):
        return PointsError(M_POINTS_HALVES, {"text": shown})
    return _canonical(value)


def total(card: Card, points: Mapping[str, Decimal], thematic: bool) -> Decimal:
    """The sum of the points of the criteria that apply; criteria not yet scored count 0."""
    result = Decimal(0)
    # Codes the card does not have (left from an older card) and criteria that do not apply
    # this month are ignored; a value outside a criterion's range is a bug upstream.
    for criterion in card.applicable(thematic):
        value = points.get(criterion.code)
        if value is None:
            continue
        if not Decimal(0) <= value <= criterion.max_points:
            raise ValueError(
                f"criterion {criterion.code}: {value} is outside 0-{criterion.max_points}"
            )
        result += value
    return result


def grade_for(card: Card, points: Mapping[str, Decimal], thematic: bool) -> Grade:
    """The grade of a scored meeting, re-based when its thematic criteria do not apply."""
    return card.grade(total(card, points, thematic), card.applicable_max(thematic))


# --- What the bot knows: pre-filled points ----------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What the bot knows about a meeting from its notices and roll-call."""

    duration_minutes: int | None  # roll-call start to end; None while the meeting runs
    minimum_minutes: int  # 90, or 120 with a thematic part (MeetingKind.minimum_minutes)
    attendance_ratio: Decimal | None  # present / expected, exempt left out; None: not closed
    any_unexcused: bool
    no_long_excuse_streak: bool  # nobody excused more than 3 times in a row this year
    notice_sent_to_members: bool
    notice_sent_to_cadre: bool


@dataclass(frozen=True)
class Suggestion:
    """Points the bot proposes for a criterion, with the evidence shown to the secretary."""

    code: str
    points: Decimal
    reason: str
    # A dict is not hashable, so it stays out of the generated __hash__.
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str]) -> str:
        """Translate the evidence line and fill in its placeholders."""
        return gettext(self.reason).format(**self.params)


M_DURATION_MET = N_("Họp {minutes} phút, đủ {minimum} phút.")
M_DURATION_SHORT = N_("Họp {minutes} phút, thiếu {short} phút so với {minimum} phút.")
M_ATTENDANCE_CLEAN = N_("Dự họp {ratio}, không ai vắng không lý do.")
M_ATTENDANCE_UNEXCUSED = N_("Dự họp {ratio}, có người vắng không lý do.")
M_STREAK_NONE = N_("Năm nay chưa ai vắng có lý do quá 3 lần liên tiếp.")
M_STREAK_FOUND = N_("Năm nay có người vắng có lý do quá 3 lần liên tiếp.")
M_NOTICE_BOTH = N_("Thông báo đã gửi cho đảng viên và cấp ủy viên phụ trách.")
M_NOTICE_NO_CADRE = N_("Thông báo chưa gửi cho cấp ủy viên phụ trách.")
M_NOTICE_NO_MEMBERS = N_("Thông báo chưa gửi cho đảng viên.")
M_NOTICE_NONE = N_("Thông báo chưa gửi cho đảng viên và cấp ủy viên phụ trách.")


def duration_points(minutes: int, minimum: int) -> Decimal:
    """Group 1 of the default card (out of 5): the meeting's length against its minimum."""
    # DOMAIN.md §2 row 1 lists "meets = 5; short by ≤15 = 4; by 15–30 = 3; half the time = 2;
    # under half = 1". Read as: a shortfall of 1–15 minutes is 4, 16–30 is 3, more than 30 is
    # 2 while at least half the minimum was held, and 1 below half. For 90 minutes: 75–89 → 4,
    # 60–74 → 3, 45–59 → 2, under 45 → 1; for 120: 105–119 → 4, 90–104 → 3, 60–89 → 2.
    short = minimum - minutes
    if short <= 0:
        return Decimal(5)
    if short <= 15:
        return Decimal(4)
    if short <= 30:
        return Decimal(3)
    return Decimal(2) if 2 * minutes >= minimum else Decimal(1)


def attendance_points(ratio: Decimal, any_unexcused: bool) -> Decimal:
    """Criterion 2.1 of the default card (out of 4): the share present and unexcused absences."""
    if any_unexcused or ratio < Decimal("0.65"):
        return Decimal(1)
    if ratio >= Decimal("0.9"):
        return Decimal(4)
    return Decimal(3) if ratio >= Decimal("0.75") else Decimal(2)


def percent_text(ratio: Decimal) -> str:
    """A ratio as a whole percentage rounded down: 0.899 is 89%, the band it scores in."""
    # Every band edge is a whole percent, so rounding down never shows a number from the
    # band above the one that was scored.
    return f"{(ratio * 100).to_integral_value(ROUND_FLOOR):f}%"


_Pre = tuple[Decimal, str, dict[str, str]]


def _duration(evidence: Evidence) -> _Pre | None:
    if evidence.duration_minutes is None:
        return None
    # A clock set back mid-meeting must not show a negative length.
    minutes, minimum = max(0, evidence.duration_minutes), evidence.minimum_minutes
    params = {"minutes": str(minutes), "minimum": str(minimum)}
    if minutes >= minimum:
        return duration_points(minutes, minimum), M_DURATION_MET, params
    params["short"] = str(minimum - minutes)
    return duration_points(minutes, minimum), M_DURATION_SHORT, params


def _attendance(evidence: Evidence) -> _Pre | None:
    ratio = evidence.attendance_ratio
    if ratio is None:
        return None
    reason = M_ATTENDANCE_UNEXCUSED if evidence.any_unexcused else M_ATTENDANCE_CLEAN
    points = attendance_points(ratio, evidence.any_unexcused)
    return points, reason, {"ratio": percent_text(ratio)}


def _streak(evidence: Evidence) -> _Pre | None:
    # The streak counts this meeting's excuses too, so it is known only once the roll-call
    # (which gives the attendance ratio) is closed.
    if evidence.attendance_ratio is None:
        return None
    if evidence.no_long_excuse_streak:
        return Decimal(1), M_STREAK_NONE, {}
    return Decimal(0), M_STREAK_FOUND, {}


def _notice(evidence: Evidence) -> _Pre:
    members, cadre = evidence.notice_sent_to_members, evidence.notice_sent_to_cadre
    if members and cadre:
        return Decimal(1), M_NOTICE_BOTH, {}
    if members:
        return Decimal(0), M_NOTICE_NO_CADRE, {}
    return Decimal(0), M_NOTICE_NO_MEMBERS if cadre else M_NOTICE_NONE, {}


# Which evidence a criterion can be pre-filled from, with the maximum its bands are written
# for. Attendance is two criteria on the default card: 2.1 the bands (4) and 2.2 the streak
# bonus (1), so the secretary can correct either one and each shows its own evidence.
_KNOWN: dict[str, tuple[Callable[[Evidence], _Pre | None], Decimal]] = {
    "duration": (_duration, Decimal(5)),
    "attendance": (_attendance, Decimal(4)),
    "streak": (_streak, Decimal(1)),
    "notice": (_notice, Decimal(1)),
}
KNOWN = tuple(_KNOWN)


def _scaled(points: Decimal, written_for: Decimal, maximum: Decimal) -> Decimal:
    """Band points moved onto a criterion with another maximum, rounded down to a half point."""
    if maximum == written_for:
        return points
    # A replacement card may weigh, say, attendance at 10: 4 of 4 becomes 10, 3 of 4 is 7,5.
    halves = floor(Fraction(points) * Fraction(maximum) / Fraction(written_for) * 2)
    return _canonical(Decimal(halves) / 2)


def suggest(card: Card, evidence: Evidence) -> dict[str, Suggestion]:
    """Pre-filled points, by criterion code, for the criteria whose evidence the bot has."""
    found: dict[str, Suggestion] = {}
    for criterion in card.criteria:
        if criterion.known is None:
            continue
        compute, written_for = _KNOWN[criterion.known]
        made = compute(evidence)
        if made is None:
            continue
        points, reason, params = made
        scaled = _scaled(points, written_for, criterion.max_points)
        found[criterion.code] = Suggestion(criterion.code, scaled, reason, params)
    return found


# --- Reading a card file ----------------------------------------------------------------------

DEFAULT_CARD_FILE = "default_scorecard.toml"
# Far above any real card; it keeps every sum and threshold exact in Decimal's 28 digits.
MAX_CARD_POINTS = Decimal(1000)

M_CARD_MISSING = N_("Không có tệp phiếu chấm điểm {path}.")
M_CARD_UNREADABLE = N_("Không đọc được tệp {path}: {reason}")
M_CARD_NOT_TOML = N_("Tệp {path} không phải TOML hợp lệ: {reason}")
M_CARD_MISSING_KEY = N_("Thiếu mục {key}.")
M_CARD_UNKNOWN_KEY = N_("Mục {key} không có trong định dạng phiếu chấm điểm.")
M_CARD_NOT_TABLES = N_("Mục {key} phải là một danh sách bảng [[{key}]] không rỗng.")
M_CARD_NOT_TEXT = N_("Mục {key} phải là chữ, không để trống.")
M_CARD_BAD_CODE = N_(
    "Mục {key} chỉ gồm chữ cái không dấu, chữ số, dấu chấm, gạch (tối đa 16 ký tự): «{value}»."
)
M_CARD_NOT_POINTS = N_("Mục {key} phải là số từ 0,5 đến 1000, bội của 0,5: «{value}».")
M_CARD_NOT_MINIMUM = N_("Mục {key} phải là số từ 0 đến 1000, bội của 0,5: «{value}».")
M_CARD_NOT_FLAG = N_("Mục {key} phải là true hoặc false.")
M_CARD_BAD_KNOWN = N_("Mục {key} phải là một trong: {choices}.")
M_CARD_DUPLICATE_CODE = N_("Mã {code} dùng hai lần.")
M_CARD_DUPLICATE_KNOWN = N_("Hai tiêu chí cùng điền sẵn «{known}»: {first} và {second}.")
M_CARD_GROUP_SUM = N_("Nhóm {code}: các tiêu chí cộng lại {sum} điểm, khác tối đa {max} của nhóm.")
M_CARD_DUPLICATE_GRADE = N_("Mức xếp loại «{name}» có hai lần.")
M_CARD_GRADE_ORDER = N_(
    "Các mức xếp loại phải từ cao xuống thấp: «{name}» ({minimum}) không thấp hơn mức trên."
)
M_CARD_GRADE_TOO_HIGH = N_("Mức «{name}» cần {minimum} điểm, quá tổng điểm {max} của phiếu.")
M_CARD_LOWEST_GRADE = N_("Mức xếp loại thấp nhất phải bắt đầu từ 0 điểm, không phải {minimum}.")


@dataclass(frozen=True)
class CardError:
    """Why a card file was refused, as a msgid with its placeholders."""

    message: str
    # A dict is not hashable, so it stays out of the generated __hash__.
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str]) -> str:
        """Translate the message and fill in its placeholders."""
        return gettext(self.message).format(**self.params)


class _RefusedError(Exception):
    """Carries the first problem out of the nested reading code."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message)
        self.error = CardError(message, params)


@cache
def default_card() -> Card:
    """The card shipped with the bot (default_scorecard.toml in this package)."""
    resource = resources.files("bot.domain").joinpath(DEFAULT_CARD_FILE)
    card = parse_card(resource.read_text(encoding="utf-8"), DEFAULT_CARD_FILE)
    if isinstance(card, CardError):
        raise RuntimeError(f"the shipped {DEFAULT_CARD_FILE} is invalid: {card.render(str)}")
    return card


def load_card(path: Path) -> Card | CardError:
    """Read and check a replacement card from a TOML file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return CardError(M_CARD_MISSING, {"path": str(path)})
    except OSError as exc:
        return CardError(M_CARD_UNREADABLE, {"path": str(path), "reason": exc.strerror or ""})
    try:
        # utf-8-sig: Windows Notepad puts a byte-order mark before the text.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return CardError(M_CARD_NOT_TOML, {"path": str(path), "reason": exc.reason})
    return parse_card(text, str(path))


def parse_card(text: str, source: str) -> Card | CardError:
    """Read and check a card from TOML text; source names it in errors."""
    try:
        # Decimal, not float, so 0.5-steps and sums stay exact.
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        return CardError(M_CARD_NOT_TOML, {"path": source, "reason": str(exc)})
    try:
        return _card(data)
    except _RefusedError as refused:
        return refused.error


_CODE = re.compile(r"[0-9A-Za-z._-]{1,16}")
_CARD_KEYS = frozenset({"title", "groups", "grades"})
_GROUP_KEYS = frozenset({"code", "title", "max", "criteria"})
_CRITERION_KEYS = frozenset({"code", "text", "points", "thematic_only", "known"})
_GRADE_KEYS = frozenset({"name", "minimum"})


def _card(data: Mapping[str, object]) -> Card:
    _check_keys(data, _CARD_KEYS, "")
    title = _text(data, "title", "")
    groups = tuple(
        _group(table, f"groups[{index}]")
        for index, table in enumerate(_tables(data, "groups", ""), 1)
    )
    _check_unique([group.code for group in groups])
    criteria = [criterion for group in groups for criterion in group.criteria]
    _check_unique([criterion.code for criterion in criteria])
    first_known: dict[str, str] = {}
    for criterion in criteria:
        if criterion.known is None:
            continue
        if criterion.known in first_known:
            raise _RefusedError(
                M_CARD_DUPLICATE_KNOWN,
                known=criterion.known,
                first=first_known[criterion.known],
                second=criterion.code,
            )
        first_known[criterion.known] = criterion.code
    grades = tuple(
        _grade(table, f"grades[{index}]")
        for index, table in enumerate(_tables(data, "grades", ""), 1)
    )
    _check_grades(grades, sum((group.max_points for group in groups), Decimal(0)))
    return Card(title, groups, grades)


def _group(table: Mapping[str, object], where: str) -> Group:
    _check_keys(table, _GROUP_KEYS, where)
    code = _code(table, where)
    maximum = _points(table, "max", where)
    criteria = tuple(
        _criterion(item, f"{where}.criteria[{index}]", code)
        for index, item in enumerate(_tables(table, "criteria", where), 1)
    )
    added = sum((criterion.max_points for criterion in criteria), Decimal(0))
    if added != maximum:
        raise _RefusedError(
            M_CARD_GROUP_SUM, code=code, sum=points_text(added), max=points_text(maximum)
        )
    return Group(code, _text(table, "title", where), maximum, criteria)


def _criterion(table: Mapping[str, object], where: str, group: str) -> Criterion:
    _check_keys(table, _CRITERION_KEYS, where)
    known = table.get("known")
    if known is not None and (not isinstance(known, str) or known not in _KNOWN):
        raise _RefusedError(M_CARD_BAD_KNOWN, key=_key(where, "known"), choices=", ".join(KNOWN))
    thematic = table.get("thematic_only", False)
    if not isinstance(thematic, bool):
        raise _RefusedError(M_CARD_NOT_FLAG, key=_key(where, "thematic_only"))
    return Criterion(
        code=_code(table, where),
        group=group,
        text=_text(table, "text", where),
        max_points=_points(table, "points", where),
        thematic_only=thematic,
        known=known,
    )


def _grade(table: Mapping[str, object], where: str) -> Grade:
    _check_keys(table, _GRADE_KEYS, where)
    return Grade(_text(table, "name", where), _points(table, "minimum", where, zero=True))


def _check_grades(grades: tuple[Grade, ...], max_total: Decimal) -> None:
    _check_unique([grade.name for grade in grades], M_CARD_DUPLICATE_GRADE, "name")
    for upper, lower in pairwise(grades):
        if lower.minimum >= upper.minimum:
            raise _RefusedError(
                M_CARD_GRADE_ORDER, name=lower.name, minimum=points_text(lower.minimum)
            )
    top, lowest = grades[0], grades[-1]
    if top.minimum > max_total:
        raise _RefusedError(
            M_CARD_GRADE_TOO_HIGH,
            name=top.name,
            minimum=points_text(top.minimum),
            max=points_text(max_total),
        )
    # Every total, however low, must have a grade.
    if lowest.minimum != 0:
        raise _RefusedError(M_CARD_LOWEST_GRADE, minimum=points_text(lowest.minimum))


def _key(where: str, key: str) -> str:
    """A TOML location an admin can find: groups[3].criteria[2].points."""
    return f"{where}.{key}" if where else key


def _check_keys(table: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
    # A misspelt key ("thematic" for "thematic_only") would otherwise be silently ignored.
    for key in table:
        if key not in allowed:
            raise _RefusedError(M_CARD_UNKNOWN_KEY, key=_key(where, key))


def _check_unique(
    values: list[str], message: str = M_CARD_DUPLICATE_CODE, param: str = "code"
) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise _RefusedError(message, **{param: value})
        seen.add(value)


def _tables(table: Mapping[str, object], key: str, where: str) -> list[Mapping[str, object]]:
    value = table.get(key)
    if value is None:
        raise _RefusedError(M_CARD_MISSING_KEY, key=_key(where, key))
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(item, dict) for item in value)
    ):
        raise _RefusedError(M_CARD_NOT_TABLES, key=_key(where, key))
    return value


def _text(table: Mapping[str, object], key: str, where: str) -> str:
    value = table.get(key)
    if value is None:
        raise _RefusedError(M_CARD_MISSING_KEY, key=_key(where, key))
    if not isinstance(value, str) or not tidy(value):
        raise _RefusedError(M_CARD_NOT_TEXT, key=_key(where, key))
    return tidy(value)


def _code(table: Mapping[str, object], where: str) -> str:
    # Codes are storage keys and travel in button data, hence short and plain.
    code = _text(table, "code", where)
    if not _CODE.fullmatch(code):
        raise _RefusedError(M_CARD_BAD_CODE, key=_key(where, "code"), value=code)
    return code


def _points(table: Mapping[str, object], key: str, where: str, *, zero: bool = False) -> Decimal:
    value = table.get(key)
    if value is None:
        raise _RefusedError(M_CARD_MISSING_KEY, key=_key(where, key))
    # bool is an int to Python, but `points = true` is a mistake.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        message = M_CARD_NOT_MINIMUM if zero else M_CARD_NOT_POINTS
        raise _RefusedError(message, key=_key(where, key), value=str(value))
    number = Decimal(value)
    if not (is_half_step(number) and (0 if zero else HALF) <= number <= MAX_CARD_POINTS):
        message = M_CARD_NOT_MINIMUM if zero else M_CARD_NOT_POINTS
        raise _RefusedError(message, key=_key(where, key), value=str(value))
    return _canonical(number)
