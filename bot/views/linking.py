"""What a person reads when they present an invite code, on any channel."""

from __future__ import annotations

import math
from datetime import timedelta

from bot.domain.invites import LinkOutcome
from bot.i18n import Translator


def stranger_text(t: Translator) -> str:
    """The welcome for someone who opened the bot without a code."""
    return t._(
        "Chào đồng chí. Đây là Trợ lý Chi bộ: nhắc lịch sinh hoạt chi bộ, ghi nhận tham dự "
        "và ý kiến của đảng viên.\n\n"
        "Để bắt đầu, đồng chí mở đường link mời riêng do bí thư chi bộ gửi, hoặc gõ vào "
        "đây mã mời 8 chữ số đồng chí được phát (ví dụ: 4821 0937). Nếu chưa có, xin liên "
        "hệ bí thư chi bộ."
    )


def no_code_text(t: Translator) -> str:
    """The welcome for an unlinked chat that typed something other than a code."""
    return t._(
        "Chào đồng chí. Đây là Trợ lý Chi bộ: nhắc lịch sinh hoạt chi bộ, ghi nhận tham dự "
        "và ý kiến của đảng viên.\n\n"
        "Để bắt đầu, đồng chí gõ mã mời gồm 8 chữ số trên thẻ mời bí thư chi bộ phát, "
        "ví dụ: 4821 0937. Nếu chưa có mã, xin liên hệ bí thư chi bộ."
    )


def wait_text(t: Translator, wait: timedelta) -> str:
    """How long until a try is allowed again, rounded up to the minute: "23 giờ 10 phút"."""
    hours, minutes = divmod(max(1, math.ceil(wait.total_seconds() / 60)), 60)
    if not hours:
        return t.ngettext("{n} phút", "{n} phút", minutes).format(n=minutes)
    if not minutes:
        return t.ngettext("{n} giờ", "{n} giờ", hours).format(n=hours)
    return t._("{h} giờ {m} phút").format(h=hours, m=minutes)


def refused_link_text(
    t: Translator,
    outcome: LinkOutcome,
    name: str = "",
    *,
    wait: timedelta | None = None,
    tries_left: int | None = None,
) -> str:
    """Why a code did not link this account, and what to do (every outcome but LINKED).

    ``wait``: until the next try is allowed (TOO_MANY_TRIES, or the wrong code that used the
    last try); ``tries_left``: wrong codes still allowed today, after a wrong one.
    """
    if outcome is LinkOutcome.TOO_MANY_TRIES:
        return t._(
            "Đồng chí đã nhập sai mã mời quá nhiều lần. Để giữ an toàn, Trợ lý tạm chưa nhận "
            "mã: xin thử lại sau {wait} nữa. Nếu cần gấp, xin liên hệ bí thư chi bộ."
        ).format(wait=wait_text(t, wait or timedelta(0)))
    if outcome is LinkOutcome.UNKNOWN:
        text = t._(
            "Mã mời này không đúng. Đồng chí xem lại 8 chữ số trên thẻ mời (hoặc mở lại đúng "
            "đường link bí thư chi bộ đã gửi), hoặc xin bí thư cấp mã mới."
        )
        if tries_left == 0 and wait is not None:
            return (
                text
                + " "
                + t._("Đồng chí đã nhập sai nhiều lần: xin thử lại sau {wait} nữa.").format(
                    wait=wait_text(t, wait)
                )
            )
        if tries_left is not None and tries_left <= 2:
            left = t.ngettext(
                "Hôm nay đồng chí còn {n} lần thử.",
                "Hôm nay đồng chí còn {n} lần thử.",
                tries_left,
            )
            return text + " " + left.format(n=tries_left)
        return text
    texts = {
        LinkOutcome.NO_CODE: no_code_text(t),
        LinkOutcome.ALREADY_LINKED: t._("Tài khoản này đã được kết nối từ trước."),
        LinkOutcome.USED: t._(
            "Mã mời này đã được dùng: mỗi mã chỉ dùng được một lần. Nếu đồng chí chưa kết "
            "nối được, xin bí thư chi bộ cấp mã mới."
        ),
        LinkOutcome.EXPIRED: t._("Mã mời này đã hết hạn. Đồng chí xin bí thư chi bộ cấp mã mới."),
        LinkOutcome.SUPERSEDED: t._(
            "Mã mời này đã được thay bằng một mã mới hơn, nên không dùng được nữa. Đồng chí "
            "dùng mã mới nhất bí thư chi bộ gửi; nếu chưa nhận được, xin bí thư gửi lại."
        ),
        LinkOutcome.PERSON_TAKEN: t._(
            "Đồng chí {name} đã được kết nối với một tài khoản khác. Nếu đó không phải "
            "đồng chí, xin báo ngay cho bí thư chi bộ."
        ).format(name=name),
        LinkOutcome.ACCOUNT_TAKEN: t._(
            "Tài khoản này đã kết nối với đồng chí {name}; mỗi tài khoản chỉ dùng cho một "
            "người. Mã mời vừa mở chưa được dùng: xin chuyển nó cho đúng người."
        ).format(name=name),
    }
    return texts.get(outcome, "")
