"""/start: link an account with an invite code, or greet a person already linked."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.channels.telegram.handlers.commands import publish_menu
from bot.channels.telegram.handlers.context import CHANNEL, ChiboContext
from bot.domain.invites import LinkOutcome
from bot.services import identity, linking
from bot.views.linking import refused_link_text, stranger_text
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
        code=" ".join(context.args),
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
    wait = result.retry_at - context.now() if result.retry_at else None
    await message.reply_text(
        refused_link_text(t, result.outcome, name, wait=wait, tries_left=result.tries_left)
    )


HANDLERS = [CommandHandler("start", start)]
