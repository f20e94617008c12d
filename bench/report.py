"""Time the year's /report on a year of a big library network (issue 12): 5,000 events,
200,000 registrations (60% came), 20,000 feedback answers, 20,000 readers, partners, over 2026.

Run from the repository root:
    .venv/bin/python bench/report.py [--events 5000] [--registrations 200000] [--runs 3]
    .venv/bin/python bench/report.py --postgres postgresql://postgres@127.0.0.1:5432/test

SQLite: a fresh file in a temporary directory. PostgreSQL: a database of its own next to
the one named (`<name>_report_bench`, created and emptied here; the named one is untouched).
Figures: the figures, tables and paragraph (goal < 2 s), then the charts, workbook and CSV
(goal < 3 s more), each the slowest of `--runs` (the first, cold: matplotlib imported then),
with the best beside it. Exit status 1 when a goal is missed.

"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# Running as a script puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, make_url, text  # noqa: E402

from bot.core.i18n import Catalogs  # noqa: E402
from bot.core.settings import DEFAULT_AGE_BANDS, parse_age_bands  # noqa: E402
from bot.files.report_files import charts, report_files  # noqa: E402
from bot.services.report import build_report, year_of  # noqa: E402
from bot.services.report_text import paragraph, tables  # noqa: E402
from storage.db import make_engine, normalize_url  # noqa: E402
from storage.feedback_models import Feedback  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Event, Partner, Registration, User  # noqa: E402
from storage.org_models import Library  # noqa: E402
from storage.uow import Database  # noqa: E402

FIGURES_GOAL = 2.0
FILES_GOAL = 3.0
SEED = 2026
YEAR = 2026
NOW = datetime(YEAR + 1, 1, 10, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Almaty")
COUNTRIES = (("Kazakhstan", ("Karaganda", "Temirtau", "Astana", "Shymkent", "Uralsk")),
             ("Ukraine", ("Kyiv", "Lviv")), ("Russia", ("Moscow",)), ("Belarus", ("Mogilev",)))
KINDS = ("video_bridge", "conference", "chat_conference")
CHUNK = 10_000


def postgres_scratch(url: str) -> str:
    """`<database>_report_bench` beside the named database, created when missing."""
    named = make_url(normalize_url(url))
    own = named.set(database=f"{named.database}_report_bench")
    admin = create_engine(named, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    admin.dispose()
    return own.render_as_string(hide_password=False)


def seed(database: Database, events: int, registrations: int, readers: int,
         answers: int) -> None:
    rng = random.Random(SEED)
    start = datetime(YEAR, 1, 1, 4, tzinfo=UTC)
    with database.engine.begin() as connection:
        connection.execute(insert(Library), [
            {"name": f"Branch library No. {n}", "created_at": start} for n in range(1, 22)])
        users = []
        for user_id in range(1, readers + 1):
            country, cities = rng.choice(COUNTRIES)
            known = rng.random() > 0.05  # a few erased readers: nothing known
            users.append({
                "id": user_id, "first_name": "Reader", "language": "ru", "created_at": start,
                "birth_date": date(rng.randint(1950, 2016), rng.randint(1, 12),
                                   rng.randint(1, 28)) if known else None,
                "country": country if known else None,
                "city": rng.choice(cities) if known else None})
        for part in range(0, len(users), CHUNK):
            connection.execute(insert(User), users[part:part + CHUNK])
        event_rows = [{
            "id": event_id, "kind": rng.choice(KINDS), "titles": {"ru": f"Мероприятие {event_id}"},
            "descriptions": {}, "language": "ru",
            "starts_at": start + timedelta(minutes=rng.randint(0, 364 * 24 * 60)),
            "duration_minutes": 90, "timezone": "Asia/Almaty", "reminder_offsets": [],
            "library_id": rng.randint(1, 21), "revision": 1,
            "cancelled_at": start if rng.random() < 0.03 else None,
            "created_at": start, "updated_at": start} for event_id in range(1, events + 1)]
        connection.execute(insert(Event), event_rows)
        connection.execute(insert(Partner), [{
            "event_id": event_id, "position": 0, "name": f"Partner library {event_id % 40}",
            "city": rng.choice(COUNTRIES)[1][0], "timezone": "Europe/Kyiv"}
            for event_id in range(1, events + 1)])
        per_event = registrations // events
        rows = []
        came_rows: list[tuple[int, int, datetime]] = []
        for event in event_rows:
            for user_id in rng.sample(range(1, readers + 1), per_event):
                came = rng.random() < 0.6
                if came:
                    came_rows.append((event["id"], user_id, event["starts_at"]))
                rows.append({
                    "event_id": event["id"], "user_id": user_id,
                    "status": "cancelled" if rng.random() < 0.05 else "registered",
                    "queued_at": start, "attended_at": event["starts_at"] if came else None,
                    "attended_how": "joined" if came else None,
                    "created_at": start, "updated_at": start})
            if len(rows) >= CHUNK:
                connection.execute(insert(Registration), rows)
                rows = []
        if rows:
            connection.execute(insert(Registration), rows)
        # Ratings from some of those who came, an hour or two after their event.
        rated = [{"event_id": event_id, "user_id": user_id, "rating": rng.randint(1, 5),
                  "comment": None if rng.random() < 0.8 else "Спасибо!",
                  "created_at": at + timedelta(hours=2), "updated_at": at + timedelta(hours=2)}
                 for event_id, user_id, at in rng.sample(came_rows, min(answers, len(came_rows)))]
        for part in range(0, len(rated), CHUNK):
            connection.execute(insert(Feedback), rated[part:part + CHUNK])
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def measure(database: Database, runs: int) -> tuple[list[float], list[float], str]:
    """Times of each run: the first one cold (matplotlib imported, catalogs loaded), as a
    bot's first /report after a start."""
    bands = parse_age_bands(DEFAULT_AGE_BANDS)
    figures_times, files_times, text_out = [], [], ""
    for _ in range(runs):
        started = time.perf_counter()
        t = Catalogs.load().translator("ru")
        with database.reading() as uow:
            report = build_report(uow, year_of(YEAR), None, ZONE, bands, NOW)
        text_out = paragraph(t, report)
        tables(t, report)
        middle = time.perf_counter()
        report_files(t, report)
        charts(t, report)
        figures_times.append(middle - started)
        files_times.append(time.perf_counter() - middle)
    return figures_times, files_times, text_out


def line(name: str, value: str, goal: str, ok: bool) -> str:
    return f"{name + ':':<28}  {value:<10}  goal {goal}  {'ok' if ok else 'MISSED'}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--readers", type=int, default=20_000)
    parser.add_argument("--feedback", type=int, default=20_000, help="ratings given")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL instead of SQLite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        url = (postgres_scratch(args.postgres) if args.postgres
               else f"sqlite:///{Path(workdir) / 'report.db'}")
        upgrade(url)
        database = Database(make_engine(url))
        try:
            began = time.perf_counter()
            seed(database, args.events, args.registrations, args.readers, args.feedback)
            seeded = time.perf_counter() - began
            figures, files, said = measure(database, args.runs)
        finally:
            database.dispose()
    kind = "postgresql" if args.postgres else "sqlite"
    out = sys.stdout
    out.write(f"report for {YEAR} on {kind}: {args.events} events, {args.registrations} "
              f"registrations, {args.feedback} ratings, {args.readers} readers (seeded in "
              f"{seeded:.1f} s)\n")
    out.write(f"paragraph: {said}\n")
    # The goals hold for the slowest run (the cold first one); the best shows the rest.
    worst_figures, worst_files = max(figures), max(files)
    out.write(line("tables and paragraph", f"{worst_figures:.2f} s", f"< {FIGURES_GOAL} s",
                   worst_figures < FIGURES_GOAL) .rstrip("\n") + f"  (best {min(figures):.2f} s)\n")
    out.write(line("charts, xlsx and csv", f"{worst_files:.2f} s", f"< {FILES_GOAL} s",
                   worst_files < FILES_GOAL).rstrip("\n") + f"  (best {min(files):.2f} s)\n")
    return 0 if worst_figures < FIGURES_GOAL and worst_files < FILES_GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
