"""Names of the awards a contest chooses for its winners, in each language."""

from __future__ import annotations

import pytest

from bot.messages.awards import award_heading, award_name


@pytest.mark.parametrize(("language", "expected"), [
    ("ru", ["Диплом", "Сертификат", "Грамота", "Благодарственное письмо"]),
    ("kk", ["Диплом", "Сертификат", "Мадақтама", "Алғыс хат"]),
    ("uk", ["Диплом", "Сертифікат", "Грамота", "Подяка"]),
    ("en", ["Diploma", "Certificate", "Certificate of merit", "Letter of thanks"]),
])
def test_award_name_in_each_language(catalogs, language, expected):
    t = catalogs.translator(language)

    names = [award_name(t, key) for key in ("diploma", "certificate", "charter",
                                             "letter_of_thanks")]

    assert names == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("ru", ["Диплом I степени", "Диплом II степени", "Диплом III степени", "Диплом"]),
    ("kk", ["I дәрежелі диплом", "II дәрежелі диплом", "III дәрежелі диплом", "Диплом"]),
    ("uk", ["Диплом I ступеня", "Диплом II ступеня", "Диплом III ступеня", "Диплом"]),
    ("en", ["First-degree diploma", "Second-degree diploma", "Third-degree diploma",
            "Diploma"]),
])
def test_award_heading_of_a_diploma_has_the_degree_of_the_first_three_places(
        catalogs, language, expected):
    t = catalogs.translator(language)

    assert [award_heading(t, "diploma", place) for place in (1, 2, 3, 4)] == expected


def test_award_heading_of_a_charter_has_no_degree_and_an_unknown_key_is_a_diploma(catalogs):
    ru = catalogs.translator("ru")

    assert (award_heading(ru, "charter", 1), award_name(ru, "medal")) == ("Грамота", "Диплом")
