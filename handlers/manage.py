"""Organizer buttons on an event card: Edit, Registrants, Cancel event.

Changing the time, link or capacity is a short conversation (see
edit_event.mmd): ask the value, show who will be told, save. Readers hear about
changes through the outbox; each change is one service call (`bot.services.organizer`)
in a database thread, which wakes the sender once the change is stored.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.i18n import Translator
from bot.messages import feedback as feedback_texts
from bot.services import event_fields as fields
from bot.services import organizer
from bot.services.event_fields import FieldError
from bot.services.organizer import EventChanges, EventNotFound
from handlers import attendance, checkin, events, guards, letters
from handlers.common import (
    TEXT_NEEDED,
    ActiveFlow,
    Context,
    chat_of,
    chunks,
    conversation,
    ctx_of,
    enter_flow,
    keyboard,
    leave_flow,
    query_data,
    query_of,
    reader,
    stale_button,
    text_of,
    user_data_of,
)
from handlers.event_form import capacity_text, event_title, moment_text, registrants_text
from storage.models import Event, EventKind

FLOW = "edit"
EDIT_KEY = "event_edit"
END = ConversationHandler.END


class EditStep(Enum):
    VALUE = "value"
    CONFIRM = "confirm"


def register(app: Application) -> None:
    in_flow = ActiveFlow(app, FLOW)
    # Button data carry the event id, so a press on an old message is recognised.
    drop = CallbackQueryHandler(drop_edit, pattern=r"^org:drop:\d{1,9}$")
    app.add_handler(conversation(
        "edit_event",
        entry_points=[
            CallbackQueryHandler(ask_value, pattern=r"^org:chg:(time|link|cap):\d{1,9}$")
        ],
        states={
            EditStep.VALUE: [
                MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
                               & in_flow, value_typed),
                CallbackQueryHandler(value_pressed, pattern=r"^org:val:\d{1,9}:"),
                drop,
            ],
            EditStep.CONFIRM: [
                CallbackQueryHandler(save, pattern=r"^org:save:\d{1,9}$"),
                drop,
            ],
        },
        fallbacks=[
            CommandHandler("cancel", drop_edit, filters=ActiveFlow(app, FLOW, when_idle=True)),
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND & in_flow, not_text),
        ],
        timed_out=timed_out,
        allow_reentry=True,
    ))
    app.add_handler(CallbackQueryHandler(edit_menu, pattern=r"^org:edit:\d{1,9}$"))
    app.add_handler(CallbackQueryHandler(show_registrants, pattern=r"^org:regs:\d{1,9}$"))
    app.add_handler(CallbackQueryHandler(ask_cancel, pattern=r"^org:cancel:\d{1,9}$"))
    app.add_handler(CallbackQueryHandler(cancel_answered, pattern=r"^org:cancel:\d{1,9}:(yes|no)$"))
    # Edit buttons pressed after that edit ended (saved, dropped, or a restart).
    app.add_handler(CallbackQueryHandler(edit_closed, pattern=r"^org:"))


async def _organizer(update: Update, context: Context) -> Translator | None:
    """The translator of an organizer of the pressed event's library (or an admin); for
    anyone else, say no and return None. Every `org:` button carries the event id first."""
    numbers = [part for part in query_data(update).split(":") if part.isdecimal()]
    allowed = (await guards.event_organizer(update, context, int(numbers[0])) if numbers
               else await guards.organizer(update, context))
    return None if allowed is None else allowed[1]


def _event_id(update: Update, position: int = -1) -> int:
    return int(query_data(update).split(":")[position])


async def _live(context: Context, event_id: int) -> organizer.Registrants | None:
    """The event and its registrants, or None when it is gone or cancelled."""
    return await ctx_of(context).read(organizer.live_registrants, event_id)


# --- edit ----------------------------------------------------------------------------------


async def edit_menu(update: Update, context: Context) -> None:
    t = await _organizer(update, context)
    if t is None:
        return
    found = await _live(context, _event_id(update))
    if found is None:
        await stale_button(update, t)
        return
    _ = t.gettext
    event_id = found.event.id
    await query_of(update).answer()
    await chat_of(update).send_message(
        _("What do you want to change in «{title}»?").format(
            title=event_title(found.event, t.language)),
        reply_markup=keyboard([
            [(_("Change time"), f"org:chg:time:{event_id}")],
            [(_("Change link"), f"org:chg:link:{event_id}")],
            [(_("Change capacity"), f"org:chg:cap:{event_id}")],
        ]),
    )


async def ask_value(update: Update, context: Context) -> object:
    t = await _organizer(update, context)
    if t is None:
        return END
    found = await _live(context, _event_id(update))
    if found is None:
        await stale_button(update, t)
        return END
    await query_of(update).answer()
    field = query_data(update).split(":")[2]
    user_data_of(context)[EDIT_KEY] = {"event_id": found.event.id, "field": field}
    enter_flow(context, FLOW)
    return await _ask(update, context, t, found.event)


async def _ask(update: Update, context: Context, t: Translator, event: Event) -> EditStep:
    _ = t.gettext
    field = user_data_of(context)[EDIT_KEY]["field"]
    rows = [[(_("Cancel"), f"org:drop:{event.id}")]]
    if field == "time":
        # Translators: {zone} names the clock, e.g. "Almaty time" (see "{city} time");
        # {example} is the current start as typed, e.g. "21.12.2026 15:00".
        text = _("Now it starts {when}. Send the new date and time ({zone}), for example: "
                 "{example}").format(when=moment_text(t, event.starts_at, event.timezone),
                                     zone=t.zone_time(event.timezone), example=_example(event))
    elif field == "link":
        text = _("The join link now: {link}\nSend the new link.").format(link=event.link or "—")
    else:
        text = _("Seats now: {value}. Send the new number, or choose no limit.").format(
            value=capacity_text(t, event.capacity))
        rows.insert(0, [(_("No limit"), f"org:val:{event.id}:0")])
    await chat_of(update).send_message(text, reply_markup=keyboard(rows))
    return EditStep.VALUE


def _example(event: Event) -> str:
    """The current start in the format to type, so only the changed part needs retyping."""
    local = event.starts_at.astimezone(ZoneInfo(event.timezone))
    return fields.typed_moment(local.date(), local.time())


async def value_typed(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    return await _take_value(update, context, t, text_of(update))


async def value_pressed(update: Update, context: Context) -> object:
    t = await _organizer(update, context)
    if t is None:
        return END
    edit = user_data_of(context).get(EDIT_KEY)
    if edit is None or edit["event_id"] != _event_id(update, 2):
        return await edit_closed(update, context)
    await query_of(update).answer()
    enter_flow(context, FLOW)
    return await _take_value(update, context, t, query_data(update).split(":", 3)[3])


async def _take_value(update: Update, context: Context, t: Translator, text: str) -> object:
    _ = t.gettext
    edit = user_data_of(context)[EDIT_KEY]
    found = await _live(context, edit["event_id"])
    if found is None:
        _end(context)
        await chat_of(update).send_message(
            _("This event no longer exists or was cancelled."))
        return END
    event, field = found.event, edit["field"]
    try:
        value = _parse(field, text, event, ctx_of(context).clock.now())
    except FieldError as error:
        await chat_of(update).send_message(error.render(t))
        return await _ask(update, context, t, event)
    if value == {"time": event.starts_at, "link": event.link, "cap": event.capacity}[field]:
        _end(context)
        await chat_of(update).send_message(_("That is the current value: nothing changed."))
        return END
    edit["value"] = value
    title = event_title(event, t.language)
    if field == "time":
        text = _("New start of «{title}»: {new} (was {old}).").format(
            title=title, new=moment_text(t, value, event.timezone),
            # The same zone as the new start, named once there.
            old=t.datetime(event.starts_at, ZoneInfo(event.timezone)))
    elif field == "link":
        text = _("New join link of «{title}»: {new}").format(title=title, new=value)
    else:
        text = _("Seats of «{title}»: {new} (was {old}).").format(
            title=title, new=capacity_text(t, value), old=capacity_text(t, event.capacity))
    n = len(found.registered)
    if field == "cap":
        told = _("Readers who get a seat from the waiting list will be told.")
    else:
        told = t.ngettext("{n} registrant will be told.", "{n} registrants will be told.",
                          n).format(n=n)
    await chat_of(update).send_message(
        f"{text}\n{told}",
        reply_markup=keyboard([[(_("Save"), f"org:save:{event.id}"),
                                (_("Cancel"), f"org:drop:{event.id}")]]),
    )
    return EditStep.CONFIRM


def _parse(field: str, text: str, event: Event, now: datetime) -> Any:
    """The new value of `field`: a datetime ("time"), a str ("link"), an int or None ("cap")."""
    if field == "time":
        return fields.parse_start(text, event.timezone, now)
    if field == "link":
        return fields.parse_link(text)
    return fields.parse_capacity(text)


async def save(update: Update, context: Context) -> object:
    t = await _organizer(update, context)
    if t is None:
        return END
    edit = user_data_of(context).get(EDIT_KEY)
    if edit is None or edit["event_id"] != _event_id(update) or "value" not in edit:
        return await edit_closed(update, context)
    app = ctx_of(context)
    now = app.clock.now()
    field, value, event_id = edit["field"], edit["value"], edit["event_id"]
    changes = {"time": EventChanges(starts_at=value), "link": EventChanges(link=value),
               "cap": EventChanges(capacity=value)}[field]
    try:
        # The edit is kept until the change is stored: a busy database leaves Save at hand.
        done = await app.call(organizer.edit_event, event_id, changes, now)
    except EventNotFound:
        _end(context)
        await stale_button(update, t)
        return END
    except FieldError as error:
        # The new start passed while the confirmation waited.
        found = await _live(context, event_id)
        if found is None:
            _end(context)
            await stale_button(update, t)
            return END
        await query_of(update).answer()
        await chat_of(update).send_message(error.render(t))
        return await _ask(update, context, t, found.event)
    before, after = done.before, done.after
    _end(context)
    if field == "cap":
        # Only readers promoted from the waiting list hear about more seats.
        n = max(0, len(after.registered) - len(before.registered))
        saved = t.ngettext(
            "Saved. {n} reader moved from the waiting list was told they have a seat.",
            "Saved. {n} readers moved from the waiting list were told they have a seat.", n,
        ).format(n=n) if n else t.gettext("Saved.")
    else:
        n = len(before.registered)
        saved = t.ngettext("Saved. {n} registrant will be notified.",
                           "Saved. {n} registrants will be notified.", n).format(n=n)
    await query_of(update).answer()
    await query_of(update).edit_message_text(saved)
    await events.show_event_card(update, context, event_id)
    return END


async def drop_edit(update: Update, context: Context) -> object:
    """The Cancel button or /cancel during an edit."""
    _user, t = await reader(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    _end(context)
    await chat_of(update).send_message(t.gettext("Nothing changed."))
    return END


async def not_text(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    edit = user_data_of(context).get(EDIT_KEY)
    found = await _live(context, edit["event_id"]) if edit else None
    if found is None or edit is None:
        _end(context)
        return END
    await chat_of(update).send_message(t.gettext(TEXT_NEEDED))
    if "value" in edit:
        edit.pop("value")
    return await _ask(update, context, t, found.event)


async def edit_closed(update: Update, context: Context) -> object:
    t = await _organizer(update, context)
    if t is None:
        return None
    await query_of(update).answer(
        t.gettext("This button is no longer active. Open the event card again."), show_alert=True
    )
    return None


async def timed_out(update: Update, context: Context) -> None:
    """No answer for CONVERSATION_TIMEOUT: the edit closes with nothing changed."""
    _end(context)
    _user, t = await reader(update, context)
    await chat_of(update).send_message(t.gettext(
        "The event change was closed because it had no answer for a long time. Nothing was "
        "saved. Open the event card to change it again."
    ))


def _end(context: Context) -> None:
    user_data_of(context).pop(EDIT_KEY, None)
    leave_flow(context, FLOW)


# --- registrants ---------------------------------------------------------------------------


async def show_registrants(update: Update, context: Context) -> None:
    t = await _organizer(update, context)
    if t is None:
        return
    found = await _live(context, _event_id(update))
    if found is None:
        await stale_button(update, t)
        return
    await query_of(update).answer()
    parts = chunks(registrants_text(t, found))
    for chunk in parts[:-1]:
        await chat_of(update).send_message(chunk)
    await chat_of(update).send_message(parts[-1], reply_markup=keyboard(
        [[(t.gettext("Who came"), attendance.show_sheet_data(found.event.id))],
         [(t.gettext("Ratings and comments"), feedback_texts.show_data(found.event.id))],
         [(t.gettext("Letters of thanks"), letters.ask_data(found.event.id))],
         *([[(t.gettext("Check-in QR code"), checkin.qr_data(found.event.id))]]
           if found.event.kind == EventKind.OFFLINE else [])]))


# --- cancel the event ----------------------------------------------------------------------


async def ask_cancel(update: Update, context: Context) -> None:
    t = await _organizer(update, context)
    if t is None:
        return
    found = await _live(context, _event_id(update))
    if found is None:
        await stale_button(update, t)
        return
    _ = t.gettext
    event_id = found.event.id
    n = len(found.registered) + len(found.waitlisted)
    await query_of(update).answer()
    await chat_of(update).send_message(
        t.ngettext("Cancel «{title}»? {n} reader will be told.",
                   "Cancel «{title}»? {n} readers will be told.", n).format(
            title=event_title(found.event, t.language), n=n),
        reply_markup=keyboard([[(_("Yes, cancel the event"), f"org:cancel:{event_id}:yes"),
                                (_("No, keep it"), f"org:cancel:{event_id}:no")]]),
    )


async def cancel_answered(update: Update, context: Context) -> None:
    t = await _organizer(update, context)
    if t is None:
        return
    query = query_of(update)
    event_id = _event_id(update, 2)
    app = ctx_of(context)
    try:
        if query_data(update).endswith(":yes"):
            found = await app.call(organizer.cancel_event_now, event_id, app.clock.now())
        else:
            found = await app.read(organizer.registrants, event_id)
    except EventNotFound:
        await stale_button(update, t)
        return
    title = event_title(found.event, t.language)
    await query.answer()
    if query_data(update).endswith(":no"):
        await query.edit_message_text(
            t.gettext("Nothing changed: «{title}» takes place as planned.").format(title=title))
        return
    n = len(found.registered) + len(found.waitlisted)
    await query.edit_message_text(
        t.ngettext("«{title}» is cancelled. {n} reader will be told.",
                   "«{title}» is cancelled. {n} readers will be told.", n).format(
            title=title, n=n)
    )
