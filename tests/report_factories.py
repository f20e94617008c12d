"""A small data set for the report, every figure of which is worked out by hand in
tests/services/test_report.py (the third quarter of 2026, Karaganda time, UTC+5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.contest_models import ContestResult, Entry, EntryStatus
from storage.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Partner,
    Registration,
    RegistrationStatus,
    User,
)
from storage.org_models import Programme
from storage.uow import Database
from tests.contest_factories import make_contest
from tests.factories import NOW, make_event
from tests.org_factories import make_library, make_organizer

LIBRARY_X = "Central Library No. 5"
LIBRARY_Y = "Youth Library"
PROGRAMME_P = "Парасат жолы"
PROGRAMME_Q = "Одна страна – одна книга"
ORGANIZER_X = 7101
ORGANIZER_Y = 7102
KYIV_STATE = Partner(name="State Library of Ukraine for Youth", city="Kyiv",
                     timezone="Europe/Kyiv")
# (id, birth date, country, city): 101 turns 16 on 12 July, 103 18 on 5 August.
READERS = (
    (101, date(2010, 7, 12), "Kazakhstan", "Karaganda"),
    (102, date(1990, 1, 1), "Kazakhstan", "karaganda "),
    (103, date(2008, 8, 5), "Ukraine", "Kyiv"),
    (104, None, None, None),  # erased: nothing known
    (105, date(1960, 3, 1), "Belarus", "Mogilev"),
)
REG, WAIT, CANCELLED = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED,
                        RegistrationStatus.CANCELLED)


@dataclass(frozen=True)
class Seeded:
    library_x: int
    library_y: int


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def seed_report(database: Database) -> Seeded:
    """Four held events in Q3 2026 (two video-bridges, two conferences), one cancelled and
    one in October left out; a contest closing in August; an announcement in August.
    Events 1 and 3 (and the cancelled 4) are of programme P, event 2 of Q, event 6 of none."""
    library_x, library_y = make_library(database, LIBRARY_X), make_library(database, LIBRARY_Y)
    make_organizer(database, ORGANIZER_X, library_x)
    make_organizer(database, ORGANIZER_Y, library_y)
    with database.uow() as uow:
        for user_id, born, country, city in READERS:
            uow.users.add(User(id=user_id, first_name="Reader", language="ru", created_at=NOW,
                               full_name=None if born is None else f"Reader {user_id}",
                               birth_date=born, country=country, city=city,
                               consent_at=None if born is None else NOW))
        uow.commit()
    # 1 July 01:00 in Karaganda: July, not June.
    e6 = make_event(database, starts_at=utc(2026, 6, 30, 20), library_id=library_x,
                    kind="conference")
    e1 = make_event(database, starts_at=utc(2026, 7, 10, 10), library_id=library_x)
    e2 = make_event(database, starts_at=utc(2026, 8, 5, 10), library_id=library_x,
                    partners=[Partner(name="Mogilev Regional Library", city="Mogilev",
                                      timezone="Europe/Minsk")])
    e3 = make_event(database, starts_at=utc(2026, 9, 15, 10), library_id=library_y,
                    kind="conference",
                    partners=[Partner(name="Kyiv Youth Library", city="Kyiv",
                                      timezone="Europe/Kyiv")])
    e4 = make_event(database, starts_at=utc(2026, 9, 20, 10), library_id=library_x,
                    kind="chat_conference", cancelled_at=utc(2026, 9, 1))
    e5 = make_event(database, starts_at=utc(2026, 10, 5, 10), library_id=library_x)
    with database.uow() as uow:
        programme_p = Programme(name=PROGRAMME_P, created_at=NOW)
        programme_q = Programme(name=PROGRAMME_Q, created_at=NOW)
        uow.organizers.add_programme(programme_p)
        uow.organizers.add_programme(programme_q)
        uow.flush()
        for event_id, programme_id in ((e1.id, programme_p.id), (e3.id, programme_p.id),
                                       (e4.id, programme_p.id), (e2.id, programme_q.id)):
            stored = uow.events.get(event_id)
            assert stored is not None
            stored.programme_id = programme_id
        uow.commit()
    came = {e1.id: utc(2026, 7, 10, 10), e2.id: utc(2026, 8, 5, 10),
            e3.id: utc(2026, 9, 15, 10), e4.id: utc(2026, 9, 20, 10), e5.id: utc(2026, 10, 5, 10)}
    registrations = [  # (event, reader, status, came)
        (e1.id, 101, REG, True), (e1.id, 102, REG, False),
        (e1.id, 103, CANCELLED, True),  # cancelled, came anyway
        (e1.id, 104, WAIT, False),
        (e2.id, 101, REG, True), (e2.id, 103, REG, True), (e2.id, 105, REG, True),
        (e3.id, 102, REG, True), (e3.id, 104, REG, True), (e3.id, 101, CANCELLED, False),
        (e6.id, 105, REG, False),
        (e4.id, 101, REG, True), (e5.id, 102, REG, True),
    ]
    with database.uow() as uow:
        for event_id, user_id, status, attended in registrations:
            uow.session.add(Registration(
                event_id=event_id, user_id=user_id, status=status, queued_at=NOW,
                attended_at=came[event_id] if attended else None,
                attended_how="joined" if attended else None, created_at=NOW, updated_at=NOW))
        uow.commit()
    contest = make_contest(database, opens_at=utc(2026, 6, 1), closes_at=utc(2026, 8, 20, 18),
                           library_id=library_x)
    with database.uow() as uow:
        for number, (user_id, status, winner) in enumerate(
                ((101, EntryStatus.SUBMITTED, True), (103, EntryStatus.SUBMITTED, False),
                 (105, EntryStatus.WITHDRAWN, False)), start=1):
            entry = Entry(contest_id=contest.id, user_id=user_id, number=number,
                          code=f"E-{number:03}", title=f"Essay {number}", content="text",
                          text="...", status=status, submitted_at=NOW, updated_at=NOW)
            uow.session.add(entry)
            uow.flush()
            uow.session.add(ContestResult(contest_id=contest.id, entry_id=entry.id,
                                          winner=winner, jurors=1))
        broadcast = Broadcast(created_by=ORGANIZER_X, status=BroadcastStatus.DONE,
                              audience={"kind": "event", "event_id": e2.id},
                              texts={"ru": "Спасибо!"}, default_language="ru",
                              started_at=utc(2026, 8, 6, 9), total=3, created_at=NOW,
                              updated_at=NOW)
        uow.session.add(broadcast)
        uow.flush()
        for user_id, status in ((101, NotificationStatus.SENT), (103, NotificationStatus.SENT),
                                (105, NotificationStatus.BLOCKED)):
            uow.session.add(Notification(
                dedupe_key=f"b{broadcast.id}:{user_id}", kind=NotificationKind.BROADCAST,
                user_id=user_id, broadcast_id=broadcast.id, due_at=NOW, next_attempt_at=NOW,
                status=status, created_at=NOW))
        uow.commit()
    return Seeded(library_x, library_y)
