"""Texts people read, built from the catalogs; plain text, so any channel can send them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.access import Actor
from bot.domain.models import ChatAccount, MemberStatus, Person, Role, Unit
from bot.i18n import Translator


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


def member_list(
    t: Translator,
    unit: Unit,
    members: Sequence[Person],
    accounts: dict[int, ChatAccount],
) -> str:
    """A cell's members with their roles and whether the bot can reach them."""
    linked = sum(1 for p in members if p.id in accounts and accounts[p.id].reachable)
    unreachable = sum(1 for p in members if p.id in accounts and not accounts[p.id].reachable)
    lines = [
        t.ngettext("{unit}: {n} người", "{unit}: {n} người", len(members)).format(
            unit=unit.name, n=len(members)
        ),
        t._(
            "✅ đã kết nối: {linked} · ⏳ chưa kết nối: {waiting} · ⚠️ không nhắn được: {lost}"
        ).format(linked=linked, waiting=len(members) - linked - unreachable, lost=unreachable),
        "",
    ]
    for number, person in enumerate(members, start=1):
        account = accounts.get(person.id)
        mark = "⏳" if account is None else ("✅" if account.reachable else "⚠️")
        extra = ""
        if person.status is not MemberStatus.ACTIVE:
            extra = t._(" ({status})").format(status=t._(person.status.label))
        lines.append(
            t._("{n}. {mark} {name} — {role}{extra}").format(
                n=number,
                mark=mark,
                name=person.full_name,
                role=t._(person.role.label),
                extra=extra,
            )
        )
    lines += ["", t._("Để cấp mã mời cho người chưa kết nối: /moi")]
    return "\n".join(lines)


def invite_text(t: Translator, person: Person, link: str, expires_on: date) -> str:
    """What a secretary forwards to a member: the link, who it is for, until when."""
    return t._(
        "Mã mời cho đồng chí {name} ({role}), dùng một lần, hết hạn ngày {date}:\n"
        "{link}\n\n"
        "Đồng chí gửi riêng đường link này cho đồng chí {name} (qua Zalo hoặc tin nhắn). "
        "Chỉ cần bấm vào link, rồi bấm Bắt đầu (Start)."
    ).format(
        name=person.full_name,
        role=t._(person.role.label),
        date=t.short_date(expires_on),
        link=link,
    )


def role_label(t: Translator, role: Role) -> str:
    """A role in the reader's language."""
    return t._(role.label)
