"""Register, the waiting list, cancelling, and /my.

A reader without a profile never gets here from a card: the profile
conversation (handlers.profile) takes the Register button first, asks the
questions, then calls `register_after_profile`.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import Translator
from bot.files.ics import event_calendar, ics_filename
from bot.messages.notices import CHECKIN_HINT, join_data, own_zone_known
from bot.services.catalog import MyEntry, event_title, my_events
from bot.services.registration import (
    ALREADY_REGISTERED,
    ALREADY_WAITLISTED,
    REGISTERED,
    EventFull,
    EventUnavailable,
    NotRegistered,
    ProfileRequired,
    RegistrationOutcome,
    cancel_reader,
    register_reader,
)
from handlers import fitting
from handlers.common import (
    Context,
    answer,
    arrived_at,
    callback_number,
    chat_of,
    ctx_of,
    keyboard,
    no_longer_valid,
    own_zone,
    query_data,
    query_of,
    reader,
    reader_zone,
    replace_message,
    stale_button,
)
from handlers.events import answered_and_replaced, refresh_card
from storage.models import RegistrationStatus, User

log = logging.getLogger(__name__)

REGISTER_DATA = re.compile(r"^ev:(reg|wait):(\d{1,9})$")
# From /my, the page the button was on comes back too, so that the page is redrawn;
# ":yes" is the answer to "Cancel your registration for …?", which /my asks first.
CANCEL_DATA = re.compile(r"^reg:cancel:(\d{1,9})(?:(:my)(?::(\d{1,4}))?(:yes)?)?$")
BUTTON_TITLE_LENGTH = 40
# Registrations per /my page: five of the longest (a 200-character title, a 500-character
# join link) still fit in one message of 4096 characters.
MY_PAGE_SIZE = 5


def register(app: Application) -> None:
    # Reached when a reader is in the middle of the profile questions (the
    # profile conversation takes these buttons otherwise).
    app.add_handler(CallbackQueryHandler(register_pressed, pattern=r"^ev:(reg|wait):"))
    app.add_handler(CallbackQueryHandler(cancel_pressed, pattern=r"^reg:cancel:"))
    app.add_handler(CommandHandler("my", show_my))
    app.add_handler(CallbackQueryHandler(my_page_pressed, pattern=r"^my:page:"))


def parse_register_data(data: str | None) -> tuple[int, bool] | None:
    """(event id, waiting list wanted) from `ev:reg:<id>` / `ev:wait:<id>`; None if forged."""
    match = REGISTER_DATA.match(data or "")
    return (int(match.group(2)), match.group(1) == "wait") if match else None


async def register_pressed(update: Update, context: Context) -> None:
    pressed_at = arrived_at(update, context)  # press order is waiting-list order
    user, t = await reader(update, context)
    query = query_of(update)
    parsed = parse_register_data(query.data)
    if parsed is None:
        await stale_button(update, t)
        return
    event_id, waitlist = parsed
    try:
        outcome = await ctx_of(context).call(
            register_reader, event_id, user.id, pressed_at, waitlist=waitlist
        )
    except EventUnavailable:
        await stale_button(update, t)
        return
    except ProfileRequired:
        await query.answer(t.gettext(
            "Please answer the profile questions first, or send /cancel to stop them."
        ), show_alert=True)
        return
    except EventFull:
        # The card itself changes to offer the waiting list: no new message, which under
        # a rush of readers would queue behind Telegram's 30 a second.
        await query.answer(t.gettext(
            "All seats are taken. Press «Join the waiting list» on the card: when a seat "
            "frees up, it goes to the first in line automatically."
        ), show_alert=True)
        await refresh_card(update, context, event_id)
        return
    await query.answer()
    await refresh_card(update, context, event_id)
    await _report(update, context, t, user, outcome)


async def register_after_profile(
    update: Update, context: Context, event_id: int, waitlist: bool
) -> None:
    """Complete the registration a reader asked for before answering the profile questions."""
    user, t = await reader(update, context)
    app = ctx_of(context)
    try:
        outcome = await app.call(
            register_reader, event_id, user.id, app.clock.now(), waitlist=waitlist
        )
    except EventUnavailable:
        await answer(update, t.gettext(
            "Sorry, this event is no longer available: it was cancelled or has already "
            "started. Send /events to see upcoming ones."
        ))
        return
    except EventFull as full:
        await _offer_waitlist(update, t, full, user)
        return
    await _report(update, context, t, user, outcome)


async def _offer_waitlist(update: Update, t: Translator, full: EventFull, user: User) -> None:
    _ = t.gettext
    title = event_title(full.event, user.language)
    await answer(
        update,
        _(
            "All seats for «{title}» are taken. Would you like to join the waiting list? "
            "When a seat frees up, it goes to the first in line automatically."
        ).format(title=title),
        reply_markup=keyboard([[(_("Join the waiting list"), f"ev:wait:{full.event.id}")]]),
    )


async def _report(
    update: Update, context: Context, t: Translator, user: User, outcome: RegistrationOutcome
) -> None:
    _ = t.gettext
    event = outcome.event
    title = event_title(event, user.language)
    if outcome.status == REGISTERED:
        when = t.moment_in(event.starts_at, reader_zone(context, user),
                           yours=own_zone_known(user))
        if event.address:
            text = _(
                "You are registered for «{title}».\n"
                "Starts: {when}.\nWhere: {address}\n\n"
                "We will remind you before the start. At the door, scan the check-in QR code "
                "with your phone's camera. The file below adds the event to your calendar."
            ).format(title=title, when=when, address=event.address)
        else:
            text = _(
                "You are registered for «{title}».\n"
                "Starts: {when}.\n\n"
                "We will remind you before the start. The join link will appear in /my shortly "
                "before the start. The file below adds the event to your calendar."
            ).format(title=title, when=when)
        await answer(update, "✅ " + text)
        app = ctx_of(context)
        calendar = event_calendar(event, user.language, context.bot.username, app.clock.now())
        await chat_of(update).send_document(
            document=calendar, filename=ics_filename(event.id)
        )
    elif outcome.status == ALREADY_REGISTERED:
        await answer(update, _("You are already registered for «{title}». See /my.").format(
            title=title
        ))
    elif outcome.status == ALREADY_WAITLISTED:
        await answer(update, _(
            "You are already on the waiting list for «{title}»: number {position}."
        ).format(title=title, position=outcome.position_in_waitlist))
    else:
        await answer(update, _(
            "The event «{title}» is full, so you are on the waiting list: number {position}. "
            "When a seat frees up, it is yours automatically and we will tell you."
        ).format(title=title, position=outcome.position_in_waitlist))


async def cancel_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    _ = t.gettext
    query = query_of(update)
    match = CANCEL_DATA.match(query.data or "")
    if match is None:
        await stale_button(update, t)
        return
    event_id, from_my = int(match.group(1)), match.group(2) is not None
    page = int(match.group(3) or 0)
    if from_my and match.group(4) is None:
        # A press among several Cancel buttons in /my is easily a slip: asked first.
        await _ask_to_cancel(update, context, user, t, event_id, page)
        return
    app = ctx_of(context)
    try:
        cancellation = await app.call(cancel_reader, event_id, user.id, app.clock.now())
    except EventUnavailable:
        await stale_button(update, t)
        return
    except NotRegistered:
        await query.answer(_("You are not registered for this event."), show_alert=True)
        return
    if cancellation.promoted:
        log.info("event %s: promoted %d from the waiting list", event_id,
                 len(cancellation.promoted))
    await query.answer()
    if from_my:
        await replace_message(update, *await _render_my(context, user, t, page))
    else:
        await refresh_card(update, context, event_id)
    title = event_title(cancellation.event, user.language)
    if cancellation.previous == RegistrationStatus.WAITLISTED:
        await answer(update, _("You have left the waiting list for «{title}».").format(title=title))
    else:
        await answer(update, _("Your registration for «{title}» is cancelled.").format(title=title))


async def _ask_to_cancel(
    update: Update, context: Context, user: User, t: Translator, event_id: int, page: int
) -> None:
    """/my's page becomes the question; "No" draws the page again, as it was."""
    _ = t.gettext
    app = ctx_of(context)
    entries = await app.read(
        my_events, user.id, user.language, reader_zone(context, user), app.clock.now(),
        app.settings.join_link_lead,
    )
    entry = next((e for e in entries if e.event_id == event_id and not e.started), None)
    if entry is None:
        await query_of(update).answer(_("You are not registered for this event."),
                                      show_alert=True)
        await replace_message(update, *await _render_my(context, user, t, page))
        return
    if entry.status == RegistrationStatus.WAITLISTED:
        question = _("Leave the waiting list for «{title}»?")
        # Translators: buttons under "Leave the waiting list for «…»?" in /my.
        yes, no = _("Yes, leave it"), _("No, stay on it")
    else:
        question = _("Cancel your registration for «{title}»?")
        # Translators: buttons under "Cancel your registration for «…»?" in /my.
        yes, no = _("Yes, cancel"), _("No, keep it")
    markup = keyboard([[(yes, f"reg:cancel:{event_id}:my:{page}:yes")],
                       [(no, f"my:page:{page}")]])
    await answered_and_replaced(update, question.format(title=entry.title), markup)


async def show_my(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    text, markup = await _render_my(context, user, t, 0)
    await answer(update, text, reply_markup=markup)


async def my_page_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    page = callback_number(query_data(update), "my:page:")
    if page is None:
        await no_longer_valid(update, t)
        return
    await answered_and_replaced(update, *await _render_my(context, user, t, page))


async def _render_my(
    context: Context, user: User, t: Translator, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the reader's registrations; a page past the end (the list shrank)
    shows the last one."""
    _ = t.gettext
    app = ctx_of(context)
    entries = await app.read(
        my_events, user.id, user.language, reader_zone(context, user), app.clock.now(),
        app.settings.join_link_lead,
    )
    if not entries:
        return _("You have no registrations yet. Send /events to find an event."), None
    pages = -(-len(entries) // MY_PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    first = page * MY_PAGE_SIZE
    blocks = [_("Your events:") if pages == 1 else _("Your events, page {page} of {pages}:")
              .format(page=page + 1, pages=pages)]
    rows = []
    for number, entry in enumerate(entries[first:first + MY_PAGE_SIZE], start=first + 1):
        blocks.append(_my_entry(number, entry, t, app.settings.join_link_lead))
        if entry.link:
            rows.append([(_("Join: {title}").format(title=_shorten(entry.title)),
                          join_data(entry.event_id))])
        if not entry.started:
            label = (_("Cancel: {title}") if entry.status == RegistrationStatus.REGISTERED
                     else _("Leave the waiting list: {title}"))
            rows.append([(label.format(title=_shorten(entry.title)),
                          f"reg:cancel:{entry.event_id}:my:{page}")])
    navigation = []
    if page > 0:
        navigation.append(("◀", f"my:page:{page - 1}"))
    if page + 1 < pages:
        navigation.append(("▶", f"my:page:{page + 1}"))
    if navigation:
        rows.append(navigation)
    # The page size keeps a page well under the limit; the cut is a last resort only.
    text = fitting.shorten("\n\n".join(blocks), fitting.TEXT_LIMIT)
    return text, keyboard(rows) if rows else None


def _my_entry(number: int, entry: MyEntry, t: Translator, lead: timedelta) -> str:
    _ = t.gettext
    lines = [f"{number}. «{entry.title}»", t.datetime(entry.starts_at, own_zone(entry.starts_at))]
    if entry.status == RegistrationStatus.WAITLISTED:
        lines.append("⏳ " + _("Waiting list: number {position}").format(
            position=entry.waitlist_position
        ))
        return "\n".join(lines)
    lines.append("✅ " + _("Registered"))
    if entry.address:
        lines += ["📍 " + entry.address, _(CHECKIN_HINT)]
    elif entry.link:
        # The link itself comes with the press, so that who came is seen.
        lines.append(_("Press «Join» below to get the join link."))
    elif entry.link_later:
        lines.append(link_lead_text(t, lead))
    else:
        lines.append(_("The organizers have not added the join link yet."))
    return "\n".join(lines)


def link_lead_text(t: Translator, lead: timedelta) -> str:
    """When the withheld join link appears, phrased by the configured lead time."""
    minutes = int(lead.total_seconds() // 60)
    if minutes == 0:
        return t.gettext("The join link will appear here at the start.")
    if minutes % 60 == 0:
        return t.ngettext(
            "The join link will appear here {n} hour before the start.",
            "The join link will appear here {n} hours before the start.",
            minutes // 60,
        ).format(n=minutes // 60)
    return t.ngettext(
        "The join link will appear here {n} minute before the start.",
        "The join link will appear here {n} minutes before the start.",
        minutes,
    ).format(n=minutes)


def _shorten(title: str) -> str:
    if len(title) <= BUTTON_TITLE_LENGTH:
        return title
    return title[: BUTTON_TITLE_LENGTH - 1].rstrip() + "…"
