"""The Zalo platform layer against the Zalo simulator: client, webhook, polling, updates."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.zalo.check import zalo_check
from bot.channels.zalo.client import (
    MAX_TEXT,
    ZaloAuthError,
    ZaloClient,
    ZaloNetworkError,
    ZaloRejected,
    ZaloRetryAfter,
    ZaloUnreachable,
)
from bot.channels.zalo.receiver import SECRET_HEADER, poll, secret_path_for, webhook_app
from bot.channels.zalo.updates import UnsupportedUpdate, ZaloMessage, parse_update, update_key
from bot.i18n import Catalogs, Translator
from chibo_devtools.zalo import FakeZalo, render_transcript

TOKEN = "3141592653589793238:SimZaloTest"
SECRET = "webhook-secret-for-tests"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x02\x00\x00\x00"

Stored = list[dict[str, Any]]


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZalo]:
    """A fake Zalo on loopback whose long polls end quickly."""
    async with FakeZalo(token=TOKEN, max_poll_timeout=0.3) as server:
        yield server


@pytest.fixture
async def client(zalo: FakeZalo) -> AsyncIterator[ZaloClient]:
    """The real client pointed at the simulator."""
    async with ZaloClient(TOKEN, zalo.base_url, timeout=5) as opened:
        yield opened


@pytest.fixture
def vi() -> Translator:
    """The Vietnamese catalog."""
    return Catalogs("vi").get("vi")


def _collector() -> tuple[Stored, Callable[[dict[str, Any]], Awaitable[None]]]:
    stored: Stored = []

    async def accept(update: dict[str, Any]) -> None:
        stored.append(update)

    return stored, accept


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


# ----- the client ------------------------------------------------------------------------------


async def test_get_me_describes_the_bot_with_a_string_id(client: ZaloClient) -> None:
    """getMe gives the bot's id as a string and its account name."""
    me = await client.get_me()
    assert me.id == "3141592653589793238"
    assert me.account_name == "bot.SimChiBo"


async def test_bad_token_is_an_auth_error_although_http_200(zalo: FakeZalo) -> None:
    """A wrong token comes back as ok:false, 401 with HTTP 200 and is an auth error."""
    async with ZaloClient("1:wrong", zalo.base_url) as wrong:
        with pytest.raises(ZaloAuthError) as caught:
            await wrong.get_me()
    assert caught.value.error_code == 401


async def test_send_message_reaches_the_person(zalo: FakeZalo, client: ZaloClient) -> None:
    """A sent text reaches the person; its id is a string and its date an aware UTC time."""
    lan = zalo.user("Nguyễn Thị Lan")
    sent = await client.send_message(lan.chat_id, "Kính gửi đồng chí Lan")
    assert lan.last_text == "Kính gửi đồng chí Lan"
    assert isinstance(sent.message_id, str)
    assert sent.message_id
    assert sent.date is not None
    assert sent.date.tzinfo is dt.UTC
    assert abs((dt.datetime.now(dt.UTC) - sent.date).total_seconds()) < 60
    assert zalo.sent == 1


@pytest.mark.parametrize("text", ["", "x" * (MAX_TEXT + 1), "😀" * 1001])
async def test_text_outside_1_to_2000_is_rejected(
    zalo: FakeZalo, client: ZaloClient, text: str
) -> None:
    """An empty or too long text is refused (ok:false, HTTP 200) and nothing is delivered."""
    lan = zalo.user("Lan")
    with pytest.raises(ZaloRejected) as caught:
        await client.send_message(lan.chat_id, text)
    assert caught.value.error_code == 400
    assert lan.messages == []


async def test_exactly_2000_characters_go_through(zalo: FakeZalo, client: ZaloClient) -> None:
    """A text of exactly 2000 characters is accepted."""
    lan = zalo.user("Lan")
    await client.send_message(lan.chat_id, "ệ" * MAX_TEXT)
    assert lan.last_text == "ệ" * MAX_TEXT


async def test_blocked_unknown_or_never_started_is_unreachable(
    zalo: FakeZalo, client: ZaloClient
) -> None:
    """A person who blocked the bot, never wrote to it, or does not exist is unreachable."""
    blocked = zalo.user("Hùng")
    blocked.block()
    silent = zalo.user("Mai", started=False)
    for chat_id in (blocked.chat_id, silent.chat_id, "0000000000000000dead"):
        with pytest.raises(ZaloUnreachable):
            await client.send_message(chat_id, "Kính gửi đồng chí")
    assert blocked.messages == []
    assert silent.messages == []


async def test_flood_limit_is_a_retry_after() -> None:
    """Over the flood limits (per chat, overall) Zalo answers 429: a RetryAfter, no wait given."""
    async with (
        FakeZalo(token=TOKEN, max_per_chat_per_second=1) as limited,
        ZaloClient(TOKEN, limited.base_url) as to_limited,
    ):
        lan = limited.user("Lan")
        await to_limited.send_message(lan.chat_id, "một")
        with pytest.raises(ZaloRetryAfter) as caught:
            await to_limited.send_message(lan.chat_id, "hai")
        assert caught.value.retry_after is None
        assert limited.rate_limited == 1
        assert lan.texts == ["một"]
        others = [limited.user(name) for name in ("Hùng", "Mai", "Tâm")]
        limited.max_per_second = 2
        await asyncio.sleep(1.05)
        await to_limited.send_message(others[0].chat_id, "một")
        await to_limited.send_message(others[1].chat_id, "một")
        with pytest.raises(ZaloRetryAfter):  # two a second overall, whoever the chat
            await to_limited.send_message(others[2].chat_id, "một")
        assert limited.rate_limited == 2
        limited.fail_next("sendMessage", 429, retry_after=3)
        await asyncio.sleep(1.05)
        with pytest.raises(ZaloRetryAfter) as told:
            await to_limited.send_message(lan.chat_id, "ba")
        assert told.value.retry_after == 3


async def test_error_kinds_are_sorted(zalo: FakeZalo, client: ZaloClient) -> None:
    """ok:false with HTTP 200 is always an error, sorted by code; 5xx and no server are network."""
    lan = zalo.user("Lan")
    zalo.fail_next("sendMessage", 400, description="Bad Request: something")
    with pytest.raises(ZaloRejected):
        await client.send_message(lan.chat_id, "a")
    zalo.fail_next("sendMessage", 500, http_status=500)
    with pytest.raises(ZaloNetworkError):
        await client.send_message(lan.chat_id, "b")
    zalo.fail_next("sendMessage", 403, description="Forbidden: user blocked the bot")
    with pytest.raises(ZaloUnreachable):
        await client.send_message(lan.chat_id, "c")
    zalo.fail_next("sendMessage", 400, description="Bad Request: chat not found")
    with pytest.raises(ZaloUnreachable):
        await client.send_message(lan.chat_id, "c")
    assert lan.messages == []
    async with ZaloClient(TOKEN, f"http://127.0.0.1:{_free_port()}") as nowhere:
        with pytest.raises(ZaloNetworkError) as caught:
            await nowhere.send_message(lan.chat_id, "d")
    assert TOKEN not in str(caught.value)


async def test_photo_is_fetched_from_its_url(zalo: FakeZalo, client: ZaloClient) -> None:
    """sendPhoto hands Zalo a URL: the simulator fetches the bytes, or records why it could not."""

    async def chart(request: web.Request) -> web.Response:
        return web.Response(body=PNG, content_type="image/png")

    app = web.Application()
    app.router.add_get("/chart.png", chart)
    runner, base = await _serve(app)
    try:
        lan = zalo.user("Lan")
        await client.send_photo(lan.chat_id, f"{base}/chart.png", "Biểu đồ tháng 11")
        with pytest.raises(ZaloRejected):
            await client.send_photo(lan.chat_id, f"{base}/missing.png")
    finally:
        await runner.cleanup()
    photo = lan.last.photo if lan.last else None
    assert photo is not None
    assert photo.data == PNG
    assert lan.last_text == "Biểu đồ tháng 11"
    assert [p.error for p in zalo.photos] == [None, "HTTP 404"]
    assert len(lan.messages) == 1


async def test_typing_is_shown(zalo: FakeZalo, client: ZaloClient) -> None:
    """sendChatAction "typing" is shown to the person, anything else is refused."""
    lan = zalo.user("Lan")
    await client.send_chat_action(lan.chat_id)
    with pytest.raises(ZaloRejected):
        await client.send_chat_action(lan.chat_id, "upload_photo")
    assert lan.chat_actions == ["typing"]


async def test_webhook_methods_and_exclusion(zalo: FakeZalo, client: ZaloClient) -> None:
    """setWebhook, getWebhookInfo and deleteWebhook; polling is refused while a webhook is set."""
    assert (await client.get_webhook_info()).url == ""
    with pytest.raises(ValueError, match="8 to 256"):
        await client.set_webhook("https://chibo.example.vn/zalo/x", "short")
    info = await client.set_webhook("https://chibo.example.vn/zalo/x", SECRET)
    assert info.url == "https://chibo.example.vn/zalo/x"
    assert info.updated_at is not None
    assert info.updated_at.tzinfo is dt.UTC
    assert (await client.get_webhook_info()).url == info.url
    with pytest.raises(ZaloRejected):
        await client.get_updates(timeout=1)
    assert (await client.delete_webhook()).url == ""
    assert await client.get_updates(timeout=1) == []


async def test_token_never_reaches_the_logs(
    zalo: FakeZalo, client: ZaloClient, caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs every URL; the token in it is replaced before any handler sees it."""
    lan = zalo.user("Lan")
    with caplog.at_level(logging.DEBUG):
        await client.get_me()
        await client.send_message(lan.chat_id, "xin chào")
        with pytest.raises(ZaloRejected):
            await client.send_message(lan.chat_id, "")
    assert "sendMessage" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(client)


async def test_get_updates_hands_out_one_update_then_none(
    zalo: FakeZalo, client: ZaloClient
) -> None:
    """getUpdates gives the waiting update; with none, it ends after the timeout with []."""
    lan = zalo.user("Lan")
    message_id = lan.send_nowait("có")
    updates = await client.get_updates(timeout=5)
    assert [update_key(u) for u in updates] == [message_id]
    assert zalo.was_delivered(message_id)
    assert await client.get_updates(timeout=5) == []


# ----- the webhook app -------------------------------------------------------------------------


async def _webhook_client(
    accept: Callable[[dict[str, Any]], Awaitable[None]],
) -> TestClient[web.Request, web.Application]:
    app = webhook_app(secret_path_for(SECRET), SECRET, accept)
    test_client: TestClient[web.Request, web.Application] = TestClient(TestServer(app))
    await test_client.start_server()
    return test_client


def _update(message_id: str = "2d758cb5e222177a4e35", text: str = "có") -> dict[str, Any]:
    return {
        "ok": True,
        "result": {
            "event_name": "message.text.received",
            "message": {
                "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False},
                "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
                "text": text,
                "message_id": message_id,
                "date": 1750316131602,
            },
        },
    }


async def test_webhook_refuses_missing_or_wrong_secret() -> None:
    """A call without the secret header, or with a wrong one, gets 403 and stores nothing."""
    stored, accept = _collector()
    http = await _webhook_client(accept)
    path = f"/zalo/{secret_path_for(SECRET)}"
    try:
        for headers in ({}, {SECRET_HEADER: "wrong-secret-value"}, {SECRET_HEADER: SECRET[:-1]}):
            response = await http.post(path, json=_update(), headers=headers)
            assert response.status == 403
        response = await http.post(
            "/zalo/guessed", json=_update(), headers={SECRET_HEADER: SECRET}
        )
        assert response.status == 404
    finally:
        await http.close()
    assert stored == []


async def test_webhook_stores_before_answering_200() -> None:
    """A good call is answered 200 only after the update is stored, unwrapped from {ok, result}."""
    stored: Stored = []
    release = asyncio.Event()

    async def slow_accept(update: dict[str, Any]) -> None:
        await release.wait()
        stored.append(update)

    http = await _webhook_client(slow_accept)
    try:
        call = asyncio.ensure_future(
            http.post(
                f"/zalo/{secret_path_for(SECRET)}",
                json=_update(),
                headers={SECRET_HEADER: SECRET},
            )
        )
        await asyncio.sleep(0.2)
        assert not call.done()
        release.set()
        response = await call
        assert response.status == 200
    finally:
        await http.close()
    assert stored == [_update()["result"]]


async def test_webhook_failing_store_is_not_200() -> None:
    """When the update cannot be stored the answer is 500, so Zalo sends it again."""

    async def broken(update: dict[str, Any]) -> None:
        raise OSError("disk full")

    http = await _webhook_client(broken)
    try:
        response = await http.post(
            f"/zalo/{secret_path_for(SECRET)}", json=_update(), headers={SECRET_HEADER: SECRET}
        )
        assert response.status == 500
    finally:
        await http.close()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"x" * (64 * 1024 + 1), 413),
        (json.dumps({"pad": "x" * 70_000}).encode(), 413),
        (b"not json", 400),
        (b"\xff\xfe", 400),
        (b"[1, 2]", 400),
    ],
)
async def test_webhook_refuses_oversized_or_non_json(body: bytes, status: int) -> None:
    """A body over 64 KiB, or one that is not a JSON object, is refused and nothing is stored."""
    stored, accept = _collector()
    http = await _webhook_client(accept)
    try:
        response = await http.post(
            f"/zalo/{secret_path_for(SECRET)}",
            data=body,
            headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"},
        )
        assert response.status == status
    finally:
        await http.close()
    assert stored == []


async def test_webhook_takes_a_large_update_whole() -> None:
    """An update just under 64 KiB arrives in pieces and is still stored whole."""
    stored, accept = _collector()
    http = await _webhook_client(accept)
    text = "Kiến nghị " * 3000  # about 33,000 characters, 60 KiB of JSON
    try:
        response = await http.post(
            f"/zalo/{secret_path_for(SECRET)}",
            json=_update(text=text),
            headers={SECRET_HEADER: SECRET},
        )
        assert response.status == 200
    finally:
        await http.close()
    parsed = parse_update(stored[0])
    assert isinstance(parsed, ZaloMessage)
    assert parsed.text == text


async def test_webhook_hands_a_repeated_update_to_accept_again() -> None:
    """The same update delivered twice reaches accept twice: the inbox de-duplicates."""
    stored, accept = _collector()
    http = await _webhook_client(accept)
    try:
        for _ in range(2):
            response = await http.post(
                f"/zalo/{secret_path_for(SECRET)}", json=_update(), headers={SECRET_HEADER: SECRET}
            )
            assert response.status == 200
    finally:
        await http.close()
    assert len(stored) == 2
    assert {update_key(u) for u in stored} == {"2d758cb5e222177a4e35"}


async def test_simulator_webhook_carries_the_secret_and_retries(
    zalo: FakeZalo, client: ZaloClient
) -> None:
    """After setWebhook the simulator POSTs updates with the secret, retrying a failed call."""
    stored: Stored = []
    failed_once = False

    async def flaky(update: dict[str, Any]) -> None:
        nonlocal failed_once
        if not failed_once:
            failed_once = True
            raise OSError("database locked")
        stored.append(update)

    runner, base = await _serve(webhook_app(secret_path_for(SECRET), SECRET, flaky))
    try:
        await client.set_webhook(f"{base}/zalo/{secret_path_for(SECRET)}", SECRET)
        lan = zalo.user("Lan")
        message_id = lan.send_nowait("có")
        for _ in range(100):
            if stored:
                break
            await asyncio.sleep(0.02)
    finally:
        await client.delete_webhook()
        await runner.cleanup()
    assert [update_key(u) for u in stored] == [message_id]
    assert zalo.webhook_failures == 1


# ----- polling ---------------------------------------------------------------------------------


async def _poll_until(
    client: ZaloClient, stored: Stored, accept: Callable[[dict[str, Any]], Awaitable[None]], n: int
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(poll(client, accept, stop, timeout=1))
    try:
        for _ in range(200):
            if len(stored) >= n:
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_polling_hands_every_update_to_accept(zalo: FakeZalo, client: ZaloClient) -> None:
    """Long polling hands every message to accept, in order."""
    stored, accept = _collector()
    lan, hung = zalo.user("Lan"), zalo.user("Hùng")
    ids = [lan.send_nowait("có"), hung.send_nowait("vắng"), lan.send_nowait("2")]
    await _poll_until(client, stored, accept, 3)
    assert [update_key(u) for u in stored] == ids
    texts = [m.text for m in map(parse_update, stored) if isinstance(m, ZaloMessage)]
    assert texts == ["có", "vắng", "2"]


async def test_polling_tries_again_to_store_an_update(zalo: FakeZalo, client: ZaloClient) -> None:
    """When storing fails once, polling hands the same update to accept again."""
    stored: Stored = []
    tries = 0

    async def flaky(update: dict[str, Any]) -> None:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise OSError("database locked")
        stored.append(update)

    message_id = zalo.user("Lan").send_nowait("có")
    stop = asyncio.Event()
    task = asyncio.create_task(poll(client, flaky, stop, timeout=1, backoff_first=0.05))
    try:
        for _ in range(200):
            if stored:
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert [update_key(u) for u in stored] == [message_id]
    assert tries == 2


async def test_polling_sees_repeats_in_strict_mode() -> None:
    """In strict mode Zalo hands some updates out again; accept sees them twice."""
    stored, accept = _collector()
    async with (
        FakeZalo(token=TOKEN, strict=True, max_poll_timeout=0.3) as strict,
        ZaloClient(TOKEN, strict.base_url) as to_strict,
    ):
        lan = strict.user("Lan")
        ids = [lan.send_nowait(str(i)) for i in range(6)]
        await _poll_until(to_strict, stored, accept, 8)
        assert strict.repeats == 2
    keys = [update_key(u) for u in stored]
    assert len(keys) == 8
    assert set(keys) == set(ids)


async def test_polling_survives_network_trouble_and_stops() -> None:
    """With Zalo unreachable polling backs off without raising, and ends when stopped."""
    stored, accept = _collector()
    async with ZaloClient(TOKEN, f"http://127.0.0.1:{_free_port()}") as nowhere:
        stop = asyncio.Event()
        task = asyncio.create_task(
            poll(nowhere, accept, stop, timeout=1, backoff_first=0.05, backoff_max=0.1)
        )
        await asyncio.sleep(0.3)
        assert not task.done()
        stop.set()
        await asyncio.wait_for(task, 5)
    assert stored == []


async def test_polling_with_a_bad_token_raises(zalo: FakeZalo) -> None:
    """A bad token ends polling with an auth error instead of retrying for ever."""
    _, accept = _collector()
    async with ZaloClient("1:wrong", zalo.base_url) as wrong:
        with pytest.raises(ZaloAuthError):
            await asyncio.wait_for(poll(wrong, accept, asyncio.Event(), timeout=1), 5)


async def test_simulated_person_gets_the_bot_reply(zalo: FakeZalo, client: ZaloClient) -> None:
    """A person's send() waits for the bot's answer, and the transcript shows both sides."""

    async def echo(update: dict[str, Any]) -> None:
        parsed = parse_update(update)
        if isinstance(parsed, ZaloMessage):
            await client.send_message(parsed.chat_id, f"Đã nhận: {parsed.text}")

    stop = asyncio.Event()
    task = asyncio.create_task(poll(client, echo, stop, timeout=1))
    try:
        lan = zalo.user("Nguyễn Thị Lan")
        replies = await lan.send("có")
        assert replies.texts == ["Đã nhận: có"]
        await lan.send_sticker(expect_reply=False)
        await zalo.wait_quiet()
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    transcript = render_transcript(lan)
    assert "Nguyễn Thị Lan: có" in transcript
    assert "Bot: Đã nhận: có" in transcript
    assert "(nhãn dán)" in transcript


# ----- updates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "extra", "kind", "field", "value"),
    [
        ("message.text.received", {"text": "Có ạ"}, "text", "text", "Có ạ"),
        (
            "message.image.received",
            {"photo_url": "https://photo.zadn.vn/a.jpg", "caption": "ảnh họp"},
            "image",
            "photo_url",
            "https://photo.zadn.vn/a.jpg",
        ),
        ("message.sticker.received", {"sticker": "0e078a2f"}, "sticker", "sticker", "0e078a2f"),
        (
            "message.voice.received",
            {"voice_url": "https://voice.zadn.vn/a.aac"},
            "voice",
            "voice_url",
            "https://voice.zadn.vn/a.aac",
        ),
        ("message.unsupported.received", {}, "unsupported", "text", None),
    ],
)
def test_every_event_kind_is_read(
    event: str, extra: dict[str, Any], kind: str, field: str, value: object
) -> None:
    """Each documented event becomes a message of its kind with string ids and a UTC date."""
    raw = {
        "event_name": event,
        "message": {
            "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False},
            "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
            "message_id": "2d758cb5e222177a4e35",
            "date": 1750316131602,
            **extra,
        },
    }
    for wrapped in (raw, {"ok": True, "result": raw}):
        parsed = parse_update(wrapped)
        assert isinstance(parsed, ZaloMessage)
        assert parsed.kind == kind
        assert getattr(parsed, field) == value
        assert parsed.chat_id == "6ede9afa66b88fe6d6a9"
        assert parsed.sender.display_name == "Ted"
        assert parsed.date == dt.datetime(2025, 6, 19, 6, 55, 31, 602000, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "message.text.received",
        {},
        {"event_name": "message.reaction.received", "message": {"message_id": "a"}},
        {"event_name": "message.text.received"},
        {"event_name": "message.text.received", "message": "hello"},
        {"event_name": "message.text.received", "message": {"text": "no ids"}},
        {"event_name": "message.text.received", "message": {"message_id": "m1", "text": "x"}},
        {"ok": False, "result": None},
    ],
)
def test_garbage_is_unsupported_not_an_error(raw: object) -> None:
    """Anything unusable is an UnsupportedUpdate with a stable key, never an exception."""
    parsed = parse_update(raw)
    assert isinstance(parsed, UnsupportedUpdate)
    assert parsed.key == update_key(raw)


def test_numbers_where_strings_belong_are_tolerated() -> None:
    """Ids sent as numbers become strings and a date in seconds is still read."""
    parsed = parse_update(
        {
            "event_name": "message.text.received",
            "message": {
                "from": {"id": 42},
                "chat": {"id": 42},
                "message_id": 7,
                "date": 1750316131,
                "text": "có",
            },
        }
    )
    assert isinstance(parsed, ZaloMessage)
    assert (parsed.message_id, parsed.chat_id, parsed.from_id) == ("7", "42", "42")
    assert parsed.date == dt.datetime(2025, 6, 19, 6, 55, 31, tzinfo=dt.UTC)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    raw=_JSON
    | st.fixed_dictionaries(
        {"event_name": st.sampled_from(["message.text.received", "message.image.received"])},
        optional={"message": _JSON},
    )
)
def test_parsing_never_raises(raw: object) -> None:
    """Whatever JSON arrives, parsing gives a value and never raises."""
    assert isinstance(parse_update(raw), ZaloMessage | UnsupportedUpdate)


# ----- chibo zalo check ------------------------------------------------------------------------


async def test_check_reports_bot_webhook_and_test_message(
    zalo: FakeZalo, client: ZaloClient, vi: Translator
) -> None:
    """The check names the bot, says polling is used, and the admin gets the test message."""
    admin = zalo.user("Quản trị")
    lines = await zalo_check(client, admin.chat_id, vi)
    assert len(lines) == 3
    assert "bot.SimChiBo" in lines[0]
    assert "long polling" in lines[1]
    assert admin.chat_id in lines[2]
    assert lines[2].startswith("✓")
    assert admin.last_text
    assert "Tin thử" in admin.last_text


async def test_check_explains_a_bad_token_and_an_unreachable_admin(
    zalo: FakeZalo, client: ZaloClient, vi: Translator
) -> None:
    """A refused token stops the check with one clear line; an unreachable admin is named."""
    async with ZaloClient("1:wrong", zalo.base_url) as wrong:
        lines = await zalo_check(wrong, None, vi)
    assert len(lines) == 1
    assert "ZALO_BOT_TOKEN" in lines[0]
    lines = await zalo_check(client, "0000000000000000dead", vi)
    assert lines[-1].startswith("✗")
    assert "0000000000000000dead" in lines[-1]
