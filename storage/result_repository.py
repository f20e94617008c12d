"""Queries over frozen contest results. Never commits; the unit of work does."""

from __future__ import annotations

from sqlmodel import Session


class ResultRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
