"""What the jury screens ask of the database, each in one call: the reads they render
(`AppContext.read`, `uow` first) and the writes in a unit of work of their own
(`AppContext.call`, `db` first). The rules themselves are in `bot.services.jury`.

Saving a score and declaring a conflict lock the contest row first, as freezing the
results, submitting, replacing and withdrawing an entry do: a score saved at the moment
the results freeze, or the entry's work is replaced, waits for the other and then sees
its outcome (frozen: refused; replaced: the new work, old scores gone), and a double tap
on Save overwrites the score instead of colliding on the unique constraint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.services import jury
from bot.services.contests import get_contest
from bot.services.jury import BlindEntry, JurorProgress, JuryDenied, OtherScore, ScoredEntry
from storage.contest_models import Contest
from storage.uow import Database, UnitOfWork


@dataclass(frozen=True)
class NextEntry:
    """The contest, the juror's progress in it, and the next entry to score (None: done)."""

    contest: Contest
    entry: BlindEntry | None
    scored: int
    total: int


@dataclass(frozen=True)
class JuryWork:
    """/jury: the contests whose jury the reader is on, and those they were removed from."""

    active: list[JurorProgress]
    removed: list[Contest]


@dataclass(frozen=True)
class Revision:
    contest: Contest
    entry: BlindEntry
    # The weighted score the juror saved before, None when there is none.
    saved: float | None


@dataclass(frozen=True)
class SavedScore:
    contest: Contest
    entry: BlindEntry
    score: float
    # The other jurors' scores, when the contest shows them (see `jury.others_scores`).
    others: list[OtherScore] | None


# --- reads ---------------------------------------------------------------------------------


def jury_work(uow: UnitOfWork, user_id: int) -> JuryWork:
    return JuryWork(jury.juror_contests(uow, user_id), uow.jury.contests_of(user_id, removed=True))


def contest_progress(uow: UnitOfWork, contest_id: int, juror_id: int) -> JurorProgress:
    contest = uow.contests.get(contest_id)
    if contest is None:
        raise JuryDenied()
    return JurorProgress(contest, *jury.progress(uow, contest_id, juror_id))


def next_to_score(
    uow: UnitOfWork, contest_id: int, juror_id: int, after: int | None = None
) -> NextEntry:
    entry = jury.next_entry(uow, contest_id, juror_id, after)
    found = contest_progress(uow, contest_id, juror_id)
    return NextEntry(found.contest, entry, found.scored, found.total)


def juror_scores(
    uow: UnitOfWork, contest_id: int, juror_id: int
) -> tuple[Contest, list[ScoredEntry]]:
    scored = jury.scored_entries(uow, contest_id, juror_id)
    return get_contest(uow, contest_id), scored


def revision(uow: UnitOfWork, contest_id: int, entry_id: int, juror_id: int) -> Revision:
    contest, entry = jury.scorable(uow, contest_id, entry_id, juror_id)
    own = jury.own_score(uow, contest_id, entry_id, juror_id)
    saved = jury.weighted_score(contest, own.values) if own is not None else None
    return Revision(contest, entry, saved)


# --- writes --------------------------------------------------------------------------------


def save_juror_score(
    db: Database,
    contest_id: int,
    entry_id: int,
    juror_id: int,
    values: Sequence[int],
    comment: str | None,
    now: datetime,
) -> SavedScore:
    """The juror's values, in the contest's criteria order, saved as their score."""
    with db.uow() as uow:
        contest = _lock_contest(uow, contest_id)
        keys = [criterion["key"] for criterion in contest.criteria]
        saved = jury.save_score(uow, contest_id, entry_id, juror_id,
                                dict(zip(keys, values, strict=False)), comment, now)
        entry = jury.entry_for_juror(uow, contest_id, entry_id, juror_id)
        others = jury.others_scores(uow, contest_id, entry_id, juror_id)
        result = SavedScore(contest, entry, jury.weighted_score(contest, saved.values), others)
        uow.commit()
    return result


def declare_juror_conflict(
    db: Database, contest_id: int, entry_id: int, juror_id: int, now: datetime
) -> BlindEntry:
    """The entry is never shown to the juror again (see `jury.declare_conflict`)."""
    with db.uow() as uow:
        _lock_contest(uow, contest_id)
        entry = jury.entry_for_juror(uow, contest_id, entry_id, juror_id)
        jury.declare_conflict(uow, contest_id, entry_id, juror_id, now)
        uow.commit()
    return entry


def _lock_contest(uow: UnitOfWork, contest_id: int) -> Contest:
    contest = uow.results.contest(contest_id, lock=True)
    if contest is None:
        raise JuryDenied()
    return contest
