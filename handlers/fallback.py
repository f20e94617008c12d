"""Last resort: unknown commands and buttons, input nobody asked for, and unexpected errors."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers.common import Context, reader, translator_without_database
from storage.uow import DatabaseBusy

log = logging.getLogger(__name__)


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    # Registered after every other button handler: a button nobody knows (forged data, an id
    # out of range, a prefix from an older version) still stops the reader's spinner.
    app.add_handler(CallbackQueryHandler(unknown_button))
    app.add_handler(MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, stray_input))
    app.add_error_handler(on_error)


async def unknown_command(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await update.effective_chat.send_message(
        t.gettext("I do not know this command. Send /help to see what I can do.")
    )


async def unknown_button(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await update.callback_query.answer(
        t.gettext("This button is no longer valid. Send /help to see what I can do."),
        show_alert=True,
    )


async def stray_input(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await update.effective_chat.send_message(
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
