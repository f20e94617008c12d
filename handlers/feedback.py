"""Readers rate an event they came to and may add a comment; organizers read the answers.

The request comes through the outbox an hour after the end (`bot.services.feedback`); its
rating buttons work until the answer window closes. "Add a comment" starts a one-question
conversation (`handlers/feedback.mmd`).
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import Enum

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
)

from bot.core.i18n import N_, Translator
from bot.messages import feedback as texts
from bot.runtime.ptb import job_queue_of
from bot.runtime.shared import once_across_processes
from bot.services import feedback
from bot.services.roles import Access, event_access, role_of
from handlers.common import (
    Context,
    answer,
    ctx_of,
    enter_flow,
    leave_flow,
    one_question,
    query_of,
    reader,
    replace_message,
    text_of,
    user_data_of,
)
from handlers.guards import ONLY_ORGANIZERS, OTHER_LIBRARY
from storage.models import Event
from storage.uow import UnitOfWork

FLOW = "feedback"
EVENT_KEY = "feedback_event"
END = ConversationHandler.END
PLAN_EVERY = timedelta(minutes=10)
_RATE = rf"^{texts.RATE_PREFIX}:(\d{{1,9}}):([1-5])$"
_COMMENT = rf"^{texts.COMMENT_PREFIX}:(\d{{1,9}})$"
_SHOW = rf"^{texts.SHOW_PREFIX}:(\d{{1,9}})$"

ANSWERS = {
    feedback.Answer.CLOSED: N_("Ratings for this event are closed: they are taken for a week "
                               "after it ends."),
    feedback.Answer.NOT_CAME: N_("Only readers who came to the event can rate it."),
    feedback.Answer.GONE: N_("This event no longer exists."),
    feedback.Answer.NO_RATING: N_("Please rate the event first, then add your comment."),
}


class FeedbackStep(Enum):
    COMMENT = "comment"


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(rating_pressed, pattern=_RATE))
    app.add_handler(CallbackQueryHandler(summary_pressed, pattern=_SHOW))
    app.add_handler(one_question(
        app, FLOW, entry_points=[CallbackQueryHandler(comment_pressed, pattern=_COMMENT)],
        step=FeedbackStep.COMMENT, answered=comment_typed, not_text=not_text,
        cancelled=cancelled, timed_out=timed_out))


def register_jobs(app: Application) -> None:
    """Every ten minutes one process queues the requests that fell due."""
    job_queue_of(app).run_repeating(
        once_across_processes("kopir.feedback", PLAN_EVERY * 0.9, _plan), interval=PLAN_EVERY,
        first=timedelta(seconds=30), name="kopir.feedback")


async def _plan(context: ContextTypes.DEFAULT_TYPE) -> None:
    app = ctx_of(context)
    await app.call(feedback.plan_requests, app.clock.now())


async def rating_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    event_id, rating = _numbers(update, _RATE)
    app = ctx_of(context)
    result = await app.call(feedback.rate, event_id, user.id, rating, app.clock.now())
    if result in ANSWERS:
        await query_of(update).answer(t.gettext(ANSWERS[result]), show_alert=True)
        return
    await query_of(update).answer()
    await replace_message(update, *texts.rated(t, rating, event_id))


async def comment_pressed(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    await query_of(update).answer()
    user_data_of(context)[EVENT_KEY], = _numbers(update, _COMMENT)
    enter_flow(context, FLOW)
    await answer(update, _ask(t))
    return FeedbackStep.COMMENT


async def comment_typed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    app = ctx_of(context)
    event_id = user_data_of(context).get(EVENT_KEY, 0)
    result = await app.call(feedback.comment, event_id, user.id, text_of(update), app.clock.now())
    if result == feedback.Answer.TOO_LONG:
        await answer(update, t.gettext(
            "That is {length} characters; a comment may have up to {limit}. Please shorten it "
            "and send it again."
        ).format(length=len(text_of(update).strip()), limit=feedback.COMMENT_LENGTH))
        return FeedbackStep.COMMENT
    await answer(update, t.gettext(ANSWERS[result]) if result in ANSWERS
                 else t.gettext("Thank you, your comment is saved."))
    return _done(context)


async def not_text(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    await answer(update, t.gettext("Please write your comment as a text message.") + "\n\n"
                 + _ask(t))
    return FeedbackStep.COMMENT


async def cancelled(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    await answer(update, t.gettext("No comment then; your rating is kept."))
    return _done(context)


async def timed_out(update: Update, context: Context) -> None:
    _done(context)


async def summary_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    event_id, = _numbers(update, _SHOW)
    access, shown = await app.read(_summary_for, event_id, user.id, app.settings.admin_ids)
    if access != Access.ALLOWED or shown is None:
        refusal = {Access.NOT_ORGANIZER: ONLY_ORGANIZERS, Access.OTHER_LIBRARY: OTHER_LIBRARY}
        message = refusal.get(access, ANSWERS[feedback.Answer.GONE])
        await query_of(update).answer(t.gettext(message), show_alert=True)
        return
    await query_of(update).answer()
    await answer(update, texts.summary_text(t, *shown))


def _summary_for(
    uow: UnitOfWork, event_id: int, user_id: int, admin_ids: frozenset[int]
) -> tuple[Access, tuple[Event, feedback.Summary] | None]:
    """The event and its answers, for an organizer of its library."""
    access = event_access(uow, role_of(uow, user_id, admin_ids), event_id)
    event = uow.events.get(event_id)
    if access != Access.ALLOWED or event is None:
        return access, None
    return access, (event, feedback.summary(uow, event_id))


def _numbers(update: Update, pattern: str) -> tuple[int, ...]:
    """The numbers in a button's data (the handler's pattern matched it already)."""
    found = re.match(pattern, query_of(update).data or "")
    if found is None:
        raise ValueError("the pattern matched when the handler was chosen")
    return tuple(int(group) for group in found.groups())


def _ask(t: Translator) -> str:
    return t.gettext("Write your comment in one message (up to {limit} characters). "
                     "Send /cancel to skip it.").format(limit=feedback.COMMENT_LENGTH)


def _done(context: Context) -> object:
    user_data_of(context).pop(EVENT_KEY, None)
    leave_flow(context, FLOW)
    return END
