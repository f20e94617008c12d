"""Queries over `persisted_state`. Never commits; the unit of work does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.db import rowcount
from storage.persistence_models import PersistedState, StateKind


class PersistedStateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all_of(self, kind: str, name: str = "") -> list[PersistedState]:
        query = select(PersistedState).where(
            PersistedState.kind == kind, PersistedState.name == name
        )
        return list(self.session.exec(query).all())

    def of_reader(
        self, user_key: str, chat_key: str | None, conversation_key: str | None
    ) -> list[PersistedState]:
        """One reader's rows: their user data, their chat's, and their conversations'."""
        kind, key = col(PersistedState.kind), col(PersistedState.key)
        wanted = [and_(kind == StateKind.USER.value, key == user_key)]
        if chat_key is not None:
            wanted.append(and_(kind == StateKind.CHAT.value, key == chat_key))
        if conversation_key is not None:
            wanted.append(and_(kind == StateKind.CONVERSATION.value, key == conversation_key))
        return list(self.session.exec(select(PersistedState).where(or_(*wanted))).all())

    def put(self, kind: str, name: str, key: str, data: bytes, now: datetime) -> None:
        """Insert or replace one row in a single statement (no read first)."""
        values = {"kind": kind, "name": name, "key": key, "data": data, "updated_at": now}
        dialect = self.session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
            statement = insert(PersistedState).values(**values)
            statement = statement.on_conflict_do_update(
                index_elements=["kind", "name", "key"],
                set_={"data": statement.excluded.data,
                      "updated_at": statement.excluded.updated_at},
            )
            self.session.execute(statement)
            return
        self.session.merge(
            PersistedState(kind=kind, name=name, key=key, data=data, updated_at=now))

    def remove(self, kind: str, name: str, key: str) -> None:
        self.session.execute(
            delete(PersistedState).where(
                col(PersistedState.kind) == kind,
                col(PersistedState.name) == name,
                col(PersistedState.key) == key,
            )
        )

    def forget_older_than(self, moment: datetime) -> int:
        """Drop every row not written since `moment`: forms left unanswered that long."""
        removed = self.session.execute(
            delete(PersistedState).where(col(PersistedState.updated_at) < moment))
        return rowcount(removed)
