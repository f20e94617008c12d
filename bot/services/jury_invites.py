"""The organizers' Jury screen and one-time jury invites.

`jury_screen` reads the jury's progress and conflicts; it mints nothing. An invite is
minted only by `new_invite` (the "New invite link" button): a link that makes whoever
opens it first a juror. Minting does not revoke earlier unused invites: an organizer
may hand out several one-time links, each good for one juror until it expires.
Only a hash of the token is stored; the token itself is shown once, in the link.

`remove_juror` takes a juror off the jury (`jurors.removed_at`): their scores stop
counting in the results, and they are told so when they come back. Opening a new
invite puts them back (their scores count again). Once the results are frozen the
jury no longer changes: removing, and rejoining after a removal, are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.contests import ContestNotFound
from bot.services.jury import (
    InviteInvalid,
    JuryLocked,
    JuryOverview,
    contest_or_refuse,
    is_juror,
    jury_overview,
    person_name,
)
from bot.services.jury_reminders import plan_for_juror
from bot.services.tokens import new_token, token_hash
from storage.contest_models import Contest, Juror, JuryInvite
from storage.uow import Database, UnitOfWork

INVITE_TTL = timedelta(days=7)


def create_invite(
    uow: UnitOfWork, contest_id: int, organizer_id: int, now: datetime, ttl: timedelta = INVITE_TTL
) -> str:
    """A one-time invite; the token is returned once and only its hash is kept."""
    contest_or_refuse(uow, contest_id)
    token = new_token()
    uow.jury.add(JuryInvite(contest_id=contest_id, token_hash=token_hash(token),
                            created_by=organizer_id, created_at=now, expires_at=now + ttl))
    return token


def join_by_token(uow: UnitOfWork, token: str, user_id: int, now: datetime) -> Contest:
    """Join the jury the invite is for; the first to open a link uses it up.

    A juror already on the jury does not use up a fresh link (it stays for someone
    else); a removed juror is put back, unless the results are frozen.
    """
    invite = uow.jury.invite_by_hash(token_hash(token))
    if invite is None:
        raise InviteInvalid()
    contest = uow.contests.get(invite.contest_id)
    if contest is None:
        raise InviteInvalid()
    seat = uow.jury.juror(contest.id, user_id)
    seated = seat is not None and seat.removed_at is None
    if invite.used_at is not None:
        # Opening one's own link again is harmless; anyone else's use is refused.
        if invite.used_by == user_id and seated:
            return contest
        raise InviteInvalid()
    if invite.expires_at <= now:
        raise InviteInvalid()
    if seated:
        return contest
    if seat is not None and contest.frozen_at is not None:
        raise JuryLocked()
    if not uow.jury.claim_invite(invite.id, user_id, now):
        raise InviteInvalid()
    if seat is None:
        uow.jury.add(Juror(contest_id=contest.id, user_id=user_id, joined_at=now))
        uow.flush()
    else:
        seat.removed_at = None
    plan_for_juror(uow, contest, user_id, now)
    return contest


def joined_already(uow: UnitOfWork, token: str, user_id: int) -> bool:
    """Whether the user is already on the jury this invite is for."""
    invite = uow.jury.invite_by_hash(token_hash(token))
    return invite is not None and is_juror(uow, invite.contest_id, user_id)


# --- the organizers' Jury screen -----------------------------------------------------------


@dataclass(frozen=True)
class JuryScreen:
    """The organizer's Jury screen: the jurors so far, and the invites still open."""

    overview: JuryOverview
    # Invites neither used nor expired.
    open_invites: int


def jury_screen(uow: UnitOfWork, contest_id: int, now: datetime) -> JuryScreen:
    """Raises `ContestNotFound` for a contest that is gone."""
    overview = jury_overview(uow, contest_id)
    return JuryScreen(overview, uow.jury.open_invites(contest_id, now))


@dataclass(frozen=True)
class NewInvite:
    contest: Contest
    # Shown once, in the link; only its hash is stored.
    token: str
    expires_at: datetime


def new_invite(db: Database, contest_id: int, organizer_id: int, now: datetime) -> NewInvite:
    """One more one-time invite (earlier ones stay valid), in a unit of work of its own.

    Raises `ContestNotFound`, or `JuryLocked` once the results are frozen.
    """
    with db.uow() as uow:
        contest = contest_or_refuse(uow, contest_id)
        if contest.frozen_at is not None:
            raise JuryLocked()
        token = create_invite(uow, contest.id, organizer_id, now)
        uow.commit()
    return NewInvite(contest, token, now + INVITE_TTL)


class JurorNotFound(Exception):
    """The juror a button names is not on this contest's jury list (a forged or stale
    button, or a juror whose data were erased)."""


@dataclass(frozen=True)
class JurorSeat:
    """A juror as the removal question and its answer name them."""

    contest: Contest
    seat_id: int
    name: str
    removed: bool


def juror_seat(uow: UnitOfWork, contest_id: int, seat_id: int) -> JurorSeat:
    """The juror a Remove button names. Raises `ContestNotFound`, `JurorNotFound`."""
    contest = contest_or_refuse(uow, contest_id)
    return _seat(uow, contest, seat_id)


def remove_juror(db: Database, contest_id: int, seat_id: int, now: datetime) -> JurorSeat:
    """Take the juror off the jury: their scores stop counting. Removing twice changes
    nothing. Raises `ContestNotFound`, `JurorNotFound`, or `JuryLocked` once the results
    are frozen (the contest row is locked, as freezing locks it: one waits for the other).
    """
    with db.uow() as uow:
        contest = uow.results.contest(contest_id, lock=True)
        if contest is None:
            raise ContestNotFound(contest_id)
        if contest.frozen_at is not None:
            raise JuryLocked()
        found = _seat(uow, contest, seat_id)
        seat = uow.jury.seat(seat_id)
        if seat is not None and seat.removed_at is None:
            seat.removed_at = now
        uow.commit()
    return found


def _seat(uow: UnitOfWork, contest: Contest, seat_id: int) -> JurorSeat:
    seat = uow.jury.seat(seat_id)
    if seat is None or seat.contest_id != contest.id:
        raise JurorNotFound(seat_id)
    user = uow.users.get(seat.user_id)
    name = person_name(user) if user is not None else str(seat.user_id)
    return JurorSeat(contest, seat.id, name, seat.removed_at is not None)


@dataclass(frozen=True)
class JuryJoined:
    contest: Contest
    # The reader was on this jury before opening the link.
    already: bool


def join_jury(db: Database, token: str, user_id: int, now: datetime,
              name: str = "") -> JuryJoined:
    """`join_by_token` in a unit of work of its own; raises `InviteInvalid` or `JuryLocked`.

    The invite is used up by one conditional UPDATE (`claim_invite`), so two
    readers opening the same link at once cannot both join. The juror's Telegram name
    is kept (jurors are adults who agreed to judge), so that organizers can tell them
    apart on the Jury screen and in the results.
    """
    with db.uow() as uow:
        already = joined_already(uow, token, user_id)
        contest = join_by_token(uow, token, user_id, now)
        user = uow.users.get(user_id)
        if user is not None and name and not user.first_name:
            user.first_name = name[:255]
        uow.commit()
    return JuryJoined(contest, already)
