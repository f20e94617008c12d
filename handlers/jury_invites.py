"""The organizers' Jury screen and joining a jury (see jury.mmd).

The Jury button on a contest card (`ct:jury:<c>`) shows, in place of the card (Back returns
to it), the jurors' progress, the conflicts and how many invitations are open; it mints
nothing. Its buttons:
`jy:new:<c>` mints one one-time invite link; `jy:rm:<c>:<seat>` asks to remove a
juror (`seat` is the jurors row's id, never a Telegram id), `jy:rmy:<c>:<seat>`
removes them, `jy:no:<c>` drops the question. /start jury_<token> joins.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.core.context import AppContext
from bot.core.i18n import N_, Translator
from bot.services.contests import ContestNotFound, contest_title
from bot.services.jury import JuryError
from bot.services.jury_invites import (
    JurorNotFound,
    join_jury,
    juror_seat,
    jury_screen,
    new_invite,
    remove_juror,
)
from handlers import guards
from handlers import jury_screens as screens
from handlers.common import (
    Context,
    chat_of,
    chunks,
    ctx_of,
    query_data,
    query_of,
    reader,
    replace_message,
    sender_of,
)
from storage.models import User

_ID = r"\d{1,9}"
_DATA = re.compile(rf"^jy:(new|no):({_ID})$|^jy:(rm|rmy):({_ID}):({_ID})$")
GONE = N_("This contest no longer exists.")
OUT_OF_DATE = N_("This button is out of date: the contest no longer exists or has changed.")


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(jury_overview, pattern=rf"^ct:jury:{_ID}$"))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^jy:"))


async def jury_overview(update: Update, context: Context) -> None:
    """Jury button on a contest card: jurors' progress and conflicts, no invite minted."""
    contest_id = int(query_data(update).split(":")[2])
    allowed = await guards.contest_organizer(update, context, contest_id)
    if allowed is None:
        return
    _user, t = allowed
    app = ctx_of(context)
    try:
        screen = await app.read(jury_screen, contest_id, app.clock.now())
    except ContestNotFound:
        await _alert(update, t.gettext(GONE))
        return
    await query_of(update).answer()
    parts = chunks(screens.overview_text(t, screen.overview, screen.open_invites))
    markup = screens.overview_keyboard(t, screen.overview)
    if len(parts) == 1:
        # In place of the card, as a card replaces the list: pressing Jury again does not
        # send the whole overview once more, and Back returns to the card.
        await replace_message(update, parts[0], markup)
        return
    for part in parts[:-1]:
        await chat_of(update).send_message(part)
    await chat_of(update).send_message(parts[-1], reply_markup=markup)


async def on_button(update: Update, context: Context) -> None:
    """A `jy:*` press: an organizer's of the contest's library, checked again on each press."""
    match = _DATA.match(query_data(update))
    if match is None:
        user, t = await reader(update, context)
        await _alert(update, t.gettext(OUT_OF_DATE))
        return
    contest_id = int(match[2] or match[4])
    allowed = await guards.contest_organizer(update, context, contest_id)
    if allowed is None:
        return
    user, t = allowed
    app = ctx_of(context)
    action = match[1] or match[3]
    seat_id = int(match[5]) if match[5] else 0
    try:
        if action == "new":
            await _new_invite(update, context, t, user, contest_id)
        elif action == "rm":
            await _removal_asked(update, t, app, contest_id, seat_id)
        elif action == "rmy":
            await _removal_confirmed(update, t, app, contest_id, seat_id)
        else:
            await query_of(update).answer()
            await query_of(update).edit_message_text(t.gettext("Nothing changed."))
    except ContestNotFound:
        await _alert(update, t.gettext(GONE))
    except JurorNotFound:
        await _alert(update, t.gettext(OUT_OF_DATE))
    except JuryError as refusal:
        await _alert(update, refusal.render(t))


async def _new_invite(update: Update, context: Context, t: Translator, user: User,
                      contest_id: int) -> None:
    """One one-time link; the ones handed out before stay valid."""
    app = ctx_of(context)
    invite = await app.call(new_invite, contest_id, user.id, app.clock.now())
    await query_of(update).answer()
    link = f"https://t.me/{context.bot.username}?start=jury_{invite.token}"
    await chat_of(update).send_message(screens.invite_text(
        t, invite.contest, link, invite.expires_at, user.timezone or invite.contest.timezone))


async def _removal_asked(update: Update, t: Translator, app: AppContext, contest_id: int,
                         seat_id: int) -> None:
    seat = await app.read(juror_seat, contest_id, seat_id)
    if seat.contest.frozen_at is not None:
        await _alert(update, t.gettext(screens.JURY_LOCKED))
        return
    if seat.removed:
        await _alert(update, t.gettext("This juror has already been removed."))
        return
    await query_of(update).answer()
    text, markup = screens.removal_question(t, seat)
    await chat_of(update).send_message(text, reply_markup=markup)


async def _removal_confirmed(update: Update, t: Translator, app: AppContext, contest_id: int,
                             seat_id: int) -> None:
    seat = await app.call(remove_juror, contest_id, seat_id, app.clock.now())
    await query_of(update).answer()
    await query_of(update).edit_message_text(screens.removed_text(t, seat))


async def join_by_link(update: Update, context: Context, token: str) -> None:
    """/start jury_<token>: join the jury, or hear that the invitation is not valid."""
    user, t = await reader(update, context)
    app = ctx_of(context)
    try:
        joined = await app.call(join_jury, token, user.id, app.clock.now(),
                                sender_of(update).full_name)
    except JuryError as error:  # InviteInvalid, or JuryLocked for a removed juror once frozen
        await chat_of(update).send_message(error.render(t))
        return
    title = contest_title(joined.contest, t.language)
    text = (t.gettext("You are already on the jury of «{title}». Send /jury to score the entries.")
            if joined.already else
            t.gettext("Welcome to the jury of «{title}»! Send /jury to see the entries and score "
                      "them."))
    await chat_of(update).send_message(text.format(title=title))


async def _alert(update: Update, text: str) -> None:
    await query_of(update).answer(text, show_alert=True)
