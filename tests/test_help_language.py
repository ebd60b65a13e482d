"""Help, menus and language: each person sees what they can do, in their language."""

from __future__ import annotations

from bot.app import ChiboApp
from chibo_devtools.telegram import FakeTelegram, SimUser


async def _linked(
    sim: FakeTelegram, codes: dict[str, str], name: str, lang: str = "vi"
) -> SimUser:
    user = sim.user(name, language_code=lang)
    await user.send(f"/start {codes[name]}")
    return user


async def test_member_help_lists_only_member_commands(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A member's help shows their commands and not the secretary's."""
    binh = await _linked(sim, invite_codes, "Trần Thị Bình")
    replies = await binh.send("/trogiup")
    assert "đồng chí Trần Thị Bình, đảng viên Chi bộ xóm 9" in replies.text
    assert "/ngonngu" in replies.text
    assert "/thanhvien" not in replies.text
    assert "/moi" not in replies.text


async def test_secretary_help_lists_cell_commands(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """The secretary's help (also as /help) lists the member list and invites."""
    an = await _linked(sim, invite_codes, "Nguyễn Văn An")
    replies = await an.send("/help")
    assert "/thanhvien" in replies.text
    assert "/moi" in replies.text


async def test_stranger_help_explains_linking(app: ChiboApp, sim: FakeTelegram) -> None:
    """Someone not linked gets what the bot is and how to link."""
    replies = await sim.user("Ai Đó").send("/trogiup")
    assert "Trợ lý Chi bộ nhắc lịch sinh hoạt chi bộ" in replies.text
    assert "đường link mời riêng" in replies.text


async def test_menus_are_published_in_both_languages(app: ChiboApp, sim: FakeTelegram) -> None:
    """At start-up the command menu is set for Vietnamese and for English."""
    vi = sim.commands_for(language_code="vi")
    en = sim.commands_for(language_code="en")
    assert "trogiup" in [c["command"] for c in vi]
    assert "help" in [c["command"] for c in en]
    assert all(c["description"] for c in vi + en)


async def test_secretary_gets_a_menu_of_their_role(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """After linking, the secretary's own chat menu includes the cell commands."""
    an = await _linked(sim, invite_codes, "Nguyễn Văn An")
    names = [c["command"] for c in sim.commands_for(chat_id=an.telegram_id)]
    assert "thanhvien" in names
    assert "moi" in names


async def test_switching_to_english_and_back(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """/ngonngu switches the person's language; later answers come in it."""
    binh = await _linked(sim, invite_codes, "Trần Thị Bình")
    await binh.send("/ngonngu")
    replies = await binh.press("🇬🇧 English")
    assert "English" in replies.text
    help_en = await binh.send("/help")
    assert "party member" in help_en.text
    assert "/language" in help_en.text
    await binh.send("/language")
    replies = await binh.press("🇻🇳 Tiếng Việt")
    assert "Tiếng Việt" in replies.text
    assert "/ngonngu" in (await binh.send("/trogiup")).text


async def test_english_app_gets_english_before_choosing(app: ChiboApp, sim: FakeTelegram) -> None:
    """A stranger whose Telegram is in English is answered in English."""
    replies = await sim.user("John Doe", language_code="en").send("/start")
    assert "invite link" in replies.text


async def test_unknown_command_and_stray_text_get_answers(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Nothing goes unanswered: an unknown command and free text each get a reply."""
    binh = await _linked(sim, invite_codes, "Trần Thị Bình")
    assert "Không có lệnh /xoahet" in (await binh.send("/xoahet")).text
    # With a meeting ahead, stray text is taken as a possible answer and asked about.
    assert "chưa rõ ý" in (await binh.send("chào bot")).text
    assert "chưa kết nối" in (await sim.user("Ai Đó").send("chào")).text
