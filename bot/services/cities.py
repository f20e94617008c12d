"""Cities and time zones: which zone a library's city is in, in any spelling."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Cities of the libraries Kopir serves and their partners, in Latin and Cyrillic
# spellings (Russian, Kazakh, Ukrainian, Belarusian). Since March 2024 all of
# Kazakhstan is UTC+5; the zone names follow tzdata's regions.
_CITY_ZONES: dict[str, tuple[str, ...]] = {
    "Asia/Almaty": (
        "Karaganda", "Karagandy", "Qaraghandy", "Караганда", "Қарағанды", "Караганди",
        "Astana", "Nur-Sultan", "Nursultan", "Астана", "Нур-Султан", "Нұр-Сұлтан",
        "Almaty", "Alma-Ata", "Алматы", "Алма-Ата", "Алмати",
        "Petropavlovsk", "Petropavl", "Петропавловск", "Петропавл", "Петропавловськ",
        "Shymkent", "Chimkent", "Шымкент", "Чимкент",
        "Pavlodar", "Павлодар", "Temirtau", "Темиртау", "Теміртау",
        "Semey", "Semipalatinsk", "Семей", "Семипалатинск",
        "Ust-Kamenogorsk", "Oskemen", "Усть-Каменогорск", "Өскемен",
        "Taraz", "Тараз", "Turkistan", "Туркестан", "Түркістан", "Kokshetau", "Кокшетау",
        "Көкшетау", "Zhezkazgan", "Жезказган", "Жезқазған", "Balkhash", "Балхаш", "Балқаш",
    ),
    "Asia/Oral": ("Uralsk", "Oral", "Уральск", "Орал", "Уральськ"),
    "Asia/Aqtobe": ("Aktobe", "Aqtobe", "Актобе", "Ақтөбе", "Актюбинск"),
    "Asia/Qyzylorda": ("Kyzylorda", "Qyzylorda", "Кызылорда", "Қызылорда"),
    "Asia/Qostanay": ("Kostanay", "Qostanay", "Костанай", "Қостанай"),
    "Asia/Atyrau": ("Atyrau", "Атырау"),
    "Asia/Aqtau": ("Aktau", "Aqtau", "Актау", "Ақтау"),
    "Europe/Moscow": ("Moscow", "Москва", "Мәскеу", "Saint Petersburg", "St. Petersburg",
                      "Санкт-Петербург"),
    "Europe/Kyiv": ("Kyiv", "Kiev", "Киев", "Київ", "Kharkiv", "Харьков", "Харків",
                    "Lviv", "Львов", "Львів", "Odesa", "Odessa", "Одесса", "Одеса"),
    "Europe/Minsk": ("Minsk", "Минск", "Мінськ", "Мінск", "Mogilev", "Mahilyow", "Mogilyov",
                     "Могилёв", "Могилев", "Могильов", "Магілёў"),
    "Asia/Bishkek": ("Bishkek", "Бишкек"),
    "Asia/Tashkent": ("Tashkent", "Ташкент"),
}

# A reader's country when their city is not in the table above. Russia spans
# eleven zones: most of our partners there are in Moscow's, so it stands for all.
_COUNTRY_ZONES: dict[str, tuple[str, ...]] = {
    "Asia/Almaty": ("Kazakhstan", "Qazaqstan", "Kazakstan", "Қазақстан", "Казахстан",
                    "Республика Казахстан", "Қазақстан Республикасы"),
    "Europe/Kyiv": ("Ukraine", "Україна", "Украина", "Украіна"),
    "Europe/Moscow": ("Russia", "Russian Federation", "Россия", "Российская Федерация", "РФ",
                      "Ресей", "Росія", "Расія"),
    "Europe/Minsk": ("Belarus", "Беларусь", "Білорусь", "Белоруссия", "Беларусия"),
    "Asia/Bishkek": ("Kyrgyzstan", "Kyrgyz Republic", "Кыргызстан", "Киргизия", "Қырғызстан",
                     "Киргизстан"),
    "Asia/Tashkent": ("Uzbekistan", "Узбекистан", "Өзбекстан", "Ўзбекистон"),
}


def known_city_zone(city: str) -> str | None:
    """The time zone of a city we know by name, in any of its spellings; None otherwise."""
    return _city_table().get(_fold(city))


def known_country_zone(country: str) -> str | None:
    """The time zone most of a country we know lives in, in any spelling; None otherwise."""
    return _country_table().get(_fold(country))


def home_zone(city: str, country: str) -> str | None:
    """A reader's time zone from their city, else from their country; None if neither is known."""
    return known_city_zone(city) or known_country_zone(country)


@cache
def _city_table() -> dict[str, str]:
    return {_fold(name): zone for zone, names in _CITY_ZONES.items() for name in names}


@cache
def _country_table() -> dict[str, str]:
    return {_fold(name): zone for zone, names in _COUNTRY_ZONES.items() for name in names}


@cache
def zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def looks_like_zone(text: str) -> bool:
    if zone_names().get(text.casefold()):
        return True
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _fold(text: str) -> str:
    folded = " ".join(text.casefold().replace("ё", "е").replace("-", " ").split())
    return folded.removeprefix("г. ").removeprefix("city of ")
