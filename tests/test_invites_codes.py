"""Invite codes of 8 digits, typed any way on any channel, and the limits on wrong ones."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.invites import LinkOutcome, new_code, show_code
from bot.i18n import Catalogs
from bot.services import linking
from bot.services.linking import link_by_text
from bot.storage import accounts, audit, invites
from bot.storage.db import Conn, Database
from bot.views.linking import refused_link_text
from tests.helpers import START, make_config, person_id, seed

ZALO = "zalo"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """The sample commune imported with invites, in a real SQLite file."""
    config = make_config(tmp_path)
    await seed(config)
    database = await Database.open(config.storage.database)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def code_of(db: Database) -> dict[str, str]:
    """Each person's live code, read back from the database."""
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT p.full_name, i.code FROM invites i JOIN people p ON p.id = i.person_id"
        )
    return {row[0]: row[1] for row in rows}


async def preferred_channel(conn: Conn, person: int) -> str | None:
    """The channel notices would go to."""
    account = await accounts.preferred_account(conn, person)
    return account.channel if account else None


def vi_text(outcome: LinkOutcome, **kw: object) -> str:
    """What the person reads, in Vietnamese."""
    return refused_link_text(Catalogs("vi").get("vi"), outcome, **kw)  # type: ignore[arg-type]


async def test_codes_are_eight_digits_shown_in_two_groups(code_of: dict[str, str]) -> None:
    """Every code is 8 digits, read out as "4821 0937", and no two people share one."""
    assert all(re.fullmatch(r"\d{8}", code) for code in code_of.values())
    assert len(set(code_of.values())) == len(code_of)
    assert show_code("48210937") == "4821 0937"
    assert re.fullmatch(r"\d{8}", new_code())


async def test_a_code_already_taken_is_never_given_twice(db: Database) -> None:
    """When the draw repeats a code that exists (even a dead one), the person gets another."""
    target = await person_id(db, "Chi bộ xóm 9", "Trần Thị Bình")
    async with db.transaction() as conn:
        taken = next(iter(await conn.execute_fetchall("SELECT code FROM invites LIMIT 1")))[0]
        fresh = await invites.insert(
            conn, code=taken, person_id=target, now=START, expires_at=START + timedelta(days=1)
        )
    assert fresh.code != taken
    assert re.fullmatch(r"\d{8}", fresh.code)
    async with db.transaction() as conn:
        stored = await invites.get(conn, fresh.code)
    assert stored is not None
    assert stored.person_id == target


@pytest.mark.parametrize(
    "typed",
    [
        "{a}{b}",
        "{a} {b}",
        "  {a}   {b}  ",
        "/start {a}{b}",
        "/start {a} {b}",
        "mã {a} {b}",
        "Mã: {a}-{b}",
        "ma so {a}.{b} a",
        "code {a}{b}",
        "Chào đồng chí, mã của tôi là {a} {b} ạ, cảm ơn đồng chí",
        "chao dong chi, ma cua em la {a} {b} a, cam on",
        "Em ở xóm 9 {a} {b}",
        "{a} {b}\n{a} {b}",
    ],
)
async def test_a_code_typed_any_way_links(
    db: Database, code_of: dict[str, str], typed: str
) -> None:
    """The code is found with or without the space, after /start or "mã", among polite words."""
    code = code_of["Trần Thị Bình"]
    result = await link_by_text(db, ZALO, "z-1", typed.format(a=code[:4], b=code[4:]), "vi", START)
    assert result.outcome is LinkOutcome.LINKED
    assert result.person is not None
    assert result.person.full_name == "Trần Thị Bình"


@pytest.mark.parametrize("zero", ["０", "٠"])
async def test_digits_of_other_forms_link(
    db: Database, code_of: dict[str, str], zero: str
) -> None:
    """Full-width digits (some phone keyboards) and Arabic-Indic digits read as digits."""
    code = code_of["Trần Thị Bình"]
    typed = "".join(chr(ord(zero) + int(d)) for d in code)
    result = await link_by_text(db, ZALO, "z-1", typed, None, START)
    assert result.outcome is LinkOutcome.LINKED


@pytest.mark.parametrize(
    "typed", ["", "xin chào", "Cảm ơn đồng chí!", "/start", "ngày 28/11 lúc 19:30", "👍"]
)
async def test_text_without_a_code_links_nothing_and_is_not_a_try(
    db: Database, typed: str
) -> None:
    """Plain words are NO_CODE: nothing looked up, nothing counted against the chat."""
    result = await link_by_text(db, ZALO, "z-1", typed, None, START)
    assert result.outcome is LinkOutcome.NO_CODE
    async with db.transaction() as conn:
        counts = await invites.try_counts(conn, START - timedelta(days=1))
    assert counts.tries == 0


async def test_every_refusal_outcome(db: Database, code_of: dict[str, str]) -> None:
    """Used, expired, unknown, account taken, already linked: each said, nothing linked."""
    binh, hung = code_of["Trần Thị Bình"], code_of["Vũ Văn Hùng"]
    assert (await link_by_text(db, ZALO, "z-1", binh, None, START)).outcome is LinkOutcome.LINKED
    again = await link_by_text(db, ZALO, "z-1", binh, None, START)
    assert again.outcome is LinkOutcome.ALREADY_LINKED
    used = await link_by_text(db, ZALO, "z-2", binh, None, START)
    assert used.outcome is LinkOutcome.USED
    taken = await link_by_text(db, ZALO, "z-1", hung, None, START)
    assert taken.outcome is LinkOutcome.ACCOUNT_TAKEN
    assert taken.person is not None
    assert taken.person.full_name == "Trần Thị Bình"
    unknown = await link_by_text(db, ZALO, "z-3", "1234 5678", None, START)
    assert unknown.outcome is LinkOutcome.UNKNOWN
    short = await link_by_text(db, ZALO, "z-3", "mã 1234 567", None, START)
    assert short.outcome is LinkOutcome.UNKNOWN
    late = await link_by_text(db, ZALO, "z-4", hung, None, START + timedelta(days=31))
    assert late.outcome is LinkOutcome.EXPIRED
    assert "hết hạn" in vi_text(late.outcome)
    async with db.transaction() as conn:
        assert await accounts.get(conn, ZALO, "z-2") is None
        assert await accounts.get(conn, ZALO, "z-3") is None
        assert await accounts.get(conn, ZALO, "z-4") is None


async def test_a_replaced_code_says_replaced_not_expired(
    db: Database, code_of: dict[str, str]
) -> None:
    """A code replaced by a newer one is SUPERSEDED, and the text says so, not "hết hạn"."""
    target = await person_id(db, "Chi bộ xóm 9", "Trần Thị Bình")
    old = code_of["Trần Thị Bình"]
    newer = await linking.issue_invite(
        db, target, now=START + timedelta(hours=1), valid_days=30, actor="test"
    )
    result = await link_by_text(db, ZALO, "z-1", old, None, START + timedelta(hours=2))
    assert result.outcome is LinkOutcome.SUPERSEDED
    text = vi_text(result.outcome)
    assert "thay bằng một mã mới hơn" in text
    assert "hết hạn" not in text
    fresh = await link_by_text(db, ZALO, "z-1", newer.code, None, START + timedelta(hours=2))
    assert fresh.outcome is LinkOutcome.LINKED


async def test_five_wrong_codes_then_a_wait_even_for_the_right_code(
    db: Database, code_of: dict[str, str]
) -> None:
    """After 5 wrong codes in a day the chat is told when to come back; a right code waits too."""
    now = START
    for n in range(5):
        wrong = await link_by_text(db, ZALO, "z-9", f"mã 0000 000{n}", None, now)
        assert wrong.outcome is LinkOutcome.UNKNOWN
        assert wrong.tries_left == 4 - n
        now += timedelta(minutes=10)
    assert wrong.retry_at == START + timedelta(days=1)
    assert "xin thử lại sau" in vi_text(wrong.outcome, wait=wrong.retry_at - now, tries_left=0)
    right = code_of["Trần Thị Bình"]
    refused = await link_by_text(db, ZALO, "z-9", right, None, now)
    assert refused.outcome is LinkOutcome.TOO_MANY_TRIES
    assert refused.retry_at == START + timedelta(days=1)
    text = vi_text(refused.outcome, wait=refused.retry_at - now)
    assert "xin thử lại sau 23 giờ 10 phút nữa" in text
    async with db.transaction() as conn:
        assert await accounts.get(conn, ZALO, "z-9") is None
        assert await invites.audited(conn, "link.locked", START) == 1
        counts = await invites.try_counts(conn, START)
    assert (counts.wrong, counts.refused, counts.chats) == (5, 1, 1)
    # Another chat is not held back by this one's mistakes; this one may try after the day.
    later = await link_by_text(db, ZALO, "z-9", right, None, START + timedelta(days=1, minutes=1))
    assert later.outcome is LinkOutcome.LINKED


async def test_wrong_codes_from_many_chats_pause_everyone_and_tell_the_admin(
    db: Database, code_of: dict[str, str]
) -> None:
    """60 wrong codes in an hour from all chats together make every chat wait; audited."""
    now = START
    for n in range(60):
        result = await link_by_text(db, ZALO, f"bot-{n}", f"{90000000 + n}", None, now)
        assert result.outcome is LinkOutcome.UNKNOWN
        now += timedelta(seconds=30)
    honest = await link_by_text(db, ZALO, "z-honest", code_of["Trần Thị Bình"], None, now)
    assert honest.outcome is LinkOutcome.TOO_MANY_TRIES
    assert honest.retry_at == START + timedelta(hours=1)
    async with db.transaction() as conn:
        assert await invites.audited(conn, "link.brake", START) == 1
        assert any(e.action == "link.brake" for e in await audit.recent(conn))
    after = await link_by_text(
        db, ZALO, "z-honest", code_of["Trần Thị Bình"], None, START + timedelta(hours=1, seconds=1)
    )
    assert after.outcome is LinkOutcome.LINKED


async def test_one_person_links_telegram_then_zalo(db: Database, code_of: dict[str, str]) -> None:
    """A person linked on Telegram links Zalo with a new code; notices follow the last used."""
    target = await person_id(db, "Chi bộ xóm 9", "Trần Thị Bình")
    tg = await linking.link_account(
        db,
        channel="telegram",
        external_id="111",
        code=code_of["Trần Thị Bình"],
        language_code="vi",
        now=START,
    )
    assert tg.outcome is LinkOutcome.LINKED
    second = await linking.issue_invite(db, target, now=START, valid_days=30, actor="test")
    zalo = await link_by_text(
        db, ZALO, "z-1", show_code(second.code), "vi", START + timedelta(minutes=10)
    )
    assert zalo.outcome is LinkOutcome.LINKED
    async with db.transaction() as conn:
        both = await accounts.all_of_person(conn, target)
        assert {a.channel for a in both} == {"telegram", ZALO}
        assert await preferred_channel(conn, target) == ZALO
        await accounts.seen(conn, "telegram", "111", START + timedelta(hours=1))
        assert await preferred_channel(conn, target) == "telegram"
        await accounts.set_reachable(conn, "telegram", "111", False)
        assert await preferred_channel(conn, target) == ZALO


async def test_a_second_account_on_the_same_channel_is_refused(
    db: Database, code_of: dict[str, str]
) -> None:
    """PERSON_TAKEN only when the person already has an account on this very channel."""
    target = await person_id(db, "Chi bộ xóm 9", "Trần Thị Bình")
    await link_by_text(db, ZALO, "z-1", code_of["Trần Thị Bình"], None, START)
    fresh = await linking.issue_invite(db, target, now=START, valid_days=30, actor="test")
    other = await link_by_text(db, ZALO, "z-2", fresh.code, None, START)
    assert other.outcome is LinkOutcome.PERSON_TAKEN
    assert "đã được kết nối với một tài khoản khác" in vi_text(
        other.outcome, name=other.person.full_name if other.person else ""
    )
    telegram = await linking.link_account(
        db, channel="telegram", external_id="5", code=fresh.code, language_code=None, now=START
    )
    assert telegram.outcome is LinkOutcome.LINKED


async def test_old_long_codes_keep_working(db: Database) -> None:
    """A 12-character code issued before the digits still links until it expires."""
    target = await person_id(db, "Chi bộ xóm 10", "Trần Văn Sơn")
    async with db.transaction() as conn:
        await invites.expire_open(conn, target, START - timedelta(seconds=1))
        await conn.execute(
            "INSERT INTO invites (code, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            ("Ab3dE_fGh1jK", target, "2026-11-21T08:00:00+00:00", "2026-12-21T08:00:00+00:00"),
        )
    typed = await link_by_text(db, ZALO, "z-1", "mã Ab3dE_fGh1jK ạ", None, START)
    assert typed.outcome is LinkOutcome.LINKED
    deep = await linking.link_account(
        db, channel="telegram", external_id="7", code="Ab3dE_fGh1jK", language_code=None, now=START
    )
    assert deep.outcome is LinkOutcome.USED


async def test_codes_tried_are_counted_for_the_admin(db: Database) -> None:
    """Every code presented is counted, wrong or not; plain chatter is not."""
    await link_by_text(db, ZALO, "z-1", "1111 2222", None, START)
    await link_by_text(db, ZALO, "z-2", "3333 4444", None, START)
    await link_by_text(db, ZALO, "z-2", "xin chào", None, START)
    async with db.transaction() as conn:
        counts = await invites.try_counts(conn, START - timedelta(hours=1))
        rows = await conn.execute_fetchall(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'link.unknown'"
        )
    assert (counts.tries, counts.wrong, counts.chats) == (2, 2, 2)
    assert next(iter(rows))[0] == 2


@pytest.mark.parametrize(
    "typed",
    ["1 " * 5000, "12 " * 3000, "x" * 10000, "4821 093", "0912 345 678", "/start ' OR 1=1 --"],
)
async def test_long_or_malformed_text_is_answered_and_not_counted(
    db: Database, typed: str
) -> None:
    """Huge or malformed texts are answered at once and link nothing; short ones use no try."""
    result = await link_by_text(db, ZALO, "z-1", typed, None, START)
    assert result.outcome in (LinkOutcome.NO_CODE, LinkOutcome.UNKNOWN)
    async with db.transaction() as conn:
        assert await accounts.get(conn, ZALO, "z-1") is None
        if result.outcome is LinkOutcome.UNKNOWN and len(typed) < 100:
            assert (await invites.try_counts(conn, START)).wrong == 0
