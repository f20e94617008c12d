"""The retention period: personal data of readers with nothing going on are erased a set
time (`Settings.retention_days`) after their last event or contest ended, by a daily job.

- A reader's last activity is the latest of: their consent, the end of every event they
  registered for (its start plus its duration, or when it was cancelled), and the end of
  every contest they entered or judge (its publication; before that, the later of its
  closing and its jury deadline). Something still going on ends in the future, so a
  reader with a registration ahead, a contest still judging or a jury to sit is kept.
- Erasure is `bot.services.privacy.erase`, each reader in a unit of work of their own,
  with the reader's activity read again inside it (they may have registered meanwhile).
  Nobody is told.
- Withdrawn entries lose their work (file, text, caption, title) the same day, and first
  names that older versions stored before consent are cleared.
- Forms left unanswered for `FORGOTTEN_FORMS` are dropped from `persisted_state`: a profile
  begun and never consented to (name, date of birth) is not kept beyond that.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.privacy import erase
from storage.contest_models import Contest
from storage.models import Event, User
from storage.privacy_repository import PrivacyRepository
from storage.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

# Conversations end after 30 minutes without an answer; one restored after a restart does
# not time out again, so its draft is dropped here.
FORGOTTEN_FORMS = timedelta(days=1)


@dataclass(frozen=True)
class RetentionReport:
    readers_erased: int
    works_deleted: int
    names_cleared: int
    forms_forgotten: int = 0


def event_end(event: Event) -> datetime:
    end = event.starts_at + timedelta(minutes=event.duration_minutes)
    return min(end, event.cancelled_at) if event.cancelled_at is not None else end


def contest_end(contest: Contest) -> datetime:
    if contest.published_at is not None:
        return contest.published_at
    closed = contest.closes_at
    if contest.closed_at is not None:
        closed = min(closed, contest.closed_at)
    return max(closed, contest.jury_deadline or closed)


def last_activity(user: User, ends: Iterable[datetime]) -> datetime:
    """The latest of the consent (or the first contact) and `ends`."""
    return max([user.consent_at or user.created_at, *ends])


def readers_past_retention(uow: UnitOfWork, now: datetime, retention: timedelta) -> list[int]:
    """Readers with a profile whose last activity ended `retention` or longer ago."""
    repo = PrivacyRepository(uow.session)
    last = {user.id: last_activity(user, ()) for user in repo.readers_with_profile()}
    ends = [(user_id, event_end(event))
            for user_id, event in repo.events_of_readers_with_profile()]
    ends += [(user_id, contest_end(contest))
             for user_id, contest in repo.contests_of_readers_with_profile()]
    for user_id, end in ends:
        if user_id in last:
            last[user_id] = max(last[user_id], end)
    return sorted(user_id for user_id, moment in last.items() if moment <= now - retention)


def _still_past_retention(
    uow: UnitOfWork, user_id: int, now: datetime, retention: timedelta
) -> bool:
    user = uow.users.get(user_id)
    if user is None:
        return False
    repo = PrivacyRepository(uow.session)
    ends = [event_end(event) for _registration, event in repo.registrations(user_id)]
    ends += [contest_end(contest) for _entry, contest, _result in repo.entries(user_id)]
    ends += [contest_end(contest) for juror, contest in repo.jury_seats(user_id)
             if juror.removed_at is None]
    return last_activity(user, ends) <= now - retention


def apply_retention(db: Database, now: datetime, retention: timedelta) -> RetentionReport:
    """The daily job's work: erase readers past the retention period, delete withdrawn
    entries' works, clear first names kept without consent."""
    with db.reading() as uow:
        due = readers_past_retention(uow, now, retention)
    erased = 0
    for user_id in due:
        with db.uow() as uow:
            if not _still_past_retention(uow, user_id, now, retention):
                continue
            erase(uow, user_id, now)
            uow.commit()
            erased += 1
    with db.uow() as uow:
        repo = PrivacyRepository(uow.session)
        works = repo.clear_withdrawn_works()
        names = repo.clear_names_without_consent()
        forms = uow.persisted.forget_older_than(now - FORGOTTEN_FORMS)
        uow.commit()
    report = RetentionReport(erased, works, names, forms)
    log.info("retention: %d readers erased, %d withdrawn works deleted, %d names cleared, "
             "%d abandoned forms forgotten", report.readers_erased, report.works_deleted,
             report.names_cleared, report.forms_forgotten)
    return report
