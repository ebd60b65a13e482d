"""The cadre's flood: one message a day listing the meetings of the cells they follow."""

from __future__ import annotations

from pathlib import Path

from bench.synth import Shape, link_everyone, write_org_file
from bot.app import build_application, deliver_due, running
from bot.config import Config
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram, SentMessage
from tests.helpers import TOKEN, Clock, seed


def _notices(messages: list[SentMessage]) -> list[str]:
    return [m.text or "" for m in messages if "THÔNG BÁO SINH HOẠT" in (m.text or "")]


async def test_a_cadre_gets_one_message_a_day_for_all_their_cells(
    sim: FakeTelegram, config: Config, clock: Clock, tmp_path: Path
) -> None:
    """Three days before the meetings, a commune cadre following six cells gets one message
    naming the six, the province cadre one naming all twelve grouped by commune, and every
    member their own notice; the record shows each cell's notice sent to its cadres."""
    org = tmp_path / "org.csv"
    write_org_file(org, Shape(cells=12, members=36, cells_per_commune=6, cells_per_cadre=10))
    await seed(config, org, now=clock.now())
    people = link_everyone(config.storage.database, clock.now())
    users = {p.telegram_id: sim.user(p.name, user_id=p.telegram_id) for p in people}
    cadres = [p for p in people if p.role == "cadre"]
    province = next(p for p in cadres if p.name == "Trần Quang Tỉnh")
    commune = next(p for p in cadres if p is not province)
    async with running(build_application(config, TOKEN, clock=clock.now)) as app:
        clock.advance(days=8, hours=4, minutes=31)  # three days before the meetings of the 3rd
        await deliver_due(app)
        await sim.wait_quiet()
        commune_texts = _notices(users[commune.telegram_id].messages)
        province_texts = _notices(users[province.telegram_id].messages)
        clock.advance(days=2)  # the day before: one more message each, not twelve
        await deliver_due(app)
        await sim.wait_quiet()
    assert len(commune_texts) == 1
    assert commune_texts[0].count("Chi bộ thôn") == 6
    assert len(province_texts) == 1
    assert province_texts[0].count("Chi bộ thôn") == 12
    assert "Đảng bộ xã Số 1 (6 chi bộ):" in province_texts[0]
    assert "Đảng bộ xã Số 2 (6 chi bộ):" in province_texts[0]
    assert len(_notices(users[province.telegram_id].messages)) == 2
    members = [p for p in people if p.role != "cadre"]
    assert all(len(_notices(users[p.telegram_id].messages)) == 2 for p in members)
    db = await Database.open(config.storage.database)
    try:
        async with db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT COUNT(DISTINCT meeting_id) FROM notices "
                "WHERE person_id = ? AND purpose = 'notice' AND state = 'sent'",
                (province.person_id,),
            )
    finally:
        await db.close()
    assert int(next(iter(rows))[0]) == 12
