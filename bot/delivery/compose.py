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
import inspect
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.context import AppContext
from bot.core.i18n import Translator
from bot.messages import broadcasts as broadcast_render
from bot.messages import certificates, contest_notices, notices
from bot.messages.outgoing import Outgoing
from bot.services import outbox
from storage.models import NotificationKind

# Kinds whose text says how much time is left: rendered as of their due time when
# claimed early (see `outbox.early_window`), so "starts in 1 hour" stays true on arrival.
_TIMED = frozenset({NotificationKind.REMINDER, NotificationKind.JURY_REMINDER})


async def compose(t: Translator, ctx: AppContext, claim: outbox.Claim) -> Outgoing:
    row, now = claim.notification, ctx.clock.now()
    if row.kind in _TIMED:
        now = max(now, row.due_at)
    if row.kind == NotificationKind.BROADCAST:
        outgoing = broadcast_render.compose(t, ctx, claim)
        return await outgoing if inspect.isawaitable(outgoing) else outgoing
    if row.kind in outbox.CONTEST_KINDS:
        text = contest_notices.render(
            t, row, claim.contest, claim.facts or outbox.ContestFacts(), claim.user, ctx.settings,
            now,
        )
        if row.kind != NotificationKind.CONTEST_RESULT:
            return Outgoing(text)
        award = _award(claim)
        # fpdf2 is pure Python: a thread keeps the bot answering while the PDF is drawn.
        content = await asyncio.to_thread(certificates.render, t, award)
        return Outgoing(text, document=(content, certificates.file_name(t, award)))
    event = claim.event
    text = notices.render(t, row, event, claim.user, ctx.settings, now)
    if row.kind == NotificationKind.EVENT_CANCELLED:
        return Outgoing(text)
    button = InlineKeyboardButton(notices.open_event_label(t), callback_data=f"ev:card:{event.id}")
    return Outgoing(text, InlineKeyboardMarkup([[button]]))


def _award(claim: outbox.Claim) -> certificates.Award:
    contest, user, payload = claim.contest, claim.user, claim.notification.payload or {}
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
