"""Contests as organizers set them up and readers see them: create, import, close, the card.

Validation of the fields lives in `contest_fields`; entries, the jury and the
results have services of their own. The uow-level functions leave the commit to
their caller; `add_contest` and `close_contest_now` are the organizers' buttons,
each in a unit of work of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.i18n import N_
from bot.services.catalog import localized
from bot.services.contest_fields import ContestDraft, check_draft
from bot.services.contest_groups import same_country
from bot.services.event_fields import FieldError
from bot.services.jury_reminders import plan_jury_reminders
from bot.services.organizer import organizing_library
from bot.services.programmes import programme_id_named
from bot.services.roles import Role
from storage.contest_models import Contest, ContestKind
from storage.uow import Database, UnitOfWork

# Fields whose change would make the scores already given meaningless.
SCORING_FIELDS = ("criteria", "scale_min", "scale_max")
# Contests are few (a library runs a handful a year): the list is read whole, then paged.
MOST_LISTED = 1000


class ContestNotFound(LookupError):
    """No contest with this id (or key)."""


class ContestLocked(FieldError):
    """A change refused because entries, scores or frozen results depend on the old value."""


@dataclass(frozen=True)
class SideView:
    key: str
    name: str


@dataclass(frozen=True)
class CriterionView:
    key: str
    name: str
    weight: float


@dataclass(frozen=True)
class PrizeView:
    place: int
    text: str


@dataclass(frozen=True)
class ContestCard:
    """What the contest card shows one reader, texts already in their language.

    `opens_at`/`closes_at`/`jury_deadline` are aware UTC; show them in `zone`
    (the reader's zone, else the contest's).
    """

    contest_id: int
    kind: ContestKind
    title: str
    theme: str
    rules: str
    organizer: str
    opens_at: datetime
    closes_at: datetime
    zone: str
    age_min: int
    age_max: int
    age_reference_date: date
    countries: list[str]
    sides: list[SideView]
    # The reader's side by their profile country; None without one (or without sides).
    reader_side: str | None
    criteria: list[CriterionView]
    scale_min: int
    scale_max: int
    quota_per_side: int
    prizes: list[PrizeView]
    entries_per_participant: int
    # The reader's entries that are not withdrawn.
    my_entries: int
    is_open: bool
    # "upcoming" | "open" | "closed" | "frozen" | "published"
    stage: str
    user_is_juror: bool
    jury_deadline: datetime | None
    # The organizing library: its organizers (and admins) see the organizer's buttons.
    library_id: int | None = None
    # What winners receive (`AwardTitle` key), named on the card in the reader's language.
    award: str = "diploma"


@dataclass(frozen=True)
class ContestListItem:
    """One line of /contests, the title already in the reader's language."""

    id: int
    kind: ContestKind
    title: str
    stage: str
    opens_at: datetime
    closes_at: datetime


def create_contest(uow: UnitOfWork, draft: ContestDraft, organizer_id: int | None,
                   now: datetime) -> Contest:
    """Store a new contest; raises the first `FieldError` of `check_draft` on a broken draft."""
    problems = check_draft(draft)
    if problems:
        raise problems[0]
    library_id = organizing_library(uow, organizer_id, draft.library, now)
    contest = uow.contests.add(
        Contest(key=draft.key, created_by=organizer_id, library_id=library_id,
                programme_id=programme_id_named(uow, draft.programme, now), created_at=now,
                updated_at=now, **draft.columns())
    )
    uow.flush()
    return contest


def upsert_contest(uow: UnitOfWork, draft: ContestDraft, now: datetime) -> tuple[Contest, str]:
    """Create the contest with `draft.key`, or bring the stored one in line with the draft.

    Returns the contest and "created", "updated" or "unchanged". Raises
    `ContestLocked` when the change would break what already depends on the
    contest (see `locked_change`). Closing early is an organizer's act and stays.
    """
    if not draft.key:
        raise ValueError("upsert_contest needs a draft with a key")
    contest = uow.contests.by_key(draft.key)
    if contest is None:
        return create_contest(uow, draft, None, now), "created"
    problems = check_draft(draft)
    if problems:
        raise problems[0]
    refusal = locked_change(uow, contest, draft)
    if refusal is not None:
        raise refusal
    changed = [name for name, value in draft.columns().items()
               if getattr(contest, name) != value]
    # The library is who manages the contest, not one of its rules: a frozen one may move too
    # (and so may its programme).
    library_id = organizing_library(uow, None, draft.library, now)
    programme_id = programme_id_named(uow, draft.programme, now)
    moved = bool(draft.library) and contest.library_id != library_id
    if draft.programme and contest.programme_id != programme_id:
        contest.programme_id = programme_id
        moved = True
    if moved:
        if draft.library:
            contest.library_id = library_id
        if not changed:
            contest.updated_at = now
            return contest, "updated"
    if not changed:
        return contest, "unchanged"
    for name in changed:
        setattr(contest, name, draft.columns()[name])
    contest.updated_at = now
    uow.flush()
    if {"jury_deadline", "jury_reminder_offsets"} & set(changed):
        plan_jury_reminders(uow, contest, now)
    return contest, "updated"


def locked_change(uow: UnitOfWork, contest: Contest, draft: ContestDraft) -> ContestLocked | None:
    """Why `draft` may not replace `contest`'s settings now, or None when it may.

    Frozen results are final; scored entries fix the criteria and scale; entries
    already sent fix the kind (a photo is not an essay).
    """
    new = draft.columns()
    differs = [name for name, value in new.items() if getattr(contest, name) != value]
    if not differs:
        return None
    if contest.frozen_at is not None:
        return ContestLocked(
            N_("The results of this contest are frozen: it can no longer be changed.")
        )
    if any(name in differs for name in SCORING_FIELDS) and uow.contests.has_scores(contest.id):
        return ContestLocked(
            N_("Jurors have already scored entries: the criteria and the scale can no longer "
               "change.")
        )
    if "kind" in differs and uow.contests.has_entries(contest.id):
        return ContestLocked(
            N_("Entries have already been sent: the kind of contest can no longer change.")
        )
    return None


def add_contest(db: Database, draft: ContestDraft, organizer_id: int | None,
                now: datetime) -> Contest:
    """`create_contest` in a unit of work of its own (Confirm of /newcontest)."""
    with db.uow() as uow:
        contest = create_contest(uow, draft, organizer_id, now)
        uow.commit()
    return contest


def close_contest_now(db: Database, contest_id: int, now: datetime) -> tuple[Contest, int]:
    """`close_contest` in a unit of work of its own; returns the contest and its entries."""
    with db.uow() as uow:
        contest = close_contest(uow, contest_id, now)
        count = uow.contests.entry_count(contest_id)
        uow.commit()
    return contest, count


def with_entry_count(uow: UnitOfWork, contest_id: int) -> tuple[Contest, int] | None:
    """The contest and its entries not withdrawn; None when there is no such contest."""
    contest = uow.contests.get(contest_id)
    if contest is None:
        return None
    return contest, uow.contests.entry_count(contest_id)


def contest_list(uow: UnitOfWork, now: datetime, language: str, *,
                 organizer: Role | None = None) -> list[ContestListItem]:
    """What /contests lists: contests open or still to open; for organizers also their
    libraries' contests closed and not yet published, to reach their jury and results."""
    contests = uow.contests.current(now, 0, MOST_LISTED)
    if organizer is not None and organizer.organizer:
        shown = {contest.id for contest in contests}
        contests += [contest for contest in uow.contests.recent(0, MOST_LISTED, organizer.scope)
                     if contest.id not in shown and contest.published_at is None]
    return [ContestListItem(contest.id, ContestKind(contest.kind),
                            contest_title(contest, language), stage_of(contest, now),
                            contest.opens_at, contest.closes_at)
            for contest in contests]


def close_contest(uow: UnitOfWork, contest_id: int, now: datetime) -> Contest:
    """Stop accepting entries now; closing twice keeps the first moment."""
    contest = get_contest(uow, contest_id)
    if contest.closed_at is None:
        contest.closed_at = now
        contest.updated_at = now
        uow.flush()
    return contest


def get_contest(uow: UnitOfWork, contest_id: int) -> Contest:
    contest = uow.contests.get(contest_id)
    if contest is None:
        raise ContestNotFound(contest_id)
    return contest


def is_open(contest: Contest, now: datetime) -> bool:
    return contest.closed_at is None and contest.opens_at <= now < contest.closes_at


def stage_of(contest: Contest, now: datetime) -> str:
    """"upcoming", "open", "closed" (jury at work), "frozen" or "published"."""
    if contest.published_at is not None:
        return "published"
    if contest.frozen_at is not None:
        return "frozen"
    if is_open(contest, now):
        return "open"
    if contest.closed_at is None and now < contest.opens_at:
        return "upcoming"
    return "closed"


def side_of(contest: Contest, country: str | None) -> str | None:
    """The key of the side whose countries include `country` (any spelling we know)."""
    if not country or not country.strip():
        return None
    for side in contest.sides:
        if any(same_country(country, known) for known in side.get("countries", [])):
            key: str = side["key"]
            return key
    return None


def country_allowed(contest: Contest, country: str | None) -> bool:
    """Whether readers from `country` may enter.

    The allowed countries are `contest.countries` together with every side's
    countries (listing a country under a side lets its readers in); when both
    are empty, everyone may enter.
    """
    allowed = list(contest.countries)
    for side in contest.sides:
        allowed.extend(side.get("countries", []))
    if not allowed:
        return True
    if not country or not country.strip():
        return False
    return any(same_country(country, known) for known in allowed)


def contest_title(contest: Contest, language: str) -> str:
    return localized(contest.titles, language, contest.language)


def side_name(contest: Contest, side_key: str | None, language: str) -> str:
    """A side's name in `language`; its key when the contest has no such side."""
    for side in contest.sides:
        if side["key"] == side_key:
            return localized(side.get("names", {}), language, contest.language) or side_key or ""
    return side_key or ""


def criterion_names(contest: Contest, language: str) -> dict[str, str]:
    return {
        criterion["key"]: localized(criterion.get("names", {}), language, contest.language)
        or criterion["key"]
        for criterion in contest.criteria
    }


def prize_text(contest: Contest, place: int | None, language: str) -> str | None:
    if place is None:
        return None
    texts = contest.prizes.get(str(place))
    return localized(texts, language, contest.language) if texts else None


def open_contests(uow: UnitOfWork, now: datetime) -> list[Contest]:
    return uow.contests.open_now(now)


def contest_card(uow: UnitOfWork, contest_id: int, user_id: int, language: str,
                 now: datetime, *, default_zone: str | None = None) -> ContestCard:
    """The card's content for one reader; `default_zone` is used when the reader has none."""
    contest = get_contest(uow, contest_id)
    user = uow.users.get(user_id)
    zone = (user.timezone if user is not None else None) or default_zone or contest.timezone
    fallback = contest.language
    return ContestCard(
        contest_id=contest.id,
        kind=ContestKind(contest.kind),
        title=contest_title(contest, language),
        theme=localized(contest.themes, language, fallback),
        rules=localized(contest.rules, language, fallback),
        organizer=localized(contest.organizer_names, language, fallback),
        opens_at=contest.opens_at,
        closes_at=contest.closes_at,
        zone=zone,
        age_min=contest.age_min,
        age_max=contest.age_max,
        age_reference_date=contest.age_reference_date,
        countries=list(contest.countries),
        sides=[SideView(side["key"], side_name(contest, side["key"], language))
               for side in contest.sides],
        reader_side=side_of(contest, user.country if user is not None else None),
        criteria=[CriterionView(criterion["key"],
                                localized(criterion.get("names", {}), language, fallback)
                                or criterion["key"],
                                criterion["weight"])
                  for criterion in contest.criteria],
        scale_min=contest.scale_min,
        scale_max=contest.scale_max,
        quota_per_side=contest.quota_per_side,
        prizes=[PrizeView(int(place), localized(texts, language, fallback))
                for place, texts in sorted(contest.prizes.items(), key=lambda item: int(item[0]))],
        entries_per_participant=contest.entries_per_participant,
        my_entries=uow.contests.entry_count(contest.id, user_id),
        is_open=is_open(contest, now),
        stage=stage_of(contest, now),
        user_is_juror=uow.contests.has_juror(contest.id, user_id),
        jury_deadline=contest.jury_deadline,
        library_id=contest.library_id,
        award=contest.award,
    )
