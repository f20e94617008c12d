"""How a broadcast's status reads while it runs: figures, rate, time left, buttons."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import LANGUAGES
from bot.services.broadcasts import Audience, AudienceKind, BroadcastFigures
from handlers.broadcast_screens import (
    ASK_CAPTION_IN,
    ASK_TEXT_IN,
    AUDIENCE_LANGUAGES,
    ask_version,
    ask_versions,
    audience_text,
    status_markup,
    status_text,
)
from storage.broadcast_models import Broadcast, BroadcastStatus, MediaKind
from tests.factories import NOW

ALMATY = ZoneInfo("Asia/Almaty")
FIGURES = BroadcastFigures(sent=4000, pending=5890, blocked=98, failed=2, uncertain=10,
                           cancelled=0, total=10000, rate_per_s=29.43, eta_seconds=200.1)


def broadcast(status: BroadcastStatus, **fields) -> Broadcast:
    return Broadcast(id=3, created_by=7001, status=status, texts={"en": "Hi"},
                     default_language="en", started_at=NOW, created_at=NOW, updated_at=NOW,
                     **fields)


def markup_texts(markup) -> list[list[tuple[str, str]]]:  # noqa: ANN001
    return [[(button.text, button.callback_data) for button in row]
            for row in markup.inline_keyboard]


def test_running_broadcast_shows_its_rate_and_time_left_with_pause_and_cancel(catalogs):
    t = catalogs.translator("en")
    running = broadcast(BroadcastStatus.RUNNING)

    text = status_text(t, running, FIGURES, "everyone", ALMATY)

    assert text == (
        "📣 Announcement #3: sending\nAudience: everyone\nSent: 4,000 of 10,000\n"
        "Waiting: 5,890\nBlocked the bot: 98\nFailed: 2\nNot confirmed (timed out): 10\n"
        "Rate: 29.4 per second\nTime left: about 3 minutes")
    assert markup_texts(status_markup(t, running)) == [
        [("Pause", "bs:pause:3"), ("Cancel", "bs:cancel:3")]]


def test_paused_broadcast_shows_no_rate_and_offers_resume(catalogs):
    t = catalogs.translator("en")
    paused = broadcast(BroadcastStatus.PAUSED)

    text = status_text(t, paused, FIGURES, "everyone", ALMATY)

    assert text.split("\n")[0] == "📣 Announcement #3: paused"
    assert not [line for line in text.split("\n") if line.startswith(("Rate", "Time left"))]
    assert markup_texts(status_markup(t, paused)) == [
        [("Resume", "bs:resume:3"), ("Cancel", "bs:cancel:3")]]


def test_finished_broadcast_says_how_long_it_took_and_has_no_buttons(catalogs):
    t = catalogs.translator("en")
    done = broadcast(BroadcastStatus.DONE, finished_at=NOW + timedelta(seconds=339))
    figures = BroadcastFigures(sent=9890, pending=0, blocked=100, failed=0, uncertain=10,
                               cancelled=0, total=10000, rate_per_s=None, eta_seconds=0.0)

    text = status_text(t, done, figures, "everyone", ALMATY)

    assert text == (
        "📣 Announcement #3: finished\nAudience: everyone\nSent: 9,890 of 10,000\nWaiting: 0\n"
        "Blocked the bot: 100\nFailed: 0\nNot confirmed (timed out): 10\nTook: 6 minutes")
    assert status_markup(t, done) is None


# --- language names inside sentences ---------------------------------------------------------
# "Қазақша", "Русский"... are labels of buttons; in a sentence each language has its own
# phrase, in the grammatical form the sentence needs.


@pytest.mark.parametrize(("language", "labels"), [
    ("kk", {"kk": "қазақ тілін таңдаған оқырмандар",
            "kk_Latn": "латын әліпбиіндегі қазақ тілін таңдаған оқырмандар",
            "ru": "орыс тілін таңдаған оқырмандар", "uk": "украин тілін таңдаған оқырмандар",
            "en": "ағылшын тілін таңдаған оқырмандар"}),
    ("ru", {"kk": "читатели, выбравшие казахский язык",
            "kk_Latn": "читатели, выбравшие казахский язык на латинице",
            "ru": "читатели, выбравшие русский язык", "uk": "читатели, выбравшие украинский язык",
            "en": "читатели, выбравшие английский язык"}),
    ("uk", {"kk": "читачі, які обрали казахську мову",
            "kk_Latn": "читачі, які обрали казахську мову латиницею",
            "ru": "читачі, які обрали російську мову", "uk": "читачі, які обрали українську мову",
            "en": "читачі, які обрали англійську мову"}),
    ("en", {"kk": "readers who chose Kazakh",
            "kk_Latn": "readers who chose Kazakh in the Latin alphabet",
            "ru": "readers who chose Russian", "uk": "readers who chose Ukrainian",
            "en": "readers who chose English"}),
])
def test_language_audience_reads_as_a_phrase_of_the_organizers_language(
        catalogs, language, labels):
    t = catalogs.translator(language)

    shown = {code: audience_text(t, Audience(AudienceKind.LANGUAGE, language=code), None, None,
                                 language) for code in LANGUAGES}

    assert shown == labels


@pytest.mark.parametrize(("language", "text", "caption"), [
    ("kk", "Мәтінді орыс тілінде жіберіңіз.",
     "Сипаттаманы орыс тілінде жіберіңіз (1024 таңбаға дейін)."),
    ("ru", "Отправьте текст на казахском языке.",
     "Отправьте подпись на казахском языке (до 1024 символов)."),
    ("uk", "Надішліть текст англійською мовою.",
     "Надішліть підпис англійською мовою (до 1024 символів)."),
])
def test_version_question_names_the_language_in_the_sentences_form(
        catalogs, language, text, caption):
    t = catalogs.translator(language)
    translating = {"kk": "ru", "ru": "kk", "uk": "en"}[language]

    asked = [ask_version(t, {"translating": translating, "media_kind": kind})[0]
             for kind in (MediaKind.NONE, MediaKind.PHOTO)]

    assert asked == [text, caption]


@pytest.mark.parametrize(("language", "text"), [
    ("kk", "Нұсқалар: Қазақша (әдепкі), Русский. Басқа тілді таңдаған оқырмандар әдепкі "
           "нұсқаны алады. Басқа тілде нұсқа қосыңыз немесе жалғастырыңыз."),
    ("ru", "Версии: Қазақша (по умолчанию), Русский. Читатели, выбравшие другой язык, получат "
           "версию по умолчанию. Добавьте версию на другом языке или продолжите."),
    ("uk", "Версії: Қазақша (за замовчуванням), Русский. Читачі, які обрали іншу мову, "
           "отримають версію за замовчуванням. Додайте версію іншою мовою або продовжте."),
])
def test_versions_menu_names_languages_only_in_its_list(catalogs, language, text):
    t = catalogs.translator(language)

    asked, _markup = ask_versions(t, {"language": "kk", "versions": {"ru": "Привет"}})

    assert asked == text


def test_every_language_has_its_own_sentences():
    covered = [sorted(phrases) for phrases in (AUDIENCE_LANGUAGES, ASK_TEXT_IN, ASK_CAPTION_IN)]

    assert covered == [sorted(LANGUAGES)] * 3
