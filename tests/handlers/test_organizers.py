"""Admins' /organizers through the fake Bot API: a library, an invite link opened by
the new organizer, the list, and removal."""

import re

from bot.sandbox.fakeapi import buttons_of, text_of
from tests.conftest import ORGANIZER_ID, onboard
from tests.org_factories import make_library, make_organizer

LIBRARIAN = 8101
STRANGER = 8102
LINK = re.compile(r"start=(org_[A-Za-z0-9_-]+)")


async def _invite_link(admin, library: str) -> str:
    await admin.send("/organizers")
    await admin.next_message()
    await admin.press(f"Invite an organizer: {library}")
    return LINK.search(text_of(await admin.next_message())).group(1)


async def test_organizers_new_library_typed_then_listed(bot_app, fake_api):
    admin = await onboard(fake_api, ORGANIZER_ID)

    await admin.send("/organizers")
    empty = await admin.next_message()
    await admin.press("Add a library")
    await admin.next_message()
    await admin.send("  Central   Library No. 5  ")
    added = await admin.next_message()
    overview = await admin.next_message()

    assert (text_of(empty), text_of(added), text_of(overview), buttons_of(overview)) == (
        "No libraries yet. Add the first one, then invite its organizers.",
        "Library «Central Library No. 5» added.",
        "Libraries and their organizers:\n\n📚 Central Library No. 5\n  no organizers yet",
        [["Invite an organizer: Central Library No. 5"], ["Add a library"], ["Programmes"]],
    )


async def test_organizers_library_name_without_letters_is_asked_again(bot_app, fake_api,
                                                                      database):
    make_library(database, "Youth Library")
    admin = await onboard(fake_api, ORGANIZER_ID)
    await admin.send("/organizers")
    await admin.next_message()
    await admin.press("Add a library")
    await admin.next_message()

    await admin.send("12")
    no_letters = await admin.next_message()
    await admin.send("Youth  Library")
    taken = await admin.next_message()
    await admin.send("/cancel")
    stopped = await admin.next_message()

    assert [text_of(no_letters), text_of(taken), text_of(stopped)] == [
        "A library's name needs letters. Please type it again.",
        "There is already a library named «Youth Library».",
        "Stopped; no library was added.",
    ]


async def test_organizer_invite_joins_once_and_is_refused_to_the_next(bot_app, fake_api,
                                                                      database):
    make_library(database, "Youth Library")
    admin = await onboard(fake_api, ORGANIZER_ID)
    link = await _invite_link(admin, "Youth Library")
    librarian = await onboard(fake_api, LIBRARIAN, first_name="Gulnara", last_name="Abenova")
    stranger = await onboard(fake_api, STRANGER)

    await librarian.send(f"/start {link}")
    welcome = await librarian.next_message()
    await stranger.send(f"/start {link}")
    refused = await stranger.next_message()
    await admin.send("/organizers")
    overview = await admin.next_message()

    assert (text_of(welcome), text_of(refused), text_of(overview)) == (
        "Welcome! You are now an organizer of «Youth Library»: you see and manage its "
        "events, contests and readers. Send /help to see what you can do.",
        "This organizer invitation is not valid (used or expired). "
        "Ask the administrator for a new one.",
        "Libraries and their organizers:\n\n📚 Youth Library\n  • Gulnara Abenova",
    )


async def test_organizers_removal_asks_then_removes(bot_app, fake_api, database):
    library = make_library(database, "Youth Library")
    make_organizer(database, LIBRARIAN, library)
    admin = await onboard(fake_api, ORGANIZER_ID)
    await admin.send("/organizers")
    await admin.next_message()

    await admin.press("Remove Aigerim Serikova (Youth Library)")
    question = text_of(await admin.next_message())
    await admin.wait_callback_answer(await admin.press("Remove"))
    answered = text_of(admin.last_message)
    admin.drain()
    await admin.send("/organizers")
    after = await admin.next_message()

    assert (question, answered, text_of(after)) == (
        "Remove Aigerim Serikova from the organizers of «Youth Library»? They will no longer "
        "see its events, contests and readers.",
        "Aigerim Serikova is no longer an organizer of this library.",
        "Libraries and their organizers:\n\n📚 Youth Library\n  no organizers yet",
    )


async def test_organizers_is_refused_to_an_organizer_who_is_not_an_admin(bot_app, fake_api,
                                                                         database):
    make_organizer(database, LIBRARIAN, make_library(database, "Youth Library"))
    librarian = fake_api.user(LIBRARIAN)

    await librarian.send("/organizers")
    refused = await librarian.next_message()

    assert text_of(refused) == "Only administrators can manage organizers."


async def test_organizers_admin_adds_programmes_and_a_duplicate_is_asked_again(
    bot_app, fake_api, database
):
    admin = await onboard(fake_api, ORGANIZER_ID)
    await admin.send("/organizers")
    await admin.next_message()
    await admin.press("Programmes")
    empty = await admin.next_message()
    await admin.press("Add a programme")
    await admin.next_message()
    await admin.send("  Парасат   жолы ")
    added = await admin.next_message()
    listed = await admin.next_message()
    await admin.press("Add a programme")
    await admin.next_message()
    await admin.send("ПАРАСАТ ЖОЛЫ")
    taken = await admin.next_message()
    await admin.send("x" * 201)
    too_long = await admin.next_message()
    await admin.send("/cancel")
    stopped = await admin.next_message()

    assert [text_of(empty), buttons_of(empty)] == [
        "No programmes yet. When there are some, /newevent and /newcontest ask which one an "
        "event or contest belongs to.", [["Add a programme"]]]
    assert [text_of(added), text_of(listed), buttons_of(listed)] == [
        "Programme «Парасат жолы» added.",
        "Programmes and projects events and contests may belong to:\n  • Парасат жолы",
        [["Add a programme"]],
    ]
    assert [text_of(taken), text_of(too_long), text_of(stopped)] == [
        "There is already a programme named «Парасат жолы».",
        "Please keep the programme's name under 200 characters.",
        "Stopped; no programme was added.",
    ]
    with database.uow() as uow:
        assert [p.name for p in uow.organizers.programmes()] == ["Парасат жолы"]


async def test_organizers_programmes_are_refused_to_an_organizer_who_is_not_an_admin(
    bot_app, fake_api, database
):
    make_organizer(database, LIBRARIAN, make_library(database, "Youth Library"))
    librarian = fake_api.user(LIBRARIAN)
    await librarian.send("/organizers")
    message = await librarian.next_message()

    answers = [await librarian.wait_callback_answer(
        await librarian.press_data(message["message_id"], data))
        for data in ("og:prog", "og:prognew")]
    await librarian.send("Парасат жолы")
    await librarian.handled()

    assert [answer.text for answer in answers] == [
        "Only administrators can manage organizers."] * 2
    with database.uow() as uow:
        assert uow.organizers.programmes() == []
