"""`chibo invites` and the invites file of `chibo import`: codes as a CSV and as printed cards."""

from __future__ import annotations

import argparse
import io
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.domain.invites import deep_link, new_code, show_code
from bot.domain.models import MemberStatus, Role, Unit
from bot.domain.orgfile import format_path, parse_path
from bot.domain.text import fold, natural_key, person_sort_key
from bot.i18n import Translator
from bot.services.export import Table, to_csv
from bot.services.org_import import ImportReport
from bot.storage import accounts, audit, invites, people, units
from bot.storage.db import Database

if TYPE_CHECKING:
    from fpdf import FPDF

CSV_COLUMNS = ("unit", "name", "role", "code", "link", "zalo_code")


@dataclass(frozen=True)
class Card:
    """One person's invite: who, where, the code, and until when (when known)."""

    unit: str
    name: str
    role: Role
    code: str
    expires_on: date | None = None


@dataclass(frozen=True)
class Links:
    """Where the codes lead: the Telegram bot's username and the Zalo bot's link, if any."""

    telegram_username: str | None
    zalo_url: str


def write_csv(path: Path, cards: Iterable[Card], links: Links, t: Translator) -> int:
    """moi.csv: one row per person, every cell inert in a spreadsheet; returns the row count."""
    rows = tuple(
        (
            card.unit,
            card.name,
            t._(card.role.label),
            card.code,
            deep_link(links.telegram_username, card.code) if links.telegram_username else "",
            show_code(card.code),
        )
        for card in cards
    )
    # to_csv is the exports' writer: it puts a quote before =, +, -, @, tab and CR.
    table = Table(key="invites", title="invites", header=(CSV_COLUMNS,), rows=rows)
    path.write_bytes(to_csv(table))
    return len(rows)


def write_import_invites(path: Path, report: ImportReport, username: str, t: Translator) -> None:
    """The invites file of `chibo import --invites`."""
    cards = [Card(row.unit, row.name, row.role, row.code) for row in report.invites]
    write_csv(path, cards, Links(username, ""), t)


async def run_invites(
    config: Config,
    t: Translator,
    args: argparse.Namespace,
    *,
    username_of: Callable[[Config], Awaitable[str | None]],
) -> int:
    """`chibo invites`: cards as PDF, codes as CSV, or (with neither) the wrong-code counts."""
    now = datetime.now(UTC)
    writing = args.pdf is not None or args.csv is not None
    links = Links(None, "")
    if writing:
        # The [zalo] section may be absent from older configs: no Zalo link then.
        zalo_url = str(getattr(getattr(config, "zalo", None), "bot_url", "") or "")
        links = Links(await username_of(config), zalo_url)
        if not links.telegram_username and not links.zalo_url:
            print(
                t._(
                    "Không biết đường link của bot: đặt BOT_TOKEN hoặc khóa bot.username "
                    "(Telegram), hoặc khóa zalo.bot_url (Zalo) trong config.toml."
                ),
                file=sys.stderr,
            )
            return 2
    db = await Database.open(config.storage.database)
    try:
        if writing:
            cards = await cards_to_hand_out(
                db, args.unit, now=now, valid_days=config.invites.valid_days, tz=config.tz
            )
        else:
            report = await try_report(db, now)
    except UnitNotFoundError:
        print(t._("Không có đơn vị nào tên «{name}».").format(name=args.unit), file=sys.stderr)
        return 2
    finally:
        await db.close()
    if not writing:
        print(render_try_report(t, report))
        return 0
    if args.csv is not None:
        write_csv(args.csv, cards, links, t)
        print(
            t.ngettext(
                "Đã ghi {n} mã mời vào {file}.", "Đã ghi {n} mã mời vào {file}.", len(cards)
            ).format(n=len(cards), file=args.csv)
        )
    if args.pdf is not None:
        write_pdf(args.pdf, cards, links, t)
        print(
            t.ngettext(
                "Đã ghi {n} thẻ mời vào {file}.", "Đã ghi {n} thẻ mời vào {file}.", len(cards)
            ).format(n=len(cards), file=args.pdf)
        )
    return 0


class UnitNotFoundError(Exception):
    """No unit has the path or name given."""


async def cards_to_hand_out(
    db: Database,
    unit: str | None,
    *,
    now: datetime,
    valid_days: int,
    tz: tzinfo,
) -> list[Card]:
    """A card for everyone not linked on any channel: their live code, or a new one.

    Re-running keeps the same codes (as the import does): a card already printed stays good.
    """
    cards = []
    async with db.transaction() as conn:
        every = await units.all_units(conn)
        by_id = {u.id: u for u in every}
        chosen = _units_at(every, unit)
        if chosen is None:
            raise UnitNotFoundError(unit or "")
        everyone = [p for p in await people.everyone(conn) if p.unit_id in chosen]
        # As the secretary reads the cell: xóm 9 before xóm 10, the bí thư first, then by name.
        roles = list(Role)
        everyone.sort(
            key=lambda p: (
                natural_key(by_id[p.unit_id].path),
                roles.index(p.role),
                person_sort_key(p.full_name),
            )
        )
        for person in everyone:
            if person.status is MemberStatus.TRANSFERRED:
                continue
            if await accounts.all_of_person(conn, person.id):
                continue
            invite = await invites.open_for(conn, person.id, now)
            if invite is None:
                invite = await invites.insert(
                    conn,
                    code=new_code(),
                    person_id=person.id,
                    now=now,
                    expires_at=now + timedelta(days=valid_days),
                )
                await audit.record(
                    conn,
                    now=now,
                    actor="cli",
                    action="invite.issue",
                    subject=f"person:{person.id}",
                )
            path = parse_path(by_id[person.unit_id].path)
            cards.append(
                Card(
                    unit=format_path(path) if path else by_id[person.unit_id].path,
                    name=person.full_name,
                    role=person.role,
                    code=invite.code,
                    expires_on=invite.expires_at.astimezone(tz).date(),
                )
            )
    return cards


def _units_at(every: Sequence[Unit], wanted: str | None) -> set[int] | None:
    """The ids of the unit named by path or name and of every unit below it; all if None."""
    if not wanted:
        return {u.id for u in every}
    key = fold(wanted.replace(" / ", "/"))
    tops = [u for u in every if fold(u.path.replace(" / ", "/")) == key or fold(u.name) == key]
    if not tops:
        return None
    found = {u.id for u in tops}
    grew = True
    while grew:
        below = {u.id for u in every if u.parent_id in found} - found
        found |= below
        grew = bool(below)
    return found


@dataclass(frozen=True)
class TryReport:
    """What `chibo invites` prints for the admin."""

    live_codes: int
    day: invites.TryCounts
    week: invites.TryCounts
    locked_chats: int
    brakes: int


async def try_report(db: Database, now: datetime) -> TryReport:
    """Codes live, and codes tried in the last day and week (wrong, turned away, linked)."""
    async with db.transaction() as conn:
        live = await invites.live_count(conn, now)
        day = await invites.try_counts(conn, now - timedelta(days=1))
        week = await invites.try_counts(conn, now - timedelta(days=7))
        since = now - timedelta(days=7)
        locked = await invites.audited(conn, "link.locked", since)
        brakes = await invites.audited(conn, "link.brake", since)
    return TryReport(live, day, week, locked, brakes)


def render_try_report(t: Translator, report: TryReport) -> str:
    """The admin's summary of invite codes and wrong tries."""
    lines = [t._("Mã mời còn dùng được: {n}").format(n=report.live_codes)]
    for label, counts in (
        (t._("24 giờ qua"), report.day),
        (t._("7 ngày qua"), report.week),
    ):
        lines.append(
            t._(
                "{period}: {tries} lần nhập mã, {linked} kết nối, {wrong} mã sai "
                "(từ {chats} tài khoản), {refused} lần bị tạm chặn"
            ).format(
                period=label,
                tries=counts.tries,
                linked=counts.linked,
                wrong=counts.wrong,
                chats=counts.chats,
                refused=counts.refused,
            )
        )
    lines.append(
        t._(
            "7 ngày qua: {locked} tài khoản phải chờ vì nhập sai 5 lần; hệ thống tạm dừng "
            "nhận mã {brakes} lần vì quá nhiều mã sai"
        ).format(locked=report.locked_chats, brakes=report.brakes)
    )
    return "\n".join(lines)


# --- Printed cards ----------------------------------------------------------------------------

# A6 portrait, in millimetres: a card the secretary hands over at the meeting.
_PAGE = (105.0, 148.0)
_MARGIN = 8.0
_QR_SIZE = 36.0
_INK = (33, 37, 41)
_MUTED = (110, 117, 125)
_ACCENT = (176, 0, 32)  # the red of the Party's documents, for the header rule and the code
# multi_cell() leaves the cursor at the right of the text unless told otherwise.
_NEXT_LINE: dict[str, Any] = {"new_x": "LMARGIN", "new_y": "NEXT"}


def _font_files() -> tuple[Path, Path]:
    """DejaVu Sans, regular and bold, as matplotlib ships it: it has every Vietnamese letter."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def _qr_png(url: str) -> io.BytesIO:
    """A QR code of the link as a PNG, with the quiet zone scanners need."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=10, border=2)
    buffer.seek(0)
    return buffer


def cards_pdf(
    cards: Sequence[Card], links: Links, t: Translator, *, compress: bool = True
) -> bytes:
    """One A6 page per card: name, cell, the code in large digits, QR codes, instructions."""
    # Loaded here: the CSV and the counts need none of the PDF machinery.
    from fpdf import FPDF

    # fontTools logs every subsetting step at INFO; the admin would read pages of it.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf = FPDF(orientation="P", unit="mm", format=_PAGE)
    pdf.set_compression(compress)
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    regular, bold = _font_files()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(t._("Thẻ mời kết nối Trợ lý Chi bộ"))
    pdf.set_creator("chibo")
    for card in cards:
        _card(pdf, card, links, t)
    return bytes(pdf.output())


def _card(pdf: FPDF, card: Card, links: Links, t: Translator) -> None:
    pdf.add_page()
    width = _PAGE[0] - 2 * _MARGIN
    # Header: what this card is, over a thin red rule.
    pdf.set_text_color(*_MUTED)
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_xy(_MARGIN, _MARGIN)
    pdf.cell(width, 4, t._("TRỢ LÝ CHI BỘ · THẺ MỜI KẾT NỐI"), align="C")
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.5)
    pdf.line(_MARGIN + 20, _MARGIN + 6, _MARGIN + width - 20, _MARGIN + 6)
    # Who and where.
    pdf.set_text_color(*_INK)
    pdf.set_xy(_MARGIN, _MARGIN + 9)
    name = t._("Đồng chí {name}").format(name=card.name)
    # One line if it fits at 10 pt or more; a very long name wraps rather than shrinks away.
    size = 14.0
    pdf.set_font("DejaVu", "B", size)
    while size > 10 and pdf.get_string_width(name) > width - 2 * pdf.c_margin - 0.5:
        size -= 0.5
        pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(width, size * 0.45, name, align="C", **_NEXT_LINE)
    pdf.ln(1)
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*_MUTED)
    where = card.unit.split(" / ")
    role = t._(card.role.label)
    role_line = t._("{role} · {unit}").format(role=role[:1].upper() + role[1:], unit=where[-1])
    pdf.multi_cell(width, 4.5, role_line, align="C", **_NEXT_LINE)
    if len(where) > 1:
        pdf.multi_cell(width, 4.5, where[-2], align="C", **_NEXT_LINE)
    # The code, as large as the card allows, in two groups of four.
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width, 4, t._("Mã kết nối của đồng chí"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_ACCENT)
    size = 30 if len(card.code) <= 9 else 13
    pdf.set_font("DejaVu", "B", size)
    pdf.cell(width, size * 0.45, show_code(card.code), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)
    # QR codes: Zalo first (what members use), Telegram beside it.
    qrs = []
    if links.zalo_url:
        qrs.append(("Zalo", links.zalo_url))
    if links.telegram_username:
        qrs.append(("Telegram", deep_link(links.telegram_username, card.code)))
    top = pdf.get_y() + 3
    gap = 8.0
    left = _MARGIN + (width - len(qrs) * _QR_SIZE - (len(qrs) - 1) * gap) / 2
    for i, (label, url) in enumerate(qrs):
        x = left + i * (_QR_SIZE + gap)
        pdf.image(_qr_png(url), x=x, y=top, w=_QR_SIZE, h=_QR_SIZE)
        pdf.set_xy(x, top + _QR_SIZE + 0.5)
        pdf.set_font("DejaVu", "B", 8)
        pdf.cell(_QR_SIZE, 4, label, align="C")
    # Three steps, then the fine print.
    pdf.set_xy(_MARGIN, top + (_QR_SIZE + 7 if qrs else 0))
    pdf.set_font("DejaVu", "", 8.5)
    for step in _steps(t, card, links):
        pdf.multi_cell(width, 4.3, step, align="L", **_NEXT_LINE)
    pdf.set_font("DejaVu", "", 7)
    pdf.set_text_color(*_MUTED)
    fine = t._("Mã chỉ dùng một lần, cho riêng đồng chí; xin đừng đưa cho người khác.")
    if card.expires_on is not None:
        fine += " " + t._("Hạn dùng: {date}.").format(date=t.short_date(card.expires_on))
    pdf.set_xy(_MARGIN, _PAGE[1] - _MARGIN - 7)
    pdf.multi_cell(width, 3.5, fine, align="C", **_NEXT_LINE)


def _steps(t: Translator, card: Card, links: Links) -> list[str]:
    code = show_code(card.code)
    if links.zalo_url:
        return [
            t._("1. Mở Zalo trên điện thoại."),
            t._("2. Quét mã QR Zalo ở trên (hoặc mở {url}) để vào Trợ lý Chi bộ.").format(
                url=links.zalo_url.removeprefix("https://")
            ),
            t._("3. Gõ mã {code} rồi bấm gửi.").format(code=code),
            t._("Dùng Telegram: quét mã QR Telegram rồi bấm Bắt đầu (Start)."),
        ]
    return [
        t._("1. Mở Telegram trên điện thoại."),
        t._("2. Quét mã QR Telegram ở trên (camera của điện thoại hoặc Telegram)."),
        t._("3. Bấm Bắt đầu (Start): Trợ lý tự nhận mã {code}.").format(code=code),
    ]


def write_pdf(path: Path, cards: Sequence[Card], links: Links, t: Translator) -> None:
    """moi.pdf: the cards, one per page."""
    path.write_bytes(cards_pdf(cards, links, t))
