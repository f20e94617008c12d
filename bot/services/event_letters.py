"""Letters of thanks for the readers who came to an event, sent by its organizer.

Each letter is a PDF in the reader's language (`bot.messages.certificates.event_letter`)
with the library's name, the reader's name from their profile and the event's title and
day, sent through the outbox. Once per reader and event: pressed again, the button sends
only to those who came since.
"""

from __future__ import annotations

from datetime import datetime

from bot.services.notifications import enqueue_notice
from storage.models import NotificationKind
from storage.uow import Database, UnitOfWork


def recipients(uow: UnitOfWork, event_id: int) -> list[int]:
    """Readers who came and have a name to print (a profile) and no letter yet."""
    event = uow.events.get(event_id)
    if event is None:
        return []
    named = uow.users.by_ids(uow.feedback.attendees(event_id))
    return sorted(user_id for user_id, user in named.items()
                  if user.full_name and user.erased_at is None
                  and uow.notifications.by_key(_key(event_id, user_id)) is None)


def send(db: Database, event_id: int, now: datetime) -> int:
    """Queue a letter for everyone `recipients` names; returns how many."""
    with db.uow() as uow:
        event = uow.events.get(event_id)
        if event is None:
            return 0
        library = uow.organizers.library(event.library_id) if event.library_id else None
        chosen = recipients(uow, event_id)
        for user_id in chosen:
            enqueue_notice(uow, NotificationKind.EVENT_LETTER, event, user_id, now,
                           occasion="1", payload={"library": library.name if library else ""})
        uow.commit()
    return len(chosen)


def _key(event_id: int, user_id: int) -> str:
    return f"{NotificationKind.EVENT_LETTER}:{event_id}:{user_id}:1"
