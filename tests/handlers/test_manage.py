"""Organizer buttons on an event card (edit, registrants, cancel) end to end."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.sandbox.fakeapi.users import text_of
from bot.services.registration import register
from storage.models import Event, Notification, NotificationKind
from tests.conftest import ORGANIZER_ID, onboard
from tests.factories import NOW, make_event

STALE = "This button is out of date: the event no longer exists or has changed."
TITLE = "A model of the future"


def _readers(database, event_id: int, readers: list[tuple[int, str, str]]) -> None:
    """Readers with a profile, registered (or waitlisted) in this order."""
    with database.uow() as uow:
        for user_id, full_name, library in readers:
            user = uow.users.get(user_id)
            user.full_name, user.library = full_name, library
            user.birth_date, user.country, user.city = date(2009, 3, 1), "Kazakhstan", "Karaganda"
            user.consent_at = NOW
            register(uow, event_id, user_id, NOW)
        uow.commit()


async def _card(fake_api, event_id: int):
    """The organizer opens the event card (as from the deep link)."""
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send(f"/start event_{event_id}")
    await organizer.next_message()
    return organizer


def _notices(database, kind: NotificationKind) -> list[tuple]:
    with database.uow() as uow:
        rows = uow.session.exec(select(Notification).where(Notification.kind == kind)).all()
        return sorted((row.user_id, row.event_id, row.payload) for row in rows)


def _reminders(database, event_id: int) -> list[tuple]:
    with database.uow() as uow:
        return [(r.user_id, r.offset_minutes, r.due_at, r.status)
                for r in uow.notifications.reminders(event_id)]


def _event(database, event_id: int) -> Event:
    with database.uow() as uow:
        return uow.events.get(event_id)


async def test_manage_edit_time_tells_registrants_and_moves_reminders(
    bot_app, fake_api, database
):
    event = make_event(database)  # starts 2026-11-25 04:00 UTC = 09:00 in Almaty
    await onboard(fake_api, 8001, "en", first_name="Aru")
    _readers(database, event.id, [(8001, "Aru Bekova", "Youth Library No. 3")])
    organizer = await _card(fake_api, event.id)

    await organizer.press("Edit")
    menu = await organizer.next_message()
    await organizer.press("Change time")
    prompt = await organizer.next_message()
    await organizer.send("2026-11-26 15:00")
    confirm = await organizer.next_message()
    await organizer.press("Save")
    saved = await organizer.next_message()
    await organizer.handled()

    assert [text_of(m) for m in (menu, prompt, confirm, saved)] == [
        f"What do you want to change in «{TITLE}»?",
        "Now it starts 25 November 2026, 09:00 (Almaty time). Send the new date and "
        "time (Almaty time), for example: 25.11.2026 09:00",
        f"New start of «{TITLE}»: 26 November 2026, 15:00 (Almaty time) "
        "(was 25 November 2026, 09:00).\n1 registrant will be told.",
        "Saved. 1 registrant will be notified.",
    ]
    changed = _event(database, event.id)
    assert (changed.starts_at, changed.revision) == (datetime(2026, 11, 26, 10, 0, tzinfo=UTC), 2)
    assert _notices(database, NotificationKind.EVENT_CHANGED) == [
        (8001, event.id, {"changes": ["starts_at"], "old_starts_at": "2026-11-25T04:00:00+00:00"}),
    ]
    assert _reminders(database, event.id) == [
        (8001, 1440, datetime(2026, 11, 25, 10, 0, tzinfo=UTC), "pending"),
        (8001, 60, datetime(2026, 11, 26, 9, 0, tzinfo=UTC), "pending"),
        (8001, 0, datetime(2026, 11, 26, 10, 0, tzinfo=UTC), "pending"),
    ]


async def test_manage_edit_time_in_the_past_is_explained_and_asked_again(
    bot_app, fake_api, database
):
    event = make_event(database)
    organizer = await _card(fake_api, event.id)
    await organizer.press("Edit")
    await organizer.next_message()
    await organizer.press("Change time")
    await organizer.handled()
    organizer.drain()

    await organizer.send("2026-11-20 15:00")
    replies = [text_of(await organizer.next_message()) for _ in range(2)]
    await organizer.send_photo()
    again = [text_of(await organizer.next_message()) for _ in range(2)]

    prompt = ("Now it starts 25 November 2026, 09:00 (Almaty time). Send the new date "
              "and time (Almaty time), for example: 25.11.2026 09:00")
    assert (replies, again) == (
        ["Start time must be in the future: 2026-11-20 15:00 is already past.", prompt],
        ["Please answer with a text message.", prompt],
    )
    assert _event(database, event.id).starts_at == NOW + timedelta(days=3)


async def test_manage_edit_link_and_cancel_keeps_the_old_link(bot_app, fake_api, database):
    event = make_event(database)
    organizer = await _card(fake_api, event.id)
    await organizer.press("Edit")
    await organizer.next_message()
    await organizer.press("Change link")
    await organizer.handled()
    organizer.drain()

    await organizer.send("https://meet.example.org/kopir")
    confirm = await organizer.next_message()
    await organizer.press("Cancel")
    dropped = await organizer.next_message()

    assert (text_of(confirm), text_of(dropped)) == (
        f"New join link of «{TITLE}»: https://meet.example.org/kopir\n0 registrants will be told.",
        "Nothing changed.",
    )
    changed = _notices(database, NotificationKind.EVENT_CHANGED)
    assert (_event(database, event.id).link, changed) == ("https://zoom.us/j/123456789", [])


async def test_manage_more_seats_promote_the_waiting_list(bot_app, fake_api, database):
    event = make_event(database, capacity=1)
    for user_id in (8011, 8012, 8013):
        await onboard(fake_api, user_id, "en")
    _readers(database, event.id, [(8011, "Aru Bekova", "Youth Library No. 3"),
                                  (8012, "Dana Sadykova", "School 12"),
                                  (8013, "Ivan Petrenko", "Kyiv Youth Library")])
    organizer = await _card(fake_api, event.id)
    await organizer.press("Edit")
    await organizer.next_message()
    await organizer.press("Change capacity")
    await organizer.handled()
    organizer.drain()

    await organizer.send("abc")
    error = await organizer.next_message()
    await organizer.next_message()
    await organizer.send("3")
    confirm = await organizer.next_message()
    await organizer.press("Save")
    saved = await organizer.next_message()
    await organizer.handled()

    assert [text_of(m) for m in (error, confirm, saved)] == [
        "Cannot read abc as a number of seats: write a number, or 0 for no limit.",
        f"Seats of «{TITLE}»: 3 (was 1).\n"
        "Readers who get a seat from the waiting list will be told.",
        "Saved. 2 readers moved from the waiting list were told they have a seat.",
    ]
    assert [(user_id, event_id) for user_id, event_id, _payload
            in _notices(database, NotificationKind.PROMOTED)] == [(8012, event.id),
                                                                   (8013, event.id)]
    assert _event(database, event.id).capacity == 3


async def test_manage_one_more_seat_names_the_one_reader_told(bot_app, fake_api, database):
    event = make_event(database, capacity=1)
    for user_id in (8014, 8015):
        await onboard(fake_api, user_id, "en")
    _readers(database, event.id, [(8014, "Aru Bekova", "Youth Library No. 3"),
                                  (8015, "Dana Sadykova", "School 12")])
    organizer = await _card(fake_api, event.id)
    await organizer.press("Edit")
    await organizer.next_message()
    await organizer.press("Change capacity")
    await organizer.next_message()

    await organizer.press("No limit")
    await organizer.next_message()
    await organizer.press("Save")
    saved = await organizer.next_message()

    assert (text_of(saved), _event(database, event.id).capacity) == (
        "Saved. 1 reader moved from the waiting list was told they have a seat.", None,
    )


async def test_manage_fewer_seats_with_nobody_waiting_just_says_saved(
    bot_app, fake_api, database
):
    event = make_event(database, capacity=100)
    organizer = await _card(fake_api, event.id)
    await organizer.press("Edit")
    await organizer.next_message()
    await organizer.press("Change capacity")
    await organizer.next_message()

    await organizer.send("50")
    await organizer.next_message()
    await organizer.press("Save")
    saved = await organizer.next_message()

    assert (text_of(saved), _event(database, event.id).capacity) == ("Saved.", 50)


async def test_manage_registrants_lists_registered_and_waiting(bot_app, fake_api, database):
    event = make_event(database, capacity=2)
    readers = [(8021, "Aru Bekova", "Youth Library No. 3"), (8022, "Dana Sadykova", "School 12"),
               (8023, "Ivan Petrenko", "Kyiv Youth Library")]
    for user_id, _name, _library in readers:
        await onboard(fake_api, user_id, "en")
    _readers(database, event.id, readers)
    organizer = await _card(fake_api, event.id)

    await organizer.press("Registrants")
    listing = await organizer.next_message()

    assert text_of(listing) == "\n".join([
        f"Registrants of «{TITLE}»",
        "2 registered:",
        "1. Aru Bekova — Youth Library No. 3",
        "2. Dana Sadykova — School 12",
        "1 on the waiting list:",
        "1. Ivan Petrenko — Kyiv Youth Library",
    ])


async def test_manage_registrants_of_an_empty_event_says_nobody_yet(
    bot_app, fake_api, database
):
    event = make_event(database)
    organizer = await _card(fake_api, event.id)

    await organizer.press("Registrants")
    listing = await organizer.next_message()

    assert text_of(listing) == f"Registrants of «{TITLE}»\nNobody has registered yet."


async def test_manage_cancel_event_tells_registered_and_waiting(bot_app, fake_api, database):
    event = make_event(database, capacity=1)
    for user_id in (8031, 8032):
        await onboard(fake_api, user_id, "en")
    _readers(database, event.id, [(8031, "Aru Bekova", "Youth Library No. 3"),
                                  (8032, "Dana Sadykova", "School 12")])
    organizer = await _card(fake_api, event.id)

    await organizer.press("Cancel event")
    question = await organizer.next_message()
    await organizer.press("Yes, cancel the event")
    done = await organizer.next_message()
    await organizer.handled()

    assert (text_of(question), text_of(done)) == (
        f"Cancel «{TITLE}»? 2 readers will be told.",
        f"«{TITLE}» is cancelled. 2 readers will be told.",
    )
    assert _event(database, event.id).cancelled_at == NOW
    assert _notices(database, NotificationKind.EVENT_CANCELLED) == [
        (8031, event.id, {}), (8032, event.id, {}),
    ]
    assert _reminders(database, event.id) == []


async def test_manage_cancel_answered_no_changes_nothing(bot_app, fake_api, database):
    event = make_event(database)
    organizer = await _card(fake_api, event.id)

    await organizer.press("Cancel event")
    await organizer.next_message()
    await organizer.press("No, keep it")
    kept = await organizer.next_message()

    assert (text_of(kept), _event(database, event.id).cancelled_at) == (
        f"Nothing changed: «{TITLE}» takes place as planned.", None,
    )


async def test_manage_button_of_a_cancelled_event_is_stale(bot_app, fake_api, database):
    event = make_event(database)
    organizer = await _card(fake_api, event.id)
    await organizer.press("Cancel event")
    await organizer.next_message()
    await organizer.press("Yes, cancel the event")
    await organizer.handled()

    query_id = await organizer.press("Registrants")
    answer = await organizer.wait_callback_answer(query_id)

    assert (answer.text, answer.show_alert) == (STALE, True)


async def test_manage_forged_cancel_from_a_reader_is_refused(bot_app, fake_api, database):
    event = make_event(database)
    reader = await onboard(fake_api, 8041, "en")
    await reader.send("/events")
    shown = await reader.next_message()

    query_id = await reader.press_data(shown["message_id"], f"org:cancel:{event.id}:yes")
    answer = await reader.wait_callback_answer(query_id)

    assert (answer.text, answer.show_alert) == ("Only organizers can do this.", True)
    assert (_event(database, event.id).cancelled_at,
            _notices(database, NotificationKind.EVENT_CANCELLED)) == (None, [])


async def test_manage_edit_started_during_newevent_takes_the_typed_answer(
    bot_app, fake_api, database
):
    event = make_event(database)
    organizer = await _card(fake_api, event.id)
    await organizer.send("/newevent")
    await organizer.next_message()
    await organizer.press("Edit")
    await organizer.next_message()
    await organizer.press("Change link")
    await organizer.next_message()

    await organizer.send("https://meet.example.org/kopir")
    confirm = await organizer.next_message()
    await organizer.press("Video-bridge")
    resumed = await organizer.next_message()

    assert (text_of(confirm), text_of(resumed)) == (
        f"New join link of «{TITLE}»: https://meet.example.org/kopir\n0 registrants will be told.",
        "Which language will the event be held in?",
    )
