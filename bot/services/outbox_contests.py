"""Claiming contest rows of the outbox: what they carry, and when they are stale.

Contest rows (`event_id` None, `contest_id` set) carry the contest instead of an
event, and `ContestFacts` read in the same claim, so the text and the
certificate are rendered from what is true when the message goes out:
- a contest result or winners list is sent however late (recovery may send it
  twice: one extra message, never a lost outcome); skipped only when its
  contest or entry is gone;
- a jury reminder is skipped when the results are frozen, the jury deadline has
  passed, the reader is no longer on the jury, they have scored every entry
  they may score, or a later reminder of theirs is also due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.services import jury
from storage.contest_models import Contest
from storage.models import Notification, NotificationKind, NotificationStatus, User
from storage.uow import UnitOfWork

CONTEST_KINDS = frozenset(
    {NotificationKind.JURY_REMINDER, NotificationKind.CONTEST_RESULT, NotificationKind.WINNERS_LIST}
)
# Statuses of a later reminder that make an earlier overdue one pointless.
SUPERSEDING = (NotificationStatus.PENDING, NotificationStatus.SENDING, NotificationStatus.SENT)

Verdict = tuple[NotificationStatus, str] | None


@dataclass(frozen=True)
class EntryFacts:
    """An entry as contest messages name it; author and library for winners lists only."""

    entry_id: int
    code: str
    title: str
    author: str
    library: str


@dataclass(frozen=True)
class ContestFacts:
    """What a contest row's text needs besides the contest, read when the row is claimed:
    the entries it names (its own entry, or the winners), and a juror's progress."""

    entries: dict[int, EntryFacts] = field(default_factory=dict)
    # (scored, total) for a jury reminder
    progress: tuple[int, int] | None = None

    def entry(self, entry_id: object) -> EntryFacts | None:
        """The entry a payload names by id (None when it names none this row knows)."""
        return self.entries.get(entry_id) if isinstance(entry_id, int) else None


def contest_claim(
    uow: UnitOfWork, row: Notification, user: User | None, now: datetime
) -> tuple[Contest | None, ContestFacts | None, Verdict]:
    """The row's contest and facts, and None when it should be sent now, else its final
    status and why."""
    contest = uow.contests.get(row.contest_id) if row.contest_id is not None else None
    if user is None:
        return contest, None, (NotificationStatus.FAILED, "unknown reader")
    if user.blocked_at is not None:
        return contest, None, (NotificationStatus.BLOCKED, "the reader has blocked the bot")
    if contest is None:
        return None, None, (NotificationStatus.SKIPPED, "the contest no longer exists")
    if row.kind == NotificationKind.JURY_REMINDER:
        verdict = _jury_reminder_verdict(uow, row, contest, now)
        if verdict is not None:
            return contest, None, verdict
        return contest, ContestFacts(progress=jury.progress(uow, contest.id, row.user_id)), None
    payload = row.payload or {}
    if row.kind == NotificationKind.CONTEST_RESULT:
        wanted = [payload.get("entry_id")]
    else:
        wanted = [winner.get("entry_id") for winner in payload.get("winners") or []]
    entries = _entry_facts(uow, [entry_id for entry_id in wanted if isinstance(entry_id, int)])
    if row.kind == NotificationKind.CONTEST_RESULT and payload.get("entry_id") not in entries:
        return contest, None, (NotificationStatus.SKIPPED, "the entry no longer exists")
    return contest, ContestFacts(entries=entries), None


def _jury_reminder_verdict(
    uow: UnitOfWork, row: Notification, contest: Contest, now: datetime
) -> Verdict:
    if contest.frozen_at is not None:
        return NotificationStatus.SKIPPED, "the results are frozen"
    if contest.jury_deadline is not None and now >= contest.jury_deadline:
        return NotificationStatus.SKIPPED, "the jury deadline has passed"
    if not jury.is_juror(uow, contest.id, row.user_id):
        return NotificationStatus.SKIPPED, "no longer on the jury"
    for other in uow.jury.jury_reminders(contest.id):
        if (other.user_id == row.user_id and other.id != row.id
                and row.due_at < other.due_at <= now and other.status in SUPERSEDING):
            return NotificationStatus.SKIPPED, "a later reminder is due as well"
    scored, total = jury.progress(uow, contest.id, row.user_id)
    if scored >= total:
        return NotificationStatus.SKIPPED, "the juror has scored every entry"
    return None


def _entry_facts(uow: UnitOfWork, entry_ids: list[int]) -> dict[int, EntryFacts]:
    entries = [entry for entry in map(uow.entries.get, entry_ids) if entry is not None]
    authors = uow.users.by_ids(sorted({entry.user_id for entry in entries}))
    facts = {}
    for entry in entries:
        author = authors.get(entry.user_id)
        name = (author.full_name or author.first_name) if author is not None else ""
        library = (author.library or "") if author is not None else ""
        facts[entry.id] = EntryFacts(entry.id, entry.code, entry.title, name, library)
    return facts
