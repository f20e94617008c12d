"""The outbox cycle with contest rows: what a claim loads, when contest rows are skipped."""

from __future__ import annotations

from datetime import timedelta

from bot.services import outbox, outbox_contests, results
from bot.services.jury_reminders import plan_jury_reminders
from storage.models import NotificationKind, NotificationStatus
from tests.factories import NOW
from tests.result_factories import CLOSES_AT, JUROR_A, JUROR_B, small_contest
from tests.services.test_outbox import claim, claimed_keys, settle, states

CLOSED = CLOSES_AT + timedelta(minutes=1)


def published(database, audience: str = "participants"):
    """The small contest, closed, frozen and published at CLOSED (rows due then)."""
    made = small_contest(database)
    with database.uow() as uow:
        results.freeze(uow, made.contest.id, CLOSED)
        results.publish(uow, made.contest.id, CLOSED, audience)
        uow.commit()
    return made


def jury_reminders(database, contest, offsets: list[int]) -> None:
    with database.uow() as uow:
        stored = uow.contests.get(contest.id)
        stored.jury_reminder_offsets = offsets
        plan_jury_reminders(uow, stored, NOW)
        uow.commit()


def why(database, dedupe_key: str) -> tuple[str, str | None]:
    with database.uow() as uow:
        row = uow.notifications.by_key(dedupe_key)
        return row.status, row.last_error


def jury_key(contest, juror_id: int, offset: int) -> str:
    return f"jury_reminder:{contest.id}:{juror_id}:{offset}"


def test_claim_loads_the_contest_and_the_entry_of_a_contest_result(storage):
    made = published(storage)

    batch = claim(storage, CLOSED)

    own = next(c for c in batch.claims
               if c.notification.dedupe_key.startswith(f"contest_result:{made.contest.id}:501:"))
    entry = made.entries["E-001"]
    assert (own.event, own.contest.id, own.facts.entries) == (
        None, made.contest.id,
        {entry.id: outbox_contests.EntryFacts(entry.id, "E-001", "Steppe wind", "Aigerim Serikova",
                                     "Karaganda Regional Youth Library")})
    assert (len(batch.claims), batch.skipped, batch.failed) == (8, 0, 0)


def test_claim_loads_the_winners_of_a_winners_list(storage):
    made = published(storage)

    batch = claim(storage, CLOSED)

    winners_list = next(c for c in batch.claims
                        if c.notification.kind == NotificationKind.WINNERS_LIST)
    assert sorted(fact.code for fact in winners_list.facts.entries.values()) == [
        "E-001", "E-002", "E-003"]
    assert sorted(made.entries[code].id for code in ("E-001", "E-002", "E-003")) == sorted(
        winners_list.facts.entries)


def test_claim_skips_the_result_of_an_entry_gone_since(storage):
    made = published(storage)
    with storage.uow() as uow:
        uow.session.delete(uow.entries.get(made.entries["E-004"].id))
        uow.commit()

    batch = claim(storage, CLOSED)

    result_key = f"contest_result:{made.contest.id}:504:{made.entries['E-004'].id}"
    assert result_key not in claimed_keys(batch)
    assert states(storage)[result_key] == (NotificationStatus.SKIPPED, 0)


def test_claim_sends_a_jury_reminder_with_the_jurors_progress(storage):
    made = small_contest(storage)
    jury_reminders(storage, made.contest, [24 * 60])
    deadline = made.contest.jury_deadline
    with storage.uow() as uow:  # juror A has scored all four; B two of three (a conflict)
        uow.session.delete(uow.jury.score(made.entries["E-003"].id, JUROR_B))
        uow.commit()

    batch = claim(storage, deadline - timedelta(hours=24))

    assert claimed_keys(batch) == [jury_key(made.contest, JUROR_B, 24 * 60)]
    assert batch.claims[0].facts == outbox_contests.ContestFacts(progress=(2, 3))
    assert why(storage, jury_key(made.contest, JUROR_A, 24 * 60)) == (
        NotificationStatus.SKIPPED, "the juror has scored every entry")


def test_claim_skips_jury_reminders_once_results_are_frozen(storage):
    made = small_contest(storage)
    jury_reminders(storage, made.contest, [24 * 60])
    with storage.uow() as uow:
        uow.session.delete(uow.jury.score(made.entries["E-003"].id, JUROR_B))
        results.freeze(uow, made.contest.id, CLOSED)
        uow.commit()

    batch = claim(storage, made.contest.jury_deadline - timedelta(hours=24))

    assert (claimed_keys(batch), batch.skipped) == ([], 2)
    assert why(storage, jury_key(made.contest, JUROR_B, 24 * 60)) == (
        NotificationStatus.SKIPPED, "the results are frozen")


def test_claim_skips_jury_reminders_after_the_deadline(storage):
    made = small_contest(storage)
    jury_reminders(storage, made.contest, [24 * 60, 60])
    with storage.uow() as uow:
        uow.session.delete(uow.jury.score(made.entries["E-003"].id, JUROR_B))
        uow.commit()

    batch = claim(storage, made.contest.jury_deadline)

    assert (claimed_keys(batch), batch.skipped) == ([], 4)


def test_claim_skips_jury_reminders_of_a_juror_no_longer_on_the_jury(storage):
    made = small_contest(storage)
    jury_reminders(storage, made.contest, [24 * 60])
    with storage.uow() as uow:
        uow.session.delete(uow.jury.score(made.entries["E-003"].id, JUROR_A))
        uow.session.delete(uow.jury.score(made.entries["E-003"].id, JUROR_B))
        uow.session.delete(uow.jury.juror(made.contest.id, JUROR_A))
        uow.commit()

    batch = claim(storage, made.contest.jury_deadline - timedelta(hours=24))

    assert claimed_keys(batch) == [jury_key(made.contest, JUROR_B, 24 * 60)]
    assert why(storage, jury_key(made.contest, JUROR_A, 24 * 60)) == (
        NotificationStatus.SKIPPED, "no longer on the jury")


def test_claim_sends_only_the_latest_of_several_overdue_jury_reminders(storage):
    made = small_contest(storage)
    jury_reminders(storage, made.contest, [24 * 60, 60])
    with storage.uow() as uow:
        uow.session.delete(uow.jury.score(made.entries["E-003"].id, JUROR_B))
        uow.commit()

    batch = claim(storage, made.contest.jury_deadline - timedelta(minutes=30))

    assert claimed_keys(batch) == [jury_key(made.contest, JUROR_B, 60)]
    assert states(storage)[jury_key(made.contest, JUROR_B, 24 * 60)] == (
        NotificationStatus.SKIPPED, 0)


def test_recovery_sends_a_half_sent_contest_result_again(storage):
    published(storage)
    claim(storage, CLOSED)  # the process dies before Telegram answers

    recovered = settle(storage, outbox.recover_interrupted, CLOSED)

    assert recovered == 8
    assert len(claim(storage, CLOSED).claims) == 8
