"""`kopir sandbox`: the real bot against the project's fake Bot API, chatted with in the
terminal. No token and no internet needed; demo events and contests are seeded on every
start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from bot.app import build_application
from bot.core.clock import Clock, SystemClock
from bot.core.settings import Settings
from bot.runtime.ptb import conversation_states_of, updater_of
from bot.sandbox.demo import DEMO_READER, seed_demo_events
from bot.sandbox.demo_contests import seed_demo_contests
from bot.sandbox.demo_history import seed_demo_history
from bot.sandbox.fakeapi.server import FakeBotApi
from bot.sandbox.terminal_chat import Identity, TerminalChat, stdin_lines
from bot.services.contests import open_contests
from handlers import broadcast, newcontest, newevent
from handlers.profile import ProfileState
from handlers.start import ADMIN_COMMANDS, ORGANIZER_COMMANDS, READER_COMMANDS
from storage.db import make_engine, normalize_url
from storage.uow import Database

READER_ID = 1001
ORGANIZER_ID = 1002
SANDBOX_DATABASE_URL = "sqlite:///data/sandbox.db"
FILES_DIR = Path("data/sandbox-files")
DEFAULT_LANGUAGE_CODE = "kk"

BANNER = """\
Kopir sandbox: the real bot and a fake Telegram on {url}, with {events} upcoming
events and {contests} open contests (the demo ones are added on every start). No token
and no internet are needed.
Database: {database}

You are "Reader" (Telegram user {reader}). The bot's messages appear below,
with their buttons numbered: [1] Register  [2] « Back
  - type a message or a command (/events, /my, /contests, /myentries, /profile,
    /language, /help);
  - type a button's number to press that button of the latest message with buttons;
  - !photo and !file send a photo or a document (a sample one without a path);
  - files the bot sends are saved in {files}/.
Sandbox commands start with "!" (type !help for the list):
  !organizer chats as an organizer (user {organizer}), !reader goes back, !quit leaves.

"""


def run_sandbox(settings: Settings) -> int:
    """Entry point of `kopir sandbox`: the real terminal, the sandbox's own database."""
    if not os.environ.get("KOPIR_DATABASE_URL"):
        settings = replace(settings, database_url=SANDBOX_DATABASE_URL)
    # INFO logs (polling, migrations) would bury the chat; warnings and errors still show.
    logging.getLogger().setLevel(logging.WARNING)

    async def interactive() -> int:
        return await run_chat(
            settings,
            stdin_lines(),
            sys.stdout,
            language_code=language_code_from_env(os.environ),
            echo=not sys.stdin.isatty(),
        )

    try:
        return asyncio.run(interactive())
    except KeyboardInterrupt:
        # Ctrl-C: run_chat has already stopped everything on its way out.
        sys.stdout.write("\nBye!\n")
        return 0


async def run_chat(
    settings: Settings,
    stdin: AsyncIterable[str],
    stdout: TextIO,
    *,
    language_code: str | None = DEFAULT_LANGUAGE_CODE,
    clock: Clock | None = None,
    files_dir: Path = FILES_DIR,
    echo: bool = False,
) -> int:
    """Run the bot against a fake Bot API and chat with it line by line until !quit or EOF."""
    # Imported late: importing Alembic logs at INFO, before run_sandbox quietens logging.
    from storage.migrate import upgrade

    clock = clock or SystemClock()
    upgrade(settings.database_url)
    database = Database(make_engine(settings.database_url))
    api = FakeBotApi()
    await api.start()
    try:
        seed_demo_events(database, clock.now())
        seed_demo_contests(database, clock.now())
        seed_demo_history(database, clock.now())
        events = _upcoming_count(database, clock)
        contests = _open_contest_count(database, clock)
        bot_settings = replace(
            settings,
            token=api.token,
            api_base_url=api.base_url,
            api_base_file_url=api.base_file_url,
            admin_ids=settings.admin_ids | {ORGANIZER_ID},
        )
        application = build_application(bot_settings, clock=clock, database=database)
        chat = TerminalChat(
            api,
            [
                Identity("Reader", api.user(READER_ID, first_name="Reader",
                                            language_code=language_code)),
                Identity("Organizer", api.user(ORGANIZER_ID, first_name="Organizer",
                                               language_code=language_code)),
            ],
            stdout,
            files_dir,
            echo=echo,
            expects_text=lambda user_id: typed_answer_expected(application, user_id),
            bot_commands=bot_commands(application),
        )
        # The demo reader has "opened the bot", so reminders and notices to them are
        # delivered (silently: only the two people of the sandbox are shown).
        api.user(DEMO_READER.id, first_name=DEMO_READER.first_name).started = True
        api.attach(application)  # `TerminalChat.settle` waits for it to be done
        unsubscribe = api.subscribe(chat.on_bot_event)
        async with application:
            await application.start()
            await updater_of(application).start_polling(poll_interval=0.0, timeout=1)
            try:
                chat.write(
                    BANNER.format(
                        url=api.url,
                        events=events,
                        contests=contests,
                        database=_shown_url(settings.database_url),
                        reader=READER_ID,
                        organizer=ORGANIZER_ID,
                        files=files_dir,
                    )
                )
                await _converse(chat, stdin)
            finally:
                unsubscribe()
                await updater_of(application).stop()
                await application.stop()
        chat.write("\nBye!\n")
        return 0
    finally:
        await api.stop()
        database.dispose()


async def _converse(chat: TerminalChat, stdin: AsyncIterable[str]) -> None:
    # The language picker shows at once, so the first thing to do is obvious.
    await chat.active.user.send("/start")
    await chat.settle()
    chat.prompt()
    async for raw in stdin:
        if not await chat.handle(raw.strip()):
            return
        chat.prompt()


def _shown_url(url: str) -> str:
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def _upcoming_count(database: Database, clock: Clock) -> int:
    with database.uow() as uow:
        return uow.events.count_upcoming(clock.now())


def _open_contest_count(database: Database, clock: Clock) -> int:
    with database.uow() as uow:
        return len(open_contests(uow, clock.now()))


def language_code_from_env(env: Mapping[str, str]) -> str:
    """Telegram's language_code for the simulated users, from $LANG ("kk_KZ.UTF-8" -> "kk")."""
    base = (env.get("LANG") or "").split(".")[0].split("_")[0].lower()
    if base.isalpha() and 2 <= len(base) <= 3:
        return base
    return DEFAULT_LANGUAGE_CODE


# Steps of the bot's conversations that take typed text only to say "please use the buttons":
# there a typed number presses a button. By conversation name; the others' steps that read
# text (the handlers' MessageHandlers) expect a typed answer.
BUTTON_ONLY_STEPS: dict[str, frozenset[object]] = {
    "newevent": frozenset(newevent.BUTTON_STEPS),
    "newcontest": frozenset(newcontest.BUTTON_STEPS),
    "broadcast": frozenset(set(broadcast.Step) - set(broadcast.TEXT_STEPS)),
    "profile": frozenset({ProfileState.CONSENT}),
}


def typed_answer_expected(application: Application, user_id: int) -> bool:
    """Whether the bot now reads what `user_id` types as the answer to its question: one of
    the user's conversations is at a step whose handlers take a typed text (the one of the
    user's current flow: `handlers.common.ActiveFlow` lets no other have it), and that step
    is not one of `BUTTON_ONLY_STEPS`.

    The terminal asks before it takes a typed number for a button (see
    `bot.sandbox.terminal_chat`). It reads each conversation's state, which PTB keeps
    private; the sandbox is the bot's own test bench, so that is a fair price for telling
    "How many places?" from "Choose the kind of event".
    """
    probe = Update.de_json(
        {
            "update_id": 0,
            "message": {
                "message_id": 0,
                "date": 0,
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "Sandbox"},
                "text": "50",
            },
        },
        application.bot,
    )
    states = conversation_states_of(application)
    for group in application.handlers.values():
        for conversation in group:
            if not isinstance(conversation, ConversationHandler):
                continue
            # A private chat: PTB's key of a per-chat, per-user conversation.
            state = states.get(conversation.name or "", {}).get((user_id, user_id))
            if state is None or state in BUTTON_ONLY_STEPS.get(conversation.name or "", ()):
                continue
            for handler in conversation.states.get(state, []):
                if isinstance(handler, MessageHandler) and handler.check_update(probe):
                    return True
    return False


# Commands the bot answers that are in no menu.
_UNLISTED = {
    "start": "open the bot: the language first, then the welcome",
    "cancel": "stop the form or question in progress",
}


def bot_commands(application: Application) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every command `application` answers, for !help: the reader's, the organizer's and the
    administrator's menus (the sandbox's organizer is an administrator too) with their
    descriptions, in English like the rest of the sandbox's own text, then any other command
    a handler answers. Read from the bot itself, so the list cannot go stale."""
    answered: set[str] = set()
    for group in application.handlers.values():
        for handler in group:
            answered |= _commands_of(handler)
    menus = [("Reader commands", READER_COMMANDS), ("Organizer commands", ORGANIZER_COMMANDS),
             ("Administrator commands", ADMIN_COMMANDS)]
    listed = [(heading, [(name, description) for name, description in pairs])
              for heading, pairs in menus]
    others = sorted(answered - {name for _heading, pairs in menus for name, _ in pairs})
    if others:
        listed.append(("Also", [(name, _UNLISTED.get(name, "")) for name in others]))
    return listed


def _commands_of(handler: BaseHandler) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks,
                 *(h for handlers in handler.states.values() for h in handlers)]
        return set().union(*(_commands_of(h) for h in inner))
    return set()
