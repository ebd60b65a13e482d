"""In the room: the roll-call, the end of the meeting, the scorecard, ratings, flags, my record."""

from __future__ import annotations

from decimal import Decimal

from bot.app import ChiboApp
from bot.storage import rollcall as rollcall_rows
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import Clock, at_local, deliver, linked, person_id

CELL = "Chi bộ xóm 9"


async def _setup(
    app: ChiboApp, sim: FakeTelegram, codes: dict[str, str], clock: Clock
) -> dict[str, SimUser]:
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Mai", "Phạm Văn Dũng", "Phạm Quốc Cường"]
    people = {name: await linked(sim, codes, name) for name in names}
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    await people["Trần Thị Bình"].send("có")
    await people["Lê Thị Mai"].send("xin vắng vì ốm")
    clock.moment = at_local(3, 19, 35)
    return people


async def _meeting_id(app: ChiboApp) -> int:
    async with app.bot_data.db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT m.id FROM meetings m JOIN units u ON u.id = m.unit_id "
            "WHERE u.name = ? AND m.kind <> 'committee' ORDER BY m.starts_at LIMIT 1",
            (CELL,),
        )
    return int(next(iter(rows))[0])


async def test_rollcall_is_prefilled_and_toggles_in_place(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """/diemdanh lists members pre-filled from answers; a press edits the same message."""
    people = await _setup(app, sim, invite_codes, clock)
    an = people["Nguyễn Văn An"]
    replies = await an.send("/diemdanh")
    text = replies.text
    assert "✅ Trần Thị Bình" in text
    assert "🙏 Lê Thị Mai — ốm" in text
    assert "❌ Phạm Văn Dũng (chưa báo tham dự)" in text
    assert "Miễn sinh hoạt: " in text
    message = an.last
    assert message is not None
    count_before = len(an.messages)
    replies = await an.press("❌ Phạm Văn Dũng")
    assert len(an.messages) == count_before  # edited, not a new message
    assert "✅ Phạm Văn Dũng" in (an.message(message.message_id).text or "")


async def test_member_pressing_rollcall_buttons_changes_nothing(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A member sending the secretary's roll-call button gets a refusal; nothing changes."""
    people = await _setup(app, sim, invite_codes, clock)
    await people["Nguyễn Văn An"].send("/diemdanh")
    meeting = await _meeting_id(app)
    dung = await person_id(app.bot_data.db, CELL, "Phạm Văn Dũng")
    binh = people["Trần Thị Bình"]
    replies = await binh.press_data(binh.last.message_id, f"rc:{meeting}:t:{dung}:0")  # type: ignore[union-attr]
    assert "Chỉ bí thư" in replies.popup
    replies = await binh.press_data(binh.last.message_id, f"rc:{meeting}:close:0")  # type: ignore[union-attr]
    async with app.bot_data.db.transaction() as conn:
        marks = await rollcall_rows.attendance(conn, meeting)
    assert marks[dung][0].value == "unexcused"
    assert "/diemdanh dành cho" in (await binh.send("/diemdanh")).text


async def test_close_end_header_ratings_and_score(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """The whole evening: close the roll-call, members rate, end, header, the card with a typo."""
    people = await _setup(app, sim, invite_codes, clock)
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    await an.press("❌ Nguyễn Văn An")
    await an.press("✔️ Đóng điểm danh")
    await deliver(app, clock, sim)
    binh = people["Trần Thị Bình"]
    assert any("đánh giá buổi sinh hoạt" in (m.text or "") for m in binh.messages)
    replies = await binh.press("Tốt")
    assert "góp ý" in replies.text
    await binh.press("Khá")  # a second press updates, never duplicates
    mai = people["Lê Thị Mai"]
    assert not any("đánh giá buổi sinh hoạt" in (m.text or "") for m in mai.messages)
    meeting = await _meeting_id(app)
    async with app.bot_data.db.transaction() as conn:
        assert await rollcall_rows.rating_counts(conn, meeting) == {"fair": 1}
    clock.advance(minutes=95)
    replies = await an.press("🏁 Kết thúc buổi họp")
    header = replies.text
    assert "tổ chức sinh hoạt chi bộ thường kỳ tháng 12/2026" in header
    assert (
        "Tổng số đảng viên: 12; có mặt: 2; vắng mặt: 8 (có lý do: 1, không có lý do: 7)" in header
    )
    assert "đ/c Lê Thị Mai (ốm)" in header
    assert "Thời lượng: 95 phút." in header
    # The scorecard: the duration is pre-filled; one typo is corrected.
    replies = await an.send("/chamdiem")
    assert "Tiêu chí 1/" in replies.text
    assert "Trợ lý gợi ý: 5" in replies.text
    replies = await an.send("năm điểm")
    assert "không phải số điểm" in replies.text
    assert "Tiêu chí 1/" in replies.text
    replies = await an.send("5")
    assert "Tiêu chí 2/" in replies.text
    replies = await an.send("quay lại")
    assert "Tiêu chí 1/" in replies.text
    sheet_total = Decimal(0)
    for _ in range(60):
        last = an.last
        assert last is not None
        if "Tổng:" in (last.text or ""):
            break
        top = last.labels[0]  # the highest points button
        sheet_total += Decimal(top.replace(",", "."))
        await an.press(top)
    final = an.last
    assert final is not None
    assert "Tổng:" in (final.text or "")
    replies = await an.press("✔️ Xác nhận")
    assert "Đã xác nhận" in replies.text


async def test_my_record_lists_answer_and_attendance(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """/cuatoi shows this year's meeting with my answer and, after the roll-call, my mark."""
    people = await _setup(app, sim, invite_codes, clock)
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    await an.press("✔️ Đóng điểm danh")
    replies = await people["Lê Thị Mai"].send("/cuatoi")
    assert "03/12/2026: xin vắng; 🙏 vắng có lý do (ốm)" in replies.text


async def test_unexcused_absence_is_flagged_once(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A meeting with unexcused absences raises its flags to the secretary and cadre, once."""
    people = await _setup(app, sim, invite_codes, clock)
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    await an.press("✔️ Đóng điểm danh")
    await deliver(app, clock, sim)
    await deliver(app, clock, sim, minutes=1)
    cadre = people["Phạm Quốc Cường"]
    flags = [m.text or "" for m in cadre.messages if "LƯU Ý" in (m.text or "")]
    assert flags
    assert len(flags) == len(set(flags))
    await deliver(app, clock, sim, minutes=5)
    assert len([m for m in cadre.messages if "LƯU Ý" in (m.text or "")]) == len(flags)
