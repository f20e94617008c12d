"""Jury invites: one-time, hashed, expiring links."""

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.services.jury import InviteInvalid, JuryLocked, is_juror
from bot.services.jury_invites import (
    JurorNotFound,
    create_invite,
    join_by_token,
    join_jury,
    jury_screen,
    new_invite,
    remove_juror,
)
from storage.contest_models import Contest, JuryInvite
from storage.models import User
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW
from tests.services.test_jury import JUROR, ORGANIZER, OTHER_JUROR


def test_invite_stores_only_the_hash_of_a_long_random_token(storage):
    contest = make_contest(storage)

    with storage.uow() as uow:
        token = create_invite(uow, contest.id, ORGANIZER, NOW)
        uow.commit()

    with storage.uow() as uow:
        invite = uow.session.exec(select(JuryInvite)).one()
    assert (len(token), invite.token_hash, invite.expires_at, invite.used_at) == (
        32, hashlib.sha256(token.encode()).hexdigest(), NOW + timedelta(days=7), None)
    assert token not in invite.model_dump_json()


def test_invite_joins_once_and_is_refused_to_anyone_after(storage):
    contest = make_contest(storage)
    for user_id in (JUROR, OTHER_JUROR):
        make_reader(storage, user_id)
    with storage.uow() as uow:
        token = create_invite(uow, contest.id, ORGANIZER, NOW)
        uow.commit()

    with storage.uow() as uow:
        joined = join_by_token(uow, token, JUROR, NOW)
        uow.commit()
    with storage.uow() as uow, pytest.raises(InviteInvalid):
        join_by_token(uow, token, OTHER_JUROR, NOW)

    with storage.uow() as uow:
        assert (joined.id, is_juror(uow, contest.id, JUROR),
                is_juror(uow, contest.id, OTHER_JUROR)) == (contest.id, True, False)
        invite = uow.session.exec(select(JuryInvite)).one()
        assert (invite.used_by, invite.used_at) == (JUROR, NOW)


def test_invite_opened_again_by_its_juror_changes_nothing(storage):
    contest = make_contest(storage)
    make_reader(storage, JUROR)
    with storage.uow() as uow:
        token = create_invite(uow, contest.id, ORGANIZER, NOW)
        join_by_token(uow, token, JUROR, NOW)
        uow.commit()

    with storage.uow() as uow:
        again = join_by_token(uow, token, JUROR, NOW + timedelta(hours=1))
        uow.commit()

    assert again.id == contest.id


def test_invite_expires_after_seven_days(storage):
    clock = ManualClock(NOW)
    contest = make_contest(storage)
    make_reader(storage, JUROR)
    with storage.uow() as uow:
        token = create_invite(uow, contest.id, ORGANIZER, clock.now())
        uow.commit()

    clock.advance(timedelta(days=7))
    with storage.uow() as uow, pytest.raises(InviteInvalid) as refused:
        join_by_token(uow, token, JUROR, clock.now())

    with storage.uow() as uow:
        assert (str(refused.value), is_juror(uow, contest.id, JUROR)) == (
            "This invitation is not valid (used or expired). Ask the organizer for a new one.",
            False)


def test_unknown_token_is_refused(storage):
    make_contest(storage)
    make_reader(storage, JUROR)
    with storage.uow() as uow, pytest.raises(InviteInvalid):
        join_by_token(uow, "x" * 32, JUROR, NOW)


def seat_of(storage, contest_id: int, user_id: int):
    with storage.uow() as uow:
        return uow.jury.juror(contest_id, user_id)


def invited(storage, contest_id: int) -> str:
    with storage.uow() as uow:
        token = create_invite(uow, contest_id, ORGANIZER, NOW)
        uow.commit()
    return token


def join_by_token_now(storage, token: str, user_id: int, now=NOW) -> Contest:
    with storage.uow() as uow:
        contest = join_by_token(uow, token, user_id, now)
        uow.commit()
    return contest


def test_new_invite_leaves_the_earlier_ones_open(storage):
    contest = make_contest(storage)

    first = new_invite(storage, contest.id, ORGANIZER, NOW)
    second = new_invite(storage, contest.id, ORGANIZER, NOW)

    with storage.uow() as uow:
        screen = jury_screen(uow, contest.id, NOW)
    assert (first.token != second.token, second.expires_at, screen.open_invites) == (
        True, NOW + timedelta(days=7), 2)


def test_jury_screen_counts_neither_used_nor_expired_invites(storage):
    contest = make_contest(storage)
    make_reader(storage, JUROR)
    join_by_token_now(storage, invited(storage, contest.id), JUROR)
    invited(storage, contest.id)

    with storage.uow() as uow:
        now_open = jury_screen(uow, contest.id, NOW).open_invites
        later = jury_screen(uow, contest.id, NOW + timedelta(days=8)).open_invites
    assert (now_open, later) == (1, 0)


def test_a_juror_on_the_jury_does_not_use_up_a_fresh_link(storage):
    contest = make_contest(storage)
    make_reader(storage, JUROR)
    join_by_token_now(storage, invited(storage, contest.id), JUROR)
    fresh = invited(storage, contest.id)

    join_by_token_now(storage, fresh, JUROR)

    with storage.uow() as uow:
        assert jury_screen(uow, contest.id, NOW).open_invites == 1


def test_remove_juror_sets_removed_at_and_a_new_invite_brings_them_back(storage):
    contest = make_contest(storage)
    make_reader(storage, JUROR, full_name="Dana Omarova")
    join_by_token_now(storage, invited(storage, contest.id), JUROR)
    seat_id = seat_of(storage, contest.id, JUROR).id

    removed = remove_juror(storage, contest.id, seat_id, NOW + timedelta(hours=1))
    again = remove_juror(storage, contest.id, seat_id, NOW + timedelta(hours=2))
    removed_at = seat_of(storage, contest.id, JUROR).removed_at
    join_by_token_now(storage, invited(storage, contest.id), JUROR, NOW + timedelta(hours=3))

    assert (removed.name, removed.removed, again.removed) == ("Dana Omarova", False, True)
    assert removed_at == NOW + timedelta(hours=1)
    with storage.uow() as uow:
        assert (seat_of(storage, contest.id, JUROR).removed_at,
                is_juror(uow, contest.id, JUROR)) == (None, True)


def test_a_removed_juror_cannot_come_back_through_their_used_link(storage):
    contest = make_contest(storage)
    make_reader(storage, JUROR)
    token = invited(storage, contest.id)
    join_by_token_now(storage, token, JUROR)
    remove_juror(storage, contest.id, seat_of(storage, contest.id, JUROR).id, NOW)

    with pytest.raises(InviteInvalid):
        join_by_token_now(storage, token, JUROR)


def test_once_frozen_the_jury_no_longer_changes(storage):
    contest = make_contest(storage)
    for user_id in (JUROR, OTHER_JUROR):
        make_reader(storage, user_id)
        join_by_token_now(storage, invited(storage, contest.id), user_id)
    remove_juror(storage, contest.id, seat_of(storage, contest.id, OTHER_JUROR).id, NOW)
    fresh = invited(storage, contest.id)
    with storage.uow() as uow:
        uow.contests.get(contest.id).frozen_at = NOW
        uow.commit()

    with pytest.raises(JuryLocked) as refused:
        remove_juror(storage, contest.id, seat_of(storage, contest.id, JUROR).id, NOW)
    with pytest.raises(JuryLocked):
        join_by_token_now(storage, fresh, OTHER_JUROR)
    with pytest.raises(JuryLocked):
        new_invite(storage, contest.id, ORGANIZER, NOW)

    assert str(refused.value) == "The results are frozen, so the jury can no longer change."
    assert (seat_of(storage, contest.id, JUROR).removed_at,
            seat_of(storage, contest.id, OTHER_JUROR).removed_at) == (None, NOW)


def test_remove_juror_refuses_a_seat_of_another_contest(storage):
    contest = make_contest(storage)
    other = make_contest(storage, titles={"en": "Subjective"})
    make_reader(storage, JUROR)
    join_by_token_now(storage, invited(storage, other.id), JUROR)

    with pytest.raises(JurorNotFound):
        remove_juror(storage, contest.id, seat_of(storage, other.id, JUROR).id, NOW)

    assert seat_of(storage, other.id, JUROR).removed_at is None


def test_join_jury_keeps_the_jurors_telegram_name_for_the_organizers(storage):
    contest = make_contest(storage)
    with storage.uow() as uow:
        uow.users.add(User(id=JUROR, language="en", created_at=NOW))
        token = create_invite(uow, contest.id, ORGANIZER, NOW)
        uow.commit()

    join_jury(storage, token, JUROR, NOW, "Olena Kovalenko")

    with storage.uow() as uow:
        assert uow.users.get(JUROR).first_name == "Olena Kovalenko"
