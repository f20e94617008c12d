"""Jury invites: one-time, hashed, expiring links."""

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.services.jury import InviteInvalid, is_juror
from bot.services.jury_invites import create_invite, join_by_token
from storage.contest_models import JuryInvite
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
