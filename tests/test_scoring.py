"""The scorecard in chat: which meetings can be scored, replays, /huy, a cadre's several cells."""

from __future__ import annotations

from bot.app import ChiboApp, build_application, running
from bot.chat import scoring as chat_scoring
from bot.chat.turn import Turn
from bot.config import Config
from bot.services import identity
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram, SimUser
from tests.helpers import (
    TOKEN,
    Clock,
    at_local,
    changed,
    deliver,
    last_id,
    linked,
    shown,
    snapshot,
)

AN, PHUC, CUONG = "Nguyễn Văn An", "Đinh Văn Phúc", "Phạm Quốc Cường"
XOM_9, XOM_10 = "Chi bộ xóm 9", "Chi bộ xóm 10"


async def _met(
    app: ChiboApp, sim: FakeTelegram, codes: dict[str, str], clock: Clock, *, close: bool = True
) -> dict[str, SimUser]:
    """Xóm 9 and xóm 10 met on 03/12; their secretaries closed the roll-calls (if `close`)."""
    people = {name: await linked(sim, codes, name) for name in (AN, PHUC, CUONG)}
    clock.moment = at_local(30, 19, 31, month=11)
    await deliver(app, clock, sim)
    clock.moment = at_local(3, 19, 35)
    for secretary in (people[AN], people[PHUC]):
        await secretary.send("/diemdanh")
        if close:
            await secretary.press("✔️ Đóng điểm danh")
    while await deliver(app, clock, sim):
        pass
    return people


async def _meeting(db: Database, cell: str) -> int:
    """The id of the cell's meeting of 03/12."""
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT m.id FROM meetings m JOIN units u ON u.id = m.unit_id "
            "WHERE u.name = ? AND m.kind <> 'committee' ORDER BY m.starts_at LIMIT 1",
            (cell,),
        )
    return int(next(iter(rows))[0])


async def _forged(user: SimUser, data: str) -> str:
    """What the person sees after a modified client sends this button data."""
    last = user.last
    assert last is not None
    replies = await user.press_data(last.message_id, data)
    return "\n".join([replies.popup or "", *replies.texts])


async def test_a_cancelled_meeting_cannot_be_scored(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    clock: Clock,
    storage: Database,
) -> None:
    """A meeting cancelled after its roll-call was closed (what issue 12's stale roll-call
    button left behind) gets no card from /chamdiem, and forged card steps are refused."""
    people = await _met(app, sim, invite_codes, clock)
    an = people[AN]
    m9 = await _meeting(storage, XOM_9)
    async with storage.transaction() as conn:
        await conn.execute("UPDATE meetings SET status = 'cancelled' WHERE id = ?", (m9,))
    before = await snapshot(storage)
    replies = await an.send("/chamdiem")
    assert "Chưa có buổi sinh hoạt nào đã đóng điểm danh" in replies.text
    assert "📊 Chấm điểm" not in replies.text
    for data in (f"sc:{m9}:self:open", f"sc:{m9}:self:pt:1:5", f"sc:{m9}:self:ok"):
        said = await _forged(an, data)
        assert "không có quyền chấm điểm buổi sinh hoạt này" in said, data
    after = await snapshot(storage)
    assert not {"scores", "score_cards"} & set(changed(before, after))


async def test_score_steps_on_an_open_roll_call_or_another_cell_are_refused(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    clock: Clock,
    storage: Database,
) -> None:
    """Forged card steps on a meeting whose roll-call is still open, on another cell's
    meeting, or on a column the person may not fill, are refused and change nothing."""
    people = await _met(app, sim, invite_codes, clock, close=False)
    an, phuc, cuong = people[AN], people[PHUC], people[CUONG]
    m9, m10 = await _meeting(storage, XOM_9), await _meeting(storage, XOM_10)
    await phuc.press("✔️ Đóng điểm danh")  # xóm 10's roll-call is closed, xóm 9's is not
    before = await snapshot(storage)
    for user, data in (
        (an, f"sc:{m9}:self:open"),  # his own cell, roll-call still open
        (an, f"sc:{m9}:self:pt:1:5"),
        (an, f"sc:{m10}:self:open"),  # another cell's
        (an, f"sc:{m10}:self:pt:1:5"),
        (an, f"sc:{m10}:upper:open"),  # a column for the cadres following xóm 10
        (cuong, f"sc:{m10}:self:open"),  # the cell's own column is not the cadre's
        (cuong, f"sc:{m9}:upper:open"),  # followed, but the roll-call is open
    ):
        said = await _forged(user, data)
        assert "không có quyền chấm điểm buổi sinh hoạt này" in said, (user.name, data)
    after = await snapshot(storage)
    assert not {"scores", "score_cards"} & set(changed(before, after))


async def test_typed_points_replayed_after_a_crash_score_one_criterion(
    sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock, config: Config
) -> None:
    """The process died after storing "3" for criterion 1 but before marking the message
    handled: after the restart the message is handled again and criterion 2 stays unscored."""
    async with running(build_application(config, TOKEN, clock=clock.now)) as app:
        an = (await _met(app, sim, invite_codes, clock))[AN]
        assert "Tiêu chí 1/" in (await an.send("/chamdiem")).text
        assert "Tiêu chí 2/" in (await an.send("3")).text
    db = await Database.open(config.storage.database)
    try:
        async with db.transaction() as conn:
            # The crash: the update's effect is committed, its "handled" mark is not.
            await conn.execute(
                "UPDATE inbox SET handled_at = NULL WHERE update_id = "
                "(SELECT MAX(update_id) FROM inbox)"
            )
    finally:
        await db.close()
    before = len(an.messages)
    async with running(build_application(config, TOKEN, clock=clock.now)):
        await sim.wait_quiet(settle=1)
        replayed = [m.text or "" for m in an.messages[before:]]
        assert replayed, "the replayed message got no answer"
        assert "Tiêu chí 2/" in replayed[-1]
        assert "Tiêu chí 2/" in (await an.send("/chamdiem")).text


async def test_cancel_sets_the_card_aside_with_its_points(
    app: ChiboApp,
    sim: FakeTelegram,
    invite_codes: dict[str, str],
    clock: Clock,
    storage: Database,
) -> None:
    """/huy with a card open says the card was left; a number typed next is not points; and
    /chamdiem picks the card up again at the same criterion, the points given kept."""
    an = (await _met(app, sim, invite_codes, clock))[AN]
    await an.send("/chamdiem")
    await an.send("3")
    replies = await an.send("/huy")
    assert "phiếu chấm điểm đang dở" in replies.text
    before = await snapshot(storage)
    replies = await an.send("2")
    assert "📊 Chấm điểm" not in replies.text
    assert not {"scores", "score_cards"} & set(changed(before, await snapshot(storage)))
    replies = await an.send("/chamdiem")
    assert "Tiêu chí 2/" in replies.text
    await an.send("quay lại")
    assert "Điểm đang ghi: 3" in shown(an, last_id(an))
    replies = await an.send("/huy")
    replies = await an.send("/huy")
    assert "phiếu chấm điểm" not in replies.text  # nothing left the second time


async def test_cadre_following_two_cells_picks_the_meeting_to_score(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """Cường follows xóm 9 and 10: /chamdiem offers both; the one picked opens in the upper
    column, and typed points go to it."""
    cuong = (await _met(app, sim, invite_codes, clock))[CUONG]
    replies = await cuong.send("/chamdiem")
    assert "Chọn buổi sinh hoạt cần chấm" in replies.text
    assert replies.buttons == [f"{XOM_9} (cấp trên chấm)", f"{XOM_10} (cấp trên chấm)"]
    replies = await cuong.press(f"{XOM_10} (cấp trên chấm)")
    assert f"📊 Chấm điểm — {XOM_10}, 03/12/2026 (cấp trên chấm)" in replies.text
    assert "Tiêu chí 1/" in replies.text
    assert "Tiêu chí 2/" in (await cuong.send("4")).text


async def test_numbers_are_points_only_while_a_criterion_is_asked(
    app: ChiboApp, sim: FakeTelegram, invite_codes: dict[str, str], clock: Clock
) -> None:
    """The rule a channel with numbered choices follows: a typed number is points while the
    card asks a criterion, and a pick of the last offer before, at the summary and after /huy."""
    an = (await _met(app, sim, invite_codes, clock))[AN]
    core = app.bot_data.core

    async def reads_numbers() -> bool:
        actor = await identity.resolve(core.db, "telegram", str(an.telegram_id))
        turn = Turn(core, "telegram", str(an.telegram_id), actor, core.catalogs.get("vi"))
        return await chat_scoring.reads_numbers(turn)

    assert not await reads_numbers()
    await an.send("/chamdiem")
    assert await reads_numbers()
    for _ in range(60):  # to the summary
        last = an.last
        assert last is not None
        if "Tổng:" in (last.text or ""):
            break
        await an.press(last.labels[0])
    assert not await reads_numbers()
    await an.press("↩ Quay lại")
    assert await reads_numbers()
    await an.send("/huy")
    assert not await reads_numbers()
