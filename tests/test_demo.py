"""`chibo demo`: the offline demo plays the linking conversations in Vietnamese."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main


def test_demo_prints_the_linking_conversations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo runs offline and shows greetings, refusals and help in Vietnamese."""
    assert main(["demo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Chào đồng chí Nguyễn Văn An, bí thư Chi bộ xóm 9" in printed
    assert "Mã mời này đã được dùng" in printed
    assert "Mã mời này đã hết hạn" in printed
    assert "dành cho bí thư, phó bí thư chi bộ" in printed
    assert "Các chi bộ đồng chí phụ trách: Chi bộ xóm 9, Chi bộ xóm 10." in printed
    assert "Mã mời cho đồng chí Đinh Văn Thắng" in printed
    # The later chapters: notice, answers, the list, roll-call, card, digests, kiến nghị.
    for expected in (
        "📢 THÔNG BÁO SINH HOẠT CHI BỘ",
        "lý do: Ốm đau (om)",
        "❓ Chưa trả lời",
        "📋 ĐIỂM DANH",
        "Phần mở đầu nghị quyết",
        "xếp loại Tốt",
        "📊 KẾT QUẢ SINH HOẠT CHI BỘ THÁNG 12/2026",
        "📊 BÁO CÁO SINH HOẠT CHI BỘ THÁNG 12/2026",
        "Kiến nghị số 1 của đồng chí đã được trả lời",
    ):
        assert expected in printed, expected
    assert (tmp_path / "bao-cao-thang-12-2026.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "transcript.txt").read_text(encoding="utf-8").strip() == printed.strip()
