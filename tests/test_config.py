"""Reading config.toml: defaults, the committed example, and errors that name the key."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import typing
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
from chibo_devtools.telegram import FakeTelegram
from tests.helpers import TOKEN, chibo_process, codes, make_config, seed

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
        ("[digest]\nper_meeting_max_cells = -1\n", "digest.per_meeting_max_cells"),
        ("[storage]\nkeep_months = 0\n", "storage.keep_months"),
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


async def test_debug_log_never_shows_the_token(sim: FakeTelegram, tmp_path: Path) -> None:
    """At log_level DEBUG the running bot's log masks the token wherever a URL carries it."""
    config = make_config(tmp_path, sim.base_url)
    invite = codes(await seed(config))
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[bot]\napi_base_url = "{sim.base_url}"\nlog_level = "DEBUG"\n'
        f'[storage]\npath = "{config.storage.path}"\n',
        encoding="utf-8",
    )
    process = await chibo_process("run", "--config", str(config_file))
    try:
        an = sim.user("Nguyễn Văn An")
        assert (await an.send(f"/start {invite['Nguyễn Văn An']}", timeout=30)).text
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    log = err.decode()
    assert "getUpdates" in log  # DEBUG lines were written
    assert TOKEN.partition(":")[2] not in log


def _text_keys() -> list[str]:
    """Every text key of the config ("table.key"), read from the dataclasses themselves."""
    keys = []
    for table in dataclasses.fields(Config):
        table_type = typing.get_type_hints(Config)[table.name]
        for name, hint in typing.get_type_hints(table_type).items():
            if hint is str:
                keys.append(f"{table.name}.{name}")
    return keys


@pytest.mark.parametrize("key", _text_keys())
def test_every_text_value_is_bounded(tmp_path: Path, key: str) -> None:
    """A 5,000-character value for any text key is refused with the key named."""
    table, name = key.split(".")
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, f"[{table}]\n{name} = '{'x' * 5000}'\n"))
    assert key in str(caught.value)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (f"[meetings]\ndefault_place = '{'Nhà văn hóa ' * 20}'\n", "meetings.default_place"),
        ("[meetings]\ndefault_place = '\u200b\u200b\u202e'\n", "meetings.default_place"),
        ("[reminders]\nbefore = ['1000000000d']\n", "reminders.before[0]"),
        ("[reminders]\nbefore = ['3d', '100000000000000000000000m']\n", "reminders.before[1]"),
        ("[reminders]\nbefore = ['32d']\n", "reminders.before[0]"),
        ("[storage]\npath = ''\n", "storage.path"),
        ("[storage]\npath = '.'\n", "storage.path"),
        ("[storage]\npath = 'config.toml/db.sqlite3'\n", "storage.path"),
        ("[bot]\nusername = 'not a bot name'\n", "bot.username"),
        ("[bot]\nadmins = [-5]\n", "bot.admins[0]"),
    ],
)
def test_values_that_would_break_every_message_are_refused(
    tmp_path: Path, text: str, named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values that pass a type check but break notices or storage name their key."""
    monkeypatch.delenv("CHIBO_DATABASE_URL", raising=False)  # storage.path is checked here
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text))
    assert named in str(caught.value)


def test_longest_offset_allowed_is_31_days(tmp_path: Path) -> None:
    """Reminders up to 31 days ahead are fine, in any unit."""
    config = load_config(_write(tmp_path, "[reminders]\nbefore = ['31d', '744h', '44640m']\n"))
    assert config.reminders.before == ("31d", "744h", "44640m")


def test_token_pasted_into_admins_is_not_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token pasted where an admin id belongs is named by key, never printed back."""
    token = "7123456789:AAHk3xQ-exampleSecretPart_0123456789"
    config_file = _write(tmp_path, f"[bot]\nadmins = ['{token}']\n")
    assert main(["import", "x.csv", "--config", str(config_file)]) == 2
    err = capsys.readouterr().err
    assert "bot.admins[0]" in err
    assert token.partition(":")[2] not in err


def _chibo(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as a separate process, as an administrator runs it."""
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", **env},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_cli_storage_path_under_a_file_names_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chibo import` with a storage.path that cannot be a file says so, without a traceback."""
    monkeypatch.delenv("CHIBO_DATABASE_URL", raising=False)  # the SQLite file is the subject
    (tmp_path / "plain").write_text("", encoding="utf-8")
    config_file = _write(tmp_path, f"[storage]\npath = '{tmp_path / 'plain' / 'db.sqlite3'}'\n")
    done = _chibo("import", "x.csv", "--config", str(config_file))
    assert done.returncode == 2
    assert "storage.path" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_backup_into_a_folder_names_the_folder(tmp_path: Path) -> None:
    """`chibo backup DIR` asks for a file name instead of failing with a traceback."""
    config_file = _write(tmp_path, f"[storage]\npath = '{tmp_path / 'db.sqlite3'}'\n")
    done = _chibo("backup", str(tmp_path), "--config", str(config_file))
    assert done.returncode == 2
    assert f"{tmp_path} là một thư mục" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_run_against_an_unreachable_api_names_the_key(tmp_path: Path) -> None:
    """`chibo run` with nothing listening at bot.api_base_url says which key to check."""
    config_file = _write(
        tmp_path,
        "[bot]\napi_base_url = 'http://127.0.0.1:9/bot'\n"
        f"[storage]\npath = '{tmp_path / 'db.sqlite3'}'\n",
    )
    done = _chibo("run", "--config", str(config_file), BOT_TOKEN="123456:TEST-TOKEN-SECRET")
    assert done.returncode == 2
    assert "bot.api_base_url" in done.stderr
    assert "Traceback" not in done.stderr
    assert "TEST-TOKEN-SECRET" not in done.stderr


def test_storage_url_names_the_database_and_the_environment_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A url in [storage] names the database; CHIBO_DATABASE_URL, when set, wins over it."""
    monkeypatch.delenv("CHIBO_DATABASE_URL", raising=False)
    config_file = _write(tmp_path, "[storage]\nurl = 'postgresql://chibo@db.example/chibo'\n")
    assert load_config(config_file).storage.database == "postgresql://chibo@db.example/chibo"
    monkeypatch.setenv("CHIBO_DATABASE_URL", "postgresql://chibo:secret@other/chibo")
    assert load_config(config_file).storage.database == "postgresql://chibo:secret@other/chibo"
    monkeypatch.delenv("CHIBO_DATABASE_URL")
    plain = load_config(_write(tmp_path, "[storage]\npath = 'db.sqlite3'\n"))
    assert plain.storage.database == str(tmp_path / "db.sqlite3")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://chibo:secret@db.example/chibo",
        "postgresql://chibo@db.example/chibo?password=secret",
        "mysql://chibo@db.example/chibo",
        "postgresql://db.example:port/chibo",
    ],
)
def test_a_password_or_a_wrong_url_in_the_config_is_refused_naming_the_key(
    tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A password written in storage.url, or a url of another form, stops start-up naming it."""
    monkeypatch.delenv("CHIBO_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, f"[storage]\nurl = '{url}'\n"))
    assert caught.value.params["key"] == "storage.url"
    assert "secret" not in str(caught.value.params)
