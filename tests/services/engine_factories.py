"""Arrange helpers for the delivery engine's tests: readers, broadcasts and their outbox
rows written straight through the unit of work (as `start_due_broadcasts` would)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlmodel import select

from bot.services.outbox import BROADCAST_PRIORITY
from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.models import Notification, NotificationKind, NotificationStatus, User
from storage.uow import Database
from tests.factories import NOW

TEXTS = {"en": "Registration is open!", "ru": "Регистрация открыта!"}


def add_readers(database: Database, ids: list[int], language: str = "en", **fields) -> None:
    with database.uow() as uow:
        uow.session.execute(
            insert(User),
            [dict(id=i, first_name="Aru", language=language, created_at=NOW, **fields)
             for i in ids],
        )
        uow.commit()


def add_broadcast(
    database: Database,
    recipients: list[int],
    *,
    due_at: datetime = NOW,
    status: BroadcastStatus = BroadcastStatus.RUNNING,
    texts: dict[str, str] | None = None,
    paid: bool = False,
) -> Broadcast:
    """A running broadcast (plain texts, no button) with one pending row per recipient."""
    with database.uow() as uow:
        broadcast = Broadcast(
            created_by=7001, status=status, audience={"kind": "everyone"},
            texts=texts or TEXTS, default_language="en", paid=paid, total=len(recipients),
            created_at=NOW, updated_at=NOW, started_at=due_at,
        )
        uow.session.add(broadcast)
        uow.flush()
        uow.session.execute(insert(Notification), [
            dict(dedupe_key=f"broadcast:{broadcast.id}:{user_id}", kind=NotificationKind.BROADCAST,
                 user_id=user_id, broadcast_id=broadcast.id, priority=BROADCAST_PRIORITY,
                 payload={}, due_at=due_at, next_attempt_at=due_at,
                 status=NotificationStatus.PENDING, attempts=0, created_at=NOW)
            for user_id in recipients
        ])
        uow.commit()
    return broadcast


def set_broadcast_status(database: Database, broadcast_id: int, status: BroadcastStatus) -> None:
    with database.uow() as uow:
        uow.session.get(Broadcast, broadcast_id).status = status
        uow.commit()


def broadcast_rows(database: Database, broadcast_id: int) -> dict[int, Notification]:
    """user id -> row"""
    with database.uow() as uow:
        rows = uow.session.exec(
            select(Notification).where(Notification.broadcast_id == broadcast_id)
        ).all()
        return {row.user_id: row for row in rows}
