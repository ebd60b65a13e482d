"""Reading config.toml: defaults, the committed example, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import (
    Config,
    ConfigError,
    load_config,
    token_from_env,
    zalo_token_from_env,
    zalo_webhook_secret_from_env,
)

ROOT = Path(__file__).resolve().parent.parent


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_committed_example_is_the_defaults(tmp_path: Path) -> None:
    """The example config.toml loads and matches the built-in defaults."""
    loaded = load_config(ROOT / "config.toml")
    defaults = Config()
    assert loaded.bot == defaults.bot
    assert loaded.time == defaults.time
    assert loaded.reminders.before == ("3d", "1d", "2h")
    assert loaded.zalo == defaults.zalo
    assert Path(loaded.storage.path) == ROOT / "chibo.sqlite3"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[bot]\ntokken = 'x'\n", "bot.tokken"),
        ("[bott]\n", "[bott]"),
        ("[meetings]\ndefault_day = '3'\n", "meetings.default_day"),
        ("[meetings]\ndefault_day = 31\n", "meetings.default_day"),
        ("[bot]\nadmins = [1, 'a']\n", "bot.admins[1]"),
        ("[bot]\nadmins = 5\n", "bot.admins"),
        ("[time]\ntimezone = 'Mars/Base'\n", "time.timezone"),
        ("[time]\nquiet_hours = ['21:30']\n", "time.quiet_hours"),
        ("[reminders]\nbefore = ['3 days']\n", "reminders.before[0]"),
        ("[digest]\nmonthly_day = true\n", "digest.monthly_day"),
        ("[bot]\napi_base_url = 'ftp://x'\n", "bot.api_base_url"),
        ("[zalo]\nenabled = 'yes'\n", "zalo.enabled"),
        ("[zalo]\napi_base_url = 'bot-api.zaloplatforms.com'\n", "zalo.api_base_url"),
        ("[zalo]\nlisten = '8088'\n", "zalo.listen"),
        ("[zalo]\nlisten = '127.0.0.1:99999'\n", "zalo.listen"),
        ("[zalo]\npublic_url = 'chibo.example.vn'\n", "zalo.public_url"),
        ("[zalo]\nbot_url = 'zalo.me/123'\n", "zalo.bot_url"),
        ("[zalo]\nmax_messages_per_second = -1\n", "zalo.max_messages_per_second"),
        ("[zalo]\nmax_messages_per_second = 2.5\n", "zalo.max_messages_per_second"),
        ("[zalo]\ntoken = '1:abc'\n", "zalo.token"),
    ],
)
def test_wrong_config_names_the_key(tmp_path: Path, text: str, named: str) -> None:
    """An unknown key, a wrong type or a bad value stops loading with the key named."""
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text))
    assert named in str(caught.value)


def test_relative_storage_path_is_next_to_the_config(tmp_path: Path) -> None:
    """A relative database path is read from the config file's folder."""
    config = load_config(_write(tmp_path, "[storage]\npath = 'data/db.sqlite3'\n"))
    assert Path(config.storage.path) == tmp_path / "data" / "db.sqlite3"


def test_token_only_from_environment() -> None:
    """The token comes from BOT_TOKEN; a missing one is a clear error."""
    assert token_from_env({"BOT_TOKEN": " 1:abc "}) == "1:abc"
    with pytest.raises(ConfigError, match="BOT_TOKEN"):
        token_from_env({})


def test_zalo_secrets_only_from_environment() -> None:
    """The Zalo token and webhook secret come from the environment, with clear errors."""
    assert zalo_token_from_env({"ZALO_BOT_TOKEN": " 123:abc "}) == "123:abc"
    with pytest.raises(ConfigError, match="ZALO_BOT_TOKEN"):
        zalo_token_from_env({"BOT_TOKEN": "1:abc"})
    with pytest.raises(ConfigError, match="ZALO_BOT_TOKEN"):
        zalo_token_from_env({"ZALO_BOT_TOKEN": "no-colon"})
    secret = "s3cret-value_42"
    assert zalo_webhook_secret_from_env({"ZALO_WEBHOOK_SECRET": secret}) == secret
    for bad in ("", "short", "x" * 257, "has space inside", "dấu-tiếng-việt"):
        with pytest.raises(ConfigError, match="ZALO_WEBHOOK_SECRET"):
            zalo_webhook_secret_from_env({"ZALO_WEBHOOK_SECRET": bad})


def test_run_without_token_exits_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`chibo run` without BOT_TOKEN stops at once and says what to set."""
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    status = main(["run", "--config", str(_write(tmp_path, ""))])
    assert status == 2
    assert "BOT_TOKEN" in capsys.readouterr().err


def test_bad_config_file_exits_with_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A config error on the command line is reported in Vietnamese with the key."""
    status = main(["import", "x.csv", "--config", str(_write(tmp_path, "[bot]\nfoo = 1\n"))])
    assert status == 2
    err = capsys.readouterr().err
    assert "bot.foo" in err
    assert "Lỗi cấu hình" in err
