"""`chibo run` as a real process against a Bot API server on loopback."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import pytest

from chibo_devtools.telegram import FakeTelegram
from tests import pg
from tests.helpers import chibo_process, codes, make_config, process_config, seed


async def test_real_process_links_and_answers_bad_codes(sim: FakeTelegram, tmp_path: Path) -> None:
    """The installed entry point greets a valid code by name and refuses a bad one."""
    config = make_config(tmp_path, sim.base_url)
    invite = codes(await seed(config))
    config_file = process_config(tmp_path, sim.base_url, config)
    process = await chibo_process(
        "run", "--config", str(config_file), stdout=asyncio.subprocess.PIPE
    )
    try:
        an = sim.user("Nguyễn Văn An")
        # The first answer waits for the process to start up.
        replies = await an.send(f"/start {invite['Nguyễn Văn An']}", timeout=30)
        assert "Chào đồng chí Nguyễn Văn An, bí thư Chi bộ xóm 9" in replies.text
        stranger = sim.user("Ai Đó")
        assert "Mã mời này không đúng" in (await stranger.send("/start nothere")).text
        assert "đã được dùng" in (await stranger.send(f"/start {invite['Nguyễn Văn An']}")).text
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err


@pytest.mark.skipif(
    bool(pg.server_url()), reason="SQLite's online file backup; PostgreSQL's is pg_dump's"
)
async def test_backup_while_the_bot_runs(sim: FakeTelegram, tmp_path: Path) -> None:
    """`chibo backup` beside a running `chibo run` gives a whole copy with what was written."""
    config = make_config(tmp_path, sim.base_url)
    invite = codes(await seed(config))
    config_file = process_config(tmp_path, sim.base_url, config)
    process = await chibo_process("run", "--config", str(config_file))
    copy = tmp_path / "backups" / "copy.sqlite3"
    try:
        binh = sim.user("Trần Thị Bình")
        await binh.send(f"/start {invite['Trần Thị Bình']}", timeout=30)
        backup = await chibo_process("backup", str(copy), "--config", str(config_file))
        _out, err = await asyncio.wait_for(backup.communicate(), timeout=60)
        assert backup.returncode == 0, err.decode()
        assert (await binh.send("/lichhop")).text  # the bot goes on answering
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=30)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        linked = conn.execute(
            "SELECT p.full_name FROM chat_accounts a JOIN people p ON p.id = a.person_id"
        ).fetchall()
    assert linked == [("Trần Thị Bình",)]
