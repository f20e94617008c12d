"""Demo events and contests of the sandbox: four languages, idempotent by key, always ahead."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.i18n import LANGUAGES, LATIN_KAZAKH
from bot.sandbox.demo import DEMO_KEYS, DEMO_READER, seed_demo_events
from bot.sandbox.demo_contests import DEMO_CONTEST_KEYS, seed_demo_contests
from bot.services.contests import close_contest, is_open
from bot.services.entries import WorkDraft, check_can_enter, submit_entry
from bot.services.registration import seats_left
from storage.contest_models import EntryContent
from tests.contest_factories import make_reader
from tests.factories import NOW

# Written in four languages; Latin Kazakh readers get the Kazakh texts transliterated.
WRITTEN = sorted(code for code in LANGUAGES if code != LATIN_KAZAKH)


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
        (WRITTEN, WRITTEN)
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


# --- contests ------------------------------------------------------------------------------


def _demo_contests(database):
    """The demo contests in seeding order, readable after their unit of work."""
    with database.uow() as uow:
        contests = [uow.contests.by_key(key) for key in DEMO_CONTEST_KEYS]
        total = uow.contests.count_all()
        uow.session.expunge_all()
    return contests, total


def test_seed_demo_contests_creates_essay_and_photo_contests_in_four_languages(database):
    created = seed_demo_contests(database, NOW)

    contests, total = _demo_contests(database)
    texts = ("titles", "rules", "themes", "organizer_names")
    assert (created, total) == (2, 2)
    assert [(c.key, c.kind, c.titles["ru"]) for c in contests] == [
        ("demo-essay-nomads", "essay", "Мы кочуем навстречу себе, узнаваясь в другом"),
        ("demo-photo-subjective", "photo", "Субъектив: мир глазами молодых"),
    ]
    assert [[sorted(getattr(c, name)) for name in texts] for c in contests] == [
        [WRITTEN] * 4
    ] * 2
    # Real translations, not one text copied into every language.
    assert [[len(set(getattr(c, name).values())) for name in texts] for c in contests] == [
        [4, 4, 4, 4]
    ] * 2


def test_seed_demo_contests_follow_the_source_contests_rules(database):
    seed_demo_contests(database, NOW)

    (essay, photo), _ = _demo_contests(database)
    assert [
        (c.age_min, c.age_max, [s["key"] for s in c.sides], c.quota_per_side,
         c.entries_per_participant, c.scale_min, c.scale_max)
        for c in (essay, photo)
    ] == [(15, 19, ["kz", "ua"], 5, 1, 1, 10), (15, 19, ["ru", "ua", "kz"], 3, 1, 1, 10)]
    assert [(c["key"], c["weight"]) for c in essay.criteria] == [
        ("originality", 0.4), ("language", 0.3), ("relevance", 0.3)
    ]
    assert {place: texts["ru"] for place, texts in essay.prizes.items()} == {
        "1": "Сертификат на 100 000 тенге",
        "2": "Сертификат на 60 000 тенге",
        "3": "Сертификат на 35 000 тенге",
    }


def test_seed_demo_contests_open_since_yesterday_for_three_weeks_in_karaganda_time(database):
    seed_demo_contests(database, NOW)

    contests, _ = _demo_contests(database)
    # NOW is 09:00 on 22 November in Karaganda (UTC+5).
    assert [(c.opens_at, c.closes_at, c.age_reference_date, c.timezone) for c in contests] == [
        (datetime(2026, 11, 20, 19, 0, tzinfo=UTC), datetime(2026, 12, 13, 18, 59, tzinfo=UTC),
         date(2026, 12, 13), "Asia/Almaty"),
        (datetime(2026, 11, 20, 19, 0, tzinfo=UTC), datetime(2026, 12, 15, 18, 59, tzinfo=UTC),
         date(2026, 12, 15), "Asia/Almaty"),
    ]
    assert [is_open(c, NOW) for c in contests] == [True, True]


def test_seed_demo_contests_twice_creates_no_duplicates(database):
    seed_demo_contests(database, NOW)
    first, _ = _demo_contests(database)

    again = seed_demo_contests(database, NOW + timedelta(days=1))

    second, total = _demo_contests(database)
    assert (again, total) == (0, 2)
    assert [(c.id, c.opens_at, c.closes_at) for c in second] == [
        (c.id, c.opens_at, c.closes_at) for c in first
    ]


def _enter_essay(database, user_id: int) -> None:
    make_reader(database, user_id, country="Қазақстан")
    with database.uow() as uow:
        contest = uow.contests.by_key("demo-essay-nomads")
        work = WorkDraft(content=EntryContent.TEXT, title="Дала мен қала", text="Эссе мәтіні.")
        submit_entry(uow, contest.id, user_id, work, NOW)
        uow.commit()


def test_seed_demo_contests_moves_past_contests_without_entries_forward(database):
    seed_demo_contests(database, NOW)
    _enter_essay(database, 5001)
    later = NOW + timedelta(days=30)  # both are over by then; only the photo has no entries

    moved = seed_demo_contests(database, later)

    (essay, photo), total = _demo_contests(database)
    assert (moved, total) == (1, 2)
    assert [(c.closes_at, is_open(c, later)) for c in (essay, photo)] == [
        (datetime(2026, 12, 13, 18, 59, tzinfo=UTC), False),
        (datetime(2027, 1, 14, 18, 59, tzinfo=UTC), True),
    ]


def test_seed_demo_contests_reopens_contest_closed_early_without_entries(database):
    seed_demo_contests(database, NOW)
    with database.uow() as uow:
        close_contest(uow, uow.contests.by_key("demo-photo-subjective").id, NOW)
        uow.commit()

    reopened = seed_demo_contests(database, NOW + timedelta(hours=1))

    (_essay, photo), _ = _demo_contests(database)
    assert (reopened, photo.closed_at, is_open(photo, NOW + timedelta(hours=1))) == (
        1, None, True
    )


def test_seed_demo_contests_keeps_closed_contest_with_entries(database):
    seed_demo_contests(database, NOW)
    _enter_essay(database, 5001)
    with database.uow() as uow:
        close_contest(uow, uow.contests.by_key("demo-essay-nomads").id, NOW)
        uow.commit()

    changed = seed_demo_contests(database, NOW + timedelta(hours=1))

    (essay, _photo), _ = _demo_contests(database)
    assert (changed, essay.closed_at) == (0, NOW)


@pytest.mark.parametrize("born", [date(2009, 1, 1), date(2009, 3, 14), date(2009, 12, 31)])
@pytest.mark.parametrize("key", DEMO_CONTEST_KEYS)
def test_seed_demo_contests_let_a_reader_born_in_2009_enter(database, key, born):
    """The sandbox's reader fills the profile with a 2009 birth date: 16 or 17, so eligible."""
    seed_demo_contests(database, NOW)
    make_reader(database, 5001, birth_date=born, country="Қазақстан")

    with database.uow() as uow:
        refused = check_can_enter(uow, uow.contests.by_key(key).id, 5001, NOW)

    assert refused is None
