"""What the cadres get: the per-meeting digest, the monthly digest with its chart, /baocao."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.app import ChiboApp, plan_now
from chibo_devtools.demo.run import sample_org_file
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests import pg
from tests.helpers import Clock, at_local, december_meeting, deliver

NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Mai", "Phạm Quốc Cường", "Đinh Thị Nga")


def _digests(user: SimUser) -> list[str]:
    return [
        m.text or ""
        for m in user.messages
        if "KẾT QUẢ SINH HOẠT" in (m.text or "") and "Chi bộ xóm 9" in (m.text or "")
    ]


async def test_per_meeting_digest_goes_to_the_cadres_of_that_cell_only(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """After the meeting ends, the cadre following the cell gets one digest; the other none."""
    people = await december_meeting(
        app, sim, invite_codes, clock, names=NAMES, notices=False, until="ended"
    )
    await deliver(app, clock, sim)
    cuong, nga = people["Phạm Quốc Cường"], people["Đinh Thị Nga"]
    assert _digests(cuong) == []  # waiting for the cell's own score
    clock.advance(hours=13)
    await deliver(app, clock, sim)
    digests = _digests(cuong)
    assert len(digests) == 1
    assert "2/10" in digests[0]
    assert "Lê Thị Mai" in digests[0]
    assert not any("xóm 9" in (m.text or "") for m in nga.messages)
    await deliver(app, clock, sim, hours=1)
    assert len(_digests(cuong)) == 1


async def test_monthly_digest_with_chart_once(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """On the configured day each cadre gets last month's digest and a chart, exactly once."""
    people = await december_meeting(
        app, sim, invite_codes, clock, names=NAMES, notices=False, until="ended"
    )
    clock.moment = at_local(10, 9, 0, month=1, year=2027)
    await plan_now(app)
    await sim.wait_quiet()
    cuong = people["Phạm Quốc Cường"]
    photos = [m for m in cuong.messages if m.photo is not None]
    assert len(photos) == 1
    assert photos[0].photo is not None
    assert photos[0].photo.data.startswith(b"\x89PNG")
    texts = [m.text or "" for m in cuong.messages if "12/2026" in (m.text or "")]
    assert any("Chi bộ xóm 9" in text and "Chi bộ xóm 10" in text for text in texts)
    await plan_now(app)
    await sim.wait_quiet()
    assert len([m for m in cuong.messages if m.photo is not None]) == 1
    assert len([m for m in cuong.messages if "12/2026" in (m.text or "")]) == len(texts)


async def test_report_command_months_and_refusal(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """/baocao reads "12/2026", "tháng 12", "T12"; a unit not followed is politely refused."""
    people = await december_meeting(
        app, sim, invite_codes, clock, names=NAMES, notices=False, until="ended"
    )
    clock.moment = at_local(20, 9, 0)
    nga = people["Đinh Thị Nga"]
    for typed in ("/baocao 12/2026", "/baocao tháng 12", "/baocao T12"):
        replies = await nga.send(typed)
        assert "12/2026" in replies.text, typed
    replies = await nga.send("/baocao 12/2026 Chi bộ xóm 9")
    assert "không theo dõi đơn vị" in replies.text
    replies = await people["Phạm Quốc Cường"].send("/baocao 12/2026 xóm 9")
    assert "Chi bộ xóm 9" in replies.text
    assert "Chi bộ xóm 10" not in replies.text
    replies = await nga.send("/baocao 13/2026")
    assert "Không có tháng 13" in replies.text
    replies = await people["Trần Thị Bình"].send("/baocao")
    assert "dành cho" in replies.text


def test_cli_report_and_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`chibo report` prints a unit's month; `chibo backup` writes a copy that opens."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    assert main(["import", str(sample_org_file()), "--config", str(config_file)]) == 0
    capsys.readouterr()
    assert (
        main(["report", "--unit", "xóm 10", "--month", "11/2026", "--config", str(config_file)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "THÁNG 11/2026" in printed
    assert "Chi bộ xóm 10" in printed
    assert "Chi bộ xóm 9" not in printed
    assert main(["report", "--month", "13/2026", "--config", str(config_file)]) == 2
    out = tmp_path / "att.csv"
    assert (
        main(["export", "--period", "11/2026", "--out", str(out), "--config", str(config_file)])
        == 0
    )
    assert out.read_text(encoding="utf-8-sig").startswith("Chi bộ,Họ và tên")
    assert (
        main(["export", "--unit", "không có", "--out", str(out), "--config", str(config_file)])
        == 2
    )
    if pg.database_url():
        return  # the copy below is SQLite's file backup; PostgreSQL's goes through pg_dump
    copy = tmp_path / "backup" / "copy.sqlite3"
    assert main(["backup", str(copy), "--config", str(config_file)]) == 0
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 28


async def test_monthly_digest_shows_open_petitions_with_age(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A kiến nghị still open appears in the cadre's report with its age in days."""
    people = await december_meeting(
        app, sim, invite_codes, clock, names=NAMES, notices=False, until="ended"
    )
    await people["Trần Thị Bình"].send("/kiennghi Đề nghị sửa đường vào nhà văn hóa")
    clock.advance(days=9)
    replies = await people["Phạm Quốc Cường"].send("/baocao 12/2026 xóm 9")
    assert "Đề nghị sửa đường vào nhà văn hóa" in replies.text
    assert "9 ngày" in replies.text


async def test_a_meeting_flag_stays_in_its_month(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """December's flag about an unexcused absence shows in December's report, not in January's,
    where the cell needs attention only for what January holds."""
    people = await december_meeting(
        app, sim, invite_codes, clock, names=NAMES, notices=False, until="ended"
    )
    cuong = people["Phạm Quốc Cường"]
    december = (await cuong.send("/baocao 12/2026 xóm 9")).text
    assert "Buổi sinh hoạt ngày 03/12/2026" in december
    clock.moment = at_local(20, 9, 0, month=1, year=2027)
    january = (await cuong.send("/baocao 1/2027 xóm 9")).text
    assert "1/2027" in january
    assert "03/12/2026" not in january
    assert "chưa sinh hoạt" in january


async def test_an_open_rule_flag_counts_through_its_year_only(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A member's "3 months unexcused" flag, raised in December, shows in December's report
    as the cell's concern; not in November's, before it was raised, nor in the next year's."""
    people = await december_meeting(
        app, sim, invite_codes, clock, names=NAMES, notices=False, until="ended"
    )
    db = app.bot_data.db
    async with db.transaction() as conn:
        row = await (
            await conn.execute(
                "SELECT p.id, m.unit_id FROM people p JOIN memberships m ON m.person_id = p.id "
                "WHERE p.full_name = 'Lê Thị Mai'"
            )
        ).fetchone()
        assert row is not None
        await conn.execute(
            "INSERT INTO flags (key, unit_id, kind, person_id, meeting_id, params, raised_at) "
            "VALUES (?, ?, 'unexcused_3_months', ?, NULL, ?, ?)",
            (
                f"unexcused_3_months:unit={row[1]}:person={row[0]}:year=2026",
                row[1],
                row[0],
                '{"count": "3", "year": "2026", "months": "3, 7, 12"}',
                at_local(3, 21, 0).isoformat(),
            ),
        )
    cuong = people["Phạm Quốc Cường"]
    clock.moment = at_local(20, 9, 0, month=1, year=2027)
    december = (await cuong.send("/baocao 12/2026 xóm 9")).text
    assert "1 đảng viên vắng không lý do 3 tháng trong năm" in december
    assert "Đồng chí Lê Thị Mai vắng không lý do 3 tháng" in december
    for month in ("11/2026", "1/2027"):
        text = (await cuong.send(f"/baocao {month} xóm 9")).text
        assert "Lê Thị Mai vắng không lý do 3 tháng" not in text, month
