"""The catalogs follow locales/GLOSSARY.md: one word per term, each language's typography."""

import re

import pytest
from babel.messages.pofile import read_po

from bot.core.i18n import LOCALES_DIR, Catalogs

TRANSLATED = ("kk", "ru", "uk")
# Straight quotes are allowed only inside HTML tags, e.g. <a href="https://...">.
TAG = re.compile(r"<[^>]*>")
# A decimal number such as 0.4, but not a date such as 25.04.2010 or a version.
DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")
# A contest's side, not "on our side".
SIDE = re.compile(r"(?<!our )\bsides?\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load()


def _messages(language: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) of every translated form in the .po catalog of `language`."""
    with open(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    found: list[tuple[str, str]] = []
    for message in catalog:
        if not message.id:
            continue
        msgid = str(message.id[0] if isinstance(message.id, tuple) else message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found.extend((msgid, str(string)) for string in strings if string)
    return found


@pytest.mark.parametrize(
    ("language", "msgid", "expected"),
    [
        ("kk", "Cannot read {value} as a weight: write a share like 0.4 or 40%.",
         "{value} салмақ ретінде танылмады: үлесті 0,4 немесе 40% түрінде жазыңыз."),
        ("kk", "Cannot read {value} as a reminder time: write it like 24h, 1h or 30m.",
         "{value} еске салу уақыты ретінде танылмады: 24h, 1h немесе 30m түрінде жазыңыз."),
        ("kk", "Close submissions", "Қабылдауды жабу"),
        ("kk", "Replace {code}", "{code} жұмысын ауыстыру"),
        ("kk", "Write one prize per line, like: 1: 100,000 tenge certificate.",
         "Әр жолға бір жүлде жазыңыз, мысалы: 1: 100 000 теңгелік сыйлық сертификаты."),
        ("kk", "Awarded to {name} for {place} in the contest «{title}»",
         "{name} «{title}» байқауындағы {place} үшін марапатталады"),
        ("kk", "Announcement #{id} is {state} already.", "№ {id} хабарландыру бұрыннан {state}."),
        ("kk", "Your jury work:", "Бағалау барысы:"),
        ("kk", "Sorry, something went wrong on our side. Please try again in a minute.",
         "Кешіріңіз, біздің тарапта қате орын алды. Бір минуттан кейін қайталап көріңіз."),
        ("kk", "readers who chose Kazakh", "қазақ тілін таңдаған оқырмандар"),
        ("ru", "Presented to {name} for taking part in «{event}» on {date}",
         "Вручается {name} за участие в мероприятии «{event}», состоявшемся {date}"),
        ("ru", "Registrants", "Зарегистрированные"),
        ("ru", "Versions: {names}. Readers who chose another language get the default version. "
               "Add a version in another language, or continue.",
         "Версии: {names}. Читатели, выбравшие другой язык, получат версию по умолчанию. Добавьте "
         "версию на другом языке или продолжите."),
        ("ru", "Your jury work:", "Ход оценивания:"),
        ("ru", "upcoming", "ещё не открыт"),
        ("ru", "open", "идёт приём работ"),
        ("ru", "Join the waiting list", "Записаться в лист ожидания"),
        ("ru", "Side", "Команда"),
        ("ru", "Your side: {side}", "Ваша команда: {side}"),
        ("ru", "📣 Announcement #{id}: {state}", "📣 Объявление № {id}: {state}"),
        ("uk", "📣 Announcement #{id}: {state}", "📣 Оголошення № {id}: {state}"),
        ("uk", "Cancel #{id}", "Скасувати № {id}"),
        ("uk", "Cannot read {value} as a weight: write a share like 0.4 or 40%.",
         "Не вдалося розпізнати {value} як вагу: напишіть частку, наприклад 0,4 або 40%."),
        ("uk", "Versions: {names}. Readers who chose another language get the default version. "
               "Add a version in another language, or continue.",
         "Версії: {names}. Читачі, які обрали іншу мову, отримають версію за замовчуванням. "
         "Додайте версію іншою мовою або продовжте."),
        ("uk", "at the start", "у момент початку"),
        ("uk", "Join the waiting list", "Записатися до списку очікування"),
        ("uk", "Presented to {name} for taking part in «{event}» on {date}",
         "Вручається {name} за участь у заході «{event}», що відбувся {date}"),
        ("uk", "Default: {value}", "За замовчуванням: {value}"),
        ("uk", "Your jury work:", "Хід оцінювання:"),
        ("uk", "Letter of thanks", "Подяка"),
    ],
)
def test_catalog_term_reads_as_in_glossary(catalogs, language, msgid, expected):
    translated = catalogs.translator(language).gettext(msgid)

    assert translated == expected


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("ru", 1, "Сохранено. Уведомление получит 1 зарегистрированный читатель."),
        ("ru", 3, "Сохранено. Уведомление получат 3 зарегистрированных читателя."),
        ("ru", 5, "Сохранено. Уведомление получат 5 зарегистрированных читателей."),
        ("uk", 1, "Збережено. Сповіщення отримає 1 зареєстрований читач."),
        ("uk", 3, "Збережено. Сповіщення отримають 3 зареєстровані читачі."),
        ("uk", 5, "Збережено. Сповіщення отримають 5 зареєстрованих читачів."),
    ],
)
def test_registrants_count_reads_as_registered_readers(catalogs, language, n, expected):
    template = catalogs.translator(language).ngettext(
        "Saved. {n} registrant will be notified.", "Saved. {n} registrants will be notified.", n
    )

    assert template.format(n=n) == expected


def test_kk_catalog_has_no_oku_mumkin_bolmady():
    found = [string for _msgid, string in _messages("kk") if "оқу мүмкін болмады" in string]

    assert found == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_quotes_with_guillemets(language):
    found = [string for _msgid, string in _messages(language) if '"' in TAG.sub("", string)]

    assert found == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_writes_decimal_comma(language):
    found = [string for _msgid, string in _messages(language) if DECIMAL_POINT.search(string)]

    assert found == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_writes_number_sign_not_hash(language):
    found = [string for _msgid, string in _messages(language) if "#{" in string]

    assert found == []


def test_uk_catalog_writes_typographic_apostrophe():
    found = [string for _msgid, string in _messages("uk") if "'" in TAG.sub("", string)
             and "'-'" not in string]

    assert found == []


def test_ru_catalog_calls_registrants_zaregistrirovannye():
    messages = _messages("ru")
    other_words = [string for _msgid, string in messages if "записавш" in string.lower()]
    registrants = [string for msgid, string in messages if "registrant" in msgid.lower()
                   and ("зарегистрирован" not in string.lower() or "участник" in string.lower())]

    assert (other_words, registrants) == ([], [])


def test_uk_catalog_calls_registrants_zareiestrovani():
    registrants = [string for msgid, string in _messages("uk") if "registrant" in msgid.lower()
                   and ("зареєстрован" not in string.lower() or "учасник" in string.lower())]

    assert registrants == []


@pytest.mark.parametrize(("language", "word"), [("ru", "команд"), ("uk", "команд")])
def test_catalog_calls_a_contest_side_komanda(language, word):
    found = [string for msgid, string in _messages(language) if SIDE.search(msgid)
             and (word not in string.lower() or "сторон" in string.lower())]

    assert found == []


@pytest.mark.parametrize(
    ("language", "wording"),
    [
        ("kk", "біз жақта"),
        ("kk", "қазірдің өзінде"),
        ("kk", "алқасындағы жұмыс"),
        ("kk", "теңгелік сертификат"),
        ("ru", "встать в лист"),
        ("ru", "работа в жюри"),
        ("ru", "с другими языками"),
        ("uk", "стати в список"),
        ("uk", "робота в журі"),
        ("uk", "з іншими мовами"),
        ("uk", "типово"),
        ("uk", "на початку"),
        ("uk", "відзначається"),
        ("uk", "подячн"),
    ],
)
def test_catalog_avoids_wording_replaced_by_glossary(language, wording):
    found = [string for _msgid, string in _messages(language) if wording in string.lower()]

    assert found == []
