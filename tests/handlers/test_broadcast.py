"""/broadcast and /broadcasts end to end: the real Application and its delivery engine,
the fake Bot API, an organizer composing and readers of four languages receiving."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from sqlmodel import select
from telegram import Chat, Message, MessageEntity

from bot.sandbox.fakeapi.users import FakeUser, buttons_of, text_of
from handlers import broadcast_status
from handlers.broadcast import html_source
from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.models import (
    Notification,
    NotificationStatus,
    Registration,
    RegistrationStatus,
    User,
)
from tests.conftest import ORGANIZER_ID, onboard, running
from tests.contest_factories import make_contest
from tests.factories import NOW, make_event
from tests.result_factories import make_entry, make_juror

# Readers by language; the organizer (7001) reads English and is one of "everyone" too.
READERS = {501: "en", 502: "ru", 503: "kk", 504: "uk"}
BLOCKED = 505
JUROR = 8001
HELLO = "<b>Hello</b>, readers!"
HELLO_RU = "<b>Привет</b>, читатели!"
ONLY_ORGANIZERS = "Only organizers can do this."
ASK_MESSAGE = (
    "New announcement. Send its text: bold, italic and links made in Telegram reach readers as "
    "they are, no HTML needed. Or send a photo or a document with the text as its caption (up "
    "to 1024 characters).\n\nSend /cancel at any time to stop."
)
ASK_SCHEDULE = ("When should it go out? Send the date and time (Almaty time), for example: "
                "23.11.2026 09:00")


@pytest.fixture(autouse=True)
def _quick_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Status messages every 0.2 s instead of every 3 s, read when the app is built."""
    monkeypatch.setattr(broadcast_status, "STATUS_INTERVAL", 0.2)
    monkeypatch.setattr(broadcast_status, "EDIT_INTERVAL", 0.2)
    # PTB 22 warns while building RetryAfter unless opted in; tests turn warnings into errors.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def send_rate() -> float:
    """Faster than Telegram's 30/s, which would put a thirtieth of a second between any two
    messages of a test (the engine's pacing is tests/bot/delivery's); tests that press
    Pause mid-way slow it down."""
    return 1000.0


@pytest.fixture
def paid_broadcasts() -> bool:
    return False


@pytest.fixture
def settings(settings, send_rate, paid_broadcasts):  # noqa: ANN001, ANN201
    return replace(settings, sender_interval_seconds=0.2, send_rate=send_rate,
                   paid_broadcasts=paid_broadcasts)


@pytest.fixture
async def organizer(bot_app, fake_api) -> FakeUser:  # noqa: ANN001
    return await onboard(fake_api, ORGANIZER_ID, "en")


@pytest.fixture
async def people(organizer, fake_api) -> dict[int, FakeUser]:  # noqa: ANN001
    """The organizer, four readers and one who has blocked the bot since /start."""
    users = {ORGANIZER_ID: organizer}
    for user_id, language in READERS.items():
        users[user_id] = await onboard(fake_api, user_id, language)
    users[BLOCKED] = await onboard(fake_api, BLOCKED, "ru")
    users[BLOCKED].blocked = True
    return users


async def step(user: FakeUser, action: str, value: str) -> None:
    """One answer of the form; every one of them is answered with a message (the next
    question, or the same one again), which is waited for before the chat goes quiet."""
    queued = user.queued
    if action == "press":
        await user.press(value)
    elif action == "press_containing":
        label = next(text for row in buttons_of(user.last_message) for text in row
                     if value in text)
        await user.press(label)
    else:
        await user.send(value)
    await user.wait_message_after(queued)
    await user.handled()


async def compose(organizer: FakeUser, *steps: tuple[str, str]) -> list[dict]:
    """Run /broadcast through `steps`; returns the organizer's new messages."""
    await organizer.send("/broadcast")
    await organizer.handled()
    return await compose_rest(organizer, *steps)


async def compose_rest(organizer: FakeUser, *steps: tuple[str, str]) -> list[dict]:
    for action, value in steps:
        await step(organizer, action, value)
    return [event.message for event in organizer.drain()]


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Until `condition` (read from the database or the chats) holds: checked every 20 ms."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.02)


def inbox(user: FakeUser) -> list[str]:
    """What reached the user since the last look. Read once the broadcast is finished (or
    the bot stopped): every message of a finished broadcast is in by then, since a row is
    marked sent only after Telegram has answered its send."""
    return [text_of(event.message) for event in user.drain()]


async def sender_runs(application, count: int, timeout: float = 10.0) -> None:  # noqa: ANN001, ASYNC109
    """Until the delivery engine's scheduled run ("kopir.sender", every
    `sender_interval_seconds`) has completed `count` more times: each claims whatever is due
    and sends it, so whatever a run could send has been sent by then."""
    scheduler = application.job_queue.scheduler
    (job,) = application.job_queue.get_jobs_by_name("kopir.sender")
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    runs = 0

    def counted(event) -> None:  # noqa: ANN001
        nonlocal runs
        if event.job_id == job.job.id:
            runs += 1
            if runs >= count and not done.done():
                done.set_result(None)

    def listener(event) -> None:  # noqa: ANN001
        loop.call_soon_threadsafe(counted, event)

    scheduler.add_listener(listener, EVENT_JOB_EXECUTED)
    try:
        await asyncio.wait_for(done, timeout)
    finally:
        scheduler.remove_listener(listener)


def nothing_on_its_way(database) -> bool:  # noqa: ANN001
    """No row is being sent: each claimed one is settled (sent, or given back)."""
    return NotificationStatus.SENDING not in row_statuses(database).values()


def stored(database) -> Broadcast:  # noqa: ANN001
    with database.uow() as uow:
        return uow.session.exec(select(Broadcast)).one()


def finished(database) -> bool:  # noqa: ANN001
    return state_of(database) == BroadcastStatus.DONE


def row_statuses(database) -> dict[int, str]:  # noqa: ANN001
    with database.uow() as uow:
        return {row.user_id: row.status for row in uow.session.exec(select(Notification))}


def status_message(organizer: FakeUser, database) -> str:  # noqa: ANN001
    """The organizer's status message as it reads now ("" before there is one)."""
    with database.uow() as uow:
        broadcast = uow.session.exec(select(Broadcast)).first()
    if broadcast is None or broadcast.status_message_id is None:
        return ""
    return text_of(organizer.message(broadcast.status_message_id))


HELLO_IN_TWO_LANGUAGES = [
    ("send", HELLO), ("press", "English"), ("press", "+ Русский"), ("send", HELLO_RU),
    ("press", "Continue"), ("press", "No button"), ("press", "Everyone"),
]


# --- who may ---------------------------------------------------------------------------------


async def test_reader_is_refused_broadcast_and_broadcasts(bot_app, fake_api):
    reader = await onboard(fake_api, 501, "en")

    await reader.send("/broadcast")
    refused = await reader.next_message()
    await reader.send("/broadcasts")
    listing_refused = await reader.next_message()

    assert (text_of(refused), text_of(listing_refused)) == (ONLY_ORGANIZERS, ONLY_ORGANIZERS)


async def test_reader_cannot_press_pause_on_an_announcement(people, database, fake_api):
    organizer = people[ORGANIZER_ID]
    await compose(organizer, *HELLO_IN_TWO_LANGUAGES)
    await organizer.press("Send now")
    await until(lambda: finished(database))
    reader = people[501]

    query = await reader.press_data(reader.messages[-1]["message_id"], "bs:cancel:1")
    answer = await reader.wait_callback_answer(query)

    assert (answer.text, answer.show_alert) == (ONLY_ORGANIZERS, True)
    assert stored(database).status == BroadcastStatus.DONE


async def test_cancel_command_ends_the_form_and_its_buttons_go_stale(organizer, database):
    shown = await compose(organizer, ("send", HELLO), ("send", "/cancel"))
    query = await organizer.press_data(shown[-2]["message_id"], "bc:lang:v:en")
    answer = await organizer.wait_callback_answer(query)

    assert text_of(shown[-1]) == "The announcement is cancelled; nothing was sent."
    assert (answer.text, answer.show_alert) == (
        "This form is closed. Send /broadcast to write a new announcement.", True)
    with database.uow() as uow:
        assert uow.broadcasts.recent(10) == []


def test_formatting_applied_in_the_telegram_app_is_kept_as_html():
    typed = Message(1, NOW, Chat(ORGANIZER_ID, "private"), text="Hello, <readers> & all",
                    entities=[MessageEntity(MessageEntity.BOLD, 0, 5)])
    tags = Message(2, NOW, Chat(ORGANIZER_ID, "private"), text="<b>Hello</b>, readers")

    assert html_source(typed) == "<b>Hello</b>, &lt;readers&gt; &amp; all"
    assert html_source(tags) == "<b>Hello</b>, readers"


# --- sending ---------------------------------------------------------------------------------


async def test_send_now_gives_every_reader_their_language_version_once(people, database):
    organizer = people[ORGANIZER_ID]
    shown = await compose(organizer, *HELLO_IN_TWO_LANGUAGES)
    assert [text_of(message) for message in shown[-3:]] == [
        "Hello, readers!", "Привет, читатели!",
        "Above: the announcement exactly as readers will get it.\n\n"
        "Versions: English (default), Русский\nButton: none\nAudience: everyone\n"
        "It will go to 6 readers.",
    ]

    await organizer.press("Send now")

    await until(lambda: finished(database))
    received = {user_id: inbox(people[user_id]) for user_id in READERS}
    assert received == {501: ["Hello, readers!"], 502: ["Привет, читатели!"],
                        503: ["Hello, readers!"], 504: ["Hello, readers!"]}
    assert people[501].messages[-1]["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert row_statuses(database) == {ORGANIZER_ID: NotificationStatus.SENT,
                                      **dict.fromkeys(READERS, NotificationStatus.SENT),
                                      BLOCKED: NotificationStatus.BLOCKED}
    await until(lambda: "finished" in status_message(organizer, database))
    assert status_message(organizer, database) == (
        "📣 Announcement #1: finished\nAudience: everyone\nSent: 5 of 6\nWaiting: 0\n"
        "Blocked the bot: 1\nFailed: 0\nTook: 0 seconds")
    assert buttons_of(organizer.message(stored(database).status_message_id)) == []


@pytest.mark.parametrize("paid_broadcasts", [True])
async def test_paid_fast_sending_is_offered_when_enabled_and_kept(people, database):
    organizer = people[ORGANIZER_ID]
    shown = await compose(organizer, *HELLO_IN_TWO_LANGUAGES, ("press", "Paid fast sending: off"))

    await organizer.press("Send now")

    assert buttons_of(shown[-1]) == [["Send now", "Schedule"], ["Paid fast sending: on"],
                                     ["Change the audience", "Cancel"]]
    await until(lambda: finished(database))
    assert stored(database).paid is True


async def test_blocked_reader_is_left_out_of_the_next_broadcast(people, database):
    organizer = people[ORGANIZER_ID]
    await compose(organizer, *HELLO_IN_TWO_LANGUAGES)
    await organizer.press("Send now")
    await until(lambda: finished(database))
    organizer.drain()

    shown = await compose(organizer, *HELLO_IN_TWO_LANGUAGES)

    assert text_of(shown[-1]).endswith("It will go to 5 readers.")


async def test_preview_is_exactly_what_readers_get(people, database):
    organizer = people[ORGANIZER_ID]
    event = make_event(database)
    await organizer.send("/broadcast")
    await organizer.handled()
    await organizer.send_photo(caption="<b>Photo contest</b>: the winners are in!")
    await organizer.handled()
    shown = await compose_rest(organizer, ("press", "English"), ("press", "Continue"),
                               ("press", "Event card"),
                               ("press_containing", "A model of the future"),
                               ("press", "Everyone"))
    preview = shown[-2]

    await organizer.press("Send now")

    await until(lambda: finished(database))
    delivered = people[501].messages[-1]
    compared = ("photo", "caption", "caption_entities", "reply_markup")
    assert {key: delivered.get(key) for key in compared} == {
        key: preview.get(key) for key in compared}
    assert (preview["caption"], preview["caption_entities"]) == (
        "Photo contest: the winners are in!", [{"type": "bold", "offset": 0, "length": 13}])
    assert preview["reply_markup"] == {"inline_keyboard": [[{
        "text": "Open the event", "url": f"https://t.me/kopir_bot?start=event_{event.id}"}]]}
    assert people[502].messages[-1]["reply_markup"]["inline_keyboard"][0][0]["text"] == (
        "Открыть мероприятие")


# --- audiences -------------------------------------------------------------------------------


@pytest.fixture
async def communities(people, database, fake_api) -> None:  # noqa: ANN001
    """An event (501 registered, 502 waiting), a contest (503 for Kazakhstan, 504 for
    Ukraine) and its juror."""
    event = make_event(database)
    with database.uow() as uow:
        for user_id, status in [(501, RegistrationStatus.REGISTERED),
                                (502, RegistrationStatus.WAITLISTED)]:
            uow.registrations.add(Registration(event_id=event.id, user_id=user_id, status=status,
                                               queued_at=NOW, created_at=NOW, updated_at=NOW))
        uow.commit()
    contest = make_contest(database)
    make_entry(database, contest, 503, 1, "Steppe", side="kz")
    make_entry(database, contest, 504, 2, "Dnipro", side="ua")
    people[JUROR] = await onboard(fake_api, JUROR, "en")
    make_juror(database, contest, JUROR, "Gulnara Abenova")


EVENT = ("press_containing", "A model of the future")
CONTEST = ("press_containing", "We roam towards ourselves")


@pytest.mark.parametrize(("choice", "audience", "recipients"), [
    # The bot learns that 505 (Russian) blocked it only when it writes to them.
    ([("press", "Readers of one language"), ("press", "Русский")],
     "readers who chose Russian", [502, BLOCKED]),
    ([("press", "Registrants of an event"), EVENT],
     "registrants of «A model of the future»", [501]),
    ([("press", "Waiting list of an event"), EVENT],
     "the waiting list of «A model of the future»", [502]),
    ([("press", "Participants of a contest"), CONTEST],
     "participants of «We roam towards ourselves»", [503, 504]),
    ([("press", "One side of a contest"), CONTEST, ("press", "Ukraine")],
     "participants of «We roam towards ourselves» from Ukraine", [504]),
    ([("press", "Jurors"), CONTEST],
     "jurors of «We roam towards ourselves»", [JUROR]),
    ([("press", "Jurors"), ("press", "Jurors of all contests")],
     "jurors of all contests", [JUROR]),
])
async def test_audience_choice_reaches_exactly_that_audience(
        people, communities, database, choice, audience, recipients):
    organizer = people[ORGANIZER_ID]

    shown = await compose(organizer, ("send", HELLO), ("press", "English"),
                          ("press", "Continue"), ("press", "No button"), *choice)
    await organizer.press("Send now")

    assert text_of(shown[-1]).split("\n")[-2:] == [
        f"Audience: {audience}",
        f"It will go to {len(recipients)} reader." if len(recipients) == 1
        else f"It will go to {len(recipients)} readers."]
    await until(lambda: finished(database))
    got = {user_id for user_id in (*READERS, JUROR)
           if "Hello, readers!" in inbox(people[user_id])}
    assert sorted(got) == [user_id for user_id in recipients if user_id != BLOCKED]
    assert sorted(row_statuses(database)) == recipients


async def test_audience_nobody_is_in_is_asked_again(organizer, database):
    make_contest(database)

    shown = await compose(organizer, ("send", HELLO), ("press", "English"),
                          ("press", "Continue"), ("press", "No button"),
                          ("press", "Jurors"), ("press", "Jurors of all contests"))

    assert [text_of(message) for message in shown[-2:]] == [
        "Nobody is in this audience now. Choose another one.", "Who should get it?"]


# --- what the composer refuses ---------------------------------------------------------------


async def test_bad_html_tag_is_explained_and_asked_again(organizer):
    shown = await compose(organizer, ("send", "<div>Hello</div>"))

    assert [text_of(message) for message in shown] == [
        ASK_MESSAGE,
        "Telegram cannot show the tag <div>. Allowed tags: <b>, <i>, <u>, <s>, <tg-spoiler>, "
        "<a href=\"https://...\">, <code>, <pre>, <blockquote>. You can also format the text in "
        "Telegram itself (bold, italic, links) instead of typing tags.",
        ASK_MESSAGE,
    ]


@pytest.mark.parametrize(("answer", "explanation"), [
    ("<b>Hello", "The tag <b> is not closed: add </b> where it should end."),
    ("a" * 4097, "The text is 4097 characters long without the tags; Telegram allows at most "
                 "4096. Shorten it and send it again."),
    ("<b> </b>", "The message has no text. Send the text of the announcement."),
])
async def test_text_telegram_would_refuse_is_asked_again(organizer, answer, explanation):
    shown = await compose(organizer, ("send", answer))

    assert [text_of(message) for message in shown[1:]] == [explanation, ASK_MESSAGE]


async def test_caption_over_1024_characters_is_asked_again(organizer):
    await organizer.send("/broadcast")
    await organizer.handled()

    await organizer.send_photo(caption="a" * 1025)
    await organizer.handled()

    assert [text_of(event.message) for event in organizer.drain()][1:] == [
        "The caption is 1025 characters long without the tags; a photo or document caption may "
        "have at most 1024. Shorten it and send it again.", ASK_MESSAGE]


async def test_sticker_instead_of_the_message_is_asked_again(organizer):
    await organizer.send("/broadcast")
    await organizer.handled()

    await organizer.send_sticker()
    await organizer.handled()

    assert [text_of(event.message) for event in organizer.drain()][1:] == [
        "Please send a text, a photo or a document.", ASK_MESSAGE]


async def test_version_too_long_for_a_caption_is_asked_again(organizer):
    await organizer.send("/broadcast")
    await organizer.handled()
    organizer.drain()
    await organizer.send_document(b"%PDF-1.4 programme", "programme.pdf", "application/pdf",
                                  caption="Programme")
    await organizer.next_message()  # which language the caption is in

    shown = await compose_rest(organizer, ("press", "English"), ("press", "+ Русский"),
                               ("send", "б" * 1025))

    assert [text_of(message) for message in shown[-2:]] == [
        "The caption is 1025 characters long without the tags; a photo or document caption may "
        "have at most 1024. Shorten it and send it again.",
        "Send the caption in Russian (up to 1024 characters).",
    ]


# --- scheduling ------------------------------------------------------------------------------


async def test_schedule_in_the_past_is_refused_and_a_future_time_is_kept(people, database):
    organizer = people[ORGANIZER_ID]

    shown = await compose(organizer, *HELLO_IN_TWO_LANGUAGES, ("press", "Schedule"),
                          ("send", "2026-11-22 08:00"), ("send", "2026-11-22 12:00"))

    assert [text_of(message) for message in shown[-4:]] == [
        ASK_SCHEDULE,
        "That time has already passed: send a time in the future.",
        ASK_SCHEDULE,
        "Announcement #1 is scheduled for 22 November 2026, 12:00. Its audience is "
        "counted again then. /broadcasts lists it, and can cancel it.",
    ]
    saved = stored(database)
    assert (saved.status, saved.scheduled_at) == (
        BroadcastStatus.SCHEDULED, NOW + timedelta(hours=3))
    assert row_statuses(database) == {}


async def test_broadcasts_lists_a_scheduled_one_and_cancels_it(people, database):
    organizer = people[ORGANIZER_ID]
    await compose(organizer, *HELLO_IN_TWO_LANGUAGES, ("press", "Schedule"),
                  ("send", "2026-11-22 12:00"))

    await organizer.send("/broadcasts")
    listing = await organizer.next_message()
    await organizer.press("Cancel #1")
    after = await organizer.next_message()

    assert text_of(listing) == (
        "Announcements, newest first:\n\n"
        "📣 Announcement #1: scheduled for 22 November 2026, 12:00\n"
        "Audience: everyone\n6 readers now")
    assert buttons_of(listing) == [["Cancel #1"]]
    assert text_of(after) == (
        "Announcements, newest first:\n\n📣 Announcement #1: cancelled\nAudience: everyone\n"
        "Sent: 0 of 0\nWaiting: 0\nBlocked the bot: 0\nFailed: 0")
    assert stored(database).status == BroadcastStatus.CANCELLED


# --- while it runs ---------------------------------------------------------------------------


def status_buttons(organizer: FakeUser, database) -> list[list[str]]:  # noqa: ANN001
    """The buttons of the organizer's status message ([] before there is one): Pause and
    Cancel are pressed there, not on the form's summary (which has a Cancel of its own)."""
    with database.uow() as uow:
        broadcast = uow.session.exec(select(Broadcast)).first()
    if broadcast is None or broadcast.status_message_id is None:
        return []
    return buttons_of(organizer.message(broadcast.status_message_id))


def sent_count(database) -> int:  # noqa: ANN001
    return list(row_statuses(database).values()).count(NotificationStatus.SENT)


def state_of(database) -> str | None:  # noqa: ANN001
    with database.uow() as uow:
        broadcast = uow.session.exec(select(Broadcast)).first()
    return broadcast.status if broadcast is not None else None


CROWD = range(600, 630)


@pytest.fixture
def crowd(people, database, fake_api) -> dict[int, FakeUser]:  # noqa: ANN001
    """Thirty more Kazakh readers, so that a broadcast at 10/s lasts a few seconds and is
    claimed in several batches (the engine sees Pause and Cancel when it claims)."""
    with database.uow() as uow:
        for user_id in CROWD:
            uow.users.add(User(id=user_id, first_name="Aru", language="kk", created_at=NOW))
        uow.commit()
    for user_id in CROWD:
        # They have opened the bot, so it may write to them.
        people[user_id] = fake_api.user(user_id)
        people[user_id].started = True
    return people


def deliveries(people: dict[int, FakeUser]) -> dict[int, int]:
    """How many announcements each reader has (their only bot messages since /start)."""
    return {user_id: sum(text_of(m) in ("Hello, readers!", "Привет, читатели!")
                         for m in user.messages)
            for user_id, user in people.items() if user_id not in (ORGANIZER_ID, BLOCKED)}


@pytest.mark.parametrize("send_rate", [10.0])
async def test_pause_stops_sending_and_resume_goes_on_where_it_stopped(
        crowd, database, bot_app):
    people = crowd
    organizer = people[ORGANIZER_ID]
    await compose(organizer, *HELLO_IN_TWO_LANGUAGES)
    await organizer.press("Send now")
    await until(lambda: sent_count(database) >= 1
                and status_buttons(organizer, database) == [["Pause", "Cancel"]])

    await organizer.press("Pause")
    await until(lambda: state_of(database) == BroadcastStatus.PAUSED)
    await until(lambda: nothing_on_its_way(database))  # what was on its way has arrived
    while_paused = deliveries(people)
    await sender_runs(bot_app, 3)  # runs that would have sent more

    assert deliveries(people) == while_paused
    assert NotificationStatus.PENDING in row_statuses(database).values()
    await until(lambda: "paused" in status_message(organizer, database))
    assert buttons_of(organizer.message(stored(database).status_message_id)) == [
        ["Resume", "Cancel"]]
    await organizer.press("Resume")
    await until(lambda: finished(database))
    assert deliveries(people) == dict.fromkeys([*READERS, *CROWD], 1)
    assert set(row_statuses(database).values()) == {
        NotificationStatus.SENT, NotificationStatus.BLOCKED}


@pytest.mark.parametrize("send_rate", [10.0])
async def test_cancel_marks_the_rest_cancelled_and_nothing_more_arrives(
        crowd, database, bot_app):
    people = crowd
    organizer = people[ORGANIZER_ID]
    await compose(organizer, *HELLO_IN_TWO_LANGUAGES)
    await organizer.press("Send now")
    await until(lambda: sent_count(database) >= 1
                and status_buttons(organizer, database) == [["Pause", "Cancel"]])

    await organizer.press("Cancel")
    await until(lambda: state_of(database) == BroadcastStatus.CANCELLED)
    await until(lambda: nothing_on_its_way(database))
    after_cancel = deliveries(people)
    await sender_runs(bot_app, 3)

    assert deliveries(people) == after_cancel
    statuses = list(row_statuses(database).values())
    assert NotificationStatus.CANCELLED in statuses
    assert set(statuses) <= {NotificationStatus.SENT, NotificationStatus.CANCELLED,
                             NotificationStatus.BLOCKED}
    sent = row_statuses(database)
    assert after_cancel == {user_id: int(sent[user_id] == NotificationStatus.SENT)
                            for user_id in after_cancel}
    # Rows in flight at the press are settled after it: the status message shows them at its
    # next refresh (the broadcasts job), not necessarily in the edit that says "cancelled".
    final = f"Cancelled: {statuses.count(NotificationStatus.CANCELLED)}"
    await until(lambda: final in status_message(organizer, database).split("\n"))
    assert status_message(organizer, database).startswith("📣 Announcement #1: cancelled\n")
    assert buttons_of(organizer.message(stored(database).status_message_id)) == []


async def test_broadcasts_lists_finished_ones_with_their_figures(people, database):
    organizer = people[ORGANIZER_ID]
    await compose(organizer, *HELLO_IN_TWO_LANGUAGES)
    await organizer.press("Send now")
    await until(lambda: "finished" in status_message(organizer, database))
    await organizer.handled()
    organizer.drain()

    await organizer.send("/broadcasts")
    listing = await organizer.next_message()

    assert text_of(listing) == (
        "Announcements, newest first:\n\n📣 Announcement #1: finished\nAudience: everyone\n"
        "Sent: 5 of 6\nWaiting: 0\nBlocked the bot: 1\nFailed: 0\nTook: 0 seconds")
    assert buttons_of(listing) == []


# --- after a restart -------------------------------------------------------------------------


async def test_scheduled_broadcast_that_fell_due_while_the_bot_was_down_goes_out_on_start(
        settings, clock, database, catalogs, fake_api):
    async with running(settings, clock, database, catalogs, fake_api):
        organizer = await onboard(fake_api, ORGANIZER_ID, "en")
        readers = {user_id: await onboard(fake_api, user_id, language)
                   for user_id, language in READERS.items()}
        await compose(organizer, *HELLO_IN_TWO_LANGUAGES, ("press", "Schedule"),
                      ("send", "2026-11-22 12:00"))
    quiet = {user_id: inbox(reader) for user_id, reader in readers.items()}
    clock.set(NOW + timedelta(hours=5))  # the bot was down at 12:00 (07:00 UTC)

    async with running(settings, clock, database, catalogs, fake_api):
        await until(lambda: finished(database))
        received = {user_id: inbox(reader) for user_id, reader in readers.items()}
        await until(lambda: "finished" in status_message(organizer, database))

    assert quiet == dict.fromkeys(READERS, [])
    assert received == {501: ["Hello, readers!"], 502: ["Привет, читатели!"],
                        503: ["Hello, readers!"], 504: ["Hello, readers!"]}
    assert stored(database).started_at == NOW + timedelta(hours=5)


# --- Send pressed twice, a busy database -------------------------------------------------------

BUSY = ("Kopir is very busy right now and could not do this. Please try again in a moment: "
        "nothing you have already entered is lost.")
FORM_CLOSED = "This form is closed. Send /broadcast to write a new announcement."


async def test_send_pressed_twice_at_once_makes_one_broadcast(people, database):
    organizer = people[ORGANIZER_ID]
    await compose(organizer, *HELLO_IN_TWO_LANGUAGES)

    presses = [await organizer.press("Send now"), await organizer.press("Send now")]
    answers = [await organizer.wait_callback_answer(query) for query in presses]

    await until(lambda: finished(database))
    received = {user_id: inbox(people[user_id]) for user_id in READERS}
    with database.uow() as uow:
        assert len(uow.broadcasts.recent(10)) == 1
    assert (answers[1].text, answers[1].show_alert) == (FORM_CLOSED, True)
    assert received == {501: ["Hello, readers!"], 502: ["Привет, читатели!"],
                        503: ["Hello, readers!"], 504: ["Hello, readers!"]}
    await until(lambda: "finished" in status_message(organizer, database))


@pytest.mark.parametrize("written", [False, True], ids=["nothing-written", "answer-lost"])
async def test_send_on_a_busy_database_keeps_the_form_and_a_second_press_sends_once(
        people, database, monkeypatch, written):
    """The database is busy at Send (`written`: the broadcast was committed, but the
    answer never came back): the organizer is told, the form stays, and pressing Send
    again gives one broadcast, each reader one message and one status message."""
    from bot.services import broadcast_work
    from storage.uow import DatabaseBusy

    real = broadcast_work.create_broadcast
    calls = []

    def busy_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(kwargs["form_token"])
        if len(calls) == 1:
            if written:
                real(*args, **kwargs)
            raise DatabaseBusy("OperationalError")
        return real(*args, **kwargs)

    monkeypatch.setattr(broadcast_work, "create_broadcast", busy_once)
    organizer = people[ORGANIZER_ID]
    await compose(organizer, *HELLO_IN_TWO_LANGUAGES)

    await organizer.press("Send now")
    await organizer.handled()
    told = [text_of(event.message) for event in organizer.drain()] + [
        answer.text for answer in organizer.callback_answers]
    await organizer.press("Send now")

    await until(lambda: finished(database))
    received = {user_id: inbox(people[user_id]) for user_id in READERS}
    await until(lambda: "finished" in status_message(organizer, database))
    assert BUSY in told
    assert len(calls) == 2 and calls[0] == calls[1]  # the same form, the same token
    with database.uow() as uow:
        assert len(uow.broadcasts.recent(10)) == 1
    assert received == {501: ["Hello, readers!"], 502: ["Привет, читатели!"],
                        503: ["Hello, readers!"], 504: ["Hello, readers!"]}
    statuses = [event.message for event in organizer.drain()
                if text_of(event.message).startswith("📣")]
    assert len({message["message_id"] for message in statuses}) == 1


# --- formatting ------------------------------------------------------------------------------

# Formatting made in the organizer's Telegram app arrives as entities, over a text that may
# hold "<" and "&" of its own.
FORMATTED = "Poetry evening on Friday: sign up here (ages <15-19> & friends)"
FORMATTING = [
    {"type": "bold", "offset": 0, "length": 14},
    {"type": "italic", "offset": 18, "length": 6},
    {"type": "text_link", "offset": 34, "length": 4, "url": "https://example.org/poetry?a=1&b=2"},
]
TO_EVERYONE = [("press", "English"), ("press", "Continue"), ("press", "No button"),
               ("press", "Everyone")]


async def test_formatting_made_in_telegram_reaches_readers_as_it_was_made(people, database):
    organizer = people[ORGANIZER_ID]
    await organizer.send("/broadcast")
    await organizer.handled()
    await organizer.send(FORMATTED, entities=FORMATTING)
    await organizer.handled()
    shown = await compose_rest(organizer, *TO_EVERYONE)
    preview = shown[-2]

    await organizer.press("Send now")

    await until(lambda: finished(database))
    delivered = {user_id: (people[user_id].messages[-1]["text"],
                           people[user_id].messages[-1].get("entities"))
                 for user_id in (501, 502)}
    assert (preview["text"], preview.get("entities")) == (FORMATTED, FORMATTING)
    assert delivered == {501: (FORMATTED, FORMATTING), 502: (FORMATTED, FORMATTING)}
    assert stored(database).texts == {"en": (
        "<b>Poetry evening</b> on <i>Friday</i>: sign up "
        '<a href="https://example.org/poetry?a=1&b=2">here</a> (ages &lt;15-19&gt; &amp; friends)')}


@pytest.mark.parametrize("typed", ["Quiz: a < b & c, for ages <15-19>", "<readers> & <friends>"])
async def test_text_with_brackets_and_ampersands_reaches_readers_as_typed(people, database, typed):
    organizer = people[ORGANIZER_ID]
    shown = await compose(organizer, ("send", typed), *TO_EVERYONE)

    await organizer.press("Send now")

    await until(lambda: finished(database))
    delivered = people[501].messages[-1]
    assert (text_of(shown[-2]), shown[-2].get("entities")) == (typed, None)
    assert (delivered["text"], delivered.get("entities")) == (typed, None)


async def test_typed_html_still_formats_and_a_stray_bracket_in_it_is_a_character(
        people, database):
    organizer = people[ORGANIZER_ID]
    shown = await compose(organizer, ("send", "<b>Quiz</b>: is 1 < 2 & 3 > 2?"), *TO_EVERYONE)

    await organizer.press("Send now")

    await until(lambda: finished(database))
    delivered = people[501].messages[-1]
    expected = ("Quiz: is 1 < 2 & 3 > 2?", [{"type": "bold", "offset": 0, "length": 4}])
    assert (shown[-2]["text"], shown[-2]["entities"]) == expected
    assert (delivered["text"], delivered["entities"]) == expected


async def test_caption_formatted_in_telegram_is_previewed_with_its_formatting(organizer):
    await organizer.send("/broadcast")
    await organizer.handled()
    await organizer.send_photo(caption="Winners <list> & prizes",
                               caption_entities=[{"type": "bold", "offset": 0, "length": 7}])
    await organizer.handled()

    shown = await compose_rest(organizer, *TO_EVERYONE)

    assert (shown[-2]["caption"], shown[-2]["caption_entities"]) == (
        "Winners <list> & prizes", [{"type": "bold", "offset": 0, "length": 7}])
