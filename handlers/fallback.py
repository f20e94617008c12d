"""Last resort: unknown commands and buttons, input nobody asked for, and unexpected errors."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers import profile
from handlers.common import (
    EDITS_NOT_READ,
    FLOW_KEY,
    Context,
    chat_of,
    no_longer_valid,
    reader,
    translator_without_database,
    user_data_of,
)
from storage.uow import DatabaseBusy

log = logging.getLogger(__name__)


def register(app: Application) -> None:
    # Before the others: an edited message is never a new command or answer.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, edited_message))
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    # Registered after every other button handler: a button nobody knows (forged data, an id
    # out of range, a prefix from an older version) still stops the reader's spinner.
    app.add_handler(CallbackQueryHandler(unknown_button))
    app.add_handler(MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, stray_input))
    app.add_error_handler(on_error)


async def unknown_command(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await chat_of(update).send_message(
        t.gettext("I do not know this command. Send /help to see what I can do.")
    )


async def unknown_button(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await no_longer_valid(update, t)


async def edited_message(update: Update, context: Context) -> None:
    """A message edited after it was sent. Edits are not read as answers: in the middle of
    questions the reader is told so plainly and the current question is asked again;
    otherwise an edit asks for nothing and gets no answer. (The organizers' guided forms
    answer edits themselves: `handlers.guided_form`.)"""
    flow = context.user_data.get(FLOW_KEY) if context.user_data is not None else None
    if flow is None:
        return
    _user, t = await reader(update, context)
    notice = t.gettext(EDITS_NOT_READ)
    draft = user_data_of(context).get(profile.DRAFT) if flow == profile.FLOW else None
    if draft is None:
        await chat_of(update).send_message(notice)
        return
    unanswered = [state for state, key in profile.FIELDS.items() if key not in draft]
    if not unanswered:
        # All answered: the consent buttons are the question now.
        await chat_of(update).send_message(notice)
        await profile.buttons_expected(update, context)
        return
    question = t.gettext(profile.QUESTIONS[unanswered[0]])
    await chat_of(update).send_message(notice + "\n\n" + question)


async def stray_input(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await chat_of(update).send_message(
        t.gettext(
            "I did not ask for anything just now. Send /events to see upcoming events or /help."
        )
    )


async def on_error(update: object, context: Context) -> None:
    busy = isinstance(context.error, DatabaseBusy)
    if busy:
        # Expected under load or while another process holds the database: one line,
        # no traceback (and nothing personal: DatabaseBusy carries no SQL).
        log.warning("database busy while handling an update: %s", context.error)
    else:
        log.error("unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return  # never a word in a group or channel (handlers.private_only)
    t = translator_without_database(update, context)
    _ = t.gettext
    if busy:
        text = _(
            "Kopir is very busy right now and could not do this. Please try again in a "
            "moment: nothing you have already entered is lost."
        )
    else:
        text = _("Sorry, something went wrong on our side. Please try again in a minute.")
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            # A pop-up on the button the reader pressed, unless the handler answered it.
            await update.callback_query.answer(text, show_alert=True)
            return
    await update.effective_chat.send_message(text)
