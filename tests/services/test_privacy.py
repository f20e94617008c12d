"""What is kept about a reader, erasing it, and the retention period, on SQLite and PostgreSQL."""

import json
from datetime import date, timedelta

from bot.services.privacy import (
    ERASED_REASON,
    erasable,
    erase,
    erase_reader,
    mydata_json,
    reader_data,
)
from bot.services.registration import ProfileRequired, register, register_reader
from bot.services.retention import apply_retention, readers_past_retention
from storage.contest_models import ContestResult, EntryContent, EntryStatus, Juror
from storage.models import Notification, NotificationKind, NotificationStatus, User
from storage.org_models import Organizer
from storage.privacy_repository import NEUTRAL_TITLE
from storage.uow import Database
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW, make_event
from tests.org_factories import make_library
from tests.result_factories import make_entry, make_juror, make_score

YEAR = timedelta(days=365)
READER, OTHER, JUROR = 601, 602, 603


def user_row(database: Database, user_id: int) -> User:
    with database.reading() as uow:
        return uow.users.get(user_id)


def profile_of(user: User) -> tuple:
    return (user.first_name, user.full_name, user.birth_date, user.country, user.city,
            user.library, user.consent_at)


def registration_status(database: Database, event_id: int, user_id: int) -> str | None:
    with database.reading() as uow:
        registration = uow.registrations.get(event_id, user_id)
        return registration.status if registration else None


def registered(database: Database, event_id: int, user_id: int, at=NOW) -> None:
    with database.uow() as uow:
        register(uow, event_id, user_id, at)
        uow.commit()


def entry_row(database: Database, entry_id: int) -> tuple:
    with database.reading() as uow:
        entry = uow.entries.get(entry_id)
    return (entry.code, entry.status, entry.title, entry.text, entry.caption, entry.file_id,
            entry.file_unique_id, entry.file_name)


def photo_entry(database, contest, user_id, number=1):  # noqa: ANN001, ANN201
    return make_entry(database, contest, user_id, number, "Kyiv at dawn",
                      content=EntryContent.PHOTO, text=None, caption="From the bridge",
                      file_id="photo-1", file_unique_id="unique-1", file_name="Aigerim.jpg")


def erased(database: Database, user_id: int, now=NOW):  # noqa: ANN001, ANN201
    return erase_reader(database, user_id, now)


# --- /mydata -----------------------------------------------------------------------------


def test_reader_data_lists_profile_registrations_entries_and_jury(storage):
    make_reader(storage, READER, full_name="Aigerim Serikova")
    make_reader(storage, OTHER)
    event = make_event(storage, titles={"en": "Bridge"})
    registered(storage, event.id, READER)
    contest = make_contest(storage)
    make_entry(storage, contest, READER, 1, "The steppe")
    judged = make_contest(storage, titles={"en": "Photo"})
    make_juror(storage, judged, READER, "Aigerim Serikova")
    other_entry = make_entry(storage, judged, OTHER, 1, "Letters")
    make_score(storage, other_entry, READER, (9, 8, 9))

    with storage.reading() as uow:
        data = reader_data(uow, READER)

    assert (
        (data.profile.full_name, data.profile.birth_date, data.profile.consent_at),
        [(r.title, r.status) for r in data.registrations],
        [(e.contest, e.code, e.title, e.status) for e in data.entries],
        [(j.contest, [(s.code, s.values) for s in j.scores]) for j in data.jury],
        data.only_id_and_language,
    ) == (
        ("Aigerim Serikova", date(2009, 3, 14), NOW),
        [("Bridge", "registered")],
        [("We roam towards ourselves", "E-001", "The steppe", "submitted")],
        [("Photo", [("E-001", {"originality": 9, "language": 8, "relevance": 9})])],
        False,
    )


def test_reader_data_newcomer_keeps_only_id_and_language(storage):
    with storage.uow() as uow:
        uow.users.add(User(id=READER, language="kk", created_at=NOW))
        uow.commit()

    with storage.reading() as uow:
        data = reader_data(uow, READER)

    assert (data.profile, data.registrations, data.entries, data.jury,
            data.only_id_and_language) == (None, [], [], [], True)


def test_mydata_json_has_english_keys_and_stored_values(storage):
    make_reader(storage, READER, full_name="Aigerim Serikova", language="ru")
    event = make_event(storage)
    registered(storage, event.id, READER)
    with storage.reading() as uow:
        data = reader_data(uow, READER)

    document = json.loads(mydata_json(data, NOW).decode())

    assert (sorted(document), document["profile"], document["registrations"]) == (
        ["about", "contest_entries", "erased_at", "event_ratings", "exported_at",
         "first_contact_at", "jury", "language", "profile", "registrations",
         "telegram_first_name", "telegram_id", "time_zone"],
        {"full_name": "Aigerim Serikova", "birth_date": "2009-03-14", "country": "Kazakhstan",
         "city": "Karaganda", "library_or_school": "Karaganda Regional Youth Library",
         "consent_given_at": NOW.isoformat()},
        [{"event_id": event.id, "event": "Модель будущего",
          "starts_at": event.starts_at.isoformat(), "status": "registered"}],
    )


# --- erasure -----------------------------------------------------------------------------


def test_erase_clears_profile_keeps_id_language_and_time_zone(storage):
    make_reader(storage, READER, language="uk")
    with storage.uow() as uow:
        uow.users.get(READER).timezone = "Europe/Kyiv"
        uow.commit()

    erased(storage, READER)

    user = user_row(storage, READER)
    assert (profile_of(user), user.language, user.timezone, user.erased_at) == (
        ("", None, None, None, None, None, None), "uk", "Europe/Kyiv", NOW
    )


def test_erase_cancels_registration_and_promotes_first_in_line(storage):
    make_reader(storage, READER)
    make_reader(storage, OTHER)
    event = make_event(storage, capacity=1)
    registered(storage, event.id, READER)
    registered(storage, event.id, OTHER, NOW + timedelta(minutes=1))

    erasure = erased(storage, READER, NOW + timedelta(minutes=2))

    with storage.reading() as uow:
        kinds = [n.kind for n in uow.notifications.in_state(NotificationStatus.PENDING)
                 if n.user_id == OTHER and n.kind == NotificationKind.PROMOTED]
        mine = uow.notifications.reminders(event.id, READER)
    assert (erasure.registrations_cancelled, erasure.promoted,
            registration_status(storage, event.id, READER),
            registration_status(storage, event.id, OTHER), kinds, mine) == (
        1, [OTHER], "cancelled", "registered", [NotificationKind.PROMOTED], []
    )


def test_erase_past_registration_is_cancelled_without_promotion(storage):
    make_reader(storage, READER)
    event = make_event(storage)
    registered(storage, event.id, READER)

    erasure = erased(storage, READER, event.starts_at + timedelta(days=1))

    assert (erasure.registrations_cancelled, erasure.promoted,
            registration_status(storage, event.id, READER)) == (1, [], "cancelled")


def test_erase_withdraws_open_contest_entry_and_deletes_its_work(storage):
    make_reader(storage, READER)
    contest = make_contest(storage)
    entry = photo_entry(storage, contest, READER)

    erasure = erased(storage, READER)

    assert (erasure.entries_withdrawn, entry_row(storage, entry.id)) == (
        1, ("E-001", EntryStatus.WITHDRAWN, NEUTRAL_TITLE, None, None, None, None, None)
    )


def test_erase_withdraws_entry_of_closed_contest_still_judging(storage):
    make_reader(storage, READER)
    contest = make_contest(storage, closes_at=NOW - timedelta(days=1))
    entry = make_entry(storage, contest, READER, 1, "The steppe")

    erased(storage, READER)

    assert entry_row(storage, entry.id)[:4] == ("E-001", "withdrawn", NEUTRAL_TITLE, None)


def test_erase_published_contest_entry_keeps_code_place_and_score_without_name(storage):
    make_reader(storage, READER, full_name="Aigerim Serikova")
    contest = make_contest(storage, closes_at=NOW - timedelta(days=20))
    entry = photo_entry(storage, contest, READER)
    with storage.uow() as uow:
        uow.results.add(ContestResult(contest_id=contest.id, entry_id=entry.id, score=8.7,
                                      place=1, winner=True))
        stored = uow.contests.get(contest.id)
        stored.frozen_at = stored.published_at = NOW - timedelta(days=2)
        uow.commit()

    erasure = erased(storage, READER)

    with storage.reading() as uow:
        [(result, _entry, author)] = uow.results.frozen(contest.id)
    assert (erasure.entries_kept_in_results, entry_row(storage, entry.id),
            (result.place, result.score), (author.full_name, author.first_name)) == (
        1, ("E-001", EntryStatus.SUBMITTED, NEUTRAL_TITLE, None, None, None, None, None),
        (1, 8.7), (None, ""),
    )


def test_erase_juror_leaves_juries_not_frozen_and_stays_on_frozen_ones(storage):
    judging = make_contest(storage)
    frozen = make_contest(storage, closes_at=NOW - timedelta(days=5))
    make_juror(storage, judging, JUROR, "Dana Omarova")
    with storage.uow() as uow:
        uow.jury.add(Juror(contest_id=frozen.id, user_id=JUROR, joined_at=NOW))
        uow.contests.get(frozen.id).frozen_at = NOW - timedelta(days=1)
        uow.commit()

    erasure = erased(storage, JUROR)

    with storage.reading() as uow:
        removed = {c.id: uow.jury.juror(c.id, JUROR).removed_at for c in (judging, frozen)}
    assert (erasure.juries_left, removed) == (1, {judging.id: NOW, frozen.id: None})


def test_erase_cancels_pending_notifications_to_the_reader(storage):
    make_reader(storage, READER)
    contest = make_contest(storage)
    with storage.uow() as uow:
        uow.notifications.add(Notification(
            dedupe_key="jury_reminder:1", kind=NotificationKind.JURY_REMINDER, user_id=READER,
            contest_id=contest.id, due_at=NOW + timedelta(days=1),
            next_attempt_at=NOW + timedelta(days=1), created_at=NOW))
        uow.commit()

    erasure = erased(storage, READER)

    with storage.reading() as uow:
        row = uow.notifications.by_key("jury_reminder:1")
    assert (erasure.notifications_cancelled, row.status, row.last_error) == (
        1, NotificationStatus.CANCELLED, ERASED_REASON
    )


def test_erase_then_registering_asks_for_a_new_profile(storage):
    make_reader(storage, READER)
    event = make_event(storage)
    erased(storage, READER)

    try:
        register_reader(storage, event.id, READER, NOW, waitlist=True)
        refused = None
    except ProfileRequired as error:
        refused = error

    assert (type(refused), registration_status(storage, event.id, READER)) == (
        ProfileRequired, None
    )


def test_erase_without_commit_changes_nothing(storage):
    make_reader(storage, READER)
    contest = make_contest(storage)
    entry = photo_entry(storage, contest, READER)

    with storage.uow() as uow:
        erase(uow, READER, NOW)

    assert (profile_of(user_row(storage, READER))[1], entry_row(storage, entry.id)[1]) == (
        "Aigerim Serikova", EntryStatus.SUBMITTED
    )


def test_erasable_newcomer_and_erased_reader_have_nothing_to_erase(storage):
    with storage.uow() as uow:
        uow.users.add(User(id=OTHER, language="en", created_at=NOW))
        uow.commit()
    make_reader(storage, READER)
    published = make_contest(storage, closes_at=NOW - timedelta(days=20))
    entry = make_entry(storage, published, READER, 1, "The steppe")
    with storage.uow() as uow:
        uow.results.add(ContestResult(contest_id=published.id, entry_id=entry.id, place=2))
        stored = uow.contests.get(published.id)
        stored.frozen_at = stored.published_at = NOW - timedelta(days=2)
        uow.commit()
    before = _erasable(storage, READER)
    erased(storage, READER)

    assert (_erasable(storage, OTHER), before, _erasable(storage, READER)) == (
        False, True, False
    )


def _erasable(database: Database, user_id: int) -> bool:
    with database.reading() as uow:
        return erasable(uow, user_id)


# --- retention ---------------------------------------------------------------------------


def test_retention_erases_reader_after_period_since_last_event(storage):
    make_reader(storage, READER)
    event = make_event(storage)
    registered(storage, event.id, READER)
    event_end = event.starts_at + timedelta(minutes=event.duration_minutes)

    report = apply_retention(storage, event_end + YEAR, YEAR)

    user = user_row(storage, READER)
    assert (report.readers_erased, user.full_name, user.erased_at,
            registration_status(storage, event.id, READER)) == (
        1, None, event_end + YEAR, "cancelled"
    )


def test_retention_keeps_reader_before_period(storage):
    make_reader(storage, READER)
    event = make_event(storage)
    registered(storage, event.id, READER)
    event_end = event.starts_at + timedelta(minutes=event.duration_minutes)

    report = apply_retention(storage, event_end + YEAR - timedelta(minutes=1), YEAR)

    assert (report.readers_erased, user_row(storage, READER).full_name) == (
        0, "Aigerim Serikova"
    )


def test_retention_keeps_reader_with_registration_ahead(storage):
    make_reader(storage, READER)  # consent at NOW
    later = make_event(storage, starts_at=NOW + YEAR + timedelta(days=30))
    registered(storage, later.id, READER)

    with storage.reading() as uow:
        due = readers_past_retention(uow, NOW + YEAR + timedelta(days=1), YEAR)

    assert due == []


def test_retention_keeps_entrant_while_contest_is_judged(storage):
    make_reader(storage, READER)
    contest = make_contest(storage, closes_at=NOW + timedelta(days=10))
    with storage.uow() as uow:
        uow.contests.get(contest.id).jury_deadline = NOW + YEAR + timedelta(days=60)
        uow.commit()
    make_entry(storage, contest, READER, 1, "The steppe")

    report = apply_retention(storage, NOW + YEAR + timedelta(days=30), YEAR)

    assert (report.readers_erased, user_row(storage, READER).full_name) == (
        0, "Aigerim Serikova"
    )


def test_retention_counts_from_consent_when_reader_never_took_part(storage):
    make_reader(storage, READER)  # consent at NOW, nothing else

    with storage.reading() as uow:
        before = readers_past_retention(uow, NOW + YEAR - timedelta(seconds=1), YEAR)
        after = readers_past_retention(uow, NOW + YEAR, YEAR)

    assert (before, after) == ([], [READER])


def test_retention_counts_from_publication_of_last_contest(storage):
    make_reader(storage, READER)
    contest = make_contest(storage)
    make_entry(storage, contest, READER, 1, "The steppe")
    published = NOW + timedelta(days=40)
    with storage.uow() as uow:
        uow.contests.get(contest.id).published_at = published
        uow.commit()

    with storage.reading() as uow:
        before = readers_past_retention(uow, published + YEAR - timedelta(seconds=1), YEAR)
        after = readers_past_retention(uow, published + YEAR, YEAR)

    assert (before, after) == ([], [READER])


def test_retention_deletes_works_of_withdrawn_entries(storage):
    make_reader(storage, READER)
    contest = make_contest(storage)
    withdrawn = photo_entry(storage, contest, READER)
    standing = make_entry(storage, contest, READER, 2, "The steppe")
    with storage.uow() as uow:
        uow.entries.get(withdrawn.id).status = EntryStatus.WITHDRAWN
        uow.commit()

    report = apply_retention(storage, NOW, YEAR)

    assert (report.works_deleted, entry_row(storage, withdrawn.id),
            entry_row(storage, standing.id)[2:4]) == (
        1, ("E-001", EntryStatus.WITHDRAWN, NEUTRAL_TITLE, None, None, None, None, None),
        ("The steppe", "An essay."),
    )


def test_retention_clears_first_names_stored_before_consent(storage):
    with storage.uow() as uow:
        uow.users.add(User(id=OTHER, first_name="Aru", language="en", created_at=NOW))
        uow.commit()
    make_reader(storage, READER, first_name="Dana")

    report = apply_retention(storage, NOW, YEAR)

    assert (report.names_cleared, user_row(storage, OTHER).first_name,
            user_row(storage, READER).first_name) == (1, "", "Dana")


def test_retention_forgets_a_profile_form_left_for_a_day(storage):
    with storage.uow() as uow:
        uow.persisted.put("user", "", str(READER), b"left for a day",
                          NOW - timedelta(days=1, minutes=1))
        uow.persisted.put("user", "", str(OTHER), b"answered an hour ago",
                          NOW - timedelta(hours=1))
        uow.commit()

    report = apply_retention(storage, NOW, YEAR)

    with storage.uow() as uow:
        kept = [row.data for row in uow.persisted.all_of("user")]
    assert (report.forms_forgotten, kept) == (1, [b"answered an hour ago"])


def test_retention_keeps_the_names_of_jurors_and_organizers(storage):
    contest = make_contest(storage)
    library = make_library(storage, "Youth Library")
    with storage.uow() as uow:
        for user_id, name in ((JUROR, "Olena"), (OTHER, "Gulnara")):
            uow.users.add(User(id=user_id, first_name=name, language="en", created_at=NOW))
        uow.flush()
        uow.jury.add(Juror(contest_id=contest.id, user_id=JUROR, joined_at=NOW))
        uow.organizers.add(Organizer(user_id=OTHER, library_id=library, added_at=NOW))
        uow.commit()

    report = apply_retention(storage, NOW, YEAR)

    assert (report.names_cleared, user_row(storage, JUROR).first_name,
            user_row(storage, OTHER).first_name) == (0, "Olena", "Gulnara")
