"""Organizers: /past, the events of their libraries that have started, each opening its
registrants list (who came, ratings and comments, letters of thanks; handlers/manage.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.messages.notices import event_title
from bot.services.past_events import LOOK_BACK, past_events
from handlers.common import Context, answer, ctx_of, keyboard, reader_zone
from handlers.guards import organizer


def register(app: Application) -> None:
    app.add_handler(CommandHandler("past", past_command))


async def past_command(update: Update, context: Context) -> None:
    allowed = await organizer(update, context)
    if allowed is None:
        return
    user, t, role = allowed
    app = ctx_of(context)
    events = await app.read(past_events, role, app.clock.now())
    if not events:
        await answer(update, t.gettext("No events of yours have taken place in the last {days} "
                                       "days.").format(days=LOOK_BACK.days))
        return
    zone = reader_zone(context, user)
    await answer(update, t.gettext(
        "Events that have taken place, the latest first. Press one to see its registrants, "
        "who came, the ratings and the letters of thanks."
    ), reply_markup=keyboard([[(
        f"{t.date(event.starts_at.astimezone(zone).date())} · {event_title(t, event)}",
        f"org:regs:{event.id}")] for event in events]))
