"""Broadcasts as the organizer's screens, the scheduler job and the delivery engine use
them, off the event loop (`AppContext.call` / `AppContext.read`).

Writes take the `Database` and own their unit of work: they commit, and the sender is
woken by that commit when it added or moved outbox rows. Reads take a unit of work.
Both return plain values loaded inside the unit of work (sessions do not expire
objects on commit), so handlers render them without touching the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.services import broadcasts
from bot.services.broadcasts import Audience, BroadcastDraft, BroadcastFigures
from bot.services.roles import Role
from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.contest_models import Contest
from storage.models import Event, User
from storage.uow import Database, UnitOfWork

# --- writes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Creation:
    broadcast: Broadcast
    # False: this form had made its broadcast already (Send pressed again, here or in
    # another process, or after an answer lost on its way back); nothing new was written.
    created: bool


def create_broadcast(
    db: Database, draft: BroadcastDraft, created_by: int, now: datetime, *,
    send_at: datetime | None = None, form_token: str | None = None,
) -> Creation:
    """Save the broadcast of one /broadcast form, started at once (`send_at` None) or
    scheduled. Idempotent per `form_token`: the organizer's row is locked first
    (PostgreSQL; SQLite transactions run one at a time), so of two presses racing the
    second finds the first one's broadcast; the token's unique index backs that up."""
    with db.uow() as uow:
        if form_token is not None:
            uow.session.get(User, created_by, with_for_update=True)
            existing = uow.broadcasts.by_form_token(form_token)
            if existing is not None:
                return Creation(existing, created=False)
        broadcast = broadcasts.create(uow, draft, created_by, now, send_at=send_at,
                                      form_token=form_token)
        uow.commit()
    return Creation(broadcast, created=True)


def start_due(db: Database, now: datetime) -> list[int]:
    """Start the scheduled broadcasts whose time has come; the ids of those started."""
    with db.uow() as uow:
        started = [broadcast.id for broadcast in broadcasts.start_due_broadcasts(uow, now)]
        uow.commit()
    return started


def record_status_message(db: Database, broadcast_id: int, chat_id: int, message_id: int) -> None:
    with db.uow() as uow:
        broadcasts.set_status_message(uow, broadcast_id, chat_id, message_id)
        uow.commit()


def pause_broadcast(db: Database, broadcast_id: int, now: datetime) -> Broadcast:
    with db.uow() as uow:
        broadcast = broadcasts.pause(uow, broadcast_id, now)
        uow.commit()
    return broadcast


def resume_broadcast(db: Database, broadcast_id: int, now: datetime) -> Broadcast:
    with db.uow() as uow:
        broadcast = broadcasts.resume(uow, broadcast_id, now)
        # Its pending rows may be claimed again: the sender looks at once.
        uow.outbox_changed()
        uow.commit()
    return broadcast


def cancel_broadcast(db: Database, broadcast_id: int, now: datetime) -> Broadcast:
    with db.uow() as uow:
        broadcast = broadcasts.cancel(uow, broadcast_id, now)
        uow.outbox_changed()
        uow.commit()
    return broadcast


def record_progress(db: Database, broadcast_ids: list[int], now: datetime) -> list[int]:
    """The engine settled rows of these broadcasts: the running ones with nothing left
    to send are marked done; returns their ids."""
    with db.uow() as uow:
        finished = broadcasts.finish_done(uow, broadcast_ids, now)
        uow.commit()
    return finished


def live_broadcasts(db: Database, now: datetime, final_for: timedelta) -> list[Broadcast]:
    """Broadcasts whose status message should show fresh figures (running, paused, or
    finished within `final_for`). Also finishes a running broadcast whose last rows were
    settled by a process that died before reporting."""
    with db.uow() as uow:
        live = broadcasts.with_status_message(uow, now, final_for)
        running = [b.id for b in live if b.status == BroadcastStatus.RUNNING]
        if broadcasts.finish_done(uow, running, now):
            uow.commit()
    return live


# --- reads -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusFacts:
    """What a broadcast's status reads from: the broadcast, its organizer's language and
    time zone, the event or contest its audience names, and its figures."""

    broadcast: Broadcast
    organizer_language: str | None
    organizer_timezone: str | None
    event: Event | None
    contest: Contest | None
    figures: BroadcastFigures


def status_facts(uow: UnitOfWork, broadcast_id: int, now: datetime) -> StatusFacts:
    return _status_facts(uow, broadcasts.get(uow, broadcast_id), now)


def _status_facts(uow: UnitOfWork, broadcast: Broadcast, now: datetime) -> StatusFacts:
    organizer = uow.users.get(broadcast.created_by)
    event, contest = broadcasts.subjects(uow, broadcast.audience)
    return StatusFacts(
        broadcast=broadcast,
        organizer_language=organizer.language if organizer is not None else None,
        organizer_timezone=organizer.timezone if organizer is not None else None,
        event=event,
        contest=contest,
        figures=broadcasts.figures(uow, broadcast.id, now),
    )


@dataclass(frozen=True)
class Listed:
    status: StatusFacts
    # Scheduled ones: how many readers their audience names now; None for the others.
    audience_now: int | None


def listing(uow: UnitOfWork, role: Role, limit: int, now: datetime) -> list[Listed]:
    """The latest broadcasts the organizer may see, newest first, for /broadcasts."""
    listed = []
    for broadcast in broadcasts.recent(uow, role, limit):
        size = None
        if broadcast.status == BroadcastStatus.SCHEDULED:
            size = broadcasts.audience_size(uow, Audience.from_json(broadcast.audience))
        listed.append(Listed(_status_facts(uow, broadcast, now), size))
    return listed


def may_control(uow: UnitOfWork, role: Role, broadcast_id: int) -> bool:
    """Whether `role` may pause, resume or cancel it (True for one that is gone: the
    button then says it is out of date)."""
    broadcast = uow.broadcasts.get(broadcast_id)
    return broadcast is None or broadcasts.visible(uow, role, broadcast)


@dataclass(frozen=True)
class ConfirmFacts:
    """What the summary before Send reads from: the audience's size now and the event or
    contest the audience and the button name."""

    count: int
    audience_event: Event | None
    audience_contest: Contest | None
    button_event: Event | None
    button_contest: Contest | None


def confirm_facts(
    uow: UnitOfWork, audience: dict[str, Any], button: dict[str, Any]
) -> ConfirmFacts:
    """`audience` and `button` in their JSON shapes (as the form keeps them)."""
    audience_event, audience_contest = broadcasts.subjects(uow, audience)
    button_event, button_contest = broadcasts.subjects(uow, button)
    return ConfirmFacts(
        count=broadcasts.audience_size(uow, Audience.from_json(audience)),
        audience_event=audience_event,
        audience_contest=audience_contest,
        button_event=button_event,
        button_contest=button_contest,
    )


def find_event(uow: UnitOfWork, event_id: int) -> Event | None:
    return uow.events.get(event_id)


def find_contest(uow: UnitOfWork, contest_id: int) -> Contest | None:
    return uow.contests.get(contest_id)
