"""Entries, scores and freezing when requests race: the units of work of
`bot.services.entry_actions`, `jury_actions` and `result_actions` run in many threads
at once, as the bot's worker threads run them (SQLite, and PostgreSQL when set)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import select

from bot.services.entries import WorkDraft
from bot.services.entry_actions import send_entry, withdraw_reader_entry
from bot.services.entry_refusals import ENTRY_LIMIT, EntryRefused
from bot.services.jury import JuryError, ScoresFrozen
from bot.services.jury_actions import save_juror_score
from bot.services.result_actions import freeze_results
from storage.contest_models import ContestResult, EntryContent, EntryStatus, Score
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW
from tests.services.test_jury import add_entry, join

READERS = range(8101, 8121)


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call in a thread of its own, released together; results or exceptions."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait()
        try:
            return call()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def essay(title: str) -> WorkDraft:
    return WorkDraft(content=EntryContent.TEXT, title=title, text=f"The text of {title}.")


def test_readers_entering_at_once_get_distinct_codes(storage):
    contest = make_contest(storage)
    for user_id in READERS:
        make_reader(storage, user_id)

    outcomes = at_once([
        lambda user_id=user_id: send_entry(storage, contest.id, user_id, essay(f"E{user_id}"),
                                           NOW)
        for user_id in READERS
    ])

    assert not [o for o in outcomes if isinstance(o, Exception)]
    codes = sorted(outcome.entry.code for outcome in outcomes)
    assert codes == [f"E-{n:03d}" for n in range(1, len(READERS) + 1)]


def test_a_double_tap_on_submit_stays_within_the_entry_limit(storage):
    contest = make_contest(storage, entries_per_participant=1)
    make_reader(storage, 8101)

    outcomes = at_once([lambda: send_entry(storage, contest.id, 8101, essay("Steppe"), NOW)] * 6)

    refused = [o for o in outcomes if isinstance(o, EntryRefused)]
    assert len(refused) == 5 and {o.msgid for o in refused} == {ENTRY_LIMIT}
    with storage.uow() as uow:
        assert uow.entries.count_submitted(contest.id, 8101) == 1


def test_a_double_tap_on_save_keeps_one_score(storage):
    contest = make_contest(storage)
    for user_id in (7001, 9001, 8001):
        make_reader(storage, user_id)
    entry = add_entry(storage, contest.id, 8001, 1)
    join(storage, contest.id, 9001)

    outcomes = at_once([
        lambda value=value: save_juror_score(storage, contest.id, entry.id, 9001,
                                             [value, 7, 6], None, NOW)
        for value in range(3, 9)
    ])

    assert not [o for o in outcomes if isinstance(o, Exception)]
    with storage.uow() as uow:
        assert len(uow.session.exec(select(Score)).all()) == 1


def test_scores_saved_while_freezing_are_either_in_the_results_or_refused(storage):
    jurors = range(9001, 9011)
    contest = make_contest(storage, opens_at=NOW - timedelta(days=20),
                           closes_at=NOW - timedelta(days=1))
    for user_id in (7001, 8001, *jurors):
        make_reader(storage, user_id)
    entry = add_entry(storage, contest.id, 8001, 1)
    for juror in jurors:
        join(storage, contest.id, juror)

    saves = [
        lambda juror=juror: save_juror_score(storage, contest.id, entry.id, juror, [8, 7, 6],
                                             None, NOW)
        for juror in jurors
    ]
    outcomes = at_once([*saves[:5], lambda: freeze_results(storage, contest.id, NOW),
                        *saves[5:]])

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(error, ScoresFrozen) for error in errors)
    with storage.uow() as uow:
        stored = uow.session.exec(select(Score)).all()
        frozen = uow.session.exec(select(ContestResult)).one()
    assert frozen.jurors == len(stored) == len(jurors) - len(errors)


def test_a_work_withdrawn_while_a_juror_saves_is_never_scored_after_it_went(storage):
    contest = make_contest(storage)
    for user_id in (7001, 9001, 8001):
        make_reader(storage, user_id)
    entry = add_entry(storage, contest.id, 8001, 1)
    join(storage, contest.id, 9001)

    outcomes = at_once([
        lambda: withdraw_reader_entry(storage, entry.id, 8001, NOW),
        lambda: save_juror_score(storage, contest.id, entry.id, 9001, [8, 7, 6], None, NOW),
    ])

    assert not isinstance(outcomes[0], Exception)
    with storage.uow() as uow:
        assert uow.entries.get(entry.id).status == EntryStatus.WITHDRAWN
        scored = uow.session.exec(select(Score)).all()
    # The save either came first (its score stays, the entry is out of the results) or
    # found the entry withdrawn and was refused.
    assert isinstance(outcomes[1], JuryError) == (scored == [])
