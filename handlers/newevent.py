"""/newevent: an organizer creates an event in a guided conversation (see newevent.mmd).

The questions, their buttons and the summary are in `handlers.event_form`; each
answer is validated by `bot.services.event_fields` and kept in `user_data` until
Confirm, which writes the event in one unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ConversationHandler,
)

from bot.core.i18n import LANGUAGES, N_, Nn_, Translator
from bot.services import event_fields as fields
from bot.services import organizer
from bot.services.event_fields import EventDraft, FieldError, parse_start
from bot.services.numbers import parse_whole_number
from bot.services.programmes import programme_names
from handlers import events, guards
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
from handlers.event_form import (
    ANSWER_KEYS,
    FORM_KEY,
    ORDER,
    Step,
    asked,
    deep_link,
    next_step,
    parse_data,
    previous_step,
    programme_name,
    question,
    titles_of,
)
from handlers.guided_form import USE_BUTTONS, GuidedForm
from storage.models import EventKind

FLOW = "newevent"
END = ConversationHandler.END
MAX_PARTNERS = fields.PARTNERS_LIMIT
# Questions answered with buttons (typed names of a kind or language are accepted too).
BUTTON_STEPS = (Step.KIND, Step.LANGUAGE, Step.TRANSLATIONS, Step.PROGRAMME, Step.SUMMARY)


def register(app: Application) -> None:
    FORM.register(app, start=start_form, on_button=on_button, on_text=on_text, steps=Step)


# --- answers -------------------------------------------------------------------------------


def _set_timezone(form: dict, text: str, now: datetime) -> None:
    zone = fields.parse_timezone(text)
    if zone != form.get("timezone") and "start_text" in form:
        # The start was typed as a wall-clock time: read it again in the new zone.
        try:
            form["starts_at"] = fields.parse_start(form["start_text"], zone, now)
        except FieldError:
            form.pop("starts_at", None)
            form.pop("start_text", None)
    form["timezone"] = zone


def _set_start(form: dict, text: str, now: datetime) -> None:
    form["starts_at"] = fields.parse_start(text, form["timezone"], now)
    form["start_text"] = text


def _add_partner(form: dict, text: str, now: datetime) -> None:
    if len(form.setdefault("partners", [])) >= MAX_PARTNERS:
        raise FieldError(
            Nn_("At most {limit} partner: press Done.", "At most {limit} partners: press Done.",
                count="limit"),
            limit=MAX_PARTNERS,
        )
    form["partners"].append(fields.parse_partner(text))


def _simple(key: str, parse: Callable[[str], Any]) -> Callable[[dict, str, datetime], None]:
    def apply(form: dict, text: str, now: datetime) -> None:
        form[key] = parse(text)

    return apply


def _set_translation(form: dict, text: str, now: datetime) -> None:
    form.setdefault("extra_titles", {})[form["translating"]] = fields.parse_title(text)


ANSWERS: dict[Step, Callable[[dict, str, datetime], None]] = {
    Step.KIND: _simple("kind", fields.parse_kind),
    Step.LANGUAGE: _simple("language", fields.parse_language),
    Step.TITLE: _simple("title", fields.parse_title),
    Step.TRANSLATION: _set_translation,
    Step.DESCRIPTION: _simple("description", fields.parse_description),
    Step.TIMEZONE: _set_timezone,
    Step.START: _set_start,
    Step.DURATION: _simple("duration", fields.parse_duration),
    Step.ADDRESS: _simple("address", fields.parse_address),
    Step.LINK: _simple("link", fields.parse_link),
    Step.CAPACITY: _simple("capacity", fields.parse_capacity),
    Step.PARTNERS: _add_partner,
    Step.REMINDERS: _simple("offsets", fields.parse_offsets),
}


def apply_answer(step: Step, form: dict, text: str, now: datetime) -> None:
    """Validate `text` as the answer to `step` and keep it; raises FieldError."""
    ANSWERS[step](form, text, now)


def draft_of(form: dict) -> EventDraft:
    description = form.get("description")
    # Answers of the other kind's step are kept while the form is open (the kind may be
    # changed back), but never stored.
    offline = form["kind"] == EventKind.OFFLINE
    return EventDraft(
        kind=EventKind(form["kind"]),
        titles=titles_of(form),
        descriptions={form["language"]: description} if description else {},
        language=form["language"],
        starts_at=form["starts_at"],
        duration_minutes=form["duration"],
        timezone=form["timezone"],
        link=None if offline else form.get("link"),
        address=form.get("address") if offline else None,
        capacity=form.get("capacity"),
        partners=list(form.get("partners", [])),
        reminder_offsets=list(form["offsets"]),
        programme=_programme_chosen(form),
    )


def _programme_chosen(form: dict) -> str | None:
    """The name of the programme chosen (stored by name: `create_event` finds it)."""
    if not asked(Step.PROGRAMME, form) or form.get("programme") is None:
        return None
    return programme_name(form, form["programme"])


async def start_form(update: Update, context: Context) -> object:
    allowed = await guards.organizer(update, context)
    if allowed is None:
        return END
    _user, t, _role = allowed
    # The programmes offered are those of the moment the form opens (none: not asked).
    offered = await ctx_of(context).read(programme_names)
    user_data_of(context)[FORM_KEY] = {"programmes": [list(pair) for pair in offered]}
    enter_flow(context, FLOW)
    return await ask(update, context, t, Step.KIND)


async def ask(update: Update, context: Context, t: Translator, step: Step) -> Step:
    form = user_data_of(context)[FORM_KEY]
    if step is Step.SUMMARY:
        # Every question must have an answer before the summary; ask the first that has not.
        missing = [s for s in ORDER
                   if s in ANSWER_KEYS and asked(s, form) and ANSWER_KEYS[s] not in form]
        step = missing[0] if missing else step
    form["step"] = step
    app = ctx_of(context)
    text, markup = question(step, t, form, app.settings, app.clock.now())
    await chat_of(update).send_message(text, reply_markup=markup)
    return step


async def on_text(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    form = user_data_of(context).get(FORM_KEY)
    if form is None:
        return END
    step = form["step"]
    if step not in ANSWERS:
        await chat_of(update).send_message(t.gettext(USE_BUTTONS))
        return await ask(update, context, t, step)
    return await _answer(update, context, t, step, text_of(update))


async def _answer(update: Update, context: Context, t: Translator, step: Step,
                  text: str) -> Step:
    form = user_data_of(context)[FORM_KEY]
    try:
        apply_answer(step, form, text, ctx_of(context).clock.now())
    except FieldError as error:
        await chat_of(update).send_message(error.render(t))
        return await ask(update, context, t, step)
    # Partners come one per message until Done.
    return await ask(update, context, t, step if step is Step.PARTNERS else next_step(step, form))


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
    if action == "v" and value is not None and step in ANSWERS:
        return await _answer(update, context, t, step, value)
    if action == "back":
        return await ask(update, context, t, previous_step(step, form))
    if (
        (action == "keep" and ANSWER_KEYS.get(step) in form)
        or (action == "next" and step is Step.TRANSLATIONS)
        or (action == "done" and step is Step.PARTNERS)
    ):
        return await ask(update, context, t, next_step(step, form))
    if action == "skip" and step in (Step.DESCRIPTION, Step.LINK):
        form[ANSWER_KEYS[step]] = None
        return await ask(update, context, t, next_step(step, form))
    if step is Step.PROGRAMME and action in ("pick", "none"):
        offered = {number for number, _name in form.get("programmes", [])}
        chosen = parse_whole_number(value or "") if action == "pick" else None
        if action == "none" or chosen in offered:
            form["programme"] = chosen
            return await ask(update, context, t, next_step(step, form))
        return await ask(update, context, t, step)
    if action == "clear" and step is Step.PARTNERS:
        form["partners"] = []
    elif action == "add" and value in LANGUAGES and value != form["language"]:
        form["translating"] = value
        return await ask(update, context, t, Step.TRANSLATION)
    elif action == "ok" and step is Step.SUMMARY:
        return await confirm(update, context, t)
    elif action == "cancel" and step is Step.SUMMARY:
        return await FORM.cancel(update, context, t)
    return await ask(update, context, t, step)


async def confirm(update: Update, context: Context, t: Translator) -> object:
    app = ctx_of(context)
    user_id = sender_of(update).id
    # Checked again: the role may have been taken away while the form was filled in.
    if not (await guards.role_of_user(app, user_id)).organizer:
        await chat_of(update).send_message(t.gettext(guards.ONLY_ORGANIZERS))
        return await FORM.cancel(update, context, t)
    form = user_data_of(context)[FORM_KEY]
    now = app.clock.now()
    try:
        # The summary may have waited long enough for the start to pass.
        form["starts_at"] = parse_start(form["start_text"], form["timezone"], now)
    except FieldError as error:
        await chat_of(update).send_message(error.render(t))
        return await ask(update, context, t, Step.START)
    # The form is dropped only once the event is stored (a busy database keeps it).
    event = await app.call(organizer.add_event, draft_of(form), user_id, now)
    FORM.end(context)
    _ = t.gettext
    await chat_of(update).send_message(_("The event is created."))
    await events.show_event_card(update, context, event.id)
    await chat_of(update).send_message(
        _("Invite readers with this link; post it anywhere:\n{link}").format(
            link=deep_link(context.bot.username, event.id))
    )
    return END


FORM = GuidedForm(
    name=FLOW,
    form_key=FORM_KEY,
    buttons=r"^nf:",
    button_steps=BUTTON_STEPS,
    ask=ask,
    cancelled=N_("The new event is cancelled; nothing was saved."),
    closed=N_("This form is closed. Send /newevent to create an event."),
    timed_out_text=N_(
        "The new event form was closed because it had no answer for a long time. Nothing "
        "was saved. Send /newevent to start again."
    ),
)
