"""Reading a member's free-text reply to a meeting notice: attending, absent and why, unclear,
or "I will answer later"; and the reply to "xin cho biết lý do"."""

from __future__ import annotations

import enum
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from bot.domain.models import N_
from bot.domain.text import fold, tidy


class Intent(enum.StrEnum):
    """What a reply says about coming to the meeting."""

    ATTEND = "attend"
    ABSENT = "absent"
    UNCLEAR = "unclear"
    # "Let me check my diary and tell you": not an answer yet. Nothing is recorded; the bot says
    # it waits (the two buttons stay).
    DEFER = "defer"


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


class Rule(enum.StrEnum):
    """Which rule decided a reading, so that a secretary can be told why."""

    NOTHING = "nothing"  # no answer word at all
    QUESTION = "question"  # a question back
    HEDGE = "hedge"  # "chắc", "có lẽ", "cố gắng": not yet a promise
    DEFER = "defer"  # "để em xem lịch rồi báo lại"
    MIXED = "mixed"  # signals both ways ("có, xin vắng")
    LATE = "late"  # a reason beside lateness or leaving early: coming or not?
    RECEIPT = "receipt"  # "đã nhận được thông báo": received, nothing about coming
    ATTEND = "attend"  # a verb of coming ("em sẽ đến", "có mặt")
    YES = "yes"  # a plain yes ("có", ✅)
    ACK = "ack"  # an acknowledgement ("vâng", "ok", "rõ", "tuân thủ")
    ABSENT = "absent"  # a verb of absence or a no ("xin vắng", "k đi đc")
    REASON = "reason"  # a reason without a verb of absence ("đang nằm viện")
    CHANGE = "change"  # a change of mind: the words after "à thôi" decide


@dataclass(frozen=True)
class Reading:
    """What a reply says: the intent and, for an absence, the reason in the person's words."""

    intent: Intent
    reason_kind: ReasonKind | None = None
    reason_text: str | None = None
    # Why, for `explain`: the rule and the words (as typed) that decided. Not part of equality,
    # so that two readings of the same meaning compare equal.
    rule: Rule = field(default=Rule.NOTHING, compare=False)
    decided_by: tuple[str, ...] = field(default=(), compare=False)
    kind_words: str | None = field(default=None, compare=False)


class ReasonOutcome(enum.StrEnum):
    """What a reply to "xin cho biết lý do" turns out to be."""

    REASON = "reason"  # a reason: store it, in the member's words, with its kind
    ATTEND = "attend"  # a change of mind: now attending
    NOT_A_REASON = "not_a_reason"  # a question, a hedge, a refusal: ask again, store nothing
    DEFER = "defer"  # "để em báo sau": store nothing, say the bot waits


@dataclass(frozen=True)
class ReasonReply:
    """A reply to the reason prompt, read."""

    outcome: ReasonOutcome
    reason_kind: ReasonKind | None = None
    reason_text: str | None = None
    rule: Rule = field(default=Rule.NOTHING, compare=False)
    decided_by: tuple[str, ...] = field(default=(), compare=False)


# --- Vocabulary ----------------------------------------------------------------------------------
#
# Every phrase is written here with its diacritics and matched word by word on folded text
# (text.fold), so "xin vang" and "xin vắng" are the same phrase. At each word the longest phrase
# wins, which is how "có việc" (absence) beats "có" (yes) and "cơ quan" beats "có".

# Texting spellings of a word; each phrase below is expanded with them ("không đi được" also
# matches "k đi đc", "ko di dc").
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "không": ("không", "ko", "k", "kg", "khg", "hok", "khum", "hông", "hem"),
    "được": ("được", "đc", "đk"),
    "lý": ("lý", "lí"),
    "em": ("em", "e"),
    "gì": ("gì", "j", "gi"),
    "rồi": ("rồi", "r"),
    "vậy": ("vậy", "z", "vz"),
    "người": ("người", "ng"),
    "với": ("với", "vs"),
}

# Folded words whose meaning hangs on the diacritics: typed with diacritics they must be exactly
# the phrase's word ("vâng" yes ≠ "vắng" absent ≠ "vàng"; "có" ≠ "cô", "cơ"; "tới" ≠ "tôi";
# "giỗ" ≠ "giờ"; "đau" ≠ "đâu"; "bão" ≠ "báo"; "đó" is not the cue "do"; "chăm" ≠ "chậm";
# "trông" ≠ "trong"; "hiếu" ≠ "hiểu"; "ca" ≠ "cả"; "đám" ≠ "dám"; "tối" ≠ "tôi"; "nhận" ≠
# "nhân" in "công nhân"; "hỏng" ≠ "hông"; "hỷ" ≠ "hy" in "hy vọng"; "xa" ≠ "xã"). Words
# spelled without marks ("ca", "thi", "ho") are kept out of the tables on their own: typed
# plain, "ca" may be "cả", "thi" "thì", "ho" "họ".
# Typed without diacritics they match inside a longer phrase, where the context decides, but on
# their own only as the reading in _PLAIN_READING; "vang" alone (vâng? vắng?) stays unread.
_STRICT = frozenset(
    fold(word)
    for word in (
        "có", "vắng", "tới", "đi", "đến", "dự", "ốm", "bận", "mặt", "cưới", "giỗ", "đau",
        "mổ", "ngã", "thi", "mưa", "do", "vì", "tại", "nghỉ", "con", "bố", "bà", "bão",
        "chăm", "đẻ", "à", "ừ", "yếu", "gãy", "cúm", "cụ", "má", "cha", "no", "hả", "hở",
        "muộn", "hay", "ho", "tí", "về", "ca", "dạy", "chờ", "đám", "trông", "hiếu", "cảm",
        "hỏng", "mất", "lào", "tối", "nhận", "rõ", "chịu", "hỷ", "hỉ", "xa",
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
    "xác nhận tham dự", "xác nhận có mặt", "đăng ký tham dự", "vẫn đi", "vẫn đến",
    "đi bình thường", "đi thì đi",
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
    "okela", "okla", "ok la", "okey", "ô kê", "được", "đồng ý", "nhất trí", "sure", "👍", "🆗",
    "👌",
    # How an office acknowledges an order: a secretary takes these as "I will be there".
    "nhận", "đã nhận", "rõ", "đã rõ", "tuân thủ", "chấp hành", "nhận lệnh", "tuân lệnh",
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
    "cho em vắng", "cho em nghỉ", "chưa ra được", "chưa về được", "chịu", "chịu thôi",
    "đành chịu", "ngại đi", "không kịp", "chưa về", "chưa về kịp", "không tiện",
    # Else "không về" (absent) would leave "họp được" standing as an attend word.
    "không về họp", "không về dự", "chưa về họp",
)  # fmt: skip
# "bận" says absent but not why: the bot asks for the reason. Given as the reason ("vì bận") it
# is taken as one.
_BUSY = ("bận",)
# Not an answer yet: anything with these is unclear. "chắc" alone is "probably", "chắc chắn" is
# "surely" (a _NEUTRAL phrase, longer, so it wins); "cố gắng" is a hope, not a promise.
_HEDGE = (
    "chắc", "chắc là", "chắc không", "có lẽ", "có thể", "có khi", "chưa biết", "chưa chắc",
    "không chắc", "không biết", "chưa rõ", "may ra", "hình như", "nếu", "tùy", "phân vân",
    "cố", "cố gắng", "sẽ cố", "hay", "hoặc", "có hay không", "hên xui", "khó", "khó nói",
    "không hứa", "chưa hứa", "nghĩ", "nghĩ là", "muốn", "hy vọng", "hi vọng", "mong là",
    # Asking someone first is not an answer either ("em phải hỏi nhà em đã").
    "hỏi nhà", "hỏi vợ", "hỏi chồng", "hỏi ý kiến", "hỏi lại",
    # Someone else's news, or the past: not the member's own answer for this meeting.
    "anh ấy", "chị ấy", "ông ấy", "bà ấy", "cô ấy", "chú ấy", "bác ấy", "nhắn là", "bảo là",
    "hôm trước", "lần trước", "buổi trước", "kỳ trước", "tháng trước", "năm trước",
)  # fmt: skip
# "I will answer later": a deferral, unless a firm answer stands beside it ("em đến được, có gì
# em báo lại"). The bot records nothing and says it waits.
_LATER = (
    "lát", "lát nữa", "tí", "tí nữa", "xíu", "xíu nữa", "tối", "tối nay", "mai", "sáng mai",
    "chiều", "chiều nay", "về", "rồi", "từ từ",
)  # fmt: skip
_ANSWER_VERBS = ("trả lời", "nhắn", "rep", "báo lại", "nhắn lại", "báo sau")
_DEFER = (
    "để em xem", "để xem", "xem đã", "xem sao", "xem lại", "để em xem lịch", "xem lịch",
    "báo sau", "báo lại", "trả lời sau", "trả lời lại", "nhắn lại", "nhắn sau", "rep sau",
    "phản hồi sau", "tính sau", "để sau", "nói sau", "để em tính", "để tính", "để em thu xếp",
    "để em sắp xếp", "chờ em chút", "chờ em tí", "chờ em hỏi", "chờ em xem", "đợi em",
    "cho em hẹn", "hẹn trả lời", "hẹn lại", "từ từ em báo", "xem thế nào", "xem thế nào đã",
    "khất", "để mai", "nói lý do sau",
    *(f"{later} {verb}" for later in _LATER for verb in _ANSWER_VERBS),
    *(f"{later} em {verb}" for later in _LATER for verb in (*_ANSWER_VERBS, "báo", "nói")),
    # "Có gì em báo lại": a promise to write if anything changes, beside an answer or a hedge.
    "có gì em báo lại", "có gì em báo", "có gì báo lại", "có gì em nhắn", "có gì em nhắn lại",
    "rồi báo", "rồi nói",
)  # fmt: skip
# A change of mind: the words after these decide ("em bận... à thôi em đi được").
_CHANGE = (
    "à thôi", "à mà thôi", "mà thôi", "à không", "à quên", "à nhầm", "nhầm", "đổi ý", "thôi",
)  # fmt: skip
# A reason after these is conceded, not given: "em vẫn đến dù hơi mệt".
_CONCEDE = ("dù", "mặc dù", "dù là", "tuy", "dẫu")
# Questions back to the bot; a "?" anywhere does the same.
_QUESTION = (
    "gì", "mấy giờ", "bao giờ", "khi nào", "lúc nào", "hôm nào", "ở đâu", "chỗ nào",
    "vì sao", "tại sao", "sao", "hả", "hở", "chăng", "ai", "nhà ai",
    # Asking for the notice again is no answer.
    "gọi em", "gọi cho em", "gọi anh", "gọi chị", "gọi điện", "gửi lại", "không xem được",
    "không mở được", "không đọc được", "chưa thấy", "không thấy",
)  # fmt: skip
# Question particles only at the end of a clause ("thế à", but "à, em quên").
_QUESTION_AT_END = ("à", "ư")
# "Got the notice" says nothing about coming: with only a yes or ok beside it, it is unclear.
_RECEIPT = (
    "đã nhận được", "nhận được", "đã xem", "đã đọc", "nhận thông báo", "đã nhận thông báo",
    "đọc thông báo", "xem thông báo", "đã biết", "biết rồi",
)  # fmt: skip
# Late or leaving early: a reason next to an attend word then explains that, not an absence.
_LATE = (
    "muộn", "trễ", "chậm", "sớm", "về sớm",
    # Unsure only about the time: "em có mặt, có thể muộn 5 phút" is still coming.
    "có thể muộn", "có thể trễ", "chắc muộn", "chắc là muộn", "có thể đến muộn",
)  # fmt: skip
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
    # Over and done: "đã khỏi ốm, em đến được", "vừa đi làm về, tối em đến".
    "khỏi ốm", "khỏi bệnh", "đã khỏe", "khỏe rồi", "đi làm về", "tan làm", "tan ca",
    "báo cáo", "công tác đảng", "nhà văn hóa", "chủ nhật", "đầy đủ", "đến tối", "đến chiều",
    "đến mai", "cảm thấy", "bầu cử", "bầu chi ủy", "hẹn gặp", "sinh nhật", "cập nhật",
    "bỏ phiếu",
    # "Đi" after these takes someone along: "con thi, em phải đưa đi" is no "em đi".
    "đưa đi", "chở đi", "dẫn đi", "mang đi", "đem đi", "được nghỉ", "nghỉ ca", "chịu khó",
    # "Em sẽ đến, có gì nhắn em": if anything comes up, write to me.
    "có gì nhắn", "có gì báo", "có gì anh", "có gì chị", "có gì thì",
    # Negated trouble is no trouble: "em không bận gì", "không ốm nữa", "không vấn đề gì".
    "không bận gì", "không vấn đề gì", "không có vấn đề gì", "không có việc gì", "không ốm",
    "hết ốm", "ốm dậy", "không ai", "chẳng ai", "ai cũng",
    "chịu trách nhiệm",
)  # fmt: skip
# Family members: a relative's illness or errand is family business (caring for a sick parent is
# FAMILY, not SICK). "cháu", "bác", "cô", "chú" are left out: people call themselves that;
# "cha" too, since typed plain it is more likely the negator "chả".
_RELATIVE = (
    "bố", "mẹ", "má", "con", "vợ", "chồng", "ông", "bà", "cụ", "bố em", "bà em",
    "bố mẹ", "ông bà", "bà nội", "bà ngoại", "ông nội", "ông ngoại", "bố vợ", "mẹ vợ",
    "bố chồng", "mẹ chồng", "anh trai", "chị gái", "em trai", "em gái", "người nhà", "dì",
    "ba", "cháu nội", "cháu ngoại", "con trai", "con gái", "ông nhà", "bà nhà", "mẹ em", "con em",
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
        "đau dạ dày", "dạ dày", "truyền nước", "bị ho", "ho nhiều", "ho khan", "viêm họng", "viêm",
        "mất tiếng", "dị ứng", "chạy thận", "trẹo chân", "bong gân", "bó bột", "bầu",
        "có bầu", "mang thai", "thai sản", "ở cữ", "mới sinh", "sắp sinh", "đi lại khó",
        "đi lại khó khăn", "tay chân miệng", "sốt xuất huyết", "dương tính", "đau ốm",
        "trạm xá", "trạm y tế", "ốm nằm", "bệnh tật", "cảm", "ốm rồi", "cảm sốt", "đau họng",
        "khám", "đi khám", "ra viện", "mới ra viện", "bị cúm", "cúm mùa", "thủy đậu", "zona",
        "chụp phim", "mổ mắt", "viêm phổi", "đau bụng", "sốt virus", "gút", "tiêu chảy",
        "cấp cứu", "ung thư", "đau đầu chóng mặt", "ở viện", "xét nghiệm", "nội soi",
        "uống thuốc", "nằm viện", "phải mổ",
    ),
    ReasonKind.WORK: (
        "công tác", "đi công tác", "trực", "đi trực", "trực ca", "ca trực", "lịch trực",
        "trực cơ quan", "họp cơ quan", "việc cơ quan", "cơ quan", "tăng ca", "làm ca",
        "ca đêm", "ca tối", "ca chiều", "làm đêm", "làm thêm", "đi làm", "công việc",
        "có công việc", "việc công ty", "công ty", "tập huấn", "hội nghị", "chạy xe",
        "lái xe", "chạy hàng", "đi ca", "có ca", "có lịch trực",
        "trực đêm", "trực tết", "lịch trực tết", "giao ban", "họp giao ban", "bồi dưỡng",
        "học bồi dưỡng", "lớp bồi dưỡng", "lý luận chính trị", "trung cấp", "cao cấp",
        "học nghị quyết", "trường chính trị", "học tập trung", "đi học nghị quyết",
        "tiếp đoàn", "đón đoàn", "đoàn kiểm tra", "lịch dạy", "có lịch dạy",
        "đi dạy", "dạy", "làm thêm giờ", "ca ba", "ca 3", "nhà máy", "xưởng",
        "họp đột xuất", "cơ quan có việc", "lịch công tác", "đi kiểm tra",
        "kiểm tra cơ sở", "giao hàng", "đi giao hàng", "hội đồng", "họp hội đồng",
        "trực ban", "vào ca", "bận họp", "họp xã", "họp ở xã", "họp huyện", "họp ở huyện",
        "họp phường", "họp ở phường", "họp tổ", "chạy xe khách", "xe khách",
    ),
    ReasonKind.FAMILY: (
        "việc gia đình", "gia đình", "việc nhà", "nhà có việc", "nhà em có việc",
        "nhà có khách", "có khách", "khách", "đám cưới", "ăn cưới", "cưới", "cưới vợ",
        "cưới chồng", "lấy vợ", "lấy chồng", "cưới hỏi", "ăn hỏi", "đám giỗ", "ăn giỗ", "giỗ",
        "có giỗ", "ngày giỗ", "đám ma", "đám tang", "đám hiếu", "đám hỷ", "đám hỉ", "có đám",
        "đi đám", "ma chay", "có tang", "để tang", "chịu tang", "người mất", "có người mất",
        "mất", "chăm", "chăm sóc", "trông cháu", "trông con", "trông nhà", "đưa con",
        "đón con", "đón cháu", "đưa cháu", "con nhỏ", "có con nhỏ", "sinh con", "đẻ",
        "vợ đẻ", "vợ sinh", "vợ em sinh", "vợ em đẻ", "đầy tháng", "mừng thọ", "tân gia",
        "việc họ", "họ hàng",
        "việc hiếu", "việc hỷ", "việc hỉ", "việc hiếu hỷ", "hiếu", "hỷ", "hỉ", "đám",
        "lễ ăn hỏi", "đưa tang", "viếng", "đi viếng", "đám ma", "có người ốm", "người ốm",
        "nhà có người ốm", "lo việc họ", "ăn giỗ", "về ăn giỗ", "về quê ăn giỗ", "trông",
        "đưa đón con", "ở nhà chăm", "chăm con", "chăm mẹ", "chăm bố", "chăm vợ", "chăm chồng",
        "gia đình có việc", "đi đám cưới", "đi ăn cưới", "đi đám giỗ", "cất nóc", "làm nhà",
        "đám hỏi", "giỗ đầu", "làm giỗ", "tiêm phòng", "đi tiêm", "ăn cỗ", "đi ăn cỗ",
        "cỗ cưới", "sửa nhà", "thăm", "đi thăm", "giỗ tổ", "ở viện với", "ở bệnh viện với",
    ),
    ReasonKind.AWAY: (
        "đi làm ăn xa", "làm ăn xa", "đi làm ăn", "làm ăn", "đi làm xa", "làm xa", "đi xa",
        "ở xa", "xa nhà", "không ở nhà", "không có nhà", "không có ở nhà", "vắng nhà",
        "đi vắng", "đi nước ngoài", "ở nước ngoài", "ra nước ngoài", "nước ngoài",
        "xuất khẩu lao động", "xkld", "đi xuất khẩu", "về quê", "ở quê", "đi du lịch",
        "du lịch", "đi biển", "đi tàu", "trong nam", "ngoài bắc",
        "làm thuê", "đi làm thuê", "tỉnh ngoài", "ngoại tỉnh", "lao động", "đi lao động",
        "xuất khẩu", "viễn dương", "tàu viễn dương", "trên tàu", "đi bè", "ra biển",
        "trên biển",
        "làm công trình", "đi công trình", "phụ hồ", "khu công nghiệp", "miền nam",
        "sài gòn", "tp hcm", "hồ chí minh", "bình dương", "đồng nai", "tây nguyên", "ở nhật",
        "sang nhật", "bên nhật", "nhật bản", "hàn quốc", "đài loan", "lào", "campuchia",
        "malaysia", "châu âu",
        "ra bắc", "vào nam", "đi vắng", "chưa ra", "làm ăn ở", "trên rừng", "lên rừng",
        "đi rừng", "làm công nhân", "bên hàn", "ở hàn", "sang hàn", "tàu cá",
        "cập bến", "chưa cập bến", "chưa về quê",
    ),
    # "có việc" is an absence ("I have something on"), not the yes "có".
    ReasonKind.OTHER: (
        "việc riêng", "có việc", "có việc bận", "việc bận", "có việc đột xuất",
        "việc đột xuất", "đột xuất", "có hẹn", "có chuyện", "việc cá nhân", "cá nhân",
        "mưa", "mưa to", "mưa bão", "bão", "lũ", "lụt", "ngập", "ngập nước", "hỏng xe",
        "xe hỏng", "không có xe", "không có người đưa", "mất điện", "đi học", "ôn thi",
        "đi thi", "thi cử", "có lịch", "đường xa", "thi vào", "lịch thi", "thi bằng",
        "thi tốt nghiệp",
        "hỏng", "xe em hỏng", "xe bị hỏng", "không có xe đi", "không có người chở",
        "không có người đưa đón", "chút việc", "có chút việc", "bận chút việc",
        "chuyện gấp", "có chuyện gấp", "việc gấp", "có việc gấp", "hẹn", "có hẹn trước",
        "lý do cá nhân", "riêng tư", "chuyện riêng", "không có ai chở", "không có ai chở đi",
        "không ai chở",
        "không có ai đưa", "xe hư", "hư xe", "khám xe", "đi khám xe",
    ),
}  # fmt: skip

# Reasons that give way to any other specific one: "về quê ăn giỗ" is family, not away.
_WEAK = frozenset(
    tuple(fold(word) for word in phrase.split())
    for phrase in ("về quê", "ở quê", "đi xa", "ở xa", "xa nhà", "đi làm", "công việc", "đám")
)

# Words that carry no meaning for the answer: particles, pronouns, politeness. They may follow
# "đi" and "có", and are dropped from the front of a reason.
_FILLER_WORDS = (
    "ạ", "ạh", "ah", "ak", "nhé", "nha", "nhá", "nhỉ", "ơi", "ha", "hihi", "haha", "hehe",
    "em", "anh", "chị", "tôi", "mình", "chú", "bác", "thưa", "dạ", "luôn", "ngay", "chứ",
    "mà", "rồi", "nữa", "với", "thôi", "đấy", "đây", "sẽ", "cũng", "vẫn", "vậy", "thế",
    "này", "đã", "e", "nhe", "nhen",
)  # fmt: skip
# Words that may also follow "đi" at the end of a clause: "em vẫn đi bình thường".
_TRAILING_OK = frozenset(
    fold(word) for word in ("đầy", "đủ", "bình", "thường", "đúng", "giờ", "họp")
)
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
    DEFER = enum.auto()
    CHANGE = enum.auto()
    CONCEDE = enum.auto()
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
    *_entries(_Role.DEFER, _DEFER),
    *_entries(_Role.CHANGE, _CHANGE),
    *_entries(_Role.CONCEDE, _CONCEDE),
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
            rest[i] = (token.filler or token.folded in _TRAILING_OK) and rest[i + 1]
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


def _concede(units: list[_Unit]) -> None:
    """Words after "dù" in its clause are conceded, not given: "em vẫn đến dù hơi mệt"."""
    clause: int | None = None
    for i, unit in enumerate(units):
        if unit.role is _Role.CONCEDE:
            clause = unit.clause
        elif clause is not None and unit.clause == clause:
            units[i] = replace(unit, role=_Role.NEUTRAL)
        else:
            clause = None


@dataclass(frozen=True)
class _Analysis:
    """A reply read into units."""

    nfc: str
    tokens: list[_Token]
    units: list[_Unit]
    cue_span: tuple[int, int] | None  # units after the first cue that hold a reason
    asks: bool  # a "?" somewhere


def _analyse(text: str) -> _Analysis:
    """Tokenise, match phrases and settle negation, "có", question tags and concessions."""
    nfc = unicodedata.normalize("NFC", text)
    tokens = _tokenise(nfc)
    rest = _rest_is_trailing(tokens)
    units = _negate(_scan(tokens, rest))
    _settle_co(units)
    _tag_questions(units, rest)
    _concede(units)
    cue_span = _mark_reasons(tokens, units)
    asks = any(t.typed in _QUESTION_MARKS for t in tokens)
    return _Analysis(nfc, tokens, units, cue_span, asks)


def _after_change(analysis: _Analysis) -> tuple[_Unit, _Analysis] | None:
    """The words after the last change of mind ("à thôi …"), if any follow it."""
    units = analysis.units
    for m in range(len(units) - 1, -1, -1):
        if units[m].role is _Role.CHANGE:
            tail = list(units[m + 1 :])
            if all(u.role is _Role.FILLER for u in tail):
                return None
            cue_span = _mark_reasons(analysis.tokens, tail)
            last = units[m].last
            asks = any(t.typed in _QUESTION_MARKS for t in analysis.tokens[last + 1 :])
            return units[m], replace(analysis, units=tail, cue_span=cue_span, asks=asks)
    return None


# --- Deciding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decision:
    """The intent, the rule that gave it and the units that decided."""

    intent: Intent
    rule: Rule
    units: tuple[_Unit, ...] = ()


def _told_before(units: Sequence[_Unit], reasons: Sequence[_Unit], attend: _Unit) -> bool:
    """Whether every reason comes before the attend word, with a clause end or "nhưng" between."""
    for reason in reasons:
        if reason.last >= attend.first:
            return False
        cut = any(u.role is _Role.CUT and reason.last < u.first < attend.first for u in units)
        if reason.clause == attend.clause and not cut:
            return False
    return True


def _decide_units(analysis: _Analysis) -> _Decision:
    """Attending, absent, deferred or unclear, never a guess."""
    units = analysis.units
    live = [u for u in units if not u.in_reason]

    def having(*roles: _Role) -> tuple[_Unit, ...]:
        return tuple(u for u in live if u.role in roles)

    attend, yes, ack = having(_Role.ATTEND), having(_Role.YES), having(_Role.ACK)
    refusal = having(_Role.ABSENT, _Role.NO)
    absent = having(_Role.ABSENT, _Role.NO, _Role.BUSY)
    hedges, questions, defers = having(_Role.HEDGE), having(_Role.QUESTION), having(_Role.DEFER)
    receipts = having(_Role.RECEIPT)
    # A reason said after "vì" counts, even "vì bận"; a bare "bận" is an absence of its own.
    reasons = tuple(
        u for u in units if u.role is _Role.REASON or (u.in_reason and u.role is _Role.BUSY)
    )
    late = tuple(u for u in units if u.role is _Role.LATE)
    # "Busy now, I'll answer later" is a deferral; "không đi được, có gì em báo lại" is not.
    if defers and (hedges or questions or analysis.asks or not (attend or refusal)):
        return _Decision(Intent.DEFER, Rule.DEFER, defers)
    if analysis.asks or questions:
        return _Decision(Intent.UNCLEAR, Rule.QUESTION, questions)
    if hedges:
        return _Decision(Intent.UNCLEAR, Rule.HEDGE, hedges)
    if attend:
        if absent:
            return _Decision(Intent.UNCLEAR, Rule.MIXED, attend + absent)
        # "Em đã sắp xếp xong việc nhà, em đi được": a circumstance told first, then the
        # promise, is coming; a reason after the promise ("em đến. Nhà có giỗ") is unclear.
        if reasons and not late and not _told_before(units, reasons, attend[0]):
            return _Decision(Intent.UNCLEAR, Rule.MIXED, attend + reasons)
        return _Decision(Intent.ATTEND, Rule.ATTEND, attend)
    if yes:
        if absent or reasons:
            return _Decision(Intent.UNCLEAR, Rule.MIXED, yes + absent + reasons)
        return _Decision(Intent.ATTEND, Rule.YES, yes)
    if absent:
        return _Decision(Intent.ABSENT, Rule.ABSENT, absent)
    if reasons:
        # "em xin về sớm vì ốm": coming, but leaving early? Ask.
        if late:
            return _Decision(Intent.UNCLEAR, Rule.LATE, reasons + late)
        # A reason alone ("vẫn ở trong Nam chưa ra được") says the member will not be there.
        return _Decision(Intent.ABSENT, Rule.REASON, reasons)
    if ack:
        if receipts:
            return _Decision(Intent.UNCLEAR, Rule.RECEIPT, receipts)
        return _Decision(Intent.ATTEND, Rule.ACK, ack)
    if receipts:
        return _Decision(Intent.UNCLEAR, Rule.RECEIPT, receipts)
    return _Decision(Intent.UNCLEAR, Rule.NOTHING)


def _decide(analysis: _Analysis) -> tuple[_Decision, _Analysis]:
    """Decide, letting a change of mind ("… à thôi em đi được") have the last word."""
    after = _after_change(analysis)
    if after is not None:
        marker, tail = after
        decision = _decide_units(tail)
        if decision.intent in (Intent.ATTEND, Intent.ABSENT):
            return _Decision(decision.intent, Rule.CHANGE, (marker, *decision.units)), tail
    return _decide_units(analysis), analysis


def _relative_before(units: Sequence[_Unit], index: int) -> bool:
    """Whether a relative comes before the reason in its clause ("con em sốt", not "con xin
    vắng vì đau khớp", where "con" is the member speaking)."""
    reason = units[index]
    return any(
        u.role is _Role.RELATIVE and u.clause == reason.clause and u.in_reason == reason.in_reason
        for u in units[:index]
    )


def _kind(
    units: Sequence[_Unit], cue_span: tuple[int, int] | None
) -> tuple[ReasonKind, int] | None:
    """The kind of reason and the index of the unit that shows it (the first specific one wins,
    a strong one before a weak one such as "về quê")."""
    found = [(u.kind, i) for i, u in enumerate(units) if u.role is _Role.REASON and u.kind]
    specific = [(k, i) for k, i in found if k is not ReasonKind.OTHER]
    strong = [(k, i) for k, i in specific if units[i].words not in _WEAK]
    # Someone else's travel ("chồng em đi biển, em ở nhà trông con") gives way to the member's
    # own reason, if there is one.
    own = [(k, i) for k, i in strong if k is not ReasonKind.AWAY or not _relative_before(units, i)]
    strong = own or strong
    best = strong[0] if strong else specific[0] if specific else found[0] if found else None
    if best is None:
        return (ReasonKind.OTHER, cue_span[0]) if cue_span else None
    kind, index = best
    if kind in (ReasonKind.SICK, ReasonKind.OTHER) and _relative_before(units, index):
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


def _typed(analysis: _Analysis, units: Iterable[_Unit]) -> tuple[str, ...]:
    """The units as the person typed them."""
    tokens = analysis.tokens
    return tuple(tidy(analysis.nfc[tokens[u.first].start : tokens[u.last].end]) for u in units)


def _reason(analysis: _Analysis, whole: bool) -> tuple[ReasonKind, str, str] | None:
    """The reason: the words after a cue, else the clause (or whole text) holding a reason;
    with the words that showed the kind."""
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
    shown = [units[index]] if units[index].role is _Role.REASON else []
    if shown and kind is not shown[0].kind:
        # Turned into family business by a relative: show the relative too ("chồng … ốm").
        reason = shown[0]
        shown = [
            u
            for u in units[:index]
            if u.role is _Role.RELATIVE
            and u.clause == reason.clause
            and u.in_reason == reason.in_reason
        ][:1] + shown
    kind_words = " … ".join(_typed(analysis, shown))
    return (kind, text, kind_words) if text else None


def _decided_by(analysis: _Analysis, decision: _Decision) -> tuple[str, ...]:
    """The words that decided, as typed; a "?" when the question mark alone did."""
    words = _typed(analysis, decision.units)
    if not words and decision.rule is Rule.QUESTION:
        return ("?",)
    return words


def read_reply(text: str) -> Reading:
    """Read a free-text reply to a meeting notice; anything not clearly one way is UNCLEAR (or
    DEFER when the member says they will answer later): never a guess."""
    analysis = _analyse(text)
    decision, used = _decide(analysis)
    decided_by = _decided_by(used, decision)
    if decision.intent is not Intent.ABSENT:
        return Reading(decision.intent, rule=decision.rule, decided_by=decided_by)
    reason = _reason(used, whole=False)
    if reason is None and used is not analysis:
        # "Con ốm, em định đi… à thôi, em xin vắng": the reason told before the change of mind
        # still holds for the absence.
        head = analysis.units[: len(analysis.units) - len(used.units) - 1]
        reason = _reason(
            replace(analysis, units=head, cue_span=_mark_reasons(analysis.tokens, head)),
            whole=False,
        )
    if reason is None:
        return Reading(Intent.ABSENT, rule=decision.rule, decided_by=decided_by)
    kind, words, kind_words = reason
    return Reading(
        Intent.ABSENT, kind, words, rule=decision.rule, decided_by=decided_by,
        kind_words=kind_words or None,
    )  # fmt: skip


def read_reason_reply(text: str) -> ReasonReply:
    """Read the reply to "xin cho biết lý do": a reason, a change of mind, a deferral, or no
    reason at all (a question, a hedge, a bare yes or no), in which case nothing is stored."""
    decision, used = _decide(_analyse(text))
    decided_by = _decided_by(used, decision)
    if decision.intent is Intent.ATTEND and decision.rule in (Rule.ATTEND, Rule.CHANGE):
        # Only a verb of coming changes the answer: "vâng", "ok", 👍 here just acknowledge.
        return ReasonReply(ReasonOutcome.ATTEND, rule=decision.rule, decided_by=decided_by)
    if decision.intent is Intent.DEFER:
        return ReasonReply(ReasonOutcome.DEFER, rule=decision.rule, decided_by=decided_by)
    if decision.rule in (Rule.QUESTION, Rule.HEDGE):
        return ReasonReply(ReasonOutcome.NOT_A_REASON, rule=decision.rule, decided_by=decided_by)
    if not any(_is_reason_content(used.tokens, u) for u in used.units):
        return ReasonReply(ReasonOutcome.NOT_A_REASON, rule=Rule.NOTHING)
    reason = _reason(used, whole=True)
    if reason is None:
        words = _words(used, used.units)
        if words is None:
            return ReasonReply(ReasonOutcome.NOT_A_REASON, rule=Rule.NOTHING)
        # A real reason the lexicon does not know: kept as typed, under "Khác".
        return ReasonReply(ReasonOutcome.REASON, ReasonKind.OTHER, words, rule=Rule.REASON)
    kind, words, kind_words = reason
    return ReasonReply(
        ReasonOutcome.REASON, kind, words, rule=Rule.REASON,
        decided_by=(kind_words,) if kind_words else (),
    )  # fmt: skip


def read_reason(text: str) -> tuple[ReasonKind, str] | None:
    """Read a reason for absence typed after the bot asked for one; None if none is given."""
    reply = read_reason_reply(text)
    if reply.outcome is not ReasonOutcome.REASON or reply.reason_kind is None:
        return None
    assert reply.reason_text is not None
    return reply.reason_kind, reply.reason_text


def matched_phrases(text: str) -> tuple[tuple[str, str], ...]:
    """Every vocabulary phrase found in a reply, as (role, words as typed), for `explain`."""
    analysis = _analyse(text)
    return tuple(
        (unit.role.name.lower(), _typed(analysis, [unit])[0])
        for unit in analysis.units
        if unit.role not in (_Role.WORD, _Role.FILLER)
    )
