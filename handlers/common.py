"""Small helpers every handler uses: the app context, the reader and their language,
and what the conversations that wait for typed answers share."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram import User as TelegramUser
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.core.context import AppContext, app_context
from bot.core.i18n import N_, Translator
from bot.runtime.conversations import ReaderConversationHandler
from bot.runtime.updates import ReaderOrderProcessor
from bot.services.catalog import zone_of
from bot.services.numbers import ID_DIGITS, parse_whole_number
from bot.services.users import SeenUser, meet, suggested_language
from storage.models import User

Context = ContextTypes.DEFAULT_TYPE
# Which typed-answer conversation (the profile questions, the /newevent form or
# an event edit) the user is in now; see `ActiveFlow`.
FLOW_KEY = "active_flow"
LANGUAGE_KEY = "language"
# A conversation left without an answer this long ends by itself with nothing
# written. Read when the conversations are built, so tests can shorten it first.
CONVERSATION_TIMEOUT = timedelta(minutes=30)


def ctx_of(context: Context) -> AppContext:
    return app_context(context.bot_data)


# --- what PTB's types leave optional and a handler's filters guarantee ---------------------


class MissingPart(LookupError):
    """An update without what its handler's filters promised (a bug, not a reader's doing)."""


def chat_of(update: Update) -> Chat:
    """The chat the update came from: every update the handlers here receive has one."""
    if update.effective_chat is None:
        raise MissingPart(f"update {update.update_id} has no chat")
    return update.effective_chat


def sender_of(update: Update) -> TelegramUser:
    """Who sent the update (a reader, organizer or juror, as Telegram knows them)."""
    if update.effective_user is None:
        raise MissingPart(f"update {update.update_id} has no sender")
    return update.effective_user


def message_of(update: Update) -> Message:
    """The new message of a message handler's update."""
    if update.message is None:
        raise MissingPart(f"update {update.update_id} is no new message")
    return update.message


def text_of(update: Update) -> str:
    """The text of a message handler's update (its filters admit text messages only)."""
    text = message_of(update).text
    if text is None:
        raise MissingPart(f"update {update.update_id} has no text")
    return text


def query_of(update: Update) -> CallbackQuery:
    """The button press of a callback query handler's update."""
    if update.callback_query is None:
        raise MissingPart(f"update {update.update_id} is no button press")
    return update.callback_query


def query_data(update: Update) -> str:
    """The callback data of the pressed button (the bot's buttons all carry some)."""
    data = query_of(update).data
    if data is None:
        raise MissingPart(f"update {update.update_id} is a button press without data")
    return data


def user_data_of(context: Context) -> dict[Any, Any]:
    """The sender's own store (forms, flows): every update with a sender has one."""
    if context.user_data is None:
        raise MissingPart("an update without a sender has no user data")
    return context.user_data


def seen_user(update: Update) -> SeenUser:
    tg_user = sender_of(update)
    return SeenUser(tg_user.id, tg_user.first_name or "", tg_user.language_code)


async def reader(update: Update, context: Context) -> tuple[User, Translator]:
    """The stored sender of `update` (created on first contact) and their translator."""
    app = ctx_of(context)
    user = await app.call(meet, seen_user(update), app.clock.now())
    # Kept for the error handler, which must answer in the reader's language even
    # when the database is what failed.
    if context.user_data is not None and context.user_data.get(LANGUAGE_KEY) != user.language:
        context.user_data[LANGUAGE_KEY] = user.language
    return user, app.translator(user.language)


def arrived_at(update: Update, context: Context) -> datetime:
    """When the update reached the bot, before it waited behind the reader's earlier ones:
    the moment a press counts from (readers pressing at once queue in press order)."""
    processor = context.application.update_processor
    arrived = processor.arrival(update) if isinstance(processor, ReaderOrderProcessor) else None
    return arrived or ctx_of(context).clock.now()


def translator_without_database(update: Update, context: Context) -> Translator:
    """The reader's language as last seen in a private chat, else their Telegram app's:
    for answers that must not touch the database (it may be what failed, or the update
    comes from a group, where nothing is stored)."""
    app = ctx_of(context)
    language = known_language(context)
    if language is None and update.effective_user is not None:
        language = suggested_language(seen_user(update), app.settings.default_language)
    return app.translator(language)


def known_language(context: Context) -> str | None:
    """The reader's language as last seen, without asking the database."""
    return context.user_data.get(LANGUAGE_KEY) if context.user_data is not None else None


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (text, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def answer(update: Update, text: str, **kwargs) -> None:
    """Reply in the chat the update came from, whether it was a message or a button."""
    await chat_of(update).send_message(text, **kwargs)


async def stale_button(update: Update, t: Translator) -> None:
    """A button whose subject is gone: say so in a pop-up, change nothing."""
    _ = t.gettext
    await query_of(update).answer(
        _("This button is out of date: the event no longer exists or has changed."),
        show_alert=True,
    )


async def no_longer_valid(update: Update, t: Translator) -> None:
    """A button nobody can act on (forged, malformed, from an older version): say so in
    a pop-up, so that the reader's spinner stops; change nothing."""
    await query_of(update).answer(
        t.gettext("This button is no longer valid. Send /help to see what I can do."),
        show_alert=True,
    )


# Translators: the answer to a message the reader edited while the bot was asking
# questions; the current question follows.
EDITS_NOT_READ = N_(
    "I do not read edited messages: your answer stays as you first sent it. Please send "
    "any correction as a new message."
)


# --- what many screens share ---------------------------------------------------------------

# Telegram's limit is 4096 characters a message; a little is kept for what follows a chunk.
MESSAGE_LIMIT = 4000
TEXT_NEEDED = N_("Please answer with a text message.")


def form_data(form: str, step: str, action: str, value: object = None) -> str:
    """A form button's callback data: `<form>:<step>:<action>[:<value>]` (see `form_button`)."""
    return f"{form}:{step}:{action}" + ("" if value is None else f":{value}")


def form_button(data: str | None, form: str) -> tuple[str, str, str | None] | None:
    """(step, action, value) of a button made by `form_data` for `form`; None for malformed
    (forged or truncated) data. The one codec of the guided forms' buttons."""
    prefix, _sep, rest = (data or "").partition(":")
    step, _sep, rest = rest.partition(":")
    action, has_value, value = rest.partition(":")
    if prefix != form or not step or not action:
        return None
    return step, action, (value if has_value else None)


def callback_number(data: str | None, prefix: str) -> int | None:
    """The number after `prefix`; None for forged or malformed data."""
    if data is None or not data.startswith(prefix):
        return None
    return parse_whole_number(data.removeprefix(prefix), max_digits=ID_DIGITS)


def own_zone(moment: datetime) -> tzinfo:
    """The zone an aware `moment` is given in (an event's start, in the event's zone)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment} is naive")
    return moment.tzinfo


def reader_zone(context: Context, user: User) -> tzinfo:
    return zone_of(user.timezone, ctx_of(context).settings.timezone)



async def replace_message(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit the message the button was on; send a new one if it cannot be edited."""
    message = update.callback_query.message if update.callback_query else None
    if not isinstance(message, Message) or message.text is None:
        await answer(update, text, reply_markup=markup)
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as error:
        # Pressing the same button twice asks for the same text: nothing to change.
        if "not modified" not in error.message.lower():
            raise


def chunks(text: str) -> list[str]:
    chunks, current = [], ""
    for line in text.split("\n"):
        if current and len(current) + 1 + len(line) > MESSAGE_LIMIT:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    return [*chunks, current]


# --- conversations waiting for typed answers -----------------------------------------------


class ActiveFlow(filters.UpdateFilter):
    """Passes updates of users whose current flow is `name`.

    Several conversations wait for typed text at once (a user may leave the
    profile questions for /newevent, or /newevent for an event edit); the one
    started or resumed last takes it, the others stay dormant until their
    buttons or commands resume them. With `when_idle`, it also passes when no
    flow is current, so that /cancel stops a dormant conversation instead of
    being an unknown command.
    """

    def __init__(self, app: Application, name: str, *, when_idle: bool = False) -> None:
        super().__init__(name=f"ActiveFlow({name})")
        self._user_data = app.user_data
        self._flow = name
        self._when_idle = when_idle

    def filter(self, update: Any) -> bool:
        user = update.effective_user
        if user is None:
            return False
        current = self._user_data.get(user.id, {}).get(FLOW_KEY)
        return current == self._flow or (self._when_idle and current is None)


def enter_flow(context: Context, name: str) -> None:
    """Typed text now goes to the conversation `name` (started or resumed)."""
    user_data_of(context)[FLOW_KEY] = name


def is_current_flow(context: Context, name: str) -> bool:
    return user_data_of(context).get(FLOW_KEY) == name


def leave_flow(context: Context, name: str) -> None:
    """The conversation `name` ended; another flow that took over stays current."""
    if is_current_flow(context, name):
        del user_data_of(context)[FLOW_KEY]


def conversation(
    name: str,
    *,
    entry_points: list[BaseHandler],
    states: Mapping[Any, list[BaseHandler[Any, Any, Any]]],
    fallbacks: list[BaseHandler],
    timed_out: Callable[[Update, Context], Coroutine[Any, Any, object]],
    allow_reentry: bool = False,
) -> ConversationHandler:
    """A per-user conversation that ends after CONVERSATION_TIMEOUT without an answer.

    PTB calls `timed_out` with the last update the conversation handled (a
    message or a button press) and its context; the conversation then ends.

    Its time-out waits for the reader's turn like an update (`bot.runtime.conversations`).
    Its state and the drafts in user_data survive a restart (`bot.runtime.persistence`);
    PTB does not keep timeout jobs, so a conversation restored after a restart
    times out again only from its next answer on.
    """
    with warnings.catch_warnings():
        # PTB warns that with per_message=False a button is not tied to its message.
        # That is intended: our conversations are per user and chat, and their
        # buttons' data say what they answer, so a press on an old message is recognised.
        warnings.filterwarnings("ignore", message="If 'per_message=False'",
                                category=PTBUserWarning)
        return ReaderConversationHandler(
            name=name,
            entry_points=entry_points,
            states={**states, ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]},
            fallbacks=fallbacks,
            allow_reentry=allow_reentry,
            per_message=False,
            conversation_timeout=CONVERSATION_TIMEOUT,
            # Kept by `bot.runtime.persistence` with the drafts in user_data: a half-filled form
            # is continued after a restart.
            persistent=True,
        )


def one_question(
    app: Application,
    name: str,
    *,
    entry_points: list[BaseHandler],
    step: object,
    answered: Callable[[Update, Context], Coroutine[Any, Any, object]],
    not_text: Callable[[Update, Context], Coroutine[Any, Any, object]],
    cancelled: Callable[[Update, Context], Coroutine[Any, Any, object]],
    timed_out: Callable[[Update, Context], Coroutine[Any, Any, object]] | None = None,
) -> ConversationHandler:
    """A `conversation` that asks one thing to be typed: text goes to `answered`, anything
    else the reader sends to `not_text`, /cancel to `cancelled`. Left unanswered, it ends
    quietly (typed text goes elsewhere again) unless `timed_out` does more."""
    typed = filters.UpdateType.MESSAGE & ~filters.COMMAND & ActiveFlow(app, name)

    async def left(_update: Update, context: Context) -> None:
        leave_flow(context, name)

    return conversation(
        name,
        entry_points=entry_points,
        states={step: [MessageHandler(typed & filters.TEXT, answered)]},
        fallbacks=[
            CommandHandler("cancel", cancelled, filters=ActiveFlow(app, name, when_idle=True)),
            MessageHandler(typed, not_text),
        ],
        timed_out=timed_out or left,
        allow_reentry=True,
    )
