"""`chibo demo`: scenes of the monthly cycle, printed as chat transcripts."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import ChiboApp, build_application, deliver_due, plan_now, running
from bot.config import Config, StorageConfig
from bot.i18n import Catalogs, Translator
from bot.services import linking, meetings
from bot.services.org_import import import_org_file
from bot.storage import meetings as meeting_rows
from bot.storage import people, units
from bot.storage.db import Database
from chibo_devtools.telegram import FakeTelegram, SimUser, render_transcript

# The demo's story starts on a fixed day, so its transcript reads the same every time.
STORY_START = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
TOKEN = "123456:DEMO-TOKEN"  # noqa: S105 - the simulator's, not a secret
BOT_USERNAME = "trolychibo_demo_bot"


def sample_org_file() -> Path:
    """The sample commune shipped with the package."""
    return Path(str(resources.files("chibo_devtools.demo") / "sample_org.csv"))


async def run_demo(config: Config, out_dir: Path | None = None) -> int:
    """Import the sample commune, play the scenes, print every transcript; files go to out_dir."""
    # The transcripts are the output; the bot's routine log lines would only hide them.
    logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    folder = out_dir or Path("demo-out")
    folder.mkdir(parents=True, exist_ok=True)
    text = await _play(config, folder)
    print(text)
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
        clock = DemoClock(STORY_START)
        db = await Database.open(database)
        report = await import_org_file(
            db,
            sample_org_file(),
            now=clock.now(),
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
        app = build_application(config, TOKEN, clock=clock.now)
        async with running(app):
            parts += await _scenes(t, sim, app, codes, clock, folder)
    return "\n\n".join(parts) + "\n"


def _heading(t: Translator, title: str) -> str:
    return f"═══ {title} ═══"


class DemoClock:
    """The story's time: it moves only when a scene says so."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        """The story's current moment."""
        return self.moment


async def _scenes(
    t: Translator,
    sim: FakeTelegram,
    app: ChiboApp,
    codes: dict[str, str],
    clock: DemoClock,
    folder: Path,
) -> list[str]:
    out: list[str] = []
    db = app.bot_data.db

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

    late = await _expired_invite(db, "Chi bộ xóm 9", "Đinh Văn Thắng", clock.now())
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
    await member.send("/language")
    await member.press("🇻🇳 Tiếng Việt")
    scene(t._("Đổi ngôn ngữ; một nút giả mạo không làm được gì"), member)

    out += await _meeting_scenes(t, sim, app, codes, clock, secretary, member, cadre, folder)
    out += await _big_cell_scene(t, sim, app, clock, folder)
    return out


# A city cell of 171 members: the roll-call shows the counts and one page of names at a time.
BIG_CELL = "Đảng bộ phường Trung Tâm / Chi bộ khu phố 5"
_HO = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ")
_DEM = ("Văn", "Thị", "Minh", "Quang", "Thu", "Hữu")
_TEN = ("An", "Bình", "Cường", "Dung")


async def _big_cell_scene(
    t: Translator, sim: FakeTelegram, app: ChiboApp, clock: DemoClock, folder: Path
) -> list[str]:
    names = ["Trịnh Minh Khoa"]
    names += [f"{ho} {dem} {ten}" for ho in _HO for dem in _DEM for ten in _TEN][:170]
    path = folder / "chi-bo-khu-pho-5.csv"
    rows = ["đơn vị,họ và tên,vai trò,điện thoại,trạng thái,phụ trách"]
    rows += [
        f"{BIG_CELL},{name},{'bí thư' if i == 0 else 'đảng viên'},,,"
        for i, name in enumerate(names)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = app.bot_data.db
    report = await import_org_file(
        db, path, now=clock.now(), with_invites=True, invite_days=30, actor="demo"
    )
    await meetings.ensure_upcoming(db, app.bot_data.rules, clock.now())
    async with db.transaction() as conn:
        unit = next(u for u in await units.all_units(conn) if BIG_CELL.endswith(u.name))
        ahead = await meeting_rows.upcoming(conn, unit.id, clock.now())
    clock.moment = ahead[0].starts_at + timedelta(minutes=5)
    code = next(row.code for row in report.invites if row.name == names[0])
    secretary = sim.user(names[0], language_code="vi")
    await secretary.send(f"/start {code}")
    secretary.transcript.clear()
    await secretary.send("/diemdanh")
    title = t._("Chi bộ đông đảng viên (171 người): điểm danh từng trang, số liệu luôn ở đầu")
    return [_heading(t, title), render_transcript(secretary)]


async def _meeting_scenes(
    t: Translator,
    sim: FakeTelegram,
    app: ChiboApp,
    codes: dict[str, str],
    clock: DemoClock,
    secretary: SimUser,
    member: SimUser,
    cadre: SimUser,
    folder: Path,
) -> list[str]:
    out: list[str] = []

    def scene(title: str, *users: SimUser) -> None:
        out.append(_heading(t, title))
        out.extend(render_transcript(user) for user in users)
        for user in users:
            user.transcript.clear()

    others = {}
    for name in ("Lê Thị Mai", "Phạm Văn Dũng", "Vũ Văn Hùng", "Hoàng Văn Tuấn"):
        others[name] = sim.user(name)
        await others[name].send(f"/start {codes[name]}")
        others[name].transcript.clear()

    await member.send("/lichhop")
    scene(t._("Đảng viên xem lịch sinh hoạt sắp tới"), member)

    # Three days before the meeting on 3 December at 19:30.
    clock.moment = datetime(2026, 11, 30, 19, 30, tzinfo=STORY_START.tzinfo)
    await _deliver(app, sim, clock)
    scene(t._("Ba ngày trước: thông báo đến đảng viên và cấp ủy viên phụ trách"), member, cadre)

    await member.press("✅ Tham dự")
    await others["Lê Thị Mai"].send("xin vang vi om")
    await others["Phạm Văn Dũng"].send("k dc")
    await others["Phạm Văn Dũng"].send("đi công tác Hà Nội không về kịp")
    await others["Vũ Văn Hùng"].send("để em xem lịch đã")  # a deferral: nothing recorded
    await others["Vũ Văn Hùng"].send("ko di dc")
    await others["Vũ Văn Hùng"].send("à thôi em sắp xếp đi được")  # a change of mind
    await others["Hoàng Văn Tuấn"].press("🙏 Xin vắng")
    await others["Hoàng Văn Tuấn"].press("Việc gia đình")
    scene(
        t._("Đảng viên trả lời bằng nút hoặc bằng lời, có dấu hay không dấu"),
        member,
        *others.values(),
    )

    await secretary.send("/lichhop")
    await secretary.press("📋 Danh sách trả lời")
    scene(t._("Bí thư xem ai tham dự, ai vắng và lý do, ai cần gọi điện"), secretary)

    await secretary.send("/lichhop 05/12 19:30 Hội trường xóm 9")
    await secretary.send("/lichhop 31/02 19:30")
    await _deliver(app, sim, clock)
    scene(
        t._("Bí thư dời buổi sinh hoạt; ai đã nhận thông báo đều được báo lại"), secretary, member
    )
    out += await _room_scenes(t, sim, app, clock, secretary, member, cadre, folder)
    return out


async def _room_scenes(
    t: Translator,
    sim: FakeTelegram,
    app: ChiboApp,
    clock: DemoClock,
    secretary: SimUser,
    member: SimUser,
    cadre: SimUser,
    folder: Path,
) -> list[str]:
    out: list[str] = []

    def scene(title: str, *users: SimUser) -> None:
        out.append(_heading(t, title))
        out.extend(render_transcript(user) for user in users)
        for user in users:
            user.transcript.clear()

    cadre.transcript.clear()
    # The evening of the moved meeting, 5 December, a few minutes after 19:30.
    clock.moment = datetime(2026, 12, 5, 19, 35, tzinfo=STORY_START.tzinfo)
    await secretary.send("/diemdanh")
    await secretary.press("❌ Nguyễn Văn An")
    await secretary.press("▶")
    await secretary.press("✔️ Đóng điểm danh")
    scene(t._("Điểm danh tại buổi họp: một tin nhắn, bấm tên để đổi, rồi đóng"), secretary)

    await _deliver(app, sim, clock)
    await member.press("Tốt")
    await member.send("Buổi họp ngắn gọn, đúng giờ.", reply_to=member.last)
    scene(t._("Đảng viên có mặt đánh giá buổi sinh hoạt"), member)

    clock.moment = datetime(2026, 12, 5, 21, 10, tzinfo=STORY_START.tzinfo)
    await secretary.press("🏁 Kết thúc buổi họp")
    scene(t._("Kết thúc buổi họp: phần mở đầu nghị quyết để dán vào biên bản"), secretary)

    await secretary.send("/chamdiem")
    await secretary.send("năm")
    await secretary.send("5")
    scene(t._("Bí thư chấm điểm: gợi ý từ điểm danh, gõ sai được hỏi lại"), secretary)
    for _ in range(40):
        shown = secretary.last
        if shown is None or "Tổng:" in (shown.text or ""):
            break
        hint = [label for label in shown.labels if label.startswith(t._("Dùng gợi ý"))]
        await secretary.press(hint[0] if hint else shown.labels[0])
    secretary.transcript.clear()
    await secretary.send("/chamdiem")
    await secretary.press("✔️ Xác nhận")
    scene(t._("Tổng điểm, xếp loại và xác nhận"), secretary)

    await _deliver(app, sim, clock)
    scene(
        t._("Cấp ủy viên phụ trách nhận kết quả buổi sinh hoạt và lưu ý về quy định tham dự"),
        cadre,
    )

    # The monthly digest, on the configured day of the next month.
    clock.moment = datetime(2027, 1, 10, 8, 0, tzinfo=STORY_START.tzinfo)
    await plan_now(app)
    await sim.wait_quiet()
    chart = next((m.photo for m in reversed(cadre.messages) if m.photo is not None), None)
    scene(t._("Báo cáo tháng gửi cấp ủy viên phụ trách, kèm biểu đồ"), cadre)
    if chart is not None:
        path = folder / "bao-cao-thang-12-2026.png"
        path.write_bytes(chart.data)
        out.append(t._("  (Biểu đồ trong báo cáo tháng đã lưu vào {path})").format(path=path))

    await member.send("/kiennghi Đề nghị chi bộ đề xuất sửa đèn đường ngõ 3 trước Tết.")
    await secretary.press("⬆️ Chuyển cấp trên")
    await cadre.press("✍️ Trả lời")
    await cadre.send(
        "Đảng ủy xã đã giao UBND xã sửa trong tháng 1; đồng chí báo lại nếu chưa xong.",
        reply_to=cadre.last,
    )
    await member.send("/kiennghi")
    scene(
        t._("Kiến nghị: đảng viên gửi, bí thư chuyển lên, cấp ủy viên trả lời"),
        member,
        secretary,
        cadre,
    )
    return out


async def _deliver(app: ChiboApp, sim: FakeTelegram, clock: DemoClock) -> None:
    """Send what is due, as the outbox job would, letting the story's clock run a minute."""
    for _ in range(2):
        await deliver_due(app)
        await sim.wait_quiet()
        # A second notice to the same person waits a second (one message a second per chat).
        clock.moment += timedelta(minutes=1)


async def _expired_invite(db: Database, cell: str, name: str, now: datetime) -> str:
    """An invite issued long ago, as if the member had kept the link too long."""
    async with db.transaction() as conn:
        unit = next(u for u in await units.all_units(conn) if u.name == cell)
        person = await people.find_in_unit(conn, unit.id, name)
    assert person is not None, name
    invite = await linking.issue_invite(
        db, person.id, now=now - timedelta(days=45), valid_days=30, actor="demo"
    )
    return invite.code
