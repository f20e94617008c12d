"""Queries over contest entries. Never commits; the unit of work does."""

from __future__ import annotations

from sqlmodel import Session


class EntryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
