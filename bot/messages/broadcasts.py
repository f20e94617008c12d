"""What one reader gets from a broadcast.

The delivery engine calls `compose` for every BROADCAST outbox row. The organizer's
preview is rendered by `outgoing_for` too, so it is the very message readers get.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.core.i18n import Translator
from bot.messages.notices import open_event_label
from bot.messages.outgoing import Outgoing
from bot.services.catalog import text_in
from storage.broadcast_models import Broadcast, MediaKind

if TYPE_CHECKING:
    from bot.core.context import AppContext
    from bot.services.outbox import Claim


def text_for(broadcast: Broadcast, language: str | None) -> str:
    """The reader's language version, or the default one."""
    texts = broadcast.texts or {}
    # The organizer chose which version the others get: no fallback through Russian.
    own = text_in(texts, language)
    return own if own is not None else texts.get(broadcast.default_language, "")


def open_contest_label(t: Translator) -> str:
    # Translators: button under an announcement; opens the contest's card.
    return t.gettext("Open the contest")


def button_for(button: dict, t: Translator) -> InlineKeyboardMarkup | None:
    """The optional button to an event or contest card, labelled in the reader's
    language. A deep link opens the card as a new message, so the announcement
    stays in the chat (and the link works when the message is forwarded)."""
    kind, target = button.get("kind"), button.get("id")
    if kind not in ("event", "contest") or not isinstance(target, int):
        return None
    label = open_event_label(t) if kind == "event" else open_contest_label(t)
    if button.get("url"):
        action = InlineKeyboardButton(label, url=button["url"])
    else:
        prefix = "ev" if kind == "event" else "ct"
        action = InlineKeyboardButton(label, callback_data=f"{prefix}:card:{target}")
    return InlineKeyboardMarkup([[action]])


def outgoing_for(broadcast: Broadcast, language: str | None, t: Translator) -> Outgoing:
    """The message for a reader of `language`, whose translator is `t`."""
    text = text_for(broadcast, language)
    markup = button_for(broadcast.button or {}, t)
    if broadcast.media_kind == MediaKind.PHOTO:
        return Outgoing(text, markup, photo_file_id=broadcast.media_file_id,
                        parse_mode=ParseMode.HTML)
    if broadcast.media_kind == MediaKind.DOCUMENT:
        return Outgoing(text, markup, document_file_id=broadcast.media_file_id,
                        parse_mode=ParseMode.HTML)
    return Outgoing(text, markup, parse_mode=ParseMode.HTML)


def compose(t: Translator, ctx: AppContext, claim: Claim) -> Outgoing:
    """The engine's hook for a BROADCAST row; `claim.broadcast` is loaded."""
    return outgoing_for(claim.claimed_broadcast(), claim.user.language, t)
