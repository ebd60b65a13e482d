"""/diemdanh (/rollcall): one message to take the roll-call, then the end; members' ratings."""

from __future__ import annotations

from datetime import timedelta

from bot.chat import prompts
from bot.chat.commands import not_linked_text, refusal_text
from bot.chat.feature import Feature, Replies, stale
from bot.chat.turn import Turn
from bot.domain.access import Action, may
from bot.domain.acts import Rate
from bot.domain.acts import RollCall as RollCallAct
from bot.domain.meetings import MeetingStatus
from bot.domain.models import Role
from bot.domain.rules import Attendance
from bot.domain.text import fold
from bot.services import meetings, rollcall
from bot.services.rollcall import Closing, Edit, Refusal, RollCall
from bot.storage import people
from bot.views import rollcall as views
from bot.views.reply import Choice, Reply, Shape, alert, say, toast

# The prompt kind for the optional comment after a rating.
COMMENT = "comment"
# The comment follows the rating at once or not at all: later texts are read as usual.
COMMENT_WAITS = timedelta(hours=2)
_MAX_COMMENT = 1000
_DELEGATE_WORDS = ("uyquyen", "delegate")


async def rollcall_command(turn: Turn, args: str) -> Replies:
    """Open or show the roll-call of the meeting under way; or delegate it."""
    t, actor = turn.t, turn.actor
    if actor is None:
        return [say(not_linked_text(t))]
    words = args.split(maxsplit=1)
    if words and fold(words[0]) in _DELEGATE_WORDS:
        return await _delegate(turn, words[1] if len(words) > 1 else "")
    now = turn.now()
    meeting = await rollcall.for_command(turn.db, actor.unit.id, now)
    if meeting is None or not await rollcall.may_take(turn.db, actor, meeting):
        # Say what is going on only to those who take the roll-call, not to every member.
        if meeting is None and may(actor, Action.ROLLCALL, actor.unit.id):
            return [say(t._("Chưa có buổi sinh hoạt nào sắp tới để điểm danh."))]
        return [say(refusal_text(t, Action.ROLLCALL))]
    if meeting.status is MeetingStatus.CANCELLED:
        return [say(views.cancelled_text(t, meeting, actor.unit))]
    shown = await rollcall.open_or_show(turn.db, meeting.id, now)
    if isinstance(shown, Refusal):
        if shown is Refusal.NOT_YET:
            return [
                say(
                    t._(
                        "Chưa đến giờ buổi sinh hoạt nào để điểm danh (mở được từ 30 phút "
                        "trước giờ họp)."
                    )
                )
            ]
        return [say(views.refusal_text(t, shown))]
    return [Reply(*_page(turn, shown, 0))]


async def _delegate(turn: Turn, name: str) -> Replies:
    """/diemdanh uyquyen <họ tên>: a committee member takes the next roll-call."""
    t, actor = turn.t, turn.actor
    assert actor is not None
    if not actor.role.leads_cell:
        return [say(refusal_text(t, Action.ROLLCALL))]
    async with turn.db.transaction() as conn:
        members = await people.in_unit(conn, actor.unit.id)
    chosen = [p for p in members if fold(p.full_name) == fold(name) and p.role is Role.COMMITTEE]
    meeting = await rollcall.next_for_delegation(turn.db, actor.unit.id, turn.now())
    if not chosen or meeting is None:
        return [
            say(
                t._(
                    "Gõ /diemdanh uyquyen kèm họ tên một chi ủy viên, ví dụ: "
                    "/diemdanh uyquyen Vũ Văn Hùng."
                )
            )
        ]
    await rollcall.delegate(turn.db, meeting.id, chosen[0].id)
    return [
        say(
            t._("Đồng chí {name} được điểm danh buổi sinh hoạt sắp tới.").format(
                name=chosen[0].full_name
            )
        )
    ]


def _page(turn: Turn, call: RollCall, page: int) -> tuple[str, tuple[tuple[Choice, ...], ...]]:
    """The text and choices of one page of the roll-call."""
    tz = turn.core.rules.tz
    return views.rollcall_text(turn.t, call, tz, page), views.rollcall_choices(turn.t, call, page)


async def rollcall_picked(turn: Turn, act: RollCallAct) -> Replies:
    """Any choice of the roll-call message: who picks it and the meeting's state and time are
    checked again, and only then does anything change."""
    t, db, now = turn.t, turn.db, turn.now()
    meeting = await meetings.get(db, act.meeting)
    if meeting is None or not await rollcall.may_take(db, turn.actor, meeting):
        return [alert(t._("Chỉ bí thư, phó bí thư hoặc người được ủy quyền mới điểm danh."))]
    refused: Refusal | None = None
    after: Replies = []
    if act.op == "t":
        refused = await rollcall.change(
            db, act.meeting, Edit.TOGGLE, person_id=act.person, now=now
        )
    elif act.op == "all":
        refused = await rollcall.change(db, act.meeting, Edit.ALL_PRESENT, now=now)
    elif act.op == "rk" and act.kind is not None:
        refused = await rollcall.change(
            db, act.meeting, Edit.REASON, person_id=act.person, reason=t._(act.kind.label), now=now
        )
    elif act.op == "close":
        closing = await rollcall.close(db, act.meeting, rules=turn.core.rules, now=now)
        if isinstance(closing, Closing):
            turn.core.wake()  # the rating requests and flags are due
        else:
            refused = closing
    elif act.op == "end":
        ended = await rollcall.end(db, act.meeting, now)
        if isinstance(ended, Refusal):
            refused = ended
        else:
            turn.core.wake()
    if refused is not None:
        return await _refused(turn, act, refused)
    # Paging may open the roll-call (as /diemdanh does); the other views only show it.
    shown = await rollcall.open_or_show(db, act.meeting, now, open_it=act.op == "p")
    if isinstance(shown, Refusal):
        return [alert(views.refusal_text(t, shown))]
    tz = turn.core.rules.tz
    if act.op == "end":
        after = [say(views.minutes_header(t, shown, tz))]
    if act.op in ("rm", "rp") and shown.closed:
        return await _refused(turn, act, Refusal.CLOSED)
    if act.op == "rm":
        return [views.reason_people_reply(t, shown, tz, act.page)]
    if act.op == "rp":
        person = next((p for p in shown.members if p.id == act.person), None)
        if person is None or shown.marks[person.id][0] is Attendance.EXEMPT:
            return await _refused(turn, act, Refusal.NOT_LISTED)
        return [views.reason_kinds_reply(t, shown, tz, person)]
    page = act.page if act.op in ("t", "p", "all") else 0
    return [Reply(*_page(turn, shown, page), shape=Shape.REPLACE), *after]


async def _refused(turn: Turn, act: RollCallAct, refused: Refusal) -> Replies:
    """Say why nothing changed; where the roll-call can still be seen, show it as it stands
    (a stale message is brought up to date)."""
    replies = [alert(views.refusal_text(turn.t, refused))]
    if refused in (Refusal.CLOSED, Refusal.ENDED, Refusal.NOT_CLOSED, Refusal.NOT_LISTED):
        shown = await rollcall.open_or_show(turn.db, act.meeting, turn.now(), open_it=False)
        if not isinstance(shown, Refusal):
            page = act.page if act.op in ("t", "p", "all") else 0
            replies.append(Reply(*_page(turn, shown, page), shape=Shape.REPLACE))
    return replies


async def rate_picked(turn: Turn, act: Rate) -> Replies:
    """Tốt / Khá / Trung bình / Kém: stored (a second pick replaces it), then the comment is
    asked for."""
    t, actor = turn.t, turn.actor
    if act.rating not in views.RATINGS:
        return stale(turn)
    if actor is None or not await rollcall.rate(
        turn.db, act.meeting, actor.person.id, act.rating, None, turn.now()
    ):
        return [alert(views.may_not_rate_text(t))]
    await prompts.expect(turn, COMMENT, act.meeting, waits=COMMENT_WAITS)
    return [
        toast(views.rated_text(t, act.rating)),
        Reply(views.comment_prompt_text(t), asks_text=True),
    ]


async def comment_given(turn: Turn, meeting_id: int, text: str) -> Replies:
    """The text after a rating: the comment on that meeting."""
    t, actor = turn.t, turn.actor
    await prompts.done(turn)
    if actor is None:
        return [say(not_linked_text(t))]
    if not await rollcall.comment(
        turn.db, meeting_id, actor.person.id, text[:_MAX_COMMENT], turn.now()
    ):
        return [say(views.may_not_rate_text(t))]
    return [say(t._("Đã ghi góp ý của đồng chí. Cảm ơn đồng chí."))]


FEATURE = Feature(
    commands={"diemdanh": rollcall_command, "rollcall": rollcall_command},
    acts={RollCallAct: rollcall_picked, Rate: rate_picked},
    prompts={COMMENT: comment_given},
)
