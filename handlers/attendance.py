"""Who came: the reader's Join button (the link is given on the press, so the press is
seen) and the organizer's sheet, where registrants are marked as came or not.

Buttons carry the event id (and the sheet's the registration and the page), so a
press on an old message still works.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.core.i18n import Translator
from bot.services import attendance
from bot.services.attendance import JoinOutcome, JoinResult, MarkResult, Sheet, SheetUnavailable
from bot.services.catalog import event_title
from handlers import events, guards
from handlers.common import (
    Context,
    answer,
    callback_number,
    ctx_of,
    keyboard,
    no_longer_valid,
    query_data,
    query_of,
    reader,
    reader_zone,
    replace_message,
    stale_button,
)
from storage.models import User

JOIN_PREFIX = "att:join:"
# `show` (under the registrants list) sends the sheet anew; `list` (its own pages) redraws it.
SHEET = re.compile(r"^att:(show|list):(\d{1,9})(?::(\d{1,4}))?$")
MARK = re.compile(r"^att:(on|off):(\d{1,9}):(\d{1,9}):(\d{1,4})$")
NAME_LENGTH = 40


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(join_pressed, pattern=r"^att:join:"))
    app.add_handler(CallbackQueryHandler(sheet_pressed, pattern=r"^att:(show|list):"))
    app.add_handler(CallbackQueryHandler(mark_pressed, pattern=r"^att:(on|off):"))


def show_sheet_data(event_id: int) -> str:
    return f"att:show:{event_id}"


def sheet_data(event_id: int, page: int) -> str:
    return f"att:list:{event_id}:{page}"


# --- the reader's Join ---------------------------------------------------------------------


async def join_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    event_id = callback_number(query_data(update), JOIN_PREFIX)
    if event_id is None:
        await no_longer_valid(update, t)
        return
    app = ctx_of(context)
    outcome = await app.call(attendance.join, event_id, user.id, app.clock.now(),
                             app.settings.join_link_lead)
    await _answer_join(update, context, t, user, outcome)


async def _answer_join(update: Update, context: Context, t: Translator, user: User,
                       outcome: JoinOutcome) -> None:
    _ = t.gettext
    query = query_of(update)
    if outcome.result is JoinResult.GONE or outcome.event is None:
        await stale_button(update, t)
    elif outcome.result is JoinResult.GIVEN and outcome.link:
        await query.answer()
        await answer(
            update,
            _("Here is the join link for «{title}»:\n{link}").format(
                title=event_title(outcome.event, user.language), link=outcome.link),
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(_("Open the join link"), url=outcome.link)]]),
        )
    elif outcome.result is JoinResult.NOT_REGISTERED:
        await query.answer(_("You are not registered for this event."))
        await events.show_event_card(update, context, outcome.event.id)
    else:
        await query.answer(_join_refusal(t, user, context, outcome), show_alert=True)


def _join_refusal(t: Translator, user: User, context: Context, outcome: JoinOutcome) -> str:
    """Pop-ups (up to 200 characters), so no title in them: the button's message names it."""
    _ = t.gettext
    if outcome.result is JoinResult.TOO_EARLY and outcome.opens_at is not None:
        # Translators: {time} is a date and time in the reader's time zone.
        return _("It is too early. The join link opens: {time}.").format(
            time=t.datetime(outcome.opens_at, reader_zone(context, user)))
    if outcome.result is JoinResult.OVER:
        return _("This event is over.")
    if outcome.result is JoinResult.CANCELLED:
        return _("This event was cancelled.")
    if outcome.result is JoinResult.WAITLISTED:
        return _("You are on the waiting list: the join link is for registered readers only. "
                 "We will tell you if a seat frees up.")
    return _("The organizers have not added the join link yet.")


# --- the organizer's sheet -----------------------------------------------------------------


async def sheet_pressed(update: Update, context: Context) -> None:
    match = SHEET.match(query_data(update))
    if match is None:
        _user, t = await reader(update, context)
        await no_longer_valid(update, t)
        return
    anew, event_id, page = match.group(1) == "show", int(match.group(2)), int(match.group(3) or 0)
    allowed = await guards.event_organizer(update, context, event_id)
    if allowed is not None:
        await _show_sheet(update, context, allowed[1], event_id, page, anew=anew)


async def mark_pressed(update: Update, context: Context) -> None:
    match = MARK.match(query_data(update))
    if match is None:
        _user, t = await reader(update, context)
        await no_longer_valid(update, t)
        return
    came, event_id = match.group(1) == "on", int(match.group(2))
    registration_id, page = int(match.group(3)), int(match.group(4))
    allowed = await guards.event_organizer(update, context, event_id)
    if allowed is None:
        return
    user, t = allowed
    app = ctx_of(context)
    try:
        outcome = await app.call(attendance.mark, event_id, registration_id, came,
                                 app.clock.now(), app.settings.join_link_lead)
    except SheetUnavailable:
        await stale_button(update, t)
        return
    if outcome.result is MarkResult.TOO_EARLY and outcome.opens_at is not None:
        await query_of(update).answer(t.gettext(
            "It is too early. Marking who came opens: {time}."
        ).format(time=t.datetime(outcome.opens_at, reader_zone(context, user))), show_alert=True)
        return
    await _show_sheet(update, context, t, event_id, page)


async def _show_sheet(update: Update, context: Context, t: Translator, event_id: int,
                      page: int, *, anew: bool = False) -> None:
    app = ctx_of(context)
    try:
        found = await app.read(attendance.sheet, event_id, page, app.clock.now())
    except SheetUnavailable:
        await stale_button(update, t)
        return
    await query_of(update).answer()
    text, markup = render_sheet(t, found)
    if anew:
        await answer(update, text, reply_markup=markup)
    else:
        await replace_message(update, text, markup)


def render_sheet(t: Translator, sheet: Sheet) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    event_id = sheet.event.id
    lines = [_("Who came to «{title}»").format(title=event_title(sheet.event, t.language))]
    if sheet.no_show is None:
        # Translators: counts while the event is ahead or under way.
        lines.append(_("Registered: {registered} · came: {came}").format(
            registered=sheet.registered, came=sheet.came))
    else:
        # Translators: counts once the event is over; no-show: registered and did not come.
        lines.append(_("Registered: {registered} · came: {came} · no-show: {no_show}").format(
            registered=sheet.registered, came=sheet.came, no_show=sheet.no_show))
    if sheet.pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=sheet.page + 1, pages=sheet.pages))
    rows: list[list[tuple[str, str]]] = []
    for number, attendee in enumerate(sheet.attendees, start=sheet.first_number):
        mark = "✅" if attendee.came else "▫️"
        library = f" — {attendee.library}" if attendee.library else ""
        lines.append(f"{number}. {mark} {attendee.name}{library}")
        action = "off" if attendee.came else "on"
        rows.append([(f"{mark} {number}. {_shorten(attendee.name)}",
                      f"att:{action}:{event_id}:{attendee.registration_id}:{sheet.page}")])
    if sheet.attendees:
        lines.append(_("Press a name to mark that they came, or to take the mark back."))
    else:
        lines.append(_("Nobody has registered yet."))
    navigation = []
    if sheet.page > 0:
        navigation.append(("◀", sheet_data(event_id, sheet.page - 1)))
    if sheet.page + 1 < sheet.pages:
        navigation.append(("▶", sheet_data(event_id, sheet.page + 1)))
    if navigation:
        rows.append(navigation)
    rows.append([(_("Refresh"), sheet_data(event_id, sheet.page))])
    return "\n".join(lines), keyboard(rows)


def _shorten(name: str) -> str:
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1].rstrip() + "…"
