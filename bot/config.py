"""Reading config.toml into frozen dataclasses; the token comes only from the environment."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.models import N_
from bot.domain.schedule import MAX_PLACE_CHARS, parse_offset
from bot.storage.dialect import sqlite_path

LANGUAGES = ("vi", "en")

# Bounds on config values: every text ends up in messages, URLs or file names, and a value far
# past these is a paste gone wrong (README, "Config limits").
MAX_TEXT_CHARS = 1000  # any text value not bounded more tightly below
MAX_URL_CHARS = 500  # bot.api_base_url, bot.api_file_url
MAX_PATH_CHARS = 1000  # storage.path, storage.url, scorecard.path
DATABASE_URL_VARIABLE = "CHIBO_DATABASE_URL"
MAX_LIST_ITEMS = 100  # bot.admins, reminders.before, time.quiet_hours
MAX_OFFSET_DAYS = 31  # reminders.before: "31d", "744h", "44640m" at most
MAX_TIMEZONE_CHARS = 64
# A Telegram chat id fits in 52 bits; anything bigger is not one (a pasted token, a phone).
MAX_CHAT_ID = 2**52
_USERNAME = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")
# What a bot token looks like: a value shaped like this is never repeated back in an error.
_TOKEN_LIKE = re.compile(r"\d{3,}:[A-Za-z0-9_-]{10,}")


class ConfigError(Exception):
    """A config problem a person can fix; the message names the key."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def render(self, gettext: Callable[[str], str]) -> str:
        """The message in the reader's language."""
        params = {k: gettext(v) if isinstance(v, _Msgid) else v for k, v in self.params.items()}
        return gettext(self.message).format(**params)


class _Msgid(str):
    """A parameter that is itself a message, translated when the error is shown."""

    __slots__ = ()


@dataclass(frozen=True)
class BotConfig:
    """[bot]: how to reach the Bot API and who administers the service."""

    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    username: str = ""
    admins: tuple[int, ...] = ()
    default_language: str = "vi"
    log_level: str = "INFO"
    # Telegram's overall limit for one bot; 0 turns pacing off (a local Bot API server).
    max_messages_per_second: int = 30


@dataclass(frozen=True)
class StorageConfig:
    """[storage]: where the database lives, and how long delivery rows are kept."""

    path: str = "chibo.sqlite3"
    # sqlite:///path or postgresql://host/db; empty = the SQLite file at `path`. The environment's
    # CHIBO_DATABASE_URL overrides it; a password comes only from there or from PGPASSWORD.
    url: str = ""
    # Months the record of sent messages is kept (the scorecard's "notice sent" looks back a
    # year); older delivery rows are pruned by the planner.
    keep_months: int = 13

    @property
    def database(self) -> str:
        """What Database.open is given: the url when there is one, else the SQLite file."""
        return self.url or self.path


@dataclass(frozen=True)
class TimeConfig:
    """[time]: the time zone and the hours when nobody is disturbed."""

    timezone: str = "Asia/Ho_Chi_Minh"
    quiet_hours: tuple[str, ...] = ("21:30", "06:30")


@dataclass(frozen=True)
class MeetingsConfig:
    """[meetings]: the default monthly slot of every cell."""

    default_day: int = 3
    default_time: str = "19:30"
    default_place: str = "Nhà văn hóa"


@dataclass(frozen=True)
class RemindersConfig:
    """[reminders]: when notices go out before a meeting."""

    before: tuple[str, ...] = ("3d", "1d", "2h")


@dataclass(frozen=True)
class DigestConfig:
    """[digest]: when cadres get the monthly digest, and when per-meeting digests roll up."""

    monthly_day: int = 10
    # A cadre following more cells than this gets one daily roll-up instead of one digest
    # per meeting.
    per_meeting_max_cells: int = 10


@dataclass(frozen=True)
class ScorecardConfig:
    """[scorecard]: the card meetings are scored on; empty means the default card."""

    path: str = ""


@dataclass(frozen=True)
class RulesConfig:
    """[rules]: the attendance rules the bot watches."""

    # A cell with no meeting held by this day of the month is flagged.
    meeting_deadline_day: int = 25


@dataclass(frozen=True)
class InvitesConfig:
    """[invites]: how long an invite code stays valid."""

    valid_days: int = 30


@dataclass(frozen=True)
class ZaloConfig:
    """[zalo]: the Zalo Bot Platform channel; its token and secret come from the environment."""

    enabled: bool = False
    api_base_url: str = "https://bot-api.zaloplatforms.com"
    # Where the webhook server listens, behind the admin's HTTPS reverse proxy.
    listen: str = "127.0.0.1:8088"
    # The HTTPS address the proxy serves this process at; empty: long polling, no photo links.
    public_url: str = ""
    # Zalo publishes no rate limits (a 429 exists). 5 a second, a sixth of Telegram's 30, still
    # sends a 150-member notice wave in half a minute; a 429 backs the whole channel off anyway.
    # 0 turns pacing off (only for the simulator or a benchmark).
    max_messages_per_second: int = 5
    # The bot's link people open or scan (printed as a QR code on invite cards).
    bot_url: str = ""


@dataclass(frozen=True)
class Config:
    """The whole configuration, one dataclass per table."""

    bot: BotConfig = field(default_factory=BotConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    meetings: MeetingsConfig = field(default_factory=MeetingsConfig)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    invites: InvitesConfig = field(default_factory=InvitesConfig)
    scorecard: ScorecardConfig = field(default_factory=ScorecardConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    zalo: ZaloConfig = field(default_factory=ZaloConfig)

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.time.timezone)


_TYPE_NAMES: dict[type, str] = {
    str: _Msgid(N_("một chuỗi")),
    int: _Msgid(N_("một số nguyên")),
    bool: _Msgid(N_("true hoặc false")),
}

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_OFFSET = re.compile(r"^[1-9]\d*[dhm]$")


def load_config(path: Path | None, *, base_dir: Path | None = None) -> Config:
    """Read and check a config file; None gives the defaults. Raises ConfigError."""
    if path is None:
        return _from_environment(Config())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(N_("Không tìm thấy tệp cấu hình {path}"), path=path) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            N_("{path} không phải TOML hợp lệ: {error}"), path=path, error=exc
        ) from exc
    config = parse_config(raw)
    if config.scorecard.path and not Path(config.scorecard.path).is_absolute():
        anchor = base_dir if base_dir is not None else path.parent
        config = dataclasses.replace(
            config,
            scorecard=ScorecardConfig(path=str((anchor / config.scorecard.path).resolve())),
        )
    storage = Path(config.storage.path)
    if not storage.is_absolute():
        # A relative database path is read from the config file's folder, not the cwd.
        anchor = base_dir if base_dir is not None else path.parent
        config = dataclasses.replace(
            config,
            storage=dataclasses.replace(config.storage, path=str((anchor / storage).resolve())),
        )
    config = _from_environment(config)
    sqlite_file = sqlite_path(config.storage.database)
    if sqlite_file is not None:
        _check_storage(Path(sqlite_file))
    return config


def _from_environment(config: Config) -> Config:
    """CHIBO_DATABASE_URL, when set, names the database instead of the config file."""
    url = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
    if not url:
        return config
    _check_url(DATABASE_URL_VARIABLE, url, password_allowed=True)
    return dataclasses.replace(config, storage=dataclasses.replace(config.storage, url=url))


def _check_url(key: str, url: str, *, password_allowed: bool) -> None:
    """A database url is sqlite:///path or postgresql://...; the config file holds no password."""
    if len(url) > MAX_PATH_CHARS or not url.startswith(
        ("sqlite:///", "postgresql://", "postgres://")
    ):
        raise ConfigError(
            N_("{key} phải có dạng sqlite:///đường/dẫn hoặc postgresql://máy/cơ_sở_dữ_liệu"),
            key=key,
        )
    if url.startswith("sqlite:///"):
        return
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError as exc:
        raise ConfigError(
            N_("{key} phải có dạng sqlite:///đường/dẫn hoặc postgresql://máy/cơ_sở_dữ_liệu"),
            key=key,
        ) from exc
    query = {name.lower() for name, _ in parse_qsl(parts.query)}
    if not password_allowed and (parts.password is not None or "password" in query):
        raise ConfigError(
            N_(
                "{key}: không ghi mật khẩu vào tệp cấu hình; hãy đặt nó trong biến môi trường "
                "CHIBO_DATABASE_URL hoặc PGPASSWORD"
            ),
            key=key,
        )


def _check_storage(path: Path) -> None:
    """The database file can be created or written; else say so, naming storage.path."""
    if path.is_dir():
        raise ConfigError(
            N_("{key}: {path} là một thư mục; hãy ghi tên tệp cơ sở dữ liệu"),
            key="storage.path",
            path=path,
        )
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the database's folders are made when it is opened
    writable = os.access(path, os.W_OK) if path.exists() else os.access(folder, os.W_OK)
    if not folder.is_dir() or not writable:
        raise ConfigError(N_("{key}: không ghi được vào {path}"), key="storage.path", path=path)


def parse_config(raw: Mapping[str, object]) -> Config:
    """Build a Config from parsed TOML, naming the first wrong key."""
    tables = {f.name: f for f in dataclasses.fields(Config)}
    values: dict[str, object] = {}
    for name, value in raw.items():
        if name not in tables:
            raise ConfigError(
                N_("Không biết bảng [{table}]; các bảng hợp lệ: {known}"),
                table=name,
                known=", ".join(tables),
            )
        if not isinstance(value, dict):
            raise ConfigError(N_("[{table}] phải là một bảng"), table=name)
        table_type = typing.get_type_hints(Config)[name]
        values[name] = _parse_table(name, table_type, value)
    config = Config(**values)  # type: ignore[arg-type]
    _check(config)
    return config


def _parse_table(table: str, cls: type, raw: Mapping[str, object]) -> object:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, object] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(
                N_("Không biết khóa {key}; các khóa hợp lệ của [{table}]: {known}"),
                key=f"{table}.{key}",
                table=table,
                known=", ".join(sorted(known)),
            )
        kwargs[key] = _coerce(f"{table}.{key}", hints[key], value)
    return cls(**kwargs)


def _coerce(key: str, hint: object, value: object) -> object:
    if typing.get_origin(hint) is tuple:
        item_type = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise ConfigError(N_("{key} phải là một danh sách"), key=key)
        if len(value) > MAX_LIST_ITEMS:
            raise ConfigError(
                N_("{key} có quá nhiều mục: tối đa {high}"), key=key, high=MAX_LIST_ITEMS
            )
        return tuple(_coerce(f"{key}[{i}]", item_type, item) for i, item in enumerate(value))
    if isinstance(hint, type):
        # bool is an int in Python; a config value of true for a number is still a mistake.
        if isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
            if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
                raise ConfigError(
                    N_("{key} quá dài: tối đa {high} ký tự"), key=key, high=MAX_TEXT_CHARS
                )
            return value
        raise ConfigError(
            N_("{key} phải là {expected}, không phải {value}"),
            key=key,
            expected=_TYPE_NAMES.get(hint, hint.__name__),
            value=_quoted(value),
        )
    raise TypeError(hint)  # a programming error, not a config one


def _quoted(value: object) -> str:
    """A wrong value as the error repeats it: short, and never a pasted token."""
    text = repr(value)
    if _TOKEN_LIKE.search(text):
        return "«…»"  # a token in the wrong place must not end up in a terminal or a log
    return text if len(text) <= 40 else text[:39] + "…"


def _too_long(key: str, value: str, high: int) -> None:
    if len(value) > high:
        raise ConfigError(N_("{key} quá dài: tối đa {high} ký tự"), key=key, high=high)


def _visible(text: str) -> str:
    """The text without invisible format characters (zero-width spaces, bidi marks)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def _offset_in_bounds(offset: str) -> bool:
    try:
        return parse_offset(offset) <= timedelta(days=MAX_OFFSET_DAYS)
    except ValueError:  # too large for a timedelta at all
        return False


def _check(config: Config) -> None:
    """Check values, not just types."""
    for key, url in (
        ("bot.api_base_url", config.bot.api_base_url),
        ("bot.api_file_url", config.bot.api_file_url),
    ):
        if not url.startswith(("http://", "https://")):
            raise ConfigError(N_("{key} phải bắt đầu bằng http:// hoặc https://"), key=key)
        _too_long(key, url, MAX_URL_CHARS)
    if config.bot.username and not _USERNAME.match(config.bot.username):
        raise ConfigError(
            N_("{key} phải là tên bot Telegram: 5–32 chữ cái, chữ số hoặc dấu _"),
            key="bot.username",
        )
    for i, admin in enumerate(config.bot.admins):
        if not 0 < admin < MAX_CHAT_ID:
            raise ConfigError(
                N_("{key} phải là mã số chat Telegram (một số dương)"), key=f"bot.admins[{i}]"
            )
    if config.bot.default_language not in LANGUAGES:
        raise ConfigError(
            N_("{key} phải là một trong: {allowed}"),
            key="bot.default_language",
            allowed=", ".join(LANGUAGES),
        )
    if config.bot.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(
            N_("{key} phải là một trong: {allowed}"),
            key="bot.log_level",
            allowed="DEBUG, INFO, WARNING, ERROR",
        )
    if not 0 <= config.bot.max_messages_per_second <= 1000:
        raise ConfigError(
            N_("{key} phải từ {low} đến {high}"),
            key="bot.max_messages_per_second",
            low=0,
            high=1000,
        )
    _too_long("time.timezone", config.time.timezone, MAX_TIMEZONE_CHARS)
    try:
        ZoneInfo(config.time.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            N_("{key}: không biết múi giờ {value}"),
            key="time.timezone",
            value=config.time.timezone,
        ) from exc
    quiet = config.time.quiet_hours
    if len(quiet) not in (0, 2) or not all(_HHMM.match(q) for q in quiet):
        raise ConfigError(
            N_('{key} phải là [] hoặc hai giờ dạng ["21:30", "06:30"]'), key="time.quiet_hours"
        )
    if not 1 <= config.meetings.default_day <= 28:
        raise ConfigError(
            N_("{key} phải từ {low} đến {high}"), key="meetings.default_day", low=1, high=28
        )
    if not _HHMM.match(config.meetings.default_time):
        raise ConfigError(N_('{key} phải là giờ dạng "19:30"'), key="meetings.default_time")
    if not _visible(config.meetings.default_place):
        raise ConfigError(N_("{key} không được để trống"), key="meetings.default_place")
    _too_long("meetings.default_place", config.meetings.default_place, MAX_PLACE_CHARS)
    for i, offset in enumerate(config.reminders.before):
        if not _OFFSET.match(offset):
            raise ConfigError(
                N_('{key} phải là một số kèm đơn vị d, h hoặc m, như "3d"'),
                key=f"reminders.before[{i}]",
            )
        if not _offset_in_bounds(offset):
            raise ConfigError(
                N_("{key} quá xa: nhắc trước tối đa {high} ngày"),
                key=f"reminders.before[{i}]",
                high=MAX_OFFSET_DAYS,
            )
    if not config.storage.path.strip():
        raise ConfigError(N_("{key} không được để trống"), key="storage.path")
    _too_long("storage.path", config.storage.path, MAX_PATH_CHARS)
    if config.storage.url:
        _check_url("storage.url", config.storage.url, password_allowed=False)
    _too_long("scorecard.path", config.scorecard.path, MAX_PATH_CHARS)
    if not 1 <= config.storage.keep_months <= 120:
        raise ConfigError(
            N_("{key} phải từ {low} đến {high}"), key="storage.keep_months", low=1, high=120
        )
    if not 0 <= config.digest.per_meeting_max_cells <= 100_000:
        raise ConfigError(
            N_("{key} phải từ {low} đến {high}"),
            key="digest.per_meeting_max_cells",
            low=0,
            high=100_000,
        )
    if not 1 <= config.digest.monthly_day <= 28:
        raise ConfigError(
            N_("{key} phải từ {low} đến {high}"), key="digest.monthly_day", low=1, high=28
        )
    if not 1 <= config.rules.meeting_deadline_day <= 28:
        raise ConfigError(
            N_("{key} phải từ {low} đến {high}"), key="rules.meeting_deadline_day", low=1, high=28
        )
    if not 1 <= config.invites.valid_days <= 365:
        raise ConfigError(
            N_("{key} phải từ {low} đến {high}"), key="invites.valid_days", low=1, high=365
        )
    _check_zalo(config.zalo)


_LISTEN = re.compile(r"^(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})$")


def _check_zalo(zalo: ZaloConfig) -> None:
    """Check the [zalo] values."""
    for key, url, may_be_empty in (
        ("zalo.api_base_url", zalo.api_base_url, False),
        ("zalo.public_url", zalo.public_url, True),
        ("zalo.bot_url", zalo.bot_url, True),
    ):
        if may_be_empty and not url:
            continue
        if not url.startswith(("http://", "https://")) or any(c.isspace() for c in url):
            raise ConfigError(N_("{key} phải bắt đầu bằng http:// hoặc https://"), key=key)
    listen = _LISTEN.match(zalo.listen)
    if listen is None or not 1 <= int(listen.group("port")) <= 65535:
        raise ConfigError(
            N_('{key} phải có dạng "máy:cổng", như "127.0.0.1:8088"'), key="zalo.listen"
        )
    if not 0 <= zalo.max_messages_per_second <= 1000:
        raise ConfigError(
            N_("{key} phải từ {low} đến {high}"),
            key="zalo.max_messages_per_second",
            low=0,
            high=1000,
        )


def token_from_env(env: Mapping[str, str]) -> str:
    """The bot token from BOT_TOKEN; a missing one is a ConfigError."""
    token = env.get("BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            N_(
                "Chưa đặt BOT_TOKEN: hãy đặt mã bot lấy từ @BotFather vào biến môi trường "
                "BOT_TOKEN (mã không bao giờ được đọc từ config.toml)"
            )
        )
    if ":" not in token:
        raise ConfigError(N_("BOT_TOKEN không giống mã bot (dạng 123456:ABC...)"))
    return token


def zalo_token_from_env(env: Mapping[str, str]) -> str:
    """The Zalo bot token from ZALO_BOT_TOKEN; a missing one is a ConfigError."""
    token = env.get("ZALO_BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            N_(
                "Chưa đặt ZALO_BOT_TOKEN: hãy đặt mã bot Zalo (Zalo Bot Manager gửi khi tạo bot) "
                "vào biến môi trường ZALO_BOT_TOKEN (mã không bao giờ được đọc từ config.toml)"
            )
        )
    if ":" not in token or any(c.isspace() or c == "/" for c in token):
        raise ConfigError(N_("ZALO_BOT_TOKEN không giống mã bot Zalo (dạng 123456789:abc...)"))
    return token


def zalo_webhook_secret_from_env(env: Mapping[str, str]) -> str:
    """The webhook secret from ZALO_WEBHOOK_SECRET: 8–256 visible ASCII characters."""
    secret = env.get("ZALO_WEBHOOK_SECRET", "").strip()
    if not secret:
        raise ConfigError(
            N_(
                "Chưa đặt ZALO_WEBHOOK_SECRET: hãy đặt một chuỗi bí mật ngẫu nhiên (8–256 ký tự) "
                "vào biến môi trường ZALO_WEBHOOK_SECRET"
            )
        )
    # Zalo sends it back in an HTTP header, where only visible ASCII travels unchanged.
    if not 8 <= len(secret) <= 256 or not all("!" <= c <= "~" for c in secret):
        raise ConfigError(
            N_("ZALO_WEBHOOK_SECRET phải dài 8–256 ký tự ASCII, không có khoảng trắng")
        )
    return secret
