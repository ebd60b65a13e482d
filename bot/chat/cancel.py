"""/huy (/cancel): leave whatever the bot is waiting for, and say what was left."""

from __future__ import annotations

from bot.chat import prompts
from bot.chat.commands import not_linked_text
from bot.chat.feature import CancelFn, Feature, Replies
from bot.chat.turn import Turn
from bot.views.reply import say

# Every feature's way of leaving what it waits for; filled from the feature list in bot.chat.
CANCELLERS: list[CancelFn] = []


async def cancel(turn: Turn, args: str) -> Replies:
    """Forget the prompt and anything a feature waits for; the same answer when nothing was."""
    t = turn.t
    if turn.actor is None:
        return [say(not_linked_text(t))]
    left = []
    # Features first: one that owns the prompt says what it was for, and forgets it.
    for canceller in CANCELLERS:
        line = await canceller(turn)
        if line:
            left.append(line)
    waiting = await prompts.waiting(turn)  # an expired question is not worth a word
    await prompts.done(turn)
    if waiting is not None:
        if waiting.kind == "reason":
            left.append(t._("câu hỏi lý do vắng (đồng chí vẫn được ghi là xin vắng)"))
        else:
            left.append(t._("câu hỏi Trợ lý đang chờ đồng chí trả lời"))
    if not left:
        return [
            say(t._("Không có việc gì đang dở. Gõ /trogiup để xem các việc đồng chí có thể làm."))
        ]
    return [
        say(
            t._("Đã bỏ: {what}. Gõ /trogiup để xem các việc đồng chí có thể làm.").format(
                what="; ".join(left)
            )
        )
    ]


FEATURE = Feature(commands={"huy": cancel, "cancel": cancel})
