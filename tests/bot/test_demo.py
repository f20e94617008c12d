"""Demo events of the sandbox: four languages, idempotent by key, always upcoming."""

from datetime import UTC, datetime, timedelta

from bot.demo import DEMO_KEYS, DEMO_READER, seed_demo_events
from bot.i18n import LANGUAGES
from bot.services.registration import seats_left
from tests.factories import NOW


def _demo_events(database):
    """The demo events (in seeding order) and their partners, read in one unit of work."""
    with database.uow() as uow:
        events = [uow.events.by_key(key) for key in DEMO_KEYS]
        partners = {e.key: [(p.city, p.timezone) for p in uow.events.partners(e.id)]
                    for e in events}
        uow.session.expunge_all()  # keep the loaded values readable after the rollback
    return events, partners


def test_seed_demo_events_creates_events_in_all_four_languages(database):
    created = seed_demo_events(database, NOW)

    events, _partners = _demo_events(database)
    assert created == len(DEMO_KEYS) == 4
    assert [(sorted(e.titles), sorted(e.descriptions)) for e in events] == [
        (sorted(LANGUAGES), sorted(LANGUAGES))
    ] * 4
    # Real translations, not one text copied into every language.
    assert [len(set(e.titles.values())) for e in events] == [4, 4, 4, 4]
    assert [len(set(e.descriptions.values())) for e in events] == [4, 4, 4, 4]


def test_seed_demo_events_starts_relative_to_now_in_karaganda_time(database):
    seed_demo_events(database, NOW)

    events, partners = _demo_events(database)
    # NOW is 09:00 on 22 November in Karaganda (UTC+5).
    assert [(e.key, e.kind, e.starts_at, e.capacity) for e in events] == [
        ("demo-karaganda-kyiv", "video_bridge", datetime(2026, 11, 24, 10, 0, tzinfo=UTC), 30),
        ("demo-karaganda-uralsk", "video_bridge", datetime(2026, 11, 26, 11, 0, tzinfo=UTC), 2),
        ("demo-karaganda-mogilev", "conference", datetime(2026, 11, 29, 12, 0, tzinfo=UTC), None),
        ("demo-moscow-petropavlovsk-chat", "chat_conference",
         datetime(2026, 12, 2, 9, 0, tzinfo=UTC), 50),
    ]
    assert partners["demo-karaganda-kyiv"] == [("Kyiv", "Europe/Kyiv")]


def test_seed_demo_events_twice_creates_no_duplicates(database):
    seed_demo_events(database, NOW)
    first, _ = _demo_events(database)

    again = seed_demo_events(database, NOW + timedelta(hours=1))

    second, _ = _demo_events(database)
    with database.uow() as uow:
        total = uow.events.count_upcoming(NOW)
    assert (again, total) == (0, 4)
    assert [(e.id, e.starts_at) for e in second] == [(e.id, e.starts_at) for e in first]


def test_seed_demo_events_moves_past_demo_events_forward(database):
    seed_demo_events(database, NOW)
    later = NOW + timedelta(days=5)  # Kyiv (day 2) and Uralsk (day 4) are over by then

    moved = seed_demo_events(database, later)

    events, _ = _demo_events(database)
    with database.uow() as uow:
        upcoming = uow.events.count_upcoming(later)
    assert (moved, upcoming) == (2, 4)
    assert [e.starts_at for e in events[:2]] == [
        datetime(2026, 11, 29, 10, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
    ]


def test_seed_demo_events_demo_reader_holds_one_of_two_seats_once(database):
    seed_demo_events(database, NOW)

    seed_demo_events(database, NOW + timedelta(days=5))  # moved forward, seat kept

    with database.uow() as uow:
        event = uow.events.by_key("demo-karaganda-uralsk")
        holders = [r.user_id for r in uow.registrations.for_event(event.id, "registered")]
        free = seats_left(uow, event)
    assert (holders, free) == ([DEMO_READER.id], 1)
