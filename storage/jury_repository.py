"""Queries over jurors, invites, scores and conflicts. Never commits; the unit of work does."""

from __future__ import annotations

from sqlmodel import Session


class JuryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
