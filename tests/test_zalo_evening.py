"""Scorecard points typed on Zalo, kiến nghị raised and answered, a big cell's roll-call."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import Channels, running_channels
from bot.config import Config
from bot.domain.text import utf16_length
from chibo_devtools.zalo import FakeZalo
from tests.helpers import Clock, at_local, codes, seed
from tests.test_rollcall import _big_cell_file
from tests.zalo_helpers import ZALO_TOKEN, number_of, zdeliver, zlinked

pytest_plugins = ("tests.zalo_fixtures",)


async def test_scorecard_points_are_typed_while_the_card_is_open(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """With the card open, "5" is points for the criterion, not a pick; "quay lại" goes back."""
    an = await zlinked(zsim, zcodes, "Nguyễn Văn An")
    zclock.moment = at_local(3, 19, 35)
    await an.send("/diemdanh")
    await an.send("xong")
    zclock.advance(minutes=95)
    replies = await an.send("/diemdanh")
    replies = await an.send(number_of(replies.text, "🏁 Kết thúc buổi họp"))
    assert "Thời lượng: 95 phút." in replies.text
    replies = await an.send("/chamdiem")
    assert "Tiêu chí 1/" in replies.text
    replies = await an.send("5")
    assert "Tiêu chí 2/" in replies.text
    replies = await an.send("quay lại")
    assert "Tiêu chí 1/" in replies.text


async def test_kien_nghi_raised_and_answered_on_zalo(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """A member raises a kiến nghị; the secretary answers by number then text; the member hears."""
    binh = await zlinked(zsim, zcodes, "Trần Thị Bình")
    an = await zlinked(zsim, zcodes, "Nguyễn Văn An")
    replies = await binh.send("/kiennghi Đề nghị nạo vét cống thoát nước đầu xóm.")
    found = re.search(r"Đã ghi nhận kiến nghị số (\d+)", replies.text)
    assert found, replies.text
    await zdeliver(zbot, zclock, zsim)
    told = an.last_text or ""
    assert "nạo vét cống" in told
    replies = await an.send(number_of(told, "✍️ Trả lời"))
    assert "xin gõ câu trả lời" in replies.text
    await an.send("Chi bộ đã báo xã, tuần sau sửa xong.")
    await zdeliver(zbot, zclock, zsim)
    assert any("đã được trả lời" in text for text in binh.texts)


async def test_big_cell_rollcall_fits_zalo_and_numbers_still_pick(
    zsim: FakeZalo, zconfig: Config, zclock: Clock, tmp_path: Path
) -> None:
    """With 171 members every roll-call message fits 2,000 characters (split where needed)
    and a member's number still marks them."""
    path, names = _big_cell_file(tmp_path)
    big = codes(await seed(zconfig, path, now=zclock.now()))
    async with running_channels(
        zconfig, zalo_token=ZALO_TOKEN, clock=zclock.now, zalo_poll_timeout=1
    ):
        secretary = await zlinked(zsim, big, names[0])
        zclock.moment = at_local(3, 19, 35)
        replies = await secretary.send("/diemdanh")
        assert "Trang 1/22" in replies.text
        on_page = next(n for n in names if f"❌ {n}" in replies.text)
        replies = await secretary.send(number_of(replies.text, f"❌ {on_page}"))
        assert f"✅ {on_page}" in replies.text
        assert all(utf16_length(m.content) <= 2000 for m in secretary.messages)
