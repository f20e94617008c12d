"""Check-in at the door of an offline event, end to end: the organizer's QR code and the
readers' scans (too early, over, twice, a token passed on, on the spot, no profile,
forged, cancelled, the waiting list)."""

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import segno
from PIL import Image

from bot.sandbox.fakeapi.users import buttons_of, text_of
from bot.services.registration import register
from storage.models import EventKind, Registration
from tests.conftest import ORGANIZER_ID, onboard
from tests.contest_factories import make_reader
from tests.factories import NOW, make_event
from tests.handlers.test_profile import ANSWERS

ALMATY = ZoneInfo("Asia/Almaty")
TITLE = "A model of the future"
ADDRESS = "Central Library, 12 Abay Avenue"
TOKEN = "Door-token_0123456789abcdefghijk"
WELCOME = f"You are checked in for «{TITLE}». Welcome!"


def _offline(database, **overrides):
    fields = {"kind": EventKind.OFFLINE, "link": None, "address": ADDRESS,
              "checkin_token": TOKEN, "reminder_offsets": [], **overrides}
    return make_event(database, **fields)


def _registered(database, event_id, *user_ids):
    for user_id in user_ids:
        make_reader(database, user_id)
    with database.uow() as uow:
        for user_id in user_ids:
            register(uow, event_id, user_id, NOW)
        uow.commit()


def _attended(database, event_id, user_id):
    with database.uow() as uow:
        registration = uow.registrations.get(event_id, user_id)
        if registration is None:
            return None
        return (registration.status, registration.attended_at, registration.attended_how)


async def _scan(fake_api, user_id, token=TOKEN):
    reader = fake_api.user(user_id)
    await reader.send(f"/start checkin_{token}")
    return await reader.next_message()


async def test_organizer_gets_the_qr_code_of_the_deep_link_with_its_hours(
    bot_app, fake_api, database, catalogs
):
    event = _offline(database, checkin_token=None)
    t = catalogs.translator("en")
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send(f"/start event_{event.id}")
    await organizer.next_message()
    await organizer.press("Registrants")
    listing = await organizer.next_message()

    await organizer.press("Check-in QR code")
    photo = await organizer.next_message()

    with database.uow() as uow:
        token = uow.events.get(event.id).checkin_token
    link = f"https://t.me/kopir_bot?start=checkin_{token}"
    image = Image.open(io.BytesIO(fake_api.file_bytes(photo["photo"][-1]["file_id"])))
    # Decoded by reading each module's centre back and comparing with the link's symbol.
    symbol = segno.make_qr(link, error="m")
    size = symbol.symbol_size(scale=1, border=0)[0]
    modules = [[image.convert("L").getpixel(((4 + x) * 8 + 4, (4 + y) * 8 + 4)) < 128
                for x in range(size)] for y in range(size)]
    assert buttons_of(listing)[-1] == ["Check-in QR code"]
    assert (len(token), image.format, image.size) == (32, "PNG", ((size + 8) * 8,) * 2)
    assert modules == [[bool(bit) for bit in row] for row in symbol.matrix]
    assert photo["caption"] == (
        f"Check-in QR code for «{TITLE}». Show it at the door: readers scan it with their "
        "phone's camera and are counted as came (those not registered are registered on the "
        "spot).\nIt works from {opens} (Almaty time) to {closes} (Almaty time).\n{link}"
    ).format(opens=t.datetime(event.starts_at - timedelta(hours=1), ALMATY),
             closes=t.datetime(event.starts_at + timedelta(minutes=90), ALMATY), link=link)


async def test_online_events_have_no_check_in_button(bot_app, fake_api, database):
    event = make_event(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send(f"/start event_{event.id}")
    await organizer.next_message()
    await organizer.press("Registrants")

    listing = await organizer.next_message()

    assert buttons_of(listing) == [["Who came"], ["Ratings and comments"], ["Letters of thanks"]]


async def test_scan_too_early_says_from_when_and_records_nothing(
    bot_app, fake_api, database, catalogs, clock
):
    event = _offline(database)
    _registered(database, event.id, 7101)
    clock.set(event.starts_at - timedelta(minutes=61))

    reply = await _scan(fake_api, 7101)

    when = "25 November 2026, 08:00 (Almaty time)"
    assert (text_of(reply), _attended(database, event.id, 7101)) == (
        f"Check-in for «{TITLE}» opens at {when}, an hour before the start. Please scan the "
        "code again then.",
        ("registered", None, None),
    )


async def test_scan_after_the_end_says_it_is_over(bot_app, fake_api, database, clock):
    event = _offline(database)
    _registered(database, event.id, 7102)
    clock.set(event.starts_at + timedelta(minutes=90))

    reply = await _scan(fake_api, 7102)

    assert (text_of(reply), _attended(database, event.id, 7102)) == (
        f"«{TITLE}» is over: check-in is closed.", ("registered", None, None))


async def test_scanned_twice_counts_once_and_keeps_the_first_time(
    bot_app, fake_api, database, catalogs, clock
):
    event = _offline(database)
    _registered(database, event.id, 7103)
    first = event.starts_at - timedelta(minutes=20)
    clock.set(first)

    checked_in = await _scan(fake_api, 7103)
    clock.set(first + timedelta(minutes=30))
    again = await _scan(fake_api, 7103)

    when = catalogs.translator("en").datetime(first, ALMATY)
    assert [text_of(checked_in), text_of(again)] == [
        WELCOME, f"You are already checked in for «{TITLE}» (at {when}). Welcome!"]
    assert _attended(database, event.id, 7103) == ("registered", first, "checked_in")


async def test_token_passed_on_checks_in_each_reader_by_their_own_id(
    bot_app, fake_api, database, clock
):
    event = _offline(database)
    _registered(database, event.id, 7104, 7105)
    clock.set(event.starts_at)

    replies = [text_of(await _scan(fake_api, user_id)) for user_id in (7104, 7105)]

    assert replies == [WELCOME, WELCOME]
    assert [_attended(database, event.id, user_id) for user_id in (7104, 7105)] == [
        ("registered", event.starts_at, "checked_in")] * 2


async def test_unregistered_reader_with_a_profile_is_registered_on_the_spot(
    bot_app, fake_api, database, clock
):
    event = _offline(database, capacity=1)
    _registered(database, event.id, 7106)  # the only seat is taken: they came anyway
    make_reader(database, 7107)
    clock.set(event.starts_at + timedelta(minutes=10))

    reply = await _scan(fake_api, 7107)

    assert (text_of(reply), _attended(database, event.id, 7107)) == (
        f"You are registered for «{TITLE}» and checked in. Welcome!",
        ("registered", event.starts_at + timedelta(minutes=10), "checked_in"),
    )


async def test_reader_without_a_profile_answers_it_and_is_checked_in_without_a_new_scan(
    bot_app, fake_api, database, clock
):
    event = _offline(database)
    clock.set(event.starts_at)
    reader = await onboard(fake_api, 7108, "en")

    await reader.send(f"/start checkin_{TOKEN}")
    reply = await reader.next_message()
    await reader.press("Fill in my profile")
    question = await reader.next_message()
    nothing_yet = _attended(database, event.id, 7108)
    for answer in ANSWERS:
        await reader.send(answer)
        await reader.next_message()
    await reader.press("Yes, I agree")
    await reader.next_message()  # the consent buttons are removed
    saved = await reader.next_message()
    checked_in = await reader.next_message()

    assert (text_of(reply), buttons_of(reply)) == (
        f"You are not registered for «{TITLE}» yet. Please fill in your profile first (five "
        "short questions, asked only once): then you will be registered and checked in.",
        [["Fill in my profile"]],
    )
    assert text_of(question).startswith("Before your first registration")
    assert nothing_yet is None
    assert (text_of(saved), text_of(checked_in)) == (
        "Thank you! Your profile is saved.",
        f"You are registered for «{TITLE}» and checked in. Welcome!")
    assert _attended(database, event.id, 7108)[0] == "registered"


async def test_forged_token_is_refused(bot_app, fake_api, database, clock):
    event = _offline(database)
    _registered(database, event.id, 7109)
    clock.set(event.starts_at)

    reply = await _scan(fake_api, 7109, token="Forged-token_0123456789abcdefghij")

    assert (text_of(reply), _attended(database, event.id, 7109)) == (
        "This check-in code is not valid. Please scan the code shown at the door again, or "
        "ask the organizers.",
        ("registered", None, None),
    )


async def test_scan_of_a_cancelled_event_says_so(bot_app, fake_api, database, clock):
    event = _offline(database, cancelled_at=NOW)
    make_reader(database, 7110)
    clock.set(event.starts_at)

    reply = await _scan(fake_api, 7110)

    assert (text_of(reply), _attended(database, event.id, 7110)) == (
        f"«{TITLE}» was cancelled: there is nothing to check in to.", None)


async def test_reader_on_the_waiting_list_who_came_is_checked_in(
    bot_app, fake_api, database, clock
):
    event = _offline(database, capacity=1)
    _registered(database, event.id, 7111, 7112)
    clock.set(event.starts_at)

    reply = await _scan(fake_api, 7112)

    assert (text_of(reply), _attended(database, event.id, 7112)) == (
        WELCOME, ("waitlisted", event.starts_at, "checked_in"))
    with database.uow() as uow:
        assert uow.session.get(Registration, 1).attended_at is None  # 7111 did not scan


async def test_my_and_the_reminder_show_the_address_and_the_door_code(
    bot_app, fake_api, database, clock
):
    event = _offline(database, reminder_offsets=[60])
    _registered(database, event.id, 7113)
    reader = fake_api.user(7113)
    await reader.send("/my")
    mine = await reader.next_message()
    clock.set(event.starts_at - timedelta(minutes=60))

    await reader.send("/help")
    received = [text_of(await reader.next_message()) for _ in range(2)]
    [reminder] = [text for text in received if text.startswith("⏰")]

    hint = "At the door, scan the check-in QR code with your phone's camera."
    assert text_of(mine).splitlines()[-2:] == [f"📍 {ADDRESS}", hint]
    assert reminder.splitlines()[-2:] == [f"📍 {ADDRESS}", hint]
