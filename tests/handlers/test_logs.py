"""Nothing a reader told us reaches a log line: names, birth dates, cities, schools."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from storage.db import make_engine
from storage.uow import Database
from tests.conftest import onboard, running
from tests.factories import make_event
from tests.handlers.test_profile import ANSWERS

PRIVATE = ("Aru", "Sadykova", "14.03.2009", "2009-03-14", "Karaganda", "Youth library")


def leaked(records: list[logging.LogRecord]) -> list[str]:
    lines = [record.getMessage() for record in records]
    lines += [logging.Formatter().formatException(r.exc_info) for r in records if r.exc_info]
    return [line for line in lines if any(value in line for value in PRIVATE)]


async def test_logs_registration_with_profile_leaves_no_personal_data(
    bot_app, fake_api, database, caplog
):
    caplog.set_level(logging.INFO)  # what `kopir run` logs
    event = make_event(database, titles={"en": "Bridge"})
    user = await onboard(fake_api, 901, "en", first_name="Aru")

    await user.send(f"/start event_{event.id}")
    await user.next_message()
    await user.press("Register")
    await user.next_message()
    for answer in ANSWERS:
        await user.send(answer)
        await user.next_message()
    await user.press("Yes, I agree")
    await user.handled()
    await user.send("/profile")
    await user.next_message()

    assert (ANSWERS[0].split()[0], leaked(caplog.records)) == ("Aru", [])


@pytest.fixture
def held_database(database_url: str):  # noqa: ANN201
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    yield holder
    holder.close()


async def test_logs_busy_database_at_consent_leaves_no_personal_data(
    settings, clock, database_url, catalogs, fake_api, held_database, caplog
):
    caplog.set_level(logging.INFO)
    database = Database(make_engine(database_url, busy_seconds=0.5), busy_seconds=0.5)
    event = make_event(database, titles={"en": "Bridge"})
    async with running(settings, clock, database, catalogs, fake_api):
        user = await onboard(fake_api, 902, "en", first_name="Aru")
        await user.send(f"/start event_{event.id}")
        await user.next_message()
        await user.press("Register")
        await user.next_message()
        for answer in ANSWERS:
            await user.send(answer)
            await user.next_message()
        held_database.execute("BEGIN IMMEDIATE")
        query = await user.press("Yes, I agree")
        await user.wait_callback_answer(query, timeout=10)
        held_database.execute("ROLLBACK")
    database.dispose()

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert (bool(warnings), leaked(caplog.records)) == (True, [])
