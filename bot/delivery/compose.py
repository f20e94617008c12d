"""From a claimed outbox row to the `Outgoing` message its reader gets.

Texts are rendered when the row goes out, in the reader's language (see
`bot.messages.notices`, `bot.messages.contest_notices`, `bot.messages.broadcasts`).
A contest result
is the participant's certificate or letter of thanks sent as ONE document with
the text as its caption, so there is never a text without its document or the
reverse, and a retry repeats the pair whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.context import AppContext
from bot.core.i18n import Translator
from bot.files.ics import event_calendar, ics_filename
from bot.messages import broadcasts as broadcast_render
from bot.messages import certificates, contest_notices, feedback, notices
from bot.messages.outgoing import Outgoing
from bot.services import outbox, outbox_contests
from storage.models import NotificationKind

# Kinds whose text says how much time is left: rendered as of their due time when
# claimed early (see `outbox.early_window`), so "starts in 1 hour" stays true on arrival.
_TIMED = frozenset({NotificationKind.REMINDER, NotificationKind.JURY_REMINDER})


Renderer = Callable[[Translator, AppContext, outbox.Claim, datetime], Awaitable[Outgoing]]


async def compose(t: Translator, ctx: AppContext, claim: outbox.Claim) -> Outgoing:
    """The row's message, by its kind's renderer (`RENDERERS`)."""
    row, now = claim.notification, ctx.clock.now()
    if row.kind in _TIMED:
        now = max(now, row.due_at)
    return await RENDERERS[NotificationKind(row.kind)](t, ctx, claim, now)


async def _feedback_request(t: Translator, ctx: AppContext, claim: outbox.Claim,
                            now: datetime) -> Outgoing:
    return feedback.request(t, claim.claimed_event())


async def _event_letter(t: Translator, ctx: AppContext, claim: outbox.Claim,
                        now: datetime) -> Outgoing:
    """The letter of thanks as a PDF, its caption saying what it is for."""
    event, user = claim.claimed_event(), claim.user
    title = notices.event_title(t, event)
    day = event.starts_at.astimezone(notices.reader_zone(user, ctx.settings)).date()
    library = str(claim.notification.payload.get("library") or "")
    # fpdf2 is pure Python: a thread keeps the bot answering while the PDF is drawn.
    content = await asyncio.to_thread(
        certificates.event_letter, t, library, user.full_name or "", title, day)
    caption = t.gettext("A letter of thanks for taking part in «{title}».").format(title=title)
    return Outgoing(caption, document=(content, t.gettext("Letter of thanks") + ".pdf"))


async def _broadcast(t: Translator, ctx: AppContext, claim: outbox.Claim,
                     now: datetime) -> Outgoing:
    return broadcast_render.compose(t, ctx, claim)


async def _contest_notice(t: Translator, ctx: AppContext, claim: outbox.Claim,
                          now: datetime) -> Outgoing:
    return Outgoing(_contest_text(t, ctx, claim, now))


async def _contest_result(t: Translator, ctx: AppContext, claim: outbox.Claim,
                          now: datetime) -> Outgoing:
    """The text as the caption of the participant's certificate or letter of thanks."""
    award = _award(claim)
    # fpdf2 is pure Python: a thread keeps the bot answering while the PDF is drawn.
    content = await asyncio.to_thread(certificates.render, t, award)
    return Outgoing(_contest_text(t, ctx, claim, now),
                    document=(content, certificates.file_name(t, award)))


def _contest_text(t: Translator, ctx: AppContext, claim: outbox.Claim, now: datetime) -> str:
    return contest_notices.render(t, claim.notification, claim.claimed_contest(),
                                  claim.facts or outbox_contests.ContestFacts(), claim.user,
                                  ctx.settings, now)


async def _event_notice(t: Translator, ctx: AppContext, claim: outbox.Claim,
                        now: datetime) -> Outgoing:
    """A reminder or a change, with a button to the event's card (and Join, from the lead
    time on)."""
    event = claim.claimed_event()
    text = notices.render(t, claim.notification, event, claim.user, ctx.settings, now)
    card = InlineKeyboardButton(notices.open_event_label(t), callback_data=f"ev:card:{event.id}")
    rows = [[card]]
    if notices.join_offered(event, ctx.settings, now):
        rows.insert(0, [InlineKeyboardButton(notices.join_label(t),
                                             callback_data=notices.join_data(event.id))])
    if not _brings_calendar(claim):
        return Outgoing(text, InlineKeyboardMarkup(rows))
    # The text is the file's caption: one request, so the notice never arrives without it.
    content = event_calendar(event, claim.user.language, ctx.bot_username, now)
    return Outgoing(text[:CAPTION_LIMIT], InlineKeyboardMarkup(rows),
                    document=(content, ics_filename(event.id)))


# Telegram's limit for a document's caption; a notice stays well under it (a title of 200
# characters, an address of 300), the cut is a last resort only.
CAPTION_LIMIT = 1024


def _brings_calendar(claim: outbox.Claim) -> bool:
    """A promoted reader gets the .ics a registrant gets; a new start time comes with
    the updated one (same UID, higher SEQUENCE: `bot.files.ics`)."""
    row = claim.notification
    if row.kind == NotificationKind.PROMOTED:
        return True
    changes = (row.payload or {}).get("changes") or []
    return row.kind == NotificationKind.EVENT_CHANGED and "starts_at" in changes


async def _event_cancelled(t: Translator, ctx: AppContext, claim: outbox.Claim,
                           now: datetime) -> Outgoing:
    """No button: the card of a cancelled event no longer opens."""
    return Outgoing(notices.render(t, claim.notification, claim.claimed_event(), claim.user,
                                   ctx.settings, now))


# Every kind of outbox row and what renders it. A new kind: its renderer in `bot.messages`,
# its entry here (and what the claim loads for it, in `bot.services.outbox`).
RENDERERS: dict[NotificationKind, Renderer] = {
    NotificationKind.REMINDER: _event_notice,
    NotificationKind.EVENT_CHANGED: _event_notice,
    NotificationKind.PROMOTED: _event_notice,
    NotificationKind.EVENT_CANCELLED: _event_cancelled,
    NotificationKind.JURY_REMINDER: _contest_notice,
    NotificationKind.WINNERS_LIST: _contest_notice,
    NotificationKind.CONTEST_RESULT: _contest_result,
    NotificationKind.BROADCAST: _broadcast,
    NotificationKind.FEEDBACK: _feedback_request,
    NotificationKind.EVENT_LETTER: _event_letter,
}


def _award(claim: outbox.Claim) -> certificates.Award:
    contest, user, payload = claim.claimed_contest(), claim.user, claim.notification.payload or {}
    # Dated the day the results were published, in the contest's zone: a copy sent
    # again later is the same document.
    moment = contest.published_at or claim.notification.created_at
    return certificates.Award(
        contest=contest,
        full_name=user.full_name or user.first_name,
        place=payload.get("place"),
        shared=bool(payload.get("shared")),
        winner=contest_notices.is_award(payload),
        day=moment.astimezone(ZoneInfo(contest.timezone)).date(),
    )
