"""A year of past events for the offline sandbox, so that /report shows a real quarter at once.

Two branch libraries of the Karaganda system and three of its programmes, about five events a
month over the twelve months before the first start (video-bridges, online and chat
conferences, with partner libraries in Kazakhstan, Ukraine and Russia), 160 readers of 10 to 65
from those countries with profiles, registrations of whom about 60% came, and ratings from
about a third of those who came. Drawn from one seeded random generator: every sandbox gets
the same history. Seeded once (its first event's key says it is there); nothing is sent for
the past. The essay contest ran once already: closed four months ago with a dozen entries.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.sandbox.demo_contests import essay_draft
from bot.services.contests import upsert_contest
from bot.services.organizers import find_or_add_library
from bot.services.programmes import find_or_add_programme
from storage.contest_models import Entry, EntryContent, EntryStatus
from storage.feedback_models import Feedback
from storage.models import (
    AttendedHow,
    Event,
    EventKind,
    Partner,
    Registration,
    RegistrationStatus,
    User,
)
from storage.uow import Database, UnitOfWork

KEY = "demo-history-{number}"
CONTEST_KEY = "demo-history-essay"
READERS = range(9_100_001, 9_100_161)
BRANCHES = ("ЦБС г. Караганды, филиал № 5", "ЦБС г. Караганды, филиал № 12")
# Each topic's programme ("" for none), as the Karaganda reports name them.
PROGRAMMES = ("Өлке тұлғалары", "Одна страна – одна книга", "Парасат жолы", "")
TOPICS = (
    ({"ru": "Өлке тұлғалары: встреча с краеведом", "kk": "Өлке тұлғалары: өлкетанушымен кездесу",
      "uk": "Өлке тұлғалары: зустріч із краєзнавцем", "en": "Local heroes: meeting a historian"}),
    ({"ru": "Одна страна — одна книга", "kk": "Бір ел — бір кітап",
      "uk": "Одна країна — одна книга", "en": "One country, one book"}),
    ({"ru": "Парасат жолы: читаем Абая", "kk": "Парасат жолы: Абайды оқимыз",
      "uk": "Парасат жолы: читаємо Абая", "en": "The path of wisdom: reading Abai"}),
    ({"ru": "Модель будущего", "kk": "Болашақ моделі", "uk": "Модель майбутнього",
      "en": "A model of the future"}),
)
PARTNERS = (("Национальная библиотека Украины для детей", "Киев", "Europe/Kyiv"),
            ("Западно-Казахстанская областная библиотека", "Уральск", "Asia/Oral"),
            ("Могилёвская областная библиотека", "Могилёв", "Europe/Minsk"),
            ("Библиотека № 3", "Петропавловск", "Asia/Almaty"))
PLACES = (("Казахстан", "Караганда"), ("Казахстан", "Уральск"), ("Казахстан", "Астана"),
          ("Украина", "Киев"), ("Украина", "Харьков"), ("Россия", "Москва"))
NAMES = ("Аружан", "Дана", "Ерлан", "Тимур", "Алия", "Оксана", "Богдан", "Мария", "Иван", "Айгерим")
SURNAMES = ("Ахметова", "Сериков", "Коваленко", "Иванова", "Жуматаев", "Петренко", "Ким")
COMMENTS = ("Очень интересно, спасибо!", "Хотим ещё такую встречу.", "Дуже цікаво!",
            "Өте қызықты болды, рахмет!", "Было плохо слышно партнёров.")


def seed_demo_history(database: Database, now: datetime) -> int:
    """Seed the year once; returns how many events it added (0 when already there)."""
    with database.uow() as uow:
        if uow.events.by_key(KEY.format(number=1)) is not None:
            return 0
        chance = random.Random(2026)
        libraries = [find_or_add_library(uow, name, now) for name in BRANCHES]
        programmes = [find_or_add_programme(uow, name, now) if name else None
                      for name in PROGRAMMES]
        _readers(uow, chance, now)
        uow.flush()
        _past_contest(uow, chance, now)
        added = 0
        for number, starts_at in enumerate(_starts(chance, now), start=1):
            topic = chance.randrange(len(TOPICS))
            programme = programmes[topic]
            event = _event(uow, chance, number, starts_at, chance.choice(libraries).id, topic,
                           None if programme is None else programme.id)
            _registrants(uow, chance, event, now)
            added += 1
        uow.commit()
    return added


def _past_contest(uow: UnitOfWork, chance: random.Random, now: datetime) -> None:
    """The essay contest as it ran four months ago, closed, with a dozen entries from the
    three sides (the report's contests table: entries and countries)."""
    closes_at = now - timedelta(days=120)
    draft = replace(
        essay_draft(closes_at - timedelta(days=30), closes_at, closes_at.date(),
               closes_at + timedelta(days=7)),
        key=CONTEST_KEY)
    contest, _outcome = upsert_contest(uow, draft, closes_at - timedelta(days=30))
    contest.closed_at = closes_at
    sides = {"Казахстан": "kz", "Украина": "ua", "Россия": "ru"}
    for number, user_id in enumerate(chance.sample(list(READERS), 12), start=1):
        user = uow.users.get(user_id)
        submitted = closes_at - timedelta(days=chance.randint(1, 25))
        uow.session.add(Entry(
            contest_id=contest.id, user_id=user_id, number=number, code=f"E-{number:03d}",
            side=sides.get((user.country if user else None) or "", "kz"), title=f"Эссе № {number}",
            content=EntryContent.TEXT, text="Моя библиотека — мост между городами.",
            status=EntryStatus.SUBMITTED, submitted_at=submitted, updated_at=submitted))


def _readers(uow: UnitOfWork, chance: random.Random, now: datetime) -> None:
    known = uow.users.by_ids(list(READERS))
    for user_id in READERS:
        if user_id in known:
            continue
        country, city = chance.choice(PLACES)
        age = chance.choice((11, 13, 14, 15, 16, 16, 17, 17, 19, 24, 35, 48, 63))
        uow.session.add(User(
            id=user_id, first_name="", language=chance.choice(("kk", "ru", "uk", "ru")),
            full_name=f"{chance.choice(NAMES)} {chance.choice(SURNAMES)}",
            birth_date=date(now.year - age, chance.randint(1, 12), chance.randint(1, 28)),
            country=country, city=city, library=chance.choice(BRANCHES),
            consent_at=now - timedelta(days=400), created_at=now - timedelta(days=400)))


def _starts(chance: random.Random, now: datetime) -> list[datetime]:
    """About five starts a month over the past year, at 10:00 to 16:00 UTC, oldest first."""
    first = now - timedelta(days=365)
    starts = [first + timedelta(days=chance.uniform(0, 360), hours=chance.randint(0, 6))
              for _ in range(60)]
    return sorted(start.replace(minute=0, second=0, microsecond=0) for start in starts)


def _event(uow: UnitOfWork, chance: random.Random, number: int, starts_at: datetime,
           library_id: int, topic: int, programme_id: int | None) -> Event:
    kind = chance.choice((EventKind.VIDEO_BRIDGE, EventKind.VIDEO_BRIDGE, EventKind.CONFERENCE,
                          EventKind.CHAT_CONFERENCE))
    event = Event(
        key=KEY.format(number=number), kind=kind, titles=dict(TOPICS[topic]),
        descriptions={}, language="ru", starts_at=starts_at.astimezone(UTC),
        duration_minutes=90, timezone="Asia/Almaty", link="https://meet.example.org/demo",
        capacity=None, reminder_offsets=[], library_id=library_id, programme_id=programme_id,
        created_at=starts_at - timedelta(days=14), updated_at=starts_at - timedelta(days=14))
    uow.events.add(event)
    uow.flush()
    for position, (name, city, zone) in enumerate(chance.sample(PARTNERS, 2)):
        uow.session.add(Partner(event_id=event.id, position=position, name=name, city=city,
                                timezone=zone))
    return event


def _registrants(uow: UnitOfWork, chance: random.Random, event: Event, now: datetime) -> None:
    registered_at = event.starts_at - timedelta(days=3)
    for user_id in chance.sample(list(READERS), chance.randint(6, 30)):
        came = chance.random() < 0.6
        cancelled = not came and chance.random() < 0.15
        uow.session.add(Registration(
            event_id=event.id, user_id=user_id,
            status=RegistrationStatus.CANCELLED if cancelled else RegistrationStatus.REGISTERED,
            queued_at=registered_at, created_at=registered_at, updated_at=registered_at,
            attended_at=event.starts_at if came else None,
            attended_how=chance.choice((AttendedHow.JOINED, AttendedHow.MARKED)) if came else None))
        if came and chance.random() < 0.35:
            answered = event.starts_at + timedelta(hours=3)
            uow.session.add(Feedback(
                event_id=event.id, user_id=user_id, rating=chance.choice((3, 4, 4, 5, 5, 5)),
                comment=chance.choice(COMMENTS) if chance.random() < 0.3 else None,
                created_at=answered, updated_at=answered))
