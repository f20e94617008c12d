"""Texts of contest results, winners lists and jury reminders, for one reader at one moment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.settings import Settings
from bot.messages import contest_notices
from bot.services.outbox_contests import ContestFacts, EntryFacts
from storage.contest_models import Contest
from storage.models import Notification, NotificationKind, User
from tests.contest_factories import KAZAKHSTAN_SIDE, UKRAINE_SIDE
from tests.factories import NOW

DEADLINE = NOW + timedelta(days=3)  # 25 November 2026, 09:00 in Almaty
TITLE = "We roam towards ourselves"
ENTRIES = {
    1: EntryFacts(1, "E-001", "Steppe wind", "Aigerim Serikova", "Karaganda Youth Library"),
    2: EntryFacts(2, "E-002", "Дніпро", "Олена Коваль", ""),
    3: EntryFacts(3, "E-003", "Home", "Dana Bekova", "Temirtau Library"),
}


@pytest.fixture
def en(catalogs):
    return catalogs.translator("en")


def contest(**overrides) -> Contest:
    fields = {
        "id": 3, "kind": "essay", "language": "ru",
        "titles": {"ru": "Мы кочуем навстречу себе", "en": TITLE},
        "timezone": "Asia/Almaty", "opens_at": NOW, "closes_at": NOW, "age_min": 15,
        "age_max": 19, "age_reference_date": NOW.date(),
        "sides": [KAZAKHSTAN_SIDE, UKRAINE_SIDE],
        "prizes": {"1": {"en": "100,000 tenge"}},
        "jury_deadline": DEADLINE, "created_at": NOW, "updated_at": NOW,
    }
    fields.update(overrides)
    return Contest(**fields)


def say(t, kind, payload=None, *, facts=None, user=None, **contest_fields) -> str:
    row = Notification(dedupe_key="test", kind=kind, user_id=501, contest_id=3,
                       payload=payload or {}, due_at=NOW, next_attempt_at=NOW, created_at=NOW)
    return contest_notices.render(
        t, row, contest(**contest_fields), facts or ContestFacts(entries=ENTRIES),
        user or User(id=501, language=t.language, created_at=NOW), Settings(), NOW)


def result(t, **payload) -> str:
    return say(t, NotificationKind.CONTEST_RESULT, {"entry_id": 1, "side": "kz", **payload})


def test_places_are_ordinals_and_say_when_shared(en):
    labels = [contest_notices.place_label(en, place, shared)
              for place, shared in ((1, False), (2, True), (3, False), (5, True), (7, False))]

    assert labels == ["1st place", "2nd place (shared)", "3rd place", "5th place (shared)",
                      "place 7"]


def test_winner_hears_the_place_and_the_prize(en):
    text = result(en, place=1, shared=False, winner=True, flag=None)

    assert text == "\n".join([
        f"🏆 The results of «{TITLE}» are published.",
        "Congratulations! Your entry E-001 «Steppe wind» won 1st place.",
        "Prize: 100,000 tenge",
        "Your diploma is attached.",
    ])


def test_shared_place_without_a_prize(en):
    text = result(en, place=2, shared=True, winner=True, flag=None)

    assert text.split("\n")[1:] == [
        "Congratulations! Your entry E-001 «Steppe wind» won 2nd place (shared).",
        "Your diploma is attached.",
    ]


THANKS = [
    f"🌿 The results of «{TITLE}» are published.",
    "Thank you for taking part with your entry E-001 «Steppe wind»!",
    "Your letter of thanks is attached.",
]


@pytest.mark.parametrize("payload", [
    {"place": 4, "shared": False, "winner": False, "flag": None},
    {"place": None, "shared": False, "winner": False, "flag": "incomplete"},
    {"place": None, "shared": False, "winner": False, "flag": "ineligible"},
])
def test_others_are_thanked_neutrally(en, payload):
    assert result(en, **payload).split("\n") == THANKS


def test_result_caption_is_cut_to_what_telegram_takes(en):
    long = EntryFacts(1, "E-001", "x" * 1100, "", "")

    text = say(en, NotificationKind.CONTEST_RESULT,
               {"entry_id": 1, "place": 1, "shared": False, "winner": True},
               facts=ContestFacts(entries={1: long}))

    assert (len(text), text[-1]) == (contest_notices.CAPTION_LIMIT, "…")


def test_winners_list_groups_by_side(en):
    winners = [{"entry_id": 1, "side": "kz", "place": 1, "shared": True},
               {"entry_id": 3, "side": "kz", "place": 1, "shared": True},
               {"entry_id": 2, "side": "ua", "place": 1, "shared": False}]

    text = say(en, NotificationKind.WINNERS_LIST, {"audience": "participants",
                                                   "winners": winners}, winner_names="full")

    assert text == "\n".join([
        f"🏆 Winners of «{TITLE}»",
        "",
        "Kazakhstan",
        "1st place (shared): E-001 «Steppe wind» — Aigerim Serikova, Karaganda Youth Library",
        "1st place (shared): E-003 «Home» — Dana Bekova, Temirtau Library",
        "",
        "Ukraine",
        "1st place: E-002 «Дніпро» — Олена Коваль",
    ])


def test_winners_list_of_a_contest_without_sides_has_no_headings(en):
    winners = [{"entry_id": 3, "side": None, "place": 1, "shared": False},
               {"entry_id": 1, "side": None, "place": 2, "shared": False}]

    text = say(en, NotificationKind.WINNERS_LIST, {"winners": winners}, sides=[])

    assert text.split("\n")[1:] == [
        "1st place: E-003 «Home» — Dana B., Temirtau Library",
        "2nd place: E-001 «Steppe wind» — Aigerim S., Karaganda Youth Library",
    ]


@pytest.mark.parametrize(("winner_names", "lines"), [
    ("full", ["1st place: E-001 «Steppe wind» — Aigerim Serikova, Karaganda Youth Library",
              "2nd place: E-002 «Дніпро» — Олена Коваль"]),
    ("initial", ["1st place: E-001 «Steppe wind» — Aigerim S., Karaganda Youth Library",
                 "2nd place: E-002 «Дніпро» — Олена К."]),
    ("code", ["1st place: E-001 «Steppe wind»", "2nd place: E-002 «Дніпро»"]),
])
def test_winners_list_names_winners_as_the_organizer_chose(en, winner_names, lines):
    winners = [{"entry_id": 1, "side": None, "place": 1, "shared": False},
               {"entry_id": 2, "side": None, "place": 2, "shared": False}]

    text = say(en, NotificationKind.WINNERS_LIST, {"winners": winners}, sides=[],
               winner_names=winner_names)

    assert text.split("\n")[1:] == lines


def test_winners_list_names_an_author_who_erased_their_data_by_code_only(en):
    winners = [{"entry_id": 1, "side": None, "place": 1, "shared": False}]

    erased = ContestFacts(entries={1: EntryFacts(1, "E-001", "Steppe wind", "", "")})

    text = say(en, NotificationKind.WINNERS_LIST, {"winners": winners}, facts=erased, sides=[])

    assert text.split("\n")[1:] == ["1st place: E-001 «Steppe wind»"]


@pytest.mark.parametrize(("full_name", "shown"), [
    ("Aigerim Bekova", "Aigerim B."),
    ("  Anna  Maria   Smith ", "Anna S."),
    ("Aigerim", "Aigerim"),
    ("", ""),
])
def test_winner_name_with_an_initial_keeps_the_first_name_and_the_surnames_initial(
    full_name, shown
):
    assert contest_notices.winner_name("initial", full_name) == shown


def test_winners_list_without_winners_says_so(en):
    text = say(en, NotificationKind.WINNERS_LIST, {"winners": []})

    assert text.split("\n")[1:] == ["No entry was ranked, so there are no winners."]


def test_jury_reminder_tells_progress_and_deadline_in_the_jurors_zone(en):
    text = say(en, NotificationKind.JURY_REMINDER, facts=ContestFacts(progress=(3, 5)))
    kyiv = say(en, NotificationKind.JURY_REMINDER, facts=ContestFacts(progress=(0, 1)),
               user=User(id=501, language="en", timezone="Europe/Kyiv", created_at=NOW))

    assert text == (f"You have scored 3 of 5 entries of «{TITLE}». The jury deadline is "
                    "25 November 2026, 09:00. /jury")
    assert kyiv == (f"You have scored 0 of 1 entry of «{TITLE}». The jury deadline is "
                    "25 November 2026, 06:00. /jury")


def test_jury_reminder_in_russian_uses_the_contests_title(catalogs):
    ru = catalogs.translator("ru")

    text = say(ru, NotificationKind.JURY_REMINDER, facts=ContestFacts(progress=(2, 5)))

    assert text.startswith(ru.ngettext(
        "You have scored {scored} of {n} entry of «{contest}».",
        "You have scored {scored} of {n} entries of «{contest}».", 5,
    ).format(scored=2, n=5, contest="Мы кочуем навстречу себе"))


def test_event_kinds_are_not_contest_texts(en):
    with pytest.raises(ValueError, match="no text"):
        say(en, NotificationKind.REMINDER)


@pytest.mark.parametrize(("language", "award", "expected"), [
    ("ru", "charter", "Ваша грамота — во вложении."),
    ("uk", "letter_of_thanks", "Ваша подяка — у вкладенні."),
    ("kk", "diploma", "Дипломыңыз осы хабарламаға тіркелген."),
    ("ru", "certificate", "Ваш сертификат — во вложении."),
])
def test_winner_message_names_the_award_the_contest_chose(catalogs, language, award, expected):
    t = catalogs.translator(language)

    text = say(t, NotificationKind.CONTEST_RESULT,
               {"entry_id": 1, "side": "kz", "place": 2, "shared": False, "winner": True},
               award=award)

    assert text.split("\n")[-1] == expected
