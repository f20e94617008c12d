"""Organizers: letters of thanks to the readers who came to an event (bot.services.event_letters).

The registrants list's **Letters of thanks** button asks first, with the count; **Send**
queues them through the outbox.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.services import event_letters
from bot.services.roles import Access, event_access, role_of
from handlers.common import Context, ctx_of, keyboard, query_of, reader, replace_message
from handlers.guards import ONLY_ORGANIZERS, OTHER_LIBRARY
from storage.uow import UnitOfWork

ASK = "lt:ask"
SEND = "lt:send"
KEEP = "lt:no"
_ID = r"(\d{1,9})"


def ask_data(event_id: int) -> str:
    return f"{ASK}:{event_id}"


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(ask_pressed, pattern=rf"^{ASK}:{_ID}$"))
    app.add_handler(CallbackQueryHandler(send_pressed, pattern=rf"^{SEND}:{_ID}$"))
    app.add_handler(CallbackQueryHandler(keep_pressed, pattern=rf"^{KEEP}$"))


async def ask_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    event_id = _event_id(update)
    access, count = await app.read(_recipients_for, event_id, user.id, app.settings.admin_ids)
    if await _refused(update, t, access):
        return
    await query_of(update).answer()
    if not count:
        await replace_message(update, t.gettext(
            "Nobody is waiting for a letter: everyone who came and has a profile has one "
            "already (or nobody has been marked as came yet)."), None)
        return
    await replace_message(update, t.ngettext(
        "Send a letter of thanks (a PDF in their own language) to {n} reader who came?",
        "Send a letter of thanks (a PDF in their own language) to {n} readers who came?", count,
    ).format(n=count), keyboard([[(t.gettext("Send"), f"{SEND}:{event_id}"),
                                  (t.gettext("No"), KEEP)]]))


async def send_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    event_id = _event_id(update)
    access, _count = await app.read(_recipients_for, event_id, user.id, app.settings.admin_ids)
    if await _refused(update, t, access):
        return
    sent = await app.call(event_letters.send, event_id, app.clock.now())
    await query_of(update).answer()
    await replace_message(update, t.ngettext(
        "{n} letter of thanks is on its way.", "{n} letters of thanks are on their way.", sent,
    ).format(n=sent), None)


async def keep_pressed(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await query_of(update).answer()
    await replace_message(update, t.gettext("No letters were sent."), None)


def _recipients_for(
    uow: UnitOfWork, event_id: int, user_id: int, admin_ids: frozenset[int]
) -> tuple[Access, int]:
    access = event_access(uow, role_of(uow, user_id, admin_ids), event_id)
    if access != Access.ALLOWED:
        return access, 0
    return access, len(event_letters.recipients(uow, event_id))


async def _refused(update: Update, t, access: Access) -> bool:  # noqa: ANN001
    if access == Access.ALLOWED:
        return False
    message = OTHER_LIBRARY if access == Access.OTHER_LIBRARY else ONLY_ORGANIZERS
    await query_of(update).answer(t.gettext(message), show_alert=True)
    return True


def _event_id(update: Update) -> int:
    found = re.search(r"(\d+)$", query_of(update).data or "")
    if found is None:
        raise ValueError("the handler's pattern ends with the event's id")
    return int(found.group(1))
