"""The jury service: progress, blind entries, scores, conflicts, reminders."""

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.services.jury import (
    BlindEntry,
    EntryConflicted,
    EntryWithdrawn,
    JurorRemoved,
    JuryDenied,
    OtherScore,
    OwnEntry,
    OwnEntryConflict,
    ScoreInvalid,
    ScoresFrozen,
    check_juror,
    declare_conflict,
    juror_contests,
    jury_overview,
    next_entry,
    others_scores,
    progress,
    save_score,
    scorable,
    scored_entries,
)
from bot.services.jury_invites import create_invite, join_by_token
from bot.services.jury_reminders import plan_jury_reminders
from storage.contest_models import Entry, EntryContent, EntryStatus, Score
from storage.models import Notification
from storage.uow import Database
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW

ORGANIZER = 7001
JUROR, OTHER_JUROR, THIRD_JUROR = 9001, 9002, 9003
AUTHORS = (8001, 8002, 8003, 8004)
GOOD = {"originality": 8, "language": 7, "relevance": 6}


def add_entry(database: Database, contest_id: int, user_id: int, number: int, **fields) -> Entry:
    """An essay entry as the entries service would store it."""
    values = {
        "contest_id": contest_id, "user_id": user_id, "number": number,
        "code": f"E-{number:03d}", "side": "kz", "title": f"Essay {number}",
        "content": EntryContent.TEXT, "text": f"The text of essay {number}.",
        "submitted_at": NOW, "updated_at": NOW,
    }
    values.update(fields)
    with database.uow() as uow:
        entry = Entry(**values)
        uow.session.add(entry)
        uow.commit()
    return entry


def join(database: Database, contest_id: int, user_id: int) -> None:
    with database.uow() as uow:
        token = create_invite(uow, contest_id, ORGANIZER, NOW)
        join_by_token(uow, token, user_id, NOW)
        uow.commit()


def contest_with_entries(database: Database, count: int = 3, **overrides):
    contest = make_contest(database, **overrides)
    for user_id in (ORGANIZER, JUROR, OTHER_JUROR, THIRD_JUROR, *AUTHORS):
        make_reader(database, user_id, full_name=f"Person {user_id}")
    entries = [add_entry(database, contest.id, AUTHORS[i % 4], i + 1) for i in range(count)]
    join(database, contest.id, JUROR)
    return contest, entries


def score(database: Database, contest_id: int, entry_id: int, juror_id: int = JUROR,
          values: dict | None = None, comment: str | None = None):
    with database.uow() as uow:
        saved = save_score(uow, contest_id, entry_id, juror_id, values or GOOD, comment, NOW)
        uow.commit()
    return saved


def conflict(database: Database, contest_id: int, entry_id: int, juror_id: int = JUROR) -> None:
    with database.uow() as uow:
        declare_conflict(uow, contest_id, entry_id, juror_id, NOW, note="My library's reader")
        uow.commit()


def scores(database: Database) -> list[tuple]:
    with database.uow() as uow:
        rows = uow.session.exec(select(Score).order_by(Score.entry_id, Score.juror_id)).all()
        return [(row.entry_id, row.juror_id, row.values, row.comment) for row in rows]


# --- invites -------------------------------------------------------------------------------


def test_a_juror_may_serve_on_several_contests(storage):
    essay, _entries = contest_with_entries(storage, 2)
    photo = make_contest(storage, titles={"en": "Subjective"})
    add_entry(storage, photo.id, AUTHORS[0], 1)
    join(storage, photo.id, JUROR)
    score(storage, essay.id, _entries[0].id)

    with storage.uow() as uow:
        mine = [(p.contest.id, p.scored, p.total) for p in juror_contests(uow, JUROR)]
    assert mine == [(essay.id, 1, 2), (photo.id, 0, 1)]


# --- progress and blind entries ------------------------------------------------------------


def test_progress_leaves_out_conflicts_and_withdrawn_entries(storage):
    contest, entries = contest_with_entries(storage, 4)
    score(storage, contest.id, entries[0].id)
    score(storage, contest.id, entries[1].id)
    conflict(storage, contest.id, entries[2].id)
    with storage.uow() as uow:
        uow.session.get(Entry, entries[1].id).status = EntryStatus.WITHDRAWN
        uow.commit()

    with storage.uow() as uow:
        assert progress(uow, contest.id, JUROR) == (1, 2)


def test_next_entry_goes_in_number_order_past_scored_and_conflicted(storage):
    contest, entries = contest_with_entries(storage, 4)
    score(storage, contest.id, entries[0].id)
    conflict(storage, contest.id, entries[1].id)

    with storage.uow() as uow:
        first = next_entry(uow, contest.id, JUROR)
        after_third = next_entry(uow, contest.id, JUROR, after=entries[2].id)
        after_fourth = next_entry(uow, contest.id, JUROR, after=entries[3].id)
    assert (first.code, after_third.code, after_fourth.code) == ("E-003", "E-004", "E-003")


def test_next_entry_offers_a_passed_entry_again_when_it_is_the_only_one_left(storage):
    contest, entries = contest_with_entries(storage, 2)
    score(storage, contest.id, entries[0].id)

    with storage.uow() as uow:
        again = next_entry(uow, contest.id, JUROR, after=entries[1].id)
    assert again.code == "E-002"


def test_next_entry_is_none_when_everything_is_scored(storage):
    contest, entries = contest_with_entries(storage, 2)
    score(storage, contest.id, entries[0].id)
    score(storage, contest.id, entries[1].id)

    with storage.uow() as uow:
        assert next_entry(uow, contest.id, JUROR) is None


def test_blind_entry_carries_the_work_and_nothing_of_the_author(storage):
    contest, _entries = contest_with_entries(storage, 0)
    add_entry(storage, contest.id, AUTHORS[0], 1, content=EntryContent.DOCUMENT, text=None,
               file_id="doc-1", file_name="Person 8001 essay.PDF", caption="Written in May")

    with storage.uow() as uow:
        entry = next_entry(uow, contest.id, JUROR)

    assert [field.name for field in dataclasses.fields(BlindEntry)] == [
        "id", "contest_id", "code", "title", "caption", "content", "text", "file_id", "extension"]
    assert (entry.code, entry.title, entry.caption, entry.content, entry.file_id,
            entry.extension) == ("E-001", "Essay 1", "Written in May", "document", "doc-1",
                                 ".pdf")


def test_blind_entry_names_the_file_by_its_type_when_the_name_has_none(storage):
    contest, _entries = contest_with_entries(storage, 0)
    add_entry(storage, contest.id, AUTHORS[0], 1, content=EntryContent.DOCUMENT, text=None,
              file_id="doc-1", file_name="essay", mime_type="application/pdf")

    with storage.uow() as uow:
        assert next_entry(uow, contest.id, JUROR).extension == ".pdf"


def test_a_reader_who_is_not_a_juror_gets_nothing(storage):
    contest, _entries = contest_with_entries(storage, 1)

    with storage.uow() as uow, pytest.raises(JuryDenied):
        next_entry(uow, contest.id, OTHER_JUROR)


# --- scores --------------------------------------------------------------------------------


def test_save_score_stores_every_criterion_and_the_comment(storage):
    contest, entries = contest_with_entries(storage, 1)

    score(storage, contest.id, entries[0].id, comment="  Vivid and honest.  ")

    assert scores(storage) == [(entries[0].id, JUROR, GOOD, "Vivid and honest.")]


@pytest.mark.parametrize(("values", "comment", "message"), [
    ({**GOOD, "language": 11}, None, "A score must be from 1 to 10."),
    ({**GOOD, "language": 0}, None, "A score must be from 1 to 10."),
    ({"originality": 8, "language": 7}, None, "No score for relevance."),
    ({**GOOD, "humour": 5}, None, "Unknown criterion: humour."),
    (GOOD, "x" * 1001, "The comment is too long: 1001 characters, at most 1000."),
])
def test_save_score_refuses_a_broken_score(storage, values, comment, message):
    contest, entries = contest_with_entries(storage, 1)

    with storage.uow() as uow, pytest.raises(ScoreInvalid) as refused:
        save_score(uow, contest.id, entries[0].id, JUROR, values, comment, NOW)

    assert (str(refused.value), scores(storage)) == (message, [])


def test_save_score_refused_once_results_are_frozen(storage):
    contest, entries = contest_with_entries(storage, 1, frozen_at=NOW)

    with storage.uow() as uow, pytest.raises(ScoresFrozen) as refused:
        save_score(uow, contest.id, entries[0].id, JUROR, GOOD, None, NOW)

    assert str(refused.value) == "The results are frozen: scores can no longer change."


def test_save_score_refused_for_a_conflicted_or_withdrawn_entry(storage):
    contest, entries = contest_with_entries(storage, 2)
    conflict(storage, contest.id, entries[0].id)
    with storage.uow() as uow:
        uow.session.get(Entry, entries[1].id).status = EntryStatus.WITHDRAWN
        uow.commit()

    with storage.uow() as uow, pytest.raises(EntryConflicted):
        save_score(uow, contest.id, entries[0].id, JUROR, GOOD, None, NOW)
    with storage.uow() as uow, pytest.raises(EntryWithdrawn):
        save_score(uow, contest.id, entries[1].id, JUROR, GOOD, None, NOW)
    assert scores(storage) == []


def test_save_score_refused_to_a_non_juror_and_across_contests(storage):
    contest, entries = contest_with_entries(storage, 1)
    other = make_contest(storage, titles={"en": "Subjective"})
    foreign = add_entry(storage, other.id, AUTHORS[1], 1)

    with storage.uow() as uow, pytest.raises(JuryDenied):
        save_score(uow, contest.id, entries[0].id, OTHER_JUROR, GOOD, None, NOW)
    # A juror of the first contest naming it with the other contest's entry.
    with storage.uow() as uow, pytest.raises(JuryDenied):
        save_score(uow, contest.id, foreign.id, JUROR, GOOD, None, NOW)
    with storage.uow() as uow, pytest.raises(JuryDenied):
        save_score(uow, other.id, foreign.id, JUROR, GOOD, None, NOW)
    assert scores(storage) == []


def test_revising_a_score_overwrites_it(storage):
    contest, entries = contest_with_entries(storage, 1)
    score(storage, contest.id, entries[0].id, comment="First look")

    score(storage, contest.id, entries[0].id, values={"originality": 10, "language": 9,
                                                      "relevance": 8})

    with storage.uow() as uow:
        listed = scored_entries(uow, contest.id, JUROR)
    assert scores(storage) == [
        (entries[0].id, JUROR, {"originality": 10, "language": 9, "relevance": 8}, None)]
    assert [(e.code, e.score) for e in listed] == [("E-001", 9.1)]


def test_conflict_deletes_the_score_and_hides_the_entry(storage):
    contest, entries = contest_with_entries(storage, 2)
    score(storage, contest.id, entries[0].id)

    conflict(storage, contest.id, entries[0].id)
    conflict(storage, contest.id, entries[0].id)  # declaring twice changes nothing

    with storage.uow() as uow:
        shown = next_entry(uow, contest.id, JUROR)
        overview = jury_overview(uow, contest.id)
    assert (scores(storage), shown.code) == ([], "E-002")
    assert [(c.juror_id, c.juror_name, c.entry_code) for c in overview.conflicts] == [
        (JUROR, f"Person {JUROR}", "E-001")]
    assert [(j.user_id, j.name, j.scored, j.total) for j in overview.jurors] == [
        (JUROR, f"Person {JUROR}", 0, 1)]


def test_other_scores_only_after_saving_ones_own_and_only_when_allowed(storage):
    contest, entries = contest_with_entries(storage, 1, show_other_scores=True)
    join(storage, contest.id, OTHER_JUROR)
    join(storage, contest.id, THIRD_JUROR)
    score(storage, contest.id, entries[0].id, OTHER_JUROR, {"originality": 5, "language": 5,
                                                           "relevance": 5})
    score(storage, contest.id, entries[0].id, THIRD_JUROR)

    with storage.uow() as uow:
        before = others_scores(uow, contest.id, entries[0].id, JUROR)
    score(storage, contest.id, entries[0].id)
    with storage.uow() as uow:
        after = others_scores(uow, contest.id, entries[0].id, JUROR)
        seen_by_third = others_scores(uow, contest.id, entries[0].id, THIRD_JUROR)

    assert (before, after, seen_by_third) == (None, [
        OtherScore(1, {"originality": 5, "language": 5, "relevance": 5}, 5.0),
        OtherScore(2, GOOD, 7.1),
    ], [OtherScore(1, GOOD, 7.1), OtherScore(2, {"originality": 5, "language": 5,
                                                 "relevance": 5}, 5.0)])


def test_other_scores_stay_hidden_unless_the_contest_shows_them(storage):
    contest, entries = contest_with_entries(storage, 1)
    join(storage, contest.id, OTHER_JUROR)
    score(storage, contest.id, entries[0].id, OTHER_JUROR)
    score(storage, contest.id, entries[0].id)

    with storage.uow() as uow:
        assert others_scores(uow, contest.id, entries[0].id, JUROR) is None


# --- reminders -----------------------------------------------------------------------------


def reminders(database: Database) -> list[tuple]:
    with database.uow() as uow:
        rows = uow.session.exec(select(Notification).order_by(Notification.dedupe_key)).all()
        return [(r.dedupe_key, r.kind, r.user_id, r.contest_id, r.offset_minutes, r.due_at)
                for r in rows]


def test_joining_plans_the_jurors_reminders_before_the_deadline(storage):
    deadline = NOW + timedelta(days=10)
    contest = make_contest(storage, jury_deadline=deadline,
                           jury_reminder_offsets=[3 * 24 * 60, 24 * 60, 20 * 24 * 60])
    make_reader(storage, JUROR)

    join(storage, contest.id, JUROR)

    key = f"jury_reminder:{contest.id}:{JUROR}"
    assert reminders(storage) == [
        (f"{key}:1440", "jury_reminder", JUROR, contest.id, 1440, deadline - timedelta(days=1)),
        (f"{key}:4320", "jury_reminder", JUROR, contest.id, 4320, deadline - timedelta(days=3)),
    ]


def test_plan_jury_reminders_follows_a_moved_deadline_and_removed_offsets(storage):
    contest = make_contest(storage, jury_deadline=NOW + timedelta(days=10),
                           jury_reminder_offsets=[24 * 60, 60])
    for user_id in (JUROR, OTHER_JUROR):
        make_reader(storage, user_id)
        join(storage, contest.id, user_id)
    deadline = NOW + timedelta(days=12)

    with storage.uow() as uow:
        changed = uow.contests.get(contest.id)
        changed.jury_deadline, changed.jury_reminder_offsets = deadline, [24 * 60]
        plan_jury_reminders(uow, changed, NOW)
        plan_jury_reminders(uow, changed, NOW)  # planning twice changes nothing
        uow.commit()

    assert reminders(storage) == [
        (f"jury_reminder:{contest.id}:{user_id}:1440", "jury_reminder", user_id, contest.id,
         1440, deadline - timedelta(days=1))
        for user_id in (JUROR, OTHER_JUROR)
    ]


def remove(database: Database, contest_id: int, juror_id: int = JUROR) -> None:
    with database.uow() as uow:
        uow.jury.juror(contest_id, juror_id).removed_at = NOW
        uow.commit()


# --- removed jurors ------------------------------------------------------------------------


def test_a_removed_juror_is_refused_with_a_reason_and_leaves_the_lists(storage):
    contest, entries = contest_with_entries(storage, 1)
    join(storage, contest.id, OTHER_JUROR)
    remove(storage, contest.id)

    with storage.uow() as uow, pytest.raises(JurorRemoved) as refused:
        save_score(uow, contest.id, entries[0].id, JUROR, GOOD, None, NOW)
    with storage.uow() as uow, pytest.raises(JurorRemoved):
        check_juror(uow, contest.id, JUROR)
    with storage.uow() as uow:
        mine = juror_contests(uow, JUROR)
        overview = jury_overview(uow, contest.id)

    assert str(refused.value) == (
        "You are no longer on the jury of this contest: an organizer removed you.")
    assert (mine, scores(storage)) == ([], [])
    assert ([j.user_id for j in overview.jurors], overview.removed) == (
        [OTHER_JUROR], [f"Person {JUROR}"])


def test_a_removed_juror_gets_no_more_reminders(storage):
    contest, _entries = contest_with_entries(storage, 1)
    remove(storage, contest.id)

    with storage.uow() as uow:
        plan_jury_reminders(uow, contest, NOW)
        uow.commit()

    with storage.uow() as uow:
        assert uow.jury.jury_reminders(contest.id) == []


# --- an author on the jury -----------------------------------------------------------------


def test_a_juror_is_not_offered_their_own_entry_and_it_counts_as_a_conflict(storage):
    contest, entries = contest_with_entries(storage, 2)
    join(storage, contest.id, AUTHORS[0])  # the author of E-001 joins the jury

    with storage.uow() as uow:
        offered = next_entry(uow, contest.id, AUTHORS[0])
        again = next_entry(uow, contest.id, AUTHORS[0], after=entries[1].id)
        counted = progress(uow, contest.id, AUTHORS[0])
        overview = jury_overview(uow, contest.id)

    assert (offered.code, again.code, counted) == ("E-002", "E-002", (0, 1))
    assert overview.own_entries == [
        OwnEntryConflict(AUTHORS[0], f"Person {AUTHORS[0]}", entries[0].id, "E-001")]


def test_a_juror_cannot_score_their_own_entry(storage):
    contest, entries = contest_with_entries(storage, 1)
    join(storage, contest.id, AUTHORS[0])

    with storage.uow() as uow, pytest.raises(OwnEntry) as refused:
        scorable(uow, contest.id, entries[0].id, AUTHORS[0])
    with storage.uow() as uow, pytest.raises(EntryConflicted):
        save_score(uow, contest.id, entries[0].id, AUTHORS[0], GOOD, None, NOW)

    assert (str(refused.value), scores(storage)) == (
        "This is your own entry: you do not score it.", [])


def test_plan_jury_reminders_without_a_deadline_plans_nothing(storage):
    contest = make_contest(storage, jury_deadline=None)
    make_reader(storage, JUROR)

    join(storage, contest.id, JUROR)

    assert reminders(storage) == []
