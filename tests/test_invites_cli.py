"""`chibo import --invites` and `chibo invites` run as processes: moi.csv and printed cards."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.cli.invites import Card, Links, cards_pdf
from bot.domain.models import Role
from bot.i18n import Catalogs
from bot.services.linking import link_by_text
from bot.storage.db import Database
from tests.helpers import START, chibo_process, database_at

HEADER = "đơn vị,họ và tên,vai trò,điện thoại,trạng thái,phụ trách\n"
CELL = "Đảng bộ xã Thượng Kiệm / Chi bộ xóm 9"


@dataclass(frozen=True)
class Done:
    """A finished `chibo` process: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


async def chibo(tmp_path: Path, *args: str | Path, zalo_url: str = "") -> Done:
    """Run `python -m bot` as the admin would; the bot's name comes from the config."""
    config = tmp_path / "config.toml"
    config.write_text(
        # No Bot API answers here: getMe fails and the username from the config is used.
        '[bot]\nusername = "chibo_xa_bot"\napi_base_url = "http://127.0.0.1:9/bot"\n'
        f'log_level = "ERROR"\n[storage]\npath = "{tmp_path / "chibo.sqlite3"}"\n'
        + (f'[zalo]\nbot_url = "{zalo_url}"\n' if zalo_url else ""),
        encoding="utf-8",
    )
    process = await chibo_process(
        *map(str, args), "--config", str(config), stdout=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return Done(process.returncode, out.decode(), err.decode())


def org_file(tmp_path: Path) -> Path:
    """A cell whose names a careless or hostile typist filled in."""
    path = tmp_path / "org.csv"
    path.write_text(
        HEADER
        + f"{CELL},Nguyễn Văn An,bí thư,0912345678,,\n"
        + f'{CELL},"=HYPERLINK(""http://x"")",đảng viên,,,\n'
        + f"{CELL},+84912345678,đảng viên,,,\n"
        + f"{CELL},@Trần Thị Bình,đảng viên,,,\n"
        + f"{CELL},-Lê Văn Cường,đảng viên,,,\n",
        encoding="utf-8",
    )
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    """moi.csv as a spreadsheet program reads it (UTF-8 with a BOM)."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


async def test_import_writes_moi_csv_with_zalo_codes_and_inert_cells(tmp_path: Path) -> None:
    """moi.csv has the Zalo form of each code, and no cell a spreadsheet would run."""
    done = await chibo(tmp_path, "import", org_file(tmp_path), "--invites", tmp_path / "moi.csv")
    assert done.returncode == 0, done.stderr
    rows = read_csv(tmp_path / "moi.csv")
    assert list(rows[0]) == ["unit", "name", "role", "code", "link", "zalo_code"]
    names = [row["name"] for row in rows]
    assert '\'=HYPERLINK("http://x")' in names
    assert "'+84912345678" in names
    assert "'@Trần Thị Bình" in names
    assert "'-Lê Văn Cường" in names
    for row in rows:
        assert not row["name"].startswith(("=", "+", "-", "@"))
        assert re.fullmatch(r"\d{8}", row["code"])
        assert row["zalo_code"] == f"{row['code'][:4]} {row['code'][4:]}"
        assert row["link"] == f"https://t.me/chibo_xa_bot?start={row['code']}"


async def test_invites_csv_reuses_live_codes_without_importing(tmp_path: Path) -> None:
    """`chibo invites --csv` writes the same codes the import gave, for those not yet linked."""
    await chibo(tmp_path, "import", org_file(tmp_path), "--invites", tmp_path / "moi.csv")
    done = await chibo(
        tmp_path, "invites", "--csv", tmp_path / "again.csv", "--unit", "Chi bộ xóm 9"
    )
    assert done.returncode == 0, done.stderr
    assert f"Đã ghi 5 mã mời vào {tmp_path / 'again.csv'}." in done.stdout
    first = {row["name"]: row["code"] for row in read_csv(tmp_path / "moi.csv")}
    again = {row["name"]: row["code"] for row in read_csv(tmp_path / "again.csv")}
    assert again == first


async def test_invites_for_an_unknown_unit_is_refused(tmp_path: Path) -> None:
    """A unit that does not exist is named back, and nothing is written."""
    await chibo(tmp_path, "import", org_file(tmp_path))
    done = await chibo(
        tmp_path, "invites", "--pdf", tmp_path / "moi.pdf", "--unit", "Chi bộ xóm 99"
    )
    assert done.returncode == 2
    assert "Không có đơn vị nào tên «Chi bộ xóm 99»" in done.stderr
    assert not (tmp_path / "moi.pdf").exists()


async def test_invites_pdf_has_one_card_per_person_not_linked(tmp_path: Path) -> None:
    """One page per person still to link, each with their name; the linked get no card."""
    done = await chibo(tmp_path, "import", org_file(tmp_path), "--invites", tmp_path / "moi.csv")
    codes = {row["name"]: row["code"] for row in read_csv(tmp_path / "moi.csv")}
    db = await Database.open(database_at(tmp_path / "chibo.sqlite3"))
    try:
        linked = await link_by_text(db, "zalo", "z-1", codes["Nguyễn Văn An"], None, START)
        assert linked.outcome.value == "linked"
    finally:
        await db.close()
    done = await chibo(tmp_path, "invites", "--pdf", tmp_path / "moi.pdf")
    assert done.returncode == 0, done.stderr
    assert f"Đã ghi 4 thẻ mời vào {tmp_path / 'moi.pdf'}." in done.stdout
    data = (tmp_path / "moi.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    pages = pdf_pages(data)
    assert len(pages) == 4
    for name in ('=HYPERLINK("http://x")', "+84912345678", "@Trần Thị Bình", "-Lê Văn Cường"):
        assert sum(name in page for page in pages) == 1, name
    assert not any("Nguyễn Văn An" in page for page in pages)
    for page in pages:
        assert "Chi bộ xóm 9" in page
        assert "THẺ MỜI KẾT NỐI" in page
    shown = {f"{code[:4]} {code[4:]}" for name, code in codes.items() if name != "Nguyễn Văn An"}
    assert {re.search(r"\d{4} \d{4}", page).group() for page in pages} == shown  # type: ignore[union-attr]


async def test_cards_carry_the_zalo_bot_from_the_config(tmp_path: Path) -> None:
    """With zalo.bot_url in config.toml, every card leads with the Zalo steps and its link."""
    await chibo(tmp_path, "import", org_file(tmp_path))
    pdf = tmp_path / "moi.pdf"
    done = await chibo(tmp_path, "invites", "--pdf", pdf, zalo_url="https://zalo.me/s/42")
    assert done.returncode == 0, done.stderr
    pages = pdf_pages(pdf.read_bytes())
    assert len(pages) == 5
    for page in pages:
        assert "1. Mở Zalo trên điện thoại." in page
        assert "zalo.me/s/42" in page


def test_the_card_names_the_person_and_gives_three_steps_for_zalo() -> None:
    """A card with a Zalo link shows the name, the code in two groups and the Zalo steps."""
    t = Catalogs("vi").get("vi")
    card = Card(CELL, "Nguyễn Thị Phương Thảo", Role.MEMBER, "48210937", date(2026, 12, 28))
    data = cards_pdf([card], Links("chibo_xa_bot", "https://zalo.me/s/123"), t, compress=False)
    (page,) = pdf_pages(data)
    assert "Đồng chí Nguyễn Thị Phương Thảo" in page
    assert "4821 0937" in page
    assert "1. Mở Zalo trên điện thoại." in page
    assert "3. Gõ mã 4821 0937 rồi bấm gửi." in page
    assert "Hạn dùng: 28/12/2026." in page
    assert data.count(b"/Subtype /Image") == 2  # the Zalo QR and the Telegram QR


def test_without_a_zalo_link_the_card_has_only_the_telegram_qr() -> None:
    """No zalo.bot_url: one QR code, and the steps speak of Telegram."""
    t = Catalogs("vi").get("vi")
    card = Card(CELL, "Trần Văn Sơn", Role.SECRETARY, "00120937")
    data = cards_pdf([card], Links("chibo_xa_bot", ""), t, compress=False)
    (page,) = pdf_pages(data)
    assert "1. Mở Telegram trên điện thoại." in page
    assert "Zalo" not in page
    assert data.count(b"/Subtype /Image") == 1


async def test_invites_without_options_prints_the_wrong_code_counts(tmp_path: Path) -> None:
    """`chibo invites` alone tells the admin how many codes are live and how many were wrong."""
    await chibo(tmp_path, "import", org_file(tmp_path), "--invites", tmp_path / "moi.csv")
    done = await chibo(tmp_path, "invites")
    assert done.returncode == 0, done.stderr
    assert "Mã mời còn dùng được: 5" in done.stdout
    assert "24 giờ qua: 0 lần nhập mã" in done.stdout


# --- A tiny PDF reader: enough of the format to read back the text fpdf2 writes ---------------

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\bendobj", re.DOTALL)


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Each object's dictionary and its stream (inflated when compressed)."""
    found = {}
    for match in _OBJECT.finditer(data):
        body = match.group(2)
        head, stream = body, b""
        at = body.find(b"stream")
        if at >= 0:
            head = body[:at]
            length = int(re.search(rb"/Length (\d+)", head).group(1))  # type: ignore[union-attr]
            start = at + len(b"stream") + (2 if body[at + 6 : at + 8] == b"\r\n" else 1)
            stream = body[start : start + length]
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
        found[int(match.group(1))] = (head, stream)
    return found


def _literal(stream: bytes, at: int) -> tuple[bytes, int]:
    """A PDF string literal starting after "(": its bytes and where it ends."""
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b"}
    escapes |= {ord("f"): b"\f", ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}
    out, depth = bytearray(), 1
    while True:
        ch = stream[at]
        if ch == ord("\\"):
            nxt = stream[at + 1]
            if ord("0") <= nxt <= ord("7"):
                digits = re.match(rb"[0-7]{1,3}", stream[at + 1 : at + 4]).group()  # type: ignore[union-attr]
                out.append(int(digits, 8))
                at += 1 + len(digits)
                continue
            out += escapes.get(nxt, bytes([nxt]))
            at += 2
            continue
        if ch == ord("("):
            depth += 1
        elif ch == ord(")"):
            depth -= 1
            if depth == 0:
                return bytes(out), at + 1
        out.append(ch)
        at += 1


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, through the fonts' ToUnicode maps."""
    objects = _objects(data)
    maps: dict[str, dict[int, str]] = {}
    for head, _stream in objects.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            font_head = objects[int(ref)][0]
            cmap = objects[int(re.search(rb"/ToUnicode (\d+) 0 R", font_head).group(1))][1]  # type: ignore[union-attr]
            maps[name.decode()] = {
                int(src, 16): bytes.fromhex(dst.decode()).decode("utf-16-be")
                for src, dst in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap)
            }
    pages_head = next(head for head, _ in objects.values() if b"/Type /Pages" in head)
    kids = [int(n) for n in re.findall(rb"(\d+) 0 R", pages_head.split(b"/Kids")[1])]
    texts = []
    for kid in kids:
        content_ref = re.search(rb"/Contents (\d+) 0 R", objects[kid][0])
        stream = objects[int(content_ref.group(1))][1]  # type: ignore[union-attr]
        font, parts, at = "", [], 0
        while at < len(stream):
            tf = re.compile(rb"/(F\d+) [\d.]+ Tf").match(stream, at)
            if tf:
                font, at = tf.group(1).decode(), tf.end()
                continue
            if stream[at] == ord("("):
                raw, at = _literal(stream, at + 1)
                glyphs = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
                parts.append("".join(maps[font].get(g, "?") for g in glyphs))
                continue
            if stream[at] == ord("\n"):
                parts.append("\n")
            at += 1
        texts.append(" ".join("".join(parts).split("\n")))
    return texts


@pytest.mark.parametrize("compress", [True, False])
def test_the_reader_reads_both_forms(compress: bool) -> None:
    """The test's PDF reader reads fpdf2's compressed and plain output alike."""
    t = Catalogs("vi").get("vi")
    card = Card(CELL, "Đặng Thị Ánh", Role.DEPUTY, "11112222")
    (page,) = pdf_pages(cards_pdf([card], Links("b", ""), t, compress=compress))
    assert "Đồng chí Đặng Thị Ánh" in page
