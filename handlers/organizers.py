"""Admins' /organizers: libraries and their organizers, one-time invite links, removal,
a new library by its typed name, and the programmes events and contests may belong to
(see organizers.mmd). Organizers join with /start org_<token>."""

from __future__ import annotations

from enum import Enum

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)

from bot.core.i18n import N_, Translator
from bot.services.organizers import (
    INVITE_TTL,
    LibraryTeam,
    OrganizerInviteInvalid,
    OrganizersError,
    add_library,
    invite_organizer,
    join_as_organizer,
    member,
    remove_organizer,
    teams,
)
from bot.services.programmes import ProgrammeProblem, add_programme, programme_names
from handlers.common import (
    Context,
    chat_of,
    chunks,
    ctx_of,
    enter_flow,
    keyboard,
    leave_flow,
    one_question,
    query_data,
    query_of,
    reader,
    reader_zone,
    text_of,
)

FLOW = "organizers"
PROGRAMMES_FLOW = "programmes"
END = ConversationHandler.END
_ID = r"\d{1,9}"
ONLY_ADMINS = N_("Only administrators can manage organizers.")


class Step(Enum):
    LIBRARY_NAME = "library_name"
    PROGRAMME_NAME = "programme_name"


def register(app: Application) -> None:
    app.add_handler(CommandHandler("organizers", organizers_command))
    app.add_handler(one_question(
        app, FLOW, entry_points=[CallbackQueryHandler(new_library_pressed, pattern=r"^og:lib$")],
        step=Step.LIBRARY_NAME, answered=library_name_typed, not_text=not_text, cancelled=cancel))
    app.add_handler(one_question(
        app, PROGRAMMES_FLOW,
        entry_points=[CallbackQueryHandler(new_programme_pressed, pattern=r"^og:prognew$")],
        step=Step.PROGRAMME_NAME, answered=programme_name_typed, not_text=programme_not_text,
        cancelled=programme_cancel))
    app.add_handler(CallbackQueryHandler(programmes_pressed, pattern=r"^og:prog$"))
    app.add_handler(CallbackQueryHandler(invite_pressed, pattern=rf"^og:inv:{_ID}$"))
    app.add_handler(CallbackQueryHandler(remove_pressed, pattern=rf"^og:rm:{_ID}$"))
    app.add_handler(CallbackQueryHandler(remove_confirmed, pattern=rf"^og:rmok:{_ID}$"))
    app.add_handler(CallbackQueryHandler(keep_pressed, pattern=r"^og:keep$"))


async def organizers_command(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    if not ctx_of(context).is_admin(user.id):
        await chat_of(update).send_message(t.gettext(ONLY_ADMINS))
        return
    await _show(update, context, t)


async def _show(update: Update, context: Context, t: Translator) -> None:
    found = await ctx_of(context).read(teams)
    *before, last = chunks(_overview_text(t, found))
    for chunk in before:
        await chat_of(update).send_message(chunk)
    await chat_of(update).send_message(last, reply_markup=_buttons(t, found))


def _overview_text(t: Translator, found: list[LibraryTeam]) -> str:
    if not found:
        return t.gettext("No libraries yet. Add the first one, then invite its organizers.")
    lines = [t.gettext("Libraries and their organizers:")]
    for team in found:
        lines.append(f"\n📚 {team.name}")
        lines += [f"  • {m.name}" for m in team.members] or [
            "  " + t.gettext("no organizers yet")]
    return "\n".join(lines)


def _buttons(t: Translator, found: list[LibraryTeam]):  # noqa: ANN202
    rows = []
    for team in found:
        rows.append([(t.gettext("Invite an organizer: {library}").format(library=team.name),
                      f"og:inv:{team.library_id}")])
        rows += [[(t.gettext("Remove {name} ({library})").format(name=m.name, library=team.name),
                   f"og:rm:{m.membership_id}")] for m in team.members]
    rows.append([(t.gettext("Add a library"), "og:lib")])
    rows.append([(t.gettext("Programmes"), "og:prog")])
    return keyboard(rows)


async def invite_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    if not app.is_admin(user.id):
        await query_of(update).answer(t.gettext(ONLY_ADMINS), show_alert=True)
        return
    library_id = int(query_data(update).split(":")[2])
    try:
        token, library = await app.call(invite_organizer, library_id, user.id, app.clock.now())
    except OrganizersError as error:
        await query_of(update).answer(t.gettext(error.msgid), show_alert=True)
        return
    await query_of(update).answer()
    link = f"https://t.me/{context.bot.username}?start=org_{token}"
    await chat_of(update).send_message(t.gettext(
        "A one-time link for a new organizer of «{library}». Send it to one person: whoever "
        "opens it first becomes an organizer of this library. It works until {when}:\n{link}"
    ).format(library=library, when=t.datetime(app.clock.now() + INVITE_TTL,
                                              reader_zone(context, user)), link=link))


async def remove_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    if not app.is_admin(user.id):
        await query_of(update).answer(t.gettext(ONLY_ADMINS), show_alert=True)
        return
    found = await app.read(member, int(query_data(update).split(":")[2]))
    if found is None:
        await query_of(update).answer(t.gettext("This organizer was already removed."),
                                           show_alert=True)
        return
    who, library = found
    await query_of(update).answer()
    await chat_of(update).send_message(
        t.gettext("Remove {name} from the organizers of «{library}»? They will no longer see "
                  "its events, contests and readers.").format(name=who.name, library=library),
        reply_markup=keyboard([[(t.gettext("Remove"), f"og:rmok:{who.membership_id}"),
                                (t.gettext("Keep"), "og:keep")]]))


async def remove_confirmed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    if not app.is_admin(user.id):
        await query_of(update).answer(t.gettext(ONLY_ADMINS), show_alert=True)
        return
    removed = await app.call(remove_organizer, int(query_data(update).split(":")[2]))
    text = (t.gettext("This organizer was already removed.") if removed is None else
            t.gettext("{name} is no longer an organizer of this library.").format(
                name=removed.name))
    await query_of(update).edit_message_text(text)
    await query_of(update).answer()


async def keep_pressed(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await query_of(update).edit_message_text(t.gettext("Nothing changed."))
    await query_of(update).answer()


async def new_library_pressed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    if not ctx_of(context).is_admin(user.id):
        await query_of(update).answer(t.gettext(ONLY_ADMINS), show_alert=True)
        return END
    await query_of(update).answer()
    enter_flow(context, FLOW)
    await chat_of(update).send_message(t.gettext(
        "Type the new library's name as readers know it, for example «Central Library "
        "No. 5, Karaganda». /cancel stops."))
    return Step.LIBRARY_NAME


async def library_name_typed(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    app = ctx_of(context)
    try:
        added = await app.call(add_library, text_of(update), app.clock.now())
    except OrganizersError as error:
        await chat_of(update).send_message(t.gettext(error.msgid).format(**error.params))
        return Step.LIBRARY_NAME
    leave_flow(context, FLOW)
    await chat_of(update).send_message(
        t.gettext("Library «{name}» added.").format(name=added.name))
    await _show(update, context, t)
    return END


async def not_text(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    await chat_of(update).send_message(
        t.gettext("Please type the library's name as text. /cancel stops."))
    return Step.LIBRARY_NAME


async def cancel(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    leave_flow(context, FLOW)
    await chat_of(update).send_message(t.gettext("Stopped; no library was added."))
    return END


# --- programmes ------------------------------------------------------------------------------


async def programmes_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    if not ctx_of(context).is_admin(user.id):
        await query_of(update).answer(t.gettext(ONLY_ADMINS), show_alert=True)
        return
    await query_of(update).answer()
    await _show_programmes(update, context, t)


async def _show_programmes(update: Update, context: Context, t: Translator) -> None:
    found = await ctx_of(context).read(programme_names)
    if found:
        text = "\n".join([t.gettext("Programmes and projects events and contests may belong "
                                    "to:"), *(f"  • {name}" for _id, name in found)])
    else:
        text = t.gettext("No programmes yet. When there are some, /newevent and /newcontest "
                         "ask which one an event or contest belongs to.")
    *before, last = chunks(text)
    for chunk in before:
        await chat_of(update).send_message(chunk)
    await chat_of(update).send_message(
        last, reply_markup=keyboard([[(t.gettext("Add a programme"), "og:prognew")]]))


async def new_programme_pressed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    if not ctx_of(context).is_admin(user.id):
        await query_of(update).answer(t.gettext(ONLY_ADMINS), show_alert=True)
        return END
    await query_of(update).answer()
    enter_flow(context, PROGRAMMES_FLOW)
    await chat_of(update).send_message(t.gettext(
        "Type the new programme's or project's name, for example «Парасат жолы» (up to 200 "
        "characters). /cancel stops."))
    return Step.PROGRAMME_NAME


async def programme_name_typed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    app = ctx_of(context)
    if not app.is_admin(user.id):
        # No longer an admin since the question was asked.
        leave_flow(context, PROGRAMMES_FLOW)
        await chat_of(update).send_message(t.gettext(ONLY_ADMINS))
        return END
    added = await app.call(add_programme, text_of(update), app.clock.now())
    if isinstance(added, ProgrammeProblem):
        await chat_of(update).send_message(t.gettext(added.msgid).format(**added.params))
        return Step.PROGRAMME_NAME
    leave_flow(context, PROGRAMMES_FLOW)
    await chat_of(update).send_message(
        t.gettext("Programme «{name}» added.").format(name=added.name))
    await _show_programmes(update, context, t)
    return END


async def programme_not_text(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    await chat_of(update).send_message(
        t.gettext("Please type the programme's name as text. /cancel stops."))
    return Step.PROGRAMME_NAME


async def programme_cancel(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    leave_flow(context, PROGRAMMES_FLOW)
    await chat_of(update).send_message(t.gettext("Stopped; no programme was added."))
    return END


async def join_by_link(update: Update, context: Context, token: str) -> bool:
    """/start org_<token>: become an organizer of the invite's library; whether they are one."""
    user, t = await reader(update, context)
    app = ctx_of(context)
    name = update.effective_user.full_name if update.effective_user else ""
    try:
        joined = await app.call(join_as_organizer, token, user.id, name, app.clock.now())
    except OrganizerInviteInvalid as error:
        await chat_of(update).send_message(t.gettext(error.msgid))
        return False
    text = (t.gettext("You are already an organizer of «{library}».") if joined.already else
            t.gettext("Welcome! You are now an organizer of «{library}»: you see and manage its "
                      "events, contests and readers. Send /help to see what you can do."))
    await chat_of(update).send_message(text.format(library=joined.library))
    return True
