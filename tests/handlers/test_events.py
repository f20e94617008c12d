"""/events and event cards, end to end through the fake Bot API."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.sandbox.fakeapi.users import buttons_of, text_of
from storage.models import Event, EventKind, Partner
from tests.conftest import ORGANIZER_ID, onboard
from tests.factories import NOW, make_event

ALMATY = ZoneInfo("Asia/Almaty")
KYIV = ZoneInfo("Europe/Kyiv")
STALE = "This button is out of date: the event no longer exists or has changed."


def back(t):
    return t.gettext("« Back")


def list_line(t, number, title, starts_at, kind="Video-bridge"):
    return t.gettext("{number}. {kind} «{title}», {when}").format(
        number=number, kind="🎥 " + t.gettext(kind), title=title,
        when=t.datetime(starts_at, ALMATY),
    )


async def test_events_empty_list_gets_a_friendly_message(bot_app, fake_api, catalogs):
    user = await onboard(fake_api, 201, "en")

    await user.send("/events")
    reply = await user.next_message()

    assert (text_of(reply), buttons_of(reply)) == (
        catalogs.translator("en").gettext(
            "There are no upcoming events yet. Libraries announce new video-bridges and "
            "conferences here: please look again soon."
        ),
        [],
    )


async def test_events_in_kazakh_are_rendered_through_the_kazakh_catalog(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 202, "kk")
    make_event(database, titles={"kk": "Болашақ үлгісі"}, language="kk")

    await user.send("/events")
    reply = await user.next_message()

    kk = catalogs.translator("kk")
    assert (text_of(reply), buttons_of(reply)) == (
        kk.gettext("Upcoming events:") + "\n\n"
        + list_line(kk, 1, "Болашақ үлгісі", NOW + timedelta(days=3)),
        [["1. Болашақ үлгісі"]],
    )


async def test_events_pages_five_at_a_time_with_arrows(bot_app, fake_api, database, catalogs):
    user = await onboard(fake_api, 203, "en")
    for day in range(1, 8):
        make_event(database, titles={"en": f"Event {day}"}, starts_at=NOW + timedelta(days=day))
    t = catalogs.translator("en")

    await user.send("/events")
    first = await user.next_message()
    await user.press("▶")
    second = await user.next_message()
    await user.press("◀")
    back = await user.next_message()

    assert (text_of(first), buttons_of(first)) == (
        "\n".join(
            [t.gettext("Upcoming events, page {page} of {pages}:").format(page=1, pages=2), ""]
            + [list_line(t, day, f"Event {day}", NOW + timedelta(days=day)) for day in range(1, 6)]
        ),
        [[f"{day}. Event {day}"] for day in range(1, 6)] + [["▶"]],
    )
    assert (text_of(second), buttons_of(second)) == (
        "\n".join(
            [t.gettext("Upcoming events, page {page} of {pages}:").format(page=2, pages=2), ""]
            + [list_line(t, day, f"Event {day}", NOW + timedelta(days=day)) for day in (6, 7)]
        ),
        [["6. Event 6"], ["7. Event 7"], ["◀"]],
    )
    assert (back["message_id"], text_of(back)) == (first["message_id"], text_of(first))


async def test_event_card_shows_kind_times_partners_and_seats(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 204, "en")
    with database.uow() as uow:  # the reader's profile put them in Karaganda
        uow.users.get(204).timezone = "Asia/Almaty"
        uow.commit()
    starts_at = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    make_event(
        database, kind=EventKind.CONFERENCE, starts_at=starts_at, capacity=3,
        titles={"ru": "Модель будущего"}, descriptions={"ru": "Видеомост Караганда — Киев"},
        partners=[Partner(name="State Library of Ukraine for Youth", city="Kyiv",
                          timezone="Europe/Kyiv")],
    )
    t = catalogs.translator("en")

    await user.send("/events")
    await user.next_message()
    await user.press("1. Модель будущего")
    card = await user.next_message()

    assert (text_of(card), buttons_of(card)) == (
        "\n".join([
            "🎙 " + t.gettext("Online conference"),
            "Модель будущего",
            "",
            "Видеомост Караганда — Киев",
            "",
            "🕒 " + t.moment_in(starts_at, ALMATY, yours=True),
            t.gettext("{city}: {when}").format(city="Kyiv", when=t.datetime(starts_at, KYIV)),
            t.ngettext("Duration: {n} minute", "Duration: {n} minutes", 90).format(n=90),
            t.gettext("Partners: {partners}").format(
                partners="State Library of Ukraine for Youth (Kyiv)"
            ),
            t.ngettext("{n} seat left", "{n} seats left", 3).format(n=3),
        ]),
        [[t.gettext("Register")], [back(t)]],
    )


async def test_event_card_times_are_hand_checked_in_english(bot_app, fake_api, database):
    user = await onboard(fake_api, 205, "en")
    event = make_event(database, starts_at=datetime(2026, 12, 5, 10, 0, tzinfo=UTC))

    await user.send(f"/start event_{event.id}")
    card = await user.next_message()

    # Karaganda is UTC+5 all year; Kyiv is UTC+2 in December. Without a profile the reader
    # has no time of their own: the card names the city whose time it shows.
    lines = text_of(card).split("\n")
    assert lines[5:7] == [
        "🕒 5 December 2026, 15:00 (Almaty time)",
        "Kyiv: 5 December 2026, 12:00",
    ]


async def test_start_deep_link_opens_the_card_and_back_shows_the_list(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 206, "en")
    event = make_event(database, titles={"en": "A model of the future"})
    t = catalogs.translator("en")

    await user.send(f"/start event_{event.id}")
    card = await user.next_message()
    await user.press(back(t))
    listing = await user.next_message()

    assert (text_of(card).split("\n")[:2], buttons_of(listing)) == (
        ["🎥 " + t.gettext("Video-bridge"), "A model of the future"],
        [["1. A model of the future"]],
    )


async def test_event_card_of_full_event_offers_waiting_list(bot_app, fake_api, database, catalogs):
    user = await onboard(fake_api, 207, "en")
    event = make_event(database, capacity=0)

    await user.send(f"/start event_{event.id}")
    card = await user.next_message()

    t = catalogs.translator("en")
    assert (text_of(card).split("\n")[-1], buttons_of(card)) == (
        t.gettext("No seats left: waiting list only"),
        [[t.gettext("Join the waiting list")], [back(t)]],
    )


async def test_event_card_has_organizer_buttons_only_for_organizers(
    bot_app, fake_api, database, catalogs
):
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    reader = await onboard(fake_api, 208, "en")
    event = make_event(database, capacity=None)
    t = catalogs.translator("en")

    await organizer.send(f"/start event_{event.id}")
    organizer_card = await organizer.next_message()
    await reader.send(f"/start event_{event.id}")
    reader_card = await reader.next_message()

    assert (organizer_card["reply_markup"]["inline_keyboard"], buttons_of(reader_card)) == (
        [
            [{"text": t.gettext("Register"), "callback_data": f"ev:reg:{event.id}"}],
            [{"text": t.gettext("Edit"), "callback_data": f"org:edit:{event.id}"},
             {"text": t.gettext("Registrants"), "callback_data": f"org:regs:{event.id}"}],
            [{"text": t.gettext("Cancel event"), "callback_data": f"org:cancel:{event.id}"}],
            [{"text": back(t), "callback_data": "ev:list:0"}],
        ],
        [[t.gettext("Register")], [back(t)]],
    )


async def test_card_button_of_deleted_event_answers_with_alert(bot_app, fake_api, database):
    user = await onboard(fake_api, 209, "en")
    event = make_event(database, titles={"en": "Gone soon"})
    await user.send("/events")
    listing = await user.next_message()
    with database.uow() as uow:
        uow.session.delete(uow.session.get(Event, event.id))
        uow.commit()

    query_id = await user.press("1. Gone soon")
    alert = await user.wait_callback_answer(query_id)
    await user.handled()

    assert ((alert.text, alert.show_alert), user.message(listing["message_id"]), user.drain()) == (
        (STALE, True), listing, []
    )


async def test_forged_card_callback_answers_with_alert(bot_app, fake_api):
    user = await onboard(fake_api, 210, "en")
    await user.send("/events")
    listing = await user.next_message()

    query_id = await user.press_data(listing["message_id"], "ev:card:12abc")
    alert = await user.wait_callback_answer(query_id)

    assert (alert.text, alert.show_alert) == (STALE, True)


async def test_deep_link_to_cancelled_event_says_it_is_gone(bot_app, fake_api, database, catalogs):
    user = await onboard(fake_api, 211, "en")
    event = make_event(database, cancelled_at=NOW)

    await user.send(f"/start event_{event.id}")
    reply = await user.next_message()

    assert text_of(reply) == catalogs.translator("en").gettext(
        "This event is no longer available: it was cancelled or has already started. "
        "Send /events to see upcoming ones."
    )
