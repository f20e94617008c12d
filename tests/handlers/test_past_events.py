"""/past: an organizer's events that have taken place, each opening its registrants list."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.fakeapi.users import buttons_of, text_of
from tests.conftest import onboard
from tests.factories import NOW, make_event

ORGANIZER = 7001


async def test_past_lists_held_events_latest_first_and_opens_their_registrants(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    make_event(database, starts_at=NOW - timedelta(days=10), titles={"en": "Older", "ru": "Раньше"})
    make_event(database, starts_at=NOW - timedelta(days=3), titles={"en": "Latest", "ru": "Позже"})
    make_event(database, starts_at=NOW - timedelta(days=5), titles={"en": "Cancelled"},
               cancelled_at=NOW - timedelta(days=6))
    make_event(database, starts_at=NOW + timedelta(days=3), titles={"en": "Ahead"})
    make_event(database, starts_at=NOW - timedelta(days=200), titles={"en": "Long ago"})
    organizer = await onboard(fake_api, ORGANIZER, "en")

    await organizer.send("/past")
    listing = await organizer.next_message()
    await organizer.press(buttons_of(listing)[1][0])
    registrants = await organizer.next_message()

    zone_day = t.date((NOW - timedelta(days=3)).date())
    assert buttons_of(listing)[0] == [f"{zone_day} · Latest"]
    assert [row[0].split(" · ")[1] for row in buttons_of(listing)] == ["Latest", "Older"]
    assert text_of(registrants).startswith(
        t.gettext("Registrants of «{title}»").format(title="Older"))


async def test_past_refused_to_a_reader(bot_app, fake_api, catalogs):
    t = catalogs.translator("en")
    reader = await onboard(fake_api, 555, "en")

    await reader.send("/past")

    assert text_of(await reader.next_message()) == t.gettext("Only organizers can do this.")


async def test_past_with_nothing_held_says_so(bot_app, fake_api, catalogs):
    organizer = await onboard(fake_api, ORGANIZER, "en")

    await organizer.send("/past")

    assert text_of(await organizer.next_message()) == (
        "No events of yours have taken place in the last 120 days.")
