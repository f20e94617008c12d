"""Broadcasts without Telegram: audiences, starting (on time and late), pause, resume,
cancel, finishing and figures. SQLite, and PostgreSQL when it is configured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.services import broadcasts
from bot.services.broadcasts import Audience, AudienceKind, BroadcastDraft, BroadcastStateError
from bot.services.event_fields import FieldError
from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.contest_models import EntryStatus
from storage.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Registration,
    RegistrationStatus,
    User,
)
from storage.uow import Database
from tests.contest_factories import make_contest
from tests.factories import NOW, make_event
from tests.result_factories import make_entry, make_juror

ORGANIZER = 7001
# id -> language; 505 never chose one, 506 blocked the bot.
READERS = {501: "en", 502: "ru", 503: "kk", 504: "ru", 505: None, 506: "en"}
EVERYONE = Audience(AudienceKind.EVERYONE)


@pytest.fixture
def readers(storage: Database) -> Database:
    with storage.uow() as uow:
        for user_id, language in READERS.items():
            blocked = NOW - timedelta(days=1) if user_id == 506 else None
            uow.users.add(User(id=user_id, first_name="Aru", language=language,
                               blocked_at=blocked, created_at=NOW))
        uow.commit()
    return storage


def draft(audience: Audience = EVERYONE, **fields) -> BroadcastDraft:
    values = {"texts": {"en": "<b>Hello</b>", "ru": "<b>Привет</b>"}, "default_language": "en",
              "audience": audience}
    values.update(fields)
    return BroadcastDraft(**values)


def create(database: Database, audience: Audience = EVERYONE, *, send_at=None,
           now=NOW) -> Broadcast:
    with database.uow() as uow:
        broadcast = broadcasts.create(uow, draft(audience), ORGANIZER, now, send_at=send_at)
        uow.commit()
    return broadcast


def rows(database: Database, broadcast_id: int) -> dict[int, Notification]:
    with database.uow() as uow:
        found = uow.session.exec(
            select(Notification).where(Notification.broadcast_id == broadcast_id)).all()
        return {row.user_id: row for row in found}


def stored(database: Database, broadcast_id: int) -> Broadcast:
    with database.uow() as uow:
        return uow.broadcasts.get(broadcast_id)


def settle(database: Database, broadcast_id: int, outcomes: dict[int, str], at=NOW) -> None:
    """Record outcomes as the engine would (status, and sent_at for sent rows)."""
    with database.uow() as uow:
        for row in uow.session.exec(
                select(Notification).where(Notification.broadcast_id == broadcast_id)):
            if row.user_id in outcomes:
                row.status = outcomes[row.user_id]
                if row.status == NotificationStatus.SENT:
                    row.sent_at = at
        uow.commit()


def audience_of(database: Database, audience: Audience) -> list[int]:
    with database.uow() as uow:
        return uow.broadcasts.audience(audience.to_json())


def size_of(database: Database, audience: Audience) -> int:
    with database.uow() as uow:
        return broadcasts.audience_size(uow, audience)


# --- audiences ---------------------------------------------------------------------------------


def test_audience_everyone_leaves_out_blocked_readers_and_those_without_language(readers):
    assert audience_of(readers, EVERYONE) == [501, 502, 503, 504]
    assert size_of(readers, EVERYONE) == 4


def test_audience_by_language_takes_readers_of_that_language(readers):
    audience = Audience(AudienceKind.LANGUAGE, language="ru")

    assert (audience_of(readers, audience), size_of(readers, audience)) == ([502, 504], 2)


def test_audience_event_registrants_and_waiting_list_are_apart(readers):
    event = make_event(readers)
    other = make_event(readers)
    with readers.uow() as uow:
        for user_id, event_id, status in [
            (501, event.id, RegistrationStatus.REGISTERED),
            (502, event.id, RegistrationStatus.WAITLISTED),
            (503, event.id, RegistrationStatus.CANCELLED),
            (504, other.id, RegistrationStatus.REGISTERED),
            (506, event.id, RegistrationStatus.REGISTERED),
        ]:
            uow.registrations.add(Registration(event_id=event_id, user_id=user_id, status=status,
                                               queued_at=NOW, created_at=NOW, updated_at=NOW))
        uow.commit()

    registrants = audience_of(readers, Audience(AudienceKind.EVENT, event_id=event.id))
    waiting = audience_of(readers, Audience(AudienceKind.WAITLIST, event_id=event.id))

    assert (registrants, waiting) == ([501], [502])


def test_audience_contest_participants_count_once_and_not_when_withdrawn(readers):
    contest = make_contest(readers)
    make_entry(readers, contest, 501, 1, "Steppe", side="kz")
    make_entry(readers, contest, 501, 2, "Steppe again", side="kz")
    make_entry(readers, contest, 502, 3, "Dnipro", side="ua")
    make_entry(readers, contest, 503, 4, "Withdrawn", side="kz", status=EntryStatus.WITHDRAWN)
    make_entry(readers, contest, 506, 5, "Blocked", side="ua")

    everyone = Audience(AudienceKind.CONTEST, contest_id=contest.id)
    ukraine = Audience(AudienceKind.SIDE, contest_id=contest.id, side="ua")

    assert (audience_of(readers, everyone), size_of(readers, everyone)) == ([501, 502], 2)
    assert audience_of(readers, ukraine) == [502]


def test_audience_jurors_of_one_contest_or_of_all(readers):
    first, second = make_contest(readers), make_contest(readers)
    make_juror(readers, first, 8001, "Gulnara Abenova")
    make_juror(readers, second, 8001, "Gulnara Abenova")
    make_juror(readers, second, 8002, "Taras Melnyk")

    one = audience_of(readers, Audience(AudienceKind.JURORS, contest_id=first.id))
    every = audience_of(readers, Audience(AudienceKind.JURORS))

    assert (one, every, size_of(readers, Audience(AudienceKind.JURORS))) == (
        [8001], [8001, 8002], 2)


def test_audience_jurors_leaves_out_a_removed_juror(readers):
    contest = make_contest(readers)
    make_juror(readers, contest, 8001, "Gulnara Abenova")
    make_juror(readers, contest, 8002, "Taras Melnyk")
    with readers.uow() as uow:
        uow.jury.juror(contest.id, 8002).removed_at = NOW
        uow.commit()

    assert audience_of(readers, Audience(AudienceKind.JURORS, contest_id=contest.id)) == [8001]


def test_audience_round_trips_through_json():
    audience = Audience(AudienceKind.SIDE, contest_id=3, side="kz")

    assert audience.to_json() == {"kind": "side", "contest_id": 3, "side": "kz"}
    assert Audience.from_json(audience.to_json()) == audience


# --- starting ----------------------------------------------------------------------------------


def test_create_now_writes_one_outbox_row_per_reader_behind_reminders(readers):
    broadcast = create(readers)

    found = rows(readers, broadcast.id)
    assert sorted(found) == [501, 502, 503, 504]
    assert {(r.dedupe_key, r.kind, r.priority, r.status, r.due_at, r.next_attempt_at)
            for r in found.values()} == {
        (f"broadcast:{broadcast.id}:{user_id}", NotificationKind.BROADCAST, 10,
         NotificationStatus.PENDING, NOW, NOW) for user_id in (501, 502, 503, 504)}
    saved = stored(readers, broadcast.id)
    assert (saved.status, saved.total, saved.started_at, saved.scheduled_at) == (
        BroadcastStatus.RUNNING, 4, NOW, NOW)
    assert saved.texts == {"ru": "<b>Привет</b>", "en": "<b>Hello</b>"}


def test_scheduled_broadcast_waits_for_its_time(readers):
    later = NOW + timedelta(hours=2)
    broadcast = create(readers, send_at=later)

    with readers.uow() as uow:
        early = broadcasts.start_due_broadcasts(uow, later - timedelta(seconds=1))
        uow.commit()

    assert (early, rows(readers, broadcast.id)) == ([], {})
    assert stored(readers, broadcast.id).status == BroadcastStatus.SCHEDULED


def test_broadcast_that_fell_due_while_the_bot_was_down_starts_late_once(readers):
    due = NOW + timedelta(hours=2)
    broadcast = create(readers, send_at=due)
    back = due + timedelta(hours=5)

    with readers.uow() as uow:
        started = [b.id for b in broadcasts.start_due_broadcasts(uow, back)]
        uow.commit()
    with readers.uow() as uow:
        again = broadcasts.start_due_broadcasts(uow, back + timedelta(seconds=5))
        uow.commit()

    assert (started, again) == ([broadcast.id], [])
    found = rows(readers, broadcast.id)
    assert sorted(found) == [501, 502, 503, 504]
    assert {(r.due_at, r.next_attempt_at) for r in found.values()} == {(due, back)}
    assert stored(readers, broadcast.id).started_at == back


def test_start_never_writes_a_second_row_for_a_reader(readers):
    broadcast = create(readers, send_at=NOW + timedelta(hours=1))
    # Say an earlier start wrote some rows, then the process died before the status.
    with readers.uow() as uow:
        uow.notifications.add(Notification(
            dedupe_key=f"broadcast:{broadcast.id}:502", kind=NotificationKind.BROADCAST,
            user_id=502, broadcast_id=broadcast.id, priority=10, due_at=NOW,
            next_attempt_at=NOW, status=NotificationStatus.SENT, created_at=NOW))
        uow.commit()

    with readers.uow() as uow:
        broadcasts.start_due_broadcasts(uow, NOW + timedelta(hours=1))
        uow.commit()

    found = rows(readers, broadcast.id)
    assert {user_id: row.status for user_id, row in found.items()} == {
        501: NotificationStatus.PENDING, 502: NotificationStatus.SENT,
        503: NotificationStatus.PENDING, 504: NotificationStatus.PENDING}
    assert stored(readers, broadcast.id).total == 4


def test_reader_who_blocked_the_bot_before_the_start_is_left_out(readers):
    broadcast = create(readers, send_at=NOW + timedelta(hours=1))
    with readers.uow() as uow:
        uow.users.get(503).blocked_at = NOW + timedelta(minutes=5)
        uow.commit()

    with readers.uow() as uow:
        broadcasts.start_due_broadcasts(uow, NOW + timedelta(hours=1))
        uow.commit()

    assert sorted(rows(readers, broadcast.id)) == [501, 502, 504]


def test_broadcast_with_nobody_in_its_audience_is_done_at_once(readers):
    broadcast = create(readers, Audience(AudienceKind.LANGUAGE, language="uk"))

    saved = stored(readers, broadcast.id)
    assert (saved.status, saved.total, saved.finished_at) == (BroadcastStatus.DONE, 0, NOW)


def test_schedule_in_the_past_is_refused(readers):
    with readers.uow() as uow, pytest.raises(FieldError) as refused:
        broadcasts.create(uow, draft(), ORGANIZER, NOW, send_at=NOW - timedelta(minutes=1))

    assert str(refused.value) == "That time has already passed: send a time in the future."
    with readers.uow() as uow:
        assert uow.broadcasts.recent(10) == []


# --- pause, resume, cancel, finish -------------------------------------------------------------


def test_pause_and_resume_keep_the_rows_pending(readers):
    broadcast = create(readers)

    with readers.uow() as uow:
        paused = broadcasts.pause(uow, broadcast.id, NOW).status
        uow.commit()
    pending_while_paused = {r.status for r in rows(readers, broadcast.id).values()}
    with readers.uow() as uow:
        resumed = broadcasts.resume(uow, broadcast.id, NOW).status
        uow.commit()

    assert (paused, resumed) == (BroadcastStatus.PAUSED, BroadcastStatus.RUNNING)
    assert pending_while_paused == {NotificationStatus.PENDING}


def test_pause_of_a_paused_broadcast_is_refused(readers):
    broadcast = create(readers)
    with readers.uow() as uow:
        broadcasts.pause(uow, broadcast.id, NOW)
        uow.commit()

    with readers.uow() as uow, pytest.raises(BroadcastStateError):
        broadcasts.pause(uow, broadcast.id, NOW)


def test_cancel_marks_the_pending_rows_and_keeps_sent_ones(readers):
    broadcast = create(readers)
    settle(readers, broadcast.id, {501: NotificationStatus.SENT, 502: NotificationStatus.SENDING})

    with readers.uow() as uow:
        broadcasts.cancel(uow, broadcast.id, NOW + timedelta(seconds=3))
        uow.commit()

    assert {user_id: row.status for user_id, row in rows(readers, broadcast.id).items()} == {
        501: NotificationStatus.SENT, 502: NotificationStatus.SENDING,
        503: NotificationStatus.CANCELLED, 504: NotificationStatus.CANCELLED}
    saved = stored(readers, broadcast.id)
    assert (saved.status, saved.finished_at) == (
        BroadcastStatus.CANCELLED, NOW + timedelta(seconds=3))


def test_cancel_of_a_scheduled_broadcast_means_it_never_starts(readers):
    broadcast = create(readers, send_at=NOW + timedelta(hours=1))
    with readers.uow() as uow:
        broadcasts.cancel(uow, broadcast.id, NOW)
        uow.commit()

    with readers.uow() as uow:
        started = broadcasts.start_due_broadcasts(uow, NOW + timedelta(hours=2))
        uow.commit()

    assert (started, rows(readers, broadcast.id)) == ([], {})


def test_cancel_of_a_finished_broadcast_is_refused(readers):
    broadcast = create(readers, Audience(AudienceKind.LANGUAGE, language="uk"))

    with readers.uow() as uow, pytest.raises(BroadcastStateError):
        broadcasts.cancel(uow, broadcast.id, NOW)


def test_finish_done_waits_until_nothing_is_left_to_send(readers):
    broadcast = create(readers)
    settle(readers, broadcast.id, {501: NotificationStatus.SENT, 502: NotificationStatus.BLOCKED,
                                   503: NotificationStatus.SENT})
    with readers.uow() as uow:
        early = broadcasts.finish_done(uow, [broadcast.id], NOW)
        uow.commit()
    settle(readers, broadcast.id, {504: NotificationStatus.UNCERTAIN})

    with readers.uow() as uow:
        finished = broadcasts.finish_done(uow, [broadcast.id, broadcast.id], NOW)
        uow.commit()

    assert (early, finished) == ([], [broadcast.id])
    assert stored(readers, broadcast.id).status == BroadcastStatus.DONE


def test_paused_broadcast_is_not_finished_until_resumed(readers):
    broadcast = create(readers)
    with readers.uow() as uow:
        broadcasts.pause(uow, broadcast.id, NOW)
        uow.commit()
    settle(readers, broadcast.id, dict.fromkeys(READERS, NotificationStatus.SENT))

    with readers.uow() as uow:
        finished = broadcasts.finish_done(uow, [broadcast.id], NOW)
        uow.commit()
    with readers.uow() as uow:
        resumed = broadcasts.resume(uow, broadcast.id, NOW).status
        uow.commit()

    assert (finished, resumed) == ([], BroadcastStatus.DONE)


# --- figures -----------------------------------------------------------------------------------


def test_figures_count_rows_by_outcome_and_tell_the_rate_and_time_left(readers):
    with readers.uow() as uow:
        for user_id in range(600, 610):
            uow.users.add(User(id=user_id, first_name="Aru", language="kk", created_at=NOW))
        uow.commit()
    broadcast = create(readers)  # 14 readers
    outcomes = dict.fromkeys([501, 502, 503, 504, 600, 601], NotificationStatus.SENT)
    settle(readers, broadcast.id, outcomes, at=NOW + timedelta(seconds=2))
    settle(readers, broadcast.id, {602: NotificationStatus.BLOCKED,
                                   603: NotificationStatus.FAILED,
                                   604: NotificationStatus.UNCERTAIN,
                                   605: NotificationStatus.SENDING})

    with readers.uow() as uow:
        figures = broadcasts.figures(uow, broadcast.id, NOW + timedelta(seconds=4))

    # 6 sent in the 4 seconds since the start: 1.5/s; 5 to go: about 3.3 s.
    assert figures == broadcasts.BroadcastFigures(
        sent=6, pending=5, blocked=1, failed=1, uncertain=1, cancelled=0, total=14,
        rate_per_s=1.5, eta_seconds=5 / 1.5)


def test_figures_before_anything_was_sent_have_no_rate(readers):
    broadcast = create(readers)

    with readers.uow() as uow:
        figures = broadcasts.figures(uow, broadcast.id, NOW)

    assert (figures.sent, figures.pending, figures.total, figures.rate_per_s,
            figures.eta_seconds) == (0, 4, 4, None, None)
