"""The sender with contest rows: results as one document each, winners lists, jury reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.delivery.engine import send_due
from bot.sandbox.fakeapi.users import text_of
from bot.services import results
from bot.services.jury_reminders import plan_jury_reminders
from storage.models import Notification, NotificationKind, NotificationStatus
from tests.bot.delivery.test_engine import ctx_of, running
from tests.conftest import onboard
from tests.factories import NOW
from tests.result_factories import AIGERIM, CLOSES_AT, JUROR_B, OLENA, READERS, small_contest


@pytest.fixture
async def app(settings, clock, database, catalogs, fake_api):  # noqa: ANN001, ANN201
    """The real Application without its scheduled sender: tests call `send_due` themselves."""
    async with running(settings, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as application:
        yield application


async def publish_small_contest(fake_api, database, clock, audience="participants"):
    """Participants open the bot; the small contest is frozen and published; returns
    {user id: FakeUser} and the contest."""
    users = {user_id: await onboard(fake_api, user_id, language)
             for user_id, language, *_rest in READERS}
    made = small_contest(database)
    clock.set(CLOSES_AT + timedelta(minutes=1))
    with database.uow() as uow:
        results.freeze(uow, made.contest.id, clock.now())
        results.publish(uow, made.contest.id, clock.now(), audience)
        uow.commit()
    return users, made.contest


def contest_row(database, dedupe_key: str) -> Notification:
    with database.uow() as uow:
        return uow.notifications.by_key(dedupe_key)


async def test_contest_result_goes_as_one_document_with_its_caption(
    app, fake_api, database, clock
):
    users, contest = await publish_small_contest(fake_api, database, clock,
                                                 audience="organizer")

    report = await send_due(app, ctx_of(app))

    user = users[AIGERIM[0]]
    message = await user.next_message()
    # send_due has returned: every send of the run is in the chats already.
    assert user.drain() == []
    assert text_of(message).split("\n")[:2] == [
        "🏆 The results of «We roam towards ourselves» are published.",
        "Congratulations! Your entry E-001 «Steppe wind» won 1st place (shared).",
    ]
    assert message["document"]["file_name"] == "Diploma.pdf"
    assert fake_api.file_bytes(message["document"]["file_id"]).startswith(b"%PDF-")
    assert [call.method for call in fake_api.calls(chat_id=AIGERIM[0])][-1:] == ["sendDocument"]
    stored = [row for row in all_rows(database) if row.user_id == AIGERIM[0]]
    assert [(row.kind, row.status, row.telegram_message_id) for row in stored] == [
        (NotificationKind.CONTEST_RESULT, NotificationStatus.SENT, message["message_id"])]
    # Four results; the winners list for the organizer: nobody to write to (no users row).
    assert report.sent == 4
    assert contest.id == stored[0].contest_id


def all_rows(database) -> list[Notification]:
    with database.uow() as uow:
        return list(uow.session.exec(select(Notification).order_by(Notification.id)).all())


async def test_winners_list_reaches_every_participant(
    app, fake_api, database, clock, catalogs
):
    users, _contest = await publish_small_contest(fake_api, database, clock)
    languages = {user_id: language for user_id, language, *_rest in READERS}

    await send_due(app, ctx_of(app))

    for user_id, user in users.items():
        sent = [event.message for event in user.drain()]
        texts = [text_of(m) for m in sent if "document" not in m]
        t = catalogs.translator(languages[user_id])
        assert (len(sent), len(texts)) == (2, 1)
        assert texts[0].split("\n")[-1] == t.gettext("{place}: {code} «{title}» — {author}").format(
            place=t.gettext("1st place"), code="E-002", title="Дніпро",
            author="Олена К., Kyiv Youth Library")


async def test_contest_result_after_flood_control_is_sent_once(app, fake_api, database, clock):
    users, _contest = await publish_small_contest(fake_api, database, clock,
                                                  audience="organizer")
    fake_api.fail_next("sendDocument", chat_id=OLENA[0], error_code=429, retry_after=1)

    await send_due(app, ctx_of(app))

    calls = fake_api.calls("sendDocument", chat_id=OLENA[0])
    assert [call.status for call in calls] == [429, 200]
    assert ["document" in event.message for event in users[OLENA[0]].drain()] == [True]


async def test_jury_reminder_reaches_a_juror_who_has_not_finished(
    app, fake_api, database, clock
):
    juror = await onboard(fake_api, JUROR_B, "en")
    made = small_contest(database)
    with database.uow() as uow:
        uow.session.delete(uow.jury.score(made.entries["E-003"].id, JUROR_B))
        plan_jury_reminders(uow, uow.contests.get(made.contest.id), NOW)
        uow.commit()
    clock.set(made.contest.jury_deadline - timedelta(hours=24))

    await send_due(app, ctx_of(app))

    message = await juror.next_message()
    assert text_of(message) == (
        "You have scored 2 of 3 entries of «We roam towards ourselves». The jury deadline is "
        "9 December 2026, 09:00. /jury")
