"""Check-in at the door of an offline event: the organizer's QR code, the reader's scan.

The organizer presses "Check-in QR code" under the registrants list and gets a PNG of
the deep link `/start checkin_<token>`; `handlers.start` hands such links to
`check_in_by_link`. What counts as a check-in is `bot.services.checkin`'s.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.core.i18n import Translator
from bot.files.qr import checkin_link, qr_png
from bot.services import checkin
from bot.services.checkin import CheckinOutcome, CheckinResult, NotOffline
from handlers import guards
from handlers.common import (
    Context,
    answer,
    callback_number,
    chat_of,
    ctx_of,
    keyboard,
    query_data,
    query_of,
    reader,
    stale_button,
)
from handlers.event_form import event_title, moment_text

QR_PREFIX = "chk:qr:"


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(qr_pressed, pattern=r"^chk:qr:"))


def qr_data(event_id: int) -> str:
    return f"{QR_PREFIX}{event_id}"


# --- the organizer's QR code ---------------------------------------------------------------


async def qr_pressed(update: Update, context: Context) -> None:
    event_id = callback_number(query_data(update), QR_PREFIX)
    if event_id is None:
        _user, t = await reader(update, context)
        await stale_button(update, t)
        return
    allowed = await guards.event_organizer(update, context, event_id)
    if allowed is None:
        return
    _user, t = allowed
    app = ctx_of(context)
    try:
        code = await app.call(checkin.checkin_code, event_id, app.clock.now())
    except NotOffline:
        await query_of(update).answer(t.gettext(
            "Only events in the library have a check-in QR code."), show_alert=True)
        return
    if code is None:
        await stale_button(update, t)
        return
    await query_of(update).answer()
    link = checkin_link(context.bot.username, code.token)
    _ = t.gettext
    caption = _(
        "Check-in QR code for «{title}». Show it at the door: readers scan it with their "
        "phone's camera and are counted as came (those not registered are registered on "
        "the spot).\nIt works from {opens} to {closes}.\n{link}"
    ).format(title=event_title(code.event, t.language),
             opens=moment_text(t, code.opens_at, code.event.timezone),
             closes=moment_text(t, code.closes_at, code.event.timezone), link=link)
    await chat_of(update).send_photo(qr_png(link), caption=caption,
                                     filename=f"kopir-checkin-{event_id}.png")


# --- the reader's scan ---------------------------------------------------------------------


async def check_in_by_link(update: Update, context: Context, token: str) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    outcome = await app.call(checkin.check_in, token, user.id, app.clock.now())
    text = _outcome_text(t, outcome)
    if outcome.result is CheckinResult.PROFILE_REQUIRED:
        # The profile questions (asked once, as before any first registration); once agreed
        # to, the same code checks the reader in (handlers/profile.py).
        await answer(update, text, reply_markup=keyboard(
            [[(t.gettext("Fill in my profile"), f"prof:chk:{token}")]]))
        return
    await answer(update, text)


def _outcome_text(t: Translator, outcome: CheckinOutcome) -> str:
    _ = t.gettext
    event = outcome.event
    if outcome.result is CheckinResult.UNKNOWN or event is None:
        return _("This check-in code is not valid. Please scan the code shown at the door "
                 "again, or ask the organizers.")
    title = event_title(event, t.language)
    zone = ZoneInfo(event.timezone)
    if outcome.result is CheckinResult.CANCELLED:
        return _("«{title}» was cancelled: there is nothing to check in to.").format(title=title)
    if outcome.result is CheckinResult.OVER:
        return _("«{title}» is over: check-in is closed.").format(title=title)
    if outcome.result is CheckinResult.TOO_EARLY and outcome.opens_at is not None:
        return _("Check-in for «{title}» opens at {when}, an hour before the start. Please "
                 "scan the code again then.").format(
            title=title, when=t.moment_in(outcome.opens_at, zone))
    if outcome.result is CheckinResult.PROFILE_REQUIRED:
        return _("You are not registered for «{title}» yet. Please fill in your profile "
                 "first (five short questions, asked only once): then you will be registered "
                 "and checked in.").format(title=title)
    if outcome.result is CheckinResult.ALREADY and outcome.attended_at is not None:
        return _("You are already checked in for «{title}» (at {when}). Welcome!").format(
            title=title, when=t.datetime(outcome.attended_at, zone))
    if outcome.registered_now:
        return _("You are registered for «{title}» and checked in. Welcome!").format(
            title=title)
    return _("You are checked in for «{title}». Welcome!").format(title=title)
