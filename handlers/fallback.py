"""Last resort: unknown commands, input nobody asked for, and unexpected errors."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from handlers.common import Context, ctx_of, reader

log = logging.getLogger(__name__)


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, stray_input))
    app.add_error_handler(on_error)


async def unknown_command(update: Update, context: Context) -> None:
    _user, t = reader(update, context)
    await update.effective_chat.send_message(
        t.gettext("I do not know this command. Send /help to see what I can do.")
    )


async def stray_input(update: Update, context: Context) -> None:
    _user, t = reader(update, context)
    await update.effective_chat.send_message(
        t.gettext(
            "I did not ask for anything just now. Send /events to see upcoming events or /help."
        )
    )


async def on_error(update: object, context: Context) -> None:
    log.error("unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    app = ctx_of(context)
    language = None
    if update.effective_user is not None:
        with app.uow() as uow:
            user = uow.users.get(update.effective_user.id)
            language = user.language if user else None
    t = app.translator(language)
    await update.effective_chat.send_message(
        t.gettext("Sorry, something went wrong on our side. Please try again in a minute.")
    )
