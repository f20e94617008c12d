"""The events page, event cards and /my entries as view data."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.catalog import (
    PartnerView,
    event_card,
    localized,
    my_events,
    upcoming_page,
)
from bot.services.registration import EventUnavailable, register
from storage.models import EventKind, Partner, RegistrationStatus
from tests.factories import NOW, make_event
from tests.services.test_registration import add_reader

ALMATY = ZoneInfo("Asia/Almaty")


def test_localized_prefers_reader_then_event_language_then_any():
    texts = {"ru": "Модель", "kk": "Үлгі"}

    assert (localized(texts, "kk", "ru"), localized(texts, "en", "ru"),
            localized({"kk": "Үлгі"}, "en", "ru"), localized({}, "en", "ru")) == (
        "Үлгі", "Модель", "Үлгі", ""
    )


def test_upcoming_page_pages_by_five_in_start_order_without_past_or_cancelled(storage):
    ids = [make_event(storage, starts_at=NOW + timedelta(days=day)).id for day in range(7, 0, -1)]
    make_event(storage, starts_at=NOW - timedelta(hours=1))
    make_event(storage, cancelled_at=NOW)

    with storage.uow() as uow:
        first = upcoming_page(uow, 0, "en", ALMATY, NOW)
        second = upcoming_page(uow, 1, "en", ALMATY, NOW)
        beyond = upcoming_page(uow, 9, "en", ALMATY, NOW)

    soonest_first = list(reversed(ids))
    assert (
        [item.id for item in first.items], first.has_previous, first.has_next,
        [item.id for item in second.items], second.has_previous, second.has_next,
        (first.pages, first.total), beyond.page,
    ) == (soonest_first[:5], False, True, soonest_first[5:], True, False, (2, 7), 1)


def test_upcoming_page_empty(storage):
    with storage.uow() as uow:
        page = upcoming_page(uow, 0, "en", ALMATY, NOW)

    assert (page.items, page.pages, page.has_next) == ([], 1, False)


def test_event_card_falls_back_to_the_event_language(storage):
    event = make_event(storage, titles={"ru": "Модель будущего", "kk": "Болашақ үлгісі"},
                       descriptions={"ru": "Видеомост"}, language="ru")
    add_reader(storage, 1)

    with storage.uow() as uow:
        english = event_card(uow, event.id, 1, "en", ALMATY, NOW)
        kazakh = event_card(uow, event.id, 1, "kk", ALMATY, NOW)

    assert ((english.title, english.description), (kazakh.title, kazakh.description)) == (
        ("Модель будущего", "Видеомост"), ("Болашақ үлгісі", "Видеомост")
    )


def test_event_card_start_in_reader_zone_and_partner_zones(storage):
    # 10:00 UTC on 5 December: Karaganda is UTC+5 (15:00), Kyiv is on winter time UTC+2 (12:00).
    event = make_event(
        storage,
        starts_at=datetime(2026, 12, 5, 10, 0, tzinfo=UTC),
        partners=[
            Partner(name="State Library of Ukraine for Youth", city="Kyiv", timezone="Europe/Kyiv"),
            Partner(name="Youth library", city="Kyiv", timezone="Europe/Kyiv"),
            Partner(name="Oblast library", city="Uralsk", timezone="Asia/Oral"),
        ],
    )
    add_reader(storage, 1)

    with storage.uow() as uow:
        card = event_card(uow, event.id, 1, "en", ALMATY, NOW)

    assert (
        card.starts_at.isoformat(),
        [(c.city, c.starts_at.isoformat()) for c in card.city_times],
        card.partners,
        card.kind,
    ) == (
        "2026-12-05T15:00:00+05:00",
        [("Kyiv", "2026-12-05T12:00:00+02:00"), ("Uralsk", "2026-12-05T15:00:00+05:00")],
        [PartnerView("State Library of Ukraine for Youth", "Kyiv"),
         PartnerView("Youth library", "Kyiv"), PartnerView("Oblast library", "Uralsk")],
        EventKind.VIDEO_BRIDGE,
    )


def test_event_card_seats_and_reader_status(storage):
    event = make_event(storage, capacity=1)
    for user_id in (1, 2, 3):
        add_reader(storage, user_id)
    with storage.uow() as uow:
        register(uow, event.id, 1, NOW)
        register(uow, event.id, 2, NOW + timedelta(seconds=1))
        uow.commit()

    with storage.uow() as uow:
        cards = [event_card(uow, event.id, user_id, "en", ALMATY, NOW) for user_id in (1, 2, 3)]

    assert [(c.seats_left, c.full, c.status, c.waitlist_position) for c in cards] == [
        (0, True, RegistrationStatus.REGISTERED, None),
        (0, True, RegistrationStatus.WAITLISTED, 1),
        (0, True, None, None),
    ]


@pytest.mark.parametrize("overrides", [{"cancelled_at": NOW}, {"starts_at": NOW}])
def test_event_card_of_unavailable_event_raises(storage, overrides):
    event = make_event(storage, **overrides)

    with storage.uow() as uow, pytest.raises(EventUnavailable):
        event_card(uow, event.id, 1, "en", ALMATY, NOW)


def test_my_events_withholds_link_until_lead_time(storage):
    event = make_event(storage, starts_at=NOW + timedelta(hours=3), capacity=1)
    add_reader(storage, 1)
    add_reader(storage, 2)
    with storage.uow() as uow:
        register(uow, event.id, 1, NOW)
        register(uow, event.id, 2, NOW)
        uow.commit()
    lead = timedelta(hours=1)

    def entries(now):
        with storage.uow() as uow:
            return [(e.status, e.link, e.link_later, e.waitlist_position, e.started)
                    for user_id in (1, 2) for e in my_events(uow, user_id, "en", ALMATY, now, lead)]

    link = "https://zoom.us/j/123456789"
    assert (entries(NOW + timedelta(minutes=119)), entries(NOW + timedelta(hours=2)),
            entries(NOW + timedelta(hours=3, minutes=5))) == (
        [("registered", None, True, None, False), ("waitlisted", None, False, 1, False)],
        [("registered", link, False, None, False), ("waitlisted", None, False, 1, False)],
        [("registered", link, False, None, True), ("waitlisted", None, False, 1, True)],
    )


def test_localized_falls_back_to_russian_before_the_record_language():
    titles = {"kk": "Болашақ үлгісі", "ru": "Модель будущего"}

    assert (localized(titles, "uk", "kk"), localized(titles, "kk", "kk"),
            localized({"kk": "Болашақ үлгісі", "en": "A model"}, "uk", "kk")) == (
        "Модель будущего", "Болашақ үлгісі", "Болашақ үлгісі"
    )


def test_event_card_for_a_ukrainian_reader_shows_the_russian_title_of_a_kazakh_event(storage):
    event = make_event(storage, titles={"kk": "Болашақ үлгісі", "ru": "Модель будущего"},
                       descriptions={"kk": "Көпір"}, language="kk")
    add_reader(storage, 1)

    with storage.uow() as uow:
        card = event_card(uow, event.id, 1, "uk", ALMATY, NOW)

    assert (card.title, card.description) == ("Модель будущего", "Көпір")


def test_event_card_shows_partner_names_and_cities_in_the_reader_language(storage):
    event = make_event(storage, language="kk", partners=[
        Partner(name="Қарағанды облыстық кітапханасы", city="Қарағанды", timezone="Asia/Almaty",
                names={"kk": "Қарағанды облыстық кітапханасы",
                       "ru": "Карагандинская областная библиотека",
                       "uk": "Карагандинська обласна бібліотека"},
                cities={"kk": "Қарағанды", "ru": "Караганда"}),
        Partner(name="Youth library", city="Kyiv", timezone="Europe/Kyiv"),
    ])
    add_reader(storage, 1)

    with storage.uow() as uow:
        ukrainian = event_card(uow, event.id, 1, "uk", ALMATY, NOW)
        kazakh = event_card(uow, event.id, 1, "kk", ALMATY, NOW)

    assert (ukrainian.partners, [c.city for c in ukrainian.city_times],
            kazakh.partners[0]) == (
        [PartnerView("Карагандинська обласна бібліотека", "Караганда"),
         PartnerView("Youth library", "Kyiv")],
        ["Караганда", "Kyiv"],
        PartnerView("Қарағанды облыстық кітапханасы", "Қарағанды"),
    )
