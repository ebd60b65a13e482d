"""Linking a Telegram account to a person through /start <code>, and every way it can fail."""

from __future__ import annotations

from datetime import timedelta

from bot.app import ChiboApp
from bot.services import linking
from bot.storage import accounts, invites
from chibo_devtools.telegram import FakeTelegram
from tests.helpers import Clock, person_id


async def test_valid_code_greets_by_name_role_and_cell(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Opening one's invite link greets the person with name, role and cell."""
    an = sim.user("Nguyễn Văn An")
    replies = await an.send(f"/start {invite_codes['Nguyễn Văn An']}")
    assert "Chào đồng chí Nguyễn Văn An, bí thư Chi bộ xóm 9" in replies.text
    assert "Đảng bộ xã Thượng Kiệm" in replies.text
    assert "kết nối thành công" in replies.text


async def test_cadre_greeting_names_the_cells_followed(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """An assigned cadre is told which cells they follow."""
    cuong = sim.user("Phạm Quốc Cường")
    replies = await cuong.send(f"/start {invite_codes['Phạm Quốc Cường']}")
    assert "Chào đồng chí Phạm Quốc Cường, cấp ủy viên Đảng bộ xã Thượng Kiệm." in replies.text
    assert "Các chi bộ đồng chí phụ trách: Chi bộ xóm 9, Chi bộ xóm 10." in replies.text


async def test_resending_start_greets_without_relinking(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A linked person re-sending /start, with or without the code, is greeted, not re-linked."""
    binh = sim.user("Trần Thị Bình")
    code = invite_codes["Trần Thị Bình"]
    await binh.send(f"/start {code}")
    again = await binh.send(f"/start {code}")
    bare = await binh.send("/start")
    for replies in (again, bare):
        assert "Chào đồng chí Trần Thị Bình, đảng viên Chi bộ xóm 9" in replies.text
        assert "đã được kết nối từ trước" in replies.text
    async with app.bot_data.db.transaction() as conn:
        account = await accounts.get(conn, "telegram", str(binh.telegram_id))
    assert account is not None


async def test_second_account_cannot_take_a_used_code(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A code already used cannot link another account to the same person."""
    code = invite_codes["Trần Thị Bình"]
    await sim.user("Trần Thị Bình").send(f"/start {code}")
    other = sim.user("Người Khác")
    replies = await other.send(f"/start {code}")
    assert "đã được dùng" in replies.text
    async with app.bot_data.db.transaction() as conn:
        assert await accounts.get(conn, "telegram", str(other.telegram_id)) is None


async def test_fresh_code_for_a_linked_person_is_refused(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A second account presenting a new code for an already linked person gets a warning."""
    await sim.user("Lê Thị Mai").send(f"/start {invite_codes['Lê Thị Mai']}")
    target = await person_id(app.bot_data.db, "Chi bộ xóm 9", "Lê Thị Mai")
    fresh = await linking.issue_invite(
        app.bot_data.db, target, now=clock.now(), valid_days=30, actor="test"
    )
    other = sim.user("Kẻ Mạo Danh")
    replies = await other.send(f"/start {fresh.code}")
    assert "Lê Thị Mai đã được kết nối với một tài khoản khác" in replies.text
    async with app.bot_data.db.transaction() as conn:
        assert await accounts.get(conn, "telegram", str(other.telegram_id)) is None


async def test_expired_code_says_to_ask_for_a_new_one(
    app: ChiboApp, sim: FakeTelegram, clock: Clock
) -> None:
    """An expired code links nothing and tells the person to ask the secretary."""
    target = await person_id(app.bot_data.db, "Chi bộ xóm 10", "Trần Văn Sơn")
    old = await linking.issue_invite(
        app.bot_data.db,
        target,
        now=clock.now() - timedelta(days=31),
        valid_days=30,
        actor="test",
    )
    son = sim.user("Trần Văn Sơn")
    replies = await son.send(f"/start {old.code}")
    assert "đã hết hạn" in replies.text
    assert "bí thư chi bộ cấp mã mới" in replies.text
    async with app.bot_data.db.transaction() as conn:
        assert await accounts.of_person(conn, "telegram", target) is None


async def test_unknown_code_and_garbage_are_answered(app: ChiboApp, sim: FakeTelegram) -> None:
    """A wrong code, or text that cannot be a code, gets a clear answer."""
    stranger = sim.user("Ai Đó")
    for text in ("/start abcdef123456", "/start ' OR 1=1 --", "/start " + "x" * 300):
        replies = await stranger.send(text)
        assert "Mã mời này không đúng" in replies.text


async def test_start_without_code_explains_how_to_link(app: ChiboApp, sim: FakeTelegram) -> None:
    """A stranger opening the bot is told to use the invite link from the secretary."""
    replies = await sim.user("Ai Đó").send("/start")
    assert "đường link mời riêng do bí thư chi bộ gửi" in replies.text


async def test_linked_account_cannot_take_someone_elses_code(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """An account linked to one person cannot use another's code; that code stays usable."""
    an = sim.user("Nguyễn Văn An")
    await an.send(f"/start {invite_codes['Nguyễn Văn An']}")
    replies = await an.send(f"/start {invite_codes['Vũ Văn Hùng']}")
    assert "Tài khoản này đã kết nối với đồng chí Nguyễn Văn An" in replies.text
    hung = sim.user("Vũ Văn Hùng")
    replies = await hung.send(f"/start {invite_codes['Vũ Văn Hùng']}")
    assert "Chào đồng chí Vũ Văn Hùng, chi ủy viên Chi bộ xóm 9" in replies.text


async def test_linking_marks_the_code_used(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """After linking, the stored invite is marked used."""
    code = invite_codes["Nguyễn Thị Lan"]
    await sim.user("Nguyễn Thị Lan").send(f"/start {code}")
    async with app.bot_data.db.transaction() as conn:
        invite = await invites.get(conn, code)
    assert invite is not None
    assert invite.used_at is not None


async def test_replaced_code_says_so_on_telegram(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """An invite link whose code the secretary replaced says "replaced", not "expired"."""
    target = await person_id(app.bot_data.db, "Chi bộ xóm 9", "Trần Thị Bình")
    await linking.issue_invite(app.bot_data.db, target, now=clock.now(), valid_days=30, actor="t")
    replies = await sim.user("Trần Thị Bình").send(f"/start {invite_codes['Trần Thị Bình']}")
    assert "đã được thay bằng một mã mới hơn" in replies.text
    assert "hết hạn" not in replies.text


async def test_wrong_links_on_telegram_are_limited(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """Five wrong codes, then the chat is told how long to wait, and even a right code waits."""
    guesser = sim.user("Kẻ Đoán Mã")
    for n in range(4):
        replies = await guesser.send(f"/start 1234567{n}")
        assert "Mã mời này không đúng" in replies.text
    assert "Hôm nay đồng chí còn 1 lần thử." in replies.text
    replies = await guesser.send("/start 12345679")
    assert "xin thử lại sau 24 giờ nữa" in replies.text
    clock.advance(hours=2)
    replies = await guesser.send(f"/start {invite_codes['Trần Thị Bình']}")
    assert "nhập sai mã mời quá nhiều lần" in replies.text
    assert "xin thử lại sau 22 giờ nữa" in replies.text
    async with app.bot_data.db.transaction() as conn:
        assert await accounts.get(conn, "telegram", str(guesser.telegram_id)) is None


async def test_code_typed_after_start_with_a_space_links(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A code typed by hand as "/start 4821 0937", as printed on the card, links."""
    code = invite_codes["Trần Thị Bình"]
    replies = await sim.user("Trần Thị Bình").send(f"/start {code[:4]} {code[4:]}")
    assert "Chào đồng chí Trần Thị Bình" in replies.text
