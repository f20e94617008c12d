"""Arrange helpers for results: entries, jurors, scores and conflicts written straight
through the unit of work, and one small hand-made contest the results tests share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from storage.contest_models import Conflict, Contest, Entry, EntryContent, Juror, Score
from storage.uow import Database
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW

CLOSES_AT = NOW + timedelta(days=10)
JUROR_A, JUROR_B = 8001, 8002
# Readers: (id, language, full name, country, library)
AIGERIM = (501, "en", "Aigerim Serikova", "Kazakhstan", "Karaganda Regional Youth Library")
OLENA = (502, "ru", "Олена Коваль", "Ukraine", "Kyiv Youth Library")
DANA = (503, "en", "Dana Bekova", "Kazakhstan", "Temirtau City Library")
ASEL = (504, "kk", "Әсел Құрманқызы", "Kazakhstan", "Saran Library")
READERS = (AIGERIM, OLENA, DANA, ASEL)
# criteria weights 0.4 / 0.3 / 0.3: (9, 8, 9) -> 8.7, (8, 8, 8) -> 8.0
HIGH, EVEN = (9, 8, 9), (8, 8, 8)


def make_entry(
    database: Database, contest: Contest, user_id: int, number: int, title: str, **overrides
) -> Entry:
    fields = {
        "contest_id": contest.id, "user_id": user_id, "number": number,
        "code": f"E-{number:03d}", "side": "kz", "title": title,
        "content": EntryContent.TEXT, "text": "An essay.", "submitted_at": NOW, "updated_at": NOW,
    }
    fields.update(overrides)
    with database.uow() as uow:
        entry = uow.entries.add(Entry(**fields))
        uow.commit()
    return entry


def make_juror(database: Database, contest: Contest, user_id: int, name: str) -> None:
    make_reader(database, user_id, full_name=name, first_name=name.split()[0])
    with database.uow() as uow:
        uow.jury.add(Juror(contest_id=contest.id, user_id=user_id, joined_at=NOW + timedelta(
            minutes=user_id % 100)))
        uow.commit()


def make_score(database: Database, entry: Entry, juror_id: int, points: tuple[int, ...]) -> None:
    values = dict(zip(("originality", "language", "relevance"), points, strict=True))
    with database.uow() as uow:
        uow.jury.add(Score(entry_id=entry.id, juror_id=juror_id, values=values, saved_at=NOW))
        uow.commit()


def make_conflict(database: Database, entry: Entry, juror_id: int) -> None:
    with database.uow() as uow:
        uow.jury.add(Conflict(entry_id=entry.id, juror_id=juror_id, declared_at=NOW))
        uow.commit()


@dataclass
class SmallContest:
    contest: Contest
    entries: dict[str, Entry] = field(default_factory=dict)


def small_contest(database: Database, files: dict[str, dict] | None = None,
                  **contest_fields) -> SmallContest:
    """Four entries, two jurors, one winner per side, two jurors needed per entry:

    - kz: E-001 (Aigerim) and E-003 (Dana) tie at 8.35 -> both 1st, shared;
      E-004 (Asel) has one score (juror B declared a conflict) -> incomplete;
    - ua: E-002 (Olena) 6.5 -> 1st.

    `files` gives entries (by code) file fields instead of the essay text.
    """
    contest = make_contest(database, closes_at=CLOSES_AT, quota_per_side=1, min_jurors=2,
                           **contest_fields)
    for user_id, language, name, country, library in READERS:
        make_reader(database, user_id, language=language, full_name=name, country=country,
                    library=library)
    make_juror(database, contest, JUROR_A, "Marat Akhmetov")
    make_juror(database, contest, JUROR_B, "Iryna Shevchenko")
    made = SmallContest(contest)
    files = files or {}
    for number, reader, title, side in ((1, AIGERIM, "Steppe wind", "kz"),
                                        (2, OLENA, "Дніпро", "ua"),
                                        (3, DANA, "Home", "kz"),
                                        (4, ASEL, "Ауыл", "kz")):
        code = f"E-{number:03d}"
        made.entries[code] = make_entry(database, contest, reader[0], number, title, side=side,
                                        **files.get(code, {}))
    entries = made.entries
    make_score(database, entries["E-001"], JUROR_A, HIGH)
    make_score(database, entries["E-001"], JUROR_B, EVEN)
    make_score(database, entries["E-003"], JUROR_A, EVEN)
    make_score(database, entries["E-003"], JUROR_B, HIGH)
    make_score(database, entries["E-002"], JUROR_A, (7, 7, 7))
    make_score(database, entries["E-002"], JUROR_B, (6, 6, 6))
    make_score(database, entries["E-004"], JUROR_A, (5, 5, 5))
    make_conflict(database, entries["E-004"], JUROR_B)
    return made
