"""Two Kopir Applications on one PostgreSQL database, as two processes behind a load
balancer would be (`bot.runtime.shared`): in process here, a balancer in the test handing
each update the fake Bot API has for the bot to the Application the test names. The same
with real processes and a real balancer: tests/bot/runtime/test_instances.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.core.context import CONTEXT_KEY, AppContext, app_context
from bot.runtime.ptb import job_queue_of
from bot.runtime.shared import once_across_processes
from bot.sandbox.fakeapi.server import FakeBotApi
from bot.sandbox.fakeapi.users import FakeUser, buttons_of, text_of
from storage.uow import Database
from tests.conftest import in_process, postgres_url
from tests.handlers.test_profile import ANSWERS, NAME_Q, profile_row

pytestmark = pytest.mark.skipif(not postgres_url(), reason="KOPIR_TEST_DATABASE_URL is not set")

TIMED_OUT = ("The profile questions were closed because they had no answer for a long time. "
             "Nothing was saved. You can start again whenever you like.")


@pytest.fixture
def database(postgres_database: Database) -> Database:
    return postgres_database


@pytest.fixture
def settings(settings, database):  # noqa: ANN001, ANN201
    return replace(settings, database_url=str(database.engine.url),
                   chat_interval_seconds=0.0, send_rate=1000.0)


@asynccontextmanager
async def started(settings, clock, database, catalogs, fake_api) -> AsyncIterator[Application]:  # noqa: ANN001
    """One process's Application, started but not polling: the balancer hands it updates."""
    application = build_application(settings, clock=clock, database=database, catalogs=catalogs)
    in_process(application, fake_api)
    async with application:
        await application.post_init(application)
        await application.start()
        try:
            yield application
        finally:
            await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


@pytest.fixture
async def two(settings, clock, database, catalogs, fake_api):  # noqa: ANN001, ANN201
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(
            started(settings, clock, database, catalogs, fake_api)) for _ in range(2)]


async def deliver(fake_api: FakeBotApi, application: Application) -> None:
    """The balancer: what Telegram has for the bot goes to `application`, which handles it."""
    for update in list(fake_api.updates.waiting()):
        fake_api.updates.confirm_one(update["update_id"])
        await application.update_queue.put(Update.de_json(update, application.bot))
    await application.update_queue.join()


async def profile_questions(
    fake_api: FakeBotApi, user: FakeUser, catalogs, route: list[Application]  # noqa: ANN001
) -> list[str]:
    """A reader opens the bot, picks English and fills in the profile, the n-th update going
    to `route[n % len(route)]`; returns every text the bot sent the reader."""
    t = catalogs.translator("en")
    steps = [lambda: user.send("/start"), lambda: user.press("English"),
             lambda: user.send("/profile"), lambda: user.press(t.gettext("Fill in my profile")),
             *[lambda text=text: user.send(text) for text in ANSWERS],
             lambda: user.press(t.gettext("Yes, I agree"))]
    for number, step in enumerate(steps):
        await step()
        await deliver(fake_api, route[number % len(route)])
    return [text_of(message) for message in user.messages]


async def test_shared_profile_alternating_between_processes_ends_as_in_one(
    two, fake_api, database, catalogs
):
    one_process = await profile_questions(fake_api, fake_api.user(501), catalogs, two[:1])

    alternating = await profile_questions(fake_api, fake_api.user(502), catalogs, two)

    assert alternating == one_process
    assert profile_row(database, 502) == profile_row(database, 501)
    assert profile_row(database, 501)[0] == ANSWERS[0]
    assert one_process[-1] == catalogs.translator("en").gettext(
        "Thank you! Your profile is saved.")


async def test_shared_update_delivered_to_both_processes_is_handled_once(two, fake_api):
    user = fake_api.user(503)
    await user.send("/start")
    update = fake_api.updates.waiting()[0]

    await deliver(fake_api, two[0])
    fake_api.updates.redeliver(update)
    await deliver(fake_api, two[1])

    assert [buttons_of(message) != [] for message in user.messages] == [True]


async def test_shared_time_out_is_void_when_another_process_took_a_later_answer(
    two, fake_api, catalogs
):
    t = catalogs.translator("en")
    user = fake_api.user(504)
    first, second = two
    for step, application in ((lambda: user.send("/start"), first),
                              (lambda: user.press("English"), first),
                              (lambda: user.send("/profile"), first),
                              (lambda: user.press(t.gettext("Fill in my profile")), first),
                              (lambda: user.send(ANSWERS[0]), second)):
        await step()
        await deliver(fake_api, application)
    asked = len(user.messages)
    stale = [job for job in job_queue_of(first).jobs()
             if job.callback.__name__ == "_trigger_timeout"]

    for job in stale:
        await job.run(first)
    await user.send(ANSWERS[1])
    await deliver(fake_api, first)

    assert len(stale) == 1
    assert [text_of(message) for message in user.messages[asked:]] == [
        t.gettext("Which country do you live in?")]


async def test_shared_time_out_stands_in_the_process_that_took_the_last_answer(
    two, fake_api, catalogs
):
    t = catalogs.translator("en")
    user = fake_api.user(505)
    first, second = two
    for step, application in ((lambda: user.send("/start"), first),
                              (lambda: user.press("English"), second),
                              (lambda: user.send("/profile"), first),
                              (lambda: user.press(t.gettext("Fill in my profile")), second)):
        await step()
        await deliver(fake_api, application)
    asked = len(user.messages)
    due = [job for job in job_queue_of(second).jobs()
           if job.callback.__name__ == "_trigger_timeout"]

    for job in due:
        await job.run(second)
    await user.send(ANSWERS[0])
    await deliver(fake_api, first)

    assert len(due) == 1
    assert text_of(user.messages[asked]) == t.gettext(TIMED_OUT)
    # The conversation ended in the database too: the other process does not ask on.
    assert t.gettext(NAME_Q) not in [text_of(m) for m in user.messages[asked + 1:]]
    assert len(user.messages) == asked + 2


async def test_shared_job_scheduled_in_two_processes_runs_in_one(
    settings, clock, database, catalogs
):
    runs: list[str] = []

    async def job(context) -> None:  # noqa: ANN001
        runs.append(app_context(context.bot_data).instance)

    guarded = once_across_processes("kopir.test-job", timedelta(hours=1), job)
    processes = [SimpleNamespace(bot_data={CONTEXT_KEY: AppContext(
        settings=settings, database=database, catalogs=catalogs, clock=clock,
        instance=name)}) for name in ("first", "second")]

    for process in processes:
        await guarded(process)
    await guarded(processes[0])

    assert runs == ["first", "first"]
