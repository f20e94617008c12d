"""Who came, end to end: the reader's Join (from /my and from a reminder) and the
organizer's sheet (mark, unmark, counts, another library refused)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.context import app_context
from bot.delivery.engine import send_due
from bot.sandbox.fakeapi.users import buttons_of, text_of
from bot.services.organizer import cancel_event
from bot.services.registration import cancel_registration, register
from tests.conftest import ORGANIZER_ID, onboard
from tests.contest_factories import make_reader
from tests.factories import NOW, make_event
from tests.org_factories import make_library, make_organizer

ALMATY = ZoneInfo("Asia/Almaty")
TITLE = "A model of the future"
LINK = "https://zoom.us/j/123456789"
OTHER_LIBRARY = ("This belongs to another library: only its organizers and the administrators "
                 "can manage it.")


def _registered(database, event_id, *user_ids, names=()):
    """Readers with a profile, registered in this order (names: their full names)."""
    for position, user_id in enumerate(user_ids):
        full_name = names[position] if names else "Aigerim Serikova"
        make_reader(database, user_id, full_name=full_name, library="School 12")
    with database.uow() as uow:
        for user_id in user_ids:
            register(uow, event_id, user_id, NOW)
        uow.commit()


def _attended(database, event_id, user_id):
    with database.uow() as uow:
        registration = uow.registrations.get(event_id, user_id)
        return (registration.status, registration.attended_at, registration.attended_how)


async def _press_join(fake_api, user_id, event_id):
    """The reader presses Join on an old message (its data is all that counts)."""
    reader = fake_api.user(user_id)
    await reader.send("/help")
    message = await reader.next_message()
    answer = await reader.wait_callback_answer(
        await reader.press_data(message["message_id"], f"att:join:{event_id}"))
    return reader, answer


async def _opened_chat(fake_api, user_id):
    """A reader who has written to the bot (Telegram delivers only to them)."""
    reader = fake_api.user(user_id)
    await reader.send("/help")
    await reader.next_message()
    return reader


def _link_message(t):
    return t.gettext("Here is the join link for «{title}»:\n{link}").format(title=TITLE, link=LINK)


async def test_join_before_the_lead_time_says_when_the_link_opens(
    bot_app, fake_api, database, catalogs
):
    event = make_event(database)
    _registered(database, event.id, 7001)
    t = catalogs.translator("en")

    _reader, answer = await _press_join(fake_api, 7001, event.id)

    opens = t.datetime(event.starts_at - timedelta(hours=1), ALMATY)
    assert ((answer.text, answer.show_alert), _attended(database, event.id, 7001)) == (
        (t.gettext("It is too early. The join link opens: {time}.").format(time=opens), True),
        ("registered", None, None),
    )


async def test_join_within_the_lead_time_from_my_records_once_and_gives_the_link(
    bot_app, fake_api, database, catalogs, clock
):
    event = make_event(database, reminder_offsets=[])  # no reminder among the replies
    _registered(database, event.id, 7002)
    t = catalogs.translator("en")
    reader = fake_api.user(7002)
    first_press = event.starts_at - timedelta(minutes=30)
    clock.set(first_press)
    await reader.send("/my")
    await reader.next_message()

    await reader.press(t.gettext("Join: {title}").format(title=TITLE))
    given = await reader.next_message()
    clock.set(first_press + timedelta(minutes=40))
    await reader.press(t.gettext("Join: {title}").format(title=TITLE))
    again = await reader.next_message()

    assert (text_of(given), given["reply_markup"]["inline_keyboard"], text_of(again)) == (
        _link_message(t),
        [[{"text": t.gettext("Open the join link"), "url": LINK}]],
        _link_message(t),
    )
    assert _attended(database, event.id, 7002) == ("registered", first_press, "joined")


async def test_join_after_the_end_says_it_is_over(bot_app, fake_api, database, catalogs, clock):
    event = make_event(database)
    _registered(database, event.id, 7003)
    clock.set(event.starts_at + timedelta(minutes=event.duration_minutes))

    _reader, answer = await _press_join(fake_api, 7003, event.id)

    assert ((answer.text, answer.show_alert), _attended(database, event.id, 7003)) == (
        ("This event is over.", True), ("registered", None, None),
    )


async def test_join_on_a_cancelled_event_says_it_was_cancelled(
    bot_app, fake_api, database, clock
):
    event = make_event(database)
    _registered(database, event.id, 7004)
    with database.uow() as uow:
        cancel_event(uow, event.id, NOW)
        uow.commit()
    clock.set(event.starts_at - timedelta(minutes=10))

    _reader, answer = await _press_join(fake_api, 7004, event.id)

    assert ((answer.text, answer.show_alert), _attended(database, event.id, 7004)) == (
        ("This event was cancelled.", True), ("registered", None, None),
    )


async def test_join_by_a_reader_who_cancelled_counts_them_as_came(
    bot_app, fake_api, database, catalogs, clock
):
    event = make_event(database)
    _registered(database, event.id, 7005)
    with database.uow() as uow:
        cancel_registration(uow, event.id, 7005, NOW)
        uow.commit()
    pressed = event.starts_at + timedelta(minutes=5)
    clock.set(pressed)

    reader, _answer = await _press_join(fake_api, 7005, event.id)
    given = await reader.next_message()

    assert (text_of(given), _attended(database, event.id, 7005)) == (
        _link_message(catalogs.translator("en")), ("cancelled", pressed, "joined"),
    )


async def test_join_by_a_waitlisted_reader_is_refused(bot_app, fake_api, database, clock):
    event = make_event(database, capacity=1)
    _registered(database, event.id, 7006, 7007)
    clock.set(event.starts_at - timedelta(minutes=10))

    _reader, answer = await _press_join(fake_api, 7007, event.id)

    assert ((answer.text, answer.show_alert), _attended(database, event.id, 7007)) == (
        ("You are on the waiting list: the join link is for registered readers only. "
         "We will tell you if a seat frees up.", True),
        ("waitlisted", None, None),
    )


async def test_join_by_someone_not_registered_offers_the_card(
    bot_app, fake_api, database, catalogs
):
    event = make_event(database)
    make_reader(database, 7008)
    t = catalogs.translator("en")

    reader, answer = await _press_join(fake_api, 7008, event.id)
    card = await reader.next_message()

    assert (answer.text, TITLE in text_of(card), buttons_of(card)[0]) == (
        t.gettext("You are not registered for this event."), True, [t.gettext("Register")],
    )


async def test_join_button_in_the_reminder_within_the_lead_time_gives_the_link(
    bot_app, fake_api, database, catalogs, clock
):
    event = make_event(database)
    _registered(database, event.id, 7009)
    t = catalogs.translator("en")
    reader = await _opened_chat(fake_api, 7009)
    clock.set(event.starts_at - timedelta(hours=1))

    await send_due(bot_app, app_context(bot_app.bot_data))
    reminder = await reader.next_message()
    await reader.press(t.gettext("Join"))
    given = await reader.next_message()

    assert (buttons_of(reminder), text_of(reminder).split("\n")[-1], text_of(given)) == (
        [[t.gettext("Join")], [t.gettext("Open the event")]],
        t.gettext("Press «Join» below to get the join link."),
        _link_message(t),
    )
    assert _attended(database, event.id, 7009) == ("registered", clock.now(), "joined")


async def test_reminder_before_the_lead_time_has_no_join(bot_app, fake_api, database, clock):
    event = make_event(database)
    _registered(database, event.id, 7010)
    reader = await _opened_chat(fake_api, 7010)
    clock.set(event.starts_at - timedelta(hours=24))

    await send_due(bot_app, app_context(bot_app.bot_data))
    reminder = await reader.next_message()

    assert buttons_of(reminder) == [["Open the event"]]


# --- the organizer's sheet -----------------------------------------------------------------


def _sheet(t, lines, counts, hint=True):
    return "\n".join([t.gettext("Who came to «{title}»").format(title=TITLE), counts, *lines]
                     + ([t.gettext("Press a name to mark that they came, or to take the mark "
                                   "back.")] if hint else []))


async def test_attendance_sheet_marks_and_unmarks_with_counts(
    bot_app, fake_api, database, catalogs, clock
):
    event = make_event(database)
    _registered(database, event.id, 7021, 7022, names=("Aru Bekova", "Dana Sadykova"))
    t = catalogs.translator("en")
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send(f"/start event_{event.id}")
    await organizer.next_message()
    await organizer.press("Registrants")
    listing = await organizer.next_message()
    ended = event.starts_at + timedelta(hours=2)
    clock.set(ended)

    await organizer.press(t.gettext("Who came"))
    opened = await organizer.next_message()
    await organizer.press("▫️ 1. Aru Bekova")
    marked = await organizer.next_message()
    await organizer.press("▫️ 2. Dana Sadykova")
    both = await organizer.next_message()
    await organizer.press("✅ 2. Dana Sadykova")
    unmarked = await organizer.next_message()

    def counts(came, no_show):
        return t.gettext("Registered: {registered} · came: {came} · no-show: {no_show}").format(
            registered=2, came=came, no_show=no_show)

    assert buttons_of(listing) == [[t.gettext("Who came")], [t.gettext("Ratings and comments")],
                                   [t.gettext("Letters of thanks")]]
    assert [text_of(m) for m in (opened, marked, both, unmarked)] == [
        _sheet(t, ["1. ▫️ Aru Bekova — School 12", "2. ▫️ Dana Sadykova — School 12"],
               counts(0, 2)),
        _sheet(t, ["1. ✅ Aru Bekova — School 12", "2. ▫️ Dana Sadykova — School 12"],
               counts(1, 1)),
        _sheet(t, ["1. ✅ Aru Bekova — School 12", "2. ✅ Dana Sadykova — School 12"],
               counts(2, 0)),
        _sheet(t, ["1. ✅ Aru Bekova — School 12", "2. ▫️ Dana Sadykova — School 12"],
               counts(1, 1)),
    ]
    assert (marked["message_id"], unmarked["message_id"]) == (opened["message_id"],) * 2
    assert [_attended(database, event.id, user_id) for user_id in (7021, 7022)] == [
        ("registered", ended, "marked"), ("registered", None, None),
    ]


async def test_attendance_sheet_lists_a_cancelled_reader_who_joined_anyway(
    bot_app, fake_api, database, catalogs, clock
):
    event = make_event(database)
    _registered(database, event.id, 7031, 7032, names=("Aru Bekova", "Dana Sadykova"))
    with database.uow() as uow:
        cancel_registration(uow, event.id, 7032, NOW)
        uow.commit()
    t = catalogs.translator("en")
    clock.set(event.starts_at + timedelta(minutes=1))
    await _press_join(fake_api, 7032, event.id)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/help")
    message = await organizer.next_message()

    await organizer.press_data(message["message_id"], f"att:list:{event.id}:0")
    sheet = await organizer.next_message()

    assert text_of(sheet) == _sheet(
        t, ["1. ▫️ Aru Bekova — School 12", "2. ✅ Dana Sadykova — School 12"],
        t.gettext("Registered: {registered} · came: {came}").format(registered=1, came=1))


async def test_attendance_marking_before_the_lead_time_is_refused(
    bot_app, fake_api, database, catalogs
):
    event = make_event(database)
    _registered(database, event.id, 7041)
    with database.uow() as uow:
        registration_id = uow.registrations.get(event.id, 7041).id
    t = catalogs.translator("en")
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/help")
    message = await organizer.next_message()

    answer = await organizer.wait_callback_answer(await organizer.press_data(
        message["message_id"], f"att:on:{event.id}:{registration_id}:0"))

    opens = t.datetime(event.starts_at - timedelta(hours=1), ALMATY)
    assert ((answer.text, answer.show_alert), _attended(database, event.id, 7041)) == (
        (t.gettext("It is too early. Marking who came opens: {time}.").format(time=opens), True),
        ("registered", None, None),
    )


async def test_attendance_of_another_librarys_event_is_refused(
    bot_app, fake_api, database, clock
):
    x, y = make_library(database, "Library X"), make_library(database, "Library Y")
    make_organizer(database, 7051, y)
    event = make_event(database, library_id=x)
    _registered(database, event.id, 7052)
    with database.uow() as uow:
        registration_id = uow.registrations.get(event.id, 7052).id
    clock.set(event.starts_at + timedelta(hours=2))
    organizer = fake_api.user(7051)
    await organizer.send("/help")
    message = await organizer.next_message()

    answers = []
    for data in (f"att:show:{event.id}", f"att:on:{event.id}:{registration_id}:0"):
        answer = await organizer.wait_callback_answer(
            await organizer.press_data(message["message_id"], data))
        answers.append((answer.text, answer.show_alert))

    assert (answers, _attended(database, event.id, 7052)) == (
        [(OTHER_LIBRARY, True)] * 2, ("registered", None, None),
    )
