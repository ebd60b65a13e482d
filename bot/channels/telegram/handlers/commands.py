"""Telegram's command menus, and the guard of handlers not yet moved into the conversation."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.channels.telegram.handlers.context import ChiboContext
from bot.chat.commands import (
    BY_ACTION,
    COMMANDS,
    Command,
    commands_for,
    not_linked_text,
    refusal_text,
)
from bot.domain.access import Action, Actor, may
from bot.i18n import Catalogs, Translator

Callback = Callable[[Update, ChiboContext], Coroutine[Any, Any, None]]


def menu(t: Translator, actor: Actor | None) -> list[BotCommand]:
    """The command menu for one person in their language."""
    return [BotCommand(c.name(t.lang), t._(c.summary)) for c in commands_for(actor)]


async def publish_default_menus(bot: ExtBot[None], catalogs: Catalogs) -> None:
    """The menus strangers and members see, one per language, plus the default language's."""
    for lang in ("vi", "en"):
        t = catalogs.get(lang)
        base = [BotCommand("start", t._("bắt đầu, kết nối bằng mã mời"))]
        everyone = [
            c for c in COMMANDS if c.action in (Action.HELP, Action.SCHEDULE, Action.LANGUAGE)
        ]
        items = base + [BotCommand(c.name(lang), t._(c.summary)) for c in everyone]
        await bot.set_my_commands(items, language_code=lang)
        if lang == catalogs.default:
            await bot.set_my_commands(items)


async def publish_menu(bot: ExtBot[None], chat_id: int, t: Translator, actor: Actor) -> None:
    """This person's own menu: their role's commands, in their language."""
    # A menu is a convenience; the commands work without it.
    with contextlib.suppress(TelegramError):
        await bot.set_my_commands(menu(t, actor), scope=BotCommandScopeChat(chat_id))


def requires(action: Action) -> Callable[[Callback], Callback]:
    """Let a command run only for linked people whose role allows it in their own unit."""

    def decorate(callback: Callback) -> Callback:
        @functools.wraps(callback)
        async def guarded(update: Update, context: ChiboContext) -> None:
            message = update.effective_message
            actor = context.actor
            t = context.t
            if actor is None:
                if message:
                    await message.reply_text(not_linked_text(t))
                return
            if not may(actor, action, actor.unit.id):
                if message:
                    await message.reply_text(refusal_text(t, action))
                return
            await callback(update, context)

        return guarded

    return decorate


__all__ = [
    "BY_ACTION",
    "COMMANDS",
    "Command",
    "commands_for",
    "menu",
    "not_linked_text",
    "publish_default_menus",
    "publish_menu",
    "refusal_text",
    "requires",
]
