"""`chibo demo --channel zalo`: the same evening told on the Zalo simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main


def test_demo_on_zalo_tells_the_evening_with_numbered_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Zalo demo links by typed codes, answers by number and sends the chart as a photo."""
    assert main(["demo", "--channel", "zalo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Trợ lý Chi bộ trên Zalo" in printed
    assert "Trợ lý Chi bộ trên Telegram" not in printed
    assert "Chào đồng chí Nguyễn Văn An, bí thư Chi bộ xóm 9" in printed
    assert "Trả lời bằng số:" in printed
    assert "📊 BÁO CÁO SINH HOẠT CHI BỘ THÁNG 12/2026" in printed
    assert "Kiến nghị số 1 của đồng chí đã được trả lời" in printed
    assert (tmp_path / "bao-cao-thang-12-2026.png").read_bytes().startswith(b"\x89PNG")
