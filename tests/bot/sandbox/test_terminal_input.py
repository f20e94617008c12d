"""The terminal sandbox's input: numbers as answers or button presses, photos and files sent
from the terminal into the demo contests, and !help listing every command."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.sandbox.runner import READER_ID
from bot.sandbox.terminal_chat import SAMPLE_ESSAY, sample_bytes
from handlers.start import ORGANIZER_COMMANDS
from storage.db import make_engine
from storage.uow import Database
from tests.bot.sandbox.test_runner import _block, _chat

# The reader's path to a filled profile, in Kazakh: the language, then the profile asked for
# by the essay contest (the first of /contests), then the consent.
PROFILE = ("1", "/contests", "1", "1", "1", "Айгерім Серікова", "14.03.2009", "Қазақстан",
           "Қарағанды", "Ж. Бектуров атындағы кітапхана", "1")
# The photo contest is the second in /contests; "1" is its Enter button.
PHOTO_CONTEST = ("/contests", "2", "1")
ESSAY_CONTEST = ("/contests", "1", "1")


def _works(database_url: str, user_id: int) -> list[tuple]:
    database = Database(make_engine(database_url))
    with database.uow() as uow:
        found = [(entry.code, contest.key, entry.title, entry.content, entry.caption,
                  entry.file_name)
                 for entry, contest, _result in uow.entries.for_user(user_id)]
    database.dispose()
    return found


async def test_run_chat_number_is_sent_as_the_caption_when_a_typed_answer_is_expected(
    database_url, tmp_path, catalogs
):
    """The caption question has a Skip button, but the bot waits for a typed caption: "50"
    is the caption, and the buttons are shown again with "#"."""
    kk = catalogs.translator("kk")
    code, lines = await _chat(
        database_url, tmp_path, *PROFILE, *PHOTO_CONTEST, "Дала", "!photo", "50", "1", "!quit",
    )

    assert code == 0
    assert _block(lines, "Reader> !photo", 7)[3:] == [
        "🤖 " + kk.gettext("Add a caption to your photo (up to 1000 characters), or skip it."),
        "[1] " + kk.gettext("Skip"),
        "(a typed answer is expected: a number is sent as it is; "
        "to press a button, type # and its number)",
        "[#1] " + kk.gettext("Skip"),
    ]
    assert _works(database_url, READER_ID) == [
        ("E-001", "demo-photo-subjective", "Дала", "photo", "50", None)]


async def test_run_chat_hash_number_presses_a_button_while_a_typed_answer_is_expected(
    database_url, tmp_path
):
    picture = tmp_path / "steppe.png"
    Image.new("RGB", (64, 48), (200, 160, 60)).save(picture)

    code, _lines = await _chat(
        database_url, tmp_path, *PROFILE, *PHOTO_CONTEST, "Дала", f"!photo {picture}", "#1", "1",
        "!quit",
    )

    assert (code, _works(database_url, READER_ID)) == (
        0, [("E-001", "demo-photo-subjective", "Дала", "photo", None, None)])


async def test_run_chat_number_presses_a_button_when_no_typed_answer_is_expected(
    database_url, tmp_path, catalogs
):
    """The entry's summary waits for Submit or Cancel only: "1" submits."""
    kk = catalogs.translator("kk")
    code, lines = await _chat(
        database_url, tmp_path, *PROFILE, *ESSAY_CONTEST, "Дала мен қала", "!file", "1", "!quit",
    )

    entered = "🤖 " + kk.gettext(
        "Your entry {code} is in. The jury will see only this code, not your name."
    ).format(code="E-001")
    assert code == 0
    assert _block(lines, "Reader> !file", 2) == [
        "Reader> !file", f"📎 {SAMPLE_ESSAY} sent (the sample essay)"]
    assert entered in lines
    assert _works(database_url, READER_ID) == [
        ("E-001", "demo-essay-nomads", "Дала мен қала", "document", None, SAMPLE_ESSAY)]


async def test_run_chat_file_with_a_path_sends_that_file_as_the_essay(database_url, tmp_path):
    essay = tmp_path / "менің эссем.txt"
    essay.write_text("Дала мен қала бір-біріне қарсы емес.", encoding="utf-8")

    code, _lines = await _chat(
        database_url, tmp_path, *PROFILE, *ESSAY_CONTEST, "Дала мен қала", f'!file "{essay}"',
        "1", "!quit",
    )

    assert (code, _works(database_url, READER_ID)) == (
        0, [("E-001", "demo-essay-nomads", "Дала мен қала", "document", None,
             "менің эссем.txt")])


async def test_run_chat_file_that_does_not_exist_is_explained_and_not_sent(
    database_url, tmp_path
):
    missing = tmp_path / "no-such-essay.docx"

    code, lines = await _chat(database_url, tmp_path, f"!file {missing}", "!photo nowhere.jpg",
                              "!quit")

    assert (code, _block(lines, f"Reader> !file {missing}", 4)) == (0, [
        f"Reader> !file {missing}",
        f"There is no file {missing}: type its path on this computer, for example "
        "!file ~/essay.docx, or nothing for the sample.",
        "Reader> !photo nowhere.jpg",
        "There is no file nowhere.jpg: type its path on this computer, for example "
        "!file ~/essay.docx, or nothing for the sample.",
    ])


async def test_run_chat_hash_number_without_buttons_is_explained(database_url, tmp_path):
    code, lines = await _chat(database_url, tmp_path, "1", "/help", "#2", "!quit")

    assert (code, _block(lines, "Reader> #2", 2)) == (0, [
        "Reader> #2", "There are no buttons to press here. To send #2 as text, type !send #2"])


async def test_run_chat_help_lists_every_organizer_command(database_url, tmp_path):
    code, lines = await _chat(database_url, tmp_path, "!help", "!quit")

    organizer = _block(lines, "Organizer commands:", len(ORGANIZER_COMMANDS) + 1)
    width = max(len(name) for name, _description in ORGANIZER_COMMANDS) + 2
    assert code == 0
    assert organizer == ["Organizer commands:"] + [
        f"  /{name:<{width}}{description}" for name, description in ORGANIZER_COMMANDS]
    assert _block(lines, "Also:", 3) == [
        "Also:",
        "  /cancel  stop the form or question in progress",
        "  /start   open the bot: the language first, then the welcome",
    ]
    assert "  !photo [PATH]  send a picture as a photo (no PATH: a sample photo)" in lines


def test_sample_files_are_a_jpeg_photo_and_a_docx_essay():
    photo = Image.open(io.BytesIO(sample_bytes("photo.jpg")))

    assert (photo.format, photo.size, sample_bytes(SAMPLE_ESSAY)[:2]) == (
        "JPEG", (1280, 853), b"PK")
    assert Path("bot/sandbox/samples/photo.jpg").stat().st_size < 300_000


async def test_run_chat_organizer_form_numbers_press_choices_and_answer_typed_questions(
    database_url, tmp_path, catalogs
):
    """/newevent in Kazakh: "1" picks the kind and the language (questions answered by
    buttons), then "12" is the title typed under the title question's « Back button."""
    kk = catalogs.translator("kk")
    code, lines = await _chat(database_url, tmp_path, "!organizer", "1", "/newevent", "1", "1",
                              "12", "!quit")

    assert code == 0
    assert _block(lines, "Organizer> 12", 3) == [
        "Organizer> 12",
        "",
        "🤖 " + kk.gettext("Readers see the title in their own language when there is one. "
                          "Add the title in another language?"),
    ]


async def test_run_chat_photo_that_is_no_picture_is_explained_and_not_sent(database_url,
                                                                           tmp_path):
    essay = tmp_path / "essay.txt"
    essay.write_text("Дала мен қала", encoding="utf-8")

    code, lines = await _chat(database_url, tmp_path, f"!photo {essay}", "!quit")

    assert (code, _block(lines, f"Reader> !photo {essay}", 3)) == (0, [
        f"Reader> !photo {essay}",
        f"{essay} is not a picture: to send it as a file, type !file {essay}",
        "Reader> !quit",
    ])
