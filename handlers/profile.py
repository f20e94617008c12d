"""The reader's profile: asked once before the first registration, shown and edited by /profile.

Answers are kept in `context.user_data` only; the profile is written in one
unit of work when the reader consents, and nothing at all without consent
(readers are often minors). See profile.mmd for the flow.

Typed answers reach the questions only while they are the user's current flow
(`handlers.common.ActiveFlow`): an organizer who leaves them for /newevent gets
the form's answers there, and a Register button brings the questions back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import date
from enum import Enum, auto
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.i18n import N_, Translator
from bot.services.profile import (
    ProfileDraft,
    ProfileError,
    parse_birth_date,
    parse_full_name,
    parse_place,
    profile_of,
    questions_needed,
    save_reader_profile,
)
from bot.services.registration import EventUnavailable
from handlers import checkin, contests, registration
from handlers.common import (
    ActiveFlow,
    Context,
    answer,
    callback_number,
    conversation,
    ctx_of,
    enter_flow,
    is_current_flow,
    keyboard,
    leave_flow,
    query_data,
    query_of,
    reader,
    reader_zone,
    stale_button,
    text_of,
    user_data_of,
)
from storage.models import User

DRAFT = "profile_draft"
FLOW = "profile"
# "Fill in my profile" from a contest carries its id: prof:edit:<contest id>.
EDIT_BUTTON = r"^prof:edit(:\d+)?$"
END = ConversationHandler.END


class ProfileState(Enum):
    FULL_NAME = auto()
    BIRTH_DATE = auto()
    COUNTRY = auto()
    CITY = auto()
    LIBRARY = auto()
    CONSENT = auto()


QUESTIONS = {
    ProfileState.FULL_NAME: N_("What is your full name (first name and surname)?"),
    ProfileState.BIRTH_DATE: N_("What is your date of birth? For example: 25.04.2010"),
    ProfileState.COUNTRY: N_("Which country do you live in?"),
    ProfileState.CITY: N_("Which city or town do you live in?"),
    ProfileState.LIBRARY: N_("Which library or school are you from?"),
}
# The draft key each answer is kept under, in the order the questions are asked.
FIELDS = {
    ProfileState.FULL_NAME: "full_name",
    ProfileState.BIRTH_DATE: "birth_date",
    ProfileState.COUNTRY: "country",
    ProfileState.CITY: "city",
    ProfileState.LIBRARY: "library",
}
ORDER = list(ProfileState)
# Under the summary, "Correct an answer" lists the answers by these labels (prof:fix:<field>).
FIX_LABELS = {
    # Translators: buttons under the profile summary: which answer to correct (full name, ...).
    ProfileState.FULL_NAME: N_("Name"),
    ProfileState.BIRTH_DATE: N_("Date of birth"),
    ProfileState.COUNTRY: N_("Country"),
    ProfileState.CITY: N_("City"),
    ProfileState.LIBRARY: N_("Library or school"),
}
# In the draft while one answer is asked again: the answer goes back to the summary.
CORRECTING = "correcting"


# The profile questions asked by a scan at the door, the check-in code after it.
CHECKIN_BUTTON = "prof:chk:"


def register(app: Application) -> None:
    in_flow = ActiveFlow(app, FLOW)
    # An edited old answer is not a new answer.
    fresh = filters.UpdateType.MESSAGE & in_flow
    text = fresh & filters.TEXT & ~filters.COMMAND
    # Anything but text or a command where text was asked: a photo, a sticker...
    not_text = fresh & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    register_button = r"^ev:(reg|wait):"
    states: dict[ProfileState, list[BaseHandler[Any, Any, Any]]] = {
        state: [
            MessageHandler(text, _on_state(state, _answered)),
            MessageHandler(not_text, _on_state(state, _not_text_given)),
        ]
        for state in FIELDS
    }
    states[ProfileState.CONSENT] = [
        CallbackQueryHandler(consent_given, pattern=r"^prof:consent:yes$"),
        CallbackQueryHandler(consent_refused, pattern=r"^prof:consent:no$"),
        CallbackQueryHandler(correct_pressed, pattern=r"^prof:fix(:back)?$"),
        CallbackQueryHandler(answer_picked, pattern=r"^prof:fix:[a-z_]+$"),
        MessageHandler(fresh & ~filters.COMMAND & ~filters.StatusUpdate.ALL, buttons_expected),
    ]
    for state, handlers in states.items():
        # Register during the questions resumes them (see `_register_again`).
        handlers.append(
            CallbackQueryHandler(_on_state(state, _register_again), pattern=register_button))
    app.add_handler(conversation(
        "profile",
        entry_points=[
            CommandHandler("profile", show_profile),
            CallbackQueryHandler(edit_pressed, pattern=EDIT_BUTTON),
            CallbackQueryHandler(register_pressed, pattern=register_button),
            CallbackQueryHandler(checkin_pressed, pattern=rf"^{CHECKIN_BUTTON}[A-Za-z0-9_-]+$"),
        ],
        states=states,
        fallbacks=[
            CommandHandler("cancel", cancel, filters=ActiveFlow(app, FLOW, when_idle=True)),
            CommandHandler("profile", show_profile),
            CallbackQueryHandler(edit_pressed, pattern=EDIT_BUTTON),
        ],
        timed_out=timed_out,
    ))
    app.add_handler(CallbackQueryHandler(questionnaire_over, pattern=r"^prof:"))


async def show_profile(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    _ = t.gettext
    user_data_of(context).pop(DRAFT, None)
    leave_flow(context, FLOW)
    view = await ctx_of(context).read(profile_of, user.id)
    if view is None:
        text = _(
            "You have no profile yet. It is asked once, before your first registration; "
            "you can also fill it in now."
        )
        await answer(update, text,
                     reply_markup=keyboard([[(_("Fill in my profile"), "prof:edit")]]))
        return END
    consent_day = view.consent_at.astimezone(reader_zone(context, user)).date()
    text = _(
        "Your profile:\n\n"
        "Name: {name}\nDate of birth: {birth_date}\nCountry: {country}\nCity: {city}\n"
        "Library or school: {library}\n\nYou agreed that we keep these data on {consent_date}."
    ).format(
        name=view.full_name, birth_date=t.date(view.birth_date), country=view.country,
        city=view.city, library=view.library, consent_date=t.date(consent_day),
    )
    await answer(update, text, reply_markup=keyboard([[(_("Edit"), "prof:edit")]]))
    return END


async def edit_pressed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    await query_of(update).answer()
    contest_id = callback_number(query_data(update), "prof:edit:")
    user_data_of(context)[DRAFT] = {} if contest_id is None else {"contest_id": contest_id}
    enter_flow(context, FLOW)
    if user.has_profile:
        intro = t.gettext("Let us update your profile. Send /cancel to stop without changes.")
    else:
        # Nothing to update yet: a first profile, from /profile or a contest's Enter.
        intro = t.gettext(
            "Let us fill in your profile: five short questions, asked only once. Send "
            "/cancel to stop at any moment: nothing is stored until you agree."
        )
    await answer(update, intro + "\n\n" + t.gettext(QUESTIONS[ProfileState.FULL_NAME]))
    return ProfileState.FULL_NAME


async def checkin_pressed(update: Update, context: Context) -> object:
    """A scan at the door by a reader without a profile: the questions, then the check-in
    (handlers/checkin.py) with the same code, without scanning again."""
    _user, t = await reader(update, context)
    await query_of(update).answer()
    user_data_of(context)[DRAFT] = {"checkin_token": query_data(update).removeprefix(
        CHECKIN_BUTTON)}
    enter_flow(context, FLOW)
    intro = t.gettext(
        "Before your first registration, please answer five short questions. We ask them "
        "only once. Send /cancel to stop at any moment: nothing is stored until you agree."
    )
    await answer(update, intro + "\n\n" + t.gettext(QUESTIONS[ProfileState.FULL_NAME]))
    return ProfileState.FULL_NAME


async def register_pressed(update: Update, context: Context) -> object:
    """Register with a profile; without one, ask the questions first."""
    user, t = await reader(update, context)
    app = ctx_of(context)
    parsed = registration.parse_register_data(query_data(update))
    try:
        needed = parsed is not None and await app.read(
            questions_needed, user.id, parsed[0], app.clock.now())
    except EventUnavailable:
        await stale_button(update, t)
        return END
    if not needed or parsed is None:
        await registration.register_pressed(update, context)
        return END
    event_id, waitlist = parsed
    await query_of(update).answer()
    user_data_of(context)[DRAFT] = {"event_id": event_id, "waitlist": waitlist}
    enter_flow(context, FLOW)
    intro = t.gettext(
        "Before your first registration, please answer five short questions. We ask them "
        "only once. Send /cancel to stop at any moment: nothing is stored until you agree."
    )
    await answer(update, intro + "\n\n" + t.gettext(QUESTIONS[ProfileState.FULL_NAME]))
    return ProfileState.FULL_NAME


async def _register_again(update: Update, context: Context, state: ProfileState) -> object:
    """Register pressed during the questions.

    While they are the current flow, `handlers.registration` answers (a pop-up
    asking to finish them; a reader editing a complete profile is registered).
    Dormant questions (an organizer left them for /newevent) go on where they
    stopped, for the event pressed now.
    """
    user, t = await reader(update, context)
    app = ctx_of(context)
    parsed = registration.parse_register_data(query_data(update))
    try:
        needed = (parsed is not None and not is_current_flow(context, FLOW)
                  and await app.read(questions_needed, user.id, parsed[0], app.clock.now()))
    except EventUnavailable:
        await stale_button(update, t)
        return None
    if not needed or parsed is None:
        await registration.register_pressed(update, context)
        return None
    event_id, waitlist = parsed
    await query_of(update).answer()
    draft = user_data_of(context).setdefault(DRAFT, {})
    draft.update(event_id=event_id, waitlist=waitlist)
    enter_flow(context, FLOW)
    if state == ProfileState.CONSENT:
        if any(field not in draft for field in FIELDS.values()):
            return await _lost(update, context, t)
        await _ask_consent(update, t, draft)
        return state
    intro = t.gettext(
        "Let us go on with the profile questions. Nothing is stored until you agree; send "
        "/cancel to stop."
    )
    await answer(update, intro + "\n\n" + t.gettext(QUESTIONS[state]))
    return state


def _on_state(
    state: ProfileState, handle: Callable[[Update, Context, ProfileState], Awaitable[object]]
) -> Callable[[Update, Context], Coroutine[Any, Any, object]]:
    """A callback bound to the question being answered."""

    async def callback(update: Update, context: Context) -> object:
        return await handle(update, context, state)

    callback.__name__ = f"{handle.__name__.lstrip('_')}_{state.name.lower()}"
    return callback


async def _answered(update: Update, context: Context, state: ProfileState) -> object:
    user, t = await reader(update, context)
    draft = user_data_of(context).setdefault(DRAFT, {})
    try:
        draft[FIELDS[state]] = _parse(state, text_of(update), _today(context, user))
    except ProfileError as error:
        await answer(update, error.render(t) + "\n\n" + t.gettext(QUESTIONS[state]))
        return state
    following = ORDER[ORDER.index(state) + 1]
    if draft.pop(CORRECTING, False):
        # One answer corrected: back to the summary, the others kept.
        following = ProfileState.CONSENT
    if following == ProfileState.CONSENT:
        await _ask_consent(update, t, draft)
    else:
        await answer(update, t.gettext(QUESTIONS[following]))
    return following


def _parse(state: ProfileState, text: str, today: date) -> str:
    if state == ProfileState.FULL_NAME:
        return parse_full_name(text)
    if state == ProfileState.BIRTH_DATE:
        # Kept as text: user_data holds plain values.
        return parse_birth_date(text, today).isoformat()
    return parse_place(text)


def _today(context: Context, user: User) -> date:
    return ctx_of(context).clock.now().astimezone(reader_zone(context, user)).date()


async def _ask_consent(update: Update, t: Translator, draft: dict) -> None:
    _ = t.gettext
    text = _(
        "Please check your answers:\n\n"
        "Name: {name}\nDate of birth: {birth_date}\nCountry: {country}\nCity: {city}\n"
        "Library or school: {library}\n\n"
        "Do you agree that Kopir keeps these data to register you for events and contests and "
        "shows them to the organizers? If you win a contest, your name may appear in the "
        "winners list sent to the contest's participants, as its organizer chooses: your full "
        "name, your first name and initial, or only your entry's code. If you are under 18, "
        "please ask a parent first. Without your consent nothing is stored."
    ).format(
        name=draft["full_name"], birth_date=t.date(date.fromisoformat(draft["birth_date"])),
        country=draft["country"], city=draft["city"], library=draft["library"],
    )
    await answer(update, text, reply_markup=_consent_buttons(t))


def _consent_buttons(t: Translator) -> InlineKeyboardMarkup:
    _ = t.gettext
    return keyboard([[(_("Yes, I agree"), "prof:consent:yes"), (_("No"), "prof:consent:no")],
                     # Translators: under the profile summary; lists the answers to pick one.
                     [(_("Correct an answer"), "prof:fix")]])


async def correct_pressed(update: Update, context: Context) -> object:
    """"Correct an answer" turns the summary's buttons into the list of answers (the
    summary stays in view); "Back" brings Yes / No again."""
    _user, t = await reader(update, context)
    query = query_of(update)
    await query.answer()
    if query_data(update) == "prof:fix:back":
        markup = _consent_buttons(t)
    else:
        rows = [[(t.gettext(label), f"prof:fix:{FIELDS[state]}")]
                for state, label in FIX_LABELS.items()]
        markup = keyboard([*rows, [(t.gettext("« Back"), "prof:fix:back")]])
    await query.edit_message_reply_markup(reply_markup=markup)
    return None


async def answer_picked(update: Update, context: Context) -> object:
    """One answer to correct: only its question is asked again, then the summary."""
    _user, t = await reader(update, context)
    query = query_of(update)
    field = query_data(update).removeprefix("prof:fix:")
    state = next((state for state, name in FIELDS.items() if name == field), None)
    draft = user_data_of(context).get(DRAFT)
    if state is None or draft is None:
        await stale_button(update, t)
        return None
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    draft[CORRECTING] = True
    await answer(update, t.gettext(QUESTIONS[state]))
    return state


async def consent_given(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    app = ctx_of(context)
    draft = user_data_of(context).get(DRAFT, {})
    if any(field not in draft for field in FIELDS.values()):
        user_data_of(context).pop(DRAFT, None)
        leave_flow(context, FLOW)
        await query_of(update).answer()
        await query_of(update).edit_message_reply_markup(reply_markup=None)
        await questionnaire_lost(update, t)
        return END
    profile = ProfileDraft(
        full_name=draft["full_name"], birth_date=date.fromisoformat(draft["birth_date"]),
        country=draft["country"], city=draft["city"], library=draft["library"],
    )
    # The answers are dropped only once they are stored: a busy database leaves them
    # (and the consent button) in place for another press.
    await app.call(save_reader_profile, user.id, profile, app.clock.now())
    user_data_of(context).pop(DRAFT, None)
    leave_flow(context, FLOW)
    await query_of(update).answer()
    await query_of(update).edit_message_reply_markup(reply_markup=None)
    await answer(update, t.gettext("Thank you! Your profile is saved."))
    if draft.get("event_id") is not None:
        await registration.register_after_profile(
            update, context, draft["event_id"], draft.get("waitlist", False)
        )
    elif draft.get("contest_id") is not None:
        # Asked for by a contest's Enter: its card again, with Enter at hand.
        await contests.show_contest_card(update, context, draft["contest_id"])
    elif draft.get("checkin_token") is not None:
        # Asked for by a scan at the door: registered and checked in now.
        await checkin.check_in_by_link(update, context, draft["checkin_token"])
    return END


async def consent_refused(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    _ = t.gettext
    draft = user_data_of(context).pop(DRAFT, {})
    leave_flow(context, FLOW)
    await query_of(update).answer()
    await query_of(update).edit_message_reply_markup(reply_markup=None)
    if user.has_profile:
        await answer(update, _("Your answers were not saved; your profile stays as it was."))
        return END
    await answer(update, _(
        "Without your consent we store nothing, and so we cannot register you: organizers "
        "need to know who takes part. Your answers have been forgotten. You can start again "
        "whenever you like."
    ), reply_markup=_start_again(t, draft))
    return END


def _start_again(t: Translator, draft: dict) -> InlineKeyboardMarkup:
    """A button asking the questions again, for the same event if there was one."""
    event_id = draft.get("event_id")
    again = "prof:edit"
    if event_id is not None:
        again = f"ev:{'wait' if draft.get('waitlist') else 'reg'}:{event_id}"
    return keyboard([[(t.gettext("Start again"), again)]])


async def _not_text_given(update: Update, context: Context, state: ProfileState) -> object:
    """A photo, sticker or file where a text answer was asked: ask the same question again."""
    _user, t = await reader(update, context)
    text = t.gettext("Please answer with a text message.")
    await answer(update, text + "\n\n" + t.gettext(QUESTIONS[state]))
    return state


async def buttons_expected(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    await answer(update, t.gettext(
        "Please answer with the buttons above: «Yes, I agree» or «No». Send /cancel to stop."
    ))
    return None


async def cancel(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    user_data_of(context).pop(DRAFT, None)
    leave_flow(context, FLOW)
    await answer(update, t.gettext("The questions are cancelled; nothing was saved."))
    return END


async def timed_out(update: Update, context: Context) -> None:
    """No answer for CONVERSATION_TIMEOUT: the questions close with nothing stored."""
    _user, t = await reader(update, context)
    draft = user_data_of(context).pop(DRAFT, {})
    leave_flow(context, FLOW)
    await answer(update, t.gettext(
        "The profile questions were closed because they had no answer for a long time. "
        "Nothing was saved. You can start again whenever you like."
    ), reply_markup=_start_again(t, draft))


async def _lost(update: Update, context: Context, t: Translator) -> object:
    user_data_of(context).pop(DRAFT, None)
    leave_flow(context, FLOW)
    await questionnaire_lost(update, t)
    return END


async def questionnaire_lost(update: Update, t: Translator) -> None:
    await answer(update, t.gettext(
        "Sorry, your answers were lost. Please start again: send /profile."
    ))


async def questionnaire_over(update: Update, context: Context) -> None:
    """A consent button of a questionnaire that already ended (or a forged one)."""
    _user, t = await reader(update, context)
    await query_of(update).answer(
        t.gettext("These questions are over. Send /profile to see or edit your profile."),
        show_alert=True,
    )

