"""Profile answers: each one validated with its own message; saved only with consent."""

import gettext
from datetime import date, timedelta

import pytest

from bot.core.i18n import Nn_, Translator
from bot.core.settings import Settings
from bot.messages import notices
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
from storage.models import Event, EventKind, Notification, NotificationKind, User
from tests.factories import NOW

TODAY = date(2026, 11, 22)
ENGLISH = Translator("en", gettext.NullTranslations())


def error_of(parse, *args) -> ProfileError:
    with pytest.raises(ProfileError) as raised:
        parse(*args)
    return raised.value


def message_of(parse, *args) -> str:
    return error_of(parse, *args).render(ENGLISH)


def test_parse_full_name_strips_and_collapses_spaces():
    assert parse_full_name("  Aru   Sadykova \n") == "Aru Sadykova"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Please write your full name."),
        ("   ", "Please write your full name."),
        ("A", "The name is too short: at least 2 characters, please."),
        ("x" * 201, "The name is too long (201 characters); at most 200, please."),
    ],
    ids=["empty", "blank", "one-letter", "201-chars"],
)
def test_parse_full_name_rejects_bad_answers(text, expected):
    assert message_of(parse_full_name, text) == expected


@pytest.mark.parametrize("text", ["\u200b\u200b", "--", "12", "🙂🙂", "١٢"],
                         ids=["zero-width-spaces", "dashes", "digits", "emoji", "arabic-digits"])
def test_parse_full_name_without_letters_is_refused(text):
    assert message_of(parse_full_name, text) == (
        "A name is written in letters: please write your full name, for example "
        "Aigerim Serikova.")


@pytest.mark.parametrize("text", ["Әсел Құрманқызы", "O'Neil-Smith", "王芳", "Li"])
def test_parse_full_name_with_letters_of_any_script_is_kept(text):
    assert parse_full_name(text) == text


def test_parse_full_name_accepts_200_chars():
    assert parse_full_name("x" * 200) == "x" * 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Please write an answer."),
        ("K", "This is too short: at least 2 characters, please."),
        ("K" * 201, "This is too long (201 characters); at most 200, please."),
    ],
    ids=["empty", "short", "201-chars"],
)
def test_parse_place_rejects_bad_answers(text, expected):
    assert message_of(parse_place, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14.03.2009", date(2009, 3, 14)), ("2009-03-14", date(2009, 3, 14)),
     (" 01.01.2021 ", date(2021, 1, 1))],
)
def test_parse_birth_date_accepts_both_formats(text, expected):
    assert parse_birth_date(text, TODAY) == expected


def test_parse_birth_date_reads_arabic_indic_digits():
    assert parse_birth_date("١٤.٠٣.٢٠٠٩", TODAY) == date(2009, 3, 14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("29.02.2009", "There is no 29 February in 2009: it is not a leap year."),
        ("2009-04-31", "There is no 31 April: 2009-04-31 is not a date."),
        ("01.13.2009",
         "There is no month 13: months go from 1 to 12, so 01.13.2009 is not a date."),
        ("01.01.0001", "This date makes you older than 100 years. Please check the year."),
        ("31.12.9999", "This date is in the future. Please check your date of birth."),
        ("14.03.2⁰09",
         "I could not read this date. Please write it as DD.MM.YYYY, for example 25.04.2010."),
    ],
    ids=["not-leap", "no-31-april", "month-13", "year-1", "year-9999", "superscript"],
)
def test_parse_birth_date_names_impossible_and_far_dates(text, expected):
    assert message_of(parse_birth_date, text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Please write your date of birth, for example 25.04.2010."),
        ("14/03/2009",
         "I could not read this date. Please write it as DD.MM.YYYY, for example 25.04.2010."),
        ("31.02.2009", "There is no 31 February: 31.02.2009 is not a date."),
        ("23.11.2026", "This date is in the future. Please check your date of birth."),
        ("01.01.2023", "This date makes you younger than 5 years. Please check the year."),
        ("01.01.1896", "This date makes you older than 100 years. Please check the year."),
    ],
    ids=["empty", "bad-format", "no-such-day", "future", "age-3", "age-130"],
)
def test_parse_birth_date_rejects_bad_answers(text, expected):
    assert message_of(parse_birth_date, text, TODAY) == expected


@pytest.mark.parametrize(
    ("parse", "args", "count", "one", "five"),
    [
        (parse_full_name, ("A",), "min",
         "The name is too short: at least 1 character, please.",
         "The name is too short: at least 5 characters, please."),
        (parse_place, ("K",), "min",
         "This is too short: at least 1 character, please.",
         "This is too short: at least 5 characters, please."),
        (parse_birth_date, ("01.01.2023", TODAY), "min",
         "This date makes you younger than 1 year. Please check the year.",
         "This date makes you younger than 5 years. Please check the year."),
        (parse_birth_date, ("01.01.1896", TODAY), "max",
         "This date makes you older than 1 year. Please check the year.",
         "This date makes you older than 5 years. Please check the year."),
    ],
    ids=["name-short", "place-short", "too-young", "too-old"],
)
def test_profile_errors_with_a_count_use_singular_for_1_and_plural_for_5(
    parse, args, count, one, five
):
    error = error_of(parse, *args)

    rendered = [
        ProfileError(error.msgid, **{**error.params, count: n}).render(ENGLISH) for n in (1, 5)
    ]

    assert rendered == [one, five]


def test_profile_errors_too_long_use_singular_for_1_and_plural_for_5():
    error = error_of(parse_full_name, "x" * 201)

    rendered = [ProfileError(error.msgid, max=200, length=n).render(ENGLISH) for n in (1, 5)]

    assert rendered == [
        "The name is too long (1 character); at most 200, please.",
        "The name is too long (5 characters); at most 200, please.",
    ]


def test_age_on_counts_full_years_around_the_birthday():
    assert (age_on(date(2009, 11, 22), TODAY), age_on(date(2009, 11, 23), TODAY)) == (17, 16)


def test_profile_error_renders_through_the_translator(catalogs):
    error = ProfileError("Please write an answer.")

    assert (error.render(catalogs.translator("en")), str(error)) == (
        "Please write an answer.", "Please write an answer."
    )


def test_profile_error_plural_renders_through_ngettext(catalogs):
    plural = Nn_("At least {min} character.", "At least {min} characters.", count="min")

    rendered = [ProfileError(plural, min=n).render(catalogs.translator("en")) for n in (1, 5)]

    assert rendered == ["At least 1 character.", "At least 5 characters."]


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


def saved_zone(storage, draft: ProfileDraft, timezone: str | None = None) -> str | None:
    with storage.uow() as uow:
        uow.users.add(User(id=7, first_name="Oksana", timezone=timezone, created_at=NOW))
        uow.commit()
    with storage.uow() as uow:
        save_profile(uow, 7, draft, NOW)
        uow.commit()
    with storage.uow() as uow:
        return uow.users.get(7).timezone


def draft_from(country: str, city: str) -> ProfileDraft:
    return ProfileDraft("Oksana Kovalenko", date(2009, 3, 14), country, city, "Lyceum 12")


@pytest.mark.parametrize(
    ("country", "city", "zone"),
    [
        ("Україна", "Київ", "Europe/Kyiv"),
        ("Kazakhstan", "Karaganda", "Asia/Almaty"),
        ("Казахстан", "Уральск", "Asia/Oral"),
        # The city wins over the country: a reader in Mogilev who wrote "Russia".
        ("Россия", "Могилёв", "Europe/Minsk"),
    ],
)
def test_save_profile_sets_the_time_zone_from_a_known_city(storage, country, city, zone):
    assert saved_zone(storage, draft_from(country, city)) == zone


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("Україна", "Europe/Kyiv"),
        ("Ukraine", "Europe/Kyiv"),
        ("Украина", "Europe/Kyiv"),
        ("Қазақстан", "Asia/Almaty"),
        ("Казахстан", "Asia/Almaty"),
        ("kazakhstan", "Asia/Almaty"),
        ("Россия", "Europe/Moscow"),
        ("Russia", "Europe/Moscow"),
        ("Беларусь", "Europe/Minsk"),
        ("Belarus", "Europe/Minsk"),
    ],
)
def test_save_profile_falls_back_to_the_countrys_zone(storage, country, zone):
    assert saved_zone(storage, draft_from(country, "Bila Tserkva")) == zone


@pytest.mark.parametrize("timezone", [None, "Asia/Oral"])
def test_save_profile_keeps_the_zone_when_city_and_country_are_unknown(storage, timezone):
    assert saved_zone(storage, draft_from("Norway", "Oslo"), timezone) == timezone


def test_reader_in_kyiv_sees_reminder_times_in_kyiv_time(storage, catalogs):
    saved_zone(storage, draft_from("Україна", "Київ"))
    starts = NOW + timedelta(days=1)  # 23 November 2026, 09:00 in Karaganda
    event = Event(
        id=12, kind=EventKind.VIDEO_BRIDGE, titles={"en": "A model of the future"},
        descriptions={}, language="en", starts_at=starts, duration_minutes=90,
        timezone="Asia/Almaty", link=None, reminder_offsets=[60], created_at=NOW,
        updated_at=NOW,
    )
    reminder = Notification(
        dedupe_key="test", kind=NotificationKind.REMINDER, user_id=7, event_id=12,
        offset_minutes=60, payload={}, due_at=NOW, next_attempt_at=NOW, created_at=NOW,
    )
    en = catalogs.translator("en")

    with storage.uow() as uow:
        text = notices.render(
            en, reminder, event, uow.users.get(7), Settings(), starts - timedelta(hours=1)
        )

    # 09:00 in Karaganda (UTC+5) is 06:00 in Kyiv (UTC+2).
    assert text == (
        "⏰ «A model of the future» starts in 1 hour.\nStart: 23 November 2026, 06:00 (your time)"
    )
