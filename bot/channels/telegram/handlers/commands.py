"""Telegram's command menus: each person's commands, in their language, for their role."""

from __future__ import annotations

import contextlib

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.chat.commands import COMMANDS, commands_for
from bot.domain.access import Action, Actor
from bot.i18n import Catalogs, Translator


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


__all__ = ["menu", "publish_default_menus", "publish_menu"]
