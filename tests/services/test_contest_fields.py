from __future__ import annotations

import gettext
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.i18n import LANGUAGES, Translator
from bot.services.contest_dates import (
    parse_closes,
    parse_jury_deadline,
    parse_opens,
    parse_reference_date,
)
from bot.services.contest_fields import (
    ContestDraft,
    check_draft,
    parse_age_range,
    parse_aggregate,
    parse_contest_kind,
    parse_entries_limit,
    parse_min_jurors,
    parse_quota,
    parse_rules,
    parse_scale,
    parse_tie_policy,
    parse_yes_no,
)
from bot.services.contest_groups import (
    CriterionDraft,
    SideDraft,
    criteria_example,
    parse_countries,
    parse_criteria,
    parse_prizes,
    parse_sides,
    parse_weight,
    same_country,
)
from bot.services.event_fields import FieldError
from storage.contest_models import Aggregate, ContestKind, TiePolicy
from tests.factories import NOW

ENGLISH = Translator("en", gettext.NullTranslations())
OPENS = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
CLOSES = datetime(2027, 1, 31, 18, 59, tzinfo=UTC)


def message(call, *args, **kwargs) -> str:
    with pytest.raises(FieldError) as error:
        call(*args, **kwargs)
    return error.value.render(ENGLISH)


def draft(**overrides) -> ContestDraft:
    fields = {
        "kind": ContestKind.ESSAY,
        "titles": {"ru": "Мы кочуем навстречу себе"},
        "language": "ru",
        "timezone": "Asia/Almaty",
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "age_min": 15,
        "age_max": 19,
        "age_reference_date": date(2027, 1, 31),
        "criteria": [CriterionDraft("originality", {"en": "Originality"}, 0.4),
                     CriterionDraft("language", {"en": "Language"}, 0.6)],
    }
    fields.update(overrides)
    return ContestDraft(**fields)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("essay", ContestKind.ESSAY), ("Эссе", ContestKind.ESSAY), ("есе", ContestKind.ESSAY),
     ("PHOTO", ContestKind.PHOTO), ("фотосурет", ContestKind.PHOTO)],
)
def test_contest_kind_accepts_english_and_local_words(text, kind):
    assert parse_contest_kind(text) == kind


def test_contest_kind_unknown_is_explained():
    assert message(parse_contest_kind, "poem") == (
        "Unknown kind of contest poem: use essay or photo."
    )


def test_rules_too_long_counts_characters():
    assert message(parse_rules, "x" * 3001) == (
        "The rules are too long: 3001 characters, at most 3000."
    )


def test_window_is_read_in_the_contest_zone():
    opens = parse_opens("01.12.2026 00:00", "Asia/Almaty")
    closes = parse_closes("2027-01-31 23:59", "Asia/Almaty", opens, NOW)

    assert (opens, closes) == (OPENS, CLOSES)


def test_window_closing_before_opening_is_refused():
    assert message(parse_closes, "2026-11-30 10:00", "Asia/Almaty", OPENS) == (
        "The contest must close after it opens: check both dates."
    )


def test_window_closing_in_the_past_is_refused():
    assert message(parse_closes, "2026-11-01 10:00", "Asia/Almaty", None, NOW) == (
        "The closing time must be in the future: 2026-11-01 10:00 is already past."
    )


def test_window_longer_than_a_year_is_a_mistyped_year():
    assert message(parse_closes, "2028-01-31 23:59", "Asia/Almaty", OPENS) == (
        "Submissions would stay open for more than a year: check the years of both dates."
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("15-19", (15, 19)), ("15 – 19", (15, 19)), ("15..19", (15, 19)), ("16", (16, 16)),
     ([15, 19], (15, 19)), ({"min": 14, "max": 21}, (14, 21))],
)
def test_age_range_accepts_typed_and_yaml_forms(value, expected):
    assert parse_age_range(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("19-15", "The youngest age (19) is above the oldest (15): write it like 15-19."),
     ("3-19", "Ages must be from 5 to 100; 3-19 is out of range."),
     ("teenagers", "Cannot read teenagers as an age range: write it like 15-19.")],
)
def test_age_range_problems(value, expected):
    assert message(parse_age_range, value) == expected


def test_reference_date_closes_is_the_closing_day_in_the_contest_zone():
    # 23:59 in Karaganda is still the 31st there although it is 18:59 UTC.
    late = datetime(2027, 1, 31, 19, 30, tzinfo=UTC)

    day = parse_reference_date("closes", opens_at=OPENS, closes_at=late, zone="Asia/Almaty")

    assert day == date(2027, 2, 1)


def test_reference_date_accepts_both_date_spellings():
    assert parse_reference_date("31.01.2027") == parse_reference_date("2027-01-31")
    assert parse_reference_date(date(2027, 1, 31)) == date(2027, 1, 31)


def test_reference_date_years_away_is_refused():
    assert message(parse_reference_date, "2029-01-31", opens_at=OPENS, closes_at=CLOSES) == (
        "Ages would be counted on 31 January 2029, more than a year away from the contest: "
        "check the year."
    )


def test_countries_any_means_no_restriction():
    assert parse_countries("any") == []
    assert parse_countries("Kazakhstan, Україна; Россия") == ["Kazakhstan", "Україна", "Россия"]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [("Kazakhstan", "Қазақстан", True), ("Республика Казахстан", "kazakhstan", True),
     ("Україна", "Ukraine", True), ("Ukraine", "Kazakhstan", False),
     ("Atlantis", "atlantis ", True)],
)
def test_same_country_across_spellings(first, second, same):
    assert same_country(first, second) is same


def test_sides_typed_one_per_line_with_and_without_keys():
    sides = parse_sides("kz = Казахстан: Kazakhstan, Қазақстан\nУкраина: Ukraine, Україна", "ru")

    assert sides == [
        SideDraft("kz", {"ru": "Казахстан"}, ["Kazakhstan", "Қазақстан"]),
        SideDraft("ukraine", {"ru": "Украина"}, ["Ukraine", "Україна"]),
    ]


def test_sides_without_latin_name_are_numbered():
    assert [side.key for side in parse_sides("Россия; Беларусь", "ru")] == ["s1", "s2"]


def test_country_on_two_sides_is_refused():
    assert message(parse_sides, "kz = Kazakhstan\nqz = Қазақстан", "kk") == (
        "Қазақстан belongs to two sides, kz and qz: a reader can be on one side only."
    )


def test_duplicate_side_key_is_refused():
    assert message(parse_sides, [{"key": "kz", "name": "Kazakhstan"},
                                 {"key": "kz", "name": "Ukraine"}], "en") == (
        "The side kz is given twice."
    )


def test_criteria_typed_with_decimal_commas_and_percents():
    criteria = parse_criteria("Оригинальность 0,4, язык — 30%\nrelevance: 0.3", "ru")

    assert criteria == [
        CriterionDraft("c1", {"ru": "Оригинальность"}, 0.4),
        CriterionDraft("c2", {"ru": "язык"}, 0.3),
        CriterionDraft("relevance", {"ru": "relevance"}, 0.3),
    ]


def test_criteria_without_weights_weigh_the_same():
    criteria = parse_criteria("originality, language, relevance", "en")

    assert [criterion.weight for criterion in criteria] == [1 / 3, 1 / 3, 1 / 3]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("originality 0.4, language 0.4", "The weights add up to 0.8, not 1: for example "
                                       "Originality 0.4, Language 0.3, Relevance 0.3."),
     ("originality 0.5, language", "Give a weight to every criterion, or to none (then they "
                                   "weigh the same)."),
     ("originality 0.5, originality 0.5", "The criterion originality is given twice."),
     ("", "Add at least one criterion, for example: Originality 0.4, Language 0.3, "
          "Relevance 0.3.")],
)
def test_criteria_problems(value, expected):
    assert message(parse_criteria, value, "en") == expected


def test_criteria_example_reads_in_the_organizers_language_and_parses_back(catalogs):
    translators = [catalogs.translator(language) for language in LANGUAGES]

    parsed = [[(criterion.names, criterion.weight)
               for criterion in parse_criteria(criteria_example(t), t.language)]
              for t in translators]

    assert parsed == [
        [({t.language: t.gettext(name)}, weight)
         for name, weight in (("Originality", 0.4), ("Language", 0.3), ("Relevance", 0.3))]
        for t in translators
    ]


class CriteriaNamesInRussian(gettext.NullTranslations):
    names = {"Originality": "Оригинальность", "Language": "Язык", "Relevance": "Соответствие теме"}

    def gettext(self, message: str) -> str:
        return self.names.get(message, message)


def test_criteria_problem_example_is_in_the_organizers_language():
    with pytest.raises(FieldError) as error:
        parse_criteria("Оригинальность 0.4", "ru")

    assert error.value.render(Translator("ru", CriteriaNamesInRussian())) == (
        "The weights add up to 0,4, not 1: for example Оригинальность 0,4, Язык 0,3, "
        "Соответствие теме 0,3."
    )


def test_weights_within_a_thousandth_of_one_pass():
    criteria = parse_criteria([{"key": "a", "name": "A", "weight": 0.3333},
                               {"key": "b", "name": "B", "weight": 0.3333},
                               {"key": "c", "name": "C", "weight": 0.3333}], "en")

    assert [criterion.key for criterion in criteria] == ["a", "b", "c"]


@pytest.mark.parametrize("value", ["0", "1.5", "150%"])
def test_weight_out_of_range(value):
    assert message(parse_weight, value) == (
        f"A weight must be above 0 and at most 1 (or 100%); {value} is out of range."
    )


@pytest.mark.parametrize(
    ("value", "expected"), [("1-10", (1, 10)), ("0..5", (0, 5)), ([1, 20], (1, 20))]
)
def test_scale_forms(value, expected):
    assert parse_scale(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10-1", "A scale goes from a lower to a higher number between 0 and 100, like 1-10; "
              "10-1 does not."),
     ("5-5", "A scale goes from a lower to a higher number between 0 and 100, like 1-10; "
             "5-5 does not."),
     ("0-100", "A scale can have at most 21 points (jurors press one button per point); "
               "0-100 has 101."),
     ("ten", "Cannot read ten as a scale: write it like 1-10.")],
)
def test_scale_problems(value, expected):
    assert message(parse_scale, value) == expected


def test_tie_policy_and_aggregate_values():
    assert (parse_tie_policy("Dense"), parse_aggregate("median")) == (
        TiePolicy.DENSE, Aggregate.MEDIAN
    )
    assert message(parse_tie_policy, "olympic") == (
        "Unknown tie policy olympic: use shared (places 1, 2, 2, 4) or dense (places 1, 2, 2, 3)."
    )
    assert message(parse_aggregate, "max") == (
        "Unknown way to combine the jurors' scores max: use mean or median."
    )


@pytest.mark.parametrize(("word", "policy"), [
    ("Разделённое", TiePolicy.SHARED), ("с  пропуском", TiePolicy.SHARED),
    ("ортақ", TiePolicy.SHARED), ("поділене", TiePolicy.SHARED),
    ("плотное", TiePolicy.DENSE), ("тығыз", TiePolicy.DENSE), ("Үздіксіз", TiePolicy.DENSE),
    ("щільне", TiePolicy.DENSE), ("без пропуску", TiePolicy.DENSE),
])
def test_tie_policy_in_our_languages(word, policy):
    assert parse_tie_policy(word) == policy


def test_aggregate_in_our_languages():
    words = ("среднее", "орташа", "середнє", "Медиана", "медіана")

    assert [parse_aggregate(word) for word in words] == [
        Aggregate.MEAN, Aggregate.MEAN, Aggregate.MEAN, Aggregate.MEDIAN, Aggregate.MEDIAN
    ]


def test_counts_are_bounded():
    assert (parse_quota("5"), parse_entries_limit(2), parse_min_jurors("3")) == (5, 2, 3)
    assert message(parse_quota, "0") == (
        "The number of winners per side must be a whole number from 1 to 100; 0 is not."
    )
    assert message(parse_min_jurors, "three") == (
        "The minimum number of jurors per entry must be a whole number from 1 to 50; three "
        "is not."
    )


def test_yes_no_in_our_languages():
    assert [parse_yes_no(word) for word in ("да", "жоқ", "так", True)] == [True, False, True, True]


def test_prizes_typed_one_per_line():
    prizes = parse_prizes("1: Сертификат на 100 000 тенге\n2. 60 000 тенге\n3 место — 35 000", "ru")

    assert prizes == {"1": {"ru": "Сертификат на 100 000 тенге"}, "2": {"ru": "60 000 тенге"},
                      "3": {"ru": "35 000"}}


def test_prizes_mapping_by_place_and_language():
    prizes = parse_prizes({2: "60 000", 1: {"ru": "100 000", "en": "100,000"}}, "ru")

    assert prizes == {"1": {"ru": "100 000", "en": "100,000"}, "2": {"ru": "60 000"}}


def test_prize_place_must_be_a_number():
    assert message(parse_prizes, {"first": "x"}, "en") == (
        "A place must be a whole number from 1 to 100; first is not."
    )


def test_jury_deadline_before_close_is_refused():
    assert message(parse_jury_deadline, "2027-01-31 12:00", "Asia/Almaty", CLOSES) == (
        "The jury deadline must come after submissions close: the jury scores closed entries."
    )
    assert parse_jury_deadline("2027-02-10 18:00", "Asia/Almaty", CLOSES) == (
        datetime(2027, 2, 10, 13, 0, tzinfo=UTC)
    )


def test_check_draft_of_a_whole_draft_finds_nothing():
    assert check_draft(draft()) == []


def test_check_draft_lists_every_cross_field_problem():
    broken = draft(
        titles={"en": "We roam"},
        closes_at=OPENS - timedelta(days=1),
        criteria=[CriterionDraft("a", {"en": "A"}, 0.5)],
        prizes={"6": {"en": "a book"}},
        jury_deadline=OPENS - timedelta(days=2),
    )

    assert [problem.render(ENGLISH) for problem in check_draft(broken)] == [
        "There is no title in the contest's language (ru).",
        "The contest must close after it opens: check both dates.",
        "The weights add up to 0.5, not 1: for example Originality 0.4, Language 0.3, "
        "Relevance 0.3.",
        "There is a prize for place 6, but only 5 winners per side.",
        "The jury deadline must come after submissions close: the jury scores closed entries.",
    ]


def test_reference_date_years_away_names_the_day_in_russian(catalogs):
    with pytest.raises(FieldError) as error:
        parse_reference_date("31.01.2029", opens_at=OPENS, closes_at=CLOSES)

    assert error.value.render(catalogs.translator("ru")) == (
        "Возраст считался бы на 31 января 2029\u202fг., а это больше чем на год раньше или позже "
        "сроков конкурса: проверьте год."
    )


def test_weights_total_in_kazakh_has_a_decimal_comma(catalogs):
    with pytest.raises(FieldError) as error:
        parse_criteria("Түпнұсқалық 0,4, Тіл 0,5", "kk")

    kk = catalogs.translator("kk")
    assert error.value.render(kk) == (
        f"Салмақтардың қосындысы 1 емес, 0,9 болып тұр: мысалы, {criteria_example(kk)}."
    )
