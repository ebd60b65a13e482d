"""The people's side of the fake Telegram: simulated users, what the bot sent them, transcripts."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from chibo_devtools.telegram.server import FakeTelegram

JSON = dict[str, Any]
Button = tuple[str, str | None]
"""An inline button as (label, callback_data) or, for a link button, (label, url)."""

Who = Literal["user", "bot"]
Kind = Literal["text", "press", "edit", "callback_answer", "photo", "document", "delete"]

DEFAULT_SETTLE: Final = 0.15
DEFAULT_TIMEOUT: Final = 10.0

# Words of the plain-text transcript renderer.
LABEL_BOT: Final = "Bot"
LABEL_PRESS: Final = "(bấm)"
LABEL_EDIT: Final = "(sửa)"
LABEL_POPUP: Final = "(popup)"
LABEL_TOAST: Final = "(thông báo)"
LABEL_PHOTO: Final = "(ảnh)"
LABEL_DOCUMENT: Final = "(tệp)"
LABEL_DELETED: Final = "(xoá tin nhắn)"
LABEL_KEYBOARD: Final = "⌨"
LABEL_REMOVE_KEYBOARD: Final = "(ẩn bàn phím)"

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,64})?")


@dataclass(slots=True, eq=False, repr=False)
class SentFile:
    """A photo or document that went through the fake Telegram, with its bytes."""

    file_id: str
    file_unique_id: str
    kind: Literal["photo", "document"]
    filename: str | None = None
    data: bytes = b""
    mime_type: str | None = None
    url: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        """Number of bytes."""
        return len(self.data)

    def __repr__(self) -> str:
        return f"SentFile({self.kind} {self.filename!r}, {self.size} bytes)"


@dataclass(slots=True, eq=False, repr=False)
class SentMessage:
    """One message the bot sent to a person, as it stands now (edits applied)."""

    chat_id: int
    message_id: int
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    raw: str | None = None
    parse_mode: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    inline_markup: JSON | None = None
    reply_keyboard: list[list[str]] | None = None
    remove_keyboard: bool = False
    force_reply: bool = False
    photo: SentFile | None = None
    document: SentFile | None = None
    silent: bool = False
    protected: bool = False
    reply_to_message_id: int | None = None
    edits: list[Edit] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False

    @property
    def content(self) -> str:
        """The text, or the caption of a photo or document, or ""."""
        if self.text is not None:
            return self.text
        return self.caption or ""

    @property
    def labels(self) -> list[str]:
        """The labels of the inline keyboard, row after row."""
        return [label for row in self.buttons for label, _ in row]

    def button(self, label: str) -> Button | None:
        """The inline button with this label (exact, then ignoring case and spaces)."""
        for row in self.buttons:
            for button in row:
                if button[0] == label:
                    return button
        wanted = " ".join(label.split()).casefold()
        for row in self.buttons:
            for button in row:
                if " ".join(button[0].split()).casefold() == wanted:
                    return button
        return None

    def __repr__(self) -> str:
        extra = " deleted" if self.deleted else ""
        return (
            f"SentMessage(#{self.message_id} to {self.chat_id}{extra}: "
            f"{_short(self.content)!r}, buttons={self.labels})"
        )


@dataclass(slots=True, eq=False)
class Edit:
    """One edit of a message the bot sent: what it was and what it became."""

    message: SentMessage
    date: int
    kind: Literal["text", "caption", "markup"]
    old_text: str | None
    new_text: str | None
    old_buttons: list[list[Button]]
    new_buttons: list[list[Button]]

    @property
    def text_changed(self) -> bool:
        """Whether the text (or caption) changed, not only the buttons."""
        return self.old_text != self.new_text


@dataclass(slots=True, eq=False)
class CallbackAnswer:
    """The bot's answerCallbackQuery for one button press."""

    query_id: str
    user_id: int
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass(slots=True, eq=False)
class Deletion:
    """The bot deleted one of its messages."""

    message: SentMessage


Event = SentMessage | Edit | CallbackAnswer | Deletion


@dataclass(slots=True)
class TranscriptEntry:
    """One line of a chat log: who did what, with the visible text."""

    who: Who
    kind: Kind
    text: str
    buttons: list[list[str]] = field(default_factory=list)
    keyboard: list[list[str]] | None = None
    remove_keyboard: bool = False
    show_alert: bool = False
    message_id: int | None = None


class Replies:
    """What the bot did for one person after one action, in order."""

    __slots__ = ("items",)

    def __init__(self, items: list[Event]) -> None:
        self.items = items

    @property
    def messages(self) -> list[SentMessage]:
        """New messages sent to the person."""
        return [item for item in self.items if isinstance(item, SentMessage)]

    @property
    def edits(self) -> list[Edit]:
        """Edits of the person's messages."""
        return [item for item in self.items if isinstance(item, Edit)]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Answers to the person's button presses."""
        return [item for item in self.items if isinstance(item, CallbackAnswer)]

    @property
    def deleted(self) -> list[SentMessage]:
        """Messages the bot deleted."""
        return [item.message for item in self.items if isinstance(item, Deletion)]

    @property
    def texts(self) -> list[str]:
        """Texts (or captions) of new messages and of edits that changed the text, in order."""
        texts: list[str] = []
        for item in self.items:
            if isinstance(item, SentMessage):
                if item.text is not None:
                    texts.append(item.text)
                elif item.caption:
                    texts.append(item.caption)
            elif isinstance(item, Edit) and item.text_changed and item.new_text is not None:
                texts.append(item.new_text)
        return texts

    @property
    def text(self) -> str:
        """All texts joined by a blank line."""
        return "\n\n".join(self.texts)

    @property
    def last(self) -> SentMessage | None:
        """The message most recently sent or edited, in its current state."""
        for item in reversed(self.items):
            if isinstance(item, SentMessage):
                return item
            if isinstance(item, Edit):
                return item.message
        return None

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline keyboard of the last message sent or edited."""
        last = self.last
        return last.labels if last is not None else []

    @property
    def popup(self) -> str | None:
        """Text of the last callback answer, if any."""
        answers = self.callback_answers
        return answers[-1].text if answers else None

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.items)

    def __repr__(self) -> str:
        return f"Replies(texts={[_short(t) for t in self.texts]}, buttons={self.buttons})"


class SimUser:
    """A simulated person talking to the bot in a private chat."""

    def __init__(
        self,
        sim: FakeTelegram,
        telegram_id: int,
        name: str,
        *,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        started: bool,
    ) -> None:
        self.sim = sim
        self.telegram_id = telegram_id
        self.name = name
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.started = started
        self.blocked = False
        self.messages: list[SentMessage] = []
        self.events: list[Event] = []
        self.transcript: list[TranscriptEntry] = []
        self.reply_keyboard: list[list[str]] | None = None
        self.chat_actions: list[str] = []
        self.event_times: list[float] = []  # time.monotonic() of each entry of events
        self._by_id: dict[int, SentMessage] = {}
        self._next_message_id = 1
        self._activity = asyncio.Event()
        self._last_activity = 0.0

    def __repr__(self) -> str:
        return f"SimUser({self.telegram_id}, {self.name!r})"

    @property
    def chat_id(self) -> int:
        """The id of the private chat with the bot (the same as the user id)."""
        return self.telegram_id

    @property
    def last(self) -> SentMessage | None:
        """The newest message the bot sent this person."""
        return self.messages[-1] if self.messages else None

    def message(self, message_id: int) -> SentMessage | None:
        """The bot's message with this id, unless deleted."""
        return self._by_id.get(message_id)

    def user_json(self) -> JSON:
        """This person as a Bot API User object."""
        user: JSON = {"id": self.telegram_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_json(self) -> JSON:
        """The private chat with this person as a Bot API Chat object."""
        chat: JSON = {"id": self.telegram_id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def allocate_message_id(self) -> int:
        """A fresh message id in this chat (shared by both sides, as in Telegram)."""
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    # ----- what the person does -------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        reply_to: SentMessage | int | None = None,
        settle: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a deadline for the bot's reply
        expect_reply: bool = True,
    ) -> Replies:
        """Send a text message to the bot and wait until it has answered and gone quiet."""
        self._check_not_blocked(text)
        payload = self.text_update(text, reply_to=reply_to)
        self.transcript.append(TranscriptEntry("user", "text", text))
        return await self._act(payload, text, settle, timeout, expect_reply)

    def text_update(self, text: str, *, reply_to: SentMessage | int | None = None) -> JSON:
        """The update Telegram would send for this text (without pushing it)."""
        message = self._new_message()
        message["text"] = text
        command = _COMMAND.match(text)
        if command:
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group(0))}
            ]
        if reply_to is not None:
            message["reply_to_message"] = self._reply_target(reply_to)
        return {"message": message}

    def send_nowait(self, text: str) -> int:
        """Send a text without waiting for the answer (a crowd); returns the update id."""
        self._check_not_blocked(text)
        self.transcript.append(TranscriptEntry("user", "text", text))
        return self.sim.push_update(self.text_update(text))

    def press_nowait(self, label: str) -> int:
        """Press a button on the newest message with it, without waiting; the update id."""
        self._check_not_blocked(label)
        target, button = self._find_button(label, None)
        if target is None or button is None or button[1] is None:
            raise AssertionError(f"{self.name}: no button {label!r}")
        self.transcript.append(
            TranscriptEntry("user", "press", button[0], message_id=target.message_id)
        )
        return self.sim.push_update(self._callback_update(target, target.message_id, button[1]))

    async def send_document(
        self,
        filename: str,
        data: bytes,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        settle: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a deadline for the bot's reply
        expect_reply: bool = True,
    ) -> Replies:
        """Upload a file to the bot (the bot can fetch it with getFile) and wait for it."""
        self._check_not_blocked(filename)
        stored = self.sim.register_file("document", data, filename=filename, mime_type=mime_type)
        message = self._new_message()
        document: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "file_size": len(data),
        }
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        message["document"] = document
        if caption:
            message["caption"] = caption
        shown = f"{filename} — {caption}" if caption else filename
        self.transcript.append(TranscriptEntry("user", "document", shown))
        return await self._act({"message": message}, filename, settle, timeout, expect_reply)

    async def press(
        self,
        label: str,
        *,
        message: SentMessage | None = None,
        settle: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a deadline for the bot's reply
        expect_reply: bool = True,
    ) -> Replies:
        """Press a button by label on the newest message with it (or a reply-keyboard key)."""
        self._check_not_blocked(label)
        target, button = self._find_button(label, message)
        if target is None or button is None:
            keyboard = [key for row in self.reply_keyboard or [] for key in row]
            if message is None and label in keyboard:
                return await self.send(
                    label, settle=settle, timeout=timeout, expect_reply=expect_reply
                )
            shown = [m.labels for m in self.messages[-5:] if m.buttons and not m.deleted]
            raise AssertionError(
                f"{self.name}: no button {label!r} on "
                f"{'message #' + str(message.message_id) if message else 'any message'}; "
                f"recent inline keyboards: {shown}; reply keyboard: {keyboard}"
            )
        data = button[1]
        if target.inline_markup is not None and not _is_callback_button(target, button[0]):
            raise AssertionError(f"{self.name}: button {label!r} is a link to {data!r}")
        self.transcript.append(
            TranscriptEntry("user", "press", button[0], message_id=target.message_id)
        )
        return await self._press(
            target, target.message_id, data, label, settle, timeout, expect_reply
        )

    async def press_data(
        self,
        message: SentMessage | int,
        data: str,
        *,
        settle: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a deadline for the bot's reply
        expect_reply: bool = True,
    ) -> Replies:
        """Send arbitrary callback data for a message, as a modified client could."""
        self._check_not_blocked(data)
        message_id = message if isinstance(message, int) else message.message_id
        target = self._by_id.get(message_id)
        self.transcript.append(
            TranscriptEntry("user", "press", f"«{data}»", message_id=message_id)
        )
        return await self._press(target, message_id, data, data, settle, timeout, expect_reply)

    def block(self) -> None:
        """Block the bot: sends to this person now fail with 403."""
        if not self.blocked:
            self.blocked = True
            self.sim.push_my_chat_member(self, "kicked")

    def unblock(self) -> None:
        """Unblock the bot again."""
        if self.blocked:
            self.blocked = False
            self.sim.push_my_chat_member(self, "member")

    # ----- recording what the bot does (called by the server) -------------------------------

    def record_message(self, message: SentMessage) -> None:
        """Store a new message from the bot."""
        self.messages.append(message)
        self._by_id[message.message_id] = message
        self.events.append(message)
        if message.reply_keyboard is not None:
            self.reply_keyboard = message.reply_keyboard
        elif message.remove_keyboard:
            self.reply_keyboard = None
        kind: Kind = "text"
        shown = message.content
        if message.photo is not None:
            kind = "photo"
            shown = message.caption or message.photo.filename or message.photo.url or ""
        elif message.document is not None:
            kind = "document"
            name = message.document.filename or message.document.url or "?"
            shown = f"{name} — {message.caption}" if message.caption else name
        self.transcript.append(
            TranscriptEntry(
                "bot",
                kind,
                shown,
                buttons=[[label for label, _ in row] for row in message.buttons],
                keyboard=message.reply_keyboard,
                remove_keyboard=message.remove_keyboard,
                message_id=message.message_id,
            )
        )
        self._touch()

    def record_edit(self, edit: Edit) -> None:
        """Store an edit of one of the bot's messages."""
        self.events.append(edit)
        self.transcript.append(
            TranscriptEntry(
                "bot",
                "edit",
                edit.message.content,
                buttons=[[label for label, _ in row] for row in edit.new_buttons],
                message_id=edit.message.message_id,
            )
        )
        self._touch()

    def record_callback_answer(self, answer: CallbackAnswer) -> None:
        """Store the bot's answer to a button press."""
        self.events.append(answer)
        self.transcript.append(
            TranscriptEntry(
                "bot",
                "callback_answer",
                answer.text or "",
                show_alert=answer.show_alert,
                message_id=answer.message_id,
            )
        )
        self._touch()

    def record_deletion(self, message: SentMessage) -> None:
        """Mark one of the bot's messages deleted."""
        message.deleted = True
        self._by_id.pop(message.message_id, None)
        self.events.append(Deletion(message))
        self.transcript.append(
            TranscriptEntry("bot", "delete", message.content, message_id=message.message_id)
        )
        self._touch()

    def record_chat_action(self, action: str) -> None:
        """Note a chat action ("typing"): it keeps a waiting test waiting, nothing more."""
        self.chat_actions.append(action)
        self._last_activity = time.monotonic()
        self._activity.set()

    # ----- internals --------------------------------------------------------------------------

    def _touch(self) -> None:
        self._last_activity = time.monotonic()
        self.event_times.append(self._last_activity)
        self._activity.set()

    def _check_not_blocked(self, what: str) -> None:
        if self.blocked:
            raise AssertionError(
                f"{self.name} has blocked the bot and cannot send {what!r}; call unblock() first"
            )

    def _new_message(self) -> JSON:
        self.started = True
        return {
            "message_id": self.allocate_message_id(),
            "from": self.user_json(),
            "chat": self.chat_json(),
            "date": int(time.time()),
        }

    def _reply_target(self, reply_to: SentMessage | int) -> JSON:
        if isinstance(reply_to, int):
            found = self._by_id.get(reply_to)
            if found is None:
                return {"message_id": reply_to, "chat": self.chat_json(), "date": 0}
            reply_to = found
        return self.sim.message_json(reply_to)

    def _find_button(
        self, label: str, message: SentMessage | None
    ) -> tuple[SentMessage | None, Button | None]:
        candidates = [message] if message is not None else reversed(self.messages)
        for candidate in candidates:
            if candidate.deleted or not candidate.buttons:
                continue
            button = candidate.button(label)
            if button is not None:
                return candidate, button
        return None, None

    async def _press(
        self,
        target: SentMessage | None,
        message_id: int,
        data: str | None,
        what: str,
        settle: float | None,
        timeout: float | None,  # noqa: ASYNC109
        expect_reply: bool,
    ) -> Replies:
        payload = self._callback_update(target, message_id, data)
        return await self._act(payload, what, settle, timeout, expect_reply)

    def _callback_update(
        self, target: SentMessage | None, message_id: int, data: str | None
    ) -> JSON:
        query_id = self.sim.register_callback_query(self, message_id, data)
        if target is not None and not target.deleted:
            message_json = self.sim.message_json(target)
        else:  # an InaccessibleMessage, as Telegram sends for messages it no longer has
            message_json = {"chat": self.chat_json(), "message_id": message_id, "date": 0}
        query: JSON = {
            "id": query_id,
            "from": self.user_json(),
            "message": message_json,
            "chat_instance": str(self.telegram_id * 7919 + 13),
        }
        if data is not None:
            query["data"] = data
        return {"callback_query": query}

    async def _act(
        self,
        payload: JSON,
        what: str,
        settle: float | None,
        timeout: float | None,  # noqa: ASYNC109
        expect_reply: bool,
    ) -> Replies:
        start = len(self.events)
        begun = time.monotonic()
        update_id = self.sim.push_update(payload)
        settle = self.sim.settle if settle is None else settle
        limit = self.sim.reply_timeout if timeout is None else timeout
        deadline = begun + limit
        while True:
            now = time.monotonic()
            got = len(self.events) > start
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
                fetched = self.sim.was_fetched(update_id)
                hint = (
                    "the bot fetched the update but sent nothing back"
                    if fetched
                    else "the update was never fetched with getUpdates (is the bot polling?)"
                )
                raise AssertionError(
                    f"{self.name}: no reply from the bot to {what!r} within {limit:g} s; {hint}"
                )
            self._activity.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._activity.wait(), timeout=min(wait, deadline - now))
        return Replies(self.events[start:])


def _is_callback_button(message: SentMessage, label: str) -> bool:
    markup = message.inline_markup or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if isinstance(button, dict) and button.get("text") == label:
                return "callback_data" in button
    return True


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def split_name(name: str) -> tuple[str, str | None]:
    """Split a display name into Telegram's first and last name so that they join back to it."""
    words = name.split()
    if not words:
        raise ValueError("a simulated user needs a name")
    if len(words) == 1:
        return words[0], None
    return words[0], " ".join(words[1:])


def render_transcript(user: SimUser, title: str | None = None, *, start: int = 0) -> str:
    """The chat log of one person as plain text for a terminal."""
    lines = [f"── {title or user.name} ──"]
    for entry in user.transcript[start:]:
        if entry.who == "user":
            prefix = f"  {user.name}: "
            text = f"{LABEL_PRESS} {entry.text}" if entry.kind == "press" else entry.text
            if entry.kind == "document":
                text = f"{LABEL_DOCUMENT} {text}"
            _add_block(lines, prefix, text)
            continue
        if entry.kind == "callback_answer":
            if not entry.text:
                continue
            label = LABEL_POPUP if entry.show_alert else LABEL_TOAST
            _add_block(lines, f"  {LABEL_BOT} {label}: ", entry.text)
            continue
        tag = {
            "edit": f" {LABEL_EDIT}",
            "photo": f" {LABEL_PHOTO}",
            "document": f" {LABEL_DOCUMENT}",
            "delete": f" {LABEL_DELETED}",
        }.get(entry.kind, "")
        prefix = f"  {LABEL_BOT}{tag}: "
        text = _short(entry.text) if entry.kind == "delete" else entry.text
        _add_block(lines, prefix, text)
        pad = " " * len(prefix)
        lines.extend(pad + " ".join(f"[{label}]" for label in row) for row in entry.buttons)
        if entry.keyboard:
            lines.extend(
                f"{pad}{LABEL_KEYBOARD} " + " ".join(f"[{key}]" for key in row)
                for row in entry.keyboard
            )
        elif entry.remove_keyboard:
            lines.append(f"{pad}{LABEL_REMOVE_KEYBOARD}")
    return "\n".join(lines)


def _add_block(lines: list[str], prefix: str, text: str) -> None:
    pad = " " * len(prefix)
    parts = text.split("\n") or [""]
    lines.append(prefix + parts[0])
    lines.extend((pad + part) if part else "" for part in parts[1:])
