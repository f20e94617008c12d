"""The jury in chat: /jury, blind scoring one criterion after another, revising,
conflicts of interest (see jury.mmd). Invites are in `handlers.jury_invites`.

Every `jr:*` button carries the contest id (and the entry id) and is checked again
on each press: a juror of one contest cannot reach another's entries by forging data.
Jurors only ever get `BlindEntry` data; documents are re-sent under the entry's
code, because authors often name their files after themselves.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeGuard

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.i18n import Translator
from bot.services import jury
from bot.services.contests import contest_title
from bot.services.jury import BlindEntry, JuryError
from bot.services.jury_actions import (
    declare_juror_conflict,
    juror_scores,
    jury_work,
    next_to_score,
    revision,
    save_juror_score,
)
from handlers import jury_screens as screens
from handlers.common import (
    TEXT_NEEDED,
    ActiveFlow,
    Context,
    chat_of,
    conversation,
    ctx_of,
    enter_flow,
    leave_flow,
    message_of,
    query_data,
    query_of,
    reader,
    user_data_of,
)
from handlers.jury_screens import FOR_JURORS, FROZEN
from storage.contest_models import Contest

FLOW = "jury"
DRAFT_KEY = "jury_draft"
END = ConversationHandler.END
_DATA = re.compile(r"^jr:([a-z]+):(\d{1,9})((?::\d{1,9})*)$")
# An id or a value in callback data: bounded, so that 20 digits never reach the database.
_ID = r"\d{1,9}"


class Step(Enum):
    COMMENT = "comment"
    SUMMARY = "summary"


def register(app: Application) -> None:
    in_flow = ActiveFlow(app, FLOW)
    skip = CallbackQueryHandler(comment_skipped, pattern=rf"^jr:nc:{_ID}:{_ID}$")
    app.add_handler(CommandHandler("jury", jury_command))
    app.add_handler(conversation(
        "jury",
        # Every score button enters; only the last criterion's leads to the comment.
        entry_points=[CallbackQueryHandler(value_pressed,
                                           pattern=rf"^jr:v:{_ID}:{_ID}:{_ID}:{_ID}$")],
        states={
            Step.COMMENT: [
                MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
                               & in_flow, comment_typed),
                skip,
            ],
            Step.SUMMARY: [CallbackQueryHandler(save_pressed, pattern=rf"^jr:save:{_ID}:{_ID}$"),
                           skip],
        },
        fallbacks=[
            CommandHandler("cancel", cancel, filters=ActiveFlow(app, FLOW, when_idle=True)),
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND & in_flow, not_text),
        ],
        timed_out=timed_out,
        allow_reentry=True,
    ))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^jr:"))


# --- /jury and the contest screen ----------------------------------------------------------


async def jury_command(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    _end(context)  # /jury starts over: a comment typed next is not for a score left behind
    work = await ctx_of(context).read(jury_work, user.id)
    mine = work.active
    if not mine and not work.removed:
        await chat_of(update).send_message(t.gettext(FOR_JURORS))
        return
    text, markup = screens.my_contests(t, mine, work.removed)
    if len(mine) != 1:
        await chat_of(update).send_message(text, reply_markup=markup)
        return
    # One contest: its next entry follows the list, or the list says there is none (one
    # message, rather than a second one with the same news and the same button).
    found = await ctx_of(context).read(next_to_score, mine[0].contest.id, user.id)
    if found.entry is None or found.contest.frozen_at is not None:
        text, markup = screens.nothing_to_score(t, text, found.contest)
        await chat_of(update).send_message(text, reply_markup=markup)
        return
    await chat_of(update).send_message(text, reply_markup=markup)
    await _show_entry(update, context, t, found.contest, found.entry, None)


async def _open_contest(update: Update, context: Context, t: Translator, user_id: int,
                        contest_id: int) -> None:
    found = await ctx_of(context).read(next_to_score, contest_id, user_id)
    contest = found.contest
    title = contest_title(contest, t.language)
    text = f"«{title}»: {screens.progress_text(t, found.scored, found.total)}"
    if contest.frozen_at is not None:
        await chat_of(update).send_message(f"{text}\n{t.gettext(FROZEN)}")
        return
    if found.entry is None:
        # Only "no more entries" (which has the progress and My scores): not twice.
        text, markup = screens.nothing_left(t, contest, found.scored, found.total)
        await chat_of(update).send_message(text, reply_markup=markup)
        return
    await chat_of(update).send_message(text, reply_markup=screens.list_button(t, contest_id))
    await _show_entry(update, context, t, contest, found.entry, None)


async def _next(update: Update, context: Context, t: Translator, user_id: int, contest_id: int,
                after: int | None = None) -> None:
    """Show the next entry to score, or say that none is left."""
    found = await ctx_of(context).read(next_to_score, contest_id, user_id, after)
    if found.contest.frozen_at is not None:
        await chat_of(update).send_message(t.gettext(FROZEN))
    elif found.entry is None:
        text, markup = screens.nothing_left(t, found.contest, found.scored, found.total)
        await chat_of(update).send_message(text, reply_markup=markup)
    else:
        await _show_entry(update, context, t, found.contest, found.entry, None)


async def _show_entry(update: Update, context: Context, t: Translator, contest: Contest,
                      entry: BlindEntry, saved: float | None) -> None:
    """The work itself, then the first criterion's buttons."""
    await screens.send_work(context.bot, chat_of(update), t, entry)
    text, markup = screens.criterion_question(t, contest, entry.id, entry.code, entry.title, [],
                                              saved)
    await chat_of(update).send_message(text, reply_markup=markup)


# --- scoring -------------------------------------------------------------------------------


async def value_pressed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    contest_id, entry_id, index, value = _numbers(query_data(update))
    try:
        contest, entry = await ctx_of(context).read(
            jury.scorable, contest_id, entry_id, user.id)
        jury.check_value(contest, value)
    except JuryError as error:
        await query_of(update).answer(error.render(t), show_alert=True)
        return None  # a refused press leaves any scoring in progress as it was
    await query_of(update).answer()
    draft = user_data_of(context).get(DRAFT_KEY)
    if draft is None or (draft["contest_id"], draft["entry_id"]) != (contest_id, entry_id):
        draft = {"contest_id": contest_id, "entry_id": entry_id, "values": []}
    if index > len(draft["values"]):
        # The values before this one were lost (a restart): start the entry again.
        draft["values"] = []
    else:
        draft["values"] = [*draft["values"][:index], value]
    draft["comment"] = None
    user_data_of(context)[DRAFT_KEY] = draft
    if len(draft["values"]) < len(contest.criteria):
        leave_flow(context, FLOW)
        await _edit(update, screens.criterion_question(
            t, contest, entry.id, entry.code, entry.title, draft["values"], None))
        return END
    enter_flow(context, FLOW)
    await _edit(update, screens.comment_prompt(
        t, contest, entry, draft["values"], jury.COMMENT_LIMIT))
    return Step.COMMENT


async def comment_typed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    draft = user_data_of(context).get(DRAFT_KEY)
    if draft is None:
        return _end(context)
    try:
        draft["comment"] = jury.check_comment(message_of(update).text)
    except JuryError as error:
        await chat_of(update).send_message(
            error.render(t) + " " + t.gettext("Send a shorter one, or press Skip."),
            reply_markup=screens.skip_button(t, draft["contest_id"], draft["entry_id"]))
        return Step.COMMENT
    return await _summary(update, context, t, user.id, draft, edit=False)


async def comment_skipped(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    draft = user_data_of(context).get(DRAFT_KEY)
    if not _matches(draft, update):
        return await on_button(update, context)
    await query_of(update).answer()
    draft["comment"] = None
    return await _summary(update, context, t, user.id, draft, edit=True)


async def _summary(update: Update, context: Context, t: Translator, user_id: int, draft: dict,
                   *, edit: bool) -> object:
    try:
        contest, entry = await ctx_of(context).read(
            jury.scorable, draft["contest_id"], draft["entry_id"], user_id)
    except JuryError as error:
        await chat_of(update).send_message(error.render(t))
        return _end(context)
    score = jury.weighted_score(contest, _values(contest, draft))
    text, markup = screens.summary(t, contest, entry, draft["values"], draft["comment"], score)
    if edit:
        await query_of(update).edit_message_text(text, reply_markup=markup)
    else:
        await chat_of(update).send_message(text, reply_markup=markup)
    return Step.SUMMARY


async def save_pressed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    draft = user_data_of(context).get(DRAFT_KEY)
    if not _matches(draft, update):
        return await on_button(update, context)
    app = ctx_of(context)
    contest_id, entry_id = draft["contest_id"], draft["entry_id"]
    try:
        # The draft stays until the score is written: a busy database leaves it to retry.
        saved = await app.call(save_juror_score, contest_id, entry_id, user.id,
                               list(draft["values"]), draft["comment"], app.clock.now())
    except JuryError as error:
        await query_of(update).answer(error.render(t), show_alert=True)
        return _end(context)
    await query_of(update).answer()
    _end(context)
    code = saved.entry.code
    await query_of(update).edit_message_text(
        t.gettext("Saved: {code} — {score}.").format(code=code, score=t.number(saved.score)))
    if saved.others is not None:
        await chat_of(update).send_message(screens.others_text(t, code, saved.others))
    await _next(update, context, t, user.id, contest_id, after=entry_id)
    return END


# --- other buttons -------------------------------------------------------------------------


async def on_button(update: Update, context: Context) -> object:
    """Every other `jr:*` press: checked for the contest it names, then dispatched."""
    user, t = await reader(update, context)
    query = query_of(update)
    match = _DATA.match(query_data(update))
    if match is None:
        await query.answer(t.gettext(FOR_JURORS), show_alert=True)
        return None
    try:
        # A removed juror hears that they are off this jury; anyone else not on it, FOR_JURORS.
        await ctx_of(context).read(jury.check_juror, int(match[2]), user.id)
    except JuryError as error:
        await query.answer(error.render(t), show_alert=True)
        return None
    action, numbers = match[1], _numbers(query_data(update))
    contest_id, rest = numbers[0], numbers[1:]
    handlers: dict[str, Callable[..., Awaitable[object]]] = {
        "c": _open_pressed, "n": _later_pressed, "l": _list_pressed, "e": _revise_pressed,
        "redo": _revise_pressed, "nc": _revise_pressed, "save": _revise_pressed,
        "x": _conflict_asked, "xy": _conflict_confirmed, "xn": _conflict_dropped,
    }
    handler = handlers.get(action)
    if handler is None or len(rest) != _ARITY[action]:
        await query.answer(t.gettext(FOR_JURORS), show_alert=True)
        return None
    try:
        await handler(update, context, t, user.id, contest_id, *rest)
    except JuryError as error:
        await query.answer(error.render(t), show_alert=True)
    return None


_ARITY = {"c": 0, "n": 1, "l": 1, "e": 1, "redo": 1, "nc": 1, "save": 1, "x": 1, "xy": 1, "xn": 1}


async def _open_pressed(update, context, t, user_id, contest_id) -> None:  # noqa: ANN001
    await update.callback_query.answer()
    await _open_contest(update, context, t, user_id, contest_id)


async def _later_pressed(update, context, t, user_id, contest_id, entry_id) -> None:  # noqa: ANN001
    await ctx_of(context).read(jury.entry_for_juror, contest_id, entry_id, user_id)
    await update.callback_query.answer()
    await _next(update, context, t, user_id, contest_id, after=entry_id)


async def _list_pressed(update, context, t, user_id, contest_id, page) -> None:  # noqa: ANN001
    contest, scored = await ctx_of(context).read(juror_scores, contest_id, user_id)
    if contest.frozen_at is not None:
        await update.callback_query.answer(t.gettext(FROZEN), show_alert=True)
        return
    await update.callback_query.answer()
    if not scored:
        await update.effective_chat.send_message(t.gettext("You have not scored any entry yet."))
        return
    text, markup = screens.scored_list(t, contest, scored, page)
    await update.effective_chat.send_message(text, reply_markup=markup)


async def _revise_pressed(update, context, t, user_id, contest_id, entry_id) -> None:  # noqa: ANN001
    """Score an entry again: from the list of scores, from the summary, or after a restart
    lost the scoring in progress."""
    found = await ctx_of(context).read(revision, contest_id, entry_id, user_id)
    contest, entry = found.contest, found.entry
    await update.callback_query.answer()
    _end(context)
    if update.callback_query.data.startswith("jr:e:"):
        await _show_entry(update, context, t, contest, entry, found.saved)
        return
    await _edit(update, screens.criterion_question(
        t, contest, entry.id, entry.code, entry.title, [], found.saved))


async def _conflict_asked(update, context, t, user_id, contest_id, entry_id) -> None:  # noqa: ANN001
    _contest, entry = await ctx_of(context).read(jury.scorable, contest_id, entry_id, user_id)
    await update.callback_query.answer()
    text, markup = screens.conflict_question(t, contest_id, entry)
    await update.effective_chat.send_message(text, reply_markup=markup)


async def _conflict_confirmed(update, context, t, user_id, contest_id, entry_id) -> None:  # noqa: ANN001
    app = ctx_of(context)
    entry = await app.call(declare_juror_conflict, contest_id, entry_id, user_id,
                           app.clock.now())
    await update.callback_query.answer()
    draft = context.user_data.get(DRAFT_KEY)
    if draft is not None and draft["entry_id"] == entry_id:
        _end(context)
    await update.callback_query.edit_message_text(t.gettext(
        "Conflict of interest declared: {code} will not be shown to you again.").format(
        code=entry.code))
    await _next(update, context, t, user_id, contest_id, after=entry_id)


async def _conflict_dropped(update, context, t, user_id, contest_id, entry_id) -> None:  # noqa: ANN001
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(t.gettext("Nothing changed."))


# --- ending the comment step ---------------------------------------------------------------


async def not_text(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    draft = user_data_of(context).get(DRAFT_KEY)
    if draft is None:
        return _end(context)
    markup = screens.skip_button(t, draft["contest_id"], draft["entry_id"])
    await chat_of(update).send_message(t.gettext(TEXT_NEEDED), reply_markup=markup)
    return None


async def cancel(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    await chat_of(update).send_message(
        t.gettext("Scoring stopped; nothing was saved. Send /jury to go on."))
    return _end(context)


async def timed_out(update: Update, context: Context) -> None:
    """No answer for CONVERSATION_TIMEOUT: the score in progress is dropped. Said only when
    one was in progress: the juror may have moved on (/jury, another entry) meanwhile."""
    in_progress = user_data_of(context).get(DRAFT_KEY) is not None
    _end(context)
    if not in_progress:
        return
    _user, t = await reader(update, context)
    await chat_of(update).send_message(t.gettext(
        "The scoring was closed because it had no answer for a long time. Nothing was saved. "
        "Send /jury to go on."))


def _end(context: Context) -> object:
    user_data_of(context).pop(DRAFT_KEY, None)
    leave_flow(context, FLOW)
    return END


# --- helpers ------------------------------------------------------------------------------


def _matches(draft: dict[str, Any] | None, update: Update) -> TypeGuard[dict[str, Any]]:
    numbers = _numbers(query_data(update))
    return draft is not None and [draft["contest_id"], draft["entry_id"]] == numbers[:2]


async def _edit(update: Update, screen: tuple[str, InlineKeyboardMarkup]) -> None:
    text, markup = screen
    await query_of(update).edit_message_text(text, reply_markup=markup)


def _values(contest: Contest, draft: dict) -> dict[str, int]:
    return dict(zip([c["key"] for c in contest.criteria], draft["values"], strict=False))


def _numbers(data: str) -> list[int]:
    return [int(part) for part in data.split(":")[2:]]

