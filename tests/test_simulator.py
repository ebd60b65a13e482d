"""The Bot API simulator speaks enough Telegram for python-telegram-bot 22."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from chibo_devtools.telegram import CallbackAnswer, FakeTelegram, FloodLimits, render_transcript

TOKEN = "123456:SIM-TEST"
USERNAME = "chibo_sim_bot"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x02\x00\x00\x00"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A simulator of its own (not the app's fixture)."""
    async with FakeTelegram(token=TOKEN, bot_username=USERNAME) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """A bare PTB Bot talking to the simulator."""
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as client:
        yield client


def attendance() -> InlineKeyboardMarkup:
    """Two answer buttons and a link."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Tham dự", callback_data="att:yes"),
                InlineKeyboardButton("🙏 Xin vắng", callback_data="att:no"),
            ],
            [InlineKeyboardButton("Xem", url="https://example.org/hop")],
        ]
    )


async def test_get_me_gives_the_username(bot: Bot, fake: FakeTelegram) -> None:
    """getMe answers with the bot named in the constructor and the id from the token."""
    me = await bot.get_me()
    assert me.username == USERNAME
    assert me.id == 123456
    assert me.is_bot
    assert fake.calls["getMe"] >= 1


async def test_wrong_token_and_unknown_method(bot: Bot, fake: FakeTelegram) -> None:
    """A foreign token is refused; an unknown method is 404."""
    with pytest.raises(InvalidToken):
        async with Bot("123456:WRONG", base_url=fake.base_url):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert fake.statuses[401] == 1
    assert fake.statuses[404] == 1


async def test_sent_message_lands_with_its_buttons(bot: Bot, fake: FakeTelegram) -> None:
    """A sendMessage shows up in the person's messages, with its keyboard, as PTB sees it."""
    an = fake.user("Nguyễn Văn An")
    assert (an.telegram_id, an.first_name, an.last_name) == (1001, "Nguyễn", "Văn An")
    assert an.language_code == "vi"
    sent = await bot.send_message(an.telegram_id, "Họp chi bộ tối nay", reply_markup=attendance())
    assert sent.chat.id == an.telegram_id
    assert sent.from_user is not None
    assert sent.from_user.username == USERNAME
    assert sent.reply_markup == attendance()
    assert an.last is not None
    assert an.last.message_id == sent.message_id
    assert an.last.text == "Họp chi bộ tối nay"
    assert an.last.buttons == [
        [("✅ Tham dự", "att:yes"), ("🙏 Xin vắng", "att:no")],
        [("Xem", "https://example.org/hop")],
    ]
    again = await bot.send_message(an.telegram_id, "Nhắc lại", disable_notification=True)
    assert again.message_id == sent.message_id + 1
    assert fake.sent_to(an.telegram_id) == an.messages
    assert an.messages[-1].silent


async def test_many_concurrent_sends_are_all_kept(fake: FakeTelegram) -> None:
    """Hundreds of parallel requests land, with message ids unique per chat."""
    people = [fake.user(f"Đảng viên {n}") for n in range(10)]
    request = HTTPXRequest(connection_pool_size=64)
    async with Bot(TOKEN, base_url=fake.base_url, request=request) as wide:
        await asyncio.gather(
            *(wide.send_message(p.telegram_id, f"tin {k}") for p in people for k in range(30))
        )
    for person in people:
        ids = [m.message_id for m in person.messages]
        assert sorted(ids) == list(range(1, 31))
    assert fake.calls["sendMessage"] == 300


async def test_get_updates_honours_offsets(bot: Bot, fake: FakeTelegram) -> None:
    """Confirmed updates are not returned again; a long poll answers as soon as one comes."""
    an = fake.user("Nguyễn Văn An")
    await an.send("/start abc123", expect_reply=False, settle=0)
    await an.send(f"/help@{USERNAME} thêm", expect_reply=False, settle=0)
    first = await bot.get_updates()
    assert [u.message.text for u in first if u.message] == [
        "/start abc123",
        f"/help@{USERNAME} thêm",
    ]
    start, help_ = (u.message for u in first)
    assert start is not None
    assert help_ is not None
    assert start.from_user is not None
    assert start.from_user.language_code == "vi"
    assert start.parse_entity(start.entities[0]) == "/start"
    assert help_.parse_entity(help_.entities[0]) == f"/help@{USERNAME}"
    assert len(await bot.get_updates(offset=first[0].update_id)) == 2
    assert await bot.get_updates(offset=first[-1].update_id + 1) == ()
    assert fake.pending_updates == 0

    poll = asyncio.create_task(bot.get_updates(offset=first[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.1)
    begun = time.monotonic()
    await an.send("ba", expect_reply=False, settle=0)
    third = await poll
    assert time.monotonic() - begun < 2
    assert [u.message.text for u in third if u.message] == ["ba"]


async def test_blocked_unknown_and_never_started(bot: Bot, fake: FakeTelegram) -> None:
    """Blocking gives Forbidden (and a my_chat_member update); unknown chats are 400."""
    an = fake.user("Nguyễn Văn An")
    an.block()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(an.telegram_id, "xin chào")
    an.unblock()
    await bot.send_message(an.telegram_id, "xin chào")
    statuses = [
        u.my_chat_member.new_chat_member.status
        for u in await bot.get_updates()
        if u.my_chat_member
    ]
    assert statuses == ["kicked", "member"]
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999_999, "ai đó")
    shy = fake.user("Lê Thị Mai", started=False)
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(shy.telegram_id, "xin chào")


async def test_scripted_failures(
    bot: Bot, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scripted 429 is RetryAfter; 500 and a dropped connection are network errors."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else RetryAfter warns (an error here)
    an = fake.user("Nguyễn Văn An")
    fake.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(an.telegram_id, "một")
    assert caught.value.retry_after == timedelta(seconds=3)
    assert an.messages == []
    assert fake.rate_limited == 1

    fake.fail_next("sendMessage", 500)
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await bot.send_message(an.telegram_id, "hai")
    fake.fail_next("sendMessage", drop=True)
    with pytest.raises(NetworkError):
        await bot.send_message(an.telegram_id, "ba")
    assert an.messages == []
    fake.fail_next("sendMessage", drop=True, performed=True)
    with pytest.raises(NetworkError):
        await bot.send_message(an.telegram_id, "bốn")
    assert [m.text for m in an.messages] == ["bốn"]  # done, but the answer was lost
    await bot.send_message(an.telegram_id, "năm")
    assert fake.dropped == 2
    assert fake.calls["sendMessage"] == 5


async def test_flood_limits(bot: Bot, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the per-chat rate, Telegram says 429 with a retry_after; other chats go on."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.flood_limits = FloodLimits(overall_per_second=30, per_chat_per_second=1)
    an, binh = fake.user("Nguyễn Văn An"), fake.user("Trần Thị Bình")
    await bot.send_message(an.telegram_id, "một")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(an.telegram_id, "hai")
    assert caught.value.retry_after == timedelta(seconds=1)
    await bot.send_message(binh.telegram_id, "một")
    assert fake.flood_rejections == 1
    assert len(an.messages) == 1


async def test_edit_message_text(bot: Bot, fake: FakeTelegram) -> None:
    """Edits change the stored text and keep history; an identical edit is refused."""
    an = fake.user("Nguyễn Văn An")
    sent = await bot.send_message(an.telegram_id, "Họp chi bộ tối nay", reply_markup=attendance())
    edited = await bot.edit_message_text(
        "Họp chi bộ tối nay (đã dời)", an.telegram_id, sent.message_id, reply_markup=attendance()
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Họp chi bộ tối nay (đã dời)"
    message = an.messages[0]
    assert message.text == "Họp chi bộ tối nay (đã dời)"
    assert [e.old_text for e in message.edits] == ["Họp chi bộ tối nay"]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Họp chi bộ tối nay (đã dời)",
            an.telegram_id,
            sent.message_id,
            reply_markup=attendance(),
        )
    await bot.edit_message_text("Đã chốt", an.telegram_id, sent.message_id)
    assert message.buttons == []  # no reply_markup in an edit drops the keyboard, as Telegram does
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", an.telegram_id, 99)
    await bot.edit_message_reply_markup(an.telegram_id, sent.message_id, reply_markup=attendance())
    assert message.labels == ["✅ Tham dự", "🙏 Xin vắng", "Xem"]
    assert len(message.edits) == 3
    await bot.delete_message(an.telegram_id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("muộn", an.telegram_id, sent.message_id)


async def test_formatting_is_parsed_like_telegram(bot: Bot, fake: FakeTelegram) -> None:
    """HTML and MarkdownV2 become plain text with entities; broken markup is a 400."""
    an = fake.user("Nguyễn Văn An")
    sent = await bot.send_message(
        an.telegram_id, "<b>Họp</b> lúc 19:30 &amp; <i>đúng giờ</i>", parse_mode=ParseMode.HTML
    )
    assert sent.text == "Họp lúc 19:30 & đúng giờ"
    assert [(e.type, sent.parse_entity(e)) for e in sent.entities] == [
        ("bold", "Họp"),
        ("italic", "đúng giờ"),
    ]
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(an.telegram_id, "<b>Họp", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
        await bot.send_message(an.telegram_id, "Tên <Ông An>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(an.telegram_id, "Họp lúc 19.30", parse_mode=ParseMode.MARKDOWN_V2)
    sent = await bot.send_message(
        an.telegram_id, "*Họp* lúc 19\\.30", parse_mode=ParseMode.MARKDOWN_V2
    )
    assert sent.text == "Họp lúc 19.30"
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(an.telegram_id, "a" * 4097)


async def test_press_sends_the_buttons_callback_data(bot: Bot, fake: FakeTelegram) -> None:
    """press finds the button by label and sends its data; the answer is recorded once."""
    an = fake.user("Nguyễn Văn An")
    sent = await bot.send_message(an.telegram_id, "Họp chi bộ tối nay", reply_markup=attendance())
    await an.press("✅ Tham dự", expect_reply=False, settle=0)
    await an.press_data(sent.message_id, "forged:data", expect_reply=False, settle=0)
    pressed = [u.callback_query for u in await bot.get_updates() if u.callback_query]
    assert [q.data for q in pressed] == ["att:yes", "forged:data"]
    query = pressed[0]
    assert query.from_user.id == an.telegram_id
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("Đã ghi nhận", show_alert=True)
    answer = an.events[-1]
    assert isinstance(answer, CallbackAnswer)
    assert (answer.text, answer.show_alert, answer.data) == ("Đã ghi nhận", True, "att:yes")
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await query.answer("lần hai")
    with pytest.raises(AssertionError, match="no button 'Không có'"):
        await an.press("Không có")
    with pytest.raises(AssertionError, match="is a link"):
        await an.press("Xem")


async def test_files_both_ways(bot: Bot, fake: FakeTelegram) -> None:
    """Photos and documents keep their bytes; a person's upload can be downloaded by the bot."""
    an = fake.user("Nguyễn Văn An")
    await bot.send_document(
        an.telegram_id, b"ho_ten\nAn\n", filename="danh-sach.csv", caption="Danh sách"
    )
    assert an.last is not None
    assert an.last.document is not None
    assert (an.last.document.filename, an.last.document.data) == ("danh-sach.csv", b"ho_ten\nAn\n")
    assert an.last.caption == "Danh sách"
    photo = await bot.send_photo(an.telegram_id, PNG, caption="Ảnh buổi họp")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (2, 3)
    assert an.last.photo is not None
    assert an.last.photo.data == PNG
    await an.send_document("bao-cao.csv", b"a;b\n1;2\n", expect_reply=False, settle=0)
    updates = await bot.get_updates()
    document = updates[-1].message.document if updates[-1].message else None
    assert document is not None
    assert document.file_name == "bao-cao.csv"
    file = await bot.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"a;b\n1;2\n"


async def test_command_menus(bot: Bot, fake: FakeTelegram) -> None:
    """Command lists are kept per scope and language and resolved like Telegram's menu."""
    an = fake.user("Nguyễn Văn An")
    await bot.set_my_commands([BotCommand("trogiup", "Trợ giúp")], language_code="vi")
    await bot.set_my_commands([BotCommand("help", "Help")])
    await bot.set_my_commands(
        [BotCommand("moi", "Mời")], scope=BotCommandScopeChat(an.telegram_id)
    )
    assert [c.command for c in await bot.get_my_commands(language_code="vi")] == ["trogiup"]
    assert fake.commands_for(language_code="vi") == [
        {"command": "trogiup", "description": "Trợ giúp"}
    ]
    assert fake.commands_for(language_code="en") == [{"command": "help", "description": "Help"}]
    assert [c["command"] for c in fake.commands_for(chat_id=an.telegram_id)] == ["moi"]
    await bot.delete_my_commands(scope=BotCommandScopeChat(an.telegram_id))
    assert [c["command"] for c in fake.commands_for(chat_id=an.telegram_id)] == ["trogiup"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Trợ-giúp", "x")])


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    assert update.effective_user is not None
    code = " ".join(context.args or [])
    await update.effective_message.reply_text(
        f"Chào đồng chí {update.effective_user.full_name}! Mã: {code}",
        reply_markup=attendance(),
    )


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Đã ghi nhận")
    await query.edit_message_text(f"Đã ghi nhận: {query.data}")


async def test_application_round_trip(fake: FakeTelegram) -> None:
    """A polling Application answers /start and a button press through the simulator."""
    app = ApplicationBuilder().token(TOKEN).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_pressed))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        an = fake.user("Nguyễn Văn An")
        replies = await an.send("/start abc123")
        assert replies.texts == ["Chào đồng chí Nguyễn Văn An! Mã: abc123"]
        assert replies.buttons == ["✅ Tham dự", "🙏 Xin vắng", "Xem"]
        replies = await an.press("🙏 Xin vắng")
        assert replies.text == "Đã ghi nhận: att:no"
        assert [a.text for a in replies.callback_answers] == ["Đã ghi nhận"]
        assert replies.buttons == []
        assert (await an.send(f"/start@{USERNAME} xyz")).text.endswith("Mã: xyz")
        with pytest.raises(AssertionError, match=r"Nguyễn Văn An: no reply .* 'chào'"):
            await an.send("chào", timeout=0.3)
        await fake.wait_quiet()
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    log = render_transcript(an)
    assert log.splitlines()[:5] == [
        "── Nguyễn Văn An ──",
        "  Nguyễn Văn An: /start abc123",
        "  Bot: Chào đồng chí Nguyễn Văn An! Mã: abc123",
        "       [✅ Tham dự] [🙏 Xin vắng]",
        "       [Xem]",
    ]
    assert "  Nguyễn Văn An: (bấm) 🙏 Xin vắng" in log
    assert "  Bot (sửa): Đã ghi nhận: att:no" in log
    assert "  Bot (thông báo): Đã ghi nhận" in log
