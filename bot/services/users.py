"""Readers as the bot knows them: language, time zone, profile, blocked flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.i18n import LANGUAGES, guess_language
from storage.models import User
from storage.uow import Database, UnitOfWork


@dataclass(frozen=True)
class SeenUser:
    """The few facts Telegram tells us about whoever sent an update. Only the id is
    stored at the first contact: before consent nothing personal is kept (the first name
    is used live, for a greeting, and never written)."""

    id: int
    first_name: str
    language_code: str | None


def ensure_user(uow: UnitOfWork, seen: SeenUser, now: datetime) -> tuple[User, bool]:
    """The stored user for `seen`, created on first contact. Returns (user, created).

    A new user's language stays unset until they choose it: `/start` asks once. Their
    name is not stored: a profile (with consent) is asked before it is ever needed.
    """
    user = uow.users.get(seen.id)
    if user is not None:
        if user.blocked_at is not None:
            # Writing to us again means they unblocked the bot.
            user.blocked_at = None
        return user, False
    user = uow.users.add(User(id=seen.id, created_at=now))
    return user, True


def meet(db: Database, seen: SeenUser, now: datetime) -> User:
    """The stored sender of an update, created on first contact; writes only when
    something changes, so that the read every update needs takes no write lock."""
    with db.reading() as uow:
        user = uow.users.get(seen.id)
    if user is not None and user.blocked_at is None:
        return user
    with db.uow() as uow:
        user, _created = ensure_user(uow, seen, now)
        uow.commit()
    return user


def suggested_language(seen: SeenUser, default: str) -> str:
    return guess_language(seen.language_code, default)


def set_language(uow: UnitOfWork, user: User, language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    user.language = language


def set_reader_language(db: Database, seen: SeenUser, language: str, now: datetime) -> User:
    """The reader's language choice in a unit of work of its own; returns the stored reader."""
    with db.uow() as uow:
        user, _created = ensure_user(uow, seen, now)
        set_language(uow, user, language)
        uow.commit()
    return user


def mark_blocked(uow: UnitOfWork, user_id: int, now: datetime) -> None:
    user = uow.users.get(user_id)
    if user is not None and user.blocked_at is None:
        user.blocked_at = now
