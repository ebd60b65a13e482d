"""/lichhop, the secretary's list, /baocao and /xuat through the conversation: month words
the same everywhere, a big cell's list that fits, invisible characters kept out."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.app import ChiboApp, build_application, running
from bot.config import Config
from bot.domain.meetings import Meeting
from bot.domain.months import Month
from bot.domain.schedule import MeetingKind
from bot.domain.text import split_text
from bot.services import meetings as meeting_service
from bot.storage import accounts, units
from chibo_devtools.demo.run import sample_org_file
from chibo_devtools.telegram import FakeTelegram
from tests.helpers import TOKEN, VN, Clock, codes, linked, make_config, person_id, seed

BIG = "Đảng bộ phường Trung Tâm / Chi bộ khu phố 5"
BIG_SIZE = 180


def _big_cell(path: Path) -> Path:
    """A cell of 180 members with long names and phones, most of them not linked."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["đơn vị", "họ và tên", "vai trò", "điện thoại", "trạng thái", "phụ trách"]
        )
        writer.writerow([BIG, "Nguyễn Văn Bí Thư", "bí thư", "0912000000", "", ""])
        for n in range(1, BIG_SIZE):
            writer.writerow(
                [BIG, f"Nguyễn Thị Phương Thảo Số {n:03d}", "đảng viên", f"09{n:08d}", "", ""]
            )
    return path


@pytest.fixture
async def big(tmp_path: Path, sim: FakeTelegram, clock: Clock) -> AsyncIterator[dict[str, str]]:
    """The bot running with one cell of 180 members; invite codes by name."""
    config: Config = make_config(tmp_path, sim.base_url)
    found = codes(await seed(config, _big_cell(tmp_path / "big.csv"), now=clock.now()))
    application = build_application(config, TOKEN, clock=clock.now)
    async with running(application):
        yield found


async def test_big_cell_list_fits_the_messenger(
    big: dict[str, str], sim: FakeTelegram, clock: Clock
) -> None:
    """A 180-member cell's "📋 Danh sách trả lời" arrives whole, in messages Telegram takes."""
    secretary = await linked(sim, big, "Nguyễn Văn Bí Thư")
    await secretary.send("/lichhop")
    replies = await secretary.press("📋 Danh sách trả lời")
    texts = [m.text or "" for m in replies.messages]
    assert len(texts) > 1
    assert all(len(text.encode("utf-16-le")) // 2 <= 4096 for text in texts)
    joined = "\n".join(texts)
    for n in range(1, BIG_SIZE):
        assert f"Nguyễn Thị Phương Thảo Số {n:03d} (09{n:08d})" in joined
    # Zalo takes 2,000 characters: the list splits between names there too.
    assert all(len(part) <= 2000 for part in split_text("\n\n".join(texts), 2000))


async def test_report_reads_month_words_like_export(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """ "/baocao tháng trước" is last month, as "/xuat tháng trước" is, not a unit's name."""
    cuong = await linked(sim, invite_codes, "Phạm Quốc Cường")
    replies = await cuong.send("/baocao tháng trước")
    assert "10/2026" in replies.text
    assert "không theo dõi" not in replies.text
    replies = await cuong.send("/baocao tháng này xóm 9")
    assert "11/2026" in replies.text
    assert "Chi bộ xóm 9" in replies.text
    assert "Chi bộ xóm 10" not in replies.text
    replies = await cuong.send("/baocao")  # a report is about last month unless told
    assert "10/2026" in replies.text
    replies = await cuong.send("/baocao 2026")
    assert "theo từng tháng" in replies.text
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    replies = await an.send("/xuat tháng trước")
    assert "tháng 10/2026" in replies.text
    replies = await an.send("/xuat")  # an export is about this month unless told
    assert "tháng 11/2026" in replies.text


async def test_report_errors_name_the_command_in_the_readers_language(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A month not understood gets the reason and examples of the command as typed."""
    cuong = await linked(sim, invite_codes, "Phạm Quốc Cường")
    replies = await cuong.send("/baocao 13/2026")
    assert "Không có tháng 13" in replies.text
    assert "/baocao 11/2026" in replies.text
    await cuong.send("/ngonngu")
    await cuong.press("🇬🇧 English")
    replies = await cuong.send("/report 12/2026")
    assert "12/2026 has not come yet" in replies.text
    assert "/report 11/2026" in replies.text
    assert "/baocao" not in replies.text


async def _next_meeting(app: ChiboApp) -> Meeting:
    db = app.bot_data.db
    async with db.transaction() as conn:
        cell = next(u for u in await units.cells(conn) if u.name == "Chi bộ xóm 9")
    upcoming = await meeting_service.next_meetings(db, cell.id, app.bot_data.now())
    return upcoming[0]


async def test_invisible_topic_or_place_is_refused_and_stripped(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A topic or place of only zero-width or bidi marks is refused; others are dropped."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    before = await _next_meeting(app)
    replies = await an.send("/lichhop chude \u200b\u2067\u200f")
    assert "không hiển thị được" in replies.text
    replies = await an.send("/lichhop 05/12 19:30 \u202e\u200b")
    assert "không hiển thị được" in replies.text
    after = await _next_meeting(app)
    assert (after.topic, after.place, after.starts_at) == (
        before.topic,
        before.place,
        before.starts_at,
    )
    replies = await an.send("/lichhop chude Học\u200b tập nghị\u2066 quyết\u202c")
    assert "Đã ghi nội dung: Học tập nghị quyết." in replies.text
    assert (await _next_meeting(app)).topic == "Học tập nghị quyết"


async def test_kind_cannot_be_forced_onto_a_committee_meeting(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str]
) -> None:
    """A forged kind choice for the committee's meeting is refused; it stays a committee one."""
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    replies = await an.send("/lichhop chiuy 01/12 19:30 Nhà bí thư")
    assert "Đã hẹn họp chi ủy" in replies.text
    db = app.bot_data.db
    async with db.transaction() as conn:
        cell = next(u for u in await units.cells(conn) if u.name == "Chi bộ xóm 9")
    upcoming = await meeting_service.next_meetings(db, cell.id, app.bot_data.now())
    committee = next(m for m in upcoming if m.kind is MeetingKind.COMMITTEE)
    assert an.last is not None
    replies = await an.press_data(an.last.message_id, f"knd:{committee.id}:both")
    assert "không có quyền" in (replies.popup or "")
    after = await meeting_service.get(db, committee.id)
    assert after is not None
    assert after.kind is MeetingKind.COMMITTEE


async def test_member_linked_on_zalo_is_not_listed_as_unlinked(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """The secretary's list counts a member linked on Zalo only as linked, not one to call."""
    db = app.bot_data.db
    binh = await person_id(db, "Chi bộ xóm 9", "Trần Thị Bình")
    async with db.transaction() as conn:
        await accounts.insert(
            conn,
            channel="zalo",
            external_id="z-1",
            person_id=binh,
            language_code=None,
            now=clock.now(),
        )
    an = await linked(sim, invite_codes, "Nguyễn Văn An")
    await an.send("/lichhop")
    replies = await an.press("📋 Danh sách trả lời")
    groups = {part.split("\n", 1)[0]: part for part in replies.text.split("\n\n")}
    unlinked = next(text for head, text in groups.items() if head.startswith("📵"))
    not_answered = next(text for head, text in groups.items() if head.startswith("❓"))
    assert "Trần Thị Bình" not in unlinked
    assert "Trần Thị Bình" in not_answered


def test_cli_reads_month_words_like_the_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`chibo report --month` takes "tháng này" as this month and refuses a bare year."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    assert main(["import", str(sample_org_file()), "--config", str(config_file)]) == 0
    capsys.readouterr()
    this = Month.of(datetime.now(VN).date())
    assert main(["report", "--month", "tháng này", "--config", str(config_file)]) == 0
    assert f"THÁNG {this.label}" in capsys.readouterr().out
    assert main(["report", "--month", "tháng trước", "--config", str(config_file)]) == 0
    assert f"THÁNG {this.previous().label}" in capsys.readouterr().out
    assert main(["report", "--month", "2026", "--config", str(config_file)]) == 2
    assert "--month 11/2026" in capsys.readouterr().err
