"""Linking on Zalo: a stranger types the invite code, with or without the space or words."""

from __future__ import annotations

from bot.app import Channels
from bot.storage import accounts
from chibo_devtools.zalo import FakeZalo

pytest_plugins = ("tests.zalo_fixtures",)


async def test_typed_code_with_space_links(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str]
) -> None:
    """A code typed as two groups ("4821 0937") links the chat and greets the person."""
    code = zcodes["Nguyễn Văn An"]
    an = zsim.user("Nguyễn Văn An")
    replies = await an.send(f"{code[:4]} {code[4:]}")
    assert "Chào đồng chí Nguyễn Văn An" in replies.text
    async with zbot.core.db.transaction() as conn:
        assert await accounts.get(conn, "zalo", an.chat_id) is not None


async def test_typed_code_with_words_or_start_links(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str]
) -> None:
    """ "mã 48210937" and "/start 4821 0937" link as well as the bare code."""
    for name, typed in (
        ("Trần Thị Bình", "mã {code}"),
        ("Lê Thị Mai", "/start {head} {tail}"),
    ):
        code = zcodes[name]
        user = zsim.user(name)
        replies = await user.send(typed.format(code=code, head=code[:4], tail=code[4:]))
        assert f"Chào đồng chí {name}" in replies.text


async def test_wrong_codes_are_limited_per_chat(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str]
) -> None:
    """Five wrong codes, then the chat waits, and even the right code does not link now."""
    stranger = zsim.user("Trần Thị Bình")
    for n in range(5):
        replies = await stranger.send(f"0000 000{n}")
        assert "Chào đồng chí" not in replies.text
    replies = await stranger.send(zcodes["Trần Thị Bình"])
    assert "nhập sai mã mời quá nhiều lần" in replies.text
    async with zbot.core.db.transaction() as conn:
        assert await accounts.get(conn, "zalo", stranger.chat_id) is None


async def test_a_stranger_is_told_how_to_link(zbot: Channels, zsim: FakeZalo) -> None:
    """A stranger's chatter gets the way to link, not silence."""
    replies = await zsim.user("Người Lạ").send("xin chào")
    assert "mã" in replies.text


async def test_a_code_typed_in_a_group_links_nothing(
    zbot: Channels, zsim: FakeZalo, zcodes: dict[str, str]
) -> None:
    """An invite code typed in a Zalo group chat does not link the group (or anyone)."""
    binh = zsim.user("Trần Thị Bình")
    update = binh.text_update(zcodes["Trần Thị Bình"])
    update["message"]["chat"] = {"id": "group-of-the-cell", "chat_type": "GROUP"}
    zsim.push_update(update)
    await zsim.wait_quiet()
    assert zbot.zalo is not None
    await zbot.zalo.idle()
    async with zbot.core.db.transaction() as conn:
        assert await accounts.get(conn, "zalo", "group-of-the-cell") is None
        assert await accounts.get(conn, "zalo", binh.chat_id) is None
    replies = await binh.send(zcodes["Trần Thị Bình"])
    assert "Chào đồng chí Trần Thị Bình" in replies.text
