"""Small helpers every handler uses: the app context, the reader and their language."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.context import AppContext, app_context
from bot.i18n import Translator
from bot.services.users import SeenUser, ensure_user
from storage.models import User

Context = ContextTypes.DEFAULT_TYPE


def ctx_of(context: Context) -> AppContext:
    return app_context(context.bot_data)


def seen_user(update: Update) -> SeenUser:
    tg_user = update.effective_user
    return SeenUser(tg_user.id, tg_user.first_name or "", tg_user.language_code)


def reader(update: Update, context: Context) -> tuple[User, Translator]:
    """The stored sender of `update` (created on first contact) and their translator."""
    app = ctx_of(context)
    with app.uow() as uow:
        user, _created = ensure_user(uow, seen_user(update), app.clock.now())
        uow.commit()
    return user, app.translator(user.language)


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (text, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def answer(update: Update, text: str, **kwargs) -> None:
    """Reply in the chat the update came from, whether it was a message or a button."""
    await update.effective_chat.send_message(text, **kwargs)


async def stale_button(update: Update, t: Translator) -> None:
    """A button whose subject is gone: say so in a pop-up, change nothing."""
    _ = t.gettext
    await update.callback_query.answer(
        _("This button is out of date: the event no longer exists or has changed."),
        show_alert=True,
    )
