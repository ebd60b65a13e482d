"""`chibo demo`: scenes of the monthly cycle, printed as chat transcripts."""

from __future__ import annotations

import dataclasses
import logging
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import Channels, running_channels
from bot.config import Config, StorageConfig
from bot.domain.invites import show_code
from bot.i18n import Catalogs, Translator
from bot.services import linking, meetings
from bot.services.org_import import import_org_file
from bot.storage import meetings as meeting_rows
from bot.storage import people, units
from bot.storage.db import Database
from chibo_devtools import telegram as tg
from chibo_devtools import zalo

# The demo's story starts on a fixed day, so its transcript reads the same every time.
STORY_START = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
TOKEN = "123456:DEMO-TOKEN"  # noqa: S105 - the simulator's, not a secret
ZALO_TOKEN = "2718281828459045235:DEMO-ZALO"  # noqa: S105 - the simulator's, not a secret
BOT_USERNAME = "trolychibo_demo_bot"
CHANNELS = ("zalo", "telegram")


def sample_org_file() -> Path:
    """The sample commune shipped with the package."""
    return Path(str(resources.files("chibo_devtools.demo") / "sample_org.csv"))


async def run_demo(
    config: Config, out_dir: Path | None = None, channels: tuple[str, ...] = CHANNELS
) -> int:
    """Import the sample commune, play the scenes on each channel (Zalo first), print every
    transcript; files go to out_dir."""
    # The transcripts are the output; the bot's routine log lines would only hide them.
    logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    folder = out_dir or Path("demo-out")
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n\n".join([await _play(config, folder, channel) for channel in channels])
    print(text)
    (folder / "transcript.txt").write_text(text, encoding="utf-8")
    return 0


async def _play(config: Config, folder: Path, channel: str) -> str:
    t = Catalogs(config.bot.default_language).get(None)
    database = folder / f"demo-{channel}.sqlite3"
    database.unlink(missing_ok=True)
    async with (
        tg.FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME) as tsim,
        zalo.FakeZalo(token=ZALO_TOKEN, max_poll_timeout=0.5) as zsim,
    ):
        port = _free_port()
        config = dataclasses.replace(
            config,
            bot=dataclasses.replace(config.bot, api_base_url=tsim.base_url, admins=()),
            storage=StorageConfig(path=str(database)),
            zalo=dataclasses.replace(
                config.zalo,
                enabled=True,
                api_base_url=zsim.base_url,
                listen=f"127.0.0.1:{port}",
                public_url=f"http://127.0.0.1:{port}",
                max_messages_per_second=0,
            ),
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
        name = "Zalo" if channel == "zalo" else "Telegram"
        parts = [
            _heading(t, t._("Trợ lý Chi bộ trên {channel}").format(channel=name)),
            _heading(
                t,
                t._("Nạp tổ chức mẫu: {n} người, {u} đơn vị.").format(
                    n=len(report.people_added), u=len(report.units_added)
                ),
            ),
        ]
        async with running_channels(
            config,
            telegram_token=TOKEN if channel == "telegram" else "",
            zalo_token=ZALO_TOKEN if channel == "zalo" else "",
            clock=clock.now,
            zalo_poll_timeout=1,
        ) as running:
            stage = Stage(channel, running, tsim, zsim)
            parts += await _scenes(t, stage, codes, clock, folder)
    return "\n\n".join(parts) + "\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ----- one person on either channel, as the scenes drive them ---------------------------------

_NUMBERED = "Trả lời bằng số:"
_CHOICE = re.compile(r"(\d+)\. (.+?)(?=\s{2}\d+\. |\n|$)")


@dataclass
class Person:
    """A simulated person on Telegram (buttons) or Zalo (numbered choices)."""

    channel: str
    tg_user: tg.SimUser | None = None
    zalo_user: zalo.SimUser | None = None

    @property
    def _tg(self) -> tg.SimUser:
        assert self.tg_user is not None
        return self.tg_user

    @property
    def _zalo(self) -> zalo.SimUser:
        assert self.zalo_user is not None
        return self.zalo_user

    async def link(self, code: str) -> None:
        """Open the invite link (Telegram) or type the code (Zalo)."""
        if self.zalo_user is not None:
            await self._zalo.send(show_code(code))
        else:
            await self._tg.send(f"/start {code}")

    async def send(self, text: str) -> None:
        """Send a text."""
        if self.zalo_user is not None:
            await self._zalo.send(text)
        else:
            await self._tg.send(text)

    async def reply(self, text: str) -> None:
        """Answer what the bot just asked (Telegram: as a reply to its message)."""
        if self.zalo_user is not None:
            await self._zalo.send(text)
        else:
            await self._tg.send(text, reply_to=self._tg.last)

    async def press(self, label: str) -> None:
        """Pick a choice: press its button, or send its number (a scorecard's points and
        choices by their words, since numbers there are points)."""
        if self.zalo_user is None:
            await self._tg.press(label)
            return
        if "Tiêu chí" in self.text or "Tổng:" in self.text:
            await self._zalo.send(label)
            return
        choices = {shown.strip(): number for number, shown in self._choices()}
        await self._zalo.send(choices[label])

    async def forge(self) -> None:
        """A choice the bot never offered (Telegram: forged button data; Zalo: a wild number)."""
        if self.zalo_user is None:
            last = self._tg.last
            assert last is not None
            await self._tg.press_data(last.message_id, "inv:1")
        else:
            await self._zalo.send("99")

    def _offer(self) -> str:
        for message in reversed(self._zalo.messages):
            if _NUMBERED in message.content:
                return message.content.rsplit(_NUMBERED, 1)[1]
        return ""

    def _choices(self) -> list[tuple[str, str]]:
        return _CHOICE.findall(self._offer())

    @property
    def text(self) -> str:
        """The bot's last message."""
        if self.zalo_user is not None:
            return self._zalo.last_text or ""
        last = self._tg.last
        return (last.text or "") if last is not None else ""

    @property
    def labels(self) -> list[str]:
        """The choices now offered."""
        if self.zalo_user is not None:
            return [shown.strip() for _, shown in self._choices()]
        last = self._tg.last
        return last.labels if last is not None else []

    @property
    def photo(self) -> bytes | None:
        """The last picture the bot sent."""
        if self.zalo_user is not None:
            for message in reversed(self._zalo.messages):
                if message.photo is not None and message.photo.fetched:
                    return message.photo.data
            return None
        for tg_message in reversed(self._tg.messages):
            if tg_message.photo is not None:
                return tg_message.photo.data
        return None

    def transcript(self) -> str:
        """The chat log so far, then forgotten."""
        if self.zalo_user is not None:
            text = zalo.render_transcript(self._zalo)
            self._zalo.transcript.clear()
        else:
            text = tg.render_transcript(self._tg)
            self._tg.transcript.clear()
        return text

    def forget(self) -> None:
        """Drop the chat log so far."""
        (self.zalo_user or self._tg).transcript.clear()


@dataclass
class Stage:
    """The channel the story is told on: its simulator, people and the running bot."""

    channel: str
    running: Channels
    tsim: tg.FakeTelegram
    zsim: zalo.FakeZalo

    def person(self, name: str) -> Person:
        """A new person on this channel."""
        if self.channel == "zalo":
            return Person(self.channel, zalo_user=self.zsim.user(name))
        return Person(self.channel, tg_user=self.tsim.user(name, language_code="vi"))

    @property
    def db(self) -> Database:
        """The bot's database."""
        return self.running.core.db

    async def quiet(self) -> None:
        """Wait until the bot has gone quiet."""
        if self.channel == "zalo":
            await self.zsim.wait_quiet()
        else:
            await self.tsim.wait_quiet()


def _heading(t: Translator, title: str) -> str:
    return f"═══ {title} ═══"


class DemoClock:
    """The story's time: it moves only when a scene says so."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        """The story's current moment."""
        return self.moment


def _scene_writer(t: Translator, out: list[str]) -> Callable[..., None]:
    def scene(title: str, *users: Person) -> None:
        out.append(_heading(t, title))
        out.extend(user.transcript() for user in users)

    return scene


async def _scenes(
    t: Translator,
    stage: Stage,
    codes: dict[str, str],
    clock: DemoClock,
    folder: Path,
) -> list[str]:
    out: list[str] = []
    db = stage.db
    scene = _scene_writer(t, out)

    secretary = stage.person("Nguyễn Văn An")
    await secretary.link(codes["Nguyễn Văn An"])
    await secretary.send("/trogiup")
    scene(t._("Bí thư chi bộ mở đường link mời của mình"), secretary)

    member = stage.person("Trần Thị Bình")
    await member.link(codes["Trần Thị Bình"])
    await member.send("/trogiup")
    await member.send("/thanhvien")
    scene(t._("Đảng viên kết nối; lệnh của bí thư không dùng được"), member)

    stranger = stage.person("Lê Văn Lạ")
    await stranger.link(codes["Trần Thị Bình"])
    await stranger.send("/start")
    await stranger.send("/start abcXYZ123")
    await stranger.send("Xin chào")
    scene(t._("Người lạ thử: mã đã dùng, mã sai, không có mã"), stranger)

    late = await _expired_invite(db, "Chi bộ xóm 9", "Đinh Văn Thắng", clock.now())
    latecomer = stage.person("Đinh Văn Thắng")
    await latecomer.link(late)
    scene(t._("Mã mời đã hết hạn"), latecomer)

    await secretary.send("/thanhvien")
    await secretary.send("/moi")
    await secretary.press("Đinh Văn Thắng")
    scene(t._("Bí thư xem danh sách và cấp mã mới cho người chưa kết nối"), secretary)

    cadre = stage.person("Phạm Quốc Cường")
    await cadre.link(codes["Phạm Quốc Cường"])
    await cadre.send("/help")
    scene(t._("Cấp ủy viên phụ trách chi bộ kết nối"), cadre)

    await member.send("/ngonngu")
    await member.press("🇬🇧 English")
    await member.send("/help")
    await member.forge()
    await member.send("/language")
    await member.press("🇻🇳 Tiếng Việt")
    scene(t._("Đổi ngôn ngữ; một nút giả mạo không làm được gì"), member)

    out += await _meeting_scenes(t, stage, codes, clock, secretary, member, cadre, folder)
    out += await _big_cell_scene(t, stage, clock, folder)
    return out


# A city cell of 171 members: the roll-call shows the counts and one page of names at a time.
BIG_CELL = "Đảng bộ phường Trung Tâm / Chi bộ khu phố 5"
_HO = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ")
_DEM = ("Văn", "Thị", "Minh", "Quang", "Thu", "Hữu")
_TEN = ("An", "Bình", "Cường", "Dung")


async def _big_cell_scene(
    t: Translator, stage: Stage, clock: DemoClock, folder: Path
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
    db = stage.db
    report = await import_org_file(
        db, path, now=clock.now(), with_invites=True, invite_days=30, actor="demo"
    )
    await meetings.ensure_upcoming(db, stage.running.core.rules, clock.now())
    async with db.transaction() as conn:
        unit = next(u for u in await units.all_units(conn) if BIG_CELL.endswith(u.name))
        ahead = await meeting_rows.upcoming(conn, unit.id, clock.now())
    clock.moment = ahead[0].starts_at + timedelta(minutes=5)
    code = next(row.code for row in report.invites if row.name == names[0])
    secretary = stage.person(names[0])
    await secretary.link(code)
    secretary.forget()
    await secretary.send("/diemdanh")
    title = t._("Chi bộ đông đảng viên (171 người): điểm danh từng trang, số liệu luôn ở đầu")
    return [_heading(t, title), secretary.transcript()]


async def _meeting_scenes(
    t: Translator,
    stage: Stage,
    codes: dict[str, str],
    clock: DemoClock,
    secretary: Person,
    member: Person,
    cadre: Person,
    folder: Path,
) -> list[str]:
    out: list[str] = []
    scene = _scene_writer(t, out)

    others = {}
    for name in ("Lê Thị Mai", "Phạm Văn Dũng", "Vũ Văn Hùng", "Hoàng Văn Tuấn"):
        others[name] = stage.person(name)
        await others[name].link(codes[name])
        others[name].forget()

    await member.send("/lichhop")
    scene(t._("Đảng viên xem lịch sinh hoạt sắp tới"), member)

    # Three days before the meeting on 3 December at 19:30.
    clock.moment = datetime(2026, 11, 30, 19, 30, tzinfo=STORY_START.tzinfo)
    await _deliver(stage, clock)
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
    await _deliver(stage, clock)
    scene(
        t._("Bí thư dời buổi sinh hoạt; ai đã nhận thông báo đều được báo lại"), secretary, member
    )
    out += await _room_scenes(t, stage, clock, secretary, member, cadre, folder)
    return out


async def _room_scenes(
    t: Translator,
    stage: Stage,
    clock: DemoClock,
    secretary: Person,
    member: Person,
    cadre: Person,
    folder: Path,
) -> list[str]:
    out: list[str] = []
    scene = _scene_writer(t, out)

    cadre.forget()
    # The evening of the moved meeting, 5 December, a few minutes after 19:30.
    clock.moment = datetime(2026, 12, 5, 19, 35, tzinfo=STORY_START.tzinfo)
    await secretary.send("/diemdanh")
    await secretary.press("❌ Nguyễn Văn An")
    await secretary.press("▶")
    await secretary.press("✔️ Đóng điểm danh")
    scene(t._("Điểm danh tại buổi họp: một tin nhắn, bấm tên để đổi, rồi đóng"), secretary)

    await _deliver(stage, clock)
    await member.press("Tốt")
    await member.reply("Buổi họp ngắn gọn, đúng giờ.")
    scene(t._("Đảng viên có mặt đánh giá buổi sinh hoạt"), member)

    clock.moment = datetime(2026, 12, 5, 21, 10, tzinfo=STORY_START.tzinfo)
    if stage.channel == "zalo":
        # The roll-call's choices are no longer the last offer (a rating came since): on Zalo
        # the secretary opens the roll-call again, where Telegram presses the old message.
        await secretary.send("/diemdanh")
    await secretary.press("🏁 Kết thúc buổi họp")
    scene(t._("Kết thúc buổi họp: phần mở đầu nghị quyết để dán vào biên bản"), secretary)

    await secretary.send("/chamdiem")
    await secretary.send("năm")
    await secretary.send("5")
    scene(t._("Bí thư chấm điểm: gợi ý từ điểm danh, gõ sai được hỏi lại"), secretary)
    for _ in range(40):
        if "Tổng:" in secretary.text:
            break
        labels = secretary.labels
        hint = [label for label in labels if label.startswith(t._("Dùng gợi ý"))]
        await secretary.press(hint[0] if hint else labels[0])
    secretary.forget()
    await secretary.send("/chamdiem")
    await secretary.press("✔️ Xác nhận")
    scene(t._("Tổng điểm, xếp loại và xác nhận"), secretary)

    await _deliver(stage, clock)
    scene(
        t._("Cấp ủy viên phụ trách nhận kết quả buổi sinh hoạt và lưu ý về quy định tham dự"),
        cadre,
    )

    # The monthly digest, on the configured day of the next month.
    clock.moment = datetime(2027, 1, 10, 8, 0, tzinfo=STORY_START.tzinfo)
    await stage.running.plan_now()
    await stage.quiet()
    chart = cadre.photo
    scene(t._("Báo cáo tháng gửi cấp ủy viên phụ trách, kèm biểu đồ"), cadre)
    if chart is not None:
        path = folder / "bao-cao-thang-12-2026.png"
        path.write_bytes(chart)
        out.append(t._("  (Biểu đồ trong báo cáo tháng đã lưu vào {path})").format(path=path))

    await member.send("/kiennghi Đề nghị chi bộ đề xuất sửa đèn đường ngõ 3 trước Tết.")
    await secretary.press("⬆️ Chuyển cấp trên")
    await cadre.press("✍️ Trả lời")
    await cadre.reply(
        "Đảng ủy xã đã giao UBND xã sửa trong tháng 1; đồng chí báo lại nếu chưa xong."
    )
    await member.send("/kiennghi")
    scene(
        t._("Kiến nghị: đảng viên gửi, bí thư chuyển lên, cấp ủy viên trả lời"),
        member,
        secretary,
        cadre,
    )
    return out


async def _deliver(stage: Stage, clock: DemoClock) -> None:
    """Send what is due, as the outbox job would, letting the story's clock run a minute."""
    for _ in range(2):
        await stage.running.deliver_due()
        await stage.quiet()
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
