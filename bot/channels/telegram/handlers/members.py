"""/thanhvien (/members) and /moi (/invite): a cell's members and their invite codes."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.channels.telegram.handlers.commands import requires
from bot.channels.telegram.handlers.context import CHANNEL, ChiboContext
from bot.domain.access import Action, may
from bot.domain.invites import deep_link
from bot.domain.models import MemberStatus, Person
from bot.domain.text import fold, shorten
from bot.services import linking
from bot.storage import accounts, people
from bot.views.people import invite_text, member_list

# More buttons than this would not fit a phone screen; the secretary types a name instead.
_MAX_BUTTONS = 40


@requires(Action.MEMBERS)
async def show_members(update: Update, context: ChiboContext) -> None:
    """The secretary's list of members and who is linked."""
    message, actor = update.effective_message, context.actor
    assert message is not None
    assert actor is not None
    async with context.db.transaction() as conn:
        members = await people.in_unit(conn, actor.unit.id)
        linked = {a.person_id: a for a in await accounts.of_unit(conn, CHANNEL, actor.unit.id)}
    await message.reply_text(member_list(context.t, actor.unit, members, linked))


@requires(Action.INVITE)
async def invite(update: Update, context: ChiboContext) -> None:
    """Issue an invite: for the person named, or offer the unlinked members as buttons."""
    message, actor, t = update.effective_message, context.actor, context.t
    assert message is not None
    assert actor is not None
    async with context.db.transaction() as conn:
        members = await people.in_unit(conn, actor.unit.id)
        linked = {a.person_id for a in await accounts.of_unit(conn, CHANNEL, actor.unit.id)}
    waiting = [
        p for p in members if p.id not in linked and p.status is not MemberStatus.TRANSFERRED
    ]
    wanted = fold(" ".join(context.args or []))
    if wanted:
        exact = [p for p in members if fold(p.full_name) == wanted]
        matches = exact or [p for p in members if wanted in fold(p.full_name)]
        if not matches:
            await message.reply_text(
                t._(
                    "Không có đồng chí nào tên «{name}» trong {unit}. "
                    "Gõ /thanhvien để xem danh sách."
                ).format(name=shorten(" ".join(context.args or [])), unit=actor.unit.name)
            )
            return
        if len(matches) == 1:
            await _issue(message, context, matches[0], already_linked=matches[0].id in linked)
            return
        waiting = [p for p in matches if p.id not in linked]
    if not waiting:
        await message.reply_text(
            t._("Mọi đảng viên của {unit} đều đã kết nối.").format(unit=actor.unit.name)
        )
        return
    buttons = [
        [InlineKeyboardButton(p.full_name, callback_data=f"inv:{p.id}")]
        for p in waiting[:_MAX_BUTTONS]
    ]
    await message.reply_text(
        t._("Chọn đồng chí cần cấp mã mời (hoặc gõ /moi kèm họ tên):"),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


async def invite_pressed(update: Update, context: ChiboContext) -> None:
    """A name button from /moi: check again, for this very person, before issuing."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    t, actor = context.t, context.actor
    async with context.db.transaction() as conn:
        person = await people.get(conn, int(query.data.removeprefix("inv:")))
    if person is None or not may(actor, Action.INVITE, person.unit_id):
        # Not their cell, or a forged button: say so and change nothing.
        await query.answer(
            t._("Đồng chí không có quyền cấp mã mời cho người này."), show_alert=True
        )
        return
    await query.answer()
    async with context.db.transaction() as conn:
        is_linked = await accounts.of_person(conn, CHANNEL, person.id) is not None
    if isinstance(query.message, Message):
        await _issue(query.message, context, person, already_linked=is_linked)


async def _issue(
    message: Message, context: ChiboContext, person: Person, *, already_linked: bool
) -> None:
    t, actor = context.t, context.actor
    assert actor is not None
    if already_linked:
        await message.reply_text(
            t._("Đồng chí {name} đã kết nối rồi, không cần mã mời.").format(name=person.full_name)
        )
        return
    now = context.now()
    code = await linking.issue_invite(
        context.db,
        person.id,
        now=now,
        valid_days=context.bot_data.config.invites.valid_days,
        actor=f"{CHANNEL}:{message.chat_id}",
    )
    link = deep_link(context.bot.username, code.code)
    expires_on = code.expires_at.astimezone(context.bot_data.config.tz).date()
    await message.reply_text(invite_text(t, person, link, expires_on))


HANDLERS = [
    CommandHandler(["thanhvien", "members"], show_members),
    CommandHandler(["moi", "invite"], invite),
    CallbackQueryHandler(invite_pressed, pattern=r"^inv:\d{1,12}$"),
]
