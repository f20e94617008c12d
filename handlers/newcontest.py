"""/newcontest: an organizer creates a contest in a guided conversation (see newcontest.mmd).

The questions, their buttons and the summary are in `handlers.contest_form`;
`handlers.contest_answers` keeps the answers raw in `user_data` and validates
them through `bot.services.contest_fields` each time they are read. Confirm
writes the contest in one unit of work; nothing is written before.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import (
    Application,
    ConversationHandler,
)

from bot.core.i18n import N_, Translator
from bot.services.contests import add_contest
from bot.services.event_fields import FieldError
from bot.services.programmes import programme_names
from handlers import contest_answers as answers
from handlers import contests, guards
from handlers.common import (
    Context,
    chat_of,
    ctx_of,
    enter_flow,
    no_longer_valid,
    query_of,
    reader,
    sender_of,
    text_of,
    user_data_of,
)
from handlers.contest_form import (
    FORM_KEY,
    LISTS,
    Step,
    deep_link,
    parse_data,
    previous_step,
    question,
)
from handlers.guided_form import USE_BUTTONS, GuidedForm

FLOW = "newcontest"
END = ConversationHandler.END
BUTTON_STEPS = (Step.KIND, Step.LANGUAGE, Step.TIES, Step.NAMES, Step.AWARD,
                Step.TRANSLATIONS, Step.PROGRAMME, Step.SUMMARY)


def register(app: Application) -> None:
    FORM.register(app, start=start_form, on_button=on_button, on_text=on_text, steps=Step)


# --- the conversation ----------------------------------------------------------------------


async def start_form(update: Update, context: Context) -> object:
    allowed = await guards.organizer(update, context)
    if allowed is None:
        return END
    _user, t, _role = allowed
    # The programmes offered are those of the moment the form opens (none: not asked).
    offered = await ctx_of(context).read(programme_names)
    user_data_of(context)[FORM_KEY] = {"answers": {},
                                       "programmes": [list(pair) for pair in offered]}
    enter_flow(context, FLOW)
    return await ask(update, context, t, Step.KIND)


async def ask(update: Update, context: Context, t: Translator, step: Step) -> Step:
    """Ask `step`, or first an earlier question whose answer is missing or no longer valid."""
    form = user_data_of(context)[FORM_KEY]
    app = ctx_of(context)
    now = app.clock.now()
    values, failed, error = answers.resolve(form, now)
    if failed is not None and answers.position(failed) < answers.position(step):
        if error is not None:
            await chat_of(update).send_message(error.render(t))
        step = failed
    form["step"] = step
    text, markup = question(step, t, form, values, app.settings, now)
    await chat_of(update).send_message(text, reply_markup=markup)
    return step


async def on_text(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    form = user_data_of(context).get(FORM_KEY)
    if form is None:
        return END
    step = form["step"]
    if step in (Step.TRANSLATIONS, Step.PROGRAMME, Step.SUMMARY):
        await chat_of(update).send_message(t.gettext(USE_BUTTONS))
        return await ask(update, context, t, step)
    return await _answer(update, context, t, step, text_of(update))


async def _answer(update: Update, context: Context, t: Translator, step: Step,
                  text: str) -> Step:
    try:
        following = answers.take_text(user_data_of(context)[FORM_KEY], step, text,
                                      ctx_of(context).clock.now())
    except FieldError as error:
        await chat_of(update).send_message(error.render(t))
        return await ask(update, context, t, step)
    return await ask(update, context, t, following)


async def on_button(update: Update, context: Context) -> object:
    query = query_of(update)
    _user, t = await reader(update, context)
    form = user_data_of(context).get(FORM_KEY)
    if form is None:
        return await FORM.form_closed(update, context)
    step = form["step"]
    parsed = parse_data(query.data)
    if parsed is None:
        await no_longer_valid(update, t)
        return None
    step_value, action, value = parsed
    if step_value != step.value:
        await query.answer(t.gettext("This question is already answered: please use the "
                                     "latest message."))
        return None
    await query.answer()
    enter_flow(context, FLOW)
    now = ctx_of(context).clock.now()
    if action == "v" and value is not None and step not in LISTS:
        return await _answer(update, context, t, step, value)
    if action == "back":
        return await ask(update, context, t, previous_step(step, form))
    if action == "ok" and step is Step.SUMMARY:
        return await confirm(update, context, t)
    if action == "cancel" and step is Step.SUMMARY:
        return await FORM.cancel(update, context, t)
    try:
        following = answers.press(form, step, action, value, now, _translate(context))
    except FieldError as error:
        await chat_of(update).send_message(error.render(t))
        following = step
    return await ask(update, context, t, following)


async def confirm(update: Update, context: Context, t: Translator) -> object:
    app = ctx_of(context)
    user_id = sender_of(update).id
    # Checked again: the role may have been taken away while the form was filled in.
    if not (await guards.role_of_user(app, user_id)).organizer:
        await chat_of(update).send_message(t.gettext(guards.ONLY_ORGANIZERS))
        return await FORM.cancel(update, context, t)
    form = user_data_of(context)[FORM_KEY]
    now = app.clock.now()
    # The summary may have waited: "now" is now, and the closing time may have passed.
    values, failed, _error = answers.resolve(form, now)
    if failed is not None:
        return await ask(update, context, t, Step.SUMMARY)
    try:
        # The form is dropped only once the contest is stored (a busy database keeps it).
        contest = await app.call(add_contest, answers.draft_of(form, values), user_id, now)
    except FieldError as error:
        await chat_of(update).send_message(error.render(t))
        return await ask(update, context, t, Step.SUMMARY)
    FORM.end(context)
    _ = t.gettext
    await chat_of(update).send_message(_("The contest is created."))
    await contests.show_contest_card(update, context, contest.id)
    await chat_of(update).send_message(
        _("Invite participants with this link; post it anywhere:\n{link}").format(
            link=deep_link(context.bot.username, contest.id))
    )
    return END


def _translate(context: Context) -> Callable[[str, str], str]:
    app = ctx_of(context)
    return lambda language, msgid: app.translator(language).gettext(msgid)


FORM = GuidedForm(
    name=FLOW,
    form_key=FORM_KEY,
    buttons=r"^nc:",
    button_steps=BUTTON_STEPS,
    ask=ask,
    cancelled=N_("The new contest is cancelled; nothing was saved."),
    closed=N_("This form is closed. Send /newcontest to create a contest."),
    timed_out_text=N_(
        "The new contest form was closed because it had no answer for a long time. Nothing "
        "was saved. Send /newcontest to start again."
    ),
)
