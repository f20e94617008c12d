"""A contest's results for its organizers: preview, freeze, publish.

- `preview` computes the results from the scores as they are now (see `bot.services.scoring` for
  every definition), re-checking each author's eligibility from their current profile; once the
  results are frozen it shows the frozen figures instead, whatever changes afterwards. Scores of
  jurors an organizer removed are left out (`removed_jurors` says how many), and so is any score
  of an author on their own entry (a conflict of interest, see `bot.services.jury`).
- `freeze` (submissions closed, not yet frozen, at least one entry) writes one `ContestResult` per
  standing entry and sets `frozen_at`, which locks the jury. Eligibility is re-checked here from
  the CURRENT profile (`entries.eligible`): a birth date or country edited after entering cannot
  slip past it; the entry is flagged "ineligible" and not ranked.
- `publish` (frozen, not yet published) queues, in the outbox, one CONTEST_RESULT per entry for its
  author and one WINNERS_LIST per member of the chosen audience, and sets `published_at`. Rendering
  and sending them is the delivery's job; the caller commits (which wakes the sender).

Nothing here commits or knows about Telegram.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.core.i18n import N_, Translator
from bot.services.contests import ContestNotFound, is_open
from bot.services.entries import eligible
from bot.services.scoring import (
    Criterion,
    EntryInput,
    EntryResult,
    Rules,
    ScoreInput,
    compute,
    weighted_score,
)
from storage.contest_models import Contest, ContestResult, Entry, Score
from storage.models import Notification, NotificationKind, User
from storage.uow import UnitOfWork

AUDIENCES = ("participants", "jurors", "organizer")

ALREADY_FROZEN = N_("The results are already frozen.")
# Translators: "Close submissions" is the label of a button on the contest card.
STILL_OPEN = N_("Submissions are still open. Close them first: press Close submissions on the "
                "contest card in /contests.")
NO_ENTRIES = N_("There are no entries, so there are no results to freeze.")
NOT_FROZEN = N_("Freeze the results before publishing them.")
ALREADY_PUBLISHED = N_("The results have already been published.")


class ResultsRefused(Exception):
    """Freeze or Publish cannot be done now; `render` says why in the organizer's language."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.msgid = msgid
        self.params = params
        # English, so that logs and tracebacks read as text rather than a msgid.
        super().__init__(self.render(Translator("en", gettext.NullTranslations())))

    def render(self, t: Translator) -> str:
        return t.gettext(self.msgid).format(**self.params)


@dataclass(frozen=True)
class JurorColumn:
    user_id: int
    name: str


@dataclass(frozen=True)
class ResultRow:
    entry_id: int
    code: str
    title: str
    user_id: int
    author: str
    library: str
    side: str | None
    # juror id -> that juror's weighted score (see `ResultsView.jurors` for the columns)
    per_juror: dict[int, float]
    score: float | None
    normalized: float | None
    spread: float | None
    jurors: int
    # "incomplete" | "ineligible" | None (ranked)
    flag: str | None
    # within the side; None when not ranked
    place: int | None
    shared: bool
    overall_place: int | None
    winner: bool


@dataclass(frozen=True)
class ResultsView:
    contest: Contest
    # Ranked entries by overall place, then the unranked ones by code.
    rows: list[ResultRow]
    jurors: list[JurorColumn]
    frozen: bool
    published: bool
    # Jurors an organizer removed whose scores are therefore not counted.
    removed_jurors: int = 0

    @property
    def winners(self) -> list[ResultRow]:
        """Winners by side (in the contest's order of sides), then place, then code."""
        order = {side.get("key"): index for index, side in enumerate(self.contest.sides)}
        chosen = [row for row in self.rows if row.winner]
        return sorted(chosen, key=lambda row: (order.get(row.side, len(order)), row.place))


def rules_of(contest: Contest) -> Rules:
    return Rules(
        criteria=tuple(
            Criterion(str(criterion["key"]), float(criterion["weight"]))
            for criterion in contest.criteria
        ),
        aggregate=contest.aggregate,
        normalize=contest.normalize,
        tie_policy=contest.tie_policy,
        quota_per_side=contest.quota_per_side,
        min_jurors=contest.min_jurors,
    )


def preview(uow: UnitOfWork, contest_id: int, now: datetime) -> ResultsView:
    """The results as they stand (or as frozen). Raises ContestNotFound."""
    contest = _contest(uow, contest_id)
    if contest.frozen_at is not None:
        return _frozen_view(uow, contest)
    return _live_view(uow, contest)


def freeze(uow: UnitOfWork, contest_id: int, now: datetime) -> ResultsView:
    """Write the results and lock the jury. Raises ResultsRefused or ContestNotFound."""
    contest = _contest(uow, contest_id, lock=True)
    if contest.frozen_at is not None:
        raise ResultsRefused(ALREADY_FROZEN)
    # Otherwise an entry sent after freezing would have no result and hear nothing on Publish.
    if is_open(contest, now):
        raise ResultsRefused(STILL_OPEN)
    view = _live_view(uow, contest)
    if not view.rows:
        raise ResultsRefused(NO_ENTRIES)
    uow.results.delete_for_contest(contest.id)
    for row in view.rows:
        uow.results.add(
            ContestResult(
                contest_id=contest.id, entry_id=row.entry_id, side=row.side, score=row.score,
                normalized=row.normalized, spread=row.spread, jurors=row.jurors,
                place=row.place, shared=row.shared, overall_place=row.overall_place,
                winner=row.winner, flag=row.flag,
            )
        )
    contest.frozen_at = now
    contest.updated_at = now
    uow.flush()
    return replace(view, frozen=True)


def _erased(uow: UnitOfWork, user_id: int) -> bool:
    user = uow.users.get(user_id)
    return user is None or user.erased_at is not None


def publish(
    uow: UnitOfWork,
    contest_id: int,
    now: datetime,
    audience: str,
    *,
    organizer_id: int | None = None,
) -> int:
    """Queue every participant's outcome and the winners list; returns the rows queued.

    Each entry's author gets a CONTEST_RESULT with payload {"entry_id", "place", "shared",
    "winner", "side", "flag"}; the audience ("participants" | "jurors" | "organizer" = the
    contest's creator and `organizer_id`, the organizer publishing) gets a WINNERS_LIST with
    payload {"audience", "winners": [{"entry_id", "side", "place", "shared"}, ...]} (by side,
    then place). Raises ResultsRefused, ContestNotFound, or ValueError for an unknown audience.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    contest = _contest(uow, contest_id, lock=True)
    if contest.frozen_at is None:
        raise ResultsRefused(NOT_FROZEN)
    if contest.published_at is not None:
        raise ResultsRefused(ALREADY_PUBLISHED)
    view = _frozen_view(uow, contest)
    queued = 0
    for row in view.rows:
        if _erased(uow, row.user_id):
            continue  # they asked to be forgotten: no certificate made out to no one
        payload = {
            "entry_id": row.entry_id, "place": row.place, "shared": row.shared,
            "winner": row.winner, "side": row.side, "flag": row.flag,
        }
        key = f"contest_result:{contest.id}:{row.user_id}:{row.entry_id}"
        queued += _enqueue(uow, key, NotificationKind.CONTEST_RESULT, contest, row.user_id,
                           payload, now)
    winners = [
        {"entry_id": row.entry_id, "side": row.side, "place": row.place, "shared": row.shared}
        for row in view.winners
    ]
    for user_id in _audience(uow, contest, view, audience, organizer_id):
        if _erased(uow, user_id):
            continue
        key = f"winners_list:{contest.id}:{user_id}"
        queued += _enqueue(uow, key, NotificationKind.WINNERS_LIST, contest, user_id,
                           {"audience": audience, "winners": winners}, now)
    contest.published_at = now
    contest.updated_at = now
    uow.flush()
    return queued


def _contest(uow: UnitOfWork, contest_id: int, *, lock: bool = False) -> Contest:
    contest = uow.results.contest(contest_id, lock=lock)
    if contest is None:
        raise ContestNotFound(contest_id)
    return contest


def _live_view(uow: UnitOfWork, contest: Contest) -> ResultsView:
    standing = uow.results.standing_entries(contest.id)
    scores = uow.results.scores(contest.id)
    entries = [
        EntryInput(entry.id, entry.side, eligible=eligible(contest, user) is None)
        for entry, user in standing
    ]
    computed = compute(
        rules_of(contest),
        entries,
        (ScoreInput(score.entry_id, score.juror_id, score.values) for score in scores),
    )
    by_id = {entry.id: (entry, user) for entry, user in standing}
    rows = [_row(*by_id[result.entry_id], result) for result in computed]
    return ResultsView(contest=contest, rows=rows, jurors=_juror_columns(uow, contest, scores),
                       frozen=False, published=False,
                       removed_jurors=uow.results.removed_jurors_with_scores(contest.id))


def _frozen_view(uow: UnitOfWork, contest: Contest) -> ResultsView:
    """The frozen figures; per-juror scores are read again (the jury is locked since)."""
    scores = uow.results.scores(contest.id)
    rules = rules_of(contest)
    per_entry: dict[int, dict[int, float]] = {}
    for score in scores:
        value = weighted_score(rules, score.values)
        if value is not None:
            per_entry.setdefault(score.entry_id, {})[score.juror_id] = value
    frozen = uow.results.frozen(contest.id)
    ranked = sorted(
        (item for item in frozen if item[0].flag is None),
        key=lambda item: (item[0].overall_place or 0, item[1].number),
    )
    unranked = [item for item in frozen if item[0].flag is not None]
    rows = []
    for stored, entry, user in ranked + unranked:
        result = EntryResult(
            entry_id=entry.id, side=stored.side, score=stored.score,
            normalized=stored.normalized, spread=stored.spread, jurors=stored.jurors,
            place=stored.place, shared=stored.shared, overall_place=stored.overall_place,
            winner=stored.winner, flag=stored.flag, per_juror=per_entry.get(entry.id, {}),
        )
        rows.append(_row(entry, user, result))
    # Nobody is removed or comes back once frozen (`jury_invites`): the count stays as it was.
    return ResultsView(contest=contest, rows=rows, jurors=_juror_columns(uow, contest, scores),
                       frozen=True, published=contest.published_at is not None,
                       removed_jurors=uow.results.removed_jurors_with_scores(contest.id))


def _row(entry: Entry, user: User, result: EntryResult) -> ResultRow:
    return ResultRow(
        entry_id=entry.id, code=entry.code, title=entry.title, user_id=user.id,
        author=user.full_name or user.first_name, library=user.library or "",
        side=result.side, per_juror=result.per_juror, score=result.score,
        normalized=result.normalized, spread=result.spread, jurors=result.jurors,
        flag=result.flag, place=result.place, shared=result.shared,
        overall_place=result.overall_place, winner=result.winner,
    )


def _juror_columns(uow: UnitOfWork, contest: Contest, scores: list[Score]) -> list[JurorColumn]:
    """The jury in the order it joined, plus anyone whose scores count without a seat."""
    users = uow.results.jurors(contest.id)
    seated = {user.id for user in users}
    strays = uow.users.by_ids(sorted({score.juror_id for score in scores} - seated))
    users += [strays[user_id] for user_id in sorted(strays)]
    return [JurorColumn(user.id, user.full_name or user.first_name or str(user.id))
            for user in users]


def _audience(
    uow: UnitOfWork, contest: Contest, view: ResultsView, audience: str,
    organizer_id: int | None,
) -> list[int]:
    if audience == "participants":
        return sorted({row.user_id for row in view.rows})
    if audience == "jurors":
        return [user.id for user in uow.results.jurors(contest.id)]
    # Only people who ever opened the bot can be written to (and have a users row).
    wanted = [user_id for user_id in (contest.created_by, organizer_id) if user_id is not None]
    return sorted(uow.users.by_ids(wanted))


def _enqueue(
    uow: UnitOfWork, key: str, kind: NotificationKind, contest: Contest, user_id: int,
    payload: dict[str, Any], now: datetime,
) -> int:
    if uow.notifications.by_key(key) is not None:
        return 0
    uow.notifications.add(
        Notification(
            dedupe_key=key, kind=kind, user_id=user_id, contest_id=contest.id, payload=payload,
            due_at=now, next_attempt_at=now, created_at=now,
        )
    )
    return 1
