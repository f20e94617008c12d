"""/start (with deep links), the language choice, /language and /help."""

from __future__ import annotations

import logging
import re

from babel.lists import format_list
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.context import AppContext, app_context
from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES, LATIN_KAZAKH, N_, Translator
from bot.services.organizers import library_names
from bot.services.roles import Role
from bot.services.users import set_reader_language, suggested_language
from handlers import checkin, contests, events, guards, jury_invites, organizers
from handlers.common import (
    LANGUAGE_KEY,
    Context,
    chat_of,
    ctx_of,
    keyboard,
    query_data,
    query_of,
    reader,
    seen_user,
    user_data_of,
)

log = logging.getLogger(__name__)

# Deep-link payloads: /start event_12, /start contest_3, /start jury_<invite token>,
# /start org_<organizer invite token>, /start checkin_<offline event's door token>.
DEEP_LINK = re.compile(
    r"^(event|contest)_(\d{1,9})$|^(jury|org|checkin)_([A-Za-z0-9_-]{16,58})$")
PENDING_LINK = "pending_deep_link"

# Command descriptions, extracted for translation and rendered per language.
READER_COMMANDS = (
    ("events", N_("Upcoming video-bridges and conferences")),
    ("my", N_("My registrations")),
    ("contests", N_("Essay and photo contests")),
    ("myentries", N_("My contest entries")),
    ("jury", N_("Jury: score entries")),
    ("profile", N_("My profile")),
    ("mydata", N_("What Kopir keeps about me")),
    ("deleteme", N_("Erase my data")),
    ("language", N_("Change language")),
    ("help", N_("What this bot can do")),
)
ORGANIZER_COMMANDS = (
    ("newevent", N_("Create an event")),
    ("newcontest", N_("Create a contest")),
    ("results", N_("Contest results")),
    ("broadcast", N_("Send an announcement")),
    ("broadcasts", N_("Announcements and their figures")),
    ("report", N_("Report for a period: figures, charts, tables")),
    ("past", N_("Events that have taken place: who came, ratings, letters")),
)
ADMIN_COMMANDS = (("organizers", N_("Libraries and their organizers")),)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("language", choose_language))
    app.add_handler(CommandHandler("help", show_help))
    app.add_handler(CallbackQueryHandler(language_chosen, pattern=r"^lang:"))


async def start(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    payload = context.args[0] if context.args else ""
    link = payload if DEEP_LINK.match(payload) else None
    if user.language is None:
        # First contact: the language is asked once, then the link is honoured.
        if link:
            user_data_of(context)[PENDING_LINK] = link
        await _ask_language(update, context, first_time=True)
        return
    if link:
        await _follow(update, context, link)
        return
    await chat_of(update).send_message(await _greeting(update, context, t, user.id))


async def _follow(update: Update, context: Context, payload: str) -> None:
    match = DEEP_LINK.match(payload)
    if match is None:  # the links followed were matched when they arrived
        raise ValueError(f"not a deep link: {payload!r}")
    kind, number, invite, token = match.groups()
    if invite == "org":
        if await organizers.join_by_link(update, context, token):
            user, t = await reader(update, context)
            await _publish_chat_commands(context, chat_of(update).id, t,
                                         await guards.role_of_user(ctx_of(context), user.id))
    elif invite == "checkin":
        await checkin.check_in_by_link(update, context, token)
    elif token is not None:
        await jury_invites.join_by_link(update, context, token)
    elif kind == "contest":
        await contests.show_contest_card(update, context, int(number))
    else:
        await events.show_event_card(update, context, int(number))


async def choose_language(update: Update, context: Context) -> None:
    await reader(update, context)
    await _ask_language(update, context, first_time=False)


async def _ask_language(update: Update, context: Context, *, first_time: bool) -> None:
    app = ctx_of(context)
    user, _t = await reader(update, context)
    current = user.language or suggested_language(seen_user(update), app.settings.default_language)
    t = app.translator(current)
    _ = t.gettext
    rows = [
        [(("✓ " if code == current else "") + LANGUAGE_NAMES[code], f"lang:{code}")]
        for code in LANGUAGES
    ]
    text = _("Hello! Choose your language:") if first_time else _("Choose your language:")
    await chat_of(update).send_message(text, reply_markup=keyboard(rows))


async def language_chosen(update: Update, context: Context) -> None:
    query = query_of(update)
    code = query_data(update).removeprefix("lang:")
    app = ctx_of(context)
    if code not in LANGUAGES:
        await query.answer()
        return
    user = await app.call(set_reader_language, seen_user(update), code, app.clock.now())
    # The error handler answers in the language last seen.
    user_data_of(context)[LANGUAGE_KEY] = user.language
    t = app.translator(code)
    await query.answer()
    await query.edit_message_text(t.gettext("Language: {name}").format(name=LANGUAGE_NAMES[code]))
    role = await guards.role_of_user(app, user.id)
    await _publish_chat_commands(context, chat_of(update).id, t, role)
    pending = user_data_of(context).pop(PENDING_LINK, None)
    if pending is not None:
        await _follow(update, context, pending)
        return
    await chat_of(update).send_message(_welcome(t, seen_user(update).first_name)
                                       + await _organizer_part(app, t, role))


async def show_help(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    await chat_of(update).send_message(await _greeting(update, context, t, user.id))


async def _greeting(update: Update, context: Context, t: Translator, user_id: int) -> str:
    """The welcome; an organizer's also says whose organizer they are and lists their commands."""
    app = ctx_of(context)
    role = await guards.role_of_user(app, user_id)
    return _welcome(t, seen_user(update).first_name) + await _organizer_part(app, t, role)


async def _organizer_part(app: AppContext, t: Translator, role: Role) -> str:
    """Empty for a reader; for an organizer or an admin, who they are and their commands,
    one line each (the same descriptions as in the command menu)."""
    if not role.organizer:
        return ""
    _ = t.gettext
    lines = []
    if role.admin:
        lines.append(_("You are an administrator of Kopir: you manage every library's events "
                       "and contests."))
    names = await app.read(library_names, role.library_ids)
    if names:
        # The list's words ("және") in the reader's alphabet; the names as they are written.
        pattern = t.in_script(format_list([f"{{{i}}}" for i in range(len(names))],
                                          locale=t.locale))
        libraries = pattern.format(*(f"«{name}»" for name in names))
        lines.append(t.ngettext(
            "You are an organizer of the library {libraries}.",
            "You are an organizer of the libraries {libraries}.",
            len(names),
        ).format(libraries=libraries))
    # Translators: heading of the organizer's part of /help, above "/newevent — Create an event".
    lines.append(_("Your organizer commands:"))
    pairs = ORGANIZER_COMMANDS + (ADMIN_COMMANDS if role.admin else ())
    lines += [f"/{name} — {_(description)}" for name, description in pairs]
    return "\n\n" + "\n".join(lines)


def _welcome(t: Translator, first_name: str) -> str:
    """The greeting: the reader's first name as Telegram tells it now (never stored)."""
    _ = t.gettext
    # Translators: the first screen after the language is chosen; {name} is the reader's first name.
    welcome = _(
        "Welcome, {name}! Kopir is the bridge between libraries: video-bridges, online "
        "conferences and contests with readers of other cities and countries.\n\n"
        "/events — upcoming events and registration\n"
        "/my — your registrations and join links\n"
        "/contests — essay and photo contests\n"
        "/myentries — your contest entries\n"
        "/jury — score contest entries (for jury members)\n"
        "/profile — your profile\n"
        "/language — change the language"
    ).format(name=first_name or "👋")
    # Translators: the end of the welcome's list of commands, after "/language — ...".
    privacy = _("/mydata — what Kopir keeps about you\n/deleteme — erase your data")
    return welcome + "\n" + privacy


def _commands(t: Translator, role: Role | None = None) -> list[BotCommand]:
    pairs: tuple[tuple[str, str], ...] = READER_COMMANDS
    if role is not None and role.organizer:
        pairs += ORGANIZER_COMMANDS
    if role is not None and role.admin:
        pairs += ADMIN_COMMANDS
    return [BotCommand(name, t.gettext(description)) for name, description in pairs]


async def publish_commands(app: Application) -> None:
    """Command menus in each language, shown by Telegram per the client's language."""
    context = app_context(app.bot_data)
    for code in LANGUAGES:
        if code == LATIN_KAZAKH:
            # Telegram takes two-letter codes only (its "kk" is Cyrillic here): readers
            # who choose Latin Kazakh get their menu per chat (`_publish_chat_commands`).
            continue
        commands = _commands(context.translator(code))
        await app.bot.set_my_commands(commands, language_code=code)
    default = context.translator(context.settings.default_language)
    await app.bot.set_my_commands(_commands(default))


async def _publish_chat_commands(
    context: Context, chat_id: int, t: Translator, role: Role
) -> None:
    """The reader's chosen language wins over their Telegram client's; organizers and
    admins get their commands too."""
    try:
        await context.bot.set_my_commands(
            _commands(t, role), scope=BotCommandScopeChat(chat_id)
        )
    except TelegramError as error:
        # A menu in the wrong language is not worth failing the choice over.
        log.warning("could not set chat commands for %s: %s", chat_id, error)
