"""The terminal sandbox: scripted lines in, the printed chat out, against the real bot."""

import asyncio
import io
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.core.settings import Settings
from bot.sandbox.fakeapi.server import FakeBotApi
from bot.sandbox.runner import ORGANIZER_ID, READER_ID, language_code_from_env, run_chat
from bot.sandbox.terminal_chat import Identity, TerminalChat
from bot.services.entry_refusals import PROFILE_INCOMPLETE
from handlers.events import kind_label
from storage.db import make_engine
from storage.models import EventKind
from storage.uow import Database
from tests.factories import NOW


async def _lines(items):
    for item in items:
        yield item


async def _chat(database_url: str, files_dir: Path, *lines: str) -> tuple[int, list[str]]:
    """Run the sandbox over `lines`; returns the exit code and the printed lines."""
    out = io.StringIO()
    code = await asyncio.wait_for(
        run_chat(
            # Telegram's pacing (1/s into a chat, 30/s in all) would only slow the script.
            Settings(database_url=database_url, chat_interval_seconds=0.0, send_rate=1000.0),
            _lines(lines),
            out,
            language_code="kk",
            clock=ManualClock(NOW),
            files_dir=files_dir,
            echo=True,
        ),
        # A ceiling against a hang, not a pace.
        timeout=60,
    )
    return code, out.getvalue().split("\n")


def _block(lines: list[str], first: str, size: int) -> list[str]:
    """`size` printed lines starting at the first line equal to `first`."""
    start = lines.index(first)
    return lines[start : start + size]


def _user(database_url: str, user_id: int):
    database = Database(make_engine(database_url))
    with database.uow() as uow:
        user = uow.users.get(user_id)
        found = None if user is None else (user.id, user.first_name, user.language)
    database.dispose()
    return found


def _registration(database_url: str, event_key: str, user_id: int) -> str | None:
    database = Database(make_engine(database_url))
    with database.uow() as uow:
        registration = uow.registrations.get(uow.events.by_key(event_key).id, user_id)
        status = None if registration is None else registration.status
    database.dispose()
    return status


async def test_run_chat_opens_with_language_picker_and_numbered_buttons(
    database_url, tmp_path, catalogs
):
    code, lines = await _chat(database_url, tmp_path, "!quit")

    kk = catalogs.translator("kk")
    assert code == 0
    assert _block(lines, "🤖 " + kk.gettext("Hello! Choose your language:"), 7) == [
        "🤖 " + kk.gettext("Hello! Choose your language:"),
        "[1] ✓ Қазақша",
        "[2] Русский",
        "[3] Українська",
        "[4] English",
        "[5] Qazaqşa (latyn)",
        "Reader> !quit",
    ]
    assert lines[-2:] == ["Bye!", ""]


async def test_run_chat_number_picks_language_and_opens_event_card(
    database_url, tmp_path, catalogs
):
    code, lines = await _chat(database_url, tmp_path, "1", "/events", "1", "!quit")

    kk = catalogs.translator("kk")
    card_title = "🤖 (edited) " + kind_label(kk, EventKind.VIDEO_BRIDGE)
    card = lines[lines.index(card_title) : lines.index("Reader> !quit")]
    assert code == 0
    assert _block(lines, "Reader> 1", 3) == [
        "Reader> 1",
        "",
        "🤖 (edited) " + kk.gettext("Language: {name}").format(name="Қазақша"),
    ]
    assert (card[1], card[-2:]) == (
        "Болашақ моделі next буынының көзімен",
        ["[1] " + kk.gettext("Register"), "[2] " + kk.gettext("« Back")],
    )
    # Telegram's first name is not stored (before consent only the id and language are).
    assert _user(database_url, READER_ID) == (READER_ID, "", "kk")


async def test_run_chat_reader_registers_for_demo_video_bridge_in_kazakh(
    database_url, tmp_path, catalogs
):
    """The newcomer's path: Kazakh, /events, the card, Register, the profile, consent."""
    code, lines = await _chat(
        database_url, tmp_path / "files",
        "1", "/events", "1", "1",
        "Айгерім Серікова", "14.03.2009", "Қазақстан", "Қарағанды",
        "Ж. Бектуров атындағы кітапхана",
        "1", "!quit",
    )

    kk = catalogs.translator("kk")
    saved = tmp_path / "files" / "kopir-event-1.ics"
    registered = "✅ " + kk.gettext(
        "You are registered for «{title}».\n"
        "Starts: {when}.\n\n"
        "We will remind you before the start. The join link will appear in /my shortly "
        "before the start. The file below adds the event to your calendar."
    ).split("\n")[0].format(title="Болашақ моделі next буынының көзімен")
    assert code == 0
    assert [line for line in lines if line.startswith(("🤖 ✅", "🤖 📎"))] == [
        "🤖 " + registered,
        f"🤖 📎 kopir-event-1.ics (saved to {saved})",
    ]
    assert saved.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert _registration(database_url, "demo-karaganda-kyiv", READER_ID) == "registered"


def _entries(database_url: str, user_id: int) -> list[tuple]:
    database = Database(make_engine(database_url))
    with database.uow() as uow:
        found = [(entry.code, contest.key, entry.side, entry.title, entry.content, entry.text)
                 for entry, contest, _result in uow.entries.for_user(user_id)]
    database.dispose()
    return found


async def test_run_chat_reader_enters_demo_essay_contest_in_kazakh(
    database_url, tmp_path, catalogs
):
    """Kazakh, /contests, the essay card, Enter, the profile (born 2009), then the essay."""
    essay = "Біз әртүрлі елдерде тұрамыз, бірақ бір кітапты оқимыз."
    code, lines = await _chat(
        database_url, tmp_path,
        "1", "/contests", "1", "1",
        "1", "Айгерім Серікова", "14.03.2009", "Қазақстан", "Қарағанды",
        "Ж. Бектуров атындағы кітапхана", "1",
        "/contests", "1", "1", "Дала мен қала", essay, "1", "!quit",
    )

    kk = catalogs.translator("kk")
    entered = "🤖 " + kk.gettext(
        "Your entry {code} is in. The jury will see only this code, not your name."
    ).format(code="E-001")
    assert code == 0
    assert lines[1] == (
        "events and 2 open contests (the demo ones are added on every start). No token"
    )
    assert _block(lines, "🤖 " + kk.gettext(PROFILE_INCOMPLETE), 2) == [
        "🤖 " + kk.gettext(PROFILE_INCOMPLETE),
        "[1] " + kk.gettext("Fill in my profile"),
    ]
    assert _block(lines, entered, 3) == [
        entered,
        "",
        kk.gettext("Until entries close, you can replace or withdraw it in /myentries."),
    ]
    assert _entries(database_url, READER_ID) == [
        ("E-001", "demo-essay-nomads", "kz", "Дала мен қала", "text", essay)
    ]


async def test_run_chat_number_out_of_range_is_explained_not_sent(database_url, tmp_path):
    code, lines = await _chat(database_url, tmp_path, "9", "!quit")

    assert (code, _block(lines, "Reader> 9", 2)) == (
        0,
        [
            "Reader> 9",
            "There is no button 9 here: the buttons are 1-5. To send 9 as text, type !send 9",
        ],
    )
    assert _user(database_url, READER_ID)[2] is None  # nothing was pressed


async def test_run_chat_organizer_command_switches_identity(database_url, tmp_path):
    code, lines = await _chat(database_url, tmp_path, "!organizer", "4", "!reader", "!quit")

    assert code == 0
    assert _block(lines, "Reader> !organizer", 2) == [
        "Reader> !organizer",
        f"You are now chatting as Organizer (Telegram user {ORGANIZER_ID}).",
    ]
    assert "Organizer> 4" in lines
    assert _block(lines, "Organizer> !reader", 8) == [
        "Organizer> !reader",
        f"You are now chatting as Reader (Telegram user {READER_ID}).",
        "Buttons of the latest message:",
        "[1] ✓ Қазақша",
        "[2] Русский",
        "[3] Українська",
        "[4] English",
        "[5] Qazaqşa (latyn)",
    ]
    # The organizer picked English; the reader has not answered the picker.
    assert (_user(database_url, ORGANIZER_ID), _user(database_url, READER_ID)) == (
        (ORGANIZER_ID, "", "en"),
        (READER_ID, "", None),
    )


async def test_run_chat_end_of_input_ends_cleanly_like_quit(database_url, tmp_path):
    code, lines = await _chat(database_url, tmp_path)

    assert (code, lines[-3:]) == (0, ["Reader> ", "Bye!", ""])


async def test_run_chat_unknown_sandbox_command_is_not_sent_to_the_bot(database_url, tmp_path):
    code, lines = await _chat(database_url, tmp_path, "!bogus", "!quit")

    assert (code, _block(lines, "Reader> !bogus", 2)) == (
        0,
        ["Reader> !bogus", "Unknown sandbox command '!bogus': type !help for the list."],
    )


def _window(tmp_path: Path) -> tuple[FakeBotApi, TerminalChat, io.StringIO]:
    api = FakeBotApi()
    out = io.StringIO()
    chat = TerminalChat(
        api,
        [Identity("Reader", api.user(READER_ID)), Identity("Organizer", api.user(ORGANIZER_ID))],
        out,
        tmp_path / "files",
    )
    return api, chat, out


def test_terminal_chat_saves_documents_and_shows_where(tmp_path):
    api, chat, out = _window(tmp_path)
    stored = api.files.add(b"BEGIN:VCALENDAR", "document", file_name="kopir-event-3.ics",
                           mime_type="text/calendar")

    chat.on_bot_event(READER_ID, "sent", {"message_id": 7, "document": stored.document_json()})

    saved = tmp_path / "files" / "kopir-event-3.ics"
    assert (out.getvalue(), saved.read_bytes()) == (
        f"\n🤖 📎 kopir-event-3.ics (saved to {saved})\n",
        b"BEGIN:VCALENDAR",
    )


def test_terminal_chat_labels_messages_to_the_other_identity(tmp_path):
    _api, chat, out = _window(tmp_path)
    keyboard = {"inline_keyboard": [[{"text": "Register", "callback_data": "ev:reg:1"},
                                     {"text": "◀ Events", "callback_data": "ev:list:0"}]]}

    chat.on_bot_event(ORGANIZER_ID, "sent",
                      {"message_id": 3, "text": "Card\nline", "reply_markup": keyboard})

    assert out.getvalue() == (
        "\n(to Organizer) 🤖 Card\nline\n[1] Register  [2] ◀ Events\n"
    )
    assert (chat.identities[ORGANIZER_ID].current["message_id"],
            chat.identities[READER_ID].current) == (3, None)


def test_terminal_chat_edit_of_buttons_only_is_not_reprinted(tmp_path):
    _api, chat, out = _window(tmp_path)
    question = {"message_id": 4, "text": "Please check your answers:\nName: Aru",
                "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}}
    chat.on_bot_event(READER_ID, "sent", question)
    out.truncate(0)
    out.seek(0)

    chat.on_bot_event(READER_ID, "edited", {k: v for k, v in question.items()
                                            if k != "reply_markup"})

    assert (out.getvalue(), chat.identities[READER_ID].current) == (
        "\n🤖 (buttons removed from «Please check your answers:»)\n",
        None,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"LANG": "uk_UA.UTF-8"}, "uk"), ({"LANG": "C.UTF-8"}, "kk"), ({}, "kk")],
)
def test_language_code_from_env_reads_lang_or_defaults_to_kazakh(env, expected):
    assert language_code_from_env(env) == expected
