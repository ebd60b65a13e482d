"""Texts only the Zalo channel says: numbered choices, links to files, what it cannot read."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Translator

# Choices whose labels are all this short go on one line: "1. Tham dự  2. Xin vắng".
_ONE_LINE = 48


def numbered(t: Translator, labels: Sequence[str]) -> str:
    """The choices as numbers under a message."""
    items = [t._("{number}. {label}").format(number=i, label=x) for i, x in enumerate(labels, 1)]
    head = t._("Trả lời bằng số:")
    if sum(len(item) + 2 for item in items) <= _ONE_LINE:
        return head + " " + "  ".join(items)
    return "\n".join([head, *items])


def typed(t: Translator, labels: Sequence[str]) -> str:
    """Choices to type as they are (a scorecard's points: there a number is points, so the
    choices are not numbered)."""
    return t._("Gõ số điểm hoặc chữ: {choices}").format(choices=" · ".join(labels))


def private_only(t: Translator) -> str:
    """A command in a group chat."""
    return t._("Trợ lý Chi bộ chỉ làm việc trong tin nhắn riêng. Xin nhắn riêng cho Trợ lý.")


def only_text(t: Translator) -> str:
    """A sticker, a photo or a voice message."""
    return t._("Trợ lý chỉ đọc được tin nhắn chữ. Xin đồng chí gõ bằng chữ.")


def unsupported(t: Translator) -> str:
    """A message Zalo did not let the bot read."""
    return t._("Trợ lý không đọc được tin nhắn này, chỉ đọc được tin nhắn chữ.")


def out_of_range(t: Translator, count: int) -> str:
    """A number with no choice behind it."""
    if count == 1:
        return t._("Chỉ có một lựa chọn: xin gõ số 1.")
    return t._("Chỉ có {count} lựa chọn: xin gõ một số từ 1 đến {count}.").format(count=count)


def no_offer(t: Translator) -> str:
    """A number when nothing is offered now, or the offer is too old."""
    return t._(
        "Không còn lựa chọn nào đang chờ trả lời (lựa chọn cũ đã hết hạn). "
        "Xin đồng chí gõ lại lệnh, hoặc gõ /trogiup để xem các lệnh."
    )


def chart_elsewhere(t: Translator) -> str:
    """A chart the bot cannot show on Zalo (no public address)."""
    return t._(
        "Biểu đồ chưa gửi được qua Zalo. Đồng chí xem biểu đồ bằng lệnh /baocao trên "
        "Telegram hoặc trong tệp xuất /xuat."
    )


def download(t: Translator, name: str, url: str) -> str:
    """A one-time link to a spreadsheet."""
    return t._("Tải tệp {name} tại: {url}\nĐường dẫn dùng được một lần, trong 24 giờ.").format(
        name=name, url=url
    )


def no_download(t: Translator, name: str) -> str:
    """A spreadsheet the bot cannot hand out on Zalo (no public address)."""
    return t._(
        "Tệp {name} chưa gửi được qua Zalo vì máy chủ chưa có địa chỉ công khai. "
        "Xin nhờ quản trị viên lấy tệp bằng lệnh chibo export."
    ).format(name=name)
