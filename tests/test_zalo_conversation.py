"""The conversation on Zalo: numbered choices picked by number or words, commands, fallbacks."""

from __future__ import annotations

from bot.app import Channels
from chibo_devtools.zalo import FakeZalo, SimUser
from tests.helpers import Clock, at_local
from tests.zalo_helpers import zdeliver, zlinked

pytest_plugins = ("tests.zalo_fixtures",)


async def _noticed(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock, name: str
) -> SimUser:
    user = await zlinked(zsim, zcodes, name)
    zclock.moment = at_local(30, 19, 31, month=11)
    await zdeliver(zbot, zclock, zsim)
    return user


async def test_notice_shows_numbered_choices_and_one_picks_attending(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """A notice on Zalo lists its choices by number; "1" records attendance."""
    binh = await _noticed(zbot, zsim, zcodes, zclock, "Trần Thị Bình")
    notice = binh.last_text or ""
    assert "THÔNG BÁO SINH HOẠT" in notice
    assert "Trả lời bằng số:" in notice
    assert "1. ✅ Tham dự" in notice
    replies = await binh.send("1")
    assert "Đã ghi nhận: đồng chí tham dự" in replies.text


async def test_notice_answered_in_words(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """ "có" answers a notice on Zalo as it does on Telegram."""
    binh = await _noticed(zbot, zsim, zcodes, zclock, "Trần Thị Bình")
    replies = await binh.send("có")
    assert "tham dự" in replies.text


async def test_absence_then_reason_by_number(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """ "số 2" asks for leave, then the reason is picked by its number."""
    binh = await _noticed(zbot, zsim, zcodes, zclock, "Trần Thị Bình")
    replies = await binh.send("số 2")
    assert "lý do" in replies.text
    assert "Ốm đau" in replies.text
    reasons = replies.text.split("Trả lời bằng số:")[1]
    number = next(line.split(".")[0].strip() for line in reasons.splitlines() if "Ốm đau" in line)
    replies = await binh.send(number)
    assert "lý do: Ốm đau" in replies.text


async def test_choice_words_pick_the_choice(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """Typing a choice's words ("một" or "Tham dự") picks it like its number."""
    binh = await _noticed(zbot, zsim, zcodes, zclock, "Trần Thị Bình")
    replies = await binh.send("một")
    assert "Đã ghi nhận: đồng chí tham dự" in replies.text


async def test_number_out_of_range_is_answered_and_changes_nothing(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """A number with no choice behind it says which numbers there are."""
    binh = await _noticed(zbot, zsim, zcodes, zclock, "Trần Thị Bình")
    replies = await binh.send("9")
    assert "xin gõ một số từ 1 đến" in replies.text
    roster = await binh.send("/cuatoi")
    assert "tham dự" not in roster.text.lower().split("\n")[0]


async def test_number_after_the_offer_expired_is_answered(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """A number sent days after the choices were shown is told the choices expired."""
    binh = await _noticed(zbot, zsim, zcodes, zclock, "Trần Thị Bình")
    zclock.advance(days=3)
    replies = await binh.send("1")
    assert "hết hạn" in replies.text


async def test_unknown_command_and_stickers_get_clear_answers(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str]
) -> None:
    """An unknown command, a sticker and an unreadable message each get a short answer."""
    binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
    assert "/xoahet" in (await binh.send("/xoahet")).text
    assert "chỉ đọc được tin nhắn chữ" in (await binh.send_sticker()).text
    assert "chỉ đọc được tin nhắn chữ" in (await binh.send_image()).text
    assert "chỉ đọc được tin nhắn chữ" in (await binh.send_unsupported()).text


async def test_a_ten_thousand_character_text_is_answered(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str]
) -> None:
    """A 10,000-character text gets an answer that fits Zalo, never a failure."""
    binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
    replies = await binh.send("a " * 5000)
    assert replies
    assert all(len(m.content) <= 2000 for m in replies)
    assert not zsim.internal_errors
