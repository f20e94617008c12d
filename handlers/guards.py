"""Who may press an organizer's button or send an organizer's command: admins always,
organizers for their libraries' events and contests (`bot.services.roles`). A refusal
is a pop-up on a button and a message on a command; nothing else happens."""

from __future__ import annotations

from telegram import Update

from bot.core.i18n import N_, Translator
from bot.services.roles import Access, Role
from handlers.common import Context, ctx_of, reader
from storage.models import User

ONLY_ORGANIZERS = N_("Only organizers can do this.")
OTHER_LIBRARY = N_(
    "This belongs to another library: only its organizers and the administrators can manage it."
)


async def organizer(update: Update, context: Context) -> tuple[User, Translator, Role] | None:
    """The sender if they organize for some library (or are an admin), else refused."""
    user, t = await reader(update, context)
    role = await ctx_of(context).role(user.id)
    if role.organizer:
        return user, t, role
    await refuse(update, t, ONLY_ORGANIZERS)
    return None


async def event_organizer(update: Update, context: Context,
                          event_id: int) -> tuple[User, Translator] | None:
    user, t = await reader(update, context)
    return await _allowed(update, t, user, await ctx_of(context).event_access(user.id, event_id))


async def contest_organizer(update: Update, context: Context,
                            contest_id: int) -> tuple[User, Translator] | None:
    user, t = await reader(update, context)
    access = await ctx_of(context).contest_access(user.id, contest_id)
    return await _allowed(update, t, user, access)


async def _allowed(update: Update, t: Translator, user: User,
                   access: Access) -> tuple[User, Translator] | None:
    if access is Access.ALLOWED:
        return user, t
    await refuse(update, t, ONLY_ORGANIZERS if access is Access.NOT_ORGANIZER else OTHER_LIBRARY)
    return None


async def refuse(update: Update, t: Translator, msgid: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(t.gettext(msgid), show_alert=True)
    else:
        await update.effective_chat.send_message(t.gettext(msgid))
