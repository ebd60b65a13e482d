"""Who is who: /start (linking), /trogiup, /ngonngu, /thanhvien, /moi, and a stranger's code."""

from __future__ import annotations

from bot.chat.commands import BY_ACTION, commands_for, not_linked_text
from bot.chat.feature import Feature, Replies, requires, stale
from bot.chat.turn import Turn
from bot.config import LANGUAGES
from bot.domain.access import Action, may
from bot.domain.acts import ChooseLanguage, InviteFor
from bot.domain.invites import LinkOutcome
from bot.domain.models import MemberStatus, Person
from bot.domain.text import fold, shorten
from bot.services import identity, linking
from bot.services.linking import LinkResult
from bot.storage import accounts, people
from bot.views.linking import refused_link_text, stranger_text
from bot.views.people import (
    about_text,
    everyone_linked_text,
    greeting,
    help_text,
    invite_question,
    invite_refused_text,
    invite_text,
    language_chosen_text,
    language_question,
    member_list,
    no_such_member_text,
    transferred_text,
)
from bot.views.reply import Reply, Shape, alert, say

# More choices than this would not fit a phone screen; the secretary types a name instead.
_MAX_CHOICES = 40


async def start(turn: Turn, args: str) -> Replies:
    """/start: link with the code after it (a Telegram deep link, or typed), or greet."""
    if not args.strip():
        if turn.actor is None:
            return [say(stranger_text(turn.t))]
        return [say(greeting(turn.t, turn.actor, just_linked=False))]
    result = await linking.link_account(
        turn.db,
        channel=turn.channel,
        external_id=turn.address,
        code=args,
        language_code=turn.language_code,
        now=turn.now(),
    )
    return await _linked(turn, result)


async def code_typed(turn: Turn, words: str) -> Replies | None:
    """A stranger's text with an invite code in it links their chat (the way in on Zalo)."""
    if turn.actor is not None:
        return None
    result = await linking.link_by_text(
        turn.db, turn.channel, turn.address, words, turn.language_code, turn.now()
    )
    if result.outcome is LinkOutcome.NO_CODE:
        return None  # no code in it: the last reader tells a stranger how to link
    return await _linked(turn, result)


async def _linked(turn: Turn, result: LinkResult) -> Replies:
    """The greeting of a linked person in their language, or why the code did not link."""
    if result.outcome in (LinkOutcome.LINKED, LinkOutcome.ALREADY_LINKED):
        actor = await identity.resolve(turn.db, turn.channel, turn.address)
        assert actor is not None
        t = turn.core.catalogs.pick(actor.person.language, turn.language_code)
        just_linked = result.outcome is LinkOutcome.LINKED
        return [say(greeting(t, actor, just_linked=just_linked))]
    name = result.person.full_name if result.person else ""
    wait = result.retry_at - turn.now() if result.retry_at else None
    return [
        say(
            refused_link_text(
                turn.t, result.outcome, name, wait=wait, tries_left=result.tries_left
            )
        )
    ]


async def show_help(turn: Turn, args: str) -> Replies:
    """/trogiup: what this person can do here; for a stranger, what this is and how to link."""
    t, actor = turn.t, turn.actor
    if actor is None:
        return [say(about_text(t) + "\n\n" + not_linked_text(t))]
    commands = [(c.name(t.lang), c.summary) for c in commands_for(actor)]
    help_command = BY_ACTION[Action.HELP]
    other = help_command.vi if t.lang != "vi" else help_command.en
    return [say(help_text(t, actor, commands, other))]


@requires(Action.LANGUAGE)
async def ask_language(turn: Turn, args: str) -> Replies:
    """/ngonngu: the languages to choose from."""
    return [language_question(turn.t, LANGUAGES)]


async def choose_language(turn: Turn, act: ChooseLanguage) -> Replies:
    """A language picked: stored, and said in it."""
    if act.lang not in LANGUAGES:
        return stale(turn)
    actor = turn.actor
    if actor is None:
        return [alert(not_linked_text(turn.t))]
    async with turn.db.transaction() as conn:
        await people.set_language(conn, actor.person.id, act.lang)
    turn.t = turn.core.catalogs.get(act.lang)
    return [Reply(language_chosen_text(turn.t), shape=Shape.REPLACE)]


@requires(Action.MEMBERS)
async def show_members(turn: Turn, args: str) -> Replies:
    """/thanhvien: the cell's members, the channel each is on, and whom the bot cannot reach."""
    actor = turn.actor
    assert actor is not None
    async with turn.db.transaction() as conn:
        members = await people.in_unit(conn, actor.unit.id)
        found = await accounts.all_of_unit(conn, actor.unit.id)
    return [say(member_list(turn.t, actor.unit, members, found))]


@requires(Action.INVITE)
async def invite(turn: Turn, args: str) -> Replies:
    """/moi: a code for the person named, or the unlinked members to choose from."""
    actor, t = turn.actor, turn.t
    assert actor is not None
    async with turn.db.transaction() as conn:
        members = await people.in_unit(conn, actor.unit.id)
        linked = await accounts.all_of_unit(conn, actor.unit.id)
    waiting = [
        p for p in members if p.id not in linked and p.status is not MemberStatus.TRANSFERRED
    ]
    wanted = fold(args)
    if wanted:
        exact = [p for p in members if fold(p.full_name) == wanted]
        matches = exact or [p for p in members if wanted in fold(p.full_name)]
        if not matches:
            return [say(no_such_member_text(t, shorten(args), actor.unit))]
        if len(matches) == 1:
            return await _issue(turn, matches[0])
        waiting = [p for p in matches if p.id not in linked]
    if not waiting:
        return [say(everyone_linked_text(t, actor.unit))]
    return [invite_question(t, waiting[:_MAX_CHOICES])]


async def invite_for(turn: Turn, act: InviteFor) -> Replies:
    """A member picked after /moi: checked again, for this very person, before issuing."""
    async with turn.db.transaction() as conn:
        person = await people.get(conn, act.person)
    if person is None or not may(turn.actor, Action.INVITE, person.unit_id):
        # Not their cell, or a forged choice: say so and change nothing.
        return [alert(invite_refused_text(turn.t))]
    return await _issue(turn, person)


async def _issue(turn: Turn, person: Person) -> Replies:
    """A fresh code for the person (any older open one stops working), shown both ways."""
    t = turn.t
    if person.status is MemberStatus.TRANSFERRED:
        return [say(transferred_text(t, person))]
    async with turn.db.transaction() as conn:
        linked_on = [a.channel for a in await accounts.all_of_person(conn, person.id)]
    now = turn.now()
    code = await linking.issue_invite(
        turn.db,
        person.id,
        now=now,
        valid_days=turn.core.config.invites.valid_days,
        actor=turn.who,
    )
    expires_on = code.expires_at.astimezone(turn.core.rules.tz).date()
    text = invite_text(
        t,
        person,
        code.code,
        expires_on,
        link=turn.core.invite_link(code.code),
        chat_url=turn.core.config.zalo.bot_url,
        on_zalo=turn.core.config.zalo.enabled,
        linked_on=sorted(linked_on),
    )
    return [say(text)]


FEATURE = Feature(
    commands={
        "start": start,
        "trogiup": show_help,
        "help": show_help,
        "ngonngu": ask_language,
        "language": ask_language,
        "thanhvien": show_members,
        "members": show_members,
        "moi": invite,
        "invite": invite,
    },
    acts={ChooseLanguage: choose_language, InviteFor: invite_for},
    texts=(code_typed,),
)
