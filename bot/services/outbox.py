"""The outbox cycle, free of Telegram: claim due rows, then record what happened.

A row moves pending -> sending (attempts + 1, committed *before* the request
goes out) -> sent | pending (retry later) | blocked | failed; rows that should
no longer go out at all become skipped without being claimed.

Crash recovery (`recover_interrupted`, run when a sender starts, and again
after a run broke off on an unexpected error): a row still in `sending` was
claimed by a process that died between the claim and recording the answer, so
Telegram may or may not have delivered it. Every kind we send today tells the
reader something they need (the time, a changed link, a cancellation, a freed
seat): a duplicate costs one extra message, a loss can cost a missed event. So
such rows go back to `pending` and are sent again, after the usual staleness
checks (a reminder for an event that has started is skipped then). Only the
requests in flight at the crash can be duplicated (at most one batch); a row
confirmed `sent` is never touched again. A row that has already used
`MAX_ATTEMPTS` fails instead, so a message that crashes the process cannot loop
forever. The same reasoning makes a timed-out send a retry, not a failure.
Announcements (issue 4) will need an `uncertain` state instead, and recovery
assumes one sender per database, which holds for SQLite.

Stale reminders, decided at claim time:
- the event was cancelled or deleted: skipped;
- the event has started: skipped, except the "starting now" reminder, which is
  still useful up to `STARTING_NOW_GRACE` late;
- a later reminder of the same reader for the same event is also due (the bot
  was down): only the latest one goes out, the earlier ones are skipped.
Notices (event changed, cancelled, promoted) are sent however late, but a
change or promotion notice for an event cancelled since is skipped: the
cancellation notice says all there is to say.

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

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.services import jury, users
from storage.contest_models import Contest
from storage.models import Event, Notification, NotificationKind, NotificationStatus, User
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# After this many claims a row is given up (network errors, crashes mid-send).
MAX_ATTEMPTS = 5
# A "starting now" reminder this late still helps a reader who is about to join.
STARTING_NOW_GRACE = timedelta(minutes=10)
FIRST_RETRY_DELAY = timedelta(seconds=30)
LONGEST_RETRY_DELAY = timedelta(minutes=15)

# Statuses of a later reminder that make an earlier overdue one pointless.
_SUPERSEDING = (NotificationStatus.PENDING, NotificationStatus.SENDING, NotificationStatus.SENT)
CONTEST_KINDS = frozenset(
    {NotificationKind.JURY_REMINDER, NotificationKind.CONTEST_RESULT, NotificationKind.WINNERS_LIST}
)


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


@dataclass(frozen=True)
class Claim:
    """A row claimed for sending, with what it takes to render it (detached objects).

    Event rows have `event`; contest rows (see `CONTEST_KINDS`) `contest` and `facts`.
    """

    notification: Notification
    user: User
    event: Event | None
    contest: Contest | None = None
    facts: ContestFacts | None = None


@dataclass
class ClaimBatch:
    claims: list[Claim] = field(default_factory=list)
    skipped: int = 0
    blocked: int = 0
    failed: int = 0
    # How many due rows were looked at: fewer than the limit means none are left.
    examined: int = 0


def recover_interrupted(uow: UnitOfWork, now: datetime) -> int:
    """Put rows left in `sending` by a crash back to `pending` (see the module docstring)."""
    recovered = 0
    for row in uow.notifications.in_state(NotificationStatus.SENDING):
        if row.attempts >= MAX_ATTEMPTS:
            _finish(row, NotificationStatus.FAILED, "interrupted too many times")
            continue
        row.status = NotificationStatus.PENDING
        row.next_attempt_at = now
        recovered += 1
        log.warning("notification %s was being sent at a crash; sending it again", row.dedupe_key)
    return recovered


def claim_due(uow: UnitOfWork, now: datetime, limit: int) -> ClaimBatch:
    """Claim up to `limit` due rows; the caller commits before sending any of them."""
    rows = uow.notifications.claimable(now, limit)
    batch = ClaimBatch(examined=len(rows))
    readers = uow.users.by_ids(sorted({row.user_id for row in rows}))
    for row in rows:
        user = readers.get(row.user_id)
        if row.kind in CONTEST_KINDS:
            claim, verdict = _contest_claim(uow, row, user, now)
        else:
            event = uow.events.get(row.event_id) if row.event_id is not None else None
            claim, verdict = Claim(row, user, event), _verdict(uow, row, user, event, now)
        if verdict is None:
            row.status = NotificationStatus.SENDING
            row.attempts += 1
            batch.claims.append(claim)
            continue
        status, reason = verdict
        _finish(row, status, reason)
        if status == NotificationStatus.SKIPPED:
            batch.skipped += 1
            log.info("notification %s skipped: %s", row.dedupe_key, reason)
        elif status == NotificationStatus.BLOCKED:
            batch.blocked += 1
        else:
            batch.failed += 1
            log.error("notification %s failed: %s", row.dedupe_key, reason)
    return batch


def mark_sent(uow: UnitOfWork, notification_id: int, message_id: int, now: datetime) -> bool:
    row = _sending(uow, notification_id)
    if row is None:
        return False
    row.status = NotificationStatus.SENT
    row.telegram_message_id = message_id
    row.sent_at = now
    row.last_error = None
    return True


def mark_retry(uow: UnitOfWork, notification_id: int, now: datetime, error: str) -> str | None:
    """A send that may succeed later (network trouble): back to pending with a growing
    delay, or failed once `MAX_ATTEMPTS` are used. Returns the new status."""
    row = _sending(uow, notification_id)
    if row is None:
        return None
    if row.attempts >= MAX_ATTEMPTS:
        _finish(row, NotificationStatus.FAILED, error)
        return row.status
    delay = min(FIRST_RETRY_DELAY * 2 ** (row.attempts - 1), LONGEST_RETRY_DELAY)
    row.status = NotificationStatus.PENDING
    row.next_attempt_at = now + delay
    row.last_error = error[:500]
    return row.status


def release(uow: UnitOfWork, notification_id: int, retry_at: datetime, error: str) -> bool:
    """Telegram refused to take the message yet (flood control): pending again, and the
    attempt is given back, since nothing was tried in earnest."""
    row = _sending(uow, notification_id)
    if row is None:
        return False
    row.status = NotificationStatus.PENDING
    row.attempts = max(row.attempts - 1, 0)
    row.next_attempt_at = retry_at
    row.last_error = error[:500]
    return True


def mark_blocked(uow: UnitOfWork, notification_id: int, now: datetime, error: str) -> bool:
    """The reader blocked the bot or deleted their account: no retry, and their later
    rows are not even tried (`claim_due` sees `users.blocked_at`)."""
    row = _sending(uow, notification_id)
    if row is None:
        return False
    users.mark_blocked(uow, row.user_id, now)
    _finish(row, NotificationStatus.BLOCKED, error)
    return True


def mark_failed(uow: UnitOfWork, notification_id: int, error: str) -> bool:
    row = _sending(uow, notification_id)
    if row is None:
        return False
    _finish(row, NotificationStatus.FAILED, error)
    return True


def _verdict(
    uow: UnitOfWork, row: Notification, user: User | None, event: Event | None, now: datetime
) -> tuple[NotificationStatus, str] | None:
    """None when the row should be sent now; else its final status and why."""
    if user is None:
        return NotificationStatus.FAILED, "unknown reader"
    if user.blocked_at is not None:
        return NotificationStatus.BLOCKED, "the reader has blocked the bot"
    if event is None:
        return NotificationStatus.SKIPPED, "the event no longer exists"
    if row.kind == NotificationKind.REMINDER:
        return _reminder_verdict(uow, row, event, now)
    if row.kind in (NotificationKind.EVENT_CHANGED, NotificationKind.PROMOTED):
        if event.cancelled_at is not None:
            return NotificationStatus.SKIPPED, "the event has been cancelled since"
        return None
    if row.kind == NotificationKind.EVENT_CANCELLED:
        return None
    return NotificationStatus.FAILED, f"unknown kind {row.kind!r}"


def _reminder_verdict(
    uow: UnitOfWork, row: Notification, event: Event, now: datetime
) -> tuple[NotificationStatus, str] | None:
    if event.cancelled_at is not None:
        return NotificationStatus.SKIPPED, "the event has been cancelled"
    if row.offset_minutes:
        too_late = now >= event.starts_at
    else:
        too_late = now > event.starts_at + STARTING_NOW_GRACE
    if too_late:
        return NotificationStatus.SKIPPED, "the event has already started"
    for other in uow.notifications.reminders(event.id, row.user_id):
        if other.id != row.id and row.due_at < other.due_at <= now and other.status in _SUPERSEDING:
            return NotificationStatus.SKIPPED, "a later reminder is due as well"
    return None


def _contest_claim(
    uow: UnitOfWork, row: Notification, user: User | None, now: datetime
) -> tuple[Claim, tuple[NotificationStatus, str] | None]:
    contest = uow.contests.get(row.contest_id) if row.contest_id is not None else None
    claim = Claim(row, user, None, contest)
    if user is None:
        return claim, (NotificationStatus.FAILED, "unknown reader")
    if user.blocked_at is not None:
        return claim, (NotificationStatus.BLOCKED, "the reader has blocked the bot")
    if contest is None:
        return claim, (NotificationStatus.SKIPPED, "the contest no longer exists")
    if row.kind == NotificationKind.JURY_REMINDER:
        verdict = _jury_reminder_verdict(uow, row, contest, now)
        if verdict is not None:
            return claim, verdict
        facts = ContestFacts(progress=jury.progress(uow, contest.id, row.user_id))
        return replace(claim, facts=facts), None
    payload = row.payload or {}
    if row.kind == NotificationKind.CONTEST_RESULT:
        wanted = [payload.get("entry_id")]
    else:
        wanted = [winner.get("entry_id") for winner in payload.get("winners") or []]
    entries = _entry_facts(uow, [entry_id for entry_id in wanted if isinstance(entry_id, int)])
    if row.kind == NotificationKind.CONTEST_RESULT and payload.get("entry_id") not in entries:
        return claim, (NotificationStatus.SKIPPED, "the entry no longer exists")
    return replace(claim, facts=ContestFacts(entries=entries)), None


def _jury_reminder_verdict(
    uow: UnitOfWork, row: Notification, contest: Contest, now: datetime
) -> tuple[NotificationStatus, str] | None:
    if contest.frozen_at is not None:
        return NotificationStatus.SKIPPED, "the results are frozen"
    if contest.jury_deadline is not None and now >= contest.jury_deadline:
        return NotificationStatus.SKIPPED, "the jury deadline has passed"
    if not jury.is_juror(uow, contest.id, row.user_id):
        return NotificationStatus.SKIPPED, "no longer on the jury"
    for other in uow.jury.jury_reminders(contest.id):
        if (other.user_id == row.user_id and other.id != row.id
                and row.due_at < other.due_at <= now and other.status in _SUPERSEDING):
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


def _sending(uow: UnitOfWork, notification_id: int) -> Notification | None:
    """The row if it is still ours to settle. Rescheduling may have put it back to
    pending meanwhile (the event moved); then the new plan stands."""
    row = uow.notifications.get(notification_id)
    if row is None or row.status != NotificationStatus.SENDING:
        log.info("notification %s changed while it was being sent", notification_id)
        return None
    return row


def _finish(row: Notification, status: NotificationStatus, reason: str) -> None:
    row.status = status
    row.last_error = reason[:500]
