"""What organizers do to events: create, edit, cancel, list registrants.

Readers are told about changes through the outbox (`enqueue_notice`); nothing
here sends anything. The uow-level functions leave the commit to their caller;
`add_event`, `edit_event` and `cancel_event_now` are the organizers' buttons, each
in a unit of work of its own (the sender is woken by the commit, see storage.uow).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bot.services.event_fields import EventDraft, PartnerDraft, parse_start
from bot.services.notifications import drop_reminders, enqueue_notice, replan_event_reminders
from bot.services.organizers import find_or_add_library
from bot.services.programmes import programme_id_named
from bot.services.registration import fill_free_seats
from bot.services.roles import Role, home_library
from storage.models import Event, NotificationKind, Partner, RegistrationStatus, User
from storage.uow import Database, UnitOfWork


class EventNotFound(LookupError):
    """The event does not exist, or was cancelled and can no longer be changed."""


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# `None` is a real capacity (no limit), so "leave it as it is" needs its own marker.
UNSET: Final = _Unset()

# Changes readers must hear about: they decide when and where to join.
NOTIFIED_FIELDS = ("starts_at", "link")


@dataclass
class EventChanges:
    """Fields to change; `None` (or `UNSET` for capacity) leaves a field as it is."""

    starts_at: datetime | None = None
    timezone: str | None = None
    link: str | None = None
    capacity: int | None | _Unset = UNSET
    titles: dict[str, str] | None = None
    descriptions: dict[str, str] | None = None
    duration_minutes: int | None = None
    reminder_offsets: list[int] | None = None


@dataclass
class Registrants:
    event: Event
    registered: list[User]
    waitlisted: list[User]


def create_event(uow: UnitOfWork, draft: EventDraft, organizer_id: int | None,
                 now: datetime) -> Event:
    event = uow.events.add(
        Event(
            key=draft.key,
            kind=draft.kind,
            titles=dict(draft.titles),
            descriptions=dict(draft.descriptions),
            language=draft.language,
            starts_at=draft.starts_at,
            duration_minutes=draft.duration_minutes,
            timezone=draft.timezone,
            link=draft.link,
            address=draft.address,
            capacity=draft.capacity,
            reminder_offsets=list(draft.reminder_offsets),
            created_by=organizer_id,
            library_id=organizing_library(uow, organizer_id, draft.library, now),
            programme_id=programme_id_named(uow, draft.programme, now),
            created_at=now,
            updated_at=now,
        )
    )
    uow.flush()
    uow.events.replace_partners(event.id, _partner_rows(event.id, draft.partners))
    uow.flush()
    return event


def organizing_library(uow: UnitOfWork, organizer_id: int | None, name: str | None,
                       now: datetime) -> int | None:
    """The library a new event or contest belongs to: the one an import names (added if
    new), else the creating organizer's first library (None for an admin of none)."""
    if name:
        return find_or_add_library(uow, name, now).id
    if organizer_id is None:
        return None
    return home_library(Role(organizer_id, library_ids=uow.organizers.library_ids_of(organizer_id)))


def upsert_event(uow: UnitOfWork, draft: EventDraft, now: datetime) -> tuple[Event, str]:
    """Create the event with `draft.key`, or bring the existing one in line with the draft.

    Returns the event and "created", "updated" or "unchanged". Changes go through
    `update_event`, so registrants hear about a new time or link exactly as after
    an edit in chat. A cancelled event raises `EventNotFound`.
    """
    if not draft.key:
        raise ValueError("upsert_event needs a draft with a key")
    event = uow.events.by_key(draft.key)
    if event is None:
        return create_event(uow, draft, None, now), "created"
    if event.cancelled_at is not None:
        raise EventNotFound(draft.key)

    changes = EventChanges(
        starts_at=_differs(event.starts_at, draft.starts_at),
        timezone=_differs(event.timezone, draft.timezone),
        link=_differs(event.link, draft.link),
        capacity=draft.capacity if draft.capacity != event.capacity else UNSET,
        titles=_differs(event.titles, draft.titles),
        descriptions=_differs(event.descriptions, draft.descriptions),
        duration_minutes=_differs(event.duration_minutes, draft.duration_minutes),
        reminder_offsets=_differs(event.reminder_offsets, draft.reminder_offsets),
    )
    changed = _has_changes(changes)
    # What EventChanges cannot express (readers need no notice of these) is set here.
    if event.kind != draft.kind:
        event.kind = draft.kind
        changed = True
    if event.address != draft.address:
        event.address = draft.address
        changed = True
    if event.language != draft.language:
        event.language = draft.language
        changed = True
    if draft.link is None and event.link is not None:
        event.link = None
        changed = True
    if _partner_tuples(uow.events.partners(event.id)) != _draft_tuples(draft.partners):
        uow.events.replace_partners(event.id, _partner_rows(event.id, draft.partners))
        changed = True
    library_id = organizing_library(uow, None, draft.library, now)
    if draft.library and event.library_id != library_id:
        event.library_id = library_id
        changed = True
    programme_id = programme_id_named(uow, draft.programme, now)
    if draft.programme and event.programme_id != programme_id:
        event.programme_id = programme_id
        changed = True
    if not changed:
        return event, "unchanged"
    event.updated_at = now
    return update_event(uow, event.id, changes, now), "updated"


def update_event(uow: UnitOfWork, event_id: int, changes: EventChanges, now: datetime) -> Event:
    """Apply `changes`; registrants are told of a new start time or link, reminders follow."""
    event = _live_event(uow, event_id)
    old_starts_at = event.starts_at
    changed: list[str] = []

    def apply(name: str, value: object) -> None:
        if value is not None and value is not UNSET and getattr(event, name) != value:
            setattr(event, name, value)
            changed.append(name)

    apply("starts_at", changes.starts_at)
    apply("link", changes.link)
    apply("timezone", changes.timezone)
    apply("titles", None if changes.titles is None else dict(changes.titles))
    apply("descriptions", None if changes.descriptions is None else dict(changes.descriptions))
    apply("duration_minutes", changes.duration_minutes)
    apply("reminder_offsets",
          None if changes.reminder_offsets is None else list(changes.reminder_offsets))
    old_capacity = event.capacity
    capacity = changes.capacity
    if not isinstance(capacity, _Unset) and capacity != event.capacity:
        event.capacity = capacity
        changed.append("capacity")
    if not changed:
        return event

    event.updated_at = now
    notified = [name for name in NOTIFIED_FIELDS if name in changed]
    if notified:
        event.revision += 1
        payload = {"changes": notified, "old_starts_at": old_starts_at.isoformat()}
        for registration in uow.registrations.for_event(event.id, RegistrationStatus.REGISTERED):
            enqueue_notice(uow, NotificationKind.EVENT_CHANGED, event, registration.user_id, now,
                           occasion=str(event.revision), payload=payload)
    if "starts_at" in changed or "reminder_offsets" in changed:
        uow.flush()
        replan_event_reminders(uow, event, now)
        # Reminders moved by UPDATE: the sender re-reads its next due time.
        uow.outbox_changed()
    if "capacity" in changed and _more_seats(old_capacity, event.capacity):
        fill_free_seats(uow, event, now)
    uow.flush()
    return event


def cancel_event(uow: UnitOfWork, event_id: int, now: datetime) -> Event:
    """Cancel: registered and waitlisted readers are told; their pending reminders go.

    Registrations stay as they are, so the history shows who had signed up.
    """
    event = _live_event(uow, event_id)
    event.cancelled_at = now
    event.updated_at = now
    for status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED):
        for registration in uow.registrations.for_event(event.id, status):
            enqueue_notice(uow, NotificationKind.EVENT_CANCELLED, event, registration.user_id,
                           now, occasion="cancelled")
    drop_reminders(uow, event.id)
    uow.flush()
    return event


def registrants(uow: UnitOfWork, event_id: int) -> Registrants:
    """Who is registered and who waits, in order of sign-up. Works for cancelled events too."""
    event = uow.events.get(event_id)
    if event is None:
        raise EventNotFound(event_id)
    lists = []
    for status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED):
        rows = uow.registrations.for_event(event.id, status)
        users = uow.users.by_ids([row.user_id for row in rows])
        lists.append([users[row.user_id] for row in rows if row.user_id in users])
    return Registrants(event=event, registered=lists[0], waitlisted=lists[1])


def live_registrants(uow: UnitOfWork, event_id: int) -> Registrants | None:
    """`registrants` of an event organizers can still change; None when gone or cancelled."""
    try:
        found = registrants(uow, event_id)
    except EventNotFound:
        return None
    return None if found.event.cancelled_at is not None else found


@dataclass(frozen=True)
class EventEdit:
    """Who was registered (and waiting) before a change and after it."""

    before: Registrants
    after: Registrants


def add_event(db: Database, draft: EventDraft, organizer_id: int | None,
              now: datetime) -> Event:
    """`create_event` in a unit of work of its own (Confirm of /newevent)."""
    with db.uow() as uow:
        event = create_event(uow, draft, organizer_id, now)
        uow.commit()
    return event


def edit_event(db: Database, event_id: int, changes: EventChanges, now: datetime) -> EventEdit:
    """`update_event` in a unit of work of its own (Save of an organizer's edit).

    A new start that has passed meanwhile raises `FieldError`; a gone or cancelled
    event `EventNotFound`. Nothing is written then.
    """
    with db.uow() as uow:
        before = registrants(uow, event_id)
        if changes.starts_at is not None:
            # The confirmation may have waited until the new start passed.
            parse_start(changes.starts_at, before.event.timezone, now)
        update_event(uow, event_id, changes, now)
        after = registrants(uow, event_id)
        uow.commit()
    return EventEdit(before, after)


def cancel_event_now(db: Database, event_id: int, now: datetime) -> Registrants:
    """`cancel_event` in a unit of work of its own; returns who was told (registered and
    waiting before the cancellation)."""
    with db.uow() as uow:
        found = registrants(uow, event_id)
        cancel_event(uow, event_id, now)
        uow.commit()
    return found


def _live_event(uow: UnitOfWork, event_id: int) -> Event:
    event = uow.events.get(event_id)
    if event is None or event.cancelled_at is not None:
        raise EventNotFound(event_id)
    return event


def _differs(current: object, wanted: object) -> Any:
    return None if wanted is None or wanted == current else wanted


def _has_changes(changes: EventChanges) -> bool:
    return changes.capacity is not UNSET or any(
        getattr(changes, name) is not None
        for name in ("starts_at", "timezone", "link", "titles", "descriptions",
                     "duration_minutes", "reminder_offsets")
    )


def _more_seats(old: int | None, new: int | None) -> bool:
    if old is None:
        return False
    return new is None or new > old


def _partner_rows(event_id: int, partners: list[PartnerDraft]) -> list[Partner]:
    return [Partner(event_id=event_id, name=p.name, city=p.city, timezone=p.timezone,
                    names=dict(p.names), cities=dict(p.cities))
            for p in partners]


def _partner_tuples(partners: list[Partner]) -> list[tuple[object, ...]]:
    return [(p.name, p.city, p.timezone, p.names or {}, p.cities or {}) for p in partners]


def _draft_tuples(partners: list[PartnerDraft]) -> list[tuple[object, ...]]:
    return [(p.name, p.city, p.timezone, p.names, p.cities) for p in partners]
