"""/broadcast: an organizer writes an announcement and sends it (see broadcast.mmd).

The draft lives in `user_data` until Send now or Schedule, which write it in one
unit of work (`bot.services.broadcast_work.create_broadcast`; the previews, the
summary and sending are in `handlers.broadcast_send`). Every text is checked as
Telegram will read it (`bot.services.broadcast_text`), and the preview is the
very message readers get (`bot.messages.broadcasts.outgoing_for`), so a broadcast
never fails for all its readers at once. The status message, its buttons and
/broadcasts are in `handlers.broadcast_status`.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, MessageEntity, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.i18n import LANGUAGES, N_, Translator
from bot.services import broadcast_text, broadcasts
from bot.services.broadcasts import ADMIN_AUDIENCES, Audience, AudienceKind
from bot.services.event_fields import FieldError, parse_moment
from handlers import broadcast_screens as screens
from handlers import broadcast_send, broadcast_status, broadcast_targets, guards
from handlers.broadcast_screens import FORM_KEY, USE_BUTTONS, Step
from handlers.broadcast_send import FLOW, cancel, end_form, send
from handlers.common import (
    TEXT_NEEDED,
    ActiveFlow,
    Context,
    MissingPart,
    chat_of,
    conversation,
    ctx_of,
    enter_flow,
    message_of,
    no_longer_valid,
    query_of,
    reader,
    reader_zone,
    sender_of,
    text_of,
    user_data_of,
)
from storage.broadcast_models import MediaKind

END = ConversationHandler.END
TEXT_STEPS = (Step.MESSAGE, Step.VERSION, Step.SCHEDULE)
# Formatting the organizer applied in their Telegram app (rather than typed as tags).
FORMATTING = frozenset({
    MessageEntity.BOLD, MessageEntity.ITALIC, MessageEntity.UNDERLINE,
    MessageEntity.STRIKETHROUGH, MessageEntity.SPOILER, MessageEntity.CODE, MessageEntity.PRE,
    MessageEntity.TEXT_LINK, MessageEntity.BLOCKQUOTE, MessageEntity.EXPANDABLE_BLOCKQUOTE,
})


def register(app: Application) -> None:
    in_flow = ActiveFlow(app, FLOW)
    buttons = CallbackQueryHandler(on_button, pattern=r"^bc:")
    text = MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & in_flow,
                          on_text)
    media = MessageHandler(
        filters.UpdateType.MESSAGE & (filters.PHOTO | filters.Document.ALL) & in_flow, on_media)
    app.add_handler(conversation(
        "broadcast",
        entry_points=[CommandHandler("broadcast", start_form)],
        states={step: [buttons, text, media] for step in Step},
        fallbacks=[
            CommandHandler("cancel", cancel_command,
                           filters=ActiveFlow(app, FLOW, when_idle=True)),
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND & in_flow, not_text),
        ],
        timed_out=timed_out,
        allow_reentry=True,
    ))
    # Buttons of a form that was sent, cancelled or lost in a restart.
    app.add_handler(CallbackQueryHandler(form_closed, pattern=r"^bc:"))
    broadcast_status.register(app)


async def start_form(update: Update, context: Context) -> object:
    allowed = await guards.organizer(update, context)
    if allowed is None:
        return END
    _user, t, _role = allowed
    user_data_of(context)[FORM_KEY] = broadcast_send.new_form()
    enter_flow(context, FLOW)
    return await ask(update, context, t, Step.MESSAGE)


async def ask(update: Update, context: Context, t: Translator, step: Step) -> object:
    form = user_data_of(context)[FORM_KEY]
    form["step"] = step
    chat = chat_of(update)
    if step is Step.MESSAGE:
        await chat.send_message(screens.ask_message(t))
        return step
    if step is Step.CONFIRM:
        return await confirm_screen(update, context, t)
    if step is Step.SCHEDULE:
        user, _t = await reader(update, context)
        tomorrow = ctx_of(context).clock.now() + timedelta(days=1)
        text, markup = screens.ask_schedule(t, reader_zone(context, user), tomorrow)
        await chat.send_message(text, reply_markup=markup)
        return step
    if step in (Step.BUTTON_TARGET, Step.AUDIENCE_TARGET):
        shown = await broadcast_targets.ask_target(update, context, t, step)
        if not shown:
            return await ask(update, context, t, Step.BUTTON if step is Step.BUTTON_TARGET
                             else Step.AUDIENCE)
        return step
    admin: bool
    question = {
        Step.LANGUAGE: lambda: screens.ask_language(t),
        Step.VERSIONS: lambda: screens.ask_versions(t, form),
        Step.VERSION: lambda: screens.ask_version(t, form),
        Step.BUTTON: lambda: screens.ask_button(t),
        Step.AUDIENCE: lambda: screens.ask_audience(t, admin=admin),
    }[step]
    admin = step is Step.AUDIENCE and (
        await guards.role_of_user(ctx_of(context), sender_of(update).id)).admin
    text, markup = question()
    await chat.send_message(text, reply_markup=markup)
    return step


# --- typed answers -----------------------------------------------------------------------------


def html_source(message: Message) -> str:
    """The organizer's text (or caption) as HTML. Formatting applied in their Telegram app
    is written as tags, the rest of the text escaped, so a typed "<" stays a "<"; a text
    with no such formatting is read by `broadcast_text.typed_html` (HTML when it is
    plainly meant as HTML, otherwise the text as typed)."""
    entities = message.entities or message.caption_entities or ()
    if any(entity.type in FORMATTING for entity in entities):
        return (message.text_html if message.text is not None else message.caption_html) or ""
    return broadcast_text.typed_html(message.text or message.caption or "")


async def on_text(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    form = user_data_of(context).get(FORM_KEY)
    if form is None:
        return END
    step = form["step"]
    if step not in TEXT_STEPS:
        await chat_of(update).send_message(t.gettext(USE_BUTTONS))
        return await ask(update, context, t, step)
    try:
        if step is Step.SCHEDULE:
            return await schedule(update, context, t, text_of(update))
        caption = form.get("media_kind", MediaKind.NONE) != MediaKind.NONE
        checked = broadcast_text.check_message(html_source(message_of(update)), caption=caption)
    except FieldError as error:
        await chat_of(update).send_message(error.render(t))
        return await ask(update, context, t, step)
    if step is Step.VERSION:
        form.setdefault("versions", {})[form.pop("translating")] = checked
        return await ask(update, context, t, Step.VERSIONS)
    form.update(text=checked, media_kind=MediaKind.NONE, media_file_id=None, media_file_name=None)
    return await ask(update, context, t, Step.LANGUAGE)


async def on_media(update: Update, context: Context) -> object:
    """A photo or a document as the announcement, its caption as the text."""
    _user, t = await reader(update, context)
    form = user_data_of(context).get(FORM_KEY)
    if form is None:
        return END
    if form["step"] is not Step.MESSAGE:
        return await not_text(update, context)
    message = message_of(update)
    try:
        checked = broadcast_text.check_message(html_source(message), caption=True)
    except FieldError as error:
        await chat_of(update).send_message(error.render(t))
        return await ask(update, context, t, Step.MESSAGE)
    media: tuple[MediaKind, str, str | None]
    if message.photo:
        media = (MediaKind.PHOTO, message.photo[-1].file_id, None)
    elif message.document is not None:
        media = (MediaKind.DOCUMENT, message.document.file_id, message.document.file_name)
    else:  # the handler's filters admit photos and documents only
        raise MissingPart(f"message {message.message_id} has neither a photo nor a document")
    form.update(text=checked, media_kind=media[0], media_file_id=media[1],
                media_file_name=media[2])
    # Versions written for a text message may be too long for a caption.
    form.pop("versions", None)
    return await ask(update, context, t, Step.LANGUAGE)


async def schedule(update: Update, context: Context, t: Translator, text: str) -> object:
    app = ctx_of(context)
    user, _t = await reader(update, context)
    now = app.clock.now()
    moment = broadcasts.check_schedule(parse_moment(text, str(reader_zone(context, user))), now)
    return await send(update, context, t, moment)


# --- buttons -----------------------------------------------------------------------------------


async def on_button(update: Update, context: Context) -> object:
    query = query_of(update)
    _user, t = await reader(update, context)
    form = user_data_of(context).get(FORM_KEY)
    if form is None:
        return await form_closed(update, context)
    step = form["step"]
    parsed = screens.parse_data(query.data)
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
    if action == "back" and step is Step.SCHEDULE:
        # The previews are just above; the choice is enough.
        return await confirm_screen(update, context, t, previews=False)
    if action == "back":
        return await ask(update, context, t, _previous(step))
    if step is Step.LANGUAGE and value in LANGUAGES:
        form["language"] = value
        form.get("versions", {}).pop(value, None)
        return await ask(update, context, t, Step.VERSIONS)
    if step is Step.VERSIONS and action == "add" and value in LANGUAGES:
        if value != form["language"]:
            form["translating"] = value
            return await ask(update, context, t, Step.VERSION)
    if step is Step.VERSIONS and action == "next":
        return await ask(update, context, t, Step.BUTTON)
    if step is Step.BUTTON and action == "none":
        form["button"] = {}
        return await ask(update, context, t, Step.AUDIENCE)
    if step is Step.BUTTON and value in ("event", "contest"):
        form["button_kind"] = value
        return await ask(update, context, t, Step.BUTTON_TARGET)
    if step is Step.AUDIENCE and value in {kind.value for kind in AudienceKind}:
        kind = AudienceKind(value)
        role = await guards.role_of_user(ctx_of(context), query.from_user.id)
        if kind in ADMIN_AUDIENCES and not role.admin:
            return await ask(update, context, t, Step.AUDIENCE)
        return await _audience_kind(update, context, t, kind)
    if step in (Step.BUTTON_TARGET, Step.AUDIENCE_TARGET):
        chosen = await broadcast_targets.choose(update, context, t, step, action, value)
        if chosen is not None:
            return await ask(update, context, t, chosen)
    if step is Step.CONFIRM:
        return await _confirm_action(update, context, t, action)
    return await ask(update, context, t, step)


def _previous(step: Step) -> Step:
    return {
        Step.LANGUAGE: Step.MESSAGE,
        Step.VERSIONS: Step.LANGUAGE,
        Step.VERSION: Step.VERSIONS,
        Step.BUTTON: Step.VERSIONS,
        Step.BUTTON_TARGET: Step.BUTTON,
        Step.AUDIENCE: Step.BUTTON,
        Step.AUDIENCE_TARGET: Step.AUDIENCE,
        Step.CONFIRM: Step.AUDIENCE,
        Step.SCHEDULE: Step.CONFIRM,
    }.get(step, Step.MESSAGE)


async def _audience_kind(update: Update, context: Context, t: Translator,
                         kind: AudienceKind) -> object:
    form = user_data_of(context)[FORM_KEY]
    form["audience_kind"] = kind.value
    form.pop("side_contest", None)
    if kind is AudienceKind.EVERYONE:
        form["audience"] = Audience(kind).to_json()
        return await ask(update, context, t, Step.CONFIRM)
    return await ask(update, context, t, Step.AUDIENCE_TARGET)


async def _confirm_action(update: Update, context: Context, t: Translator, action: str) -> object:
    form = user_data_of(context)[FORM_KEY]
    if action == "now":
        return await send(update, context, t, None)
    if action == "later":
        return await ask(update, context, t, Step.SCHEDULE)
    if action == "cancel":
        return await cancel(update, context, t)
    if action == "paid" and ctx_of(context).settings.paid_broadcasts:
        form["paid"] = not form.get("paid")
    return await confirm_screen(update, context, t, previews=False)


# --- preview and summary (`handlers.broadcast_send`) -------------------------------------------


async def confirm_screen(update: Update, context: Context, t: Translator, *,
                         previews: bool = True) -> object:
    """The previews and the summary; an audience that is empty now, or a message
    Telegram refused, is asked again."""
    step = await broadcast_send.confirm_screen(update, context, t, previews=previews)
    if step is Step.CONFIRM:
        return step
    return await ask(update, context, t, step)


async def cancel_command(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    return await cancel(update, context, t)


async def not_text(update: Update, context: Context) -> object:
    """A sticker, voice or the like; or a photo where text or a button was asked."""
    _user, t = await reader(update, context)
    form = user_data_of(context).get(FORM_KEY)
    if form is None:
        return END
    step = form["step"]
    explanation = TEXT_NEEDED if step in TEXT_STEPS else USE_BUTTONS
    if step is Step.MESSAGE:
        explanation = N_("Please send a text, a photo or a document.")
    await chat_of(update).send_message(t.gettext(explanation))
    return await ask(update, context, t, step)


async def form_closed(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    await query_of(update).answer(t.gettext(
        "This form is closed. Send /broadcast to write a new announcement."), show_alert=True)
    return END


async def timed_out(update: Update, context: Context) -> None:
    """No answer for CONVERSATION_TIMEOUT: the form closes with nothing sent."""
    end_form(context)
    _user, t = await reader(update, context)
    await chat_of(update).send_message(t.gettext(
        "The announcement form was closed because it had no answer for a long time. Nothing "
        "was sent. Send /broadcast to start again."))

