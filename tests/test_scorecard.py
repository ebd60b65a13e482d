"""The scorecard as data and its arithmetic: bot/domain/scorecard.py."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import scorecard
from bot.domain.schedule import MeetingKind
from bot.domain.scorecard import (
    Card,
    CardError,
    Evidence,
    Grade,
    PointsError,
    attendance_points,
    default_card,
    duration_points,
    grade_for,
    load_card,
    parse_card,
    parse_points,
    percent_text,
    points_text,
    suggest,
    thematic_part,
    total,
)

D = Decimal
SMALL = Path(__file__).parent / "data" / "scorecard_small.toml"
DEFAULT_TOML = Path(scorecard.__file__).parent / scorecard.DEFAULT_CARD_FILE


def identity(message: str) -> str:
    return message


def evidence(**changes: object) -> Evidence:
    """A well-run 90-minute meeting, with the given fields changed."""
    base = Evidence(
        duration_minutes=95,
        minimum_minutes=90,
        attendance_ratio=D("0.95"),
        any_unexcused=False,
        no_long_excuse_streak=True,
        notice_sent_to_members=True,
        notice_sent_to_cadre=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def full_marks(card: Card) -> dict[str, Decimal]:
    return {criterion.code: criterion.max_points for criterion in card.criteria}


# --- The default card -------------------------------------------------------------------------


def test_default_card_totals_100_with_the_group_maxima_of_domain_md() -> None:
    """The shipped card has the 8 groups of DOMAIN.md §2 with their maxima, 100 in all."""
    card = default_card()
    assert card.max_total == 100
    assert [(group.code, group.max_points) for group in card.groups] == [
        ("1", 5),
        ("2", 5),
        ("3", 10),
        ("4", 30),
        ("5", 10),
        ("6", 5),
        ("7", 30),
        ("8", 5),
    ]


def test_default_card_sub_criteria_have_the_points_of_domain_md() -> None:
    """Each group splits into the sub-criteria points of DOMAIN.md §2 (attendance as 4 + 1)."""
    card = default_card()
    assert [[c.max_points for c in group.criteria] for group in card.groups] == [
        [5],
        [4, 1],
        [3, 2, 2, 1, 2],
        [5, 10, 5, 2, 5, 1, 1, 1],
        [2, 4, 3, 1],
        [1, 2, 1, 1],
        [30],
        [2, 2, 1],
    ]
    for group in card.groups:
        assert sum(c.max_points for c in group.criteria) == group.max_points
        assert all(c.group == group.code for c in group.criteria)


def test_default_card_codes_are_unique_and_stable() -> None:
    """Criterion codes are the storage keys: unique, and the ones other code relies on."""
    codes = [criterion.code for criterion in default_card().criteria]
    assert len(codes) == len(set(codes)) == 28
    assert codes[:3] == ["1", "2.1", "2.2"]
    assert "3.4" in codes
    assert "7" in codes


def test_default_card_marks_the_known_and_thematic_criteria() -> None:
    """Duration, attendance, streak and notice are pre-fillable; only 4.3 is thematic-only."""
    card = default_card()
    known = {c.code: c.known for c in card.criteria if c.known is not None}
    assert known == {"1": "duration", "2.1": "attendance", "2.2": "streak", "3.4": "notice"}
    assert [c.code for c in card.criteria if c.thematic_only] == ["4.3"]
    assert card.criterion("4.3") is not None
    assert card.criterion("4.3").max_points == 5  # type: ignore[union-attr]
    assert card.criterion("9.9") is None


def test_default_card_grades_are_tot_kha_trung_binh_kem() -> None:
    """Grades are Tốt 90, Khá 70, Trung bình 50, Kém 0, from high to low."""
    assert default_card().grades == (
        Grade("Tốt", D(90)),
        Grade("Khá", D(70)),
        Grade("Trung bình", D(50)),
        Grade("Kém", D(0)),
    )


def test_default_criterion_texts_fit_a_phone_line() -> None:
    """Every criterion text is at most 90 characters."""
    long = [c.text for c in default_card().criteria if len(c.text) > 90]
    assert long == []


def _toml_texts() -> set[str]:
    data = tomllib.loads(DEFAULT_TOML.read_text(encoding="utf-8"))
    texts = {data["title"]}
    texts |= {grade["name"] for grade in data["grades"]}
    for group in data["groups"]:
        texts.add(group["title"])
        texts |= {criterion["text"] for criterion in group["criteria"]}
    return texts


def test_every_default_text_is_a_marked_msgid() -> None:
    """The TOML's texts and the N_() tuple in the module are the same set, so catalogs match."""
    assert _toml_texts() == set(scorecard._DEFAULT_TEXTS)
    assert len(scorecard._DEFAULT_TEXTS) == len(set(scorecard._DEFAULT_TEXTS))


def test_babel_extracts_the_default_texts() -> None:
    """Babel finds every default text in the module source, so `extract` puts them in the pot."""
    extracted = {
        message
        for _line, message, _comments, _context in extract_from_file(
            "python", scorecard.__file__, keywords={"N_": None}
        )
    }
    assert _toml_texts() <= extracted


def test_default_card_is_read_once() -> None:
    """default_card() parses the shipped file once and hands out the same card."""
    assert default_card() is default_card()


# --- applicable() and thematic_part() ---------------------------------------------------------


def test_applicable_drops_the_thematic_criterion_without_a_thematic_part() -> None:
    """Without a thematic part the 5 points of 4.3 leave: 27 criteria, 95 points."""
    card = default_card()
    without = card.applicable(thematic=False)
    assert [c.code for c in without] == [c.code for c in card.criteria if c.code != "4.3"]
    assert card.applicable_max(thematic=False) == 95
    assert card.applicable(thematic=True) == card.criteria
    assert card.applicable_max(thematic=True) == 100


@pytest.mark.parametrize(
    ("kind", "thematic"),
    [
        (MeetingKind.REGULAR, False),
        (MeetingKind.THEMATIC, True),
        (MeetingKind.BOTH, True),
        (MeetingKind.COMMITTEE, False),
    ],
)
def test_thematic_part_follows_the_meeting_kind(kind: MeetingKind, thematic: bool) -> None:
    """Thematic and combined meetings have a thematic part; regular and committee ones not."""
    assert thematic_part(kind) is thematic


# --- parse_points -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4", "4"),
        ("4,5", "4.5"),
        ("4.5", "4.5"),
        (" 3 ", "3"),
        ("0", "0"),
        ("5", "5"),
        ("0,5", "0.5"),
        ("4đ", "4"),
        ("4 đ", "4"),
        ("4 điểm", "4"),
        ("4 diem", "4"),
        ("4 ĐIỂM", "4"),
        ("4,0", "4"),
        ("4.50", "4.5"),
        ("04", "4"),
        ("+4", "4"),
        ("-0", "0"),
        ("４", "4"),  # full-width digit from some phone keyboards
        ("４，５", "4.5"),  # full-width comma too
        ("4\u00a0điểm", "4"),  # no-break space
    ],
)
def test_parse_points_reads_a_score(text: str, expected: str) -> None:
    """Typed scores with comma or dot, a unit, spaces or full-width digits are read exactly."""
    result = parse_points(text, D(5))
    assert result == D(expected)
    assert str(result) == expected  # one spelling per value: 4, not 4.0


@pytest.mark.parametrize(
    ("text", "message", "params"),
    [
        ("5,5", scorecard.M_POINTS_RANGE, {"max": "5"}),
        ("6", scorecard.M_POINTS_RANGE, {"max": "5"}),
        ("-1", scorecard.M_POINTS_RANGE, {"max": "5"}),
        ("-0,5", scorecard.M_POINTS_RANGE, {"max": "5"}),
        ("9" * 40, scorecard.M_POINTS_RANGE, {"max": "5"}),
        ("4,25", scorecard.M_POINTS_HALVES, {"text": "4,25"}),
        ("4,7", scorecard.M_POINTS_HALVES, {"text": "4,7"}),
        ("4.0000000000000000000000000000001", scorecard.M_POINTS_HALVES, None),
        ("", scorecard.M_POINTS_EMPTY, {}),
        ("   ", scorecard.M_POINTS_EMPTY, {}),
        ("abc", scorecard.M_POINTS_NOT_NUMBER, {"text": "abc"}),
        ("bốn", scorecard.M_POINTS_NOT_NUMBER, {"text": "bốn"}),
        ("1e3", scorecard.M_POINTS_NOT_NUMBER, {"text": "1e3"}),
        ("nan", scorecard.M_POINTS_NOT_NUMBER, {"text": "nan"}),
        ("inf", scorecard.M_POINTS_NOT_NUMBER, {"text": "inf"}),
        ("4,5,5", scorecard.M_POINTS_NOT_NUMBER, {"text": "4,5,5"}),
        ("4/5", scorecard.M_POINTS_NOT_NUMBER, {"text": "4/5"}),
        (",5", scorecard.M_POINTS_NOT_NUMBER, {"text": ",5"}),
        ("٤", scorecard.M_POINTS_NOT_NUMBER, {"text": "٤"}),  # Arabic-Indic digit
        ("4 quả", scorecard.M_POINTS_NOT_NUMBER, {"text": "4 quả"}),
    ],
)
def test_parse_points_refuses_with_a_reason(
    text: str, message: str, params: dict[str, str] | None
) -> None:
    """Out of range, not a half step, empty or not a number: each has its own message."""
    result = parse_points(text, D(5))
    assert isinstance(result, PointsError)
    assert result.message == message
    if params is not None:
        assert dict(result.params) == params
    assert result.render(identity)  # every placeholder is filled


def test_parse_points_range_error_shows_a_half_maximum_with_a_comma() -> None:
    """The maximum in the range message is written as typed: 4,5, not 4.5."""
    result = parse_points("5", D("4.5"))
    assert isinstance(result, PointsError)
    assert result.render(identity) == "Điểm phải từ 0 đến 4,5."


def test_parse_points_cuts_long_text_in_its_error() -> None:
    """A pasted paragraph is echoed back cut to 20 characters, not in full."""
    result = parse_points("x" * 500, D(5))
    assert isinstance(result, PointsError)
    assert result.params["text"] == "x" * 19 + "…"


@given(
    text=st.text(),
    maximum=st.sampled_from([D("0.5"), D(1), D("4.5"), D(5), D(30)]),
)
def test_parse_points_never_raises_and_stays_in_range(text: str, maximum: Decimal) -> None:
    """On any text, parse_points returns an error or a half-step value in [0, maximum]."""
    result = parse_points(text, maximum)
    if isinstance(result, Decimal):
        assert D(0) <= result <= maximum
        assert scorecard.is_half_step(result)
    else:
        assert isinstance(result, PointsError)
        assert result.render(identity)


@given(halves=st.integers(min_value=0, max_value=60))
def test_points_text_reads_back(halves: int) -> None:
    """Whatever points_text writes, parse_points reads back to the same value."""
    value = D(halves) / 2
    assert parse_points(points_text(value), D(30)) == value


# --- Suggestions: duration --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "minimum", "points"),
    [
        (90, 90, 5),  # exact
        (130, 90, 5),  # longer is fine
        (80, 90, 4),  # 10 short
        (75, 90, 4),  # 15 short: still "≤15"
        (74, 90, 3),  # 16 short
        (70, 90, 3),  # 20 short
        (60, 90, 3),  # 30 short: still "15–30"
        (59, 90, 2),  # 31 short, more than half held
        (45, 90, 2),  # 45 short: exactly half the time
        (44, 90, 1),  # under half
        (0, 90, 1),
        (120, 120, 5),
        (105, 120, 4),  # 15 short of 120
        (104, 120, 3),
        (90, 120, 3),  # 30 short of 120
        (89, 120, 2),
        (60, 120, 2),  # half of 120
        (59, 120, 1),
    ],
)
def test_duration_bands(minutes: int, minimum: int, points: int) -> None:
    """Duration: met 5; short ≤15 min 4; 16–30 3; more but ≥ half the minimum 2; under half 1."""
    assert duration_points(minutes, minimum) == points


def test_duration_suggestion_shows_length_and_shortfall() -> None:
    """The duration pre-fill says how long the meeting was and how much was missing."""
    made = suggest(default_card(), evidence(duration_minutes=70))["1"]
    assert (made.code, made.points, made.reason) == ("1", D(3), scorecard.M_DURATION_SHORT)
    assert made.render(identity) == "Họp 70 phút, thiếu 20 phút so với 90 phút."
    met = suggest(default_card(), evidence(duration_minutes=125, minimum_minutes=120))["1"]
    assert (met.points, met.render(identity)) == (D(5), "Họp 125 phút, đủ 120 phút.")


def test_no_duration_suggestion_before_the_meeting_ended() -> None:
    """A meeting without an end time gets no duration pre-fill."""
    assert "1" not in suggest(default_card(), evidence(duration_minutes=None))


def test_negative_duration_is_shown_as_zero() -> None:
    """A clock set back mid-meeting gives 0 minutes and the lowest band, not "-5 phút"."""
    made = suggest(default_card(), evidence(duration_minutes=-5))["1"]
    assert made.points == 1
    assert made.params["minutes"] == "0"


# --- Suggestions: attendance and the streak bonus ---------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "unexcused", "points"),
    [
        ("1", False, 4),
        ("0.9", False, 4),
        ("0.899", False, 3),
        ("0.75", False, 3),
        ("0.749", False, 2),
        ("0.65", False, 2),
        ("0.649", False, 1),
        ("0", False, 1),
        ("1", True, 1),  # any unexcused absence forces 1
        ("0.8", True, 1),
    ],
)
def test_attendance_bands(ratio: str, unexcused: bool, points: int) -> None:
    """Attendance: ≥90% 4; 75–<90% 3; 65–<75% 2; <65% or any unexcused absence 1."""
    assert attendance_points(D(ratio), unexcused) == points


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [("0.899", "89%"), ("0.9", "90%"), ("1", "100%"), ("0.6499", "64%"), ("0", "0%")],
)
def test_percent_is_rounded_down_to_stay_in_its_band(ratio: str, shown: str) -> None:
    """89.9% is shown as 89%, never as a 90% that would belong to the band above."""
    assert percent_text(D(ratio)) == shown


def test_attendance_suggestion_shows_ratio_and_unexcused() -> None:
    """The attendance pre-fill shows the share present and whether anyone was unexcused."""
    clean = suggest(default_card(), evidence(attendance_ratio=D("0.92")))["2.1"]
    assert (clean.points, clean.render(identity)) == (
        D(4),
        "Dự họp 92%, không ai vắng không lý do.",
    )
    bad = suggest(default_card(), evidence(attendance_ratio=D("0.92"), any_unexcused=True))
    assert (bad["2.1"].points, bad["2.1"].render(identity)) == (
        D(1),
        "Dự họp 92%, có người vắng không lý do.",
    )


def test_streak_bonus_is_its_own_criterion() -> None:
    """The +1 for no one excused >3 times in a row is criterion 2.2: 1 if so, else 0."""
    assert suggest(default_card(), evidence())["2.2"].points == 1
    broken = suggest(default_card(), evidence(no_long_excuse_streak=False))["2.2"]
    assert broken.points == 0
    assert broken.reason == scorecard.M_STREAK_FOUND
    group_2 = suggest(default_card(), evidence(attendance_ratio=D("0.9")))
    assert group_2["2.1"].points + group_2["2.2"].points == 5


def test_unknown_attendance_gets_no_attendance_or_streak_suggestion() -> None:
    """Before the roll-call closes (ratio unknown) neither 2.1 nor 2.2 is pre-filled."""
    made = suggest(default_card(), evidence(attendance_ratio=None, any_unexcused=True))
    assert "2.1" not in made
    assert "2.2" not in made
    assert set(made) == {"1", "3.4"}


# --- Suggestions: notice ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "cadre", "points", "reason"),
    [
        (True, True, 1, scorecard.M_NOTICE_BOTH),
        (True, False, 0, scorecard.M_NOTICE_NO_CADRE),
        (False, True, 0, scorecard.M_NOTICE_NO_MEMBERS),
        (False, False, 0, scorecard.M_NOTICE_NONE),
    ],
)
def test_notice_point_needs_both_members_and_cadre(
    members: bool, cadre: bool, points: int, reason: str
) -> None:
    """Criterion 3.4 gets its 1 point only when members and the cadre were both notified."""
    made = suggest(
        default_card(), evidence(notice_sent_to_members=members, notice_sent_to_cadre=cadre)
    )["3.4"]
    assert (made.points, made.reason) == (D(points), reason)


def test_only_known_criteria_are_suggested() -> None:
    """With all evidence known, exactly the four known criteria are pre-filled."""
    made = suggest(default_card(), evidence())
    assert set(made) == {"1", "2.1", "2.2", "3.4"}
    assert all(s.code == code for code, s in made.items())
    for code, made_one in made.items():
        criterion = default_card().criterion(code)
        assert criterion is not None
        assert D(0) <= made_one.points <= criterion.max_points


@pytest.mark.parametrize(
    ("ratio", "unexcused", "points"),
    [("0.95", False, "10"), ("0.8", False, "7.5"), ("0.7", False, "5"), ("0.5", False, "2.5")],
)
def test_suggestion_scales_to_another_cards_maximum(
    ratio: str, unexcused: bool, points: str
) -> None:
    """On a card weighing attendance at 10, the 4/3/2/1 bands become 10/7,5/5/2,5."""
    card = load_card(SMALL)
    assert isinstance(card, Card)
    made = suggest(card, evidence(attendance_ratio=D(ratio), any_unexcused=unexcused))
    assert set(made) == {"A.1"}
    assert made["A.1"].points == D(points)


# --- Totals and grades ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "Tốt"),
        ("90", "Tốt"),
        ("89.5", "Khá"),
        ("70", "Khá"),
        ("69.5", "Trung bình"),
        ("50", "Trung bình"),
        ("49.5", "Kém"),
        ("0", "Kém"),
    ],
)
def test_grade_thresholds_out_of_100(score: str, grade: str) -> None:
    """Tốt ≥90, Khá 70–<90, Trung bình 50–<70, Kém <50."""
    assert default_card().grade(D(score)).name == grade


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("95", "Tốt"),  # a perfect meeting without a thematic part
        ("94", "Tốt"),  # 94 × 100 / 95 ≈ 98,9
        ("85.5", "Tốt"),  # exactly 90 after re-basing
        ("85", "Khá"),  # ≈ 89,5
        ("66.5", "Khá"),  # exactly 70
        ("66", "Trung bình"),  # ≈ 69,5
        ("47.5", "Trung bình"),  # exactly 50
        ("47", "Kém"),  # ≈ 49,5
    ],
)
def test_grade_is_rebased_out_of_95_without_a_thematic_part(score: str, grade: str) -> None:
    """Out of 95, the total is scaled by 100/95 before the thresholds, exactly at the edges."""
    assert default_card().grade(D(score), D(95)).name == grade


def test_grade_refuses_a_zero_maximum() -> None:
    """A maximum of 0 is a bug, not a grade."""
    with pytest.raises(ValueError, match="positive"):
        default_card().grade(D(0), D(0))


def test_perfect_meeting_is_tot_with_or_without_a_thematic_part() -> None:
    """Full marks give 100 (Tốt) with a thematic part and 95 (still Tốt) without."""
    card = default_card()
    points = full_marks(card)
    assert total(card, points, thematic=True) == 100
    assert total(card, points, thematic=False) == 95
    assert grade_for(card, points, thematic=True).name == "Tốt"
    assert grade_for(card, points, thematic=False).name == "Tốt"


def test_total_ignores_unscored_inapplicable_and_unknown_criteria() -> None:
    """Unscored criteria count 0; 4.3 counts only with a thematic part; stray codes are ignored."""
    card = default_card()
    points = {"1": D(5), "4.3": D(5), "7": D("27"), "9.9": D(1000)}
    assert total(card, points, thematic=True) == 37
    assert total(card, points, thematic=False) == 32


def test_total_refuses_points_outside_a_criterion() -> None:
    """A stored value above the criterion's maximum (or negative) is a bug and raises."""
    with pytest.raises(ValueError, match=r"3\.4"):
        total(default_card(), {"3.4": D(2)}, thematic=False)
    with pytest.raises(ValueError, match=r"3\.4"):
        total(default_card(), {"3.4": D(-1)}, thematic=False)


def test_grade_for_rebases_the_same_points() -> None:
    """85,5 points are Tốt out of 95 (no thematic part) but Khá out of 100 (4.3 scored 0)."""
    card = default_card()
    points = full_marks(card)
    points["7"] = D(24)  # 6 short
    points["5.2"] = D("0.5")  # 3,5 short
    points["4.3"] = D(0)
    assert total(card, points, thematic=False) == D("85.5")
    assert grade_for(card, points, thematic=False).name == "Tốt"
    assert total(card, points, thematic=True) == D("85.5")
    assert grade_for(card, points, thematic=True).name == "Khá"
    points["6.2"] = D("1.5")  # half a point less: 85 of 95 re-bases to ≈ 89,5
    assert grade_for(card, points, thematic=False).name == "Khá"


# --- load_card --------------------------------------------------------------------------------


def test_load_card_reads_a_small_custom_card() -> None:
    """A replacement card: its groups, half points, thematic flag, known kind and grades."""
    card = load_card(SMALL)
    assert isinstance(card, Card)
    assert card.title == "Phiếu thử"
    assert [g.code for g in card.groups] == ["A", "B"]
    assert [(c.code, c.group, c.max_points) for c in card.criteria] == [
        ("A.1", "A", D(10)),
        ("B.1", "B", D("4.5")),
        ("B.2", "B", D("0.5")),
        ("B.3", "B", D(5)),
    ]
    assert card.criterion("A.1").known == "attendance"  # type: ignore[union-attr]
    assert [c.code for c in card.criteria if c.thematic_only] == ["B.2"]
    assert card.max_total == 20
    assert card.applicable_max(thematic=False) == D("19.5")
    assert card.grades == (Grade("Đạt", D(12)), Grade("Chưa đạt", D(0)))


@pytest.mark.parametrize(
    ("score", "thematic", "grade"),
    [
        ("12", True, "Đạt"),
        ("11.5", True, "Chưa đạt"),
        ("12", False, "Đạt"),  # 12 × 20 / 19,5 ≈ 12,3
        ("11.5", False, "Chưa đạt"),  # ≈ 11,8
    ],
)
def test_small_card_grades_rebase_too(score: str, thematic: bool, grade: str) -> None:
    """Re-basing works on any card: out of 19,5, thresholds are scaled by 20/19,5."""
    card = load_card(SMALL)
    assert isinstance(card, Card)
    assert card.grade(D(score), card.applicable_max(thematic)).name == grade


def test_the_shipped_file_loads_through_load_card() -> None:
    """The default TOML passes the same checks an admin's file does."""
    assert load_card(DEFAULT_TOML) == default_card()


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """A file saved by Windows Notepad (UTF-8 with BOM) loads."""
    path = tmp_path / "card.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL.read_bytes())
    assert isinstance(load_card(path), Card)


def _small_with(old: str, new: str) -> str:
    text = SMALL.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "message", "params"),
    [
        (
            'code = "B.3"\ntext = "Kết luận rõ ràng"\npoints = 5',
            'code = "B.3"\ntext = "Kết luận rõ ràng"\npoints = 4',
            scorecard.M_CARD_GROUP_SUM,
            {"code": "B", "sum": "9", "max": "10"},
        ),
        ('code = "B.3"', 'code = "A.1"', scorecard.M_CARD_DUPLICATE_CODE, {"code": "A.1"}),
        ('code = "B"', 'code = "A"', scorecard.M_CARD_DUPLICATE_CODE, {"code": "A"}),
        ('code = "B.3"', 'code = "B 3"', scorecard.M_CARD_BAD_CODE, None),
        (
            "thematic_only = true",
            "thematic = true",
            scorecard.M_CARD_UNKNOWN_KEY,
            {"key": "groups[2].criteria[2].thematic"},
        ),
        (
            "thematic_only = true",
            'thematic_only = "yes"',
            scorecard.M_CARD_NOT_FLAG,
            None,
        ),
        (
            "points = 4.5",
            "points = 4.25",
            scorecard.M_CARD_NOT_POINTS,
            {"key": "groups[2].criteria[1].points", "value": "4.25"},
        ),
        ("points = 4.5", "points = true", scorecard.M_CARD_NOT_POINTS, None),
        ("points = 4.5", 'points = "4,5"', scorecard.M_CARD_NOT_POINTS, None),
        ("points = 4.5", "points = inf", scorecard.M_CARD_NOT_POINTS, None),
        ("points = 4.5", "points = -4.5", scorecard.M_CARD_NOT_POINTS, None),
        ("points = 0.5", "points = 0", scorecard.M_CARD_NOT_POINTS, None),
        ("points = 10", "points = 10000", scorecard.M_CARD_NOT_POINTS, None),
        ('known = "attendance"', 'known = "weather"', scorecard.M_CARD_BAD_KNOWN, None),
        ('known = "attendance"', "known = 1", scorecard.M_CARD_BAD_KNOWN, None),
        (
            "points = 5\n",
            'points = 5\nknown = "attendance"\n',
            scorecard.M_CARD_DUPLICATE_KNOWN,
            {"known": "attendance", "first": "A.1", "second": "B.3"},
        ),
        ('title = "Phiếu thử"', "", scorecard.M_CARD_MISSING_KEY, {"key": "title"}),
        ('title = "Phiếu thử"', 'title = "  "', scorecard.M_CARD_NOT_TEXT, {"key": "title"}),
        (
            'title = "Nội dung"',
            "",
            scorecard.M_CARD_MISSING_KEY,
            {"key": "groups[2].title"},
        ),
        ("minimum = 12", "minimum = 0", scorecard.M_CARD_GRADE_ORDER, None),
        ("minimum = 12", "minimum = 25", scorecard.M_CARD_GRADE_TOO_HIGH, None),
        ("minimum = 0", "minimum = 5", scorecard.M_CARD_LOWEST_GRADE, {"minimum": "5"}),
        ('name = "Chưa đạt"', 'name = "Đạt"', scorecard.M_CARD_DUPLICATE_GRADE, None),
        ("minimum = 12", "minimum = 12.5", None, None),  # a half-point threshold is fine
    ],
)
def test_load_card_refuses_a_broken_card(
    tmp_path: Path, old: str, new: str, message: str | None, params: dict[str, str] | None
) -> None:
    """Each mistake an admin can make gives a CardError naming it (the last row is valid)."""
    path = tmp_path / "card.toml"
    path.write_text(_small_with(old, new), encoding="utf-8")
    result = load_card(path)
    if message is None:
        assert isinstance(result, Card)
        return
    assert isinstance(result, CardError)
    assert result.message == message
    if params is not None:
        assert dict(result.params) == params
    assert result.render(identity)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('title = "x"\ngroups = []\n', scorecard.M_CARD_NOT_TABLES),
        ('title = "x"\ngroups = [1, 2]\n', scorecard.M_CARD_NOT_TABLES),
        ('title = "x"\n', scorecard.M_CARD_MISSING_KEY),
        (
            'title = "x"\n[[groups]]\ncode = "1"\ntitle = "y"\nmax = 1\n',
            scorecard.M_CARD_MISSING_KEY,
        ),
        ('title = "x"\ncolour = "red"\n', scorecard.M_CARD_UNKNOWN_KEY),
        ("title = \n", scorecard.M_CARD_NOT_TOML),
        ("[[groups]\n", scorecard.M_CARD_NOT_TOML),
    ],
)
def test_parse_card_refuses_bad_structure(text: str, message: str) -> None:
    """Missing lists, lists of the wrong thing, stray keys and broken TOML are CardErrors."""
    result = parse_card(text, "card.toml")
    assert isinstance(result, CardError)
    assert result.message == message
    assert result.render(identity)


def test_load_card_missing_file(tmp_path: Path) -> None:
    """A path that does not exist gives a CardError naming it."""
    path = tmp_path / "nowhere.toml"
    result = load_card(path)
    assert isinstance(result, CardError)
    assert (result.message, dict(result.params)) == (scorecard.M_CARD_MISSING, {"path": str(path)})
    assert str(path) in result.render(identity)


def test_load_card_not_toml(tmp_path: Path) -> None:
    """A file that is not TOML (here a CSV) gives a CardError with the parser's reason."""
    path = tmp_path / "card.toml"
    path.write_text("code,text,points\n1,Thời lượng,5\n", encoding="utf-8")
    result = load_card(path)
    assert isinstance(result, CardError)
    assert result.message == scorecard.M_CARD_NOT_TOML
    assert result.params["path"] == str(path)


def test_load_card_not_utf8(tmp_path: Path) -> None:
    """A file in a legacy encoding (not UTF-8) is refused, not misread."""
    path = tmp_path / "card.toml"
    path.write_bytes('title = "Đảng"\n'.encode("cp1258", errors="replace"))
    result = load_card(path)
    assert isinstance(result, CardError)
    assert result.message == scorecard.M_CARD_NOT_TOML


def test_load_card_directory(tmp_path: Path) -> None:
    """A directory given as the card file is an unreadable file, not a crash."""
    result = load_card(tmp_path)
    assert isinstance(result, CardError)
    assert result.message == scorecard.M_CARD_UNREADABLE
