"""Which time zone a city or a country is in, in the spellings readers type."""

import pytest

from bot.services.cities import home_zone, known_country_zone


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("Kazakhstan", "Asia/Almaty"),
        ("Қазақстан", "Asia/Almaty"),
        ("Казахстан", "Asia/Almaty"),
        ("  казахстан ", "Asia/Almaty"),
        ("Ukraine", "Europe/Kyiv"),
        ("Україна", "Europe/Kyiv"),
        ("Украина", "Europe/Kyiv"),
        ("Russia", "Europe/Moscow"),
        ("Россия", "Europe/Moscow"),
        ("Ресей", "Europe/Moscow"),
        ("Belarus", "Europe/Minsk"),
        ("Беларусь", "Europe/Minsk"),
    ],
)
def test_known_country_zone_reads_our_countries_in_any_spelling(country, zone):
    assert known_country_zone(country) == zone


@pytest.mark.parametrize("country", ["Norway", "", "Kazakh"])
def test_known_country_zone_of_other_countries_is_none(country):
    assert known_country_zone(country) is None


@pytest.mark.parametrize(
    ("city", "country", "zone"),
    [
        ("Kyiv", "Ukraine", "Europe/Kyiv"),
        ("Уральск", "Казахстан", "Asia/Oral"),
        ("Bila Tserkva", "Україна", "Europe/Kyiv"),
        ("Могилёв", "Россия", "Europe/Minsk"),
        ("Oslo", "Norway", None),
    ],
)
def test_home_zone_prefers_the_city_then_the_country(city, country, zone):
    assert home_zone(city, country) == zone
