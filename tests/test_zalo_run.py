"""`chibo run` as a real process with Zalo enabled: webhook mode, answering over Zalo."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from chibo_devtools.zalo import FakeZalo
from tests.helpers import codes, make_config, seed
from tests.zalo_helpers import SECRET, ZALO_TOKEN, free_port

pytest_plugins = ("tests.zalo_fixtures",)


async def test_run_with_zalo_only_serves_the_webhook_and_answers(
    zsim: FakeZalo, tmp_path: Path
) -> None:
    """With [zalo] enabled, a public address and the secret, and no BOT_TOKEN, `chibo run`
    sets the webhook and answers a typed invite code over Zalo."""
    config = make_config(tmp_path)
    invite = codes(await seed(config))
    port = free_port()
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[bot]\nlog_level = "WARNING"\n[storage]\npath = "{config.storage.path}"\n'
        f'[zalo]\nenabled = true\napi_base_url = "{zsim.base_url}"\n'
        f'listen = "127.0.0.1:{port}"\npublic_url = "http://127.0.0.1:{port}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env |= {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_WEBHOOK_SECRET": SECRET}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config_file),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        for _ in range(300):
            if zsim.webhook_url or process.returncode is not None:
                break
            await asyncio.sleep(0.1)
        assert zsim.webhook_url.startswith(f"http://127.0.0.1:{port}/zalo/")
        an = zsim.user("Nguyễn Văn An")
        replies = await an.send(invite["Nguyễn Văn An"], timeout=30)
        assert "Chào đồng chí Nguyễn Văn An, bí thư Chi bộ xóm 9" in replies.text
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err


async def test_zalo_check_reports_the_token_the_webhook_and_a_test_message(
    zsim: FakeZalo, tmp_path: Path
) -> None:
    """`chibo zalo check --to CHAT` says the token works, no webhook is set, and sends a test."""
    admin = zsim.user("Quản trị viên")
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[storage]\npath = "{tmp_path / "chibo.sqlite3"}"\n'
        f'[zalo]\nenabled = true\napi_base_url = "{zsim.base_url}"\n',
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "zalo",
        "check",
        "--config",
        str(config_file),
        "--to",
        admin.chat_id,
        env={**os.environ, "ZALO_BOT_TOKEN": ZALO_TOKEN},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    printed = out.decode()
    assert "✓ Mã bot hợp lệ" in printed
    assert "Chưa đặt webhook" in printed
    assert "✓ Đã gửi tin thử" in printed
    assert any("Tin thử từ Trợ lý Chi bộ" in text for text in admin.texts)
