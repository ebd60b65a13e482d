"""Who may do what: members, secretaries of other cells, strangers and forged buttons."""

from __future__ import annotations

import pytest

from bot.app import ChiboApp
from bot.domain.access import Action, Actor, may
from bot.domain.models import MemberStatus, Person, Role, Unit
from bot.storage import audit
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import last_id, person_id


async def _linked(sim: FakeTelegram, codes: dict[str, str], name: str) -> SimUser:
    user = sim.user(name)
    await user.send(f"/start {codes[name]}")
    return user


@pytest.mark.parametrize("command", ["/thanhvien", "/members", "/moi", "/invite Trần Thị Bình"])
async def test_member_cannot_run_secretary_commands(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], command: str
) -> None:
    """A member running a secretary command is told it is for the secretary."""
    binh = await _linked(sim, invite_codes, "Trần Thị Bình")
    replies = await binh.send(command)
    assert "dành cho bí thư, phó bí thư chi bộ" in replies.text
    assert "https://t.me/" not in replies.text


async def test_stranger_is_asked_to_link_first(app: ChiboApp, sim: FakeTelegram) -> None:
    """Someone not linked who runs a command is told how to link."""
    replies = await sim.user("Ai Đó").send("/thanhvien")
    assert "chưa kết nối với Trợ lý Chi bộ" in replies.text


async def test_secretary_sees_only_their_own_cell(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """The member list of a secretary holds their cell and no other."""
    an = await _linked(sim, invite_codes, "Nguyễn Văn An")
    replies = await an.send("/thanhvien")
    assert "Chi bộ xóm 9: 12 người" in replies.text
    assert "Trần Thị Bình" in replies.text
    assert "Đinh Văn Phúc" not in replies.text  # secretary of xóm 10


async def test_secretary_cannot_invite_someone_of_another_cell(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Naming a member of another cell finds nobody, and no code is issued."""
    an = await _linked(sim, invite_codes, "Nguyễn Văn An")
    replies = await an.send("/moi Vũ Thị Ngọc")
    assert "Không có đồng chí nào tên «Vũ Thị Ngọc» trong Chi bộ xóm 9" in replies.text
    assert "https://t.me/" not in replies.text


async def test_forged_invite_button_for_another_cell_changes_nothing(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A modified client sending an invite button for another cell's member is refused."""
    phuc = await _linked(sim, invite_codes, "Đinh Văn Phúc")  # secretary of xóm 10
    async with app.bot_data.db.transaction() as conn:
        before = len(await audit.recent(conn, 1000))
    binh = await person_id(app.bot_data.db, "Chi bộ xóm 9", "Trần Thị Bình")
    replies = await phuc.press_data(last_id(phuc), f"inv:{binh}")
    assert "không có quyền cấp mã mời" in " ".join(a.text or "" for a in replies.callback_answers)
    assert "https://t.me/" not in replies.text
    async with app.bot_data.db.transaction() as conn:
        assert len(await audit.recent(conn, 1000)) == before


async def test_garbage_callback_data_gets_an_answer(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Callback data no handler knows is answered as a stale button."""
    binh = await _linked(sim, invite_codes, "Trần Thị Bình")
    for data in ("inv:abc", "lang:xx", "💣" * 20, ""):
        replies = await binh.press_data(last_id(binh), data)
        answers = " ".join(a.text or "" for a in replies.callback_answers)
        assert "không còn hiệu lực" in answers or "không có quyền" in answers


async def test_secretary_issues_an_invite_by_button(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """/moi offers unlinked members; pressing one gives a working link for that person."""
    an = await _linked(sim, invite_codes, "Nguyễn Văn An")
    replies = await an.send("/moi")
    assert "Trần Thị Bình" in replies.buttons
    replies = await an.press("Trần Thị Bình")
    assert "Mã mời cho đồng chí Trần Thị Bình (đảng viên)" in replies.text
    link = next(word for word in replies.text.split() if word.startswith("https://t.me/"))
    code = link.split("start=")[1]
    binh = sim.user("Trần Thị Bình")
    greeted = await binh.send(f"/start {code}")
    assert "Chào đồng chí Trần Thị Bình" in greeted.text


async def test_new_invite_replaces_the_old_one(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Once the secretary issues a new code, the one from the import stops working."""
    an = await _linked(sim, invite_codes, "Nguyễn Văn An")
    await an.send("/moi Bùi Thị Thu")
    replies = await sim.user("Bùi Thị Thu").send(f"/start {invite_codes['Bùi Thị Thu']}")
    assert "thay bằng một mã mới" in replies.text
    assert "hết hạn" not in replies.text


def _actor(role: Role, unit_id: int, followed: tuple[Unit, ...] = ()) -> Actor:
    unit = Unit(id=unit_id, parent_id=1, kind="chi bộ", name=f"Chi bộ {unit_id}", path="x")
    person = Person(
        id=1,
        full_name="A",
        phone=None,
        unit_id=unit_id,
        role=role,
        status=MemberStatus.ACTIVE,
        language=None,
    )
    return Actor(person=person, unit=unit, parent=None, followed=followed)


@pytest.mark.parametrize(
    ("role", "action", "unit_id", "allowed"),
    [
        (Role.SECRETARY, Action.MEMBERS, 2, True),
        (Role.SECRETARY, Action.MEMBERS, 3, False),
        (Role.SECRETARY, Action.INVITE, None, False),
        (Role.DEPUTY, Action.INVITE, 2, True),
        (Role.COMMITTEE, Action.INVITE, 2, False),
        (Role.MEMBER, Action.MEMBERS, 2, False),
        (Role.CADRE, Action.INVITE, 2, False),
        (Role.MEMBER, Action.HELP, None, True),
        (Role.MEMBER, Action.LANGUAGE, None, True),
    ],
)
def test_rules_table(role: Role, action: Action, unit_id: int | None, allowed: bool) -> None:
    """The one place of rules answers for each role, action and unit."""
    assert may(_actor(role, 2), action, unit_id) is allowed


def test_stranger_may_only_ask_for_help() -> None:
    """Someone not linked may read the help and nothing else."""
    assert [a for a in Action if may(None, a)] == [Action.HELP]
