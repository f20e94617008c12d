"""Queries over broadcasts and their audiences. Never commits; the unit of work does."""

from __future__ import annotations

from sqlmodel import Session


class BroadcastRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
