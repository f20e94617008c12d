"""Broadcasts' units of work (`bot.services.broadcast_work`): one form makes one broadcast
however often and however concurrently Send is pressed, writes that add or move outbox
rows wake the sender once committed, and the reads the screens render. SQLite, and
PostgreSQL when it is configured."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.services import broadcast_work
from bot.services.broadcasts import Audience, AudienceKind, BroadcastDraft, BroadcastStateError
from bot.services.roles import Role
from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.models import Notification, NotificationStatus, User
from storage.uow import Database
from tests.factories import NOW, make_event
from tests.org_factories import make_library, make_organizer

ORGANIZER = 7001
READERS = {501: "en", 502: "ru"}
EVERYONE = Audience(AudienceKind.EVERYONE)


@pytest.fixture
def readers(storage: Database) -> Database:
    with storage.uow() as uow:
        uow.users.add(User(id=ORGANIZER, first_name="Org", language="en",
                           timezone="Asia/Almaty", created_at=NOW))
        for user_id, language in READERS.items():
            uow.users.add(User(id=user_id, first_name="Aru", language=language, created_at=NOW))
        uow.commit()
    return storage


@pytest.fixture
def wakes(readers: Database) -> list[int]:
    """One entry per commit that told the sender to look."""
    woken: list[int] = []
    readers.on_outbox_commit = lambda: woken.append(1)
    return woken


def draft(audience: Audience = EVERYONE) -> BroadcastDraft:
    return BroadcastDraft(texts={"en": "<b>Hello</b>"}, default_language="en", audience=audience)


def all_broadcasts(database: Database) -> list[Broadcast]:
    with database.uow() as uow:
        return list(uow.session.exec(select(Broadcast)).all())


def outbox_rows(database: Database) -> list[Notification]:
    with database.uow() as uow:
        return list(uow.session.exec(select(Notification)).all())


# --- creating: one form, one broadcast ---------------------------------------------------------


def test_create_sends_at_once_and_wakes_the_sender(readers, wakes):
    creation = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW,
                                               form_token="a" * 32)

    assert (creation.created, creation.broadcast.status, creation.broadcast.total) == (
        True, BroadcastStatus.RUNNING, 3)
    assert len(outbox_rows(readers)) == 3
    assert wakes == [1]


def test_create_again_with_the_same_form_returns_the_first_broadcast(readers, wakes):
    first = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW, form_token="f1")
    again = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW + timedelta(seconds=1),
                                            form_token="f1")
    other = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW, form_token="f2")

    assert (again.created, again.broadcast.id) == (False, first.broadcast.id)
    assert other.created and other.broadcast.id != first.broadcast.id
    assert len(all_broadcasts(readers)) == 2
    assert len(outbox_rows(readers)) == 6
    # The repeated press wrote nothing and woke nobody.
    assert wakes == [1, 1]


def test_scheduled_form_sent_again_is_still_one_scheduled_broadcast(readers, wakes):
    later = NOW + timedelta(hours=2)
    first = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW, send_at=later,
                                            form_token="s1")
    again = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW, send_at=later,
                                            form_token="s1")

    assert (first.broadcast.status, again.created, again.broadcast.scheduled_at) == (
        BroadcastStatus.SCHEDULED, False, later)
    assert (len(all_broadcasts(readers)), outbox_rows(readers), wakes) == (1, [], [])


def test_presses_racing_in_threads_make_one_broadcast(readers):
    """As two bot processes would: each press its own thread and unit of work."""
    barrier = threading.Barrier(8)
    results, errors = [], []

    def press() -> None:
        barrier.wait()
        try:
            results.append(broadcast_work.create_broadcast(
                readers, draft(), ORGANIZER, NOW, form_token="race"))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=press) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(result.created for result in results) == [False] * 7 + [True]
    assert len({result.broadcast.id for result in results}) == 1
    assert len(all_broadcasts(readers)) == 1
    assert len(outbox_rows(readers)) == 3


# --- while it runs -----------------------------------------------------------------------------


def test_resume_and_cancel_wake_the_sender_pause_does_not(readers, wakes):
    broadcast_id = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW).broadcast.id

    paused = broadcast_work.pause_broadcast(readers, broadcast_id, NOW)
    after_pause = len(wakes)
    resumed = broadcast_work.resume_broadcast(readers, broadcast_id, NOW)
    after_resume = len(wakes)
    cancelled = broadcast_work.cancel_broadcast(readers, broadcast_id, NOW)

    assert (paused.status, resumed.status, cancelled.status) == (
        BroadcastStatus.PAUSED, BroadcastStatus.RUNNING, BroadcastStatus.CANCELLED)
    assert (after_pause, after_resume, len(wakes)) == (1, 2, 3)
    assert {row.status for row in outbox_rows(readers)} == {NotificationStatus.CANCELLED}


def test_a_refused_change_writes_nothing_and_wakes_nobody(readers, wakes):
    broadcast_id = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW).broadcast.id

    with pytest.raises(BroadcastStateError) as refused:
        broadcast_work.resume_broadcast(readers, broadcast_id, NOW)

    assert refused.value.broadcast.status == BroadcastStatus.RUNNING
    assert wakes == [1]


def test_start_due_starts_scheduled_ones_and_wakes_the_sender(readers, wakes):
    later = NOW + timedelta(hours=1)
    scheduled = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW, send_at=later)

    early = broadcast_work.start_due(readers, NOW)
    started = broadcast_work.start_due(readers, later)

    assert (early, started, len(outbox_rows(readers)), wakes) == (
        [], [scheduled.broadcast.id], 3, [1])


def test_progress_and_live_broadcasts_finish_what_has_nothing_left(readers):
    broadcast_id = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW).broadcast.id
    broadcast_work.record_status_message(readers, broadcast_id, ORGANIZER, 42)
    still_running = broadcast_work.record_progress(readers, [broadcast_id], NOW)
    with readers.uow() as uow:
        for row in uow.session.exec(select(Notification)):
            row.status = NotificationStatus.SENT
            row.sent_at = NOW
        uow.commit()

    live = broadcast_work.live_broadcasts(readers, NOW + timedelta(seconds=5),
                                          timedelta(minutes=10))

    assert still_running == []
    assert [(b.id, b.status, b.status_message_id) for b in live] == [
        (broadcast_id, BroadcastStatus.DONE, 42)]
    assert all_broadcasts(readers)[0].finished_at == NOW + timedelta(seconds=5)


# --- reads -------------------------------------------------------------------------------------


def test_status_facts_and_listing_carry_what_the_screens_render(readers):
    event = make_event(readers)
    audience = Audience(AudienceKind.EVENT, event_id=event.id)
    running = broadcast_work.create_broadcast(readers, draft(), ORGANIZER, NOW).broadcast
    scheduled = broadcast_work.create_broadcast(readers, draft(audience), ORGANIZER, NOW,
                                                send_at=NOW + timedelta(days=1)).broadcast

    with readers.uow() as uow:
        facts = broadcast_work.status_facts(uow, scheduled.id, NOW)
        listed = broadcast_work.listing(uow, Role(ORGANIZER, admin=True), 10, NOW)

    assert (facts.organizer_language, facts.organizer_timezone, facts.event.id,
            facts.contest) == ("en", "Asia/Almaty", event.id, None)
    assert [(item.status.broadcast.id, item.audience_now) for item in listed] == [
        (scheduled.id, 0), (running.id, None)]
    assert (listed[1].status.figures.total, listed[1].status.figures.pending) == (3, 3)


def test_confirm_facts_count_the_audience_and_name_its_event(readers):
    event = make_event(readers)

    with readers.uow() as uow:
        facts = broadcast_work.confirm_facts(
            uow, {"kind": "event", "event_id": event.id}, {"kind": "event", "id": event.id})
        everyone = broadcast_work.confirm_facts(uow, {"kind": "everyone"}, {})

    assert (facts.count, facts.audience_event.id, facts.button_event.id) == (0, event.id,
                                                                             event.id)
    assert (everyone.count, everyone.audience_event, everyone.button_contest) == (3, None, None)


def test_listing_shows_an_organizer_the_broadcasts_of_their_librarys_organizers(readers):
    x, y = make_library(readers, "Library X"), make_library(readers, "Library Y")
    make_organizer(readers, 8101, x)
    make_organizer(readers, 8102, x)
    make_organizer(readers, 8103, y)
    for organizer_id in (8101, 8102, 8103):
        broadcast_work.create_broadcast(readers, draft(), organizer_id, NOW)

    with readers.uow() as uow:
        seen = {who: [item.status.broadcast.created_by
                      for item in broadcast_work.listing(uow, role, 10, NOW)]
                for who, role in (("x", Role(8101, library_ids=frozenset({x}))),
                                  ("y", Role(8103, library_ids=frozenset({y}))),
                                  ("admin", Role(ORGANIZER, admin=True)))}

    assert seen == {"x": [8102, 8101], "y": [8103], "admin": [8103, 8102, 8101]}
