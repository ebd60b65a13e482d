"""Hostile input: any text, any length, any number, through the real bot and the pure readers.

The bot must answer every message with something a person can read, never show an internal
error, and store nothing when it refuses what was typed.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from bot.app import ChiboApp
from bot.domain.models import Role
from bot.domain.months import Month, MonthError, Year, read_period, read_whole_period
from bot.domain.orgfile import MAX_CELL_CHARS, OrgFile, read_org_file
from bot.domain.petitions import clean_text
from bot.domain.schedule import MeetingKind
from bot.domain.scorecard import PointsError, parse_points, thematic_part
from bot.services.org_import import import_org_file
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram, SimUser
from chibo_devtools.telegram.people import Replies
from tests.helpers import Clock, at_local, changed, deliver, linked, snapshot

VN = ZoneInfo("Asia/Ho_Chi_Minh")
APOLOGY = "Trợ lý gặp lỗi"
# Fast enough for many examples; the bot's second message of one answer follows within ms.
SETTLE = 0.08

# --- What a hostile person types ---------------------------------------------------------------

CONTROL = [chr(code) for code in range(0x20)] + [
    "\x7f",
    "\u200b",  # zero-width space
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202e",  # right-to-left override
    "\u202c",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\u2028",
    "\ufffd",
]
EMOJI = ["🙏", "👍", "👍🏻", "✅", "❌", "🇻🇳", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🆗", "🔥🔥🔥", "🌾"]
RTL = ["مرحبا بالعالم", "أنا قادم غدا", "שלום עולם", "אני לא אבוא", "؟", "٣٠/١١"]
NUMBERS = [
    "0",
    "-1",
    "-0",
    "+5",
    "4,5",
    "4.5.6",
    "1e308",
    "-1e308",
    "1e-308",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    str(2**64),
    str(-(2**63) - 1),
    "9" * 400,
    "0x1F",
    "1_000",
    "٤",  # Arabic-Indic four
    "４",  # full-width four
    "½",
    "²",
    "Ⅳ",
    "1/0",
    "05/13",
    "32/12",
    "00/00",
    "99/99/99999",
    "25:61",
    "-5/-3",
    "29/02/2027",
    "13/2026",
    "T0",
    "tháng 99",
    "năm 1",
    "năm 99999",
]
WORDS = [
    "có",
    "xin vắng",
    "vì ốm",
    "k dc",
    "tháng 11",
    "Chi bộ xóm 10",
    "Nhà văn hóa",
    "{x}",
    "%s",
]
PIECES = CONTROL + EMOJI + RTL + NUMBERS + WORDS

_piece = st.one_of(st.sampled_from(PIECES), st.text(max_size=12))
_joined = st.builds(
    lambda pieces, sep: sep.join(pieces),
    st.lists(_piece, min_size=1, max_size=6),
    st.sampled_from(["", " ", "\n", "\u200b"]),
)
# Telegram's limit: a message of exactly 4,096 characters.
_longest = st.builds(
    lambda seed: (seed * 4096)[:4096], st.one_of(st.sampled_from(PIECES), st.text(min_size=1))
)
HOSTILE = st.one_of(st.text(min_size=1, max_size=300), _joined, _longest).filter(
    lambda text: text.strip() != ""
)

LONG_X = "x" * 4096
LONG_EMOJI = "🙏" * 4096
CONTROLS = "".join(CONTROL)
RTL_MIX = "\u202ecó\u202c مرحبا שלום"


# --- Checks --------------------------------------------------------------------------------


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Exceptions that reached the bot's error handler."""
    return [
        r.getMessage() for r in caplog.records if r.name == "bot.channels.telegram.handlers.errors"
    ]


def assert_answered(replies: Replies, sim: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """A readable answer came back, and nothing broke on the way."""
    shown = [*replies.texts, *(a.text or "" for a in replies.callback_answers)]
    assert any(text.strip() for text in shown), f"no answer: {replies!r}"
    for text in shown:
        assert "Traceback" not in text
        assert APOLOGY not in text, text
    assert sim.internal_errors == []
    assert _errors(caplog) == []


_HYPOTHESIS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)


# --- (a) Free text while a meeting notice is open --------------------------------------------


@pytest.fixture
async def notified(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> SimUser:
    """Trần Thị Bình, linked, holding the notice of the meeting on 03/12."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    assert binh.last is not None
    assert "✅ Tham dự" in binh.last.labels
    return binh


@settings(_HYPOTHESIS, max_examples=40)
@given(text=HOSTILE)
@example(text=LONG_X)
@example(text=LONG_EMOJI)
@example(text=CONTROLS)
@example(text=RTL_MIX)
@example(text="1e308")
@example(text="NaN")
async def test_any_free_text_to_an_open_notice_is_answered_and_never_guessed(
    notified: SimUser,
    sim: FakeTelegram,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
    text: str,
) -> None:
    """Whatever a member sends while a notice is open gets an answer; when the bot asks
    back instead of confirming, nothing is stored; when it confirms, the stored answer says
    what the confirmation says; nothing outside the answer ever changes."""
    before = await snapshot(storage)
    replies = await notified.send(text, settle=SETTLE)
    assert_answered(replies, sim, caplog)
    after = await snapshot(storage)
    confirmed = [t for t in replies.texts if "Đã ghi nhận" in t]
    if not confirmed:
        assert changed(before, after) == []
        return
    assert set(changed(before, after)) <= {
        "answers",
        "answer_history",
        "audit_log",
        "notices",
        "prompts",
    }
    assert len(after["answers"]) == 1  # Bình's answer, and only hers
    intent = after["answers"][0][2]
    assert intent == ("attend" if "tham dự" in confirmed[-1] else "absent"), confirmed


# --- (b) Arguments of the secretary's commands -----------------------------------------------


@pytest.fixture
async def secretary(app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]) -> SimUser:
    """Nguyễn Văn An, secretary of Chi bộ xóm 9, linked, before the month's meeting."""
    return await linked(sim, invite_codes, "Nguyễn Văn An")


# Command names, words that lead into their sub-readers, and what a success looks like.
# Whatever else the bot answers is a refusal, and a refusal stores nothing.
COMMAND_CASES = {
    "lichhop": (
        ["", "chude ", "loai ", "hangthang ", "hangthang 3 ", "chiuy ", "05/12 "],
        re.compile(r"^Đã (đổi lịch|ghi nội dung|đặt loại|lưu|hẹn họp chi ủy)"),
    ),
    "baocao": (["", "11/2026 ", "tháng 11 "], None),
    "xuat": (["", "năm ", "tháng "], None),
    "diemdanh": (["", "uyquyen "], re.compile(r"được điểm danh buổi sinh hoạt sắp tới")),
    "chamdiem": ([""], None),
    "kiennghi": ([""], re.compile(r"^Đã ghi nhận kiến nghị số \d+")),
    "moi": ([""], re.compile(r"^Mã mời cho đồng chí")),
}


async def _secretary_types(
    user: SimUser,
    sim: FakeTelegram,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
    command: str,
    arguments: str,
) -> None:
    """Send one command with its arguments and check the answer and the database."""
    success = COMMAND_CASES[command][1]
    arguments = arguments[: 4096 - len(command) - 2]  # "/command " and all fits one message
    before = await snapshot(storage)
    replies = await user.send(f"/{command} {arguments}", settle=SETTLE)
    assert_answered(replies, sim, caplog)
    after = await snapshot(storage)
    did = success is not None and any(success.search(t) for t in replies.texts)
    if not did:
        assert changed(before, after) == [], (arguments[:80], replies.texts)
    elif command == "kiennghi":
        new = [row for row in after["petitions"] if row not in before["petitions"]]
        assert len(new) == 1
        # Stored as typed, nothing lost or mangled but invisible marks (issue 12 item 10).
        assert clean_text(arguments) in new[0]


@pytest.mark.parametrize("command", sorted(COMMAND_CASES))
@settings(_HYPOTHESIS, max_examples=14)
@given(data=st.data())
async def test_any_arguments_of_a_secretary_command_are_answered(
    secretary: SimUser,
    sim: FakeTelegram,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
    command: str,
    data: st.DataObject,
) -> None:
    """/lichhop, /baocao, /xuat, /diemdanh, /chamdiem, /kiennghi and /moi followed by any
    text: an answer, never an error; unless the bot says it did something, nothing is stored."""
    lead = data.draw(st.sampled_from(COMMAND_CASES[command][0]), label="lead")
    arguments = lead + data.draw(HOSTILE, label="text")
    await _secretary_types(secretary, sim, storage, caplog, command, arguments)


@pytest.mark.parametrize("command", sorted(COMMAND_CASES))
async def test_longest_and_strangest_arguments_of_a_secretary_command_are_answered(
    secretary: SimUser,
    sim: FakeTelegram,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
    command: str,
) -> None:
    """The same commands, after each of their lead-in words, with 4,096 characters, 4,096
    emoji, every control character, and a number too large for a float."""
    for lead in COMMAND_CASES[command][0]:
        for text in (LONG_X, LONG_EMOJI, CONTROLS, RTL_MIX, "1e308", "-1", "NaN"):
            await _secretary_types(secretary, sim, storage, caplog, command, lead + text)


# --- (c) Typed points while filling the scorecard -----------------------------------------------


@pytest.fixture
async def scoring(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> SimUser:
    """The secretary after the meeting of 03/12, with the scorecard open at criterion 1."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    clock.moment = at_local(3, 19, 35)
    await an.send("/diemdanh")
    await an.press("✔️ Đóng điểm danh")
    clock.advance(minutes=95)
    await an.press("🏁 Kết thúc buổi họp")
    while await deliver(app, clock, sim):  # flags and rating requests go out first
        pass
    replies = await an.send("/chamdiem")
    assert "Tiêu chí 1/" in replies.text
    return an


_MAXIMUM = re.compile(r"Tối đa: ([0-9.,]+) điểm")


def _card_message(user: SimUser) -> str:
    """The newest question or summary of the scorecard the person was shown."""
    for message in reversed(user.messages):
        text = message.text or ""
        if "📊 Chấm điểm" in text:
            return text
    raise AssertionError("no scorecard message")


@settings(_HYPOTHESIS, max_examples=30)
@given(text=st.one_of(st.sampled_from(NUMBERS), HOSTILE))
@example(text=LONG_X)
@example(text="9" * 4096)
@example(text="1e308")
@example(text="NaN")
@example(text="-1")
@example(text="4,25")
@example(text=CONTROLS)
@example(text="4")
@example(text="４,５")
@example(text="0 điểm")
async def test_any_typed_points_are_read_exactly_or_refused_without_storing(
    app: ChiboApp,
    scoring: SimUser,
    sim: FakeTelegram,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
    text: str,
) -> None:
    """Points typed on the card: what parse_points refuses is refused with the reason and the
    same question, storing nothing; what it reads is stored as exactly that number, within
    the criterion's maximum."""
    question = _card_message(scoring)
    before = await snapshot(storage)
    replies = await scoring.send(text, settle=SETTLE)
    assert_answered(replies, sim, caplog)
    after = await snapshot(storage)
    found = _MAXIMUM.search(question)
    if found is None:  # the card is complete: typed text is not points any more
        assert changed(before, after) == []
        return
    maximum = Decimal(found[1].replace(".", "").replace(",", "."))
    expected = parse_points(text.strip(), maximum)
    if isinstance(expected, PointsError):
        assert changed(before, after) == [], replies.texts
        assert expected.render(lambda m: m) in replies.text or "Hãy gõ số điểm" in replies.text
        assert question.split("\n")[1] in replies.text  # the same criterion is asked again
        return
    assert Decimal(0) <= expected <= maximum
    # `applied` keys the step by its update, so a replay after a crash takes no second step.
    assert set(changed(before, after)) <= {"scores", "score_cards", "applied"}
    (card_before,) = before["score_cards"]
    (card_after,) = after["score_cards"]
    position = card_before[3]
    code = app.bot_data.card.applicable(thematic_part(MeetingKind.REGULAR))[position].code
    stored = {row[2]: Decimal(row[3]) for row in after["scores"]}
    assert stored[code] == expected  # exactly the number typed, for the criterion asked
    assert card_after[3] == position + 1


# --- A kiến nghị with anything in it, from the member to the secretary and back ---------------


@pytest.fixture
async def cell(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> tuple[SimUser, SimUser]:
    """Nguyễn Văn An, secretary of xóm 9, and Trần Thị Bình, a member, both linked."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    return an, await linked(sim, invite_codes, "Trần Thị Bình")


_LONG_PETITION = st.builds(
    lambda first, char, count: first + char * count,
    st.sampled_from(["a", "Đề nghị "]),
    st.sampled_from(["🙏", "𝐀", "ư", "x", "👨‍👩‍👧‍👦"]),
    st.integers(min_value=500, max_value=2100),
)


@settings(_HYPOTHESIS, max_examples=8)
@given(text=st.one_of(_LONG_PETITION, HOSTILE))
@example(text="a" + "🙏" * 1999)  # 2,000 characters that Telegram counts as 3,999
@example(text="Đề nghị " + "𝐀" * 1992)
@example(text="a" + "🙏" * 999)  # 1,999 as Telegram counts: taken
async def test_a_petition_the_bot_takes_reaches_the_secretary_and_can_be_answered(
    cell: tuple[SimUser, SimUser],
    sim: FakeTelegram,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
    text: str,
) -> None:
    """Whatever a member sends with /kiennghi: refused with nothing stored, or taken, and then
    the secretary reads it whole, can open the answer prompt and answer, and the member
    hears back. No step of that may fail on the text's length or its characters."""
    an, petitioner = cell
    before = await snapshot(storage)
    replies = await petitioner.send(f"/kiennghi {text}", settle=SETTLE)
    assert_answered(replies, sim, caplog)
    taken = re.search(r"Đã ghi nhận kiến nghị số (\d+)", replies.text)
    if taken is None:
        assert changed(before, after := await snapshot(storage)) == [], after["petitions"]
        return
    number = taken[1]
    await sim.wait_quiet()
    told = [m for m in an.messages if f"gửi kiến nghị số {number} " in (m.text or "")]
    assert len(told) == 1, "the secretary was not told"
    assert clean_text(text) in (told[0].text or "")
    prompt = (await an.press("✍️ Trả lời", message=told[0], settle=SETTLE)).last
    assert_answered(Replies([prompt] if prompt else []), sim, caplog)
    assert prompt is not None
    assert prompt.force_reply
    answered = await an.send("Chi bộ đã nhận, sẽ trả lời.", reply_to=prompt, settle=SETTLE)
    assert_answered(answered, sim, caplog)
    await sim.wait_quiet()
    heard = [
        m for m in petitioner.messages if f"Kiến nghị số {number} của đồng chí" in (m.text or "")
    ]
    assert heard, "the member never heard the answer"


async def test_a_long_list_of_emoji_petitions_still_fits_one_message(
    cell: tuple[SimUser, SimUser],
    sim: FakeTelegram,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ten kiến nghị of the secretary and ten of a member, written mostly in emoji (which
    Telegram counts twice), two days old: the secretary's /kiennghi list still arrives."""
    an, binh = cell
    for user in (an, binh):
        for number in range(10):
            replies = await user.send(f"/kiennghi {number} " + "🙏" * 300, settle=SETTLE)
            assert "Đã ghi nhận kiến nghị số" in replies.text
    await sim.wait_quiet()
    clock.advance(days=2)
    replies = await an.send("/kiennghi")
    assert_answered(replies, sim, caplog)
    assert "Kiến nghị đang chờ trả lời của Chi bộ xóm 9:" in replies.text
    assert "• Số 1, đồng chí Nguyễn Văn An, 2 ngày trước: mới — 0 🙏" in replies.text
    assert "✍️ Trả lời số 1" in replies.buttons


# --- Pure readers: months, periods, organisation files ------------------------------------------

TODAY = st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31))
MONTHISH = st.builds(
    lambda prefix, month, sep, year, rest: f"{prefix}{month}{sep}{year} {rest}",
    st.sampled_from(["", "tháng ", "thang", "T", "t ", "month ", "Tháng  "]),
    st.one_of(st.integers(-5, 120).map(str), st.sampled_from(["٣", "１２", "²", "0011"])),
    st.sampled_from(["", "/", ".", "-", " / ", "/ "]),
    st.one_of(st.just(""), st.integers(0, 99999).map(str)),
    st.one_of(st.just(""), st.sampled_from(WORDS), HOSTILE),
)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(HOSTILE, MONTHISH, st.sampled_from(NUMBERS)), today=TODAY)
def test_parse_month_gives_a_begun_month_or_a_reason(text: str, today: date) -> None:
    """/baocao's month: any text is a period that has begun (from 2000 on) and the rest of
    the text as typed, or a reason; never an exception."""
    month, rest = read_period(text, today, default=Month.of(today).previous())
    if isinstance(month, MonthError):
        assert month.render(lambda m: m)
        assert rest == ""
        return
    assert isinstance(month, Month | Year)
    assert date(2000, 1, 1) <= month.since(UTC).date() <= today
    if isinstance(month, Month):
        assert re.fullmatch(r"\d{4}-\d{2}", month.key)
        assert 1 <= month.number <= 12
    assert rest == rest.strip()
    assert " ".join(text.split()).endswith(" ".join(rest.split()))  # the unit's name as typed


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(HOSTILE, MONTHISH, st.sampled_from(NUMBERS)),
    now=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31)),
)
def test_period_from_text_gives_bounds_or_a_short_reason(text: str, now: datetime) -> None:
    """/xuat's period: a month or a year between local midnights, or a reason that quotes at
    most a few words of what was typed; never an exception."""
    today = now.replace(tzinfo=UTC).astimezone(VN).date()
    period = read_whole_period(text, today, default=Month.of(today))
    if isinstance(period, MonthError):
        rendered = period.render(lambda m: m)
        assert len(rendered) < 120
        return
    since, until = period.since(VN), period.until(VN)
    assert since < until
    assert since.day == 1
    assert (since.hour, since.minute) == (0, 0)
    assert 2000 <= since.year <= 2099
    months = (until.year - since.year) * 12 + until.month - since.month
    assert months == (1 if isinstance(period, Month) else 12)


HEADER = ["đơn vị", "họ và tên", "vai trò", "điện thoại", "trạng thái", "phụ trách"]
GOOD_ROW = ["Đảng bộ xã A / Chi bộ B", "Nguyễn Văn An", "bí thư", "0912345678", "", ""]
_cell_text = st.one_of(
    st.sampled_from(PIECES),
    st.sampled_from(["bí thư", "đảng viên", "cadre", "tạm miễn", "A / B", "/", " / / "]),
    HOSTILE.map(lambda text: text[: MAX_CELL_CHARS + 50]),
)
_cell_value = st.one_of(
    st.none(),
    _cell_text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
)


def _visible(value: object) -> bool:
    """Whether a cell shows anything: a value, or text with a character one can see."""
    if value is None:
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False  # openpyxl writes inf and NaN as an empty cell
    if not isinstance(value, str):
        return True
    return any(
        not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in value
    )


def _check_org(result: OrgFile, records: int) -> None:
    """Each of the records that show anything is a valid row or carries its own error."""
    assert isinstance(result, OrgFile)
    error_lines = {error.line for error in result.errors}
    for error in result.errors:
        assert error.render(lambda m: m).strip()
        for value in error.params.values():
            assert len(value) <= 4 * 60 + 1  # what was typed is quoted short
    if error_lines & {0, 1}:  # the whole file, or its header, was refused
        assert result.rows == ()
        return
    row_lines = {row.line for row in result.rows}
    assert not row_lines & error_lines
    assert len(row_lines | error_lines) == records
    for row in result.rows:
        for text in (row.name, *row.unit):
            assert text
            assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in text)
            assert len(text) <= MAX_CELL_CHARS
        assert isinstance(row.role, Role)


@settings(_HYPOTHESIS, max_examples=150)
@given(rows=st.lists(st.lists(_cell_text, min_size=0, max_size=8), min_size=1, max_size=8))
def test_csv_with_any_cell_contents_gives_rows_or_row_errors(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    """An organisation CSV whose cells hold anything: each record is read or gets its error."""
    rows = [[cell.replace("\x00", "") for cell in row] for row in rows]
    path = tmp_path / "org.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        writer.writerow(GOOD_ROW)
        writer.writerows(rows)
    _check_org(read_org_file(path), 1 + sum(any(map(_visible, row)) for row in rows))


def _xlsx_safe(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


@settings(_HYPOTHESIS, max_examples=60)
@given(rows=st.lists(st.lists(_cell_value, min_size=0, max_size=7), min_size=1, max_size=6))
def test_xlsx_with_any_cell_values_gives_rows_or_row_errors(
    tmp_path: Path, rows: list[list[object]]
) -> None:
    """A workbook whose cells hold huge numbers, NaN, dates, booleans or any text: each line
    is read or gets its own error; the reader never raises."""
    rows = [[_xlsx_safe(value) for value in row] for row in rows]
    path = tmp_path / "org.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(GOOD_ROW)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    workbook.close()
    _check_org(read_org_file(path), 1 + sum(any(map(_visible, row)) for row in rows))


@settings(_HYPOTHESIS, max_examples=25)
@given(rows=st.lists(st.lists(_cell_text, min_size=3, max_size=6), min_size=1, max_size=4))
async def test_import_of_any_cells_applies_all_or_nothing(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    """The import command on such a file: errors leave the database exactly as it was."""
    path = tmp_path / "org.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([cell.replace("\x00", "") for cell in row])
    db = await Database.open(tmp_path / "import.sqlite3")
    try:
        before = await snapshot(db)
        report = await import_org_file(db, path, now=datetime(2026, 11, 22, tzinfo=UTC))
        after = await snapshot(db)
    finally:
        await db.close()
    if report.errors:
        assert changed(before, after) == []
        assert all(error.render(lambda m: m).strip() for error in report.errors)
    else:
        assert report.people_added or report.people_changed or report.people_unchanged
