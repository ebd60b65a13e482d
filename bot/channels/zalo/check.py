"""`chibo zalo check`: the token, the webhook, and one test message, as lines for the admin."""

from __future__ import annotations

from bot.channels.zalo.client import (
    ZaloAuthError,
    ZaloClient,
    ZaloError,
    ZaloNetworkError,
    ZaloRetryAfter,
    ZaloUnreachable,
)
from bot.i18n import Translator


async def zalo_check(client: ZaloClient, admin_chat_id: str | None, t: Translator) -> list[str]:
    """Check a real bot step by step; every line says what was found, in ``t``'s language."""
    lines: list[str] = []
    try:
        me = await client.get_me()
    except ZaloError as exc:
        lines.append(failure_line(t, exc))
        return lines
    lines.append(
        t._("✓ Mã bot hợp lệ: {name} (id {id}, loại tài khoản {type})").format(
            name=me.account_name or "?", id=me.id or "?", type=me.account_type or "?"
        )
    )
    try:
        webhook = await client.get_webhook_info()
    except ZaloError as exc:
        lines.append(failure_line(t, exc))
    else:
        if webhook.url:
            updated = t.datetime(webhook.updated_at) if webhook.updated_at else "?"
            lines.append(
                t._("✓ Webhook đã đặt: {url} (cập nhật {time} UTC)").format(
                    url=webhook.url, time=updated
                )
            )
        else:
            lines.append(t._("• Chưa đặt webhook: bot nhận tin bằng long polling."))
    if not admin_chat_id:
        lines.append(t._("• Không gửi tin thử: chưa có chat Zalo của quản trị viên."))
        return lines
    try:
        await client.send_message(
            admin_chat_id, t._("Tin thử từ Trợ lý Chi bộ: bot Zalo đã gửi được tin nhắn.")
        )
    except ZaloUnreachable:
        lines.append(
            t._(
                "✗ Không gửi được tin thử tới {chat}: người này chưa nhắn cho bot, đã chặn bot, "
                "hoặc mã chat sai."
            ).format(chat=admin_chat_id)
        )
    except ZaloError as exc:
        lines.append(failure_line(t, exc))
    else:
        lines.append(t._("✓ Đã gửi tin thử tới {chat}.").format(chat=admin_chat_id))
    return lines


def failure_line(t: Translator, exc: ZaloError) -> str:
    """One line for a failed call, by kind; Zalo's own words kept for the admin."""
    if isinstance(exc, ZaloAuthError):
        return t._("✗ Zalo từ chối mã bot (ZALO_BOT_TOKEN): hãy kiểm tra lại mã.")
    if isinstance(exc, ZaloRetryAfter):
        return t._("✗ Zalo báo gửi quá nhanh ({method}); hãy thử lại sau ít phút.").format(
            method=exc.method
        )
    if isinstance(exc, ZaloNetworkError):
        return t._("✗ Không kết nối được tới Zalo ({method}): {error}").format(
            method=exc.method, error=exc.description or exc.error_code
        )
    return t._("✗ Zalo từ chối {method}: {code} {error}").format(
        method=exc.method, code=exc.error_code or "", error=exc.description
    )
