"""Preview, freeze and publish of contest results, over a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from bot.services.contests import ContestNotFound
from bot.services.entries import WorkDraft, submit_entry
from bot.services.profile import ProfileDraft, save_profile
from bot.services.results import (
    ALREADY_FROZEN,
    ALREADY_PUBLISHED,
    NO_ENTRIES,
    NOT_FROZEN,
    STILL_OPEN,
    JurorColumn,
    ResultsRefused,
    freeze,
    preview,
    publish,
)
from storage.contest_models import (
    Conflict,
    Contest,
    ContestResult,
    Entry,
    EntryContent,
    EntryStatus,
    Juror,
    Score,
)
from storage.models import Notification, User
from storage.uow import Database
from tests.conftest import ORGANIZER_ID
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW

# make_contest closes 10 days after NOW (2026-12-02 04:00 UTC); age counts on 2026-12-02.
REFERENCE_DATE = date(2026, 12, 2)
AFTER_CLOSE = NOW + timedelta(days=11)
JUROR_A, JUROR_B = 9001, 9002


def closed_contest(database: Database, **overrides) -> Contest:
    return make_contest(database, closed_at=NOW, created_by=ORGANIZER_ID, **overrides)


def add_user(database: Database, user_id: int, full_name: str) -> None:
    with database.uow() as uow:
        uow.users.add(User(id=user_id, first_name=full_name.split()[0], full_name=full_name,
                           language="en", created_at=NOW))
        uow.commit()


def add_jurors(database: Database, contest: Contest, *juror_ids: int) -> None:
    names = {JUROR_A: "Anna Juror", JUROR_B: "Bohdan Juror"}
    for offset, juror_id in enumerate(juror_ids):
        add_user(database, juror_id, names.get(juror_id, f"Juror {juror_id}"))
        with database.uow() as uow:
            uow.session.add(Juror(contest_id=contest.id, user_id=juror_id,
                                  joined_at=NOW + timedelta(minutes=offset)))
            uow.commit()


def add_entry(database: Database, contest: Contest, user_id: int, number: int, side: str | None,
              status: str = EntryStatus.SUBMITTED) -> int:
    """An entry row as if sent while the contest was open (whatever the profile says now)."""
    with database.uow() as uow:
        entry = Entry(contest_id=contest.id, user_id=user_id, number=number,
                      code=f"E-{number:03d}", side=side, title=f"Work {number}",
                      content=EntryContent.TEXT, text="…", status=status,
                      submitted_at=NOW, updated_at=NOW)
        uow.session.add(entry)
        uow.commit()
        return entry.id


def add_score(database: Database, entry_id: int, juror_id: int, originality: int,
              language: int, relevance: int) -> None:
    with database.uow() as uow:
        uow.session.add(Score(entry_id=entry_id, juror_id=juror_id, saved_at=NOW, values={
            "originality": originality, "language": language, "relevance": relevance}))
        uow.commit()


def stored(database: Database, model: type, *order) -> list:
    with database.uow() as uow:
        return list(uow.session.exec(select(model).order_by(*order)).all())


def contest_row(database: Database, contest_id: int) -> Contest:
    with database.uow() as uow:
        return uow.contests.get(contest_id)


def test_preview_joins_entries_authors_and_scores(storage: Database) -> None:
    contest = closed_contest(storage)
    add_jurors(storage, contest, JUROR_A, JUROR_B)
    make_reader(storage, 1, full_name="Aigerim Serikova", library="Karaganda Youth Library")
    make_reader(storage, 2, full_name="Olena Kovalenko", country="Ukraine",
                library="Kyiv Library for Youth")
    first = add_entry(storage, contest, 1, 1, "kz")
    second = add_entry(storage, contest, 2, 2, "ua")
    add_entry(storage, contest, 2, 3, "ua", status=EntryStatus.WITHDRAWN)
    # E-001: A 0.4*8 + 0.3*6 + 0.3*7 = 7.1; B 0.4*5 + 0.3*9 + 0.3*10 = 7.7
    #        -> score 7.4, spread 0.3
    add_score(storage, first, JUROR_A, 8, 6, 7)
    add_score(storage, first, JUROR_B, 5, 9, 10)
    # E-002: A 10 -> 10; B 6 -> 6 -> score 8, spread 2
    add_score(storage, second, JUROR_A, 10, 10, 10)
    add_score(storage, second, JUROR_B, 6, 6, 6)

    with storage.uow() as uow:
        view = preview(uow, contest.id, AFTER_CLOSE)

    assert view.jurors == [JurorColumn(JUROR_A, "Anna Juror"), JurorColumn(JUROR_B, "Bohdan Juror")]
    assert [(r.code, r.title, r.author, r.library, r.side, r.flag, r.place, r.overall_place,
             r.shared, r.winner, r.normalized) for r in view.rows] == [
        ("E-002", "Work 2", "Olena Kovalenko", "Kyiv Library for Youth", "ua", None, 1, 1,
         False, True, None),
        ("E-001", "Work 1", "Aigerim Serikova", "Karaganda Youth Library", "kz", None, 1, 2,
         False, True, None),
    ]
    assert [(r.score, r.spread) for r in view.rows] == [
        (8, 2), (pytest.approx(7.4), pytest.approx(0.3))]
    assert view.rows[1].per_juror == {JUROR_A: pytest.approx(7.1), JUROR_B: pytest.approx(7.7)}
    assert (view.frozen, view.published) == (False, False)


def test_preview_counts_age_on_the_reference_date_with_birthdays_on_the_boundary(
    storage: Database,
) -> None:
    contest = closed_contest(storage)
    add_jurors(storage, contest, JUROR_A)
    born = {
        1: date(2011, 12, 2),  # turns 15 on 2026-12-02: eligible
        2: date(2011, 12, 3),  # 14 on 2026-12-02 (15 the day after): not
        3: date(2006, 12, 3),  # 19 on 2026-12-02 (20 the day after): eligible
        4: date(2006, 12, 2),  # turns 20 on 2026-12-02: not
    }
    assert contest.age_reference_date == REFERENCE_DATE
    for user_id, birth_date in born.items():
        make_reader(storage, user_id, birth_date=birth_date)
        entry_id = add_entry(storage, contest, user_id, user_id, "kz")
        add_score(storage, entry_id, JUROR_A, 5 + user_id, 5, 5)

    with storage.uow() as uow:
        rows = preview(uow, contest.id, AFTER_CLOSE).rows

    assert [(r.code, r.flag, r.place) for r in rows] == [
        ("E-003", None, 1), ("E-001", None, 2), ("E-002", "ineligible", None),
        ("E-004", "ineligible", None)]


def test_freeze_rechecks_age_from_the_profile_as_edited_after_entering(storage: Database) -> None:
    contest = make_contest(storage, created_by=ORGANIZER_ID)
    add_jurors(storage, contest, JUROR_A)
    make_reader(storage, 1, birth_date=date(2007, 1, 10))  # 19 on 2026-12-02
    make_reader(storage, 2, birth_date=date(2010, 5, 1))  # 16
    work = WorkDraft(content=EntryContent.TEXT, title="Steppe", text="An essay.")
    with storage.uow() as uow:
        first = submit_entry(uow, contest.id, 1, work, NOW).id
        second = submit_entry(uow, contest.id, 2, work, NOW).id
        uow.commit()
    add_score(storage, first, JUROR_A, 10, 10, 10)
    add_score(storage, second, JUROR_A, 5, 5, 5)
    # After entering, reader 1 corrects the birth date: 20 on the reference day.
    with storage.uow() as uow:
        save_profile(uow, 1, ProfileDraft("Aigerim Serikova", date(2006, 12, 1), "Kazakhstan",
                                          "Karaganda", "Youth Library"), NOW + timedelta(days=1))
        uow.commit()

    with storage.uow() as uow:
        view = freeze(uow, contest.id, AFTER_CLOSE)
        uow.commit()

    assert [(r.code, r.flag, r.place, r.winner) for r in view.rows] == [
        ("E-002", None, 1, True), ("E-001", "ineligible", None, False)]
    assert [(r.entry_id, r.flag, r.place, r.winner, r.score) for r in stored(
        storage, ContestResult, col(ContestResult.entry_id))] == [
        (first, "ineligible", None, False, 10), (second, None, 1, True, 5)]


def test_freeze_writes_results_locks_and_keeps_them_whatever_changes_after(
    storage: Database,
) -> None:
    contest = closed_contest(storage, min_jurors=2, quota_per_side=1)
    add_jurors(storage, contest, JUROR_A, JUROR_B)
    for user_id in (1, 2, 3, 4):
        make_reader(storage, user_id)
    entries = [add_entry(storage, contest, user_id, user_id, "kz") for user_id in (1, 2, 3, 4)]
    # E-001 and E-002: 8 and 6 -> 7 each (a shared 1st place, both win with quota 1);
    # E-003: 5 and 5 -> 5, 3rd; E-004: one juror of the two needed -> incomplete.
    for entry_id, (a, b) in zip(entries, [(8, 6), (6, 8), (5, 5)], strict=False):
        add_score(storage, entry_id, JUROR_A, a, a, a)
        add_score(storage, entry_id, JUROR_B, b, b, b)
    add_score(storage, entries[3], JUROR_A, 10, 10, 10)

    with storage.uow() as uow:
        freeze(uow, contest.id, AFTER_CLOSE)
        uow.commit()
    # After freezing, a profile edit changes nothing of what was frozen.
    with storage.uow() as uow:
        uow.users.get(1).birth_date = date(1990, 1, 1)
        uow.commit()
    with storage.uow() as uow:
        view = preview(uow, contest.id, AFTER_CLOSE + timedelta(days=1))

    assert contest_row(storage, contest.id).frozen_at == AFTER_CLOSE
    assert [(r.contest_id, r.entry_id, r.side, r.jurors, r.place, r.shared, r.overall_place,
             r.winner, r.flag) for r in stored(storage, ContestResult,
                                               col(ContestResult.entry_id))] == [
        (contest.id, entries[0], "kz", 2, 1, True, 1, True, None),
        (contest.id, entries[1], "kz", 2, 1, True, 1, True, None),
        (contest.id, entries[2], "kz", 2, 3, False, 3, False, None),
        (contest.id, entries[3], "kz", 1, None, False, None, False, "incomplete"),
    ]
    assert [(r.code, r.flag, r.place, r.shared, r.winner, r.score, r.spread)
            for r in view.rows] == [
        ("E-001", None, 1, True, True, 7, 1),
        ("E-002", None, 1, True, True, 7, 1),
        ("E-003", None, 3, False, False, 5, 0),
        ("E-004", "incomplete", None, False, False, 10, 0),
    ]
    assert view.rows[0].per_juror == {JUROR_A: pytest.approx(8), JUROR_B: pytest.approx(6)}
    assert (view.frozen, view.published) == (True, False)
    assert [row.code for row in view.winners] == ["E-001", "E-002"]


def test_freeze_refuses_a_frozen_contest_an_open_one_and_one_without_entries(
    storage: Database,
) -> None:
    frozen = closed_contest(storage, frozen_at=NOW)
    still_open = make_contest(storage)
    empty = closed_contest(storage)
    make_reader(storage, 1)
    add_entry(storage, frozen, 1, 1, "kz")
    add_entry(storage, still_open, 1, 1, "kz")
    add_entry(storage, empty, 1, 1, "kz", status=EntryStatus.WITHDRAWN)

    refusals = []
    for contest in (frozen, still_open, empty):
        with storage.uow() as uow, pytest.raises(ResultsRefused) as refused:
            freeze(uow, contest.id, NOW + timedelta(days=1))
        refusals.append(refused.value.msgid)

    assert refusals == [ALREADY_FROZEN, STILL_OPEN, NO_ENTRIES]
    assert stored(storage, ContestResult) == []
    assert [contest_row(storage, c.id).frozen_at for c in (frozen, still_open, empty)] == [
        NOW, None, None]


def test_preview_of_a_missing_contest_raises_not_found(storage: Database) -> None:
    with storage.uow() as uow, pytest.raises(ContestNotFound):
        preview(uow, 404, NOW)


def test_preview_leaves_out_scores_of_a_declared_conflict(storage: Database) -> None:
    contest = closed_contest(storage)
    add_jurors(storage, contest, JUROR_A, JUROR_B)
    make_reader(storage, 1)
    entry_id = add_entry(storage, contest, 1, 1, "kz")
    add_score(storage, entry_id, JUROR_A, 4, 4, 4)
    add_score(storage, entry_id, JUROR_B, 9, 9, 9)
    with storage.uow() as uow:
        uow.session.add(Conflict(entry_id=entry_id, juror_id=JUROR_A, declared_at=NOW))
        uow.commit()

    with storage.uow() as uow:
        [row] = preview(uow, contest.id, NOW).rows

    assert (row.per_juror, row.score, row.jurors) == ({JUROR_B: 9}, 9, 1)


def frozen_contest_with_results(storage: Database) -> tuple[Contest, list[int]]:
    """kz: E-001 (reader 1) 9 -> 1st; E-002 (reader 2) 4 -> 2nd. ua: E-003 (reader 3) 7 -> 1st.
    Reader 4's E-004 is ineligible. Quota 1 per side."""
    contest = closed_contest(storage, quota_per_side=1)
    add_jurors(storage, contest, JUROR_A, JUROR_B)
    add_user(storage, ORGANIZER_ID, "Gulnar Organizer")
    for user_id in (1, 2, 3):
        make_reader(storage, user_id, language="uk" if user_id == 3 else "ru")
    make_reader(storage, 4, birth_date=date(2000, 1, 1))
    entries = [add_entry(storage, contest, 1, 1, "kz"), add_entry(storage, contest, 2, 2, "kz"),
               add_entry(storage, contest, 3, 3, "ua"), add_entry(storage, contest, 4, 4, "kz")]
    for entry_id, points in zip(entries, (9, 4, 7, 10), strict=True):
        add_score(storage, entry_id, JUROR_A, points, points, points)
    with storage.uow() as uow:
        freeze(uow, contest.id, AFTER_CLOSE)
        uow.commit()
    return contest, entries


def notifications(storage: Database) -> list[tuple]:
    return [(n.kind, n.user_id, n.dedupe_key, n.contest_id, n.payload, n.due_at)
            for n in stored(storage, Notification, col(Notification.id))]


def test_publish_queues_each_outcome_and_the_winners_list(storage: Database) -> None:
    contest, (e1, e2, e3, e4) = frozen_contest_with_results(storage)
    moment = AFTER_CLOSE + timedelta(hours=2)

    with storage.uow() as uow:
        queued = publish(uow, contest.id, moment, "participants")
        uow.commit()

    c = contest.id
    winners = [{"entry_id": e1, "side": "kz", "place": 1, "shared": False},
               {"entry_id": e3, "side": "ua", "place": 1, "shared": False}]
    assert notifications(storage) == [
        ("contest_result", 1, f"contest_result:{c}:1:{e1}", c,
         {"entry_id": e1, "place": 1, "shared": False, "winner": True, "side": "kz",
          "flag": None}, moment),
        ("contest_result", 3, f"contest_result:{c}:3:{e3}", c,
         {"entry_id": e3, "place": 1, "shared": False, "winner": True, "side": "ua",
          "flag": None}, moment),
        ("contest_result", 2, f"contest_result:{c}:2:{e2}", c,
         {"entry_id": e2, "place": 2, "shared": False, "winner": False, "side": "kz",
          "flag": None}, moment),
        ("contest_result", 4, f"contest_result:{c}:4:{e4}", c,
         {"entry_id": e4, "place": None, "shared": False, "winner": False, "side": "kz",
          "flag": "ineligible"}, moment),
        *[("winners_list", user_id, f"winners_list:{c}:{user_id}", c,
           {"audience": "participants", "winners": winners}, moment) for user_id in (1, 2, 3, 4)],
    ]
    assert queued == 8
    assert contest_row(storage, contest.id).published_at == moment


def test_publish_leaves_out_an_author_who_erased_their_data(storage: Database) -> None:
    contest, _entries = frozen_contest_with_results(storage)
    with storage.uow() as uow:
        uow.users.get(2).erased_at = AFTER_CLOSE
        uow.commit()

    with storage.uow() as uow:
        queued = publish(uow, contest.id, AFTER_CLOSE + timedelta(hours=2), "participants")
        uow.commit()

    assert (queued, sorted({n[1] for n in notifications(storage)})) == (6, [1, 3, 4])


@pytest.mark.parametrize(
    ("audience", "recipients"),
    [("jurors", [JUROR_A, JUROR_B]), ("organizer", [ORGANIZER_ID])],
)
def test_publish_sends_the_winners_list_to_the_chosen_audience(
    storage: Database, audience: str, recipients: list[int],
) -> None:
    contest, _ = frozen_contest_with_results(storage)

    with storage.uow() as uow:
        # 424242 never opened the bot: there is no one to write to.
        queued = publish(uow, contest.id, AFTER_CLOSE, audience, organizer_id=424242)
        uow.commit()

    lists = [(kind, user_id, payload["audience"])
             for kind, user_id, _, _, payload, _ in notifications(storage)
             if kind == "winners_list"]
    assert lists == [("winners_list", user_id, audience) for user_id in recipients]
    assert queued == 4 + len(recipients)


def test_publish_refuses_unless_frozen_and_only_once(storage: Database) -> None:
    contest = closed_contest(storage)
    make_reader(storage, 1)
    add_entry(storage, contest, 1, 1, "kz")

    with storage.uow() as uow, pytest.raises(ResultsRefused) as not_frozen:
        publish(uow, contest.id, AFTER_CLOSE, "participants")
    with storage.uow() as uow:
        freeze(uow, contest.id, AFTER_CLOSE)
        publish(uow, contest.id, AFTER_CLOSE, "participants")
        uow.commit()
    with storage.uow() as uow, pytest.raises(ResultsRefused) as twice:
        publish(uow, contest.id, AFTER_CLOSE + timedelta(hours=1), "jurors")

    assert (not_frozen.value.msgid, twice.value.msgid) == (NOT_FROZEN, ALREADY_PUBLISHED)
    assert [key for _, _, key, _, _, _ in notifications(storage)] == [
        f"contest_result:{contest.id}:1:1", f"winners_list:{contest.id}:1"]
    assert contest_row(storage, contest.id).published_at == AFTER_CLOSE


def test_publish_refuses_an_unknown_audience(storage: Database) -> None:
    contest, _ = frozen_contest_with_results(storage)

    with storage.uow() as uow, pytest.raises(ValueError, match="unknown audience"):
        publish(uow, contest.id, AFTER_CLOSE, "everyone")


def test_preview_lists_a_scoring_juror_without_a_seat_after_the_jury(storage: Database) -> None:
    contest = closed_contest(storage)
    add_jurors(storage, contest, JUROR_B)
    add_user(storage, JUROR_A, "Anna Juror")  # scored, then left the jury
    make_reader(storage, 1)
    entry_id = add_entry(storage, contest, 1, 1, "kz")
    add_score(storage, entry_id, JUROR_A, 4, 4, 4)

    with storage.uow() as uow:
        view = preview(uow, contest.id, NOW)

    assert view.jurors == [JurorColumn(JUROR_B, "Bohdan Juror"), JurorColumn(JUROR_A, "Anna Juror")]


def remove(database: Database, contest: Contest, juror_id: int) -> None:
    with database.uow() as uow:
        uow.jury.juror(contest.id, juror_id).removed_at = NOW
        uow.commit()


def test_preview_leaves_out_a_removed_jurors_scores_and_counts_them(storage: Database) -> None:
    contest = closed_contest(storage)
    add_jurors(storage, contest, JUROR_A, JUROR_B)
    make_reader(storage, 1)
    entry_id = add_entry(storage, contest, 1, 1, "kz")
    add_score(storage, entry_id, JUROR_A, 4, 4, 4)
    add_score(storage, entry_id, JUROR_B, 9, 9, 9)
    remove(storage, contest, JUROR_A)

    with storage.uow() as uow:
        view = preview(uow, contest.id, NOW)

    [row] = view.rows
    assert (row.per_juror, row.score, row.jurors) == ({JUROR_B: 9}, 9, 1)
    assert (view.jurors, view.removed_jurors) == ([JurorColumn(JUROR_B, "Bohdan Juror")], 1)


def test_removed_juror_without_scores_needs_no_note(storage: Database) -> None:
    contest = closed_contest(storage)
    add_jurors(storage, contest, JUROR_A, JUROR_B)
    make_reader(storage, 1)
    entry_id = add_entry(storage, contest, 1, 1, "kz")
    add_score(storage, entry_id, JUROR_B, 9, 9, 9)
    remove(storage, contest, JUROR_A)

    with storage.uow() as uow:
        view = preview(uow, contest.id, NOW)

    assert view.removed_jurors == 0


def test_freeze_leaves_out_a_removed_jurors_scores_for_good(storage: Database) -> None:
    contest = closed_contest(storage, min_jurors=2)
    add_jurors(storage, contest, JUROR_A, JUROR_B)
    make_reader(storage, 1)
    entry_id = add_entry(storage, contest, 1, 1, "kz")
    add_score(storage, entry_id, JUROR_A, 4, 4, 4)
    add_score(storage, entry_id, JUROR_B, 9, 9, 9)
    remove(storage, contest, JUROR_A)

    with storage.uow() as uow:
        freeze(uow, contest.id, AFTER_CLOSE)
        uow.commit()
    with storage.uow() as uow:
        view = preview(uow, contest.id, AFTER_CLOSE)

    [result] = stored(storage, ContestResult)
    assert (result.score, result.jurors, result.flag) == (9, 1, "incomplete")
    assert (view.rows[0].per_juror, view.removed_jurors) == ({JUROR_B: 9}, 1)


def test_an_authors_score_of_their_own_entry_does_not_count(storage: Database) -> None:
    contest = closed_contest(storage)
    add_jurors(storage, contest, JUROR_A, JUROR_B)
    entry_id = add_entry(storage, contest, JUROR_A, 1, "kz")  # JUROR_A wrote it
    add_score(storage, entry_id, JUROR_A, 10, 10, 10)
    add_score(storage, entry_id, JUROR_B, 6, 6, 6)

    with storage.uow() as uow:
        [row] = preview(uow, contest.id, NOW).rows

    assert (row.per_juror, row.score, row.jurors) == ({JUROR_B: 6}, 6, 1)
