"""Certificates and letters of thanks: PDFs drawn with an embedded font that has every
Kazakh and Ukrainian letter."""

from __future__ import annotations

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


@pytest.mark.parametrize("language", ["en", "ru", "uk", "kk"])
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


def test_characters_the_font_lacks_are_left_out():
    assert certificates.printable("Aru 🌷  Bek\nova") == "Aru Bek ova"


def test_winner_and_thanks_differ(catalogs):
    en = catalogs.translator("en")
    winner = award()
    thanks = award(place=4, winner=False)

    assert certificates.render(en, winner) != certificates.render(en, thanks)
    assert (certificates.file_name(en, winner), certificates.file_name(en, thanks)) == (
        "Certificate.pdf", "Letter of thanks.pdf")


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
