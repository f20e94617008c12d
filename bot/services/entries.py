"""Contest entries: who may enter, what counts as a work, submitting, replacing, withdrawing.

Every check raises `EntryRefused` with an English msgid that the caller renders
in the reader's language. A submission (or a replacement) is written in the
caller's unit of work only after every check has passed, so a refused one
leaves nothing behind. Nothing here knows about Telegram: handlers turn a
message into a `WorkDraft`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath

from bot.core.i18n import Plural
from bot.services import profile
from bot.services.contests import ContestNotFound, country_allowed, is_open, side_of
from bot.services.entry_refusals import (
    AGE_OUT_OF_RANGE,
    ALREADY_WITHDRAWN,
    CAPTION_LIMIT,
    CAPTION_TOO_LONG,
    COUNTRY_NOT_ALLOWED,
    DOCUMENT_TYPES,
    DUPLICATE_FILE,
    EMPTY_TEXT,
    EMPTY_TITLE,
    ENTRY_LIMIT,
    ESSAY_CONTENTS,
    FILE_LIMIT,
    FILE_TOO_LARGE,
    IMAGE_TYPES,
    MEGABYTE,
    NO_SIDE,
    NOT_OPEN_YET,
    NOT_YOURS,
    PHOTO_CONTENTS,
    PROFILE_INCOMPLETE,
    TEXT_LIMIT,
    TEXT_TOO_LONG,
    TITLE_LIMIT,
    TITLE_TOO_LONG,
    WINDOW_CLOSED,
    WRONG_ESSAY,
    WRONG_PHOTO,
    EntryRefused,
)
from storage.contest_models import Contest, ContestKind, Entry, EntryContent, EntryStatus
from storage.models import User
from storage.uow import UnitOfWork


@dataclass
class WorkDraft:
    """The work as the reader sent it; `file_*` for photos and documents, `text` for essays."""

    content: EntryContent
    title: str
    caption: str | None = None
    text: str | None = None
    file_id: str | None = None
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


@dataclass(frozen=True)
class MyEntry:
    """One of a reader's entries as /myentries shows it."""

    entry_id: int
    contest: Contest
    code: str
    title: str
    status: str
    content: str
    # Replace and Withdraw are offered: the entry stands and the window is open.
    can_change: bool
    # After publishing: the frozen outcome (None before, or when the entry was not ranked).
    published: bool
    place: int | None = None
    shared: bool = False
    winner: bool = False


@dataclass(frozen=True)
class Replaced:
    entry: Entry
    # Scores the jury had given to the old work; removed so it judges the new one.
    scores_removed: int


@dataclass(frozen=True)
class EntryRow:
    """One line of an organizer's list of a contest's entries."""

    entry_id: int
    number: int
    code: str
    title: str
    author: str
    library: str
    side: str | None
    status: str
    content: str


# --- who may enter -------------------------------------------------------------------------


def age_on(birth_date: date, day: date) -> int:
    """Full years on `day`."""
    return profile.age_on(birth_date, day)


def _eligibility(contest: Contest, user: User) -> EntryRefused | None:
    if not user.has_profile or user.birth_date is None or not user.country:
        return EntryRefused(PROFILE_INCOMPLETE)
    age = age_on(user.birth_date, contest.age_reference_date)
    if not contest.age_min <= age <= contest.age_max:
        return EntryRefused(AGE_OUT_OF_RANGE, min=contest.age_min, max=contest.age_max,
                            date=contest.age_reference_date, age=age)
    country = user.country.strip()
    if not country_allowed(contest, country):
        return EntryRefused(COUNTRY_NOT_ALLOWED, country=country)
    if contest.sides and side_of(contest, country) is None:
        return EntryRefused(NO_SIDE, country=country)
    return None


def eligible(contest: Contest, user: User) -> str | Plural | None:
    """None when `user` may take part in `contest` by their profile; else the refusal msgid.

    Profile, age on the reference date, country and side; not the window or the limit.
    """
    refusal = _eligibility(contest, user)
    return None if refusal is None else refusal.msgid


def _open_contest(uow: UnitOfWork, contest_id: int, now: datetime) -> Contest:
    contest = uow.contests.get(contest_id)
    if contest is None:
        raise ContestNotFound(contest_id)
    if not is_open(contest, now):
        if contest.closed_at is None and now < contest.opens_at:
            raise EntryRefused(NOT_OPEN_YET)
        raise EntryRefused(WINDOW_CLOSED)
    return contest


def _check_entrant(uow: UnitOfWork, contest: Contest, user_id: int) -> User:
    user = uow.users.get(user_id)
    if user is None:
        raise EntryRefused(PROFILE_INCOMPLETE)
    refusal = _eligibility(contest, user)
    if refusal is not None:
        raise refusal
    sent = uow.entries.count_submitted(contest.id, user_id)
    if sent >= contest.entries_per_participant:
        raise EntryRefused(ENTRY_LIMIT, n=sent)
    return user


def check_can_enter(uow: UnitOfWork, contest_id: int, user_id: int, now: datetime) -> None:
    """Raises EntryRefused (or ContestNotFound) unless `user_id` may send a new entry now."""
    contest = _open_contest(uow, contest_id, now)
    _check_entrant(uow, contest, user_id)


# --- what counts as a work -----------------------------------------------------------------


def wrong_kind(kind: str) -> EntryRefused:
    """The refusal for a message that cannot be a work of a `kind` contest (a sticker...)."""
    return EntryRefused(WRONG_PHOTO if kind == ContestKind.PHOTO else WRONG_ESSAY)


def parse_title(text: str | None) -> str:
    value = " ".join((text or "").split())
    if not value:
        raise EntryRefused(EMPTY_TITLE)
    if len(value) > TITLE_LIMIT:
        raise EntryRefused(TITLE_TOO_LONG, length=len(value), max=TITLE_LIMIT)
    return value


def parse_caption(text: str | None) -> str | None:
    value = (text or "").strip()
    if len(value) > CAPTION_LIMIT:
        raise EntryRefused(CAPTION_TOO_LONG, length=len(value), max=CAPTION_LIMIT)
    return value or None


def _file_type_ok(kind: str, file_name: str | None, mime_type: str | None) -> bool:
    """Both what the file says it is and its name's extension must be accepted."""
    accepted = IMAGE_TYPES if kind == ContestKind.PHOTO else DOCUMENT_TYPES
    extension = PurePosixPath(file_name).suffix.lower() if file_name else None
    mime = mime_type.split(";")[0].strip().lower() if mime_type else None
    if extension is None and mime is None:
        return False
    if mime is not None and mime not in accepted:
        return False
    if extension is not None:
        allowed = accepted[mime] if mime else tuple(e for exts in accepted.values() for e in exts)
        if extension not in allowed:
            return False
    return True


def check_content(kind: str, work: WorkDraft) -> None:
    """The work itself (not its title): the right sort for the contest, type, size, length."""
    allowed = PHOTO_CONTENTS if kind == ContestKind.PHOTO else ESSAY_CONTENTS
    if work.content not in allowed:
        raise wrong_kind(kind)
    if work.content == EntryContent.TEXT:
        text = (work.text or "").strip()
        if not text:
            raise EntryRefused(EMPTY_TEXT)
        if len(text) > TEXT_LIMIT:
            raise EntryRefused(TEXT_TOO_LONG, length=len(text), max=TEXT_LIMIT)
        return
    if not work.file_id or not work.file_unique_id:
        raise wrong_kind(kind)
    if work.content != EntryContent.PHOTO and not _file_type_ok(
        kind, work.file_name, work.mime_type
    ):
        raise wrong_kind(kind)
    # Telegram may leave the size out; then the file is taken on trust.
    if work.file_size is not None and work.file_size > FILE_LIMIT:
        raise EntryRefused(FILE_TOO_LARGE, size=math.ceil(work.file_size * 10 / MEGABYTE) / 10)


def check_not_sent(uow: UnitOfWork, contest_id: int, work: WorkDraft) -> None:
    """Refuses a file that a standing entry of the contest already has."""
    if work.file_unique_id and uow.entries.file_taken(contest_id, work.file_unique_id):
        raise EntryRefused(DUPLICATE_FILE)


def _check_work(uow: UnitOfWork, contest: Contest, work: WorkDraft) -> WorkDraft:
    title = parse_title(work.title)
    caption = parse_caption(work.caption) if work.content in PHOTO_CONTENTS else None
    check_content(contest.kind, work)
    check_not_sent(uow, contest.id, work)
    text = (work.text or "").strip() if work.content == EntryContent.TEXT else None
    is_file = work.content != EntryContent.TEXT
    return WorkDraft(
        content=EntryContent(work.content), title=title, caption=caption, text=text,
        file_id=work.file_id if is_file else None,
        file_unique_id=work.file_unique_id if is_file else None,
        file_name=work.file_name if is_file else None,
        mime_type=work.mime_type if is_file else None,
        file_size=work.file_size if is_file else None,
    )


def _put_work(entry: Entry, work: WorkDraft, now: datetime) -> None:
    entry.title = work.title
    entry.caption = work.caption
    entry.content = work.content
    entry.text = work.text
    entry.file_id = work.file_id
    entry.file_unique_id = work.file_unique_id
    entry.file_name = work.file_name
    entry.mime_type = work.mime_type
    entry.file_size = work.file_size
    entry.updated_at = now


# --- submitting, replacing, withdrawing ----------------------------------------------------


def submit_entry(
    uow: UnitOfWork, contest_id: int, user_id: int, work: WorkDraft, now: datetime,
    *, replaces: int | None = None,
) -> Entry:
    """A new entry with the next public code (E-017), or the new work of entry `replaces`.

    Every check runs again here (the window may have closed while the reader typed).
    The caller commits.
    """
    if replaces is not None:
        return replace_entry(uow, replaces, user_id, work, now).entry
    # Serializes entries of one contest, so two readers never get the same number
    # and a double tap cannot slip past the entry limit.
    uow.entries.lock_contest(contest_id)
    contest = _open_contest(uow, contest_id, now)
    user = _check_entrant(uow, contest, user_id)
    clean = _check_work(uow, contest, work)
    number = uow.entries.last_number(contest_id) + 1
    entry = Entry(
        contest_id=contest_id, user_id=user_id, number=number, code=f"E-{number:03d}",
        side=side_of(contest, user.country), title=clean.title, content=clean.content,
        status=EntryStatus.SUBMITTED, submitted_at=now, updated_at=now,
    )
    _put_work(entry, clean, now)
    uow.entries.add(entry)
    uow.flush()
    return entry


def _own_standing_entry(
    uow: UnitOfWork, entry_id: int, user_id: int, now: datetime
) -> tuple[Entry, Contest]:
    entry = uow.entries.get(entry_id)
    if entry is None or entry.user_id != user_id:
        raise EntryRefused(NOT_YOURS)
    contest = _open_contest(uow, entry.contest_id, now)
    if entry.status != EntryStatus.SUBMITTED:
        raise EntryRefused(ALREADY_WITHDRAWN)
    return entry, contest


def replace_entry(
    uow: UnitOfWork, entry_id: int, user_id: int, work: WorkDraft, now: datetime
) -> Replaced:
    """The same entry and code with a new work; the jury's scores of the old work are removed."""
    uow.entries.lock_contest(_contest_id_of(uow, entry_id))
    entry, contest = _own_standing_entry(uow, entry_id, user_id, now)
    clean = _check_work(uow, contest, work)
    _put_work(entry, clean, now)
    uow.entries.add(entry)
    removed = uow.entries.delete_scores(entry.id)
    uow.flush()
    return Replaced(entry, removed)


def _contest_id_of(uow: UnitOfWork, entry_id: int) -> int:
    entry = uow.entries.get(entry_id)
    if entry is None:
        raise EntryRefused(NOT_YOURS)
    return entry.contest_id


def owned_entry(uow: UnitOfWork, entry_id: int, user_id: int, now: datetime) -> Entry:
    """The reader's own entry, if they may still replace or withdraw it."""
    return _own_standing_entry(uow, entry_id, user_id, now)[0]


def withdraw_entry(uow: UnitOfWork, entry_id: int, user_id: int, now: datetime) -> Entry:
    """The entry leaves the contest (kept, marked withdrawn). The caller commits."""
    entry, _contest = _own_standing_entry(uow, entry_id, user_id, now)
    entry.status = EntryStatus.WITHDRAWN
    entry.updated_at = now
    uow.entries.add(entry)
    return entry


# --- lists ---------------------------------------------------------------------------------


def my_entries(uow: UnitOfWork, user_id: int, now: datetime | None = None) -> list[MyEntry]:
    """The reader's entries, newest contest first. Without `now`, nothing is changeable."""
    found = []
    for entry, contest, result in uow.entries.for_user(user_id):
        published = contest.published_at is not None
        standing = entry.status == EntryStatus.SUBMITTED
        found.append(MyEntry(
            entry_id=entry.id, contest=contest, code=entry.code, title=entry.title,
            status=entry.status, content=entry.content,
            can_change=standing and now is not None and is_open(contest, now),
            published=published,
            place=result.place if published and result else None,
            shared=bool(published and result and result.shared),
            winner=bool(published and result and result.winner),
        ))
    return found


def contest_entries(uow: UnitOfWork, contest_id: int) -> list[EntryRow]:
    """Every entry of a contest, by code, with its author: for organizers only."""
    if uow.contests.get(contest_id) is None:
        raise ContestNotFound(contest_id)
    return [
        EntryRow(
            entry_id=entry.id, number=entry.number, code=entry.code, title=entry.title,
            author=user.full_name or user.first_name, library=user.library or "",
            side=entry.side, status=entry.status, content=entry.content,
        )
        for entry, user in uow.entries.for_contest(contest_id)
    ]
