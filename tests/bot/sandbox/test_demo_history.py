"""The sandbox's year of past events (bot.sandbox.demo_history)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

from bot.core.settings import DEFAULT_AGE_BANDS, parse_age_bands
from bot.sandbox.demo_history import seed_demo_history
from bot.services.report import build_report, year_of
from storage.feedback_models import Feedback
from storage.models import Event, Registration
from tests.factories import NOW


def counts(database) -> tuple[int, int, int, int, int]:  # noqa: ANN001
    with database.uow() as uow:
        def count(query) -> int:  # noqa: ANN001
            return uow.session.exec(query).one()

        return (
            count(select(func.count()).select_from(Event)),
            count(select(func.count()).select_from(Registration)),
            count(select(func.count()).select_from(Registration).where(
                col(Registration.attended_at).is_not(None))),
            count(select(func.count()).select_from(Feedback)),
            count(select(func.count()).select_from(Event).where(col(Event.starts_at) >= NOW)),
        )


def test_demo_history_seeds_a_past_year_once(database):
    added = seed_demo_history(database, NOW)
    again = seed_demo_history(database, NOW)
    events, registrations, came, rated, upcoming = counts(database)

    assert (added, again, events, upcoming) == (60, 0, 60, 0)
    assert 0.5 < came / registrations < 0.7
    assert 0.2 < rated / came < 0.5


def test_demo_history_shows_in_the_last_years_report(database, catalogs):
    seed_demo_history(database, NOW)

    with database.reading() as uow:
        report = build_report(uow, year_of(NOW.year), None, ZoneInfo("Asia/Almaty"),
                              parse_age_bands(DEFAULT_AGE_BANDS), NOW)

    assert (report.events > 0, len(report.contests), report.contests[0].entries) == (True, 1, 12)
    assert {row.programme for row in report.by_programme} == {
        "Парасат жолы", "Өлке тұлғалары", "Одна страна – одна книга", None}
