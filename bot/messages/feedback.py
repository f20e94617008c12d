"""The rating request a reader who came gets an hour after an event (`bot.services.feedback`),
and what the organizer reads of the answers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.i18n import Translator
from bot.messages.notices import event_title
from bot.messages.outgoing import Outgoing
from bot.services.feedback import RATINGS, Summary
from storage.models import Event

RATE_PREFIX = "fb:r"
COMMENT_PREFIX = "fb:c"
SHOW_PREFIX = "fb:s"


def show_data(event_id: int) -> str:
    """The organizer's button to the answers about an event."""
    return f"{SHOW_PREFIX}:{event_id}"


def request(t: Translator, event: Event) -> Outgoing:
    text = t.gettext(
        "Thank you for coming to «{title}»! How was it? Please rate it from 1 (poor) to "
        "5 (excellent)."
    ).format(title=event_title(t, event))
    return Outgoing(text, rating_buttons(event.id))


def rating_buttons(event_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("⭐" * rating if rating < 3 else f"{rating} ⭐",
                             callback_data=f"{RATE_PREFIX}:{event_id}:{rating}")
        for rating in RATINGS
    ]])


def rated(t: Translator, rating: int, event_id: int) -> tuple[str, InlineKeyboardMarkup]:
    text = t.gettext(
        "Thank you! Your rating: {rating} of 5. You can add a comment, or press another "
        "number to change the rating."
    ).format(rating=rating)
    # Translators: a button under the thanks for a rating: write a few words about the event.
    comment = InlineKeyboardButton(t.gettext("Add a comment"),
                                   callback_data=f"{COMMENT_PREFIX}:{event_id}")
    return text, InlineKeyboardMarkup([[comment], *rating_buttons(event_id).inline_keyboard])


def summary_text(t: Translator, event: Event, summary: Summary) -> str:
    title = event_title(t, event)
    if not summary.answers or summary.average is None:
        return t.gettext("«{title}»: no ratings yet.").format(title=title)
    lines = [t.ngettext(
        "«{title}»: average rating {average} of 5, from {n} reader.",
        "«{title}»: average rating {average} of 5, from {n} readers.",
        summary.answers,
    ).format(title=title, average=t.number(round(summary.average, 1)), n=summary.answers)]
    lines.append("  ".join(f"{rating}⭐ {count}" for rating, count in zip(
        RATINGS, summary.counts, strict=True)))
    if summary.comments:
        # Translators: heading of readers' comments on an event, shown without their names.
        lines += ["", t.gettext("Comments:")] + [f"— {comment}" for comment in summary.comments]
    return "\n".join(lines)
