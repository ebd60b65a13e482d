"""Kiến nghị: raised by members, answered or escalated by leaders, answered by cadres, once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app import ChiboApp, build_application, deliver_due, running
from bot.config import Config
from bot.domain.access import Action, Actor, may
from bot.domain.models import MemberStatus, Person, Role, Unit
from bot.domain.petitions import (
    MessagePurpose,
    MessageState,
    Petition,
    PetitionMessage,
    PetitionStatus,
)
from bot.domain.text import utf16_length
from bot.storage import people
from bot.storage import petitions as rows
from bot.storage.db import Database
from chibo_devtools.demo.run import sample_org_file
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import TOKEN, Clock, codes, linked, person_id, seed

BINH = "Trần Thị Bình"  # member, Chi bộ xóm 9
AN = "Nguyễn Văn An"  # secretary, Chi bộ xóm 9
HOA = "Đinh Thị Hoa"  # deputy, Chi bộ xóm 9
DUNG = "Phạm Văn Dũng"  # member, Chi bộ xóm 9
PHUC = "Đinh Văn Phúc"  # secretary, Chi bộ xóm 10
NGOC = "Vũ Thị Ngọc"  # member, Chi bộ xóm 10
CUONG = "Phạm Quốc Cường"  # cadre following xóm 9 and xóm 10

TEXT = "Đề nghị chi bộ kiến nghị xã nạo vét cống thoát nước đầu xóm, mưa to là ngập."


async def _raise(sim: FakeTelegram, user: SimUser, text: str = TEXT) -> int:
    replies = await user.send(f"/kiennghi {text}")
    found = re.search(r"Đã ghi nhận kiến nghị số (\d+)", replies.text)
    assert found, replies.text
    await sim.wait_quiet()
    return int(found.group(1))


async def _petition(app: ChiboApp, petition_id: int) -> Petition:
    async with app.bot_data.db.transaction() as conn:
        petition = await rows.get(conn, petition_id)
    assert petition is not None
    return petition


async def _messages(db: Database, petition_id: int) -> list[PetitionMessage]:
    async with db.transaction() as conn:
        return await rows.of_petition(conn, petition_id)


def _received(user: SimUser, needle: str) -> list[str]:
    return [m.text or "" for m in user.messages if needle in (m.text or "")]


async def _answer(user: SimUser, label: str, text: str) -> str:
    """Press an answer button, then reply to the prompt; what the bot said back."""
    prompt = (await user.press(label)).last
    assert prompt is not None
    assert prompt.force_reply
    return (await user.send(text, reply_to=prompt)).text


async def test_member_raises_secretary_answers(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """The member gets a number, both leaders are told, the secretary answers, the member hears."""
    binh = await linked(sim, invite_codes, BINH)
    an = await linked(sim, invite_codes, AN)
    hoa = await linked(sim, invite_codes, HOA)
    number = await _raise(sim, binh)
    for leader in (an, hoa):
        assert leader.last is not None
        assert f"đồng chí {BINH} gửi kiến nghị số {number}" in (leader.last.text or "")
        assert TEXT in (leader.last.text or "")
        assert leader.last.labels == ["✍️ Trả lời", "⬆️ Chuyển cấp trên"]
    assert "mới" in (await binh.send("/kiennghi")).text

    prompt = (await an.press("✍️ Trả lời")).last
    assert prompt is not None
    assert prompt.force_reply
    assert f"xin gõ câu trả lời cho kiến nghị số {number}" in (prompt.text or "")
    assert "Câu trả lời đang trống" in (await an.send("...", reply_to=prompt)).text
    too_long = (await an.send("b" * 2001, reply_to=prompt)).text
    assert "Câu trả lời dài 2.001 ký tự, quá giới hạn 2.000 ký tự" in too_long
    assert (await _petition(app, number)).status is PetitionStatus.NEW
    replies = await an.send("Chi bộ đã báo xã, tuần sau sửa xong.", reply_to=prompt)
    assert f"Đã gửi câu trả lời kiến nghị số {number} tới đồng chí {BINH}" in replies.text
    await sim.wait_quiet()

    told = _received(binh, "đã được trả lời")
    assert told == [told[0]]
    assert (
        f"Kiến nghị số {number} của đồng chí đã được trả lời: Chi bộ đã báo xã, tuần sau sửa xong."
        in told[0]
    )
    assert f"Đồng chí {AN}, bí thư" in told[0]
    assert _received(hoa, f"đã được đồng chí {AN} trả lời")  # the deputy need not answer too
    assert not _received(an, "✔️")  # the one who answered is not told of their own answer
    listing = (await binh.send("/kiennghi")).text
    assert f"Số {number}, hôm nay: đã trả lời" in listing
    assert "Trả lời: Chi bộ đã báo xã" in listing
    petition = await _petition(app, number)
    assert petition.status is PetitionStatus.ANSWERED
    assert petition.answered_at is not None


async def test_english_alias_and_list_for_leaders(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """/petition works too; the secretary's list shows open ones with their age and buttons."""
    binh = await linked(sim, invite_codes, BINH)
    an = await linked(sim, invite_codes, AN)
    replies = await binh.send("/petition Đề nghị họp sớm hơn vào mùa đông")
    assert "Đã ghi nhận kiến nghị số" in replies.text
    await sim.wait_quiet()
    clock.advance(days=3)
    replies = await an.send("/kiennghi")
    assert "Kiến nghị đang chờ trả lời của Chi bộ xóm 9:" in replies.text
    assert f"đồng chí {BINH}, 3 ngày trước: mới — Đề nghị họp sớm hơn vào mùa đông" in replies.text
    assert any(label.startswith("✍️ Trả lời số") for label in replies.buttons)


async def test_escalation_to_the_cadre(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """Escalated, the cadre is told, lists it first and answers; the member hears of it."""
    binh = await linked(sim, invite_codes, BINH)
    ngoc = await linked(sim, invite_codes, NGOC)
    an = await linked(sim, invite_codes, AN)
    cuong = await linked(sim, invite_codes, CUONG)
    older = await _raise(sim, ngoc, "Đề nghị tổ chức tham quan di tích")
    clock.advance(days=1)
    number = await _raise(sim, binh)

    replies = await an.press("⬆️ Chuyển cấp trên")
    assert f"Đã chuyển kiến nghị số {number} tới đồng chí {CUONG}" in replies.text
    await sim.wait_quiet()
    assert cuong.last is not None
    assert f"Chi bộ xóm 9 chuyển lên kiến nghị số {number} của đồng chí {BINH}" in (
        cuong.last.text or ""
    )
    assert cuong.last.labels == ["✍️ Trả lời"]
    assert "đã chuyển" in (await binh.send("/kiennghi")).text
    listing = (await cuong.send("/kiennghi")).text
    assert listing.index(f"Số {number}, Chi bộ xóm 9") < listing.index(
        f"Số {older}, Chi bộ xóm 10"
    )
    assert "Kiến nghị của đồng chí" not in listing  # a cadre of the commune raises none here

    said = await _answer(cuong, "✍️ Trả lời", "Xã đã đưa vào kế hoạch quý I.")
    assert f"Đã gửi câu trả lời kiến nghị số {number}" in said
    await sim.wait_quiet()
    told = _received(binh, "đã được trả lời")
    assert len(told) == 1
    assert "Xã đã đưa vào kế hoạch quý I." in told[0]
    assert f"Đồng chí {CUONG}, cấp ủy viên phụ trách" in told[0]
    assert _received(an, f"đã được đồng chí {CUONG} trả lời")
    assert "đã trả lời" in (await binh.send("/kiennghi")).text
    petition = await _petition(app, number)
    assert petition.status is PetitionStatus.ANSWERED
    assert petition.escalated_at is not None
    listing = (await cuong.send("/kiennghi")).text
    assert f"Số {number}," not in listing
    assert f"Số {older}, Chi bộ xóm 10" in listing


async def test_other_cells_never_see_a_petition(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Members see only their own; another cell's members and secretary see nothing of it."""
    binh = await linked(sim, invite_codes, BINH)
    number = await _raise(sim, binh)
    for name in (NGOC, PHUC, DUNG):
        user = await linked(sim, invite_codes, name)
        replies = await user.send("/kiennghi")
        assert "cống thoát nước" not in replies.text, name
        assert f"Số {number}" not in replies.text, name
        assert f"✍️ Trả lời số {number}" not in replies.buttons, name
        assert _received(user, "cống thoát nước") == [], name


async def test_forged_buttons_change_nothing(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Members, another cell's secretary and a cadre escalating get a popup and change nothing."""
    binh = await linked(sim, invite_codes, BINH)
    await linked(sim, invite_codes, AN)
    number = await _raise(sim, binh)
    before = await _messages(app.bot_data.db, number)
    dung = await linked(sim, invite_codes, DUNG)
    phuc = await linked(sim, invite_codes, PHUC)
    cuong = await linked(sim, invite_codes, CUONG)
    attempts = [
        (dung, f"kn:a:{number}", "không có quyền trả lời"),
        (dung, f"kn:e:{number}", "Chỉ bí thư, phó bí thư"),
        (binh, f"kn:a:{number}", "không có quyền trả lời"),
        (phuc, f"kn:a:{number}", "không có quyền trả lời"),
        (phuc, f"kn:e:{number}", "Chỉ bí thư, phó bí thư"),
        (cuong, f"kn:e:{number}", "Chỉ bí thư, phó bí thư"),
        (phuc, "kn:a:999", "không có quyền trả lời"),
    ]
    for user, data, popup in attempts:
        assert user.last is not None
        replies = await user.press_data(user.last.message_id, data)
        assert popup in (replies.popup or ""), (user.name, data)
        assert not replies.messages, (user.name, data)
    petition = await _petition(app, number)
    assert petition.status is PetitionStatus.NEW
    assert petition.answer is None
    assert petition.escalated_at is None
    assert await _messages(app.bot_data.db, number) == before


async def test_empty_and_too_long_texts_are_not_stored(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """No content gets an example; over 2,000 characters gets the limit; nothing is stored."""
    binh = await linked(sim, invite_codes, BINH)
    replies = await binh.send("/kiennghi")
    assert "Đồng chí chưa gửi kiến nghị nào." in replies.text
    assert "/kiennghi Đề nghị chi bộ sửa lại đèn đường ngõ 3" in replies.text
    replies = await binh.send("/kiennghi ...")
    assert "Nội dung kiến nghị đang trống" in replies.text
    assert "ví dụ:\n/kiennghi Đề nghị" in replies.text
    replies = await binh.send("/kiennghi " + "a" * 2001)
    assert "Kiến nghị dài 2.001 ký tự, quá giới hạn 2.000 ký tự" in replies.text
    assert "Kiến nghị chưa được ghi." in replies.text
    binh_id = await person_id(app.bot_data.db, "Chi bộ xóm 9", BINH)
    async with app.bot_data.db.transaction() as conn:
        assert await rows.of_person(conn, binh_id, 10) == []
    assert "Đã ghi nhận kiến nghị số" in (await binh.send("/kiennghi " + "a" * 2000)).text


async def test_second_answer_is_refused_politely(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Whoever answers first is kept; a later answer or button is told it is answered already."""
    binh = await linked(sim, invite_codes, BINH)
    an = await linked(sim, invite_codes, AN)
    cuong = await linked(sim, invite_codes, CUONG)
    number = await _raise(sim, binh)
    await an.press("⬆️ Chuyển cấp trên")
    await sim.wait_quiet()
    cuong_prompt = (await cuong.press("✍️ Trả lời")).last
    assert cuong_prompt is not None
    said = await _answer(an, "✍️ Trả lời", "Chi bộ trả lời trước.")
    assert "Đã gửi câu trả lời" in said
    replies = await cuong.send("Cấp trên trả lời sau.", reply_to=cuong_prompt)
    assert f"Kiến nghị số {number} đã được trả lời rồi" in replies.text
    replies = await cuong.press("✍️ Trả lời")
    assert "đã được trả lời rồi" in (replies.popup or "")
    replies = await an.press("⬆️ Chuyển cấp trên")
    assert "đã được trả lời rồi" in (replies.popup or "")
    await sim.wait_quiet()
    petition = await _petition(app, number)
    assert petition.answer == "Chi bộ trả lời trước."
    told = _received(binh, "đã được trả lời")
    assert len(told) == 1
    assert "Chi bộ trả lời trước." in told[0]


async def test_messages_wait_in_the_outbox_across_a_restart(
    sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, config: Config
) -> None:
    """A message that could not go before the bot stopped goes once after it starts again."""
    async with running(build_application(config, TOKEN, clock=clock.now)) as first:
        binh = await linked(sim, invite_codes, BINH)
        an = await linked(sim, invite_codes, AN)
        hoa = await linked(sim, invite_codes, HOA)
        sim.fail_next("sendMessage", 500, chat_id=an.chat_id)
        number = await _raise(sim, binh)
        # The deputy's message goes; the process stops with the deputy's message still claimed.
        async with first.bot_data.db.transaction() as conn:
            await conn.execute(
                "UPDATE notices SET state = 'sending' WHERE purpose LIKE 'petition_%' "
                "AND person_id <> (SELECT person_id FROM notices WHERE state = 'pending' "
                "AND purpose LIKE 'petition_%')"
            )
        states = {m.state for m in await _messages(first.bot_data.db, number)}
        assert states == {MessageState.PENDING, MessageState.SENDING}
    assert _received(an, "gửi kiến nghị số") == []
    assert len(_received(hoa, "gửi kiến nghị số")) == 1
    for _ in range(2):
        async with running(build_application(config, TOKEN, clock=clock.now)) as again:
            clock.advance(minutes=1)  # a failed send is tried again after its backoff
            await deliver_due(again)  # post_init put the claimed message back
            await sim.wait_quiet()
            messages = await _messages(again.bot_data.db, number)
        assert {m.state for m in messages} == {MessageState.SENT}
        assert {m.purpose for m in messages} == {MessagePurpose.NEW}
        assert len(_received(an, "gửi kiến nghị số")) == 1
        assert an.last is not None
        assert an.last.labels == ["✍️ Trả lời", "⬆️ Chuyển cấp trên"]
    # The deputy's message was claimed when the process stopped: sent again, at most once more.
    assert len(_received(hoa, "gửi kiến nghị số")) == 2


async def _all_petitions(db: Database) -> list[Petition]:
    async with db.transaction() as conn:
        found = await conn.execute_fetchall("SELECT id FROM petitions ORDER BY id")
        return [p for (pid,) in found if (p := await rows.get(conn, int(pid))) is not None]


async def test_answer_is_the_next_text_without_replying_to_the_prompt(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """After ✍️ Trả lời the secretary's next plain text is the answer, not a meeting reply."""
    binh = await linked(sim, invite_codes, BINH)
    an = await linked(sim, invite_codes, AN)
    number = await _raise(sim, binh)
    await an.press("✍️ Trả lời")
    said = (await an.send("Chi bộ đã báo xã, tuần sau sửa xong.")).text
    assert f"Đã gửi câu trả lời kiến nghị số {number} tới đồng chí {BINH}" in said
    assert (await _petition(app, number)).answer == "Chi bộ đã báo xã, tuần sau sửa xong."
    # The bot no longer waits: the next text is read as usual.
    assert "Đã gửi câu trả lời" not in (await an.send("Cảm ơn các đồng chí")).text


async def test_cancel_leaves_the_answer_and_says_which(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """/huy while the bot waits for an answer names the kiến nghị and takes nothing after."""
    binh = await linked(sim, invite_codes, BINH)
    an = await linked(sim, invite_codes, AN)
    number = await _raise(sim, binh)
    await an.press("✍️ Trả lời")
    left = (await an.send("/huy")).text
    assert f"Đã bỏ: câu trả lời kiến nghị số {number}." in left
    assert "câu hỏi Trợ lý đang chờ" not in left
    await an.send("Chi bộ đã báo xã.")
    petition = await _petition(app, number)
    assert petition.status is PetitionStatus.NEW
    assert petition.answer is None
    assert "Không có việc gì đang dở" in (await an.send("/huy")).text


async def test_petition_replayed_after_a_crash_is_stored_once(
    sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, config: Config
) -> None:
    """A /kiennghi whose petition was stored but whose update was not yet marked handled when
    the process died is one kiến nghị after the restart, told to the secretary once."""
    async with running(build_application(config, TOKEN, clock=clock.now)) as first:
        binh = await linked(sim, invite_codes, BINH)
        an = await linked(sim, invite_codes, AN)
        number = await _raise(sim, binh)
        async with first.bot_data.db.transaction() as conn:
            # The crash: the effect is committed, the update is not marked handled.
            await conn.execute(
                "UPDATE inbox SET handled_at = NULL WHERE payload LIKE '%/kiennghi%'"
            )
    async with running(build_application(config, TOKEN, clock=clock.now)) as again:
        await sim.wait_quiet(settle=1)
        stored = await _all_petitions(again.bot_data.db)
    assert [p.id for p in stored] == [number]
    assert len(_received(an, "gửi kiến nghị số")) == 1
    confirmations = _received(binh, "Đã ghi nhận kiến nghị số")
    assert confirmations == [confirmations[0]] * 2  # said again after the restart, same number


async def test_edited_command_raises_no_second_petition(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Editing a sent "/kiennghi …" message stores nothing new and tells the leaders nothing."""
    binh = await linked(sim, invite_codes, BINH)
    an = await linked(sim, invite_codes, AN)
    sent = binh.text_update(f"/kiennghi {TEXT}")
    sim.push_update(sent)
    await sim.wait_quiet()
    edited = {**sent["message"], "text": f"/kiennghi {TEXT} Gấp!", "edit_date": 1}
    sim.push_update({"edited_message": edited})
    await sim.wait_quiet()
    stored = await _all_petitions(app.bot_data.db)
    assert [p.text for p in stored] == [TEXT]
    assert len(_received(an, "gửi kiến nghị số")) == 1
    assert len(_received(binh, "Đã ghi nhận kiến nghị số")) == 1


async def test_transferred_member_cannot_raise(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], config: Config, tmp_path: Path
) -> None:
    """A member re-imported as "đã chuyển sinh hoạt" is told why and nothing is stored."""
    binh = await linked(sim, invite_codes, BINH)
    an = await linked(sim, invite_codes, AN)
    text = sample_org_file().read_text(encoding="utf-8")
    moved = tmp_path / "moved.csv"
    moved.write_text(
        text.replace(
            "Trần Thị Bình,đảng viên,0365123789,,",
            "Trần Thị Bình,đảng viên,0365123789,đã chuyển sinh hoạt,",
        ),
        encoding="utf-8",
    )
    await seed(config, moved)
    replies = await binh.send(f"/kiennghi {TEXT}")
    assert "đã chuyển sinh hoạt khỏi Chi bộ xóm 9" in replies.text
    assert "Kiến nghị chưa được ghi." in replies.text
    await sim.wait_quiet()
    assert await _all_petitions(app.bot_data.db) == []
    assert _received(an, "gửi kiến nghị số") == []


async def test_invisible_characters_are_not_content(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Zero-width and bidi marks alone are empty; around words they are dropped before storing."""
    binh = await linked(sim, invite_codes, BINH)
    an = await linked(sim, invite_codes, AN)
    replies = await binh.send("/kiennghi \u200b\u200f\u202e\u2066\ufeff")
    assert "Nội dung kiến nghị đang trống" in replies.text
    assert await _all_petitions(app.bot_data.db) == []
    number = await _raise(sim, binh, "\u202eĐề nghị sửa đèn\u200b đường")
    assert (await _petition(app, number)).text == "Đề nghị sửa đèn đường"
    assert an.last is not None
    assert "«Đề nghị sửa đèn đường»" in (an.last.text or "")
    await an.press("✍️ Trả lời")
    assert "Câu trả lời đang trống" in (await an.send("\u200b\u2067 \u200d")).text
    assert (await _petition(app, number)).answer is None


async def _unit_of(db: Database, person: int) -> int:
    async with db.transaction() as conn:
        found = await people.get(conn, person)
    assert found is not None
    return found.unit_id


async def test_long_list_is_split_never_cut(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A secretary's list longer than one Telegram message comes in parts that each fit and
    together name every kiến nghị, with the answer choices under the last part."""
    db = app.bot_data.db
    an_id = await person_id(db, "Chi bộ xóm 9", AN)
    hoa_id = await person_id(db, "Chi bộ xóm 9", HOA)
    binh_id = await person_id(db, "Chi bộ xóm 9", BINH)
    unit_id = await _unit_of(db, an_id)
    wide = "🌾" * 90  # emoji count two in Telegram's limit
    own, open_ = [], []
    async with db.transaction() as conn:
        for index in range(10):
            mine = await rows.insert(
                conn, unit_id=unit_id, person_id=an_id, text=f"{index} {wide}", now=clock.now()
            )
            await rows.mark_answered(
                conn, mine.id, answer=f"{index} {wide}", answered_by=hoa_id, now=clock.now()
            )
            own.append(mine.id)
            theirs = await rows.insert(
                conn, unit_id=unit_id, person_id=binh_id, text=f"{index} {wide}", now=clock.now()
            )
            open_.append(theirs.id)
    an = await linked(sim, invite_codes, AN)
    replies = await an.send("/kiennghi")
    assert len(replies.messages) > 1
    assert all(utf16_length(m.text or "") <= 4096 for m in replies.messages)
    for number in own + open_:
        assert f"Số {number}," in replies.text, number
    assert "Để gửi kiến nghị mới" in replies.texts[-1]
    assert replies.buttons == [f"✍️ Trả lời số {number}" for number in open_]


def _actor(role: Role, unit_id: int, followed: tuple[int, ...] = ()) -> Actor:
    def unit(uid: int) -> Unit:
        return Unit(id=uid, parent_id=1, kind="chi bộ", name=f"Chi bộ {uid}", path=str(uid))

    person = Person(
        id=1,
        full_name="A",
        phone=None,
        unit_id=unit_id,
        role=role,
        status=MemberStatus.ACTIVE,
        language=None,
    )
    return Actor(
        person=person,
        unit=unit(unit_id),
        parent=None,
        followed=tuple(unit(u) for u in followed),
    )


@pytest.mark.parametrize(
    ("actor", "action", "unit_id", "allowed"),
    [
        (_actor(Role.MEMBER, 2), Action.PETITION, 2, True),
        (_actor(Role.MEMBER, 2), Action.PETITION_ANSWER, 2, False),
        (_actor(Role.MEMBER, 2), Action.PETITION_ESCALATE, 2, False),
        (_actor(Role.COMMITTEE, 2), Action.PETITION_ANSWER, 2, False),
        (_actor(Role.SECRETARY, 2), Action.PETITION_ANSWER, 2, True),
        (_actor(Role.DEPUTY, 2), Action.PETITION_ESCALATE, 2, True),
        (_actor(Role.SECRETARY, 2), Action.PETITION_ANSWER, 3, False),
        (_actor(Role.SECRETARY, 2), Action.PETITION_ESCALATE, 3, False),
        (_actor(Role.CADRE, 1, (2, 3)), Action.PETITION_ANSWER, 3, True),
        (_actor(Role.CADRE, 1, (2, 3)), Action.PETITION_ANSWER, 4, False),
        (_actor(Role.CADRE, 1, (2, 3)), Action.PETITION_ESCALATE, 3, False),
    ],
)
def test_petition_rules(actor: Actor, action: Action, unit_id: int, allowed: bool) -> None:
    """Who may answer and escalate a cell's kiến nghị, in the one place of rules."""
    assert may(actor, action, unit_id) is allowed


async def test_big_cell_lists_fit(
    sim: FakeTelegram, config: Config, clock: Clock, tmp_path: Path
) -> None:
    """In a cell of 180 members who each raised a long kiến nghị, the secretary's list and the
    messages about them each fit one Telegram message and say how many more wait."""
    cell = "Đảng bộ xã Thượng Kiệm / Chi bộ khu phố 1"
    lines = [
        "đơn vị,họ và tên,vai trò,điện thoại,trạng thái,phụ trách",
        f"{cell},Lê Văn Bí,bí thư,,,",
    ]
    lines += [f"{cell},Nguyễn Văn Thành Viên {n},đảng viên,,," for n in range(180)]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = codes(await seed(config, big, now=clock.now()))
    async with running(build_application(config, TOKEN, clock=clock.now)) as app:
        secretary = await linked(sim, found, "Lê Văn Bí")
        member = await linked(sim, found, "Nguyễn Văn Thành Viên 7")
        db = app.bot_data.db
        unit_id = await _unit_of(db, await person_id(db, "Chi bộ khu phố 1", "Lê Văn Bí"))
        wide = "Đề nghị " + "🙏" * 990  # emoji count two: just under the 2,000 limit
        async with db.transaction() as conn:
            for person in await people.in_unit(conn, unit_id):
                if person.full_name not in ("Lê Văn Bí", "Nguyễn Văn Thành Viên 7"):
                    await rows.insert(
                        conn,
                        unit_id=unit_id,
                        person_id=person.id,
                        text="🙏" * 1000,
                        now=clock.now(),
                    )
        number = await _raise(sim, member, wide)
        replies = await secretary.send("/kiennghi")
    assert "… và 170 kiến nghị khác." in replies.text
    assert secretary.messages
    assert all(utf16_length(m.text or "") <= 4096 for m in secretary.messages)
    assert any(f"gửi kiến nghị số {number}" in (m.text or "") for m in secretary.messages)
