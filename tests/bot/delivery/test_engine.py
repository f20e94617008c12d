"""The sender end to end: outbox rows in, messages in fake readers' chats out."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select
from telegram.ext import Application

from bot.app import build_application
from bot.core.context import AppContext, app_context
from bot.delivery.engine import send_due
from bot.sandbox.fakeapi.users import FakeUser, button_data, buttons_of, text_of
from bot.services import outbox, outbox_settle
from bot.services.notifications import enqueue_notice, plan_reminders
from storage.models import Notification, NotificationKind, NotificationStatus, User
from storage.uow import Database
from tests.conftest import in_process, onboard
from tests.factories import NOW, make_event

READER = 501
STARTS = NOW + timedelta(days=3)  # 25 November 2026, 09:00 in Almaty
TITLE = "«A model of the future»"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns while building RetryAfter unless opted in; tests turn warnings into errors.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201
    """A quick repeating tick, so the JobQueue test does not wait five seconds."""
    return replace(settings, sender_interval_seconds=0.2)


@asynccontextmanager
async def running(  # noqa: ANN201
    settings, clock, database, catalogs, *, delivery: bool, fake_api, http: bool = False  # noqa: ANN001
):
    """The Application, talking to `fake_api` in process, or over HTTP (`http`)."""
    application = build_application(
        settings, clock=clock, database=database, catalogs=catalogs, start_delivery=delivery
    )
    if http:
        fake_api.attach(application)
    else:
        in_process(application, fake_api)
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


@pytest.fixture
async def app(settings, clock, database, catalogs, fake_api):  # noqa: ANN001, ANN201
    """The real Application without its scheduled sender: tests call `send_due` themselves."""
    async with running(settings, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as application:
        yield application


def ctx_of(application: Application) -> AppContext:
    return app_context(application.bot_data)


def plan(database: Database, event, user_id: int = READER) -> None:
    with database.uow() as uow:
        plan_reminders(uow, uow.events.get(event.id), user_id, NOW)
        uow.commit()


def row(database: Database, event, offset: int, user_id: int = READER) -> Notification:
    with database.uow() as uow:
        return uow.notifications.by_key(f"reminder:{event.id}:{user_id}:{offset}")


def statuses(database: Database, event) -> dict[int, str]:
    with database.uow() as uow:
        return {r.offset_minutes: r.status for r in uow.notifications.reminders(event.id)}


def reminders_in(user: FakeUser) -> list[str]:
    return [text_of(m) for m in user.messages if text_of(m).startswith("⏰")]


async def test_due_reminder_is_sent_with_its_text_and_recorded(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(hours=1))

    report = await send_due(app, ctx_of(app))

    message = await user.next_message()
    assert text_of(message) == (
        f"⏰ {TITLE} starts in 1 hour.\n"
        "Start: 25 November 2026, 09:00 (Almaty time)\n"
        "Press «Join» below to get the join link."
    )
    assert buttons_of(message) == [["Join"], ["Open the event"]]
    assert (button_data(message, "Join"), button_data(message, "Open the event")) == (
        f"att:join:{event.id}", f"ev:card:{event.id}")
    stored = row(database, event, 60)
    assert (stored.status, stored.telegram_message_id, stored.sent_at, stored.attempts) == (
        NotificationStatus.SENT,
        message["message_id"],
        clock.now(),
        1,
    )
    # The 24-hour reminder was overdue at the same moment: only the latest one goes out.
    assert (report.sent, report.skipped) == (1, 1)


async def test_reminder_not_yet_due_is_not_sent(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(hours=24, seconds=1))
    calls_before = len(fake_api.calls("sendMessage", chat_id=READER))

    report = await send_due(app, ctx_of(app))

    assert report.sent == 0
    assert len(fake_api.calls("sendMessage", chat_id=READER)) == calls_before
    assert reminders_in(user) == []
    assert set(statuses(database, event).values()) == {NotificationStatus.PENDING}


async def test_reminder_missed_while_down_is_sent_once_with_the_time_left(
    app, fake_api, database, clock
):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(hours=20))  # the 24-hour reminder is 4 hours overdue

    await send_due(app, ctx_of(app))
    await send_due(app, ctx_of(app))

    assert reminders_in(user) == [
        f"⏰ {TITLE} starts in 20 hours.\nStart: 25 November 2026, 09:00 (Almaty time)"
    ]
    assert statuses(database, event) == {
        1440: NotificationStatus.SENT,
        60: NotificationStatus.PENDING,
        0: NotificationStatus.PENDING,
    }


async def test_several_overdue_reminders_send_only_the_latest(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(minutes=30))

    report = await send_due(app, ctx_of(app))

    assert reminders_in(user) == [
        f"⏰ {TITLE} starts in 30 minutes.\n"
        "Start: 25 November 2026, 09:00 (Almaty time)\n"
        "Press «Join» below to get the join link."
    ]
    assert (report.sent, report.skipped) == (1, 1)
    assert statuses(database, event) == {
        1440: NotificationStatus.SKIPPED,
        60: NotificationStatus.SENT,
        0: NotificationStatus.PENDING,
    }


async def test_reminders_of_an_event_already_started_are_skipped(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS + outbox.STARTING_NOW_GRACE + timedelta(minutes=1))

    report = await send_due(app, ctx_of(app))

    assert reminders_in(user) == []
    assert report.skipped == 3
    assert set(statuses(database, event).values()) == {NotificationStatus.SKIPPED}


async def test_starting_now_a_few_minutes_late_is_still_sent(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS + timedelta(minutes=5))

    await send_due(app, ctx_of(app))

    assert reminders_in(user) == [
        f"⏰ {TITLE} is starting now.\n"
        "Start: 25 November 2026, 09:00 (Almaty time)\n"
        "Press «Join» below to get the join link."
    ]


async def test_restart_between_runs_sends_no_duplicate(
    settings, clock, database, catalogs, fake_api
):
    async with running(settings, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as first:
        user = await onboard(fake_api, READER, "en")
        event = make_event(database, starts_at=STARTS)
        plan(database, event)
        clock.set(STARTS - timedelta(hours=24))
        await send_due(first, ctx_of(first))
        await user.next_message()

    async with running(settings, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as second:
        report = await send_due(second, ctx_of(second))

    assert (report.sent, report.recovered) == (0, 0)
    assert reminders_in(user) == [
        f"⏰ {TITLE} starts in 24 hours.\nStart: 25 November 2026, 09:00 (Almaty time)"
    ]


async def test_row_left_sending_by_a_crash_is_sent_after_restart(
    settings, clock, database, catalogs, fake_api
):
    async with running(settings, clock, database, catalogs, delivery=False, fake_api=fake_api):
        user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(hours=24))
    with database.uow() as uow:  # claimed, then the process died before Telegram answered
        outbox.claim_due(uow, clock.now(), 50)
        uow.commit()

    async with running(settings, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as second:
        report = await send_due(second, ctx_of(second))
        await user.next_message()

    assert (report.recovered, report.sent) == (1, 1)
    assert reminders_in(user) == [
        f"⏰ {TITLE} starts in 24 hours.\nStart: 25 November 2026, 09:00 (Almaty time)"
    ]
    stored = row(database, event, 1440)
    assert (stored.status, stored.attempts) == (NotificationStatus.SENT, 2)


async def test_flood_control_waits_retry_after_then_sends_once(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(hours=24))
    calls_before = len(fake_api.calls("sendMessage", chat_id=READER))
    fake_api.fail_next("sendMessage", chat_id=READER, error_code=429, retry_after=1)

    report = await send_due(app, ctx_of(app))

    calls = fake_api.calls("sendMessage", chat_id=READER)[calls_before:]
    assert [call.status for call in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0
    assert len(reminders_in(user)) == 1
    assert report.sent == 1
    stored = row(database, event, 1440)
    assert (stored.status, stored.attempts) == (NotificationStatus.SENT, 1)


async def test_blocked_reader_is_marked_and_not_written_to_again(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    user.blocked = True
    clock.set(STARTS - timedelta(hours=24))

    report = await send_due(app, ctx_of(app))

    assert report.blocked == 1
    with database.uow() as uow:
        assert uow.users.get(READER).blocked_at == clock.now()
    assert row(database, event, 1440).status == NotificationStatus.BLOCKED
    calls_before = len(fake_api.calls("sendMessage", chat_id=READER))

    clock.set(STARTS - timedelta(hours=1))
    later = await send_due(app, ctx_of(app))

    assert later.blocked == 1
    assert len(fake_api.calls("sendMessage", chat_id=READER)) == calls_before
    assert row(database, event, 60).status == NotificationStatus.BLOCKED


async def test_chat_not_found_marks_the_reader_blocked(app, fake_api, database, clock):
    # A stored reader whose Telegram account is gone: the chat does not exist.
    with database.uow() as uow:
        uow.users.add(User(id=READER, first_name="Aru", language="en", created_at=NOW))
        uow.commit()
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(hours=24))

    report = await send_due(app, ctx_of(app))

    assert report.blocked == 1
    calls = fake_api.calls("sendMessage", chat_id=READER)
    assert [(call.status, call.description) for call in calls] == [
        (400, "Bad Request: chat not found")
    ]
    with database.uow() as uow:
        assert uow.users.get(READER).blocked_at == clock.now()
    assert row(database, event, 1440).status == NotificationStatus.BLOCKED


async def test_network_error_retries_later(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(hours=24))
    fake_api.drop_connection_next("sendMessage", chat_id=READER)

    report = await send_due(app, ctx_of(app))

    assert report.retried == 1
    stored = row(database, event, 1440)
    assert (stored.status, stored.next_attempt_at) == (
        NotificationStatus.PENDING,
        clock.now() + outbox_settle.FIRST_RETRY_DELAY,
    )
    clock.advance(outbox_settle.FIRST_RETRY_DELAY)
    await send_due(app, ctx_of(app))
    assert len(reminders_in(user)) == 1


async def test_notices_are_sent_in_the_readers_language(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS, cancelled_at=NOW)
    with database.uow() as uow:
        enqueue_notice(
            uow,
            NotificationKind.EVENT_CANCELLED,
            uow.events.get(event.id),
            READER,
            NOW,
            occasion="2",
        )
        uow.commit()
    clock.advance(timedelta(days=1))  # notices go out however late

    await send_due(app, ctx_of(app))

    message = await user.next_message()
    assert text_of(message) == (
        f"❌ {TITLE} (25 November 2026, 09:00) has been cancelled. We are sorry."
    )
    assert buttons_of(message) == []


def promote(database: Database, event, occasion: str) -> None:
    with database.uow() as uow:
        enqueue_notice(
            uow, NotificationKind.PROMOTED, uow.events.get(event.id), READER, NOW, occasion=occasion
        )
        uow.commit()


async def test_wake_sender_sends_at_once_and_coalesces(
    settings, clock, database, catalogs, fake_api
):
    slow = replace(settings, sender_interval_seconds=3600)
    async with running(slow, clock, database, catalogs,
            delivery=True, fake_api=fake_api) as application:
        user = await onboard(fake_api, READER, "en")
        event = make_event(database, starts_at=STARTS)
        promote(database, event, "1")
        ctx = ctx_of(application)

        ctx.wake_sender()
        ctx.wake_sender()
        ctx.wake_sender()
        pending_wakes = len(application.job_queue.get_jobs_by_name("kopir.sender.wake"))
        first = await user.next_message(timeout=3)
        # Once a woken run has started, the next wake schedules a new one.
        promote(database, event, "2")
        ctx.wake_sender()
        second = await user.next_message(timeout=3)

    assert pending_wakes == 1
    assert text_of(first) == (
        f"🎉 A seat freed up: you are now registered for {TITLE}.\n"
        "Start: 25 November 2026, 09:00 (Almaty time)"
    )
    assert text_of(second) == text_of(first)


async def test_overlapping_runs_send_each_row_once(app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(hours=24))

    reports = await asyncio.gather(send_due(app, ctx_of(app)), send_due(app, ctx_of(app)))

    assert sorted(report.sent for report in reports) == [0, 1]
    assert len(reminders_in(user)) == 1


async def test_repeating_job_sends_due_rows(bot_app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)

    clock.set(STARTS - timedelta(hours=24))
    message = await user.next_message(timeout=5)

    assert text_of(message).startswith(f"⏰ {TITLE} starts in 24 hours.")
    assert await sent_offsets_soon(database) == [1440]


async def sent_offsets_soon(database: Database) -> list[int]:
    """Offsets of sent rows once the sender has recorded Telegram's answer."""
    for _ in range(50):
        with database.uow() as uow:
            sent = uow.session.exec(
                select(Notification).where(Notification.status == NotificationStatus.SENT)
            ).all()
        if sent:
            return [r.offset_minutes for r in sent]
        await asyncio.sleep(0.05)
    return []

