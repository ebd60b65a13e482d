"""Reading a member's free-text reply to a meeting notice: attending, absent and why, unclear."""

from __future__ import annotations

import enum
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.domain.models import N_
from bot.domain.text import fold, tidy


class Intent(enum.StrEnum):
    """What a reply says about coming to the meeting."""

    ATTEND = "attend"
    ABSENT = "absent"
    UNCLEAR = "unclear"


class ReasonKind(enum.StrEnum):
    """The kind of reason given for an absence, as the minutes group them."""

    SICK = "sick"
    WORK = "work"
    FAMILY = "family"
    AWAY = "away"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The Vietnamese name of the kind, as a msgid."""
        return _REASON_LABELS[self]


_REASON_LABELS = {
    ReasonKind.SICK: N_("Ốm đau"),
    ReasonKind.WORK: N_("Công tác"),
    ReasonKind.FAMILY: N_("Việc gia đình"),
    ReasonKind.AWAY: N_("Đi làm ăn xa"),
    ReasonKind.OTHER: N_("Khác"),
}


@dataclass(frozen=True)
class Reading:
    """What a reply says: the intent and, for an absence, the reason in the person's words."""

    intent: Intent
    reason_kind: ReasonKind | None = None
    reason_text: str | None = None


# --- Vocabulary ----------------------------------------------------------------------------------
#
# Every phrase is written here with its diacritics and matched word by word on folded text
# (text.fold), so "xin vang" and "xin vắng" are the same phrase. At each word the longest phrase
# wins, which is how "có việc" (absence) beats "có" (yes) and "cơ quan" beats "có".

# Texting spellings of a word; each phrase below is expanded with them ("không đi được" also
# matches "k đi đc", "ko di dc").
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "không": ("không", "ko", "k", "kg", "khg", "hok", "khum"),
    "được": ("được", "đc", "đk"),
    "lý": ("lý", "lí"),
}

# Folded words whose meaning hangs on the diacritics: typed with diacritics they must be exactly
# the phrase's word ("vâng" yes ≠ "vắng" absent ≠ "vàng"; "có" ≠ "cô", "cơ"; "tới" ≠ "tôi";
# "giỗ" ≠ "giờ"; "đau" ≠ "đâu"; "bão" ≠ "báo"; "đó" is not the cue "do"; "chăm" ≠ "chậm").
# Typed without diacritics they match inside a longer phrase, where the context decides, but on
# their own only as the reading in _PLAIN_READING; "vang" alone (vâng? vắng?) stays unread.
_STRICT = frozenset(
    fold(word)
    for word in (
        "có", "vắng", "tới", "đi", "đến", "dự", "ốm", "bận", "mặt", "cưới", "giỗ", "đau",
        "mổ", "ngã", "thi", "mưa", "do", "vì", "tại", "nghỉ", "con", "bố", "bà", "bão",
        "chăm", "đẻ", "à", "ừ", "yếu", "gãy", "cúm", "cụ", "má", "cha", "no", "hả", "hở",
        "muộn", "hay",
    )
)  # fmt: skip
# "cha" typed plain is read as the negator "chả": missing a "no" would turn the answer round.
_PLAIN_READING = {
    fold(word): word
    for word in ("có", "đi", "đến", "dự", "ốm", "bận", "do", "vì", "tại", "con", "chả")
}

# Strong "I will come": verbs of attending. "đến" may be followed by anything ("đến muộn 15
# phút"); a reason next to it is taken as explaining lateness only with a _LATE word.
_ATTEND = (
    "đến", "sẽ đến", "đến được", "đến dự", "đến họp", "tới", "sẽ tới", "tới được", "tới dự",
    "tới họp", "có mặt", "sẽ có mặt", "tham dự", "tham dự được", "sẽ tham dự", "tham gia",
    "tham gia được", "sẽ tham gia", "dự", "dự họp", "dự được", "sẽ dự", "đi được", "đi dự",
    "đi họp được", "về dự", "về họp", "họp được", "sinh hoạt được", "đi sinh hoạt",
    # Negated absence. Spelled out because "vắng" typed without diacritics is read only in
    # context, so "khong vang" has no absence word for the negation rule to turn round.
    "không vắng", "không vắng mặt", "không nghỉ", "chẳng vắng",
)  # fmt: skip
# "đi" takes a destination ("em đi Hà Nội" is not an answer), so these count only when nothing
# but particles follows in the clause: "em đi ạ", "có đi", "k đi".
_ATTEND_AT_END = ("đi", "sẽ đi", "đi họp", "đi luôn")
# A plain yes. It clashes with any absence ("có, xin vắng" is unclear), unlike _ACK below.
# "có" is also the verb "to have": it is a yes only when nothing but particles, pronouns and
# other answer words follow it in its clause ("có ạ", "có em sẽ đến", not "có con nhỏ ốm").
_YES = ("có", "yes", "yep", "yeah", "có chứ", "✅", "✔", "☑")
# Acknowledgements: "yes" on their own, but "vâng, em xin vắng" is an absence, so they give way
# to any absence signal.
_ACK = (
    "vâng", "dạ vâng", "ừ", "ừm", "uh", "uhm", "uk", "ok", "oke", "okê", "okie", "oki", "okay",
    "okela", "ô kê", "được", "đồng ý", "nhất trí", "sure", "👍", "🆗", "👌",
)  # fmt: skip
# "No" on its own, and negators: directly before an attend word they make it an absence
# ("không đến", "k đi đc"), before an absence word an attendance ("không vắng").
_NO = (
    "không", "no", "nope", "chẳng", "chả", "không thể", "chẳng thể",
    "❌", "👎", "✖", "❎", "🚫", "⛔", "🙅",
)  # fmt: skip
# Negators that say nothing on their own: "chưa" alone is "not yet", not "no".
_NEGATOR = ("chưa", "chưa thể")
_ABSENT = (
    "vắng", "xin vắng", "xin phép vắng", "xin được vắng", "xin phép được vắng", "vắng mặt",
    "xin vắng mặt", "xin phép vắng mặt", "báo vắng", "cho vắng", "vắng họp", "xin nghỉ",
    "xin phép nghỉ", "nghỉ", "nghỉ họp", "không về", "không về kịp", "không về được",
    "không kịp", "chưa về", "chưa về kịp", "không tiện",
    # Else "không về" (absent) would leave "họp được" standing as an attend word.
    "không về họp", "không về dự", "chưa về họp",
)  # fmt: skip
# "bận" says absent but not why: the bot asks for the reason. Given as the reason ("vì bận") it
# is taken as one.
_BUSY = ("bận",)
# Not an answer yet: anything with these is unclear. "chắc" alone is "probably", "chắc chắn" is
# "surely" (a _NEUTRAL phrase, longer, so it wins); "cố gắng" is a hope, not a promise.
_HEDGE = (
    "chắc", "chắc là", "chắc không", "có lẽ", "có thể", "có khi", "để em xem", "để xem",
    "xem đã", "xem sao", "xem lại", "chưa biết", "chưa chắc", "không chắc", "không biết",
    "chưa rõ", "may ra", "hình như", "nếu", "tùy", "phân vân", "cố", "cố gắng", "sẽ cố",
    "báo sau", "báo lại", "tính sau", "để sau", "nói sau", "hay", "hoặc", "có hay không",
    "hên xui", "khó", "không hứa", "chưa hứa", "nghĩ", "nghĩ là",
)  # fmt: skip
# Questions back to the bot; a "?" anywhere does the same.
_QUESTION = (
    "gì", "mấy giờ", "bao giờ", "khi nào", "lúc nào", "hôm nào", "ở đâu", "chỗ nào",
    "vì sao", "tại sao", "sao", "hả", "hở", "chăng",
)  # fmt: skip
# Question particles only at the end of a clause ("thế à", but "à, em quên").
_QUESTION_AT_END = ("à", "ư")
# "Got the notice" says nothing about coming: with only a yes or ok beside it, it is unclear.
_RECEIPT = (
    "đã nhận", "nhận được", "đã rõ", "rõ", "đã xem", "đã đọc", "nhận thông báo", "đã biết",
    "biết rồi",
)  # fmt: skip
# Late or leaving early: a reason next to an attend word then explains that, not an absence.
_LATE = ("muộn", "trễ", "chậm", "sớm", "về sớm")
# The reason follows these words.
_CUE = (
    "vì", "do", "tại", "bởi", "tại vì", "bởi vì", "lý do", "vì lý do", "với lý do", "lý do là",
    "do là", "là do", "là vì",
)  # fmt: skip
# ... and ends at these (or at the end of the clause): "vì ốm nên không đi được".
_CUT = ("nên", "nhưng", "cho nên", "thế nên", "vậy nên")
# Phrases that contain answer words but are not answers; matched so that their words are not.
_NEUTRAL = (
    "chi bộ", "đảng bộ", "đảng viên", "ban chi ủy", "ban công tác mặt trận", "ban ngày",
    "cảm ơn", "cám ơn", "xin lỗi", "xin phép", "chắc chắn", "không sao", "không có gì",
    "không vấn đề", "vì thế", "vì vậy", "do đó", "do vậy", "bởi vậy", "tuy nhiên", "tuy vậy",
    # "tại" before a place is "at", not "because": "sinh hoạt tại nhà văn hóa".
    "tại nhà", "tại hội trường", "tại trụ sở", "tại ủy ban", "tại ubnd", "tại văn phòng",
    "tại phòng", "tại đình", "tại thôn", "tại xóm", "tại xã", "tại phường", "tại buổi",
    "tại cuộc",
    # "đến" before a time is "until", not "come": "đi công tác đến thứ 6".
    "đến thứ", "đến ngày", "đến hết", "đến cuối", "đến tháng", "đến tuần", "đến nay",
    "đến giờ", "đến lúc", "đến khi", "tới thứ", "tới ngày", "tới hết", "tới cuối", "tới khi",
)  # fmt: skip
# Family members: a relative's illness or errand is family business (caring for a sick parent is
# FAMILY, not SICK). "cháu", "bác", "cô", "chú" are left out: people call themselves that;
# "cha" too, since typed plain it is more likely the negator "chả".
_RELATIVE = (
    "bố", "mẹ", "má", "con", "vợ", "chồng", "ông", "bà", "cụ", "bố em", "bà em",
    "bố mẹ", "ông bà", "bà nội", "bà ngoại", "ông nội", "ông ngoại", "bố vợ", "mẹ vợ",
    "bố chồng", "mẹ chồng", "anh trai", "chị gái", "em trai", "em gái", "người nhà", "nhà em",
    "dì",
)  # fmt: skip
_REASONS: dict[ReasonKind, tuple[str, ...]] = {
    ReasonKind.SICK: (
        "ốm", "bị ốm", "ốm đau", "ốm nặng", "bệnh", "bị bệnh", "bệnh viện", "đau", "bị đau",
        "đau lưng", "đau bụng", "đau đầu", "đau chân", "đau răng", "đau mắt", "đau khớp",
        "sốt", "bị sốt", "cảm cúm", "bị cảm", "cảm lạnh", "cúm", "nằm viện", "đi viện",
        "vào viện", "nhập viện", "mổ", "phẫu thuật", "đi khám", "khám bệnh", "tái khám",
        "không khỏe", "không được khỏe", "mệt", "mệt mỏi", "tai nạn", "bị ngã", "ngã xe",
        "gãy", "huyết áp", "tiểu đường", "chóng mặt", "covid", "truyền dịch", "điều trị",
        "sức yếu", "già yếu", "yếu", "tuổi cao", "sức khỏe", "vấn đề sức khỏe",
    ),
    ReasonKind.WORK: (
        "công tác", "đi công tác", "trực", "đi trực", "trực ca", "ca trực", "lịch trực",
        "trực cơ quan", "họp cơ quan", "việc cơ quan", "cơ quan", "tăng ca", "làm ca",
        "ca đêm", "ca tối", "ca chiều", "làm đêm", "làm thêm", "đi làm", "công việc",
        "có công việc", "việc công ty", "công ty", "tập huấn", "hội nghị", "chạy xe",
        "lái xe", "chạy hàng", "đi ca", "có ca", "có lịch trực",
    ),
    ReasonKind.FAMILY: (
        "việc gia đình", "gia đình", "việc nhà", "nhà có việc", "nhà em có việc",
        "nhà có khách", "có khách", "khách", "đám cưới", "ăn cưới", "cưới", "cưới vợ",
        "cưới chồng", "lấy vợ", "lấy chồng", "cưới hỏi", "ăn hỏi", "đám giỗ", "ăn giỗ", "giỗ",
        "có giỗ", "ngày giỗ", "đám ma", "đám tang", "đám hiếu", "đám hỷ", "đám hỉ", "có đám",
        "đi đám", "ma chay", "có tang", "để tang", "chịu tang", "người mất", "có người mất",
        "mất", "chăm", "chăm sóc", "trông cháu", "trông con", "trông nhà", "đưa con",
        "đón con", "đón cháu", "đưa cháu", "con nhỏ", "có con nhỏ", "sinh con", "đẻ",
        "vợ đẻ", "vợ sinh", "đầy tháng", "mừng thọ", "tân gia", "việc họ", "họ hàng",
    ),
    ReasonKind.AWAY: (
        "đi làm ăn xa", "làm ăn xa", "đi làm ăn", "làm ăn", "đi làm xa", "làm xa", "đi xa",
        "ở xa", "xa nhà", "không ở nhà", "không có nhà", "không có ở nhà", "vắng nhà",
        "đi vắng", "đi nước ngoài", "ở nước ngoài", "ra nước ngoài", "nước ngoài",
        "xuất khẩu lao động", "xkld", "đi xuất khẩu", "về quê", "ở quê", "đi du lịch",
        "du lịch", "đi biển", "đi tàu", "trong nam", "ngoài bắc",
    ),
    # "có việc" is an absence ("I have something on"), not the yes "có".
    ReasonKind.OTHER: (
        "việc riêng", "có việc", "có việc bận", "việc bận", "có việc đột xuất",
        "việc đột xuất", "đột xuất", "có hẹn", "có chuyện", "việc cá nhân", "cá nhân",
        "mưa", "mưa to", "mưa bão", "bão", "lũ", "lụt", "ngập", "ngập nước", "hỏng xe",
        "xe hỏng", "không có xe", "không có người đưa", "mất điện", "đi học", "ôn thi",
        "đi thi", "thi cử", "có lịch", "đường xa",
    ),
}  # fmt: skip

# Words that carry no meaning for the answer: particles, pronouns, politeness. They may follow
# "đi" and "có", and are dropped from the front of a reason.
_FILLER_WORDS = (
    "ạ", "ạh", "ah", "ak", "nhé", "nha", "nhá", "nhỉ", "ơi", "ha", "hihi", "haha", "hehe",
    "em", "anh", "chị", "tôi", "mình", "chú", "bác", "thưa", "dạ", "luôn", "ngay", "chứ",
    "mà", "rồi", "nữa", "với", "thôi", "đấy", "đây", "sẽ", "cũng", "vẫn", "vậy", "thế",
    "này", "đã",
)  # fmt: skip
_FILLERS_TYPED = frozenset(unicodedata.normalize("NFC", word) for word in _FILLER_WORDS)
_FILLERS_PLAIN = frozenset(fold(word) for word in _FILLER_WORDS)
# Dropped from the end of a reason: "ốm ạ" → "ốm".
_TRAILING_PARTICLES = frozenset(
    fold(word)
    for word in ("ạ", "ạh", "ah", "ak", "nhé", "nha", "nhá", "nhỉ", "ơi", "ha", "anh", "chị")
)
# Said when asked for a reason, these are no reason at all.
# "vang" typed plain is "vâng" as often as "vắng", and neither is a reason; the rest is talk of
# the meeting itself ("cho em vắng buổi này", "không đi được đâu").
_NO_REASON_WORDS = frozenset(
    fold(word)
    for word in (
        "chịu", "lý", "do", "xin", "phép", "vang", "cho", "buổi", "hôm", "nay", "tháng", "họp",
        "sinh", "hoạt", "đâu", "lần", "kỳ",
    )
)  # fmt: skip

# Clause ends; "," too, since "có, xin vắng" is two answers. ":" is not ("lý do: ốm").
_CLAUSE_MARKS = frozenset(",.;!?…\n\r\u2028\u2029，。；！？")
_QUESTION_MARKS = frozenset("?？")
# A reason is kept for the minutes, not as an essay.
_REASON_MAX = 200


class _Role(enum.Enum):
    """What a phrase or word does in a reply."""

    ATTEND = enum.auto()
    YES = enum.auto()
    ACK = enum.auto()
    NO = enum.auto()
    NEGATOR = enum.auto()
    ABSENT = enum.auto()
    BUSY = enum.auto()
    REASON = enum.auto()
    RELATIVE = enum.auto()
    HEDGE = enum.auto()
    QUESTION = enum.auto()
    RECEIPT = enum.auto()
    LATE = enum.auto()
    CUE = enum.auto()
    CUT = enum.auto()
    NEUTRAL = enum.auto()
    FILLER = enum.auto()  # an unmatched word from _FILLER_WORDS
    WORD = enum.auto()  # any other unmatched word


@dataclass(frozen=True)
class _Entry:
    """One phrase of the vocabulary."""

    typed: tuple[str, ...]  # as written, NFC and case-folded
    folded: tuple[str, ...]
    role: _Role
    kind: ReasonKind | None = None
    at_end: bool = False  # only when nothing but particles follows in the clause


def _expand(phrase: str) -> Iterable[tuple[str, ...]]:
    """The phrase in every texting spelling of its words."""
    words = [unicodedata.normalize("NFC", w.casefold()) for w in phrase.split()]
    return itertools.product(*(_SPELLINGS.get(w, (w,)) for w in words))


def _entries(
    role: _Role, phrases: Iterable[str], *, kind: ReasonKind | None = None, at_end: bool = False
) -> list[_Entry]:
    """Vocabulary entries for a table of phrases."""
    return [
        _Entry(typed, tuple(fold(w) for w in typed), role, kind, at_end)
        for phrase in phrases
        for typed in _expand(phrase)
    ]


# Order matters only between entries with the same folded words; the diacritics then decide.
_ENTRIES: list[_Entry] = [
    *_entries(_Role.NEUTRAL, _NEUTRAL),
    *_entries(_Role.HEDGE, _HEDGE),
    *_entries(_Role.QUESTION, _QUESTION),
    *_entries(_Role.QUESTION, _QUESTION_AT_END, at_end=True),
    *_entries(_Role.ATTEND, _ATTEND),
    *_entries(_Role.ATTEND, _ATTEND_AT_END, at_end=True),
    *_entries(_Role.ABSENT, _ABSENT),
    *_entries(_Role.BUSY, _BUSY),
    *(e for kind, phrases in _REASONS.items() for e in _entries(_Role.REASON, phrases, kind=kind)),
    *_entries(_Role.RELATIVE, _RELATIVE),
    *_entries(_Role.YES, _YES),
    *_entries(_Role.ACK, _ACK),
    *_entries(_Role.NO, _NO),
    *_entries(_Role.NEGATOR, _NEGATOR),
    *_entries(_Role.RECEIPT, _RECEIPT),
    *_entries(_Role.LATE, _LATE),
    *_entries(_Role.CUE, _CUE),
    *_entries(_Role.CUT, _CUT),
]
_INDEX: dict[tuple[str, ...], list[_Entry]] = {}
for _entry in _ENTRIES:
    _INDEX.setdefault(_entry.folded, []).append(_entry)
_MAX_WORDS = max(len(key) for key in _INDEX)

# A negator directly before one of these turns it round.
_NEGATED = {
    _Role.ATTEND: _Role.ABSENT,
    _Role.YES: _Role.ABSENT,
    _Role.ACK: _Role.ABSENT,
    _Role.ABSENT: _Role.ATTEND,
    # "không bận" is "not busy", which is not yet "I will come".
    _Role.BUSY: _Role.NEUTRAL,
}
# What makes "có" the verb "to have" when it follows in the clause, and what makes a final
# "không" a question tag ("có họp không") when it comes before.
_CONTENT = frozenset({_Role.WORD, _Role.REASON, _Role.RELATIVE})
_NOT_BEFORE_TAG = frozenset({_Role.FILLER, _Role.NEUTRAL, _Role.NO, _Role.NEGATOR})
# Skipped at the front of a reason: "em xin phép vắng, nhà có việc" → "nhà có việc".
_LEAD_SKIP = frozenset(
    {
        _Role.FILLER, _Role.ABSENT, _Role.NO, _Role.NEGATOR, _Role.YES, _Role.ACK,
        _Role.NEUTRAL, _Role.CUE, _Role.CUT, _Role.RECEIPT,
    }
)  # fmt: skip

# --- Tokens --------------------------------------------------------------------------------------

# Words, and every other visible character (punctuation, emoji) on its own; line breaks too.
_TOKEN = re.compile(r"(?P<word>\w+)|[^\w\s]|(?P<newline>[\n\r\u2028\u2029])")
# "cóóó", "okkkk": stretched letters are squeezed (but "kkk" is a laugh, not "k").
_STRETCHED = re.compile(r"(.)\1{2,}")


@dataclass(frozen=True)
class _Token:
    """A word or sign of the reply, with where it is in the NFC text."""

    start: int
    end: int
    typed: str  # case-folded, diacritics as typed
    folded: str
    word: bool
    clause: int

    @property
    def plain(self) -> bool:
        """Typed without diacritics."""
        return self.typed == self.folded

    @property
    def filler(self) -> bool:
        """A particle, pronoun or politeness word ("Hà" is not "ha", but "ha" may be "hà")."""
        return self.typed in _FILLERS_TYPED or (self.plain and self.folded in _FILLERS_PLAIN)


def _squeeze(word: str) -> str:
    """Squeeze stretched letters, unless that leaves a single letter."""
    squeezed = _STRETCHED.sub(r"\1", word)
    return squeezed if len(squeezed) > 1 else word


def _tokenise(nfc: str) -> list[_Token]:
    """Split NFC text into tokens, numbering clauses."""
    tokens: list[_Token] = []
    clause = 0
    for match in _TOKEN.finditer(nfc):
        if match.group("newline") is not None:
            clause += 1
            continue
        raw = match.group()
        folded = _squeeze(fold(raw))
        if not folded:
            continue  # variation selectors and other marks that fold to nothing
        word = match.group("word") is not None
        typed = _squeeze(unicodedata.normalize("NFC", raw.casefold()))
        tokens.append(_Token(match.start(), match.end(), typed, folded, word, clause))
        if raw in _CLAUSE_MARKS:
            clause += 1
    return tokens


# --- Matching ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """A matched phrase or an unmatched word: tokens first..last (inclusive)."""

    role: _Role
    first: int
    last: int
    clause: int
    kind: ReasonKind | None = None
    words: tuple[str, ...] = ()
    in_reason: bool = False  # inside the words after "vì …": they give the reason, not the answer


def _word_fits(token: _Token, typed: str, folded: str, alone: bool) -> bool:
    """Whether a token is this word of a phrase, diacritics considered."""
    if folded not in _STRICT or token.typed == typed:
        return True
    if not token.plain:
        return False
    return not alone or _PLAIN_READING.get(folded) == typed


def _rest_is_trailing(tokens: Sequence[_Token]) -> list[bool]:
    """For each index, whether only fillers and signs follow it up to the end of its clause."""
    rest = [True] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        token = tokens[i]
        if not token.word:
            rest[i] = True if token.typed in _CLAUSE_MARKS else rest[i + 1]
        else:
            rest[i] = token.filler and rest[i + 1]
    return rest


def _word_runs(tokens: Sequence[_Token]) -> list[int]:
    """For each index, how many word tokens follow in a row from it."""
    runs = [0] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        runs[i] = runs[i + 1] + 1 if tokens[i].word else 0
    return runs


def _match_at(
    tokens: Sequence[_Token], i: int, runs: Sequence[int], rest: Sequence[bool]
) -> _Unit | None:
    """The longest vocabulary phrase starting at token i, if any."""
    longest = min(_MAX_WORDS, runs[i]) if tokens[i].word else 1
    for size in range(longest, 0, -1):
        key = tuple(t.folded for t in tokens[i : i + size])
        for entry in _INDEX.get(key, ()):
            fits = all(
                _word_fits(tokens[i + k], entry.typed[k], entry.folded[k], size == 1)
                for k in range(size)
            )
            if fits and (not entry.at_end or rest[i + size]):
                last = i + size - 1
                return _Unit(entry.role, i, last, tokens[i].clause, entry.kind, entry.folded)
    return None


def _scan(tokens: Sequence[_Token], rest: Sequence[bool]) -> list[_Unit]:
    """Cover the tokens with phrases, longest first, and unmatched words."""
    runs = _word_runs(tokens)
    units: list[_Unit] = []
    i = 0
    while i < len(tokens):
        unit = _match_at(tokens, i, runs, rest)
        if unit is not None:
            units.append(unit)
            i = unit.last + 1
            continue
        token = tokens[i]
        if token.word:
            role = _Role.FILLER if token.filler else _Role.WORD
            units.append(_Unit(role, i, i, token.clause, words=(token.folded,)))
        i += 1
    return units


def _negate(units: Sequence[_Unit]) -> list[_Unit]:
    """Turn "không" + attend into absent and "không" + absent into attend (adjacent words only)."""
    out: list[_Unit] = []
    i = 0
    while i < len(units):
        unit = units[i]
        after = units[i + 1] if i + 1 < len(units) else None
        if (
            unit.role in (_Role.NO, _Role.NEGATOR)
            and after is not None
            and after.first == unit.last + 1
            and after.role in _NEGATED
        ):
            out.append(_Unit(_NEGATED[after.role], unit.first, after.last, unit.clause))
            i += 2
            continue
        out.append(unit)
        i += 1
    return out


def _settle_co(units: list[_Unit]) -> None:
    """A "có" followed in its clause by other content is the verb "to have", not a yes."""
    content_after = False
    clause = -1
    for i in range(len(units) - 1, -1, -1):
        unit = units[i]
        if unit.clause != clause:
            clause, content_after = unit.clause, False
        if unit.role is _Role.YES and unit.words == ("co",) and content_after:
            units[i] = replace(unit, role=_Role.NEUTRAL)
        content_after = content_after or unit.role in _CONTENT


def _tag_questions(units: list[_Unit], rest: Sequence[bool]) -> None:
    """A clause-final "không" after something else asks ("có họp không", "đi được không")."""
    seen = False
    clause = -1
    for i, unit in enumerate(units):
        if unit.clause != clause:
            clause, seen = unit.clause, False
        if unit.role is _Role.NO and seen and rest[unit.last + 1]:
            units[i] = replace(unit, role=_Role.QUESTION)
        seen = seen or unit.role not in _NOT_BEFORE_TAG


def _has_letter(tokens: Sequence[_Token], unit: _Unit) -> bool:
    """Whether the unit's tokens hold a letter (not only digits or signs)."""
    return any(ch.isalpha() for t in tokens[unit.first : unit.last + 1] for ch in t.typed)


def _is_reason_content(tokens: Sequence[_Token], unit: _Unit) -> bool:
    """Whether a unit can be (part of) a reason."""
    if unit.role in (_Role.REASON, _Role.BUSY, _Role.RELATIVE):
        return True
    return (
        unit.role is _Role.WORD
        and unit.words[0] not in _NO_REASON_WORDS
        and _has_letter(tokens, unit)
    )


def _mark_reasons(tokens: Sequence[_Token], units: list[_Unit]) -> tuple[int, int] | None:
    """Mark the words after each cue as the reason; return the first such stretch with content."""
    found: tuple[int, int] | None = None
    i = 0
    while i < len(units):
        if units[i].role is not _Role.CUE:
            i += 1
            continue
        clause = units[i].clause
        start = i + 1
        while start < len(units) and units[start].role is _Role.CUE:
            start += 1  # "vì lý do …"
        end = start
        while (
            end < len(units) and units[end].clause == clause and units[end].role is not _Role.CUT
        ):
            units[end] = replace(units[end], in_reason=True)
            end += 1
        if found is None and any(_is_reason_content(tokens, u) for u in units[start:end]):
            found = (start, end)
        i = max(end, i + 1)
    return found


@dataclass(frozen=True)
class _Analysis:
    """A reply read into units."""

    nfc: str
    tokens: list[_Token]
    units: list[_Unit]
    cue_span: tuple[int, int] | None  # units after the first cue that hold a reason
    asks: bool  # a "?" somewhere


def _analyse(text: str) -> _Analysis:
    """Tokenise, match phrases and settle negation, "có" and question tags."""
    nfc = unicodedata.normalize("NFC", text)
    tokens = _tokenise(nfc)
    rest = _rest_is_trailing(tokens)
    units = _negate(_scan(tokens, rest))
    _settle_co(units)
    _tag_questions(units, rest)
    cue_span = _mark_reasons(tokens, units)
    asks = any(t.typed in _QUESTION_MARKS for t in tokens)
    return _Analysis(nfc, tokens, units, cue_span, asks)


# --- Deciding ------------------------------------------------------------------------------------


def _intent(analysis: _Analysis) -> Intent:
    """Attending, absent or unclear, never a guess."""
    units = analysis.units
    roles = {u.role for u in units if not u.in_reason}
    if analysis.asks or roles & {_Role.HEDGE, _Role.QUESTION}:
        return Intent.UNCLEAR
    # A reason said after "vì" counts, even "vì bận"; a bare "bận" is an absence of its own.
    reasons = any(u.role is _Role.REASON or (u.in_reason and u.role is _Role.BUSY) for u in units)
    absent = bool(roles & {_Role.ABSENT, _Role.BUSY, _Role.NO})
    late = any(u.role is _Role.LATE for u in units)
    if _Role.ATTEND in roles:
        if absent or (reasons and not late):
            return Intent.UNCLEAR
        return Intent.ATTEND
    if _Role.YES in roles:
        return Intent.UNCLEAR if absent or reasons else Intent.ATTEND
    if absent:
        return Intent.ABSENT
    if reasons:
        # "em xin về sớm vì ốm": coming, but leaving early? Ask.
        return Intent.UNCLEAR if late else Intent.ABSENT
    if _Role.ACK in roles:
        return Intent.UNCLEAR if _Role.RECEIPT in roles else Intent.ATTEND
    return Intent.UNCLEAR


def _kind(
    units: Sequence[_Unit], cue_span: tuple[int, int] | None
) -> tuple[ReasonKind, int] | None:
    """The kind of reason and the index of the unit that shows it (the first specific one wins)."""
    found = [(u.kind, i) for i, u in enumerate(units) if u.role is _Role.REASON and u.kind]
    specific = [(k, i) for k, i in found if k is not ReasonKind.OTHER]
    best = specific[0] if specific else found[0] if found else None
    if best is None:
        return (ReasonKind.OTHER, cue_span[0]) if cue_span else None
    kind, index = best
    if kind in (ReasonKind.SICK, ReasonKind.OTHER) and any(
        u.role is _Role.RELATIVE for u in units
    ):
        kind = ReasonKind.FAMILY  # a relative's illness or errand keeps the member at home
    return kind, index


def _words(analysis: _Analysis, units: Sequence[_Unit]) -> str | None:
    """The original words of these units, less polite openings and closing particles."""
    tokens = analysis.tokens
    start = 0
    while start < len(units) and units[start].role in _LEAD_SKIP:
        start += 1
    end = len(units)
    while end > start and (
        units[end - 1].role is _Role.FILLER and units[end - 1].words[0] in _TRAILING_PARTICLES
    ):
        end -= 1
    if start >= end:
        return None
    first, last = tokens[units[start].first], tokens[units[end - 1].last]
    text = tidy(analysis.nfc[first.start : last.end]).strip(" ,.;:!?…-–—")
    if not any(ch.isalpha() for ch in text):
        return None
    if len(text) > _REASON_MAX:
        text = text[:_REASON_MAX].rsplit(" ", 1)[0] + "…"
    return text


def _reason(analysis: _Analysis, whole: bool) -> tuple[ReasonKind, str] | None:
    """The reason: the words after a cue, else the clause (or whole text) holding a reason."""
    units = analysis.units
    found = _kind(units, analysis.cue_span)
    if found is None:
        return None
    kind, index = found
    if analysis.cue_span is not None:
        start, end = analysis.cue_span
        text = _words(analysis, units[start:end])
    elif whole:
        text = _words(analysis, units)
    else:
        clause = units[index].clause
        text = _words(analysis, [u for u in units if u.clause == clause])
    return (kind, text) if text else None


def read_reply(text: str) -> Reading:
    """Read a free-text reply to a meeting notice; anything not clearly one way is UNCLEAR."""
    analysis = _analyse(text)
    intent = _intent(analysis)
    if intent is not Intent.ABSENT:
        return Reading(intent)
    reason = _reason(analysis, whole=False)
    if reason is None:
        return Reading(Intent.ABSENT)
    return Reading(Intent.ABSENT, reason[0], reason[1])


def read_reason(text: str) -> tuple[ReasonKind, str] | None:
    """Read a reason for absence typed after the bot asked for one; None if none is given."""
    analysis = _analyse(text)
    if analysis.asks or any(u.role is _Role.QUESTION for u in analysis.units):
        return None  # a question back ("hỏi gì vậy?") is no reason; the bot asks again
    if not any(_is_reason_content(analysis.tokens, u) for u in analysis.units):
        return None
    reason = _reason(analysis, whole=True)
    if reason is not None:
        return reason
    words = _words(analysis, analysis.units)
    return (ReasonKind.OTHER, words) if words else None
