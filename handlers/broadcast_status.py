"""A running broadcast as its organizer follows it: the status message (figures every
few seconds, Pause / Resume / Cancel, the summary at the end), /broadcasts, and the
job that starts scheduled broadcasts when they fall due.

The job runs every `STATUS_INTERVAL` seconds and once at start-up, so a broadcast
scheduled for a time when the bot was down starts as soon as it is back. Status
messages are edited only when their text changed, at most once per
`EDIT_INTERVAL` seconds each.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.context import AppContext, app_context
from bot.core.i18n import Translator
from bot.services import broadcast_work
from bot.services.broadcast_work import StatusFacts
from bot.services.broadcasts import Audience, BroadcastNotFound, BroadcastStateError
from bot.services.catalog import zone_of
from bot.services.numbers import ID_DIGITS, parse_whole_number
from bot.services.roles import Role
from handlers import broadcast_screens as screens
from handlers import guards
from handlers.common import (
    MESSAGE_LIMIT,
    Context,
    chat_of,
    ctx_of,
    keyboard,
    query_data,
    query_of,
    stale_button,
)
from storage.broadcast_models import Broadcast, BroadcastStatus

log = logging.getLogger(__name__)

# Read when the job is scheduled, so tests can shorten them first.
STATUS_INTERVAL = 3.0
EDIT_INTERVAL = 3.0
# A finished broadcast's status message gets its summary within this time.
SUMMARY_WINDOW = timedelta(minutes=10)
LIST_LENGTH = 10
SHOWN_KEY = "kopir.broadcast_status"
_ACTIONS = {
    "pause": broadcast_work.pause_broadcast,
    "resume": broadcast_work.resume_broadcast,
    "cancel": broadcast_work.cancel_broadcast,
}


def register(app: Application) -> None:
    app.add_handler(CommandHandler("broadcasts", list_broadcasts))
    app.add_handler(CallbackQueryHandler(on_control, pattern=r"^bs:"))
    if app.job_queue is not None:
        app.job_queue.run_repeating(on_tick, interval=STATUS_INTERVAL, first=0,
                                    name="kopir.broadcasts")


# --- the status message ------------------------------------------------------------------------


def _render(app: AppContext, facts: StatusFacts,
            t: Translator | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    """The status text and buttons, in the language of the organizer who wrote it
    unless `t` says otherwise."""
    broadcast = facts.broadcast
    t = t or app.translator(facts.organizer_language)
    zone = zone_of(facts.organizer_timezone, app.settings.timezone)
    audience = screens.audience_text(t, Audience.from_json(broadcast.audience), facts.event,
                                     facts.contest, t.language)
    return (screens.status_text(t, broadcast, facts.figures, audience, zone),
            screens.status_markup(t, broadcast))


async def _load_and_render(app: AppContext, broadcast_id: int
                           ) -> tuple[Broadcast, str, InlineKeyboardMarkup | None]:
    # In a database thread: the counts of a large broadcast must not hold up the
    # answers to readers.
    facts = await app.read(broadcast_work.status_facts, broadcast_id, app.clock.now())
    return (facts.broadcast, *_render(app, facts))


async def post_status(bot: Bot, app: AppContext, broadcast_id: int) -> None:
    """Send the status message of a broadcast that has just started to its organizer."""
    broadcast, text, markup = await _load_and_render(app, broadcast_id)
    chat_id = broadcast.created_by
    try:
        message = await bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError as error:
        # The broadcast goes out all the same; /broadcasts shows its figures.
        log.warning("could not post the status of broadcast %s: %s", broadcast_id, error)
        return
    await app.call(broadcast_work.record_status_message, broadcast_id, chat_id,
                   message.message_id)


async def refresh(bot: Bot, app: AppContext, shown: dict, broadcast: Broadcast, *,
                  force: bool = False) -> None:
    """Edit the status message if its text changed and it was not edited just now."""
    broadcast, text, markup = await _load_and_render(app, broadcast.id)
    key = (text, markup.to_json() if markup else "")
    last = shown.get(broadcast.id)
    if last is not None and (last[0] == key
                             or (not force and time.monotonic() - last[1] < EDIT_INTERVAL)):
        return
    shown[broadcast.id] = (key, time.monotonic())
    try:
        await bot.edit_message_text(text, broadcast.status_chat_id, broadcast.status_message_id,
                                    reply_markup=markup)
    except BadRequest as error:
        # After a restart the message may already show this text.
        if "not modified" not in error.message.lower():
            log.warning("status of broadcast %s not updated: %s", broadcast.id, error)
    except TelegramError as error:
        log.warning("status of broadcast %s not updated: %s", broadcast.id, error)


def _shown(bot_data: dict) -> dict:
    return bot_data.setdefault(SHOWN_KEY, {})


async def on_tick(context: Context) -> None:
    """Start what fell due, then bring every live status message up to date."""
    app = app_context(context.bot_data)
    # Writing the outbox rows of a large audience takes a while: in a database thread
    # (the sender is woken once they are written).
    started = await app.call(broadcast_work.start_due, app.clock.now())
    for broadcast_id in started:
        await post_status(context.bot, app, broadcast_id)
    live = await app.call(broadcast_work.live_broadcasts, app.clock.now(), SUMMARY_WINDOW)
    for broadcast in live:
        await refresh(context.bot, app, _shown(context.bot_data), broadcast)


async def on_control(update: Update, context: Context) -> None:
    """Pause, Resume or Cancel, on a status message or on /broadcasts."""
    query = query_of(update)
    allowed = await guards.organizer(update, context)
    if allowed is None:
        return
    _user, t, role = allowed
    app = ctx_of(context)
    _, action, number = (query_data(update).split(":") + ["", ""])[:3]
    broadcast_id = parse_whole_number(number, max_digits=ID_DIGITS)
    if action not in _ACTIONS or broadcast_id is None:
        await stale_button(update, t)
        return
    if not await app.read(broadcast_work.may_control, role, broadcast_id):
        await guards.refuse(update, t, guards.OTHER_LIBRARY)
        return
    _ = t.gettext
    try:
        broadcast = await app.call(_ACTIONS[action], broadcast_id, app.clock.now())
    except BroadcastNotFound:
        await stale_button(update, t)
        return
    except BroadcastStateError as error:
        broadcast = error.broadcast
        await query.answer(_("Announcement #{id} is {state} already.").format(
            id=broadcast.id, state=_(screens.STATES[BroadcastStatus(broadcast.status)])),
            show_alert=True)
    else:
        await query.answer({
            "pause": _("Paused. Nothing more is sent until you resume."),
            "resume": _("Sending again."),
            "cancel": _("Cancelled. Nothing more is sent."),
        }[action])
    if query.message is not None and broadcast.status_message_id == query.message.message_id:
        await refresh(context.bot, app, _shown(context.bot_data), broadcast, force=True)
    elif isinstance(query.message, Message):
        text, markup = await _listing(app, t, role)
        await _edit(query.message, text, markup)


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


# --- /broadcasts -------------------------------------------------------------------------------


async def list_broadcasts(update: Update, context: Context) -> None:
    allowed = await guards.organizer(update, context)
    if allowed is None:
        return
    _user, t, role = allowed
    text, markup = await _listing(ctx_of(context), t, role)
    await chat_of(update).send_message(text, reply_markup=markup)


async def _listing(app: AppContext, t: Translator,
                   role: Role) -> tuple[str, InlineKeyboardMarkup | None]:
    """The latest broadcasts with their figures; scheduled ones can be cancelled here."""
    _ = t.gettext
    blocks, rows = [], []
    for listed in await app.read(broadcast_work.listing, role, LIST_LENGTH, app.clock.now()):
        broadcast = listed.status.broadcast
        text, _markup = _render(app, listed.status, t)
        if listed.audience_now is not None:
            size = listed.audience_now
            text += "\n" + t.ngettext("{n} reader now", "{n} readers now", size).format(
                n=t.number(size))
            rows.append([(_("Cancel #{id}").format(id=broadcast.id),
                          f"bs:cancel:{broadcast.id}")])
        blocks.append(text)
    if not blocks:
        return _("No announcements yet. Send /broadcast to write one."), None
    header = _("Announcements, newest first:")
    while len(blocks) > 1 and len("\n\n".join([header, *blocks])) > MESSAGE_LIMIT:
        blocks.pop()
    return "\n\n".join([header, *blocks]), keyboard(rows) if rows else None
