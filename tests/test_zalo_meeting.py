"""The meeting on Zalo: roll-call by number, closing by word, the export link, the chart."""

from __future__ import annotations

import io

import aiohttp
from openpyxl import load_workbook

from bot.app import Channels
from chibo_devtools.zalo import FakeZalo, SimUser
from tests.helpers import Clock, at_local
from tests.zalo_helpers import number_of, zdeliver, zlinked

pytest_plugins = ("tests.zalo_fixtures",)

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Mai", "Phạm Văn Dũng", "Phạm Quốc Cường"]


async def _setup(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> dict[str, SimUser]:
    people = {name: await zlinked(zsim, zcodes, name) for name in NAMES}
    zclock.moment = at_local(30, 19, 31, month=11)
    await zdeliver(zbot, zclock, zsim)
    await people["Trần Thị Bình"].send("1")
    await people["Lê Thị Mai"].send("xin vắng vì ốm")
    zclock.moment = at_local(3, 19, 35)
    return people


async def test_rollcall_toggles_by_number_and_closes_by_word(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """The secretary sends a member's number to mark them present, then "xong" closes."""
    people = await _setup(zbot, zsim, zcodes, zclock)
    an = people["Nguyễn Văn An"]
    replies = await an.send("/diemdanh")
    assert "❌ Phạm Văn Dũng (chưa báo tham dự)" in replies.text
    number = number_of(replies.text, "❌ Phạm Văn Dũng")
    replies = await an.send(number)
    assert "✅ Phạm Văn Dũng" in replies.text
    replies = await an.send("xong")
    assert "Đã đóng điểm danh." in replies.text
    assert all(len(m.content) <= 2000 for m in an.messages)


async def test_export_is_a_one_time_download_link(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """/xuat on Zalo gives a link to the workbook, which downloads once and never again."""
    people = await _setup(zbot, zsim, zcodes, zclock)
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    await an.send("xong")
    replies = await an.send("/xuat")
    assert "PK\x03\x04" not in replies.text  # never the file's content (a zip) in the chat
    url = next(word for word in replies.text.split() if word.startswith("http"))
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:
            assert response.status == 200
            data = await response.read()
        async with http.get(url) as again:
            assert again.status == 404
    book = load_workbook(io.BytesIO(data))
    assert "Điểm danh" in book.sheetnames


async def test_monthly_chart_is_a_photo_zalo_fetches(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str], zclock: Clock
) -> None:
    """The cadre's monthly digest on Zalo comes with the chart as a photo served by the bot."""
    people = await _setup(zbot, zsim, zcodes, zclock)
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    await an.send("xong")
    zclock.moment = at_local(10, 9, 0, month=1, year=2027)
    await zbot.plan_now()
    await zsim.wait_quiet()
    cuong = people["Phạm Quốc Cường"]
    photos = [m.photo for m in cuong.messages if m.photo is not None]
    assert len(photos) == 1
    assert photos[0].fetched
    assert photos[0].data.startswith(b"\x89PNG")
    assert all(len(m.content) <= 2000 for m in cuong.messages)
