"""Broadcasts: an organizer's announcement to an audience, delivered through the outbox.

Life of a broadcast (`BroadcastStatus`): the /broadcast conversation keeps the
draft in its form; confirming writes it SCHEDULED (`scheduled_at` = now for "send
now"). `start_due_broadcasts` turns every scheduled broadcast whose time has
come into RUNNING and writes one outbox row per recipient, so a broadcast that
fell due while the bot was down starts at the next start-up. The audience is
resolved then, not when it was composed: readers who blocked the bot meanwhile
are left out, readers who registered meanwhile are in. The delivery engine sends
the rows (priority 10: readers' reminders and notices go first) and calls
`finish_done` after each batch; PAUSED leaves rows pending (the engine skips
them), CANCELLED marks the pending ones cancelled. Figures are counted from the
rows themselves.

These functions work inside a unit of work the caller owns; handlers and jobs use
them through `bot.services.broadcast_work`, whose functions own theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.core.i18n import LANGUAGES, N_
from bot.services.event_fields import FieldError
from bot.services.roles import Access, Role, contest_access, event_access
from storage.broadcast_models import Broadcast, BroadcastStatus, MediaKind
from storage.contest_models import Contest
from storage.models import Event, NotificationKind, NotificationStatus
from storage.uow import UnitOfWork

# Below readers' reminders and notices (0): a broadcast never delays them.
PRIORITY = 10
# The sending rate shown is measured over this much recent time.
RATE_WINDOW = timedelta(seconds=10)
# Registrants of events this far in the past may still be written to.
RECENT_EVENTS = timedelta(days=14)
# A broadcast may be scheduled at most this far ahead.
FURTHEST_SCHEDULE = timedelta(days=365)


class AudienceKind(StrEnum):
    EVERYONE = "everyone"
    LANGUAGE = "language"  # readers who chose `language`
    EVENT = "event"  # registered for `event_id`
    WAITLIST = "waitlist"  # on the waiting list of `event_id`
    CONTEST = "contest"  # sent an entry to `contest_id`
    SIDE = "side"  # sent an entry to `contest_id` for `side`
    JURORS = "jurors"  # on the jury of `contest_id`, or of any contest when it is None


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    language: str | None = None
    event_id: int | None = None
    contest_id: int | None = None
    side: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value}
        for name in ("language", "event_id", "contest_id", "side"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            kind=AudienceKind(data["kind"]),
            language=data.get("language"),
            event_id=data.get("event_id"),
            contest_id=data.get("contest_id"),
            side=data.get("side"),
        )


@dataclass
class BroadcastDraft:
    """What the organizer composed. `texts` are HTML, one per language; readers
    whose language has no text get `texts[default_language]`."""

    texts: dict[str, str]
    default_language: str
    audience: Audience
    media_kind: MediaKind = MediaKind.NONE
    media_file_id: str | None = None
    media_file_name: str | None = None
    # {"kind": "event" | "contest", "id": 3, "url": deep link} or {} for none
    button: dict[str, Any] = field(default_factory=dict)
    paid: bool = False


@dataclass(frozen=True)
class BroadcastFigures:
    sent: int
    pending: int  # waiting or being sent right now
    blocked: int
    failed: int
    uncertain: int  # timed out: may have arrived, not sent again
    cancelled: int
    total: int
    rate_per_s: float | None  # messages sent per second lately; None before any went out
    eta_seconds: float | None  # time left at that rate; None when it cannot be told


class BroadcastStateError(ValueError):
    """Pause, resume or cancel asked of a broadcast in a state that does not allow it."""

    def __init__(self, broadcast: Broadcast) -> None:
        super().__init__(f"broadcast {broadcast.id} is {broadcast.status}")
        self.broadcast = broadcast


class BroadcastNotFound(LookupError):
    pass


# --- composing ---------------------------------------------------------------------------------


def as_broadcast(draft: BroadcastDraft, created_by: int, now: datetime) -> Broadcast:
    """The draft as an unsaved row: what previews are rendered from, so that the
    organizer sees exactly what readers will get."""
    if draft.default_language not in draft.texts:
        raise ValueError("the default language has no text")
    return Broadcast(
        created_by=created_by,
        status=BroadcastStatus.DRAFT,
        audience=draft.audience.to_json(),
        texts={code: draft.texts[code] for code in LANGUAGES if code in draft.texts},
        default_language=draft.default_language,
        media_kind=draft.media_kind,
        media_file_id=draft.media_file_id,
        media_file_name=draft.media_file_name,
        button=dict(draft.button),
        paid=draft.paid,
        created_at=now,
        updated_at=now,
    )


def audience_size(uow: UnitOfWork, audience: Audience) -> int:
    """How many readers the audience names now (blocked ones and those who never
    chose a language left out)."""
    return uow.broadcasts.audience_size(audience.to_json())


def events_to_address(uow: UnitOfWork, now: datetime, role: Role,
                      limit: int = 10) -> list[Event]:
    """Events to write to the registrants of, or to link a button to: upcoming ones and
    those of the last `RECENT_EVENTS` (a thank-you, a recording), soonest first; an
    organizer's own libraries' only."""
    return uow.broadcasts.events_to_address(now - RECENT_EVENTS, limit, role.scope)


def contests_to_address(uow: UnitOfWork, role: Role, limit: int = 10) -> list[Contest]:
    """Contests, newest first: open ones and closed ones (results, certificates)."""
    return uow.broadcasts.contests_to_address(limit, role.scope)


# Audiences that reach beyond one library's events and contests: admins only.
ADMIN_AUDIENCES = frozenset({AudienceKind.EVERYONE, AudienceKind.LANGUAGE})


def audience_allowed(uow: UnitOfWork, role: Role, audience: Audience) -> bool:
    """Whether `role` may write to `audience`: admins to anyone; an organizer to the
    registrants, entrants and jurors of their libraries' events and contests."""
    if role.admin:
        return True
    if audience.kind in ADMIN_AUDIENCES:
        return False
    if audience.event_id is not None:
        return event_access(uow, role, audience.event_id) is Access.ALLOWED
    if audience.contest_id is not None:
        return contest_access(uow, role, audience.contest_id) is Access.ALLOWED
    return False  # the jurors of every contest


def subjects(uow: UnitOfWork, target: dict[str, Any]) -> tuple[Event | None, Contest | None]:
    """The event or contest an audience or a button (their JSON shapes) names."""
    event_id = target.get("event_id", target.get("id") if target.get("kind") == "event" else None)
    contest_id = target.get(
        "contest_id", target.get("id") if target.get("kind") == "contest" else None)
    event = uow.events.get(event_id) if isinstance(event_id, int) else None
    contest = uow.contests.get(contest_id) if isinstance(contest_id, int) else None
    return event, contest


def check_schedule(moment: datetime, now: datetime) -> datetime:
    if moment <= now:
        raise FieldError(N_("That time has already passed: send a time in the future."))
    if moment > now + FURTHEST_SCHEDULE:
        raise FieldError(N_("That is more than a year ahead: check the date."))
    return moment


def create(
    uow: UnitOfWork, draft: BroadcastDraft, created_by: int, now: datetime,
    *, send_at: datetime | None = None, form_token: str | None = None,
) -> Broadcast:
    """Save the broadcast: started at once (its outbox rows written) when `send_at` is
    None, else scheduled. The caller commits (the sender is woken by that commit);
    `bot.services.broadcast_work.create_broadcast` does it all, once per form."""
    broadcast = as_broadcast(draft, created_by, now)
    broadcast.form_token = form_token
    broadcast.status = BroadcastStatus.SCHEDULED
    broadcast.scheduled_at = now if send_at is None else check_schedule(send_at, now)
    uow.broadcasts.add(broadcast)
    uow.flush()
    if send_at is None:
        _start(uow, broadcast, now)
    return broadcast


def start_due_broadcasts(uow: UnitOfWork, now: datetime) -> list[Broadcast]:
    """Start every scheduled broadcast whose time has come, however late (the bot may
    have been down): one outbox row per recipient. Idempotent: a reader who has a
    row for the broadcast never gets a second one."""
    started = uow.broadcasts.due(now)
    for broadcast in started:
        _start(uow, broadcast, now)
    return started


def _start(uow: UnitOfWork, broadcast: Broadcast, now: datetime) -> None:
    have = uow.broadcasts.recipients(broadcast.id)
    due_at = broadcast.scheduled_at or now
    rows = [
        {
            "dedupe_key": f"broadcast:{broadcast.id}:{user_id}",
            "kind": NotificationKind.BROADCAST.value,
            "user_id": user_id,
            "broadcast_id": broadcast.id,
            "priority": PRIORITY,
            "payload": {},
            "due_at": due_at,
            "next_attempt_at": now,
            "status": NotificationStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
        }
        for user_id in uow.broadcasts.audience(broadcast.audience)
        if user_id not in have
    ]
    uow.broadcasts.add_rows(rows)
    broadcast.total = len(have) + len(rows)
    broadcast.started_at = now
    broadcast.updated_at = now
    if broadcast.total == 0:
        broadcast.status = BroadcastStatus.DONE
        broadcast.finished_at = now
    else:
        broadcast.status = BroadcastStatus.RUNNING


# --- while it runs -----------------------------------------------------------------------------


def get(uow: UnitOfWork, broadcast_id: int) -> Broadcast:
    broadcast = uow.broadcasts.get(broadcast_id)
    if broadcast is None:
        raise BroadcastNotFound(broadcast_id)
    return broadcast


def pause(uow: UnitOfWork, broadcast_id: int, now: datetime) -> Broadcast:
    """Stop sending; the rows stay pending (the engine skips them) until resumed.
    Messages already handed to Telegram still arrive."""
    broadcast = get(uow, broadcast_id)
    if broadcast.status != BroadcastStatus.RUNNING:
        raise BroadcastStateError(broadcast)
    broadcast.status = BroadcastStatus.PAUSED
    broadcast.updated_at = now
    return broadcast


def resume(uow: UnitOfWork, broadcast_id: int, now: datetime) -> Broadcast:
    """Go on where it stopped; the caller marks the outbox changed before committing
    (`UnitOfWork.outbox_changed`), so the sender looks at once."""
    broadcast = get(uow, broadcast_id)
    if broadcast.status != BroadcastStatus.PAUSED:
        raise BroadcastStateError(broadcast)
    broadcast.status = BroadcastStatus.RUNNING
    broadcast.updated_at = now
    _finish_if_done(uow, broadcast, now)
    return broadcast


def cancel(uow: UnitOfWork, broadcast_id: int, now: datetime) -> Broadcast:
    """Scheduled: it never starts. Running or paused: the pending rows are cancelled;
    sent ones stay sent, and the few being sent right now settle as they come."""
    broadcast = get(uow, broadcast_id)
    if broadcast.status not in (
        BroadcastStatus.SCHEDULED, BroadcastStatus.RUNNING, BroadcastStatus.PAUSED
    ):
        raise BroadcastStateError(broadcast)
    uow.broadcasts.cancel_pending(broadcast.id, "the broadcast was cancelled")
    broadcast.status = BroadcastStatus.CANCELLED
    broadcast.finished_at = now
    broadcast.updated_at = now
    return broadcast


def finish_done(uow: UnitOfWork, broadcast_ids: list[int], now: datetime) -> list[int]:
    """Mark DONE the running broadcasts with nothing left to send; returns their ids."""
    finished = []
    for broadcast_id in sorted(set(broadcast_ids)):
        broadcast = uow.broadcasts.get(broadcast_id)
        if broadcast is not None and _finish_if_done(uow, broadcast, now):
            finished.append(broadcast_id)
    return finished


def _finish_if_done(uow: UnitOfWork, broadcast: Broadcast, now: datetime) -> bool:
    if broadcast.status != BroadcastStatus.RUNNING or uow.broadcasts.has_unsettled(broadcast.id):
        return False
    broadcast.status = BroadcastStatus.DONE
    broadcast.finished_at = now
    broadcast.updated_at = now
    return True


def set_status_message(uow: UnitOfWork, broadcast_id: int, chat_id: int, message_id: int) -> None:
    broadcast = get(uow, broadcast_id)
    broadcast.status_chat_id = chat_id
    broadcast.status_message_id = message_id


def with_status_message(uow: UnitOfWork, now: datetime, final_for: timedelta) -> list[Broadcast]:
    """Broadcasts whose status message should show fresh figures: running, paused,
    or finished within `final_for` (their summary)."""
    return uow.broadcasts.with_status_message(now - final_for)


def recent(uow: UnitOfWork, role: Role, limit: int = 10) -> list[Broadcast]:
    """The latest broadcasts; an organizer sees those of their libraries' organizers."""
    return uow.broadcasts.recent(limit, _creators(uow, role))


def visible(uow: UnitOfWork, role: Role, broadcast: Broadcast) -> bool:
    creators = _creators(uow, role)
    return creators is None or broadcast.created_by in creators


def _creators(uow: UnitOfWork, role: Role) -> frozenset[int] | None:
    if role.admin:
        return None
    return uow.organizers.colleagues(role.library_ids) | {role.user_id}


# --- figures -----------------------------------------------------------------------------------


def figures(uow: UnitOfWork, broadcast_id: int, now: datetime | None = None) -> BroadcastFigures:
    """Counts of the broadcast's rows by outcome, the recent rate and the time left.

    The rate is measured over the last `RATE_WINDOW` before `now` (or before the last
    message sent, when `now` is not given)."""
    broadcast = get(uow, broadcast_id)
    counts = uow.broadcasts.count_by_status(broadcast_id)
    pending = counts.get(NotificationStatus.PENDING, 0) + counts.get(NotificationStatus.SENDING, 0)
    rate = _rate(uow, broadcast, now)
    eta = None
    if broadcast.status == BroadcastStatus.RUNNING and rate:
        eta = pending / rate
    elif pending == 0:
        eta = 0.0
    return BroadcastFigures(
        sent=counts.get(NotificationStatus.SENT, 0),
        pending=pending,
        blocked=counts.get(NotificationStatus.BLOCKED, 0),
        failed=counts.get(NotificationStatus.FAILED, 0) + counts.get(NotificationStatus.SKIPPED, 0),
        uncertain=counts.get(NotificationStatus.UNCERTAIN, 0),
        cancelled=counts.get(NotificationStatus.CANCELLED, 0),
        total=sum(counts.values()),
        rate_per_s=rate,
        eta_seconds=eta,
    )


def _rate(uow: UnitOfWork, broadcast: Broadcast, now: datetime | None) -> float | None:
    end = now or uow.broadcasts.last_sent_at(broadcast.id)
    if end is None or broadcast.started_at is None:
        return None
    start = max(end - RATE_WINDOW, broadcast.started_at)
    seconds = (end - start).total_seconds()
    if seconds <= 0:
        return None
    return uow.broadcasts.sent_between(broadcast.id, start, end) / seconds
