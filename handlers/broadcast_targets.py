"""The /broadcast questions that pick something: the event or contest a button opens,
and the language, event, contest or side an audience is made of."""

from __future__ import annotations

from telegram import Update

from bot.core.context import AppContext
from bot.core.i18n import LANGUAGES, Translator
from bot.services import broadcast_work, broadcasts
from bot.services.broadcast_work import ConfirmFacts
from bot.services.broadcasts import Audience, AudienceKind
from bot.services.numbers import ID_DIGITS, parse_whole_number
from handlers import broadcast_screens as screens
from handlers import contest_form, event_form, guards
from handlers.broadcast_screens import FORM_KEY, Step
from handlers.common import Context, chat_of, ctx_of, reader, reader_zone, sender_of, user_data_of
from storage.contest_models import Contest

EVENT_KINDS = (AudienceKind.EVENT, AudienceKind.WAITLIST)
CONTEST_KINDS = (AudienceKind.CONTEST, AudienceKind.SIDE, AudienceKind.JURORS)


def _target_kind(form: dict, step: Step) -> str:
    """"event", "contest" or "language": what the question at `step` picks."""
    if step is Step.BUTTON_TARGET:
        return form["button_kind"]
    kind = AudienceKind(form["audience_kind"])
    if kind is AudienceKind.LANGUAGE:
        return "language"
    return "event" if kind in EVENT_KINDS else "contest"


async def ask_target(update: Update, context: Context, t: Translator, step: Step) -> bool:
    """Show the choice for `step`; False when there is nothing to choose from."""
    app = ctx_of(context)
    form = user_data_of(context)[FORM_KEY]
    user, _t = await reader(update, context)
    language = t.language
    chat = chat_of(update)
    target = _target_kind(form, step)
    if target == "language":
        text, markup = screens.ask_audience_language(t)
        await chat.send_message(text, reply_markup=markup)
        return True
    role = await guards.role_of_user(app, user.id)
    if target == "event":
        events = await app.read(broadcasts.events_to_address, app.clock.now(), role)
    else:
        side_contest = (await app.read(broadcast_work.find_contest, form["side_contest"])
                        if form.get("side_contest") is not None else None)
        contests = (await app.read(broadcasts.contests_to_address, role)
                    if side_contest is None else [])
    if target == "event":
        if not events:
            await chat.send_message(t.gettext("There are no events to choose from."))
            return False
        text, markup = screens.ask_event(t, step, events, language, reader_zone(context, user))
    elif side_contest is not None:
        text, markup = screens.ask_side(t, side_contest, language)
    else:
        if not contests:
            await chat.send_message(t.gettext("There are no contests to choose from."))
            return False
        # The jurors of every contest are beyond one library: admins only.
        jurors = (step is Step.AUDIENCE_TARGET and form["audience_kind"] == AudienceKind.JURORS
                  and role.admin)
        text, markup = screens.ask_contest(t, step, contests, language, all_jurors=jurors)
    await chat.send_message(text, reply_markup=markup)
    return True


async def choose(update: Update, context: Context, t: Translator, step: Step, action: str,
                 value: str | None) -> Step | None:
    """Apply a pick at `step`; the step to ask next, or None to ask `step` again."""
    app = ctx_of(context)
    form = user_data_of(context)[FORM_KEY]
    target = _target_kind(form, step)
    if target == "language":
        if value not in LANGUAGES:
            return None
        form["audience"] = Audience(AudienceKind.LANGUAGE, language=value).to_json()
        return Step.CONFIRM
    kind = None if step is Step.BUTTON_TARGET else AudienceKind(form["audience_kind"])
    if kind is AudienceKind.SIDE and action == "side" and form.get("side_contest") is not None:
        return await _choose_side(app, form, value)
    if action != "v":
        return None
    role = await guards.role_of_user(app, sender_of(update).id)
    if kind is AudienceKind.JURORS and value == "all" and role.admin:
        form["audience"] = Audience(AudienceKind.JURORS).to_json()
        return Step.CONFIRM
    number = parse_whole_number(value, max_digits=ID_DIGITS)
    find = broadcast_work.find_event if target == "event" else broadcast_work.find_contest
    found = await app.read(find, number) if number is not None else None
    if number is None or found is None or not role.manages(found.library_id):
        await chat_of(update).send_message(t.gettext(
            "That one no longer exists; choose another."))
        return None
    if kind is None:
        link = (event_form.deep_link if target == "event" else contest_form.deep_link)(
            context.bot.username, number)
        form["button"] = {"kind": target, "id": number, "url": link}
        return Step.AUDIENCE
    if kind is AudienceKind.SIDE:
        if not isinstance(found, Contest) or not found.sides:
            await chat_of(update).send_message(t.gettext(
                "This contest has no sides; choose another one."))
            return None
        form["side_contest"] = number
        return Step.AUDIENCE_TARGET
    audience = (Audience(kind, event_id=number) if target == "event"
                else Audience(kind, contest_id=number))
    form["audience"] = audience.to_json()
    return Step.CONFIRM


async def _choose_side(app: AppContext, form: dict, value: str | None) -> Step | None:
    contest = await app.read(broadcast_work.find_contest, form["side_contest"])
    index = parse_whole_number(value, max_digits=ID_DIGITS)
    if contest is None or index is None or not 0 <= index < len(contest.sides):
        form.pop("side_contest", None)
        return None
    form["audience"] = Audience(AudienceKind.SIDE, contest_id=contest.id,
                                side=contest.sides[index]["key"]).to_json()
    return Step.CONFIRM


def labels(t: Translator, form: dict, facts: ConfirmFacts) -> tuple[str, str]:
    """How the chosen audience and button read in the summary."""
    audience = Audience.from_json(form["audience"])
    return (
        screens.audience_text(t, audience, facts.audience_event, facts.audience_contest,
                              t.language),
        screens.button_text(t, form.get("button", {}), facts.button_event,
                            facts.button_contest, t.language),
    )
