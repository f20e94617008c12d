"""Queries over contests and their card data. Never commits; the unit of work does."""

from __future__ import annotations

from sqlmodel import Session


class ContestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
