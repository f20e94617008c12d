"""What readers browse: the upcoming events page, an event card, their own events.

Views are plain dataclasses in the reader's language and time zone; handlers
only put words around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.i18n import LATIN_KAZAKH
from bot.core.latin import to_latin
from bot.services.registration import (
    available_event,
    seats_left,
    status_of,
    waitlist_position,
)
from storage.models import Event, EventKind, Partner, RegistrationStatus
from storage.uow import UnitOfWork

PAGE_SIZE = 5
# Readers in all four of our countries read Russian: a reader whose language a text lacks
# is better served by it than by the record's own language (Kazakh to a Ukrainian reader).
SHARED_LANGUAGE = "ru"


def text_in(texts: dict[str, str], language: str | None) -> str | None:
    """The text written for `language`, if any. Organizers write Kazakh in Cyrillic: a Latin
    Kazakh reader without a text of their own gets the Kazakh one in their letters."""
    if language and texts.get(language):
        return texts[language]
    if language == LATIN_KAZAKH and texts.get("kk"):
        return to_latin(texts["kk"])
    return None


def localized(texts: dict[str, str], language: str | None, fallback: str | None) -> str:
    """The text in `language`, else in Russian, else in the record's own language
    (`fallback`), else any there is, else ""."""
    own = text_in(texts, language)
    if own is not None:
        return own
    for code in (SHARED_LANGUAGE, fallback):
        if code and texts.get(code):
            return texts[code]
    return next((text for text in texts.values() if text), "")


def zone_of(name: str | None, default: tzinfo) -> tzinfo:
    """A stored zone name as a zone; an unknown or empty one falls back to `default`."""
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default


def event_title(event: Event, language: str | None) -> str:
    return localized(event.titles, language, event.language)


@dataclass(frozen=True)
class EventListItem:
    id: int
    kind: EventKind
    title: str
    starts_at: datetime  # in the reader's zone


@dataclass(frozen=True)
class EventPage:
    items: list[EventListItem]
    page: int  # from 0
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


def upcoming_page(
    uow: UnitOfWork, page: int, language: str | None, zone: tzinfo, now: datetime
) -> EventPage:
    """One page of upcoming events; a page past the end (the list shrank) shows the last."""
    total = uow.events.count_upcoming(now)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    events = uow.events.upcoming(now, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    items = [
        EventListItem(
            id=event.id,
            kind=EventKind(event.kind),
            title=event_title(event, language),
            starts_at=event.starts_at.astimezone(zone),
        )
        for event in events
    ]
    return EventPage(items=items, page=page, pages=pages, total=total)


@dataclass(frozen=True)
class CityTime:
    city: str
    starts_at: datetime  # in the city's zone


@dataclass(frozen=True)
class PartnerView:
    name: str
    city: str


def partner_view(partner: Partner, language: str | None, event_language: str) -> PartnerView:
    """The partner's name and city in `language`, falling back as titles do; `name` and
    `city` stand for the spellings a partner stored without a map has."""
    names = partner.names or {event_language: partner.name}
    cities = partner.cities or {event_language: partner.city}
    return PartnerView(localized(names, language, event_language) or partner.name,
                       localized(cities, language, event_language) or partner.city)


@dataclass(frozen=True)
class EventCard:
    id: int
    kind: EventKind
    title: str
    description: str
    starts_at: datetime  # in the reader's zone
    duration_minutes: int
    city_times: list[CityTime]
    partners: list[PartnerView]
    capacity: int | None
    seats_left: int | None  # None: no limit
    status: RegistrationStatus | None  # the reader's own
    waitlist_position: int | None
    # The organizing library: its organizers (and admins) see the organizer's buttons.
    library_id: int | None = None
    address: str | None = None  # offline events: where to come

    @property
    def full(self) -> bool:
        return self.seats_left == 0


def event_card(
    uow: UnitOfWork,
    event_id: int,
    user_id: int,
    language: str | None,
    zone: tzinfo,
    now: datetime,
) -> EventCard:
    """The card of an event readers can still register for (else `EventUnavailable`)."""
    event = available_event(uow, event_id, now)
    stored = uow.events.partners(event.id)
    partners = [partner_view(partner, language, event.language) for partner in stored]
    city_times: list[CityTime] = []
    for partner, view in zip(stored, partners, strict=True):
        if any(shown.city == view.city for shown in city_times):
            continue
        partner_zone = zone_of(partner.timezone, zone)
        city_times.append(CityTime(view.city, event.starts_at.astimezone(partner_zone)))
    status = status_of(uow, event.id, user_id)
    position = (
        waitlist_position(uow, event.id, user_id)
        if status == RegistrationStatus.WAITLISTED
        else None
    )
    return EventCard(
        id=event.id,
        kind=EventKind(event.kind),
        title=event_title(event, language),
        description=localized(event.descriptions, language, event.language),
        starts_at=event.starts_at.astimezone(zone),
        duration_minutes=event.duration_minutes,
        city_times=city_times,
        partners=partners,
        capacity=event.capacity,
        seats_left=seats_left(uow, event),
        status=status,
        waitlist_position=position,
        library_id=event.library_id,
        address=event.address,
    )


@dataclass(frozen=True)
class MyEntry:
    event_id: int
    title: str
    starts_at: datetime  # in the reader's zone
    status: RegistrationStatus
    waitlist_position: int | None
    started: bool
    # The join link only from `join_link_lead` before the start, so that it is
    # not forwarded around days ahead; never for the waiting list.
    link: str | None
    link_later: bool  # a link exists but is still withheld
    address: str | None = None  # offline events: no link, an address and the door's code


def my_events(
    uow: UnitOfWork,
    user_id: int,
    language: str | None,
    zone: tzinfo,
    now: datetime,
    join_link_lead: timedelta,
) -> list[MyEntry]:
    entries = []
    for registration, event in uow.registrations.active_for_user(user_id, now):
        status = RegistrationStatus(registration.status)
        registered = status == RegistrationStatus.REGISTERED
        revealed = now >= event.starts_at - join_link_lead
        entries.append(
            MyEntry(
                event_id=event.id,
                title=event_title(event, language),
                starts_at=event.starts_at.astimezone(zone),
                status=status,
                waitlist_position=None
                if registered
                else waitlist_position(uow, event.id, user_id),
                started=event.starts_at <= now,
                link=event.link if registered and revealed else None,
                link_later=registered and event.link is not None and not revealed,
                address=event.address,
            )
        )
    return entries
