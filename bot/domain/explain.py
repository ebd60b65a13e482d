"""How a reply is read, and why: for admins who ask about a record and for growing the corpus."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.models import N_
from bot.domain.replies import (
    Intent,
    Reading,
    ReasonOutcome,
    ReasonReply,
    Rule,
    matched_phrases,
    read_reason_reply,
    read_reply,
)


class Translate(Protocol):
    """What rendering needs of a translator (bot.i18n.Translator is one): `t._(msgid)`."""

    def _(self, message: str) -> str:
        """Translate one message."""
        ...


@dataclass(frozen=True)
class Explanation:
    """A reply read both as an answer to the notice and as an answer to "xin cho biết lý do"."""

    text: str
    reading: Reading
    prompt: ReasonReply
    phrases: tuple[tuple[str, str], ...]  # every vocabulary phrase found: (role, words as typed)


def explain(text: str) -> Explanation:
    """Read a reply and keep the words and rules that decided."""
    return Explanation(text, read_reply(text), read_reason_reply(text), matched_phrases(text))


_INTENTS = {
    Intent.ATTEND: N_("sẽ dự (ghi: có mặt)"),
    Intent.ABSENT: N_("xin vắng (ghi: vắng)"),
    Intent.UNCLEAR: N_("chưa rõ (không ghi gì; bot hỏi lại bằng hai nút)"),
    Intent.DEFER: N_("hẹn trả lời sau (không ghi gì; bot chờ)"),
}
_RULES = {
    Rule.NOTHING: N_("không có chữ nào nói đến việc dự họp"),
    Rule.QUESTION: N_("đây là một câu hỏi lại"),
    Rule.HEDGE: N_("còn lưỡng lự, chưa phải lời hứa"),
    Rule.DEFER: N_("hẹn sẽ trả lời sau"),
    Rule.MIXED: N_("vừa có ý đến vừa có ý vắng"),
    Rule.LATE: N_("có lý do nhưng lại nói đến muộn hoặc về sớm"),
    Rule.RECEIPT: N_("chỉ báo đã nhận tin, chưa nói có dự hay không"),
    Rule.ATTEND: N_("có động từ chỉ việc đến dự"),
    Rule.YES: N_('một lời "có"'),
    Rule.ACK: N_("một lời xác nhận (vâng, ok, rõ, nhận…)"),
    Rule.ABSENT: N_('có lời xin vắng hoặc lời "không"'),
    Rule.REASON: N_('chỉ nêu lý do, không cần chữ "vắng"'),
    Rule.CHANGE: N_("đổi ý: những chữ sau lời đổi ý quyết định"),
}
_OUTCOMES = {
    ReasonOutcome.REASON: N_("một lý do: lưu đúng lời đảng viên, kèm loại"),
    ReasonOutcome.ATTEND: N_("đổi ý: nay sẽ dự"),
    ReasonOutcome.NOT_A_REASON: N_("không phải lý do: không lưu gì, hỏi lại"),
    ReasonOutcome.DEFER: N_("hẹn báo sau: không lưu gì, bot chờ"),
}
# The roles of the vocabulary, as matched_phrases names them.
_ROLES = {
    "attend": N_("đến dự"),
    "yes": N_("có"),
    "ack": N_("xác nhận"),
    "no": N_("không"),
    "negator": N_("phủ định"),
    "absent": N_("vắng"),
    "busy": N_("bận"),
    "reason": N_("lý do"),
    "relative": N_("người nhà"),
    "hedge": N_("lưỡng lự"),
    "defer": N_("hẹn báo sau"),
    "change": N_("đổi ý"),
    "concede": N_("nhượng bộ (dù…)"),
    "question": N_("hỏi lại"),
    "receipt": N_("đã nhận tin"),
    "late": N_("muộn, về sớm"),
    "cue": N_("dẫn lý do"),
    "cut": N_("hết lý do"),
    "neutral": N_("không tính"),
}


def _quoted(words: tuple[str, ...]) -> str:
    return ", ".join(f"«{w}»" for w in words)


def render_explanation(explanation: Explanation, t: Translate) -> str:
    """The explanation as lines an admin reads, in the translator's language."""
    reading, prompt = explanation.reading, explanation.prompt
    lines = [
        t._("Câu trả lời: «{text}»").format(text=explanation.text),
        t._("Hiểu là: {intent}").format(intent=t._(_INTENTS[reading.intent])),
        t._("Vì: {rule}").format(rule=t._(_RULES[reading.rule])),
    ]
    if reading.decided_by:
        lines.append(t._("Chữ quyết định: {words}").format(words=_quoted(reading.decided_by)))
    if reading.intent is Intent.ABSENT:
        if reading.reason_kind is None or reading.reason_text is None:
            lines.append(t._('Chưa có lý do: bot sẽ hỏi "xin cho biết lý do".'))
        else:
            lines.append(
                t._("Lý do (lời đảng viên): «{reason}» — loại: {kind}").format(
                    reason=reading.reason_text, kind=t._(reading.reason_kind.label)
                )
            )
            if reading.kind_words:
                lines.append(t._("Chữ cho biết loại: «{words}»").format(words=reading.kind_words))
    outcome = t._(_OUTCOMES[prompt.outcome])
    if prompt.outcome is ReasonOutcome.REASON and prompt.reason_kind and prompt.reason_text:
        outcome = t._("{outcome} («{reason}», {kind})").format(
            outcome=outcome, reason=prompt.reason_text, kind=t._(prompt.reason_kind.label)
        )
    lines.append(
        t._('Nếu là câu trả lời cho "xin cho biết lý do": {outcome}').format(outcome=outcome)
    )
    if explanation.phrases:
        found = ", ".join(
            f"«{words}» ({t._(_ROLES[role]) if role in _ROLES else role})"
            for role, words in explanation.phrases
        )
        lines.append(t._("Các cụm từ nhận ra: {phrases}").format(phrases=found))
    return "\n".join(lines)
