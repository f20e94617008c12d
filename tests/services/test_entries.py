"""Contest entries: eligibility, checks of the work, submit, replace, withdraw, lists."""

import gettext
from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.core.i18n import Translator
from bot.services.contests import ContestNotFound
from bot.services.entries import (
    WorkDraft,
    age_on,
    check_can_enter,
    check_content,
    contest_entries,
    eligible,
    my_entries,
    parse_title,
    replace_entry,
    submit_entry,
    withdraw_entry,
)
from bot.services.entry_refusals import (
    AGE_OUT_OF_RANGE,
    ALREADY_WITHDRAWN,
    COUNTRY_NOT_ALLOWED,
    DUPLICATE_FILE,
    EMPTY_TEXT,
    EMPTY_TITLE,
    ENTRY_LIMIT,
    FILE_LIMIT,
    FILE_TOO_LARGE,
    NO_SIDE,
    NOT_OPEN_YET,
    NOT_YOURS,
    PROFILE_INCOMPLETE,
    TEXT_TOO_LONG,
    TITLE_TOO_LONG,
    WINDOW_CLOSED,
    WRONG_ESSAY,
    WRONG_PHOTO,
    EntryRefused,
)
from storage.contest_models import ContestResult, EntryContent, Score
from storage.models import User
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW

EN = Translator("en", gettext.NullTranslations())
PDF = "application/pdf"


def essay(title: str = "Steppe", text: str = "The steppe wind remembers us.") -> WorkDraft:
    return WorkDraft(content=EntryContent.TEXT, title=title, text=text)


def document(unique: str = "doc-1", **overrides) -> WorkDraft:
    fields = {"content": EntryContent.DOCUMENT, "title": "Steppe", "file_id": f"id-{unique}",
              "file_unique_id": unique, "file_name": "essay.pdf", "mime_type": PDF,
              "file_size": 50_000}
    fields.update(overrides)
    return WorkDraft(**fields)


def image(content: EntryContent = EntryContent.IMAGE_FILE, unique: str = "img-1",
          **overrides) -> WorkDraft:
    fields = {"content": content, "title": "Dawn", "caption": "Karaganda, May",
              "file_id": f"id-{unique}", "file_unique_id": unique, "file_name": "dawn.png",
              "mime_type": "image/png", "file_size": 3_000_000}
    if content == EntryContent.PHOTO:
        fields.update(file_name=None, mime_type=None)
    fields.update(overrides)
    return WorkDraft(**fields)


def refusal(action) -> tuple[str, dict]:
    with pytest.raises(EntryRefused) as raised:
        action()
    return raised.value.msgid, raised.value.params


def refused_entering(storage, contest_id: int, user_id: int, now=NOW) -> tuple[str, dict]:
    with storage.uow() as uow:
        return refusal(lambda: check_can_enter(uow, contest_id, user_id, now))


def submit(storage, contest_id: int, user_id: int, work: WorkDraft, now=NOW):
    with storage.uow() as uow:
        entry = submit_entry(uow, contest_id, user_id, work, now)
        uow.commit()
    return entry


def entries_of(storage, contest_id: int) -> list[tuple]:
    with storage.uow() as uow:
        return [(row.code, row.title, row.author, row.side, row.status)
                for row in contest_entries(uow, contest_id)]


# --- who may enter -------------------------------------------------------------------------


def test_check_can_enter_accepts_an_eligible_reader(storage):
    contest = make_contest(storage)
    make_reader(storage, 1)

    with storage.uow() as uow:
        result = check_can_enter(uow, contest.id, 1, NOW)

    assert result is None


def test_check_can_enter_refuses_outside_the_window(storage):
    upcoming = make_contest(storage, opens_at=NOW + timedelta(days=1))
    over = make_contest(storage, opens_at=NOW - timedelta(days=20),
                        closes_at=NOW - timedelta(seconds=1))
    closed_early = make_contest(storage, closed_at=NOW - timedelta(hours=1))
    make_reader(storage, 1)

    found = [refused_entering(storage, c.id, 1)[0] for c in (upcoming, over, closed_early)]

    assert found == [NOT_OPEN_YET, WINDOW_CLOSED, WINDOW_CLOSED]


def test_check_can_enter_refuses_without_a_complete_profile(storage):
    contest = make_contest(storage)
    with storage.uow() as uow:
        uow.users.add(User(id=2, first_name="Dana", language="en", created_at=NOW))
        uow.commit()

    assert [refused_entering(storage, contest.id, 2), refused_entering(storage, contest.id, 3)] == [
        (PROFILE_INCOMPLETE, {}), (PROFILE_INCOMPLETE, {})
    ]


def test_check_can_enter_counts_age_on_the_reference_date(storage):
    # Closes 2 December 2026: age 15-19 is counted on that day.
    contest = make_contest(storage)
    make_reader(storage, 1, birth_date=date(2011, 12, 2))  # turns 15 that day
    make_reader(storage, 2, birth_date=date(2011, 12, 3))  # turns 15 the day after
    make_reader(storage, 3, birth_date=date(2006, 12, 3))  # turns 20 the day after
    make_reader(storage, 4, birth_date=date(2006, 12, 2))  # turns 20 that day

    with storage.uow() as uow:
        fifteen_today = check_can_enter(uow, contest.id, 1, NOW)
        nineteen_still = check_can_enter(uow, contest.id, 3, NOW)

    assert (fifteen_today, nineteen_still) == (None, None)
    assert [refused_entering(storage, contest.id, 2), refused_entering(storage, contest.id, 4)] == [
        (AGE_OUT_OF_RANGE, {"min": 15, "max": 19, "date": date(2026, 12, 2), "age": 14}),
        (AGE_OUT_OF_RANGE, {"min": 15, "max": 19, "date": date(2026, 12, 2), "age": 20}),
    ]


def test_age_refusal_reads_with_a_long_date():
    error = EntryRefused(AGE_OUT_OF_RANGE, min=15, max=19, date=date(2026, 12, 2), age=20)

    assert error.render(EN) == (
        "Sorry, this contest is for readers aged 15 to 19 on 2 December 2026; on that day "
        "you will be 20 years old."
    )


def test_age_refusal_is_a_plural_on_the_age():
    forms = [EntryRefused(AGE_OUT_OF_RANGE, min=1, max=1, date=date(2026, 12, 2),
                          age=age).render(EN) for age in (0, 1)]

    assert forms == [
        "Sorry, this contest is for readers aged 1 to 1 on 2 December 2026; on that day you "
        "will be 0 years old.",
        "Sorry, this contest is for readers aged 1 to 1 on 2 December 2026; on that day you "
        "will be 1 year old.",
    ]


def test_age_on_counts_full_years():
    assert [age_on(date(2011, 12, 2), date(2026, 12, 2)),
            age_on(date(2011, 12, 3), date(2026, 12, 2)),
            age_on(date(2008, 2, 29), date(2026, 2, 28))] == [15, 14, 17]


def test_check_can_enter_refuses_a_country_outside_the_sides(storage):
    by_sides = make_contest(storage)
    listed_without_side = make_contest(storage, countries=["Poland"])
    make_reader(storage, 1, country="Poland")
    make_reader(storage, 2, country="  україна ")

    with storage.uow() as uow:
        ukraine_side = check_can_enter(uow, by_sides.id, 2, NOW)

    assert ukraine_side is None
    assert [refused_entering(storage, by_sides.id, 1),
            refused_entering(storage, listed_without_side.id, 1)] == [
        (COUNTRY_NOT_ALLOWED, {"country": "Poland"}), (NO_SIDE, {"country": "Poland"})
    ]


def test_eligible_names_the_refusal_or_none(storage):
    contest = make_contest(storage)
    young = make_reader(storage, 1, birth_date=date(2012, 1, 1))
    fine = make_reader(storage, 2)

    assert [eligible(contest, young), eligible(contest, fine)] == [AGE_OUT_OF_RANGE, None]


def test_check_can_enter_refuses_over_the_entry_limit(storage):
    contest = make_contest(storage, entries_per_participant=2)
    make_reader(storage, 1)
    submit(storage, contest.id, 1, essay())
    submit(storage, contest.id, 1, document())

    msgid, params = refused_entering(storage, contest.id, 1)

    assert (msgid, params, EntryRefused(msgid, **params).render(EN)) == (
        ENTRY_LIMIT, {"n": 2},
        "You have already sent 2 entries to this contest, the most allowed. You can replace "
        "or withdraw them in /myentries.",
    )


def test_check_can_enter_for_a_missing_contest_raises_not_found(storage):
    make_reader(storage, 1)

    with storage.uow() as uow, pytest.raises(ContestNotFound):
        check_can_enter(uow, 999, 1, NOW)


# --- the work ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "work"), [
    ("photo", image(EntryContent.PHOTO)),
    ("photo", image()),
    ("photo", image(file_name="DAWN.JPEG", mime_type="image/jpeg")),
    ("essay", essay()),
    ("essay", document()),
    ("essay", document(file_name="essay.docx", mime_type="application/vnd.openxmlformats-"
                                                        "officedocument.wordprocessingml.document")),
    ("essay", document(file_name="essay.odt", mime_type="application/vnd.oasis.opendocument.text")),
    ("essay", document(file_name="essay.txt", mime_type="text/plain; charset=utf-8")),
    ("essay", document(file_size=None)),
    ("essay", document(file_size=FILE_LIMIT)),
])
def test_check_content_accepts_the_contest_kinds_of_work(kind, work):
    assert check_content(kind, work) is None


@pytest.mark.parametrize(("kind", "work", "msgid"), [
    ("photo", essay(), WRONG_PHOTO),
    ("photo", document(), WRONG_PHOTO),
    ("photo", image(file_name="dawn.webp", mime_type="image/webp"), WRONG_PHOTO),
    ("photo", image(file_name="dawn.png", mime_type="application/pdf"), WRONG_PHOTO),
    ("essay", image(EntryContent.PHOTO), WRONG_ESSAY),
    ("essay", document(file_name="setup.exe", mime_type="application/x-msdownload"), WRONG_ESSAY),
    ("essay", document(file_name="essay.exe", mime_type=PDF), WRONG_ESSAY),
    ("essay", document(file_name="essay.pdf", mime_type="application/x-msdownload"), WRONG_ESSAY),
    ("essay", document(file_name=None, mime_type=None), WRONG_ESSAY),
    ("essay", document(file_name="essay.pdf", mime_type="text/plain"), WRONG_ESSAY),
    ("essay", essay(text="   "), EMPTY_TEXT),
])
def test_check_content_refuses_what_the_contest_does_not_accept(kind, work, msgid):
    assert refusal(lambda: check_content(kind, work))[0] == msgid


def test_check_content_refuses_a_file_over_20_megabytes_with_its_size():
    msgid, params = refusal(lambda: check_content("essay", document(file_size=FILE_LIMIT + 1)))

    assert (msgid, params, EntryRefused(msgid, **params).render(EN)) == (
        FILE_TOO_LARGE, {"size": 20.1},
        "This file is 20.1 MB, and the limit is 20 MB. Please send a smaller file.",
    )


def test_check_content_refuses_text_over_one_message():
    assert refusal(lambda: check_content("essay", essay(text="я" * 4097))) == (
        TEXT_TOO_LONG, {"length": 4097, "max": 4096}
    )


def test_parse_title_trims_and_limits_to_200_characters():
    assert parse_title("  The   steppe\nwind ") == "The steppe wind"
    assert parse_title("t" * 200) == "t" * 200
    assert [refusal(lambda: parse_title(" ")), refusal(lambda: parse_title("t" * 201))] == [
        (EMPTY_TITLE, {}), (TITLE_TOO_LONG, {"length": 201, "max": 200})
    ]


# --- submitting ----------------------------------------------------------------------------


def test_submit_entry_numbers_entries_and_stores_the_work_and_side(storage):
    contest = make_contest(storage)
    make_reader(storage, 1, full_name="Aigerim Serikova")
    make_reader(storage, 2, full_name="Olena Shevchenko", country="Україна")

    first = submit(storage, contest.id, 1, essay(title="  Steppe  "))
    second = submit(storage, contest.id, 2, document())

    with storage.uow() as uow:
        stored = uow.entries.get(second.id)
    assert (first.code, first.number, second.code, second.number) == ("E-001", 1, "E-002", 2)
    assert (stored.content, stored.file_id, stored.file_unique_id, stored.file_name,
            stored.mime_type, stored.file_size, stored.text, stored.caption, stored.status,
            stored.submitted_at) == (
        "document", "id-doc-1", "doc-1", "essay.pdf", PDF, 50_000, None, None, "submitted", NOW
    )
    assert entries_of(storage, contest.id) == [
        ("E-001", "Steppe", "Aigerim Serikova", "kz", "submitted"),
        ("E-002", "Steppe", "Olena Shevchenko", "ua", "submitted"),
    ]


def test_submit_entry_keeps_a_photo_caption_and_drops_an_essay_caption(storage):
    photo_contest = make_contest(storage, kind="photo", entries_per_participant=3)
    essay_contest = make_contest(storage)
    make_reader(storage, 1)

    photo = submit(storage, photo_contest.id, 1, image(EntryContent.PHOTO))
    text = submit(storage, essay_contest.id, 1, essay(text="  Words.  "))

    assert [(photo.content, photo.caption, photo.file_unique_id, photo.text),
            (text.content, text.caption, text.file_unique_id, text.text)] == [
        ("photo", "Karaganda, May", "img-1", None), ("text", None, None, "Words.")
    ]


def test_submit_entry_refuses_the_same_file_twice_and_stores_nothing(storage):
    contest = make_contest(storage)
    make_reader(storage, 1)
    make_reader(storage, 2)
    submit(storage, contest.id, 1, document(unique="same"))

    with storage.uow() as uow:
        found = refusal(lambda: submit_entry(uow, contest.id, 2, document(unique="same"), NOW))
        uow.commit()

    assert (found, entries_of(storage, contest.id)) == (
        (DUPLICATE_FILE, {}), [("E-001", "Steppe", "Aigerim Serikova", "kz", "submitted")]
    )


def test_submit_entry_rechecks_everything(storage):
    contest = make_contest(storage)
    make_reader(storage, 1)
    make_reader(storage, 2, birth_date=date(2000, 1, 1))
    late = contest.closes_at

    with storage.uow() as uow:
        found = [
            refusal(lambda: submit_entry(uow, contest.id, 1, essay(), late))[0],
            refusal(lambda: submit_entry(uow, contest.id, 2, essay(), NOW))[0],
            refusal(lambda: submit_entry(uow, contest.id, 1, essay(title=""), NOW))[0],
            refusal(lambda: submit_entry(uow, contest.id, 1, image(), NOW))[0],
        ]

    assert (found, entries_of(storage, contest.id)) == (
        [WINDOW_CLOSED, AGE_OUT_OF_RANGE, EMPTY_TITLE, WRONG_ESSAY], []
    )


# --- replacing and withdrawing -------------------------------------------------------------


def add_score(storage, entry_id: int, juror_id: int) -> None:
    with storage.uow() as uow:
        uow.users.add(User(id=juror_id, first_name="Juror", created_at=NOW))
        uow.flush()
        uow.session.add(Score(entry_id=entry_id, juror_id=juror_id,
                              values={"originality": 7, "language": 8, "relevance": 9},
                              saved_at=NOW))
        uow.commit()


def scores_of(storage, entry_id: int) -> int:
    with storage.uow() as uow:
        return len(uow.session.exec(select(Score).where(Score.entry_id == entry_id)).all())


def test_replace_entry_keeps_the_code_swaps_the_file_and_removes_scores(storage):
    contest = make_contest(storage, kind="photo")
    make_reader(storage, 1)
    entry = submit(storage, contest.id, 1, image(unique="old"))
    add_score(storage, entry.id, 900)
    add_score(storage, entry.id, 901)
    later = NOW + timedelta(days=1)

    with storage.uow() as uow:
        replaced = replace_entry(uow, entry.id, 1, image(unique="new", title="Dusk",
                                                         caption=None), later)
        uow.commit()

    with storage.uow() as uow:
        stored = uow.entries.get(entry.id)
    assert (replaced.scores_removed, stored.code, stored.title, stored.file_unique_id,
            stored.caption, stored.submitted_at, stored.updated_at, scores_of(storage, entry.id)
            ) == (2, "E-001", "Dusk", "new", None, NOW, later, 0)


def test_submit_entry_with_replaces_returns_the_same_entry(storage):
    contest = make_contest(storage)
    make_reader(storage, 1)
    entry = submit(storage, contest.id, 1, essay())

    with storage.uow() as uow:
        again = submit_entry(uow, contest.id, 1, document(), NOW, replaces=entry.id)
        uow.commit()

    assert ((again.id, again.code, again.content), entries_of(storage, contest.id)) == (
        (entry.id, "E-001", "document"),
        [("E-001", "Steppe", "Aigerim Serikova", "kz", "submitted")],
    )


def test_replace_entry_refuses_someone_elses_entry_a_closed_window_and_the_same_file(storage):
    contest = make_contest(storage)
    make_reader(storage, 1)
    make_reader(storage, 2)
    entry = submit(storage, contest.id, 1, document(unique="mine"))

    with storage.uow() as uow:
        found = [
            refusal(lambda: replace_entry(uow, entry.id, 2, document(unique="x"), NOW))[0],
            refusal(lambda: replace_entry(uow, 999, 1, document(unique="x"), NOW))[0],
            refusal(lambda: replace_entry(uow, entry.id, 1, document(unique="x"),
                                          contest.closes_at))[0],
            refusal(lambda: replace_entry(uow, entry.id, 1, document(unique="mine"), NOW))[0],
        ]

    assert found == [NOT_YOURS, NOT_YOURS, WINDOW_CLOSED, DUPLICATE_FILE]


def test_withdraw_entry_marks_it_and_frees_the_limit_and_the_file(storage):
    contest = make_contest(storage)
    make_reader(storage, 1)
    entry = submit(storage, contest.id, 1, document(unique="f"))

    with storage.uow() as uow:
        withdraw_entry(uow, entry.id, 1, NOW)
        uow.commit()
    again = submit(storage, contest.id, 1, document(unique="f"))

    assert (again.code, entries_of(storage, contest.id)) == ("E-002", [
        ("E-001", "Steppe", "Aigerim Serikova", "kz", "withdrawn"),
        ("E-002", "Steppe", "Aigerim Serikova", "kz", "submitted"),
    ])


def test_withdraw_entry_refuses_others_twice_and_after_closing(storage):
    contest = make_contest(storage)
    make_reader(storage, 1)
    make_reader(storage, 2)
    entry = submit(storage, contest.id, 1, essay())
    kept = submit(storage, contest.id, 2, document())
    with storage.uow() as uow:
        withdraw_entry(uow, entry.id, 1, NOW)
        uow.commit()

    with storage.uow() as uow:
        found = [
            refusal(lambda: withdraw_entry(uow, kept.id, 1, NOW))[0],
            refusal(lambda: withdraw_entry(uow, entry.id, 1, NOW))[0],
            refusal(lambda: withdraw_entry(uow, kept.id, 2, contest.closes_at))[0],
        ]

    assert found == [NOT_YOURS, ALREADY_WITHDRAWN, WINDOW_CLOSED]


# --- lists ---------------------------------------------------------------------------------


def test_my_entries_show_status_changeability_and_published_outcome(storage):
    open_contest = make_contest(storage, entries_per_participant=2)
    published = make_contest(storage, opens_at=NOW - timedelta(days=40),
                             closes_at=NOW - timedelta(days=20),
                             published_at=NOW - timedelta(days=1))
    make_reader(storage, 1)
    standing = submit(storage, open_contest.id, 1, essay())
    gone = submit(storage, open_contest.id, 1, document())
    with storage.uow() as uow:
        withdraw_entry(uow, gone.id, 1, NOW)
        old = submit_entry(uow, published.id, 1, essay(), published.opens_at + timedelta(days=1))
        uow.flush()
        uow.session.add(ContestResult(contest_id=published.id, entry_id=old.id, side="kz",
                                      place=3, shared=True, winner=True))
        uow.commit()

    with storage.uow() as uow:
        found = [(e.code, e.status, e.can_change, e.published, e.place, e.shared, e.winner,
                  e.contest.id) for e in my_entries(uow, 1, NOW)]
        without_now = [e.can_change for e in my_entries(uow, 1)]

    assert found == [
        (standing.code, "submitted", True, False, None, False, False, open_contest.id),
        (gone.code, "withdrawn", False, False, None, False, False, open_contest.id),
        ("E-001", "submitted", False, True, 3, True, True, published.id),
    ]
    assert without_now == [False, False, False]
