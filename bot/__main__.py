"""The `chibo` command: run the bot, run the offline demo, import the organisation."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import (
    Config,
    ConfigError,
    load_config,
    token_from_env,
    zalo_token_from_env,
    zalo_webhook_secret_from_env,
)
from bot.domain.orgfile import MAX_CELL_CHARS
from bot.i18n import CatalogError, Catalogs, Translator
from bot.services.org_import import ImportReport, import_org_file
from bot.storage.db import Database, PgDumpError, PgDumpMissingError
from bot.storage.dialect import sqlite_path


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one subcommand; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        t = Catalogs(config.bot.default_language).get(None)
    except ConfigError as exc:
        fallback = _bare_translator()
        print(
            fallback._("Lỗi cấu hình: {error}").format(error=exc.render(fallback._)),
            file=sys.stderr,
        )
        return 2
    except CatalogError as exc:
        print(f"catalog error: {exc}", file=sys.stderr)
        return 2
    _setup_logging(config)
    try:
        if args.command == "run":
            return _run(config, t)
        if args.command == "demo":
            from chibo_devtools.demo.run import run_demo

            channels = (args.channel,) if args.channel else ("zalo", "telegram")
            return asyncio.run(run_demo(config, out_dir=args.out, channels=channels))
        if args.command == "zalo":
            return asyncio.run(_zalo_check(config, t, args.to))
        if args.command == "import":
            return asyncio.run(_import(config, t, args.org_file, args.invites))
        if args.command == "export":
            return asyncio.run(_export(config, t, args))
        if args.command == "report":
            return asyncio.run(_report(config, t, args.unit, args.month))
        if args.command == "backup":
            if args.out.is_dir():
                if sqlite_path(config.storage.database) is None:
                    advice = t._(
                        "{path} là một thư mục; hãy ghi tên tệp sao lưu, như {path}/chibo.dump."
                    )
                else:
                    advice = t._(
                        "{path} là một thư mục; hãy ghi tên tệp sao lưu, như {path}/chibo.sqlite3."
                    )
                print(advice.format(path=args.out), file=sys.stderr)
                return 2
            return asyncio.run(_backup(config, t, args.out))
        if args.command == "db":
            from bot.cli.db import run_db

            return asyncio.run(run_db(config, t, args))
        if args.command == "explain":
            from bot.cli_explain import main_explain

            return main_explain(args.reply, t)
        if args.command == "invites":
            from bot.cli.invites import run_invites

            return asyncio.run(run_invites(config, t, args, username_of=_bot_username))
    except ConfigError as exc:
        print(t._("Lỗi cấu hình: {error}").format(error=exc.render(t._)), file=sys.stderr)
        return 2
    parser.print_help()
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chibo", description="Trợ lý Chi bộ")
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument(
        "--config", type=Path, default=None, help="config.toml (default: built-in defaults)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run",
        parents=[config],
        help="run the bot (Telegram: BOT_TOKEN; Zalo: [zalo] enabled and ZALO_BOT_TOKEN)",
    )
    demo = sub.add_parser(
        "demo", parents=[config], help="offline demo against a local Bot API simulator"
    )
    demo.add_argument("--out", type=Path, default=None, help="folder for the demo's files")
    demo.add_argument(
        "--channel",
        choices=("zalo", "telegram"),
        default=None,
        help="tell the evening on one channel (default: Zalo, then Telegram)",
    )
    zalo = sub.add_parser("zalo", help="the Zalo channel")
    zalo_sub = zalo.add_subparsers(dest="zalo_command", required=True)
    check = zalo_sub.add_parser(
        "check",
        parents=[config],
        help="check ZALO_BOT_TOKEN, the webhook, and send one test message",
    )
    check.add_argument("--to", default=None, help="the admin's Zalo chat id for a test message")
    imp = sub.add_parser("import", parents=[config], help="load the organisation from CSV or XLSX")
    imp.add_argument("org_file", type=Path)
    imp.add_argument("--invites", type=Path, default=None, help="write invite links to this CSV")
    exp = sub.add_parser(
        "export", parents=[config], help="attendance, scores, ratings, kiến nghị as XLSX or CSV"
    )
    exp.add_argument("--unit", default=None, help="unit path (default: every cell)")
    exp.add_argument(
        "--period",
        default="",
        help="11/2026, tháng 11, T11, tháng trước or 2026 (default: this month)",
    )
    exp.add_argument(
        "--format",
        choices=("xlsx", "csv"),
        default=None,
        help="default: from --out's suffix, else xlsx",
    )
    exp.add_argument(
        "--sheet",
        choices=("attendance", "scores", "ratings", "petitions"),
        default="attendance",
        help="for CSV: which sheet",
    )
    exp.add_argument("--out", type=Path, required=True, help="the file to write")
    rep = sub.add_parser("report", parents=[config], help="print a month's digest for a unit")
    rep.add_argument("--unit", default=None, help="unit path or name (default: every cell)")
    rep.add_argument(
        "--month", default="", help="11/2026, tháng 11, T11, tháng trước (default: last month)"
    )
    bak = sub.add_parser(
        "backup",
        parents=[config],
        help="a consistent copy of the database (PostgreSQL: pg_dump's custom format)",
    )
    bak.add_argument("out", type=Path, help="the backup file to write")
    from bot.cli.db import add_parser as add_db_parser

    add_db_parser(sub, config)
    exp_reply = sub.add_parser(
        "explain", parents=[config], help="how a reply to a meeting notice is read, and why"
    )
    exp_reply.add_argument("reply", help='the reply, in quotes: "em xin vắng vì ốm"')
    inv = sub.add_parser(
        "invites", parents=[config], help="invite cards (PDF) or codes (CSV); wrong-code counts"
    )
    inv.add_argument("--pdf", type=Path, default=None, help="one card per person not linked")
    inv.add_argument("--csv", type=Path, default=None, help="moi.csv, without importing")
    inv.add_argument("--unit", default=None, help="unit path or name (default: everyone)")
    return parser


def _bare_translator() -> Translator:
    lang = "en" if os.environ.get("LANG", "").startswith("en") else "vi"
    return Catalogs(lang).get(lang)


class TokenFilter(logging.Filter):
    """Masks the bot token in every log record: httpx and PTB log URLs that contain it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    @staticmethod
    def mask(text: str, token: str) -> str:
        """The text with the token (and its secret half alone) replaced by a mark."""
        if not token:
            return text
        text = text.replace(token, "<BOT_TOKEN>")
        secret = token.partition(":")[2]
        return text.replace(secret, "<BOT_TOKEN>") if len(secret) >= 8 else text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with the token masked; never drops a record."""
        message = record.getMessage()
        masked = self.mask(message, self.token)
        if record.exc_info and record.exc_info[1] is not None:
            # A traceback is formatted later from the exception: mask its text here instead.
            formatted = logging.Formatter().formatException(record.exc_info)
            hidden = self.mask(formatted, self.token)
            if hidden != formatted:
                masked = f"{masked}\n{hidden}"
                record.exc_info, record.exc_text = None, None
        if masked != message:
            record.msg, record.args = masked, None
        return True


def _setup_logging(config: Config) -> None:
    logging.basicConfig(
        level=config.bot.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The Zalo token sits in its API's URLs the same way.
    for name in ("BOT_TOKEN", "ZALO_BOT_TOKEN"):
        token = os.environ.get(name, "").strip()
        if token:
            # On the handlers, so records of every logger (httpx, telegram, ours) pass.
            for handler in logging.getLogger().handlers:
                handler.addFilter(TokenFilter(token))
    # Every Bot API call is logged by httpx at INFO; that drowns what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _run(config: Config, t: Translator) -> int:
    from bot.app import run, run_channels
    from bot.chat.turn import read_card

    read_card(config)  # a broken scorecard file stops here, with its reason
    zalo_token = ""
    secret = ""
    if config.zalo.enabled:
        if os.environ.get("ZALO_BOT_TOKEN", "").strip() or not os.environ.get("BOT_TOKEN"):
            zalo_token = zalo_token_from_env(os.environ)
        else:
            logging.getLogger(__name__).warning("[zalo] enabled but ZALO_BOT_TOKEN is not set")
        if config.zalo.public_url and os.environ.get("ZALO_WEBHOOK_SECRET", "").strip():
            secret = zalo_webhook_secret_from_env(os.environ)
    token = os.environ.get("BOT_TOKEN", "").strip()
    if token or not zalo_token:
        token = token_from_env(os.environ)
        problem = asyncio.run(_api_problem(config, t, token))
        if problem:
            print(problem, file=sys.stderr)
            return 2
    if not zalo_token:
        run(config, token)
        return 0
    problem = asyncio.run(_zalo_problem(config, t, zalo_token))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    run_channels(config, telegram_token=token, zalo_token=zalo_token, zalo_secret=secret)
    return 0


async def _zalo_problem(config: Config, t: Translator, token: str) -> str | None:
    """Why the Zalo Bot Platform cannot be used with this config and token, or None."""
    from bot.channels.zalo.check import failure_line
    from bot.channels.zalo.client import ZaloClient, ZaloError

    async with ZaloClient(token, config.zalo.api_base_url) as client:
        try:
            await client.get_me()
        except ZaloError as exc:
            return failure_line(t, exc)
    return None


async def _zalo_check(config: Config, t: Translator, to: str | None) -> int:
    """`chibo zalo check`: the token, the webhook, one test message; a line for each."""
    from bot.channels.zalo.check import zalo_check
    from bot.channels.zalo.client import ZaloClient

    token = zalo_token_from_env(os.environ)
    async with ZaloClient(token, config.zalo.api_base_url) as client:
        lines = await zalo_check(client, to, t)
    for line in lines:
        print(line)
    return 1 if any(line.startswith("✗") for line in lines) else 0


async def _api_problem(config: Config, t: Translator, token: str) -> str | None:
    """Why the Bot API cannot be used with this config and token, or None if it can."""
    # Asked once before starting, so that a wrong URL or token is one clear line, not the
    # framework's traceback.
    try:
        async with Bot(token, base_url=config.bot.api_base_url):
            return None
    except InvalidToken:
        return t._("Telegram không nhận mã BOT_TOKEN này; hãy lấy lại mã từ @BotFather.")
    except NetworkError as exc:
        return t._(
            "Không kết nối được tới Bot API ở {url} (khóa bot.api_base_url): {error}"
        ).format(url=config.bot.api_base_url, error=TokenFilter.mask(str(exc), token))


async def _bot_username(config: Config) -> str | None:
    """The bot's username: asked from the Bot API when a token is set, else from config."""
    token = os.environ.get("BOT_TOKEN", "").strip()
    if token:
        bot = Bot(token, base_url=config.bot.api_base_url)
        try:
            async with bot:
                return bot.username
        except TelegramError as exc:
            logging.getLogger(__name__).warning("getMe failed: %s", exc)
    return config.bot.username.lstrip("@") or None


async def _import(config: Config, t: Translator, org_file: Path, invites_out: Path | None) -> int:
    username = None
    if invites_out is not None:
        username = await _bot_username(config)
        if username is None:
            print(
                t._(
                    "Không biết tên bot để tạo đường link mời: đặt BOT_TOKEN, hoặc khóa "
                    "bot.username trong config.toml."
                ),
                file=sys.stderr,
            )
            return 2
    from bot.app import utc_now

    db = await Database.open(config.storage.database)
    try:
        report = await import_org_file(
            db,
            org_file,
            now=utc_now(),
            with_invites=invites_out is not None,
            invite_days=config.invites.valid_days,
        )
    finally:
        await db.close()
    print(render_report(t, org_file, report))
    if not report.ok:
        return 1
    if invites_out is not None and username is not None:
        _write_invites(invites_out, report, username, t)
        print(
            t.ngettext(
                "Đã ghi {n} mã mời vào {file}.",
                "Đã ghi {n} mã mời vào {file}.",
                len(report.invites),
            ).format(n=len(report.invites), file=invites_out)
        )
    return 0


def _write_invites(path: Path, report: ImportReport, username: str, t: Translator) -> None:
    from bot.cli.invites import write_import_invites

    write_import_invites(path, report, username, t)


# A broken file can have thousands of errors; the first ones are enough to see the pattern.
_MAX_ERRORS_SHOWN = 50


async def _export(config: Config, t: Translator, args: argparse.Namespace) -> int:
    from bot.chat.turn import read_card
    from bot.services.export import ExportError, export_to_file, make_labels

    fmt = args.format or ("csv" if args.out.suffix.lower() == ".csv" else "xlsx")
    labels = make_labels(t._, read_card(config))
    db = await Database.open(config.storage.database)
    try:
        rows = await export_to_file(
            db,
            args.unit,
            args.period,
            fmt,
            args.sheet,
            args.out,
            datetime.now(config.tz),
            config.tz,
            labels=labels,
        )
    except ExportError as exc:
        print(exc.render(t._), file=sys.stderr)
        return 2
    finally:
        await db.close()
    print(
        t.ngettext("Đã ghi {n} dòng vào {file}.", "Đã ghi {n} dòng vào {file}.", rows).format(
            n=rows, file=args.out
        )
    )
    return 0


async def _report(config: Config, t: Translator, unit: str | None, month_text: str) -> int:
    from bot.domain.months import Month, MonthError, read_whole_period
    from bot.services import reports
    from bot.views.digest import monthly_digest
    from bot.views.reports import rendered

    tz = config.tz
    today = datetime.now(tz).date()
    # The same words and default as /baocao: last month unless told.
    month = read_whole_period(month_text, today, default=Month.of(today).previous())
    if not isinstance(month, Month):
        reason = month.render(t._) if isinstance(month, MonthError) else ""
        example = t._('Ví dụ: --month 11/2026, --month T11, --month "tháng trước"')
        print(f"{reason}\n{example}".strip(), file=sys.stderr)
        return 2
    if unit is not None and len(unit) > MAX_CELL_CHARS:
        print(
            t._("Tên đơn vị quá dài: tối đa {max} ký tự.").format(max=MAX_CELL_CHARS),
            file=sys.stderr,
        )
        return 2
    db = await Database.open(config.storage.database)
    try:
        cells = await reports.cells_of(db, await _unit_ids(db, unit))
        if not cells:
            print(t._("Không có đơn vị nào tên «{name}».").format(name=unit), file=sys.stderr)
            return 2
        months = [rendered(t, r) for r in await reports.month_reports(db, cells, month.key, tz)]
    finally:
        await db.close()
    # The digest is written for a cadre by name; printed here it is for nobody in particular,
    # so its greeting line ("Kính gửi đồng chí {name},") is left out rather than left empty.
    nameless = t._("Kính gửi đồng chí {name},").format(name="")
    text = monthly_digest(t, "", month.key, months)
    print("\n".join(line for line in text.split("\n") if line != nameless))
    return 0


async def _unit_ids(db: Database, name: str | None) -> list[int]:
    from bot.domain.text import fold
    from bot.storage import units

    async with db.transaction() as conn:
        every = await units.all_units(conn)
    if not name:
        return [u.id for u in every if u.parent_id is None]
    wanted = fold(name)
    exact = [u.id for u in every if fold(u.path) == wanted or fold(u.name) == wanted]
    return exact or [u.id for u in every if wanted in fold(u.path)]


async def _backup(config: Config, t: Translator, out: Path) -> int:
    from bot.cli.db import open_or_problem

    db = await open_or_problem(config, t)
    if db is None:
        return 2
    try:
        await db.backup(out)
    except PgDumpMissingError:
        print(
            t._(
                "Chưa cài pg_dump nên không sao lưu được cơ sở dữ liệu PostgreSQL; hãy cài các "
                "chương trình khách của PostgreSQL (gói postgresql-client, cùng phiên bản máy "
                "chủ hoặc mới hơn) rồi chạy lại."
            ),
            file=sys.stderr,
        )
        return 2
    except PgDumpError as exc:
        print(t._("pg_dump không sao lưu được: {error}").format(error=exc), file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:
        print(
            t._("Không ghi được tệp sao lưu {path}: {error}").format(path=out, error=exc),
            file=sys.stderr,
        )
        return 2
    finally:
        await db.close()
    print(t._("Đã sao lưu cơ sở dữ liệu vào {path}.").format(path=out))
    return 0


def render_report(t: Translator, org_file: Path, report: ImportReport) -> str:
    """The import's outcome as the admin reads it."""
    if not report.ok:
        lines = [
            t.ngettext(
                "Tệp {file} có {n} lỗi; chưa nhập gì. Sửa rồi chạy lại:",
                "Tệp {file} có {n} lỗi; chưa nhập gì. Sửa rồi chạy lại:",
                len(report.errors),
            ).format(file=org_file.name, n=len(report.errors))
        ]
        shown = report.errors[:_MAX_ERRORS_SHOWN]
        for error in shown:
            where = t._("Dòng {line}").format(line=error.line)
            if error.column:
                where = t._("Dòng {line}, cột «{column}»").format(
                    line=error.line, column=error.column
                )
            lines.append(f"  {where}: {error.render(t._)}")
        if len(report.errors) > len(shown):
            lines.append(t._("  … và {n} lỗi nữa.").format(n=len(report.errors) - len(shown)))
        return "\n".join(lines)
    lines = [t._("Đã nhập tệp {file}.").format(file=org_file.name)]
    lines.append(t._("  Đơn vị mới: {n}").format(n=len(report.units_added)))
    lines.append(t._("  Người mới: {n}").format(n=len(report.people_added)))
    lines.append(t._("  Đã cập nhật: {n}").format(n=len(report.people_changed)))
    field_names = {
        "full_name": t._("họ và tên"),
        "phone": t._("điện thoại"),
        "role": t._("vai trò"),
        "status": t._("trạng thái"),
        "follows": t._("phụ trách"),
    }
    for change in report.people_changed:
        fields = ", ".join(field_names[f] for f in change.fields)
        if change.role_before is not None and change.role_after is not None:
            fields += " " + t._("({before} → {after})").format(
                before=t._(change.role_before.label), after=t._(change.role_after.label)
            )
        lines.append(f"    - {change.name} ({change.unit}): {fields}")
    if report.moved:
        lines.append(t._("  Chuyển sinh hoạt sang chi bộ khác: {n}").format(n=len(report.moved)))
        for move in report.moved:
            lines.append(
                "    - "
                + t._("{name}: chuyển từ {old} sang {new}").format(
                    name=move.name, old=move.old_unit, new=move.new_unit
                )
            )
    if report.dropped:
        lines.append(
            t._(
                "  Không còn trong tệp (thôi mọi quyền bí thư, phó bí thư, chi ủy viên, "
                "phụ trách; ghi là «đã chuyển sinh hoạt»): {n}"
            ).format(n=len(report.dropped))
        )
        for dropped in report.dropped:
            lines.append(
                "    - "
                + t._("{name} ({unit}), trước là {role}").format(
                    name=dropped.name, unit=dropped.unit, role=t._(dropped.role_before.label)
                )
            )
    lines.append(t._("  Không đổi: {n}").format(n=report.people_unchanged))
    if report.not_in_file:
        lines.append(
            t._("  Có trong dữ liệu nhưng không có trong tệp (giữ nguyên): {names}").format(
                names=", ".join(report.not_in_file)
            )
        )
    if not report.changed_anything:
        lines.append(t._("Dữ liệu không thay đổi."))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
