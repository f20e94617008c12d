"""Half-filled forms survive a restart: conversations and drafts kept in the database."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.core.settings import Settings
from bot.runtime.persistence import DatabasePersistence
from bot.sandbox.fakeapi.users import text_of
from handlers import profile
from handlers.common import FLOW_KEY
from storage.models import Event
from storage.persistence_models import PersistedState
from storage.uow import DatabaseBusy
from tests.conftest import ORGANIZER_ID, onboard, running
from tests.factories import NOW
from tests.handlers.test_newevent import FORM, SUMMARY
from tests.handlers.test_profile import ANSWERS, COUNTRY_Q, profile_row


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Replies into one chat without Telegram's 1/s pacing (tests/bot/delivery checks it)."""
    return replace(settings, chat_interval_seconds=0.0)


def rows(database) -> list[tuple[str, str, str]]:  # noqa: ANN001
    with database.uow() as uow:
        found = uow.session.exec(select(PersistedState)).all()
        return sorted((row.kind, row.name, row.key) for row in found)


async def test_profile_half_filled_is_finished_after_restart(
    settings, clock, database, catalogs, fake_api
):
    t = catalogs.translator("en")
    async with running(settings, clock, database, catalogs, fake_api):
        user = await onboard(fake_api, 311, "en")
        await user.send("/profile")
        await user.next_message()
        await user.press(t.gettext("Fill in my profile"))
        await user.next_message()
        for text in ANSWERS[:2]:
            await user.send(text)
            asked = await user.next_message()

    async with running(settings, clock, database, catalogs, fake_api):
        for text in ANSWERS[2:]:
            await user.send(text)
            await user.next_message()
        await user.press(t.gettext("Yes, I agree"))
        await user.next_message()  # the consent buttons are removed
        saved = await user.next_message()

    assert text_of(asked) == t.gettext(COUNTRY_Q)
    assert text_of(saved) == t.gettext("Thank you! Your profile is saved.")
    assert profile_row(database, 311) == (
        "Aru Sadykova", date(2009, 3, 14), "Kazakhstan", "Karaganda", "Youth library No. 2", NOW
    )
    # The finished form leaves nothing behind: no draft, no conversation, no flow.
    stored = DatabasePersistence(database)
    left = (await stored.get_user_data()).get(311, {})
    assert (FLOW_KEY in left, profile.DRAFT in left) == (False, False)
    assert await stored.get_conversations(profile.FLOW) == {}


async def test_newevent_half_filled_is_finished_after_restart(
    settings, clock, database, catalogs, fake_api
):
    half = len(FORM) // 2
    async with running(settings, clock, database, catalogs, fake_api):
        organizer = await onboard(fake_api, ORGANIZER_ID, "en")
        await organizer.send("/newevent")
        await organizer.next_message()
        for action, value in FORM[:half]:
            await (organizer.press(value) if action == "press" else organizer.send(value))
            await organizer.next_message()

    async with running(settings, clock, database, catalogs, fake_api):
        for action, value in FORM[half:]:
            await (organizer.press(value) if action == "press" else organizer.send(value))
            summary = await organizer.next_message()
        await organizer.press("Confirm")
        created = await organizer.next_message()
        await organizer.next_message()  # the event card
        await organizer.next_message()  # the invite link

    with database.uow() as uow:
        [event] = uow.session.exec(select(Event)).all()
    assert text_of(summary) == SUMMARY
    assert text_of(created) == "The event is created."
    assert (event.titles, event.link, event.capacity, event.created_by) == (
        {"ru": "Модель будущего глазами поколения next",
         "en": "The future through the eyes of generation next"},
        "https://zoom.us/j/123456789", 100, ORGANIZER_ID,
    )


async def test_profile_draft_is_written_by_the_regular_update_before_any_shutdown(
    settings, clock, database, catalogs, fake_api
):
    t = catalogs.translator("en")
    async with running(settings, clock, database, catalogs, fake_api) as application:
        user = await onboard(fake_api, 312, "en")
        await user.send("/profile")
        await user.next_message()
        await user.press(t.gettext("Fill in my profile"))
        await user.next_message()
        await user.send(ANSWERS[0])
        await user.next_message()

        # What the persistence loop runs every `update_interval`, run now.
        await application.update_persistence()
        loaded = DatabasePersistence(database)
        user_data = await loaded.get_user_data()
        conversation = await loaded.get_conversations("profile")

    assert user_data[312][FLOW_KEY] == "profile"
    assert list(conversation) == [(312, 312)]


async def test_persistence_round_trips_user_data_and_conversations_and_drops(storage):
    persistence = DatabasePersistence(storage)

    await persistence.update_user_data(1, {FLOW_KEY: "newevent", "form": {"title": "Кітап"}})
    await persistence.update_user_data(2, {"draft": {"values": [3, 4]}})
    await persistence.update_chat_data(5, {"seen": True})
    await persistence.update_conversation("newevent", (1, 1), "TITLE")
    await persistence.update_conversation("profile", (2, 2), 3)
    await persistence.drop_user_data(2)
    await persistence.update_conversation("profile", (2, 2), None)
    reloaded = DatabasePersistence(storage)

    assert await reloaded.get_user_data() == {
        1: {FLOW_KEY: "newevent", "form": {"title": "Кітап"}}
    }
    assert await reloaded.get_chat_data() == {5: {"seen": True}}
    assert await reloaded.get_conversations("newevent") == {(1, 1): "TITLE"}
    assert await reloaded.get_conversations("profile") == {}


async def test_persistence_empty_user_data_keeps_no_row(storage):
    persistence = DatabasePersistence(storage)
    await persistence.update_user_data(1, {"draft": {}})

    await persistence.update_user_data(1, {})
    await persistence.update_user_data(2, {})

    assert rows(storage) == []
    assert await DatabasePersistence(storage).get_user_data() == {}


async def test_persistence_unreadable_row_is_dropped(storage):
    persistence = DatabasePersistence(storage)
    await persistence.update_user_data(1, {"draft": 1})
    with storage.uow() as uow:
        row = uow.session.get(PersistedState, ("user", "", "1"))
        row.data = b"not a pickle"
        uow.commit()
    reloaded = DatabasePersistence(storage)

    loaded = await reloaded.get_user_data()
    await reloaded.flush()

    assert (loaded, rows(storage)) == ({}, [])


async def test_persistence_one_run_is_written_in_one_transaction(storage):
    persistence = DatabasePersistence(storage)
    commits = []
    event.listen(storage.engine, "commit", lambda _connection: commits.append(1))

    # As Application.update_persistence hands over a run: concurrent calls.
    await asyncio.gather(
        persistence.update_user_data(1, {"draft": 1}),
        persistence.update_user_data(2, {"draft": 2}),
        persistence.update_conversation("profile", (1, 1), 2),
    )

    assert (len(commits), len(rows(storage))) == (1, 3)


async def test_persistence_unchanged_data_is_not_written_again(storage):
    persistence = DatabasePersistence(storage)
    await persistence.update_user_data(1, {"draft": 1})
    commits = []
    event.listen(storage.engine, "commit", lambda _connection: commits.append(1))

    await persistence.update_user_data(1, {"draft": 1})
    await persistence.update_user_data(2, {})

    assert commits == []


async def test_persistence_busy_database_keeps_changes_for_flush(storage, monkeypatch):
    persistence = DatabasePersistence(storage)
    write_rows = persistence._write_rows
    refusals = iter([DatabaseBusy("locked")])

    def busy_once(batch):  # noqa: ANN001, ANN202
        for refusal in refusals:
            raise refusal
        write_rows(batch)

    monkeypatch.setattr(persistence, "_write_rows", busy_once)
    await persistence.update_user_data(1, {"draft": 1})
    kept = rows(storage)

    await persistence.flush()

    assert (kept, rows(storage)) == ([], [("user", "", "1")])
