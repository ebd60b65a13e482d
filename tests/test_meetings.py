"""Meetings, notices and answers, through the real bot and the simulated Bot API."""

from __future__ import annotations

from pathlib import Path

from bot.app import ChiboApp, build_application, deliver_due, running
from bot.config import Config
from bot.domain.meetings import NoticeState
from bot.services import meetings as meeting_service
from bot.storage import meetings as meeting_rows
from bot.storage import outbox as outbox_rows
from bot.storage import units
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import TOKEN, Clock, at_local, deliver, last_id, linked

CELL = "Chi bộ xóm 9"


async def _cell_meeting_id(app: ChiboApp, cell: str = CELL) -> int:
    async with app.bot_data.db.transaction() as conn:
        unit = next(u for u in await units.all_units(conn) if u.name == cell)
    upcoming = await meeting_service.next_meetings(app.bot_data.db, unit.id, app.bot_data.now())
    return upcoming[0].id


async def _link_some(sim: FakeTelegram, codes: dict[str, str]) -> dict[str, SimUser]:
    names = [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Thị Mai",
        "Phạm Văn Dũng",
        "Phạm Quốc Cường",
        "Nguyễn Văn Khánh",
        "Đinh Văn Phúc",
    ]
    return {name: await linked(sim, codes, name) for name in names}


def _notices(user: SimUser) -> list[str]:
    return [m.text or "" for m in user.messages if "THÔNG BÁO SINH HOẠT" in (m.text or "")]


async def test_next_meeting_is_created_and_shown(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """At start-up each cell gets its next monthly meeting; /lichhop shows weekday, time, place."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    replies = await binh.send("/lichhop")
    assert "Chi bộ xóm 9 sinh hoạt thường kỳ tháng 12/2026" in replies.text
    assert "19:30, Thứ Năm, 03/12/2026" in replies.text
    assert "Nhà văn hóa" in replies.text
    assert "Bí thư đổi lịch" not in replies.text


async def test_notice_reaches_every_member_once_and_the_cadre_once_for_all_cells(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """Three days before, each linked active member gets one notice, the cadre one message
    naming every cell followed; the exempt none."""
    people = await _link_some(sim, invite_codes)
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Mai", "Phạm Văn Dũng"):
        texts = _notices(people[name])
        assert len(texts) == 1, name
        assert "Kính gửi đồng chí " + name in texts[0]
        assert "Thứ Năm, 03/12/2026" in texts[0]
        last = people[name].last
        assert last is not None
        assert "✅ Tham dự" in last.labels
    # The cadre follows xóm 9 and xóm 10: one message naming both.
    cadre = _notices(people["Phạm Quốc Cường"])
    assert len(cadre) == 1
    assert "Chi bộ xóm 9 sinh hoạt" in cadre[0]
    assert "Chi bộ xóm 10 sinh hoạt" in cadre[0]
    assert all("không cần trả lời" in text for text in cadre)
    assert people["Phạm Quốc Cường"].messages[-1].labels == []
    assert _notices(people["Nguyễn Văn Khánh"]) == []  # miễn sinh hoạt
    assert "📋 Danh sách trả lời" in people["Nguyễn Văn An"].messages[-1].labels
    # Nothing more is due: running the outbox again sends nothing.
    assert await deliver(app, clock, sim) == 0
    assert len(_notices(people["Trần Thị Bình"])) == 1


async def test_each_offset_sends_one_notice(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """At 3 days, 1 day and 2 hours before, one notice each; nothing in between."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    await binh.send("có")  # answered, so no nudge comes in between
    for moment in (at_local(30, 19, 30, month=11), at_local(2, 19, 30), at_local(3, 17, 30)):
        clock.moment = moment
        await deliver(app, clock, sim)
    assert len(_notices(binh)) == 3


async def test_restart_sends_nothing_twice(
    sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, config: Config
) -> None:
    """After a restart the outbox is rebuilt from the database: sent notices stay sent."""
    async with running(build_application(config, TOKEN, clock=clock.now)) as first:
        binh = await linked(sim, invite_codes, "Trần Thị Bình")
        clock.moment = at_local(30, 19, 31, month=11)
        await deliver(first, clock, sim)
    assert len(_notices(binh)) == 1
    async with running(build_application(config, TOKEN, clock=clock.now)) as second:
        assert await deliver_due(second) == 0
        await sim.wait_quiet()
    assert len(_notices(binh)) == 1


async def test_claimed_but_unconfirmed_notices_go_out_after_restart(
    sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, config: Config
) -> None:
    """A notice claimed by a process that died before sending is sent once after restart."""
    async with running(build_application(config, TOKEN, clock=clock.now)) as first:
        binh = await linked(sim, invite_codes, "Trần Thị Bình")
        clock.moment = at_local(30, 19, 31, month=11)
        async with first.bot_data.db.transaction() as conn:
            claimed = await outbox_rows.claim_due(conn, clock.now(), 1000)
        assert claimed  # as if the process died right here, before sending
    assert _notices(binh) == []
    async with running(build_application(config, TOKEN, clock=clock.now)) as second:
        await deliver(second, clock, sim)
    assert len(_notices(binh)) == 1


async def test_button_answers_and_reason(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """✅ records attendance; 🙏 asks for a reason; a reason button records it."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    replies = await binh.press("✅ Tham dự")
    assert "Đã ghi nhận: đồng chí tham dự" in replies.text
    replies = await binh.press("🙏 Xin vắng", message=binh.message(_notice_id(binh)))
    assert "lý do" in replies.text
    replies = await binh.press("Ốm đau")
    assert "xin vắng buổi sinh hoạt lúc 19:30, Thứ Năm, 03/12/2026, lý do: Ốm đau" in replies.text


def _notice_id(user: SimUser) -> int:
    return next(m.message_id for m in user.messages if "THÔNG BÁO" in (m.text or ""))


async def test_text_answers_with_and_without_diacritics(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Free text is read: "co a" attends, "xin vang vi om" is excused with its reason."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    assert "tham dự" in (await binh.send("co a")).text
    replies = await binh.send("em xin phép vắng vì ốm")
    assert "lý do: ốm" in replies.text
    mai = await linked(sim, invite_codes, "Lê Thị Mai")
    replies = await mai.send("xin vang vi om")
    assert "lý do: Ốm đau (om)" in replies.text


async def test_absent_without_reason_is_asked_then_recorded(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """ "xin vắng" alone asks for the reason; the next message is taken as the reason."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    replies = await binh.send("xin vắng")
    assert "cho biết lý do vắng" in replies.text
    assert "Việc gia đình" in replies.buttons
    replies = await binh.send("nhà có việc")
    assert "lý do: nhà có việc" in replies.text


async def test_unclear_reply_is_asked_not_guessed(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """An unclear reply gets a question with buttons and records nothing."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    replies = await binh.send("chắc là được")
    assert "chưa rõ ý" in replies.text
    assert replies.buttons == ["✅ Tham dự", "🙏 Xin vắng"]
    meeting_id = await _cell_meeting_id(app)
    async with app.bot_data.db.transaction() as conn:
        assert await meeting_rows.answers(conn, meeting_id) == {}


async def test_deferral_is_answered_without_a_record(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """ "I will tell you later" is not an answer: the bot says it waits and records nothing."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    replies = await binh.send("để em xem lịch rồi báo lại sau")
    assert "Trợ lý chờ đồng chí báo lại" in replies.text
    assert replies.buttons == ["✅ Tham dự", "🙏 Xin vắng"]
    meeting_id = await _cell_meeting_id(app)
    async with app.bot_data.db.transaction() as conn:
        assert await meeting_rows.answers(conn, meeting_id) == {}


async def test_change_of_mind_at_the_reason_prompt_records_attendance(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Asked for a reason, "thôi em đi được" changes the answer to attending, not a reason."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    await binh.send("xin vắng")
    replies = await binh.send("à thôi em đi được")
    assert "tham dự" in replies.text
    meeting_id = await _cell_meeting_id(app)
    async with app.bot_data.db.transaction() as conn:
        answers = await meeting_rows.answers(conn, meeting_id)
    assert [a.intent.value for a in answers.values()] == ["attend"]


async def test_question_at_the_reason_prompt_is_not_stored_as_a_reason(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A question in reply to "xin cho biết lý do" is asked again, not filed as the reason."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    await binh.send("xin vắng")
    replies = await binh.send("họp ở nhà văn hóa hay ở đâu ạ?")
    assert "cho biết lý do vắng" in replies.text
    meeting_id = await _cell_meeting_id(app)
    async with app.bot_data.db.transaction() as conn:
        answers = await meeting_rows.answers(conn, meeting_id)
    assert [a.reason_text for a in answers.values()] == [None]


async def test_answer_changes_are_kept_in_history(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """Changing one's answer keeps the current one and every earlier one."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    await binh.send("có")
    await binh.send("em xin phép vắng vì đi công tác")
    meeting_id = await _cell_meeting_id(app)
    async with app.bot_data.db.transaction() as conn:
        current = await meeting_rows.answers(conn, meeting_id)
        people = {a.person_id for a in current.values()}
        (person,) = people
        history = await meeting_rows.history(conn, meeting_id, person)
    assert [h[0] for h in history] == ["attend", "absent"]
    assert current[person].reason_text == "đi công tác"


async def test_secretary_list_groups_everyone(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """The secretary sees who comes, who is excused and why, who to call, who is exempt."""
    people = await _link_some(sim, invite_codes)
    await people["Trần Thị Bình"].send("có")
    await people["Lê Thị Mai"].send("xin vắng vì ốm")
    people["Phạm Văn Dũng"].block()
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    an = people["Nguyễn Văn An"]
    await an.send("/lichhop")
    replies = await an.press("📋 Danh sách trả lời")
    text = replies.text
    assert "✅ Tham dự: 1/" in text
    assert "Trần Thị Bình" in text.split("🙏")[0]
    assert "Lê Thị Mai: ốm" in text
    assert "Không nhắn được" in text
    assert "Phạm Văn Dũng (0904561238)" in text
    assert "Chưa kết nối với Trợ lý" in text
    assert "Nguyễn Thị Lan" in text  # not linked, no phone
    assert "Miễn sinh hoạt: 2" in text


async def test_member_cannot_see_the_list_or_change_the_meeting(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A member's forged list button and typed change are refused; nothing moves."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    meeting_id = await _cell_meeting_id(app)
    replies = await binh.press_data(last_id(binh), f"lst:{meeting_id}")
    assert "không có quyền" in (replies.popup or "")
    replies = await binh.send("/lichhop 05/12 19:30 Nhà tôi")
    assert "Chỉ bí thư, phó bí thư" in replies.text
    meeting = await meeting_service.get(app.bot_data.db, meeting_id)
    assert meeting is not None
    assert meeting.place == "Nhà văn hóa"


async def test_other_cells_secretary_cannot_answer_or_list(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """The secretary of xóm 10 cannot read xóm 9's list nor answer for its meeting."""
    phuc = await linked(sim, invite_codes, "Đinh Văn Phúc")
    meeting_id = await _cell_meeting_id(app)
    replies = await phuc.press_data(last_id(phuc), f"lst:{meeting_id}")
    assert "không có quyền" in (replies.popup or "")
    replies = await phuc.press_data(last_id(phuc), f"att:{meeting_id}:y")
    assert "không có trong danh sách" in replies.text


async def test_moving_tells_those_already_told(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """Moving the meeting tells everyone already notified; reminders follow the new time."""
    people = await _link_some(sim, invite_codes)
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    an = people["Nguyễn Văn An"]
    replies = await an.send("/lichhop 05/12 19:30 Hội trường xóm")
    assert "Đã đổi lịch" in replies.text
    assert "Thứ Bảy, 05/12/2026" in replies.text
    await deliver(app, clock, sim)
    binh = people["Trần Thị Bình"]
    moved = [m.text or "" for m in binh.messages if "THAY ĐỔI LỊCH" in (m.text or "")]
    assert len(moved) == 1
    assert "Hội trường xóm" in moved[0]
    # On 2 December the old "1 day before" is gone; the new "3 days before" comes instead.
    before = len(_notices(binh))
    clock.moment = at_local(2, 19, 31)
    await deliver(app, clock, sim)
    await deliver(app, clock, sim, minutes=1)
    after = _notices(binh)[before:]
    assert len(after) == 1
    assert "Thứ Bảy, 05/12/2026" in after[0]


async def test_cancelling_tells_and_closes_answers(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """Cancelling with a reason tells those already told; later answers are told it's off."""
    people = await _link_some(sim, invite_codes)
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    an = people["Nguyễn Văn An"]
    assert "Xin ghi lý do" in (await an.send("/lichhop huy")).text
    assert "Đã hủy" in (await an.send("/lichhop huy Mưa bão, đường ngập")).text
    await deliver(app, clock, sim)
    binh = people["Trần Thị Bình"]
    assert "Lý do: Mưa bão, đường ngập" in (binh.last.text or "")  # type: ignore[union-attr]
    replies = await binh.press("✅ Tham dự", message=binh.message(_notice_id(binh)))
    assert "đã hủy" in replies.text


async def test_bad_dates_change_nothing(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A date that does not exist, a past date or a non-time gets a clear answer and no change."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    for typed, expected in [
        ("/lichhop 31/02 19:30", "không có ngày 31"),
        ("/lichhop 01/01/2020 19:30", "đã qua"),
        ("/lichhop 05/12 25:00", "không phải giờ hợp lệ"),
        ("/lichhop hôm nào đó", "không phải ngày"),
    ]:
        replies = await an.send(typed)
        assert expected in replies.text, typed
        assert "Ví dụ" in replies.text
    meeting = await meeting_service.get(app.bot_data.db, await _cell_meeting_id(app))
    assert meeting is not None
    assert (meeting.revision, meeting.place) == (1, "Nhà văn hóa")


async def test_committee_meeting_reaches_the_committee_only(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A chi ủy pre-meeting is noticed to the committee, not to members or cadres."""
    people = await _link_some(sim, invite_codes)
    people["Vũ Văn Hùng"] = await linked(sim, invite_codes, "Vũ Văn Hùng")
    replies = await people["Nguyễn Văn An"].send("/lichhop chiuy 01/12 19:30 Nhà bí thư")
    assert "Đã hẹn họp chi ủy" in replies.text
    clock.moment = at_local(28, 19, 31, month=11)  # three days before
    await deliver(app, clock, sim)
    assert any("Chi ủy Chi bộ xóm 9 họp" in (m.text or "") for m in people["Vũ Văn Hùng"].messages)
    for name in ("Trần Thị Bình", "Phạm Quốc Cường"):
        assert not any("Chi ủy" in (m.text or "") for m in people[name].messages), name


async def test_blocked_member_is_marked_unreachable(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A 403 marks the person unreachable and the notice failed, not retried forever."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    binh.block()
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    meeting_id = await _cell_meeting_id(app)
    person = await _person(app, "Trần Thị Bình")
    async with app.bot_data.db.transaction() as conn:
        states = {
            n.state
            for n in await meeting_rows.of_meeting(conn, meeting_id)
            if n.person_id == person
        }
    assert NoticeState.FAILED in states
    assert NoticeState.PENDING in states  # later reminders stay queued


async def _person(app: ChiboApp, name: str) -> int:
    from tests.helpers import person_id

    return await person_id(app.bot_data.db, CELL, name)


async def test_wave_survives_429(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """429 answers during a wave are retried after retry_after; every notice arrives once."""
    people = await _link_some(sim, invite_codes)
    sim.fail_next("sendMessage", 429, retry_after=1, times=3)
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Mai"):
        assert len(_notices(people[name])) == 1, name
    assert len(_notices(people["Phạm Quốc Cường"])) == 1  # xóm 9 and xóm 10 in one message


async def test_one_nudge_for_those_who_have_not_answered(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """Before the last reminder, members who have not answered get one nudge; others don't."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    mai = await linked(sim, invite_codes, "Lê Thị Mai")
    await mai.send("có")
    clock.moment = at_local(3, 12, 0)
    await deliver(app, clock, sim)
    assert len([m for m in binh.messages if "NHẮC LẠI" in (m.text or "")]) == 1
    assert not [m for m in mai.messages if "NHẮC LẠI" in (m.text or "")]


async def test_reply_after_the_meeting_is_told_it_is_over(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """Pressing a notice's button long after the meeting says it is over; nothing is stored."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    clock.moment = at_local(4, 9, 0)
    replies = await binh.press("✅ Tham dự")
    assert "đã qua" in replies.text


async def test_member_added_later_gets_the_notice(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, config: Config
) -> None:
    """Someone imported after the meeting was planned is told at the next planning round."""
    from bot.app import plan_now
    from tests.helpers import seed

    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    extra = Path(config.storage.path + ".csv")
    extra.write_text(  # noqa: ASYNC240 - a tiny file in a test
        "đơn vị,họ và tên,vai trò\nĐảng bộ xã Thượng Kiệm / Chi bộ xóm 9,Cao Thị Mới,đảng viên\n",
        encoding="utf-8",
    )
    report = await seed(config, extra, now=clock.now())
    newcomer = await linked(sim, {r.name: r.code for r in report.invites}, "Cao Thị Mới")
    await plan_now(app)
    await deliver(app, clock, sim)
    assert len(_notices(newcomer)) == 1
    assert len(_notices(binh)) == 1


async def test_holding_a_notice_back_is_not_counted_as_a_try(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """The cadre's second notice waits for its turn (one chat, one message a second); that wait
    is not a failed try, so a later network failure is retried in seconds, not minutes."""
    await _link_some(sim, invite_codes)
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    async with app.bot_data.db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT state, attempts, COUNT(*) FROM notices WHERE purpose = 'notice' "
            "AND state = 'sent' GROUP BY state, attempts"
        )
    assert [tuple(r) for r in rows] == [("sent", 1, 7)]  # six people, the cadre twice


async def test_cancel_at_the_reason_prompt_leaves_the_question(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """/huy while a reason is asked for says what was left; the next text is not a reason."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    await binh.send("xin vắng")
    replies = await binh.send("/huy")
    assert "câu hỏi lý do vắng" in replies.text
    replies = await binh.send("họp ở đâu ạ?")
    assert "cho biết lý do" not in replies.text
    meeting_id = await _cell_meeting_id(app)
    async with app.bot_data.db.transaction() as conn:
        answers = await meeting_rows.answers(conn, meeting_id)
    assert [a.reason_text for a in answers.values()] == [None]
    replies = await binh.send("/huy")
    assert "Không có việc gì đang dở" in replies.text


async def test_reason_question_ends_with_the_meeting(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A reason asked for is no longer awaited once the meeting has begun."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    await binh.send("xin vắng")
    clock.moment = at_local(3, 19, 45)
    replies = await binh.send("/huy")
    assert "Không có việc gì đang dở" in replies.text
