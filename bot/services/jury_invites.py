"""One-time jury invites: an organizer's link that makes whoever opens it first a juror.

Only a hash of the token is stored; the token itself is shown once, in the link.
`invite_juror` and `join_jury` are the organizer's Jury button and the juror's
link, each in a unit of work of its own.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.jury import (
    InviteInvalid,
    JuryOverview,
    contest_or_refuse,
    is_juror,
    jury_overview,
)
from bot.services.jury_reminders import plan_for_juror
from storage.contest_models import Contest, Juror, JuryInvite
from storage.uow import Database, UnitOfWork

INVITE_TTL = timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(
    uow: UnitOfWork, contest_id: int, organizer_id: int, now: datetime, ttl: timedelta = INVITE_TTL
) -> str:
    """A one-time invite; the token is returned once and only its hash is kept."""
    contest_or_refuse(uow, contest_id)
    token = secrets.token_urlsafe(24)  # 192 bits
    uow.jury.add(JuryInvite(contest_id=contest_id, token_hash=token_hash(token),
                            created_by=organizer_id, created_at=now, expires_at=now + ttl))
    return token


def join_by_token(uow: UnitOfWork, token: str, user_id: int, now: datetime) -> Contest:
    """Join the jury the invite is for; the first to open a link uses it up."""
    invite = uow.jury.invite_by_hash(token_hash(token))
    if invite is None:
        raise InviteInvalid()
    contest = uow.contests.get(invite.contest_id)
    if contest is None:
        raise InviteInvalid()
    if invite.used_at is not None:
        # Opening one's own link again is harmless; anyone else's use is refused.
        if invite.used_by == user_id and is_juror(uow, contest.id, user_id):
            return contest
        raise InviteInvalid()
    if invite.expires_at <= now or not uow.jury.claim_invite(invite.id, user_id, now):
        raise InviteInvalid()
    if not is_juror(uow, contest.id, user_id):
        uow.jury.add(Juror(contest_id=contest.id, user_id=user_id, joined_at=now))
        uow.flush()
        plan_for_juror(uow, contest, user_id, now)
    return contest


def joined_already(uow: UnitOfWork, token: str, user_id: int) -> bool:
    """Whether the user is already on the jury this invite is for."""
    invite = uow.jury.invite_by_hash(token_hash(token))
    return invite is not None and is_juror(uow, invite.contest_id, user_id)


@dataclass(frozen=True)
class JuryInvitation:
    """The organizer's Jury screen: the jurors so far and a fresh one-time token."""

    overview: JuryOverview
    token: str


def invite_juror(db: Database, contest_id: int, organizer_id: int,
                 now: datetime) -> JuryInvitation:
    """The jury's overview and a new invite, in a unit of work of its own;
    raises `ContestNotFound` for a contest that is gone."""
    with db.uow() as uow:
        overview = jury_overview(uow, contest_id)
        token = create_invite(uow, overview.contest.id, organizer_id, now)
        uow.commit()
    return JuryInvitation(overview, token)


@dataclass(frozen=True)
class JuryJoined:
    contest: Contest
    # The reader was on this jury before opening the link.
    already: bool


def join_jury(db: Database, token: str, user_id: int, now: datetime) -> JuryJoined:
    """`join_by_token` in a unit of work of its own; raises `InviteInvalid`.

    The invite is used up by one conditional UPDATE (`claim_invite`), so two
    readers opening the same link at once cannot both join.
    """
    with db.uow() as uow:
        already = joined_already(uow, token, user_id)
        contest = join_by_token(uow, token, user_id, now)
        uow.commit()
    return JuryJoined(contest, already)
