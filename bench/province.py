"""Benchmark: the monthly digest at province scale.

A synthetic province (by default 150,000 members in 7,000 cells under 117 communes) with twelve
months of history written straight into the database in the shape the bot writes it: held
meetings, roll-calls, answers, scorecards, ratings, flags, kiến nghị and the notice outbox.
Then: how long one commune's and the whole province's monthly digest take to build in-process
with the bot's own functions, how big the database is, and the real `chibo run` process
delivering last month's digest to every cadre (time, and peak memory against 300 MB).
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import pgserver, synth
from bench.harness import TOKEN, BotProcess, write_config
from bot.charts import digest_chart
from bot.config import load_config
from bot.domain.models import Unit
from bot.domain.rules import (
    Attendance,
    Flag,
    FlagKind,
    MeetingRecord,
    diff,
    meeting_flags,
    member_flags,
)
from bot.domain.scorecard import Card, Evidence, default_card, suggest
from bot.domain.scorecard import total as card_total
from bot.i18n import Catalogs, Translator
from bot.services import meetings, reports, rollcall
from bot.services.meetings import Rules
from bot.storage.db import Database
from bot.views.digest import chart_labels, chart_title, monthly_digest
from bot.views.reports import rendered
from chibo_devtools.telegram import FakeTelegram, SimUser

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE_CADRE = "Trần Quang Tỉnh"
DIGEST_MARK = "BÁO CÁO SINH HOẠT CHI BỘ THÁNG"
MEMORY_TARGET_MB = 300
HISTORY_MONTHS = 12
# The production defaults the history was "lived" under: meetings on the 3rd at 19:30,
# reminders 3 days, 1 day and 2 hours ahead, digests on the 10th.
HISTORY_DAY, HISTORY_TIME = 3, (19, 30)
HISTORY_OFFSETS = (3 * 24 * 60, 24 * 60, 120)
HISTORY_DIGEST_DAY = 10
PLACE = "Nhà văn hóa"
# Share of ordinary members exempt from meetings (miễn sinh hoạt: age, health).
EXEMPT_SHARE = 0.04
# Members' habits: (share of members, chance of missing a meeting).
HABITS = ((0.85, 0.05), (0.12, 0.15), (0.03, 0.40))
UNEXCUSED_SHARE = 0.15  # of absences, those without a reason
SELF_SCORED = 0.95  # held meetings the cell scored itself
UPPER_SCORED = 0.20  # held meetings the commune's cadre scored too
RATED = 0.55  # present members who answer the rating question
PETITION_CHANCE = 0.08  # chance a cell raises a kiến nghị in a month
REASONS = (
    ("sick", "Ốm"),
    ("sick", "Đi khám bệnh"),
    ("sick", "Nằm viện"),
    ("work", "Đi công tác"),
    ("work", "Trực cơ quan"),
    ("work", "Đi công tác tỉnh ngoài"),
    ("family", "Việc gia đình"),
    ("family", "Con ốm"),
    ("family", "Đám cưới người nhà"),
    ("away", "Đi làm ăn xa"),
    ("away", "Đi làm ở Thành phố Hồ Chí Minh"),
    ("other", "Bận việc đột xuất"),
)
PETITIONS = (
    "Đề nghị chi bộ sớm sửa đường liên thôn đoạn qua xóm",
    "Đề nghị phổ biến kỹ hơn nghị quyết mới của Đảng ủy xã",
    "Kiến nghị xem xét lại việc thu đảng phí qua ngân hàng",
    "Đề nghị tổ chức sinh hoạt chuyên đề về chuyển đổi số",
    "Đề nghị quan tâm hộ nghèo trong thôn dịp cuối năm",
    "Kiến nghị về tình trạng ô nhiễm ở khu chăn nuôi tập trung",
)
TEXT_ANSWERS = ("có", "co a", "vâng em sẽ đến", "ok", "dạ có ạ")


def _print(line: str) -> None:
    print(f"[province] {line}", flush=True)


def _mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


# --- The organisation as the history needs it -------------------------------------------------


@dataclass
class Cell:
    """A cell with the people who matter to its history."""

    unit_id: int
    leaders: list[int]  # secretary, deputy
    scorer: int  # the secretary
    members: list[tuple[int, bool, float]]  # (person id, takes part, chance of missing)
    cadres: list[int]  # everyone following the cell (commune cadre, province cadre)
    quality: float  # 0.3–1.0: how well this cell scores
    records: dict[int, list[MeetingRecord]] = field(default_factory=dict)  # by year
    open_flags: set[str] = field(default_factory=set)


def _organisation(conn: sqlite3.Connection, rng: random.Random) -> list[Cell]:
    """Read cells, members and cadres; mark a few ordinary members exempt (miễn sinh hoạt)."""
    members = conn.execute(
        "SELECT person_id FROM memberships WHERE role = 'member' ORDER BY person_id"
    ).fetchall()
    exempt = [(pid,) for (pid,) in members if rng.random() < EXEMPT_SHARE]
    conn.executemany("UPDATE memberships SET status = 'exempt' WHERE person_id = ?", exempt)
    parents = dict(conn.execute("SELECT id, parent_id FROM units").fetchall())
    following: dict[int, list[int]] = {}
    for person_id, unit_id in conn.execute(
        "SELECT person_id, unit_id FROM cadre_assignments ORDER BY person_id"
    ):
        following.setdefault(unit_id, []).append(person_id)
    cells: dict[int, Cell] = {}
    for person_id, unit_id, role, status in conn.execute(
        "SELECT person_id, unit_id, role, status FROM memberships WHERE role <> 'cadre' "
        "ORDER BY unit_id, person_id"
    ):
        cell = cells.get(unit_id)
        if cell is None:
            cadres: list[int] = []
            above: int | None = unit_id
            while above is not None:
                cadres += following.get(above, [])
                above = parents.get(above)
            # Most cells good (Tốt, Khá), some middling, a very few weak (Kém).
            quality = 1.0 - 0.45 * rng.random() ** 2.5
            if rng.random() < 0.02:
                quality = 0.3 + 0.15 * rng.random()
            cell = Cell(unit_id, [], 0, [], sorted(set(cadres)), quality)
            cells[unit_id] = cell
        if role == "secretary":
            cell.scorer = person_id
        if role in ("secretary", "deputy") and status == "active":
            cell.leaders.append(person_id)
        habit = rng.random()
        chance = HABITS[-1][1]
        for share, missing in HABITS:
            if habit < share:
                chance = missing
                break
            habit -= share
        cell.members.append((person_id, status == "active", chance))
    return [cells[k] for k in sorted(cells)]


# --- Twelve months of history -----------------------------------------------------------------


def history_months(now: datetime, count: int = HISTORY_MONTHS) -> list[str]:
    """The `count` full months before the current one (local time), oldest first."""
    month = now.astimezone(VN).strftime("%Y-%m")
    found = []
    for _ in range(count):
        month = reports.previous_month(month)
        found.append(month)
    return found[::-1]


def _local(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN).astimezone(UTC)


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass
class Rows:
    """One month's rows, table by table, ready for executemany."""

    meetings: list[tuple[Any, ...]] = field(default_factory=list)
    attendance: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[tuple[Any, ...]] = field(default_factory=list)
    answer_history: list[tuple[Any, ...]] = field(default_factory=list)
    scores: list[tuple[Any, ...]] = field(default_factory=list)
    cards: list[tuple[Any, ...]] = field(default_factory=list)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)
    flags: list[tuple[Any, ...]] = field(default_factory=list)
    cleared: list[tuple[Any, ...]] = field(default_factory=list)
    notices: list[tuple[Any, ...]] = field(default_factory=list)
    petitions: list[tuple[Any, ...]] = field(default_factory=list)
    petition_notices: list[tuple[Any, ...]] = field(default_factory=list)

    def count(self) -> int:
        """Rows in every table."""
        return sum(len(v) for v in vars(self).values())


_INSERTS = {
    "meetings": "INSERT INTO meetings (id, unit_id, kind, month, starts_at, place, topic, status, "
    "cancel_reason, revision, created_at, updated_at, started_at, rollcall_closed_at, ended_at) "
    "VALUES (?, ?, 'regular', ?, ?, ?, '', 'scheduled', '', 1, ?, ?, ?, ?, ?)",
    "attendance": "INSERT INTO attendance (meeting_id, person_id, status, reason) "
    "VALUES (?, ?, ?, ?)",
    "answers": "INSERT INTO answers (meeting_id, person_id, intent, reason_kind, reason_text, "
    "via, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "answer_history": "INSERT INTO answer_history (meeting_id, person_id, intent, reason_kind, "
    "reason_text, via, raw_text, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "scores": "INSERT INTO scores (meeting_id, board, criterion, points) VALUES (?, ?, ?, ?)",
    "cards": "INSERT INTO score_cards (meeting_id, board, scorer_id, position, total, grade, "
    "confirmed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "ratings": "INSERT INTO ratings (meeting_id, person_id, rating, comment, rated_at) "
    "VALUES (?, ?, ?, ?, ?)",
    "cleared": "UPDATE flags SET cleared_at = ? WHERE key = ?",
    "flags": "INSERT INTO flags (key, unit_id, kind, person_id, meeting_id, params, raised_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET cleared_at = NULL",
    "notices": "INSERT INTO notices (meeting_id, person_id, purpose, revision, offset_minutes, "
    "due_at, state, attempts, sent_at, message_id, ref) "
    "VALUES (?, ?, ?, 1, ?, ?, 'sent', 1, ?, ?, ?)",
    "petitions": "INSERT INTO petitions (id, unit_id, person_id, text, status, created_at, "
    "escalated_at, answered_at, answer, answered_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    # The kiến nghị messages share the one outbox: no meeting, the kiến nghị's id as `ref`.
    "petition_notices": "INSERT INTO notices (meeting_id, person_id, purpose, ref, due_at, "
    "state, attempts, sent_at) VALUES (NULL, ?, ?, ?, ?, 'sent', 1, ?)",
}


class History:
    """Writes the months one by one, the way the bot would have written them."""

    def __init__(self, cells: list[Cell], card: Card, rng: random.Random, outbox: bool) -> None:
        self.cells = cells
        self.card = card
        self.rng = rng
        self.outbox = outbox
        self.criteria = card.applicable(False)
        self.out_of = card.applicable_max(False)
        self.meeting_id = 0
        self.petition_id = 0
        self.message_id = 0
        self.grades: Counter[str] = Counter()

    def _message(self) -> str:
        self.message_id += 1
        return str(self.message_id)

    def month(self, month: str, last: bool) -> Rows:
        """Every cell's meeting of one month, with what followed it."""
        rows = Rows()
        year, number = (int(p) for p in month.split("-"))
        held_on = date(year, number, HISTORY_DAY)
        start = _local(held_on, *HISTORY_TIME)
        for cell in self.cells:
            self._meeting(rows, cell, month, start, held_on)
            self._petition(rows, cell, start, last)
        return rows

    def _meeting(self, rows: Rows, cell: Cell, month: str, start: datetime, held_on: date) -> None:
        rng = self.rng
        self.meeting_id += 1
        mid = self.meeting_id
        opened = start + timedelta(minutes=rng.randrange(0, 16))
        closed = opened + timedelta(minutes=rng.randrange(5, 21))
        roll = rng.random()
        minutes = (
            rng.randrange(90, 131)
            if roll < 0.8
            else rng.randrange(75, 90)
            if roll < 0.95
            else rng.randrange(55, 75)
        )
        ended = opened + timedelta(minutes=minutes)
        created = start - timedelta(days=27)
        rows.meetings.append(
            (mid, cell.unit_id, month, _ts(start), PLACE, _ts(created), _ts(created),
             _ts(opened), _ts(closed), _ts(ended))
        )  # fmt: skip
        marks: dict[int, Attendance] = {}
        invitees = []
        present = []
        unanswered = []
        for person_id, takes_part, missing in cell.members:
            if not takes_part:
                marks[person_id] = Attendance.EXEMPT
                rows.attendance.append((mid, person_id, "exempt", ""))
                continue
            invitees.append(person_id)
            answered_at = start - timedelta(minutes=rng.randrange(30, 3 * 24 * 60))
            if rng.random() >= missing:
                marks[person_id] = Attendance.PRESENT
                present.append(person_id)
                rows.attendance.append((mid, person_id, "present", ""))
                if rng.random() < 0.85:
                    self._answer(rows, mid, person_id, "attend", None, None, answered_at)
                else:
                    unanswered.append(person_id)  # marked present at the roll-call
            elif rng.random() >= UNEXCUSED_SHARE:
                kind, words = rng.choice(REASONS)
                marks[person_id] = Attendance.EXCUSED
                rows.attendance.append((mid, person_id, "excused", words))
                if rng.random() < 0.9:
                    self._answer(rows, mid, person_id, "absent", kind, words, answered_at)
                else:
                    unanswered.append(person_id)  # excused by the secretary at the roll-call
            else:
                marks[person_id] = Attendance.UNEXCUSED
                rows.attendance.append((mid, person_id, "unexcused", ""))
                unanswered.append(person_id)
        record = MeetingRecord(mid, held_on, marks)
        year_records = cell.records.setdefault(held_on.year, [])
        year_records.append(record)
        current = member_flags(cell.unit_id, year_records, held_on.year)
        current += meeting_flags(cell.unit_id, record)
        raised = self._flags(rows, cell, mid, held_on.year, current, closed)
        expected = len(invitees)
        ratio = Decimal(len(present)) / Decimal(expected) if expected else None
        evidence = Evidence(
            duration_minutes=minutes,
            minimum_minutes=90,
            attendance_ratio=ratio,
            any_unexcused=any(s is Attendance.UNEXCUSED for s in marks.values()),
            no_long_excuse_streak=not any(f.kind is FlagKind.EXCUSED_STREAK for f in current),
            notice_sent_to_members=True,
            notice_sent_to_cadre=bool(cell.cadres),
        )
        digest_due = ended + timedelta(hours=12)
        quality = min(1.0, max(0.0, rng.gauss(cell.quality, 0.04)))  # a better or worse month
        if rng.random() < SELF_SCORED:
            confirmed = ended + timedelta(minutes=rng.randrange(10, 48 * 60))
            self._card(rows, mid, "self", cell.scorer, evidence, quality, confirmed)
            digest_due = min(digest_due, confirmed)
        commune_cadres = cell.cadres[:1]
        if commune_cadres and rng.random() < UPPER_SCORED:
            confirmed = ended + timedelta(days=rng.randrange(1, 20))
            stricter = max(0.0, quality - 0.05)
            self._card(rows, mid, "upper", commune_cadres[0], evidence, stricter, confirmed)
        for person_id in present:
            if rng.random() < RATED:
                roll = rng.random()
                rating = (
                    "good" if roll < quality * 0.8 else "fair" if roll < 0.93 else
                    "average" if roll < 0.985 else "poor"
                )  # fmt: skip
                rated = closed + timedelta(minutes=rng.randrange(5, 24 * 60))
                rows.ratings.append((mid, person_id, rating, "", _ts(rated)))
        if self.outbox:
            self._notices(rows, cell, mid, start, invitees, unanswered, present, closed)
            for flag in raised:
                for person_id in cell.leaders + cell.cadres:
                    rows.notices.append(
                        (mid, person_id, "flag", 0, _ts(closed), _ts(closed), self._message(),
                         flag.key)
                    )  # fmt: skip
            for person_id in cell.cadres:
                rows.notices.append(
                    (mid, person_id, "digest", 0, _ts(digest_due), _ts(digest_due),
                     self._message(), "")
                )  # fmt: skip

    def _answer(
        self,
        rows: Rows,
        mid: int,
        person_id: int,
        intent: str,
        kind: str | None,
        words: str | None,
        at: datetime,
    ) -> None:
        via = "button" if intent == "attend" and self.rng.random() < 0.75 else "text"
        rows.answers.append((mid, person_id, intent, kind, words, via, _ts(at)))
        raw = ""
        if via == "text":
            raw = self.rng.choice(TEXT_ANSWERS) if words is None else f"Xin vắng: {words}"
        rows.answer_history.append((mid, person_id, intent, kind, words, via, raw, _ts(at)))

    def _flags(
        self,
        rows: Rows,
        cell: Cell,
        mid: int,
        year: int,
        current: list[Flag],
        now: datetime,
    ) -> list[Flag]:
        """As rollcall._refresh_flags: raise what now holds, clear what this closing judged."""
        unit = f":unit={cell.unit_id}:"
        mine = {f"low_attendance:meeting={mid}", f"unexcused_at_meeting:meeting={mid}"}
        judged = [
            k
            for k in cell.open_flags
            if k in mine
            or (
                k.startswith(("unexcused_3_months" + unit, "excused_streak" + unit))
                and k.endswith(f":year={year}")
            )
        ]
        raised, gone = diff(judged, current)
        for key in gone:
            rows.cleared.append((now.isoformat(), key))
            cell.open_flags.discard(key)
        for flag in raised:
            rows.flags.append(
                (flag.key, flag.unit_id, flag.kind.value, flag.person_id, flag.meeting_id,
                 json.dumps(dict(flag.params), ensure_ascii=False), now.isoformat())
            )  # fmt: skip
            cell.open_flags.add(flag.key)
        return raised

    def _card(
        self,
        rows: Rows,
        mid: int,
        board: str,
        scorer: int,
        evidence: Evidence,
        quality: float,
        confirmed: datetime,
    ) -> None:
        """A confirmed column of the scorecard: the bot's pre-filled points, the rest typed."""
        hints = suggest(self.card, evidence)
        points: dict[str, Decimal] = {}
        for criterion in self.criteria:
            if criterion.code in hints:
                value = hints[criterion.code].points
            else:
                share = min(1.0, max(0.0, self.rng.gauss(quality, 0.1)))
                value = (criterion.max_points * Decimal(share) * 2).to_integral_value() / 2
            points[criterion.code] = value
            rows.scores.append((mid, board, criterion.code, str(value)))
        total = card_total(self.card, points, False)
        grade = self.card.grade(total, self.out_of).name
        self.grades[grade] += 1
        rows.cards.append(
            (mid, board, scorer, len(self.criteria), str(total), grade, _ts(confirmed),
             _ts(confirmed))
        )  # fmt: skip

    def _notices(
        self,
        rows: Rows,
        cell: Cell,
        mid: int,
        start: datetime,
        invitees: list[int],
        unanswered: list[int],
        present: list[int],
        closed: datetime,
    ) -> None:
        """The outbox of the meeting, all sent: notices, the nudge, the rating question."""
        for offset in HISTORY_OFFSETS:
            due = _ts(start - timedelta(minutes=offset))
            for person_id in invitees + cell.cadres:
                rows.notices.append(
                    (mid, person_id, "notice", offset, due, due, self._message(), "")
                )
        nudge = _ts(start - timedelta(minutes=(HISTORY_OFFSETS[-2] + HISTORY_OFFSETS[-1]) // 2))
        for person_id in unanswered:
            rows.notices.append((mid, person_id, "nudge", 0, nudge, nudge, self._message(), ""))
        for person_id in present:
            rows.notices.append(
                (mid, person_id, "rating", 0, _ts(closed), _ts(closed), self._message(), "")
            )

    def _petition(self, rows: Rows, cell: Cell, start: datetime, last: bool) -> None:
        """Now and then a kiến nghị; the older ones mostly answered."""
        rng = self.rng
        if rng.random() >= PETITION_CHANCE:
            return
        self.petition_id += 1
        pid = self.petition_id
        author = rng.choice(cell.members)[0]
        created = start + timedelta(days=rng.randrange(1, 20), minutes=rng.randrange(0, 600))
        roll = rng.random()
        still_open = roll < (0.35 if last else 0.05)
        escalated = _ts(created + timedelta(days=2)) if roll < 0.1 or roll > 0.9 else None
        status = ("escalated" if escalated else "new") if still_open else "answered"
        answered = None if still_open else created + timedelta(days=rng.randrange(1, 10))
        rows.petitions.append(
            (pid, cell.unit_id, author, rng.choice(PETITIONS), status, _ts(created), escalated,
             _ts(answered) if answered else None,
             None if answered is None else "Chi bộ đã ghi nhận và báo cáo Đảng ủy xã.",
             None if answered is None else cell.scorer)
        )  # fmt: skip
        for person_id in cell.leaders:
            rows.petition_notices.append(
                (person_id, "petition_new", str(pid), _ts(created), _ts(created))
            )
        if escalated:
            for person_id in cell.cadres[:1]:
                rows.petition_notices.append(
                    (person_id, "petition_escalated", str(pid), escalated, escalated)
                )
        if answered is not None:
            rows.petition_notices.append(
                (author, "petition_answered", str(pid), _ts(answered), _ts(answered))
            )


def write_history(database: Path, now: datetime, *, seed: int, outbox: bool) -> dict[str, Any]:
    """Twelve months for every cell, written in bulk; what was written."""
    rng = random.Random(seed)
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    try:
        with conn:
            cells = _organisation(conn, rng)
        history = History(cells, default_card(), rng, outbox)
        months = history_months(now)
        written: Counter[str] = Counter()
        generate = insert = 0.0
        for index, month in enumerate(months):
            began = time.monotonic()
            rows = history.month(month, index == len(months) - 1)
            generated = time.monotonic()
            with conn:
                for table, sql in _INSERTS.items():
                    values = getattr(rows, table)
                    conn.executemany(sql, values)
                    written[table] += len(values)
            generate += generated - began
            insert += time.monotonic() - generated
            _print(
                f"  history {month}: {rows.count():,} rows "
                f"({generated - began:.1f} s to generate, {time.monotonic() - generated:.1f} s "
                "to write)"
            )
        cadres = [r[0] for r in conn.execute("SELECT DISTINCT person_id FROM cadre_assignments")]
        digests = []
        for month in months[:-1]:
            year, number = (int(p) for p in month.split("-"))
            year, number = (year + 1, 1) if number == 12 else (year, number + 1)
            sent = _ts(_local(date(year, number, HISTORY_DIGEST_DAY), 8, 0))
            digests += [
                (pid, purpose, month, sent, sent)
                for pid in cadres
                for purpose in ("monthly", "monthly_chart")
            ]
        with conn:
            # A digest is two messages in the one outbox (text and chart), `ref` the month.
            conn.executemany(
                "INSERT INTO notices (meeting_id, person_id, purpose, ref, due_at, state, "
                "attempts, sent_at) VALUES (NULL, ?, ?, ?, ?, 'sent', 1, ?)",
                digests,
            )
            conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return {
        "months": months,
        "rows": dict(written),
        "grades": dict(history.grades),
        "generate_s": generate,
        "insert_s": insert,
    }


# --- In-process: the bot's own digest functions -----------------------------------------------


@dataclass(frozen=True)
class Built:
    """One monthly digest built as the bot builds it, with where the time went."""

    cells: int
    text: str
    chart: bytes
    reports_s: float
    text_s: float
    trend_s: float
    chart_s: float

    @property
    def seconds(self) -> float:
        """The whole digest: text and chart."""
        return self.reports_s + self.text_s + self.trend_s + self.chart_s


async def build_digest(
    db: Database, t: Translator, name: str, cells: list[Unit], month: str, now: datetime
) -> Built:
    """Text and chart of a monthly digest, step by step as digests._send_monthly does it."""
    began = time.monotonic()
    found = await reports.month_reports(db, cells, month, VN, now)
    months = [rendered(t, r) for r in found]
    reported = time.monotonic()
    text = monthly_digest(t, name, month, months)
    written = time.monotonic()
    trend = await reports.trend(db, cells, month, VN)
    trended = time.monotonic()
    png = digest_chart(months, trend, chart_title(t, month), chart_labels(t))
    drawn = time.monotonic()
    return Built(
        len(cells),
        text,
        png,
        reported - began,
        written - reported,
        trended - written,
        drawn - trended,
    )


def _person(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute(
        "SELECT p.id FROM people p JOIN memberships m ON m.person_id = p.id "
        "WHERE p.full_name = ? AND m.role = 'cadre'",
        (name,),
    ).fetchone()
    if row is None:
        raise RuntimeError(f"no cadre named {name}")
    return int(row[0])


async def in_process(
    folder: Path, database: Path, month: str, now: datetime, target: str = ""
) -> dict[str, Any]:
    """One cell's, one commune cadre's, one commune's and the province's digests (built from
    `target`, a PostgreSQL copy of the database, when given)."""
    conn = sqlite3.connect(database)
    try:
        province_cadre = _person(conn, PROVINCE_CADRE)
        commune_id, commune_name = conn.execute(
            "SELECT id, name FROM units WHERE kind <> 'chi bộ' AND parent_id IS NOT NULL "
            "AND id IN (SELECT parent_id FROM units) ORDER BY path LIMIT 1"
        ).fetchone()
        commune_cadre, cadre_name = conn.execute(
            "SELECT p.id, p.full_name FROM people p JOIN memberships m ON m.person_id = p.id "
            "WHERE m.role = 'cadre' AND m.unit_id = ? ORDER BY p.id LIMIT 1",
            (commune_id,),
        ).fetchone()
    finally:
        conn.close()
    t = Catalogs("vi").pick(None, "vi")
    db = await Database.open(target or database)
    figures: dict[str, Any] = {}
    try:
        cadre_cells = await reports.followed_cells(db, commune_cadre)
        commune_cells = await reports.cells_of(db, [commune_id])
        province_cells = await reports.followed_cells(db, province_cadre)
        runs = (
            ("cell", "one cell", cadre_cells[:1], cadre_name),
            ("cadre", f"a commune cadre ({len(cadre_cells)} cells)", cadre_cells, cadre_name),
            ("commune", f"{commune_name} ({len(commune_cells)} cells)", commune_cells,
             cadre_name),
            ("province", f"the province ({len(province_cells)} cells)", province_cells,
             PROVINCE_CADRE),
        )  # fmt: skip
        # The first chart loads matplotlib and its fonts (the bot pays that once, too).
        digest_chart([], [], chart_title(t, month), chart_labels(t))
        for key, label, cells, name in runs:
            built = await build_digest(db, t, name, cells, month, now)
            stem = f"digest-{key}-pg" if target else f"digest-{key}"
            (folder / f"{stem}.txt").write_text(built.text, encoding="utf-8")
            (folder / f"{stem}.png").write_bytes(built.chart)
            figures[key] = {
                "label": label,
                "cells": built.cells,
                "seconds": round(built.seconds, 2),
                "month_reports_s": round(built.reports_s, 2),
                "text_s": round(built.text_s, 3),
                "trend_s": round(built.trend_s, 2),
                "chart_s": round(built.chart_s, 2),
                "text_chars": len(built.text),
                "chart_kb": round(len(built.chart) / 1024, 1),
            }
            _print(
                f"  {label}: {built.seconds:.2f} s (month {built.reports_s:.2f} s, text "
                f"{built.text_s:.3f} s, trend {built.trend_s:.2f} s, chart {built.chart_s:.2f} s)"
            )
            if key in ("cell", "commune"):
                for line in built.text.splitlines()[:14]:
                    _print(f"    | {line}")
    finally:
        await db.close()
    return figures


def database_figures(database: Path) -> dict[str, Any]:
    """File size and rows per table (and bytes per table where SQLite can say)."""
    conn = sqlite3.connect(database)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        rows = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        sizes: dict[str, float] = {}
        try:
            found = conn.execute(
                "SELECT COALESCE(i.tbl_name, s.name), SUM(s.pgsize) FROM dbstat s "
                "LEFT JOIN sqlite_master i ON i.name = s.name GROUP BY 1"
            ).fetchall()
            sizes = {name: _mb(size) for name, size in found}
        except sqlite3.OperationalError:
            pass  # SQLite built without dbstat
    finally:
        conn.close()
    return {
        "file_mb": _mb(database.stat().st_size),
        "rows": {t: n for t, n in rows.items() if n},
        "table_mb": {t: mb for t, mb in sorted(sizes.items(), key=lambda kv: -kv[1]) if mb >= 1},
    }


# --- The real process -------------------------------------------------------------------------


def monthly_day(now: datetime) -> int:
    """A digest day that makes last month's digest due today (the day is capped at 28)."""
    return min(now.astimezone(VN).day, 28)


def meeting_day(now: datetime) -> int:
    """A slot day whose next meeting is weeks away, so no notice falls due during the run."""
    yesterday = (now.astimezone(VN) - timedelta(days=1)).day
    return yesterday if yesterday <= 28 else 28


def _got_digest(user: SimUser) -> bool:
    """Whether the cadre has the digest's text and its chart."""
    text = any(DIGEST_MARK in (m.text or "") for m in user.messages)
    return text and any(m.photo is not None for m in user.messages)


async def real_process(
    folder: Path,
    database: Path,
    cadres: Sequence[synth.Member],
    month: str,
    cells: int,
    *,
    stall: float,
) -> dict[str, Any]:
    """`chibo run` on the province: start-up, every cadre's digest, peak memory."""
    now = datetime.now(UTC)
    this_month = now.astimezone(VN).strftime("%Y-%m")
    next_month = (now.astimezone(VN).replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    async with FakeTelegram(token=TOKEN, max_poll_timeout=10) as sim:
        users = {c.telegram_id: sim.user(c.name, user_id=c.telegram_id) for c in cadres}
        province = {c.telegram_id for c in cadres if c.name == PROVINCE_CADRE}
        config = write_config(
            folder,
            sim.base_url,
            database=database,
            before=("1m",),
            max_rate=30,
            monthly_day=monthly_day(now),
            default_day=meeting_day(now),
        )
        bot = BotProcess(config, folder / "bot.log")
        marks: dict[str, float] = {}
        arrived: dict[int, float] = {}
        watch = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)

        def planned() -> int:
            try:
                row = watch.execute(
                    "SELECT COUNT(*) FROM meetings WHERE month IN (?, ?) AND created_at >= ?",
                    (this_month, next_month, _ts(now - timedelta(minutes=1))),
                ).fetchone()
            except sqlite3.OperationalError:
                return 0
            return int(row[0])

        def mark(name: str, happened: bool) -> None:
            if happened and name not in marks:
                marks[name] = time.monotonic() - bot.started_at
                _print(f"  {name}: {marks[name]:.1f} s")

        await bot.start()
        last_change = time.monotonic()
        try:
            while True:
                mark("menus set", sim.calls["setMyCommands"] > 0)
                if "menus set" in marks and "meetings planned" not in marks:
                    mark("meetings planned", planned() >= cells)
                for uid, user in users.items():
                    if uid not in arrived and _got_digest(user):
                        arrived[uid] = time.monotonic() - bot.started_at
                        last_change = time.monotonic()
                        if len(arrived) % 100 == 0:
                            _print(f"  {len(arrived)}/{len(users)} cadres have their digest")
                mark("first digest", bool(arrived))
                mark(
                    "every commune cadre's digest", len(set(users) - province - set(arrived)) == 0
                )
                mark("the province cadre's digest", bool(province) and province <= set(arrived))
                mark("every digest", len(arrived) == len(users))
                mark("first getUpdates", sim.calls["getUpdates"] > 0)
                if "every digest" in marks and "first getUpdates" in marks:
                    break
                if time.monotonic() - last_change > stall:
                    _print(f"  no digest for {stall:.0f} s: giving up")
                    break
                if bot.process is not None and bot.process.returncode is not None:
                    raise RuntimeError(f"the bot stopped: see {folder / 'bot.log'}")
                await asyncio.sleep(0.25)
            await sim.wait_quiet(settle=2, timeout=30)
        finally:
            stopping = time.monotonic()
            await bot.stop()
            stop_s = time.monotonic() - stopping
            states = dict(
                watch.execute(
                    "SELECT state, COUNT(*) FROM notices WHERE purpose = 'monthly' AND ref = ? "
                    "GROUP BY state",
                    (month,),
                ).fetchall()
            )
            created = watch.execute(
                "SELECT COUNT(*) FROM meetings WHERE month IN (?, ?)", (this_month, next_month)
            ).fetchone()[0]
            notices = watch.execute(
                "SELECT COUNT(*) FROM notices WHERE state = 'pending' AND meeting_id IS NOT NULL"
            ).fetchone()[0]
            watch.close()
        others = sum(
            1
            for u in users.values()
            for m in u.messages
            if m.photo is None and DIGEST_MARK not in (m.text or "")
        )
    commune = sorted(t for uid, t in arrived.items() if uid not in province)
    return {
        "cadres": len(users),
        "digests_complete": len(arrived),
        "other_messages": others,
        "marks_s": {k: round(v, 1) for k, v in marks.items()},
        "seconds_per_commune_digest": round((commune[-1] - commune[0]) / (len(commune) - 1), 2)
        if len(commune) > 1
        else None,
        "peak_rss_mb": round(bot.peak_rss_kb / 1024, 1),
        "stop_s": round(stop_s, 1),
        "meetings_created": int(created),
        "notices_planned": int(notices),
        "digest_states": states,
        "calls": {k: v for k, v in sim.calls.items() if v},
        "config": config,
    }


async def planner_again(config_file: Path) -> dict[str, float]:
    """The planner's next round (every 6 hours) with every next meeting already there: the
    same calls as the planner (bot.services.planner) makes, in this process."""
    config = load_config(config_file)
    rules = Rules.from_config(config)
    db = await Database.open(config.storage.database)
    try:
        began = time.monotonic()
        await meetings.ensure_upcoming(db, rules, datetime.now(UTC))
        planned = time.monotonic()
        deadline = config.rules.meeting_deadline_day
        await rollcall.check_missing_meetings(db, rules, deadline, datetime.now(UTC))
        checked = time.monotonic()
    finally:
        await db.close()
    return {
        "ensure_upcoming_s": round(planned - began, 1),
        "check_missing_meetings_s": round(checked - planned, 1),
    }


# --- The benchmark ----------------------------------------------------------------------------


async def run(
    work: Path,
    *,
    members: int = 150_000,
    cells: int = 7_000,
    outbox: bool = True,
    stall: float = 300.0,
) -> dict[str, object]:
    """Build the province, write its history, time the digests, run the bot; the figures.

    `outbox` also writes a year of sent notices (the largest table by far), so that the
    database is the size a year of use would make it. `stall`: how long the real process may
    go without delivering another digest before the run gives up on it.
    """
    folder = work / f"province-{members}-{cells}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    database = folder / "chibo.sqlite3"
    now = datetime.now(UTC)
    steps: dict[str, float] = {}
    figures: dict[str, object] = {"members": members, "cells": cells}

    began = time.monotonic()
    _print(f"organisation: {members:,} members in {cells:,} cells")
    shape = synth.Shape(cells=cells, members=members)
    people = synth.write_org_file(folder / "org.csv", shape)
    figures["import_s"] = round(await synth.build(database, folder / "org.csv", now), 1)
    linked = synth.link_everyone(database, now)
    cadres = [m for m in linked if m.role == "cadre"]
    figures["people"] = people
    figures["cadres"] = len(cadres)
    steps["organisation"] = time.monotonic() - began
    _print(
        f"  {people:,} people, {len(cadres)} cadres; import {figures['import_s']} s, "
        f"step {steps['organisation']:.1f} s"
    )

    began = time.monotonic()
    _print("history: twelve months")
    history = write_history(database, now, seed=shape.seed, outbox=outbox)
    month = history["months"][-1]
    steps["history"] = time.monotonic() - began
    figures["history"] = {
        "months": f"{history['months'][0]} – {month}",
        "rows": history["rows"],
        "grades": history["grades"],
        "generate_s": round(history["generate_s"], 1),
        "insert_s": round(history["insert_s"], 1),
    }
    _print(f"  step {steps['history']:.1f} s")

    began = time.monotonic()
    _print(f"in-process digests of {month}")
    figures["digests"] = await in_process(folder, database, month, now)
    size = database_figures(database)
    figures["database"] = size
    steps["in-process"] = time.monotonic() - began
    _print(f"  database {size['file_mb']} MB; step {steps['in-process']:.1f} s")

    began = time.monotonic()
    _print(f"the real process: {len(cadres)} cadres waiting for the digest of {month}")
    real = await real_process(folder, database, cadres, month, cells, stall=stall)
    steps["real process"] = time.monotonic() - began
    config_file = real.pop("config")
    assert isinstance(config_file, Path)
    _print("the planner's next round, in-process")
    real["planner_again"] = await planner_again(config_file)
    _print(f"  {real['planner_again']}")
    real["memory_target_mb"] = MEMORY_TARGET_MB
    real["memory_ok"] = real["peak_rss_mb"] < MEMORY_TARGET_MB
    figures["process"] = real
    figures["database_after_mb"] = _mb(database.stat().st_size)
    figures["steps_s"] = {k: round(v, 1) for k, v in steps.items()}
    _print(f"  peak RSS {real['peak_rss_mb']} MB; step {steps['real process']:.1f} s")
    return figures


async def on_postgresql(
    work: Path, server: pgserver.Server, *, members: int = 150_000, cells: int = 7_000
) -> dict[str, object]:
    """The province and its year in SQLite, then copied to PostgreSQL: the same digests built
    from each, in this process (the real process is left out)."""
    folder = work / f"province-{members}-{cells}-pg"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    database = folder / "chibo.sqlite3"
    now = datetime.now(UTC)
    figures: dict[str, object] = {"members": members, "cells": cells}
    _print(f"organisation: {members:,} members in {cells:,} cells")
    shape = synth.Shape(cells=cells, members=members)
    synth.write_org_file(folder / "org.csv", shape)
    figures["import_s"] = round(await synth.build(database, folder / "org.csv", now), 1)
    synth.link_everyone(database, now)
    _print("history: twelve months")
    history = write_history(database, now, seed=shape.seed, outbox=True)
    month = history["months"][-1]
    figures["rows"] = history["rows"]
    _print(f"in-process digests of {month}, SQLite")
    figures["sqlite"] = await in_process(folder, database, month, now)
    _print("copy to PostgreSQL")
    url = server.create(f"bench_province_{members}")
    figures["copy"] = await pgserver.copy_sqlite(database, url)
    _print(f"  {figures['copy']}")
    _print(f"in-process digests of {month}, PostgreSQL")
    figures["postgresql"] = await in_process(folder, database, month, now, target=url)
    return figures
