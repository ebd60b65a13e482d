"""/start: link an account with an invite code, or greet a person already linked."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.channels.telegram.handlers.commands import publish_menu
from bot.channels.telegram.handlers.context import CHANNEL, ChiboContext
from bot.domain.invites import LinkOutcome
from bot.i18n import Translator
from bot.services import identity, linking
from bot.views.people import greeting


async def start(update: Update, context: ChiboContext) -> None:
    """Link with the code from the deep link, or greet."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.t
    if not context.args:
        if context.actor is None:
            await message.reply_text(stranger_text(t))
        else:
            await message.reply_text(greeting(t, context.actor, just_linked=False))
            await publish_menu(context.bot, message.chat_id, t, context.actor)
        return
    result = await linking.link_account(
        context.db,
        channel=CHANNEL,
        external_id=str(user.id),
        code=context.args[0],
        language_code=user.language_code,
        now=context.now(),
    )
    if result.outcome in (LinkOutcome.LINKED, LinkOutcome.ALREADY_LINKED):
        actor = await identity.resolve(context.db, CHANNEL, str(user.id))
        assert actor is not None
        t = context.bot_data.catalogs.pick(actor.person.language, user.language_code)
        just_linked = result.outcome is LinkOutcome.LINKED
        await message.reply_text(greeting(t, actor, just_linked=just_linked))
        await publish_menu(context.bot, message.chat_id, t, actor)
        return
    name = result.person.full_name if result.person else ""
    await message.reply_text(refused_link_text(t, result.outcome, name))


def stranger_text(t: Translator) -> str:
    """The welcome for someone who opened the bot without a code."""
    return t._(
        "Chào đồng chí. Đây là Trợ lý Chi bộ: nhắc lịch sinh hoạt chi bộ, ghi nhận tham dự "
        "và ý kiến của đảng viên.\n\n"
        "Để bắt đầu, đồng chí cần mở đường link mời riêng do bí thư chi bộ gửi (mỗi đảng "
        "viên một link). Nếu chưa có, xin liên hệ bí thư chi bộ."
    )


def refused_link_text(t: Translator, outcome: LinkOutcome, name: str) -> str:
    """Why a code did not link this account, and what to do."""
    texts = {
        LinkOutcome.UNKNOWN: t._(
            "Mã mời này không đúng. Đồng chí hãy mở lại đúng đường link bí thư chi bộ đã "
            "gửi, hoặc xin bí thư cấp mã mới."
        ),
        LinkOutcome.USED: t._(
            "Mã mời này đã được dùng: mỗi mã chỉ dùng được một lần. Nếu đồng chí chưa kết "
            "nối được, xin bí thư chi bộ cấp mã mới."
        ),
        LinkOutcome.EXPIRED: t._("Mã mời này đã hết hạn. Đồng chí xin bí thư chi bộ cấp mã mới."),
        LinkOutcome.PERSON_TAKEN: t._(
            "Đồng chí {name} đã được kết nối với một tài khoản khác. Nếu đó không phải "
            "đồng chí, xin báo ngay cho bí thư chi bộ."
        ).format(name=name),
        LinkOutcome.ACCOUNT_TAKEN: t._(
            "Tài khoản này đã kết nối với đồng chí {name}; mỗi tài khoản chỉ dùng cho một "
            "người. Mã mời vừa mở chưa được dùng: xin chuyển nó cho đúng người."
        ).format(name=name),
    }
    return texts[outcome]


HANDLERS = [CommandHandler("start", start)]
