"""The outbox cycle, free of Telegram: claim due rows, then record what happened.

States. A row moves pending -> sending (claimed: attempts + 1, `claimed_by`
the sender's id, `claimed_until` its lease; committed *before* any request
goes out) -> one of
- sent: Telegram answered with a message (its id kept);
- pending again: a retry later (network trouble, with a growing delay, or
  flood control, which gives the attempt back);
- blocked: 403, or 400 "chat not found" (a deleted account); the reader is
  marked (`users.blocked_at`) and none of their later rows is even tried;
- failed: Telegram refused the message itself, or `MAX_ATTEMPTS` were used;
- uncertain: an announcement whose request went out but whose answer never
  came (a read time-out, a connection cut after sending): it may have arrived,
  and it is not sent again (see below);
- skipped: no longer worth sending (decided at claim time, see staleness);
- cancelled: its broadcast was cancelled before it went out.
Rows of a paused broadcast are not claimed at all; they stay pending.

Priority. Rows are claimed by (priority, due_at): readers' reminders and
notices (priority `READER_PRIORITY`) before broadcasts (`BROADCAST_PRIORITY`),
so an announcement to thousands never delays the reminder of one. Reminders are
claimed early: when N reader rows fall due within `EARLY_HORIZON`, rows due up
to N / rate seconds (plus the sender's interval) ahead are claimed now
(`early_window`), so that the last of N reminders due at T arrives by T, not
N / rate seconds after it. Their texts are rendered as of their due time.

Leases and several senders. A claim holds for `LEASE` and the sender renews
it while it works. On PostgreSQL rows are claimed with FOR UPDATE SKIP LOCKED,
so two bot processes on one database never claim the same row, and a sender
only ever records answers for rows it still holds (`claimed_by`).

After a crash (`recover_interrupted`): a row still `sending` was claimed by a
process that died before recording the answer. Most such rows were merely
claimed (a claim is a batch); a few were in flight, and Telegram may or may not
have delivered those. There is no telling which, so all go back to `pending`
and are sent again: a duplicate costs one extra message, a loss can cost a
missed event, and the duplicates are bounded by the requests in flight plus the
answers not yet written at the crash (both kept small by the engine). A row
confirmed `sent` is never touched again. On SQLite (one sender per database)
the sender takes back every `sending` row when it starts; on PostgreSQL only
rows whose lease has lapsed (or its own, after a run broke off), since another
live process may hold the rest. A row that has already used `MAX_ATTEMPTS`
fails instead, so a message that crashes the process cannot loop forever.

Time-outs (the request went out, no answer came). Reminders, notices and
contest messages are sent again (`mark_retry`): the reader needs the time, the
changed link, the cancellation, the freed seat, the result; a duplicate is a
lesser harm. Announcements are marked `uncertain` instead and not resent: a
broadcast goes to thousands, and retrying every time-out during a slow
stretch of the network would write the same announcement twice to many of
them; the organizer sees the uncertain count in the figures. (A crash resends
announcements all the same: then the few requests in flight cannot be told from
the many rows merely claimed, and marking them all uncertain would lose up to a
claim's worth of messages.) Connection errors before the request was sent
(connecting failed, no free connection) are retried with the same backoff for
every kind: nothing can have arrived.

Stale reminders, decided at claim time:
- the event was cancelled or deleted: skipped;
- the event has started: skipped, except the "starting now" reminder, which is
  still useful up to `STARTING_NOW_GRACE` late;
- a later reminder of the same reader for the same event is also due (the bot
  was down): only the latest one goes out, the earlier ones are skipped.
Notices (event changed, cancelled, promoted) are sent however late, but a
change or promotion notice for an event cancelled since is skipped: the
cancellation notice says all there is to say. Contest rows: see
`bot.services.outbox_contests`. Broadcast rows are sent however late.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.services import feedback
from bot.services.outbox_contests import (
    CONTEST_KINDS,
    SUPERSEDING,
    ContestFacts,
    Verdict,
    contest_claim,
)
from bot.services.outbox_settle import MAX_ATTEMPTS, back_to_pending, finish
from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.contest_models import Contest
from storage.models import Event, Notification, NotificationKind, NotificationStatus, User
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# A "starting now" reminder this late still helps a reader who is about to join.
STARTING_NOW_GRACE = timedelta(minutes=10)
# Readers' own rows (reminders, notices, contest messages) go before broadcasts.
READER_PRIORITY = 0
BROADCAST_PRIORITY = 10
# How long a claim holds unless renewed; a dead sender's rows wait this long at most.
LEASE = timedelta(seconds=60)
# Reader rows due this far ahead count towards starting early (15 min = 27,000 at 30/s).
EARLY_HORIZON = timedelta(minutes=15)


@dataclass(frozen=True)
class Claim:
    """A row claimed for sending, with what it takes to render it (detached objects).

    Event rows have `event`; contest rows (see `CONTEST_KINDS`) `contest` and
    `facts`; broadcast rows `broadcast`.
    """

    notification: Notification
    user: User
    event: Event | None
    contest: Contest | None = None
    facts: ContestFacts | None = None
    broadcast: Broadcast | None = None

    # The row's subject, for renderers of its kind: a claim is made only with it loaded.

    def claimed_event(self) -> Event:
        if self.event is None:
            raise ValueError(f"outbox row {self.notification.id} was claimed without its event")
        return self.event

    def claimed_contest(self) -> Contest:
        if self.contest is None:
            raise ValueError(f"outbox row {self.notification.id} was claimed without its contest")
        return self.contest

    def claimed_broadcast(self) -> Broadcast:
        if self.broadcast is None:
            raise ValueError(
                f"outbox row {self.notification.id} was claimed without its broadcast")
        return self.broadcast


@dataclass
class ClaimBatch:
    claims: list[Claim] = field(default_factory=list)
    skipped: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0
    # How many due rows were looked at: fewer than the limit means none are left.
    examined: int = 0
    # Broadcasts some of whose rows were finished without sending (cancelled, blocked).
    broadcast_ids: set[int] = field(default_factory=set)


def recover_interrupted(
    uow: UnitOfWork, now: datetime, *, lapsed_only: bool = False, owner: str | None = None
) -> int:
    """Put rows left in `sending` by a crash back to `pending` (see the module docstring):
    all of them, or with `lapsed_only` those whose lease has lapsed and those `owner`
    holds. Returns how many will be sent again."""
    if lapsed_only:
        rows = uow.notifications.lapsed(now, owner)
    else:
        rows = uow.notifications.in_state(NotificationStatus.SENDING)
    recovered = 0
    for row in rows:
        if row.attempts >= MAX_ATTEMPTS:
            finish(row, NotificationStatus.FAILED, "interrupted too many times")
            continue
        back_to_pending(row, now)
        recovered += 1
    if recovered:
        log.warning("%d notifications were being sent at a crash; sending them again", recovered)
    return recovered


def early_window(
    uow: UnitOfWork, now: datetime, rate: float, lead: timedelta = timedelta(0)
) -> datetime | None:
    """Until when reader rows are claimed now: the time it takes to send those due within
    `EARLY_HORIZON` at `rate`, plus `lead` (the time until the sender looks again).
    None when nothing is coming."""
    coming = uow.notifications.count_due(now + EARLY_HORIZON, READER_PRIORITY)
    if not coming:
        return None
    return now + min(EARLY_HORIZON, timedelta(seconds=coming / rate)) + lead


def claim_due(
    uow: UnitOfWork,
    now: datetime,
    limit: int,
    *,
    owner: str = "",
    lease: timedelta = LEASE,
    early_until: datetime | None = None,
) -> ClaimBatch:
    """Claim up to `limit` due rows for `owner`; the caller commits before sending any."""
    rows = uow.notifications.claimable(
        now, limit, early_until=early_until, early_priority=READER_PRIORITY
    )
    batch = ClaimBatch(examined=len(rows))
    readers = uow.users.by_ids(sorted({row.user_id for row in rows}))
    broadcasts = uow.notifications.broadcasts(
        row.broadcast_id for row in rows if row.broadcast_id is not None
    )
    for row in rows:
        user = readers.get(row.user_id)
        event: Event | None = None
        contest: Contest | None = None
        facts: ContestFacts | None = None
        broadcast: Broadcast | None = None
        if row.kind in CONTEST_KINDS:
            contest, facts, verdict = contest_claim(uow, row, user, now)
        elif row.kind == NotificationKind.BROADCAST:
            if row.broadcast_id is not None:
                broadcast = broadcasts.get(row.broadcast_id)
            if broadcast is not None and broadcast.status == BroadcastStatus.PAUSED:
                continue  # paused since the query: stays pending, untouched
            verdict = _broadcast_verdict(user, broadcast)
        else:
            event = uow.events.get(row.event_id) if row.event_id is not None else None
            verdict = _verdict(uow, row, user, event, now)
        if verdict is not None:
            _count_finished(batch, row, *verdict)
        elif user is not None:  # always: a row whose reader is unknown has a verdict
            batch.claims.append(Claim(row, user, event, contest, facts, broadcast))
    claimed = [claim.notification for claim in batch.claims]
    uow.notifications.mark_claimed(claimed, owner or None, now + lease)
    return batch


def refresh_broadcasts(uow: UnitOfWork, broadcast_ids: Sequence[int]) -> dict[int, str]:
    """The current status of these broadcasts (a sender checks the ones it holds rows of)."""
    return {id_: b.status for id_, b in uow.notifications.broadcasts(broadcast_ids).items()}


def renew(uow: UnitOfWork, owner: str, now: datetime, lease: timedelta = LEASE) -> int:
    return uow.notifications.renew_claims(owner, now + lease)


def _broadcast_verdict(user: User | None, broadcast: Broadcast | None) -> Verdict:
    if user is None:
        return NotificationStatus.FAILED, "unknown reader"
    if user.blocked_at is not None:
        return NotificationStatus.BLOCKED, "the reader has blocked the bot"
    if broadcast is None:
        return NotificationStatus.SKIPPED, "the broadcast no longer exists"
    if broadcast.status == BroadcastStatus.CANCELLED:
        return NotificationStatus.CANCELLED, "the broadcast was cancelled"
    return None


def _verdict(
    uow: UnitOfWork, row: Notification, user: User | None, event: Event | None, now: datetime
) -> Verdict:
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
    if row.kind == NotificationKind.EVENT_LETTER:
        return None
    if row.kind == NotificationKind.FEEDBACK:
        closes = feedback.ends_at(event) + feedback.ANSWER_WINDOW
        if event.cancelled_at is not None or now >= closes:
            return NotificationStatus.SKIPPED, "ratings for the event are closed"
        return None
    return NotificationStatus.FAILED, f"unknown kind {row.kind!r}"


def _reminder_verdict(uow: UnitOfWork, row: Notification, event: Event, now: datetime) -> Verdict:
    if event.cancelled_at is not None:
        return NotificationStatus.SKIPPED, "the event has been cancelled"
    if row.offset_minutes:
        too_late = now >= event.starts_at
    else:
        too_late = now > event.starts_at + STARTING_NOW_GRACE
    if too_late:
        return NotificationStatus.SKIPPED, "the event has already started"
    for other in uow.notifications.reminders(event.id, row.user_id):
        if other.id != row.id and row.due_at < other.due_at <= now and other.status in SUPERSEDING:
            return NotificationStatus.SKIPPED, "a later reminder is due as well"
    return None


def _count_finished(
    batch: ClaimBatch, row: Notification, status: NotificationStatus, reason: str
) -> None:
    finish(row, status, reason)
    if row.broadcast_id is not None:
        batch.broadcast_ids.add(row.broadcast_id)
    if status == NotificationStatus.SKIPPED:
        batch.skipped += 1
        log.info("notification %s skipped: %s", row.dedupe_key, reason)
    elif status == NotificationStatus.BLOCKED:
        batch.blocked += 1
    elif status == NotificationStatus.CANCELLED:
        batch.cancelled += 1
    else:
        batch.failed += 1
        log.error("notification %s failed: %s", row.dedupe_key, reason)


def broadcast_progress(uow: UnitOfWork) -> dict[int, dict[str, int]]:
    """Rows per status of each broadcast going out or paused (the metrics)."""
    progress: dict[int, dict[str, int]] = {}
    for broadcast, status, rows in uow.notifications.broadcast_progress():
        progress.setdefault(broadcast, {})[status] = rows
    return progress


def depth(uow: UnitOfWork) -> dict[str, int]:
    """Rows per status: what the outbox holds (the health check and the metrics)."""
    return uow.notifications.count_by_status()
