"""A small async client for the Zalo Bot Platform HTTP API, on httpx."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import quote

import httpx

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://bot-api.zaloplatforms.com"
MAX_TEXT: Final = 2000
"""Zalo's limit for a text or a caption, counted by zalo_length()."""

# Zalo documents its error codes nowhere. What follows is assumed, Telegram-like (the envelope
# and the methods are Telegram's): error_code mirrors an HTTP status. 401 is a bad token (seen
# with HTTP 200); 403 and 404 on a send mean the person blocked the bot, never wrote to it or
# does not exist; 408 on getUpdates means "no update within the timeout"; 429 is flood control
# with no published limits; 5xx is Zalo's trouble. Any other code is a refusal of this request.
_UNREACHABLE_CODES: Final = frozenset({403, 404})
_UNREACHABLE_WORDS: Final = re.compile(
    r"block|(user|chat|recipient|receiver)\S* (is )?(not found|not exist|unreachable)"
    r"|chặn|(người dùng|người nhận).{0,20}không tồn tại",
    re.IGNORECASE,
)
_SEND_METHODS: Final = frozenset({"sendMessage", "sendPhoto", "sendChatAction"})
_POLL_TIMEOUT_CODE: Final = 408
# The long poll itself may take `timeout` seconds; the HTTP request waits this much longer.
_POLL_GRACE: Final = 10.0


def zalo_length(text: str) -> int:
    """The length Zalo is assumed to count: UTF-16 code units (never looser than characters)."""
    return len(text.encode("utf-16-le")) // 2


# ----- errors ---------------------------------------------------------------------------------


class ZaloError(Exception):
    """A call to Zalo failed; error_code and description as Zalo gave them (token-free)."""

    def __init__(self, method: str, error_code: int | None, description: str) -> None:
        super().__init__(f"{method}: {error_code} {description}".strip())
        self.method = method
        self.error_code = error_code
        self.description = description


class ZaloRetryAfter(ZaloError):  # noqa: N818 - named for what happened
    """Flood control (429): wait, then try again; retry_after in seconds when Zalo says."""

    def __init__(
        self, method: str, error_code: int | None, description: str, retry_after: float | None
    ) -> None:
        super().__init__(method, error_code, description)
        self.retry_after = retry_after


class ZaloUnreachable(ZaloError):  # noqa: N818 - named for what happened
    """The person blocked the bot, never wrote to it, or the chat does not exist."""


class ZaloRejected(ZaloError):  # noqa: N818 - named for what happened
    """Zalo refused this request as it is (text too long or empty, a bad parameter)."""


class ZaloAuthError(ZaloError):
    """The token is wrong or revoked (401): nothing works until the admin fixes it."""


class ZaloNetworkError(ZaloError):
    """Zalo could not be reached or failed (timeout, connection, 5xx, an unreadable answer)."""


# ----- what comes back ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZaloBotInfo:
    """The bot itself, as getMe describes it."""

    id: str
    account_name: str
    account_type: str
    can_join_groups: bool


@dataclass(frozen=True, slots=True)
class WebhookInfo:
    """The webhook Zalo has on record; an empty url means none (long polling)."""

    url: str
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message Zalo accepted: its id and when."""

    message_id: str
    date: dt.datetime | None


def from_ms(value: object) -> dt.datetime | None:
    """An aware UTC datetime from Zalo's milliseconds (seconds tolerated); None if unusable."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if number <= 0 or number != number:  # NaN
        return None
    # Documented dates are in milliseconds; a value below 10^11 can only be seconds.
    seconds = number / 1000 if number >= 1e11 else number
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def as_id(value: object) -> str:
    """An id as the string Zalo means (numbers tolerated); "" when missing."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


# ----- logging --------------------------------------------------------------------------------


class _RedactToken(logging.Filter):
    """Replace the token in records of httpx and httpcore (they log URLs)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._secrets = {token, quote(token, safe=""), quote(token)}

    def redact(self, text: str) -> str:
        """The text with the token replaced."""
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            record.msg, record.args = self.redact(message), None
        return True


_HTTP_LOGGERS: Final = ("httpx", "httpcore")


# ----- the client -----------------------------------------------------------------------------


class ZaloClient:
    """The Zalo Bot Platform API: ``async with ZaloClient(token) as zalo: await zalo.get_me()``."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 15.0,
    ) -> None:
        if not token or "/" in token or any(c.isspace() for c in token):
            raise ValueError("a Zalo token is needed, without spaces or slashes")
        self._token = token
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None
        self._filter = _RedactToken(token)

    def __repr__(self) -> str:
        return f"ZaloClient({self._base!r})"  # never the token

    async def __aenter__(self) -> Self:
        for name in _HTTP_LOGGERS:
            logging.getLogger(name).addFilter(self._filter)
        self._http = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()
        for name in _HTTP_LOGGERS:
            logging.getLogger(name).removeFilter(self._filter)

    # ----- methods ----------------------------------------------------------------------------

    async def get_me(self) -> ZaloBotInfo:
        """Check the token; the bot's id and account name."""
        result = _as_dict(await self.call("getMe"))
        return ZaloBotInfo(
            id=as_id(result.get("id")),
            account_name=str(result.get("account_name") or result.get("name") or ""),
            account_type=str(result.get("account_type") or ""),
            can_join_groups=result.get("can_join_groups") is True,
        )

    async def get_updates(self, timeout: int = 30) -> list[dict[str, Any]]:  # noqa: ASYNC109
        """Long-poll for updates; [] when none came within ``timeout`` seconds.

        Zalo keeps no offset: an update handed out may come again, so callers de-duplicate.
        """
        try:
            result = await self.call(
                "getUpdates", {"timeout": str(timeout)}, http_timeout=timeout + _POLL_GRACE
            )
        except ZaloNetworkError as exc:
            if exc.error_code == _POLL_TIMEOUT_CODE:
                return []
            raise
        # Zalo answers one update per call; a list is accepted too, should that change.
        items = result if isinstance(result, list) else [result]
        return [item for item in items if isinstance(item, dict) and item]

    async def set_webhook(self, url: str, secret_token: str) -> WebhookInfo:
        """Have Zalo POST every update to ``url`` with the secret in X-Bot-Api-Secret-Token."""
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("the webhook secret must have 8 to 256 characters")
        result = await self.call("setWebhook", {"url": url, "secret_token": secret_token})
        return _webhook_info(result, default_url=url)

    async def delete_webhook(self) -> WebhookInfo:
        """Remove the webhook (getUpdates works again)."""
        return _webhook_info(await self.call("deleteWebhook"), default_url="")

    async def get_webhook_info(self) -> WebhookInfo:
        """The webhook Zalo has on record."""
        return _webhook_info(await self.call("getWebhookInfo"), default_url="")

    async def send_message(self, chat_id: str, text: str) -> SentMessage:
        """Send a plain text (1–2000 characters)."""
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return _sent(result)

    async def send_photo(
        self, chat_id: str, photo_url: str, caption: str | None = None
    ) -> SentMessage:
        """Send a photo Zalo fetches from ``photo_url``, with an optional caption."""
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return _sent(await self.call("sendPhoto", params))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" for a moment (the only action Zalo offers)."""
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    # ----- the transport ----------------------------------------------------------------------

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        http_timeout: float | None = None,
    ) -> Any:
        """POST one method as JSON; its result, or a ZaloError subclass (``ok`` always read)."""
        if self._http is None:
            raise RuntimeError("use the ZaloClient inside `async with`")
        url = f"{self._base}/bot{self._token}/{method}"
        try:
            response = await self._http.post(
                url,
                json=params or {},
                timeout=http_timeout if http_timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            # The exception's text and its request carry the URL, hence the token: keep neither.
            detail = self._filter.redact(str(exc))
            raise ZaloNetworkError(method, None, f"{type(exc).__name__}: {detail}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("ok"), bool):
            raise _error(method, response, None, f"HTTP {response.status_code}, not Zalo's JSON")
        if body["ok"] is True:
            return body.get("result")
        code = body.get("error_code")
        description = str(body.get("description") or "")
        raise _error(method, response, code if isinstance(code, int) else None, description, body)


def _error(
    method: str,
    response: httpx.Response,
    error_code: int | None,
    description: str,
    body: dict[str, Any] | None = None,
) -> ZaloError:
    """Sort a failure so the delivery engine can map it."""
    code = error_code if error_code is not None else response.status_code
    if code == 429 or response.status_code == 429:
        return ZaloRetryAfter(method, 429, description, _retry_after(response, body))
    if code == 401:
        return ZaloAuthError(method, code, description)
    if code == _POLL_TIMEOUT_CODE or code >= 500 or (body is None and response.status_code >= 500):
        return ZaloNetworkError(method, code, description)
    if body is None:
        return ZaloNetworkError(method, code, description)
    if method in _SEND_METHODS and (
        code in _UNREACHABLE_CODES or _UNREACHABLE_WORDS.search(description)
    ):
        return ZaloUnreachable(method, code, description)
    return ZaloRejected(method, code, description)


def _retry_after(response: httpx.Response, body: dict[str, Any] | None) -> float | None:
    """Seconds to wait, from the body's parameters or a Retry-After header; None if not said."""
    parameters = body.get("parameters") if body else None
    candidates: list[object] = []
    if isinstance(parameters, dict):
        candidates.append(parameters.get("retry_after"))
    if body:
        candidates.append(body.get("retry_after"))
    candidates.append(response.headers.get("Retry-After"))
    for value in candidates:
        if isinstance(value, bool) or value is None:
            continue
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if 0 <= seconds <= 86400:
            return seconds
    return None


def _as_dict(result: Any) -> dict[str, Any]:
    return result if isinstance(result, dict) else {}


def _webhook_info(result: Any, *, default_url: str) -> WebhookInfo:
    data = _as_dict(result)
    url = data.get("url")
    return WebhookInfo(
        url=url if isinstance(url, str) else default_url,
        updated_at=from_ms(data.get("updated_at")),
    )


def _sent(result: Any) -> SentMessage:
    data = _as_dict(result)
    return SentMessage(message_id=as_id(data.get("message_id")), date=from_ms(data.get("date")))
