"""Contest forms against a database held by someone else: Submit on an entry and Save on a
score are refused with "busy, try again", the answers typed so far are kept, and the same
button goes through once the database is free."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.sandbox.fakeapi.users import text_of
from handlers import entries as entry_handlers
from handlers import jury as jury_handlers
from storage.contest_models import Entry, Score
from storage.uow import DatabaseBusy
from tests.conftest import onboard
from tests.contest_factories import make_contest, make_reader
from tests.handlers import test_concurrency as concurrency
from tests.services.test_jury import add_entry, join

# The busy-database fixtures of the concurrency tests (a one-second busy wait).
clock = concurrency.clock
locked_database = concurrency.locked_database
quick_busy_app = concurrency.quick_busy_app

BUSY = "Kopir is very busy right now"


class BusyOnce:
    """Stands in for a service write: the first call finds the database busy."""

    def __init__(self, work) -> None:  # noqa: ANN001
        self.work, self.calls = work, 0

    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204
        self.calls += 1
        if self.calls == 1:
            raise DatabaseBusy("held by a test")
        return self.work(*args, **kwargs)


@pytest.fixture(params=["file held", "write refused"])
def held(request, locked_database, monkeypatch):  # noqa: ANN001, ANN201
    """The database held by another process (the press is refused wherever it first reads),
    or the database busy just at the write itself (after the press was read)."""
    if request.param == "file held":
        return locked_database

    class AtTheWrite:
        def take(self) -> None:
            monkeypatch.setattr(entry_handlers, "send_entry", BusyOnce(entry_handlers.send_entry))
            monkeypatch.setattr(jury_handlers, "save_juror_score",
                                BusyOnce(jury_handlers.save_juror_score))

        def release(self) -> None:
            pass

    return AtTheWrite()


async def press_refused_then_accepted(user, data: str, held) -> str:  # noqa: ANN001
    """Press `data` on the newest message while the database is busy, then once it is free;
    returns the pop-up of the refused press."""
    message_id = user.last_message["message_id"]
    held.take()
    try:
        refused = await user.wait_callback_answer(await user.press_data(message_id, data),
                                                  timeout=10)
    finally:
        held.release()
    await user.wait_callback_answer(await user.press_data(message_id, data))
    return refused.text


async def test_busy_database_entry_kept_until_submit_goes_through(
    quick_busy_app, fake_api, held
):
    _application, database = quick_busy_app
    contest = make_contest(database)
    user = await onboard(fake_api, 501)
    make_reader(database, 501)
    await user.press_data(user.last_message["message_id"], f"ct:enter:{contest.id}")
    await user.next_message()
    await user.send("Steppe")
    await user.next_message()
    await user.send("The steppe wind remembers us.")
    await user.next_message()  # the summary with Submit and Cancel

    refused = await press_refused_then_accepted(user, "en:ok", held)
    await user.next_message()  # the summary loses its buttons
    done = await user.next_message()

    with database.uow() as uow:
        stored = [(e.code, e.title, e.text) for e in uow.session.exec(select(Entry)).all()]
    assert refused.startswith(BUSY)
    assert text_of(done).startswith("Your entry E-001 is in.")
    assert stored == [("E-001", "Steppe", "The steppe wind remembers us.")]


async def test_busy_database_score_kept_until_save_goes_through(
    quick_busy_app, fake_api, held
):
    _application, database = quick_busy_app
    contest = make_contest(database)
    juror = await onboard(fake_api, 9001)
    for user_id in (7001, 8001, 9001):
        make_reader(database, user_id)
    entry = add_entry(database, contest.id, 8001, 1)
    join(database, contest.id, 9001)
    for index, value in enumerate((8, 7, 6)):
        query = await juror.press_data(juror.last_message["message_id"],
                                       f"jr:v:{contest.id}:{entry.id}:{index}:{value}")
        await juror.wait_callback_answer(query)
        await juror.next_message()
    await juror.wait_callback_answer(await juror.press_data(
        juror.last_message["message_id"], f"jr:nc:{contest.id}:{entry.id}"))
    await juror.next_message()  # the summary with Save

    refused = await press_refused_then_accepted(
        juror, f"jr:save:{contest.id}:{entry.id}", held)
    saved = await juror.next_message()

    with database.uow() as uow:
        scores = [(s.juror_id, s.values) for s in uow.session.exec(select(Score)).all()]
    assert refused.startswith(BUSY)
    assert text_of(saved) == "Saved: E-001 — 7.1."
    assert scores == [(9001, {"originality": 8, "language": 7, "relevance": 6})]
