"""Reading a Zalo update (a webhook body or what getUpdates returns) into a typed value."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from bot.channels.zalo.client import as_id, from_ms

Kind = Literal["text", "image", "sticker", "voice", "unsupported"]

EVENTS: Final[dict[str, Kind]] = {
    "message.text.received": "text",
    "message.image.received": "image",
    "message.sticker.received": "sticker",
    "message.voice.received": "voice",
    # Zalo sends this in place of the content for some protected accounts: a real message
    # whose words the bot may not read.
    "message.unsupported.received": "unsupported",
}


@dataclass(frozen=True, slots=True)
class ZaloUser:
    """The sender of a message."""

    id: str
    display_name: str
    is_bot: bool


@dataclass(frozen=True, slots=True)
class ZaloMessage:
    """A message someone sent the bot; ``kind`` says which event brought it."""

    event_name: str
    kind: Kind
    message_id: str
    chat_id: str
    chat_type: str
    sender: ZaloUser
    date: dt.datetime | None
    text: str | None = None
    caption: str | None = None
    photo_url: str | None = None
    sticker: str | None = None
    voice_url: str | None = None

    @property
    def from_id(self) -> str:
        """The sender's id."""
        return self.sender.id


@dataclass(frozen=True, slots=True)
class UnsupportedUpdate:
    """An update the bot cannot use: an unknown event, or one without the fields it needs."""

    event_name: str
    reason: str
    key: str


ZaloUpdate = ZaloMessage | UnsupportedUpdate


def unwrap(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """The update itself: Zalo wraps webhook bodies (and getUpdates) in {ok, result}."""
    result = raw.get("result")
    if "event_name" not in raw and isinstance(result, Mapping):
        return result
    return raw


def update_key(raw: object) -> str:
    """A stable key for de-duplication: the message id, else a digest of the body."""
    if isinstance(raw, Mapping):
        message = unwrap(raw).get("message")
        if isinstance(message, Mapping):
            message_id = as_id(message.get("message_id"))
            if message_id:
                return message_id
    try:
        canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        canonical = repr(raw)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "replace")).hexdigest()


def parse_update(raw: object) -> ZaloUpdate:
    """Read one update; anything unusable becomes an UnsupportedUpdate, never an exception."""
    key = update_key(raw)
    if not isinstance(raw, Mapping):
        return UnsupportedUpdate("", "not an object", key)
    update = unwrap(raw)
    event_name = _text(update.get("event_name")) or ""
    kind = EVENTS.get(event_name)
    if kind is None:
        return UnsupportedUpdate(event_name, "unknown event", key)
    message = update.get("message")
    if not isinstance(message, Mapping):
        return UnsupportedUpdate(event_name, "no message", key)
    message_id = as_id(message.get("message_id"))
    chat = message.get("chat")
    chat = chat if isinstance(chat, Mapping) else {}
    sender = message.get("from")
    sender = sender if isinstance(sender, Mapping) else {}
    chat_id = as_id(chat.get("id")) or as_id(sender.get("id"))
    if not message_id:
        return UnsupportedUpdate(event_name, "no message_id", key)
    if not chat_id:
        return UnsupportedUpdate(event_name, "no chat id", key)
    return ZaloMessage(
        event_name=event_name,
        kind=kind,
        message_id=message_id,
        chat_id=chat_id,
        chat_type=_text(chat.get("chat_type")) or "PRIVATE",
        sender=ZaloUser(
            id=as_id(sender.get("id")) or chat_id,
            display_name=_text(sender.get("display_name"))
            or _text(sender.get("name"))
            or _text(sender.get("first_name"))
            or "",
            is_bot=sender.get("is_bot") is True,
        ),
        date=from_ms(message.get("date")),
        text=_text(message.get("text")) if kind == "text" else None,
        caption=_text(message.get("caption")),
        photo_url=_text(message.get("photo_url")) or _text(message.get("photo")),
        sticker=_text(message.get("sticker")),
        voice_url=_text(message.get("voice_url"))
        or (_text(message.get("url")) if kind == "voice" else None),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
