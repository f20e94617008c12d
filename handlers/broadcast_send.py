"""/broadcast's last screens: the previews and the summary, then Send now or Schedule.

The form is dropped only once its broadcast is written: a busy database
(`DatabaseBusy`, answered "busy, try again" by the error handler) leaves the form and
the conversation as they were, so pressing Send again works. The form carries a token
from its start, and one form makes one broadcast however often Send is pressed
(`bot.services.broadcast_work.create_broadcast`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.core.i18n import Translator
from bot.messages.broadcasts import outgoing_for
from bot.services import broadcast_work, broadcasts
from bot.services.broadcasts import Audience, BroadcastDraft
from handlers import broadcast_screens as screens
from handlers import broadcast_status, broadcast_targets, guards
from handlers.broadcast_screens import FORM_KEY, Step
from handlers.common import (
    Context,
    chat_of,
    ctx_of,
    leave_flow,
    reader,
    reader_zone,
    sender_of,
    user_data_of,
)
from storage.broadcast_models import BroadcastStatus, MediaKind

FLOW = "broadcast"
END = ConversationHandler.END
# The form's key to its broadcast (see the module's docstring).
TOKEN_KEY = "token"


def new_form() -> dict:
    return {TOKEN_KEY: uuid.uuid4().hex}


def draft_of(form: dict) -> BroadcastDraft:
    return BroadcastDraft(
        texts={form["language"]: form["text"], **form.get("versions", {})},
        default_language=form["language"],
        audience=Audience.from_json(form["audience"]),
        media_kind=form.get("media_kind", MediaKind.NONE),
        media_file_id=form.get("media_file_id"),
        media_file_name=form.get("media_file_name"),
        button=dict(form.get("button", {})),
        paid=bool(form.get("paid")),
    )


async def confirm_screen(update: Update, context: Context, t: Translator, *,
                         previews: bool = True) -> Step:
    """One preview per version, each the exact message its readers get, then the count
    and the choice: returns CONFIRM. Returns the step to ask instead when the audience
    is empty now (AUDIENCE) or Telegram refused a preview (MESSAGE)."""
    app = ctx_of(context)
    form = user_data_of(context)[FORM_KEY]
    draft = draft_of(form)
    facts = await app.read(broadcast_work.confirm_facts, form["audience"],
                           form.get("button", {}))
    if facts.count == 0:
        await chat_of(update).send_message(t.gettext(
            "Nobody is in this audience now. Choose another one."))
        return Step.AUDIENCE
    preview = broadcasts.as_broadcast(draft, sender_of(update).id, app.clock.now())
    # The default version first, as the summary lists them.
    shown = sorted(preview.texts, key=lambda code: code != preview.default_language)
    for language in shown if previews else ():
        outgoing = outgoing_for(preview, language, app.translator(language))
        try:
            await outgoing.send(context.bot, chat_of(update).id)
        except BadRequest as error:
            await chat_of(update).send_message(t.gettext(
                "Telegram refused this message: {reason}. Please send it again, corrected."
            ).format(reason=error.message))
            return Step.MESSAGE
    audience_label, button_label = broadcast_targets.labels(t, form, facts)
    text, markup = screens.summary(t, form, audience_label, button_label, facts.count,
                                   paid_option=app.settings.paid_broadcasts)
    await chat_of(update).send_message(text, reply_markup=markup)
    form["step"] = Step.CONFIRM
    return Step.CONFIRM


async def send(update: Update, context: Context, t: Translator,
               moment: datetime | None) -> object:
    """Send now (`moment` None) or schedule; the form closes once the broadcast is
    written (see the module's docstring)."""
    app = ctx_of(context)
    user_id = sender_of(update).id
    form = user_data_of(context)[FORM_KEY]
    # Checked again at the end: a role may have been taken away since the form began.
    role = await guards.role_of_user(app, user_id)
    audience = Audience.from_json(form["audience"])
    if not role.organizer or not await app.read(broadcasts.audience_allowed, role, audience):
        await chat_of(update).send_message(t.gettext(
            guards.OTHER_LIBRARY if role.organizer else guards.ONLY_ORGANIZERS))
        return await cancel(update, context, t)
    # Forms begun before forms had tokens get theirs now, kept for a retry.
    token = form.setdefault(TOKEN_KEY, uuid.uuid4().hex)
    user, _t = await reader(update, context)
    # Writing the outbox rows of a large audience takes a while: in a database thread,
    # so that readers' buttons are answered meanwhile. The sender is woken once the rows
    # are written.
    creation = await app.call(broadcast_work.create_broadcast, draft_of(form), user_id,
                              app.clock.now(), send_at=moment, form_token=token)
    end_form(context)
    broadcast = creation.broadcast
    if broadcast.status == BroadcastStatus.SCHEDULED and broadcast.scheduled_at is not None:
        await chat_of(update).send_message(t.gettext(
            "Announcement #{id} is scheduled for {when}. Its audience is counted again then. "
            "/broadcasts lists it, and can cancel it."
        ).format(id=broadcast.id,
                 when=t.datetime(broadcast.scheduled_at, reader_zone(context, user))))
    elif creation.created or broadcast.status_message_id is None:
        # (A form whose broadcast was written before, its answer lost on the way back,
        # may still lack its status message.)
        await broadcast_status.post_status(context.bot, app, broadcast.id)
    return END


async def cancel(update: Update, context: Context, t: Translator) -> object:
    end_form(context)
    await chat_of(update).send_message(
        t.gettext("The announcement is cancelled; nothing was sent."))
    return END


def end_form(context: Context) -> None:
    user_data_of(context).pop(FORM_KEY, None)
    leave_flow(context, FLOW)
