"""Certificates and letters of thanks: PDFs drawn with an embedded font that has every
Kazakh and Ukrainian letter."""

from __future__ import annotations

import io
from datetime import date

import pytest

from bot.messages import certificates
from storage.contest_models import Contest
from tests.factories import NOW

KAZAKH_LETTERS = "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі"
UKRAINIAN_LETTERS = "Єє Її Ґґ"
DAY = date(2026, 12, 20)


def contest(**overrides) -> Contest:
    fields = {
        "id": 3, "kind": "essay", "language": "ru",
        "titles": {"ru": "Мы кочуем навстречу себе", "en": "We roam towards ourselves",
                   "kk": "Өзімізге қарай көшеміз"},
        "organizer_names": {"ru": "Карагандинская областная юношеская библиотека",
                            "kk": "Қарағанды облыстық жасөспірімдер кітапханасы"},
        "timezone": "Asia/Almaty", "opens_at": NOW, "closes_at": NOW, "age_min": 15,
        "age_max": 19, "age_reference_date": DAY,
        "prizes": {"1": {"en": "100,000 tenge", "kk": "100 000 теңге"}},
        "created_at": NOW, "updated_at": NOW,
    }
    fields.update(overrides)
    return Contest(**fields)


def award(**overrides) -> certificates.Award:
    fields = {"contest": contest(), "full_name": "Aigerim Serikova", "place": 1,
              "shared": False, "winner": True, "day": DAY}
    fields.update(overrides)
    return certificates.Award(**fields)


@pytest.mark.parametrize("language", ["en", "ru", "uk", "kk", "kk_Latn"])
def test_certificate_is_a_pdf_in_every_language(catalogs, language):
    pdf = certificates.render(catalogs.translator(language), award())

    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_kazakh_name_renders_with_the_embedded_font(catalogs):
    name = "Әсел Құрманқызы Ғалымжанова"

    pdf = certificates.render(catalogs.translator("kk"), award(full_name=name))

    assert pdf.startswith(b"%PDF-")
    # The font is embedded (a subset of it), not referred to by name only.
    assert b"/FontFile2" in pdf and b"SourceSerif" in pdf


def test_the_font_draws_every_kazakh_and_ukrainian_letter():
    text = f"{KAZAKH_LETTERS} {UKRAINIAN_LETTERS} Ёё Щщ «»—"

    assert certificates.printable(text) == text


def test_the_font_draws_every_letter_of_the_kazakh_latin_alphabet():
    # The 2021 alphabet (bot/core/latin.py), both cases: İ and ı are letters of their own.
    text = "Ää Ğğ Ññ Öö Şş Ūū Üü Iı İi Qq"

    assert certificates.printable(text) == text


def test_characters_the_font_lacks_are_left_out():
    assert certificates.printable("Aru 🌷  Bek\nova") == "Aru Bek ova"


def test_winner_and_thanks_differ(catalogs):
    en = catalogs.translator("en")
    winner = award()
    thanks = award(place=4, winner=False)

    assert certificates.render(en, winner) != certificates.render(en, thanks)
    assert (certificates.file_name(en, winner), certificates.file_name(en, thanks)) == (
        "Diploma.pdf", "Letter of thanks.pdf")


def test_a_shared_place_gives_a_different_certificate(catalogs):
    en = catalogs.translator("en")

    assert certificates.render(en, award(shared=True)) != certificates.render(en, award())


def test_the_same_award_renders_the_same_bytes(catalogs):
    en = catalogs.translator("en")

    assert certificates.render(en, award()) == certificates.render(en, award())


def test_a_ranked_non_winner_gets_a_letter_of_thanks():
    assert (award(place=2, winner=False).is_certificate,
            award(place=None, winner=False).is_certificate,
            award(place=3, winner=True).is_certificate) == (False, False, True)


def _words(catalogs, language: str, **overrides) -> tuple:  # noqa: ANN001
    words = certificates.wording(catalogs.translator(language), award(**overrides))
    return words.heading, words.before, words.name, words.after


def test_kazakh_diploma_puts_the_verb_after_the_name(catalogs):
    assert _words(catalogs, "kk") == (
        "I дәрежелі диплом", "", "Aigerim Serikova",
        "«Өзімізге қарай көшеміз» байқауындағы 1-орын үшін марапатталады")


def test_russian_diploma_has_the_degree_and_awards_the_name(catalogs):
    assert _words(catalogs, "ru", place=2, shared=True) == (
        "Диплом II степени", "Награждается", "Aigerim Serikova",
        "за 2-е место (разделённое) в конкурсе «Мы кочуем навстречу себе»")


def test_ukrainian_diploma_has_the_degree_in_ukrainian(catalogs):
    assert _words(catalogs, "uk", place=3)[:2] == ("Диплом III ступеня", "Нагороджується")


def test_english_diploma_beyond_the_third_place_has_no_degree(catalogs):
    assert _words(catalogs, "en", place=4)[0] == "Diploma"


@pytest.mark.parametrize(("language", "award_key", "expected"), [
    ("ru", "letter_of_thanks", ("Благодарственное письмо", "Вручается")),
    ("uk", "letter_of_thanks", ("Подяка", "Вручається")),
    ("ru", "charter", ("Грамота", "Награждается")),
    ("kk", "charter", ("Мадақтама", "")),
    ("ru", "certificate", ("Сертификат", "Вручается")),
])
def test_winner_document_is_titled_as_the_contest_chose(catalogs, language, award_key,
                                                        expected):
    words = _words(catalogs, language, contest=contest(award=award_key))

    assert words[:2] == expected


def test_kazakh_letter_of_thanks_to_a_winner_is_presented_verb_last(catalogs):
    words = _words(catalogs, "kk", contest=contest(award="letter_of_thanks"))

    assert (words[0], words[3]) == (
        "Алғыс хат", "«Өзімізге қарай көшеміз» байқауындағы 1-орын үшін марапатталады")


def test_participant_letter_is_presented_not_awarded(catalogs):
    assert (_words(catalogs, "ru", place=None, winner=False),
            _words(catalogs, "uk", place=None, winner=False)[1],
            _words(catalogs, "kk", place=None, winner=False)[3]) == (
        ("Благодарственное письмо", "Вручается", "Aigerim Serikova",
         "за участие в конкурсе «Мы кочуем навстречу себе»"),
        "Вручається",
        "«Өзімізге қарай көшеміз» байқауына қатысқаны үшін алғыс хатпен марапатталады",
    )


def test_event_letter_in_kazakh_ends_with_the_verb(catalogs):
    words = certificates.event_wording(catalogs.translator("kk"), "Кітапхана", "Әсел Ғалымова",
                                       "Болашақ үлгісі", DAY)

    assert (words.heading, words.before, words.name, words.after) == (
        "Алғыс хат", "", "Әсел Ғалымова",
        "2026 жылғы 20 желтоқсан күні өткен «Болашақ үлгісі» іс-шарасына қатысқаны үшін "
        "алғыс хатпен марапатталады")


def test_event_letter_in_russian_is_presented(catalogs):
    words = certificates.event_wording(catalogs.translator("ru"), "Библиотека", "Дана Ким",
                                       "Модель будущего", DAY)

    assert (words.before, words.after) == (
        "Вручается",
        "за участие в мероприятии «Модель будущего», состоявшемся 20 декабря 2026\u202fг.")


def test_diploma_file_name_is_the_award_without_its_degree(catalogs):
    assert (certificates.file_name(catalogs.translator("ru"), award()),
            certificates.file_name(catalogs.translator("kk"),
                                   award(contest=contest(award="charter")))) == (
        "Диплом.pdf", "Мадақтама.pdf")


def test_latin_kazakh_diploma_has_its_heading_in_latin_capitals(catalogs):
    from pypdf import PdfReader

    t = catalogs.translator("kk_Latn")

    text = PdfReader(io.BytesIO(certificates.render(t, award()))).pages[0].extract_text()

    # "I därejelı diplom": the capital of the Latin "i" is the dotted "İ", which Python's
    # str.upper drops, and the dotless "ı" has the plain "I".
    assert text.split("\n")[1] == "I DÄREJELI DİPLOM"
