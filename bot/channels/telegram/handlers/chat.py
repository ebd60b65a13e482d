"""Commands, button presses and text handed to the channel-neutral conversation."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import chat
from bot.channels.telegram import codec, render
from bot.channels.telegram.handlers import scoring as scoring_handlers
from bot.channels.telegram.handlers.context import CHANNEL, ChiboContext
from bot.chat.turn import Turn


def turn_of(update: Update, context: ChiboContext) -> Turn:
    """The conversation's view of this update: who, in which language, from which chat."""
    user = update.effective_user
    chat_id = update.effective_chat.id if update.effective_chat else (user.id if user else 0)
    return Turn(
        core=context.bot_data.core,
        channel=CHANNEL,
        address=str(chat_id),
        actor=context.actor,
        t=context.t,
        language_code=user.language_code if user else None,
    )


def _chat_id(update: Update) -> int:
    if update.effective_chat is not None:
        return update.effective_chat.id
    assert update.effective_user is not None
    return update.effective_user.id


class _ConversationCommand(filters.MessageFilter):
    """A command the conversation knows (either language's name)."""

    def filter(self, message: object) -> bool:
        text = getattr(message, "text", None) or ""
        if not text.startswith("/"):
            return False
        name = text[1:].split(maxsplit=1)[0].split("@", 1)[0] if len(text) > 1 else ""
        return chat.knows_command(name)


class _ConversationButton:
    """Button data that decodes to an act some converted feature takes."""

    def __call__(self, data: object) -> bool:
        act = codec.decode(data) if isinstance(data, str) else None
        return act is not None and chat.knows_act(act)


async def on_command(update: Update, context: ChiboContext) -> None:
    """A command: run it, show the replies."""
    message = update.effective_message
    assert message is not None
    text = message.text or ""
    head, _, args = text.partition(" ")
    if "\n" in head:
        head, _, rest = head.partition("\n")
        args = rest + (" " + args if args else "")
    name = head[1:].split("@", 1)[0]
    replies = await chat.command(turn_of(update, context), name, args.strip())
    await render.show(context.bot, _chat_id(update), replies)


async def on_button(update: Update, context: ChiboContext) -> None:
    """A button press: decode it, do it (checked again there), show the replies."""
    query = update.callback_query
    assert query is not None
    act = codec.decode(query.data)
    assert act is not None  # the pattern let only decodable data through
    replies = await chat.pick(turn_of(update, context), act)
    await render.show(context.bot, _chat_id(update), replies, query)


async def on_text(update: Update, context: ChiboContext) -> None:
    """Free text: the first reader that takes it answers."""
    message = update.effective_message
    assert message is not None
    # TODO(seam): the scorecard's typed points move into the conversation with scoring.
    if await scoring_handlers.take_text(message, context):
        return
    replies = await chat.text(turn_of(update, context), message.text or "")
    if replies is None:
        replies = []
    await render.show(context.bot, _chat_id(update), replies)


HANDLERS = [
    MessageHandler(filters.COMMAND & _ConversationCommand(), on_command),
    CallbackQueryHandler(on_button, pattern=_ConversationButton()),
    MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
]
