"""In the room: the roll-call, the end of the meeting, the scorecard, ratings, flags, my record."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app import ChiboApp, build_application, running
from bot.config import Config
from bot.domain.text import utf16_length
from bot.storage import rollcall as rollcall_rows
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram
from tests.helpers import (
    TOKEN,
    Clock,
    at_local,
    changed,
    codes,
    december_meeting,
    deliver,
    first_meeting_id,
    last_id,
    linked,
    person_id,
    seed,
    shown,
    snapshot,
)

CELL = "Chi bộ xóm 9"


async def test_rollcall_is_prefilled_and_toggles_in_place(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """/diemdanh lists members pre-filled from answers; a press edits the same message."""
    people = await december_meeting(app, sim, invite_codes, clock)
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
    assert "✅ Phạm Văn Dũng" in shown(an, message.message_id)


async def test_member_pressing_rollcall_buttons_changes_nothing(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A member sending the secretary's roll-call button gets a refusal; nothing changes."""
    people = await december_meeting(app, sim, invite_codes, clock)
    await people["Nguyễn Văn An"].send("/diemdanh")
    meeting = await first_meeting_id(app)
    dung = await person_id(app.bot_data.db, CELL, "Phạm Văn Dũng")
    binh = people["Trần Thị Bình"]
    replies = await binh.press_data(last_id(binh), f"rc:{meeting}:t:{dung}:0")
    assert "Chỉ bí thư" in (replies.popup or "")
    replies = await binh.press_data(last_id(binh), f"rc:{meeting}:close:0")
    async with app.bot_data.db.transaction() as conn:
        marks = await rollcall_rows.attendance(conn, meeting)
    assert marks[dung][0].value == "unexcused"
    assert "/diemdanh dành cho" in (await binh.send("/diemdanh")).text


async def test_close_end_header_ratings_and_score(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """The whole evening: close the roll-call, members rate, end, header, the card with a typo."""
    people = await december_meeting(app, sim, invite_codes, clock)
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
    meeting = await first_meeting_id(app)
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
    people = await december_meeting(app, sim, invite_codes, clock)
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    await an.press("✔️ Đóng điểm danh")
    replies = await people["Lê Thị Mai"].send("/cuatoi")
    assert "03/12/2026: xin vắng; 🙏 vắng có lý do (ốm)" in replies.text


async def test_unexcused_absence_is_flagged_once(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A meeting with unexcused absences raises its flags to the secretary and cadre, once."""
    people = await december_meeting(app, sim, invite_codes, clock)
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


# --- Issue 12: big cells, stale and forged buttons, replays, forged ratings ---------------------

BIG_CELL = "Chi bộ khu phố 5"
_HO = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ")
_DEM = ("Văn", "Thị", "Minh", "Quang", "Thu", "Hữu")
_TEN = ("An", "Bình", "Cường", "Dung")


def _big_cell_file(tmp_path: Path) -> tuple[Path, list[str]]:
    """A city cell of 171 members (three of them exempt), with long-ish names."""
    names = [f"{ho} {dem} {ten}" for ho in _HO for dem in _DEM for ten in _TEN][:171]
    lines = ["đơn vị,họ và tên,vai trò,điện thoại,trạng thái,phụ trách"]
    for index, name in enumerate(names):
        role = "bí thư" if index == 0 else "đảng viên"
        status = "miễn sinh hoạt" if index in (50, 100, 150) else ""
        lines.append(f"Đảng bộ phường Trung Tâm / {BIG_CELL},{name},{role},,{status},")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, names


async def test_big_cell_rollcall_is_paged_and_fits_every_channel(
    sim: FakeTelegram, config: Config, clock: Clock, tmp_path: Path
) -> None:
    """With 171 members, /diemdanh shows the counts and one page of names with their marks,
    each page under Zalo's 2,000 characters; paging through shows every member exactly once,
    and the secretary can mark, close and end."""
    path, names = _big_cell_file(tmp_path)
    big = codes(await seed(config, path, now=clock.now()))
    async with running(build_application(config, TOKEN, clock=clock.now)):
        secretary = await linked(sim, big, names[0])
        clock.moment = at_local(3, 19, 35)
        replies = await secretary.send("/diemdanh")
        assert "lỗi" not in replies.text
        first = replies.text
        assert "Có mặt: 0 · Vắng có lý do: 0 · Vắng không lý do: 168" in first
        assert "Miễn sinh hoạt: 3 đồng chí" in first
        assert "Trang 1/22" in first
        message = secretary.last
        assert message is not None
        seen: list[str] = []
        for page in range(1, 23):
            text = shown(secretary, message.message_id)
            assert f"Trang {page}/22" in text
            assert utf16_length(text) <= 2000, (page, utf16_length(text))
            assert "Có mặt:" in text  # the counts on every page
            seen += [name for name in names if re.search(rf"(\. ❌|➖) {name}\b", text)]
            if page < 22:
                await secretary.press("▶", message=message)
        assert sorted(seen) == sorted(names)
        await secretary.press("◀", message=message)
        page_text = shown(secretary, message.message_id)
        on_page = next(n for n in names if f"❌ {n}" in page_text)
        await secretary.press(f"❌ {on_page}", message=message)
        page_text = shown(secretary, message.message_id)
        assert f"✅ {on_page}" in page_text
        assert "Trang 21/22" in page_text
        assert "Có mặt: 1 ·" in page_text
        replies = await secretary.press("✔️ Đóng điểm danh", message=message)
        assert "Đã đóng điểm danh." in replies.text
        clock.advance(minutes=90)
        replies = await secretary.press("🏁 Kết thúc buổi họp", message=message)
        assert "Tổng số đảng viên: 171; có mặt: 1; vắng mặt: 167" in replies.text
        assert all(utf16_length(m.text or "") <= 4096 for m in secretary.messages)


async def test_stale_rollcall_button_on_cancelled_meeting_changes_nothing(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    clock: Clock,
    storage: Database,
) -> None:
    """/diemdanh, then the meeting is cancelled: ✔️ Đóng điểm danh on the old message is
    refused and closes nothing, and /diemdanh tells the secretary the meeting was cancelled."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    clock.moment = at_local(3, 19, 5)
    replies = await an.send("/diemdanh")
    # The notices due by now may arrive around it: take the roll-call itself.
    rollcall_message = next(
        m for m in replies.messages if any("Đóng điểm danh" in b[0] for r in m.buttons for b in r)
    )
    replies = await an.send("/lichhop huy Mưa bão")
    assert "Đã hủy buổi sinh hoạt" in replies.text
    before = await snapshot(storage)
    replies = await an.press("✔️ Đóng điểm danh", message=rollcall_message)
    assert "đã hủy" in (replies.popup or "")
    replies = await an.press("❌ Phạm Văn Dũng", message=rollcall_message)
    assert "đã hủy" in (replies.popup or "")
    assert changed(before, await snapshot(storage)) == []
    replies = await an.send("/diemdanh")
    assert "đã hủy" in replies.text
    assert "Mưa bão" in replies.text
    assert "dành cho bí thư" not in replies.text


async def test_forged_close_of_a_future_meeting_is_refused(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    clock: Clock,
    storage: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A forged ✔️ Đóng điểm danh for next week's meeting, and 🏁 for one not yet closed: a
    clear refusal, no error, nothing stored."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    meeting = await first_meeting_id(app)
    before = await snapshot(storage)
    for data in (f"rc:{meeting}:close:0", f"rc:{meeting}:end:0", f"rc:{meeting}:p:0"):
        replies = await an.press_data(last_id(an), data)
        assert "Chưa đến giờ điểm danh" in (replies.popup or ""), data
        assert "lỗi" not in replies.text
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert changed(before, await snapshot(storage)) == []
    clock.moment = at_local(3, 19, 35)
    await an.send("/diemdanh")
    replies = await an.press_data(last_id(an), f"rc:{meeting}:end:0")
    assert "Xin đóng điểm danh trước" in (replies.popup or "")
    await an.press("✔️ Đóng điểm danh")
    await an.press("🏁 Kết thúc buổi họp")
    replies = await an.press_data(last_id(an), f"rc:{meeting}:close:0")
    assert "đã đóng" in (replies.popup or "")


async def test_replayed_toggle_after_a_crash_applies_once(
    sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, config: Config
) -> None:
    """The process died after a toggle was stored but before the update was marked handled:
    after the restart the replayed toggle changes nothing (Dũng stays present)."""
    async with running(build_application(config, TOKEN, clock=clock.now)) as app:
        an = await linked(sim, invite_codes, "Nguyễn Văn An")
        clock.moment = at_local(3, 19, 35)
        await an.send("/diemdanh")
        message = an.last
        assert message is not None
        await an.press("❌ Phạm Văn Dũng")
        meeting = await first_meeting_id(app)
    db = await Database.open(config.storage.database)
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "UPDATE inbox SET handled_at = NULL WHERE update_id = "
                "(SELECT MAX(update_id) FROM inbox)"
            )
    finally:
        await db.close()
    async with running(build_application(config, TOKEN, clock=clock.now)) as app:
        await sim.wait_quiet(settle=1)
        dung = await person_id(app.bot_data.db, CELL, "Phạm Văn Dũng")
        async with app.bot_data.db.transaction() as conn:
            marks = await rollcall_rows.attendance(conn, meeting)
            pending = await conn.execute_fetchall(
                "SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL"
            )
    assert marks[dung][0].value == "present"
    assert "✅ Phạm Văn Dũng" in shown(an, message.message_id)
    assert next(iter(pending))[0] == 0


async def test_rating_before_the_close_is_refused_and_not_kept(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    clock: Clock,
    storage: Database,
) -> None:
    """Bình forges a rating while the roll-call is still open: refused; a rating stored before
    she was marked absent (by an earlier version) is gone once the roll-call closes."""
    people = await december_meeting(app, sim, invite_codes, clock)
    an, binh = people["Nguyễn Văn An"], people["Trần Thị Bình"]
    await an.send("/diemdanh")
    meeting = await first_meeting_id(app)
    replies = await binh.press_data(last_id(binh), f"rt:{meeting}:good")
    assert "Chỉ đảng viên có mặt" in (replies.popup or "")
    binh_id = await person_id(storage, CELL, "Trần Thị Bình")
    async with storage.transaction() as conn:
        assert await rollcall_rows.rating_counts(conn, meeting) == {}
        await rollcall_rows.save_rating(conn, meeting, binh_id, "good", None, clock.now())
    await an.press("✅ Trần Thị Bình")  # she did not come after all
    await an.press("✔️ Đóng điểm danh")
    async with storage.transaction() as conn:
        assert await rollcall_rows.rating_counts(conn, meeting) == {}


async def test_comment_after_a_rating_is_read_without_replying_to_the_prompt(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    clock: Clock,
    storage: Database,
) -> None:
    """After a rating the bot opens the reply box; the member's next text is the comment."""
    people = await december_meeting(app, sim, invite_codes, clock)
    an, binh = people["Nguyễn Văn An"], people["Trần Thị Bình"]
    await an.send("/diemdanh")
    await an.press("✔️ Đóng điểm danh")
    await deliver(app, clock, sim)
    await binh.press("Khá")
    prompt = binh.last
    assert prompt is not None
    assert prompt.force_reply
    replies = await binh.send("Nên bắt đầu đúng giờ hơn.")
    assert "Đã ghi góp ý" in replies.text
    meeting = await first_meeting_id(app)
    async with storage.transaction() as conn:
        assert await rollcall_rows.comments(conn, meeting) == ["Nên bắt đầu đúng giờ hơn."]
        assert await rollcall_rows.rating_counts(conn, meeting) == {"fair": 1}


async def test_reason_for_an_absence_is_chosen_from_the_absent_list(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """📝 Ghi lý do vắng lists the absent members; a reason picked marks that one excused, and
    ↩ brings back the roll-call."""
    people = await december_meeting(app, sim, invite_codes, clock)
    an = people["Nguyễn Văn An"]
    await an.send("/diemdanh")
    replies = await an.press("📝 Ghi lý do vắng")
    assert "Chọn đồng chí vắng mặt để ghi lý do" in replies.text
    assert "✅ Trần Thị Bình" not in replies.buttons
    replies = await an.press("❌ Phạm Văn Dũng")
    assert "Lý do vắng của đồng chí Phạm Văn Dũng" in replies.text
    replies = await an.press("Công tác")
    assert "🙏 Phạm Văn Dũng — Công tác" in replies.text
    assert "Vắng có lý do: 2" in replies.text
