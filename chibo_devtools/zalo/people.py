"""The people's side of the fake Zalo: simulated people, what the bot sent them, transcripts."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from chibo_devtools.zalo.server import FakeZalo

JSON = dict[str, Any]
Who = Literal["user", "bot"]
Kind = Literal["text", "photo", "image", "sticker", "voice", "unsupported"]

DEFAULT_SETTLE: Final = 0.15
DEFAULT_TIMEOUT: Final = 10.0

# Words of the plain-text transcript renderer.
LABEL_BOT: Final = "Bot"
LABEL_PHOTO: Final = "(ảnh)"
LABEL_IMAGE: Final = "(ảnh)"
LABEL_STICKER: Final = "(nhãn dán)"
LABEL_VOICE: Final = "(tin thoại)"
LABEL_UNSUPPORTED: Final = "(tin nhắn Zalo không cho bot đọc)"


@dataclass(slots=True, eq=False)
class SentPhoto:
    """A photo the bot sent by URL: what the simulator fetched from it, or why it could not."""

    url: str
    data: bytes = b""
    content_type: str | None = None
    error: str | None = None

    @property
    def fetched(self) -> bool:
        """Whether the URL gave the bytes."""
        return self.error is None


@dataclass(slots=True, eq=False)
class SentMessage:
    """One message the bot sent to a person (Zalo has no editing or deleting)."""

    chat_id: str
    message_id: str
    date: int  # milliseconds, as Zalo
    text: str | None = None
    caption: str | None = None
    photo: SentPhoto | None = None

    @property
    def content(self) -> str:
        """The text, or the caption of a photo, or ""."""
        if self.text is not None:
            return self.text
        return self.caption or ""

    def __repr__(self) -> str:
        return f"SentMessage({self.message_id} to {self.chat_id}: {_short(self.content)!r})"


@dataclass(slots=True)
class TranscriptEntry:
    """One line of a chat log: who did what, with the visible text."""

    who: Who
    kind: Kind
    text: str


class Replies:
    """What the bot sent one person after one action, in order."""

    __slots__ = ("messages",)

    def __init__(self, messages: list[SentMessage]) -> None:
        self.messages = messages

    @property
    def texts(self) -> list[str]:
        """Texts (or captions) of the new messages, in order."""
        return [m.content for m in self.messages if m.content]

    @property
    def text(self) -> str:
        """All texts joined by a blank line."""
        return "\n\n".join(self.texts)

    @property
    def last(self) -> SentMessage | None:
        """The newest message."""
        return self.messages[-1] if self.messages else None

    def __bool__(self) -> bool:
        return bool(self.messages)

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[SentMessage]:
        return iter(self.messages)

    def __repr__(self) -> str:
        return f"Replies(texts={[_short(t) for t in self.texts]})"


class SimUser:
    """A simulated person writing to the bot on Zalo in a private chat."""

    def __init__(self, sim: FakeZalo, user_id: str, name: str, *, started: bool) -> None:
        self.sim = sim
        self.user_id = user_id
        self.name = name
        # Whether the person ever wrote to the bot; the simulator assumes a bot cannot write
        # first (Zalo does not say), so sends to someone who never wrote fail as unreachable.
        self.started = started
        self.blocked = False
        self.messages: list[SentMessage] = []
        self.transcript: list[TranscriptEntry] = []
        self.chat_actions: list[str] = []
        self.event_times: list[float] = []
        self._activity = asyncio.Event()
        self._last_activity = 0.0

    def __repr__(self) -> str:
        return f"SimUser({self.user_id!r}, {self.name!r})"

    @property
    def chat_id(self) -> str:
        """The id of the private chat with the bot (the person's id, as on Zalo)."""
        return self.user_id

    @property
    def last(self) -> SentMessage | None:
        """The newest message the bot sent this person."""
        return self.messages[-1] if self.messages else None

    @property
    def last_text(self) -> str | None:
        """The text (or caption) of the newest message, if any."""
        return self.last.content if self.last is not None else None

    @property
    def texts(self) -> list[str]:
        """Every text (or caption) the bot sent this person, in order."""
        return [m.content for m in self.messages]

    def sender_json(self) -> JSON:
        """This person as Zalo's ``from`` object."""
        return {"id": self.user_id, "display_name": self.name, "is_bot": False}

    def chat_json(self) -> JSON:
        """The private chat as Zalo's ``chat`` object."""
        return {"id": self.user_id, "chat_type": "PRIVATE"}

    # ----- what the person does -------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        settle: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a deadline for the bot's reply
        expect_reply: bool = True,
    ) -> Replies:
        """Send a text to the bot and wait until it has answered and gone quiet."""
        self.transcript.append(TranscriptEntry("user", "text", text))
        update = self.text_update(text)
        return await self._act(update, text, settle, timeout, expect_reply)

    def send_nowait(self, text: str) -> str:
        """Send a text without waiting for the answer (a crowd); the message id."""
        self.transcript.append(TranscriptEntry("user", "text", text))
        return self.sim.push_update(self.text_update(text))

    def text_update(self, text: str) -> JSON:
        """The update Zalo would send for this text (without pushing it)."""
        message = self._new_message()
        message["text"] = text
        return {"event_name": "message.text.received", "message": message}

    async def send_image(
        self,
        photo_url: str = "https://photo-zmp3.zadn.vn/sim/anh.jpg",
        caption: str | None = None,
        **wait: Any,
    ) -> Replies:
        """Send a photo (Zalo hands the bot a URL and the caption)."""
        message = self._new_message()
        message["photo_url"] = photo_url
        if caption:
            message["caption"] = caption
        self.transcript.append(TranscriptEntry("user", "image", caption or photo_url))
        update = {"event_name": "message.image.received", "message": message}
        return await self._act(update, "image", **_wait_args(wait))

    async def send_sticker(self, sticker: str = "0e078a2fb66a5f34067b", **wait: Any) -> Replies:
        """Send a sticker."""
        message = self._new_message()
        message["sticker"] = sticker
        message["url"] = f"https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid={sticker}"
        self.transcript.append(TranscriptEntry("user", "sticker", sticker))
        update = {"event_name": "message.sticker.received", "message": message}
        return await self._act(update, "sticker", **_wait_args(wait))

    async def send_voice(
        self, voice_url: str = "https://voice-aac.zadn.vn/sim/tin.aac", **wait: Any
    ) -> Replies:
        """Send a voice message."""
        message = self._new_message()
        message["voice_url"] = voice_url
        self.transcript.append(TranscriptEntry("user", "voice", voice_url))
        update = {"event_name": "message.voice.received", "message": message}
        return await self._act(update, "voice", **_wait_args(wait))

    async def send_unsupported(self, **wait: Any) -> Replies:
        """Write something Zalo will not show the bot (message.unsupported.received)."""
        message = self._new_message()
        self.transcript.append(TranscriptEntry("user", "unsupported", ""))
        update = {"event_name": "message.unsupported.received", "message": message}
        return await self._act(update, "unsupported", **_wait_args(wait))

    def block(self) -> None:
        """Block the bot: sends to this person now fail (Zalo tells the bot nothing)."""
        self.blocked = True

    def unblock(self) -> None:
        """Unblock the bot again."""
        self.blocked = False

    # ----- recording what the bot does (called by the server) -------------------------------

    def record_message(self, message: SentMessage) -> None:
        """Store a new message from the bot."""
        self.messages.append(message)
        if message.photo is not None:
            shown = message.caption or message.photo.url
            self.transcript.append(TranscriptEntry("bot", "photo", shown))
        else:
            self.transcript.append(TranscriptEntry("bot", "text", message.content))
        self._touch()
        self.event_times.append(self._last_activity)

    def record_chat_action(self, action: str) -> None:
        """Note a chat action ("typing"): it keeps a waiting test waiting, nothing more."""
        self.chat_actions.append(action)
        self._touch()

    # ----- internals --------------------------------------------------------------------------

    def _touch(self) -> None:
        self._last_activity = time.monotonic()
        self._activity.set()

    def _new_message(self) -> JSON:
        if self.blocked:
            raise AssertionError(f"{self.name} has blocked the bot; call unblock() first")
        self.started = True
        return {
            "from": self.sender_json(),
            "chat": self.chat_json(),
            "message_id": self.sim.new_message_id(),
            "date": self.sim.now_ms(),
        }

    async def _act(
        self,
        update: JSON,
        what: str,
        settle: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
        expect_reply: bool = True,
    ) -> Replies:
        start = len(self.messages)
        begun = time.monotonic()
        message_id = self.sim.push_update(update)
        settle = self.sim.settle if settle is None else settle
        limit = self.sim.reply_timeout if timeout is None else timeout
        deadline = begun + limit
        while True:
            now = time.monotonic()
            got = len(self.messages) > start
            if got or not expect_reply:
                quiet_since = max(self._last_activity, begun)
                if now - quiet_since >= settle:
                    break
                wait = settle - (now - quiet_since)
            else:
                wait = deadline - now
            if now >= deadline:
                if got or not expect_reply:
                    break
                hint = (
                    "the bot received the update but sent nothing back"
                    if self.sim.was_delivered(message_id)
                    else "the update never reached the bot (polling or webhook?)"
                )
                raise AssertionError(
                    f"{self.name}: no reply from the bot to {what!r} within {limit:g} s; {hint}"
                )
            self._activity.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._activity.wait(), timeout=min(wait, deadline - now))
        return Replies(self.messages[start:])


def _wait_args(wait: dict[str, Any]) -> dict[str, Any]:
    allowed = {"settle", "timeout", "expect_reply"}
    unknown = set(wait) - allowed
    if unknown:
        raise TypeError(f"unknown arguments: {sorted(unknown)}")
    return wait


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


_USER_LABELS: Final[dict[str, str]] = {
    "image": LABEL_IMAGE,
    "sticker": LABEL_STICKER,
    "voice": LABEL_VOICE,
    "unsupported": LABEL_UNSUPPORTED,
}


def render_transcript(user: SimUser, title: str | None = None, *, start: int = 0) -> str:
    """The chat log of one person as plain text for a terminal."""
    lines = [f"── {title or user.name} (Zalo) ──"]
    for entry in user.transcript[start:]:
        if entry.who == "user":
            label = _USER_LABELS.get(entry.kind)
            text = f"{label} {entry.text}".rstrip() if label else entry.text
            _add_block(lines, f"  {user.name}: ", text)
            continue
        tag = f" {LABEL_PHOTO}" if entry.kind == "photo" else ""
        _add_block(lines, f"  {LABEL_BOT}{tag}: ", entry.text)
    return "\n".join(lines)


def _add_block(lines: list[str], prefix: str, text: str) -> None:
    pad = " " * len(prefix)
    parts = text.split("\n") or [""]
    lines.append(prefix + parts[0])
    lines.extend((pad + part) if part else "" for part in parts[1:])
