"""The command table: Vietnamese and English names, who may run each, what each does."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.access import Action, Actor, actions_for
from bot.domain.models import N_
from bot.i18n import Translator


@dataclass(frozen=True)
class Command:
    """One command with its names in both languages and what it does."""

    vi: str
    en: str
    action: Action
    summary: str  # msgid

    def name(self, lang: str) -> str:
        """The name shown to a reader of this language."""
        return self.vi if lang == "vi" else self.en


COMMANDS = (
    Command("trogiup", "help", Action.HELP, N_("các việc đồng chí có thể làm")),
    Command("lichhop", "schedule", Action.SCHEDULE, N_("lịch sinh hoạt chi bộ sắp tới")),
    Command("diemdanh", "rollcall", Action.ROLLCALL, N_("điểm danh trong buổi sinh hoạt")),
    Command("chamdiem", "score", Action.SCORE, N_("chấm điểm chất lượng buổi sinh hoạt")),
    Command("chamdiem", "score", Action.SCORE_UPPER, N_("chấm cột «cấp trên chấm»")),
    Command("kiennghi", "petition", Action.PETITION, N_("gửi hoặc xem kiến nghị")),
    Command("cuatoi", "me", Action.ME, N_("các buổi sinh hoạt và điểm danh của tôi")),
    Command("baocao", "report", Action.REPORT, N_("báo cáo sinh hoạt chi bộ theo tháng")),
    Command("thanhvien", "members", Action.MEMBERS, N_("đảng viên của chi bộ và việc kết nối")),
    Command("moi", "invite", Action.INVITE, N_("cấp mã mời cho một đảng viên")),
    Command("xuat", "export", Action.EXPORT, N_("xuất bảng tính điểm danh, chấm điểm")),
    Command("ngonngu", "language", Action.LANGUAGE, N_("đổi ngôn ngữ: Tiếng Việt / English")),
    Command("huy", "cancel", Action.CANCEL, N_("bỏ việc đang làm dở")),
)

BY_ACTION = {command.action: command for command in COMMANDS}


def commands_for(actor: Actor | None) -> list[Command]:
    """The commands this person can use, in menu order."""
    allowed = set(actions_for(actor))
    found: dict[str, Command] = {}
    for command in COMMANDS:
        # /chamdiem serves two actions; a person allowed both sees it once.
        if command.action in allowed:
            found.setdefault(command.vi, command)
    return list(found.values())


def command_name(t: Translator, action: Action) -> str:
    """The command of an action as this reader types it: "/kiennghi" or "/petition"."""
    return "/" + BY_ACTION[action].name(t.lang)


def not_linked_text(t: Translator) -> str:
    """What a stranger is told when they try something that needs a linked account."""
    # Fits both channels: Telegram people open their link, Zalo people type the code.
    return t._(
        "Đồng chí chưa kết nối với Trợ lý Chi bộ. Hãy mở đường link mời riêng do bí thư "
        "chi bộ gửi, hoặc gõ vào đây mã mời 8 chữ số đồng chí được phát (ví dụ: 4821 0937)."
    )


def refusal_text(t: Translator, action: Action) -> str:
    """What someone is told when their role does not allow a command."""
    command = BY_ACTION.get(action)
    name = "/" + command.name(t.lang) if command else ""
    if action in (Action.REPORT, Action.EXPORT, Action.SCORE, Action.SCORE_UPPER):
        return t._(
            "Lệnh {command} dành cho bí thư, phó bí thư chi bộ và cấp ủy viên phụ trách. "
            "Gõ /trogiup để xem các việc đồng chí có thể làm."
        ).format(command=name)
    return t._(
        "Lệnh {command} dành cho bí thư, phó bí thư chi bộ. Gõ /trogiup để xem các việc "
        "đồng chí có thể làm."
    ).format(command=name)
