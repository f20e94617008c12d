"""Who may press an organizer's button or send an organizer's command: admins always,
organizers for their libraries' events and contests (`bot.services.roles`). A refusal
is a pop-up on a button and a message on a command; nothing else happens."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update

from bot.core.context import AppContext
from bot.core.i18n import N_, Translator
from bot.services.roles import Access, Role, contest_access, event_access, role_of
from handlers.common import Context, chat_of, ctx_of, reader
from storage.models import User
from storage.uow import UnitOfWork

ONLY_ORGANIZERS = N_("Only organizers can do this.")
OTHER_LIBRARY = N_(
    "This belongs to another library: only its organizers and the administrators can manage it."
)


async def role_of_user(app: AppContext, user_id: int) -> Role:
    """Admin (settings), organizer of some libraries (database), or reader."""
    return await app.read(role_of, user_id, app.settings.admin_ids)


def _access(uow: UnitOfWork, check: Callable[[UnitOfWork, Role, int], Access], user_id: int,
            thing_id: int, admin_ids: frozenset[int]) -> Access:
    return check(uow, role_of(uow, user_id, admin_ids), thing_id)


async def organizer(update: Update, context: Context) -> tuple[User, Translator, Role] | None:
    """The sender if they organize for some library (or are an admin), else refused."""
    user, t = await reader(update, context)
    role = await role_of_user(ctx_of(context), user.id)
    if role.organizer:
        return user, t, role
    await refuse(update, t, ONLY_ORGANIZERS)
    return None


async def event_organizer(update: Update, context: Context,
                          event_id: int) -> tuple[User, Translator] | None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    access = await app.read(_access, event_access, user.id, event_id, app.settings.admin_ids)
    return await _allowed(update, t, user, access)


async def contest_organizer(update: Update, context: Context,
                            contest_id: int) -> tuple[User, Translator] | None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    access = await app.read(_access, contest_access, user.id, contest_id, app.settings.admin_ids)
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
        await chat_of(update).send_message(t.gettext(msgid))
