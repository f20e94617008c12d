from __future__ import annotations

import dataclasses
import gettext
from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.core.i18n import Translator
from bot.services.contest_fields import ContestDraft
from bot.services.contest_groups import CriterionDraft, SideDraft
from bot.services.contests import (
    ContestCard,
    ContestLocked,
    ContestNotFound,
    CriterionView,
    PrizeView,
    SideView,
    close_contest,
    contest_card,
    contest_title,
    country_allowed,
    create_contest,
    is_open,
    open_contests,
    side_of,
    stage_of,
    upsert_contest,
)
from bot.services.event_fields import FieldError
from bot.services.jury_reminders import plan_jury_reminders
from storage.contest_models import Contest, ContestKind, Entry, EntryStatus, Juror, Score
from storage.models import Notification, NotificationKind, User
from storage.uow import Database
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW

ENGLISH = Translator("en", gettext.NullTranslations())
LATER = NOW + timedelta(hours=1)


def essay_draft(**overrides) -> ContestDraft:
    fields = {
        "key": "essay-kz-ua-2026",
        "kind": ContestKind.ESSAY,
        "titles": {"ru": "Мы кочуем навстречу себе", "en": "We roam towards ourselves"},
        "language": "ru",
        "timezone": "Asia/Almaty",
        "opens_at": NOW - timedelta(days=1),
        "closes_at": NOW + timedelta(days=30),
        "age_min": 15,
        "age_max": 19,
        "age_reference_date": (NOW + timedelta(days=30)).date(),
        "criteria": [CriterionDraft("originality", {"en": "Originality"}, 0.4),
                     CriterionDraft("language", {"en": "Language", "ru": "Язык"}, 0.6)],
        "rules": {"ru": "Эссе до 5 страниц.", "en": "An essay of up to 5 pages."},
        "themes": {"ru": "Узнаваясь в другом"},
        "organizer_names": {"en": "Karaganda Regional Youth Library"},
        "sides": [SideDraft("kz", {"en": "Kazakhstan", "ru": "Казахстан"},
                            ["Kazakhstan", "Қазақстан"]),
                  SideDraft("ua", {"en": "Ukraine"}, ["Ukraine", "Україна"])],
        "prizes": {"1": {"en": "100,000 tenge"}, "3": {"en": "35,000 tenge", "ru": "35 000"}},
        "jury_deadline": NOW + timedelta(days=40),
        "jury_reminder_offsets": [48 * 60, 24 * 60],
    }
    fields.update(overrides)
    return ContestDraft(**fields)


def stored(database: Database, contest_id: int) -> Contest:
    with database.uow() as uow:
        return uow.contests.get(contest_id)


def add_entry(database: Database, contest: Contest, user_id: int, number: int,
              status: EntryStatus = EntryStatus.SUBMITTED) -> Entry:
    with database.uow() as uow:
        entry = Entry(contest_id=contest.id, user_id=user_id, number=number,
                      code=f"E-{number:03d}", side="kz", title="Степь", content="text",
                      text="...", status=status, submitted_at=NOW, updated_at=NOW)
        uow.session.add(entry)
        uow.commit()
    return entry


def add_juror(database: Database, contest: Contest, user_id: int) -> None:
    with database.uow() as uow:
        uow.users.add(User(id=user_id, first_name="Juror", created_at=NOW))
        uow.flush()
        uow.session.add(Juror(contest_id=contest.id, user_id=user_id, joined_at=NOW))
        uow.commit()


def test_create_contest_stores_every_field(storage):
    with storage.uow() as uow:
        contest = create_contest(uow, essay_draft(), 7001, NOW)
        uow.commit()

    saved = stored(storage, contest.id)
    assert (saved.key, saved.kind, saved.created_by, saved.created_at) == (
        "essay-kz-ua-2026", "essay", 7001, NOW
    )
    assert saved.sides == [
        {"key": "kz", "names": {"en": "Kazakhstan", "ru": "Казахстан"},
         "countries": ["Kazakhstan", "Қазақстан"]},
        {"key": "ua", "names": {"en": "Ukraine"}, "countries": ["Ukraine", "Україна"]},
    ]
    assert saved.criteria == [
        {"key": "originality", "names": {"en": "Originality"}, "weight": 0.4},
        {"key": "language", "names": {"en": "Language", "ru": "Язык"}, "weight": 0.6},
    ]
    assert (saved.age_reference_date, saved.jury_reminder_offsets, saved.tie_policy) == (
        (NOW + timedelta(days=30)).date(), [2880, 1440], "shared"
    )


def test_create_contest_refuses_a_broken_draft_and_writes_nothing(storage):
    broken = essay_draft(closes_at=NOW - timedelta(days=2))

    with storage.uow() as uow, pytest.raises(FieldError) as error:
        create_contest(uow, broken, 7001, NOW)

    assert error.value.render(ENGLISH) == "The contest must close after it opens: check both dates."
    with storage.uow() as uow:
        assert uow.contests.by_key("essay-kz-ua-2026") is None


def test_upsert_creates_then_leaves_unchanged_then_updates(storage):
    outcomes = []
    for draft in (essay_draft(), essay_draft(), essay_draft(quota_per_side=3)):
        with storage.uow() as uow:
            contest, outcome = upsert_contest(uow, draft, LATER)
            uow.commit()
        outcomes.append(outcome)

    assert outcomes == ["created", "unchanged", "updated"]
    assert stored(storage, contest.id).quota_per_side == 3


def test_upsert_keeps_an_early_close(storage):
    with storage.uow() as uow:
        contest = create_contest(uow, essay_draft(), None, NOW)
        close_contest(uow, contest.id, NOW)
        uow.commit()

    with storage.uow() as uow:
        _, outcome = upsert_contest(uow, essay_draft(themes={"ru": "Новая тема"}), LATER)
        uow.commit()

    saved = stored(storage, contest.id)
    assert (outcome, saved.closed_at, saved.themes) == ("updated", NOW, {"ru": "Новая тема"})


def test_upsert_of_frozen_contest_is_refused(storage):
    with storage.uow() as uow:
        contest = create_contest(uow, essay_draft(), None, NOW)
        contest.frozen_at = NOW
        uow.commit()

    with storage.uow() as uow, pytest.raises(ContestLocked) as error:
        upsert_contest(uow, essay_draft(quota_per_side=3), LATER)

    assert error.value.render(ENGLISH) == (
        "The results of this contest are frozen: it can no longer be changed."
    )
    with storage.uow() as uow:
        _, outcome = upsert_contest(uow, essay_draft(), LATER)
    assert outcome == "unchanged"


def test_scored_contest_keeps_its_criteria_but_may_change_other_fields(storage):
    with storage.uow() as uow:
        contest = create_contest(uow, essay_draft(), None, NOW)
        uow.commit()
    make_reader(storage, 501)
    entry = add_entry(storage, contest, 501, 1)
    add_juror(storage, contest, 601)
    with storage.uow() as uow:
        uow.session.add(Score(entry_id=entry.id, juror_id=601,
                              values={"originality": 7, "language": 8}, saved_at=NOW))
        uow.commit()
    new_scale = essay_draft(scale_min=0, scale_max=5)

    with storage.uow() as uow, pytest.raises(ContestLocked) as error:
        upsert_contest(uow, new_scale, LATER)
    with storage.uow() as uow:
        _, outcome = upsert_contest(uow, essay_draft(min_jurors=2), LATER)
        uow.commit()

    assert error.value.render(ENGLISH) == (
        "Jurors have already scored entries: the criteria and the scale can no longer change."
    )
    assert (outcome, stored(storage, contest.id).min_jurors) == ("updated", 2)


def test_kind_cannot_change_once_entries_are_sent(storage):
    with storage.uow() as uow:
        contest = create_contest(uow, essay_draft(), None, NOW)
        uow.commit()
    make_reader(storage, 501)
    add_entry(storage, contest, 501, 1, EntryStatus.WITHDRAWN)

    with storage.uow() as uow, pytest.raises(ContestLocked) as error:
        upsert_contest(uow, essay_draft(kind=ContestKind.PHOTO), LATER)

    assert error.value.render(ENGLISH) == (
        "Entries have already been sent: the kind of contest can no longer change."
    )


def test_new_jury_deadline_moves_pending_jury_reminders(storage):
    with storage.uow() as uow:
        contest = create_contest(uow, essay_draft(), None, NOW)
        uow.commit()
    add_juror(storage, contest, 601)
    with storage.uow() as uow:
        plan_jury_reminders(uow, uow.contests.get(contest.id), NOW)
        uow.commit()
    new_deadline = NOW + timedelta(days=45)

    with storage.uow() as uow:
        upsert_contest(uow, essay_draft(jury_deadline=new_deadline,
                                        jury_reminder_offsets=[24 * 60]), LATER)
        uow.commit()

    with storage.uow() as uow:
        rows = uow.session.exec(
            select(Notification).where(Notification.kind == NotificationKind.JURY_REMINDER)
        ).all()
        assert [(row.offset_minutes, row.due_at) for row in rows] == [
            (24 * 60, new_deadline - timedelta(days=1))
        ]


def test_close_contest_sets_closed_at_once(storage):
    contest = make_contest(storage)

    with storage.uow() as uow:
        close_contest(uow, contest.id, NOW)
        close_contest(uow, contest.id, LATER)
        uow.commit()

    saved = stored(storage, contest.id)
    assert (saved.closed_at, is_open(saved, NOW), stage_of(saved, NOW)) == (NOW, False, "closed")


def test_close_missing_contest_raises_not_found(storage):
    with storage.uow() as uow, pytest.raises(ContestNotFound):
        close_contest(uow, 999, NOW)


def test_is_open_from_opening_until_just_before_closing(storage):
    contest = make_contest(storage, opens_at=NOW, closes_at=NOW + timedelta(days=1))

    assert [is_open(contest, moment) for moment in (
        NOW - timedelta(seconds=1), NOW, NOW + timedelta(days=1) - timedelta(seconds=1),
        NOW + timedelta(days=1),
    )] == [False, True, True, False]
    assert [stage_of(contest, moment) for moment in (NOW - timedelta(days=1),
                                                     NOW + timedelta(days=2))] == [
        "upcoming", "closed"
    ]


def test_open_contests_lists_only_those_accepting_entries(storage):
    soon = make_contest(storage, closes_at=NOW + timedelta(days=3))
    later = make_contest(storage, closes_at=NOW + timedelta(days=20))
    make_contest(storage, opens_at=NOW + timedelta(days=1))
    make_contest(storage, closes_at=NOW - timedelta(days=1), opens_at=NOW - timedelta(days=9))
    make_contest(storage, closed_at=NOW)

    with storage.uow() as uow:
        assert [contest.id for contest in open_contests(uow, NOW)] == [soon.id, later.id]


@pytest.mark.parametrize(
    ("country", "side"),
    [("Kazakhstan", "kz"), ("  қазақстан ", "kz"), ("Республика Казахстан", "kz"),
     ("Украина", "ua"), ("Russia", None), ("", None), (None, None)],
)
def test_side_of_matches_any_spelling(storage, country, side):
    contest = make_contest(storage)

    assert side_of(contest, country) == side


def test_country_allowed_joins_countries_and_sides(storage):
    open_to_all = make_contest(storage, sides=[])
    restricted = make_contest(storage, countries=["Belarus"])

    assert [country_allowed(open_to_all, "Atlantis"), country_allowed(restricted, "Беларусь"),
            country_allowed(restricted, "Україна"), country_allowed(restricted, "Russia"),
            country_allowed(restricted, None)] == [True, True, True, False, False]


def test_contest_title_falls_back_to_the_contest_language(storage):
    contest = make_contest(storage)

    assert [contest_title(contest, language) for language in ("en", "kk")] == [
        "We roam towards ourselves", "Мы кочуем навстречу себе"
    ]


def test_contest_card_for_a_reader(storage):
    with storage.uow() as uow:
        contest = create_contest(uow, essay_draft(), None, NOW)
        uow.commit()
    make_reader(storage, 501, country="Україна", birth_date=date(2010, 1, 1))
    add_entry(storage, contest, 501, 1)
    add_entry(storage, contest, 501, 2, EntryStatus.WITHDRAWN)

    with storage.uow() as uow:
        card = contest_card(uow, contest.id, 501, "en", NOW, default_zone="Europe/Kyiv")

    draft = essay_draft()
    assert card == ContestCard(
        contest_id=contest.id, kind=ContestKind.ESSAY, title="We roam towards ourselves",
        theme="Узнаваясь в другом", rules="An essay of up to 5 pages.",
        organizer="Karaganda Regional Youth Library", opens_at=draft.opens_at,
        closes_at=draft.closes_at, zone="Europe/Kyiv", age_min=15, age_max=19,
        age_reference_date=draft.age_reference_date, countries=[],
        sides=[SideView("kz", "Kazakhstan"), SideView("ua", "Ukraine")], reader_side="ua",
        criteria=[CriterionView("originality", "Originality", 0.4),
                  CriterionView("language", "Language", 0.6)],
        scale_min=1, scale_max=10, quota_per_side=5,
        prizes=[PrizeView(1, "100,000 tenge"), PrizeView(3, "35,000 tenge")],
        entries_per_participant=1, my_entries=1, is_open=True, stage="open",
        user_is_juror=False, jury_deadline=draft.jury_deadline,
    )


def test_contest_card_for_a_juror_in_their_zone_and_language(storage):
    contest = make_contest(storage)
    add_juror(storage, contest, 601)
    with storage.uow() as uow:
        uow.users.get(601).timezone = "Europe/Kyiv"
        uow.commit()

    with storage.uow() as uow:
        card = contest_card(uow, contest.id, 601, "ru", NOW)

    assert dataclasses.astuple(card)[2:4] == ("Мы кочуем навстречу себе", "Узнаваясь в другом")
    assert (card.zone, card.user_is_juror, card.reader_side, card.my_entries) == (
        "Europe/Kyiv", True, None, 0
    )
    assert card.sides == [SideView("kz", "Казахстан"), SideView("ua", "Украина")]


def test_contest_card_of_missing_contest_raises_not_found(storage):
    with storage.uow() as uow, pytest.raises(ContestNotFound):
        contest_card(uow, 999, 501, "en", NOW)
