"""The jury: blind scoring, conflicts of interest, jury reminders (invites:
`bot.services.jury_invites`).

Jurors see entries only as `BlindEntry` (code, title, caption, the work): the
author's name, library, contact and user id never leave this module towards a
juror. Every function that acts for a juror checks that the user is on the jury
of *that* contest (joined, not removed by an organizer) and that the entry belongs
to it, so a button forged for another contest changes nothing.

A juror who also entered the contest is conflicted on their own entries without
declaring it: computed from `entries.user_id` in every query that counts or offers
entries (no conflicts row), they are never offered, cannot be scored, and count
as conflicts in the juror's progress. Scores of removed jurors, and any score of
an author on their own entry, do not count in the results (`ResultRepository.scores`).
"""

from __future__ import annotations

import gettext
import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from bot.core.i18n import N_, Nn_, Plural, Translator
from bot.services import scoring
from bot.services.contests import ContestNotFound
from bot.services.scoring import Criterion
from storage.contest_models import (
    Conflict,
    Contest,
    Entry,
    EntryStatus,
    Score,
)
from storage.models import User
from storage.uow import UnitOfWork

COMMENT_LIMIT = 1000
NOTE_LIMIT = 500


class JuryError(Exception):
    """Something a juror asked for is refused; `render` says why in their language.

    `msgid` is an `N_` message, or an `Nn_` pair whose `count` parameter picks the form.
    """

    default_msgid = N_("This is for jury members only.")

    def __init__(self, msgid: str | Plural | None = None, **params: object) -> None:
        self.msgid = msgid or self.default_msgid
        self.params = params
        super().__init__(self.render(Translator("en", gettext.NullTranslations())))

    def render(self, t: Translator) -> str:
        if isinstance(self.msgid, Plural):
            return self.msgid.translate(t, self.params)
        return t.gettext(self.msgid).format(**self.params)


class JuryDenied(JuryError):
    """Not a juror of this contest, or the entry is not one of this contest's."""


class InviteInvalid(JuryError):
    default_msgid = N_(
        "This invitation is not valid (used or expired). Ask the organizer for a new one."
    )


class ScoresFrozen(JuryError):
    default_msgid = N_("The results are frozen: scores can no longer change.")


class EntryConflicted(JuryError):
    default_msgid = N_("You declared a conflict of interest with this entry.")


class OwnEntry(EntryConflicted):
    """The juror wrote this entry: a conflict of interest nobody has to declare."""

    default_msgid = N_("This is your own entry: you do not score it.")


class JurorRemoved(JuryError):
    """An organizer removed the juror from this contest's jury."""

    default_msgid = N_("You are no longer on the jury of this contest: an organizer removed "
                       "you.")


class JuryLocked(JuryError):
    """The results are frozen: nobody joins or leaves the jury any more."""

    default_msgid = N_("The results are frozen, so the jury can no longer change.")


class EntryWithdrawn(JuryError):
    default_msgid = N_("This entry was withdrawn and is no longer judged.")


class ScoreInvalid(JuryError):
    """A score outside the scale, a criterion missing or unknown, a comment too long."""


@dataclass(frozen=True)
class BlindEntry:
    """What a juror may see of an entry. No author fields, on purpose."""

    id: int
    contest_id: int
    code: str
    title: str
    caption: str | None
    content: str
    text: str | None
    file_id: str | None
    # The file's extension (".pdf"), so it can be re-sent under a neutral name:
    # authors often name their files after themselves.
    extension: str


@dataclass(frozen=True)
class JurorProgress:
    contest: Contest
    scored: int
    total: int


@dataclass(frozen=True)
class ScoredEntry:
    entry_id: int
    code: str
    title: str
    score: float


@dataclass(frozen=True)
class OtherScore:
    """Another juror's score, anonymised as "Juror <label>"."""

    label: int
    values: dict[str, int]
    score: float


@dataclass(frozen=True)
class JurorRow:
    user_id: int
    name: str
    scored: int
    total: int
    # The jurors row's own id: what the organizers' Remove button carries.
    seat_id: int = 0


@dataclass(frozen=True)
class DeclaredConflict:
    juror_id: int
    juror_name: str
    entry_id: int
    entry_code: str
    declared_at: datetime


@dataclass(frozen=True)
class OwnEntryConflict:
    """A juror's own entry: conflicted without a declaration (they never score it)."""

    juror_id: int
    juror_name: str
    entry_id: int
    entry_code: str


@dataclass(frozen=True)
class JuryOverview:
    contest: Contest
    jurors: list[JurorRow]
    conflicts: list[DeclaredConflict]
    # Jurors' own entries in the contest.
    own_entries: list[OwnEntryConflict] = field(default_factory=list)
    # Names of the jurors an organizer removed (their scores do not count).
    removed: list[str] = field(default_factory=list)


# --- jurors and progress -------------------------------------------------------------------


def is_juror(uow: UnitOfWork, contest_id: int, user_id: int) -> bool:
    """On the contest's jury now: joined and not removed."""
    seat = uow.jury.juror(contest_id, user_id)
    return seat is not None and seat.removed_at is None


def check_juror(uow: UnitOfWork, contest_id: int, user_id: int) -> None:
    """Raises `JurorRemoved` for a juror an organizer removed, `JuryDenied` for anyone else
    not on the contest's jury."""
    seat = uow.jury.juror(contest_id, user_id)
    if seat is None or uow.contests.get(contest_id) is None:
        raise JuryDenied()
    if seat.removed_at is not None:
        raise JurorRemoved()


def progress(uow: UnitOfWork, contest_id: int, juror_id: int) -> tuple[int, int]:
    """(scored, total): entries still in the contest, without the juror's conflicts."""
    total = uow.jury.count_submitted(contest_id) - uow.jury.count_conflicts(contest_id, juror_id)
    return uow.jury.count_scored(contest_id, juror_id), total


def juror_contests(uow: UnitOfWork, user_id: int) -> list[JurorProgress]:
    return [
        JurorProgress(contest, *progress(uow, contest.id, user_id))
        for contest in uow.jury.contests_of(user_id)
    ]


def jury_overview(uow: UnitOfWork, contest_id: int) -> JuryOverview:
    """For organizers: every juror with their progress, the conflicts (declared, and
    jurors' own entries) and the jurors removed."""
    contest = contest_or_refuse(uow, contest_id)
    rows = [
        JurorRow(user.id, person_name(user), *progress(uow, contest_id, user.id), seat_id=juror.id)
        for juror, user in uow.jury.jurors(contest_id)
    ]
    own = [OwnEntryConflict(user.id, person_name(user), entry.id, entry.code)
           for entry, user in uow.jury.own_entries(contest_id)]
    removed = [person_name(user) for _juror, user in uow.jury.removed_jurors(contest_id)]
    return JuryOverview(contest, rows, conflicts(uow, contest_id), own, removed)


def conflicts(uow: UnitOfWork, contest_id: int) -> list[DeclaredConflict]:
    return [
        DeclaredConflict(user.id, person_name(user), entry.id, entry.code, conflict.declared_at)
        for conflict, entry, user in uow.jury.conflicts(contest_id)
    ]


# --- blind entries -------------------------------------------------------------------------


def next_entry(
    uow: UnitOfWork, contest_id: int, juror_id: int, after: int | None = None
) -> BlindEntry | None:
    """The next entry the juror has neither scored nor declared a conflict with.

    `after` is the id of an entry the juror passed over ("Later"): the search
    goes on from its number and wraps around to the first, so `after` comes
    back only when nothing else is left.
    """
    _juror_contest(uow, contest_id, juror_id)
    above = 0
    if after is not None:
        passed = uow.jury.entry(after)
        if passed is None or passed.contest_id != contest_id:
            raise JuryDenied()
        above = passed.number
    found = uow.jury.unscored(contest_id, juror_id, above=above)
    if not found and above:
        found = uow.jury.unscored(contest_id, juror_id)
    return blind(found[0]) if found else None


def entry_for_juror(uow: UnitOfWork, contest_id: int, entry_id: int, juror_id: int) -> BlindEntry:
    """One entry of the contest, to score or to revise."""
    _found, entry = _juror_entry(uow, contest_id, entry_id, juror_id)
    return blind(entry)


def blind(entry: Entry) -> BlindEntry:
    return BlindEntry(
        id=entry.id,
        contest_id=entry.contest_id,
        code=entry.code,
        title=entry.title,
        caption=entry.caption,
        content=entry.content,
        text=entry.text,
        file_id=entry.file_id,
        extension=_extension(entry),
    )


def _extension(entry: Entry) -> str:
    suffix = PurePosixPath(entry.file_name or "").suffix.lower()
    if 1 < len(suffix) <= 6:
        return suffix
    return mimetypes.guess_extension(entry.mime_type or "") or ""


def scored_entries(uow: UnitOfWork, contest_id: int, juror_id: int) -> list[ScoredEntry]:
    """The juror's scored entries with their weighted score, to pick one to revise."""
    contest = _juror_contest(uow, contest_id, juror_id)
    return [
        ScoredEntry(entry.id, entry.code, entry.title, weighted_score(contest, score.values))
        for score, entry in uow.jury.scored_by(contest_id, juror_id)
    ]


def own_score(uow: UnitOfWork, contest_id: int, entry_id: int, juror_id: int) -> Score | None:
    _juror_entry(uow, contest_id, entry_id, juror_id)
    return uow.jury.score(entry_id, juror_id)


# --- scoring -------------------------------------------------------------------------------


def weighted_score(contest: Contest, values: dict[str, int]) -> float:
    """A juror's score as they see it: `scoring.weighted_score` (the one definition),
    a criterion not given yet counting 0, rounded to 2 places for display."""
    criteria = [Criterion(str(c["key"]), float(c["weight"])) for c in contest.criteria]
    filled = {criterion.key: values.get(criterion.key, 0) for criterion in criteria}
    return round(scoring.weighted_sum(criteria, filled), 2)


def check_value(contest: Contest, value: int) -> None:
    if not contest.scale_min <= value <= contest.scale_max:
        raise ScoreInvalid(N_("A score must be from {low} to {high}."),
                           low=contest.scale_min, high=contest.scale_max)


def check_comment(comment: str | None) -> str | None:
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > COMMENT_LIMIT:
        raise ScoreInvalid(
            Nn_("The comment is too long: {length} character, at most {limit}.",
                "The comment is too long: {length} characters, at most {limit}.",
                count="length"),
            length=len(comment), limit=COMMENT_LIMIT)
    return comment


def save_score(
    uow: UnitOfWork,
    contest_id: int,
    entry_id: int,
    juror_id: int,
    values: dict[str, int],
    comment: str | None,
    now: datetime,
) -> Score:
    """Save (or overwrite) the juror's score: one value per criterion, on the scale."""
    contest, entry = _juror_entry(uow, contest_id, entry_id, juror_id)
    _check_open(contest)
    keys = [c["key"] for c in contest.criteria]
    unknown = sorted(set(values) - set(keys))
    if unknown:
        raise ScoreInvalid(N_("Unknown criterion: {key}."), key=unknown[0])
    for criterion in contest.criteria:
        if criterion["key"] not in values:
            raise ScoreInvalid(N_("No score for {criterion}."), criterion=criterion["key"])
    clean = {key: int(values[key]) for key in keys}
    for value in clean.values():
        check_value(contest, value)
    comment = check_comment(comment)
    score = uow.jury.score(entry.id, juror_id)
    if score is None:
        score = Score(entry_id=entry.id, juror_id=juror_id, values=clean, comment=comment,
                      saved_at=now)
        uow.jury.add(score)
    else:
        score.values, score.comment, score.saved_at = clean, comment, now
    return score


def scorable(
    uow: UnitOfWork, contest_id: int, entry_id: int, juror_id: int
) -> tuple[Contest, BlindEntry]:
    """The contest and the entry, if the juror may score it now: refuses early (before
    they press through every criterion) what Save would refuse."""
    contest, entry = _juror_entry(uow, contest_id, entry_id, juror_id)
    _check_open(contest)
    return contest, blind(entry)


def others_scores(
    uow: UnitOfWork, contest_id: int, entry_id: int, juror_id: int
) -> list[OtherScore] | None:
    """The other jurors' scores of an entry, anonymised by the order they joined.

    None when the contest does not show them, or the juror has not saved their own.
    """
    contest, entry = _juror_entry(uow, contest_id, entry_id, juror_id)
    if not contest.show_other_scores or uow.jury.score(entry.id, juror_id) is None:
        return None
    others = [user.id for _juror, user in uow.jury.jurors(contest_id) if user.id != juror_id]
    labels = {user_id: label for label, user_id in enumerate(others, start=1)}
    return sorted(
        (OtherScore(labels[s.juror_id], dict(s.values), weighted_score(contest, s.values))
         for s in uow.jury.scores_of_entry(entry.id) if s.juror_id in labels),
        key=lambda other: other.label,
    )


def declare_conflict(
    uow: UnitOfWork,
    contest_id: int,
    entry_id: int,
    juror_id: int,
    now: datetime,
    note: str | None = None,
) -> Conflict:
    """The entry is never shown to the juror again; their score for it, if any, goes."""
    contest = _juror_contest(uow, contest_id, juror_id)
    entry = uow.jury.entry(entry_id)
    if entry is None or entry.contest_id != contest_id:
        raise JuryDenied()
    _check_open(contest)
    existing = uow.jury.conflict(entry.id, juror_id)
    if existing is not None:
        return existing
    score = uow.jury.score(entry.id, juror_id)
    if score is not None:
        uow.jury.delete(score)
    conflict = Conflict(entry_id=entry.id, juror_id=juror_id,
                        note=(note or "").strip()[:NOTE_LIMIT] or None, declared_at=now)
    uow.jury.add(conflict)
    return conflict


# --- checks --------------------------------------------------------------------------------


def contest_or_refuse(uow: UnitOfWork, contest_id: int) -> Contest:
    contest = uow.contests.get(contest_id)
    if contest is None:
        raise ContestNotFound(contest_id)
    return contest


def _juror_contest(uow: UnitOfWork, contest_id: int, juror_id: int) -> Contest:
    check_juror(uow, contest_id, juror_id)
    return contest_or_refuse(uow, contest_id)


def _juror_entry(
    uow: UnitOfWork, contest_id: int, entry_id: int, juror_id: int
) -> tuple[Contest, Entry]:
    contest = _juror_contest(uow, contest_id, juror_id)
    entry = uow.jury.entry(entry_id)
    if entry is None or entry.contest_id != contest_id:
        raise JuryDenied()
    if entry.status != EntryStatus.SUBMITTED:
        raise EntryWithdrawn()
    if entry.user_id == juror_id:
        raise OwnEntry()
    if uow.jury.conflict(entry.id, juror_id) is not None:
        raise EntryConflicted()
    return contest, entry


def _check_open(contest: Contest) -> None:
    if contest.frozen_at is not None:
        raise ScoresFrozen()


def person_name(user: User) -> str:
    return user.full_name or user.first_name or str(user.id)
