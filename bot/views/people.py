"""Texts people read, built from the catalogs; plain text, so any channel can send them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.domain.access import Actor
from bot.domain.acts import ChooseLanguage, InviteFor
from bot.domain.invites import show_code
from bot.domain.models import ChatAccount, MemberStatus, Person, Role, Unit
from bot.i18n import Translator
from bot.views.reply import Choice, Reply, rows


def unit_name(t: Translator, unit: Unit, parent: Unit | None) -> str:
    """A unit with the one above it: "Chi bộ xóm 9 (Đảng bộ xã Thượng Kiệm)"."""
    if parent is None:
        return unit.name
    return t._("{unit} ({parent})").format(unit=unit.name, parent=parent.name)


def who(t: Translator, actor: Actor) -> str:
    """Name, role and unit in one line."""
    if actor.role is Role.CADRE:
        # "cấp ủy viên phụ trách Đảng bộ xã" would read as "in charge of the commune".
        return t._("đồng chí {name}, cấp ủy viên {unit}").format(
            name=actor.person.full_name, unit=unit_name(t, actor.unit, actor.parent)
        )
    return t._("đồng chí {name}, {role} {unit}").format(
        name=actor.person.full_name,
        role=t._(actor.role.label),
        unit=unit_name(t, actor.unit, actor.parent),
    )


def followed_line(t: Translator, actor: Actor) -> str:
    """The cells a cadre follows, or an empty string."""
    if not actor.followed:
        return ""
    return t._("Các chi bộ đồng chí phụ trách: {cells}.").format(
        cells=", ".join(unit.name for unit in actor.followed)
    )


def greeting(t: Translator, actor: Actor, *, just_linked: bool) -> str:
    """The greeting for a linked person: who they are here and what comes next."""
    lines = [t._("Chào {who}.").format(who=who(t, actor))]
    if just_linked:
        lines.append(
            t._(
                "Đồng chí đã kết nối thành công với Trợ lý Chi bộ. Từ nay Trợ lý sẽ nhắn "
                "lịch sinh hoạt chi bộ và ghi nhận ý kiến của đồng chí ngay tại đây."
            )
        )
    else:
        lines.append(t._("Tài khoản này đã được kết nối từ trước."))
    follow = followed_line(t, actor)
    if follow:
        lines.append(follow)
    lines.append(t._("Gõ /trogiup để xem các việc đồng chí có thể làm."))
    return "\n\n".join(lines)


# Lines per paragraph of the member list: a channel that splits long texts at paragraph
# breaks (Zalo: 2,000 characters) gets whole lines, however big the cell.
_LINES_PER_PARAGRAPH = 25


def channel_name(channel: str) -> str:
    """A channel as people name it: "Zalo", "Telegram"."""
    return channel.capitalize()


def _reach(t: Translator, accounts: Sequence[ChatAccount]) -> str:
    """Where a linked person is reached: "Zalo", "Telegram, Zalo", "Zalo (không nhắn được)"."""
    shown = []
    for account in sorted(accounts, key=lambda a: (not a.reachable, a.channel)):
        name = channel_name(account.channel)
        if not account.reachable:
            name = t._("{channel} (không nhắn được)").format(channel=name)
        shown.append(name)
    return ", ".join(shown)


def member_list(
    t: Translator,
    unit: Unit,
    members: Sequence[Person],
    accounts: Mapping[int, Sequence[ChatAccount]],
) -> str:
    """A cell's members: whom the bot cannot reach first, then who has not linked, then the
    rest, each with the channel they are on; in paragraphs a channel can send apart."""
    lost = [p for p in members if accounts.get(p.id) and not _reachable(accounts[p.id])]
    waiting = [p for p in members if not accounts.get(p.id)]
    reached = [p for p in members if accounts.get(p.id) and _reachable(accounts[p.id])]
    both = sum(1 for p in reached if len({a.channel for a in accounts[p.id]}) > 1)
    lines = [
        t.ngettext("{unit}: {n} người", "{unit}: {n} người", len(members)).format(
            unit=unit.name, n=len(members)
        ),
        t._(
            "✅ đã kết nối: {linked} · ⏳ chưa kết nối: {waiting} · ⚠️ không nhắn được: {lost}"
        ).format(linked=len(reached), waiting=len(waiting), lost=len(lost)),
    ]
    if both:
        lines.append(
            t.ngettext(
                "({n} đồng chí kết nối cả hai kênh)", "({n} đồng chí kết nối cả hai kênh)", both
            ).format(n=both)
        )
    paragraphs = ["\n".join(lines)]
    number = 0
    sections = (
        (
            lost,
            t._(
                "⚠️ Trợ lý không nhắn được (đã chặn Trợ lý hoặc không nhận tin): xin báo "
                "trực tiếp cho các đồng chí này."
            ),
        ),
        (waiting, t._("⏳ Chưa kết nối (cần mã mời):")),
        (reached, t._("✅ Đã kết nối:")),
    )
    for people, title in sections:
        rows = []
        for person in people:
            number += 1
            rows.append(_member_line(t, number, person, accounts.get(person.id, ())))
        for start in range(0, len(rows), _LINES_PER_PARAGRAPH):
            chunk = rows[start : start + _LINES_PER_PARAGRAPH]
            paragraphs.append("\n".join([title, *chunk] if start == 0 else chunk))
    paragraphs.append(t._("Để cấp mã mời cho người chưa kết nối: /moi"))
    return "\n\n".join(paragraphs)


def _reachable(accounts: Sequence[ChatAccount]) -> bool:
    return any(a.reachable for a in accounts)


def _member_line(
    t: Translator, number: int, person: Person, accounts: Sequence[ChatAccount]
) -> str:
    """One member: number, name, role, status, and the channel or "chưa kết nối"."""
    extra = ""
    if person.status is not MemberStatus.ACTIVE:
        extra = t._(" ({status})").format(status=t._(person.status.label))
    reach = _reach(t, accounts) if accounts else t._("chưa kết nối")
    return t._("{n}. {name} — {role}{extra} · {reach}").format(
        n=number, name=person.full_name, role=t._(person.role.label), extra=extra, reach=reach
    )


def invite_text(
    t: Translator,
    person: Person,
    code: str,
    expires_on: date,
    *,
    link: str = "",
    chat_url: str = "",
    on_zalo: bool = False,
    linked_on: Sequence[str] = (),
) -> str:
    """What a secretary passes on to a member: the code to type (Zalo: `chat_url` is the
    bot's address, `on_zalo` whether the bot is on Zalo at all), the link to open (Telegram),
    who it is for and until when."""
    lines = [
        t._("Mã mời cho đồng chí {name} ({role}), dùng một lần, hết hạn ngày {date}:").format(
            name=person.full_name, role=t._(person.role.label), date=t.short_date(expires_on)
        ),
        t._("Mã mời: {code}").format(code=show_code(code)),
    ]
    if chat_url:
        lines.append(
            t._("• Trên Zalo: mở {url} rồi gõ mã {code} vào khung chat.").format(
                url=chat_url, code=show_code(code)
            )
        )
    elif on_zalo:
        lines.append(
            t._("• Trên Zalo: nhắn mã {code} cho Trợ lý Chi bộ.").format(code=show_code(code))
        )
    if link:
        lines.append(t._("• Trên Telegram: mở đường link\n{link}").format(link=link))
    text = "\n".join(lines)
    if linked_on:
        text += "\n\n" + t._(
            "Đồng chí {name} đã kết nối qua {channels}; mã này để kết nối thêm kênh khác."
        ).format(name=person.full_name, channels=", ".join(map(channel_name, linked_on)))
    return (
        text
        + "\n\n"
        + t._(
            "Đồng chí gửi riêng mã mời này cho đồng chí {name} (nhắn tin hoặc đưa tận tay); "
            "mỗi mã chỉ kết nối được một lần."
        ).format(name=person.full_name)
    )


def role_label(t: Translator, role: Role) -> str:
    """A role in the reader's language."""
    return t._(role.label)


def about_text(t: Translator) -> str:
    """What the assistant is, for someone not linked yet."""
    return t._(
        "Trợ lý Chi bộ nhắc lịch sinh hoạt chi bộ, ghi nhận tham dự và ý kiến của "
        "đảng viên, gửi tổng hợp cho cấp ủy viên phụ trách."
    )


def help_text(t: Translator, actor: Actor, commands: Sequence[tuple[str, str]], other: str) -> str:
    """/trogiup: who the person is here and every command of their role, one line each
    (Zalo has no command menu, so this list is the menu); `commands` are (name, summary
    msgid); `other` is /trogiup's name in the other language."""
    lines = [t._("Trợ lý Chi bộ — {who}.").format(who=who(t, actor))]
    follow = followed_line(t, actor)
    if follow:
        lines.append(follow)
    lines += ["", t._("Các lệnh đồng chí dùng được:")]
    for name, summary in commands:
        lines.append(t._("/{command} — {summary}").format(command=name, summary=t._(summary)))
    lines += [
        "",
        t._("Lệnh tiếng Việt và tiếng Anh đều dùng được (ví dụ /{other}).").format(other=other),
    ]
    return "\n".join(lines)


# Language names are written in their own language, so they are not translated.
LANGUAGE_NAMES = {"vi": "🇻🇳 Tiếng Việt", "en": "🇬🇧 English"}


def language_question(t: Translator, langs: Sequence[str]) -> Reply:
    """/ngonngu: the languages to choose from."""
    return Reply(
        t._("Chọn ngôn ngữ:"),
        rows(Choice(LANGUAGE_NAMES[lang], ChooseLanguage(lang)) for lang in langs),
    )


def language_chosen_text(t: Translator) -> str:
    """Said in the language just chosen."""
    return t._("Đã chuyển sang Tiếng Việt.")


def unknown_command_text(t: Translator, command: str) -> str:
    """A command the bot does not have."""
    return t._("Không có lệnh {command}. Gõ /trogiup để xem các lệnh.").format(command=command)


def not_understood_text(t: Translator) -> str:
    """A message nothing understood, from a linked person."""
    return t._("Trợ lý chưa hiểu tin nhắn này. Gõ /trogiup để xem các việc đồng chí có thể làm.")


def edited_text(t: Translator) -> str:
    """An edited message: edits are not read (they would run a command a second time)."""
    return t._("Trợ lý không đọc tin nhắn đã sửa; xin gửi tin nhắn mới.")


def no_such_member_text(t: Translator, name: str, unit: Unit) -> str:
    """/moi with a name nobody in the cell has."""
    return t._(
        "Không có đồng chí nào tên «{name}» trong {unit}. Gõ /thanhvien để xem danh sách."
    ).format(name=name, unit=unit.name)


def everyone_linked_text(t: Translator, unit: Unit) -> str:
    """/moi when nobody is waiting for a code."""
    return t._("Mọi đảng viên của {unit} đều đã kết nối.").format(unit=unit.name)


def invite_question(t: Translator, waiting: Sequence[Person]) -> Reply:
    """/moi alone: the members still unlinked, one to choose."""
    return Reply(
        t._("Chọn đồng chí cần cấp mã mời (hoặc gõ /moi kèm họ tên):"),
        rows(Choice(p.full_name, InviteFor(p.id)) for p in waiting),
    )


def invite_refused_text(t: Translator) -> str:
    """A pick for someone the secretary may not invite (another cell's, or forged)."""
    return t._("Đồng chí không có quyền cấp mã mời cho người này.")


def transferred_text(t: Translator, person: Person) -> str:
    """/moi for someone who has moved to another cell."""
    return t._(
        "Đồng chí {name} đã chuyển sinh hoạt nơi khác, nên không cấp mã mời ở chi bộ này."
    ).format(name=person.full_name)
