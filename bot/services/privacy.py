"""What Kopir keeps about a reader (/mydata) and erasing it (/deleteme, the retention period).

Erasure, in one unit of work (no half-erased reader):
- the profile and the consent are erased (full name, birth date, country, city, library,
  consent date, a first name kept by older versions) and `users.erased_at` is set; the
  Telegram id, language and time zone stay, so that the bot can still answer them;
- registrations for events still ahead are cancelled through the registration service, so
  their seats go to the waiting list (promoted readers are told as usual); registrations
  for events already started or over are marked cancelled too, so that no registrants'
  list shows a nameless reader;
- entries lose their work (file, text, caption, title); an entry of a contest whose
  results are frozen keeps its code, place and score (the results are final: removing it
  would change others' places), without a name since the profile is gone; any other
  entry is withdrawn;
- seats on juries not yet frozen are given up (`jurors.removed_at`); the scores stay
  (results leave out a removed juror's scores), and so do seats on frozen juries;
- messages to the reader not yet sent are cancelled.
After that the reader is like a newcomer who chose a language: a new profile (and a new
consent) is asked before their next registration or entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.services.catalog import event_title
from bot.services.contests import contest_title
from bot.services.registration import cancel_registration
from storage.contest_models import Contest, ContestResult, Entry, EntryStatus
from storage.models import Event, RegistrationStatus, User
from storage.privacy_repository import NEUTRAL_TITLE, PrivacyRepository
from storage.uow import Database, UnitOfWork

ERASED_REASON = "the reader's data were erased"
ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
MYDATA_FILE = "kopir-mydata.json"


# --- what is kept ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileFacts:
    full_name: str | None
    birth_date: date | None
    country: str | None
    city: str | None
    library: str | None
    consent_at: datetime | None


@dataclass(frozen=True)
class RegistrationFact:
    event_id: int
    title: str
    starts_at: datetime
    status: str


@dataclass(frozen=True)
class FeedbackFact:
    event_id: int
    title: str
    rating: int
    comment: str | None


@dataclass(frozen=True)
class EntryFact:
    contest_id: int
    contest: str
    code: str
    title: str
    status: str
    content: str
    submitted_at: datetime
    caption: str | None
    text: str | None
    file_name: str | None
    # The frozen outcome once the results are published (None before, or not ranked).
    place: int | None
    score: float | None


@dataclass(frozen=True)
class ScoreFact:
    code: str
    values: dict[str, int]
    comment: str | None
    saved_at: datetime


@dataclass(frozen=True)
class JuryFact:
    contest_id: int
    contest: str
    # None for scores kept without a seat on the jury.
    joined_at: datetime | None
    removed_at: datetime | None
    scores: list[ScoreFact] = field(default_factory=list)


@dataclass(frozen=True)
class ReaderData:
    user_id: int
    language: str | None
    timezone: str | None
    first_contact_at: datetime
    # Stored by older versions at the first contact; "" when not kept.
    first_name: str
    erased_at: datetime | None
    profile: ProfileFacts | None
    registrations: list[RegistrationFact]
    entries: list[EntryFact]
    jury: list[JuryFact]
    feedback: list[FeedbackFact] = field(default_factory=list)

    @property
    def only_id_and_language(self) -> bool:
        """Nothing is kept but the Telegram id and the language chosen."""
        return not (self.profile or self.first_name or self.registrations or self.entries
                    or self.jury or self.feedback)


def reader_data(uow: UnitOfWork, user_id: int) -> ReaderData:
    """Everything kept about the reader, titles in their language. Raises LookupError for
    someone who never wrote to the bot."""
    user = uow.users.get(user_id)
    if user is None:
        raise LookupError(user_id)
    language = user.language or "en"
    repo = PrivacyRepository(uow.session)
    registrations = [
        RegistrationFact(event.id, event_title(event, language), event.starts_at,
                         registration.status)
        for registration, event in repo.registrations(user_id)
    ]
    entries = [_entry_fact(entry, contest, result, language)
               for entry, contest, result in repo.entries(user_id)]
    return ReaderData(
        user_id=user.id, language=user.language, timezone=user.timezone,
        first_contact_at=user.created_at, first_name=user.first_name or "",
        erased_at=user.erased_at, profile=_profile(user), registrations=registrations,
        entries=entries, jury=_jury(repo, user_id, language),
        feedback=[FeedbackFact(event.id, event_title(event, language), answer.rating,
                               answer.comment)
                  for answer, event in uow.feedback.of_reader(user_id)],
    )


def _profile(user: User) -> ProfileFacts | None:
    facts = ProfileFacts(user.full_name, user.birth_date, user.country, user.city,
                         user.library, user.consent_at)
    return None if facts == ProfileFacts(None, None, None, None, None, None) else facts


def _entry_fact(
    entry: Entry, contest: Contest, result: ContestResult | None, language: str
) -> EntryFact:
    shown = result if contest.published_at is not None else None
    return EntryFact(
        contest_id=contest.id, contest=contest_title(contest, language), code=entry.code,
        title=entry.title, status=entry.status, content=entry.content,
        submitted_at=entry.submitted_at, caption=entry.caption, text=entry.text,
        file_name=entry.file_name,
        place=shown.place if shown is not None else None,
        score=shown.score if shown is not None else None,
    )


def _jury(repo: PrivacyRepository, user_id: int, language: str) -> list[JuryFact]:
    seats = {
        contest.id: JuryFact(contest.id, contest_title(contest, language), juror.joined_at,
                             juror.removed_at)
        for juror, contest in repo.jury_seats(user_id)
    }
    for score, entry, contest in repo.scores_given(user_id):
        seat = seats.setdefault(
            contest.id, JuryFact(contest.id, contest_title(contest, language), None, None))
        seat.scores.append(ScoreFact(entry.code, dict(score.values), score.comment,
                                     score.saved_at))
    return list(seats.values())


def mydata_json(data: ReaderData, now: datetime) -> bytes:
    """The same facts as a JSON document: plain English keys, stored values (times in UTC,
    ISO 8601), so that any program can read it whatever the reader's language."""
    profile = data.profile
    document = {
        "about": "Everything the Kopir bot keeps about you. Times are UTC (ISO 8601).",
        "exported_at": _iso(now),
        "telegram_id": data.user_id,
        "language": data.language,
        "time_zone": data.timezone,
        "first_contact_at": _iso(data.first_contact_at),
        "telegram_first_name": data.first_name or None,
        "erased_at": _iso(data.erased_at),
        "profile": None if profile is None else {
            "full_name": profile.full_name,
            "birth_date": _iso(profile.birth_date),
            "country": profile.country,
            "city": profile.city,
            "library_or_school": profile.library,
            "consent_given_at": _iso(profile.consent_at),
        },
        "registrations": [
            {"event_id": item.event_id, "event": item.title, "starts_at": _iso(item.starts_at),
             "status": item.status}
            for item in data.registrations
        ],
        "contest_entries": [
            {"contest_id": item.contest_id, "contest": item.contest, "code": item.code,
             "title": item.title, "status": item.status, "content": item.content,
             "submitted_at": _iso(item.submitted_at), "caption": item.caption,
             "text": item.text, "file_name": item.file_name, "place": item.place,
             "score": item.score}
            for item in data.entries
        ],
        "jury": [
            {"contest_id": seat.contest_id, "contest": seat.contest,
             "joined_at": _iso(seat.joined_at), "removed_at": _iso(seat.removed_at),
             "scores": [{"entry": score.code, "points": score.values,
                         "comment": score.comment, "saved_at": _iso(score.saved_at)}
                        for score in seat.scores]}
            for seat in data.jury
        ],
        "event_ratings": [
            {"event_id": item.event_id, "event": item.title, "rating": item.rating,
             "comment": item.comment}
            for item in data.feedback
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --- erasure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    registrations_cancelled: int = 0
    # Readers who got a seat freed by the cancellations (told by the outbox).
    promoted: list[int] = field(default_factory=list)
    entries_withdrawn: int = 0
    # Entries of contests with frozen results: code, place and score stay.
    entries_kept_in_results: int = 0
    juries_left: int = 0
    notifications_cancelled: int = 0


def erasable(uow: UnitOfWork, user_id: int) -> bool:
    """Whether erasing would change anything: a profile, a name, a live registration, an
    entry with its work, a seat on a jury still judging."""
    user = uow.users.get(user_id)
    if user is None:
        return False
    repo = PrivacyRepository(uow.session)
    return bool(
        _profile(user) is not None or user.first_name
        or any(r.status in ACTIVE for r, _event in repo.registrations(user_id))
        or any(_has_work(entry)
               or (entry.status == EntryStatus.SUBMITTED and contest.frozen_at is None)
               for entry, contest, _result in repo.entries(user_id))
        or any(juror.removed_at is None and contest.frozen_at is None
               for juror, contest in repo.jury_seats(user_id))
    )


def erase(uow: UnitOfWork, user_id: int, now: datetime) -> Erasure:
    """Erase the reader's personal data (see the module's docstring); the caller commits."""
    user = uow.users.get(user_id)
    if user is None:
        return Erasure()
    repo = PrivacyRepository(uow.session)
    cancelled, promoted = _cancel_registrations(uow, repo, user_id, now)
    withdrawn = kept = 0
    for entry, contest, _result in repo.entries(user_id):
        # Entry writes lock the contest first (see bot.services.entry_actions).
        uow.entries.lock_contest(contest.id)
        if contest.frozen_at is not None:
            kept += 1
        elif entry.status == EntryStatus.SUBMITTED:
            entry.status = EntryStatus.WITHDRAWN
            withdrawn += 1
        _delete_work(entry, now)
    left = 0
    for juror, contest in repo.jury_seats(user_id):
        if juror.removed_at is None and contest.frozen_at is None:
            juror.removed_at = now
            left += 1
    notifications = repo.cancel_pending_notifications(user_id, ERASED_REASON)
    # Ratings and comments go with the reader: a comment may say who wrote it.
    uow.feedback.forget_reader(user_id)
    _erase_profile(user, now)
    uow.flush()
    return Erasure(cancelled, promoted, withdrawn, kept, left, notifications)


def erase_reader(db: Database, user_id: int, now: datetime) -> Erasure:
    """`erase` in a unit of work of its own (the reader's Erase button)."""
    with db.uow() as uow:
        erasure = erase(uow, user_id, now)
        uow.commit()
    return erasure


def _cancel_registrations(
    uow: UnitOfWork, repo: PrivacyRepository, user_id: int, now: datetime
) -> tuple[int, list[int]]:
    cancelled, promoted = 0, []
    for registration, event in repo.registrations(user_id):
        if registration.status not in ACTIVE:
            continue
        cancelled += 1
        if event.cancelled_at is None and event.starts_at > now:
            # The same lock as a reader's Cancel (bot.services.registration.cancel_reader).
            uow.session.get(Event, event.id, with_for_update=True)
            promoted += cancel_registration(uow, event.id, user_id, now)
        else:
            # Started, over or cancelled: no seat to give; only the list forgets them.
            registration.status = RegistrationStatus.CANCELLED
            registration.updated_at = now
    return cancelled, promoted


def _has_work(entry: Entry) -> bool:
    return any((entry.file_id, entry.file_unique_id, entry.file_name, entry.text,
                entry.caption)) or entry.title != NEUTRAL_TITLE


def _delete_work(entry: Entry, now: datetime) -> None:
    if not _has_work(entry):
        return
    entry.title = NEUTRAL_TITLE
    entry.caption = entry.text = None
    entry.file_id = entry.file_unique_id = entry.file_name = None
    entry.updated_at = now


def _erase_profile(user: User, now: datetime) -> None:
    user.full_name = user.birth_date = user.country = user.city = user.library = None
    user.consent_at = None
    user.first_name = ""
    user.erased_at = now
