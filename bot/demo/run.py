"""`chibo demo`: scenes of the monthly cycle, printed as chat transcripts."""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from datetime import timedelta
from importlib import resources
from pathlib import Path

from bot.app import build_application, running, utc_now
from bot.config import Config, StorageConfig
from bot.i18n import Catalogs, Translator
from bot.services import linking
from bot.services.org_import import import_org_file
from bot.simulator import FakeTelegram, SimUser, render_transcript
from bot.storage import people, units
from bot.storage.db import Database

TOKEN = "123456:DEMO-TOKEN"  # noqa: S105 - the simulator's, not a secret
BOT_USERNAME = "trolychibo_demo_bot"


def sample_org_file() -> Path:
    """The sample commune shipped with the package."""
    return Path(str(resources.files("bot.demo") / "sample_org.csv"))


async def run_demo(config: Config, out_dir: Path | None = None) -> int:
    """Import the sample commune, then play the scenes; print every transcript."""
    # The transcripts are the output; the bot's routine log lines would only hide them.
    logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    with tempfile.TemporaryDirectory(prefix="chibo-demo-") as tmp:
        folder = out_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        text = await _play(config, folder)
        print(text)
        if out_dir is not None:
            (folder / "transcript.txt").write_text(text, encoding="utf-8")
    return 0


async def _play(config: Config, folder: Path) -> str:
    t = Catalogs(config.bot.default_language).get(None)
    database = folder / "demo.sqlite3"
    database.unlink(missing_ok=True)
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME) as sim:
        config = dataclasses.replace(
            config,
            bot=dataclasses.replace(config.bot, api_base_url=sim.base_url, admins=()),
            storage=StorageConfig(path=str(database)),
        )
        db = await Database.open(database)
        report = await import_org_file(
            db,
            sample_org_file(),
            now=utc_now(),
            with_invites=True,
            invite_days=config.invites.valid_days,
            actor="demo",
        )
        await db.close()
        codes = {row.name: row.code for row in report.invites}
        parts = [
            _heading(
                t,
                t._("Nạp tổ chức mẫu: {n} người, {u} đơn vị.").format(
                    n=len(report.people_added), u=len(report.units_added)
                ),
            )
        ]
        app = build_application(config, TOKEN)
        async with running(app):
            parts += await _scenes(t, sim, app.bot_data.db, codes)
    return "\n\n".join(parts) + "\n"


def _heading(t: Translator, title: str) -> str:
    return f"═══ {title} ═══"


async def _scenes(
    t: Translator, sim: FakeTelegram, db: Database, codes: dict[str, str]
) -> list[str]:
    out: list[str] = []

    def scene(title: str, *users: SimUser) -> None:
        out.append(_heading(t, title))
        out.extend(render_transcript(user) for user in users)
        for user in users:
            user.transcript.clear()

    secretary = sim.user("Nguyễn Văn An", language_code="vi")
    await secretary.send(f"/start {codes['Nguyễn Văn An']}")
    await secretary.send("/trogiup")
    scene(t._("Bí thư chi bộ mở đường link mời của mình"), secretary)

    member = sim.user("Trần Thị Bình", language_code="vi")
    await member.send(f"/start {codes['Trần Thị Bình']}")
    await member.send("/trogiup")
    await member.send("/thanhvien")
    scene(t._("Đảng viên kết nối; lệnh của bí thư không dùng được"), member)

    stranger = sim.user("Lê Văn Lạ", language_code="vi")
    await stranger.send(f"/start {codes['Trần Thị Bình']}")
    await stranger.send("/start")
    await stranger.send("/start abcXYZ123")
    await stranger.send("Xin chào")
    scene(t._("Người lạ thử: mã đã dùng, mã sai, không có mã"), stranger)

    late = await _expired_invite(db, "Chi bộ xóm 9", "Đinh Văn Thắng")
    latecomer = sim.user("Đinh Văn Thắng", language_code="vi")
    await latecomer.send(f"/start {late}")
    scene(t._("Mã mời đã hết hạn"), latecomer)

    await secretary.send("/thanhvien")
    await secretary.send("/moi")
    await secretary.press("Đinh Văn Thắng")
    scene(t._("Bí thư xem danh sách và cấp mã mới cho người chưa kết nối"), secretary)

    cadre = sim.user("Phạm Quốc Cường", language_code="vi")
    await cadre.send(f"/start {codes['Phạm Quốc Cường']}")
    await cadre.send("/help")
    scene(t._("Cấp ủy viên phụ trách chi bộ kết nối"), cadre)

    await member.send("/ngonngu")
    await member.press("🇬🇧 English")
    await member.send("/help")
    last = member.last
    assert last is not None
    await member.press_data(last.message_id, "inv:1")
    scene(t._("Đổi ngôn ngữ; một nút giả mạo không làm được gì"), member)
    return out


async def _expired_invite(db: Database, cell: str, name: str) -> str:
    """An invite issued long ago, as if the member had kept the link too long."""
    async with db.transaction() as conn:
        unit = next(u for u in await units.all_units(conn) if u.name == cell)
        person = await people.find_in_unit(conn, unit.id, name)
    assert person is not None, name
    invite = await linking.issue_invite(
        db, person.id, now=utc_now() - timedelta(days=45), valid_days=30, actor="demo"
    )
    return invite.code
