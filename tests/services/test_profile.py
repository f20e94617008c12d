"""Profile answers: each one validated with its own message; saved only with consent."""

from datetime import date

import pytest

from bot.services.profile import (
    ProfileDraft,
    ProfileError,
    age_on,
    parse_birth_date,
    parse_full_name,
    parse_place,
    profile_of,
    save_profile,
)
from storage.models import User
from tests.factories import NOW

TODAY = date(2026, 11, 22)


def error_of(parse, *args) -> tuple[str, dict]:
    with pytest.raises(ProfileError) as raised:
        parse(*args)
    return raised.value.msgid, raised.value.params


def test_parse_full_name_strips_and_collapses_spaces():
    assert parse_full_name("  Aru   Sadykova \n") == "Aru Sadykova"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("Please write your full name.", {})),
        ("   ", ("Please write your full name.", {})),
        ("A", ("The name is too short: at least {min} characters, please.", {"min": 2})),
        ("x" * 201, ("The name is too long ({length} characters); at most {max}, please.",
                     {"max": 200, "length": 201})),
    ],
    ids=["empty", "blank", "one-letter", "201-chars"],
)
def test_parse_full_name_rejects_bad_answers(text, expected):
    assert error_of(parse_full_name, text) == expected


def test_parse_full_name_accepts_200_chars():
    assert parse_full_name("x" * 200) == "x" * 200


@pytest.mark.parametrize(
    ("text", "msgid"),
    [
        ("", "Please write an answer."),
        ("K", "This is too short: at least {min} characters, please."),
        ("K" * 201, "This is too long ({length} characters); at most {max}, please."),
    ],
    ids=["empty", "short", "201-chars"],
)
def test_parse_place_rejects_bad_answers(text, msgid):
    assert error_of(parse_place, text)[0] == msgid


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14.03.2009", date(2009, 3, 14)), ("2009-03-14", date(2009, 3, 14)),
     (" 01.01.2021 ", date(2021, 1, 1))],
)
def test_parse_birth_date_accepts_both_formats(text, expected):
    assert parse_birth_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("Please write your date of birth, for example 25.04.2010.", {})),
        ("14/03/2009", (
            "I could not read this date. Please write it as DD.MM.YYYY, for example 25.04.2010.",
            {},
        )),
        ("31.02.2009", (
            "I could not read this date. Please write it as DD.MM.YYYY, for example 25.04.2010.",
            {},
        )),
        ("23.11.2026", ("This date is in the future. Please check your date of birth.", {})),
        ("01.01.2023", (
            "This date makes you younger than {min} years. Please check the year.", {"min": 5}
        )),
        ("01.01.1896", (
            "This date makes you older than {max} years. Please check the year.", {"max": 100}
        )),
    ],
    ids=["empty", "bad-format", "no-such-day", "future", "age-3", "age-130"],
)
def test_parse_birth_date_rejects_bad_answers(text, expected):
    assert error_of(parse_birth_date, text, TODAY) == expected


def test_age_on_counts_full_years_around_the_birthday():
    assert (age_on(date(2009, 11, 22), TODAY), age_on(date(2009, 11, 23), TODAY)) == (17, 16)


def test_profile_error_renders_through_the_translator(catalogs):
    error = ProfileError("The name is too short: at least {min} characters, please.", min=2)

    assert error.render(catalogs.translator("en")) == (
        "The name is too short: at least 2 characters, please."
    )


def test_save_profile_stores_answers_with_consent_time(storage):
    with storage.uow() as uow:
        uow.users.add(User(id=5, first_name="Aru", created_at=NOW))
        uow.commit()
    draft = ProfileDraft("Aru Sadykova", date(2009, 3, 14), "Kazakhstan", "Karaganda", "School 5")

    with storage.uow() as uow:
        save_profile(uow, 5, draft, NOW)
        uow.commit()

    with storage.uow() as uow:
        view = profile_of(uow, 5)
    assert (view.full_name, view.birth_date, view.country, view.city, view.library,
            view.consent_at) == ("Aru Sadykova", date(2009, 3, 14), "Kazakhstan", "Karaganda",
                                 "School 5", NOW)


def test_profile_of_without_consent_is_none(storage):
    with storage.uow() as uow:
        uow.users.add(User(id=6, first_name="Aru", created_at=NOW))
        uow.commit()

    with storage.uow() as uow:
        assert profile_of(uow, 6) is None
