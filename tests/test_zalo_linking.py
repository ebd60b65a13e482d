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
