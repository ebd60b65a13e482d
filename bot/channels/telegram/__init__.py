"""Telegram: handlers, the callback codec, menus, the inbox and the sender."""
