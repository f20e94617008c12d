"""What the entry screens ask of the database, each in one call: the reads they render
(`AppContext.read`, `uow` first) and the writes in a unit of work of their own
(`AppContext.call`, `db` first). The rules themselves are in `bot.services.entries`.

Every write locks the contest row first (`EntryRepository.lock_contest`), as saving a
score and freezing the results do: two readers never get the same code, a double tap
cannot pass the entry limit, and a work replaced or withdrawn at the moment a juror
saves a score or the organizer freezes waits for the other and then sees its outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from bot.services.contests import ContestNotFound, get_contest
from bot.services.entries import (
    EntryRow,
    WorkDraft,
    check_can_enter,
    contest_entries,
    owned_entry,
    replace_entry,
    submit_entry,
    withdraw_entry,
)
from bot.services.entry_refusals import NOT_YOURS, EntryRefused
from storage.contest_models import Contest, Entry
from storage.uow import Database, UnitOfWork


@dataclass(frozen=True)
class Submitted:
    entry: Entry
    # None for a new entry; for a replaced work, how many of the jury's scores went with it.
    scores_removed: int | None


# --- reads ---------------------------------------------------------------------------------


def enterable_contest(uow: UnitOfWork, contest_id: int, user_id: int, now: datetime) -> Contest:
    """The contest, if `user_id` may send a new entry now (else EntryRefused, ContestNotFound)."""
    check_can_enter(uow, contest_id, user_id, now)
    return get_contest(uow, contest_id)


def changeable_entry(
    uow: UnitOfWork, entry_id: int, user_id: int, now: datetime
) -> tuple[Entry, Contest]:
    """The reader's own entry and its contest, if they may still replace or withdraw it."""
    entry = owned_entry(uow, entry_id, user_id, now)
    contest = uow.contests.get(entry.contest_id)
    if contest is None:
        raise ContestNotFound(entry.contest_id)
    return entry, contest


def entry_list(uow: UnitOfWork, contest_id: int) -> tuple[Contest, list[EntryRow]]:
    """For organizers: the contest and every one of its entries (ContestNotFound if gone)."""
    rows = contest_entries(uow, contest_id)
    return get_contest(uow, contest_id), rows


# --- writes --------------------------------------------------------------------------------


def send_entry(
    db: Database, contest_id: int, user_id: int, work: WorkDraft, now: datetime,
    *, replaces: int | None = None,
) -> Submitted:
    """A new entry of `contest_id`, or the new work of the reader's entry `replaces`."""
    with db.uow() as uow:
        if replaces is None:
            entry = submit_entry(uow, contest_id, user_id, work, now)  # locks the contest
            removed = None
        else:
            replaced = replace_entry(uow, replaces, user_id, work, now)  # locks the contest
            entry, removed = replaced.entry, replaced.scores_removed
        uow.commit()
    return Submitted(entry, removed)


def withdraw_reader_entry(db: Database, entry_id: int, user_id: int, now: datetime) -> Entry:
    """The reader's entry leaves the contest (see `entries.withdraw_entry`)."""
    with db.uow() as uow:
        contest_id = uow.session.exec(select(Entry.contest_id).where(Entry.id == entry_id)).first()
        if contest_id is None:
            raise EntryRefused(NOT_YOURS)
        uow.entries.lock_contest(contest_id)
        entry = withdraw_entry(uow, entry_id, user_id, now)
        uow.commit()
    return entry
