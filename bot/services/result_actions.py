"""What the /results screens ask of the database, each in one call: the reads they render
(`AppContext.read`, `uow` first) and Freeze and Publish in a unit of work of their own
(`AppContext.call`, `db` first). The rules themselves are in `bot.services.results`;
both lock the contest row, so a double tap waits for the first and is then refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from bot.services import jury, results
from bot.services.contests import get_contest
from bot.services.results import ResultsView
from bot.services.roles import Role
from storage.contest_models import Contest, Entry
from storage.models import User
from storage.uow import Database, UnitOfWork


@dataclass(frozen=True)
class ContestPage:
    contests: list[Contest]
    # The page shown (the one asked for, or the last one if there are fewer now).
    page: int
    pages: int


@dataclass(frozen=True)
class Published:
    contest: Contest
    # Outbox rows queued: participants' outcomes and winners lists.
    queued: int


# --- reads ---------------------------------------------------------------------------------


def contest_page(uow: UnitOfWork, role: Role, page: int, size: int) -> ContestPage:
    """The contests `role` manages, newest first, `size` a page."""
    pages = max(1, math.ceil(uow.contests.count_all(role.scope) / size))
    page = max(0, min(page, pages - 1))
    return ContestPage(uow.contests.recent(page * size, size, role.scope), page, pages)


def preview_with_conflicts(
    uow: UnitOfWork, contest_id: int, now: datetime
) -> tuple[ResultsView, int]:
    """The results as they stand (`results.preview`) and how many conflicts were declared."""
    view = results.preview(uow, contest_id, now)
    return view, len(jury.conflicts(uow, contest_id))


def zip_sources(uow: UnitOfWork, contest_id: int) -> tuple[Contest, list[tuple[Entry, User]]]:
    """The contest and its standing entries with their authors, for the ZIP of works."""
    contest = get_contest(uow, contest_id)
    return contest, list(uow.results.standing_entries(contest_id))


# --- writes --------------------------------------------------------------------------------


def freeze_results(db: Database, contest_id: int, now: datetime) -> tuple[ResultsView, int]:
    """`results.freeze` committed; the frozen view and the number of declared conflicts."""
    with db.uow() as uow:
        view = results.freeze(uow, contest_id, now)
        conflicts = len(jury.conflicts(uow, contest_id))
        uow.commit()
    return view, conflicts


def publish_results(
    db: Database, contest_id: int, now: datetime, audience: str, *, organizer_id: int | None
) -> Published:
    """`results.publish` committed; the sender is woken by the commit (outbox rows)."""
    with db.uow() as uow:
        queued = results.publish(uow, contest_id, now, audience, organizer_id=organizer_id)
        contest = get_contest(uow, contest_id)
        uow.commit()
    return Published(contest, queued)
