"""Private chats only: what the bot does in groups, supergroups and channels.

Readers are mostly minors, and everything Kopir shows (profiles, registrations, join
links, registrants) is personal. So outside private chats no handler runs at all: a
guard, registered before every other handler group, answers a command addressed to the
bot with one "write to me privately" message and a button to the private chat, stops the
spinner of a button pressed on a group message with a short pop-up, and lets nothing
else through. It reads and writes nothing in the database: a group's reader is not a
reader of Kopir until they write privately.
"""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from handlers.common import Context, chat_of, translator_without_database
from handlers.start import DEEP_LINK

log = logging.getLogger(__name__)

# Before every handler group the other modules use (they all register in group 0).
GUARD_GROUP = -1


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, guard), group=GUARD_GROUP)


async def guard(update: Update, context: Context) -> None:
    """Let updates of private chats (and those of no chat) through; answer or ignore the rest."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    try:
        await _answer_outside(update, context)
    except Exception:
        # Nothing may reach the error handler (it would go on to the other handler
        # groups): a group where the bot may not write is no reason to answer anywhere.
        log.warning("could not answer an update in a %s chat", chat.type, exc_info=True)
    raise ApplicationHandlerStop


async def _answer_outside(update: Update, context: Context) -> None:
    if update.callback_query is not None:
        t = translator_without_database(update, context)
        # Translators: a short pop-up on a button pressed in a group chat.
        await update.callback_query.answer(t.gettext("Please write to me privately."))
        return
    message = update.message  # a new message by a member: not an edit, not a channel post
    if message is None or chat_of(update).type == ChatType.CHANNEL:
        return
    command = _command_for_me(message, context.bot.username)
    if command is None:
        return
    t = translator_without_database(update, context)
    _ = t.gettext
    url = f"https://t.me/{context.bot.username}"
    words = (message.text or "").split()  # a command has a text
    payload = words[1] if command == "start" and len(words) > 1 else ""
    if DEEP_LINK.match(payload):
        url += f"?start={payload}"
    await message.chat.send_message(
        # Translators: the bot's only answer to a command sent in a group chat; it shows
        # profiles and registrations in a private chat only.
        _(
            "I work only in a private chat, so that nothing personal is shown to others "
            "here. Please write to me privately: press the button below."
        ),
        reply_markup=InlineKeyboardMarkup(
            # Translators: a button under the message above; it opens the private chat.
            [[InlineKeyboardButton(_("Write to Kopir privately"), url=url)]]
        ),
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


def _command_for_me(message: Message, username: str) -> str | None:
    """The command a message starts with if it is for this bot (`/cmd` or `/cmd@thisbot`)."""
    entities = message.entities
    if not message.text or not entities:
        return None
    first = entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    command, _at, addressee = message.text[1 : first.length].partition("@")
    if addressee and addressee.lower() != username.lower():
        return None  # another bot's command
    return command.lower()
