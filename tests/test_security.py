"""Who may do what, tried the hostile way: every leader's command by a member, forged buttons,
invite codes used twice, and a secretary reaching into another cell. Nothing may change."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import openpyxl
import pytest

from bot.app import ChiboApp
from bot.chat.commands import COMMANDS, Command
from bot.domain.access import Actor, may
from bot.domain.models import MemberStatus, Person, Role, Unit
from bot.storage import accounts
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram, SimUser
from chibo_devtools.telegram.people import Replies
from tests.helpers import Clock, at_local, changed, deliver, linked, person_id, snapshot

XOM_9, XOM_10 = "Chi bộ xóm 9", "Chi bộ xóm 10"
AN, BINH = "Nguyễn Văn An", "Trần Thị Bình"  # secretary and member of xóm 9
PHUC, NGOC = "Đinh Văn Phúc", "Vũ Thị Ngọc"  # secretary and member of xóm 10
XOM_9_ONLY = ["Trần Thị Bình", "Lê Thị Mai", "Phạm Văn Dũng", "Nguyễn Văn An"]
XOM_10_ONLY = ["Vũ Thị Ngọc", "Trần Văn Sơn", "Lê Văn Hải", "Đinh Văn Phúc"]
APOLOGY = "Trợ lý gặp lỗi"


def _said(replies: Replies) -> str:
    """Everything the person saw: popups and messages."""
    return "\n".join([*(a.text or "" for a in replies.callback_answers), *replies.texts])


def _no_error(replies: Replies, sim: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    said = _said(replies)
    assert said.strip(), f"no answer: {replies!r}"
    assert APOLOGY not in said
    assert "Traceback" not in said
    assert sim.internal_errors == []
    assert [r for r in caplog.records if r.name == "bot.channels.telegram.handlers.errors"] == []


# --- (a) A member runs every command of the secretary and the cadre ----------------------------


def _member() -> Actor:
    unit = Unit(id=2, parent_id=1, kind="chi bộ", name=XOM_9, path="x")
    person = Person(
        id=1,
        full_name=BINH,
        phone=None,
        unit_id=2,
        role=Role.MEMBER,
        status=MemberStatus.ACTIVE,
        language=None,
    )
    return Actor(person=person, unit=unit, parent=None, followed=())


# Straight from the command table: whatever a member may not do in their own cell.
LEADERS_COMMANDS = [c for c in COMMANDS if not may(_member(), c.action, _member().unit.id)]
ARGUMENTS = ["", "Trần Thị Bình", "12/2026 Chi bộ xóm 10", "uyquyen Vũ Văn Hùng"]


def test_the_table_has_leaders_commands_to_try() -> None:
    """The parametrised list below is the real table: every leader's and cadre's command."""
    assert {c.vi for c in LEADERS_COMMANDS} == {
        "diemdanh",
        "chamdiem",
        "baocao",
        "thanhvien",
        "moi",
        "xuat",
    }


@pytest.fixture
async def closed_meeting(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> dict[str, SimUser]:
    """Both villages met on 03/12 and closed their roll-calls (everyone present but An, the
    secretary of xóm 9); each village has a kiến nghị."""
    people = {name: await linked(sim, invite_codes, name) for name in (AN, BINH, PHUC, NGOC)}
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    await people[BINH].send("có")
    await people[NGOC].send("có")
    await people[BINH].send("/kiennghi Đề nghị sửa đèn đường ngõ 3")
    await people[NGOC].send("/kiennghi Đề nghị làm lại cống xóm 10")
    clock.moment = at_local(3, 19, 35)
    for secretary in (people[AN], people[PHUC]):
        await secretary.send("/diemdanh")
        await secretary.press("✅ Ai chưa báo: ghi có mặt")
    await people[AN].press("✅ Nguyễn Văn An")
    for secretary in (people[AN], people[PHUC]):
        await secretary.press("✔️ Đóng điểm danh")
    while await deliver(app, clock, sim):
        pass
    return people


@pytest.fixture
async def held_meeting(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> dict[str, SimUser]:
    """Xóm 9 met on 03/12, everyone present, roll-call closed; Bình raised a kiến nghị."""
    people = {name: await linked(sim, invite_codes, name) for name in (AN, BINH)}
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    await people[BINH].send("có")
    await people[BINH].send("/kiennghi Đề nghị sửa đèn đường ngõ 3")
    clock.moment = at_local(3, 19, 35)
    await people[AN].send("/diemdanh")
    await people[AN].press("✅ Ai chưa báo: ghi có mặt")
    await people[AN].press("✔️ Đóng điểm danh")
    while await deliver(app, clock, sim):
        pass
    return people


@pytest.mark.parametrize("command", LEADERS_COMMANDS, ids=lambda c: f"{c.vi}-{c.action.value}")
async def test_member_running_a_leaders_command_is_refused_and_nothing_changes(
    held_meeting: dict[str, SimUser],
    sim: FakeTelegram,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
    command: Command,
) -> None:
    """Bình, a member, runs each command of the secretary or the cadre, by its Vietnamese and
    its English name, bare and with arguments, after a meeting that has data: a short refusal
    in Vietnamese, no data of anyone, and the database exactly as it was."""
    binh = held_meeting[BINH]
    before = await snapshot(storage)
    for name in (command.vi, command.en):
        for arguments in ARGUMENTS:
            replies = await binh.send(f"/{name} {arguments}".strip(), settle=0.08)
            _no_error(replies, sim, caplog)
            text = replies.text
            assert re.search(rf"Lệnh /{command.vi} dành cho bí thư, phó bí thư chi bộ", text), (
                name,
                arguments,
                text,
            )
            assert len(text) < 250
            assert all(m.document is None and m.photo is None for m in replies.messages)
            for other in ("Lê Thị Mai", "Vũ Thị Ngọc", "https://t.me/"):
                assert other not in text
    assert changed(before, await snapshot(storage)) == []


async def test_member_is_refused_before_any_meeting_too(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    storage: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Weeks before the meeting a member's /diemdanh or /chamdiem is refused as such, not
    answered "not time yet"; /lichhop with anything after it: only the secretary changes it."""
    binh = await linked(sim, invite_codes, BINH)
    before = await snapshot(storage)
    for name in ("diemdanh", "rollcall", "chamdiem", "score"):
        replies = await binh.send(f"/{name}")
        _no_error(replies, sim, caplog)
        assert "dành cho bí thư, phó bí thư chi bộ" in replies.text, (name, replies.text)
    for typed in (
        "05/12 19:30 Nhà văn hóa",
        "huy Mưa bão",
        "chude Học nghị quyết",
        "loai chuyende",
        "hangthang 3 19:30",
        "chiuy 01/12 19:30",
    ):
        for name in ("lichhop", "schedule"):
            replies = await binh.send(f"/{name} {typed}")
            _no_error(replies, sim, caplog)
            assert "Chỉ bí thư, phó bí thư chi bộ mới đổi được lịch sinh hoạt" in replies.text
    assert changed(before, await snapshot(storage)) == []


# --- (b) Forged buttons ------------------------------------------------------------------------


async def _ids(app: ChiboApp) -> dict[str, int]:
    """Meeting, petition and person ids the forged buttons point at."""
    async with app.bot_data.db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT u.name, m.id FROM meetings m JOIN units u ON u.id = m.unit_id "
            "WHERE m.kind <> 'committee' AND m.rollcall_closed_at IS NOT NULL"
        )
        meetings = {str(row[0]): int(row[1]) for row in rows}
        rows = await conn.execute_fetchall(
            "SELECT u.name, p.id FROM petitions p JOIN units u ON u.id = p.unit_id"
        )
        petitions = {str(row[0]): int(row[1]) for row in rows}
        (top,) = next(iter(await conn.execute_fetchall("SELECT MAX(id) FROM meetings")))
    db = app.bot_data.db
    return {
        "m9": meetings[XOM_9],
        "m10": meetings[XOM_10],
        "gone": int(top) + 1000,
        "k9": petitions[XOM_9],
        "k10": petitions[XOM_10],
        "binh": await person_id(db, XOM_9, BINH),
        "mai": await person_id(db, XOM_9, "Lê Thị Mai"),
        "ngoc": await person_id(db, XOM_10, NGOC),
        "an": await person_id(db, XOM_9, AN),
    }


@dataclass(frozen=True)
class Forged:
    """A button a modified client sends, and the words that must explain the refusal."""

    who: str
    data: str
    says: str


DENY_ATTEND = "không có trong danh sách dự buổi sinh hoạt này"
NOT_FOUND = "Không tìm thấy buổi sinh hoạt này"
DENY_ROSTER = "không có quyền xem danh sách này"
DENY_KIND = "không có quyền đổi buổi sinh hoạt này"
DENY_RATE = "Chỉ đảng viên có mặt ở buổi họp này mới đánh giá"
DENY_ROLLCALL = "Chỉ bí thư, phó bí thư hoặc người được ủy quyền mới điểm danh"
DENY_SCORE = "không có quyền chấm điểm buổi sinh hoạt này"
DENY_ANSWER = "không có quyền trả lời kiến nghị này"
DENY_ESCALATE = "Chỉ bí thư, phó bí thư chi bộ mới chuyển được kiến nghị này"
DENY_INVITE = "không có quyền cấp mã mời cho người này"
STALE = "Nút này không còn hiệu lực"

# Every callback prefix the handlers register (answers, meetings, ratings, rollcall, scoring,
# petitions, members, language), pointed at another cell, at nothing, or at another person.
FORGED = [
    # att / rsn: answers to a notice
    Forged(BINH, "att:{m10}:y", DENY_ATTEND),
    Forged(BINH, "att:{m10}:n", DENY_ATTEND),
    Forged(BINH, "att:{gone}:y", NOT_FOUND),
    Forged(BINH, "rsn:{m10}:sick", DENY_ATTEND),
    Forged(BINH, "rsn:{gone}:other", NOT_FOUND),
    Forged(PHUC, "att:{m9}:y", DENY_ATTEND),
    # lst / knd: the secretary's list of answers, the kind of meeting
    Forged(BINH, "lst:{m9}", DENY_ROSTER),
    Forged(PHUC, "lst:{m9}", DENY_ROSTER),
    Forged(AN, "lst:{gone}", DENY_ROSTER),
    Forged(BINH, "knd:{m9}:both", DENY_KIND),
    Forged(PHUC, "knd:{m9}:thematic", DENY_KIND),
    Forged(AN, "knd:{gone}:regular", DENY_KIND),
    # rt: rating a meeting one did not attend
    Forged(BINH, "rt:{m10}:good", DENY_RATE),
    Forged(NGOC, "rt:{m9}:poor", DENY_RATE),
    Forged(AN, "rt:{m9}:good", DENY_RATE),  # the secretary was marked absent
    Forged(BINH, "rt:{gone}:fair", DENY_RATE),
    # rc: the roll-call
    Forged(BINH, "rc:{m9}:all:0", DENY_ROLLCALL),
    Forged(BINH, "rc:{m9}:t:{binh}:0", DENY_ROLLCALL),
    Forged(PHUC, "rc:{m9}:t:{mai}:0", DENY_ROLLCALL),
    Forged(PHUC, "rc:{m9}:rk:{mai}:sick", DENY_ROLLCALL),
    Forged(PHUC, "rc:{m9}:end:0", DENY_ROLLCALL),
    Forged(AN, "rc:{gone}:close:0", DENY_ROLLCALL),
    Forged(AN, "rc:{m9}:t:{ngoc}:0", STALE),  # a person of another cell on one's own list
    Forged(AN, "rc:{m9}:rk:{ngoc}:work", STALE),
    Forged(AN, "rc:{m9}:rp:{ngoc}", STALE),
    Forged(AN, "rc:{m9}:t:{mai}:0", STALE),  # one's own member, but the roll-call is closed
    # sc: the scorecard, either column
    Forged(BINH, "sc:{m9}:self:open", DENY_SCORE),
    Forged(PHUC, "sc:{m9}:self:open", DENY_SCORE),
    Forged(PHUC, "sc:{m9}:self:pt:c1:5", DENY_SCORE),
    Forged(AN, "sc:{m9}:upper:open", DENY_SCORE),  # only the cadre scores the upper column
    Forged(AN, "sc:{m10}:self:ok", DENY_SCORE),
    Forged(AN, "sc:{gone}:self:open", DENY_SCORE),
    # kn: answering and escalating a kiến nghị
    Forged(BINH, "kn:a:{k9}", DENY_ANSWER),
    Forged(PHUC, "kn:a:{k9}", DENY_ANSWER),
    Forged(AN, "kn:a:{k10}", DENY_ANSWER),
    Forged(AN, "kn:a:999999", DENY_ANSWER),
    Forged(BINH, "kn:e:{k9}", DENY_ESCALATE),
    Forged(PHUC, "kn:e:{k9}", DENY_ESCALATE),
    Forged(AN, "kn:e:999999", DENY_ESCALATE),
    # inv: an invite for someone
    Forged(BINH, "inv:{binh}", DENY_INVITE),
    Forged(PHUC, "inv:{mai}", DENY_INVITE),
    Forged(AN, "inv:{ngoc}", DENY_INVITE),
    Forged(AN, "inv:999999", DENY_INVITE),
    # lang: a language that does not exist
    Forged(BINH, "lang:zz", STALE),
]


async def test_forged_buttons_are_explained_and_change_nothing(
    app: ChiboApp,
    closed_meeting: dict[str, SimUser],
    sim: FakeTelegram,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each forged button gets a popup or a message saying why, and no row changes."""
    ids = await _ids(app)
    for case in FORGED:
        user = closed_meeting[case.who]
        data = case.data.format(**ids)
        before = await snapshot(storage)
        message = user.last
        assert message is not None
        replies = await user.press_data(message.message_id, data, settle=0.08)
        _no_error(replies, sim, caplog)
        assert case.says in _said(replies), (case.who, data, _said(replies))
        assert changed(before, await snapshot(storage)) == [], (case.who, data)
        foreign = XOM_10_ONLY if case.who in (AN, BINH) else XOM_9_ONLY
        for other in (*foreign, "https://t.me/"):
            assert all(other not in text for text in replies.texts), (case.who, data, other)


GARBAGE = [
    "",
    "x",
    "💣" * 16,
    "x" * 4096,
    "\x00",
    "\ufffd\ufffd",
    "att:",
    "att:1",
    "att:1:y:extra",
    "att:-1:y",
    "att:1e3:y",
    "att:" + "9" * 13 + ":y",  # more digits than any id
    "rsn:1:bored",
    "lst:NaN",
    "knd:1:committee",
    "rt:1:excellent",
    "rc:1:t:1",
    "rc:1:t:1:1000",
    "rc:1:rk:1:other",
    "rc:1:close:1",
    "sc:1:self:pt:c1:1e308",
    "sc:1:both:open",
    "sc:1:self:pt:" + "c" * 17 + ":1",
    "kn:x:1",
    "kn:a:-1",
    "inv:",
    "inv:abc",
    "lang:",
    "lang:vi;DROP TABLE people",
    "' OR 1=1 --",
    "\u202eatt:1:y",
]


@pytest.mark.parametrize("who", [BINH, "stranger"])
async def test_garbage_button_data_is_answered_and_changes_nothing(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    storage: Database,
    caplog: pytest.LogCaptureFixture,
    who: str,
) -> None:
    """Empty, overlong, binary-looking or malformed data, from a member or a stranger: each
    press is answered (never a spinner left turning) and nothing is stored."""
    user = await linked(sim, invite_codes, BINH) if who == BINH else sim.user("Ai Đó")
    if user.last is None:
        await user.send("/trogiup")
    message = user.last
    assert message is not None
    before = await snapshot(storage)
    for data in GARBAGE:
        replies = await user.press_data(message.message_id, data, settle=0.08)
        _no_error(replies, sim, caplog)
        assert replies.callback_answers, data  # the press itself is answered
        said = _said(replies)
        assert any(
            words in said
            for words in (STALE, "không có quyền", "Chỉ ", "Không tìm thấy", "chưa kết nối")
        ), (data[:40], said)
    assert changed(before, await snapshot(storage)) == []


async def test_button_data_that_is_not_utf8_does_not_stop_the_bot(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    storage: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Button data no UTF-8 text can hold (lone surrogates, from a modified client) is
    answered like any stale button, and the bot goes on answering everyone else."""
    binh = await linked(sim, invite_codes, BINH)
    message = binh.last
    assert message is not None
    before = await snapshot(storage)
    replies = await binh.press_data(message.message_id, "att:\udcff\udcfe", settle=0.08)
    _no_error(replies, sim, caplog)
    assert STALE in _said(replies)
    assert changed(before, await snapshot(storage)) == []
    replies = await sim.user("Ai Đó").send("/trogiup", timeout=5)
    assert replies.text


# --- (c) Invite codes: used twice, or by two accounts at once ------------------------------------


async def test_two_accounts_racing_for_one_code_link_only_one(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Two phones open the same invite link at the same moment: exactly one is linked, the
    other is told the code is used, and the person stays linked to the first one."""
    code = invite_codes["Lê Thị Mai"]
    phones = [sim.user("Lê Thị Mai"), sim.user("Kẻ Mạo Danh")]
    for phone in phones:
        phone.send_nowait(f"/start {code}")
    await sim.wait_quiet()
    greeted = [
        p for p in phones if any("Chào đồng chí Lê Thị Mai" in (m.text or "") for m in p.messages)
    ]
    refused = [p for p in phones if any("đã được dùng" in (m.text or "") for m in p.messages)]
    assert len(greeted) == 1
    assert len(refused) == 1
    assert greeted != refused
    mai = await person_id(app.bot_data.db, XOM_9, "Lê Thị Mai")
    async with app.bot_data.db.transaction() as conn:
        owner = await accounts.of_person(conn, "telegram", mai)
        loser = await accounts.get(conn, "telegram", str(refused[0].telegram_id))
    assert owner is not None
    assert owner.external_id == str(greeted[0].telegram_id)
    assert loser is None


async def test_a_linked_person_cannot_be_taken_over_by_any_of_their_codes(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """After Bình links, her used code, typed with other case or spaces by another account,
    never moves her record; her own account keeps working."""
    code = invite_codes[BINH]
    binh = await linked(sim, invite_codes, BINH)
    other = sim.user("Kẻ Mạo Danh")
    for typed in (code, code.upper(), code.lower(), f"  {code}  ", code + "x"):
        replies = await other.send(f"/start {typed}")
        assert "Chào đồng chí" not in replies.text, typed
    async with app.bot_data.db.transaction() as conn:
        assert await accounts.get(conn, "telegram", str(other.telegram_id)) is None
    assert "Trần Thị Bình" in (await binh.send("/cuatoi")).text


# --- (d) A secretary reaching into another cell ------------------------------------------------


async def test_secretary_cannot_read_or_change_another_cell(
    app: ChiboApp,
    closed_meeting: dict[str, SimUser],
    sim: FakeTelegram,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Phúc, secretary of xóm 10, after both cells met: every command shows his cell only,
    naming xóm 9 gets a refusal, and nothing of xóm 9 changes."""
    phuc = closed_meeting[PHUC]
    before = await snapshot(storage)
    for typed in (
        "/thanhvien",
        "/diemdanh",
        "/chamdiem",
        "/baocao 12/2026",
        "/baocao 12/2026 Chi bộ xóm 9",
        "/baocao 12/2026 xóm 9",
        "/kiennghi",
        "/moi Trần Thị Bình",
        "/lichhop",
    ):
        replies = await phuc.send(typed)
        _no_error(replies, sim, caplog)
        for name in XOM_9_ONLY:
            if name not in typed:  # a name he typed may be quoted back, nothing more
                assert name not in replies.text, (typed, name)
        assert "Đề nghị sửa đèn đường ngõ 3" not in replies.text  # xóm 9's kiến nghị
        assert "https://t.me/" not in replies.text
        if "xóm 9" in typed:
            assert "Đồng chí không theo dõi đơn vị «" in replies.text
    # /chamdiem opened xóm 10's own card; the rest read only.
    after = await snapshot(storage)
    assert set(changed(before, after)) <= {"scores", "score_cards"}
    m9 = (await _ids(app))["m9"]
    assert [r for r in after["scores"] if r[0] == m9] == [
        r for r in before["scores"] if r[0] == m9
    ]
    assert [r for r in after["score_cards"] if r[0] == m9] == []


async def test_secretary_export_holds_only_their_own_cell(
    closed_meeting: dict[str, SimUser], sim: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """Phúc's /xuat, for the month and for the year: xóm 10's people and kiến nghị only."""
    phuc = closed_meeting[PHUC]
    for typed in ("/xuat 12/2026", "/xuat 2026", "/export 12/2026"):
        replies = await phuc.send(typed)
        _no_error(replies, sim, caplog)
        (document,) = [m.document for m in replies.messages if m.document is not None]
        assert XOM_9 not in (replies.messages[-1].caption or "")
        book = openpyxl.load_workbook(io.BytesIO(document.data))
        cells = " ".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
        assert "Vũ Thị Ngọc" in cells
        if typed == "/xuat 2026":  # the kiến nghị were raised in November
            assert "Đề nghị làm lại cống xóm 10" in cells
        for name in XOM_9_ONLY[:3]:
            assert name not in cells, (typed, name)
        assert XOM_9 not in cells
        assert "Đề nghị sửa đèn đường ngõ 3" not in cells
