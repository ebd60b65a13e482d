"""An update fetched by a process that died is handled after the restart, and only once."""

from __future__ import annotations

import json

from bot.app import ChiboApp, build_application, running
from bot.config import Config
from bot.storage import inbox
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram
from tests.helpers import TOKEN, Clock, at_local, deliver, linked


async def _rows(config: Config, sql: str) -> list[tuple[object, ...]]:
    db = await Database.open(config.storage.database)
    try:
        async with db.transaction() as conn:
            return [tuple(row) for row in await conn.execute_fetchall(sql)]
    finally:
        await db.close()


async def test_every_update_is_kept_then_marked_handled(
    sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, config: Config
) -> None:
    """What the bot fetched is in the inbox, and marked handled once answered."""
    async with running(build_application(config, TOKEN, clock=clock.now)):
        binh = await linked(sim, invite_codes, "Trần Thị Bình")
        await binh.send("co a")
    rows = await _rows(config, "SELECT payload, handled_at IS NOT NULL FROM inbox")
    texts = [json.loads(str(payload))["message"]["text"] for payload, _ in rows]
    assert texts == [f"/start {invite_codes['Trần Thị Bình']}", "co a"]
    assert all(done for _, done in rows)


async def test_answer_fetched_before_a_crash_is_recorded_once(
    sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, config: Config
) -> None:
    """The process died after fetching "có ạ" (Telegram was told it arrived): after the
    restart the answer is recorded and answered; Telegram's own second copy changes nothing."""
    async with running(build_application(config, TOKEN, clock=clock.now)):
        binh = await linked(sim, invite_codes, "Trần Thị Bình")
    payload = binh.text_update("có ạ")
    update_id = sim.push_update(payload)
    # What the dead process had written before its updater confirmed the update.
    db = await Database.open(config.storage.database)
    try:
        async with db.transaction() as conn:
            kept = json.dumps({"update_id": update_id, **payload}, ensure_ascii=False)
            await inbox.keep(conn, "telegram", [(update_id, kept)], clock.now())
    finally:
        await db.close()
    before = len(binh.messages)
    async with running(build_application(config, TOKEN, clock=clock.now)):
        await sim.wait_quiet(settle=1)
    replies = [m.text or "" for m in binh.messages[before:]]
    assert len(replies) == 1
    assert "Đã ghi nhận: đồng chí tham dự" in replies[0]
    history = await _rows(config, "SELECT intent, raw_text FROM answer_history")
    assert history == [("attend", "có ạ")]
    assert await _rows(config, "SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == [(0,)]


async def test_press_too_old_to_acknowledge_is_still_recorded_and_confirmed(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """A ✅ press handled after a restart: Telegram refuses the late acknowledgement, but the
    answer is stored and the member still reads the confirmation."""
    binh = await linked(sim, invite_codes, "Trần Thị Bình")
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    sim.fail_next(
        "answerCallbackQuery",
        400,
        description="Bad Request: query is too old and response timeout expired or query ID "
        "is invalid",
    )
    replies = await binh.press("✅ Tham dự")
    assert "Đã ghi nhận: đồng chí tham dự" in replies.text
    assert "lỗi" not in replies.text
    history = await _rows(app.bot_data.config, "SELECT intent FROM answer_history")
    assert history == [("attend",)]
