"""Registering for an event in the library: where it is, the door's QR code, the calendar's
location (instead of the join link of online events)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.sandbox.fakeapi.users import text_of
from storage.models import EventKind
from tests.conftest import onboard
from tests.factories import make_event
from tests.handlers.test_registration import give_profile, open_card

ADDRESS = "Karaganda, Erubaev St. 36, youth library, hall 2"


async def test_register_for_an_offline_event_says_where_and_puts_it_in_the_calendar(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 404, "en")
    give_profile(database, 404)
    event = make_event(database, kind=EventKind.OFFLINE, address=ADDRESS, link=None,
                       titles={"en": "Local heroes"})
    t = catalogs.translator("en")
    await open_card(user, event.id)

    await user.press(t.gettext("Register"))
    _edited, confirmed, calendar = [await user.next_message() for _ in range(3)]

    ics = Calendar.from_ical(fake_api.file_bytes(calendar["document"]["file_id"]))
    [entry] = ics.walk("VEVENT")
    assert text_of(confirmed) == "✅ " + t.gettext(
        "You are registered for «{title}».\nStarts: {when} (your time).\nWhere: {address}\n\n"
        "We will remind you before the start. At the door, scan the check-in QR code with your "
        "phone's camera. The file below adds the event to your calendar."
    ).format(title="Local heroes", when=t.datetime(event.starts_at, ZoneInfo("Asia/Almaty")),
             address=ADDRESS)
    assert str(entry["location"]) == ADDRESS
