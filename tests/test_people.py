"""/thanhvien and /moi with two channels, a big cell, typed codes, and edited messages."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import ChiboApp, build_application, running
from bot.config import Config
from bot.domain.invites import show_code
from bot.services import linking
from bot.storage import accounts
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import TOKEN, Clock, codes, linked, person_id, seed

XOM_9 = "Chi bộ xóm 9"
EDITED = "Trợ lý không đọc tin nhắn đã sửa; xin gửi tin nhắn mới."


def _code_in(text: str) -> str:
    """The 8 digits of the Telegram link in an invite."""
    link = next(word for word in text.split() if word.startswith("https://t.me/"))
    return link.split("start=")[1]


async def test_invite_shows_the_telegram_link_and_the_zalo_code(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """/moi gives one code in both forms: the Telegram link and "4821 0937" to type."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    replies = await an.send("/moi Bùi Thị Thu")
    code = _code_in(replies.text)
    assert f"Mã mời: {show_code(code)}" in replies.text
    assert "https://t.me/chibo_test_bot?start=" + code in replies.text


@pytest.fixture
async def with_zalo_link(
    config: Config, clock: Clock, invite_codes: dict[str, str]
) -> AsyncIterator[ChiboApp]:
    """The bot with the Zalo bot's address in its config (`zalo.bot_url`)."""
    zalo = dataclasses.replace(config.zalo, bot_url="https://zalo.me/1234567890")
    application = build_application(dataclasses.replace(config, zalo=zalo), TOKEN, clock=clock.now)
    async with running(application):
        yield application


async def test_invite_says_where_to_type_the_code_on_zalo(
    with_zalo_link: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """With the Zalo bot's address configured, /moi says to open it and type the code."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    text = (await an.send("/moi Bùi Thị Thu")).text
    code = show_code(_code_in(text))
    assert f"Trên Zalo: mở https://zalo.me/1234567890 rồi gõ mã {code}" in text


async def test_a_stranger_who_types_the_code_is_linked(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """The code as /moi shows it ("4821 0937"), typed as a message, links the chat."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    code = _code_in((await an.send("/moi Bùi Thị Thu")).text)
    thu = sim.user("Bùi Thị Thu")
    replies = await thu.send(f"mã của tôi là {show_code(code)} ạ")
    assert "Chào đồng chí Bùi Thị Thu" in replies.text
    assert "đã kết nối thành công" in replies.text


async def test_stranger_texts_say_to_type_the_code(app: ChiboApp, sim: FakeTelegram) -> None:
    """A stranger (on Zalo, with no link to open) is told to type the 8-digit code."""
    stranger = sim.user("Ai Đó")
    for typed in ("/start", "/trogiup", "chào"):
        text = (await stranger.send(typed)).text
        assert "mã mời 8 chữ số" in text, typed
        assert "bấm" not in text, typed


async def test_member_list_shows_each_persons_channel(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], storage: Database
) -> None:
    """The secretary sees who is on Telegram, on Zalo, on both, not linked, and whom the bot
    cannot reach."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    await linked(sim, invite_codes, "Trần Thị Bình")
    await linked(sim, invite_codes, "Đinh Thị Hoa")
    mai = await linked(sim, invite_codes, "Lê Thị Mai")
    now = app.bot_data.now()
    hung = await linking.link_by_text(
        storage, "zalo", "z-1", invite_codes["Vũ Văn Hùng"], "vi", now
    )
    assert hung.person is not None
    hoa = await person_id(storage, XOM_9, "Đinh Thị Hoa")
    second = await linking.issue_invite(storage, hoa, now=now, valid_days=30, actor="test")
    await linking.link_by_text(storage, "zalo", "z-2", second.code, "vi", now)
    async with storage.transaction() as conn:
        await accounts.set_reachable(conn, "telegram", str(mai.telegram_id), False)
    text = (await an.send("/thanhvien")).text
    assert "Vũ Văn Hùng — chi ủy viên · Zalo" in text
    assert "Đinh Thị Hoa — phó bí thư · Telegram, Zalo" in text
    assert "Trần Thị Bình — đảng viên · Telegram" in text
    assert "Bùi Thị Thu — đảng viên · chưa kết nối" in text
    lost = text.split("⏳ Chưa kết nối")[0]
    assert "Lê Thị Mai — đảng viên · Telegram (không nhắn được)" in lost
    assert "✅ đã kết nối: 4 · ⏳ chưa kết nối: 7 · ⚠️ không nhắn được: 1" in text


async def test_edited_invite_command_issues_no_new_code(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Editing "/moi Họ Tên" gets one short answer; the code already sent keeps working."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    message = an.text_update("/moi Bùi Thị Thu")["message"]
    sim.push_update({"message": message})
    await sim.wait_quiet()
    code = _code_in(an.messages[-1].text or "")
    before = len(an.messages)
    sim.push_update({"edited_message": {**message, "edit_date": int(time.time())}})
    await sim.wait_quiet()
    assert [m.text for m in an.messages[before:]] == [EDITED]
    replies = await sim.user("Bùi Thị Thu").send(f"/start {code}")
    assert "Chào đồng chí Bùi Thị Thu" in replies.text


async def test_edited_answer_is_not_read(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """An edited text is answered that edits are not read, and nothing else is said."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    message = binh.text_update("/trogiup")["message"]
    sim.push_update({"message": message})
    await sim.wait_quiet()
    before = len(binh.messages)
    sim.push_update({"edited_message": {**message, "text": "/cuatoi", "edit_date": 1}})
    await sim.wait_quiet()
    assert [m.text for m in binh.messages[before:]] == [EDITED]


# --- A big cell ---------------------------------------------------------------------------------

BIG = 171


@pytest.fixture
async def big_cell(
    tmp_path: Path, config: Config, clock: Clock, sim: FakeTelegram
) -> AsyncIterator[dict[str, str]]:
    """A running bot with one cell of 171 members (a secretary and 170 members)."""
    rows = ["đơn vị,họ và tên,vai trò,điện thoại,trạng thái,phụ trách"]
    unit = "Đảng bộ phường Trung Tâm / Chi bộ khu phố 3"
    rows.append(f"{unit},Nguyễn Văn Trưởng,bí thư,,,")
    rows += [f"{unit},Trần Thị Thành Viên Số {n:03d},đảng viên,,," for n in range(1, BIG)]
    org = tmp_path / "big.csv"
    org.write_text("\n".join(rows) + "\n", encoding="utf-8")
    found = codes(await seed(config, org, now=clock.now()))
    application = build_application(config, TOKEN, clock=clock.now)
    async with running(application):
        yield found


async def test_member_list_of_a_big_cell_fits_every_channel(
    big_cell: dict[str, str], sim: FakeTelegram
) -> None:
    """/thanhvien for 171 members arrives whole: each message within Telegram's 4,096
    characters, each paragraph within Zalo's 2,000, every member listed once."""
    secretary: SimUser = sim.user("Nguyễn Văn Trưởng")
    await secretary.send(f"/start {big_cell['Nguyễn Văn Trưởng']}")
    replies = await secretary.send("/thanhvien")
    assert len(replies.messages) > 1
    assert all(len(text) <= 4096 for text in replies.texts)
    text = replies.text
    assert "Chi bộ khu phố 3: 171 người" in text
    assert all(len(paragraph) <= 2000 for paragraph in text.split("\n\n"))
    for n in range(1, BIG):
        assert text.count(f"Trần Thị Thành Viên Số {n:03d} ") == 1
