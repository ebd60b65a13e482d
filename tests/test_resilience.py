"""The Bot API misbehaving and odd input: the bot retries, apologises, never goes silent."""

from __future__ import annotations

import pytest

from bot.app import ChiboApp
from chibo_devtools.telegram import FakeTelegram


async def test_reply_is_retried_after_429(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A 429 on the greeting is retried after retry_after; the person still gets it once."""
    sim.fail_next("sendMessage", 429, retry_after=1)
    an = sim.user("Nguyễn Văn An")
    replies = await an.send(f"/start {invite_codes['Nguyễn Văn An']}", timeout=15)
    assert [t for t in replies.texts if "Chào đồng chí Nguyễn Văn An" in t] != []
    assert len([m for m in an.messages if "Chào đồng chí" in (m.text or "")]) == 1


async def test_server_error_gets_an_apology(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """When the Bot API fails a reply, the error handler apologises once it answers again."""
    binh = sim.user("Trần Thị Bình")
    await binh.send(f"/start {invite_codes['Trần Thị Bình']}")
    sim.fail_next("sendMessage", 500)
    replies = await binh.send("/trogiup")
    assert "Trợ lý gặp lỗi" in replies.text


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4096,
        "\u202eđảo chiều\u202c \x00\x07",
        "🙏🙏🙏 👍",
        "/start",
        "/start@chibo_test_bot",
        "/START abc",
        "/" + "a" * 64,
        "مرحبا بالعالم",
    ],
)
async def test_odd_messages_get_an_answer(app: ChiboApp, sim: FakeTelegram, text: str) -> None:
    """Long, invisible, emoji, right-to-left or odd command text each gets a reply."""
    replies = await sim.user("Ai Đó").send(text)
    assert replies.texts
