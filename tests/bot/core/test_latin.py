"""Kazakh in the Latin alphabet of 2021: the transliterator, its catalog and its Translator."""

import datetime as dt
import inspect
import re
import string
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.core import latin_catalog
from bot.core.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    LOCALES_DIR,
    Catalogs,
    LatinKazakhTranslator,
    Translator,
    guess_language,
)
from bot.core.latin import to_latin, upper
from bot.messages.broadcasts import text_for
from bot.services.catalog import localized
from bot.services.event_fields import parse_language
from bot.services.report_text import month_name
from handlers.broadcast_screens import duration_text
from storage.broadcast_models import Broadcast

CYRILLIC = re.compile("[\u0400-\u04ff]")
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Қазақстан", "Qazaqstan"),
        ("жюри", "jiuri"),
        ("Шығыс", "Şyğys"),
        ("Ұлы", "Ūly"),
        ("қазылар алқасы", "qazylar alqasy"),
        ("Сертификат", "Sertifikat"),
        ("әріп", "ärıp"),
        ("оқушыға", "oquşyğa"),
        ("теңге", "teñge"),
        ("өлең", "öleñ"),
        ("үйіне", "üiıne"),
        ("сый", "syi"),
        ("айтыс", "aitys"),
        ("кітапхана", "kıtaphana"),
        ("Һ һ х", "H h h"),
        ("вице-президент", "vitse-prezident"),
        ("чемпионат", "chempionat"),
        ("щётка", "şşiotka"),
        ("подъезд", "podezd"),
        ("пьеса", "pesa"),
        ("экран", "ekran"),
        ("Ялта", "İalta"),
    ],
)
def test_to_latin_writes_real_words_by_the_2021_table(cyrillic, latin):
    assert to_latin(cyrillic) == latin


def test_to_latin_matches_the_commissions_worked_example():
    # The sample sentence of the 2021 table (Wikipedia, "Kazakh alphabets").
    text = "Бұрыңғы өткен заманда, бір данышпан кісі, Бағдат шаһарының бір үлкен қазысының үйіне"

    assert to_latin(text) == (
        "Būryñğy ötken zamanda, bır danyşpan kısı, Bağdat şaharynyñ bır ülken qazysynyñ üiıne")


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Шәкірт", "Şäkırt"),
        ("Щукин", "Şşukin"),
        ("Юлия", "İuliia"),
        ("Яна", "İana"),
        ("Царь", "Tsar"),
        ("Ёлка", "İolka"),
        ("Іле", "Ile"),
        ("Иса", "İsa"),
    ],
)
def test_to_latin_capital_at_a_word_start_capitalizes_only_its_first_latin_letter(
    cyrillic, latin
):
    assert to_latin(cyrillic) == latin


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [("ЖЮРИ", "JİURİ"), ("ҚР", "QR"), ("ЩИТ", "ŞŞİT"), ("ІС-ШАРА", "IS-ŞARA"), ("ШЫҒЫС", "ŞYĞYS")],
)
def test_to_latin_word_in_capitals_stays_in_capitals(cyrillic, latin):
    assert to_latin(cyrillic) == latin


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Сәлеметсіз бе, {name}!", "Sälemetsız be, {name}!"),
        ("{атауы} жарияланды", "{атауы} jariialandy"),
        ("<b>Қазылар</b> алқасы", "<b>Qazylar</b> alqasy"),
        ('<a href="https://кітап.kz/іс">сілтеме</a>', '<a href="https://кітап.kz/іс">sılteme</a>'),
        ("Сайт: https://кітап.kz/жаңалық", "Sait: https://кітап.kz/жаңалық"),
        ("/events — іс-шаралар", "/events — ıs-şaralar"),
        ("%(count)s жұмыс, %s қатысушы", "%(count)s jūmys, %s qatysuşy"),
        ("PDF-файл, Telegram, iPhone", "PDF-fail, Telegram, iPhone"),
        ("2026 ж. 5 желтоқсан, 15:00", "2026 j. 5 jeltoqsan, 15:00"),
        ("&lt; белгісі", "&lt; belgısı"),
    ],
)
def test_to_latin_keeps_placeholders_tags_urls_commands_and_latin_text(cyrillic, latin):
    assert to_latin(cyrillic) == latin


def test_to_latin_of_latin_text_changes_nothing():
    text = to_latin("Қош келдіңіз, {name}! <b>Шығыс</b> ЖЮРИ")

    assert to_latin(text) == text


def test_upper_keeps_the_dotted_and_dotless_i_apart():
    assert (upper("Sertifikat"), upper("Alğys hat"), upper("Bılım")) == (
        "SERTİFİKAT", "ALĞYS HAT", "BILIM")


def test_latin_kazakh_is_offered_under_its_own_name():
    assert (LANGUAGES, LANGUAGE_NAMES["kk_Latn"]) == (
        ("kk", "ru", "uk", "en", "kk_Latn"), "Qazaqşa (latyn)")


@pytest.mark.parametrize("telegram_code", ["kk", "kk-KZ", "kk_Latn", "kk-Latn"])
def test_guess_language_never_picks_latin_kazakh(telegram_code):
    assert guess_language(telegram_code, "ru") in ("kk", "ru")


@pytest.fixture(scope="module")
def latin() -> Translator:
    return Catalogs.load().translator("kk_Latn")


def test_catalogs_load_the_latin_catalog_for_kk_latn(latin):
    assert (type(latin), latin.language, latin.gettext("Letter of thanks")) == (
        LatinKazakhTranslator, "kk_Latn", to_latin(Catalogs.load().translator("kk").gettext(
            "Letter of thanks")))


def test_catalogs_load_refuses_a_missing_latin_catalog(tmp_path):
    with pytest.raises(FileNotFoundError):
        Catalogs.load(tmp_path)


def test_latin_translator_writes_dates_with_transliterated_kazakh_month_names(latin):
    day = dt.date(2026, 12, 5)
    moment = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)

    assert (latin.date(day), latin.datetime(moment, ALMATY), latin.time(moment, ALMATY),
            latin.short_date(day)) == (
        to_latin(Translator("kk", latin.translations).date(day)),
        to_latin(Translator("kk", latin.translations).datetime(moment, ALMATY)),
        "15:00",
        "05.12.26",
    )
    assert CYRILLIC.search(latin.date(day)) is None
    assert "jeltoqsan" in latin.date(day)


def test_latin_translator_writes_numbers_as_kazakh_does(latin):
    assert latin.number(1234.5) == Translator("kk", latin.translations).number(1234.5)


def test_latin_translator_transliterates_every_formatting_method_of_translator():
    # A method added to Translator that formats by language would print Cyrillic in a
    # Latin screen unless LatinKazakhTranslator delegates it too.
    plain = {"gettext", "ngettext", "pgettext"}
    formatting = {
        name for name, member in inspect.getmembers(Translator)
        if not name.startswith("_") and name not in plain
        and (inspect.isfunction(member) or isinstance(member, property))
        and name not in {"locale", "language", "translations"}
    }

    assert formatting - set(vars(LatinKazakhTranslator)) == set()


def test_latin_catalog_is_generated_from_the_current_kazakh_one():
    with open(LOCALES_DIR / "kk" / "LC_MESSAGES" / "messages.po", "rb") as po:
        expected = latin_catalog.latin_catalog(read_po(po, locale="kk"))
    with open(LOCALES_DIR / "kk_Latn" / "LC_MESSAGES" / "messages.po", "rb") as po:
        generated = read_po(po, locale="kk_Latn")

    def messages(catalog):
        return {(m.id, m.context): (m.string, m.fuzzy) for m in catalog if m.id}

    assert (messages(generated), generated.locale_identifier, generated.num_plurals) == (
        messages(expected), "kk_Latn", 2), "run `python -m bot.core.latin_catalog`"


def test_latin_catalog_generation_writes_po_and_mo(tmp_path):
    source = tmp_path / "kk" / "LC_MESSAGES"
    source.mkdir(parents=True)
    source.joinpath("messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: kk\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "Jury"\nmsgstr "Қазылар алқасы"\n\n'
        'msgid "{n} entry"\nmsgid_plural "{n} entries"\nmsgstr[0] "{n} жұмыс"\n'
        'msgstr[1] "{n} жұмыс"\n',
        encoding="utf-8",
    )

    latin_catalog.generate(tmp_path)

    loaded = Translations.load(str(tmp_path), ["kk_Latn"], "messages")
    assert (loaded.gettext("Jury"), loaded.ngettext("{n} entry", "{n} entries", 3)) == (
        "Qazylar alqasy", "{n} jūmys")


def _sample(name: str, t: Translator) -> object:
    if name in {"when", "opens", "closes", "time", "old_time", "new_time"}:
        return t.datetime(dt.datetime(2026, 12, 21, 10, 0, tzinfo=dt.UTC), ALMATY)
    if name in {"date", "day", "consent_date", "birth_date", "deadline"}:
        return t.date(dt.date(2026, 12, 21))
    if name in {"average", "rate", "spread", "weight"}:
        return t.number(4.5)
    return 3


def test_latin_catalog_renders_every_message_without_cyrillic(latin):
    with open(LOCALES_DIR / "kk_Latn" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale="kk_Latn")
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        names = {name for _, name, _, _ in string.Formatter().parse(ids[-1]) if name}
        values = {name: _sample(name, latin) for name in names}
        texts = ([latin.ngettext(ids[0], ids[1], n) for n in (1, 5)] if len(ids) > 1
                 else [latin.gettext(ids[0])])
        found += [ids[0] for text in texts
                  if CYRILLIC.search(text.format(**values) if names else text)]

    assert found == []


def test_localized_gives_a_latin_kazakh_reader_the_kazakh_text_in_latin_letters():
    titles = {"kk": "Абай оқулары", "ru": "Абаевские чтения"}

    assert (localized(titles, "kk_Latn", "kk"), localized(titles, "kk", "kk")) == (
        "Abai oqulary", "Абай оқулары")


def test_localized_prefers_a_text_written_for_latin_kazakh():
    titles = {"kk": "Абай оқулары", "kk_Latn": "Abai oqulary 2027"}

    assert localized(titles, "kk_Latn", "kk") == "Abai oqulary 2027"


def test_broadcast_text_for_a_latin_kazakh_reader_is_the_kazakh_version_in_latin_letters():
    broadcast = Broadcast(created_by=1, default_language="ru", texts={
        "ru": "<b>Конкурс</b> открыт",
        "kk": '<b>Байқау</b> ашылды: <a href="https://t.me/x">сілтеме</a>',
    })

    assert text_for(broadcast, "kk_Latn") == (
        '<b>Baiqau</b> aşyldy: <a href="https://t.me/x">sılteme</a>')


def test_report_month_name_for_latin_kazakh_is_transliterated(latin):
    assert month_name(latin, dt.date(2026, 12, 1)) == to_latin(
        month_name(Translator("kk", latin.translations), dt.date(2026, 12, 1)))
    assert CYRILLIC.search(month_name(latin, dt.date(2026, 12, 1))) is None


def test_broadcast_duration_for_latin_kazakh_is_transliterated(latin):
    assert duration_text(latin, 300) == to_latin(
        duration_text(Translator("kk", latin.translations), 300))
    assert CYRILLIC.search(duration_text(latin, 300)) is None


@pytest.mark.parametrize("typed", ["kk_Latn", "KK_LATN", "Qazaqşa (latyn)"])
def test_parse_language_of_an_import_file_knows_latin_kazakh(typed):
    assert parse_language(typed) == "kk_Latn"
